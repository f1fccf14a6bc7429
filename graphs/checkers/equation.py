"""An exact check of an answer against an equation stated in the task.

"Find the value of h in the equation: 6*h + 66 = 456" or "Solve 3(x - 4) = 2x + 5": the
task itself says what the answer must satisfy. This checker reads the one equation in
one unknown from the question, turns both sides into a polynomial with exact fractions
(a whitelist of AST nodes, never ``eval``) and compares the answer with its roots:

- degree 1: the one root is computed exactly; an answer equal to it is accepted, one
  that differs is rejected, and one that only matches it to the decimals it shows (a
  rounded root) is left unverified;
- degree 2: the answer is accepted when its numbers are exactly the real roots, and
  rejected when one of them is no root;
- higher degrees: an answer with a number that is no root is rejected; nothing is
  accepted (the full set of roots is not computed).

It applies only when the question asks for the unknown ("solve", "the value of x", "for
x") and states one such equation, not a definition like ``x = 5``, and never to word
problems. It is the equation counterpart of the expression checker (``arithmetic``).
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from fractions import Fraction

from ponder.graphs.checkers.agreement import is_word_problem
from ponder.graphs.checkers.base import CheckInput, Verdict

Poly = dict[int, Fraction]

_TOKEN = re.compile(r"\d+(?:\.\d+)?|[A-Za-z]+|\*\*|[-+*/^()×÷·]|\S")
_OPERATOR = {"+", "-", "*", "/", "^", "**", "×", "÷", "·"}
# A number of the answer: not part of a name ("x1") or of a longer number.
_ANSWER_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:/\d+)?(?![\w.]*[A-Za-z_])")
_MAX_DEGREE = 8
_MAX_DIGITS = 200


class UnsupportedEquation(ValueError):
    """The text is not a polynomial equation in one unknown this checker can read."""


@dataclass(frozen=True)
class Equation:
    """One equation of the task: its text, its unknown and lhs - rhs as a polynomial."""

    text: str
    variable: str
    poly: Poly

    @property
    def degree(self) -> int:
        return max(self.poly) if self.poly else 0


def _valid(token: str) -> bool:
    return (token[0].isdigit() or token in _OPERATOR or token in "()"
            or (len(token) == 1 and token.isalpha()))


def _side(tokens: list[re.Match[str]], backwards: bool) -> list[re.Match[str]]:
    """The longest run of expression tokens next to the '=' (leftwards or rightwards)."""
    run: list[re.Match[str]] = []
    for token in (reversed(tokens) if backwards else tokens):
        if not _valid(token.group()):
            break
        run.append(token)
    if backwards:
        run.reverse()
        while run and (run[0].group() in _OPERATOR - {"-", "+"} or run[0].group() == ")"):
            run.pop(0)
        while _count(run, "(") > _count(run, ")"):
            run.pop(next(i for i, t in enumerate(run) if t.group() == "("))
    else:
        while run and (run[-1].group() in _OPERATOR or run[-1].group() == "("):
            run.pop()
        while _count(run, ")") > _count(run, "("):
            run.pop(max(i for i, t in enumerate(run) if t.group() == ")"))
    return run


def _count(run: list[re.Match[str]], bracket: str) -> int:
    return sum(t.group() == bracket for t in run)


def _python(tokens: list[str]) -> str:
    """Tokens as python: implicit products made explicit ("3x", "2(x+1)", "(a)(b)")."""
    out: list[str] = []
    for token in tokens:
        token = {"^": "**", "×": "*", "·": "*", "÷": "/"}.get(token, token)
        if out:
            prev = out[-1]
            prev_value = prev[0].isdigit() or prev.isalpha() or prev == ")"
            if prev_value and (token.isalpha() or token == "(" or (
                    token[0].isdigit() and not prev[0].isdigit())):
                out.append("*")
        out.append(token)
    return " ".join(out)


def _poly(node: ast.expr, variable: str) -> Poly:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) \
            and not isinstance(node.value, bool):
        return _clean({0: Fraction(str(node.value))})
    if isinstance(node, ast.Name) and node.id == variable:
        return {1: Fraction(1)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _poly(node.operand, variable)
        return {k: -v for k, v in inner.items()} if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        left, right = _poly(node.left, variable), _poly(node.right, variable)
        if isinstance(node.op, ast.Add | ast.Sub):
            sign = 1 if isinstance(node.op, ast.Add) else -1
            out = dict(left)
            for k, v in right.items():
                out[k] = out.get(k, Fraction(0)) + sign * v
            return _clean(out)
        if isinstance(node.op, ast.Mult):
            return _times(left, right)
        if isinstance(node.op, ast.Div):
            if set(right) - {0} or not right:
                raise UnsupportedEquation("division by the unknown or by zero")
            return {k: v / right[0] for k, v in left.items()}
        if isinstance(node.op, ast.Pow):
            if set(right) - {0} or (right and right[0].denominator != 1):
                raise UnsupportedEquation("a power that is not a whole number")
            exponent = int(right.get(0, Fraction(0)))
            if not 0 <= exponent <= _MAX_DEGREE:
                raise UnsupportedEquation("exponent out of range")
            out = {0: Fraction(1)}
            for _ in range(exponent):
                out = _times(out, left)
            return out
    raise UnsupportedEquation(f"unsupported syntax: {type(node).__name__}")


def _times(a: Poly, b: Poly) -> Poly:
    out: Poly = {}
    for i, x in a.items():
        for j, y in b.items():
            out[i + j] = out.get(i + j, Fraction(0)) + x * y
    out = _clean(out)
    if out and (max(out) > _MAX_DEGREE or any(
            len(str(v.numerator)) > _MAX_DIGITS for v in out.values())):
        raise UnsupportedEquation("too large")
    return out


def _clean(poly: Poly) -> Poly:
    return {k: v for k, v in poly.items() if v != 0}


# Something made from the unknown, or one root of several, asked for ("x squared", "the
# reciprocal of x", "x doubled", "the larger root", "the sum of the roots", "then give
# 2x", "rounded to 2 decimal places"); words that only describe the answer ("a positive
# integer", "as a fraction", "then check your answer") ask for nothing else.
_OF_X = (r"(?:squared?|cubed?|reciprocal|inverse|double|twice|thrice|half|triple|"
         r"opposite|absolute value|negative|square root|cube root)")
_WHICH_ROOT = (r"(?:larger|largest|smaller|smallest|greater|greatest|lesser|least|"
               r"bigger|biggest|positive|negative|first|second|other)")
_TRANSFORMED = (
    r"\b{v}\s+(?:squared|cubed|doubled|halved|tripled)\b"
    rf"|\b{_OF_X}\s+(?:of\s+)?{{v}}\b"
    rf"|\b{_WHICH_ROOT}\s+(?:root|solution|value|zero)s?\b"
    r"|\b(?:sum|product|difference)\s+of\s+(?:the\s+|its\s+|both\s+)?(?:roots|solutions)\b"
    r"|\bthen\s+(?:give|find|compute|calculate|add|multiply|divide|subtract|square|"
    r"double|report)\b"
    r"|\bround\w*|\bdecimal places?\b|\bpercent\w*")


def _asks_for(question: str, variable: str, equation_text: str) -> bool:
    """Whether the question asks for the unknown itself: "solve", "the value of x", "for
    x" — and names no other expression of it ("then give x + 5", "what is 2x?", "x
    squared", "the larger root", "as a decimal")."""
    rest = question.replace(equation_text, " ")
    v = re.escape(variable)
    if re.search(rf"\d\s*{v}\b|\b{v}\s*(?:[-+*/^(]|\*\*|²)|[-+*/^]\s*{v}\b", rest):
        return False  # something computed from the unknown is asked for too
    if re.search(_TRANSFORMED.replace("{v}", v), rest, re.IGNORECASE):
        return False
    if re.search(r"\bsolve\b", rest, re.IGNORECASE):
        return True
    return re.search(rf"\b(?:for|of|find|determine|is)\s+{v}\b", rest,
                     re.IGNORECASE) is not None


