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


def test_a_served_model_named_like_a_gguf_file_goes_to_its_provider(
        allow_model_requests: None) -> None:
    """vLLM names a GGUF model by its path: any spec ending in .gguf went to the embedded
    server ("model file not found: openai-compatible:…"), --base-url ignored."""
    model = resolve_model("openai-compatible:./tinyllama.Q4_K_M.gguf",
                          Settings(base_url="http://127.0.0.1:9/v1"))
    assert type(model).__name__ == "ChatOpenAI"
    assert model.model_name == "./tinyllama.Q4_K_M.gguf"  # type: ignore[attr-defined]
    with pytest.raises(ModelNotAvailableError, match="model file not found"):
        resolve_model("./missing-model.gguf", Settings())


def test_the_embedded_server_is_never_reached_through_a_proxy(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx sends 127.0.0.1 through HTTP_PROXY unless NO_PROXY names it: the readiness
    poll went to the proxy until its 120 s deadline."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from ponder.agent.models.local import _wait_ready

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    try:
        _wait_ready(f"http://127.0.0.1:{server.server_port}", timeout=5)
    finally:
        server.shutdown()
