"""``ponder eval``: the same tasks through the bare model (one call, no tools) and the
full agent (same model), scored the same way, reported side by side."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from ponder.agent.batch import run_task
from ponder.agent.errors import SandboxError, UserError
from ponder.agent.facade import Agent
from ponder.agent.provenance import Provenance, provenance
from ponder.agent.scoring import run_hidden_tests, score_answer
from ponder.agent.settings import Settings
from ponder.agent.tasks import TaskSpec, jsonl_lines, open_for_append, read_jsonl_text
from ponder.graphs import prompts
from ponder.graphs.codefix import with_prompt_context
from ponder.graphs.decide import ModelCallError
from ponder.graphs.examples import with_check_call, with_examples
from ponder.graphs.parsing import code_in_reply, message_text
from ponder.graphs.prompt_registry import DEFAULT_PROMPTS, Prompts, prompts_with
from ponder.graphs.state import Candidate, VerdictRecord

Mode = Literal["bare", "agent"]


class CandidateRecord(BaseModel):
    """One candidate of an agent run: its method, whether it was right, what each checker
    said of it (checker -> accept / reject / unverified), whether it was selected, its
    answer (the first 200 characters: enough to see which candidates agreed) and whether
    a python run computed it (what the selector reads: with these a run's selection can
    be replayed under another rule, ``bench/replay_selection.py``)."""

    index: int
    method: str
    correct: bool
    selected: bool = False
    verdicts: dict[str, str] = {}
    answer: str = ""
    computed: bool = False
    # Code: the best fraction of the task's tests (given and stated examples) the code
    # passed in code-rerun; None when they never ran.
    tests_passed: float | None = None
    # The code behind the answer: a program candidate's program (its repair, if one ran),
    # a coding task's function; "" for an answer in words or from the tool loop. The first
    # CODE_CHARS characters: enough to see afterwards why a program went wrong.
    code: str = ""
    # checker -> its reason, for the verdicts that decided something (accept, reject, or a
    # doubt that blocks); the first REASON_CHARS characters.
    reasons: dict[str, str] = {}


REASON_CHARS = 300
CODE_CHARS = 4000


def candidate_code(candidate: Candidate) -> str:
    """The code an eval row keeps for ``candidate``: its program, or its function for a
    coding task, cut to CODE_CHARS characters."""
    program = candidate.get("program")
    code = program["code"] if program else candidate.get("code") or ""
    return code[:CODE_CHARS]


def decisive_reasons(verdicts: list[VerdictRecord], index: int) -> dict[str, str]:
    """checker -> reason of each verdict on candidate ``index`` that accepted, rejected or
    left a blocking doubt (an "unverified" with no doubt says nothing worth keeping)."""
    return {v["checker"]: v["reason"][:REASON_CHARS] for v in verdicts
            if v["candidate"] == index
            and (v["status"] in ("accept", "reject") or v.get("blocks"))}


class ModeSummary(BaseModel):
    mode: Mode
    tasks: int
    accuracy: float
    verified_rate: float
    verified_accuracy: float | None
    mean_tokens: float
    median_seconds: float


class EvalRow(BaseModel):
    id: str
    mode: Mode
    category: str
    answer: str
    correct: bool
    verified: bool
    tokens: int
    seconds: float
    detail: str = ""
    evidence: list[str] = []
    model: str = ""  # the model spec that produced the row (a resume keeps only its own)
    model_calls: int = 0
    # Agent rows: every candidate of the run, scored, with its checkers' verdicts, so each
    # checker's precision and coverage can be measured (see checker_table).
    candidates: list[CandidateRecord] = []
    # Agent rows: the direct answer and the program agreed (graphs.select.first_methods_agree).
    methods_agreed: bool = False
    # What produced the row: model (and file hash), settings hash, version, commit, seed.
    provenance: Provenance | None = None
    # TaskSpec.digest of the task it answers: a resume reuses the row only for the same
    # task (not one of another task file with the same id, or an edited one). Rows
    # written before it existed have none and are reused by id.
    task_digest: str | None = None


def bare_prompt(task: TaskSpec, texts: Prompts = DEFAULT_PROMPTS) -> str:
    """The bare baseline's prompt: the same words as the agent's own bare call (with the
    same prompts: pass the ones the agent runs with)."""
    return prompts.bare_prompt(task.prompt, task.kind, task.entry_point, task.tests, texts)


async def bare_run(model: BaseChatModel, task: TaskSpec,
                   texts: Prompts = DEFAULT_PROMPTS) -> tuple[str, int, float]:
    """One model call, no tools: (answer or code, tokens, seconds)."""
    started = time.perf_counter()
    try:
        reply = await model.ainvoke([HumanMessage(bare_prompt(task, texts))])
    except Exception as exc:  # a timeout or a refused request: this row, not the whole eval
        raise ModelCallError(f"model call failed: {exc}", operation="bare") from exc
    text = message_text(reply)
    meta = getattr(reply, "usage_metadata", None) or {}
    tokens = int(meta.get("input_tokens", 0)) + int(meta.get("output_tokens", 0))
    if task.kind == "code":  # its code, read as the agent reads its own direct completion
        text = code_in_reply(text, task.entry_point)
    return text.strip(), tokens, time.perf_counter() - started


def scoring_tests(task: TaskSpec) -> str | None:
    """What a code task's answer is scored on: its hidden tests (else its tests) and the
    examples its prompt states. The examples are part of the task: a function that fails
    one is wrong even when the hidden tests, written beside them, do not ask again."""
    tests = task.hidden_tests or task.tests
    if tests:  # a check(candidate) suite is called, or any code that runs would pass it
        tests = with_check_call(tests, task.entry_point)
    return with_examples(tests, task.prompt, task.entry_point)


async def score(task: TaskSpec, answer: str, settings: Settings) -> tuple[bool, str]:
    """Is ``answer`` (code, for code tasks) right for ``task``?"""
    if task.kind == "code":
        tests = scoring_tests(task)
        if not tests:
            return False, "no tests to score with"
        if not answer.strip():
            return False, "no code"
        # Run as a function-completion harness runs a completion: after what the prompt
        # itself binds (its imports, the helpers above the function), for either mode.
        code = with_prompt_context(answer, task.prompt, task.entry_point)
        try:
            return await run_hidden_tests(code, tests, settings)
        except SandboxError as exc:  # the row says so and a resumed eval runs it again;
            # the rest of the eval goes on (an agent run of minutes is not thrown away)
            return False, f"{type(exc).__name__}: the answer could not be scored: {exc}"
    if task.answer is None:
        return False, "no expected answer"
    ok = score_answer(answer, task.answer, task.tolerance)
    return ok, f"expected {task.answer!r}"


def _category(task: TaskSpec) -> str:
    return str(task.metadata.get("category") or task.kind)


async def bare_row(model: BaseChatModel, task: TaskSpec, settings: Settings,
                   prov: Provenance | None = None) -> EvalRow:
    """The bare model's scored row for ``task``: one call, no tools. A failed call is an
    error row (detail ``ModelCallError: ...``), which a resumed eval runs again."""
    try:
        answer, tokens, seconds = await bare_run(model, task, prompts_with(settings.prompts))
    except ModelCallError as exc:
        return EvalRow(id=task.id, mode="bare", category=_category(task), answer="",
                       task_digest=task.digest(), correct=False, verified=False, tokens=0,
                       seconds=0.0,
                       detail=f"ModelCallError: {exc}", model=settings.model, model_calls=1,
                       provenance=prov or provenance(settings))
    correct, detail = await score(task, answer, settings)
    return EvalRow(id=task.id, mode="bare", category=_category(task), answer=answer,
                   task_digest=task.digest(), correct=correct, verified=False, tokens=tokens,
                   seconds=seconds,
                   detail=detail, model=settings.model, model_calls=1,
                   provenance=prov or provenance(settings))


async def agent_row(agent: Agent, task: TaskSpec, settings: Settings) -> EvalRow:
    """The agent's scored row for ``task``, with every candidate scored (``agent`` keeps
    its threads in memory: made with ``persist=False``)."""
    res = await run_task(agent, task)
    answer = (res.code or res.answer) if task.kind == "code" else res.answer
    correct, detail = await score(task, answer, settings)
    judged, agreed, failure = await _candidates(agent, res.thread_id, task, answer, settings,
                                                correct)
    if failure and not detail.startswith(_ERROR_PREFIXES):
        detail = failure  # an error row: a resume runs it again
    tokens = int(res.usage.get("prompt_tokens", 0)) + int(res.usage.get("completion_tokens", 0))
    return EvalRow(id=task.id, mode="agent", category=_category(task), answer=answer,
                   task_digest=task.digest(), correct=correct, verified=res.verified,
                   tokens=tokens, seconds=res.seconds,
                   detail=as_error(res.error) if res.error else detail,
                   evidence=[res.reason, *res.evidence],
                   model=settings.model, candidates=judged, methods_agreed=agreed,
                   model_calls=int(res.usage.get("model_calls", 0)),
                   provenance=res.provenance)


async def evaluate(
    tasks: list[TaskSpec], settings: Settings, *, modes: tuple[Mode, ...] = ("bare", "agent"),
    on_row: Callable[[EvalRow], None] | None = None,
    done: set[tuple[str, str]] | None = None, concurrency: int = 1,
) -> list[EvalRow]:
    """Run every task in every mode and score it, skipping the ``(id, mode)`` pairs in
    ``done``; ``on_row`` gets each row as soon as it is scored. ``concurrency`` workers
    share the tasks, each agent worker with its own Agent (and sandbox). Returns the new
    rows, in the order they finished."""
    from ponder.agent.models.factory import resolve_model

    if settings.approval and "agent" in modes:  # as ponder run: every run would stop unanswered
        raise UserError("approval is on, but an eval has no one to approve code: turn "
                        "'approval' off for ponder eval (it is off by default)")
    rows: list[EvalRow] = []
    skip = done or set()

    def finished(row: EvalRow) -> None:
        rows.append(row)
        if on_row:
            on_row(row)

    async def share(todo: list[TaskSpec], work: Callable[[TaskSpec], Awaitable[None]],
                    workers: int) -> None:
        queue = list(reversed(todo))

        async def worker() -> None:
            while queue:
                await work(queue.pop())

        await asyncio.gather(*(worker() for _ in range(min(workers, len(todo)) or 1)))

    if "bare" in modes:
        model = resolve_model(settings.model, settings)
        prov = provenance(settings)

        async def bare(task: TaskSpec) -> None:
            finished(await bare_row(model, task, settings, prov))

        await share([t for t in tasks if (t.id, "bare") not in skip], bare, concurrency)
    if "agent" in modes:
        todo = [t for t in tasks if (t.id, "agent") not in skip]
        queue = list(reversed(todo))

        async def agent_worker() -> None:
            async with Agent(settings, persist=False) as agent:
                while queue:
                    finished(await agent_row(agent, queue.pop(), settings))

        if todo:
            await asyncio.gather(*(agent_worker() for _ in range(min(concurrency, len(todo)))))
    return rows


async def _candidates(agent: Agent, thread_id: str, task: TaskSpec, selected: str,
                      settings: Settings, selected_correct: bool | None = None,
                      ) -> tuple[list[CandidateRecord], bool, str]:
    """Every candidate of the finished run on ``thread_id``, scored like the answer,
    whether the direct answer and the program agreed, and the first scoring failure
    ("" when none: a candidate whose scoring sandbox failed is no wrong answer, and the
    row is run again on resume)."""
    from ponder.graphs.select import computed, first_methods_agree, tests_passed

    graph = await agent.graph
    state = (await graph.aget_state({"configurable": {"thread_id": thread_id}})).values
    records = []
    # The selected answer is scored once, as the row's verdict: its candidate agrees.
    scored: dict[str, bool] = {} if selected_correct is None else {selected: selected_correct}
    failure = ""
    for cand in state.get("candidates", []):
        text = (cand.get("code") or cand["answer"]) if task.kind == "code" else cand["answer"]
        if text not in scored:
            right, detail = await score(task, text, settings)
            scored[text] = right
            if detail.startswith(_ERROR_PREFIXES) and not failure:
                failure = f"{detail} (candidate {cand['index']})"
        verdicts = {v["checker"]: v["status"] for v in state.get("verdicts", [])
                    if v["candidate"] == cand["index"]}
        passed = tests_passed(state.get("verdicts", []), cand["index"])
        records.append(CandidateRecord(index=cand["index"], method=cand.get("method", "loop"),
                                       correct=scored[text], selected=text == selected,
                                       verdicts=verdicts, answer=cand["answer"][:200],
                                       computed=computed(state, cand),  # type: ignore[arg-type]
                                       tests_passed=passed if passed >= 0 else None,
                                       code=candidate_code(cand),
                                       reasons=decisive_reasons(state.get("verdicts", []),
                                                                cand["index"])))
    return records, first_methods_agree(state), failure  # type: ignore[return-value]


class CheckerStats(BaseModel):
    """How one checker (or cross-method agreement) did on scored candidates."""

    checker: str
    judged: int  # candidates it judged (accept, reject or unverified)
    accepts: int
    accepts_right: int
    rejects: int
    rejects_wrong: int

    @property
    def accept_precision(self) -> float | None:
        return self.accepts_right / self.accepts if self.accepts else None

    @property
    def reject_precision(self) -> float | None:
        return self.rejects_wrong / self.rejects if self.rejects else None


def checker_table(rows: list[EvalRow]) -> list[CheckerStats]:
    """Per checker over every scored candidate of the agent rows: how often it accepted
    and was right (precision of acceptance), how often it rejected and the candidate was
    wrong (precision of rejection). A row ``agreement across methods`` counts the runs
    where the direct answer and the program agreed as an acceptance of that answer; a row
    ``passes all its tests`` counts code that passed every test it ran on (for a task
    that came without tests: every example its prompt states) as an acceptance — what
    accepting on them would do, measured before it may."""
    stats: dict[str, dict[str, int]] = {}

    def counts(name: str) -> dict[str, int]:
        return stats.setdefault(name, dict.fromkeys(
            ("judged", "accepts", "accepts_right", "rejects", "rejects_wrong"), 0))

    for row in rows:
        if row.mode != "agent":
            continue
        for cand in row.candidates:
            for checker, status in cand.verdicts.items():
                s = counts(checker)
                s["judged"] += 1
                if status == "accept":
                    s["accepts"] += 1
                    s["accepts_right"] += int(cand.correct)
                elif status == "reject":
                    s["rejects"] += 1
                    s["rejects_wrong"] += int(not cand.correct)
        first = {c.method: c for c in row.candidates if c.method in ("direct", "program")}
        if len(first) == 2:
            s = counts("agreement across methods")
            s["judged"] += 1
            if row.methods_agreed:
                s["accepts"] += 1
                s["accepts_right"] += int(first["direct"].correct)
        for cand in row.candidates:
            if cand.tests_passed is None:
                continue
            s = counts("passes all its tests")
            s["judged"] += 1
            if cand.tests_passed >= 1.0:
                s["accepts"] += 1
                s["accepts_right"] += int(cand.correct)
    return [CheckerStats(checker=name, **values) for name, values in sorted(stats.items())]


def method_table(rows: list[EvalRow]) -> dict[str, dict[str, tuple[int, int]]]:
    """Per category and method, over the agent rows: (right, proposed) — how often a
    method proposed a candidate and how often it was right, per task: one candidate
    stands for a method, its latest, or for code the one passing the largest share of its
    tests (the latest on a tie; untested code counts as passing none), the one a selector
    choosing by running the code would keep of that method. Two
    extra columns: ``any`` (some method was right: the most a perfect selector could get)
    and ``selected`` (the agent's answer)."""
    table: dict[str, dict[str, list[int]]] = {}
    for row in rows:
        if row.mode != "agent":
            continue
        cells = table.setdefault(row.category, {})
        standing: dict[str, CandidateRecord] = {}
        for c in sorted(row.candidates, key=lambda c: c.index):
            held = standing.get(c.method)
            if held is None or (c.tests_passed or 0.0) >= (held.tests_passed or 0.0):
                standing[c.method] = c
        for method, cand in standing.items():
            cell = cells.setdefault(method, [0, 0])
            cell[0] += int(cand.correct)
            cell[1] += 1
        # A row without candidates (a failed run, an old row) still has its answer.
        for name, hit in (("any", row.correct or any(c.correct for c in row.candidates)),
                          ("selected", row.correct)):
            cell = cells.setdefault(name, [0, 0])
            cell[0] += int(hit)
            cell[1] += 1
    return {cat: {m: (v[0], v[1]) for m, v in cells.items()} for cat, cells in table.items()}


_METHOD_ORDER = ("bare", "direct", "program", "direct_sample", "program_sample", "revise", "sample",
                 "loop", "any", "selected")


ROWS_FILE = "eval-rows.jsonl"


def read_rows(out_dir: Path, model: str) -> list[EvalRow]:
    """Rows an earlier (possibly killed) eval of ``model`` wrote to ``out_dir``; lines cut
    short by a kill, and rows of another model, are left out (those tasks run again)."""
    path = out_dir / ROWS_FILE
    rows: dict[tuple[str, str], EvalRow] = {}
    if not path.is_file():
        return []
    for line in jsonl_lines(read_jsonl_text(path)):
        try:
            row = EvalRow.model_validate_json(line)
        except ValueError:
            continue
        if row.model == model and not row.detail.startswith(_ERROR_PREFIXES):
            rows[(row.id, row.mode)] = row
    return list(rows.values())


# A row whose run raised (model unreachable, sandbox broken) is not a result: re-run it.
_ERROR_PREFIXES = ("ModelCallError", "SandboxError", "EngineUnavailableError",
                   "RayTaskLost", "PonderRuntimeError",  # a local model's start
                   "RunError")  # any other exception that ended the run (``as_error``)


def as_error(text: str) -> str:
    """``text`` (a run's failure) as an error row's detail: a resume runs the row again,
    and its zero cost stays out of the medians (``_costed``)."""
    return text if text.startswith(_ERROR_PREFIXES) else f"RunError: {text}"


def append_row(out_dir: Path, row: EvalRow) -> None:
    """Append one row to ``out_dir``'s rows file and flush it to disk."""
    with open_for_append(out_dir / ROWS_FILE) as fh:
        fh.write(row.model_dump_json() + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def summarise(rows: list[EvalRow], mode: Mode) -> ModeSummary | None:
    mine = [r for r in rows if r.mode == mode]
    if not mine:
        return None
    verified = [r for r in mine if r.verified]
    return ModeSummary(
        mode=mode, tasks=len(mine),
        accuracy=sum(r.correct for r in mine) / len(mine),
        verified_rate=len(verified) / len(mine),
        verified_accuracy=(sum(r.correct for r in verified) / len(verified)) if verified else None,
        mean_tokens=statistics.mean(r.tokens for r in _costed(mine)),
        median_seconds=statistics.median(r.seconds for r in _costed(mine)),
    )


def _costed(rows: list[EvalRow]) -> list[EvalRow]:
    """The rows whose cost means something: an error row (a lost Ray task, a failed
    model call) ran at 0 s and 0 tokens, which would drag every median down. All rows
    when every one is an error row."""
    ran = [r for r in rows if not r.detail.startswith(_ERROR_PREFIXES)]
    return ran or rows


class Paired(BaseModel):
    """The bare model against the agent on the tasks that have a row in both modes
    (a partial run compares like with like): per mode the right answers and the medians
    per task, and per category the right answers of each mode."""

    tasks: int
    right: dict[str, int]
    verified: int
    median_seconds: dict[str, float]
    median_tokens: dict[str, float]
    median_calls: dict[str, float]
    categories: dict[str, tuple[int, int, int]]  # category -> (tasks, bare right, agent right)


def paired(rows: list[EvalRow]) -> Paired | None:
    """``Paired`` over the tasks with both a bare and an agent row; None when none has."""
    by_mode: dict[str, dict[str, EvalRow]] = {"bare": {}, "agent": {}}
    for row in rows:
        by_mode[row.mode][row.id] = row
    ids = sorted(by_mode["bare"].keys() & by_mode["agent"].keys())
    if not ids:
        return None
    mine = {mode: [by_mode[mode][i] for i in ids] for mode in by_mode}
    categories: dict[str, tuple[int, int, int]] = {}
    for i in ids:
        tasks, bare, agent = categories.get(by_mode["agent"][i].category, (0, 0, 0))
        categories[by_mode["agent"][i].category] = (
            tasks + 1, bare + by_mode["bare"][i].correct, agent + by_mode["agent"][i].correct)
    return Paired(
        tasks=len(ids), right={m: sum(r.correct for r in mine[m]) for m in mine},
        verified=sum(r.verified for r in mine["agent"]),
        median_seconds={m: statistics.median(r.seconds for r in _costed(mine[m])) for m in mine},
        median_tokens={m: statistics.median(r.tokens for r in _costed(mine[m])) for m in mine},
        median_calls={m: statistics.median(r.model_calls for r in _costed(mine[m]))
                      for m in mine},
        categories=dict(sorted(categories.items())))


def _ratio(agent: float, bare: float) -> str:
    return f"{agent / bare:.1f}×" if bare else "—"


def paired_lines(rows: list[EvalRow]) -> list[str]:
    """The report's comparison with the bare model (``paired``): right answers, verified
    answers and the medians side by side with their ratios, then per category the
    difference in points. Empty when no task has both rows."""
    p = paired(rows)
    if p is None:
        return []
    b, a = "bare", "agent"
    lines = ["", f"Against the bare model, on the {p.tasks} tasks with a row in both modes",
             "", "| | bare | agent | agent / bare |", "|---|---|---|---|",
             f"| right | {p.right[b]}/{p.tasks} | {p.right[a]}/{p.tasks} "
             f"| {_ratio(p.right[a], p.right[b])} |",
             f"| verified | — | {p.verified}/{p.tasks} ({p.verified / p.tasks:.1%}) | — |"]
    for name, medians, fmt in (("median s per task", p.median_seconds, "{:.2f}"),
                               ("median tokens", p.median_tokens, "{:.0f}"),
                               ("median model calls", p.median_calls, "{:g}")):
        lines.append(f"| {name} | {fmt.format(medians[b])} | {fmt.format(medians[a])} "
                     f"| {_ratio(medians[a], medians[b])} |")
    lines += ["", "| category | tasks | bare | agent | agent − bare (points) |",
              "|---|---|---|---|---|"]
    for cat, (tasks, bare, agent) in p.categories.items():
        lines.append(f"| {cat} | {tasks} | {bare} | {agent} "
                     f"| {100 * (agent - bare) / tasks:+.1f} |")
    return lines


def _short_commit(row: EvalRow) -> str:
    """A row's commit, short (``5796b7c``, ``5796b7c-dirty``), or ``unknown``."""
    commit = row.provenance.commit if row.provenance is not None else None
    if not commit:
        return "unknown"
    return commit[:7] + ("-dirty" if commit.endswith("-dirty") else "")


def _made_at(rows: list[EvalRow]) -> str:
    """Which commits made each mode's rows (a resumed eval keeps rows of other commits):
    ``bare e7b186f (102); agent 5796b7c (102)``; "" when no row says."""
    parts = []
    for mode in ("bare", "agent"):
        commits = Counter(_short_commit(r) for r in rows if r.mode == mode)
        if commits:
            shown = ", ".join(f"{c} ({n})" for c, n in sorted(commits.items()))
            parts.append(f"{mode} {shown}")
    return "; ".join(parts)


def markdown_report(rows: list[EvalRow], title: str) -> str:
    lines = [f"# {title}", "", "| mode | tasks | accuracy | verified | accuracy of verified "
             "| mean tokens | median s/task |", "|---|---|---|---|---|---|---|"]
    for mode in ("bare", "agent"):
        s = summarise(rows, mode)  # type: ignore[arg-type]
        if s is None:
            continue
        va = f"{s.verified_accuracy:.1%}" if s.verified_accuracy is not None else "—"
        lines.append(f"| {mode} | {s.tasks} | {s.accuracy:.1%} | {s.verified_rate:.1%} | {va} "
                     f"| {s.mean_tokens:.0f} | {s.median_seconds:.1f} |")
    if made := _made_at(rows):
        lines += ["", f"Rows made at: {made}."]
    cats = sorted({r.category for r in rows})
    lines += ["", "| category | bare | agent | agent verified (right/verified) "
              "| agent median s/task |", "|---|---|---|---|---|"]
    for cat in cats:
        cells = []
        for mode in ("bare", "agent"):
            mine = [r for r in rows if r.category == cat and r.mode == mode]
            cells.append(f"{sum(r.correct for r in mine)}/{len(mine)}" if mine else "—")
        agent = [r for r in rows if r.category == cat and r.mode == "agent"]
        verified = [r for r in agent if r.verified]
        cells.append(f"{sum(r.correct for r in verified)}/{len(verified)}" if agent else "—")
        cells.append(f"{statistics.median(r.seconds for r in _costed(agent)):.1f}" if agent else "—")
        lines.append(f"| {cat} | {' | '.join(cells)} |")
    lines += paired_lines(rows)
    if methods := method_table(rows):
        names = [m for m in _METHOD_ORDER if any(m in c for c in methods.values())]
        names += sorted({m for c in methods.values() for m in c} - set(names))
        lines += ["", "Methods (agent rows; right/proposed; `any`: some candidate was right)",
                  "", f"| category | {' | '.join(names)} |", "|---" * (len(names) + 1) + "|"]
        for cat in sorted(methods):
            cells = [f"{methods[cat][m][0]}/{methods[cat][m][1]}" if m in methods[cat] else "—"
                     for m in names]
            lines.append(f"| {cat} | {' | '.join(cells)} |")
    if table := checker_table(rows):
        lines += ["", "| checker | judged | accepts (right) | accept precision | rejects "
                  "(of wrong answers) | reject precision |", "|---|---|---|---|---|---|"]
        for c in table:
            ap = f"{c.accept_precision:.0%}" if c.accept_precision is not None else "—"
            rp = f"{c.reject_precision:.0%}" if c.reject_precision is not None else "—"
            lines.append(f"| {c.checker} | {c.judged} | {c.accepts} ({c.accepts_right}) | {ap} "
                         f"| {c.rejects} ({c.rejects_wrong}) | {rp} |")
    return "\n".join(lines) + "\n"


def write_reports(rows: list[EvalRow], out_dir: Path, title: str) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    summaries = [s.model_dump() for m in ("bare", "agent") if (s := summarise(rows, m))]  # type: ignore[arg-type]
    json_path, md_path = out_dir / "eval.json", out_dir / "eval.md"
    json_path.write_text(json.dumps({"title": title, "summary": summaries,
                                     "rows": [r.model_dump() for r in rows]}, indent=2))
    md_path.write_text(markdown_report(rows, title))
    return json_path, md_path
