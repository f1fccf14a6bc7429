"""One selector: pick the candidate with the strongest evidence.

Evidence, strongest first:

1. **accepted** by a checker with real evidence (the task's own examples ran, an exact
   expression evaluated, a quote found in a fetched source);
2. **the vote**, only when a question's first answers disagreed and the run drew more of
   them (``nodes.draw``): the answer the most standing answers give (``votes``). Two
   calls of one method are too few to tell a misreading from the right reading; the
   majority of several draws of both methods is right far more often (dev stories,
   0.5B: 21/25 against 17 for the reasoning alone). A vote selects and never verifies:
   draws of one model agreeing are no independent evidence. Ties go on down this list;
3. **agreement across methods**: the number of *different* methods (direct reasoning, a
   program, the tool loop) whose answers agree with it. Samples of one method agreeing
   count once: a small model repeats its own misreading. The bare answer and the direct
   reasoning are one method here, the model's words with no tool: two calls of one model
   reading the task alike are not independent. Agreement on a two-valued
   answer (yes/no, true/false) counts for nothing: two guesses agree half the time by
   chance, so it is no evidence (``two_valued``);
4. **one method alone**, ordered by which method is the stronger for the task: for exact
   work a computation beats words; for a word problem (a story to understand) the model's
   words beat its programs, which misread stories more often; for code, a complete
   function with no doubt found about it beats one with a doubt. Among answers in words
   to a word problem, the direct reasoning comes first and the bare answer (the final
   answer alone, in a bare call's words) second: on the dev stories the bare answer is
   the weakest method (replayed on five dev runs' candidates, reasoning first selected
   16 more right answers and 1 fewer, ``bench/runs/draws-short-dev-32ae96c/``). On other
   questions the bare answer comes before the reasoning: it is the floor there, and
   reasoning aloud replaces it only with support from another method.

Code candidates that nothing above separates (say a revision and two samples that all
pass the task's examples) are ordered CodeT-style by a tie-breaker (``tied_code``; the
second-implementation checker runs them side by side on inputs derived from the
examples): the code that agrees with the most of the others wins. Agreement among
samples only breaks ties; it never verifies and never outranks evidence.

Rejected candidates are chosen only when nothing else is left, and then one of the right
kind first (one no answer-type check rejected). A model judge never selects.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ponder.graphs.checkers.agreement import is_word_problem
from ponder.graphs.checkers.base import Verdict, combine
from ponder.graphs.checkers.code import answer_in, numbers, python_steps
from ponder.graphs.parsing import implements
from ponder.graphs.state import DRAWN_FROM, Candidate, PonderState, VerdictRecord

_KIND_CHECKERS = ("form", "answer-type")
_TWO_VALUES = frozenset({"yes", "no", "true", "false"})
# Methods that are one source of evidence for agreement: calls of the model alone, and
# each method's draws with it.
_SAME_SOURCE = {"bare": "words", "direct": "words", "direct_sample": "words",
                "program_sample": "program"}
# Methods whose every answer stands (not only the latest): independent draws, revisions.
_EACH_STANDS = ("sample", "revise", *DRAWN_FROM)
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
# One method alone, for a word problem (a story to understand): higher is stronger.
WORD_PROBLEM_RANK = {"direct": 4, "bare": 3, "loop": 2, "program": 1}


def status_of(verdicts: list[VerdictRecord], index: int) -> str:
    """accept / reject / unverified / unchecked for one candidate, from its recorded
    verdicts, by the checkers' one rule (checkers.base.combine)."""
    mine = [Verdict(checker=v["checker"], status=v["status"], reason=v["reason"],
                    blocks=bool(v.get("blocks", False)))
            for v in verdicts if v["candidate"] == index]
    return combine(mine) if mine else "unchecked"


