"""The messages the nodes send: the task, the plan and the run so far, put together from
the prompts of a :class:`~ponder.graphs.prompt_registry.Prompts` registry (short and
concrete, written for small models)."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from ponder.graphs.actions import ActionFormat, render_action
from ponder.graphs.answer_form import asked_template, into_template
from ponder.graphs.prompt_registry import DEFAULT_PROMPTS, Prompts
from ponder.graphs.state import PlanStep, PonderState, is_first
from ponder.graphs.steps import Step, python_run, step_input
from ponder.tools.registry import ToolRegistry
from ponder.tools.web.safety import cut_framed

_OBSERVATION_CHARS = 1_500

def bare_prompt(question: str, kind: str = "question", entry_point: str | None = None,
                tests: str | None = None, prompts: Prompts = DEFAULT_PROMPTS) -> str:
    """The words of a bare model call: the task and one instruction, nothing else. The
    agent's ``bare`` method (and its direct code) and ``ponder eval``'s bare baseline use
    the same words, so the floor the agent keeps is the baseline it is measured against."""
    if kind == "code":
        shown = f"\nTests:\n{tests}" if tests else ""
        return f"{question}{shown}\n{prompts.bare_code.format(entry_point=entry_point or 'it')}"
    return f"{question}\n{prompts.bare_question}"


def tool_lines(tools: ToolRegistry) -> str:
    return "\n".join(f"- {t.name}: {t.description}" for t in tools) or "- (no tools)"


def render_plan(plan: list[PlanStep]) -> str:
    return "\n".join(f"{i}. {p['text']} [{p['tool']}]" for i, p in enumerate(plan, 1))


HISTORY_TURNS = 4  # earlier turns shown to every prompt of a turn
HISTORY_QUESTION_CHARS = 600
HISTORY_ANSWER_CHARS = 1_500


def _head(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit].rstrip()} [... {len(text) - limit} characters cut ...]"


def render_history(history: list[dict[str, str]]) -> str:
    """The last ``HISTORY_TURNS`` turns, each question and answer cut to a length: a long
    question or code answer, shown again in every prompt of every later turn, filled the
    model's context until each turn of the session failed."""
    turns = [f"Q: {_head(h['question'], HISTORY_QUESTION_CHARS)}\n"
             f"A: {_head(h['answer'], HISTORY_ANSWER_CHARS)}" for h in history[-HISTORY_TURNS:]]
    return "Earlier in this conversation:\n" + "\n\n".join(turns) if turns else ""


def task_block(state: PonderState, prompts: Prompts) -> str:
    task = state["task"]
    parts = []
    if history := render_history(state.get("history", [])):
        parts.append(history)
    parts.append(f"Task: {task['question']}")
    if task.get("kind") == "code":
        parts.append(prompts.code_task_rules)
        if task.get("entry_point"):
            parts.append(prompts.task_entry_point.format(entry_point=task["entry_point"]))
        if task.get("tests"):
            parts.append(prompts.task_tests.format(tests=task["tests"]))
    return "\n\n".join(parts)


def _step_input(step: Step) -> str:
    raw = step_input(step)
    if raw is not None:
        return raw
    args = step["action"].get("args", {})
    return str(next(iter(args.values()), "")) if args else ""


def _result_text(observation: str) -> str:
    return cut_framed(observation, _OBSERVATION_CHARS, "[... result shortened ...]")


def in_format(prompts: Prompts, name: str, fmt: ActionFormat) -> str:
    """The think prompt ``name`` for the action format ``fmt`` (``fenced_<name>`` for the
    fenced format)."""
    return str(getattr(prompts, f"fenced_{name}" if fmt == "fenced" else name))


def _timeline(state: PonderState, prompts: Prompts, fmt: ActionFormat = "json"
              ) -> list[BaseMessage]:
    """The run so far as a chat: each step the model took (written in the action format
    it is asked to use) and what came back. Chat turns are what small instruction-tuned
    models follow best."""
    trajectory = state.get("trajectory", [])
    candidates = state.get("candidates", [])
    reasons: dict[int, list[str]] = {}
    for v in state.get("verdicts", []):
        if v["status"] == "reject":
            reasons.setdefault(v["candidate"], []).append(v["reason"])
    messages: list[BaseMessage] = []
    first = max(0, len(trajectory) - 8)
    for position in range(first, len(trajectory) + 1):
        # The first methods' answers (direct, program) are kept out of the tool loop's
        # turns: the loop is another, independent method, and a small model repeats an
        # answer it sees as its own. Their rejections are told in the opening instead
        # (see direct_note).
        for cand in (c for c in candidates if c["step"] == position and not is_first(c)):
            messages.append(AIMessage(render_action(fmt, "I have the answer.", "answer",
                                                    cand["answer"])))
            why = "; ".join(reasons.get(cand["index"], [])) or "it could not be verified"
            messages.append(HumanMessage(prompts.answer_rejected.format(reasons=why)))
        if position < len(trajectory):
            step = trajectory[position]
            tool = step["action"].get("tool")
            if tool != "none":
                messages.append(AIMessage(render_action(fmt, step["thought"], str(tool),
                                                        _step_input(step))))
            messages.append(HumanMessage(f"Result:\n{_result_text(step['observation'])}"))
    return messages


