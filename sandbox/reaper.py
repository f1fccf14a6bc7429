"""The reaper: remove sandbox containers whose owning process is gone.

Every DockerSandbox container is labelled with its owner's host name, pid and process
start time. A container whose owner ran on this host and no longer runs (or whose pid
now belongs to another process) is an orphan a crash left behind, and is removed.
Containers owned by processes on other hosts are never touched.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import docker
import docker.errors

from ponder.sandbox.image import docker_client

STALE_DIR_SECONDS = 3600.0
LABEL = "ponder.sandbox"
"""Every sandbox container carries ``ponder.sandbox=1`` plus ``ponder.owner.*`` labels."""


def process_start_ticks(pid: int) -> str:
    """The process's start time in clock ticks ('' when unknown): tells pid reuse apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]



@dataclass
class ReapReport:
    """What one reaper pass saw: containers removed, kept (owner alive) and foreign."""

    removed: list[str] = field(default_factory=list)
    alive: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


def pid_namespace() -> str:
    """This process's PID namespace (``pid:[4026531836]``), "" when it cannot be read.
    A pid means something only inside its namespace: a Ponder in a container that shares
    the host's name (``--network host``) must not judge the host's pids, nor they its."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def boot_id() -> str:
    """This boot of the kernel, "" when unknown: an owner labelled with another boot is
    gone (a reboot ends every process), whatever its pid means now."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return ""


def judged_here(labels: dict[str, str]) -> str:
    """How this process may judge a container's owner from its labels: "foreign" (another
    host, or another PID namespace of this boot: its pid is not ours to check),
    "rebooted" (labelled in an earlier boot: the owner is gone) or "local"."""
    if labels.get("ponder.owner.host") != socket.gethostname():
        return "foreign"
    boot = labels.get("ponder.owner.boot", "")
    if boot and boot_id() and boot != boot_id():
        return "rebooted"
    namespace = labels.get("ponder.owner.pidns", "")
    if namespace and pid_namespace() and namespace != pid_namespace():
        return "foreign"
    return "local"


def owner_alive(pid: int, started: str) -> bool:
    """Whether process ``pid`` runs and (when ``started`` is known) is the same process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not started or process_start_ticks(pid) in ("", started)


def sandbox_containers(client: docker.DockerClient) -> list[dict[str, object]]:
    """Every container (running or not) with the ``ponder.sandbox`` label."""
    return list(client.api.containers(all=True, filters={"label": f"{LABEL}=1"}))


def reap_orphans(client: docker.DockerClient | None = None) -> ReapReport:
    """Remove this host's sandbox containers whose owner process is gone.

    Raises SandboxError when no Docker engine answers.
    """
    client = client or docker_client()
    report = ReapReport()
    containers = sandbox_containers(client)
    for info in containers:
        cid = str(info["Id"])
        labels = info.get("Labels") or {}
        assert isinstance(labels, dict)
        where = judged_here({k: str(v) for k, v in labels.items()})
        if where == "foreign":
            report.foreign.append(cid)
            continue
        try:
            pid = int(labels.get("ponder.owner.pid", "0"))
        except ValueError:
            pid = 0
        if where == "local" and pid > 0 and owner_alive(
                pid, str(labels.get("ponder.owner.started", ""))):
            report.alive.append(cid)
            continue
        try:
            client.api.remove_container(cid, force=True)
        except docker.errors.NotFound:
            continue
        report.removed.append(cid)
        _remove_socket_dirs(info)
    _remove_stale_dirs({d for info in containers for d in _socket_dirs(info)})
    return report


def remove_owned(pid: int, client: docker.DockerClient | None = None) -> list[str]:
    """Remove every sandbox container process ``pid`` of this host started (a server
    shutting down cleans up after itself). Returns the removed containers' ids.

    Raises SandboxError when no Docker engine answers.
    """
    client = client or docker_client()
    started = process_start_ticks(pid)
    removed = []
    for info in sandbox_containers(client):
        labels = info.get("Labels") or {}
        assert isinstance(labels, dict)
        if (judged_here({k: str(v) for k, v in labels.items()}) != "local"
                or labels.get("ponder.owner.pid") != str(pid)
                or labels.get("ponder.owner.started") not in (None, "", started)):
            continue  # another namespace's pid, or an earlier process with this pid
        try:
            client.api.remove_container(str(info["Id"]), force=True)
        except docker.errors.NotFound:
            continue
        removed.append(str(info["Id"]))
        _remove_socket_dirs(info)
    return removed


def _socket_dirs(info: dict[str, object]) -> list[Path]:
    mounts = info.get("Mounts") or []
    assert isinstance(mounts, list)
    return [Path(str(m.get("Source", ""))) for m in mounts
            if Path(str(m.get("Source", ""))).name.startswith("ponder-sbx-")]


def _remove_stale_dirs(in_use: set[Path], min_age: float = STALE_DIR_SECONDS) -> None:
    """Delete socket folders no container uses that are older than ``min_age`` seconds
    (younger ones may belong to a sandbox that is still starting)."""
    now = time.time()
    for folder in Path(tempfile.gettempdir()).glob("ponder-sbx-*"):
        try:
            old = now - folder.stat().st_mtime > min_age
        except OSError:
            continue
        if old and folder not in in_use:
            shutil.rmtree(folder, ignore_errors=True)


def _remove_socket_dirs(info: dict[str, object]) -> None:
    """Delete the host folder that held a reaped sandbox's kernel sockets."""
    for source in _socket_dirs(info):
        if source.parent == Path(tempfile.gettempdir()):
            shutil.rmtree(source, ignore_errors=True)
