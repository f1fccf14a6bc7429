"""Every result row says what produced it: model (and file hash), settings hash,
Ponder's version and git commit, and the seed."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from fake_openai import FakeOpenAI, system_text

import ponder
from ponder.agent.models.catalog import get_entry
from ponder.agent.provenance import model_digest, settings_digest, source_commit
from ponder.agent.settings import Settings

REPO = Path(ponder.__file__).resolve().parent


def test_the_settings_hash_follows_what_changes_results_only(tmp_path: Path) -> None:
    base = settings_digest(Settings())
    assert settings_digest(Settings(temperature=0.7)) != base
    assert settings_digest(Settings(budget={"max_steps": 3})) != base
    assert settings_digest(Settings(data_dir=tmp_path, api_key="sk-other")) == base
    # Where checkpoints and traces go changes no answer (and the URL holds a password).
    assert settings_digest(Settings(checkpoint_url="postgresql://u:hunter2@db/ponder",
                                    otlp_endpoint="http://127.0.0.1:4318")) == base


def test_model_hashes(tmp_path: Path) -> None:
    assert model_digest("local:qwen2.5-coder-0.5b") == get_entry("qwen2.5-coder-0.5b").sha256
    weights = tmp_path / "tiny.gguf"
    weights.write_bytes(b"GGUF" + bytes(range(256)) * 10)
    assert model_digest(str(weights)) == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert model_digest("openai:gpt-4o-mini") is None
    assert model_digest(str(tmp_path / "missing.gguf")) is None


def test_the_commit_is_the_checkout_s() -> None:
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    assert head and (source_commit() or "").startswith(head)


def _respond(body: dict) -> str:
    if "short plan" in system_text(body):
        return json.dumps({"steps": [{"step": "answer", "tool": "none"}]})
    return json.dumps({"thought": "known", "tool": "answer", "input": "Paris"})


def test_ponder_run_rows_carry_their_provenance(tmp_path: Path) -> None:
    tasks = tmp_path / "t.jsonl"
    tasks.write_text(json.dumps({"id": "a", "prompt": "Capital of France?"}) + "\n")
    out = tmp_path / "r.jsonl"
    with FakeOpenAI(_respond) as server:
        done = subprocess.run(
            [sys.executable, "-m", "ponder", "run", str(tasks), "-o", str(out), "--sandbox",
             "none", "--model", "openai-compatible:fake", "--base-url", server.base_url],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "OPENAI_API_KEY": "sk-test", "PONDER_SEED": "7"})
    assert done.returncode in (0, 1), done.stderr
    row = json.loads(out.read_text().splitlines()[0])
    prov = row["provenance"]
    assert prov["model"] == "openai-compatible:fake" and prov["model_sha256"] is None
    assert prov["seed"] == 7 and prov["version"] == ponder.__version__
    assert len(prov["settings_sha256"]) == 64 and prov["commit"] == source_commit()


def test_a_urls_passwords_are_masked_wherever_it_carries_them() -> None:
    from ponder.agent.checkpoints import masked_url

    assert masked_url("postgresql://u:hunter2@db/ponder") == "postgresql://u:****@db/ponder"
    assert masked_url("postgresql://u@db/ponder?password=hunter2&sslmode=require") == (
        "postgresql://u@db/ponder?password=****&sslmode=require")
    assert masked_url("http://127.0.0.1:4318/v1/traces?token=abc") == (
        "http://127.0.0.1:4318/v1/traces?token=****")
    assert masked_url("http://127.0.0.1:4318/v1/traces") == "http://127.0.0.1:4318/v1/traces"
