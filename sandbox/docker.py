"""DockerSandbox: one long-lived, locked-down container per session running ipykernel.

The kernel listens on ZeroMQ IPC sockets in a bind-mounted host folder, so the container
runs with no network at all. It runs as a non-root user (the host user's uid:gid, so a
non-root host user can reach the sockets; 1000:1000 when the host user is root), with
every capability dropped, ``no-new-privileges``, a read-only root, sized tmpfs for
``/tmp`` and the workspace, and pids, memory (no swap) and CPU caps, under an init
process that reaps orphans. Containers carry ``ponder.*`` labels so the reaper can find
those a crashed process left behind.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.types
import requests

from ponder.agent.errors import SandboxError
from ponder.agent.settings import Settings
from ponder.sandbox._base import KernelSandbox
from ponder.sandbox._files import sweep_code
from ponder.sandbox._kernel import (
    KernelClient,
    connection_info,
    ensure_short_socket_path,
    hooks_source,
)
from ponder.sandbox.image import default_image_tag, docker_client
from ponder.sandbox.reaper import (
    LABEL,
    boot_id,
    pid_namespace,
    process_start_ticks,
    reap_orphans,
)

log = logging.getLogger(__name__)
MOUNT = "/ponder"
WORKSPACE = "/workspace"
SHM_SIZE = "64m"  # /dev/shm, inside the memory cap like every tmpfs
READY_TIMEOUT = 30.0
# The kernel-side guards (output caps, background output, stray processes) run in the
# container before ipykernel starts; see _kernel_hooks.
KERNEL_CMD = [
    "python3", "-c", hooks_source(), "-f", f"{MOUNT}/kernel.json",
    "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True",
    "--IPythonKernel._execute_sleep=0",
]


def owner_labels() -> dict[str, str]:
    """Labels naming this process as the owner (the reaper checks they still match)."""
    pid = os.getpid()
    return {
        LABEL: "1", "ponder.owner.pid": str(pid), "ponder.owner.host": socket.gethostname(),
        "ponder.owner.started": process_start_ticks(pid),
        "ponder.owner.pidns": pid_namespace(), "ponder.owner.boot": boot_id(),
        "ponder.created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def container_user() -> tuple[int, int]:
    """Who the kernel runs as: never the owner of the host socket folder, which could
    chmod it back open after :meth:`DockerSandbox._seal_socket_dir` and write to the host's
    disk past every cap. As root: 1000:1000 (the image's user) in a root-owned folder.
    Otherwise another uid in the host user's group: the folder's group may write while the
    kernel starts, and the kernel's umask (``PONDER_UMASK``) leaves its sockets writable by
    the group, so the host user can connect to them."""
    uid, gid = os.getuid(), os.getgid()
    if uid == 0:
        return 1000, 1000
    return (1001 if uid == 1000 else 1000), gid


class DockerSandbox(KernelSandbox):
    """A hardened container running ipykernel, reached over IPC sockets.

    Raises SandboxError from ``start`` when Docker does not answer, the image is missing
    (build it with ``ponder sandbox build``) or the kernel does not come up.
    """

    kind = "docker"

    def __init__(
        self,
        *,
        image: str | None = None,
        memory: str = "512m",
        cpus: float = 1.0,
        pids_limit: int = 128,
        tmp_size: str = "64m",
        workspace_size: str = "256m",
        default_timeout: float = 30.0,
        output_limit_bytes: int = 64_000,
        output_max_messages: int = 2_000,
        artifact_dir: Path | None = None,
        artifact_max_bytes: int = 50_000_000,
        artifact_max_files: int = 100,
        keep_artifacts: bool = False,
        client: docker.DockerClient | None = None,
    ) -> None:
        super().__init__(default_timeout=default_timeout, output_limit_bytes=output_limit_bytes,
                         output_max_messages=output_max_messages, artifact_dir=artifact_dir,
                         artifact_max_bytes=artifact_max_bytes,
                         artifact_max_files=artifact_max_files, keep_artifacts=keep_artifacts)
        self.image = image or default_image_tag()
        self.memory, self.cpus, self.pids_limit = memory, cpus, pids_limit
        self.tmp_size, self.workspace_size = tmp_size, workspace_size
        self._docker = client
        self._dir: Path | None = None
        self._conn: dict[str, Any] = {}
        self._starting: asyncio.Future[None] | None = None
        self._preparing: asyncio.Future[Path] | None = None
        self.container_id: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, artifact_dir: Path | None = None,
                      client: docker.DockerClient | None = None) -> DockerSandbox:
        """A sandbox configured by ``settings.sandbox`` (not started yet)."""
        s = settings.sandbox
        return cls(image=s.image, memory=s.memory, cpus=s.cpus, pids_limit=s.pids_limit,
                   tmp_size=s.tmp_size, workspace_size=s.workspace_size,
                   default_timeout=s.exec_timeout, output_limit_bytes=s.output_limit_bytes,
                   output_max_messages=s.output_max_messages, artifact_dir=artifact_dir,
                   artifact_max_bytes=s.artifact_max_bytes,
                   artifact_max_files=s.artifact_max_files, keep_artifacts=s.keep_artifacts,
                   client=client)

    @property
    def workspace(self) -> str:
        return WORKSPACE

    @property
    def api(self) -> docker.APIClient:
        if self._docker is None:
            self._docker = docker_client()
        return self._docker.api

    async def _start(self) -> None:
        # Every file and Docker call runs in a thread: the event loop may be a server's
        # (LangGraph Server rejects blocking calls on it).
        def prepare() -> Path:
            _ = self.api  # connects to the engine
            _reap_once(self._docker)
            folder = Path(tempfile.mkdtemp(prefix="ponder-sbx-"))
            ensure_short_socket_path(folder)
            return folder

        # Kept like ``_starting``: a cancel while the thread works (a slow engine ping)
        # must not lose the folder it then makes; teardown waits for it and removes it.
        self._preparing = asyncio.ensure_future(asyncio.to_thread(prepare))
        self._dir = await asyncio.shield(self._preparing)
        self._preparing = None
        self._conn = connection_info(f"{MOUNT}/k")
        await self._launch()

    def _create_kwargs(self) -> dict[str, Any]:
        uid, gid = container_user()
        assert self._dir is not None
        host_config = self.api.create_host_config(
            binds={str(self._dir): {"bind": MOUNT, "mode": "rw"}},
            network_mode="none", cap_drop=["ALL"], security_opt=["no-new-privileges"],
            read_only=True, init=True, pids_limit=self.pids_limit, mem_limit=self.memory,
            memswap_limit=self.memory, nano_cpus=int(self.cpus * 1e9),
            # The kernel echoes nothing to its stdout, but whatever reaches it must not
            # grow the engine's log file on the host's disk without bound.
            log_config=docker.types.LogConfig(
                type="json-file", config={"max-size": "1m", "max-file": "1"}),
            # No core files (a host that pipes them to a helper writes them outside every
            # cap), a bounded number of open files (not dockerd's), and a /dev/shm of
            # its own (an engine whose default IPC mode is shareable keeps it on the host,
            # across a kernel restart that says the state is gone).
            ulimits=[docker.types.Ulimit(name="core", soft=0, hard=0),
                     docker.types.Ulimit(name="nofile", soft=4096, hard=4096)],
            ipc_mode="private", shm_size=SHM_SIZE,
            tmpfs={"/tmp": f"size={self.tmp_size},mode=1777,nosuid,nodev",
                   WORKSPACE: f"size={self.workspace_size},uid={uid},gid={gid},mode=700,"
                              "nosuid,nodev"},
        )
        env = {"HOME": "/tmp", "IPYTHONDIR": "/tmp/.ipython", "MPLCONFIGDIR": "/tmp/.mpl",
               "JUPYTER_RUNTIME_DIR": "/tmp/.jupyter", "PYTHONDONTWRITEBYTECODE": "1",
               "MPLBACKEND": "module://matplotlib_inline.backend_inline",
               "PONDER_OUTPUT_LIMIT": str(self.output_limit_bytes), "PONDER_SWEEP": "namespace",
               "PONDER_UMASK": "002"}  # sockets the host user reaches through the group
        return {"image": self.image, "command": KERNEL_CMD, "user": f"{uid}:{gid}",
                "working_dir": WORKSPACE, "environment": env, "labels": owner_labels(),
                "network_disabled": True, "host_config": host_config,
                "name": f"ponder-sbx-{os.getpid()}-{os.urandom(4).hex()}"}

    async def _launch(self) -> None:
        """Create and start a container, then connect and wait for its kernel."""
        def create_and_start() -> str:
            cid = str(self.api.create_container(**self._create_kwargs())["Id"])
            self.container_id = cid
            _LIVE[cid] = (self.api, self._dir)
            self.api.start(cid)
            return cid

        await self._connect_after(create_and_start)

    def _open_socket_dir(self) -> None:
        """Let a starting kernel create its sockets: a connection file, a writable folder.

        As root the folder stays root's and only the container's group may write; as
        another user the folder is theirs and the kernel runs as another uid in their group
        (:func:`container_user`). Either way the kernel is not its owner, so it cannot undo
        :meth:`_seal_socket_dir`.
        """
        assert self._dir is not None
        for stale in self._dir.glob("k-*"):
            stale.unlink(missing_ok=True)
        conn_file = self._dir / "kernel.json"
        conn_file.unlink(missing_ok=True)
        # A new file, never through a link the container might have placed.
        fd = os.open(conn_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(self._conn))
        uid, gid = container_user()
        if os.getuid() == 0:
            os.chown(conn_file, uid, gid)
            os.chown(self._dir, 0, gid)
        os.chmod(self._dir, 0o770)

    def _seal_socket_dir(self) -> None:
        """Once the sockets exist, take write access to the host folder away from the
        container, so code inside cannot fill the host's disk through the bind mount."""
        assert self._dir is not None
        (self._dir / "kernel.json").unlink(missing_ok=True)
        os.chmod(self._dir, 0o750)

    async def _connect_after(self, starter: Any) -> None:
        assert self._dir is not None
        self._drop_client()
        await asyncio.to_thread(self._open_socket_dir)
        try:
            self._client = KernelClient(str(self._dir / "k"), self._conn["key"])
            # The Docker calls run in a thread that a cancellation cannot stop: remember
            # it, so that closing waits for it and then removes the container it made.
            self._starting = asyncio.ensure_future(asyncio.to_thread(starter))
            try:
                await asyncio.shield(self._starting)
            except docker.errors.ImageNotFound as exc:
                raise SandboxError(f"sandbox image {self.image} is missing; build it with "
                                   "'ponder sandbox build'", operation="start") from exc
            except _ENGINE_ERRORS as exc:
                raise SandboxError(f"could not start the sandbox container: {exc}",
                                   operation="start", retryable=True) from exc
            await self._client.wait_ready(READY_TIMEOUT, self._probe)
        except BaseException:
            # A start that failed or was cancelled half-way must not leave the host folder
            # writable by the container, nor a container whose kernel may come up later
            # and run the next code as if nothing had been lost: it is removed, so the next
            # execute finds it gone, replaces it and says the state was lost.
            await asyncio.shield(self._abandon_start())
            raise
        await asyncio.to_thread(self._seal_socket_dir)

    async def _abandon_start(self) -> None:
        with contextlib.suppress(OSError):
            await asyncio.to_thread(self._seal_socket_dir)
        starting = self._starting
        if starting is not None:
            with contextlib.suppress(Exception):
                await starting
        with contextlib.suppress(SandboxError):
            await self._remove_container()

    async def _probe(self) -> str | None:
        cid = self.container_id
        if cid is None:
            return "the sandbox container is gone"
        try:
            state = (await asyncio.to_thread(self.api.inspect_container, cid))["State"]
        except docker.errors.NotFound:
            return "the sandbox container disappeared"
        except _ENGINE_ERRORS as exc:
            return f"the Docker engine stopped answering ({exc})"
        if state.get("Running"):
            return None
        return death_reason(state, self.memory)

    async def _after_interrupt(self) -> None:
        # SIGINT reached the kernel's process group; finish off anything that survived
        # it (fork-bomb children, background processes) and reap zombies.
        await self._helper(sweep_code(), "execute")

    async def _restart_kernel(self) -> None:
        cid = self.container_id
        if cid is None:
            raise SandboxError("no container to restart", operation="restart")

        def kill() -> None:
            self.api.kill(cid)
            self.api.wait(cid, timeout=10)

        try:
            # Killed before the folder opens for the new kernel's sockets: code that
            # ignored the interrupt never sees it writable.
            await asyncio.to_thread(kill)
            await self._connect_after(lambda: self.api.start(cid))
        except _ENGINE_ERRORS as exc:
            raise SandboxError(f"kernel restart failed: {exc}", operation="restart",
                               retryable=True) from exc

    async def _replace(self) -> None:
        await self._remove_container()
        await self._launch()

    async def _reset(self) -> None:
        try:
            await self._restart_kernel()
        except SandboxError:
            await self._replace()

    async def _remove_container(self) -> None:
        cid, self.container_id = self.container_id, None
        if cid is None:
            return
        try:
            await asyncio.to_thread(self.api.remove_container, cid, force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if "already in progress" not in str(exc):
                # Still listed in _LIVE: removal is tried again at exit.
                raise SandboxError(f"could not remove container {cid[:12]}: {exc}",
                                   operation="close", retryable=True) from exc
        except Exception as exc:  # the engine timed out or went away: also tried at exit
            raise SandboxError(f"could not remove container {cid[:12]}: {exc}",
                               operation="close", retryable=True) from exc
        _LIVE.pop(cid, None)

    async def _teardown(self) -> None:
        self._drop_client()
        preparing, self._preparing = self._preparing, None
        if preparing is not None and self._dir is None:
            with contextlib.suppress(Exception):
                self._dir = await asyncio.shield(preparing)
        starting, self._starting = self._starting, None
        if starting is not None:
            # A cancelled start may still be creating the container: let it finish.
            with contextlib.suppress(Exception):
                await asyncio.shield(starting)
        try:
            await self._remove_container()
        finally:
            if self._dir is not None:
                folder, self._dir = self._dir, None
                await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)


_ENGINE_ERRORS = (docker.errors.DockerException, requests.exceptions.RequestException)
"""What a Docker call raises when the engine fails: docker-py wraps HTTP errors only, a
refused or timed-out connection to the engine is a bare ``requests`` exception."""

_reaped = False
_LIVE: dict[str, tuple[docker.APIClient, Path | None]] = {}
"""Containers this process started and has not removed yet."""


@atexit.register
def _remove_unclosed() -> None:
    """At a normal exit, remove the containers of sandboxes nobody closed."""
    for cid, (api, folder) in list(_LIVE.items()):
        with contextlib.suppress(Exception):
            api.remove_container(cid, force=True)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    _LIVE.clear()


def _reap_once(client: docker.DockerClient | None) -> None:
    """Remove orphans of crashed processes once per process, without delaying start-up."""
    global _reaped
    if _reaped or client is None:
        return
    _reaped = True

    def reap() -> None:
        try:
            reap_orphans(client)
        except Exception:  # housekeeping must never break a sandbox start
            log.debug("start-up reaper failed", exc_info=True)

    threading.Thread(target=reap, name="ponder-reaper", daemon=True).start()


def death_reason(state: dict[str, Any], memory: str) -> str:
    """A sentence saying why a stopped container's kernel died."""
    code = state.get("ExitCode")
    if state.get("OOMKilled"):
        return f"the kernel died, likely out of memory (limit {memory})"
    if code == 137:
        return (f"the kernel was killed (SIGKILL), likely out of memory (limit {memory}) "
                "or by the code itself")
    return f"the kernel died (exit code {code})"
