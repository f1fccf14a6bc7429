"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions API (and
SearxNG's JSON search API), answering from a Python function. Tests use it to drive
``ponder`` end to end, in this process or in a subprocess, over real HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

Responder = Callable[[dict[str, Any]], str]


class FakeOpenAI:
    """Start with ``with FakeOpenAI(respond) as server:``; ``server.base_url`` ends in /v1.

    ``respond(request_body)`` returns the assistant's message text. Every chat request
    body is kept in ``requests``, every search query in ``searches``; ``wait_for(pred)``
    blocks until a predicate over the requests holds (no sleeps in tests). While
    ``respond`` runs, ``client_port()`` is the TCP port of the client that sent the
    request: which process asked.
    """

    def __init__(self, respond: Responder, *, delay: float = 0.0) -> None:
        self.respond = respond
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self.searches: list[str] = []
        self._cond = threading.Condition()
        self._local = threading.local()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, predicate: Callable[[FakeOpenAI], bool], timeout: float = 60) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self), timeout=timeout):
                raise TimeoutError("the fake server never saw the expected requests")

    def client_port(self) -> int:
        """The client port of the request ``respond`` is answering on this thread."""
        return int(self._local.port)

    def _record(self, body: dict[str, Any] | None = None, query: str | None = None) -> None:
        with self._cond:
            if body is not None:
                self.requests.append(body)
            if query is not None:
                self.searches.append(query)
            self._cond.notify_all()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _send(self, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path != "/search":
                    self.send_error(404)
                    return
                query = parse_qs(url.query).get("q", [""])[0]
                outer._record(query=query)
                self._send({"query": query, "results": [{
                    "url": f"https://example.org/{query.replace(' ', '-')}",
                    "title": f"About {query}", "content": f"Snippet for {query}.",
                }]})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                outer._record(body=body)
                outer._local.port = self.client_address[1]
                if outer.delay:
                    time.sleep(outer.delay)
                text = outer.respond(body)
                self._send({
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": text}}],
                    "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
                })

        return Handler


def last_user_text(body: dict[str, Any]) -> str:
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    content = users[-1]["content"] if users else ""
    return content if isinstance(content, str) else json.dumps(content)


def system_text(body: dict[str, Any]) -> str:
    systems = [m for m in body.get("messages", []) if m.get("role") == "system"]
    return str(systems[0]["content"]) if systems else ""
