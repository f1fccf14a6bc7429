"""Fixtures: the local web server, settings pointing at it, and the web tools."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from ponder.agent.settings import SearchSettings, Settings
from ponder.tools.base import Tool
from ponder.tools.web import BrowsingSession, PageFetcher, WebCache, make_web_tools

from .server import LocalWeb


@pytest.fixture(scope="session")
def web() -> Iterator[LocalWeb]:
    server = LocalWeb().start()
    yield server
    server.stop()


@pytest.fixture
def settings(web: LocalWeb, tmp_path: Path) -> Settings:
    """Search through the local SearxNG only; the tests' server may be reached."""
    return Settings(
        cache_dir=tmp_path / "cache",
        search=SearchSettings(backends=["searxng"], searxng_url=web.base, chunk_chars=400,
                              allow_private_addresses=True, fetch_timeout=5.0),
    )


@pytest.fixture
async def fetcher(web: LocalWeb) -> AsyncIterator[PageFetcher]:
    """A fetcher with the default address rules, except that the test server is allowed."""
    page_fetcher = PageFetcher(timeout=5.0, max_bytes=50_000, max_redirects=5,
                               allow_hosts=[web.host])
    yield page_fetcher
    await page_fetcher.aclose()


@pytest.fixture
async def tools(settings: Settings, fetcher: PageFetcher) -> AsyncIterator[dict[str, Tool]]:
    """search/open/find sharing one session, uncached, fetching through ``fetcher``."""
    made = make_web_tools(settings, session=BrowsingSession(chunk_chars=400), fetcher=fetcher,
                          cache=WebCache(settings.cache_dir / "web.sqlite", enabled=False))
    yield {tool.name: tool for tool in made}
    for tool in made:
        if tool.name == "search":
            await tool.aclose()  # type: ignore[attr-defined]
