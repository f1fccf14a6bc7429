"""Search backends behind one protocol, and failover between them.

* :class:`DdgsBackend` — the ``ddgs`` metasearch package (no key, no server); its API is
  synchronous, so it runs in a worker thread.
* :class:`SearxngBackend` — a self-hosted SearxNG instance through its JSON API. The
  instance is configured by the user, not chosen by the model, so the address rules
  for page fetching do not apply to it (it usually runs on localhost).
* :class:`FailoverSearch` — retries a backend with jittered exponential back-off when
  the failure is transient (rate limits, timeouts, 5xx), then moves to the next one.
  When every backend fails it raises :class:`SearchUnavailableError`, which the search
  tool turns into a "search unavailable: …" observation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import httpx
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from ponder.agent.errors import ConfigError, ToolError
from ponder.agent.settings import SearchSettings


@dataclass(frozen=True)
class SearchResult:
    """One hit: what the model sees and can open by number."""

    title: str
    url: str
    snippet: str = ""


class SearchBackendError(ToolError):
    """One backend failed. ``retryable`` says whether trying it again soon may help."""

    def __init__(self, backend: str, message: str, *, retryable: bool = False) -> None:
        self.backend = backend
        self.retryable = retryable
        super().__init__(f"{backend}: {message}")


class RateLimitedError(SearchBackendError):
    """The backend refused because of rate limiting; always worth a later retry."""

    def __init__(self, backend: str, message: str = "rate limited") -> None:
        super().__init__(backend, message, retryable=True)


class SearchUnavailableError(ToolError):
    """Every configured backend failed; ``errors`` holds each one's failure."""

    def __init__(self, errors: Sequence[SearchBackendError]) -> None:
        self.errors = list(errors)
        detail = "; ".join(str(e) for e in errors) or "no search backend is configured"
        super().__init__(f"search unavailable: {detail}")


@runtime_checkable
class SearchBackend(Protocol):
    """Answers a query with up to ``max_results`` results.

    Raises :class:`SearchBackendError` (or :class:`RateLimitedError`) on failure.
    """

    name: str

    async def search(self, query: str, max_results: int) -> list[SearchResult]: ...


class DdgsBackend:
    """Search through the ``ddgs`` package (DuckDuckGo and other public engines)."""

    name = "ddgs"

    def __init__(self, *, timeout: int = 10, region: str = "wt-wt",
                 safesearch: str = "moderate", backend: str = "auto") -> None:
        self._timeout = timeout
        self._options = {"region": region, "safesearch": safesearch, "backend": backend}

    async def search(self, query: str, max_results: int) -> list[SearchResult]:
        """Run the search in a thread. Raises SearchBackendError / RateLimitedError."""
        rows = await asyncio.to_thread(self._search_sync, query, max_results)
        return [SearchResult(title=str(r.get("title", "")), url=str(r.get("href", "")),
                             snippet=str(r.get("body", ""))) for r in rows if r.get("href")]

    def _search_sync(self, query: str, max_results: int) -> list[dict[str, Any]]:
        from ddgs import DDGS
        from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

        try:
            return DDGS(timeout=self._timeout).text(query, max_results=max_results,
                                                    **self._options)
        except RatelimitException as exc:
            raise RateLimitedError(self.name, str(exc) or "rate limited") from None
        except TimeoutException as exc:
            raise SearchBackendError(self.name, f"timed out: {exc}", retryable=True) from None
        except DDGSException as exc:
            if "no results found" in str(exc).lower():
                return []
            raise SearchBackendError(self.name, str(exc)) from None


