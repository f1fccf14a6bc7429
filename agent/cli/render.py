"""Rendering run events and results on the terminal with rich."""

from __future__ import annotations

import json
import re
from typing import Any

from rich.console import Console
from rich.markup import escape as _markup_escape
from rich.panel import Panel
from rich.status import Status
from rich.syntax import Syntax
from rich.text import Text

from ponder.graphs.events import (
    ApprovalEvent,
    BudgetEvent,
    CandidateEvent,
    Event,
    FinalEvent,
    ObservationEvent,
    ParseFailureEvent,
    PlanMade,
    ThoughtEvent,
    ToolCallEvent,
    UsageEvent,
    VerdictEvent,
)

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """Untrusted text (model replies, program output, fetched pages) made safe to print:
    control characters are shown as ``\\xNN``, so no escape sequence (a clipboard write
    through OSC 52, a window title, cursor movement) reaches the terminal. Tabs and
    newlines stay."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def escape(text: str) -> str:
    """``text`` for a Rich markup string: controls made visible, markup escaped."""
    return _markup_escape(visible(str(text)))


_OBS_LINES = 12
_MARK = {"accept": "[green]✓ accept[/]", "reject": "[red]✗ reject[/]",
         "unverified": "[yellow]? unverified[/]"}


def _clip(text: str, lines: int = _OBS_LINES) -> str:
    rows = text.splitlines()
    if len(rows) <= lines:
        return text
    return "\n".join(rows[:lines]) + f"\n… ({len(rows) - lines} more lines)"


# How each method is named on the terminal (CandidateEvent.method, FinalResult.method).
METHOD_LABELS = {
    "direct": "reasoning", "bare": "bare answer", "program": "program", "loop": "tool loop",
    "revise": "revision", "sample": "sample", "direct_sample": "drawn reasoning",
    "program_sample": "drawn program",
}
# An evidence line that states how many of the task's tests a candidate passed: shown even
# under a check that gave no verdict (three tests are too few to verify, not to tell).
_TESTS_RUN = re.compile(r"^\d+ of \d+ tests? pass")
# An evidence line that states one check's verdict (graphs.nodes.finalize._evidence).
_VERDICT_LINE = re.compile(r"^[a-z][\w -]*: (accept|reject|unverified|doubt) — ")


def method_label(method: str, *, code: bool = False) -> str:
    """What a method is called to a person; a coding task's direct answer is a completion."""
    if code and method == "direct":
        return "direct completion"
    return METHOD_LABELS.get(method, method)


def _candidate_line(event: CandidateEvent, *, code: bool = False) -> str:
    label = f" ({escape(method_label(event.method, code=code))})" if event.method else ""
    return f"[bold]candidate #{event.index}{label}:[/] {escape(_clip(event.answer, 6))}"


def _verdict_line(event: VerdictEvent, *, numbered: bool) -> str:
    mark = "[yellow]? doubt[/]" if event.blocks else _MARK[event.status]
    where = f"#{event.candidate} " if numbered else ""
    return f"  verify {where}{escape('[' + event.checker + ']')} {mark}: {escape(event.reason)}"


def decisive(event: VerdictEvent) -> bool:
    """Whether a check said something either way: accepted, rejected or raised a doubt
    (the rest found nothing to confirm or refute, or did not apply)."""
    return event.status != "unverified" or event.blocks


class RunView:
    """Prints a run's events as they arrive, then its result.

    By default each candidate's checks are summed up once they are all in: the ones that
    accepted, rejected or raised a doubt, one line each, and how many others gave no
    verdict (a run with seven candidates and ten checkers would otherwise print seventy
    lines, most of them "does not apply"). ``verbose`` prints every check as it comes."""

    def __init__(self, console: Console, *, verbose: bool = False, code: bool = False) -> None:
        self.console = console
        self.verbose = verbose
        self.code = code  # a coding task: its direct answer is called a completion
        self._methods: dict[int, str] = {}
        self._pending: list[VerdictEvent] = []

    def show(self, event: Event) -> None:
        if isinstance(event, CandidateEvent):
            self._methods[event.index] = event.method
        if isinstance(event, VerdictEvent) and not self.verbose:
            if self._pending and self._pending[0].candidate != event.candidate:
                self.flush()
            self._pending.append(event)
            return
        self.flush()
        if isinstance(event, VerdictEvent):
            self.console.print(_verdict_line(event, numbered=True))
        else:
            render_event(self.console, event, code=self.code)

    def flush(self) -> None:
        """Print the summary of the checks waiting for it (at the next other event)."""
        if not self._pending:
            return
        checks, self._pending = self._pending, []
        index = checks[0].candidate
        method = self._methods.get(index, "")
        label = f" ({escape(method_label(method, code=self.code))})" if method else ""
        said = [c for c in checks if decisive(c)]
        quiet = len(checks) - len(said)
        rest = (f"{quiet} other check{'s' if quiet != 1 else ''} gave no verdict"
                if said else f"none of {quiet} checks gave a verdict")
        self.console.print(f"  checks on #{index}{label}: [dim]{rest}[/]")
        for check in said:
            self.console.print(_verdict_line(check, numbered=False))

    def result(self, result: dict[str, Any]) -> None:
        self.flush()
        render_result(self.console, result, verbose=self.verbose)