def direct_note(state: PonderState, prompts: Prompts) -> str:
    """What the checks said of the first methods' answers when they rejected them (their
    text is not shown, so the loop does not copy it)."""
    first = {c["index"]: c.get("method", "direct") for c in state.get("candidates", [])
             if is_first(c)}
    reasons = [v["reason"] for v in state.get("verdicts", [])
               if v["candidate"] in first and v["status"] == "reject"]
    if not reasons:
        return ""
    return prompts.first_rejected.format(reasons="; ".join(dict.fromkeys(reasons)))


def _examples(state: PonderState, prompts: Prompts, fmt: ActionFormat) -> str:
    if state["task"].get("kind") == "code":
        return in_format(prompts, "code_examples", fmt)
    return in_format(prompts, "question_examples", fmt)


def think_messages(
    state: PonderState, tools: ToolRegistry, *, steps_left: int, prompts: Prompts,
    fmt: ActionFormat = "json",
) -> list[BaseMessage]:
    """System prompt, the task (with plan), then the run so far as chat turns, all in the
    action format ``fmt``."""
    opening = [task_block(state, prompts)]
    if plan := state.get("plan"):
        opening.append("Plan:\n" + render_plan(plan))
    if note := direct_note(state, prompts):
        opening.append(note)
    system = in_format(prompts, "think_system", fmt).format(
        tools=tool_lines(tools), examples=_examples(state, prompts, fmt))
    messages: list[BaseMessage] = [
        SystemMessage(system),
        HumanMessage("\n\n".join(opening)),
        *_timeline(state, prompts, fmt),
    ]
    nudge = in_format(prompts, "next_step", fmt)
    if steps_left <= 1:
        nudge = in_format(prompts, "last_step", fmt)
    elif isinstance(messages[-1], HumanMessage) and messages[-1].content.startswith("Result:"):
        nudge = in_format(prompts, "next_after_result", fmt)
        if (value := _printed_value(state)) is not None:
            # Small models copy; make the right move the easiest one to copy.
            reply = render_action(fmt, f"Python printed {value}.", "answer", value)
            nudge = in_format(prompts, "copy_printed", fmt).format(value=value, reply=reply)
    last = messages[-1]
    messages[-1] = HumanMessage(f"{last.content}\n\n{nudge}")
    return messages


def _printed_value(state: PonderState) -> str | None:
    """The one short line the last step's python printed, for a question task."""
    trajectory = state.get("trajectory", [])
    if state["task"].get("kind") == "code" or not trajectory:
        return None
    last = trajectory[-1]
    run = python_run(last)
    if last["action"].get("tool") != "python" or not last["ok"] or run is None:
        return None
    printed = run["stdout"].strip()
    if not printed and run["value"] is not None:
        printed = run["value"].strip().strip("'\"")
    if not printed or "\n" in printed or len(printed) > 80:
        return None
    return in_asked_form(printed, state["task"]["question"])


_YES_NO = re.compile(r"\byes or no\b|\byes/no\b", re.IGNORECASE)


def asks_yes_no(question: str) -> bool:
    """Whether the task wants the answer as Yes or No."""
    return _YES_NO.search(question) is not None


def in_asked_form(printed: str, question: str) -> str:
    """An answer in the form the task asks for: a boolean printed for a question to
    answer Yes or No is that Yes or No; a duration or a date, for a question that states
    its answer's template ("Answer in HH:MM:SS"), written in that template when nothing is
    lost (``answer_form.into_template``: ``1:28:31`` is ``01:28:31``). Otherwise the answer
    as it was."""
    if asks_yes_no(question) and printed in ("True", "False"):
        return "Yes" if printed == "True" else "No"
    if printed and (template := asked_template(question)):
        return into_template(printed, template) or printed
    return printed


# "True or False", or "return True if …, (or|and) False otherwise" in one sentence.
_TRUE_FALSE = re.compile(
    r"\btrue or false\b|\btrue/false\b"
    r"|\b(?:return|answer|output|print|reply|respond)(?:\s+with)?\s+true\b[^.?!]{0,300}\bfalse\b",
    re.IGNORECASE)


def asks_true_false(question: str) -> bool:
    """Whether the task wants the answer as True or False."""
    return _TRUE_FALSE.search(question) is not None


def args_preview(args: dict[str, Any], limit: int = 200) -> str:
    text = next((str(v) for v in args.values()), "")
    return text if len(text) <= limit else text[:limit] + "…"
