"""The command line of the scripts that look at a finished eval run again
(``replay_selection.py``, ``rescore.py``): the run's rows, and the task file it used."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def run_arguments(doc: str) -> tuple[list[dict[str, Any]], Path]:
    """Parse ``ROWS TASKS`` from the command line: the rows of ``ROWS`` (an
    ``eval-rows.jsonl``) and the path ``TASKS``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("rows", type=Path, help="a run's eval-rows.jsonl")
    parser.add_argument("tasks", type=Path, help="the task file the run used")
    args = parser.parse_args()
    with args.rows.open() as lines:
        return [json.loads(line) for line in lines if line.strip()], args.tasks
