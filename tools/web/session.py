"""Per-run browsing state: the last search's numbered results and the pages opened.

The model refers to things by number — "open 2", "open chunk 3 of that page" — so the
session keeps the numbering, splits opened pages into chunks of about ``chunk_chars``
characters (at paragraph, then line, then word boundaries) and answers "find in page"
queries with page/chunk/line references.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ponder.agent.errors import ToolError
from ponder.graphs.steps import WebCall, web_call
from ponder.tools.web.backends import SearchResult


@dataclass(frozen=True)
class OpenedPage:
    """A page as the session holds it: numbered (from 1) and split into chunks."""

    number: int
    url: str
    title: str
    chunks: list[str]
    truncated: bool = False


@dataclass(frozen=True)
class Match:
    """One "find" hit: where it is and the passage around it."""

    page: OpenedPage
    chunk: int  # from 1
    line: int  # from 1, within the chunk
    passage: str


def _split_long(text: str, limit: int) -> list[str]:
    """Split one over-long block at word boundaries (or hard, if it has none)."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind(" ", limit // 2, limit)
        cut = cut if cut > 0 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text] if text else pieces


MAX_PAGE_CHARS = 1_000_000
"""Characters of a page's text a browsing session keeps: a pretty-printed 5 MB JSON body
made 10 MB of text, times 20 pages, times every thread's session."""


def chunk_text(text: str, chunk_chars: int) -> list[str]:
    """Split ``text`` into chunks of at most ``chunk_chars``, preferring paragraph and
    line boundaries. Always returns at least one (possibly empty) chunk."""
    blocks: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = paragraph.splitlines() if len(paragraph) > chunk_chars else [paragraph]
        for line in lines:
            blocks.extend(_split_long(line.strip(), chunk_chars))
    chunks: list[str] = []
    current = ""
    for block in filter(None, blocks):
        joined = f"{current}\n\n{block}" if current else block
        if len(joined) <= chunk_chars:
            current = joined
        else:
            chunks.append(current)
            current = block
    return [*chunks, current] if current or not chunks else chunks


class BrowsingSession:
    """What one run has searched and opened. Not thread-safe; one per run."""

    def __init__(self, *, chunk_chars: int = 2_000, max_pages: int = 20) -> None:
        self.chunk_chars = chunk_chars
        self.max_pages = max_pages
        self.query = ""
        self.results: list[SearchResult] = []
        self._pages: OrderedDict[str, OpenedPage] = OrderedDict()
        self._aliases: dict[str, str] = {}
        self._opened = 0

    def set_results(self, query: str, results: list[SearchResult]) -> None:
        """Remember the latest search; its results are numbered from 1."""
        self.query = query
        self.results = list(results)

    def result(self, number: int) -> SearchResult:
        """Search result ``number``. Raises ToolError when there is no such result."""
        if not self.results:
            raise ToolError(f"there is no search result {number}: search first")
        if not 1 <= number <= len(self.results):
            raise ToolError(f"there is no search result {number}: the last search "
                            f"returned {len(self.results)} (numbered 1 to {len(self.results)})")
        return self.results[number - 1]

    def add_page(self, url: str, title: str, text: str, *, truncated: bool = False) -> OpenedPage:
        """Keep a fetched page, split into chunks; re-opening a URL replaces it. A text
        over ``MAX_PAGE_CHARS`` is cut there (and the page marked cut)."""
        if len(text) > MAX_PAGE_CHARS:
            text, truncated = text[:MAX_PAGE_CHARS], True
        previous = self._pages.pop(url, None)
        if previous is None:
            self._opened += 1
        number = previous.number if previous else self._opened
        page = OpenedPage(number=number, url=url, title=title,
                          chunks=chunk_text(text, self.chunk_chars), truncated=truncated)
        self._pages[url] = page
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        return page

    def add_alias(self, url: str, page: OpenedPage) -> None:
        """Let ``url`` (say, one that redirected) name an opened page too."""
        self._aliases[url] = page.url

    def page(self, url: str) -> OpenedPage | None:
        """The opened page at ``url`` (the URL asked for or the final one), if any."""
        return self._pages.get(url) or self._pages.get(self._aliases.get(url, ""))

    @property
    def pages(self) -> list[OpenedPage]:
        """Opened pages, most recently opened first."""
        return list(reversed(self._pages.values()))

    def find(self, pattern: str, *, limit: int = 8, context_chars: int = 300) -> list[Match]:
        """Lines matching ``pattern`` in the opened pages, most recent page first.

        A line matches when it contains the pattern (case and spacing ignored); when no
        line does, lines containing every word of the pattern match instead. Long lines
        are cut to ``context_chars`` around the match.
        """
        needle = " ".join(pattern.lower().split())
        words = [w for w in re.findall(r"\w+", needle) if len(w) > 1]

        def exact(line: str) -> int:
            return line.find(needle) if needle else -1

        def all_words(line: str) -> int:
            found = [line.find(w) for w in words]
            return min(found) if words and -1 not in found else -1

        for locate in (exact, all_words):
            hits = self._scan(locate, limit, context_chars)
            if hits:
                return hits
        return []

    def _scan(self, locate: Callable[[str], int], limit: int, context_chars: int) -> list[Match]:
        hits: list[Match] = []
        for page in self.pages:
            for chunk_no, chunk in enumerate(page.chunks, start=1):
                for line_no, raw in enumerate(chunk.splitlines(), start=1):
                    line = " ".join(raw.split())
                    at = locate(line.lower())
                    if at >= 0:
                        hits.append(Match(page, chunk_no, line_no,
                                          _passage(line, at, context_chars)))
                        if len(hits) >= limit:
                            return hits
        return hits


