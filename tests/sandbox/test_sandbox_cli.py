"""``ponder sandbox`` commands against the real engine and image."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ponder.agent.cli.sandbox import app
from ponder.sandbox import DockerSandbox

pytestmark = pytest.mark.docker


def test_build_reports_the_ready_image(sandbox_image: str) -> None:
    result = CliRunner().invoke(app, ["build"])
    assert result.exit_code == 0, result.output
    assert f"sandbox image ready: {sandbox_image}" in result.output
    assert "up to date" in result.output


async def test_status_lists_engine_image_and_sandboxes(sandbox: DockerSandbox,
                                                       sandbox_image: str) -> None:
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "engine: Docker" in result.output
    assert f"image:  {sandbox_image} present" in result.output
    assert sandbox.container_id is not None
    assert sandbox.container_id[:12] in result.output and "alive" in result.output


def test_prune_leaves_live_sandboxes(docker_api: object) -> None:
    result = CliRunner().invoke(app, ["prune"])
    assert result.exit_code == 0, result.output
    assert "orphaned sandbox(es)" in result.output


def test_user_errors_are_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 1
    assert "error: no Docker engine answers" in result.output
    assert "Traceback" not in result.output
    assert result.output.count("\n") == 1
