"""Checks that need no tool: the answer's form. They can reject, never accept."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from ponder.graphs.answer_form import asked_template, fits, legend
from ponder.graphs.checkers.base import CheckInput, Verdict
from ponder.graphs.parsing import UNPARSABLE, looks_like_program
from ponder.graphs.policies import Policy, default_policies
from ponder.graphs.prompts import asks_true_false, asks_yes_no

# The markers that wrap fetched web text (tools.web.safety), or an imitation of them.
_DATA_MARKER = re.compile(r"<<<\s*(?:END\s+)?UNTRUSTED\b", re.IGNORECASE)
_URL_ONLY = re.compile(r"^<?https?://\S+>?$", re.IGNORECASE)
_ASKS_URL = re.compile(r"\b(url|urls|link|links|website|web ?site|web address|homepage|home page|"
                       r"web ?page|domain|address)\b", re.IGNORECASE)


class AnswerFormChecker:
    """Rejects an empty answer; for a question, a program instead of its result, the
    markers that wrap fetched web text, and a bare web address when no address was asked
    for; for code, code that does not parse or lacks the entry point.

    Parsing uses :func:`ast.parse`, which never executes the code.
    """

    name = "form"

    async def check(self, item: CheckInput) -> Verdict:
        answer = item.answer.strip()
        if not answer:
            return Verdict(checker=self.name, status="reject", reason="the answer is empty")
        if item.kind != "code":
            if looks_like_program(answer):
                return Verdict(checker=self.name, status="reject", reason=(
                    "the answer is a program, not its result: run it with python and "
                    "answer with what it prints"))
            if _DATA_MARKER.search(answer):
                return Verdict(checker=self.name, status="reject", reason=(
                    "the answer carries the <<<UNTRUSTED ...>>> markers that wrap fetched web "
                    "text: answer with the answer itself"))
            if _URL_ONLY.match(answer) and not _ASKS_URL.search(item.question):
                return Verdict(checker=self.name, status="reject", reason=(
                    "the answer is only a web address, and the task does not ask for one: "
                    "open the page and answer from it, or answer from what you know"))
            return Verdict(checker=self.name, status="unverified",
                           reason="the answer is well-formed; form proves nothing more")
        code = item.code or answer
        try:
            tree = ast.parse(code)
        except SyntaxError as exc:
            return Verdict(checker=self.name, status="reject",
                           reason=f"the code does not parse: {exc.msg} (line {exc.lineno})")
        except UNPARSABLE as exc:
            return Verdict(checker=self.name, status="reject",
                           reason=f"the code does not parse ({type(exc).__name__})")
        if item.entry_point:
            names = {n.name for n in ast.walk(tree)
                     if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
            if item.entry_point not in names:
                return Verdict(checker=self.name, status="reject",
                               reason=f"the code does not define {item.entry_point}")
            if ignored := _ignores_its_arguments(tree, item.entry_point):
                return Verdict(checker=self.name, status="reject", reason=(
                    f"{item.entry_point} never uses its argument(s) {', '.join(ignored)}: it "
                    "returns the same thing for every input (a hard-coded answer passes a "
                    "visible test, not the task). Compute the result from the arguments"))
        return Verdict(checker=self.name, status="unverified",
                       reason="the code parses; only running tests can verify it")


def _ignores_its_arguments(tree: ast.Module, name: str) -> list[str]:
    """The parameters of function ``name`` when its body uses none of them (so it
    returns the same for every input); empty when it uses one, or takes none."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            a = node.args
            params = [p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
            params += [p.arg for p in (a.vararg, a.kwarg) if p is not None]
            params = [p for p in params if p not in ("self", "cls")]
            used = {n.id for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.Name)}
            return params if params and not used & set(params) else []
    return []


_EXPRESSION = re.compile(r"\d\s*[*×^+]\s*\d|\d\s+-\s+\d|\*\*")


