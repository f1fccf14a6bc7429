"""The form a question asks its answer in, when it states one as a template.

"Answer in D days, HH:MM", "Express the result in HH:MM:SS.mmm", "Give your answer in
YYYY-MM-DD": the letters stand for numbers, and the answer should be the template with
numbers in their places. A small model often computes the right quantity and gives it in
another form (a program prints ``str(timedelta)``, ``1:28:31`` for ``HH:MM:SS``), or copies
the letters. This module finds the template (``asked_template``), tells whether an answer
fits it (``fits``), and writes an answer that states the same quantity in another form
into it when nothing is lost (``into_template``): a duration (``N days, H:MM:SS.ffffff``,
``H:MM``) or a date (ISO, or a month written out). It never guesses a unit: a bare number
goes only into a template whose one placeholder is ``D`` of ``D days``.
"""

from __future__ import annotations

import re
from datetime import date, datetime

# The phrase that introduces the template, then the template up to the sentence's end.
_INTRO = re.compile(
    r"\b(?:answer|respond|reply|express(?:ed)?\s+(?:the|your)\s+(?:result|answer)|"
    r"give\s+(?:your|the)\s+answer|write\s+(?:your|the)\s+answer|"
    r"(?:format|state|give)\s+(?:your|the)\s+(?:answer|result))\s+"
    r"(?:in|as|using)\s+(?:the\s+)?(?:format|form)?\s*:?\s*"
    r"[\"'`]?(?P<template>[^\"'`\n?!]*?)[\"'`]?\s*(?:[.?!](?=\s|$)|$)",
    re.IGNORECASE)
# Placeholders: runs of one capital letter (or mmm for milliseconds).
_PLACEHOLDER = re.compile(r"YYYY|mmm|D+|H+|M+|S+")
_WORDS = re.compile(r"days?|hours?|minutes?|seconds?", re.IGNORECASE)
_TOKEN = re.compile(rf"(?P<p>{_PLACEHOLDER.pattern})(?![A-Za-z])|(?P<w>{_WORDS.pattern})\b"
                    r"|(?P<s>[:.,/\- ]+)")
_NAMES = {"D": "days", "H": "hours", "M": "minutes", "S": "seconds", "mmm": "milliseconds",
          "YYYY": "the year"}


def _tokens(template: str) -> list[tuple[str, str]] | None:
    """The template as (kind, text) tokens (p: placeholder, w: unit word, s: separator),
    or None when it holds anything else."""
    out, at = [], 0
    while at < len(template):
        match = _TOKEN.match(template, at)
        if not match or match.end() == at:
            return None
        kind = next(k for k, v in match.groupdict().items() if v is not None)
        out.append((kind, match.group(kind)))
        at = match.end()
    return out


def asked_template(question: str) -> str | None:
    """The template the question asks its answer in ("D days, HH:MM"), or None: the text
    after "answer in" (and its like) to the sentence's end, made only of placeholders (runs
    of one capital letter, ``mmm``), unit words and separators, with at least one
    placeholder."""
    for match in _INTRO.finditer(question):
        template = match.group("template").strip().rstrip(".,")
        # "in MM/DD/YYYY format", "in the HH:MM form"
        template = re.sub(r"\s+(?:format|form)$", "", template, flags=re.IGNORECASE)
        tokens = _tokens(template)
        if tokens and any(kind == "p" for kind, _ in tokens):
            return template
    return None


def _is_date(template: str) -> bool:
    return "YYYY" in template and "DD" in template


def _pattern(template: str) -> re.Pattern[str]:
    parts = []
    for kind, text in _tokens(template) or []:
        if kind == "p":
            width = len(text)
            parts.append("(" + (r"\d+" if width == 1 or text == "D"
                                 else r"\d{2,}" if text == "HH" else rf"\d{{{width}}}") + ")")
        elif kind == "w":
            parts.append(re.escape(text.rstrip("s")) + "s?")
        else:
            parts.append(r"\s*" + r"\s*".join(map(re.escape, text.strip())) + r"\s*"
                         if text.strip() else r"\s+")
    return re.compile("".join(parts), re.IGNORECASE)


_HUGE_NUMBER = re.compile(r"\d{40}")


def fits(answer: str, template: str) -> bool:
    """Whether the answer is the template with numbers in its places (a trailing full
    stop aside; ``HH`` may be more than two digits, ``D`` and one-letter placeholders
    any number of digits). In a duration, minutes and seconds are below 60, and hours
    below 24 when the template has days (``14 days, 30:35`` does not fit ``D days,
    HH:MM``)."""
    if _HUGE_NUMBER.search(answer):  # no reading of a time; int() refuses 4,300+ digits
        return False
    match = _pattern(template).fullmatch(answer.strip().rstrip(".").strip())
    if match is None:
        return False
    if _is_date(template):
        return True
    letters = [text for kind, text in _tokens(template) or [] if kind == "p"]
    limits = {"M": 60, "S": 60, "H": 24 if "D" in letters else None}
    return all(limits.get(letter[0]) is None or int(value) < limits[letter[0]]
               for letter, value in zip(letters, match.groups(), strict=True)
               if letter not in ("D", "mmm"))


def legend(template: str) -> str:
    """What the template's placeholders stand for, in words ("D = days, HH = hours, MM =
    minutes")."""
    names = []
    date_like = _is_date(template)
    seen: set[str] = set()
    for kind, text in _tokens(template) or []:
        if kind != "p" or text in seen:
            continue
        seen.add(text)
        if date_like and text in ("MM", "DD"):
            name = "the month" if text == "MM" else "the day of the month"
        else:
            name = _NAMES.get(text) or _NAMES.get(text[0], "a number")
        digits = f" in {len(text)} digits" if len(text) > 1 and text != "D" else ""
        names.append(f"{text} = {name}{digits}")
    return ", ".join(names)


