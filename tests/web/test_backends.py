"""Search backends: SearxNG's JSON API, ddgs really failing here, failover and back-off."""

from __future__ import annotations

import pytest

from ponder.agent.errors import ConfigError
from ponder.agent.settings import SearchSettings
from ponder.tools.web import (
    DdgsBackend,
    FailoverSearch,
    RateLimitedError,
    SearchBackendError,
    SearchUnavailableError,
    SearxngBackend,
    backends_from_settings,
)

from .server import LocalWeb


class _Sleeps:
    """Records back-off pauses instead of waiting them out."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)


@pytest.fixture
async def ddgs_offline(monkeypatch: pytest.MonkeyPatch) -> DdgsBackend:
    """The real ddgs backend, sent through a proxy that refuses every connection (ddgs
    reads ``DDGS_PROXY``): it fails the same way online or offline."""
    monkeypatch.setenv("DDGS_PROXY", "http://127.0.0.1:9")
    backend = DdgsBackend(timeout=5)
    with pytest.raises(SearchBackendError):
        await backend.search("ponder agent framework", 1)
    return backend


async def test_searxng_results(web: LocalWeb) -> None:
    backend = SearxngBackend(web.base)
    results = await backend.search("zephyr bridge", 2)
    await backend.aclose()
    assert [r.url for r in results] == [web.url("/article"), web.url("/doc.pdf")]
    assert results[0].title == "The Zephyr Bridge"
    assert "suspension bridge" in results[0].snippet


async def test_searxng_rate_limit_and_server_errors(web: LocalWeb) -> None:
    limited = SearxngBackend(web.url("/limited"))
    broken = SearxngBackend(web.url("/broken"))
    with pytest.raises(RateLimitedError, match="searxng: rate limited"):
        await limited.search("q", 3)
    with pytest.raises(SearchBackendError, match="HTTP 500") as info:
        await broken.search("q", 3)
    assert info.value.retryable
    await limited.aclose()
    await broken.aclose()


async def test_ddgs_fails_over_to_searxng(ddgs_offline: DdgsBackend, web: LocalWeb) -> None:
    search = FailoverSearch([ddgs_offline, SearxngBackend(web.base)], sleep=_Sleeps())
    outcome = await search.search("zephyr bridge", 3)
    await search.aclose()
    assert outcome.backend == "searxng"
    assert outcome.results[0].url == web.url("/article")
    assert [e.backend for e in outcome.errors] == ["ddgs"]


async def test_all_backends_failing_is_search_unavailable(ddgs_offline: DdgsBackend,
                                                          web: LocalWeb) -> None:
    search = FailoverSearch([ddgs_offline, SearxngBackend(web.url("/broken"))],
                            attempts=2, sleep=_Sleeps())
    with pytest.raises(SearchUnavailableError) as info:
        await search.search("zephyr bridge", 3)
    await search.aclose()
    message = str(info.value)
    assert message.startswith("search unavailable: ddgs: ")
    assert "; searxng: HTTP 500" in message


async def test_rate_limits_back_off_with_jitter_then_fail_over(web: LocalWeb) -> None:
    sleeps = _Sleeps()
    search = FailoverSearch(
        [SearxngBackend(web.url("/limited")), SearxngBackend(web.base)],
        attempts=3, backoff=1.0, max_backoff=8.0, sleep=sleeps,
    )
    before = web.requests["/limited/search"]
    outcome = await search.search("zephyr bridge", 3)
    await search.aclose()
    assert outcome.backend == "searxng"
    assert isinstance(outcome.errors[0], RateLimitedError)
    assert web.requests["/limited/search"] - before == 3
    assert len(sleeps.pauses) == 2
    # exponential base 1 s then 2 s, each plus up to 1 s of jitter
    assert 1.0 <= sleeps.pauses[0] <= 2.0
    assert 2.0 <= sleeps.pauses[1] <= 3.0


async def test_permanent_errors_are_not_retried(web: LocalWeb) -> None:
    sleeps = _Sleeps()
    search = FailoverSearch([SearxngBackend("http://127.0.0.1:9")], attempts=3, sleep=sleeps)
    with pytest.raises(SearchUnavailableError, match="cannot reach"):
        await search.search("q", 3)
    await search.aclose()
    assert sleeps.pauses == []


def test_backends_follow_the_settings(web: LocalWeb) -> None:
    built = backends_from_settings(SearchSettings(backends=["ddgs", "searxng"],
                                                  searxng_url=web.base))
    assert [b.name for b in built] == ["ddgs", "searxng"]
    with pytest.raises(ConfigError, match=r"search\.searxng_url"):
        backends_from_settings(SearchSettings(backends=["searxng"]))
