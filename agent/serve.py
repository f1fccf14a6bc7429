"""The graph LangGraph Server serves: ``langgraph.json`` names :func:`make_graph`.

LangGraph Server (``langgraph dev``, ``langgraph up``) calls :func:`make_graph` for every
run and every read of a thread. The graph it returns is built from server-side
configuration only: the environment and ``ponder.toml`` (as for the CLI), plus the run's
``configurable`` for the per-run settings in :data:`RUN_SETTINGS`. The client's JSON
context never carries the model, tools or sandbox.

One :class:`ServedRuntime` per server process holds what runs share: the models (one per
spec), the python and web tools, and a warm sandbox pool. Everything that blocks (settings
files, model start-up, the Docker engine) runs in threads, so the server's event loop is
never blocked. Each thread's sandbox is released when its run ends (python state does not
outlive a turn; the conversation does, in the server's checkpoints) — unless the run
paused for an approval, when it waits for the resume up to ``sandbox.pool_idle_seconds``
— and every sandbox this process started is removed when the server stops.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from pydantic import ValidationError

from ponder.agent.errors import ConfigError
from ponder.agent.settings import Settings, load_settings
from ponder.tools.registry import ToolRegistry

log = logging.getLogger(__name__)

RUN_SETTINGS = frozenset({
    "model", "temperature", "seed", "max_output_tokens", "direct_answer", "program_answer",
    "bare_answer", "action_format", "action_grammar", "code_samples", "question_draws",
    "policies", "budget", "prompts", "approval",
})
"""Settings a run's ``configurable`` may set. The rest (endpoints, keys, sandbox, web,
paths) are the server's alone: a client cannot point the server at another endpoint or
loosen its sandbox."""


MAX_MODELS = 16
"""Model setups (spec, temperature, seed, output tokens) a server keeps ready at once."""


class ServedRuntime:
    """What every run of one server process shares: settings, models, tools, sandboxes."""

    def __init__(self, settings: Settings, tools: ToolRegistry, pool: Any = None) -> None:
        self.settings = settings
        self.tools = tools
        self.pool = pool  # a started SandboxPool, or None
        self._models: dict[str, BaseChatModel] = {}
        self._model_lock = asyncio.Lock()
        # Threads whose run paused for an approval: their sandbox waits for the resume,
        # up to sandbox.pool_idle_seconds (thread id -> when it paused).
        self._kept: dict[str, float] = {}
        self._sweeps: set[asyncio.Future[None]] = set()  # timers' sweeps under way

    def keep(self, thread_id: str) -> None:
        """Keep the thread's sandbox after this run (it paused and will resume); if no run
        of it starts within ``sandbox.pool_idle_seconds``, it is released then, even when
        no other run ever starts."""
        self._kept[thread_id] = time.monotonic()
        idle = self.settings.sandbox.pool_idle_seconds

        def sweep_later() -> None:
            task = asyncio.ensure_future(self._sweep())
            self._sweeps.add(task)
            task.add_done_callback(self._sweeps.discard)

        asyncio.get_running_loop().call_later(idle * 1.01 + 0.01, sweep_later)

    async def resume(self, thread_id: str) -> None:
        """A run of ``thread_id`` starts: its kept sandbox is in use again; sandboxes of
        paused threads idle for longer than ``sandbox.pool_idle_seconds`` are released."""
        self._kept.pop(thread_id, None)
        await self._sweep()

    async def _sweep(self) -> None:
        """Release the sandboxes of paused threads idle for too long."""
        limit = time.monotonic() - self.settings.sandbox.pool_idle_seconds
        for stale in [t for t, since in self._kept.items() if since < limit]:
            # Another sweep (a timer's, another run's) may have taken it meanwhile.
            if self._kept.pop(stale, None) is not None:
                await self.release(stale, expired=True)

    @classmethod
    async def create(cls, settings: Settings | None = None) -> ServedRuntime:
        """Load the settings (in a thread) and make the tools; a Docker sandbox needs a
        running engine (EngineUnavailableError otherwise)."""
        from ponder.agent.toolset import default_tools

        if settings is None:
            loaded: Settings = await asyncio.to_thread(load_settings)
            settings = loaded
        from ponder.graphs import tracing

        await asyncio.to_thread(tracing.configure, settings.otlp_endpoint)
        pool = None
        if settings.sandbox.kind == "docker":
            from ponder.sandbox.image import docker_client

            client = await asyncio.to_thread(docker_client)
            client.close()
            if settings.sandbox.pool_size > 0:
                from ponder.sandbox.pool import SandboxPool

                pool = await SandboxPool.from_settings(settings).start()
        try:
            tools: list[Any] = list(await default_tools(settings, pool=pool))
            if settings.mcp_config is not None:
                from ponder.tools.mcp import load_mcp_tools

                tools.extend(await load_mcp_tools(settings.mcp_config))
            return cls(settings, ToolRegistry(tools), pool)
        except BaseException:
            # The next request tries again: it must not find this attempt's containers.
            if pool is not None:
                await pool.close()
            raise

    def settings_for(self, config: RunnableConfig | None) -> Settings:
        """The server's settings with the run's ``configurable`` applied (only the keys of
        RUN_SETTINGS; another settings key is a ConfigError naming it)."""
        configurable = dict((config or {}).get("configurable") or {})
        fields = set(Settings.model_fields)
        given = {k: v for k, v in configurable.items() if k in fields}
        refused = sorted(set(given) - RUN_SETTINGS)
        if refused:
            raise ConfigError(refused[0], "is set on the server only (ponder.toml or the "
                              "environment)", source="the run's configurable")
        if not given:
            return self.settings
        merged = self.settings.model_dump()
        for key, value in given.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        try:
            settings = Settings(**merged)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigError(".".join(str(p) for p in err["loc"]) or "configurable",
                              err["msg"], source="the run's configurable") from None
        self._check_limits(settings)
        return settings

    def _check_limits(self, run: Settings) -> None:
        """A run may tighten the server's settings, never loosen them: approval can be
        turned on, not off; the budget lowered, not raised; the model can be another
        remote one, not a local file (which the server would load). The run's settings
        are compared once validated, so ``0``, ``"off"`` or ``"1e9"`` (which validation
        turns into False and numbers) are held to the same limits. Raises ConfigError."""
        source = "the run's configurable"
        if self.settings.approval and not run.approval:
            raise ConfigError("approval", "is on on this server: a run may turn it on, not off",
                              source=source)
        if run.model != self.settings.model:
            spec = run.model.strip()
            if spec.startswith("local:") or spec.endswith(".gguf") or ":" not in spec:
                raise ConfigError("model", "a run may name a remote model (provider:model); "
                                  "local models are the server's to choose", source=source)
        server = self.settings.budget.model_dump()
        for key, value in run.budget.model_dump().items():
            limit = server[key]
            if isinstance(value, int | float) and isinstance(limit, int | float) \
                    and value > limit:
                raise ConfigError(f"budget.{key}", f"may not exceed the server's {limit}",
                                  source=source)

    async def model(self, settings: Settings) -> BaseChatModel:
        """The chat model for ``settings`` (one per distinct model setup, started once)."""
        from ponder.agent.models.factory import resolve_model

        key = repr((settings.model, settings.temperature, settings.seed,
                    settings.max_output_tokens))
        async with self._model_lock:
            kept = self._models.pop(key, None)
            model: BaseChatModel = kept if kept is not None else await asyncio.to_thread(
                resolve_model, settings.model, settings)
            if kept is None:
                # A client choosing a new seed on every run must not grow this without
                # end: the least recently used setup goes (a run still using it keeps
                # its own reference; the rest is garbage).
                while len(self._models) >= MAX_MODELS:
                    self._models.pop(next(iter(self._models)))
            self._models[key] = model  # the most recently used last
            return model

    async def graph(self, config: RunnableConfig | None) -> CompiledStateGraph[Any, Any, Any, Any]:
        """A graph for one run: the shared tools, the run's settings and model."""
        from ponder.graphs.builder import build_graph

        settings = self.settings_for(config)
        model = await self.model(settings)
        return build_graph(
            model, self.tools, settings=settings,
            sandboxes=self.pool.session if self.pool is not None else None,
            context_schema=None,
        )

    async def release(self, thread_id: str, *, expired: bool = False) -> None:
        """Free what the tools hold for ``thread_id`` (its sandbox, its browsing state).
        ``expired``: the thread's run is paused, not finished, and waited longer than
        ``sandbox.pool_idle_seconds``; a tool that can (``expire``) tells the resumed run
        its state is gone."""
        why = (f"this thread's sandbox was released while its run waited for approval "
               f"longer than sandbox.pool_idle_seconds ({self.settings.sandbox.pool_idle_seconds:g} s)")
        for tool in self.tools:
            expire = getattr(tool, "expire", None) if expired else None
            release = getattr(tool, "release", None)
            with contextlib.suppress(Exception):
                if expire is not None:
                    await expire(thread_id, why)
                elif release is not None:
                    await release(thread_id)

    async def aclose(self) -> None:
        """Close the tools' sandboxes and the warm pool."""
        await self.tools.aclose()
        if self.pool is not None:
            await self.pool.close()


