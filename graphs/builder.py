"""build_graph(): the plan → think → act → verify → finalize state machine.

```
START → start → direct ─(candidate 0: the model's own answer)→ verify
                    └─(no answer)→ plan
verify ─┬─ direct answer accepted → finalize → END
        └─ direct answer not accepted → plan → think ─┬─(tool)→ act → think …
                                                      ├─(unreadable reply)→ think
                                                      └─(answer)→ verify
verify (a loop answer) ─┬─ accept / unverified → finalize → END
                        ├─ reject → think (critique in state)
                        ├─ repeated rejection → plan (re-plan)
                        └─ rounds or budget spent → finalize
finalize selects by evidence: an accepted answer, else the direct answer unless another
candidate has evidence it lacks (see finalize).
```
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from ponder.agent.settings import Settings
from ponder.graphs.checkers.arithmetic import ExpressionChecker
from ponder.graphs.checkers.base import Checker
from ponder.graphs.checkers.basic import (
    AnswerFormChecker,
    AnswerTypeChecker,
    ResultGroundingChecker,
)
from ponder.graphs.context import GraphContext
from ponder.graphs.nodes.act import act_node
from ponder.graphs.nodes.direct import direct_node
from ponder.graphs.nodes.finalize import finalize_node
from ponder.graphs.nodes.plan import plan_node
from ponder.graphs.nodes.start import start_node
from ponder.graphs.nodes.think import think_node
from ponder.graphs.nodes.verify import verify_node
from ponder.graphs.routing import (
    next_after_direct,
    next_after_think,
    next_after_verify,
    route_after_direct,
    route_after_think,
    route_after_verify,
)
from ponder.graphs.state import PonderState, preview
from ponder.tools.base import Tool
from ponder.tools.registry import ToolRegistry

NodeFn = Callable[[PonderState, GraphContext, Any], Awaitable[dict[str, Any]]]
Router = Callable[[PonderState, Any], str]


def default_checkers(
    tools: ToolRegistry, settings: Settings, model: BaseChatModel | None = None
) -> list[Checker]:
    """The form checker; with a ``python`` tool the grounding, code re-run and (given the
    model) agreement, second-program and second-implementation checkers; with any web
    tool the source checker."""
    checkers: list[Checker] = [AnswerFormChecker(), AnswerTypeChecker(), ExpressionChecker()]
    names = set(tools.names())
    if "python" in names and settings.sandbox.kind != "none":
        from ponder.graphs.checkers.code import CodeRerunChecker

        checkers.append(ResultGroundingChecker())
        checkers.append(CodeRerunChecker.from_settings(settings))
        if model is not None:
            from ponder.graphs.checkers.agreement import AgreementChecker
            from ponder.graphs.checkers.differential import SecondImplementationChecker
            from ponder.graphs.checkers.program import IndependentProgramChecker
            from ponder.sandbox.factory import make_sandbox

            checkers.append(AgreementChecker(model))
            checkers.append(IndependentProgramChecker(
                model, lambda: make_sandbox(settings), timeout=settings.sandbox.exec_timeout))
            checkers.append(SecondImplementationChecker(
                model, lambda: make_sandbox(settings), timeout=settings.sandbox.exec_timeout))
    if names & {"search", "open", "find"}:
        from ponder.graphs.checkers.sources import SourceChecker

        checkers.append(SourceChecker())
    return checkers


def _thread_id(config: RunnableConfig) -> str:
    return str((config.get("configurable") or {}).get("thread_id", "default"))


def _bind(
    node: NodeFn, default: GraphContext, *, router: Router | None = None, threaded: bool = False
) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Adapt a node to LangGraph: pick the context, the stream writer, the thread id,
    and record the route decision in the update."""

    async def run(
        state: PonderState, config: RunnableConfig, runtime: Runtime[GraphContext]
    ) -> dict[str, Any]:
        ctx = runtime.context if isinstance(runtime.context, GraphContext) else default
        emit = runtime.stream_writer
        if threaded:
            update = await node(state, ctx, emit, thread_id=_thread_id(config))  # type: ignore[call-arg]
        else:
            update = await node(state, ctx, emit)
        if router is not None:
            update["route"] = router(preview(state, update), ctx.settings.budget)
        return update

    run.__name__ = node.__name__
    return run


def build_graph(
    model: BaseChatModel,
    tools: Iterable[Tool] | ToolRegistry = (),
    *,
    settings: Settings | None = None,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    checkers: Sequence[Checker] | None = None,
    name: str = "ponder",
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile Ponder's graph around ``model`` and ``tools``.

    ``checkers`` defaults to :func:`default_checkers`. The returned graph takes
    ``{"task": {"question": ...}}`` as input, streams typed event dicts on the
    ``custom`` stream mode, and leaves the result in ``state["final"]``. Every input
    starts a new turn on the thread (earlier turns stay in ``history``); input ``None``
    resumes an interrupted run. An input without a valid task raises GraphInputError.
    Raises :class:`~ponder.agent.errors.UserError` for invalid tools.
    """
    registry = tools if isinstance(tools, ToolRegistry) else ToolRegistry(tools)
    settings = settings or Settings()
    ctx = GraphContext(
        model=model, tools=registry, settings=settings,
        checkers=list(checkers) if checkers is not None else default_checkers(registry, settings, model),
    )
    graph = StateGraph(PonderState, context_schema=GraphContext)
    graph.add_node("start", _bind(start_node, ctx))
    if ctx.settings.direct_answer:
        graph.add_node("direct", _bind(direct_node, ctx, router=next_after_direct))
    graph.add_node("plan", _bind(plan_node, ctx))
    graph.add_node("think", _bind(think_node, ctx, router=next_after_think))
    graph.add_node("act", _bind(act_node, ctx, threaded=True))  # type: ignore[arg-type]
    graph.add_node("verify", _bind(verify_node, ctx, router=next_after_verify, threaded=True))  # type: ignore[arg-type]
    graph.add_node("finalize", _bind(finalize_node, ctx))
    graph.add_edge(START, "start")
    if ctx.settings.direct_answer:
        graph.add_edge("start", "direct")
        graph.add_conditional_edges("direct", route_after_direct, ["verify", "plan"])
    else:
        graph.add_edge("start", "plan")
    graph.add_edge("plan", "think")
    graph.add_conditional_edges("think", route_after_think, ["act", "verify", "think", "finalize"])
    graph.add_edge("act", "think")
    graph.add_conditional_edges("verify", route_after_verify, ["finalize", "think", "plan"])
    graph.add_edge("finalize", END)
    compiled = graph.compile(checkpointer=checkpointer, name=name)
    # Each think step can take up to three supersteps (think, act, verify); LangGraph's
    # default limit of 25 would cut a normal run short.
    return compiled.with_config(recursion_limit=recursion_limit(ctx.settings))


def recursion_limit(settings: Settings) -> int:
    """A superstep limit that the step budget, not LangGraph, will always hit first."""
    budget = settings.budget
    return 4 * budget.max_steps + 3 * budget.max_verify_rounds + 14
