"""Rendering run events and results on the terminal with rich."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape
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

_OBS_LINES = 12
_MARK = {"accept": "[green]✓ accept[/]", "reject": "[red]✗ reject[/]",
         "unverified": "[yellow]? unverified[/]"}


def _clip(text: str, lines: int = _OBS_LINES) -> str:
    rows = text.splitlines()
    if len(rows) <= lines:
        return text
    return "\n".join(rows[:lines]) + f"\n… ({len(rows) - lines} more lines)"


def render_event(console: Console, event: Event) -> None:
    """Print one event as it arrives."""
    if isinstance(event, PlanMade):
        title = "re-plan" if event.replan else "plan"
        console.print(f"[bold magenta]{title}[/]")
        for i, step in enumerate(event.steps, 1):
            console.print(f"  {i}. {escape(step['text'])} [dim]({escape(step['tool'])})[/]")
    elif isinstance(event, ThoughtEvent):
        if event.text:
            console.print(Text(f"thought: {event.text}", style="italic dim"))
    elif isinstance(event, ToolCallEvent):
        _render_call(console, event)
    elif isinstance(event, ObservationEvent):
        style = "green" if event.ok else "red"
        console.print(Panel(Text(_clip(event.text)), title=f"{event.tool} result",
                            border_style=style, expand=False))
        for path in event.artifacts:
            console.print(f"  [cyan]saved:[/] {escape(path)}")
    elif isinstance(event, CandidateEvent):
        console.print(f"[bold]candidate answer:[/] {escape(_clip(event.answer, 6))}")
    elif isinstance(event, VerdictEvent):
        mark = "[yellow]? doubt[/]" if event.blocks else _MARK[event.status]
        console.print(f"  verify {escape('[' + event.checker + ']')} {mark}: "
                      f"{escape(event.reason)}")
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
        console.print(Syntax(code, "python", theme="ansi_dark", line_numbers=False))
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


def render_result(console: Console, result: dict[str, Any]) -> None:
    """Print the final answer panel, the evidence and the usage line."""
    status = result["status"]
    badge = {"verified": "[green]verified[/]", "unverified": "[yellow]unverified[/]",
             "failed": "[red]failed[/]"}[status]
    body = result.get("answer") or "(no answer)"
    console.print(Panel(Text(body), title=f"answer — {badge}", border_style="bold", expand=False))
    console.print(f"[dim]{escape(result['reason'])}[/]")
    for line in result.get("evidence", [])[:8]:
        console.print(f"  • {escape(line)}")
    for src in result.get("sources", [])[:8]:
        console.print(f"  source: {escape(str(src.get('title') or ''))} {escape(str(src.get('url')))}")
    for path in result.get("artifacts", []):
        console.print(f"  artifact: {escape(path)}")
    console.print(f"[dim]{usage_line(result.get('usage', {}))} · thread {result.get('thread_id')}[/]")


def usage_line(usage: dict[str, Any]) -> str:
    tokens = int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0))
    return (
        f"{usage.get('steps', 0)} steps, {usage.get('tool_calls', 0)} tool calls, "
        f"{tokens} tokens, {usage.get('model_calls', 0)} model calls, "
        f"{usage.get('parse_failures', 0)} parse failures, {float(usage.get('seconds', 0)):.1f} s"
    )


def result_json(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, default=str)
