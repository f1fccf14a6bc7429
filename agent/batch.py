"""Scripted batches: run a task file, one JSON result per task, resumable.

Results are appended (and flushed) as each task ends, so a killed batch keeps every
finished task; re-running skips tasks that already have a result without an error, on
their own thread (the same id in another file, or an edited task, runs). Each
task runs on its own thread, named for the task file, the output file and the task's own
content (:func:`batch_thread_id`), so a task killed midway resumes from its last
checkpoint when the same file is re-run into the same output, and never sees the state
of another file's (or another run's) task that happens to share its id.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ponder.agent.errors import UserError
from ponder.agent.facade import Agent
from ponder.agent.provenance import Provenance
from ponder.agent.settings import Settings
from ponder.agent.tasks import TaskSpec, finished_ids, lock_results, open_for_append

log = logging.getLogger(__name__)


class TaskResult(BaseModel):
    """One line of a results file."""

    id: str
    kind: str
    answer: str = ""
    code: str | None = None
    verified: bool = False
    status: str = "failed"
    reason: str = ""
    evidence: list[str] = Field(default_factory=list)
    sources: list[dict[str, Any]] = Field(default_factory=list)
    usage: dict[str, Any] = Field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    thread_id: str = ""
    # What produced the row: model (and file hash), settings hash, version, commit, seed.
    provenance: Provenance | None = None
    node: str | None = None  # the Ray node that ran it (ponder run --ray)


class BatchSummary(BaseModel):
    total: int
    skipped: int
    ran: int
    verified: int
    unverified: int
    failed: int
    errors: int
    median_seconds: float


AgentFactory = Callable[[], Agent]


def batch_namespace(tasks_file: Path | None, out_path: Path | None) -> str:
    """A short hash of the task file's and the output file's absolute paths: the same
    pair gets the same namespace (so a re-run resumes), any other pair another one."""
    key = f"{_abs(tasks_file)}\0{_abs(out_path)}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _abs(path: Path | None) -> str:
    return str(path.expanduser().resolve()) if path is not None else ""


def batch_thread_id(namespace: str, task: TaskSpec) -> str:
    """``run:<namespace>:<id>:<content hash>``: a task edited between runs is a new task."""
    content = json.dumps([task.prompt, task.kind, task.entry_point, task.tests])
    digest = hashlib.sha256(content.encode()).hexdigest()[:8]
    return f"run:{namespace}:{task.id}:{digest}"


def done_ids(tasks: list[TaskSpec], out_path: Path, tasks_file: Path | None) -> set[str]:
    """Ids of ``tasks`` that ``out_path`` already answers: a row counts only when it ran
    on the task's own thread, so a row of another task file with the same id, or of this
    task before it was edited, does not."""
    namespace = batch_namespace(tasks_file, out_path)
    return finished_ids(out_path, {t.id: batch_thread_id(namespace, t) for t in tasks})


async def run_task(agent: Agent, task: TaskSpec, *, namespace: str | None = None) -> TaskResult:
    """Run one task on its own thread, with no conversation history (a batch task never
    sees another task's question); an exception becomes the result's ``error``, never a
    raise. Without a ``namespace`` the thread is new for every call."""
    thread_id = batch_thread_id(namespace or uuid.uuid4().hex[:12], task)
    started = time.perf_counter()
    try:
        result = await agent.arun(
            task.prompt, thread_id=thread_id, kind=task.kind,
            entry_point=task.entry_point, tests=task.tests, keep_history=False,
        )
    except Exception as exc:
        return TaskResult(id=task.id, kind=task.kind, error=f"{type(exc).__name__}: {exc}",
                          seconds=time.perf_counter() - started, thread_id=thread_id,
                          provenance=agent.provenance())
    finally:
        try:  # one sandbox per task, not one per batch
            await agent.release(thread_id)
        except Exception as exc:  # the result stands; a container left is removed at exit
            log.warning("could not release the sandbox of task %s: %s", task.id, exc)
    return TaskResult(
        id=task.id, kind=task.kind, answer=result.answer, code=result.code,
        verified=result.verified, status=result.status, reason=result.reason,
        evidence=result.evidence, sources=result.sources, usage=result.usage,
        seconds=time.perf_counter() - started, thread_id=thread_id,
        provenance=agent.provenance(),
    )


class _Writer:
    def __init__(self, path: Path) -> None:
        self._fh = open_for_append(path)
        lock_results(self._fh, path)
        self._lock = asyncio.Lock()

    async def write(self, result: TaskResult) -> None:
        async with self._lock:
            self._fh.write(json.dumps(result.model_dump(), ensure_ascii=False) + "\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


async def run_batch(
    tasks: list[TaskSpec],
    out_path: Path,
    settings: Settings,
    *,
    concurrency: int = 1,
    agent_factory: AgentFactory | None = None,
    on_result: Callable[[TaskResult], None] | None = None,
    tasks_file: Path | None = None,
) -> BatchSummary:
    """Run every task not yet finished in ``out_path`` with ``concurrency`` workers,
    each owning one Agent (and so one sandbox). Threads are namespaced by ``tasks_file``
    and ``out_path`` (see :func:`batch_namespace`)."""
    if settings.approval and agent_factory is None:
        raise UserError("approval is on, but a batch has no one to approve code: turn "
                        "'approval' off for ponder run (it is off by default)")
    writer = _Writer(out_path)  # locked first: what is done is read under the lock
    namespace = batch_namespace(tasks_file, out_path)
    done = done_ids(tasks, out_path, tasks_file)
    todo = [t for t in tasks if t.id not in done]
    queue: asyncio.Queue[TaskSpec] = asyncio.Queue()
    for task in todo:
        queue.put_nowait(task)
    results: list[TaskResult] = []
    factory = agent_factory or (lambda: Agent(settings))

    async def worker() -> None:
        async with factory() as agent:
            # Set-up failures (no engine, a damaged checkpoint file, a bad model spec) end
            # the batch with one message, instead of one error row per task.
            await agent.graph
            while not queue.empty():
                task = queue.get_nowait()
                result = await run_task(agent, task, namespace=namespace)
                await writer.write(result)
                results.append(result)
                if on_result is not None:
                    on_result(result)

    try:
        # Nothing left to run: no agent is built (nor a sandbox, nor the model loaded),
        # so a finished batch re-run reports every task as skipped even with Docker down.
        workers = max(1, min(concurrency, len(todo))) if todo else 0
        await asyncio.gather(*(worker() for _ in range(workers)))
    finally:
        writer.close()
    return summarise(len(tasks), len(tasks) - len(todo), results)


def summarise(total: int, skipped: int, results: list[TaskResult]) -> BatchSummary:
    return BatchSummary(
        total=total, skipped=skipped, ran=len(results),
        verified=sum(r.status == "verified" for r in results),
        unverified=sum(r.status == "unverified" for r in results),
        failed=sum(r.status == "failed" and not r.error for r in results),
        errors=sum(bool(r.error) for r in results),
        median_seconds=statistics.median([r.seconds for r in results]) if results else 0.0,
    )
