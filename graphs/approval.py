"""Approval before model-written code runs (human in the loop).

With ``settings.approval`` on, every piece of code the model wrote pauses the run with
LangGraph's ``interrupt()`` before it reaches a sandbox: in the tool loop, the program
method and the checks alike. The interrupt's value says what would run::

    {"type": "approval", "id": "<code id>", "where": "python", "code": "...",
     "resume": {...}}

and the run goes on with ``Command(resume=decision)``, where the decision is one of

* ``{"action": "approve", "id": "<code id>", "code": "..."}`` — run this code (with
  ``code``, exactly that code runs; with the ``id`` alone, only if the step drafts the
  same code again);
* ``{"action": "edit", "code": "..."}`` — run the person's code instead;
* ``{"action": "reject", "reason": "..."}`` — do not run it: the model is told (a check
  that wanted it says it could not check), the run goes on.

An approval names the code it approves: LangGraph re-runs an interrupted step from its
start, and a step that asks the model again may get different code (a sampled program,
a provider without a seed). With the approved ``code`` in the decision, that code runs;
with its ``id`` alone, an approval of other code is asked again. Nothing runs unseen. An
unreadable decision counts as a rejection. Code approved once is not asked about again
in the same thread (a check re-running approved code does not ask twice).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from langgraph.config import get_config
from langgraph.errors import GraphInterrupt
from langgraph.types import interrupt
from pydantic import BaseModel, ValidationError

from ponder.graphs.metering import SandboxSource
from ponder.sandbox.protocol import ExecutionResult


class Decision(BaseModel):
    """A person's answer to an approval request."""

    action: Literal["approve", "edit", "reject"]
    id: str | None = None
    code: str | None = None
    reason: str = ""


class CodeRejected(Exception):
    """The person rejected code a check wanted to run."""


def code_id(code: str) -> str:
    """A short, stable id for a piece of code."""
    return hashlib.sha256(code.encode("utf-8", "replace")).hexdigest()[:16]


_APPROVED: OrderedDict[str, set[str]] = OrderedDict()  # thread id -> code approved there
_APPROVED_LIMIT = 1000  # per thread
_THREADS_LIMIT = 1000  # threads remembered (least recently used go first)


def request(code: str, where: str) -> dict[str, Any]:
    """The interrupt value for ``code`` (what a client shows, and how to answer it)."""
    key = code_id(code)
    return {"type": "approval", "id": key, "where": where, "code": code, "resume": {
        "approve": {"action": "approve", "id": key, "code": code},
        "edit": {"action": "edit", "code": "<the code to run instead>"},
        "reject": {"action": "reject", "reason": "<why>"},
    }}


def parse(raw: object) -> Decision:
    """Read a resume value; anything unreadable is a rejection that says so."""
    if isinstance(raw, Decision):
        return raw
    try:
        decision = Decision.model_validate(raw)
    except ValidationError:
        return Decision(action="reject", reason=f"unreadable approval decision {raw!r:.80}")
    if decision.action == "edit" and not (decision.code or "").strip():
        return Decision(action="reject", reason="an edit without code")
    return decision


def _thread() -> str:
    try:
        return str((get_config().get("configurable") or {}).get("thread_id", ""))
    except RuntimeError:  # outside a graph run
        return ""


def approve(code: str, where: str) -> tuple[str | None, str]:
    """Ask for approval of ``code`` (LangGraph ``interrupt()``; call it inside a node).

    Returns the code to run (``code``, or the person's edit) and a note for the model
    (``""`` when approved as it was); ``(None, reason)`` when rejected.
    """
    key = code_id(code)
    approved = _approved_in(_thread())
    if key in approved:
        return code, ""
    while True:
        try:
            raw = interrupt(request(code, where))
        except GraphInterrupt:
            _PAUSED.add(_thread())
            raise
        decision = parse(raw)
        if decision.action == "reject":
            return None, decision.reason or "rejected"
        if decision.action == "edit":
            assert decision.code is not None
            _remember(approved, code_id(decision.code))
            return decision.code, "the person approving the code edited it before it ran"
        if decision.code is not None and decision.code.strip():
            # The person approved this code: it runs, whatever the re-run step drafted.
            _remember(approved, code_id(decision.code))
            return decision.code, ""
        if decision.id == key:
            _remember(approved, key)
            return code, ""
        # An approval of other code by id alone (the step re-ran and the model wrote new
        # code): the next interrupt asks about this code.


_PAUSED: set[str] = set()  # threads whose run last stopped at an approval


def take_paused(thread_id: str) -> bool:
    """Whether the thread's run stopped to wait for an approval (and forget it): a server
    keeps such a thread's sandbox for the resume."""
    if thread_id in _PAUSED:
        _PAUSED.discard(thread_id)
        return True
    return False


def _approved_in(thread: str) -> set[str]:
    approved = _APPROVED.pop(thread, None) or set()
    _APPROVED[thread] = approved  # most recently used last
    while len(_APPROVED) > _THREADS_LIMIT:
        _APPROVED.popitem(last=False)
    return approved


def _remember(approved: set[str], key: str) -> None:
    if len(approved) >= _APPROVED_LIMIT:
        approved.clear()
    approved.add(key)


class _GatedSandbox:
    """A started sandbox that asks for approval before each execution."""

    def __init__(self, sandbox: Any, where: str) -> None:
        self._sandbox = sandbox
        self._where = where

    async def execute(self, code: str, *, timeout: float | None = None) -> ExecutionResult:
        run, note = approve(code, self._where)
        if run is None:
            raise CodeRejected(f"the person approving code rejected it: {note}")
        result: ExecutionResult = await self._sandbox.execute(run, timeout=timeout)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sandbox, name)


def gated_sandboxes(source: SandboxSource, where: str = "check") -> SandboxSource:
    """``source`` whose sandboxes ask for approval before running code."""

    @asynccontextmanager
    async def session() -> AsyncIterator[Any]:
        async with source() as sandbox:
            yield _GatedSandbox(sandbox, where)

    return session
