"""The Agent facade: one object that owns a model, tools, checkers and a checkpointer,
and runs Ponder's graph for questions and coding tasks, sync or async, streamed or not."""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import logging
import queue
import sqlite3
import threading
import uuid
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from typing import Any, Literal, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command
from pydantic import BaseModel, Field

from ponder.agent.checkpoints import CheckpointStoreError, check_header, is_damage
from ponder.agent.errors import UserError
from ponder.agent.provenance import Provenance
from ponder.agent.settings import Settings, load_settings
from ponder.graphs.approval import Decision, parse
from ponder.graphs.builder import build_graph
from ponder.graphs.checkers.base import Checker
from ponder.graphs.events import ApprovalEvent, Event, FinalEvent, to_event
from ponder.graphs.parsing import function_to_complete
from ponder.graphs.prompt_registry import Prompts
from ponder.graphs.state import Task
from ponder.tools.base import Tool
from ponder.tools.registry import ToolRegistry

T = TypeVar("T")
log = logging.getLogger(__name__)


class RunResult(BaseModel):
    """The outcome of one run: the answer, whether it was verified, why, and the cost."""

    answer: str
    code: str | None = None
    verified: bool
    status: Literal["verified", "unverified", "failed"]
    reason: str
    # The method that proposed the answer: direct (the model's own reasoning), bare,
    # program, loop (the tool loop), revise, sample, direct_sample, program_sample.
    method: str = ""
    evidence: list[str] = Field(default_factory=list)
    sources: list[dict[str, Any]] = Field(default_factory=list)
    artifacts: list[str] = Field(default_factory=list)
    usage: dict[str, Any] = Field(default_factory=dict)
    thread_id: str


def _same_task(pending: Mapping[str, Any], task: Mapping[str, Any]) -> bool:
    """Whether an interrupted run's task is the one asked again (resumed, not started
    afresh): the same question, kind, entry point and tests as given (start adds the
    examples it finds to ``tests`` and keeps the given ones as ``given_tests``)."""
    given = pending["given_tests"] if "given_tests" in pending else pending.get("tests")
    return (pending.get("question") == task.get("question")
            and pending.get("kind", "question") == task.get("kind", "question")
            and pending.get("entry_point") == task.get("entry_point")
            and (given or "") == (task.get("tests") or ""))


