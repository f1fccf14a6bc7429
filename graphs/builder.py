"""build_graph(): the plan → think → act → verify → finalize state machine.

```
START → start ─(Send, side by side)─┬→ direct  (the model's own answer: candidate 0) ─┐
                                    ├→ program (one program, run once: candidate 1)  ─┼→ verify
                                    └→ bare    (the final answer alone: candidate 3) ─┘
       (no first method applies) → plan
verify (the first answers) ─┬─ one accepted, or direct and program agree → finalize → END
                            ├─ code fails its examples → revise (rounds) → verify
                            ├─ a word problem's direct and program disagree → draw
                            │  (once: more of both, sampled; the selector counts votes) → verify
                            ├─ an answer of the needed strength stands (tool_loop =
                            │  "needed", select.first_answer_stands) → finalize → END
                            └─ otherwise → plan → think ─┬─(tool)→ act → think …
                                                         ├─(unreadable reply)→ think
                                                         └─(answer)→ verify
verify (a loop answer) ─┬─ accept / unverified → finalize → END
                        ├─ reject → think (critique in state)
                        ├─ repeated rejection → plan (re-plan)
                        └─ rounds or budget spent → finalize
finalize selects by strength of evidence (graphs.select): accepted, then agreement
across methods, then the stronger method alone.
```
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import replace
from typing import Any, TypeVar, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime, get_runtime

from ponder.agent.settings import Settings
from ponder.graphs import tracing
from ponder.graphs.checkers.arithmetic import ExpressionChecker
from ponder.graphs.checkers.base import Checker
from ponder.graphs.checkers.basic import (
    AnswerFormChecker,
    AnswerTypeChecker,
    ResultGroundingChecker,
)
from ponder.graphs.checkers.equation import EquationChecker
from ponder.graphs.context import FIELDS, GraphContext
from ponder.graphs.metering import SandboxSource
from ponder.graphs.nodes.act import act_node
from ponder.graphs.nodes.direct import bare_applies, bare_node, direct_node
from ponder.graphs.nodes.draw import draw_node
from ponder.graphs.nodes.finalize import finalize_node
from ponder.graphs.nodes.plan import plan_node
from ponder.graphs.nodes.program import applies as program_applies
from ponder.graphs.nodes.program import program_node
from ponder.graphs.nodes.revise import revise_node
from ponder.graphs.nodes.start import start_node
from ponder.graphs.nodes.think import think_node
from ponder.graphs.nodes.verify import verify_node
from ponder.graphs.policies import Policy
from ponder.graphs.prompt_registry import Prompts
from ponder.graphs.routing import first_methods, next_after_think, next_after_verify
from ponder.graphs.state import SIDE_BY_SIDE, PonderInput, PonderState
from ponder.tools.base import Tool
from ponder.tools.registry import ToolRegistry

T = TypeVar("T")
NodeFn = Callable[[PonderState, GraphContext, Any], Awaitable[dict[str, Any]]]


def default_checkers(
    tools: ToolRegistry, settings: Settings, model: BaseChatModel | None = None, *,
    sandboxes: SandboxSource | None = None, policies: Sequence[Policy] | None = None,
) -> list[Checker]:
    """The form, answer-type, expression and equation checkers; with a ``python`` tool the grounding, given-quantities, code re-run and (given the
    model) agreement, second-program and second-implementation checkers; with any web
    tool the source checker.

    ``sandboxes`` gives each check a fresh, started sandbox as an async context manager
    (``SandboxPool.session`` of a warm pool); by default a new one of the configured
    kind is started per check. ``policies``: the task-family policies the checkers
    apply (default: those ``settings.policies`` names)."""
    from ponder.graphs.policies import load_policies

    if policies is None:
        policies = load_policies(settings.policies)
    checkers: list[Checker] = [AnswerFormChecker(), AnswerTypeChecker(policies),
                               ExpressionChecker(), EquationChecker()]
    names = set(tools.names())
    if "python" in names and settings.sandbox.kind != "none":
        from ponder.graphs.checkers.code import CodeRerunChecker
        from ponder.graphs.checkers.given import GivenQuantitiesChecker
        from ponder.sandbox.factory import make_sandbox

        fresh: SandboxSource = sandboxes or (lambda: make_sandbox(settings))
        if settings.approval:
            from ponder.graphs.approval import gated_sandboxes

            fresh = gated_sandboxes(fresh)  # a person approves each check's code first
        timeout = settings.sandbox.exec_timeout
        checkers.append(ResultGroundingChecker())
        checkers.append(GivenQuantitiesChecker())
        checkers.append(CodeRerunChecker(fresh, timeout=timeout))
        if model is not None:
            from ponder.graphs.checkers.agreement import AgreementChecker
            from ponder.graphs.checkers.differential import SecondImplementationChecker
            from ponder.graphs.checkers.program import IndependentProgramChecker

            checkers.append(AgreementChecker(model))
            checkers.append(IndependentProgramChecker(model, fresh, timeout=timeout))
            checkers.append(SecondImplementationChecker(
                model, fresh, timeout=timeout, policies=policies))
    if names & {"search", "open", "find"}:
        from ponder.graphs.checkers.sources import SourceChecker

        checkers.append(SourceChecker())
    return checkers


def _thread_id(config: RunnableConfig) -> str:
    return str((config.get("configurable") or {}).get("thread_id", "default"))


CheckerFactory = Callable[[ToolRegistry, Settings, BaseChatModel, Sequence[Policy]],
                          Sequence[Checker]]


def _context(runtime: Runtime[GraphContext], default: GraphContext) -> GraphContext:
    """The run's context: a per-run GraphContext laid over the bound one, else that.

    The bound default checkers were made for the graph's own model, tools and settings
    (the second-program checker asks that model; with ``approval`` its sandboxes wait for
    a person): a per-run context that changes one of those without giving checkers gets
    default checkers made for its own (by the factory ``build_graph`` left on the bound
    context when it made the defaults). Merged once per run context."""
    run = runtime.context
    rebuild: CheckerFactory | None = default.__dict__.get("_rebuild")
    if not isinstance(run, GraphContext):
        return default
    # Keyed on the fields' identities too: a context changed after a run (ctx.prompts =
    # …) is merged again, not served from the first merge.
    key = (default, run.given, tuple(id(getattr(run, name)) for name in FIELDS))
    cached = run.__dict__.get("_merged")
    if cached is not None and cached[0][0] is default and cached[0][1:] == key[1:]:
        return cast(GraphContext, cached[1])
    merged = run.over(default)
    given = run.effectively_given()
    if (rebuild is not None and "checkers" not in given
            and given & {"model", "tools", "settings", "policies"}):
        merged = replace(merged, checkers=list(rebuild(
            merged.tools, merged.settings, merged.model, merged.active_policies())))
    run.__dict__["_merged"] = (key, merged)
    return merged


class _SyncLoop:
    """The event loop synchronous callers' nodes run on (``graph.invoke``, ``stream``,
    a sync checkpointer such as SqliteSaver). The nodes are coroutines; running every
    one of them on this one long-lived loop keeps loop-bound resources (sandbox
    connections, locks) working from one node to the next."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="ponder-sync-nodes",
                                 daemon=True).start()
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T], context: contextvars.Context) -> T:
        """Run ``coro`` on the loop, in ``context`` (the caller's: LangGraph's config,
        runtime and interrupts live there); its exceptions propagate."""
        loop = self._ensure()

        async def in_context() -> T:
            return await loop.create_task(coro, context=context)

        return asyncio.run_coroutine_threadsafe(in_context(), loop).result()