def task_equations(question: str) -> list[Equation]:
    """The polynomial equations in one single-letter unknown stated in the question
    (definitions such as ``x = 5`` left out)."""
    found: list[Equation] = []
    for match in re.finditer(r"(?<![=<>!])=(?!=)", question):
        before = list(_TOKEN.finditer(question, 0, match.start()))
        after = list(_TOKEN.finditer(question, match.end()))
        left_run, right_run = _side(before, backwards=True), _side(after, backwards=False)
        if not left_run or not right_run:
            continue
        left = [t.group() for t in left_run]
        right = [t.group() for t in right_run]
        letters = {t for t in left + right if t.isalpha() and t not in _OPERATOR}
        if len(letters) != 1:
            continue
        variable = letters.pop()
        if (left == [variable] and variable not in right) or \
                (right == [variable] and variable not in left):
            continue  # "x = 5", "x = 3 + 4": a definition, not an equation to solve
        try:
            lhs = ast.parse(_python(left), mode="eval").body
            rhs = ast.parse(_python(right), mode="eval").body
            poly = _poly(ast.BinOp(left=lhs, op=ast.Sub(), right=rhs), variable)
        except (SyntaxError, UnsupportedEquation, ZeroDivisionError, ValueError):
            continue
        if not poly or max(poly) == 0:
            continue  # no unknown left (an identity or a contradiction)
        text = question[left_run[0].start(): right_run[-1].end()]
        found.append(Equation(text=text, variable=variable, poly=poly))
    return found


