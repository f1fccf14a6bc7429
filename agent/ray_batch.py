"""``ponder run --ray``: a batch's tasks as Ray tasks, on one machine or a cluster.

* **Where.** No address: a local Ray instance is started for the batch. ``auto`` joins the
  cluster this machine belongs to; ``ray://host:10001`` joins a remote one.
* **Sandboxes are per node.** A task runs in a worker process on some node, and its
  Agent starts its Docker sandbox on that node: the kernel protocol needs the kernel on
  the same host (IPC sockets in a bind-mounted folder). Every node needs Docker and the
  sandbox image (``ponder sandbox build``).
* **Models.** The settings travel with each task. A shared OpenAI-compatible endpoint
  (``openai-compatible:…`` with ``base_url``) serves every node; the embedded model
  (``local:…``) runs once per worker process on its node.
* **Concurrency per node.** A task with the embedded model needs the custom resource
  ``ponder_model`` (a node offers 1 by default here, so two embedded models never fight
  over one node's cores); with a remote model a task needs one CPU.
* **Results.** The driver appends each row as its task finishes (fsync'd), so a re-run
  skips finished ids exactly as the local run does.
* **Failures.** A worker that dies loses only its task: Ray retries it once; a second
  loss is recorded as a failed row with the reason. A task's own errors are rows, as in
  a local run.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ponder.agent.batch import BatchSummary, TaskResult, batch_namespace, summarise
from ponder.agent.errors import UserError
from ponder.agent.settings import Settings
from ponder.agent.tasks import TaskSpec, finished_ids

MODEL_SLOT = "ponder_model"
INSTALL = "--ray needs Ray: pip install 'ponder[ray]'"


def embedded_model(settings: Settings) -> bool:
    """Whether the settings' model runs inside each worker (a local model file)."""
    spec = settings.model.strip()
    return spec.startswith("local:") or spec.endswith(".gguf")


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
            ray.init(resources={MODEL_SLOT: 1}, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    except Exception as exc:
        raise UserError(f"cannot start or join Ray at {address or 'local'}: {exc}") from None


def _run_remote(task: dict[str, Any], settings: Settings, namespace: str) -> dict[str, Any]:
    """One task in a Ray worker: its own Agent (and sandbox) on this node."""
    from ponder.agent.batch import run_task
    from ponder.agent.facade import Agent

    async def one() -> dict[str, Any]:
        async with Agent(settings) as agent:
            result = await run_task(agent, TaskSpec.model_validate(task), namespace=namespace)
        row = result.model_dump(mode="json")
        import ray

        row["node"] = ray.get_runtime_context().get_node_id()
        return row

    return asyncio.run(one())


def run_batch_on_ray(
    tasks: list[TaskSpec], out_path: Path, settings: Settings, *, address: str | None = None,
    tasks_file: Path | None = None, on_result: Callable[[TaskResult], None] | None = None,
    task_options: dict[str, Any] | None = None,
) -> BatchSummary:
    """Run every task not yet finished in ``out_path`` as a Ray task (see the module's
    docstring). ``task_options`` adds Ray task options (tests). Raises UserError."""
    import ray

    if settings.approval:
        raise UserError("approval is on, but a batch has no one to approve code: turn "
                        "'approval' off for ponder run (it is off by default)")
    connect(address)
    options: dict[str, Any] = {"max_retries": 1, "retry_exceptions": False, "num_cpus": 1}
    if embedded_model(settings):
        if not ray.cluster_resources().get(MODEL_SLOT):
            raise UserError(f"no Ray node offers the {MODEL_SLOT!r} resource the embedded "
                            "model needs: start each node with "
                            f"ray start ... --resources='{{\"{MODEL_SLOT}\": 1}}'")
        options["resources"] = {MODEL_SLOT: 1}
    options.update(task_options or {})
    namespace = batch_namespace(tasks_file, out_path)
    done = finished_ids(out_path)
    todo = [t for t in tasks if t.id not in done]
    remote = ray.remote(_run_remote).options(**options)
    pending = {remote.remote(t.model_dump(mode="json"), settings, namespace): t for t in todo}
    results: list[TaskResult] = []
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("a", encoding="utf-8") as fh:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                task = pending.pop(ref)
                try:
                    result = TaskResult.model_validate(ray.get(ref))
                except Exception as exc:  # the worker died twice (or Ray lost the task)
                    first = (str(exc).strip().splitlines() or [""])[0][:300]
                    result = TaskResult(id=task.id, kind=task.kind,
                                        error=f"lost on Ray after one retry: "
                                              f"{type(exc).__name__}: {first}")
                fh.write(json.dumps(result.model_dump(), ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
                results.append(result)
                if on_result is not None:
                    on_result(result)
    return summarise(len(tasks), len(tasks) - len(todo), results)
