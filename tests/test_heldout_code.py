"""The held-out code set (bench/heldout_code.py) is valid: references pass their docstring
examples and hidden tests, prompts parse, and there are at least 40 distinct tasks."""

from __future__ import annotations

from bench_scripts import bench_module


def test_heldout_code_set_is_valid() -> None:
    module = bench_module("heldout_code")

    count = module.check()
    rows = module.rows()
    entry_points = {row["entry_point"] for row in rows}
    assert count == len(rows) >= 40
    assert len(entry_points) == len(rows)
    assert all(row["id"] == f"hcode-{row['entry_point']}" and row["kind"] == "code" for row in rows)
    assert all("tests" not in row and "reference" not in row for row in rows)


def test_the_examples_read_from_the_prompts_hold_for_the_references() -> None:
    # Every doctest example of both code sets is read (none is dropped at the closing
    # quotes), and every assert made of one passes on the task's reference solution: an
    # example read wrong would reject right code.
    from ponder.graphs.examples import extract_examples

    for name in ("heldout_code", "dev_code"):
        for task in bench_module(name).TASKS:
            examples = extract_examples(task["prompt"], task["entry_point"])
            assert len(examples) == task["prompt"].count(">>> "), task["entry_point"]
            scope: dict[str, object] = {}
            exec(task["reference"], scope)  # the project's own reference code
            for line in examples:
                exec(line, scope)
