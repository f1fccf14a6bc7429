"""Score a run's recorded answers again with today's scorer.

    python bench/rescore.py RUN/eval-rows.jsonl TASKS.jsonl

The eval scores each answer when it is made. When the scorer itself changes (code is now
scored on its hidden tests *and* the examples its prompt states, ``evaluate.scoring_tests``),
older runs are not comparable with newer ones until their answers are scored the same
way. This runs every recorded final answer (bare and agent rows) once more, in the
sandbox of the default settings, and prints per category and mode: recorded right, right
now, and the rows whose verdict changed. The model is not called.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from typing import Any

from run_files import run_arguments

from ponder import load_settings
from ponder.agent.evaluate import score
from ponder.agent.settings import Settings
from ponder.agent.tasks import TaskSpec, read_tasks


async def rescore(rows: list[dict[str, Any]], tasks: dict[str, TaskSpec], settings: Settings
                  ) -> dict[tuple[str, str], Counter[str]]:
    """Per (category, mode): tasks, recorded right, and right under today's scorer."""
    table: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for row in rows:
        task = tasks.get(row["id"])
        if task is None:
            continue
        now, _ = await score(task, row["answer"], settings)
        counts = table[(row["category"], row["mode"])]
        counts["tasks"] += 1
        counts["recorded"] += bool(row["correct"])
        counts["now"] += now
        if now != bool(row["correct"]):
            print(f"  {row['mode']:<5} {row['id']}: recorded {row['correct']}, now {now}")
    return dict(table)


def main() -> None:
    rows, tasks_file = run_arguments(__doc__ or "")
    specs, _ = read_tasks(tasks_file)
    table = asyncio.run(rescore(rows, {t.id: t for t in specs}, load_settings()))
    print("| category | mode | tasks | recorded right | right now |\n| --- | --- | --- | --- | --- |")
    for (category, mode), c in sorted(table.items()):
        print(f"| {category} | {mode} | {c['tasks']} | {c['recorded']} | {c['now']} |")


if __name__ == "__main__":
    main()
