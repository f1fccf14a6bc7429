"""Scoring answers against expectations: normalised text, numbers with tolerance, and
hidden tests executed in the sandbox for code."""

from __future__ import annotations

import math
import re
import unicodedata

from ponder.agent.settings import Settings

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?|-?\.\d+")


def normalise(text: str) -> str:
    """Lower case, accents folded, punctuation dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s.-]", " ", text.lower())
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    return " ".join(text.split())


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text`` (thousands separators allowed), in order."""
    out: list[float] = []
    for match in _NUMBER.findall(text):
        try:
            out.append(float(match.replace(",", "")))
        except ValueError:
            continue
    return out


def as_number(text: str) -> float | None:
    cleaned = text.strip().replace(",", "").rstrip(".").lstrip("$")
    try:
        return float(cleaned)
    except ValueError:
        return None


def score_answer(answer: str, expected: str, tolerance: float | None = None) -> bool:
    """True when ``answer`` says ``expected``.

    Numeric expectations compare the *last* number in the answer (where final answers
    go) within ``tolerance`` (default: 1e-6 relative). Text expectations need the
    normalised answer to equal it, or to contain it as whole words when it is short. A
    verdict (Yes, No, True, False) must stand alone in its line ("No." or "No, because
    …", not "No humans are artists"), and naming both of a pair is a hedge.
    """
    exact = expected.strip().replace(",", "")
    if tolerance is None and re.fullmatch(r"-?\d+", exact):
        # Integers compare exactly: floats would call 18-digit products "close enough".
        found_ints = [m.replace(",", "") for m in _NUMBER.findall(answer)]
        return bool(found_ints) and found_ints[-1].removesuffix(".0") == exact.lstrip("+")
    target = as_number(expected)
    if target is not None:
        found = numbers_in(answer)
        if not found:
            return False
        tol = tolerance if tolerance is not None else 1e-6 * max(1.0, abs(target))
        return math.isclose(found[-1], target, rel_tol=0.0, abs_tol=tol)
    want, got = normalise(expected), normalise(answer)
    if not want:
        return False
    if want == got:
        return True
    for group in _EXCLUSIVE:
        if want in group and any(re.search(rf"\b{other}\b", got) for other in group - {want}):
            return False  # "Tuesday or Monday" hedges between answers: not an answer
    if want in _VERDICTS:
        return want in _verdicts(answer)
    return len(want.split()) <= 4 and re.search(rf"\b{re.escape(want)}\b", got) is not None


_VERDICTS = frozenset({"yes", "no", "true", "false"})
# A verdict word that stands alone in its line: at the end, or before punctuation ("No.",
# "Yes, because …", "The answer is No"). Followed by more words it is part of a statement
# ("No humans are artists" restates a conclusion and says neither Yes nor No).
_VERDICT_WORD = re.compile(r"\b(yes|no|true|false)\b(?![ \t]+\w)", re.IGNORECASE)


def _verdicts(answer: str) -> set[str]:
    """The verdict words an answer gives (``_VERDICT_WORD``), lower case."""
    return {word.lower() for word in _VERDICT_WORD.findall(answer)}


# Answers of which exactly one can be right: naming two of them is a hedge.
_EXCLUSIVE = (
    frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}),
    frozenset({"yes", "no"}),
    frozenset({"true", "false"}),
)


async def run_hidden_tests(code: str, tests: str, settings: Settings) -> tuple[bool, str]:
    """Execute ``code`` then ``tests`` in a fresh sandbox. Returns (passed, detail)."""
    from ponder.sandbox.factory import make_sandbox

    async with make_sandbox(settings) as sandbox:
        defined = await sandbox.execute(code, timeout=settings.sandbox.exec_timeout)
        if not defined.ok:
            err = defined.error
            return False, f"code failed: {err.name}: {err.value}" if err else "code timed out"
        result = await sandbox.execute(tests, timeout=settings.sandbox.exec_timeout)
        if result.ok:
            return True, "hidden tests passed"
        err = result.error
        detail = f"{err.name}: {err.value}".strip() if err else "tests timed out"
        return False, f"hidden tests failed: {detail}"
