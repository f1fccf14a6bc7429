"""Page fetching over real HTTP: content types, charsets, limits and redirects."""

from __future__ import annotations

import tracemalloc

import pytest

from ponder.agent.errors import ToolError
from ponder.tools.web import FetchError, PageFetcher, UnreadableContentError

from .server import BOMB_BYTES, LocalWeb


async def test_article_is_reduced_to_its_main_text(fetcher: PageFetcher, web: LocalWeb) -> None:
    page = await fetcher.fetch(web.url("/article"))
    assert page.kind == "html"
    assert page.title == "The Zephyr Bridge"
    assert "1,234 metres long" in page.text
    assert "Amelia Thornbury" in page.text
    assert "SCRIPT TEXT" not in page.text
    assert "COMMENT TEXT" not in page.text
    assert "color: #222" not in page.text
    assert not page.truncated


async def test_hidden_prompt_injection_is_stripped(fetcher: PageFetcher, web: LocalWeb) -> None:
    page = await fetcher.fetch(web.url("/injection"))
    assert "Camellia sinensis" in page.text
    assert "80 degrees Celsius" in page.text
    assert "IGNORE ALL PREVIOUS INSTRUCTIONS" not in page.text


async def test_huge_page_is_cut_at_the_size_cap(fetcher: PageFetcher, web: LocalWeb) -> None:
    page = await fetcher.fetch(web.url("/huge"))
    assert page.truncated
    assert "The estuary tide rises" in page.text
    assert len(page.text.encode()) <= 50_000


async def test_slow_page_times_out(web: LocalWeb) -> None:
    impatient = PageFetcher(timeout=0.5, allow_hosts=[web.host])
    try:
        with pytest.raises(FetchError, match=r"timed out after 0\.5 s"):
            await impatient.fetch(web.url("/slow"))
    finally:
        await impatient.aclose()


async def test_redirect_chain_is_followed_hop_by_hop(fetcher: PageFetcher, web: LocalWeb) -> None:
    page = await fetcher.fetch(web.url("/redirect/3"))
    assert page.final_url == web.url("/article")
    assert page.redirects == [web.url("/redirect/2"), web.url("/redirect/1"), web.url("/article")]
    assert "Amelia Thornbury" in page.text


async def test_redirect_limit(web: LocalWeb) -> None:
    strict = PageFetcher(max_redirects=2, allow_hosts=[web.host])
    try:
        with pytest.raises(FetchError, match=r"too many redirects \(more than 2\)"):
            await strict.fetch(web.url("/redirect/3"))
    finally:
        await strict.aclose()


async def test_redirect_loop(fetcher: PageFetcher, web: LocalWeb) -> None:
    with pytest.raises(FetchError, match=r"redirect loop: .*/loop/a -> .*/loop/b -> .*/loop/a"):
        await fetcher.fetch(web.url("/loop/a"))