class Agent:
    """Runs Ponder. Use as ``async with Agent(...) as agent`` or call :meth:`close`.

    ``model`` is a spec string or any LangChain chat model (default: ``settings.model``);
    ``tools`` default to the python and web tools the settings enable, plus the tools of
    the MCP servers ``settings.mcp_config`` names; ``extra_tools`` are added to them.
    Both take Ponder tools and LangChain tools (``BaseTool``, ``@tool``, ``StructuredTool``); ``checkpointer``
    defaults to SQLite under the data directory (``persist=False``: in memory);
    ``prompts`` replaces the prompts the graph sends (default: the built-in ones with
    ``settings.prompts`` replacing some; see :mod:`ponder.graphs.prompt_registry`).
    ``approve`` turns ``settings.approval`` on: before any model-written code runs it is
    called with an :class:`~ponder.graphs.events.ApprovalEvent` and returns a
    :class:`~ponder.graphs.approval.Decision` (or its dict), sync or async. Without it,
    a run with ``settings.approval`` on stops at the first approval (the stream ends with
    the ApprovalEvent) and resumes when asked again.
    Raises UserError for bad settings or an unavailable model.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        model: str | BaseChatModel | None = None,
        tools: Iterable[Tool | BaseTool] | None = None,
        extra_tools: Iterable[Tool | BaseTool] = (),
        checkers: Sequence[Checker] | None = None,
        checkpointer: BaseCheckpointSaver[Any] | None = None,
        persist: bool = True,
        prompts: Prompts | None = None,
        approve: Approver | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        _check_async_saver(checkpointer)
        if approve is not None and not self.settings.approval:
            self.settings = self.settings.model_copy(update={"approval": True})
        self._approve = approve
        self._model_spec = model if model is not None else self.settings.model
        self._tools_given = list(tools) if tools is not None else None
        self._extra_tools = list(extra_tools)
        self._provenance: Provenance | None = None
        self._postgres = False  # checkpoints in PostgreSQL (_conn is a psycopg connection)
        self._checkers = checkers
        self._checkpointer = checkpointer
        self._persist = persist
        self._prompts = prompts
        self._graph: Any = None
        self._tools: ToolRegistry | None = None
        self._conn: Any = None
        self._pool: Any = None  # a SandboxPool when the agent made its own docker tools
        self._portal: _Portal | None = None
        self._lock = asyncio.Lock()

    async def _ensure(self) -> Any:
        async with self._lock:
            if self._graph is not None:
                return self._graph
            from ponder.agent.models.factory import resolve_model
            from ponder.agent.toolset import default_tools
            from ponder.graphs import tracing

            tracing.configure(self.settings.otlp_endpoint)
            model = resolve_model(self._model_spec, self.settings)
            tools = self._tools_given
            if tools is None and self.settings.sandbox.kind == "docker":
                await _check_engine()
                if self.settings.sandbox.pool_size > 0:
                    # Warm sandboxes for the python tool's sessions and for every check's
                    # fresh sandbox: a check no longer waits for a start.
                    from ponder.sandbox.pool import SandboxPool

                    self._pool = await SandboxPool.from_settings(self.settings).start()
            try:
                if tools is None:
                    tools = await default_tools(self.settings, pool=self._pool)
                    if self.settings.mcp_config is not None:
                        from ponder.tools.mcp import load_mcp_tools

                        tools = [*tools, *await load_mcp_tools(self.settings.mcp_config)]
                self._tools = ToolRegistry([*tools, *self._extra_tools])
                saver = self._checkpointer or await self._open_checkpointer()
            except BaseException:
                # A failed start (an MCP server down, two tools of one name, an unreadable
                # checkpoint file) keeps no warm containers: the next call starts afresh.
                pool, self._pool = self._pool, None
                if pool is not None:
                    await pool.close()
                raise
            self._graph = build_graph(
                model, self._tools, settings=self.settings, checkpointer=saver,
                checkers=self._checkers,
                sandboxes=self._pool.session if self._pool is not None else None,
                prompts=self._prompts,
            )
            return self._graph

    async def _open_checkpointer(self) -> BaseCheckpointSaver[Any]:
        if not self._persist:
            from langgraph.checkpoint.memory import InMemorySaver

            return InMemorySaver()
        if self.settings.checkpoint_url:
            from ponder.agent.checkpoints import open_postgres

            self._conn, saver = await open_postgres(self.settings.checkpoint_url)
            self._postgres = True
            return saver
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        path = self.settings.checkpoint_path
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(check_header, path)
        conn = aiosqlite.connect(str(path))
        # aiosqlite's worker thread is not a daemon: an agent never closed (an exception
        # before close(), a script that forgets it) would keep the interpreter from
        # exiting, waiting on that thread for ever. SQLite's journal keeps the file whole.
        worker = getattr(conn, "_thread", None)
        if isinstance(worker, threading.Thread):
            worker.daemon = True
        self._conn = await conn
        return AsyncSqliteSaver(self._conn)

    @property
    async def graph(self) -> Any:
        """The compiled LangGraph graph this agent runs."""
        return await self._ensure()

    async def astream(
        self, question: str, *, thread_id: str | None = None, kind: str = "question",
        entry_point: str | None = None, tests: str | None = None, keep_history: bool = True,
        config: RunnableConfig | None = None,
    ) -> AsyncIterator[Event]:
        """Run (or resume) a task on ``thread_id`` and yield typed events, ending with
        a FinalEvent. An interrupted run of the same question on the thread resumes; any
        other question starts a new turn that sees the thread's earlier turns (unless
        ``keep_history`` is False: then it sees none of them). ``config`` is LangChain's
        run config (``callbacks``, ``tags``, ``metadata``, ``run_name``, ``configurable``),
        passed to the graph; its ``configurable.thread_id`` is used when ``thread_id``
        is not given."""
        if not question or not question.strip():
            raise UserError("the question is empty")
        if kind not in ("question", "code"):
            raise UserError(f"unknown task kind {kind!r} (use question or code)")
        graph = await self._ensure()
        run_config: RunnableConfig = RunnableConfig(**(config or {}))
        configurable = dict(run_config.get("configurable") or {})
        tid = thread_id or str(configurable.get("thread_id") or "") or uuid.uuid4().hex[:12]
        run_config["configurable"] = {**configurable, "thread_id": tid}
        task = Task(question=question.strip(), kind=kind)  # type: ignore[typeddict-item]
        if kind == "code" and not entry_point:
            entry_point = function_to_complete(question)  # the function it leaves unwritten
        if entry_point:
            task["entry_point"] = entry_point
        if tests:
            task["tests"] = tests
        graph_input: Any = {"task": task}  # then None (resume) or a Command (approvals)
        if not keep_history:
            graph_input["history"] = []
        try:
            snapshot = await graph.aget_state(run_config)
        except Exception as exc:
            if self._conn is not None and not self._postgres and is_damage(exc):
                raise CheckpointStoreError(self.settings.checkpoint_path, exc,
                                           thread_id=tid) from exc
            raise
        pending = snapshot.values.get("task") or {}
        if snapshot.next and _same_task(pending, task):
            graph_input = None  # resume the interrupted run where its last checkpoint left it
            log.info("resuming thread %s at %s", tid, snapshot.next)
        # "sync": a step's checkpoint is on disk before the next step starts, so a kill
        # loses at most the step in flight (a model call or tool call, never a recorded one).
        try:
            while True:
                async for chunk in graph.astream(
                    graph_input, run_config, stream_mode="custom", durability="sync"
                ):
                    event = to_event(chunk)
                    if isinstance(event, FinalEvent):
                        event.result["thread_id"] = tid
                    yield event
                waiting = [i for i in (await graph.aget_state(run_config)).interrupts
                           if isinstance(i.value, dict) and i.value.get("type") == "approval"]
                if not waiting:
                    return
                decisions = {}
                for pending in waiting:
                    request = ApprovalEvent.model_validate(pending.value)
                    yield request
                    if self._approve is None:
                        return  # paused: asking again resumes at this approval
                    decisions[pending.id] = await _decide(self._approve, request)
                graph_input = Command(resume=decisions)
        except sqlite3.DatabaseError as exc:
            if self._conn is None or self._postgres:
                raise
            raise CheckpointStoreError(self.settings.checkpoint_path, exc,
                                       thread_id=tid) from exc

    async def arun(self, question: str, **kwargs: Any) -> RunResult:
        """Run to the end and return the result (see :meth:`astream` for arguments)."""
        final: dict[str, Any] | None = None
        waiting: ApprovalEvent | None = None
        async for event in self.astream(question, **kwargs):
            if isinstance(event, FinalEvent):
                final = event.result
            elif isinstance(event, ApprovalEvent):
                waiting = event
        if final is None and waiting is not None:
            raise UserError(
                f"the run is waiting for a person to approve code (approval is on; approval "
                f"id {waiting.id}): pass approve= to Agent, or answer it through astream and "
                "resume the thread")
        if final is None:
            raise UserError("the run ended without a result")
        return RunResult.model_validate(final)

    @property
    def model_spec(self) -> str:
        """The model as a spec string (a model object given directly: its class name)."""
        spec = self._model_spec
        return spec if isinstance(spec, str) else f"object:{type(spec).__name__}"

    def provenance(self) -> Provenance:
        """What this agent's results come from (model, settings, version, commit, seed)."""
        if self._provenance is None:
            from ponder.agent.provenance import provenance

            self._provenance = provenance(self.settings, self.model_spec)
        return self._provenance

    async def history(self, thread_id: str) -> list[dict[str, str]]:
        """The thread's earlier turns, oldest first: ``{"question", "answer"}`` each (the
        last 20; ``[]`` for a new thread)."""
        graph = await self._ensure()
        try:
            snapshot = await graph.aget_state({"configurable": {"thread_id": thread_id}})
        except Exception as exc:  # as in astream: a damaged record is named, not raw
            if self._conn is not None and not self._postgres and is_damage(exc):
                raise CheckpointStoreError(self.settings.checkpoint_path, exc,
                                           thread_id=thread_id) from exc
            raise
        return [dict(turn) for turn in snapshot.values.get("history") or []]

    async def release(self, thread_id: str) -> None:
        """Free what tools hold for ``thread_id`` (its sandbox, its browsing state).
        The thread's checkpoints stay; a later turn starts a fresh sandbox."""
        for tool in self._tools or ():
            release = getattr(tool, "release", None)
            if release is not None:
                await release(thread_id)

    async def aclose(self) -> None:
        """Release tools (sandboxes), and the checkpoint database."""
        if self._tools is not None:
            await self._tools.aclose()
            self._tools = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
        self._graph = None

    async def __aenter__(self) -> Agent:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # Synchronous API: a private event loop in a thread keeps loop-bound resources
    # (sandbox clients, the SQLite connection) alive between calls.
    def _run_sync(self, coro: Awaitable[T]) -> T:
        if self._portal is None:
            self._portal = _Portal()
        return self._portal.run(coro)

    def run(self, question: str, **kwargs: Any) -> RunResult:
        """Synchronous :meth:`arun`."""
        return self._run_sync(self.arun(question, **kwargs))

    def stream(self, question: str, **kwargs: Any) -> Iterator[Event]:
        """Synchronous :meth:`astream`."""
        if self._portal is None:
            self._portal = _Portal()
        return self._portal.iterate(self.astream(question, **kwargs))

    def close(self) -> None:
        """Synchronous :meth:`aclose`; also stops the private loop."""
        if self._portal is not None:
            self._portal.cancel_pending()  # a stream still open: its run unwinds first
            self._portal.run(self.aclose())
            self._portal.stop()
            self._portal = None


