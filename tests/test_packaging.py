"""The distribution installs from a wheel into a fresh virtual environment and works
from a directory outside the repository."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_repo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    wheels = list(dist.glob("ponder-*.whl"))
    assert len(wheels) == 1
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # Offline: the wheel alone (no index), its dependencies read from this environment's
    # site-packages through a path file (whose own .pth files, such as the editable
    # install's finder, are not processed: ponder itself comes from the wheel).
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    str(wheels[0])], check=True, capture_output=True, text=True, timeout=300)
    import sysconfig

    ours = sysconfig.get_paths()["purelib"]
    theirs = subprocess.run([str(python), "-c", "import sysconfig; "
                             "print(sysconfig.get_paths()['purelib'])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    (Path(theirs) / "dependencies.pth").write_text(ours + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = (
        "import ponder, ponder.testing, ponder.graphs.builder, ponder.tools, ponder.sandbox;"
        "from ponder import Agent, build_graph;"
        "print(ponder.__file__)"
    )
    out = subprocess.run([str(python), "-c", probe], cwd=elsewhere, capture_output=True,
                         text=True, check=True)
    assert str(env_dir) in out.stdout and str(REPO) not in out.stdout
    cli = subprocess.run([str(env_dir / "bin" / "ponder"), "--help"], cwd=elsewhere,
                         capture_output=True, text=True)
    assert cli.returncode == 0 and "ask" in cli.stdout
    # tests and benchmarks are not shipped
    listing = subprocess.run([sys.executable, "-m", "zipfile", "-l", str(wheels[0])],
                             capture_output=True, text=True, check=True).stdout
    assert "ponder/tests/" not in listing and "ponder/bench/" not in listing
    assert "ponder/sandbox/image/Dockerfile" in listing