@pytest.mark.parametrize(("path", "message"), [
    ("/missing", "HTTP 404 Not Found"),
    ("/error", "HTTP 500 Internal Server Error"),
])
async def test_http_errors(fetcher: PageFetcher, web: LocalWeb, path: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        await fetcher.fetch(web.url(path))


async def test_declared_binary_is_refused_without_reading(fetcher: PageFetcher,
                                                          web: LocalWeb) -> None:
    with pytest.raises(FetchError, match=r"binary content \(image/png\)"):
        await fetcher.fetch(web.url("/image.png"))


async def test_undeclared_binary_is_refused(fetcher: PageFetcher, web: LocalWeb) -> None:
    with pytest.raises(UnreadableContentError, match="binary content"):
        await fetcher.fetch(web.url("/blob"))


async def test_windows_1251_text_without_a_charset_is_detected(fetcher: PageFetcher,
                                                               web: LocalWeb) -> None:
    page = await fetcher.fetch(web.url("/cyrillic.txt"))
    assert page.kind == "text"
    assert "Москва — столица России" in page.text


async def test_shift_jis_page_declared_in_a_meta_tag(fetcher: PageFetcher, web: LocalWeb) -> None:
    page = await fetcher.fetch(web.url("/japanese"))
    assert page.title == "富士山"
    assert "標高は3776メートル" in page.text


async def test_json_is_pretty_printed(fetcher: PageFetcher, web: LocalWeb) -> None:
    page = await fetcher.fetch(web.url("/data.json"))
    assert page.kind == "json"
    assert page.text == '{\n  "bridge": "Zephyr",\n  "span_m": 1234\n}'


async def test_pdf_text_is_extracted(fetcher: PageFetcher, web: LocalWeb) -> None:
    page = await fetcher.fetch(web.url("/doc.pdf"))
    assert page.kind == "pdf"
    assert page.title == "Bridge Report"
    assert "the main span is 1234 metres" in page.text


@pytest.mark.parametrize("path", ["/random.html", "/random.txt", "/random.json"])
async def test_random_bytes_served_as_text_are_reported_as_binary(
    fetcher: PageFetcher, web: LocalWeb, path: str
) -> None:
    with pytest.raises(UnreadableContentError,
                       match=rf"the page at .*{path} is binary data \(20000 bytes.*\), not text"):
        await fetcher.fetch(web.url(path))


async def test_a_stray_control_character_does_not_spoil_a_page(fetcher: PageFetcher,
                                                                web: LocalWeb) -> None:
    page = await fetcher.fetch(web.url("/stray-control"))
    assert page.title == "The Zephyr Bridge"
    assert "1,234 metres long, and" in page.text
    assert "48,500 vehicles cross the bridge every day." in page.text
    assert "\x01" not in page.text and "\x0c" not in page.text


async def test_a_windows_1252_page_declared_utf8_is_read_as_windows_1252(
    fetcher: PageFetcher, web: LocalWeb
) -> None:
    """Not valid UTF-8, so the label is wrong; the legacy Western reading is the one kept."""
    page = await fetcher.fetch(web.url("/western"))
    assert page.title == "Crème brûlée"
    assert "La crème brûlée est un dessert français à base de jaunes d’œufs" in page.text
    assert "Une portion coûte 4 € au café « Chez Zoë »." in page.text


async def test_a_utf8_page_cut_inside_a_character_keeps_its_encoding(
    fetcher: PageFetcher, web: LocalWeb
) -> None:
    page = await fetcher.fetch(web.url("/accented.txt"))
    assert page.truncated
    assert page.text == "a" + "é" * 24_999  # 49,999 bytes: the cut half character is dropped


async def test_a_gzip_bomb_is_capped_while_it_inflates(fetcher: PageFetcher,
                                                       web: LocalWeb) -> None:
    """20 MB of NULs in 20 kB of gzip: never inflated past the cap, and not passed off as
    text."""
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableContentError,
                           match=r"is binary data \(50000 bytes, cut at the size limit"):
            await fetcher.fetch(web.url("/nul-bomb"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < BOMB_BYTES // 4


async def test_a_gzip_bomb_of_text_is_cut_at_the_size_cap(fetcher: PageFetcher,
                                                          web: LocalWeb) -> None:
    page = await fetcher.fetch(web.url("/text-bomb"))
    assert page.truncated
    assert "The tide rises twice a day." in page.text
    assert len(page.text.encode()) <= 50_000


@pytest.mark.parametrize("path", ["/gzip", "/deflate", "/raw-deflate"])
async def test_compressed_pages_are_read(fetcher: PageFetcher, web: LocalWeb, path: str) -> None:
    page = await fetcher.fetch(web.url(path))
    assert page.title == "The Zephyr Bridge"
    assert "Amelia Thornbury" in page.text and not page.truncated


@pytest.mark.parametrize(("path", "message"), [
    ("/brotli", "the page is compressed with 'br', which is not supported"),
    ("/corrupt-gzip", "the page's gzip data is corrupt"),
    ("/stacked", r"stacked content encodings \(gzip, gzip\)"),
])
async def test_unreadable_encodings_are_clear_errors(fetcher: PageFetcher, web: LocalWeb,
                                                     path: str, message: str) -> None:
    with pytest.raises(ToolError, match=message):
        await fetcher.fetch(web.url(path))


async def test_a_redirect_to_a_malformed_url_is_a_clear_error(fetcher: PageFetcher,
                                                              web: LocalWeb) -> None:
    with pytest.raises(FetchError, match=r"Invalid URL in location header"):
        await fetcher.fetch(web.url("/bad-redirect"))


def test_deeply_nested_json_stays_as_served() -> None:
    from ponder.tools.web.extract import extract

    nested = ("[" * 900 + "1" + "]" * 900).encode()
    out = extract(nested, content_type="application/json")
    assert len(out.text) < 10_000  # indenting it would have made 4 MB of text
    deeper = ("[" * 100_000 + "]" * 100_000).encode()  # past the parser: text, no crash
    assert extract(deeper, content_type="application/json").kind == "text"
    assert extract(b'{"a": [1, 2]}', content_type="application/json").text.count("\n") >= 3


def test_a_page_declaring_a_codec_of_no_text_is_still_read() -> None:
    from ponder.tools.web.extract import extract

    for codec in ("idna", "punycode"):  # raised a bare UnicodeError before
        out = extract(b"see xn--zz for details", content_type=f"text/plain; charset={codec}")
        assert out.text == "see xn--zz for details"


def _pages_pdf(count: int) -> bytes:
    """A PDF of ``count`` pages, each the test server's one-page report with its number."""
    import io

    import pypdf

    from .server import make_pdf

    writer = pypdf.PdfWriter()
    for number in range(count):
        page = pypdf.PdfReader(io.BytesIO(make_pdf(f"Page marker {number}.", "Pages")))
        writer.add_page(page.pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_stops_between_pages_at_its_deadline() -> None:
    import time

    from ponder.tools.web.extract import extract

    body = _pages_pdf(4)
    whole = extract(body, content_type="application/pdf")
    assert [f"Page marker {n}" in whole.text for n in range(4)] == [True] * 4
    assert not whole.cut
    late = extract(body, content_type="application/pdf", deadline=time.monotonic() - 1)
    assert "Page marker 0" in late.text and "Page marker 1" not in late.text
    assert late.cut  # the first page is always read; the rest are not, and it says so


async def test_reading_a_page_has_a_deadline_of_its_own(monkeypatch: pytest.MonkeyPatch,
                                                        web: LocalWeb) -> None:
    """Extraction runs in a thread the download's timeout did not cover: a page whose
    text takes too long to read ends the fetch with a message, not a hang."""
    import time

    import ponder.tools.web.fetch as fetch_module

    def slow_extract(*args: object, **kwargs: object) -> None:
        time.sleep(1.5)  # then returns None: the fetch would fail otherwise, unreadably

    monkeypatch.setattr(fetch_module, "extract", slow_extract)
    monkeypatch.setattr(fetch_module, "_EXTRACT_GRACE", 0.1)
    fetcher = PageFetcher(timeout=0.3, allow_private=True)
    try:
        with pytest.raises(FetchError, match=r"reading the page's text took more than 0.4 s"):
            await fetcher.fetch(web.url("/doc.pdf"))
    finally:
        await fetcher.aclose()


async def test_a_pdf_cut_by_its_deadline_is_marked_truncated(monkeypatch: pytest.MonkeyPatch,
                                                             web: LocalWeb) -> None:
    import ponder.tools.web.fetch as fetch_module
    from ponder.tools.web.extract import Extracted

    monkeypatch.setattr(fetch_module, "extract",
                        lambda *a, **k: Extracted("pdf", "T", "first page", cut=True))
    fetcher = PageFetcher(timeout=5.0, allow_private=True)
    try:
        page = await fetcher.fetch(web.url("/doc.pdf"))
    finally:
        await fetcher.aclose()
    assert page.truncated and page.text == "first page"