Approver = Callable[[ApprovalEvent], "Decision | dict[str, Any] | Awaitable[Decision | dict[str, Any]]"]


async def _decide(approve: Approver, request: ApprovalEvent) -> dict[str, Any]:
    """The approver's decision as a resume value; an approver that fails rejects."""
    try:
        decision = approve(request)
        if inspect.isawaitable(decision):
            decision = await decision
    except Exception as exc:
        log.warning("the approval callback raised %s: %s", type(exc).__name__, exc)
        return {"action": "reject", "reason": f"the approval callback failed: {exc}"}
    return parse(decision).model_dump()


def _check_async_saver(saver: BaseCheckpointSaver[Any] | None) -> None:
    """The facade runs the graph asynchronously (its sync methods too): a saver without
    async methods (LangGraph's SqliteSaver) cannot work, so say which ones do."""
    if saver is None:
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    if isinstance(saver, SqliteSaver):
        raise UserError(
            "Agent runs the graph asynchronously, and SqliteSaver has no async methods: "
            "use AsyncSqliteSaver (langgraph.checkpoint.sqlite.aio), InMemorySaver or "
            "AsyncPostgresSaver; a sync saver works with build_graph(...).invoke/stream")


async def _check_engine() -> None:
    """Fail before any model call when the Docker sandbox cannot work at all.

    Raises EngineUnavailableError (one line saying what to do)."""
    from ponder.sandbox.image import docker_client

    client = await asyncio.to_thread(docker_client)
    client.close()


