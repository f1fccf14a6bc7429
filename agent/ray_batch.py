"""``ponder run --ray`` and ``ponder eval --ray``: a batch's tasks as Ray tasks, on one
machine or a cluster (for ``eval``, each task-and-mode pair is one Ray task).

* **Where.** No address: a local Ray instance is started for the batch. ``auto`` joins the
  cluster this machine belongs to; ``ray://host:10001`` joins a remote one.
* **Sandboxes are per node.** A task runs in a worker process on some node, and its
  Agent starts its Docker sandbox on that node: the kernel protocol needs the kernel on
  the same host (IPC sockets in a bind-mounted folder). Every node needs Docker and the
  sandbox image (``ponder sandbox build``).
* **Models.** The settings are put in Ray's object store once and every task reads
  them (a model file named by a relative path is made absolute on the driver first). A shared OpenAI-compatible endpoint
  (``openai-compatible:…`` with ``base_url``) serves every node; the embedded model
  (``local:…``) runs once per worker process on its node.
* **Concurrency per node.** Every task needs one CPU and the memory it may use
  (``task_memory``: the worker, its sandboxes at their cap, and the embedded model when it
  runs there), so Ray never packs more tasks on a node than its CPUs and memory hold. A
  task with the embedded model also needs the custom resource ``ponder_model`` (a node
  offers 1 by default here, so two embedded models never fight over one node's cores).
* **Results.** The driver appends each row as its task finishes (fsync'd), so a re-run
  skips finished ids exactly as the local run does.
* **Failures.** A worker that dies loses only its task: Ray retries it once; a second
  loss is recorded as a failed row with the reason (``RayTaskLost: …``). A task's own
  errors are rows, as in a local run; a configuration error in a worker stops the batch
  with that one line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ponder.agent.batch import BatchSummary, TaskResult, batch_namespace, done_ids, summarise
from ponder.agent.errors import UserError
from ponder.agent.settings import Settings
from ponder.agent.tasks import TaskSpec, lock_results, open_for_append

MODEL_SLOT = "ponder_model"
# What one task's worker may use beside its sandboxes: the Python process with Ponder,
# LangGraph and a model client (peak RSS 152 MiB over three tasks with a remote model and
# the Docker sandbox, 2026-12-02; 400 MiB leaves room), and the embedded 0.5B model's
# llama.cpp server with its slots (peak RSS of ``ponder ask`` about 1 GiB; README).
WORKER_BYTES = 400 * 2**20
EMBEDDED_MODEL_BYTES = 1200 * 2**20
INSTALL = "--ray needs Ray: pip install 'ponder[ray]'"


def embedded_model(settings: Settings) -> bool:
    """Whether the settings' model runs inside each worker (a local model file)."""
    spec = settings.model.strip()
    return spec.startswith("local:") or spec.endswith(".gguf")


def for_workers(settings: Settings) -> Settings:
    """The settings as a worker must read them: a model file named by a relative path is
    made absolute here, on the driver (a worker resolves paths from its own working
    directory, which is not the one the user typed the path in)."""
    spec = settings.model.strip()
    prefix = "local:" if spec.startswith("local:") else ""
    rest = spec[len(prefix):].strip()
    if not embedded_model(settings) or not rest or not (
            rest.lower().endswith(".gguf") or "/" in rest or os.sep in rest):
        return settings
    path = Path(rest).expanduser()
    if path.is_absolute():
        return settings
    return settings.model_copy(update={"model": prefix + str(path.resolve())})


def task_memory(settings: Settings) -> int:
    """Bytes of memory Ray reserves for one task: the worker, two sandboxes at their
    memory cap (the python session's and a check's, which may overlap), and the embedded
    model when it runs in the worker."""
    sandboxes = 0
    if settings.sandbox.kind == "docker":
        from docker.utils import parse_bytes

        sandboxes = 2 * int(parse_bytes(settings.sandbox.memory))
    model = EMBEDDED_MODEL_BYTES if embedded_model(settings) else 0
    return WORKER_BYTES + sandboxes + model


def connect(address: str | None) -> None:
    """Start a local Ray instance (``None``/``local``) or join a cluster (``auto``,
    ``ray://…``). Raises UserError when Ray is missing or the cluster cannot be reached."""
    try:
        import ray
    except ImportError:
        raise UserError(INSTALL) from None
    if ray.is_initialized():
        return
    try:
        if address in (None, "", "local"):
            ray.init(resources={MODEL_SLOT: 1}, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.ERROR)
        else:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    except Exception as exc:
        raise UserError(f"cannot start or join Ray at {address or 'local'}: {exc}") from None


