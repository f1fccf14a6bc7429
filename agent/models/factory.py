"""Resolve a model spec string to a LangChain chat model.

Specs: ``openai:<model>``, ``openai-compatible:<model>`` (needs a base URL: vLLM, Ollama,
llama.cpp, LM Studio), ``local:<name>`` or a path to a ``.gguf`` file (the embedded
llama.cpp server). Embedders may pass any ``BaseChatModel`` instead of a spec.
"""

from __future__ import annotations

import os
import re

import httpx
from langchain_core.language_models import BaseChatModel

from ponder.agent.errors import ModelNotAvailableError
from ponder.agent.settings import Settings

#: Tests set this to False so an accidental real model request fails loudly.
ALLOW_MODEL_REQUESTS = True

_SPEC_HELP = (
    "use openai:<model>, openai-compatible:<model> with a base URL, local:<name> "
    "(see 'ponder models list') or a path to a .gguf file"
)


def _guard(spec: str) -> None:
    if not ALLOW_MODEL_REQUESTS:
        raise ModelNotAvailableError(
            f"real model requests are disabled in this process (asked for {spec!r}); "
            "use ponder.testing.ScriptedChatModel, or allow them explicitly"
        )


def fresh_async_client(timeout: float, *, trust_env: bool = True) -> httpx.AsyncClient:
    """A new async HTTP client for one chat model.

    langchain-openai otherwise shares one cached client per process, bound to the event
    loop that first used it: a second ``asyncio.run`` (tests, scripts, the sync API)
    then fails with "Event loop is closed". ``trust_env=False`` for a server on this
    machine: httpx sends even 127.0.0.1 through ``HTTP_PROXY`` unless ``NO_PROXY`` names it.
    """
    return httpx.AsyncClient(timeout=timeout, trust_env=trust_env)


def _openai(name: str, settings: Settings, *, compatible: bool) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    key = settings.api_key.get_secret_value() if settings.api_key else None
    if compatible:
        if not settings.base_url:
            raise ModelNotAvailableError(
                "openai-compatible models need a base URL: pass --base-url or set "
                "PONDER_BASE_URL (e.g. http://127.0.0.1:8000/v1)"
            )
        key = key or "not-needed"
    elif not key:
        raise ModelNotAvailableError(
            "openai models need an API key: set OPENAI_API_KEY (or PONDER_API_KEY)"
        )
    return ChatOpenAI(
        model=name, api_key=key, base_url=settings.base_url,  # type: ignore[arg-type]
        temperature=settings.temperature, max_completion_tokens=settings.max_output_tokens,
        timeout=settings.request_timeout, max_retries=1, seed=settings.seed,
        http_async_client=fresh_async_client(settings.request_timeout),
    )


def resolve_model(spec: str | BaseChatModel, settings: Settings | None = None) -> BaseChatModel:
    """Build the chat model for ``spec``. Raises ModelNotAvailableError with what to do."""
    if isinstance(spec, BaseChatModel):
        return spec
    settings = settings or Settings()
    spec = spec.strip()
    kind, _, name = spec.partition(":")
    # A provider named first wins: "openai-compatible:./model.gguf" is a served model's
    # name (vLLM names a GGUF model by its path), not a file for the embedded server.
    named = bool(name) and re.fullmatch(r"[a-z][a-z0-9_-]+", kind) is not None
    if kind == "local" or (spec.endswith(".gguf") and not named):
        _guard(spec)
        from ponder.agent.models.local import local_chat_model

        return local_chat_model(spec, settings)
    if not name:
        raise ModelNotAvailableError(f"model spec {spec!r} has no model name; {_SPEC_HELP}")
    if kind in ("openai", "openai-compatible"):
        _guard(spec)
        return _openai(name, settings, compatible=kind == "openai-compatible")
    return _langchain_provider(spec, kind, name, settings)


def _langchain_provider(spec: str, provider: str, name: str, settings: Settings) -> BaseChatModel:
    """Any ``provider:model`` LangChain's ``init_chat_model`` knows (anthropic, ollama,
    groq, …), when that provider's package is installed."""
    from langchain.chat_models import init_chat_model

    _guard(spec)
    try:
        return init_chat_model(name, model_provider=provider, temperature=settings.temperature,
                               max_tokens=settings.max_output_tokens,
                               timeout=settings.request_timeout)
    except ImportError as exc:
        raise ModelNotAvailableError(f"model spec {spec!r} needs its LangChain provider "
                                     f"package: {exc}") from None
    except ValueError as exc:
        if "Unable to infer" in str(exc) or "Unsupported" in str(exc):
            raise ModelNotAvailableError(
                f"unknown model spec {spec!r}; {_SPEC_HELP}, or provider:model for a "
                "provider LangChain's init_chat_model knows") from None
        raise ModelNotAvailableError(f"model spec {spec!r}: {exc}") from None
    except Exception as exc:  # a provider class refusing its settings (no key, …)
        raise ModelNotAvailableError(f"model spec {spec!r} could not be set up: "
                                     f"{type(exc).__name__}: {exc}") from None


def describe_endpoint(settings: Settings) -> str:
    """One line saying which model and endpoint the settings point at."""
    base = settings.base_url or os.environ.get("OPENAI_BASE_URL") or "default endpoint"
    return f"{settings.model} ({base})" if not settings.model.startswith("local:") else settings.model