_SYNC = _SyncLoop()


def _side_by_side(node: NodeFn) -> NodeFn:
    """``node`` as a first method: it runs beside the others (``Send``), so the wall
    seconds it reports are kept as ``SIDE_BY_SIDE`` (the longest counts), not added."""

    async def run(state: PonderState, ctx: GraphContext, emit: Any, **kw: Any) -> dict[str, Any]:
        update = await node(state, ctx, emit, **kw)
        usage = dict(update.get("usage") or {})
        if "seconds" in usage:
            usage[SIDE_BY_SIDE] = float(usage.pop("seconds"))
            update = {**update, "usage": usage}
        return update

    run.__name__ = node.__name__
    return run  # type: ignore[return-value]


def _bind(
    node: NodeFn, default: GraphContext, *, threaded: bool = False
) -> RunnableLambda[PonderState, dict[str, Any]]:
    """Adapt a node to LangGraph: pick the context, the stream writer and the thread id.
    The node runs as a coroutine for async callers and on :data:`_SYNC` for sync ones."""

    span_name = "ponder.node." + node.__name__.removesuffix("_node")

    async def run(state: PonderState, config: RunnableConfig) -> dict[str, Any]:
        runtime: Runtime[GraphContext] = get_runtime()
        ctx = _context(runtime, default)
        emit = runtime.stream_writer
        with tracing.span(span_name, **{"ponder.thread_id": _thread_id(config)}):
            if threaded:
                return await node(state, ctx, emit, thread_id=_thread_id(config))  # type: ignore[call-arg]
            return await node(state, ctx, emit)

    def run_sync(state: PonderState, config: RunnableConfig) -> dict[str, Any]:
        return _SYNC.run(run(state, config), contextvars.copy_context())

    return RunnableLambda(run_sync, afunc=run, name=node.__name__)


