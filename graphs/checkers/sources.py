"""The source checker: every checkable claim of an answer must rest on fetched text.

From the candidate answer it extracts the claims a reader could check against a page:

* quoted spans (``"…"``, ``“…”``, ``«…»``) — must appear in fetched text;
* numbers (``391``, ``1,234.5``, ``8.1 billion``, ``12%``) — must appear, or be a
  rounding of a number that appears (``8.1 billion`` for ``8,118,835,999``);
* names (capitalised words, or every content word of a very short answer) — must appear;
* URLs it cites — must be pages this run searched, opened or found.

Numbers and names that the question itself contains are not claims. The evidence is the
text this run actually fetched: the observations of its ``search``/``open``/``find``
steps and their source records. No evidence, or no checkable claim: ``unverified``.
An unsupported claim: ``reject``, naming it. Every claim found: ``unverified``, with
where each was found as evidence — finding the words is not the page saying them of this
question, and accepting needs a precision measured at 97 % or more on held-out web tasks,
which these machines (no network) cannot run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any, Literal

from ponder.graphs.checkers.base import CheckInput, Verdict
from ponder.tools.web.safety import framed_text

_QUOTES = re.compile(r'"([^"\n]{2,400})"|“([^”\n]{2,400})”|«([^»\n]{2,400})»|„([^“”\n]{2,400})[“”]')
_URL = re.compile(r"https?://[^\s<>()\[\]{}\"'`]+")
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(thousand|million|billion|trillion|bn)\b|(?!\w))",
    re.IGNORECASE,
)
_LIST_MARKER = re.compile(r"^\s*\d+[.)]\s+", re.MULTILINE)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_SENTENCE_ENDS = ".!?:;\n*•-"
_SCALES = {"thousand": 3, "million": 6, "billion": 9, "bn": 9, "trillion": 12}
_SHORT_ANSWER_WORDS = 4
_STOPWORD_TEXT = """
a about above according after again against all also although am an and answer any approx
approximately are around as at based be because been before being between both but by can
could did do does during each either final for from further had has have he her here hers
him his how however i if in into is it its just likely may me might more most my no nor not
note of on once only or other our out over per probably roughly same she should since so
some source sources such than that the their them then there therefore these they this those
through thus to too under until up very was we were what when where which while who whom why
will with would yes you your
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())

ClaimKind = Literal["quote", "number", "name", "url"]


@dataclass(frozen=True)
class Claim:
    """One checkable piece of an answer."""

    kind: ClaimKind
    text: str
    values: frozenset[Decimal] = frozenset()
    significant: int = 0

    def describe(self) -> str:
        labels = {"quote": "the quote", "number": "the number", "name": "the name",
                  "url": "the cited URL"}
        return f"{labels[self.kind]} {self.text!r}"


@dataclass
class _Segment:
    """One piece of fetched text and where it came from."""

    label: str
    loose: str
    words: set[str] = field(default_factory=set)
    numbers: set[Decimal] = field(default_factory=set)


def loose(text: str) -> str:
    """Text folded for comparison: NFKC, lower case, punctuation and spacing collapsed."""
    folded = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return " ".join(re.sub(r"[^\w%]+", " ", folded).split())


def _number_values(match: re.Match[str]) -> tuple[frozenset[Decimal], int]:
    """The values a number literal stands for, and its count of significant digits."""
    digits = match.group(1).replace(",", "")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return frozenset(), 0
    # Trailing zeros count: "390" claims three digits, so 391 does not support it.
    significant = len(digits.replace(".", "").lstrip("0"))
    values = {value.normalize()}
    scale = (match.group(2) or "").lower()
    if scale:
        values.add(value.scaleb(_SCALES[scale]).normalize())
    return frozenset(values), significant


def numbers_in(text: str) -> set[Decimal]:
    """Every value any number in ``text`` stands for."""
    found: set[Decimal] = set()
    for match in _NUMBER.finditer(text):
        found |= _number_values(match)[0]
    return found


def _rounds_to(actual: Decimal, claimed: Decimal, significant: int) -> bool:
    """Whether ``claimed`` is ``actual`` rounded to ``significant`` digits (at least 2)."""
    if significant < 2 or actual == 0 or claimed == 0:
        return False
    exponent = actual.adjusted() - significant + 1
    with localcontext() as exact:  # the default 28 digits cannot hold a 31-digit number
        exact.prec = max(28, len(actual.as_tuple().digits) + 2, significant + 2)
        try:
            rounded = actual.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
        except InvalidOperation:
            return False
        return rounded.normalize() == claimed


def _names(text: str, question_words: set[str]) -> list[str]:
    """Capitalised words not at a sentence start (or at one, when the next word is
    capitalised too, as in "Robert Smith was…"); in a very short answer, every content
    word. Stop words and words of the question are left out."""
    words = list(_WORD.finditer(text))
    short = len(text.split()) <= _SHORT_ANSWER_WORDS
    names: list[str] = []
    for index, match in enumerate(words):
        word = match.group(0).strip("'’-")
        key = loose(word)
        if not key or key in _STOPWORDS or key in question_words or len(key) < 2:
            continue
        before = text[: match.start()].rstrip(" \t")
        at_start = not before or before[-1] in _SENTENCE_ENDS
        following = words[index + 1] if index + 1 < len(words) else None
        in_a_name = (following is not None and following.group(0)[0].isupper()
                     and not text[match.end(): following.start()].strip())
        if short or (word[0].isupper() and (not at_start or in_a_name)):
            names.append(word)
    return list(dict.fromkeys(names))


