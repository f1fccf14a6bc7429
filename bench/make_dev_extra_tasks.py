"""Generate the dev file ``bench/dev_extra_tasks.jsonl``: task shapes the dev set
(``bench/dev_tasks.jsonl``) lacks, added 2026-12-06.

A dev set (tune on it, never report on it as held-out). No question is shared with the
held-out set (checked below). Nothing here comes from GSM8K or HumanEval. Re-running
gives the same file.

- ``format`` (24): questions that state the form of their answer as a template ("Answer
  in D days, HH:MM", "in YYYY-MM-DD"). Sixteen draws of reasoning-gym's
  ``time_intervals`` at the dev seed (2026; the held-out set's ten are seed 31337), so
  that family is no longer dev-disjoint, as ``aiw`` and ``leg_counting`` before it; and
  eight questions written here in other templates (a date, a pace, hours and minutes,
  durations from seconds), each answer computed with the standard library.
- ``arithmetic`` (8): draws of reasoning-gym's ``decimal_arithmetic`` at the dev seed,
  whose instruction sentence ends on the line above the expression (so that family is no
  longer dev-disjoint either).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

SEED = 2026
OUT = Path(__file__).with_name("dev_extra_tasks.jsonl")
HELDOUT = Path(__file__).with_name("heldout_tasks.jsonl")


def gym(name: str, n: int, prefix: str, category: str) -> list[dict[str, Any]]:
    """``n`` draws of one reasoning-gym family at the dev seed."""
    import reasoning_gym

    return [{"id": f"{prefix}-{i}", "prompt": item["question"], "kind": "question",
             "answer": str(item["answer"]), "metadata": {"category": category, "family": name}}
            for i, item in enumerate(reasoning_gym.create_dataset(name, size=n, seed=SEED))]


def _clock(seconds: int, *, days: bool = False, with_seconds: bool = True) -> str:
    d, rest = divmod(seconds, 86400) if days else (0, seconds)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    clock = f"{h:02d}:{m:02d}" + (f":{s:02d}" if with_seconds else "")
    return f"{d} days, {clock}" if days else clock


def written() -> list[dict[str, Any]]:
    """Questions in other templates, answers computed here."""
    pace = (23 * 60 + 45) // 5  # 5 km in 23:45
    items = [
        ("What date is 45 days after 2024-01-20? Answer in YYYY-MM-DD.",
         (date(2024, 1, 20) + timedelta(days=45)).isoformat()),
        ("A loan of 100 days starts on 2023-11-03. On what date does it end? "
         "Give your answer in YYYY-MM-DD.",
         (date(2023, 11, 3) + timedelta(days=100)).isoformat()),
        ("A runner covers 5 km in 23 minutes and 45 seconds at an even pace. What is her "
         "time per km? Answer in MM:SS.", f"{pace // 60:02d}:{pace % 60:02d}"),
        ("A timer was set to 1234567 seconds. How long is that? Express the result in "
         "D days, HH:MM:SS.", _clock(1234567, days=True)),
        ("A download took 9876 seconds. How long was it? Answer in HH:MM:SS.",
         _clock(9876)),
        ("A train leaves at 08:47 and arrives at 13:05 the same day. How long is the trip? "
         "Answer in HH:MM.", _clock((13 * 60 + 5 - 8 * 60 - 47) * 60, with_seconds=False)),
        ("A shift starts at 22:15 and ends at 06:40 the next morning. How long is the shift? "
         "Answer in HH:MM.",
         _clock(((6 * 60 + 40) + 24 * 60 - (22 * 60 + 15)) * 60, with_seconds=False)),
        ("Three tasks take 1:20:30, 0:45:50 and 2:10:15. How long do they take together? "
         "Answer in HH:MM:SS.",
         _clock((1 * 3600 + 20 * 60 + 30) + (45 * 60 + 50) + (2 * 3600 + 10 * 60 + 15))),
    ]
    return [{"id": f"dformat-w{i}", "prompt": q, "kind": "question", "answer": a,
             "metadata": {"category": "format", "source": "written for this set"}}
            for i, (q, a) in enumerate(items)]


def main() -> None:
    rows = (gym("time_intervals", 16, "dformat", "format") + written()
            + gym("decimal_arithmetic", 8, "ddecimal", "arithmetic"))
    held = {json.loads(line)["prompt"] for line in HELDOUT.read_text().splitlines()}
    shared = [r["id"] for r in rows if r["prompt"] in held]
    if shared:
        raise SystemExit(f"shared with the held-out set: {shared}")
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    print(f"{len(rows)} tasks -> {OUT}")


if __name__ == "__main__":
    main()
