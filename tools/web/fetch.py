"""Fetch one web page over HTTP(S), safely, and return its readable text.

Redirects are followed by hand so every hop is checked — its syntax by
:mod:`ponder.tools.web.urls`, its address by :mod:`ponder.tools.web.safety`; the body
is read as a stream and cut at the size cap while it is decompressed
(:mod:`ponder.tools.web.body`); one deadline covers name resolution, every hop and the
body, so a page that drips bytes slowly cannot hold a run. Reading the text out of the
body (a PDF's pages, above all) has a deadline of the same length.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from urllib.parse import urljoin

import httpcore
import httpx
from pydantic import BaseModel, Field

from ponder.agent.errors import ToolError
from ponder.agent.settings import SearchSettings
from ponder.tools.web.body import ACCEPT_ENCODING, read_capped
from ponder.tools.web.extract import content_kind, declared_binary, extract
from ponder.tools.web.safety import GuardedNetworkBackend, check_url
from ponder.tools.web.urls import BadURLError, checked_url

USER_AGENT = "Mozilla/5.0 (compatible; Ponder/0.1; +https://github.com/ponder-agent/ponder)"
_ACCEPT = "text/html,application/xhtml+xml,text/plain,application/json,application/pdf;q=0.9,*/*;q=0.5"
_EXTRACT_GRACE = 5.0
"""Seconds past the extraction deadline before the fetch gives up on the thread: a PDF
stops between pages at the deadline, but one page can take a while."""


class FetchError(ToolError):
    """A page could not be fetched (timeout, HTTP error, redirect loop...); says why."""


class FetchedPage(BaseModel):
    """A fetched page's readable text and how it was reached."""

    url: str = Field(description="the URL that was asked for")
    final_url: str = Field(description="the URL after redirects")
    status: int
    content_type: str
    kind: str = Field(description="html, text, json or pdf")
    title: str = ""
    text: str
    truncated: bool = Field(False, description="the body was cut at the size cap")
    redirects: list[str] = Field(default_factory=list, description="every hop after the first")


def guarded_transport(*, allow_private: bool,
                      allow_hosts: Collection[str] = ()) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go through :class:`GuardedNetworkBackend`.

    httpx offers no public way to hand httpcore a network backend, so the transport's
    pool is replaced with an identical one that has it. Environment proxies are not
    used: behind a proxy the address that is finally reached cannot be checked.
    """
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        network_backend=GuardedNetworkBackend(allow_private=allow_private,
                                              allow_hosts=allow_hosts),
    )
    return transport


class PageFetcher:
    """Fetches pages with timeouts, a redirect limit, a size cap and address checks.

    ``allow_hosts`` exempts single hosts or host:port pairs from the address rules
    (see :func:`~ponder.tools.web.safety.resolve_host`). ``transport`` replaces the
    guarded transport (custom stacks); the per-hop address check still runs.
    """

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        max_bytes: int = 5_000_000,
        max_redirects: int = 5,
        allow_private: bool = False,
        allow_hosts: Collection[str] = (),
        user_agent: str = USER_AGENT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._allow_private = allow_private
        self._allow_hosts = frozenset(h.lower() for h in allow_hosts)
        rules = ("private" if allow_private else "") + ",".join(sorted(self._allow_hosts))
        self.address_policy = f"@{rules}" if rules else ""
        """'' under the default address rules, else a tag naming the exemptions (what a
        fetch returns is cached under it)."""
        self._client = httpx.AsyncClient(
            transport=transport or guarded_transport(allow_private=allow_private,
                                                     allow_hosts=self._allow_hosts),
            timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False,
            headers={"User-Agent": user_agent, "Accept": _ACCEPT,
                     "Accept-Encoding": ACCEPT_ENCODING},
        )

    @classmethod
    def from_settings(cls, search: SearchSettings, *,
                      allow_hosts: Collection[str] = ()) -> PageFetcher:
        """A fetcher configured by the ``search`` settings section."""
        return cls(timeout=search.fetch_timeout, max_bytes=search.max_page_bytes,
                   max_redirects=search.max_redirects,
                   allow_private=search.allow_private_addresses, allow_hosts=allow_hosts)

    async def fetch(self, url: str) -> FetchedPage:
        """Fetch ``url`` and extract its text.

        Raises :class:`FetchError` (timeouts, HTTP errors, redirects), and from
        :mod:`urls` / :mod:`safety` / :mod:`body` / :mod:`extract` a BadURLError,
        BlockedAddressError, BodyError or UnreadableContentError — all
        :class:`ToolError`, meant to be shown to the model.
        """
        try:
            async with asyncio.timeout(self._timeout):
                response_parts = await self._follow(url)
        except TimeoutError:
            raise FetchError(f"timed out after {self._timeout:g} s") from None
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self._timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"connection failed: {exc or type(exc).__name__}") from None
        except httpx.InvalidURL as exc:  # checked_url should have caught it first
            raise BadURLError(f"the URL {url!r} cannot be requested ({exc})") from None
        final_url, status, content_type, body, truncated, hops = response_parts
        if truncated and content_kind(content_type, body) == "pdf":
            raise FetchError(f"the PDF is larger than the {self._max_bytes} byte limit")
        # Reading the text has a deadline of its own, as long as the download's: a PDF
        # stops between pages (the pages read so far are the page, marked cut); any
        # other extraction still running then is left to finish in its thread, unread.
        deadline = time.monotonic() + self._timeout
        try:
            extracted = await asyncio.wait_for(
                asyncio.to_thread(extract, body, content_type=content_type, url=final_url,
                                  truncated=truncated, deadline=deadline),
                self._timeout + _EXTRACT_GRACE)
        except TimeoutError:
            raise FetchError(f"reading the page's text took more than "
                             f"{self._timeout + _EXTRACT_GRACE:g} s") from None
        return FetchedPage(url=url, final_url=final_url, status=status,
                           content_type=content_type, kind=extracted.kind,
                           title=extracted.title, text=extracted.text,
                           truncated=truncated or extracted.cut, redirects=hops)

    async def _follow(self, url: str) -> tuple[str, int, str, bytes, bool, list[str]]:
        """Follow redirects hop by hop; return the final response's parts."""
        visited = [url]
        current = url
        for _ in range(self._max_redirects + 1):
            await check_url(current, allow_private=self._allow_private,
                            allow_hosts=self._allow_hosts)
            async with self._client.stream("GET", current) as response:
                if response.is_redirect:
                    current = _redirect_target(current, response.headers["location"])
                    if current in visited:
                        chain = " -> ".join([*visited, current])
                        raise FetchError(f"redirect loop: {chain}")
                    visited.append(current)
                    continue
                if response.status_code >= 400:
                    phrase = response.reason_phrase or "error"
                    raise FetchError(f"HTTP {response.status_code} {phrase}")
                content_type = response.headers.get("content-type", "")
                if declared_binary(content_type):
                    mime = content_type.split(";")[0].strip()
                    raise FetchError(f"binary content ({mime}) cannot be read as text")
                body, truncated = await read_capped(response, self._max_bytes)
                return current, response.status_code, content_type, body, truncated, visited[1:]
        raise FetchError(f"too many redirects (more than {self._max_redirects}): "
                         + " -> ".join(visited))

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()


def _redirect_target(current: str, location: str) -> str:
    """The URL a redirect's Location names. Raises FetchError when it is malformed."""
    try:
        return checked_url(urljoin(current, location.strip()))
    except (BadURLError, ValueError) as exc:
        raise FetchError(f"the page redirects to {location[:200]!r}, which cannot be "
                         f"opened: {exc}") from None
