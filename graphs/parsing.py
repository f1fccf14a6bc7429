"""The parser chain: get a schema-valid object out of whatever a model produced.

Order: native tool-call arguments, fenced JSON blocks, bare JSON objects in the text,
then (for decisions only) a fenced code block read as a python action. Each candidate
is validated against the schema; the first valid one wins. The last validation error
is kept so the repair prompt can show it to the model.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from langchain_core.messages import AIMessage, BaseMessage
from pydantic import BaseModel, ValidationError

# What ast.parse raises on model text that is not Python: besides SyntaxError, ValueError
# (null bytes on some versions), and MemoryError or RecursionError on deeply nested or very
# long expressions (6,000 minus signs in a row). Text that is not code is a counted
# failure, never a crash.
UNPARSABLE: tuple[type[Exception], ...] = (SyntaxError, ValueError, MemoryError, RecursionError)

T = TypeVar("T", bound=BaseModel)

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)```", re.DOTALL)


class ParseOutcome(BaseModel):
    """The parsed value (or None) and the error that the repair prompt should show."""

    model_config = {"arbitrary_types_allowed": True}
    value: Any = None
    error: str = ""
    route: str = ""


def message_text(message: BaseMessage) -> str:
    """The plain text of a message, whatever shape its content has."""
    content = message.content
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def _json_objects(text: str) -> Iterator[Any]:
    """Every top-level JSON object or array that decodes, scanning left to right."""
    decoder = json.JSONDecoder()
    i = 0
    while i < len(text):
        j = min((k for k in (text.find("{", i), text.find("[", i)) if k >= 0), default=-1)
        if j < 0:
            return
        try:
            obj, end = decoder.raw_decode(text, j)
        except json.JSONDecodeError:
            i = j + 1
            continue
        except RecursionError:  # [[[[… nested a thousand deep: no object follows in it
            return
        yield obj
        i = end


def _candidates(message: BaseMessage) -> Iterator[tuple[str, Any]]:
    if isinstance(message, AIMessage):
        for call in message.tool_calls:
            args = call.get("args") or {}
            yield "tool_call", args
            # A model that "calls" a decision-shaped tool by the action's name.
            yield "tool_call", {"tool": call.get("name"), **args}
    text = message_text(message)
    for lang, body in _FENCE.findall(text):
        if lang.lower() in ("", "json", "jsonc", "javascript"):
            for obj in _json_objects(body):
                yield "fenced_json", obj
    for obj in _json_objects(text):
        yield "bare_json", obj


def parse_message(
    message: BaseMessage,
    schema: type[T],
    *,
    coerce: Callable[[Any], Any] | None = None,
    fallback: Callable[[str], Any] | None = None,
) -> ParseOutcome:
    """Run the chain; ``coerce`` may reshape a decoded object, ``fallback`` reads raw text."""
    error = "the reply contained no JSON object"
    for route, obj in _candidates(message):
        if coerce is not None:
            obj = coerce(obj)
        if not isinstance(obj, dict):
            continue
        try:
            return ParseOutcome(value=schema.model_validate(obj), route=route)
        except ValidationError as exc:
            error = _short_error(exc)
    if fallback is not None:
        obj = fallback(message_text(message))
        if obj is not None:
            try:
                return ParseOutcome(value=schema.model_validate(obj), route="code_fence")
            except ValidationError as exc:
                error = _short_error(exc)
    return ParseOutcome(error=error)


def _short_error(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "(object)"
        lines.append(f"{loc}: {err['msg']}")
    return "; ".join(lines)


_PYTHON = ("python", "py", "python3")


def trimmed(code: str) -> str:
    """``code`` without its blank first and last lines and the indent all its lines share:
    a body sent indented (``    total = 0`` / ``    for x in xs:``) keeps its shape, where
    ``strip()`` took the first line's indent only and broke it."""
    return textwrap.dedent(code.strip("\n")).strip()


def python_fence(text: str) -> str | None:
    """The body of the first ```python fence, if the text has one."""
    for lang, body in _FENCE.findall(text):
        if lang.lower() in _PYTHON:
            return trimmed(str(body))
    return None


_PROGRAM_HINT = re.compile(r"^\s*(print\(|def |import |from \w+ import |for |while )|\n\s*print\(")


