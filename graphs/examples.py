"""A coding task's own examples, as tests the candidates are run on.

Function-completion tasks state their examples in the prompt or the docstring rather than
as separate tests: doctest lines (``>>> f(2)`` then ``4``, a call continued on ``...``
lines too), ``f(x) == y`` and ``Example: f(x) -> y`` (or ``=``, ``==>``, ``=>``, ``➞``,
``→``, ``# =>``, "returns", "is"), and ``Input: a = [1, 2], k = 3`` over ``Output: 5``.
Each example becomes one ``assert`` line, so every checker that runs a task's tests (and
the model, which is shown them) uses them. Nothing here knows
what a task is about: it reads the notation, not the meaning.
"""

from __future__ import annotations

import ast
import doctest
import re

from ponder.graphs.codefix import prompt_context, with_bindings
from ponder.graphs.parsing import UNPARSABLE, parse_prompt

_ARROW = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:e\.g\.|examples?:?|for example,?)?\s*"
    r"(?P<call>{name}\(.*\))\s*(?:#\s*)?"
    r"(?:==>|->|-->|→|➞|➔|⇒|⟶|==|=>|=|returns|should return|gives|is)\s*(?P<want>.+?)\s*\.?$",
    re.IGNORECASE,
)


def _literal(text: str) -> str | None:
    """``text`` as a Python literal's source (as Python writes it: a comment after it
    dropped, ``3, 1`` bracketed as the tuple it is), or None when it is not one."""
    text = text.strip().rstrip(",;")
    try:
        ast.literal_eval(text)
        return ast.unparse(ast.parse(text, mode="eval").body)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None


# A written float with 2 decimals or more may be rounded (12.57 for 4π, 3.14159); one
# decimal is most often exact (1.5); 12 significant digits or more is a value Python
# printed in full, not rounded by hand.
_REPR_DIGITS = 12


def _decimals(text: str) -> int | None:
    """How many decimals a plainly written number shows (``12.57`` → 2); None for another
    form (an exponent, no decimal point)."""
    found = re.fullmatch(r"\s*[-+]?(\d*)\.(\d+)\s*(?:#.*)?[,;.]?\s*", text)
    if not found or len(found.group(1).lstrip("0")) + len(found.group(2)) >= _REPR_DIGITS:
        return None  # as many digits as Python prints: not rounded by hand
    return len(found.group(2))


def _holds_ellipsis(value: object) -> bool:
    """Whether a literal value holds ``...`` (doctest's "anything here", not a value)."""
    if value is Ellipsis:
        return True
    if isinstance(value, dict):
        return any(_holds_ellipsis(k) or _holds_ellipsis(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_ellipsis(v) for v in value)
    return False


def _is_call_of(source: str, name: str) -> bool:
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except UNPARSABLE:
        return False
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
               for n in ast.walk(tree))


def _assertion(call: str, want: str, *, written: bool = False) -> str:
    """One example as an assert. ``written``: the value was written by a person (prose,
    ``Output:``), not printed by Python (a doctest's repr): a float there with 2 decimals
    or more, short of a full repr, may be rounded to them (``area(2) -> 12.57``), so it is
    compared to half a unit of its last decimal."""
    literal = _literal(want)
    if literal is None:
        return ""
    value = ast.literal_eval(literal)
    if _holds_ellipsis(value):
        return ""
    if isinstance(value, float):
        shown = _decimals(want)
        if written and shown is not None and shown >= 2:
            return f"assert abs(({call}) - ({literal})) <= {0.5 * 10 ** -shown:g} + 1e-12"
        return f"assert abs(({call}) - ({literal})) <= 1e-9 * max(1.0, abs({literal}))"
    if value is None or isinstance(value, bool):
        return f"assert ({call}) is {literal}"
    return f"assert ({call}) == {literal}"


