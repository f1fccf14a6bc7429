"""The web tools the model calls: ``search``, ``open`` and ``find``.

They share one :class:`~ponder.tools.web.session.SessionStore`, so ``open 2`` opens the
second result of the thread's last search and ``find`` looks through the pages that
thread opened. Every observation that shows web text frames it as untrusted data and
carries :class:`~ponder.tools.base.SourceRecord` s with the quoted span.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
import unicodedata
from abc import ABC, abstractmethod
from typing import ClassVar, TypeVar

from pydantic import BaseModel, Field

from ponder.agent.errors import ToolError
from ponder.graphs.checkers.base import Checker
from ponder.tools.base import Observation, SourceRecord, ToolContext
from ponder.tools.web.backends import FailoverSearch, SearchResult, SearchUnavailableError
from ponder.tools.web.cache import WebCache
from ponder.tools.web.fetch import FetchedPage, PageFetcher
from ponder.tools.web.safety import untrusted_line, wrap_untrusted
from ponder.tools.web.session import BrowsingSession, Match, OpenedPage, SessionStore
from ponder.tools.web.urls import checked_url

WEB_TOOL_NAMES = ("search", "open", "find")
log = logging.getLogger(__name__)


class SearchArgs(BaseModel):
    query: str = Field(min_length=1, max_length=400, description="what to search the web for")


class OpenArgs(BaseModel):
    target: str | int = Field(description="a URL, or the number of a result of the last search")
    chunk: int | None = Field(None, ge=1, description="which chunk of the page to show")


class FindArgs(BaseModel):
    pattern: str = Field(min_length=1, max_length=200, description="text to find in opened pages")


_Args = TypeVar("_Args", bound=BaseModel)


def _parsed(schema: type[_Args], args: BaseModel) -> _Args:
    """``args`` as ``schema`` (the act node passes the schema's own instance)."""
    return args if isinstance(args, schema) else schema.model_validate(args.model_dump())


class _WebTool(ABC):
    """Shared by the three tools: the session store, the checker they offer, and the
    rule that a tool never raises.

    :meth:`call` runs the tool's ``_call``; the failures a tool expects (a page that
    cannot be fetched, a malformed URL...) are observations made there, and anything
    else that goes wrong becomes an ``ok=False`` observation here, its traceback logged.
    """

    name: ClassVar[str]

    def __init__(self, sessions: SessionStore) -> None:
        self.sessions = sessions

    async def call(self, args: BaseModel, ctx: ToolContext) -> Observation:
        """Run the tool on ``args``; never raises."""
        started = time.perf_counter()
        try:
            return await self._call(args, ctx, started)
        except Exception as exc:  # a tool never raises: the model is told, the log has it
            log.warning("web tool %s failed: %s: %s", self.name, type(exc).__name__, exc)
            log.debug("web tool %s traceback", self.name, exc_info=True)
            return Observation(tool=self.name, ok=False,
                               text=f"{self.name} failed unexpectedly ({type(exc).__name__}: "
                               f"{exc}); try other input or another tool",
                               duration=time.perf_counter() - started)

    @abstractmethod
    async def _call(self, args: BaseModel, ctx: ToolContext, started: float) -> Observation:
        """The tool's own work; ``call`` turns whatever it raises into an observation."""

    def checkers(self) -> list[Checker]:
        """The verify step's source checker: answers must rest on fetched text."""
        # Imported here: the checker module imports this package's safety helpers.
        from ponder.graphs.checkers.sources import SourceChecker

        return [SourceChecker()]


class SearchTool(_WebTool):
    """``search(query)``: numbered results (title, URL, snippet) from the backends."""

    name: ClassVar[str] = "search"
    description: ClassVar[str] = (
        "search the web. input: the query. Returns numbered results (title, URL, snippet)")
    args_schema: ClassVar[type[BaseModel]] = SearchArgs

    def __init__(self, search: FailoverSearch, sessions: SessionStore, cache: WebCache,
                 *, max_results: int = 5) -> None:
        super().__init__(sessions)
        self._search = search
        self.cache = cache
        self._max_results = max_results

    async def _call(self, args: BaseModel, ctx: ToolContext, started: float) -> Observation:
        """Search; when every backend fails, say so in the observation."""
        query = _clean_query(_parsed(SearchArgs, args).query)
        if not query:
            return Observation(tool=self.name, ok=False, text="give words to search for",
                               duration=time.perf_counter() - started)
        key = f"{self._max_results}:{query.lower()}"
        cached = await self.cache.aget("search", key)
        data: dict[str, object] = {"query": query, "cached": cached is not None}
        if cached is not None:
            results = [SearchResult(**r) for r in cached["results"]]
            data["backend"] = cached.get("backend", "")
        else:
            try:
                outcome = await self._search.search(query, self._max_results)
            except SearchUnavailableError as exc:
                text = f"{exc}. Try again later, or answer from what you have already read."
                return Observation(tool=self.name, ok=False, text=text,
                                   data={**data, "errors": [str(e) for e in exc.errors]},
                                   duration=time.perf_counter() - started)
            results = outcome.results
            data.update(backend=outcome.backend, errors=[str(e) for e in outcome.errors])
            await self.cache.aput("search", key, {"backend": outcome.backend,
                                            "results": [r.__dict__ for r in results]})
        self.sessions.get(ctx.thread_id, ctx.earlier).set_results(query, results)
        data["results"] = [r.__dict__ for r in results]
        return Observation(tool=self.name, text=_results_text(query, results),
                           sources=[SourceRecord(url=r.url, title=r.title, quote=r.snippet)
                                    for r in results],
                           data=data, duration=time.perf_counter() - started)

    async def aclose(self) -> None:
        await self._search.aclose()


def _clean_query(query: str) -> str:
    """``query`` with spacing collapsed and without control characters or lone
    surrogates, which no backend or cache can take."""
    kept = "".join(ch for ch in query if unicodedata.category(ch) not in ("Cc", "Cs"))
    return " ".join(kept.split())


def _results_text(query: str, results: list[SearchResult]) -> str:
    if not results:
        return f"no results for {query!r}; try other words"
    lines = []
    for number, result in enumerate(results, start=1):
        lines.append(f"[{number}] {result.title}\n    {result.url}")
        if result.snippet:
            lines.append(f"    {' '.join(result.snippet.split())}")
    body = wrap_untrusted("\n".join(lines), source=f"search results for {query!r}")
    return f"{body}\nOpen a result with open(<number>)."


class OpenTool(_WebTool):
    """``open(target, chunk=None)``: fetch a page (or show another chunk of it)."""

    name: ClassVar[str] = "open"
    description: ClassVar[str] = (
        "read a web page. input: a result number of the last search, or a URL. Long pages "
        'come in chunks; for chunk 2: {"target": "<number or URL>", "chunk": 2}')
    args_schema: ClassVar[type[BaseModel]] = OpenArgs

    def __init__(self, fetcher: PageFetcher, sessions: SessionStore, cache: WebCache) -> None:
        super().__init__(sessions)
        self._fetcher = fetcher
        self.cache = cache

    async def _call(self, args: BaseModel, ctx: ToolContext, started: float) -> Observation:
        """Open the target; fetch failures and bad targets become ``ok=False``."""
        session = self.sessions.get(ctx.thread_id, ctx.earlier)
        params = _parsed(OpenArgs, args)
        try:
            url = _target_url(params.target, session)
            page = session.page(url)
            cached = False
            if page is None:
                fetched, cached = await self._fetch(url)
                page = session.add_page(fetched.final_url, fetched.title, fetched.text,
                                        truncated=fetched.truncated)
                if fetched.final_url != url:
                    session.add_alias(url, page)
            shown = self._show(page, params.chunk or 1, cached=cached, started=started)
            shown.data["requested_url"] = url  # the web cache's key, for a resumed run
            return shown
        except ToolError as exc:
            return Observation(tool=self.name, ok=False,
                               text=f"could not open {params.target}: {exc}",
                               data={"target": str(params.target)},
                               duration=time.perf_counter() - started)

    async def _fetch(self, url: str) -> tuple[FetchedPage, bool]:
        # The cache is shared with runs of other settings: pages are kept apart by the
        # address rules they were fetched under (a run without allow_hosts must not read
        # an intranet page another run could fetch), so the same settings still resume.
        kind = "page" + self._fetcher.address_policy
        cached = await self.cache.aget(kind, url)
        if cached is not None:
            return FetchedPage.model_validate(cached), True
        fetched = await self._fetcher.fetch(url)
        await self.cache.aput(kind, url, fetched.model_dump())
        return fetched, False

    def _show(self, page: OpenedPage, chunk: int, *, cached: bool, started: float) -> Observation:
        total = len(page.chunks)
        if chunk > total:
            raise ToolError(f"the page has {total} chunk{'s' if total != 1 else ''}, "
                            f"not {chunk}")
        quote = page.chunks[chunk - 1]
        text = quote or "(the page has no readable text)"
        url = untrusted_line(page.url, limit=300)  # a redirect chose it: page text too
        name = untrusted_line(page.title) if page.title.strip() else url
        header = f"page {page.number}: {name} — chunk {chunk} of {total}"
        footer = ""
        if chunk < total:
            footer = (f"\n{total - chunk} more chunk(s); read the next with "
                      f'open({{"target": "{url}", "chunk": {chunk + 1}}}) or use find.')
        if page.truncated:
            footer += "\n(the page was cut: only part of it was read, at the size or time limit)"
        body = wrap_untrusted(text, source=page.url)
        return Observation(
            tool=self.name, text=f"{header}\n{body}{footer}",
            sources=[SourceRecord(url=page.url, title=page.title, chunk=chunk, quote=quote)],
            data={"url": page.url, "title": page.title, "page": page.number, "chunk": chunk,
                  "chunks": total, "cached": cached, "truncated": page.truncated},
            duration=time.perf_counter() - started,
        )

    async def aclose(self) -> None:
        await self._fetcher.aclose()


def _ipv6(text: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(text), ipaddress.IPv6Address)
    except ValueError:
        return False


def _target_url(target: str | int, session: BrowsingSession) -> str:
    """The URL a target names: a result number, or a URL (``https://`` assumed).

    Raises ToolError for an unknown result number or an empty target, and BadURLError
    (a ToolError) for a malformed URL — before it reaches the cache or the network.
    """
    raw = str(target).strip().strip("#<>\"'")
    if raw.startswith("[") and raw.endswith("]") and not _ipv6(raw[1:-1]):  # "[3]", not "[::1]"
        raw = raw[1:-1].strip()
    if raw.isascii() and raw.isdigit():  # "²" is a digit to isdigit(), not to int()
        return checked_url(session.result(int(raw)).url)  # as sent, like a typed URL
    if not raw:
        raise ToolError("give a URL or a search result number")
    if "://" not in raw:
        raw = "https://" + raw
    return checked_url(raw)


class FindTool(_WebTool):
    """``find(pattern)``: passages of the opened pages that contain the pattern."""

    name: ClassVar[str] = "find"
    description: ClassVar[str] = (
        "find text in the pages opened so far. input: a few words. Returns the matching "
        "lines with page, chunk and line numbers")
    args_schema: ClassVar[type[BaseModel]] = FindArgs

    async def _call(self, args: BaseModel, ctx: ToolContext, started: float) -> Observation:
        """Find; with no page opened yet, ``ok=False`` says to open one first."""
        pattern = _parsed(FindArgs, args).pattern
        session = self.sessions.get(ctx.thread_id, ctx.earlier)
        if not session.pages:
            return Observation(tool=self.name, ok=False,
                               text="no page is open yet: open a page, then find in it",
                               data={"pattern": pattern})
        # Off the event loop: a search of 20 pages of a megabyte each takes a second.
        matches = await asyncio.to_thread(session.find, pattern)
        data: dict[str, object] = {"pattern": pattern, "matches": len(matches)}
        if not matches:
            return Observation(
                tool=self.name, text=f"no match for {pattern!r} in {len(session.pages)} "
                "opened page(s); try fewer or other words", data=data,
                duration=time.perf_counter() - started)
        return Observation(
            tool=self.name, text=f"{len(matches)} match(es) for {pattern!r}:\n"
            + _matches_text(matches),
            sources=[SourceRecord(url=m.page.url, title=m.page.title, chunk=m.chunk,
                                  quote=m.passage) for m in matches],
            data=data, duration=time.perf_counter() - started)


def _matches_text(matches: list[Match]) -> str:
    """Matches grouped into one untrusted frame per page, in the order found."""
    by_page: dict[str, list[Match]] = {}
    for match in matches:
        by_page.setdefault(match.page.url, []).append(match)
    return "\n".join(
        wrap_untrusted("\n".join(f"[page {m.page.number}, chunk {m.chunk}, line {m.line}] "
                                 f"{m.passage}" for m in group), source=url)
        for url, group in by_page.items())