_WORKER: dict[str, Any] = {}  # this worker process's Agent, its loop, and its settings key


def _worker_agent(settings: Settings, *, persist: bool = True) -> tuple[Any, Any]:
    """This worker process's Agent for ``settings`` and the event loop it lives on. Ray
    reuses a worker process for many tasks: the model, tools and warm sandbox pool are
    made once per process, not once per task."""
    from ponder.agent.facade import Agent, _Portal
    from ponder.agent.provenance import settings_digest

    key = f"{settings.model}|{settings_digest(settings)}|{persist}"
    if _WORKER.get("key") != key:
        if "agent" in _WORKER:
            _WORKER["portal"].run(_WORKER["agent"].aclose())
            _WORKER["portal"].stop()
        _WORKER.update(key=key, portal=_Portal(), agent=Agent(settings, persist=persist))
    return _WORKER["agent"], _WORKER["portal"]


def _run_remote(task: dict[str, Any], settings: Settings, namespace: str) -> dict[str, Any]:
    """One task in a Ray worker, with the process's Agent (its sandbox on this node)."""
    import ray

    from ponder.agent.batch import run_task

    agent, portal = _worker_agent(settings)
    # Set-up first, as a local worker does: a bad model spec or a missing engine raises
    # here (a UserError ends the batch with one line) instead of an error row per task.
    portal.run(agent.graph)
    result = portal.run(run_task(agent, TaskSpec.model_validate(task), namespace=namespace))
    row: dict[str, Any] = result.model_dump(mode="json")
    row["node"] = ray.get_runtime_context().get_node_id()
    return row


def _eval_remote(task: dict[str, Any], mode: str, settings: Settings) -> dict[str, Any]:
    """One ``ponder eval`` row in a Ray worker: the bare model's one call, or the agent
    (this process's Agent, threads in memory) with every candidate scored."""
    from ponder.agent.evaluate import agent_row, bare_row
    from ponder.agent.models.factory import resolve_model

    spec = TaskSpec.model_validate(task)
    agent, portal = _worker_agent(settings, persist=False)
    if mode == "bare":
        if _WORKER.get("bare_key") != _WORKER["key"]:
            _WORKER.update(bare_key=_WORKER["key"], bare=resolve_model(settings.model, settings))
        row = portal.run(bare_row(_WORKER["bare"], spec, settings))
    else:
        row = portal.run(agent_row(agent, spec, settings))
    return row.model_dump(mode="json")


def _start(settings: Settings, address: str | None,
           task_options: dict[str, Any] | None, *, agent: bool = True
           ) -> tuple[bool, dict[str, Any]]:
    """Connect to Ray; return whether this call started the instance, and the options
    every task gets (one retry, one CPU, the embedded model's resource when needed).
    ``agent``: the agent runs (approval, which no one could give, is refused)."""
    import ray

    if agent and settings.approval:
        raise UserError("approval is on, but a batch has no one to approve code: turn "
                        "'approval' off for a batch (it is off by default)")
    started_here = address in (None, "", "local") and not ray.is_initialized()
    connect(address)
    options: dict[str, Any] = {"max_retries": 1, "retry_exceptions": False, "num_cpus": 1,
                               "memory": task_memory(settings)}
    if embedded_model(settings):
        if not ray.cluster_resources().get(MODEL_SLOT):
            raise UserError(f"no Ray node offers the {MODEL_SLOT!r} resource the embedded "
                            "model needs: start each node with "
                            f"ray start ... --resources='{{\"{MODEL_SLOT}\": 1}}'")
        options["resources"] = {MODEL_SLOT: 1}
    options.update(task_options or {})
    return started_here, options


def _collect(pending: dict[Any, Any], handle: Callable[[Any, dict[str, Any] | None, str], None]
             ) -> None:
    """Wait for each pending Ray task as it finishes and call ``handle(key, row, failure)``:
    ``row`` is the task's result, or None with ``failure`` saying what happened — the
    task's own exception (``Type: message``), or ``RayTaskLost: …`` when its worker died
    twice. A configuration error in a worker (a bad model spec, no model file) stops the
    batch with that error, as it would locally."""
    import ray
    from ray.exceptions import RayTaskError

    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            key = pending.pop(ref)
            try:
                row = ray.get(ref)
            except RayTaskError as exc:
                cause = getattr(exc, "cause", None) or exc
                if isinstance(cause, UserError):
                    for other in pending:
                        with contextlib.suppress(Exception):
                            ray.cancel(other)
                    raise UserError(str(cause)) from None
                text = (str(cause).strip().splitlines() or [""])[0][:300]
                handle(key, None, f"{type(cause).__name__}: {text}")
            except Exception as exc:  # the worker died twice (or Ray lost the object)
                text = (str(exc).strip().splitlines() or [""])[0][:300]
                handle(key, None, f"RayTaskLost: lost on Ray after one retry: "
                                  f"{type(exc).__name__}: {text}")
            else:
                handle(key, row, "")


