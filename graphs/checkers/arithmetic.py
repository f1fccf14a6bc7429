"""An independent evaluation of an arithmetic expression written in the task.

"Calculate -( -2683 / 2683 + 9220 )" or "What is 314159265 * 271828182?": small models
compute these with python but sometimes copy the expression wrongly, and re-running
their code only reproduces the mistake. This checker evaluates the expression stated in
the task itself — exactly, with fractions, through a whitelist of AST nodes, never
``eval`` — and compares. It does not apply to word problems (their numbers are not an
expression to evaluate) nor to a task stating an equation (``equation`` judges those).
"""

from __future__ import annotations

import ast
import math
import re
from fractions import Fraction

from ponder.graphs.checkers.agreement import EXPRESSION as _HAS_OPERATOR
from ponder.graphs.checkers.agreement import final_number, is_word_problem
from ponder.graphs.checkers.base import CheckInput, Verdict
from ponder.graphs.checkers.equation import task_equations
from ponder.graphs.parsing import UNPARSABLE

_CANDIDATE = re.compile(r"[-+*/×÷^()\d\s.,]{3,}")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})
_MAX_EXPONENT = 64
_MAX_DIGITS = 400


class UnsupportedExpression(ValueError):
    """The text is not a plain arithmetic expression this checker can evaluate."""


def task_expression(question: str) -> str | None:
    """The longest plain arithmetic expression in the question, if any."""
    found = []
    for found_at in _CANDIDATE.finditer(question):
        match = found_at.group()
        before = question[max(0, found_at.start() - 1):found_at.start()]
        after = question[found_at.end():found_at.end() + 1]
        if (before == ":" and match[0].isdigit()) or (after == ":" and match[-1].isdigit()):
            # Part of a clock reading: "23:11 +1200" is a time and its UTC offset,
            # "2427-03-03 08:50" a date and an hour, not a sum or a subtraction.
            continue
        # A full stop or comma ending the sentence before it ("… the final value.\n(3.6 -
        # 1.1) * 9.5") belongs to the prose; one before a digit is a decimal point.
        text = re.sub(r"^[.,]+(?!\d)", "", match.strip()).strip().rstrip(".,").strip()
        if re.fullmatch(r"\d{1,4}[-/]\d{1,2}[-/]\d{1,4}", text):
            continue  # a date, not a subtraction or a division
        if _HAS_OPERATOR.search(text) and text.count("(") == text.count(")"):
            found.append(text)
    return max(found, key=len) if found else None


def evaluate(expression: str) -> Fraction:
    """Evaluate exactly. Raises UnsupportedExpression for anything but + - * / ** ( )."""
    text = expression.replace("×", "*").replace("÷", "/").replace("^", "**").replace(",", "")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise UnsupportedExpression(str(exc)) from None
    except UNPARSABLE as exc:  # nested too deep, or too long, to be one of ours
        raise UnsupportedExpression(f"not parsed: {type(exc).__name__}") from None
    return _eval(tree.body)