def value_at(poly: Poly, x: Fraction) -> Fraction:
    return sum((c * x ** k for k, c in poly.items()), Fraction(0))


def real_roots(poly: Poly) -> list[Fraction | float] | None:
    """The real roots of a polynomial of degree 1 or 2 (exact when rational), None for
    higher degrees."""
    degree = max(poly)
    if degree == 1:
        return [-poly.get(0, Fraction(0)) / poly[1]]
    if degree == 2:
        a, b, c = poly[2], poly.get(1, Fraction(0)), poly.get(0, Fraction(0))
        disc = b * b - 4 * a * c
        if disc < 0:
            return []
        num, den = disc.numerator, disc.denominator
        rn, rd = math.isqrt(num), math.isqrt(den)
        if rn * rn == num and rd * rd == den:
            root = Fraction(rn, rd)
            return sorted({(-b - root) / (2 * a), (-b + root) / (2 * a)})
        s = math.sqrt(float(disc))
        return sorted({(-float(b) - s) / (2 * float(a)), (-float(b) + s) / (2 * float(a))})
    return None


def _signs_joined(text: str) -> str:
    """U+2212 as a hyphen, and a minus sign set apart from its number ("x = - 5") joined
    to it: read as 5, a wrong -5 was accepted for the root 5."""
    text = text.replace("\u2212", "-").replace("\u2013", "-")
    return re.sub(r"(^|[=:(]\s*|\bis\s+|\bor\s+|\band\s+)-\s+(?=\d)", r"\1-", text)


def answer_numbers(answer: str) -> list[tuple[str, Fraction]]:
    """The numbers the answer states (after its last 'Answer:' if any), exactly."""
    tail = _signs_joined(answer.rsplit("Answer:", 1)[-1])
    out = []
    for text in _ANSWER_NUMBER.findall(tail.replace(",", " ")):
        try:
            out.append((text, Fraction(text)))
        except (ValueError, ZeroDivisionError):
            continue
    return out


def _stated_value(answer: str, variable: str) -> tuple[str, Fraction] | None:
    """The value after the last "x =" of the answer ("x = 13, since 3*13 + 52 = 91")."""
    found = re.findall(rf"(?<![\w.]){re.escape(variable)}\s*=\s*({_ANSWER_NUMBER.pattern})",
                       _signs_joined(answer).replace(",", " "))
    if not found:
        return None
    try:
        return found[-1], Fraction(found[-1])
    except (ValueError, ZeroDivisionError):
        return None


def _terminates(root: Fraction | float) -> bool:
    """Whether ``root`` is a fraction with a finite decimal expansion."""
    if not isinstance(root, Fraction):
        return False
    denominator = root.denominator
    for factor in (2, 5):  # a decimal ends when only 2s and 5s divide the denominator
        while denominator % factor == 0:
            denominator //= factor
    return denominator == 1


