"""The served graph's settings come from the server; a run's ``configurable`` may change
only the per-run ones (model, budget, methods), and a bad one is named."""

from __future__ import annotations

import pytest

from ponder.agent.errors import ConfigError
from ponder.agent.serve import RUN_SETTINGS, ServedRuntime, make_graph
from ponder.agent.settings import Settings
from ponder.tools.registry import ToolRegistry


def _runtime() -> ServedRuntime:
    return ServedRuntime(Settings(model="openai-compatible:served", base_url="http://127.0.0.1:9/v1"),
                         ToolRegistry([]))


def test_a_run_may_set_per_run_settings_and_keeps_the_rest() -> None:
    runtime = _runtime()
    settings = runtime.settings_for({"configurable": {
        "thread_id": "t", "model": "openai-compatible:other", "budget": {"max_steps": 5},
        "direct_answer": False}})
    assert settings.model == "openai-compatible:other" and not settings.direct_answer
    assert settings.budget.max_steps == 5
    assert settings.budget.max_seconds == Settings().budget.max_seconds  # merged, not replaced
    assert settings.base_url == "http://127.0.0.1:9/v1"
    assert runtime.settings_for({"configurable": {"thread_id": "t"}}) is runtime.settings


@pytest.mark.parametrize("key, value", [
    ("base_url", "http://evil.example/v1"), ("api_key", "sk-x"),
    ("sandbox", {"kind": "local"}), ("search", {"allow_private_addresses": True}),
    ("data_dir", "/"),
])
def test_server_only_settings_are_refused_by_name(key: str, value: object) -> None:
    assert key not in RUN_SETTINGS
    with pytest.raises(ConfigError, match=f"'{key}'.*server only"):
        _runtime().settings_for({"configurable": {key: value}})


def test_a_bad_run_setting_names_its_key() -> None:
    with pytest.raises(ConfigError, match=r"budget\.max_steps"):
        _runtime().settings_for({"configurable": {"budget": {"max_steps": -1}}})


async def test_the_factory_builds_a_graph_without_a_context_schema(
        monkeypatch: pytest.MonkeyPatch, allow_model_requests: None) -> None:
    import ponder.agent.serve as serve

    monkeypatch.setattr(serve, "_runtime", _runtime())
    async with make_graph({"configurable": {"thread_id": "t"}}) as graph:
        assert graph.get_context_jsonschema() is None
        assert {"task", "messages"} <= set(graph.get_input_jsonschema()["properties"])


@pytest.mark.parametrize("given, key", [
    ({"model": "local:qwen2.5-coder-1.5b"}, "model"),
    ({"model": "/etc/hostname.gguf"}, "model"),
    ({"budget": {"max_seconds": 1e9}}, "budget.max_seconds"),
    # Validation turns strings into numbers: they are held to the same limits.
    ({"budget": {"max_seconds": "1e9"}}, "budget.max_seconds"),
    ({"budget": {"max_steps": "1000"}}, "budget.max_steps"),
])
def test_a_run_may_tighten_the_server_but_not_loosen_it(given: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=f"'{key}'"):
        _runtime().settings_for({"configurable": given})
    tight = _runtime().settings_for({"configurable": {"budget": {"max_seconds": 60}}})
    assert tight.budget.max_seconds == 60


def test_approval_on_the_server_cannot_be_turned_off_by_a_run() -> None:
    runtime = ServedRuntime(Settings(approval=True), ToolRegistry([]))
    with pytest.raises(ConfigError, match=r"'approval'.*not off"):
        runtime.settings_for({"configurable": {"approval": False}})
    for falsy in (0, "false", "off", "no", "0"):  # what validation reads as False
        with pytest.raises(ConfigError, match=r"'approval'.*not off"):
            runtime.settings_for({"configurable": {"approval": falsy}})
    assert _runtime().settings_for({"configurable": {"approval": True}}).approval


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> tuple[ServedRuntime, list[str]]:
    """This process's served runtime, recording the threads it releases."""
    import ponder.agent.serve as serve

    released: list[str] = []
    runtime = _runtime()

    async def release(thread_id: str, **kwargs: object) -> None:
        released.append(thread_id)

    monkeypatch.setattr(runtime, "release", release)
    monkeypatch.setattr(serve, "_runtime", runtime)
    return runtime, released


