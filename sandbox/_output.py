"""Turning a kernel's IOPub messages into a bounded :class:`ExecutionResult`.

A flood (a 100 MB print, a million tiny prints, a loop of plots) must not grow host
memory or checkpoints, so text is capped in bytes, outputs in message count, and
whatever is dropped is counted and reported with a marker.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ponder.sandbox._artifacts import ArtifactStore
from ponder.sandbox.protocol import DisplayOutput, ExecutionError, ExecutionResult

log = logging.getLogger(__name__)

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
TRACEBACK_TAIL_LINES = 25
TRACEBACK_TAIL_CHARS = 3_000
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_ERROR_NAME = 200
"""Characters kept of an exception's class name."""
_IMAGE_SUFFIX = {"image/png": ".png", "image/svg+xml": ".svg"}
_STREAMS = ("stdout", "stderr")


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes (IPython colours its tracebacks)."""
    return _ANSI.sub("", text)


def clean_text(text: str) -> str:
    """``text`` safe to encode: a lone surrogate is written as its ``\\udXXX`` escape."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _count(value: Any) -> int:
    """A non-negative count from the kernel's report (which the code could forge)."""
    return value if isinstance(value, int) and value > 0 else 0


def traceback_tail(lines: list[str]) -> str:
    """The last useful lines of a traceback, without colour codes."""
    text = clean_text(strip_ansi("\n".join(lines))).rstrip()
    tail = "\n".join(text.splitlines()[-TRACEBACK_TAIL_LINES:])
    return tail[-TRACEBACK_TAIL_CHARS:]


@dataclass
class OutputCollector:
    """Accumulates one execution's outputs within ``limit_bytes`` and ``max_messages``.

    Images are written to ``artifacts`` (when given) as they arrive, so only a path is
    kept in memory. Streams other than stdout and stderr carry what threads of earlier
    executions printed (the kernel hooks route it there) and land in ``background``.
    """

    limit_bytes: int
    max_messages: int
    artifacts: ArtifactStore | None = None
    on_stream: Callable[[str, str], None] | None = None
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    background: list[str] = field(default_factory=list)
    value: str | None = None
    displays: list[DisplayOutput] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    error: ExecutionError | None = None
    used_bytes: int = 0
    messages: int = 0
    cut_bytes: int = 0
    cut_messages: int = 0
    cut_images: int = 0
    stopped: int = 0
    reaped: int = 0

    def kernel_report(self, report: Any) -> None:
        """Take in what the kernel hooks did at the end of the run (see _kernel_hooks)."""
        if not isinstance(report, dict):
            return
        self.cut_bytes += _count(report.get("cut_bytes"))
        self.stopped = _count(report.get("stopped"))
        self.reaped = _count(report.get("reaped"))

    def add(self, msg_type: str, content: dict[str, Any]) -> None:
        """Record one IOPub output message (status and input messages are ignored)."""
        if msg_type == "error":
            self.error = ExecutionError(
                # A class name is the code's to choose: capped, or it bypasses the budget.
                name=clean_text(str(content.get("ename", "Error")))[:MAX_ERROR_NAME],
                value=self._take(str(content.get("evalue", ""))),
                traceback=traceback_tail([str(x) for x in content.get("traceback", [])]),
            )
            return
        if msg_type not in ("stream", "execute_result", "display_data", "update_display_data"):
            return
        self.messages += 1
        if self.messages > self.max_messages:
            self.cut_messages += 1
            return
        if msg_type == "stream":
            name, text = str(content.get("name")), str(content.get("text", ""))
            if name in _STREAMS:
                (self.stderr if name == "stderr" else self.stdout).append(self._take(text))
            else:
                self.background.append(self._take(text))
            if self.on_stream is not None:
                self.on_stream(name, text)
        elif msg_type == "execute_result":
            self.value = self._take(_plain(content))
        else:
            self._display(content)

    def _take(self, text: str) -> str:
        """Return the part of ``text`` that still fits in the byte budget; count the rest."""
        text = clean_text(text)
        size = len(text.encode("utf-8"))
        room = self.limit_bytes - self.used_bytes
        if size <= room:
            self.used_bytes += size
            return text
        kept = text.encode("utf-8")[: max(room, 0)].decode("utf-8", "ignore")
        self.used_bytes = self.limit_bytes
        self.cut_bytes += size - len(kept.encode("utf-8"))
        return kept

    def _display(self, content: dict[str, Any]) -> None:
        data = content.get("data") or {}
        for mime, suffix in _IMAGE_SUFFIX.items():
            if mime in data:
                path = self._save_image(mime, suffix, data[mime])
                self.displays.append(DisplayOutput(mime=mime, path=path,
                                                   text=clean_text(_plain(content)[:200])))
                if path:
                    self.images.append(path)
                return
        self.displays.append(DisplayOutput(mime="text/plain", text=self._take(_plain(content))))

    def _save_image(self, mime: str, suffix: str, payload: Any) -> str | None:
        if self.artifacts is None:
            return None
        try:
            raw = (base64.b64decode(payload) if mime == "image/png"
                   else clean_text(str(payload)).encode("utf-8"))
        except (binascii.Error, ValueError, TypeError):  # TypeError: not text at all
            return None
        if len(raw) > MAX_IMAGE_BYTES:
            self.cut_bytes += len(raw)
            return None
        try:
            path = self.artifacts.save(suffix, raw)
        except OSError:
            log.warning("could not save an image", exc_info=True)
            return None
        if path is None:
            self.cut_images += 1
        return path

    def result(self) -> ExecutionResult:
        """The bounded result, with markers saying how much was cut."""
        stdout = "".join(self.stdout)
        if self.cut_bytes:
            stdout += f"\n[... {self.cut_bytes} bytes of output cut ...]"
        if self.cut_messages:
            stdout += f"\n[... {self.cut_messages} output messages cut ...]"
        if self.cut_images:
            quota = self.artifacts.quota if self.artifacts else ""
            stdout += (f"\n[... {self.cut_images} images not saved: this sandbox's "
                       f"artifact quota ({quota}) is used up ...]")
        return ExecutionResult(
            stdout=stdout, stderr="".join(self.stderr), background="".join(self.background),
            value=self.value, displays=self.displays, images=self.images, error=self.error,
            images_temporary=bool(self.images and self.artifacts and not self.artifacts.keep),
            truncated=bool(self.cut_bytes or self.cut_messages or self.cut_images),
            cut_bytes=self.cut_bytes, cut_messages=self.cut_messages,
            cut_images=self.cut_images, stopped_processes=self.stopped,
            reaped_zombies=self.reaped, message=self._message(),
        )

    def _message(self) -> str:
        parts = []
        if self.stopped:
            parts.append(f"{self.stopped} processes this code started were still running "
                         "when it finished and were stopped (processes do not outlive an "
                         "execution)")
        if self.reaped:
            parts.append(f"{self.reaped} finished child processes nobody waited for were "
                         "reaped")
        return "; ".join(parts)

    def raw_stdout(self) -> str:
        """Everything printed to stdout (for internal helper runs, which are not capped)."""
        return "".join(self.stdout)


def _plain(content: dict[str, Any]) -> str:
    data = content.get("data") or {}
    return clean_text(str(data.get("text/plain", "")))