class ResultGroundingChecker:
    """Rejects a numeric answer that contradicts what the run's own python printed.

    Small models often compute the right value and then answer with the expression, or
    with a different number; the critique shows them the printed result. Reject-only:
    agreeing with python proves nothing by itself (the code re-run checker judges that).
    """

    name = "grounding"

    async def check(self, item: CheckInput) -> Verdict:
        from ponder.graphs.checkers.code import answer_in, python_steps

        if item.kind != "question":
            return self._unverified()
        answer = item.answer.strip()
        if _EXPRESSION.search(answer):
            return Verdict(checker=self.name, status="reject",
                           reason=f"the answer {answer!r} is an expression: compute it with python (print it) "
                           "and answer with the printed value")
        steps = python_steps(item.trajectory)
        outputs = [s["output"].strip() for s in steps if s["ok"] and s["computed"]]
        outputs = [o for o in outputs if o]
        # What the run found: python's printed results and what other tools returned.
        seen = outputs + [str(s.get("observation", "")) for s in item.trajectory
                          if s.get("action", {}).get("tool") not in ("python", "none")]
        # Only the tool loop's prompt shows the worked examples; another method (the
        # direct reasoning, a program) giving the same value did not copy it.
        if (item.method == "loop" and answer in item.prompts.example_answers(item.action_format)
                and not any(answer_in(answer, o) for o in seen)):
            return Verdict(checker=self.name, status="reject", reason=(
                f"{answer} is the answer of the worked example, not of this task; nothing "
                "in this run gave it. Compute this task's answer with python"))
        if steps and not steps[-1]["ok"] and not any(answer_in(answer, o) for o in seen):
            return Verdict(checker=self.name, status="reject", reason=(
                "the answer was not computed: the last python run failed. Fix the code, "
                "run it, and answer with what it prints"))
        if "python" in item.planned_tools and not outputs and not any(
            answer_in(answer, o) for o in seen
        ):
            return Verdict(checker=self.name, status="reject", reason=(
                "the plan computes this with python, but no python step computed a result (code "
                "that only prints or compares what it typed computes nothing); "
                "compute it with python, print it, and answer with what it prints"))
        if not outputs or not re.search(r"\d", answer):
            return self._unverified()
        if any(answer_in(answer, o) for o in outputs):
            return self._unverified()
        last = outputs[-1]
        if len(last) > 200:
            return self._unverified()
        return Verdict(checker=self.name, status="reject", reason=(
            f"python printed {last!r}, but the answer {answer!r} matches no result python "
            "printed; answer with the computed value, or compute again"))

    def _unverified(self) -> Verdict:
        return Verdict(checker=self.name, status="unverified",
                       reason="no contradiction with the run's python results")


# An answer that starts with a negative number ("-5", "−5 rolls").
_NEGATIVE = re.compile(r"^[^\w\-\u2212]*[-\u2212]\s*\d")
# "Answer with a number", "Give the count numerically", "Respond with just the number".
_ASKS_NUMBER = re.compile(
    r"\b(?:answer|reply|respond|write|give|state|provide|return|express)\b[^.?!\n]{0,40}?"
    r"(?:\bnumeric(?:al)?(?:ly)?\b|\bnumber\b|\bin digits\b)(?![^.?!\n]*\bin words\b)")
# A question that asks for a name ("Name the city", "Give its full name") and says nothing
# of a number: a bare number is no answer to it.
_ASKS_NAME = re.compile(
    r"(?:^|[.?!:]\s+)name\b"
    r"|\b(?:answer|reply|respond|write|give|state|provide|return)\b[^.?!\n]{0,40}?\bname\b",
    re.IGNORECASE | re.MULTILINE)
_MENTIONS_NUMBER = re.compile(
    r"\b(?:how (?:many|much)|numbers?|numeric(?:al)?|count|total|digits?|amount|value)\b",
    re.IGNORECASE)
_ONLY_NUMBER = re.compile(r"\W*[-\u2212+]?\d[\d,.]*%?\W*")
# A question no boolean answers: one that asks who, or to solve.
_ASKS_WHO_OR_SOLVE = re.compile(r"(?:^|[.?!:]\s+)(?:who|whom|whose)\b|\bsolve\b",
                                re.IGNORECASE | re.MULTILINE)
_BOOLEAN = re.compile(r"\W*(?:true|false)\W*", re.IGNORECASE)
# An answer that opens with its verdict (lower case): "No", "Yes.", "No, because …", "True
# (see above)". The verdict word followed by more words on its line is a statement, not
# a verdict: "No humans are artists" restates a conclusion ("No X are Y") and says
# neither Yes nor No.
_VERDICT_FIRST = re.compile(r"\W*(?:yes|no|true|false)\b(?![ \t]+\w).*", re.DOTALL)
_TRUTH_FIRST = re.compile(r"\W*(?:true|false)\b(?![ \t]+\w).*", re.DOTALL)
# The question's own worked example: "(example: sun -> nus)", "e.g. abc → cba".
_WORKED_EXAMPLE = re.compile(
    r"\b(?:example|e\.g\.|for instance)[:,]?\s*['\"]?([^\s()\[\]:,;'\"]+)['\"]?\s*"
    r"(?:->|→|=>|becomes|gives)\s*['\"]?([^\s()\[\],;'\"]+?)['\"]?(?=[\s().,;:]|$)",
    re.IGNORECASE)