_runtime: ServedRuntime | None = None
_runtime_lock: asyncio.Lock | None = None


async def served_runtime() -> ServedRuntime:
    """This process's runtime, created on first use."""
    global _runtime, _runtime_lock
    if _runtime_lock is None:
        _runtime_lock = asyncio.Lock()
    async with _runtime_lock:
        if _runtime is None:
            _runtime = await ServedRuntime.create()
            atexit.register(remove_own_sandboxes)
    return _runtime


async def shutdown() -> None:
    """Close this process's runtime, if it was created (the server is stopping)."""
    global _runtime
    runtime, _runtime = _runtime, None
    if runtime is not None:
        with contextlib.suppress(Exception):
            await runtime.aclose()


@contextlib.asynccontextmanager
async def make_graph(config: RunnableConfig) -> AsyncIterator[CompiledStateGraph[Any, Any, Any, Any]]:
    """LangGraph Server's graph factory (``langgraph.json``): the graph for one run or
    read. After a run, the thread's sandbox is released, unless the run paused for an
    approval: then it waits for the resume (up to ``sandbox.pool_idle_seconds``)."""
    from ponder.graphs.approval import take_paused

    runtime = await served_runtime()
    configurable = (config or {}).get("configurable") or {}
    thread_id = str(configurable.get("thread_id") or "")
    running = bool(configurable.get("__is_for_execution__")) and bool(thread_id)
    graph = await runtime.graph(config)
    if running:
        await runtime.resume(thread_id)
    try:
        yield graph
    finally:
        if running:
            if take_paused(thread_id):
                runtime.keep(thread_id)  # waiting for an approval: the session stays
            else:
                await runtime.release(thread_id)


def remove_own_sandboxes() -> None:
    """Remove every sandbox container this process started (at exit: the server's
    event loop is gone by then, so this talks to Docker directly)."""
    from ponder.sandbox.reaper import remove_owned

    with contextlib.suppress(Exception):
        removed = remove_owned(os.getpid())
        if removed:
            log.info("removed %d sandbox container(s) at exit", len(removed))
