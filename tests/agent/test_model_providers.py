"""Any provider:model LangChain's init_chat_model knows works when its package is
installed; a missing package or an unknown provider is one clear message."""

from __future__ import annotations

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


@pytest.mark.parametrize("spec, message", [
    ("anthropic:claude-x", "langchain-anthropic"),
    ("nosuch:model", "unknown model spec"),
])
def test_missing_packages_and_unknown_providers_are_clear(
        spec: str, message: str, allow_model_requests: None) -> None:
    with pytest.raises(ModelNotAvailableError, match=message):
        resolve_model(spec, Settings())
