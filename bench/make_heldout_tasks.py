"""Generate the frozen held-out task file ``bench/heldout_tasks.jsonl`` (seed 31337).

Report on this set; never tune on it (tune on ``bench/dev_tasks.jsonl``). It shares no
reasoning-gym family with the dev set except ``calendar_arithmetic`` (other seed), and
uses nothing derived from GSM8K or HumanEval: word problems come from ``leg_counting``
and ``aiw``, not ``gsm_symbolic`` (whose templates are built from GSM8K). The 40 code
tasks are original (``bench/heldout_code.py``): a signature and a docstring with doctest
examples, no separate visible tests, and hidden tests for scoring.

Frozen on 2026-12-01 before any tuning against it; re-running gives the same file.
Since 2026-12-02 the dev set's word problems are other draws of ``aiw`` and
``leg_counting`` (its GSM8K-derived ``gsm_symbolic`` ones were dropped), so those two
families are no longer dev-disjoint; no question is shared.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SEED = 31337
OUT = Path(__file__).with_name("heldout_tasks.jsonl")

# (reasoning-gym family, how many, category, dataset config)
FAMILIES: list[tuple[str, int, str, dict[str, Any]]] = [
    ("leg_counting", 12, "word", {}),
    ("aiw", 13, "word", {}),
    ("chain_sum", 9, "arithmetic", {}),
    ("decimal_arithmetic", 8, "arithmetic", {}),
    ("lcm", 8, "arithmetic", {}),
    ("count_bits", 7, "counting", {}),
    ("count_primes", 7, "counting", {}),
    ("spell_backward", 6, "counting", {}),
    ("time_intervals", 10, "dates", {}),
    ("calendar_arithmetic", 10, "dates", {}),
    ("syllogism", 10, "logic", {}),
    ("family_relationships", 10, "logic", {}),
    ("simple_equations", 10, "algebra", {}),
]


def gym(name: str, n: int, category: str, config: dict[str, Any]) -> list[dict[str, Any]]:
    import reasoning_gym

    rows = []
    for i, item in enumerate(reasoning_gym.create_dataset(name, size=n, seed=SEED, **config)):
        rows.append({"id": f"h{name}-{i}", "prompt": item["question"], "kind": "question",
                     "answer": str(item["answer"]),
                     "metadata": {"category": category, "family": name}})
    return rows


def main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from heldout_code import rows as code_rows

    rows = [row for family in FAMILIES for row in gym(*family)] + code_rows()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    print(f"wrote {len(rows)} tasks to {OUT}")


if __name__ == "__main__":
    main()