_FIRST_N = re.compile(r"\b(first|last) (\d+) (?:hex(?:adecimal)? )?(characters|chars|digits|letters)\b")


def _copied_example(question: str, answer: str) -> str | None:
    """The question's worked example ("sun -> nus") when ``answer`` is that example's
    result and the example's input appears nowhere else in the question (so the task is
    not about it); else None."""
    given = answer.strip().strip("'\"`.").lower()
    for match in _WORKED_EXAMPLE.finditer(question):
        source, result = match.group(1).lower(), match.group(2).lower()
        rest = (question[:match.start()] + question[match.end():]).lower()
        if given == result and source != result and source not in rest:
            return f"{match.group(1)} -> {match.group(2)}"
    return None


class AnswerTypeChecker:
    """Rejects an answer of the wrong kind for what the question asks: not Yes or No (or
    True or False) when asked for one, an answer not in the template the question states
    ("Answer in HH:MM"), a word for "how many" or where a number is asked for ("Answer
    with a number"), a bare number where a name is asked for ("Name the day"), True or
    False to "who" or "solve", the result of the question's own worked example ("example:
    sun -> nus"), a negative count, a length other than "the first N characters".
    Each policy (default: every one) may add a rule
    of its own task family (see graphs.policies). Reject-only: the right kind proves
    nothing."""

    name = "answer-type"

    def __init__(self, policies: Sequence[Policy] | None = None) -> None:
        self.policies = list(default_policies() if policies is None else policies)

    async def check(self, item: CheckInput) -> Verdict:
        if item.kind != "question":
            return self._unverified()
        question, answer = item.question.lower(), item.answer.lower()
        if (template := asked_template(item.question)) and not fits(item.answer, template):
            return self._reject(f"the task asks for the answer in the form {template} "
                                f"({legend(template)}): give it in exactly that form, with "
                                "numbers in place of the letters")
        if asks_yes_no(question):
            if not _VERDICT_FIRST.fullmatch(answer):
                return self._reject("the task asks for Yes or No: answer with Yes or No "
                                    "alone (not a statement such as 'No cats are dogs')")
        elif asks_true_false(question):
            if not _TRUTH_FIRST.fullmatch(answer):
                return self._reject("the task asks for True or False: answer with True or "
                                    "False alone")
        elif reason := self._policy_rejection(item.question, item.answer):
            return self._reject(reason)
        elif re.search(r"\bhow (many|much)\b", question) and not re.search(r"\d", answer):
            return self._reject("the task asks for a quantity: answer with a number")
        elif _ASKS_NUMBER.search(question) and not re.search(r"\d", answer):
            return self._reject("the task asks for the answer as a number: answer with one")
        elif re.search(r"\bhow many\b", question) and _NEGATIVE.match(answer):
            return self._reject("the task asks how many: a count is never negative (check "
                                "which number is taken from which)")
        elif (_ASKS_NAME.search(item.question) and not _MENTIONS_NUMBER.search(item.question)
              and _ONLY_NUMBER.fullmatch(item.answer)):
            return self._reject("the task asks for a name, not a number: answer with the name")
        elif _ASKS_WHO_OR_SOLVE.search(item.question) and _BOOLEAN.fullmatch(item.answer):
            return self._reject("True or False is no answer to this task: it asks who, or "
                                "for a solution; answer with that")
        if copied := _copied_example(item.question, item.answer):
            return self._reject(f"{item.answer.strip()} is the result of the task's own worked "
                                f"example ({copied}), not of this task: work on the task's input")
        if (wanted := _FIRST_N.search(question)) and " " not in item.answer.strip():
            which, count, unit = wanted.group(1), int(wanted.group(2)), wanted.group(3)
            given = item.answer.strip()
            if len(given) != count:
                cut = given[:count] if which == "first" else given[-count:]
                more = f": the {which} {count} of yours are {cut}" if len(given) > count else ""
                return self._reject(f"the task asks for the {which} {count} {unit}; the answer "
                                    f"has {len(given)}{more}")
        return self._unverified()

    def _policy_rejection(self, question: str, answer: str) -> str | None:
        for policy in self.policies:
            if reason := policy.answer_type_rejection(question, answer):
                return reason
        return None

    def _reject(self, reason: str) -> Verdict:
        return Verdict(checker=self.name, status="reject", reason=reason)

    def _unverified(self) -> Verdict:
        return Verdict(checker=self.name, status="unverified",
                       reason="the answer is of the kind the question asks for")