def _finish(started_here: bool) -> None:
    """Shut down the Ray instance this call started and reap the sandboxes its workers
    left; never raises (an error on the way out must not hide the batch's own)."""
    import ray

    if started_here:
        # Ray's workers end without closing their sandboxes; with the instance this run
        # started gone, the reaper removes the containers they left on this machine.
        with contextlib.suppress(Exception):
            ray.shutdown()
        from ponder.sandbox.reaper import reap_orphans

        with contextlib.suppress(Exception):
            reap_orphans()


def run_batch_on_ray(
    tasks: list[TaskSpec], out_path: Path, settings: Settings, *, address: str | None = None,
    tasks_file: Path | None = None, on_result: Callable[[TaskResult], None] | None = None,
    task_options: dict[str, Any] | None = None,
) -> BatchSummary:
    """Run every task not yet finished in ``out_path`` as a Ray task (see the module's
    docstring). ``task_options`` adds Ray task options (tests). Raises UserError."""
    import ray

    started_here, options = _start(settings, address, task_options)
    results: list[TaskResult] = []
    try:
        namespace = batch_namespace(tasks_file, out_path)
        with open_for_append(out_path) as fh:
            lock_results(fh, out_path)  # what is done is read under the lock
            done = done_ids(tasks, out_path, tasks_file)
            todo = [t for t in tasks if t.id not in done]

            def handle(task: TaskSpec, row: dict[str, Any] | None, failure: str) -> None:
                result = (TaskResult.model_validate(row) if row is not None
                          else TaskResult(id=task.id, kind=task.kind, error=failure))
                fh.write(json.dumps(result.model_dump(), ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
                results.append(result)
                if on_result is not None:
                    on_result(result)

            remote = ray.remote(_run_remote).options(**options)
            shared = ray.put(for_workers(settings))  # one copy, not one per task
            pending = {remote.remote(t.model_dump(mode="json"), shared, namespace): t
                       for t in todo}
            _collect(pending, handle)
    finally:
        _finish(started_here)
    return summarise(len(tasks), len(tasks) - len(todo), results)


def evaluate_on_ray(
    tasks: list[TaskSpec], settings: Settings, *, modes: tuple[str, ...] = ("bare", "agent"),
    done: set[tuple[str, str]] | None = None, on_row: Callable[[Any], None] | None = None,
    address: str | None = None, task_options: dict[str, Any] | None = None,
) -> list[Any]:
    """``ponder eval --ray``: every ``(task, mode)`` pair not in ``done`` as a Ray task;
    ``on_row`` gets each scored row as it finishes (the driver appends it). A pair whose
    worker raised is a row with the error as its detail, and a pair Ray lost twice one
    whose detail starts ``RayTaskLost``; a resume runs both again when the error is one
    of ``evaluate._ERROR_PREFIXES`` (model, sandbox, Ray). Returns the new rows in the
    order they finished. Raises UserError (a configuration error, in any worker)."""
    import ray

    from ponder.agent.evaluate import EvalRow, _category, as_error

    skip = done or set()
    if not embedded_model(settings):
        from ponder.agent.models.factory import resolve_model

        resolve_model(settings.model, settings)  # a bad spec or missing key: one line, now
    started_here, options = _start(settings, address, task_options, agent="agent" in modes)
    rows: list[EvalRow] = []

    def handle(key: tuple[TaskSpec, str], row: dict[str, Any] | None, failure: str) -> None:
        task, mode = key
        result = (EvalRow.model_validate(row) if row is not None else
                  EvalRow(id=task.id, mode=mode, category=_category(task),  # type: ignore[arg-type]
                          task_digest=task.digest(), answer="", correct=False, verified=False,
                          tokens=0, seconds=0.0,
                          detail=as_error(failure), model=settings.model))
        rows.append(result)
        if on_row is not None:
            on_row(result)

    try:
        remote = ray.remote(_eval_remote).options(**options)
        shared = ray.put(for_workers(settings))  # one copy, not one per task
        pending = {remote.remote(t.model_dump(mode="json"), mode, shared): (t, mode)
                   for mode in modes for t in tasks if (t.id, mode) not in skip}
        _collect(pending, handle)
    finally:
        _finish(started_here)
    return rows
