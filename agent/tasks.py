"""Task files: one JSON task per line, for ``ponder run`` and ``ponder eval``.

A task: ``id``, ``prompt``, ``kind`` (``question`` or ``code``); code tasks name an
``entry_point`` and may carry visible ``tests`` (shown to the agent). For evaluation a
task may also carry the ``answer`` expected, a numeric ``tolerance``, and
``hidden_tests`` (never shown to the agent). A bad line is reported with its line
number and skipped; it never stops the batch.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TextIO

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ponder.agent.errors import UserError


class TaskSpec(BaseModel):
    """One task of a task file."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=200)
    prompt: str = Field(min_length=1)
    kind: Literal["question", "code"] = "question"
    entry_point: str | None = None
    tests: str | None = None
    answer: str | None = None
    tolerance: float | None = Field(None, ge=0, allow_inf_nan=False)
    hidden_tests: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("answer", mode="before")
    @classmethod
    def _number_answer_as_text(cls, value: Any) -> Any:
        """``"answer": 391`` means ``"391"`` (a bool stays refused: it is no answer)."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value

    def digest(self) -> str:
        """A short hash of what the task asks and how it is scored (not its id or
        metadata): a result recorded for another version of the task does not count."""
        content = json.dumps([self.prompt, self.kind, self.entry_point, self.tests,
                              self.answer, self.tolerance, self.hidden_tests])
        return hashlib.sha256(content.encode()).hexdigest()[:16]

    @model_validator(mode="after")
    def _code_needs_entry_point(self) -> TaskSpec:
        if self.kind == "code" and not self.entry_point:
            raise ValueError("a code task needs an entry_point")
        if not self.prompt.strip():
            raise ValueError("prompt is blank")
        return self


class LineError(BaseModel):
    """A task-file line that was skipped, and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def parse_tasks(lines: list[str]) -> tuple[list[TaskSpec], list[LineError]]:
    """Parse task lines; blank lines and ``#`` comments are ignored."""
    tasks: list[TaskSpec] = []
    errors: list[LineError] = []
    seen: set[str] = set()
    for number, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            errors.append(LineError(line=number, message=f"not valid JSON ({exc.msg})"))
            continue
        except RecursionError:
            errors.append(LineError(line=number, message="not valid JSON (nested too deeply)"))
            continue
        if not isinstance(data, dict):
            errors.append(LineError(line=number, message="not a JSON object"))
            continue
        try:
            task = TaskSpec.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            msg = str(err["msg"]).removeprefix("Value error, ")
            message = f"{where}: {msg}" if where else msg
            if err["type"] == "extra_forbidden":
                message = f"unknown field {where!r}"
            errors.append(LineError(line=number, message=message))
            continue
        if task.id in seen:
            errors.append(LineError(line=number, message=f"duplicate id {task.id!r}"))
            continue
        seen.add(task.id)
        tasks.append(task)
    return tasks, errors


def read_tasks(path: Path) -> tuple[list[TaskSpec], list[LineError]]:
    """Read a task file. Raises UserError when the file cannot be read at all."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not line 1's
    except FileNotFoundError:
        raise UserError(f"task file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read task file {path}: {exc}") from None
    return parse_tasks(jsonl_lines(text))


def jsonl_lines(text: str) -> list[str]:
    """The lines of a JSON-lines text: split on ``\\n`` only. ``str.splitlines`` would also
    split at U+2028, U+2029 and U+0085, which JSON written with ``ensure_ascii=False``
    leaves unescaped inside strings (web text, model output)."""
    return text.split("\n")


def read_jsonl_text(path: Path) -> str:
    """A results file's text; bytes that are not UTF-8 (a row cut mid-character by a kill)
    are replaced, so that row is skipped and the rest still count."""
    return path.read_bytes().decode("utf-8", errors="replace")


def open_for_append(path: Path) -> TextIO:
    """``path`` opened to append rows, after ending an unfinished last line (a kill or a
    full disk mid-write): the next row then starts on its own line instead of spoiling it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("a", encoding="utf-8")
    if path.stat().st_size:
        with path.open("rb") as tail:
            tail.seek(-1, os.SEEK_END)
            if tail.read(1) != b"\n":
                fh.write("\n")
    return fh


def lock_results(fh: TextIO, path: Path) -> None:
    """Hold ``fh``'s file for this process until it is closed: a second ``ponder run``
    into the same output would redo every task beside the first and write each twice.
    Raises UserError naming the file."""
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise UserError(f"{path} is being written by another ponder run or eval: wait "
                        "for it to end, or write to another output") from None


def finished_ids(results_path: Path, threads: Mapping[str, str] | None = None) -> set[str]:
    """Ids that already have a result without an error in ``results_path``. With
    ``threads`` (id -> the thread that id's task runs on), a row counts only for the task
    it answered: one of another task file, or of this task before an edit, does not."""
    done: set[str] = set()
    if not results_path.is_file():
        return done
    for line in jsonl_lines(read_jsonl_text(results_path)):
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a kill: that task runs again
        if not (isinstance(row, dict) and row.get("id") and not row.get("error")):
            continue
        if threads is not None and row.get("thread_id") != threads.get(str(row["id"])):
            continue
        done.add(str(row["id"]))
    return done


def ensure_writable_file(path: Path, what: str = "output file") -> None:
    """Make sure results can be appended to ``path`` before any work starts (its folder
    is created; the file is created empty if missing). Raises UserError naming the path."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise UserError(f"cannot write the {what} {path}: {exc.strerror or exc}") from None


def ensure_writable_dir(path: Path, what: str = "output folder") -> None:
    """Make sure files can be written in ``path`` (created if missing) before any work
    starts. Raises UserError naming the path."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".ponder-write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UserError(f"cannot write in the {what} {path}: {exc.strerror or exc}") from None