def _edges(default: GraphContext) -> dict[str, Callable[..., Any]]:
    """The conditional edges, each reading the state after its node's update and the
    run's context (for the settings)."""

    def after_start(state: PonderState, runtime: Runtime[GraphContext]) -> Any:
        ctx = _context(runtime, default)
        methods = []
        if ctx.settings.direct_answer:
            methods.append("direct")
            if program_applies(state, ctx):
                methods.append("program")
            if bare_applies(state, ctx):
                methods.append("bare")
        return first_methods(state, methods)

    def after_think(state: PonderState, runtime: Runtime[GraphContext]) -> str:
        return next_after_think(state, _context(runtime, default).settings.budget)

    def after_verify(state: PonderState, runtime: Runtime[GraphContext]) -> str:
        settings = _context(runtime, default).settings
        return next_after_verify(state, settings.budget, settings)

    return {"start": after_start, "think": after_think, "verify": after_verify}


def build_graph(
    model: BaseChatModel,
    tools: Iterable[Tool | Any] | ToolRegistry = (),
    *,
    settings: Settings | None = None,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    checkers: Sequence[Checker] | None = None,
    name: str = "ponder",
    sandboxes: SandboxSource | None = None,
    prompts: Prompts | None = None,
    context_schema: type[Any] | None = GraphContext,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile Ponder's graph around ``model`` and ``tools`` (Ponder tools, or LangChain
    tools: ``BaseTool``, ``@tool``, ``StructuredTool``, MCP tools).

    ``checkers`` defaults to :func:`default_checkers` (whose checks take their fresh
    sandboxes from ``sandboxes`` when given, e.g. a warm pool). The returned graph takes
    ``{"task": {"question": ...}}`` as input, streams typed event dicts on the
    ``custom`` stream mode, and leaves the result in ``state["final"]``. Every input
    starts a new turn on the thread (earlier turns stay in ``history``); input ``None``
    resumes an interrupted run. An input without a valid task raises GraphInputError.
    ``prompts`` replaces the prompts every node and checker sends (default: the built-in
    ones with ``settings.prompts`` replacing some; see :mod:`ponder.graphs.prompt_registry`).
    The input may also be ``{"messages": [...]}`` ending with the user's question; each
    answer is added to ``messages`` as an AIMessage. ``context_schema=None`` compiles a
    graph that takes no run context (LangGraph Server builds one from the client's JSON,
    which cannot carry a model): it always runs with the bound model, tools and settings.
    Raises :class:`~ponder.agent.errors.UserError` for invalid tools.
    """
    registry = tools if isinstance(tools, ToolRegistry) else ToolRegistry(tools)
    settings = settings or Settings()
    ctx = GraphContext(
        model=model, tools=registry, settings=settings,
        checkers=list(checkers) if checkers is not None else default_checkers(
            registry, settings, model, sandboxes=sandboxes),
        prompts=prompts,
    )
    if checkers is None:
        def rebuild(tools: ToolRegistry, settings: Settings, model: BaseChatModel,
                    policies: Sequence[Policy]) -> Sequence[Checker]:
            return default_checkers(tools, settings, model, sandboxes=sandboxes,
                                    policies=policies)

        ctx.__dict__["_rebuild"] = rebuild
    graph = StateGraph(PonderState, context_schema=context_schema, input_schema=PonderInput)
    edges = _edges(ctx)
    graph.add_node("start", _bind(start_node, ctx))
    graph.add_node("direct", _bind(_side_by_side(direct_node), ctx))
    graph.add_node("program", _bind(_side_by_side(program_node), ctx,  # type: ignore[arg-type]
                                    threaded=True))
    graph.add_node("bare", _bind(_side_by_side(bare_node), ctx))
    graph.add_node("revise", _bind(revise_node, ctx))
    graph.add_node("draw", _bind(draw_node, ctx, threaded=True))  # type: ignore[arg-type]
    graph.add_node("plan", _bind(plan_node, ctx))
    graph.add_node("think", _bind(think_node, ctx))
    graph.add_node("act", _bind(act_node, ctx, threaded=True))  # type: ignore[arg-type]
    graph.add_node("verify", _bind(verify_node, ctx, threaded=True))  # type: ignore[arg-type]
    graph.add_node("finalize", _bind(finalize_node, ctx, threaded=True))  # type: ignore[arg-type]
    graph.add_edge(START, "start")
    graph.add_conditional_edges("start", edges["start"], ["direct", "program", "bare", "plan"])
    graph.add_edge("direct", "verify")
    graph.add_edge("bare", "verify")
    graph.add_edge("program", "verify")
    graph.add_edge("revise", "verify")
    graph.add_edge("draw", "verify")
    graph.add_edge("plan", "think")
    graph.add_conditional_edges("think", edges["think"], ["act", "verify", "think", "finalize"])
    graph.add_edge("act", "think")
    graph.add_conditional_edges("verify", edges["verify"],
                                ["finalize", "think", "plan", "revise", "draw"])
    graph.add_edge("finalize", END)
    compiled = graph.compile(checkpointer=checkpointer, name=name)
    # Each think step can take up to three supersteps (think, act, verify); LangGraph's
    # default limit of 25 would cut a normal run short.
    # Model calls inside nodes inherit the run's callbacks: this one records their spans.
    # The limit holds for every run of this graph, whatever budget a per-run context's
    # settings give (up to max_steps 1000 and 100 verify rounds): the budget ends a run,
    # LangGraph's limit is only the backstop (a run with a larger per-run budget hit it).
    roomy = ctx.settings.model_copy(update={"budget": ctx.settings.budget.model_copy(update={
        "max_steps": 1000, "max_revisions": 10,
        "max_verify_rounds": max(100, ctx.settings.budget.max_verify_rounds)})})
    return compiled.with_config(recursion_limit=recursion_limit(roomy),
                                callbacks=[tracing.ModelSpans()])


def recursion_limit(settings: Settings) -> int:
    """A superstep limit that the step budget, not LangGraph, will always hit first."""
    budget = settings.budget
    return 4 * budget.max_steps + 3 * budget.max_verify_rounds + 2 * budget.max_revisions + 19
