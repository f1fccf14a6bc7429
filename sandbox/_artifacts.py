"""Where a sandbox saves the images its code displays: capped, and gone when it closes.

Every image a cell shows (a plot, ``display(Image(...))``) is written to the host, so
code in the sandbox could otherwise fill the host's disk through them. Each sandbox
gets one :class:`ArtifactStore`: a quota in files and bytes (an image over it is not
saved and the result says so), and on close the files it saved are deleted unless the
user asked to keep them (``sandbox.keep_artifacts``). A process that exits without
closing its sandboxes deletes them at exit too.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import threading
from pathlib import Path

_counter = itertools.count(1)


class ArtifactStore:
    """The images one sandbox saved, within ``max_files`` and ``max_bytes``.

    ``keep`` leaves the files on disk when the sandbox closes.
    """

    def __init__(self, directory: Path, *, max_bytes: int, max_files: int, keep: bool,
                 prefix: str = "out") -> None:
        self.directory = directory
        self.max_bytes, self.max_files = max_bytes, max_files
        self.keep = keep
        self.prefix = prefix
        self.saved: list[Path] = []
        self.used_bytes = 0
        self._lock = threading.Lock()
        if not keep:
            _UNCLEANED[id(self)] = self

    @property
    def quota(self) -> str:
        """The quota in words, for markers and messages."""
        return f"{self.max_files} files, {self.max_bytes} bytes"

    def save(self, suffix: str, data: bytes) -> str | None:
        """Write ``data`` to a new file and return its path; None when over the quota.

        Raises OSError when the host folder cannot be written.
        """
        with self._lock:
            if (len(self.saved) >= self.max_files
                    or self.used_bytes + len(data) > self.max_bytes):
                return None
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{self.prefix}-{next(_counter):04d}{suffix}"
            path.write_bytes(data)
            self.saved.append(path)
            self.used_bytes += len(data)
            if not self.keep:  # again: a sandbox can be started anew after a failed start
                _UNCLEANED[id(self)] = self
            return str(path)

    def discard(self) -> None:
        """Delete the saved files (unless kept) and the folder if that leaves it empty."""
        _UNCLEANED.pop(id(self), None)
        if self.keep:
            return
        with self._lock:
            saved, self.saved = self.saved, []
            self.used_bytes = 0
        for path in saved:
            path.unlink(missing_ok=True)
        if saved:
            with contextlib.suppress(OSError):  # not empty: another sandbox shares it
                self.directory.rmdir()


_UNCLEANED: dict[int, ArtifactStore] = {}
"""Stores whose files must go when this process exits, if nobody closed them first."""


@atexit.register
def _discard_unclosed() -> None:
    for store in list(_UNCLEANED.values()):
        with contextlib.suppress(Exception):
            store.discard()
