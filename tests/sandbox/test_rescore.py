"""bench/rescore.py scores recorded answers again with today's scorer, in a real sandbox:
code that passes the hidden tests but fails an example its prompt states is wrong now."""

from __future__ import annotations

from bench_scripts import bench_module

from ponder.agent.settings import Settings
from ponder.agent.tasks import TaskSpec

PROMPT = ('def plural(n: int, noun: str) -> str:\n    """\n'
          "    >>> plural(3, 'city')\n    '3 cities'\n    \"\"\"\n")
NAIVE = "def plural(n, noun):\n    return f'{n} {noun}s'\n"
RIGHT = ("def plural(n, noun):\n"
         "    if noun.endswith('y') and noun[-2:-1] not in 'aeiou':\n"
         "        return f'{n} {noun[:-1]}ies'\n"
         "    return f'{n} {noun}s'\n")


async def test_rescoring_adds_the_prompts_examples(sandbox_image: str) -> None:
    module = bench_module("rescore")
    task = TaskSpec(id="p", prompt=PROMPT, kind="code", entry_point="plural",
                    hidden_tests="assert plural(2, 'day') == '2 days'")
    rows = [{"id": "p", "mode": "bare", "category": "code", "answer": NAIVE, "correct": True},
            {"id": "p", "mode": "agent", "category": "code", "answer": RIGHT, "correct": True}]
    table = await module.rescore(rows, {"p": task}, Settings())
    assert table[("code", "bare")] == {"tasks": 1, "recorded": 1, "now": 0}
    assert table[("code", "agent")] == {"tasks": 1, "recorded": 1, "now": 1}
