"""Every route out of think and verify, without a graph."""

from ponder.agent.settings import BudgetSettings
from ponder.graphs.routing import next_after_think, next_after_verify
from ponder.graphs.state import empty_usage

BUDGET = BudgetSettings(max_steps=5, max_verify_rounds=3, replan_after_rejections=2,
                        tool_loop="always")
NEEDED = BUDGET.model_copy(update={"tool_loop": "needed"})


def state(**kw):
    base = {"task": {"question": "q"}, "candidates": [], "verdicts": [], "usage": empty_usage()}
    base.update(kw)
    return base


def cand(i: int) -> dict:
    return {"index": i, "answer": "a", "step": 0, "code": None}


def verdict(i: int, status: str) -> dict:
    return {"candidate": i, "checker": "c", "status": status, "reason": "", "evidence": []}


def test_a_tool_action_goes_to_act() -> None:
    assert next_after_think(state(pending_action={"tool": "echo"}), BUDGET) == "act"


def test_a_new_candidate_goes_to_verify() -> None:
    assert next_after_think(state(candidates=[cand(0)]), BUDGET) == "verify"


def test_an_unreadable_reply_goes_back_to_think() -> None:
    assert next_after_think(state(), BUDGET) == "think"


def test_a_spent_budget_goes_to_finalize() -> None:
    assert next_after_think(state(usage={**empty_usage(), "steps": 5}), BUDGET) == "finalize"


def test_accept_and_unverified_finalize() -> None:
    for status in ("accept", "unverified"):
        s = state(candidates=[cand(0)], verdicts=[verdict(0, status)])
        assert next_after_verify(s, BUDGET) == "finalize"


def test_first_rejection_goes_back_to_think() -> None:
    s = state(candidates=[cand(0)], verdicts=[verdict(0, "reject")],
              usage={**empty_usage(), "verify_rounds": 1, "rejections": 1})
    assert next_after_verify(s, BUDGET) == "think"


def test_repeated_rejection_replans() -> None:
    s = state(candidates=[cand(0), cand(1)], verdicts=[verdict(0, "reject"), verdict(1, "reject")],
              usage={**empty_usage(), "verify_rounds": 2, "rejections": 2})
    assert next_after_verify(s, BUDGET) == "plan"


def test_verify_round_cap_finalizes() -> None:
    s = state(candidates=[cand(2)], verdicts=[verdict(2, "reject")],
              usage={**empty_usage(), "verify_rounds": 3, "rejections": 3})
    assert next_after_verify(s, BUDGET) == "finalize"


def test_rejection_with_spent_budget_finalizes() -> None:
    s = state(candidates=[cand(0)], verdicts=[verdict(0, "reject")],
              usage={**empty_usage(), "verify_rounds": 1, "rejections": 1, "steps": 5})
    assert next_after_verify(s, BUDGET) == "finalize"


CODE_TASK = {"question": "def f(x):\n    '''>>> f(1)\n    2'''", "kind": "code",
             "entry_point": "f", "tests": "assert f(1) == 2"}


def code_cand(i: int, method: str) -> dict:
    code = f"def f(x):\n    return x + {i + 1}"
    return {"index": i, "answer": code, "step": 0, "code": code, "method": method}


def rerun(i: int, status: str, score: float) -> dict:
    return {"candidate": i, "checker": "code-rerun", "status": status, "reason": "",
            "evidence": [], "score": score}


def doubt(i: int) -> dict:
    return {"candidate": i, "checker": "second-implementation", "status": "unverified",
            "reason": "an independent implementation disagrees", "evidence": [], "blocks": True}


def test_code_passing_all_its_examples_without_a_doubt_ends_before_the_loop() -> None:
    s = state(task=CODE_TASK, candidates=[code_cand(0, "direct")],
              verdicts=[rerun(0, "unverified", 1.0)])
    assert next_after_verify(s, BUDGET) == "finalize"


def test_code_passing_its_examples_with_a_doubt_goes_on_to_the_loop_only_when_always() -> None:
    s = state(task=CODE_TASK, candidates=[code_cand(0, "direct")],
              verdicts=[rerun(0, "unverified", 1.0), doubt(0)])
    assert next_after_verify(s, BUDGET) == "plan"
    # "needed": a complete function no check rejected stands; the loop is not run for it.
    assert next_after_verify(s, NEEDED) == "finalize"