def extract_claims(answer: str, question: str = "") -> list[Claim]:
    """The checkable claims of ``answer``; see the module docstring for what counts."""
    claims: list[Claim] = []
    urls = _URL.findall(answer)
    claims += [Claim("url", url.rstrip(".,;:!?")) for url in urls]
    rest = _URL.sub(" ", answer)
    for groups in _QUOTES.findall(rest):
        quote = next(g for g in groups if g).strip()
        if loose(quote):
            claims.append(Claim("quote", quote))
    rest = _LIST_MARKER.sub(" ", _QUOTES.sub(" ", rest))
    question_numbers = numbers_in(question)
    for match in _NUMBER.finditer(rest):
        values, significant = _number_values(match)
        if values and not values & question_numbers:
            claims.append(Claim("number", match.group(0).strip(), values, significant))
    question_words = set(loose(question).split())
    claims += [Claim("name", name) for name in _names(rest, question_words)]
    unique: dict[tuple[str, str], Claim] = {}
    for claim in claims:
        unique.setdefault((claim.kind, loose(claim.text) or claim.text), claim)
    return list(unique.values())


def _segments(trajectory: Iterable[dict[str, Any]], tools: Collection[str]) -> tuple[
    list[_Segment], set[str]
]:
    """The fetched text of a trajectory, and the URLs it came from."""
    segments: list[_Segment] = []
    urls: set[str] = set()
    for step in trajectory:
        tool = str((step.get("action") or {}).get("tool", ""))
        if tool not in tools:
            continue
        for source in step.get("sources") or []:
            url = str(source.get("url", ""))
            urls.add(url.rstrip("/"))
            chunk = source.get("chunk")
            label = f"{url} (chunk {chunk})" if chunk else url
            segments.append(_segment(label, f"{source.get('title', '')}\n{source.get('quote', '')}"))
        target = str(((step.get("action") or {}).get("args") or {}).get("target", ""))
        if step.get("ok") and target.startswith(("http://", "https://")):
            urls.add(target.rstrip("/"))
        if step.get("ok") and step.get("observation"):
            text = _PONDER_LABELS.sub(" ", framed_text(str(step["observation"])))
            segments.append(_segment(f"step {step.get('index', '?')} ({tool})", text))
    return [s for s in segments if s.loose], urls


# The labels Ponder puts on fetched lines (a search result's number, where ``find`` found
# a passage): its own numbers, no evidence for an answer's "3".
_PONDER_LABELS = re.compile(r"^\[\d+\] |\[page \d+, chunk \d+, line \d+\] ", re.MULTILINE)


def _segment(label: str, text: str) -> _Segment:
    folded = loose(text)
    return _Segment(label, folded, set(folded.split()), numbers_in(text))


def _supported_by(claim: Claim, segment: _Segment) -> bool:
    if claim.kind == "quote":
        return f" {loose(claim.text)} " in f" {segment.loose} "
    if claim.kind == "name":
        parts = loose(claim.text).split()
        return all(part in segment.words for part in parts)
    if claim.kind == "number":
        if claim.values & segment.numbers:
            return True
        return any(_rounds_to(actual, value, claim.significant)
                   for value in claim.values for actual in segment.numbers)
    return False


class SourceChecker:
    """Rejects an answer with a claim found in no text fetched this run; one whose claims
    are all found is supported (evidence), never accepted (see the module).

    ``tools`` names the steps whose observations and sources count as fetched text.
    """

    name = "sources"

    def __init__(self, *, tools: Collection[str] = ("search", "open", "find")) -> None:
        self._tools = frozenset(tools)

    async def check(self, item: CheckInput) -> Verdict:
        """Judge ``item.answer`` against its trajectory's fetched text; never raises."""
        if item.kind == "code":
            return self._verdict("unverified", "code is checked by running it, not by sources")
        segments, urls = _segments(item.trajectory, self._tools)
        if not segments:
            return self._verdict("unverified", "nothing was fetched from the web in this run, "
                                 "so no claim can be checked against a source")
        claims = extract_claims(item.answer, item.question)
        if not claims:
            return self._verdict("unverified", "the answer makes no quoted, numeric or named "
                                 "claim that fetched text could confirm")
        found: list[str] = []
        missing: list[Claim] = []
        for claim in claims:
            where = self._locate(claim, segments, urls)
            if where is None:
                missing.append(claim)
            else:
                found.append(f"{claim.describe()} — found in {where}")
        if missing:
            listed = "; ".join(c.describe() for c in missing[:5])
            more = f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""
            return self._verdict(
                "reject", f"not supported by any text fetched in this run: {listed}{more}. "
                "Search or open a page that states it, or drop the claim.", found)
        # Support, not proof: a name or a number found anywhere in a page ("John Adams"
        # in "Washington was the first president; John Adams the second") is not the
        # page saying it of this question. Until this checker's precision is measured
        # at 97 % or more on held-out web tasks, it may reject but not accept.
        return self._verdict("unverified", f"all {len(claims)} checkable claim(s) appear in "
                             "text fetched in this run (support, not verification: this "
                             "checker's precision is not measured, so it does not accept)",
                             found)

    @staticmethod
    def _locate(claim: Claim, segments: list[_Segment], urls: set[str]) -> str | None:
        if claim.kind == "url":
            return "the run's sources" if claim.text.rstrip("/") in urls else None
        return next((s.label for s in segments if _supported_by(claim, s)), None)

    def _verdict(self, status: Literal["accept", "reject", "unverified"], reason: str,
                 evidence: list[str] | None = None) -> Verdict:
        return Verdict(checker=self.name, status=status, reason=reason,
                       evidence=list(evidence or []))
