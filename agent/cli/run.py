"""``ponder run`` (scripted batches) and ``ponder eval`` (bare model vs agent)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ponder.agent.batch import BatchSummary, TaskResult, run_batch
from ponder.agent.cli import EXIT_FAILED, EXIT_OK, app
from ponder.agent.cli._options import (
    BaseUrlOpt,
    ConfigOpt,
    DebugOpt,
    MaxStepsOpt,
    McpOpt,
    ModelOpt,
    SandboxOpt,
    TimeoutOpt,
    settings_from,
    setup_logging,
)
from ponder.agent.cli._signals import run_async
from ponder.agent.cli.render import escape
from ponder.agent.errors import UserError
from ponder.agent.evaluate import (
    ROWS_FILE,
    EvalRow,
    _category,
    append_row,
    evaluate,
    markdown_report,
    read_rows,
    write_reports,
)
from ponder.agent.tasks import (
    ensure_writable_dir,
    ensure_writable_file,
    lock_results,
    open_for_append,
    read_tasks,
)


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def _summary_table(s: BatchSummary) -> Table:
    table = Table(title="ponder run")
    for col in ("tasks", "skipped (done before)", "ran", "verified", "unverified", "failed",
                "errors", "median s/task"):
        table.add_column(col)
    table.add_row(*(str(v) for v in (s.total, s.skipped, s.ran, s.verified, s.unverified,
                                      s.failed, s.errors)), f"{s.median_seconds:.1f}")
    return table


def _one_scheduler(ray: str | None, jobs: int) -> None:
    if ray is not None and jobs != 1:
        raise UserError("--ray and -j/--concurrency do not go together: on Ray, each node's "
                        "CPUs (and its ponder_model slot) bound how many tasks run at once")


@app.command("run")
def run_cmd(
    tasks_file: Path = typer.Argument(..., help="JSONL task file."),
    output: Path = typer.Option(..., "--output", "-o", help="JSONL results file (appended)."),
    concurrency: int = typer.Option(1, "--concurrency", "-j", min=1, max=32),
    ray: str | None = typer.Option(
        None, "--ray", metavar="[ADDRESS]",
        help="Run the tasks on Ray: --ray alone starts a local instance; --ray auto or "
        "--ray ray://host:10001 joins a cluster (pip install 'ponder\\[ray]')."),
    model: str | None = ModelOpt,
    base_url: str | None = BaseUrlOpt,
    max_steps: int | None = MaxStepsOpt,
    timeout: float | None = TimeoutOpt,
    sandbox: str | None = SandboxOpt,
    mcp: Path | None = McpOpt,
    config: Path | None = ConfigOpt,
    debug: bool = DebugOpt,
) -> None:
    """Work through a task file; one JSON result per task; re-runs skip finished ids."""
    setup_logging(debug)
    _one_scheduler(ray, concurrency)
    settings = settings_from(model=model, base_url=base_url, max_steps=max_steps,
                             timeout=timeout, sandbox=sandbox, config=config, mcp=mcp)
    if ray is not None:  # one model path for the rows, the resume and every worker
        from ponder.agent.ray_batch import for_workers

        settings = for_workers(settings)
    tasks, errors = read_tasks(tasks_file)
    ensure_writable_file(output, "results file")
    console = Console(highlight=False, emoji=False)
    for err in errors:
        console.print(f"[yellow]skipped {escape(str(tasks_file))} {escape(str(err))}[/]",
                      soft_wrap=True)
    if not tasks:
        raise UserError(f"{tasks_file} has no valid task")
    with _progress(console) as progress:
        bar = progress.add_task("tasks", total=len(tasks))

        def advance(result: TaskResult) -> None:
            progress.advance(bar)
            mark = {"verified": "✓", "unverified": "?", "failed": "✗"}.get(result.status, "✗")
            note = f" error: {result.error}" if result.error else ""
            progress.console.print(f"{mark} {escape(result.id)} {escape(result.answer[:60])!s}"
                                   f"{escape(note)}")

        from ponder.agent.batch import done_ids
        progress.advance(bar, len(done_ids(tasks, output, tasks_file)))
        if ray is not None:
            from ponder.agent.ray_batch import run_batch_on_ray

            summary = run_batch_on_ray(tasks, output, settings, address=ray,
                                       tasks_file=tasks_file, on_result=advance)
        else:
            summary = run_async(run_batch(tasks, output, settings, concurrency=concurrency,
                                          on_result=advance, tasks_file=tasks_file))
    console.print(_summary_table(summary))
    raise typer.Exit(EXIT_OK if summary.errors == 0 else EXIT_FAILED)


@app.command("eval")
def eval_cmd(
    tasks_file: Path = typer.Argument(..., help="JSONL task file with expected answers."),
    out_dir: Path = typer.Option(Path("eval-results"), "--out-dir", help="Where to write reports."),
    mode: str = typer.Option("both", "--mode", help="bare, agent or both."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N tasks."),
    jobs: int = typer.Option(1, "--concurrency", "-j", min=1, max=32,
                             help="Tasks run at once (each agent worker has its own sandbox)."),
    ray: str | None = typer.Option(
        None, "--ray", metavar="[ADDRESS]",
        help="Run the tasks on Ray (as for ponder run): --ray alone starts a local "
        "instance; --ray auto or --ray ray://host:10001 joins a cluster."),
    model: str | None = ModelOpt,
    base_url: str | None = BaseUrlOpt,
    max_steps: int | None = MaxStepsOpt,
    sandbox: str | None = SandboxOpt,
    mcp: Path | None = McpOpt,
    config: Path | None = ConfigOpt,
    debug: bool = DebugOpt,
) -> None:
    """Score the bare model (one call, no tools) and the full agent on the same tasks."""
    setup_logging(debug)
    _one_scheduler(ray, jobs)
    modes = {"both": ("bare", "agent"), "bare": ("bare",), "agent": ("agent",)}.get(mode)
    if modes is None:
        raise UserError(f"--mode must be bare, agent or both (got {mode!r})")
    settings = settings_from(model=model, base_url=base_url, max_steps=max_steps,
                             sandbox=sandbox, config=config, mcp=mcp)
    if ray is not None:  # one model path for the rows, the resume and every worker
        from ponder.agent.ray_batch import for_workers

        settings = for_workers(settings)
    tasks, errors = read_tasks(tasks_file)
    ensure_writable_dir(out_dir, "--out-dir")
    console = Console(highlight=False, emoji=False)
    for err in errors:
        console.print(f"[yellow]skipped {escape(str(err))}[/]", soft_wrap=True)
    tasks = tasks[:limit] if limit else tasks
    if not tasks:
        raise UserError(f"{tasks_file} has no valid task")
    coded = sum(t.kind == "code" for t in tasks)
    if coded and settings.sandbox.kind == "none":
        raise UserError(f"{coded} of the tasks are code, scored by running their tests in a "
                        "sandbox: use --sandbox docker (or local), or leave them out")
    rows_path = out_dir / ROWS_FILE
    # Held for the whole eval: a second eval into this out-dir would run every pair again
    # beside this one and write each row twice.
    with open_for_append(rows_path) as holder:
        lock_results(holder, rows_path)
        digests = {t.id: t.digest() for t in tasks}
        recorded = [r for r in read_rows(out_dir, settings.model)
                    if r.id in digests and r.mode in modes]
        # A row of another task file with the same id, or of this task before an edit, is
        # no result for it: that task runs again.
        earlier = [r for r in recorded if r.task_digest in (None, digests[r.id])]
        # A task's category is metadata (outside the digest): the task file's counts.
        categories = {t.id: _category(t) for t in tasks}
        earlier = [r.model_copy(update={"category": categories[r.id]}) for r in earlier]
        if len(earlier) < len(recorded):
            console.print(f"[yellow]{len(recorded) - len(earlier)} results in "
                          f"{out_dir / ROWS_FILE} answer another version of their task (another "
                          "task file, or the task was edited): those run again[/]")
        if earlier:
            console.print(f"resuming: {len(earlier)} results already in {out_dir / ROWS_FILE}")
            from ponder.agent.provenance import provenance

            now = provenance(settings)
            other = sum(1 for r in earlier if r.provenance is not None and (
                r.provenance.settings_sha256 != now.settings_sha256
                or r.provenance.commit != now.commit))
            if other:  # kept on purpose (a bare call that did not change), but never silently
                console.print(f"[yellow]{other} of them ran with other settings or another "
                              "commit; each row keeps its own provenance[/]")
        with _progress(console) as progress:
            bar = progress.add_task("eval", total=len(tasks) * len(modes))
            progress.advance(bar, len(earlier))

            def advance(row: EvalRow) -> None:
                append_row(out_dir, row)
                progress.advance(bar)
                mark = "✓" if row.correct else "✗"
                ver = " verified" if row.verified else ""
                progress.console.print(f"{mark} {row.mode:<5} {escape(row.id)}{ver}: "
                                       f"{escape(row.answer[:50])}")

            done = {(r.id, r.mode) for r in earlier}
            if ray is not None:
                from ponder.agent.ray_batch import evaluate_on_ray

                rows = earlier + evaluate_on_ray(tasks, settings, modes=modes, done=done,
                                                 on_row=advance, address=ray)
            else:
                rows = earlier + run_async(evaluate(tasks, settings, modes=modes,  # type: ignore[arg-type]
                                                      on_row=advance, done=done, concurrency=jobs))
        title = f"ponder eval — {tasks_file.name} — {settings.model}"
        json_path, md_path = write_reports(rows, out_dir, title)
        console.print(markdown_report(rows, title))
        console.print(f"wrote {json_path} and {md_path}")
