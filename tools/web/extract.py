"""Turn a fetched body into readable text: HTML, plain text, JSON and PDF.

HTML is cleaned before extraction — scripts, styles, comments and hidden elements go,
because text a reader cannot see is the usual carrier of prompt injection — and then
:mod:`trafilatura` keeps the main text. Character sets come from the header, then the
page's own declaration, then UTF-8, then :mod:`charset_normalizer`'s detection (see
:func:`decode` for a body that is not what it declares). A body served as text that is
really binary data (random bytes, a run of NULs from an inflated gzip bomb) is refused
rather than passed on as text.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import time
from dataclasses import dataclass
from typing import Literal

import charset_normalizer
import pypdf
import trafilatura
from lxml import etree
from lxml import html as lxml_html
from pypdf.errors import PyPdfError

from ponder.agent.errors import ToolError

Kind = Literal["html", "text", "json", "pdf", "binary"]

_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed",
              "svg", "canvas", "head", "select", "button")
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d])"
    r"|opacity\s*:\s*0(?![.\d])|(?<![-\w])(?:height|width)\s*:\s*0(?:px)?\s*(?:;|$)",
    re.IGNORECASE,
)
_HIDDEN_CLASSES = frozenset({"hidden", "d-none", "sr-only", "visually-hidden", "invisible",
                             "screen-reader-text"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_MAX_PDF_PAGES = 300
# C0 control bytes that text never contains (tab, newlines, form feed and ESC, which
# ISO-2022 encodings use, are left out); more than _MAX_CONTROL_SHARE of them: binary.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_MAX_CONTROL_SHARE = 0.03
_SNIFF_BYTES = 65_536
# Characters XML (and so lxml) cannot hold; the two page breaks become line breaks.
_NOT_XML = re.compile(r"[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PAGE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})
_WIDE_CHARSETS = ("utf-16", "utf_16", "utf-32", "utf_32")
# Labels browsers read as Windows-1252, its superset (WHATWG Encoding Standard).
_WINDOWS_1252_LABELS = frozenset({"latin-1", "latin1", "l1", "iso-8859-1", "iso8859-1",
                                  "iso_8859-1", "cp819"})
_BINARY_TYPES = frozenset({"application/zip", "application/gzip", "application/x-tar",
                           "application/wasm", "application/x-7z-compressed",
                           "application/vnd.rar", "application/x-msdownload"})


class UnreadableContentError(ToolError):
    """The body cannot be read as text (binary, a broken PDF); the message says why."""


@dataclass(frozen=True)
class Extracted:
    """Readable text of one document, with its title and what kind it was."""

    kind: Kind
    title: str
    text: str
    cut: bool = False
    """Only part of the document was read (a PDF whose reading ran out of time)."""


def content_kind(content_type: str, body: bytes) -> Kind:
    """Decide how to read a body from its declared type, sniffing when it is vague."""
    mime = content_type.split(";")[0].strip().lower()
    if mime in ("text/html", "application/xhtml+xml"):
        return "html"
    if mime == "application/json" or mime.endswith("+json"):
        return "json"
    if mime == "application/pdf":
        return "pdf"
    if declared_binary(content_type):
        return "binary"
    if mime.startswith("text/") or mime.endswith(("+xml", "/xml", "/javascript")):
        return "text"
    head = body[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    if b"\x00" in head or charset_normalizer.from_bytes(body[:65536]).best() is None:
        return "binary"
    return "text"


def declared_binary(content_type: str) -> bool:
    """Whether the Content-Type alone says the body is not text (images, archives...)."""
    mime = content_type.split(";")[0].strip().lower()
    return mime.startswith(("image/", "audio/", "video/", "font/")) or mime in _BINARY_TYPES


def charset_of(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type header, if any."""
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def decode(body: bytes, *, declared: str | None = None, html: bool = False,
           truncated: bool = False) -> str:
    """Decode ``body``: the declared charset, then the page's meta tag, then UTF-8, each
    strictly; when none fits, :func:`_guess`. Never raises.

    A body cut at the size cap (``truncated``) may end inside a multi-byte character;
    that partial character is dropped rather than making the whole body "not UTF-8".
    """
    candidates: list[str] = []
    if declared:
        candidates.append(declared)
    if html:
        meta = _META_CHARSET.search(body[:4096])
        if meta:
            named = meta.group(1).decode("ascii", "ignore")
            # A meta tag readable as ASCII cannot be UTF-16 or -32: it means UTF-8 (the
            # WHATWG rule; only the header or a byte-order mark may choose UTF-16).
            candidates.append("utf-8" if named.lower().replace("_", "-").startswith(
                ("utf-16", "utf-32", "utf16", "utf32")) else named)
    candidates.append("utf-8-sig")
    for name in candidates:
        if name.lower() in _WINDOWS_1252_LABELS:
            name = "cp1252"
        try:
            return _strict(body, codecs.lookup(name).name, truncated=truncated)
        except (LookupError, UnicodeError):  # "idna", "punycode": codecs of no page text
            continue
    return _guess(body)


def _strict(body: bytes, codec: str, *, truncated: bool) -> str:
    """``body`` decoded strictly; a cut body may lose an incomplete last character."""
    try:
        return body.decode(codec)
    except UnicodeDecodeError as exc:
        if truncated and exc.end == len(body) and exc.start >= len(body) - 4:
            return body[: exc.start].decode(codec)
        raise


