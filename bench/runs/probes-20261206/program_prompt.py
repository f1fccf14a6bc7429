"""Probe (2026-12-06, not part of Ponder): the program method's prompt, two wordings.

    PYTHONPATH=/work python program_prompt.py TASKS CATEGORIES > out.jsonl

For every question of the comma-separated CATEGORIES in TASKS, the program method's one
call is made with the installed ``program_question`` ("old") and with a wording that asks
for a named variable per stated number and per unstated fact first ("new"); each program
runs in the sandbox image with no network, and its last printed line
(``program.printed_answer``) is compared with the task's answer. One JSON line per task,
then the totals.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from langchain_core.messages import HumanMessage

from ponder.agent.models.local import local_chat_model, stop_local_servers
from ponder.agent.settings import Settings
from ponder.graphs.nodes.program import printed_answer
from ponder.graphs.parsing import python_fence
from ponder.graphs.prompt_registry import DEFAULT_PROMPTS
from ponder.sandbox.image import default_image_tag

IMAGE = default_image_tag()  # the sandbox image setup.sh builds
NEW = ("Write a short Python program that computes the answer to this task and prints only "
       "the answer. First give each number the task states, and each fact it needs but does "
       "not state, a named variable with a comment; then compute the answer from those "
       "variables. Do not type the answer in. Reply with the code in one ```python block.")
PROMPTS = {"old": DEFAULT_PROMPTS.program_question, "new": NEW}


def run(code: str) -> str:
    try:
        done = subprocess.run(["docker", "run", "--rm", "-i", "--network", "none", IMAGE,
                               "python", "-"], input=code, capture_output=True, text=True,
                              timeout=20, check=False)
    except subprocess.TimeoutExpired:
        return ""
    return printed_answer(done.stdout, None)


def same(got: str, want: str) -> bool:
    try:
        return abs(float(got.replace(",", "")) - float(want)) < 1e-6
    except ValueError:
        return got.strip().lower() == want.strip().lower()


async def main(path: str, categories: list[str]) -> None:
    model = local_chat_model("local:qwen2.5-coder-0.5b", Settings())
    score = dict.fromkeys(PROMPTS, 0)
    count = 0
    with open(path) as lines:
        tasks = [json.loads(line) for line in lines]
    for task in tasks:
        if task.get("kind") == "code" or task["metadata"]["category"] not in categories:
            continue
        count += 1
        row = {"id": task["id"], "exp": task["answer"]}
        for name, prompt in PROMPTS.items():
            reply = await model.ainvoke([HumanMessage(f"Task: {task['prompt']}\n\n{prompt}")])
            code = python_fence(str(reply.content)) or ""
            row[name] = run(code) if code else ""
            score[name] += same(row[name], task["answer"])
            if name == "new" and "legs" in task["prompt"]:
                row["code"] = code[:600]
        print(json.dumps(row), flush=True)
    print("TOTAL", count, score, flush=True)
    stop_local_servers()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2].split(",")))