def test_code_failing_an_example_is_revised_then_a_passing_sample_ends_the_turn() -> None:
    s = state(task=CODE_TASK, candidates=[code_cand(0, "direct")],
              verdicts=[rerun(0, "reject", 0.5)])
    assert next_after_verify(s, BUDGET) == "revise"
    no_rounds = BUDGET.model_copy(update={"max_revisions": 0})
    assert next_after_verify(s, no_rounds) == "plan"
    after = state(task=CODE_TASK,
                  candidates=[code_cand(0, "direct"), code_cand(2, "revise"), code_cand(4, "sample")],
                  verdicts=[rerun(0, "reject", 0.5), rerun(2, "reject", 0.0),
                            rerun(4, "unverified", 1.0)],
                  usage={**empty_usage(), "revisions": 1})
    assert next_after_verify(after, BUDGET) == "finalize"
    none_pass = {**after, "verdicts": [rerun(0, "reject", 0.5), rerun(2, "reject", 0.0),
                                       rerun(4, "reject", 0.5)], "revised": [0]}
    assert next_after_verify(none_pass, BUDGET) == "revise"  # the sample's turn
    spent = {**none_pass, "usage": {**empty_usage(), "revisions": BUDGET.max_revisions}}
    assert next_after_verify(spent, BUDGET) == "plan"
    all_revised = {**none_pass, "revised": [0, 2, 4]}
    assert next_after_verify(all_revised, BUDGET) == "plan"
    # Every function fails its examples after the rounds: with "needed" the one passing
    # the most stands (the loop's code was right on 1 of 28 such dev tasks); the loop
    # runs only when no complete function exists at all.
    assert next_after_verify(all_revised, NEEDED) == "finalize"
    signature_only = {**all_revised, "candidates": [
        {**c, "answer": "def f(x):", "code": "def f(x):"} for c in all_revised["candidates"]]}
    assert next_after_verify(signature_only, NEEDED) == "plan"
    other_name = {**all_revised, "candidates": [
        {**c, "answer": "def g(x):\n    return x", "code": "def g(x):\n    return x"}
        for c in all_revised["candidates"]]}
    assert next_after_verify(other_name, NEEDED) == "plan"


def test_the_next_revision_takes_the_best_function_not_yet_revised() -> None:
    from ponder.graphs.nodes.revise import to_revise

    cands = [code_cand(0, "direct"), code_cand(2, "revise"), code_cand(4, "sample"),
             code_cand(5, "sample")]
    verdicts = [rerun(0, "reject", 0.5), rerun(2, "reject", 0.5), rerun(4, "reject", 0.25),
                rerun(5, "reject", 0.0)]
    s = state(task=CODE_TASK, candidates=cands, verdicts=verdicts, revised=[0],
              usage={**empty_usage(), "revisions": 1})
    found = to_revise(s, 3)
    assert found is not None and found[0]["index"] == 2  # ties with direct, which is done
    s["revised"] = [0, 2]
    found = to_revise(s, 3)
    assert found is not None and found[0]["index"] == 4  # then the best of the rest
    assert to_revise(s, 1) is None  # the rounds are spent
    # Once a function passes every example, rounds stop, even when a doubt about it
    # (blocking) keeps the run from ending there: with tool_loop "always" the loop
    # settles it, not more revisions; with "needed" the function stands as it is.
    passing = {**s, "verdicts": [*verdicts[:2], rerun(4, "unverified", 1.0), doubt(4),
                                 rerun(5, "reject", 0.0)]}
    assert to_revise(passing, 3) is None
    assert next_after_verify(passing, BUDGET) == "plan"
    assert next_after_verify(passing, NEEDED) == "finalize"


async def test_a_later_rounds_revision_is_numbered_after_the_samples() -> None:
    from ponder.graphs.context import GraphContext
    from ponder.graphs.nodes.revise import revise_node
    from ponder.testing import ScriptedChatModel

    # Round 1 gave no new revision (the reply repeated the direct code), only samples.
    cands = [code_cand(0, "direct"), code_cand(4, "sample"), code_cand(5, "sample")]
    verdicts = [rerun(0, "reject", 0.0), rerun(4, "reject", 0.5), rerun(5, "reject", 0.5)]
    s = state(task=CODE_TASK, candidates=cands, verdicts=verdicts, revised=[0],
              usage={**empty_usage(), "revisions": 1})
    model = ScriptedChatModel(["```python\ndef f(x):\n    return x * 2\n```"])
    out = await revise_node(s, GraphContext(model=model), lambda event: None)
    assert out["revised"] == [5]  # the latest of the two best
    # Index order is age order: the new revision is the latest, so a tie goes to it.
    assert [(c["index"], c["method"]) for c in out["candidates"]] == [(6, "revise")]


def test_a_question_never_ends_on_example_scores() -> None:
    s = state(task={"question": "2+2?"}, candidates=[{**code_cand(0, "direct")}],
              verdicts=[rerun(0, "unverified", 1.0)])
    assert next_after_verify(s, BUDGET) == "plan"
