"""Trajectory steps: one think → act round, with typed details of what its tool did.

A step says what kind of round it was (``kind``) and carries the details of that kind
under its own key: a python run under ``python`` (:class:`PythonRun`), a web call under
``web`` (:class:`WebCall`), another tool's own report under ``details``. Everything is a
plain dict (TypedDicts), so any LangGraph checkpointer stores it as it stores the rest of
the state. Read details through the accessors below (:func:`python_run`, :func:`web_call`,
:func:`step_input`), never by indexing a step: they also read steps checkpointed before
the details were typed (:func:`upgrade_step`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, NotRequired, cast

# typing_extensions.TypedDict: pydantic (LangGraph's JSON schemas) needs it on 3.11.
from typing_extensions import TypedDict

StepKind = Literal["python", "web", "tool", "unparsed"]
WEB_TOOLS = ("search", "open", "find")


class PythonRun(TypedDict):
    """What one python step ran and what came of it."""

    code: str  # the program the sandbox ran ("" when none reached it)
    stdout: str
    value: str | None  # the last expression's value, as text
    error: str | None  # "Name: message" of the exception, if it failed
    images: NotRequired[list[str]]
    state_lost: NotRequired[bool]  # a timeout or crash cost the session its state
    sandbox_seconds: NotRequired[float]
    # For a failed ``assert f(x) == y``: what f(x) really returned.
    explanation: NotRequired[str]
    # Every program the step executed, in order, when it was more than one (a failed
    # first try, a repair, a probe): a re-run must replay them all.
    ran: NotRequired[list[str]]
    rejected: NotRequired[bool]  # a person approving code rejected it: it never ran


class WebCall(TypedDict, total=False):
    """What one web step (search, open or find) did. Each tool fills its own fields."""

    cached: bool  # search, open: served from the web cache
    # search
    query: str
    backend: str
    errors: list[str]
    results: list[dict[str, Any]]  # {"title", "url", "snippet"}
    # open
    target: str  # what the model asked to open (set when it could not be opened)
    url: str
    requested_url: str  # the web cache's key (before redirects), for a resumed run
    title: str
    page: int
    chunk: int
    chunks: int
    truncated: bool
    # find
    pattern: str
    matches: int


class Step(TypedDict):
    """One think → act round of the trajectory."""

    index: int
    thought: str
    action: dict[str, Any]  # {"tool": name, "args": {...}}
    observation: str
    ok: bool
    sources: list[dict[str, Any]]  # SourceRecord dumps
    artifacts: list[str]
    kind: StepKind
    input: NotRequired[str]  # the model's input to the tool, exactly as it gave it
    python: NotRequired[PythonRun]  # kind "python"
    web: NotRequired[WebCall]  # kind "web"
    details: NotRequired[dict[str, Any]]  # kind "tool": what that tool reported (JSON)


def kind_of(tool: str) -> StepKind:
    """The kind of step a call of ``tool`` makes."""
    if tool == "python":
        return "python"
    return "web" if tool in WEB_TOOLS else "tool"


def python_details(data: Mapping[str, Any]) -> PythonRun:
    """A :class:`PythonRun` from what the python tool reported (``Observation.data``);
    missing fields get their empty values, unknown ones are dropped."""
    value = data.get("value")
    error = data.get("error")
    run = PythonRun(code=str(data.get("code") or ""), stdout=str(data.get("stdout") or ""),
                    value=None if value is None else str(value),
                    error=None if error is None else str(error))
    if isinstance(data.get("images"), list):
        run["images"] = [str(i) for i in data["images"]]
    if "state_lost" in data:
        run["state_lost"] = bool(data["state_lost"])
    if "sandbox_seconds" in data:
        run["sandbox_seconds"] = float(data["sandbox_seconds"] or 0.0)
    if data.get("explanation"):
        run["explanation"] = str(data["explanation"])
    if data.get("rejected"):
        run["rejected"] = True
    if isinstance(data.get("ran"), list):
        run["ran"] = [c for c in data["ran"] if isinstance(c, str)]
    return run


def web_details(data: Mapping[str, Any]) -> WebCall:
    """A :class:`WebCall` from what a web tool reported; unknown fields are dropped."""
    fields = WebCall.__optional_keys__ | WebCall.__required_keys__
    return cast(WebCall, {k: v for k, v in _jsonable(data).items() if k in fields})


def tool_step(*, index: int, thought: str, tool: str, args: dict[str, Any], raw_input: str,
              observation: str, ok: bool, sources: list[dict[str, Any]],
              artifacts: list[str], data: Mapping[str, Any]) -> Step:
    """The step of one tool call: its details typed by the tool's kind (``data`` is
    what the tool reported)."""
    step = Step(index=index, thought=thought, action={"tool": tool, "args": args},
                observation=observation, ok=ok, sources=sources, artifacts=artifacts,
                kind=kind_of(tool), input=raw_input)
    if step["kind"] == "python":
        step["python"] = python_details(_jsonable(data))
    elif step["kind"] == "web":
        step["web"] = web_details(data)
    elif data:
        step["details"] = _jsonable(data)
    return step


def unparsed_step(index: int, observation: str) -> Step:
    """The step of a reply that could not be read as a decision: the model sees why."""
    return Step(index=index, thought="", action={"tool": "none", "args": {}},
                observation=observation, ok=False, sources=[], artifacts=[], kind="unparsed")


def upgrade_step(step: Mapping[str, Any]) -> Step:
    """``step`` as this version records it. A step checkpointed before the details were
    typed (no ``kind``; a ``data`` dict) is converted, so a run interrupted before an
    upgrade resumes; a current step is returned as it is."""
    if "kind" in step:
        return cast(Step, step)
    data: Mapping[str, Any] = step.get("data") or {}
    action = dict(step.get("action") or {})
    tool = str(action.get("tool", "none"))
    index, observation = int(step.get("index", 0)), str(step.get("observation", ""))
    if tool == "none":
        return unparsed_step(index, observation)
    upgraded = tool_step(index=index, thought=str(step.get("thought", "")), tool=tool,
                         args=dict(action.get("args") or {}), raw_input="",
                         observation=observation, ok=bool(step.get("ok")),
                         sources=list(step.get("sources") or []),
                         artifacts=list(step.get("artifacts") or []),
                         data={k: v for k, v in data.items() if k != "input"})
    if isinstance(data.get("input"), str):
        upgraded["input"] = data["input"]
    else:
        del upgraded["input"]  # a first-method program step had none
    return upgraded


def python_run(step: Mapping[str, Any]) -> PythonRun | None:
    """The python run of a python step; None for any other kind."""
    return upgrade_step(step).get("python")


def web_call(step: Mapping[str, Any]) -> WebCall | None:
    """The web call of a web step; None for any other kind."""
    return upgrade_step(step).get("web")


def step_input(step: Mapping[str, Any]) -> str | None:
    """The model's input to the step's tool, as it gave it; None when it gave none (an
    unparsed reply, a first-method program)."""
    return upgrade_step(step).get("input")


def program_step(program: Mapping[str, Any]) -> Step:
    """A first-method program run (``Candidate.program``) as the python step checkers
    read: its trajectory is this one step."""
    run = PythonRun(code=str(program.get("code", "")), stdout=str(program.get("stdout", "")),
                    value=program.get("value"), error=None)
    if len(program.get("ran") or []) > 1:
        run["ran"] = list(program["ran"])
    return Step(index=0, thought="", action={"tool": "python", "args": {"code": run["code"]}},
                observation="", ok=bool(program.get("ok")), sources=[], artifacts=[],
                kind="python", python=run)


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    """Tool data as plain JSON, so checkpoints can always store it."""
    try:
        return dict(json.loads(json.dumps(dict(data), default=str)))
    except (TypeError, ValueError):
        return {}