def _match(text: str, claimed: Fraction, root: Fraction | float) -> str:
    """'exact' (equal within 1e-9 relative), 'rounded' (equal to the decimals shown, two
    or more) or 'no'."""
    value = float(root)
    # A root written exactly in decimals (an integer, 5/4) is exact only when equal:
    # within 1e-9 took 123456789100 for 123456789012. One that is not (10/3, an
    # irrational root) is exact within 1e-9 relative.
    if claimed == root if _terminates(root) else \
            abs(float(claimed) - value) <= 1e-9 * max(1.0, abs(value)):
        return "exact"
    decimals = len(text.split(".", 1)[1]) if "." in text and "/" not in text else 0
    if decimals >= 2 and abs(float(claimed) - value) <= 0.5 * 10 ** -decimals * (1 + 1e-9):
        return "rounded"
    return "no"


class EquationChecker:
    """Accepts an answer that is exactly the solution of the task's own equation, rejects
    one that is no solution of it."""

    name = "equation"

    async def check(self, item: CheckInput) -> Verdict:
        if item.kind != "question" or is_word_problem(item.question):
            return self._verdict("unverified", "the task states no equation to solve")
        equations = [e for e in task_equations(item.question)
                     if _asks_for(item.question, e.variable, e.text)]
        if len(equations) != 1:
            return self._verdict("unverified", "the task states no equation to solve" if
                                 not equations else "the task states several equations")
        eq = equations[0]
        claimed = answer_numbers(item.answer)
        if not claimed:
            return self._verdict("unverified", "the answer has no number to compare")
        roots = real_roots(eq.poly)
        if eq.degree == 1 and roots:
            text, number = _stated_value(item.answer, eq.variable) or claimed[-1]
            how = _match(text, number, roots[0])
            others = sorted({t for t, n in claimed if n != number})
            if how == "exact" and others:
                # "t = -14 does not solve 6t + 81 = t + 11" states the root and more: what
                # the answer claims is not that value alone, so it is not accepted.
                return self._verdict("unverified", f"{eq.variable} = {text} solves the task's "
                                     f"equation {eq.text}, but the answer also states "
                                     f"{', '.join(others[:3])}: it is not that value alone")
            if how == "exact":
                return self._verdict("accept", f"{eq.variable} = {text} solves the task's "
                                     f"equation {eq.text} exactly",
                                     [f"{eq.text} with {eq.variable} = {text}: both sides equal"])
            if how == "rounded":
                return self._verdict("unverified", f"{text} is the solution of {eq.text} "
                                     "rounded to the decimals shown; not exact")
            return self._reject(eq, text, number)
        for text, number in claimed:
            if roots is not None:
                if all(_match(text, number, r) == "no" for r in roots):
                    return self._reject(eq, text, number)
            elif value_at(eq.poly, number) != 0 and not self._near_root(eq.poly, text, number):
                return self._reject(eq, text, number)
        if roots is not None and roots and len({n for _, n in claimed}) == len(roots) and all(
                any(_match(t, n, r) == "exact" for t, n in claimed) for r in roots):
            return self._verdict("accept", f"the answer lists exactly the real solutions of "
                                 f"the task's equation {eq.text}",
                                 [f"{eq.text}: real roots {', '.join(_show(r) for r in roots)}"])
        return self._verdict("unverified", f"every number of the answer solves {eq.text}, "
                             "but that it lists all of its solutions is not shown")

    @staticmethod
    def _near_root(poly: Poly, text: str, number: Fraction) -> bool:
        """Whether a rounded number (the decimals it shows) brackets a sign change."""
        decimals = len(text.split(".", 1)[1]) if "." in text else 0
        if decimals < 2:
            return False
        half = Fraction(1, 2 * 10 ** decimals)
        low, high = value_at(poly, number - half), value_at(poly, number + half)
        return low == 0 or high == 0 or (low < 0) != (high < 0)

    def _reject(self, eq: Equation, text: str, number: Fraction) -> Verdict:
        lhs, _, rhs = (side.strip() for side in eq.text.partition("="))
        residual = value_at(eq.poly, number)
        return self._verdict("reject", f"{eq.variable} = {text} does not solve the task's "
                             f"equation {eq.text}: with it, ({lhs}) - ({rhs}) is "
                             f"{_show(residual)}, not 0. Solve the equation again, "
                             "step by step, and check the result by substituting it")

    def _verdict(self, status: str, reason: str, evidence: list[str] | None = None) -> Verdict:
        return Verdict(checker=self.name, status=status,  # type: ignore[arg-type]
                       reason=reason, evidence=evidence or [])


def _show(value: Fraction | float) -> str:
    if isinstance(value, Fraction) and value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.10g}"