def _eval(node: ast.expr) -> Fraction:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return Fraction(str(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _eval(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            if right == 0:
                raise UnsupportedExpression("division by zero")
            return left / right
        if isinstance(node.op, ast.Pow):
            if right.denominator != 1 or abs(right) > _MAX_EXPONENT:
                raise UnsupportedExpression("exponent too large or fractional")
            result = left ** int(right)
            if len(str(result.numerator)) > _MAX_DIGITS:
                raise UnsupportedExpression("result too large")
            return result
    raise UnsupportedExpression(f"unsupported syntax: {type(node).__name__}")


# A word right before the expression that makes it an argument, not the request
# ("sqrt(16) + 2", "(3 + 4) mod 5" is caught after it), and words anywhere in the task
# that ask for more than the expression's value ("Then multiply the result by 4",
# "rounded down", "squared"): the expression is then not what is asked.
_ARGUMENT_OF = re.compile(r"\b(?:mod|modulo|sqrt|root|abs|log|ln|exp|sin|cos|tan|factorial|"
                          r"floor|ceil|ceiling|round|int|percent)\W*$", re.IGNORECASE)
_MORE_ASKED = re.compile(r"\b(?:then|multipl\w*|divid\w*|add|added|adding|subtract\w*|"
                         r"squared?|cubed?|double[ds]?|halve[ds]?|twice|thrice|"
                         r"percent\w*|reciprocal|remainder|modulo|mod|floor|ceiling|"
                         r"integer|whole number|nearest|truncat\w*|negat\w*|absolute)\b",
                         re.IGNORECASE)
# Words that make the expression an argument when they ask in its own sentence ("What is
# half of 2 + 3?"); elsewhere they may be an instruction on form ("rounding up from the
# half").
_OF_IT = re.compile(r"\b(?:half|square|cube|root|percent\w*|reciprocal)\b", re.IGNORECASE)
# The verbs that ask for the expression itself when they come before it in its sentence
# ("Add 12 + 7.", "Multiply: 12 * 7", "Divide 84 / 7").
_PLAIN_VERBS = re.compile(r"\b(?:multipl\w*|divid\w*|add|adding|subtract\w*)\b",
                          re.IGNORECASE)
# Words after the expression that ask for nothing more.
_HARMLESS_AFTER = re.compile(r"\s*(?:,?\s*(?:exactly|precisely|please|in total|equals?|"
                             r"step[- ]by[- ]step|by hand|for me|show your work(?:ing)?)\b)+",
                             re.IGNORECASE)
# A follow-up turn that builds on an earlier one ("Now add 4 + 1 to that result").
_REFERS_BACK = re.compile(r"\b(?:that|the result|the previous|previous|above|it|this|"
                          r"those|these|again|now)\b", re.IGNORECASE)
_ROUNDED = re.compile(r"\bround\w*|\bsignificant\b|\bdecimal places?\b", re.IGNORECASE)
# A number as an answer states it: thousands separated in groups of three ("12,0" is no
# 120), not inside a word or an exponent.
_ANSWER_NUMBER = re.compile(r"(?<![\w.,])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w.,]*\d)")


_PRECISION = re.compile(r"(\d+)\s+(significant|decimal)", re.IGNORECASE)


def _finer_than_asked(question: str, number: str) -> bool:
    """Whether ``number`` has more decimals (or significant digits) than the task asks
    for; a precision finer than the checker's own tolerance (1e-6) is not judged."""
    asked = _PRECISION.search(question)
    if asked is None:
        return False
    digits = int(asked.group(1))
    unsigned = number.lstrip("-")
    if asked.group(2).lower() == "decimal":
        return digits < 6 and len(unsigned.partition(".")[2]) > digits
    significant = len(unsigned.replace(".", "").lstrip("0").rstrip("0") or "0")
    return digits < 7 and significant > digits


def _rounding_slack(question: str, value: float) -> float | None:
    """How far a correctly rounded answer may be from ``value`` when the task asks for
    rounding (to N decimals, N significant digits, or unspecified: half a percent)."""
    if not _ROUNDED.search(question) or not math.isfinite(value):
        return None
    asked = _PRECISION.search(question)
    if asked is None:
        return 0.005 * max(1.0, abs(value))
    digits = int(asked.group(1))
    if asked.group(2).lower() == "decimal":
        return 0.5 * 10.0 ** -digits * (1 + 1e-9)
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    return 0.5 * 10.0 ** (magnitude - digits + 1) * (1 + 1e-9)


def stated_alone(question: str, expression: str) -> bool:
    """Whether ``expression`` is the whole of what ``question`` asks: nothing touches it
    (a function name, ``%``, an exponent's ``e``), nothing follows it in its sentence
    ("…, rounded down", "2 + 3 squared", "3/4 of 20"), and no other part of the task asks
    for more ("Then multiply the result by 4")."""
    at = question.find(expression)
    if at < 0:
        return False
    before, after = question[:at], question[at + len(expression):]
    if before[-1:].isalnum() or before[-1:] in ("_", "%") or after[:1].isalnum():
        return False  # touching: "sqrt(16) + 2" read as "(16) + 2", "1.5e3" as "3 + 2"
    if before.rstrip()[-1:] in tuple("%^*/+-×÷=<>!") or _ARGUMENT_OF.search(before):
        return False  # a fragment of a longer expression, or an argument of a function
    after = _HARMLESS_AFTER.sub("", after, count=1) if _HARMLESS_AFTER.match(after) else after
    if not re.match(r"\s*=?\s*(?:\?|[.!:;]\s|[.!:;]?\s*$|\n)", after):
        return False  # more words in its sentence
    # Before it in its own sentence, a plain verb asks for it ("Add 12 + 7."); anywhere
    # else in the task such a word asks for a further step ("Then multiply by 4.").
    split = max(before.rfind(". "), before.rfind("? "), before.rfind("! "), before.rfind("\n"))
    own, earlier = before[split + 1:], before[:split + 1]
    if _MORE_ASKED.search(_PLAIN_VERBS.sub(" ", own)) or _OF_IT.search(own):
        return False
    return not _MORE_ASKED.search(earlier + " " + after)


class ExpressionChecker:
    """Accepts an answer equal to the task's own expression, rejects one that is not."""

    name = "expression"

    async def check(self, item: CheckInput) -> Verdict:
        expression = task_expression(item.question) if item.kind == "question" else None
        if expression is None or is_word_problem(item.question):
            return self._verdict("unverified", "the task states no arithmetic expression")
        if task_equations(item.question):
            # "3*x + 5*2 = 20": a part of an equation is not the value asked for.
            return self._verdict("unverified", "the task states an equation; the equation "
                                 "checker judges it")
        if item.context.strip() and _REFERS_BACK.search(item.question):
            # "Now add 4 + 1 to that result": a follow-up turn builds on an earlier one.
            return self._verdict("unverified", "the task follows earlier turns; its "
                                 "expression alone is not what is asked")
        if not stated_alone(item.question, expression):
            return self._verdict("unverified", f"the task asks for more than the value of "
                                 f"{expression!r} (a function, a rounding, a further step)")
        try:
            value = evaluate(expression)
        except UnsupportedExpression as exc:
            return self._verdict("unverified", f"cannot evaluate {expression!r}: {exc}")
        answer = item.answer.translate(_MINUS)
        claimed = final_number(answer)
        if claimed is None:
            return self._verdict("unverified", "the answer has no number to compare")
        tail = answer.rsplit("Answer:", 1)[-1]
        if "=" in tail:  # "12 * 7 = 84" restates the sum: the value is after the last =
            tail = tail.rsplit("=", 1)[1]
        stated = {n.replace(",", "") for n in _ANSWER_NUMBER.findall(tail)}
        if len(stated) == 1 and not re.search(r"\d[eE][-+]?\d", tail):
            number = stated.pop()
            if value.denominator == 1:  # an integer compares exactly, never as a float
                whole = re.fullmatch(r"(-?\d+)(?:\.0+)?", number)
                agree = whole is not None and int(whole.group(1)) == value
            else:
                agree = abs(Fraction(number) - value) <= Fraction(1, 10**6) * max(1, abs(value))
            if agree and _finer_than_asked(item.question, number):
                # "to 2 decimal places": 2.333 is the value, not the answer asked for.
                return self._verdict("unverified", "the answer is the expression's value, "
                                     "but with more digits than the task asks for")
            if agree:
                return self._verdict("accept", f"the task's expression {expression!r} "
                                     "evaluates exactly to the answer",
                                     [f"{expression} = {_show(value)}"])
        elif len(stated) > 1:
            if abs(claimed - float(value)) <= 1e-6 * max(1.0, abs(float(value))):
                return self._verdict("unverified", "the answer states more than one number")
        else:
            return self._verdict("unverified", "the answer's number is not written plainly "
                                 "(an exponent, a number inside a word)")
        try:
            slack = _rounding_slack(item.question, float(value))
        except OverflowError:  # a value past a float's range is never a rounded answer
            slack = None
        if slack is not None and abs(claimed - float(value)) <= slack:
            return self._verdict("unverified", "the task asks for a rounded value, and the "
                                 "answer is the expression's value to that precision")
        code = expression.replace("×", "*").replace("÷", "/").replace("^", "**")
        return self._verdict("reject", f"the task's expression {expression!r} does not "
                             "evaluate to this answer: run exactly this python, "
                             f"print({code}), and answer with the printed value")

    def _verdict(self, status: str, reason: str, evidence: list[str] | None = None) -> Verdict:
        return Verdict(checker=self.name, status=status,  # type: ignore[arg-type]
                       reason=reason, evidence=evidence or [])


def _show(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.10g}"
