"""A coding task's own examples, as tests the candidates are run on.

Function-completion tasks state their examples in the prompt or the docstring rather than
as separate tests: doctest lines (``>>> f(2)`` then ``4``), ``f(x) == y`` and
``Example: f(x) -> y``. Each example becomes one ``assert`` line, so every checker that
runs a task's tests (and the model, which is shown them) uses them. Nothing here knows
what a task is about: it reads the notation, not the meaning.
"""

from __future__ import annotations

import ast
import doctest
import re

_ARROW = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:e\.g\.|examples?:?|for example,?)?\s*"
    r"(?P<call>{name}\(.*\))\s*(?:->|→|==|=>|returns|should return|gives)\s*(?P<want>.+?)\s*\.?$",
    re.IGNORECASE,
)


def _literal(text: str) -> str | None:
    """``text`` as a Python literal's source, or None when it is not one."""
    text = text.strip().rstrip(",;")
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None
    return text


def _is_call_of(source: str, name: str) -> bool:
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
               for n in ast.walk(tree))


def _assertion(call: str, want: str) -> str:
    literal = _literal(want)
    if literal is None:
        return ""
    value = ast.literal_eval(literal)
    if isinstance(value, float):
        return f"assert abs(({call}) - ({literal})) <= 1e-9 * max(1.0, abs({literal}))"
    if value is None or isinstance(value, bool):
        return f"assert ({call}) is {literal}"
    return f"assert ({call}) == {literal}"


def _doctest_examples(text: str, name: str) -> list[str]:
    try:
        examples = doctest.DocTestParser().get_examples(text)
    except ValueError:  # inconsistent indentation inside the docstring
        return []
    out = []
    for example in examples:
        source = example.source.strip()
        if "\n" in source or not _is_call_of(source, name) or not example.want.strip():
            continue
        out.append(_assertion(source, example.want.strip()))
    return out


def _inline_examples(text: str, name: str) -> list[str]:
    pattern = re.compile(_ARROW.pattern.format(name=re.escape(name)), re.IGNORECASE)
    out = []
    for line in text.splitlines():
        if ">>>" in line:
            continue
        match = pattern.match(line)
        if match and _is_call_of(match.group("call"), name):
            out.append(_assertion(match.group("call"), match.group("want")))
    return out


def extract_examples(prompt: str, entry_point: str) -> list[str]:
    """The examples of ``entry_point`` written in ``prompt``, one assert line each (in
    order, without repeats). Examples whose expected value is not a plain literal are
    left out: they cannot be compared without guessing."""
    seen: set[str] = set()
    lines = []
    for line in _doctest_examples(prompt, entry_point) + _inline_examples(prompt, entry_point):
        if line and line not in seen:
            seen.add(line)
            lines.append(line)
    return lines


def with_examples(tests: str | None, prompt: str, entry_point: str | None) -> str | None:
    """The task's tests followed by the prompt's examples that they do not already hold."""
    if not entry_point:
        return tests
    have = (tests or "").strip()
    extra = [line for line in extract_examples(prompt, entry_point) if line not in have]
    if not extra:
        return tests
    return "\n".join(part for part in (have, *extra) if part)
