"""Any provider:model LangChain's init_chat_model knows works when its package is
installed; a missing package or an unknown provider is one clear message."""

from __future__ import annotations

import importlib.util

import pytest
from fake_openai import FakeOpenAI
from langchain_core.messages import HumanMessage

from ponder.agent.errors import ModelNotAvailableError
from ponder.agent.models.factory import resolve_model
from ponder.agent.settings import Settings


async def test_a_provider_langchain_knows_is_built_and_called(
        monkeypatch: pytest.MonkeyPatch, allow_model_requests: None) -> None:
    # Azure OpenAI's class comes with langchain-openai; the fake endpoint answers any path.
    with FakeOpenAI(lambda body: "Answer: 42") as server:
        monkeypatch.setenv("AZURE_OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.root_url)
        monkeypatch.setenv("OPENAI_API_VERSION", "2024-10-21")
        model = resolve_model("azure_openai:my-deployment", Settings(max_output_tokens=64))
        assert type(model).__name__ == "AzureChatOpenAI"
        reply = await model.ainvoke([HumanMessage("What is 6*7?")])
        assert reply.content == "Answer: 42"
        sent = server.requests[0]
        assert 64 in (sent.get("max_tokens"), sent.get("max_completion_tokens"))


def _missing_provider() -> tuple[str, str]:
    """A provider init_chat_model knows whose package this environment lacks."""
    for provider, package in (("anthropic", "langchain-anthropic"), ("groq", "langchain-groq"),
                              ("mistralai", "langchain-mistralai"),
                              ("cohere", "langchain-cohere")):
        if importlib.util.find_spec(package.replace("-", "_")) is None:
            return provider, package
    raise AssertionError("every candidate provider package is installed here")


def test_missing_packages_and_unknown_providers_are_clear(allow_model_requests: None) -> None:
    provider, package = _missing_provider()
    with pytest.raises(ModelNotAvailableError, match=package):
        resolve_model(f"{provider}:some-model", Settings())
    with pytest.raises(ModelNotAvailableError, match="unknown model spec"):
        resolve_model("nosuch:model", Settings())