def _docstrings(text: str) -> list[str]:
    """The docstrings of ``text`` when it parses as Python (a signature with its docstring
    does), else the text itself. A docstring read this way ends where its quotes close:
    doctest run on the raw text would take the closing quotes as part of the last
    example's expected output, and drop that example."""
    try:
        tree = ast.parse(text)
    except UNPARSABLE:
        return [_cut_at_closing_quotes(text)]
    found = [ast.get_docstring(node) for node in ast.walk(tree)
             if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    return [doc for doc in found if doc] or [_cut_at_closing_quotes(text)]


_CLOSING = re.compile(r"^(?P<keep>[^\n]*?)(?:\"\"\"|\'\'\')\s*$", re.MULTILINE)


def _cut_at_closing_quotes(text: str) -> str:
    """``text`` with a line that ends in closing triple quotes ended before them and a
    blank line after it, so that no expected output runs on into the quotes."""
    return _CLOSING.sub(lambda m: m.group("keep").rstrip() + "\n", text)


def _expression(source: str) -> ast.expr | None:
    try:
        return ast.parse(source.strip(), mode="eval").body
    except UNPARSABLE:
        return None


def _printed(expr: ast.expr) -> ast.expr | None:
    """The one argument of ``print(arg)`` (no keywords), else None."""
    if (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "print"
            and len(expr.args) == 1 and not expr.keywords
            and not isinstance(expr.args[0], ast.Starred)):
        return expr.args[0]
    return None


_LOOSE = (doctest.ELLIPSIS, doctest.SKIP)


def _returns_none(text: str, name: str) -> bool:
    """Whether ``text`` declares function ``name`` to return None (``-> None``)."""
    tree = parse_prompt(text)
    return any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name
               and isinstance(node.returns, ast.Constant) and node.returns.value is None
               for node in (ast.walk(tree) if tree else []))


def _doctest_examples(text: str, name: str) -> list[str]:
    """Doctest examples as asserts: the shown value is the call's repr, which must be a
    literal; after ``print(call)`` the shown lines are its str."""
    out = []
    # A function that returns None shows what it prints: that is no value to compare.
    prints = _returns_none(text, name)
    for doc in _docstrings(text):
        try:
            examples = doctest.DocTestParser().get_examples(doc)
        except ValueError:  # inconsistent indentation inside the docstring
            continue
        for example in examples:
            expr = _expression(example.source)
            want = example.want.strip("\n")
            if expr is None or not want.strip():  # a statement, or nothing shown
                continue
            if any(example.options.get(flag) for flag in _LOOSE):
                continue  # "..." stands for anything, or the example is not to be run
            printed = _printed(expr)
            if printed is not None:
                if _is_call_of(ast.unparse(printed), name) and not prints:
                    shown = want.replace("<BLANKLINE>", "")
                    out.append(f"assert str({ast.unparse(printed)}) == {shown!r}")
                continue
            source = ast.unparse(expr)
            if _is_call_of(source, name) and not prints:
                out.append(_assertion(source, want.strip()))
    return out


def _literal_call(source: str, name: str) -> bool:
    """Whether ``source`` is one call of ``name`` on literal arguments only: ``f(x) = 0``
    in prose states a property of ``x``, not an example to run."""
    expr = _expression(source)
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)
            and expr.func.id == name):
        return False
    values = [*expr.args, *(k.value for k in expr.keywords)]
    return all(not isinstance(v, ast.Starred) and _literal(ast.unparse(v)) is not None
               for v in values) and None not in [k.arg for k in expr.keywords]


def _inline_examples(text: str, name: str) -> list[str]:
    pattern = re.compile(_ARROW.pattern.format(name=re.escape(name)), re.IGNORECASE)
    out = []
    for line in text.splitlines():
        if ">>>" in line:
            continue
        match = pattern.match(line)
        if match and _literal_call(match.group("call"), name):
            out.append(_assertion(match.group("call"), match.group("want"), written=True))
    return out


_QUOTES = r"(?:\"\"\"|\'\'\')?"  # a docstring's opening or closing quotes on the same line
_INPUT = re.compile(rf"^\s*{_QUOTES}\s*(?:[-*•]\s*)?input\s*:\s*(?P<args>.+?)\s*$",
                    re.IGNORECASE)
_OUTPUT = re.compile(rf"^\s*(?:[-*•]\s*)?output\s*:\s*(?P<want>.+?)\s*\.?\s*{_QUOTES}\s*$",
                     re.IGNORECASE)