def render_event(console: Console, event: Event, *, code: bool = False) -> None:
    """Print one event as it arrives (every check on its own line)."""
    if isinstance(event, PlanMade):
        title = "re-plan" if event.replan else "plan"
        console.print(f"[bold magenta]{title}[/]")
        for i, step in enumerate(event.steps, 1):
            console.print(f"  {i}. {escape(step['text'])} [dim]({escape(step['tool'])})[/]")
    elif isinstance(event, ThoughtEvent):
        if event.text:
            console.print(Text(visible(f"thought: {event.text}"), style="italic dim"))
    elif isinstance(event, ToolCallEvent):
        _render_call(console, event)
    elif isinstance(event, ObservationEvent):
        style = "green" if event.ok else "red"
        console.print(Panel(Text(visible(_clip(event.text))), title=f"{event.tool} result",
                            border_style=style, expand=False))
        for path in event.artifacts:
            console.print(f"  [cyan]saved:[/] {escape(path)}")
    elif isinstance(event, CandidateEvent):
        console.print(_candidate_line(event, code=code))
    elif isinstance(event, VerdictEvent):
        console.print(_verdict_line(event, numbered=True))
    elif isinstance(event, BudgetEvent):
        console.print(f"[yellow]{escape(event.reason)} ({escape(event.node)})[/]")
    elif isinstance(event, ParseFailureEvent):
        console.print(f"[yellow]unreadable {event.node} reply, counted as a parse failure[/]")
    elif isinstance(event, UsageEvent | FinalEvent):
        return


def _render_call(console: Console, event: ToolCallEvent) -> None:
    code = event.args.get("code")
    if event.tool == "python" and isinstance(code, str):
        console.print("[cyan]→ python[/]")
        console.print(Syntax(visible(code), "python", theme="ansi_dark", line_numbers=False))
    else:
        args = ", ".join(f"{k}={v!r}" for k, v in event.args.items())
        console.print(f"[cyan]→ {escape(event.tool)}[/]({escape(args)})")


class StatusLine:
    """A spinner line saying what the run is doing while nothing else prints (the model
    can think for a minute on a small machine). Off for non-terminals and --json."""

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self._status: Status | None = None
        if enabled and console.is_terminal:
            self._status = console.status("[dim]starting…[/]", spinner="dots")

    def __enter__(self) -> StatusLine:
        if self._status is not None:
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()

    def update(self, text: str) -> None:
        if self._status is not None:
            self._status.update(f"[dim]{escape(text)}[/]")

    def follow(self, event: Event) -> None:
        """Say what comes next after ``event``. An approval request stops the spinner
        (the approver reads from the terminal next); the next event starts it again."""
        if self._status is None:
            return
        if isinstance(event, ApprovalEvent):
            self._status.stop()
            return
        self._status.start()
        if isinstance(event, PlanMade):
            self.update("thinking about the next step…")
        elif isinstance(event, ToolCallEvent):
            self.update(f"running {event.tool}…")
        elif isinstance(event, ObservationEvent):
            self.update("thinking about the result…")
        elif isinstance(event, CandidateEvent):
            self.update("checking the answer…")
        elif isinstance(event, VerdictEvent):
            self.update(f"checking the answer ({event.checker} done)…")
        elif isinstance(event, ThoughtEvent | ParseFailureEvent):
            self.update("the model is working…")


def render_result(console: Console, result: dict[str, Any], *, verbose: bool = True) -> None:
    """Print the final answer panel (with the method that proposed it), the evidence and
    the usage line. Without ``verbose`` the evidence leaves out the checks that gave no
    verdict and says how many there were."""
    status = result["status"]
    badge = {"verified": "[green]verified[/]", "unverified": "[yellow]unverified[/]",
             "failed": "[red]failed[/]"}[status]
    body = result.get("answer") or "(no answer)"
    method = result.get("method") or ""
    label = method_label(method, code=bool(result.get("code")))
    source = f" · from the {escape(label)}" if method else ""
    console.print(Panel(Text(visible(body)), title=f"answer — {badge}{source}", border_style="bold",
                        expand=False))
    console.print(f"[dim]{escape(result['reason'])}[/]")
    shown, quiet = _evidence_lines(result.get("evidence", []), verbose=verbose)
    for line in shown[:8]:
        console.print(f"  • {escape(line)}")
    if quiet:
        console.print(f"  [dim]{quiet} other check{'s' if quiet != 1 else ''} gave no verdict "
                      "(--verbose lists them)[/]")
    for src in result.get("sources", [])[:8]:
        console.print(f"  source: {escape(str(src.get('title') or ''))} {escape(str(src.get('url')))}")
    for path in result.get("artifacts", []):
        console.print(f"  artifact: {escape(path)}")
    console.print(f"[dim]{usage_line(result.get('usage', {}))} · thread {escape(str(result.get('thread_id')))}[/]")


def _evidence_lines(lines: list[str], *, verbose: bool) -> tuple[list[str], int]:
    """The evidence to print and how many verdicts were left out: every line with
    ``verbose``, else all but the checks that gave no verdict (and their own evidence
    lines, which follow them, but for how many tests passed)."""
    if verbose:
        return list(lines), 0
    shown: list[str] = []
    quiet = 0
    hiding = False
    for line in lines:
        if found := _VERDICT_LINE.match(line):
            hiding = found.group(1) == "unverified"
            quiet += hiding
        if not hiding or _TESTS_RUN.match(line):
            shown.append(line)
    return shown, quiet


def usage_line(usage: dict[str, Any]) -> str:
    tokens = int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0))
    return (
        f"{usage.get('steps', 0)} steps, {usage.get('tool_calls', 0)} tool calls, "
        f"{tokens} tokens, {usage.get('model_calls', 0)} model calls, "
        f"{usage.get('parse_failures', 0)} parse failures, {float(usage.get('seconds', 0)):.1f} s"
    )


def result_json(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, default=str)
