"""A lean asynchronous Jupyter client: one persistent set of ZeroMQ sockets per kernel.

Speed comes from keeping the sockets open and waiting on them (never sleeping): a
``1+1`` is one message out on the shell socket and a handful back on IOPub. While code
runs, every stretch of silence triggers a cheap liveness probe supplied by the backend,
so a kernel killed by the OOM killer is noticed within about a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal, cast

import zmq
from zmq.utils.monitor import recv_monitor_message

from ponder.agent.errors import SandboxError
from ponder.sandbox._output import OutputCollector
from ponder.sandbox.protocol import MAX_FILE_BYTES

log = logging.getLogger(__name__)

SILENCE_PROBE = 0.5
"""Seconds without a message after which the backend is asked whether the kernel lives."""

CUT_SETTLE = 0.5
"""Seconds to wait before asking again whether a kernel whose connection closed lives."""

IDLE_GRACE = 2.0
"""Seconds of silence after the execute reply after which a run is done without its
IOPub ``idle`` status: a flood of output messages past the queues (``RECEIVE_QUEUE`` here,
the kernel's own 1,000) drops messages, and a dropped ``idle`` must not turn a finished
run into a timeout."""

DRAIN_BATCH = 2000
"""Messages read from one socket before the event loop gets a turn (see ``_drain``)."""

Probe = Callable[[], Awaitable[str | None]]
"""Returns None while the kernel is alive, else a sentence saying how it died."""

Outcome = Literal["done", "timeout", "dead"]
MAX_MESSAGE_BYTES = 2 * MAX_FILE_BYTES
"""The largest message the host takes from a kernel (a fetched file of ``MAX_FILE_BYTES``
travels as base64, a third larger). Code that writes to the kernel's sockets itself
bypasses the kernel-side output caps; without this one, a message as large as the
sandbox's memory would be read whole into the host's. ZeroMQ closes a connection that
sends a larger message for good, so the kernel is then replaced (``KernelClient.cut``)."""
RECEIVE_QUEUE = 8
"""Messages ZeroMQ may hold on this host that were read from a kernel but not yet by us
(``RCVHWM``; ZeroMQ's default is 1,000). Kernel code that floods its own IOPub socket
with messages near ``MAX_MESSAGE_BYTES`` would otherwise queue up to 1,000 × 128 MB in
the host's memory whenever handling a message is slower than reading it; with a short
queue the backlog waits in the kernel's sending queue, inside the container's memory cap,
and the kernel's side drops what does not fit."""
DELIMITER = b"<IDS|MSG>"
PORTS = {"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5}


def cut_reason() -> str:
    """Why a living kernel's connection closed (see ``MAX_MESSAGE_BYTES``)."""
    return ("the kernel's connection closed while it was still running (ZeroMQ closes it "
            f"when the kernel sends a message larger than {MAX_MESSAGE_BYTES / 2**20:g} MB)")


def connection_info(ip: str) -> dict[str, Any]:
    """A connection file for IPC transport: sockets are files named ``<ip>-<port>``."""
    return {
        "transport": "ipc", "ip": ip, **PORTS, "key": secrets.token_hex(16),
        "signature_scheme": "hmac-sha256", "kernel_name": "python3",
    }


class KernelRun:
    """One ``execute_request`` in flight: collects its outputs until reply and idle."""

    def __init__(self, client: KernelClient, msg_id: str, collector: OutputCollector,
                 on_busy: Callable[[], None] | None = None) -> None:
        self.client = client
        self.on_busy = on_busy
        self.msg_id = msg_id
        self.collector = collector
        self.reply: dict[str, Any] | None = None
        self.idle = False
        self.busy = False
        self.death: str | None = None

    @property
    def finished(self) -> bool:
        return self.idle and self.reply is not None

    async def wait(self, timeout: float, probe: Probe) -> Outcome:
        """Wait up to ``timeout`` s for the run to finish; ``dead`` when ``probe`` says so."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        quiet_since: float | None = None  # silent since, with the reply in
        while not self.finished:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return "timeout"
            got = await self.client.pump(min(remaining, SILENCE_PROBE))
            if got or self.reply is None:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = loop.time()
            elif loop.time() - quiet_since >= IDLE_GRACE:
                log.warning("kernel run %s replied but its idle status never came (output "
                            "messages were dropped); taken as done", self.msg_id)
                self.idle = True
                return "done"
            if not got and not self.finished:
                self.death = await probe()
                if self.death is None and self.client.cut():
                    # A dying kernel's sockets close before its container is seen to stop:
                    # ask again after a moment, so a death is reported as a death.
                    await asyncio.sleep(CUT_SETTLE)
                    self.death = await probe() or cut_reason()
                if self.death is not None:
                    return "dead"
        return "done"

    def handle(self, channel: str, msg: dict[str, Any]) -> None:
        """Route one message that answers this run."""
        msg_type = msg["header"]["msg_type"]
        if channel == "shell":
            if msg_type == "execute_reply":
                self.reply = msg["content"]
                if isinstance(self.reply, dict):
                    self.collector.kernel_report(self.reply.get("ponder"))
            return
        if msg_type == "status":
            state = msg["content"].get("execution_state")
            if state == "busy" and not self.busy:
                self.busy = True
                if self.on_busy is not None:
                    self.on_busy()
            self.idle = self.idle or state == "idle"
        else:
            self.collector.add(msg_type, msg["content"])


class KernelClient:
    """Shell, IOPub and control sockets connected to a kernel's IPC endpoints.

    ``ip`` is the socket path prefix as seen from this host (the kernel may see another
    path for the same files through a bind mount).
    """

    def __init__(self, ip: str, key: str) -> None:
        self.ip = ip
        self.session_id = uuid.uuid4().hex
        self._mac = hmac.new(key.encode(), digestmod=hashlib.sha256)
        ctx: zmq.Context[zmq.Socket[bytes]] = zmq.Context.instance()
        self.shell = self._socket(ctx, zmq.DEALER, PORTS["shell_port"])
        self.iopub = self._socket(ctx, zmq.SUB, PORTS["iopub_port"])
        self.control = self._socket(ctx, zmq.DEALER, PORTS["control_port"])
        # ZeroMQ reports a closed connection only to a monitor; one that closed because
        # the kernel sent too large a message is never reopened.
        self._monitors = [sock.get_monitor_socket(zmq.EVENT_DISCONNECTED)
                          for sock in (self.shell, self.iopub)]
        self._cut = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiter: asyncio.Future[bool] | None = None
        self._closed = False
        self._runs: dict[str, KernelRun] = {}
        self._ready_reply = False
        self._ready_iopub = False

    def _socket(self, ctx: zmq.Context[zmq.Socket[bytes]], kind: int, port: int
                ) -> zmq.Socket[bytes]:
        sock = ctx.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RECONNECT_IVL, 5)
        sock.setsockopt(zmq.RECONNECT_IVL_MAX, 50)
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        sock.setsockopt(zmq.RCVHWM, RECEIVE_QUEUE)
        if kind == zmq.SUB:
            sock.setsockopt(zmq.SUBSCRIBE, b"")
        sock.connect(f"ipc://{self.ip}-{port}")
        return sock

    def close(self) -> None:
        """Close the sockets (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._unwatch()
        for sock in (self.shell, self.iopub, self.control):
            sock.disable_monitor()
            sock.close(linger=0)
        for monitor in self._monitors:
            monitor.close(linger=0)
        self._runs.clear()

    def cut(self) -> bool:
        """Whether the shell or IOPub connection to the kernel has closed (the kernel
        died, or sent a message over ``MAX_MESSAGE_BYTES``): its replies can no longer
        arrive. Asked when the kernel is silent and still alive."""
        for monitor in self._monitors:
            while not self._cut and monitor.poll(0):
                with contextlib.suppress(zmq.ZMQError):
                    self._cut = recv_monitor_message(monitor, zmq.NOBLOCK)["event"] \
                        == zmq.EVENT_DISCONNECTED
        return self._cut

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Have ``loop`` call us when the shell or IOPub socket may have messages."""
        if self._loop is loop:
            return
        self._unwatch()
        for sock in (self.shell, self.iopub):
            loop.add_reader(sock.fileno(), self._on_readable)
        self._loop = loop

    def _unwatch(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed():
            for sock in (self.shell, self.iopub):
                loop.remove_reader(sock.fileno())

    def _on_readable(self) -> None:
        # ZeroMQ's descriptor is edge-like: it only fires again once the queue was read
        # empty, so every wake-up drains everything that is waiting.
        if self._drain() and self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(True)

    def _drain(self) -> bool:
        """Dispatch the waiting shell and IOPub messages, at most DRAIN_BATCH of each
        socket; True when there was one.

        The batch keeps a flood (code sending to the kernel's own IOPub socket in a loop)
        from holding the event loop: the caller's deadline is checked between batches.
        Stopping with messages left is safe although the socket's descriptor is
        edge-like: every :meth:`pump` drains before it waits for the descriptor again.
        """
        got = False
        for channel, sock in (("iopub", self.iopub), ("shell", self.shell),
                              ("control", self.control)):
            for _ in range(DRAIN_BATCH):
                if not cast(int, sock.getsockopt(zmq.EVENTS)) & zmq.POLLIN:
                    break
                try:
                    parts = sock.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                if channel != "control":  # interrupt replies carry nothing we need
                    self._dispatch(channel, parts)
                    got = True
        return got

    def start(self, code: str, collector: OutputCollector, *, silent: bool = False,
              on_busy: Callable[[], None] | None = None) -> KernelRun:
        """Send ``code`` for execution and return the run that collects its outputs.

        ``on_busy`` is called once the kernel starts working on it.
        """
        # stop_on_error would make the kernel abort requests arriving shortly after an
        # error; each of ours is sent alone, so there is no queue worth aborting.
        content = {"code": code, "silent": silent, "store_history": not silent,
                   "user_expressions": {}, "allow_stdin": False, "stop_on_error": False}
        run = KernelRun(self, self._send(self.shell, "execute_request", content), collector,
                        on_busy)
        self._runs = {run.msg_id: run}
        return run

    def _send(self, sock: zmq.Socket[bytes], msg_type: str, content: dict[str, Any]) -> str:
        """Sign and send one Jupyter wire-protocol message; returns its msg_id."""
        msg_id = uuid.uuid4().hex
        header = json.dumps({
            "msg_id": msg_id, "msg_type": msg_type, "username": "ponder",
            "session": self.session_id, "version": "5.3",
            "date": dt.datetime.now(dt.UTC).isoformat(),
        }).encode()
        frames = [header, b"{}", b"{}", json.dumps(content).encode()]
        mac = self._mac.copy()
        for frame in frames:
            mac.update(frame)
        sock.send_multipart([DELIMITER, mac.hexdigest().encode(), *frames])
        return msg_id

    def interrupt(self) -> None:
        """Ask the kernel to interrupt itself (SIGINT to its process group)."""
        self._send(self.control, "interrupt_request", {})

    async def pump(self, timeout: float) -> bool:
        """Handle whatever arrives within ``timeout`` s; False when nothing did."""
        if self._closed:
            raise SandboxError("the kernel connection is closed", operation="execute")
        if self._drain():
            return True
        loop = asyncio.get_running_loop()
        self._watch(loop)
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiter = waiter
        timer = loop.call_later(timeout, _resolve, waiter)
        try:
            return await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def _decode(self, parts: list[bytes]) -> dict[str, Any] | None:
        """Check the HMAC and parse a wire message; None when it is malformed or unsigned.

        Lighter than ``Session.deserialize``: no date parsing, no metadata.
        """
        try:
            at = parts.index(DELIMITER)
            signature, header, parent, metadata, content = parts[at + 1 : at + 6]
        except ValueError:
            return None
        mac = self._mac.copy()
        for part in (header, parent, metadata, content):
            mac.update(part)
        if not hmac.compare_digest(mac.hexdigest().encode(), signature):
            return None
        # Text the code wrote may hold bytes that are not UTF-8 (a surrogate-escaped file
        # name, say); they become U+FFFD rather than costing the whole message.
        try:
            msg = {"header": json.loads(header), "parent_header": json.loads(parent),
                   "content": json.loads(content.decode("utf-8", "replace"))}
        except ValueError:
            return None
        # Signed is not well-formed: code in the kernel can sign with its own session.
        if not all(isinstance(part, dict) for part in msg.values()):
            return None
        if not isinstance(msg["header"].get("msg_type"), str):
            return None
        return msg

    def _dispatch(self, channel: str, parts: list[bytes]) -> None:
        msg = self._decode(parts)
        if msg is None:  # a corrupt or unsigned message is ignored, never trusted
            return
        parent = (msg.get("parent_header") or {}).get("msg_id")
        if channel == "shell" and msg["header"]["msg_type"] == "kernel_info_reply":
            self._ready_reply = True
        if channel == "iopub":
            self._ready_iopub = True
        run = self._runs.get(parent if isinstance(parent, str) else "")
        if run is not None:
            try:
                run.handle(channel, msg)
            except (KeyError, TypeError, ValueError, AttributeError):
                # A message of the right shape with the wrong insides (a traceback that
                # is no list, image data that is no text) is dropped, never raised
                # through the wait: that would lose the result and leave the code running.
                log.debug("dropped a malformed %s message", channel, exc_info=True)

    async def wait_ready(self, timeout: float, probe: Probe) -> None:
        """Wait until the kernel answers on shell *and* IOPub is subscribed.

        Raises SandboxError when the kernel dies or does not answer within ``timeout``.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._ready_reply = self._ready_iopub = False
        silent_rounds = 0
        while not (self._ready_reply and self._ready_iopub):
            if loop.time() > deadline:
                raise SandboxError(f"the kernel did not answer within {timeout:.0f} s",
                                   operation="start", retryable=True)
            self._send(self.shell, "kernel_info_request", {})
            end = loop.time() + 0.1
            while loop.time() < end and not (self._ready_reply and self._ready_iopub):
                if not await self.pump(max(end - loop.time(), 0.001)):
                    break
            silent_rounds += 1
            if silent_rounds % 5 == 0:
                death = await probe()
                if death is not None:
                    raise SandboxError(f"the kernel did not start: {death}", operation="start")


def _resolve(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


@functools.cache
def hooks_source() -> str:
    """The kernel-side guards (``_kernel_hooks.py``) as source for ``python -c``."""
    return Path(__file__).with_name("_kernel_hooks.py").read_text(encoding="utf-8")


def ensure_short_socket_path(directory: Path) -> None:
    """Raise SandboxError when IPC socket paths under ``directory`` would be too long."""
    if len(str(directory)) > 90:
        raise SandboxError(f"socket directory path is too long for IPC: {directory}",
                           operation="start")
