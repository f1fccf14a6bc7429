"""Test configuration shared by every test.

* Real model requests are disabled unless a test is marked ``model`` or asks for the
  ``allow_model_requests`` fixture (the pydantic-ai pattern), so a unit test can never
  silently reach a real endpoint.
* Each test gets its own data directory and no stray ``PONDER_*`` / ``OPENAI_*``
  variables or settings file from the developer's machine.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ponder.agent.models.factory as factory


@pytest.fixture(autouse=True)
def _isolate(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in list(os.environ):
        if key.startswith(("PONDER_", "OPENAI_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PONDER_DATA_DIR", str(tmp_path / "data"))
    empty = tmp_path / "isolated-ponder.toml"  # no user file leaks in; a named file must exist
    empty.write_text("")
    monkeypatch.setenv("PONDER_CONFIG", str(empty))
    monkeypatch.chdir(tmp_path)
    allowed = request.node.get_closest_marker("model") is not None
    if not allowed:
        # Scripted runs in tests/agent and the CLI tests script the tool loop; the direct
        # answer (on by default, and in the real-model tests) has its own tests.
        monkeypatch.setenv("PONDER_DIRECT_ANSWER", "false")
        monkeypatch.setenv("PONDER_PROGRAM_ANSWER", "false")
        monkeypatch.setenv("PONDER_BARE_ANSWER", "false")
    monkeypatch.setattr(factory, "ALLOW_MODEL_REQUESTS", allowed)
    yield


@pytest.fixture
def allow_model_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(factory, "ALLOW_MODEL_REQUESTS", True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A throwaway PostgreSQL server for the session (tests/support/throwaway_pg.py)."""
    from throwaway_pg import ThrowawayPostgres

    with ThrowawayPostgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgres"])
def checkpoint_store(request: pytest.FixtureRequest, _isolate: None,
                     monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once with SQLite checkpoints (the default) and once with a fresh
    PostgreSQL database (``PONDER_CHECKPOINT_URL``, seen by subprocesses too)."""
    if request.param == "postgres":
        server = request.getfixturevalue("postgres")
        name = "t_" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:16]
        monkeypatch.setenv("PONDER_CHECKPOINT_URL", server.new_database(name))
    return str(request.param)
