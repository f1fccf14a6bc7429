"""The disk cache: hits, expiry, the --no-cache bypass and switching it off."""

from __future__ import annotations

from pathlib import Path

import pytest

from ponder.agent.settings import Settings
from ponder.tools.base import Tool, ToolContext
from ponder.tools.web import BrowsingSession, PageFetcher, WebCache, make_web_tools

from .server import LocalWeb

CTX = ToolContext(thread_id="cache")


class Clock:
    """A settable clock for TTL tests."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _tools(settings: Settings, fetcher: PageFetcher, cache: WebCache) -> dict[str, Tool]:
    made = make_web_tools(settings, session=BrowsingSession(), fetcher=fetcher, cache=cache)
    return {tool.name: tool for tool in made}


async def _search(tools: dict[str, Tool], query: str = "zephyr bridge") -> bool:
    obs = await tools["search"].call(tools["search"].args_schema(query=query), CTX)
    assert obs.ok
    return bool(obs.data["cached"])


async def _open(tools: dict[str, Tool], url: str) -> bool:
    obs = await tools["open"].call(tools["open"].args_schema(target=url), CTX)
    assert obs.ok and "Amelia Thornbury" in obs.text
    return bool(obs.data["cached"])


def test_entries_expire_after_the_ttl(tmp_path: Path) -> None:
    clock = Clock()
    cache = WebCache(tmp_path / "web.sqlite", ttl_seconds=60, clock=clock)
    cache.put("page", "u", {"text": "hello"})
    assert cache.get("page", "u") == {"text": "hello"}
    clock.now += 61
    assert cache.get("page", "u") is None
    assert cache.prune() == 1


async def test_repeat_search_and_open_come_from_the_cache(
    settings: Settings, fetcher: PageFetcher, web: LocalWeb, tmp_path: Path
) -> None:
    clock = Clock()
    cache = WebCache(tmp_path / "web.sqlite", ttl_seconds=60, clock=clock)
    first = _tools(settings, fetcher, cache)
    searches, pages = web.requests["/search"], web.requests["/article"]
    assert not await _search(first)
    assert not await _open(first, web.url("/article"))
    # a new run (fresh session) with the same cache file: no network at all
    second = _tools(settings, fetcher, WebCache(tmp_path / "web.sqlite", ttl_seconds=60,
                                                clock=clock))
    assert await _search(second, "  Zephyr   BRIDGE ")
    assert await _open(second, web.url("/article"))
    assert (web.requests["/search"], web.requests["/article"]) == (searches + 1, pages + 1)
    # after the TTL the network is used again
    clock.now += 61
    third = _tools(settings, fetcher, cache)
    assert not await _search(third)
    assert web.requests["/search"] == searches + 2


async def test_no_cache_bypasses_reads_but_refreshes_entries(
    settings: Settings, fetcher: PageFetcher, web: LocalWeb, tmp_path: Path
) -> None:
    path = tmp_path / "web.sqlite"
    await _search(_tools(settings, fetcher, WebCache(path)))
    searches = web.requests["/search"]
    bypass = _tools(settings, fetcher, WebCache(path, bypass=True))
    assert not await _search(bypass)
    assert not await _search(bypass)
    assert web.requests["/search"] == searches + 2
    assert await _search(_tools(settings, fetcher, WebCache(path)))


async def test_disabled_cache_writes_nothing(settings: Settings, fetcher: PageFetcher,
                                             tmp_path: Path) -> None:
    path = tmp_path / "off" / "web.sqlite"
    tools = _tools(settings, fetcher, WebCache(path, enabled=False))
    assert not await _search(tools)
    assert not await _search(tools)
    assert not path.exists()


def test_cache_follows_the_settings(settings: Settings) -> None:
    cache = WebCache.from_settings(settings, bypass=True)
    assert cache.path == settings.cache_dir / "web.sqlite"
    assert cache.bypass and cache.enabled
    assert cache.ttl_seconds == settings.search.cache_ttl_seconds


def test_an_unusable_cache_file_acts_as_a_miss(tmp_path: Path) -> None:
    broken = tmp_path / "web.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    cache = WebCache(broken)
    cache.put("search", "k", {"results": []})
    assert cache.get("search", "k") is None


@pytest.mark.parametrize("bypass", [False, True])
def test_make_web_tools_passes_no_cache_through(settings: Settings, bypass: bool) -> None:
    tools = make_web_tools(settings, no_cache=bypass)
    assert all(tool.cache.bypass is bypass for tool in tools[:2])  # type: ignore[attr-defined]


def test_a_key_sqlite_cannot_store_is_a_miss_not_an_error(tmp_path: Path) -> None:
    cache = WebCache(tmp_path / "web.sqlite")
    cache.put("search", "lone \ud800 surrogate", {"results": []})
    assert cache.get("search", "lone \ud800 surrogate") is None


async def test_a_page_fetched_under_an_address_exemption_stays_with_those_rules(
        tmp_path: Path) -> None:
    from ponder.tools.web.fetch import FetchedPage
    from ponder.tools.web.session import SessionStore
    from ponder.tools.web.tools import OpenArgs, OpenTool

    class Fetcher:
        """Answers every URL with a fixed page, under the given address rules."""

        def __init__(self, rules: PageFetcher, text: str) -> None:
            self.address_policy, self.text, self.fetched = rules.address_policy, text, 0

        async def fetch(self, url: str) -> FetchedPage:
            self.fetched += 1
            return FetchedPage(url=url, final_url=url, status=200, content_type="text/plain",
                               kind="text", text=self.text)

    cache = WebCache(tmp_path / "web.sqlite")
    url = "http://wiki.corp/payroll"
    intranet = Fetcher(PageFetcher(allow_hosts=["wiki.corp"]), "salaries: secret")
    default = Fetcher(PageFetcher(), "refused in real life")
    for fetcher in (intranet, intranet, default):
        tool = OpenTool(fetcher, SessionStore(chunk_chars=2_000), cache)  # type: ignore[arg-type]
        await tool.call(OpenArgs(target=url), ToolContext(thread_id="t"))
    assert intranet.fetched == 1  # its own rules read it back from the cache
    assert default.fetched == 1  # other rules never see the cached intranet page