# A duration as a small model or python writes it: "3 days, 4:05:06.5", "2 days", "4:05".
_DURATION = re.compile(
    r"^(?:(?P<days>\d+)\s*days?)?\s*,?\s*"
    r"(?:(?P<a>\d+):(?P<b>\d{1,2})(?::(?P<c>\d{1,2}))?(?:\.(?P<frac>\d+))?)?$",
    re.IGNORECASE)
_MONTH_FORMS = ("%B %d, %Y", "%B %d %Y", "%d %B %Y", "%b %d, %Y", "%b %d %Y", "%d %b %Y",
                "%A, %B %d, %Y")


def _duration_units(template: str) -> list[str]:
    """The clock units of a duration template, in order ("HH:MM:SS" → H, M, S)."""
    return [text[0] if text != "mmm" else "mmm"
            for kind, text in _tokens(template) or [] if kind == "p" and text != "D"]


def _micro(frac: str | None) -> int:
    return int((frac or "0")[:6].ljust(6, "0")) if frac else 0


_UNITS = ("D", "H", "M", "S", "mmm")  # coarsest first


def _parse_duration(answer: str, units: list[str]) -> tuple[int, str] | None:
    """The answer as a duration in microseconds and the finest unit it states ("D",
    "H", "M", "S" or "mmm" for any fraction of a second), or None. Two clock fields are
    read as the template's first two units (``MM:SS`` reads ``4:45`` as minutes and
    seconds)."""
    if _HUGE_NUMBER.search(answer):
        return None
    match = _DURATION.match(answer.strip().rstrip(".").strip())
    if not match or (match.group("days") is None and match.group("a") is None):
        return None
    days = int(match.group("days") or 0)
    total = days * 86_400
    finest = "D"
    if match.group("a") is not None:
        fields = [int(match.group(k)) for k in ("a", "b", "c") if match.group(k) is not None]
        if len(fields) == 3:
            names = ["H", "M", "S"]
        else:
            clock = [u for u in units if u in ("H", "M", "S")]
            names = clock[:2] if len(clock) >= 2 else ["H", "M"]
        if any(v >= 60 for v, n in zip(fields[1:], names[1:], strict=False)):
            return None
        scale = {"H": 3600, "M": 60, "S": 1}
        total += sum(v * scale[n] for v, n in zip(fields, names, strict=True))
        if match.group("frac") and names[-1] != "S":
            return None  # a fraction of a minute: not a clock reading
        finest = "mmm" if match.group("frac") else names[-1]
    return total * 1_000_000 + _micro(match.group("frac")), finest


def _render_duration(micro: int, template: str) -> str | None:
    tokens = _tokens(template) or []
    has_days = any(kind == "p" and text == "D" for kind, text in tokens)
    units = _duration_units(template)
    values: dict[str, int] = {}
    rest = micro
    if has_days:
        values["D"], rest = divmod(rest, 86_400 * 1_000_000)
    for unit, size in (("H", 3600 * 10**6), ("M", 60 * 10**6), ("S", 10**6), ("mmm", 1000)):
        if unit in units:
            values[unit], rest = divmod(rest, size)
    if rest:
        return None  # the template has no place for the rest: it would be lost
    out = []
    for kind, text in tokens:
        if kind == "p":
            key = text if text in ("D", "mmm") else text[0]
            width = 1 if text == "D" else len(text)
            out.append(str(values[key]).rjust(width, "0"))
        else:
            out.append(text)
    return "".join(out)


def _parse_date(answer: str) -> date | None:
    text = answer.strip().rstrip(".").strip()
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            return None
    for form in _MONTH_FORMS:
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


def into_template(answer: str, template: str) -> str | None:
    """The answer written in the template when it states a duration or a date the
    template can hold exactly ("1:28:31" → "01:28:31" for HH:MM:SS; "2 days, 4:00:00" →
    "2 days, 04:00" for D days, HH:MM; "March 5, 2024" → "2024-03-05"); the answer itself
    when it already fits; None when it cannot be written so without a guess or a loss
    (a unit the template has no place for, or one it asks for that the answer never
    stated: ``13:33:15`` is not ``13:33:15.000``)."""
    if fits(answer, template):
        return answer.strip().rstrip(".").strip()
    if _is_date(template):
        if {text for kind, text in _tokens(template) or [] if kind == "p"} != {"YYYY", "MM", "DD"}:
            return None  # a date with a time of day: not written here
        day = _parse_date(answer)
        if day is None:
            return None
        out = template.replace("YYYY", f"{day.year:04d}").replace("DD", f"{day.day:02d}")
        return out.replace("MM", f"{day.month:02d}")
    text = answer.strip().rstrip(".").strip()
    if re.fullmatch(r"\d+", text):
        # A bare number has no unit; only "D days" says which one it must be.
        return template.replace("D", text, 1) if _duration_units(template) == [] \
            and template.count("D") == 1 else None
    units = _duration_units(template)
    parsed = _parse_duration(text, units)
    if parsed is None:
        return None
    micro, finest = parsed
    wanted = units[-1] if units else "D"
    if _UNITS.index(finest) < _UNITS.index(wanted):
        # "13:33:15" for HH:MM:SS.mmm: the milliseconds were never stated, and ".000"
        # would claim a precision the answer does not have.
        return None
    return _render_duration(micro, template)
