"""How the tool loop's actions are written: one JSON object (``json``, the default) or a
short thought followed by a fenced block or a marked line (``fenced``).

Code inside a JSON string has to be escaped, and small models escape and misquote it.
In the fenced format code is written as code::

    Count it with Python.
    ```python
    print('banana'.count('a'))
    ```

another tool is two marked lines (``Tool: search`` / ``Input: …``) and the final answer is
``Answer: …`` (for a coding task, ``Answer:`` followed by the function in a python
block). :func:`render_action` writes an action in a format (the run so far is shown to
the model in the format it is asked to use); :func:`parse_fenced` reads one back.
"""

from __future__ import annotations

import json
import re
from typing import Literal

ActionFormat = Literal["json", "fenced"]
ANSWER = "answer"

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)```", re.DOTALL)
_ANSWER_LINE = re.compile(r"^[ \t]*[*_]*(?:final[ \t]+)?answer[*_]*[ \t]*:[*_]*[ \t]*(.*)$",
                          re.IGNORECASE | re.MULTILINE)
_TOOL_LINE = re.compile(r"^[ \t]*[*_]*(?:tool|action)[*_]*[ \t]*:[*_]*[ \t]*`?([A-Za-z_]\w*)`?[ \t]*$",
                        re.IGNORECASE | re.MULTILINE)
_INPUT_LINE = re.compile(r"^[ \t]*[*_]*input[*_]*[ \t]*:[*_]*[ \t]*(.*)$",
                         re.IGNORECASE | re.MULTILINE)
_PYTHON = ("python", "py", "python3")
_THOUGHT_CHARS = 300


def render_action(fmt: ActionFormat, thought: str, tool: str, text: str) -> str:
    """One action as the model would write it in ``fmt``."""
    if fmt == "json":
        return json.dumps({"thought": thought, "tool": tool, "input": text}, ensure_ascii=False)
    lines = [thought.strip()] if thought.strip() else []
    if tool == "python":
        lines.append(f"```python\n{text.strip()}\n```")
    elif tool == ANSWER:
        multiline = "\n" in text.strip()
        lines.append(f"Answer:\n```python\n{text.strip()}\n```" if multiline
                     else f"Answer: {text.strip()}")
    else:
        lines += [f"Tool: {tool}", f"Input: {text.strip()}"]
    return "\n".join(lines)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'`":
        return text[1:-1].strip()
    return text


def parse_fenced(text: str, tools: list[str]) -> dict[str, str] | None:
    """The first action in a fenced-format reply, as ``{thought, tool, input}``, or None
    when there is none, or it names a tool not in ``tools`` (a python block needs
    "python" among them). The thought is the text before the action."""
    marks: list[tuple[int, str, re.Match[str]]] = []
    for fence in _FENCE.finditer(text):
        if fence.group(1).lower() in (*_PYTHON, ""):
            marks.append((fence.start(), "python", fence))
            break
    if answer := _ANSWER_LINE.search(text):
        marks.append((answer.start(), ANSWER, answer))
    if tool := _TOOL_LINE.search(text):
        marks.append((tool.start(), "tool", tool))
    if not marks:
        return None
    start, kind, match = min(marks, key=lambda m: m[0])
    thought = " ".join(text[:start].split())[:_THOUGHT_CHARS]
    if kind == "python":
        code = match.group(2).strip()
        if "python" not in tools or not code:
            return None
        return {"thought": thought, "tool": "python", "input": code}
    if kind == ANSWER:
        value = match.group(1).strip()
        if not value:  # "Answer:" then the answer below it: a fenced block or a line
            rest = text[match.end():]
            block = _FENCE.search(rest)
            lines = [line.strip() for line in rest.splitlines() if line.strip()]
            if block and (not lines or lines[0].startswith("```")):
                value = block.group(2).strip()
            elif lines:
                value = lines[0]
        value = _unquote(value)
        return {"thought": thought, "tool": ANSWER, "input": value} if value else None
    name = match.group(1).lower()
    if name == ANSWER:
        given = _INPUT_LINE.search(text, match.end())
        value = _unquote(given.group(1)) if given else ""
        return {"thought": thought, "tool": ANSWER, "input": value} if value else None
    if name not in tools:
        return None
    given = _INPUT_LINE.search(text, match.end())
    if given is None:
        block = _FENCE.search(text, match.end())
        if block is None:
            return None
        return {"thought": thought, "tool": name, "input": block.group(2).strip()}
    value = given.group(1).strip()
    if not value:  # "Input:" then a block below it
        block = _FENCE.search(text, given.end())
        value = block.group(2).strip() if block else ""
    value = _unquote(value)
    return {"thought": thought, "tool": name, "input": value} if value else None


_GBNF_NAME = re.compile(r"^[A-Za-z_]\w*$")
_LINE = "[^`\\n]{1,150}"


def fenced_grammar(tools: list[str], *, code_task: bool = False) -> str:
    """A GBNF grammar (llama.cpp's) that admits exactly the fenced-format replies
    :func:`parse_fenced` reads with ``tools``: an optional short thought, then one action
    — a ```python block (when "python" is in ``tools``), the ``Tool:``/``Input:`` lines of
    another tool in ``tools``, or the answer (``Answer: <one line>``; for a coding task,
    ``Answer:`` and the function in a python block). With no tools, the answer alone.
    Nothing may follow the action, so a reply is never an echo of the instructions, a
    thought without an action, or two actions."""
    others = [t for t in tools if t not in ("python", ANSWER)]
    if bad := [t for t in others if not _GBNF_NAME.match(t)]:
        raise ValueError(f"tool names a grammar cannot spell: {bad}")
    actions = []
    if "python" in tools:
        actions.append("run")
    if others:
        actions.append("use")
    actions.append("finish")
    finish = ('"Answer:\\n```python\\n" code "```"' if code_task
              else '"Answer: " [^\\n]{1,200}')
    rules = [
        # A little whitespace may follow the action: a token such as "```\\n" must not be
        # refused, or the model would keep writing inside the block it wanted to close.
        f"root ::= (thought [\\n]{{1,2}})? ({' | '.join(actions)}) [ \\t\\n]{{0,3}}",
        # At most two lines of 150 characters (parse_fenced keeps 300), with no backtick
        # (a block always starts an action): a small model, once in prose, writes on and
        # on. A blank line may end a line ("\\n\\n" is one token; refusing it would also
        # keep the model writing).
        f"thought ::= {_LINE} ([\\n]{{1,2}} {_LINE})?",
        f"finish ::= {finish}",
    ]
    if "python" in tools:
        rules.append('run ::= "```python\\n" code "```"')
    if "python" in tools or code_task:
        # Any text without three backticks in a row: the block ends at the first three.
        rules.append('code ::= ([^`] | "`" [^`] | "``" [^`])+')
    if others:
        names = " | ".join(f'"{t}"' for t in others)
        rules.append(f'use ::= "Tool: " ({names}) "\\nInput: " [^\\n]{{1,300}}')
    return "\n".join(rules) + "\n"