def agree(a: str, b: str) -> bool:
    """Whether two answers say the same: the same numbers (1e-9 relative) when either has
    numbers, else the same words (case, spacing and trailing full stops aside)."""
    if numbers(a) or numbers(b):
        return bool(numbers(a)) and answer_in(a, b) and answer_in(b, a)
    return answer_in(a, b) and answer_in(b, a)


def two_valued(answer: str) -> bool:
    """Whether an answer is one of two values (yes/no, true/false; case and surrounding
    punctuation aside), where two methods agree by chance half the time."""
    return _EDGES.sub("", answer.strip().lower()) in _TWO_VALUES


def source(candidate: Candidate) -> str:
    """The candidate's source of evidence for agreement: its method, with the bare answer
    and the direct reasoning one source ("words")."""
    method = candidate.get("method", "loop")
    return _SAME_SOURCE.get(method, method)


def support(candidate: Candidate, others: list[Candidate]) -> set[str]:
    """The distinct sources (``source``) among ``others`` (and the candidate's own) that
    give the candidate's answer; only its own for a two-valued answer (agreement there is
    chance as often as evidence)."""
    sources = {source(candidate)}
    if two_valued(candidate["answer"]):
        return sources
    for other in others:
        if (other["index"] != candidate["index"] and agree(candidate["answer"], other["answer"])
                and not _typed(other)):
            sources.add(source(other))
    return sources


def _typed(candidate: Candidate) -> bool:
    """Whether the candidate is a program's answer that its program only typed (it
    computed nothing, ``checkers.code.computes``): the model's words again, no other
    source of evidence."""
    program = candidate.get("program")
    return bool(program) and not program.get("computed", True)


def votes(candidate: Candidate, others: list[Candidate]) -> int:
    """How many of ``others`` (the candidate among them) give the candidate's answer: the
    vote of a question's drawn answers (``nodes.draw``). Draws of one model agreeing
    select; they are no independent evidence and never verify."""
    return sum(1 for other in others if agree(candidate["answer"], other["answer"]))


def computed(state: PonderState, cand: Candidate) -> bool:
    """Whether a successful python run that computes something printed this answer: the
    candidate's own program, or a python step of the loop before it."""
    if program := cand.get("program"):
        return bool(program.get("ok")) and bool(program.get("computed"))
    trajectory = [dict(s) for s in state.get("trajectory", [])[: cand["step"]]]
    return any(s["ok"] and s["computed"] and answer_in(cand["answer"], s["output"])
               for s in python_steps(trajectory))


def blocked(state: PonderState, cand: Candidate) -> bool:
    """Whether a check found an unsettled doubt about this candidate (an independent
    implementation disagrees with it)."""
    return any(v["candidate"] == cand["index"] and v["status"] == "unverified"
               and v.get("blocks") for v in state.get("verdicts", []))


def method_rank(state: PonderState, cand: Candidate) -> int:
    """How strong a candidate's method alone is for this task (higher is stronger)."""
    task = state.get("task") or {}
    method = cand.get("method", "loop")
    method = DRAWN_FROM.get(method, method)  # a draw is as strong as its method
    if task.get("kind") == "code":
        # The direct completion is the floor; the loop's code wins only when it has no
        # doubt and the direct one has (see finalize's tie rule).
        return (3 if method == "direct" else 2) - (2 if blocked(state, cand) else 0)
    if is_word_problem(task.get("question", "")):
        return WORD_PROBLEM_RANK.get(method, 0)
    if computed(state, cand):
        return 4 if method == "loop" else 3
    return {"bare": 2, "direct": 1}.get(method, 0)


def complete(state: PonderState, candidates: list[Candidate]) -> list[Candidate]:
    """For a coding task, the candidates whose code parses and defines the entry point
    (a bare signature is never returned while a complete function exists)."""
    task = state.get("task") or {}
    entry = task.get("entry_point")
    if task.get("kind") != "code" or not entry:
        return candidates
    done = [c for c in candidates if implements(c.get("code") or c["answer"], entry)]
    return done or candidates


