"""Page fetching over real HTTP: content types, charsets, limits and redirects."""

from __future__ import annotations

import pytest

from ponder.tools.web import FetchError, PageFetcher, UnreadableContentError

from .server import LocalWeb


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
