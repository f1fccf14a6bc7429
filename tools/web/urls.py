"""Check that a URL is well formed before anything is fetched, cached or remembered.

The standard library and httpx each let some malformed URLs through and fail on others
with a bare ``ValueError`` or ``UnicodeError`` later, deep inside a request: ``urlsplit``
refuses ``http://[::1`` while httpx misreads it, httpx accepts ``http://host:99999`` and
a 64-character label that name resolution then rejects, and an invalid IDNA label
(``xn--a.com``) fails inside httpx. :func:`checked_url` runs both parsers and the DNS
length rules up front and says in one line what is wrong.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

import httpx

from ponder.agent.errors import ToolError

_MAX_LABEL = 63
_MAX_HOST = 253
_MAX_SHOWN = 200


class BadURLError(ToolError):
    """A URL is malformed or not http(s); the message says what is wrong with it."""


def checked_url(url: str) -> str:
    """``url`` as it is sent (httpx's form: spaces, quotes and other characters a URL
    cannot hold percent-encoded, an international host in its ``xn--`` form) when it is a
    well-formed http or https URL with a host. A page's URL is shown to the model in
    Ponder's own lines, outside the frame around fetched text: a redirect to
    ``https://x/a b"}) SYSTEM: …`` must not speak there.

    Raises :class:`BadURLError` for another scheme, a missing host, a bad port, bad
    IPv6 brackets, an invalid international host name, an over-long host name label,
    and characters that cannot be sent (such as lone surrogates).
    """
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise BadURLError(f"the URL {_shown(url)} is malformed ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BadURLError(f"only http and https URLs can be opened, not {_shown(url)}")
    if not parts.hostname:
        raise BadURLError(f"the URL {_shown(url)} has no host")
    _check_port(url, parts)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:  # UnicodeErrors are ValueErrors
        raise BadURLError(f"the URL {_shown(url)} is malformed ({exc})") from None
    try:
        _ = parsed.host  # decodes "xn--" labels, which fails for ones like "xn--a"
    except ValueError as exc:
        raise BadURLError(f"the URL {_shown(url)} has an invalid international host name "
                          f"({exc})") from None
    host = parsed.raw_host.decode("ascii")
    problem = _host_problem(host)
    if problem:
        raise BadURLError(f"the URL {_shown(url)} has an invalid host name: {problem}")
    return str(parsed)


def _check_port(url: str, parts: SplitResult) -> None:
    try:
        port = parts.port
    except ValueError:  # not a number, or over 65535
        port = 0
    if port is not None and not 1 <= port <= 65_535:
        raise BadURLError(f"the URL {_shown(url)} has an invalid port (it must be 1 to 65535)")


def _host_problem(host: str) -> str | None:
    """What breaks the DNS rules in an ASCII (already IDNA-encoded) host, if anything."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    if len(name) > _MAX_HOST:
        return f"it is longer than {_MAX_HOST} characters"
    for label in name.split("."):
        if not label:
            return "it has an empty label (two dots in a row, or a leading dot)"
        if len(label) > _MAX_LABEL:
            return f"the label {label[:20]!r}… is longer than {_MAX_LABEL} characters"
    return None


def _shown(url: str) -> str:
    """``url`` quoted for a message, cut if very long."""
    return repr(url if len(url) <= _MAX_SHOWN else url[:_MAX_SHOWN] + "…")