class SearxngBackend:
    """Search a SearxNG instance: ``GET <url>/search?q=…&format=json``.

    The instance must have the ``json`` format enabled (``search.formats`` in its
    settings.yml); a 403 says it is not.
    """

    name = "searxng"

    def __init__(self, base_url: str, *, timeout: float = 15.0,
                 client: httpx.AsyncClient | None = None) -> None:
        self._url = base_url.rstrip("/") + "/search"
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(timeout))
        self._owns_client = client is None

    async def search(self, query: str, max_results: int) -> list[SearchResult]:
        """Query the instance. Raises SearchBackendError / RateLimitedError."""
        try:
            response = await self._client.get(self._url, params={"q": query, "format": "json"})
        except httpx.TimeoutException:
            raise SearchBackendError(self.name, "timed out", retryable=True) from None
        except httpx.HTTPError as exc:
            raise SearchBackendError(self.name, f"cannot reach {self._url}: {exc}") from None
        if response.status_code == 429:
            raise RateLimitedError(self.name)
        if response.status_code == 403:
            raise SearchBackendError(self.name, "HTTP 403: is the json format enabled?")
        if response.status_code >= 400:
            raise SearchBackendError(self.name, f"HTTP {response.status_code}",
                                     retryable=response.status_code >= 500)
        try:
            rows = response.json().get("results", [])
        except (ValueError, AttributeError):
            raise SearchBackendError(self.name, "the reply is not SearxNG JSON") from None
        return [SearchResult(title=str(r.get("title", "")), url=str(r["url"]),
                             snippet=str(r.get("content", "") or ""))
                for r in rows if isinstance(r, dict) and r.get("url")][:max_results]

    async def aclose(self) -> None:
        """Close the HTTP client if this backend created it."""
        if self._owns_client:
            await self._client.aclose()


@dataclass
class SearchOutcome:
    """What a failover search produced, and which backend produced it."""

    results: list[SearchResult]
    backend: str
    errors: list[SearchBackendError] = field(default_factory=list)


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, SearchBackendError) and exc.retryable


class FailoverSearch:
    """Tries each backend in order, retrying transient failures with jittered back-off.

    ``attempts`` is per backend; ``backoff`` and ``max_backoff`` are seconds; ``sleep``
    replaces :func:`asyncio.sleep` (tests).
    """

    def __init__(
        self,
        backends: Sequence[SearchBackend],
        *,
        attempts: int = 3,
        backoff: float = 1.0,
        max_backoff: float = 8.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.backends = list(backends)
        self._attempts = attempts
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._sleep = sleep

    async def search(self, query: str, max_results: int) -> SearchOutcome:
        """Results of the first backend that answers. Raises SearchUnavailableError."""
        errors: list[SearchBackendError] = []
        for backend in self.backends:
            try:
                results = await self._with_retries(backend, query, max_results)
            except SearchBackendError as exc:
                errors.append(exc)
                continue
            return SearchOutcome(results=results, backend=backend.name, errors=errors)
        raise SearchUnavailableError(errors)

    async def _with_retries(self, backend: SearchBackend, query: str,
                            max_results: int) -> list[SearchResult]:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(initial=self._backoff, max=self._max_backoff,
                                         jitter=self._backoff),
            retry=retry_if_exception(_retryable), sleep=self._sleep, reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await backend.search(query, max_results)
        except SearchBackendError:
            raise
        except Exception as exc:  # a backend bug must not end the run: next backend
            raise SearchBackendError(backend.name, f"failed: {exc!r}") from exc
        raise SearchBackendError(backend.name, "gave no answer")

    async def aclose(self) -> None:
        """Close every backend that holds resources."""
        for backend in self.backends:
            closer = getattr(backend, "aclose", None)
            if closer is not None:
                await closer()


def backends_from_settings(search: SearchSettings) -> list[SearchBackend]:
    """The configured backends, in order. Raises ConfigError if SearxNG has no URL."""
    backends: list[SearchBackend] = []
    for name in search.backends:
        if name == "ddgs":
            backends.append(DdgsBackend(timeout=max(1, round(search.fetch_timeout))))
        elif not search.searxng_url:
            raise ConfigError("search.searxng_url", "required when 'searxng' is a backend")
        else:
            backends.append(SearxngBackend(search.searxng_url, timeout=search.fetch_timeout))
    return backends
