"""``--ray`` without Ray installed is one clear line; the embedded model is told apart."""

from __future__ import annotations

import sys

import pytest

from ponder.agent.errors import UserError
from ponder.agent.ray_batch import connect, embedded_model
from ponder.agent.settings import Settings


def test_without_ray_there_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(UserError, match=r"pip install 'ponder\[ray\]'"):
        connect(None)


def test_the_embedded_model_needs_a_model_slot_a_remote_one_does_not() -> None:
    assert embedded_model(Settings(model="local:qwen2.5-coder-0.5b"))
    assert embedded_model(Settings(model="/models/x.gguf"))
    assert not embedded_model(Settings(model="openai-compatible:served"))


def test_ray_alone_means_a_local_instance() -> None:
    from ponder.agent.cli import optional_values

    assert optional_values(["run", "t", "--ray"]) == ["run", "t", "--ray", "local"]
    assert optional_values(["run", "--ray", "--sandbox", "none"]) == [
        "run", "--ray", "local", "--sandbox", "none"]
    assert optional_values(["run", "--ray", "auto"]) == ["run", "--ray", "auto"]
