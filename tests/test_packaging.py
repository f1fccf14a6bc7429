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
    # Every distribution Ponder's modules import at their top is declared (the install
    # above reads this environment's packages, so it cannot tell).
    assert not undeclared_imports(wheels[0])
    # tests and benchmarks are not shipped
    listing = subprocess.run([sys.executable, "-m", "zipfile", "-l", str(wheels[0])],
                             capture_output=True, text=True, check=True).stdout
    assert "ponder/tests/" not in listing and "ponder/bench/" not in listing
    assert "ponder/sandbox/image/Dockerfile" in listing


def undeclared_imports(wheel: Path) -> dict[str, list[str]]:
    """Top-level names the wheel's modules import at module level whose distribution its
    metadata declares neither as a dependency nor in an extra: {name: [modules]}."""
    import ast
    import importlib.metadata
    import re
    import zipfile

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    with zipfile.ZipFile(wheel) as zf:
        metadata = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        declared = {norm(re.split(r"[<>=!~;\[ (]", line.split(":", 1)[1].strip(), maxsplit=1)[0])
                    for line in zf.read(metadata).decode().splitlines()
                    if line.startswith("Requires-Dist:")}
        sources = {n: zf.read(n).decode() for n in zf.namelist() if n.endswith(".py")}
    owners = importlib.metadata.packages_distributions()
    missing: dict[str, list[str]] = {}
    for name, text in sources.items():
        for node in ast.parse(text).body:
            if isinstance(node, ast.Import):
                tops = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top in sys.stdlib_module_names or top in ("ponder", "__future__"):
                    continue
                if not {norm(d) for d in owners.get(top, [top])} & declared:
                    missing.setdefault(top, []).append(name)
    return missing


def test_the_dependency_check_finds_an_undeclared_import(tmp_path: Path) -> None:
    import zipfile

    wheel = tmp_path / "ponder-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("ponder-0.dist-info/METADATA", "Name: ponder\nRequires-Dist: httpx>=0.27\n"
                    "Requires-Dist: rich; extra == \"x\"\n")
        zf.writestr("ponder/a.py", "import json\nimport httpx\nfrom rich import print\n"
                    "import click\nfrom . import b\n\ndef f():\n    import lxml\n")
    assert undeclared_imports(wheel) == {"click": ["ponder/a.py"]}
