"""``ponder models list | pull | path``: output for scripts, one-line user errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ponder.agent.cli import models as models_cli
from ponder.agent.errors import ModelNotAvailableError

runner = CliRunner()


def test_path_prints_where_the_model_will_be(tmp_path: Path) -> None:
    result = runner.invoke(models_cli.app, ["path", "smollm2-135m", "--cache-dir", str(tmp_path)])

    assert result.exit_code == 0
    assert result.stdout.strip() == str(tmp_path / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf")


def test_path_uses_the_cache_dir_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PONDER_CACHE_DIR", str(tmp_path / "from-env"))

    result = runner.invoke(models_cli.app, ["path", "qwen2.5-coder-0.5b"])

    assert result.stdout.strip() == str(
        tmp_path / "from-env" / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    )


def test_unknown_model_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = runner.invoke(models_cli.app, ["path", "nope", "--cache-dir", str(tmp_path)])

    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unknown local model 'nope'")
    assert "Traceback" not in result.output


def test_list_shows_each_model_and_whether_it_is_cached(tmp_path: Path) -> None:
    partial = tmp_path / "models" / ".partial" / "smollm2-135m"
    partial.mkdir(parents=True)

    result = runner.invoke(models_cli.app, ["list", "--cache-dir", str(tmp_path)],
                           env={"COLUMNS": "200"})

    assert result.exit_code == 0
    rows = {line.split()[1]: line for line in result.stdout.splitlines() if "│ " in line}
    assert "1d9614638d18" in rows["qwen2.5-coder-0.5b"] and "(default)" in rows["qwen2.5-coder-0.5b"]
    assert rows["qwen2.5-coder-1.5b"].rstrip("│ ").endswith("no")
    assert "partial" in rows["smollm2-135m"]


def test_failed_pull_prints_the_reason_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline_pull(name: str, cache_dir: Path, *, progress: bool) -> Path:
        raise ModelNotAvailableError(f"could not fetch model '{name}' (hub: ConnectError); copy it")

    monkeypatch.setattr(models_cli, "pull", offline_pull)
    result = runner.invoke(models_cli.app, ["pull", "qwen2.5-coder-0.5b", "-q",
                                            "--cache-dir", str(tmp_path)])

    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: could not fetch model 'qwen2.5-coder-0.5b' (hub: ConnectError); copy it"
    )
