"""Code the sandbox runs inside its own kernel for housekeeping: files and stray processes.

Files travel through the kernel rather than ``docker cp`` because the workspace is a
tmpfs (``docker cp`` cannot write there) and because paths must be resolved where the
files are: a symlink planted by the code is followed with the kernel's view of the
filesystem, and anything that resolves outside the workspace is refused. Each snippet
runs in a throwaway namespace, so the user's variables are untouched.
"""

from __future__ import annotations

import base64

_PUT = r'''
import os, base64, errno, stat
_KIND = {kind}
root = os.path.realpath({root!r})
target = os.path.join(root, {rel!r})
parent = os.path.realpath(os.path.dirname(target))
if parent != root and not parent.startswith(root + os.sep):
    raise PermissionError("ponder: path leaves the workspace")
os.makedirs(parent, exist_ok=True)
final = os.path.join(parent, os.path.basename(target))
if os.path.islink(final):
    raise PermissionError("ponder: path is a symlink")
try:
    fd = os.open(final, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
except OSError as e:
    if e.errno == errno.ENXIO:  # a FIFO nobody reads
        raise ValueError("ponder: not a regular file (a FIFO)") from None
    raise
with os.fdopen(fd, "wb") as fh:
    kind = os.fstat(fd).st_mode
    if not stat.S_ISREG(kind):
        raise ValueError("ponder: not a regular file (" + _KIND(kind) + ")")
    os.set_blocking(fd, True)
    os.ftruncate(fd, 0)
    fh.write(base64.b64decode({data!r}))
'''

_GET = r'''
import os, sys, base64, stat
_KIND = {kind}
root = os.path.realpath({root!r})
real = os.path.realpath(os.path.join(root, {rel!r}))
if not real.startswith(root + os.sep):
    raise PermissionError("ponder: path leaves the workspace")
fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
info = os.fstat(fd)
if not stat.S_ISREG(info.st_mode):
    os.close(fd)
    raise ValueError("ponder: not a regular file (" + _KIND(info.st_mode) + ")")
os.set_blocking(fd, True)
with os.fdopen(fd, "rb") as fh:
    if info.st_size > {limit}:
        raise ValueError("ponder: file is too large to fetch")
    sys.stdout.write(base64.b64encode(fh.read()).decode("ascii"))
sys.stdout.flush()
'''

# Opening a FIFO blocks until a writer comes, so files are opened non-blocking and
# anything but a regular file is refused with a clear error.
_KIND_SOURCE = ("lambda mode: 'a directory' if stat.S_ISDIR(mode) else 'a FIFO' if "
                "stat.S_ISFIFO(mode) else 'a socket' if stat.S_ISSOCK(mode) else 'a device'")

# kill(-1) reaches every process of the container's pid namespace except init and the
# caller; repeat while a fork bomb still spawns.
_SWEEP = r'''
import os, signal, time
me = str(os.getpid())
deadline = time.monotonic() + 5
while time.monotonic() < deadline:
    others = [p for p in os.listdir("/proc") if p.isdigit() and p not in ("1", me)]
    if not others:
        break
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
'''

_REAP = r'''
import os
while True:
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if pid == 0:
        break
'''


def _wrap(source: str) -> str:
    return f"exec({source!r}, {{}})"


def put_code(root: str, rel: str, data: bytes) -> str:
    """Kernel code that writes ``data`` to ``rel`` under ``root`` (refusing escapes)."""
    encoded = base64.b64encode(data).decode("ascii")
    return _wrap(_PUT.format(root=root, rel=rel, data=encoded, kind=_KIND_SOURCE))


def get_code(root: str, rel: str, limit: int) -> str:
    """Kernel code that prints ``rel`` under ``root`` as base64 (refusing escapes)."""
    return _wrap(_GET.format(root=root, rel=rel, limit=limit, kind=_KIND_SOURCE))


def sweep_code() -> str:
    """Kernel code that kills stray processes and reaps zombies (container only)."""
    return _wrap(_SWEEP)


def reap_code() -> str:
    """Kernel code that reaps the kernel's finished children (safe on any host)."""
    return _wrap(_REAP)
