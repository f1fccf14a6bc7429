"""Scoring answers against expectations: normalised text, numbers with tolerance, and
hidden tests executed in the sandbox for code."""

from __future__ import annotations

import math
import re
import unicodedata

from ponder.agent.settings import Settings

# A minus sign only where it cannot be a hyphen or a dash between two things ("pages
# 1-5" ends with 5, not -5; "x = -5" is -5).
_SIGN = r"(?:(?<![\w)\]])-)?"
_NUMBER = re.compile(rf"{_SIGN}\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?|{_SIGN}\.\d+")
_FRACTION = re.compile(rf"^\s*({_SIGN}\d+)\s*/\s*(\d+)\s*$")
# A fraction inside a sentence ("The answer is 3/4"), not part of a date ("3/4/2024").
_INNER_FRACTION = re.compile(rf"(?<![\w/.]){_SIGN}\d+\s*/\s*\d+(?![\w/]|\.\d)")
_DASHES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-"})


def _unicode_minus(text: str) -> str:
    """``text`` with the minus sign and the dashes written as an ASCII hyphen."""
    return text.translate(_DASHES)


def normalise(text: str) -> str:
    """Lower case, accents folded, punctuation dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s.-]", " ", text.lower())
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    return " ".join(text.split())


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text`` (thousands separators allowed), in order; an
    answer that is one fraction, ``3/4``, is its value."""
    text = _unicode_minus(text)
    fraction = _FRACTION.match(text)
    if fraction and int(fraction.group(2)):
        return [int(fraction.group(1)) / int(fraction.group(2))]
    out: list[float] = []
    for match in re.findall(rf"{_INNER_FRACTION.pattern}|{_NUMBER.pattern}", text):
        if "/" in match:
            top, _, bottom = match.replace(" ", "").partition("/")
            if int(bottom):
                out.append(int(top) / int(bottom))
            continue
        try:
            out.append(float(match.replace(",", "")))
        except ValueError:
            continue
    return out


def as_number(text: str) -> float | None:
    """The value of an expected answer written as one number (or one fraction), else None."""
    cleaned = _unicode_minus(text).strip().replace(",", "").rstrip(".").lstrip("$")
    fraction = _FRACTION.match(cleaned)
    if fraction and int(fraction.group(2)):
        return int(fraction.group(1)) / int(fraction.group(2))
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
    exact = _unicode_minus(expected).strip().replace(",", "").lstrip("+")
    if tolerance is None and re.fullmatch(r"-?\d+", exact):
        # Integers compare exactly: floats would call 18-digit products "close enough".
        # "$18.00" says 18; "18.5" does not.
        found = [m.replace(",", "") for m in _NUMBER.findall(_unicode_minus(answer))]
        last = re.sub(r"\.0+$", "", found[-1]) if found else ""
        return last in (exact, "-0" if exact == "0" else exact)
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
    if want in _VERDICTS:
        given = _verdicts(answer)
        # Naming both of a pair is a hedge: as two verdicts ("No. Yes."), or side by
        # side ("Yes or no", "true/false").
        other = next((pair - {want} for pair in _PAIRS if want in pair), set())
        return want in given and not (other & given) and not any(
            re.search(rf"\b{a}\b\W*(?:or|and|/)?\W*\b{b}\b", got)
            for o in other for a, b in ((want, o), (o, want)))
    if re.fullmatch(r"[A-Z]", expected.strip()):
        # A choice letter: the answer's last capital letter standing alone ("B. It is a
        # prime" chose B; its article "a" is no answer; the pronoun "I" is no choice
        # unless I is the one expected). No capital standing alone: whole words, below.
        letters = [c for c in re.findall(r"(?<![A-Za-z'])[A-Z](?![A-Za-z])", answer)
                   if c != "I" or want == "i"]
        if letters:
            return letters[-1].lower() == want
    for group in _EXCLUSIVE:
        # "Tuesday or Monday" hedges between answers; "Monday, not Tuesday" does not.
        if want in group and any(re.search(rf"(?<!\bnot )\b{other}\b", got)
                                 for other in group - {want}):
            return False
    # Whole words, and a number is no part of a longer one ("5 km" is not in "2.5 km",
    # "50" is not in "-50" or "50.5").
    return len(want.split()) <= 4 and re.search(
        rf"(?<![\w.-]){re.escape(want)}(?!\w|\.\d)", got) is not None


_VERDICTS = frozenset({"yes", "no", "true", "false"})
# A verdict word that stands alone in its line: at the end, or before punctuation ("No.",
# "Yes, because …", "The answer is No"). Followed by more words it is part of a statement
# ("No humans are artists" restates a conclusion and says neither Yes nor No).
# "not true" says false: a verdict right after "not" is not given.
_VERDICT_WORD = re.compile(r"(?<!\bnot )\b(yes|no|true|false)\b(?![ \t]+\w)", re.IGNORECASE)


def _verdicts(answer: str) -> set[str]:
    """The verdict words an answer gives (``_VERDICT_WORD``), lower case."""
    return {word.lower() for word in _VERDICT_WORD.findall(answer)}


# Answers of which exactly one can be right: naming two of them is a hedge.
_EXCLUSIVE = (
    frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}),
)
# The verdict pairs: a hedge only when both stand alone as verdicts ("Yes, because no
# smaller number divides it" says yes).
_PAIRS = (frozenset({"yes", "no"}), frozenset({"true", "false"}))


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
