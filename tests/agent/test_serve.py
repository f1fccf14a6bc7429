"""LangGraph Server serves Ponder's graph as any LangGraph user would run it: the
repository's ``langgraph.json``, ``langgraph dev`` with only a host and a port, and the
``langgraph_sdk`` client. The model is a fake OpenAI-compatible endpoint on 127.0.0.1; the
sandbox is the real Docker one, so the test also sees that no container outlives the
server."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from fake_openai import FakeOpenAI, last_user_text

pytestmark = [pytest.mark.docker, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
LANGGRAPH = Path(sys.executable).with_name("langgraph")
WORDS = {"mississippi": ("s", 4), "possessions": ("s", 5)}
SLOW = "slowly"


def _respond(body: dict[str, Any]) -> str:
    text = last_user_text(body)
    if SLOW in text:
        time.sleep(20)  # a run long enough to be cancelled
        return "Answer: 0"
    asked = [w for w in WORDS if w in text]  # the latest question (earlier turns come first)
    if not asked:
        return "Answer: 0"
    word = max(asked, key=text.rindex)
    letter, count = WORDS[word]
    return f"```python\nprint('{word}'.count('{letter}'))\n```\nAnswer: {count}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sandboxes(client: docker.DockerClient) -> set[str]:
    """Sandbox containers not owned by this test process."""
    found = client.api.containers(all=True, filters={"label": "ponder.sandbox=1"})
    return {c["Id"] for c in found
            if (c.get("Labels") or {}).get("ponder.owner.pid") != str(os.getpid())}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, FakeOpenAI, set[str]]]:
    """``langgraph dev --host 127.0.0.1 --port P`` in a folder holding the repository's
    langgraph.json; yields the URL, the fake model, and the containers there before."""
    engine = docker.from_env()
    before = _sandboxes(engine)
    work = tmp_path / "served"
    work.mkdir()
    shutil.copy(REPO / "langgraph.json", work / "langgraph.json")
    port = _free_port()
    with FakeOpenAI(_respond) as fake:
        env = {**os.environ, "PONDER_MODEL": "openai-compatible:fake",
               "PONDER_BASE_URL": fake.base_url, "PONDER_API_KEY": "sk-test",
               "PONDER_DIRECT_ANSWER": "true", "PONDER_PROGRAM_ANSWER": "true",
               "PONDER_BARE_ANSWER": "false",
               "LANGSMITH_TRACING": "false", "LANGGRAPH_CLI_NO_ANALYTICS": "1"}
        log = (tmp_path / "server.log").open("w")
        proc = subprocess.Popen([str(LANGGRAPH), "dev", "--host", "127.0.0.1", "--port",
                                 str(port)], cwd=work, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield f"http://127.0.0.1:{port}", fake, before
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            log.close()
        text = (tmp_path / "server.log").read_text()
        assert "Blocking call" not in text, text[-3000:]
        # Every sandbox the server started is gone once it has stopped.
        assert _sandboxes(engine) - before == set()
    engine.close()


async def _connect(url: str) -> Any:
    from langgraph_sdk import get_client

    client = get_client(url=url)
    deadline = time.monotonic() + 180
    while True:
        try:
            await client.assistants.search()
            return client
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def _ask(client: Any, thread_id: str, question: str) -> list[dict[str, Any]]:
    events = []
    async for part in client.runs.stream(
        thread_id, "ponder", input={"messages": [{"role": "user", "content": question}]},
        stream_mode="custom",
    ):
        if part.event == "custom":
            events.append(part.data)
        assert part.event != "error", part.data
    return events


def test_served_graph_answers_streams_keeps_the_thread_and_cancels(
    server: tuple[str, FakeOpenAI, set[str]],
) -> None:
    url, fake, before = server

    async def scenario() -> None:
        client = await _connect(url)
        # Studio's input form comes from the graph's input schema.
        (assistant,) = await client.assistants.search(graph_id="ponder")
        schemas = await client.assistants.get_schemas(assistant["assistant_id"])
        assert {"task", "messages"} <= set(schemas["input_schema"]["properties"])
        thread = await client.threads.create()
        tid = thread["thread_id"]
        first = await _ask(client, tid, "How many times does the letter s appear in the "
                                        "word mississippi?")
        kinds = {e["type"] for e in first}
        assert {"thought", "candidate", "final"} <= kinds
        # the direct answer and the program (run in the thread's Docker sandbox)
        assert sum(e["type"] == "candidate" for e in first) == 2
        assert first[-1]["result"]["answer"] == "4"
        second = await _ask(client, tid, "How many times does the letter s appear in the "
                                         "word possessions?")
        assert second[-1]["result"]["answer"] == "5"
        state = await client.threads.get_state(tid)
        shown = [(m["type"], m["content"]) for m in state["values"]["messages"]]
        assert shown[1] == ("ai", "4") and shown[3] == ("ai", "5") and len(shown) == 4
        assert [h["answer"] for h in state["values"]["history"]] == ["4", "5"]
        # The thread's sandbox went with its run: only the warm pool's one remains.
        engine = docker.from_env()
        assert len(_sandboxes(engine) - before) <= 1
        engine.close()

        # With approval on, the run pauses before code runs; it resumes with a Command.
        approving = {"configurable": {"approval": True}}
        other = (await client.threads.create())["thread_id"]
        async for _ in client.runs.stream(other, "ponder", config=approving, input={
                "messages": [{"role": "user", "content": "How many times does the letter s "
                              "appear in the word possessions?"}]}):
            pass
        paused = await client.threads.get(other)
        assert paused["status"] == "interrupted"
        (request,) = [i["value"] for i in (await client.threads.get_state(other))["interrupts"]]
        assert request["type"] == "approval" and "possessions" in request["code"]
        events = []
        async for part in client.runs.stream(
                other, "ponder", config=approving, stream_mode="custom",
                command={"resume": {"action": "approve", "id": request["id"]}}):
            if part.event == "custom":
                events.append(part.data)
        assert events[-1]["type"] == "final" and events[-1]["result"]["answer"] == "5"

        # A run that is cancelled stops, and the thread can be asked again.
        run = await client.runs.create(
            tid, "ponder", input={"messages": [{"role": "user", "content": f"Think {SLOW}."}]})
        fake.wait_for(lambda f: any(SLOW in last_user_text(b) for b in f.requests))
        await client.runs.cancel(tid, run["run_id"], wait=True)
        cancelled = await client.runs.get(tid, run["run_id"])
        assert cancelled["status"] in ("interrupted", "error")

    asyncio.run(scenario())
