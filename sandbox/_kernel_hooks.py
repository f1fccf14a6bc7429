"""What the sandbox's kernel runs before ipykernel starts: the kernel-side guards.

Ponder never imports this for its own use: the source is handed to ``python3 -c`` (in
the container, and for the local kernel), so it must run on the image's Python 3.11
with nothing but ipykernel, and must work with ipykernel 6 (Debian's) and 7 (PyPI's).

What it does, per execution:

* caps the text a cell writes to stdout/stderr at ``PONDER_OUTPUT_LIMIT`` bytes in the
  kernel, so one 200 MB ``print`` is cut instead of killing the kernel by memory;
* routes what threads of an *earlier* cell print to ``<stream>-background`` streams,
  so a result holds only its own code's output (the host labels the rest);
* reads what child processes wrote to fd 1/2 before the reply, with invalid UTF-8
  replaced rather than killing the reader thread;
* stops the processes the cell left behind and reaps its zombies (``PONDER_SWEEP``:
  ``namespace`` kills everything but init and the kernel, which is right in a
  container; ``children`` kills only the kernel's descendants, for the host);
* reports all of that in the execute reply under ``"ponder"``.

It also gives ``sys.stdout`` a ``buffer`` and makes messages with lone surrogates
serialisable instead of silently dropped.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import functools
import io
import os
import select
import signal
import subprocess
import sys
import termios
import threading
import time
import weakref
from typing import Any

SWEEP_SECONDS = 5.0
_STD = ("stdout", "stderr")


class _Cell:
    """Per-execution bookkeeping shared by the stream and execute hooks."""

    lock = threading.Lock()
    number = 0
    running = False
    limit: int | None = int(os.environ.get("PONDER_OUTPUT_LIMIT", "0")) or None
    capped = True
    used = 0
    cut = 0
    background = 0

    @classmethod
    def begin(cls, *, capped: bool) -> None:
        with cls.lock:
            cls.number += 1
            cls.running, cls.capped = True, capped
            cls.used = cls.cut = cls.background = 0

    @classmethod
    def take(cls, text: str) -> str:
        """The part of ``text`` that fits in this cell's output budget."""
        if cls.limit is None or not cls.capped:
            return text
        with cls.lock:
            room = cls.limit - cls.used
            size = _utf8_len(text)
            if size <= room:
                cls.used += size
                return text
            kept = text[: max(room, 0)].encode("utf-8", "surrogatepass")[: max(room, 0)]
            kept_text = kept.decode("utf-8", "ignore")
            cls.used = cls.limit
            cls.cut += size - _utf8_len(kept_text)
            return kept_text


def _utf8_len(text: str) -> int:
    """Bytes ``text`` takes in UTF-8, without copying a huge string all at once."""
    if text.isascii():
        return len(text)
    step = 1 << 20
    return sum(len(text[i : i + step].encode("utf-8", "surrogatepass"))
               for i in range(0, len(text), step))


