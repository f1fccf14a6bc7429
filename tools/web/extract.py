"""Turn a fetched body into readable text: HTML, plain text, JSON and PDF.

HTML is cleaned before extraction — scripts, styles, comments and hidden elements go,
because text a reader cannot see is the usual carrier of prompt injection — and then
:mod:`trafilatura` keeps the main text. Character sets come from the header, then the
page's own declaration, then UTF-8, then :mod:`charset_normalizer`'s detection.
"""

from __future__ import annotations

import codecs
import io
import json
import re
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


def decode(body: bytes, *, declared: str | None = None, html: bool = False) -> str:
    """Decode ``body``: declared charset, then the page's meta tag, then UTF-8, then a
    detected charset; undecodable bytes become U+FFFD rather than an error."""
    candidates: list[str] = []
    if declared:
        candidates.append(declared)
    if html:
        meta = _META_CHARSET.search(body[:4096])
        if meta:
            candidates.append(meta.group(1).decode("ascii", "ignore"))
    candidates.append("utf-8-sig")
    for name in candidates:
        try:
            return body.decode(codecs.lookup(name).name)
        except (LookupError, UnicodeDecodeError):
            continue
    best = charset_normalizer.from_bytes(body).best()
    return str(best) if best is not None else body.decode("utf-8", errors="replace")


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


def html_to_text(markup: str, *, url: str = "") -> tuple[str, str]:
    """Return ``(title, main text)`` of an HTML page after :func:`clean_html`."""
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


def pdf_to_text(body: bytes) -> tuple[str, str]:
    """Return ``(title, text)`` of a PDF. Raises UnreadableContentError if it is broken."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(body))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableContentError("the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages[:_MAX_PDF_PAGES]]
        title = str((reader.metadata.title or "") if reader.metadata else "")
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise UnreadableContentError(f"the PDF cannot be read: {exc}") from None
    return title, "\n\n".join(p.strip() for p in pages if p.strip())


def extract(body: bytes, *, content_type: str, url: str = "") -> Extracted:
    """Readable text of ``body``. Raises UnreadableContentError for binary content."""
    kind = content_kind(content_type, body)
    declared = charset_of(content_type)
    if kind == "binary":
        mime = content_type.split(";")[0].strip() or "unknown type"
        raise UnreadableContentError(f"binary content ({mime}) cannot be read as text")
    if kind == "pdf":
        title, text = pdf_to_text(body)
        return Extracted("pdf", title, text)
    text = decode(body, declared=declared, html=kind == "html")
    if kind == "html":
        title, text = html_to_text(text, url=url)
        return Extracted("html", title, text)
    if kind == "json":
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            kind = "text"
    return Extracted(kind, "", text.strip())
