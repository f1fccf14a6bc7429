"""bench/replay_selection.py puts recorded candidates back into the selector and picks
under each rule: the columns differ exactly where a rule decides."""

from __future__ import annotations

from typing import Any

from bench_scripts import bench_module


def _cand(index: int, method: str, answer: str, correct: bool,
          computed: bool = False) -> dict[str, Any]:
    return {"index": index, "method": method, "answer": answer, "correct": correct,
            "computed": computed, "verdicts": {"form": "unverified"}}


def test_each_rule_column_differs_where_that_rule_decides() -> None:
    replay = bench_module("replay_selection")
    tasks = {"lcm": {"id": "lcm", "prompt": "What is the LCM of 24 and 47?"},
             "yn": {"id": "yn", "prompt": "All cats are mammals. Do all mammals purr?"},
             "code": {"id": "code", "prompt": "def f(): ...", "kind": "code"}}
    rows = [
        {"id": "lcm", "mode": "bare", "category": "arith", "correct": False, "candidates": []},
        {"id": "lcm", "mode": "agent", "category": "arith", "correct": False, "candidates": [
            _cand(0, "direct", "108", False), _cand(1, "program", "1128", True, computed=True),
            _cand(3, "bare", "108", False)]},
        {"id": "yn", "mode": "bare", "category": "logic", "correct": True, "candidates": []},
        {"id": "yn", "mode": "agent", "category": "logic", "correct": False, "candidates": [
            _cand(0, "direct", "Yes", False), _cand(3, "bare", "No", True),
            _cand(4, "loop", "yes", False)]},
        {"id": "code", "mode": "agent", "category": "code", "correct": False,
         "candidates": [_cand(0, "direct", "def f(): pass", False)]},
    ]
    table = replay.replay(rows, tasks)
    assert set(table) == {"arith", "logic"}  # code is not replayed
    arith, logic = table["arith"], table["logic"]
    assert (arith["installed"], arith["bare and direct two sources"]) == (1, 0)
    assert arith["two-valued agreement counts"] == 1 and arith["recorded"] == 0
    assert (logic["installed"], logic["two-valued agreement counts"]) == (1, 0)
    assert logic["bare"] == 1 and logic["bare and direct two sources"] == 1


def test_the_loop_when_needed_column_drops_the_loop_only_where_a_first_answer_stands() -> None:
    replay = bench_module("replay_selection")
    tasks = {"sum": {"id": "sum", "prompt": "What is 17*23?"},
             "who": {"id": "who", "prompt": "Who wrote Hamlet?"}}
    rows = [
        # A computed answer stood: the loop's (wrong) answer would never have been made.
        {"id": "sum", "mode": "agent", "category": "arith", "correct": False, "candidates": [
            _cand(0, "direct", "449", False), _cand(1, "program", "391", True, computed=True),
            _cand(4, "loop", "390", False, computed=True)]},
        # Words alone: the loop was needed; its candidates stay (the selection is as run).
        {"id": "who", "mode": "agent", "category": "facts", "correct": True, "candidates": [
            _cand(0, "direct", "Marlowe", False), _cand(4, "loop", "Shakespeare", True)]},
    ]
    table = replay.replay(rows, tasks)
    assert (table["arith"]["installed"], table["arith"]["loop when needed"]) == (0, 1)
    assert table["arith"]["loops skipped"] == 1
    facts = table["facts"]
    assert facts["loops skipped"] == 0 and facts["loop when needed"] == facts["installed"]


def test_the_story_columns_order_one_method_alone_differently_for_a_word_problem() -> None:
    replay = bench_module("replay_selection")
    story = ("A baker makes 3 trays of muffins with 9 muffins on each tray. She sells 7 "
             "muffins in the morning and half of the rest in the afternoon, and gives 2 to "
             "her neighbour. How many muffins are left?")
    tasks = {"words": {"id": "words", "prompt": story},
             "code": {"id": "code", "prompt": story}}
    rows = [
        # Three methods, three answers: only the order of one method alone decides.
        {"id": "words", "mode": "agent", "category": "reasoned", "correct": False,
         "candidates": [_cand(0, "direct", "8", True), _cand(1, "program", "12", False,
                                                             computed=True),
                        _cand(3, "bare", "10", False)]},
        {"id": "code", "mode": "agent", "category": "computed", "correct": False,
         "candidates": [_cand(0, "direct", "8", False), _cand(1, "program", "6", True,
                                                              computed=True),
                        _cand(3, "bare", "10", False)]},
    ]
    table = replay.replay(rows, tasks)
    reasoned, computed = table["reasoned"], table["computed"]
    assert reasoned["installed"] == 1 and computed["installed"] == 0  # the reasoning
    assert (reasoned["stories: bare over reasoning"], computed["stories: bare over reasoning"]) \
        == (0, 0)  # the bare answer
    assert (reasoned["stories: program first"], computed["stories: program first"]) == (0, 1)
    assert (reasoned["stories as exact work"], computed["stories as exact work"]) == (0, 1)


def test_the_given_quantities_columns_remove_or_recompute_that_checkers_verdicts() -> None:
    replay = bench_module("replay_selection")
    story = ("A baker makes 3 trays of muffins with 9 muffins on each tray. She sells 7 "
             "muffins in the morning and half of the rest in the afternoon, and gives 2 to "
             "her neighbour. How many muffins are left?")
    tasks = {"old": {"id": "old", "prompt": story}, "new": {"id": "new", "prompt": story}}
    # The program leaves out the 2 muffins given away; the reasoning is right.
    program = {**_cand(1, "program", "10", False, computed=True),
               "code": "trays = 3\nper_tray = 9\nsold = 7\ngiven = 2\n"
                       "print((trays * per_tray - sold) // 2)"}
    rows = [
        # A run before the checker: its program stands and agrees with the bare answer.
        {"id": "old", "mode": "agent", "category": "before", "correct": False,
         "candidates": [_cand(0, "direct", "8", True), program, _cand(3, "bare", "10", False)]},
        # A run with it: the recorded verdict rejected the program.
        {"id": "new", "mode": "agent", "category": "with", "correct": True,
         "candidates": [_cand(0, "direct", "8", True),
                        {**program, "verdicts": {"given-quantities": "reject"}},
                        _cand(3, "bare", "10", False)]},
    ]
    table = replay.replay(rows, tasks)
    before, with_it = table["before"], table["with"]
    assert (before["installed"], before["given-quantities from the code"]) == (0, 1)
    assert (with_it["installed"], with_it["no given-quantities"]) == (1, 0)
    assert with_it["given-quantities from the code"] == 1


def test_the_computed_column_takes_the_flag_again_from_the_kept_program() -> None:
    replay = bench_module("replay_selection")
    tasks = {"yn": {"id": "yn", "prompt": "All cats are mammals. Do all mammals purr? "
                    "(Answer Yes or No)"}}
    typed = 's = "All cats are mammals"\nprint("Yes" if s == "All cats are mammals" else "No")'
    program = {**_cand(1, "program", "Yes", False, computed=True), "code": typed}
    rows = [{"id": "yn", "mode": "agent", "category": "logic", "correct": False, "candidates": [
        _cand(0, "direct", "Yes", False), program, _cand(3, "bare", "No", True)]}]
    logic = replay.replay(rows, tasks)["logic"]
    # As recorded, the program's typed Yes ranks as a computation over the bare No; taken
    # again from its code, it computes nothing and the bare answer is the floor.
    assert (logic["installed"], logic["computed from the code"]) == (0, 1)
