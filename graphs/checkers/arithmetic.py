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
import re
from fractions import Fraction

from ponder.graphs.checkers.agreement import EXPRESSION as _HAS_OPERATOR
from ponder.graphs.checkers.agreement import final_number, is_word_problem
from ponder.graphs.checkers.base import CheckInput, Verdict
from ponder.graphs.checkers.equation import task_equations
from ponder.graphs.parsing import UNPARSABLE

_CANDIDATE = re.compile(r"[-+*/×÷^()\d\s.,]{3,}")
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
        try:
            value = evaluate(expression)
        except UnsupportedExpression as exc:
            return self._verdict("unverified", f"cannot evaluate {expression!r}: {exc}")
        claimed = final_number(item.answer)
        if claimed is None:
            return self._verdict("unverified", "the answer has no number to compare")
        exact = value.denominator == 1 and re.fullmatch(r"-?[\d,]+(\.0+)?", item.answer.strip())
        if exact:
            agree = Fraction(item.answer.strip().replace(",", "").split(".")[0]) == value
        else:
            agree = abs(claimed - float(value)) <= 1e-6 * max(1.0, abs(float(value)))
        if agree:
            return self._verdict("accept", f"the task's expression {expression!r} evaluates "
                                 f"exactly to the answer", [f"{expression} = {_show(value)}"])
        code = expression.replace("×", "*").replace("÷", "/").replace("^", "**")
        return self._verdict("reject", f"the task's expression {expression!r} does not "
                             "evaluate to this answer: run exactly this python, "
                             f"print({code}), and answer with the printed value")

    def _verdict(self, status: str, reason: str, evidence: list[str] | None = None) -> Verdict:
        return Verdict(checker=self.name, status=status,  # type: ignore[arg-type]
                       reason=reason, evidence=evidence or [])


def _show(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.10g}"
