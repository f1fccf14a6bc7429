"""Generate ``bench/heldout_hash_tasks.jsonl``: held-out tasks for the ``hashing`` policy.

The held-out set (``bench/heldout_tasks.jsonl``) has no hash task, so the ``hashing``
policy's effect could not be measured on it. These six questions were written and frozen
on 2026-12-02, before any run on them, to measure that one policy (on against off); they
are never tuned on. Other algorithms, lengths and strings than the dev set's hash tasks
(which ask for the first 12 hex characters of SHA-256 of ``ponder-NNN``). Seed 4242;
re-running gives the same file.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from pathlib import Path

SEED = 4242
OUT = Path(__file__).with_name("heldout_hash_tasks.jsonl")
ALGORITHMS = (("MD5", "md5"), ("SHA-1", "sha1"), ("SHA-256", "sha256"))


def main() -> None:
    rng = random.Random(SEED)
    rows = []
    for i in range(6):
        label, name = ALGORITHMS[i % 3]
        text = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 9)))
        n = rng.choice([8, 10, 12])
        digest = hashlib.new(name, text.encode()).hexdigest()[:n]
        rows.append({"id": f"hhash-{i}", "kind": "question", "answer": digest,
                     "metadata": {"category": "hash"},
                     "prompt": f"What are the first {n} hex characters of the {label} digest "
                               f"of the text '{text}'?"})
    OUT.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"wrote {len(rows)} tasks to {OUT}")


if __name__ == "__main__":
    main()
