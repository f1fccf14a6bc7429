"""The tasks of a task file where a policy's plan rule fires, as a new task file.

A policy is measured on the held-out tasks where its rule matches (README, Policies):
run the agent on this subset with the policy off (``PONDER_POLICIES`` without it), and
compare with the same tasks' rows of a run with it on.

    .venv/bin/python bench/policy_subset.py bench/heldout_tasks.jsonl --policy hashing \\
        [--kind question] > /tmp/hashing.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ponder.graphs.policies import load_policies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", type=Path)
    parser.add_argument("--policy", required=True)
    parser.add_argument("--kind", choices=("question", "code"), default=None,
                        help="only tasks of this kind")
    args = parser.parse_args()
    (policy,) = load_policies([args.policy])
    kept = total = 0
    for line in args.tasks.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        task = json.loads(line)
        total += 1
        if args.kind and task.get("kind", "question") != args.kind:
            continue
        if policy.forces_python(task["prompt"]):
            kept += 1
            sys.stdout.write(line + "\n")
    print(f"{args.policy}: its rule fires on {kept} of {total} tasks", file=sys.stderr)


if __name__ == "__main__":
    main()
