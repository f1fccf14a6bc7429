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