def _passage(line: str, at: int, limit: int) -> str:
    """At most ``limit`` characters of ``line`` around position ``at``."""
    if len(line) <= limit:
        return line
    start = max(0, min(at - limit // 3, len(line) - limit))
    text = line[start : start + limit].strip()
    return ("…" if start else "") + text + ("…" if start + limit < len(line) else "")


# A page's (title, text, truncated) by URL, from wherever fetched pages are kept.
PageLoader = Callable[[str], "tuple[str, str, bool] | None"]


def restore_session(session: BrowsingSession, steps: list[dict[str, Any]],
                    load_page: PageLoader | None) -> None:
    """Rebuild ``session`` from a run's recorded steps: the last search's numbered
    results, and the opened pages in the order they were opened (those ``load_page`` can
    still give; the others are fetched again when opened)."""
    for step in steps:
        tool = (step.get("action") or {}).get("tool")
        call = web_call(step) or WebCall()
        if not step.get("ok"):
            continue
        if tool == "search" and isinstance(call.get("results"), list):
            session.set_results(call.get("query", ""),
                                [SearchResult(**r) for r in call.get("results", [])
                                 if isinstance(r, dict)])
        elif tool == "open" and isinstance(call.get("url"), str) and load_page is not None:
            url = call.get("url", "")
            if session.page(url) is not None:
                continue
            requested = call.get("requested_url") or url
            loaded = load_page(requested) or load_page(url)
            if loaded is not None:
                title, text, truncated = loaded
                page = session.add_page(url, title, text, truncated=truncated)
                if requested != url:
                    session.add_alias(requested, page)


class SessionStore:
    """One :class:`BrowsingSession` per conversation thread (least recently used go).

    Sessions live in memory; when a thread's run resumes in a new process, the first
    tool call rebuilds its session from the run's recorded steps (``load_page`` gives
    back the pages opened, from the web cache)."""

    def __init__(self, *, chunk_chars: int = 2_000, max_threads: int = 64,
                 shared: BrowsingSession | None = None,
                 load_page: PageLoader | None = None) -> None:
        self._chunk_chars = chunk_chars
        self._max_threads = max_threads
        self._shared = shared
        self._load_page = load_page
        self._sessions: OrderedDict[str, BrowsingSession] = OrderedDict()

    def get(self, thread_id: str, earlier: list[dict[str, Any]] | None = None) -> BrowsingSession:
        """The session of ``thread_id`` (or the shared one, if the store was given one),
        rebuilt from ``earlier`` steps when this process has none for the thread yet."""
        if self._shared is not None:
            return self._shared
        session = self._sessions.pop(thread_id, None)
        if session is None:
            session = BrowsingSession(chunk_chars=self._chunk_chars)
            if earlier:
                restore_session(session, earlier, self._load_page)
        self._sessions[thread_id] = session
        while len(self._sessions) > self._max_threads:
            self._sessions.popitem(last=False)
        return session