SETTLE_SECONDS = 30.0
"""How long a synchronous caller that stopped waiting waits for the cancelled run to
unwind (an interrupted sandbox may need a restart)."""


class _Portal:
    """An event loop in a daemon thread that runs coroutines for synchronous callers."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def _submit(self, coro: Awaitable[T]) -> tuple[concurrent.futures.Future[T], threading.Event]:
        """Run ``coro`` on the loop: its future, and an event set once it has ended."""
        ended = threading.Event()

        async def guarded() -> T:
            try:
                return await coro
            finally:
                ended.set()

        return asyncio.run_coroutine_threadsafe(guarded(), self._loop), ended

    def _abandon(self, future: concurrent.futures.Future[Any], ended: threading.Event) -> None:
        """The caller stopped waiting (Ctrl-C, ``break``, an exception in its loop):
        cancel the run and let it unwind (its sandboxes stop their code) before the
        caller goes on, rather than leave it spending model calls on the loop. Once the
        loop has stopped (``close()`` ran first) nothing can unwind, so nothing waits."""
        future.cancel()
        if self._loop.is_running():
            ended.wait(SETTLE_SECONDS)

    def run(self, coro: Awaitable[T]) -> T:
        future, ended = self._submit(coro)
        try:
            return future.result()
        except BaseException:
            self._abandon(future, ended)
            raise

    def iterate(self, agen: AsyncIterator[T]) -> Iterator[T]:
        q: queue.Queue[tuple[str, Any]] = queue.Queue()

        async def pump() -> None:
            try:
                async for item in agen:
                    q.put(("item", item))
            except BaseException as exc:
                q.put(("error", exc))
            else:
                q.put(("done", None))

        future, ended = self._submit(pump())
        try:
            while True:
                kind, value = q.get()
                if kind == "item":
                    yield value
                elif kind == "error":
                    raise value
                else:
                    return
        finally:
            if not ended.is_set():
                self._abandon(future, ended)

    def cancel_pending(self) -> None:
        """Cancel the runs still going on the loop (a stream the caller left open) and
        wait, up to ``SETTLE_SECONDS``, for them to unwind."""

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=SETTLE_SECONDS)

        self.run(cancel_all())

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