def looks_like_program(text: str) -> bool:
    """Whether ``text`` starts like a Python program (or prints on a later line)."""
    return _PROGRAM_HINT.search(text) is not None


def defines(code: str, name: str) -> bool:
    """Whether ``code`` parses and defines function ``name`` (a bare signature does not
    parse)."""
    try:
        tree = ast.parse(code)
    except UNPARSABLE:
        return False
    return any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name
               for n in ast.walk(tree))


def implements(code: str, name: str) -> bool:
    """Whether ``code`` parses and defines function ``name`` with a body: the prompt's own
    signature and docstring (what is left of an empty or prose reply) does not."""
    try:
        tree = ast.parse(code)
    except UNPARSABLE:
        return False
    return any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name
               and not _is_stub(n) for n in ast.walk(tree))


def _is_stub(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function with nothing in it but a docstring, ``pass`` or ``...``."""
    for stmt in node.body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and (
                isinstance(stmt.value.value, str) or stmt.value.value is Ellipsis):
            continue
        return False
    return True


def parse_prompt(source: str) -> ast.Module | None:
    """A completion prompt's syntax tree: as written, else with a ``pass`` body under the
    signature it may end on; None when neither parses. Line numbers are the prompt's."""
    for text in (source, source.rstrip() + "\n    pass\n"):
        try:
            return ast.parse(text)
        except UNPARSABLE:
            continue
    return None


def function_to_complete(source: str) -> str | None:
    """The function a completion prompt asks for: the last top-level function left
    unwritten (a signature with only a docstring, ``pass`` or ``...``), else the last
    top-level function; a helper implemented above it is not it. A prompt that does not
    parse, even with a body added under its last line, gives its first ``def name(``."""
    tree = parse_prompt(source)
    functions = [n for n in (tree.body if tree else [])
                 if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if functions:
        stubs = [n for n in functions if _is_stub(n)]
        return (stubs or functions)[-1].name
    found = re.search(r"^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(", source, re.MULTILINE)
    return found.group(1) if found else None


def _parses(code: str, entry: str | None) -> bool:
    return defines(code, entry) if entry else _compiles(code)


def _compiles(code: str) -> bool:
    try:
        ast.parse(code)
    except UNPARSABLE:
        return False
    return bool(code.strip())


_OPENING = re.compile(r"```[ \t]*[A-Za-z0-9_+-]*[ \t]*\n")


def code_in_reply(text: str, entry: str | None = None) -> str:
    """The code of a reply to "write function ``entry``": the last ```python fence that
    defines ``entry`` (else the first ```python fence); else a
    fence of another or no language whose body defines ``entry`` (parses, without one);
    else what follows a fence that was opened and never closed; else the reply cut to its
    code, without the prose before (from its first ``def``/``import`` line) or after it. The reply itself, trimmed, when none of these is code
    (a bare body is joined to its signature by the caller)."""
    python = [trimmed(str(body)) for lang, body in _FENCE.findall(text) if lang.lower() in _PYTHON]
    if python:
        # A reply that quotes the broken line first and gives the fix after it: the last
        # block that defines the function is the answer.
        defining = [code for code in python if entry and implements(code, entry)] or [
            code for code in python if entry and defines(code, entry)]  # a stub: last resort
        return defining[-1] if defining else python[0]
    for _lang, body in _FENCE.findall(text):
        if _parses(trimmed(body), entry):
            return trimmed(str(body))
    opened = _OPENING.search(text)
    if opened and "```" not in text[opened.end():]:
        rest = trimmed(text[opened.end():])
        if _parses(rest, entry):
            return rest
        text = rest
    text = trimmed(text)
    if _parses(text, entry):
        return text
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if _CODE_START.match(line)][:1]
    for start in [0, *starts]:
        # Prose after the code is short: the last lines are cut, a few dozen at most.
        for end in range(len(lines) - 1, max(start, len(lines) - _MOST_CUT), -1):
            head = "\n".join(lines[start:end]).rstrip()
            if _parses(head, entry):
                return head
    return text


_CODE_START = re.compile(r"(?:async\s+)?def\s|class\s|import\s|from\s+[\w.]+\s+import\s|@\w")
_MOST_CUT = 60
