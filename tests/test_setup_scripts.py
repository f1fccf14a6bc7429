"""The set-up scripts install every program they call. A machine that lacks one (as a
fresh machine lacks debootstrap) is seen by running the script with a PATH that has only
what such a machine has."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "system-deps.sh"


def _bin_with(tmp_path: Path, *names: str, uid: str | None = None) -> Path:
    """A folder with only ``names`` linked in (and an ``id`` reporting ``uid``)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("bash", "env", *names):
        found = shutil.which(name)
        assert found, f"{name} is needed to run this test"
        (folder / name).symlink_to(found)
    if uid is not None:
        (folder / "id").write_text(f"#!{shutil.which('bash')}\necho {uid}\n")
        (folder / "id").chmod(0o755)
    return folder


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(folder), "HOME": os.environ.get("HOME", "/root")}
    return subprocess.run([str(folder / "bash"), str(SCRIPT), *args], capture_output=True,
                          text=True, env=env, timeout=60)


def test_check_names_each_missing_program_and_its_debian_package(tmp_path: Path) -> None:
    out = _run(_bin_with(tmp_path, "tar", "sha256sum"), "--check")
    assert out.returncode == 1
    assert "debootstrap" in out.stderr and "docker.io" in out.stderr
    assert "dockerd" in out.stderr


def test_nothing_missing_is_a_quiet_success(tmp_path: Path) -> None:
    folder = _bin_with(tmp_path, "tar", "sha256sum")
    for name in ("dockerd", "docker", "debootstrap"):
        (folder / name).write_text(f"#!{shutil.which('bash')}\nexit 0\n")
        (folder / name).chmod(0o755)
    out = _run(folder, "--check")
    assert out.returncode == 0, out.stderr


def test_not_root_gets_one_line_with_the_install_command_and_setup_goes_on(
    tmp_path: Path,
) -> None:
    out = _run(_bin_with(tmp_path, "tar", "sha256sum", uid="1000"))
    assert out.returncode == 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "apt-get install -y docker.io debootstrap" in lines[0]


def test_every_program_the_image_build_runs_is_installed_by_set_up() -> None:
    """An audit of ``ponder sandbox build``: every program it starts is installed by
    system-deps.sh, or is apt-get (with which the build installs debootstrap itself)."""
    installed = set(re.findall(r"(\w+):[\w.]+", SCRIPT.read_text()))
    image = (REPO / "sandbox" / "image.py").read_text()
    started = set(re.findall(r"(?:Popen|run)\(\s*\[\s*\"([a-z][\w-]*)\"", image))
    started |= set(re.findall(r"\(\[\"(apt-get)\"", image))
    assert {"debootstrap", "tar"} <= started
    assert started - installed <= {"apt-get"}, started - installed
