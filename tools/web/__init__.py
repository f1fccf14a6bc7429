"""Web tools: search, open and find, with a disk cache, address rules and provenance.

``make_web_tools(settings)`` is the usual entry point; the pieces are public for people
who assemble their own (another backend, a shared fetcher, a custom cache).
"""

from __future__ import annotations

from ponder.agent.settings import Settings
from ponder.tools.base import Tool
from ponder.tools.web.backends import (
    DdgsBackend,
    FailoverSearch,
    RateLimitedError,
    SearchBackend,
    SearchBackendError,
    SearchOutcome,
    SearchResult,
    SearchUnavailableError,
    SearxngBackend,
    backends_from_settings,
)
from ponder.tools.web.cache import WebCache
from ponder.tools.web.extract import UnreadableContentError
from ponder.tools.web.fetch import FetchedPage, FetchError, PageFetcher
from ponder.tools.web.safety import BlockedAddressError, wrap_untrusted
from ponder.tools.web.session import BrowsingSession, SessionStore
from ponder.tools.web.tools import (
    WEB_TOOL_NAMES,
    FindTool,
    OpenTool,
    SearchTool,
)
from ponder.tools.web.urls import BadURLError, checked_url


def make_web_tools(
    settings: Settings,
    *,
    session: BrowsingSession | None = None,
    no_cache: bool = False,
    search: FailoverSearch | None = None,
    fetcher: PageFetcher | None = None,
    cache: WebCache | None = None,
) -> list[Tool]:
    """The ``search``, ``open`` and ``find`` tools, sharing browsing state.

    Browsing state is kept per conversation thread; pass ``session`` to make every
    thread share that one. ``no_cache`` is the CLI's ``--no-cache`` (fetch afresh, still
    store). ``search``, ``fetcher`` and ``cache`` replace the ones the settings describe.
    Raises :class:`~ponder.agent.errors.ConfigError` for an unusable search setting.
    """
    cache = cache or WebCache.from_settings(settings, bypass=no_cache)
    fetcher = fetcher or PageFetcher.from_settings(
        settings.search, allow_hosts=tuple(settings.search.allow_hosts)
    )

    def load_page(url: str) -> tuple[str, str, bool] | None:
        stored = cache.get("page" + fetcher.address_policy, url)  # as OpenTool stored it
        if stored is None:
            return None
        page = FetchedPage.model_validate(stored)
        return page.title, page.text, page.truncated

    sessions = SessionStore(chunk_chars=settings.search.chunk_chars, shared=session,
                            load_page=load_page)
    search = search or FailoverSearch(
        backends_from_settings(settings.search),
        attempts=settings.search.retry_attempts, backoff=settings.search.backoff_seconds,
    )
    return [
        SearchTool(search, sessions, cache, max_results=settings.search.max_results),
        OpenTool(fetcher, sessions, cache),
        FindTool(sessions),
    ]


__all__ = [
    "WEB_TOOL_NAMES",
    "BadURLError",
    "BlockedAddressError",
    "BrowsingSession",
    "DdgsBackend",
    "FailoverSearch",
    "FetchError",
    "FetchedPage",
    "FindTool",
    "OpenTool",
    "PageFetcher",
    "RateLimitedError",
    "SearchBackend",
    "SearchBackendError",
    "SearchOutcome",
    "SearchResult",
    "SearchTool",
    "SearchUnavailableError",
    "SearxngBackend",
    "SessionStore",
    "UnreadableContentError",
    "WebCache",
    "backends_from_settings",
    "checked_url",
    "make_web_tools",
    "wrap_untrusted",
]
