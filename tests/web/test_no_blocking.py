"""The web tools make no blocking call on the event loop under LangGraph Server's own
rules (``langgraph dev`` rejects them): search, open and find, with the cache on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ponder.agent.settings import Settings
from ponder.tools.base import Tool, ToolContext
from ponder.tools.web import BrowsingSession, PageFetcher, WebCache, make_web_tools

from .server import LocalWeb


@pytest.fixture
def server_rules() -> Iterator[None]:
    """Blocking-call detection configured exactly as LangGraph Server's in-memory runtime
    does it (an internal function, imported here so the rules cannot drift)."""
    from langgraph_runtime_inmem.queue import _enable_blockbuster

    detector = _enable_blockbuster()
    yield
    detector.deactivate()


async def test_search_open_and_find_do_not_block_the_loop(
        settings: Settings, web: LocalWeb, tmp_path: Path, server_rules: None) -> None:
    # The rules are live: the cache's synchronous call on the loop is caught.
    with pytest.raises(Exception, match="Blocking call"):
        WebCache(tmp_path / "control.sqlite").get("page", "https://example.org/")
    fetcher = PageFetcher(timeout=5.0, max_bytes=50_000, max_redirects=5,
                          allow_hosts=[web.host])
    made = make_web_tools(settings, session=BrowsingSession(chunk_chars=400), fetcher=fetcher,
                          cache=WebCache(tmp_path / "web.sqlite"))
    tools: dict[str, Tool] = {tool.name: tool for tool in made}
    ctx = ToolContext(thread_id="t")
    for name, args in (("search", {"query": "zephyr bridge"}), ("open", {"target": "1"}),
                       ("find", {"pattern": "bridge"}), ("search", {"query": "zephyr bridge"})):
        tool = tools[name]
        obs = await tool.call(tool.args_schema.model_validate(args), ctx)
        assert "Blocking call" not in obs.text, obs.text
        assert obs.ok, obs.text
    for tool in made:
        closer = getattr(tool, "aclose", None)
        if closer is not None:
            await closer()
    await fetcher.aclose()
