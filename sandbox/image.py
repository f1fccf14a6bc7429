"""The sandbox image: tagged by a hash of its recipe, built only when that tag is missing.

Two routes, chosen automatically. Online: ``docker pull`` the official Python base and
build ``image/Dockerfile``. Offline (the pull fails): make a minimal Debian root with
``debootstrap --variant=minbase bookworm`` (root only), ``docker import`` it as
``ponder-base:bookworm`` (kept and reused), then build ``image/Dockerfile.offline``,
whose packages come from Debian's mirror over plain HTTP.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Literal

import docker
import docker.errors

from ponder.agent.errors import EngineUnavailableError, SandboxError, UserError

RECIPE_DIR = Path(__file__).resolve().parent / "image"
REPOSITORY = "ponder-sandbox"
ONLINE_BASE = "python:3.12-slim"
OFFLINE_BASE = "ponder-base:bookworm"
Route = Literal["online", "offline"]
Progress = Callable[[str], None]
"""Receives one line of build progress at a time."""


def recipe_hash() -> str:
    """Short sha256 of both recipes: any change to either yields a new image tag."""
    digest = hashlib.sha256()
    for name in ("Dockerfile", "Dockerfile.offline"):
        digest.update(name.encode() + b"\0" + (RECIPE_DIR / name).read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def default_image_tag() -> str:
    """``ponder-sandbox:<recipe hash>``, the image DockerSandbox uses by default."""
    return f"{REPOSITORY}:{recipe_hash()}"


def docker_client() -> docker.DockerClient:
    """A Docker client from the environment (``DOCKER_HOST`` etc.).

    Raises EngineUnavailableError, one line saying what to do, when no engine answers.
    """
    try:
        client = docker.from_env(timeout=120)
        client.api.ping()
    except docker.errors.DockerException as exc:
        where = os.environ.get("DOCKER_HOST") or "the default socket"
        reason = (str(exc).strip().splitlines() or ["no answer"])[0]
        if len(reason) > 160:
            reason = reason[:160] + "…"
        raise EngineUnavailableError(
            f"no Docker engine answers at {where} ({reason}); start one "
            "(as root: bash scripts/docker-up.sh), point DOCKER_HOST at one, or run "
            "without code execution (--sandbox none)",
            operation="connect", retryable=True) from exc
    return client


def image_exists(api: docker.APIClient, tag: str) -> bool:
    """Whether the engine has an image called ``tag``."""
    try:
        api.inspect_image(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def ensure_image(
    client: docker.DockerClient | None = None,
    *,
    progress: Progress | None = None,
    force: bool = False,
    route: Route | None = None,
) -> str:
    """Return the sandbox image tag, building it first when it is missing (or ``force``).

    Raises SandboxError when the build fails, UserError when the offline route needs
    root or debootstrap and neither is available.
    """
    say = progress or (lambda _line: None)
    client = client or docker_client()
    tag = default_image_tag()
    if not force and image_exists(client.api, tag):
        say(f"image {tag} is up to date")
        return tag
    chosen = route or ("online" if _pull_base(client, say) else "offline")
    if chosen == "offline":
        ensure_offline_base(client, say)
        _build(client, "Dockerfile.offline", tag, say)
    else:
        _build(client, "Dockerfile", tag, say)
    return tag


def _pull_base(client: docker.DockerClient, say: Progress) -> bool:
    say(f"pulling {ONLINE_BASE} ...")
    try:
        client.api.pull(ONLINE_BASE)
    except docker.errors.DockerException as exc:
        say(f"no registry answers ({str(exc).splitlines()[0][:120]}); using the offline route")
        return False
    return True


def ensure_offline_base(client: docker.DockerClient, say: Progress) -> None:
    """Import a debootstrapped Debian root as ``ponder-base:bookworm`` unless present.

    Raises UserError without root or debootstrap, SandboxError when a step fails.
    """
    if image_exists(client.api, OFFLINE_BASE):
        say(f"reusing base image {OFFLINE_BASE}")
        return
    if os.geteuid() != 0:
        raise UserError("no registry answers and the offline image build needs root "
                        "(debootstrap); run 'ponder sandbox build' as root once")
    if shutil.which("debootstrap") is None:
        raise UserError("no registry answers and debootstrap is missing; "
                        "install it with 'apt-get install debootstrap'")
    rootfs = Path(tempfile.mkdtemp(prefix="ponder-rootfs-"))
    try:
        say("debootstrap --variant=minbase bookworm (about a minute) ...")
        _run(["debootstrap", "--variant=minbase", "bookworm", str(rootfs)], say)
        say(f"importing the root as {OFFLINE_BASE} ...")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        _run(["docker", "import", "-", OFFLINE_BASE], say, stdin=tar.stdout)
        if tar.wait() != 0:
            raise SandboxError("tar of the debootstrap root failed", operation="build")
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)


def _run(cmd: list[str], say: Progress, stdin: IO[bytes] | None = None) -> None:
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    tail: list[str] = []
    for line in proc.stdout:
        tail = [*tail[-19:], line.rstrip()]
        say(line.rstrip())
    if proc.wait() != 0:
        raise SandboxError(f"{cmd[0]} failed:\n" + "\n".join(tail), operation="build")


def _build(client: docker.DockerClient, dockerfile: str, tag: str, say: Progress) -> None:
    say(f"building {tag} from {dockerfile} ...")
    try:
        for chunk in client.api.build(path=str(RECIPE_DIR), dockerfile=dockerfile, tag=tag,
                                      rm=True, forcerm=True, decode=True):
            if "error" in chunk:
                raise SandboxError(f"image build failed: {chunk['error'].strip()}",
                                   operation="build")
            text = str(chunk.get("stream") or chunk.get("status") or "").rstrip()
            if text:
                say(text)
    except docker.errors.DockerException as exc:
        raise SandboxError(f"image build failed: {exc}", operation="build") from exc
    if not image_exists(client.api, tag):
        raise SandboxError(f"image build finished but {tag} is missing", operation="build")
    say(f"built {tag}")
