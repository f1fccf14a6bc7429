"""Read a response body within a size cap, decompressing it as it streams.

httpx's own decoders inflate each network chunk in full, so a few kilobytes of gzip
can become hundreds of megabytes in memory before any cap is applied (a "gzip bomb").
Here the raw bytes are read and inflated with :mod:`zlib`'s ``max_length``, so no more
than the cap is ever produced, however far the body would expand.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import httpx

from ponder.agent.errors import ToolError

# What the fetcher asks for: only encodings that can be inflated within a cap.
ACCEPT_ENCODING = "gzip, deflate"
_GZIP = 16 + zlib.MAX_WBITS
_WBITS = {"gzip": _GZIP, "x-gzip": _GZIP, "deflate": zlib.MAX_WBITS}


class BodyError(ToolError):
    """A body cannot be decoded (an unsupported or corrupt content encoding)."""


async def read_capped(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    """At most ``max_bytes`` of the decoded body, and whether more was left unread.

    Raises :class:`BodyError` for a content encoding other than gzip or deflate, for
    stacked encodings, and for corrupt compressed data.
    """
    encoding = _encoding(response.headers.get("content-encoding", ""))
    if encoding is None:
        return await _read_plain(response.aiter_raw(), max_bytes)
    return await _inflate(response.aiter_raw(), encoding, max_bytes)


def _encoding(header: str) -> str | None:
    """The one compression named by a Content-Encoding header, ``None`` for none."""
    names = [n.strip().lower() for n in header.split(",")]
    names = [n for n in names if n and n != "identity"]
    if not names:
        return None
    if len(names) > 1:
        raise BodyError(f"the page uses stacked content encodings ({header.strip()}), "
                        "which are not read")
    if names[0] not in _WBITS:
        raise BodyError(f"the page is compressed with {names[0]!r}, which is not supported")
    return names[0]


async def _read_plain(chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[bytes, bool]:
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            return b"".join(parts)[:max_bytes], True
    return b"".join(parts), False


async def _inflate(chunks: AsyncIterator[bytes], encoding: str,
                   max_bytes: int) -> tuple[bytes, bool]:
    """Inflate ``chunks`` until the stream ends or one byte more than the cap is out."""
    inflater = zlib.decompressobj(_WBITS[encoding])
    raw_deflate = False  # some servers send "deflate" without the zlib header
    parts: list[bytes] = []
    room = max_bytes + 1
    async for chunk in chunks:
        data = chunk
        while data and room > 0 and not inflater.eof:
            try:
                piece = inflater.decompress(data, room)
            except zlib.error as exc:
                if encoding == "deflate" and not raw_deflate and room > max_bytes:
                    inflater, raw_deflate = zlib.decompressobj(-zlib.MAX_WBITS), True
                    continue
                raise BodyError(f"the page's {encoding} data is corrupt ({exc})") from None
            parts.append(piece)
            room -= len(piece)
            if not piece and inflater.unconsumed_tail == data:
                break  # no progress: wait for more input
            data = inflater.unconsumed_tail
        if room <= 0 or inflater.eof:
            break
    body = b"".join(parts)
    return body[:max_bytes], len(body) > max_bytes