def _scrub(obj: Any) -> Any:
    """``obj`` with every lone surrogate in its strings written as a ``\\udXXX`` escape."""
    if isinstance(obj, str):
        return obj.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(obj, dict):
        return {_scrub(k): _scrub(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_scrub(v) for v in obj]
    return obj


# --- streams -------------------------------------------------------------------------

def _foreign() -> bool:
    """True when the calling thread was started by an earlier cell (or runs between cells)."""
    thread = threading.current_thread()
    if thread is threading.main_thread():
        return False
    born = getattr(thread, "_ponder_cell", 0)
    return born > 0 and (born != _Cell.number or not _Cell.running)


def _background(stream: Any) -> Any:
    from ipykernel.iostream import OutStream

    bg = stream.__dict__.get("_ponder_bg")
    if bg is None:
        bg = OutStream(stream.session, stream.pub_thread, f"{stream.name}-background",
                       watchfd=False)
        stream._ponder_bg = bg
        _BACKGROUND.append(bg)
    bg.parent_header = stream.parent_header
    return bg


_BACKGROUND: list[Any] = []


def _patch_streams() -> None:
    from ipykernel.iostream import OutStream

    write = OutStream.write

    @functools.wraps(write)
    def capped_write(self: Any, string: str) -> int | None:
        if not isinstance(string, str) or self.name not in _STD:
            return write(self, string)
        target = self
        if _foreign():
            target = _background(self)
            _Cell.background += len(string)
        kept = _Cell.take(string)
        if kept:
            write(target, kept)
        return len(string)

    OutStream.write = capped_write
    OutStream._watch_pipe_fd = _watch_pipe_fd
    OutStream.buffer = property(_binary)


class _BinaryOut(io.BufferedIOBase):
    """``sys.stdout.buffer``: bytes decoded as UTF-8 (invalid bytes become U+FFFD)."""

    def __init__(self, text: Any) -> None:
        super().__init__()
        self._text = text
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        raw = bytes(data)
        self._text.write(self._decoder.decode(raw))
        return len(raw)

    def flush(self) -> None:
        self._text.flush()

    def fileno(self) -> int:
        return int(self._text.fileno())


def _binary(self: Any) -> _BinaryOut:
    out = self.__dict__.get("_ponder_buffer")
    if out is None:
        out = self._ponder_buffer = _BinaryOut(self)
    return out


def _watch_pipe_fd(self: Any) -> None:
    """Forward what processes write to fd 1/2 into the stream (replaces ipykernel's).

    Invalid UTF-8 becomes U+FFFD (ipykernel 6 let it kill this thread), a character
    split across reads is kept whole, and nothing is echoed to the container's own
    stdout, which would grow the engine's log on the host's disk.
    """
    fid = getattr(self, "_fid", None)
    if fid is None:
        return
    os.set_blocking(fid, False)
    self._ponder_decoder = codecs.getincrementaldecoder("utf-8")("replace")
    self._ponder_pipe_lock = threading.Lock()
    _PIPES.append(self)
    try:
        while self._should_watch:
            select.select([fid], [], [])
            if not _drain_pipe(self):
                return
    except Exception:
        self._exc = sys.exc_info()


_PIPES: list[Any] = []


def _drain_pipe(stream: Any) -> bool:
    """Move everything waiting in ``stream``'s fd pipe into the stream, now; False once
    the pipe is closed."""
    with stream._ponder_pipe_lock:
        while True:
            try:
                data = os.read(stream._fid, 1 << 16)
            except BlockingIOError:
                return True
            if not data:
                return False
            stream.write(stream._ponder_decoder.decode(data))


def _pipe_pending(stream: Any) -> bool:
    buf = bytearray(4)
    try:
        fcntl.ioctl(stream._fid, termios.FIONREAD, buf)
    except OSError:
        return False
    return int.from_bytes(buf, sys.byteorder) > 0


# --- processes -----------------------------------------------------------------------

_OWNED: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
"""Live Popen objects by pid, so a reaped child's exit status still reaches its owner."""


def _patch_children() -> None:
    import multiprocessing.popen_fork

    for cls in (subprocess.Popen, multiprocessing.popen_fork.Popen):
        init = cls.__init__

        def register(self: Any, *args: Any, _init: Any = init, **kwargs: Any) -> None:
            _init(self, *args, **kwargs)
            if getattr(self, "pid", None):
                _OWNED[self.pid] = self

        cls.__init__ = functools.wraps(init)(register)
    start = threading.Thread.start

    @functools.wraps(start)
    def stamped_start(self: threading.Thread) -> None:
        self._ponder_cell = _Cell.number  # type: ignore[attr-defined]
        start(self)

    threading.Thread.start = stamped_start  # type: ignore[method-assign]


def _strays() -> list[int]:
    """Processes the cell left: everything but init and the kernel, or its descendants."""
    me = os.getpid()
    if os.environ.get("PONDER_SWEEP") == "namespace":
        try:
            return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
        except OSError:
            return []
    found: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{me}/task"):
            with open(f"/proc/{me}/task/{tid}/children") as fh:
                found.extend(int(p) for p in fh.read().split())
    except FileNotFoundError:  # a kernel built without CONFIG_PROC_CHILDREN
        return [p for p in _all_pids() if _parent(p) == me]
    except OSError:
        return []
    return found


def _all_pids() -> list[int]:
    try:
        return [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []


def _stat(pid: int) -> list[bytes]:
    """The fields of /proc/<pid>/stat after the command name (state first)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _parent(pid: int) -> int:
    fields = _stat(pid)
    return int(fields[1]) if len(fields) > 1 else 0


def _is_zombie(pid: int) -> bool:
    """True for a finished process nobody has waited for (or one already gone)."""
    fields = _stat(pid)
    return not fields or fields[0] == b"Z"


def _reap() -> int:
    """Collect every finished child; the owning Popen gets its exit status."""
    reaped = 0
    for _ in range(100_000):  # bounded: a child that cannot be collected must not hang us
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return reaped
        if info is None:
            return reaped
        owner = _OWNED.get(info.si_pid)
        if owner is None or owner.poll() is None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(info.si_pid, 0)
        reaped += 1
    return reaped


def _sweep() -> tuple[int, int]:
    """Stop the cell's stray processes and reap zombies: (stopped, reaped)."""
    strays = _strays()
    if not strays:
        return 0, 0
    zombies = sum(1 for p in strays if _is_zombie(p))
    stopped: set[int] = set()
    deadline = time.monotonic() + SWEEP_SECONDS
    while strays and time.monotonic() < deadline:
        live = [p for p in strays if p not in stopped and not _is_zombie(p)]
        stopped.update(live)
        _kill(live)
        _reap()
        strays = _strays()
        if strays:
            time.sleep(0.001)  # the killed need a moment to die and be reaped by init
    return len(stopped), zombies


def _kill(pids: list[int]) -> None:
    if os.environ.get("PONDER_SWEEP") == "namespace":
        # kill(-1) reaches every process of the container but init and this one, in one
        # call, which outpaces a fork bomb.
        with contextlib.suppress(OSError):
            os.kill(-1, signal.SIGKILL)
        return
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _become_subreaper() -> None:
    """On the host, orphans of the cell's processes come back to the kernel to be swept."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


# --- executions ----------------------------------------------------------------------

def _finish_cell() -> dict[str, int]:
    """Everything owed at the end of a cell; the counts for the reply."""
    for stream in _PIPES:
        if _pipe_pending(stream):
            _drain_pipe(stream)
    stopped, reaped = _sweep()
    if stopped:
        for stream in _PIPES:
            _drain_pipe(stream)
    _Cell.running = False
    for bg in _BACKGROUND:
        bg.flush()
    report = {"stopped": stopped, "reaped": reaped, "cut_bytes": _Cell.cut,
              "background_chars": _Cell.background}
    return {k: v for k, v in report.items() if v}


def _patch_execute() -> None:
    from ipykernel.ipkernel import IPythonKernel

    execute = IPythonKernel.do_execute

    @functools.wraps(execute)
    async def do_execute(self: Any, code: str, silent: bool, *args: Any, **kwargs: Any
                         ) -> Any:
        _Cell.begin(capped=not silent)
        try:
            reply = await execute(self, code, silent, *args, **kwargs)
        finally:
            report = _finish_cell()
        if report and isinstance(reply, dict):
            reply["ponder"] = report
        return reply

    IPythonKernel.do_execute = do_execute


def _patch_session() -> None:
    from jupyter_client.session import Session

    serialize = Session.serialize

    @functools.wraps(serialize)
    def safe_serialize(self: Any, msg: dict[str, Any], ident: Any = None) -> Any:
        try:
            return serialize(self, msg, ident)
        except ValueError:  # UnicodeEncodeError: a lone surrogate somewhere in the message
            return serialize(self, _scrub(msg), ident)

    Session.serialize = safe_serialize


def _speed_up_flush() -> None:
    """On ipykernel 6 a flush with nothing written returns at once (saves two thread
    round trips per stream, twice per execute)."""
    import ipykernel
    from ipykernel import iostream

    if ipykernel.version_info[0] != 6:
        return
    flush = iostream.OutStream.flush

    def fast_flush(self: Any) -> None:
        if not self._flush_pending and not self._subprocess_flush_pending:
            with self._buffer_lock:
                if self._buffer.tell() == 0:
                    return
        flush(self)

    iostream.OutStream.flush = fast_flush


def install() -> None:
    """Apply every hook; call before the kernel application starts."""
    # Blocking debugpy and jedi (unused here) makes the kernel ready ~0.2 s sooner and
    # keeps a debugger out of the sandbox.
    if os.environ.get("PONDER_UMASK"):  # before the kernel binds its IPC sockets
        os.umask(int(os.environ["PONDER_UMASK"], 8))
    sys.modules["debugpy"] = None  # type: ignore[assignment]
    sys.modules["jedi"] = None  # type: ignore[assignment]
    _speed_up_flush()
    _patch_streams()
    _patch_children()
    _patch_execute()
    _patch_session()
    if os.environ.get("PONDER_SWEEP") != "namespace":
        _become_subreaper()


if __name__ == "__main__":
    install()
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()
