"""The python tool: bounded, readable observations; state per thread; never raises."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ponder.sandbox import DockerSandbox, SandboxPool
from ponder.tools.base import Tool, ToolContext
from ponder.tools.python import PythonArgs, PythonTool

pytestmark = pytest.mark.docker
CTX = ToolContext(thread_id="t1")


async def test_value_and_state_across_calls(sandbox: DockerSandbox) -> None:
    tool = PythonTool(sandbox)
    assert isinstance(tool, Tool) and tool.name == "python"
    await tool.call(PythonArgs(code="x = 21"), CTX)
    obs = await tool.call(PythonArgs(code="print('half', x)\nx * 2"), CTX)
    assert obs.ok
    assert obs.text == "[stdout]\nhalf 21\n[value]\n42"
    assert obs.data["code"] == "print('half', x)\nx * 2"
    assert (obs.data["stdout"], obs.data["value"], obs.data["error"]) == ("half 21\n", "42", None)
    assert obs.data["sandbox_seconds"] > 0


@pytest.mark.parametrize(("code", "name"), [
    ("def f(:\n    pass", "SyntaxError"),
    ("import no_such_module_here", "ModuleNotFoundError"),
    ("[1][5]", "IndexError"),
])
async def test_bad_code_is_an_observation(sandbox: DockerSandbox, code: str, name: str) -> None:
    obs = await PythonTool(sandbox).call(PythonArgs(code=code), CTX)
    assert not obs.ok
    assert f"[error {name}]" in obs.text
    assert obs.data["error"].startswith(name)


async def test_timeout_and_lost_state_are_explained(sandbox: DockerSandbox) -> None:
    tool = PythonTool(sandbox, timeout=1)
    obs = await tool.call(PythonArgs(code="while True:\n    pass"), CTX)
    assert not obs.ok
    assert "exceeded 1 s" in obs.text and "interrupted" in obs.text
    died = await tool.call(PythonArgs(code="import os\nos._exit(3)"), CTX)
    assert "[sandbox]" in died.text and "state" in died.text and "lost" in died.text
    assert died.data["state_lost"] is True


async def test_long_output_is_bounded(sandbox: DockerSandbox) -> None:
    obs = await PythonTool(sandbox).call(PythonArgs(code="print('y' * 200_000)"), CTX)
    assert len(obs.text) < 6_000
    assert "characters cut" in obs.text


async def test_kept_plots_become_artifacts(new_sandbox: Callable[..., DockerSandbox]) -> None:
    code = "import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.show()"
    async with new_sandbox(keep_artifacts=True) as box:
        obs = await PythonTool(box).call(PythonArgs(code=code), CTX)
    assert obs.ok and len(obs.artifacts) == 1
    assert f"saved image/png to {obs.artifacts[0]}\n" in obs.text + "\n"


async def test_one_sandbox_per_thread_from_a_factory(
    new_sandbox: Callable[..., DockerSandbox],
) -> None:
    tool = PythonTool(factory=new_sandbox)
    await tool.call(PythonArgs(code="who = 'a'"), ToolContext(thread_id="a"))
    other = await tool.call(PythonArgs(code="'who' in globals()"), ToolContext(thread_id="b"))
    same = await tool.call(PythonArgs(code="who"), ToolContext(thread_id="a"))
    assert (other.data["value"], same.data["value"]) == ("False", "'a'")
    boxes = [await tool.sandbox_for("a"), await tool.sandbox_for("b")]
    await tool.aclose()
    assert not any(b.started for b in boxes)


async def test_empty_code_is_refused_without_running(sandbox: DockerSandbox) -> None:
    obs = await PythonTool(sandbox).call(PythonArgs(code="   "), CTX)
    assert not obs.ok and obs.text == "no code given"


async def test_sandboxes_can_come_from_a_pool(new_sandbox: Callable[..., DockerSandbox]) -> None:
    async with SandboxPool(new_sandbox, size=1) as pool:
        tool = PythonTool(factory=pool.acquire)
        obs = await tool.call(PythonArgs(code="'pooled'"), CTX)
        assert obs.data["value"] == "'pooled'"
        sandbox = await tool.sandbox_for("t1")
        await tool.release("t1")
        assert not sandbox.started
        await tool.aclose()