async def test_a_thread_paused_for_approval_keeps_its_sandbox_until_it_resumes(
        served: tuple[ServedRuntime, list[str]], monkeypatch: pytest.MonkeyPatch,
        allow_model_requests: None) -> None:
    from ponder.graphs import approval

    runtime, released = served
    run = {"configurable": {"thread_id": "p", "__is_for_execution__": True}}
    async with make_graph(run):
        approval._PAUSED.add("p")  # what approve() records when it interrupts
    assert released == []  # kept for the resume
    async with make_graph(run):
        pass  # the resumed run ends normally
    assert released == ["p"]
    # a paused thread nobody resumes is released once idle for too long
    async with make_graph({"configurable": {"thread_id": "q", "__is_for_execution__": True}}):
        approval._PAUSED.add("q")
    monkeypatch.setattr(runtime.settings.sandbox, "pool_idle_seconds", 0.0001)
    async with make_graph({"configurable": {"thread_id": "r", "__is_for_execution__": True}}):
        assert "q" in released


async def test_a_paused_thread_is_released_when_idle_even_if_no_run_follows(
        served: tuple[ServedRuntime, list[str]], monkeypatch: pytest.MonkeyPatch,
        allow_model_requests: None) -> None:
    import asyncio

    from ponder.graphs import approval

    runtime, released = served
    monkeypatch.setattr(runtime.settings.sandbox, "pool_idle_seconds", 0.2)
    async with make_graph({"configurable": {"thread_id": "s", "__is_for_execution__": True}}):
        approval._PAUSED.add("s")
    assert released == []
    for _ in range(100):  # no other run starts: the timer's sweep releases it
        if released:
            break
        await asyncio.sleep(0.05)
    assert released == ["s"]


async def test_overlapping_sweeps_release_a_thread_once(
        served: tuple[ServedRuntime, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    runtime, released = served

    async def slow_release(thread_id: str, **kwargs: object) -> None:
        await asyncio.sleep(0.05)  # another sweep runs meanwhile
        released.append(thread_id)

    monkeypatch.setattr(runtime, "release", slow_release)
    monkeypatch.setattr(runtime.settings.sandbox, "pool_idle_seconds", 0.0001)
    runtime._kept.update({"a": 0.0, "b": 0.0})
    await asyncio.gather(runtime._sweep(), runtime._sweep())  # raised KeyError before
    assert sorted(released) == ["a", "b"]


async def test_the_server_keeps_a_bounded_number_of_model_setups(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import ponder.agent.models.factory as factory
    import ponder.agent.serve as serve

    made: list[object] = []

    def resolve(spec: str, settings: Settings) -> object:
        made.append(object())
        return made[-1]

    monkeypatch.setattr(factory, "resolve_model", resolve)
    runtime = _runtime()
    first = await runtime.model(runtime.settings)
    for seed in range(3 * serve.MAX_MODELS):  # a client picking a new seed every run
        await runtime.model(runtime.settings.model_copy(update={"seed": seed}))
        await runtime.model(runtime.settings)  # in use: stays
    assert len(runtime._models) <= serve.MAX_MODELS
    assert await runtime.model(runtime.settings) is first and len(made) == 1 + 3 * serve.MAX_MODELS


async def test_a_paused_thread_released_for_idling_is_told_its_state_is_gone(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import warnings

    from ponder.sandbox import LocalSandbox
    from ponder.tools.base import ToolContext
    from ponder.tools.python import PythonArgs, PythonTool

    def local() -> LocalSandbox:
        return LocalSandbox(default_timeout=20, artifact_dir=tmp_path / "art")

    python = PythonTool(factory=local)
    runtime = ServedRuntime(Settings(), ToolRegistry([python]))
    monkeypatch.setattr(runtime.settings.sandbox, "pool_idle_seconds", 0.0001)
    ctx = ToolContext(thread_id="p")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the local kernel's "unsafe" warning
        try:
            await python.call(PythonArgs(code="kept = 1"), ctx)
            runtime.keep("p")  # paused for an approval...
            await asyncio.sleep(0.01)
            await runtime._sweep()  # ...and waited too long: its sandbox goes
            after = await python.call(PythonArgs(code="print('kept' in dir())"), ctx)
            assert after.data["state_lost"] and "False" in after.text
            assert "waited for approval" in after.text and "was lost" in after.text
            again = await python.call(PythonArgs(code="1"), ctx)  # said once
            assert not again.data["state_lost"]
            await runtime.release("p")  # a run that ends: nothing to tell
            quiet = await python.call(PythonArgs(code="1"), ctx)
            assert not quiet.data["state_lost"]
            # expired, then the run ends with no python step: its next turn is not told
            runtime.keep("p")
            await asyncio.sleep(0.01)
            await runtime._sweep()
            await runtime.release("p")
            fresh = await python.call(PythonArgs(code="1"), ctx)
            assert not fresh.data["state_lost"]
        finally:
            await python.aclose()
