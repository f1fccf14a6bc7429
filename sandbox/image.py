"""The sandbox image: tagged by a hash of its recipe, built only when that tag is missing.

Two routes, chosen automatically. Online: ``docker pull`` the official Python base and
build ``image/Dockerfile``. Offline (the pull fails): make a minimal Debian root with
``debootstrap --variant=minbase bookworm`` (root only), ``docker import`` it as
``ponder-base:bookworm`` (kept and reused), then build ``image/Dockerfile.offline``,
whose packages come from Debian's mirror over plain HTTP. The offline route installs
Debian's debootstrap itself when it is missing (root only, with apt-get); ``tar`` is part
of every Debian system, and ``docker import`` goes through the engine's API, not a CLI.
"""

from __future__ import annotations

import contextlib
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
        ensure_offline_base(client, say, force=force)
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


def ensure_offline_base(client: docker.DockerClient, say: Progress, *,
                        force: bool = False) -> None:
    """Import a debootstrapped Debian root as ``ponder-base:bookworm`` unless present
    (``force``: made again even then, as ``ponder sandbox build --force`` asks).

    Installs debootstrap with apt-get when it is missing. Raises UserError without root
    (or without apt-get), SandboxError when a step fails.
    """
    if not force and image_exists(client.api, OFFLINE_BASE):
        say(f"reusing base image {OFFLINE_BASE}")
        return
    if os.geteuid() != 0:
        raise UserError("no registry answers and the offline image build needs root "
                        "(debootstrap); run 'ponder sandbox build' as root once")
    if shutil.which("debootstrap") is None:
        _install_debootstrap(say)
    rootfs = Path(tempfile.mkdtemp(prefix="ponder-rootfs-"))
    try:
        say("debootstrap --variant=minbase bookworm (about a minute) ...")
        _run(["debootstrap", "--variant=minbase", "bookworm", str(rootfs)], say)
        say(f"importing the root as {OFFLINE_BASE} ...")
        _import_root(client, rootfs)
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)


def _import_root(client: docker.DockerClient, rootfs: Path) -> None:
    """Stream ``tar`` of ``rootfs`` into the engine as ``OFFLINE_BASE`` (``docker import``
    through the API: no docker CLI needed). Raises SandboxError when either side fails."""
    repository, tag = OFFLINE_BASE.split(":")
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    assert tar.stdout is not None
    chunks = iter(lambda: tar.stdout.read(1 << 20), b"")  # type: ignore[union-attr]
    try:
        client.api.import_image(src=chunks, repository=repository, tag=tag, stream_src=True)
    except docker.errors.DockerException as exc:
        tar.kill()
        raise SandboxError(f"docker import of the debootstrap root failed: {exc}",
                           operation="build") from exc
    finally:
        tar.stdout.close()
    if tar.wait() != 0:
        # The import took what tar sent and tagged it: a partial root must not stay
        # tagged, or every later build would reuse it as the base.
        with contextlib.suppress(docker.errors.DockerException):
            client.api.remove_image(OFFLINE_BASE, force=True)
        raise SandboxError("tar of the debootstrap root failed", operation="build")
    if not image_exists(client.api, OFFLINE_BASE):
        raise SandboxError(f"docker import finished but {OFFLINE_BASE} is missing",
                           operation="build")


def _install_debootstrap(say: Progress) -> None:
    """Install Debian's debootstrap (we run as root here). Raises UserError when there is
    no apt-get to do it with, SandboxError when the install fails."""
    if shutil.which("apt-get") is None:
        raise UserError("no registry answers and debootstrap is missing, and there is no "
                        "apt-get to install it; install debootstrap, then run "
                        "'ponder sandbox build' again")
    say("debootstrap is missing; installing Debian's debootstrap ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-q"],
                ["apt-get", "install", "-y", "-q", "--no-install-recommends", "debootstrap"]):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
            raise SandboxError(f"{' '.join(cmd[:2])} failed:\n{tail}", operation="build")
    if shutil.which("debootstrap") is None:
        raise SandboxError("apt-get installed debootstrap but it is not on PATH",
                           operation="build")


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