def _standing(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates that stand for their method: only the latest answer of each method
    (earlier loop answers were superseded), except samples and draws, each an
    independent draw, and revisions, each the correction of another function."""
    latest: dict[Any, Candidate] = {}
    for c in candidates:
        method = c.get("method", "loop")
        latest[(method, c["index"]) if method in _EACH_STANDS else method] = c
    return list(latest.values())


def _open(state: PonderState, candidates: list[Candidate]) -> list[Candidate]:
    verdicts = state.get("verdicts", [])
    return [c for c in candidates
            if status_of(verdicts, c["index"]) in ("unverified", "unchecked")]


def tied_code(state: PonderState) -> list[Candidate]:
    """For a coding task with no accepted candidate: the standing open candidates that
    share the best method rank, when there are two or more with different code (the
    ones a tie-breaker may order); else []."""
    task = state.get("task") or {}
    if task.get("kind") != "code":
        return []
    candidates = complete(state, state.get("candidates", []))
    verdicts = state.get("verdicts", [])
    if any(status_of(verdicts, c["index"]) == "accept" for c in candidates):
        return []
    open_ = _open(state, candidates)
    if any(tests_passed(verdicts, c["index"]) >= 0 for c in candidates):
        open_ = [c for c in open_ if tests_passed(verdicts, c["index"]) >= 0]  # as ``best``
    standing = _standing(open_)
    if not standing:
        return []
    top = max(method_rank(state, c) for c in standing)
    tied = [c for c in standing if method_rank(state, c) == top]
    return tied if len({c.get("code") or c["answer"] for c in tied}) >= 2 else []


def best(state: PonderState, agreement: Mapping[int, int] | None = None
         ) -> tuple[Candidate | None, str]:
    """The selected candidate and its status (accept / unverified / unchecked / reject /
    none), by the order of evidence in this module's docstring. ``agreement`` (candidate
    index → how many tied candidates' code agrees with its own, from a tie-breaker) orders
    code candidates that nothing else separates."""
    candidates = complete(state, state.get("candidates", []))
    verdicts = state.get("verdicts", [])
    status = {c["index"]: status_of(verdicts, c["index"]) for c in candidates}
    for cand in reversed(candidates):
        if status[cand["index"]] == "accept":
            return cand, "accept"
    open_ = _open(state, candidates)
    if (state.get("task") or {}).get("kind") == "code" and any(
            tests_passed(verdicts, c["index"]) >= 0 for c in candidates):
        # A function whose run on the task's tests never finished (the time budget cut
        # its check off, the sandbox failed) is not open, it is unknown: it does not
        # replace one that ran them, even one that failed some (then the most passed wins).
        open_ = [c for c in open_ if tests_passed(verdicts, c["index"]) >= 0]
    if open_:
        # Ties go to the later candidate.
        standing = _standing(open_)
        is_code = (state.get("task") or {}).get("kind") == "code"
        ties = agreement or {}

        drawn = not is_code and any(c.get("method") in DRAWN_FROM for c in standing)

        def strength(c: Candidate) -> tuple[int, int, int, int, bool, int]:
            # Two pieces of code are compared by running them, not by their text. On a
            # tie, the greedy answer of a method goes before a hot draw of it.
            agreeing = 1 if is_code else len(support(c, standing))
            return (votes(c, standing) if drawn else 0, agreeing, method_rank(state, c),
                    ties.get(c["index"], 0), c.get("method") not in DRAWN_FROM, c["index"])

        chosen = max(standing, key=strength)
        return chosen, status[chosen["index"]]
    wrong_kind = {v["candidate"] for v in verdicts
                  if v["status"] == "reject" and v["checker"] in _KIND_CHECKERS}
    right_kind = [c for c in candidates if c["index"] not in wrong_kind]
    if right_kind:
        # Code that fails its tests: the one that passes the most of them; then one an
        # exact check accepted though another rejected it (the expression proved right,
        # a heuristic objecting to its form); then the latest.
        accepted = {v["candidate"] for v in verdicts if v["status"] == "accept"}
        return max(right_kind, key=lambda c: (tests_passed(verdicts, c["index"]),
                                              c["index"] in accepted, c["index"])), "reject"
    return (candidates[-1], "reject") if candidates else (None, "none")


def tests_passed(verdicts: list[VerdictRecord], index: int) -> float:
    """The best fraction of the task's tests a candidate's code passed (-1: never tested)."""
    scores = [v.get("score") for v in verdicts if v["candidate"] == index]
    return max((float(x) for x in scores if x is not None), default=-1.0)


def examples_settle(state: PonderState) -> bool:
    """For a coding task: whether an open, complete function passed every one of the
    task's own examples with no doubt found about it (no blocking verdict). The tool loop
    may then stop before it starts: its code could only tie on that evidence, and it ranks
    below the direct completion (``method_rank``), so after a direct function that passes
    it could never be selected; a function the examples cannot tell apart from it is not
    worth the loop's minutes. Nothing here verifies: below ``MIN_TESTS_TO_ACCEPT`` tests
    the answer stays unverified."""
    task = state.get("task") or {}
    entry = task.get("entry_point")
    if task.get("kind") != "code" or not entry:
        return False
    verdicts = state.get("verdicts", [])
    return any(implements(c.get("code") or c["answer"], entry)
               and status_of(verdicts, c["index"]) in ("unverified", "unchecked")
               and not blocked(state, c) and tests_passed(verdicts, c["index"]) >= 1.0
               for c in state.get("candidates", []))


def first_methods_agree(state: PonderState) -> bool:
    """Whether the direct answer and the program's answer (different methods) agree and
    neither was rejected: the run may stop without the tool loop. Agreement across
    methods selects; it does not verify. Agreement on a two-valued answer does not count
    (``two_valued``)."""
    candidates = state.get("candidates", [])
    verdicts = state.get("verdicts", [])
    direct = next((c for c in candidates if c.get("method") == "direct"), None)
    program = next((c for c in candidates if c.get("method") == "program"), None)
    if direct is None or program is None or not computed(state, program):
        return False
    if "reject" in (status_of(verdicts, direct["index"]), status_of(verdicts, program["index"])):
        return False
    return not two_valued(direct["answer"]) and agree(direct["answer"], program["answer"])


def first_answer_stands(state: PonderState) -> bool:
    """Whether the first methods (and a coding task's revision rounds) left an answer of
    the strength the task needs, so the tool loop need not run (``budget.tool_loop =
    "needed"``):

    - for code, a complete function that defines the entry point, even one that fails
      the task's examples: the selector then returns the function that passes the most.
      On the 28 recorded dev code tasks where every function still failed after the
      revision rounds, the loop's own code was right once, at most of those tasks' time;
      it runs only when no complete function exists at all;
    - for a word problem (a story to understand), any answer no check rejected: the
      loop's programs misread stories as the program method does, and its answers rank
      below the model's words;
    - for any other question, an answer a program computed (``computed``) that no check
      rejected and that is not one of two values (``two_valued``). An answer in words
      alone is not enough there: the loop may compute it or look it up (a question of
      knowledge goes to the web tools this way; a program cannot compute a fact). A
      computed yes/no is no stronger than a guess: the program encodes the model's own
      reading of the logic, so the loop still adds its vote.

    Nothing here verifies: the answer that stands is selected as before, unverified."""
    task = state.get("task") or {}
    verdicts = state.get("verdicts", [])
    candidates = state.get("candidates", [])
    if task.get("kind") == "code":
        entry = task.get("entry_point")
        return bool(entry) and any(implements(c.get("code") or c["answer"], entry)
                                   for c in candidates)
    standing = [c for c in candidates
                if status_of(verdicts, c["index"]) in ("unverified", "unchecked")]
    if is_word_problem(task.get("question", "")):
        return bool(standing)
    return any(computed(state, c) and not two_valued(c["answer"]) for c in standing)