def _parameters(text: str, name: str) -> list[str] | None:
    """The parameter names of function ``name`` as ``text`` defines it (a prompt that ends on
    a signature and its docstring parses), or None when it does not."""
    tree = parse_prompt(text)
    for node in ast.walk(tree) if tree else []:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            args = node.args
            return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    return None


def _io_examples(text: str, name: str) -> list[str]:
    """``Input: a = [1, 2], k = 3`` then ``Output: 5`` (on the next line, or the one after
    a blank): the input becomes the call's arguments when it names only the function's
    parameters, or is one value for a function of one parameter."""
    params = _parameters(text, name)
    if not params:
        return []
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        found = _INPUT.match(line)
        if not found:
            continue
        following = [rest for rest in lines[i + 1:i + 3] if rest.strip()][:1]
        want = _OUTPUT.match(following[0]) if following else None
        if want is None:
            continue
        call = f"{name}({found.group('args')})"
        node = _expression(call)
        if not isinstance(node, ast.Call) or not _literal_call(call, name):
            continue
        named = [k.arg for k in node.keywords]
        fits = ((not node.args and set(named) <= set(params) and len(named) == len(set(named)))
                or (len(node.args) == 1 and not named and len(params) == 1))
        if fits:
            out.append(_assertion(ast.unparse(node), want.group("want"), written=True))
    return out


def extract_examples(prompt: str, entry_point: str) -> list[str]:
    """The examples of ``entry_point`` written in ``prompt``, one assert line each (in
    order, without repeats). Examples whose expected value is not a plain literal are
    left out: they cannot be compared without guessing."""
    seen: set[str] = set()
    lines = []
    found = (_doctest_examples(prompt, entry_point) + _inline_examples(prompt, entry_point)
             + _io_examples(prompt, entry_point))
    for line in found:
        if line and line not in seen:
            seen.add(line)
            lines.append(line)
    return lines


_CALLS_CHECK = re.compile(r"^check\s*\(", re.MULTILINE)


def with_check_call(tests: str, entry_point: str | None) -> str:
    """``tests`` that run: a ``def check(candidate)`` suite (the function-completion
    benchmarks' format) that never calls itself gets ``check(entry_point)`` after it."""
    if entry_point and re.search(r"^def check\s*\(", tests, re.MULTILINE) \
            and not _CALLS_CHECK.search(tests):
        return f"{tests.rstrip()}\n\n\ncheck({entry_point})\n"
    return tests


def with_examples(tests: str | None, prompt: str, entry_point: str | None) -> str | None:
    """The task's tests followed by the prompt's examples that they do not already hold."""
    if not entry_point:
        return tests
    have = (tests or "").strip()
    lines = {line.strip() for line in have.splitlines()}
    extra = [line for line in extract_examples(prompt, entry_point) if line not in lines]
    if not extra:
        return tests
    # An example that calls a helper the prompt implements (``decode(encode('abc'))``)
    # needs it: the candidate's code has it only if it calls it itself. A candidate that
    # wrote its own helper of that name keeps it (the prompt's is a fallback).
    examples = with_bindings("\n".join(extra), _fallback_helpers(prompt, entry_point))
    return "\n".join(part for part in (have, examples) if part)


def _fallback_helpers(prompt: str, entry_point: str) -> dict[str, str]:
    """What the prompt binds (``prompt_context``), its functions and classes as fallbacks:
    ``def _prompt_encode(...)`` then ``encode = globals().get('encode', _prompt_encode)``
    (statements a test's set-up may hold)."""
    table = prompt_context(prompt, entry_point)
    for name, source in table.items():
        try:
            tree = ast.parse(source)
        except UNPARSABLE:
            continue
        nodes = tree.body
        if len(nodes) == 1 and isinstance(nodes[0], ast.FunctionDef | ast.AsyncFunctionDef
                                          | ast.ClassDef) and nodes[0].name == name:
            nodes[0].name = f"_prompt_{name}"
            table[name] = (f"{ast.unparse(tree)}\n"
                           f"{name} = globals().get({name!r}, _prompt_{name})")
    return table
