"""``ponder ask`` stopped with SIGTERM while its code runs closes its sandbox on the way
out: no container is left for the next start-up's reaper (real Docker, real subprocess)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import docker
from fake_openai import FakeOpenAI, system_text


def _sleepy(body: dict) -> str:
    if "short plan" in system_text(body):
        return json.dumps({"steps": [{"step": "compute it", "tool": "python"}]})
    return json.dumps({"thought": "run it", "tool": "python",
                       "input": "import time\ntime.sleep(120)\nprint(391)"})


def _wait_until(predicate, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the expected state never came")
        time.sleep(0.2)


def test_sigterm_while_code_runs_leaves_no_container(
    docker_api: docker.DockerClient, sandbox_image: str, tmp_path: Path,
    owned: Callable[[docker.DockerClient, int | None], list[str]],
) -> None:
    owned_containers = owned
    with FakeOpenAI(_sleepy) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ponder", "ask", "What is 17*23?", "--model",
             "openai-compatible:fake", "--base-url", server.base_url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "COLUMNS": "300"})
        try:
            _wait_until(lambda: bool(owned_containers(docker_api, proc.pid)))
            _wait_until(lambda: any("python" in json.dumps(b) and "sleep" in json.dumps(b)
                                    for b in server.requests) and proc.poll() is None)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 143, err
    assert "terminated" in err and "Traceback" not in err
    assert owned_containers(docker_api, proc.pid) == []
