"""The embedded llama.cpp server: spec resolution, load failures, and one real model run."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel

from ponder.agent.errors import ModelNotAvailableError, PonderRuntimeError
from ponder.agent.models import local
from ponder.agent.models.catalog import DEFAULT_MODEL_NAME, ensure_model
from ponder.agent.models.local import (
    LocalServer,
    get_local_server,
    local_chat_model,
    resolve_local_model,
)
from ponder.agent.settings import Settings
from ponder.graphs.actions import fenced_grammar, parse_fenced


def test_local_prefix_alone_means_the_default_model(tmp_path, monkeypatch):
    asked: list[str] = []

    def fake_ensure(name: str, cache_dir: Path, *, progress: bool) -> Path:
        asked.append(name)
        return cache_dir / "x.gguf"

    monkeypatch.setattr(local, "ensure_model", fake_ensure)

    assert resolve_local_model("local:", tmp_path) == tmp_path / "x.gguf"
    assert resolve_local_model("local:smollm2-135m", tmp_path) == tmp_path / "x.gguf"
    assert asked == [DEFAULT_MODEL_NAME, "smollm2-135m"]


def test_gguf_paths_are_used_as_they_are(tmp_path):
    model = tmp_path / "my model.gguf"
    model.write_bytes(b"GGUF")

    assert resolve_local_model(str(model), tmp_path) == model
    assert resolve_local_model(f"local:{model}", tmp_path) == model
    with pytest.raises(ModelNotAvailableError, match="model file not found"):
        resolve_local_model(str(tmp_path / "missing.gguf"), tmp_path)


def test_other_specs_are_refused(tmp_path):
    with pytest.raises(ModelNotAvailableError, match="not a local model"):
        resolve_local_model("openai:gpt-4o-mini", tmp_path)


def test_a_file_that_is_not_gguf_is_refused_before_loading(tmp_path):
    bogus = tmp_path / "notes.gguf"
    bogus.write_text("just text")

    with pytest.raises(ModelNotAvailableError, match="not a GGUF model file"):
        LocalServer(bogus).start()


def test_a_broken_gguf_file_fails_with_a_runtime_error(tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)
    server = LocalServer(broken, context_size=512)

    with pytest.raises(PonderRuntimeError, match=r"llama\.cpp could not load"):
        server.start()
    assert not server.running


class Sum(BaseModel):
    total: int


@pytest.mark.model
def test_real_model_chats_and_returns_schema_constrained_output():
    settings = Settings(context_size=2048, max_output_tokens=64)
    model_file = ensure_model(DEFAULT_MODEL_NAME, settings.cache_dir, progress=False)

    chat = local_chat_model(f"local:{DEFAULT_MODEL_NAME}", settings)
    server = get_local_server(model_file, context_size=2048, parallel=settings.local_slots)
    assert chat.openai_api_base == server.base_url
    assert server.base_url.startswith("http://127.0.0.1:")
    assert get_local_server(model_file, context_size=2048,
                            parallel=settings.local_slots) is server  # started once

    reply = chat.invoke("What is the capital of France? Answer with one word.")
    assert "paris" in str(reply.content).lower()
    assert reply.usage_metadata is not None and reply.usage_metadata["output_tokens"] > 0

    structured = chat.with_structured_output(Sum, method="json_schema")
    result = structured.invoke("Add 2 and 3. Give the total.")
    assert isinstance(result, Sum) and result.total == 5

    address = server.address
    server.stop()
    with pytest.raises(httpx.TransportError):
        httpx.get(address + "/health", timeout=2)


@pytest.mark.model
async def test_slots_serve_concurrent_calls_each_with_the_full_context():
    import asyncio

    settings = Settings(context_size=1024, max_output_tokens=16, local_slots=2)
    model_file = ensure_model(DEFAULT_MODEL_NAME, settings.cache_dir, progress=False)
    chat = local_chat_model(f"local:{DEFAULT_MODEL_NAME}", settings)
    server = get_local_server(model_file, context_size=1024, parallel=2)
    assert chat.openai_api_base == server.base_url
    assert server is not get_local_server(model_file, context_size=1024)  # 1 slot: another
    slots = httpx.get(server.address + "/slots", timeout=5).json()
    assert len(slots) == 2 and all(s["n_ctx"] == 1024 for s in slots)

    replies = await asyncio.gather(chat.ainvoke("Say yes."), chat.ainvoke("Say no."))
    assert all(r.usage_metadata and r.usage_metadata["output_tokens"] > 0 for r in replies)
    local.stop_local_servers()


@pytest.mark.model
def test_the_fenced_grammar_holds_the_real_model_to_one_readable_action():
    settings = Settings(context_size=2048, max_output_tokens=256)
    chat = local_chat_model(f"local:{DEFAULT_MODEL_NAME}", settings)
    tools = ["python", "search"]
    ask = "What is 12 times 13? Show your working."
    free = str(chat.invoke(ask).content)
    held_model = chat.model_copy(update={"extra_body": {"grammar": fenced_grammar(tools)}})
    held = str(held_model.invoke(ask).content)
    assert parse_fenced(free, tools) is None  # left alone, the model writes prose
    action = parse_fenced(held, tools)
    assert action is not None and action["tool"] in (*tools, "answer"), held
    # Nothing after the action: the grammar ends the reply there.
    assert held.rstrip().endswith(("```", action["input"].splitlines()[-1].strip()))
    # A block the model closes ends the reply (the "```\n" token is not refused, which
    # would leave it writing on inside the block).
    code_ask = ("Count how many times the letter r occurs in 'strawberry'. Write a short "
                "thought, then the Python code in one ```python block.")
    ran = str(held_model.invoke(code_ask).content)
    action = parse_fenced(ran, tools)
    assert action is not None and action["tool"] == "python", ran
    assert "`" not in action["input"] and ran.rstrip().endswith("```"), ran
    local.stop_local_servers()