def _guess(body: bytes) -> str:
    """Decode a body that is not valid in its declared charset, nor in UTF-8.

    Such a page is nearly always a legacy Western one — Latin-1, or rather Windows-1252,
    its superset — labelled UTF-8 by a server default. :mod:`charset_normalizer` cannot
    tell the Latin code pages apart on short text (it reads "crème" as Baltic "crčme"),
    so Windows-1252 wins whenever the detector finds it a plausible reading at all;
    otherwise its best guess (Cyrillic, Greek, Japanese...) is used, and with no guess
    Windows-1252 again, undecodable bytes becoming U+FFFD.
    """
    matches = charset_normalizer.from_bytes(body)
    best = matches.best()
    if best is not None and not any("cp1252" in m.could_be_from_charset for m in matches):
        return str(best)
    return body.decode("cp1252", errors="replace")


def looks_binary(body: bytes, *, declared: str | None = None) -> bool:
    """Whether a body served as text is binary data: control bytes no text contains.

    Bodies in UTF-16/32 (declared, or with a byte-order mark) are never judged here:
    their NUL bytes are text.
    """
    charset = (declared or "").lower()
    if charset.startswith(_WIDE_CHARSETS) or body.startswith(
            (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    sample = body[:_SNIFF_BYTES]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > _MAX_CONTROL_SHARE * len(sample)


def xml_safe(text: str) -> str:
    """``text`` without the characters XML cannot hold (lxml refuses them)."""
    return _NOT_XML.sub("", text.translate(_PAGE_BREAKS))


def _is_hidden(element: lxml_html.HtmlElement) -> bool:
    if element.get("hidden") is not None or element.get("aria-hidden", "").lower() == "true":
        return True
    if element.tag == "input" and element.get("type", "").lower() == "hidden":
        return True
    if _HIDDEN_STYLE.search(element.get("style", "")):
        return True
    return bool(_HIDDEN_CLASSES.intersection(element.get("class", "").lower().split()))


def clean_html(document: lxml_html.HtmlElement) -> None:
    """Remove, in place, everything a reader of the rendered page would not see."""
    doomed = [el for el in document.iter() if isinstance(el, etree._Comment)
              or el.tag in _DROP_TAGS or (isinstance(el.tag, str) and _is_hidden(el))]
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()


def _plain_text(document: lxml_html.HtmlElement) -> str:
    lines = (" ".join(line.split()) for line in document.text_content().splitlines())
    return "\n".join(line for line in lines if line)


_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>", re.IGNORECASE)


def html_to_text(markup: str, *, url: str = "") -> tuple[str, str]:
    """Return ``(title, main text)`` of an HTML page after :func:`clean_html`."""
    # lxml refuses a str that starts with an XML declaration (XHTML's prolog).
    markup = _XML_DECLARATION.sub("", markup, count=1)
    try:
        document = lxml_html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return "", ""
    title = " ".join((document.findtext(".//title") or "").split())
    clean_html(document)
    text = trafilatura.extract(
        document, url=url or None, include_comments=False, include_tables=True,
        favor_recall=True, deduplicate=False,
    )
    return title, (text or _plain_text(document)).strip()


_MAX_PDF_TEXT = 2_000_000
"""Characters of text taken from a PDF: the pages after it are not read."""


def pdf_to_text(body: bytes, *, deadline: float | None = None) -> tuple[str, str, bool]:
    """Return ``(title, text, cut)`` of a PDF. Raises UnreadableContentError if it is broken.

    ``deadline`` (a :func:`time.monotonic` time) stops the reading between pages: the
    pages read by then are returned with ``cut`` true (at least the first page is read).
    """
    cut = False
    try:
        reader = pypdf.PdfReader(io.BytesIO(body))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableContentError("the PDF is encrypted")
        pages: list[str] = []
        size = 0
        wanted = reader.pages[:_MAX_PDF_PAGES]
        for number, page in enumerate(wanted):
            if number and deadline is not None and time.monotonic() > deadline:
                cut = True
                break
            pages.append(page.extract_text() or "")
            size += len(pages[-1])
            if size > _MAX_PDF_TEXT:  # the text to read, not every page of a huge file
                cut = number + 1 < len(wanted)
                break
        title = str((reader.metadata.title or "") if reader.metadata else "")
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise UnreadableContentError(f"the PDF cannot be read: {exc}") from None
    return title, "\n\n".join(p.strip() for p in pages if p.strip()), cut


def extract(body: bytes, *, content_type: str, url: str = "",
            truncated: bool = False, deadline: float | None = None) -> Extracted:
    """Readable text of ``body`` (``truncated``: it was cut at the size cap;
    ``deadline``: a :func:`time.monotonic` time after which a PDF's pages are not read).

    Raises UnreadableContentError for binary content, declared or not, and broken PDFs.
    """
    kind = content_kind(content_type, body)
    declared = charset_of(content_type)
    if kind == "binary":
        mime = content_type.split(";")[0].strip() or "unknown type"
        raise UnreadableContentError(f"binary content ({mime}) cannot be read as text")
    if kind == "pdf":
        title, text, cut = pdf_to_text(body, deadline=deadline)
        return Extracted("pdf", title, text, cut=cut)
    if looks_binary(body, declared=declared):
        where = f"the page at {url}" if url else "the page"
        mime = content_type.split(";")[0].strip() or "no type"
        raise UnreadableContentError(f"{where} is binary data ({len(body)} bytes"
                                     f"{', cut at the size limit' if truncated else ''}, "
                                     f"served as {mime}), not text")
    text = xml_safe(decode(body, declared=declared, html=kind == "html", truncated=truncated))
    if kind == "html":
        title, text = html_to_text(text, url=url)
        return Extracted("html", title, text)
    if kind == "json":
        try:
            pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except (ValueError, RecursionError):  # not JSON, or nested past the parser
            kind = "text"
        else:
            # Indenting deep nesting multiplies the size (900 levels: 5 kB became 5 MB):
            # beyond twice the body, the text stays as served.
            text = pretty if len(pretty) <= 2 * len(text) + 1_000 else text
    return Extracted(kind, "", text.strip())
