"""direct: the model's own answer, in one call with no tools — always candidate 0.

For a question, step-by-step reasoning ending in ``Answer: …``; for a coding task, a
direct completion of the function. Tools and checks may replace it only with evidence
(see finalize), so the agent's floor is the bare model.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from ponder.graphs.answer_form import asked_template
from ponder.graphs.budget import OutOfTime, seconds_left, within
from ponder.graphs.codefix import add_missing_imports, prompt_context, without_demo_code
from ponder.graphs.context import GraphContext
from ponder.graphs.decide import ModelCallError
from ponder.graphs.events import Emit
from ponder.graphs.parsing import UNPARSABLE, code_in_reply, defines, message_text
from ponder.graphs.policies import Policy
from ponder.graphs.prompt_registry import Prompts
from ponder.graphs.prompts import bare_prompt, in_asked_form, render_history, task_block
from ponder.graphs.state import Candidate, PonderState

_ANSWER_LINE = re.compile(r"^\W*(?:final\s+)?answer\s*[:=]\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
# A marker anywhere in a line ("Therefore, the answer is: Answer: Thursday", "So the
# final answer is 28"), read only on the reply's last line: earlier in the reasoning
# "to answer: …" or "the answer is the sum of …" is no final answer.
_MARKER = re.compile(r"(?<!\w)(?:final\s+)?answer(?:\s*[:=]|\s+is\b:?)\s*", re.IGNORECASE)
# Tags left around an answer: "<Answer: 9730</Answer>".
_TAGS = re.compile(r"</?\s*answer\s*>", re.IGNORECASE)
# The prompt's own placeholder echoed back ("<the answer only>"): no answer at all.
_PLACEHOLDER = re.compile(r"^<[^<>]*>$")


_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")


_SENTENCE_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?![\w])")
_SENTENCE_WORDS = 6  # a last line this long is a sentence, not an answer
# A question whose answer is one quantity: "How many …", "How old will he be …".
_ASKS_QUANTITY = re.compile(r"\bhow (?:many|much|old|long|far|tall|fast|heavy)\b", re.IGNORECASE)


def _plain(number: str) -> str:
    return number.rstrip(",").replace(",", "")


def _new_number(sentence: str, question: str) -> str | None:
    """For a question asking for one quantity (and stating no answer template), the one
    number a sentence-long answer adds to the question's own: "Mia's brother will be 18
    years old in 6 years" answers "How old will her brother be in 6 years?" with 18. None
    when the sentence is short, or adds no number or more than one."""
    if (not question or len(sentence.split()) < _SENTENCE_WORDS
            or not _ASKS_QUANTITY.search(question) or asked_template(question)):
        return None
    stated = {_plain(n) for n in _SENTENCE_NUMBER.findall(question)}
    added = [n.rstrip(",") for n in _SENTENCE_NUMBER.findall(sentence)
             if _plain(n) not in stated]
    return added[-1] if len({_plain(n) for n in added}) == 1 else None


def _after_markers(line: str) -> str:
    """What follows the line's last ``Answer:`` marker (the line itself when it has
    none), without ``<Answer>`` tags or markdown emphasis."""
    parts = _MARKER.split(line)
    return _TAGS.sub("", parts[-1]).strip().strip("*$").strip()


def final_answer(text: str, question: str = "") -> str:
    """The text after the last ``Answer:`` line (or the last marker on the reply's last
    line), else the last ``\\boxed{…}``, else the last non-empty line — or, when that line
    is a sentence ("Therefore, the total is 115."), the last number in it. Given the
    ``question``, a sentence that answers a question for one quantity is that quantity
    when it adds exactly one number to the question's (``_new_number``). An echo of the
    prompt's placeholder (``<the answer only>``) is no answer."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    found = _ANSWER_LINE.findall(text)
    if not found and lines and _MARKER.search(lines[-1]):
        found = [lines[-1]]
    tail = found[-1] if found else text
    if boxed := _BOXED.findall(tail):
        return boxed[-1].strip()
    if found:
        answer = _after_markers(found[-1])
        return "" if _PLACEHOLDER.match(answer) else _new_number(answer, question) or answer
    if not lines:
        return ""
    last = lines[-1]
    if _PLACEHOLDER.match(last):
        return ""
    if added := _new_number(last, question):
        return added
    numbers = _SENTENCE_NUMBER.findall(last)
    if len(last.split()) >= _SENTENCE_WORDS and numbers:
        return numbers[-1].rstrip(",")
    return last


def _as_function(code: str, entry: str | None) -> str:
    """``code`` with ``entry`` bound at the top level when the reply wrote it only as a
    method of a class (``class Solution: def f(self, xs)``, a habit of coding sites): the
    task's tests call ``f(...)``, which was a NameError."""
    if not entry:
        return code
    try:
        tree = ast.parse(code)
    except UNPARSABLE:
        return code
    if any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == entry
           for n in tree.body):
        return code
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(
                isinstance(m, ast.FunctionDef) and m.name == entry for m in node.body):
            # A new instance per call: state a method keeps on ``self`` (``self.memo``)
            # must not carry from one call to the next.
            return (f"{code.rstrip()}\n\n\ndef {entry}(*args, **kwargs):\n"
                    f"    return {node.name}().{entry}(*args, **kwargs)\n")
    return code


def completed_code(text: str, prompt: str, entry: str | None,
                   policies: Sequence[Policy] | None = None) -> str:
    """The function from a completion: its code (``parsing.code_in_reply``: a fence of any
    language or none, closed or not, or the reply without the prose around its code) when
    it defines ``entry``, else the prompt's signature followed by the reply as its body
    (completion style); missing
    imports added (with ``policies``' import tables; default: every policy), and the
    prompt's own imports and helpers that the code uses, so it runs on its own; the
    asserts, prints and calls the model added to try it are left out."""
    code = code_in_reply(text, entry)
    own = prompt_context(prompt, entry)  # typing names of its signature, helpers above it
    if not entry or defines(code, entry):
        return add_missing_imports(_as_function(without_demo_code(code), entry), policies, own)
    body = "\n".join(("    " + line) if line.strip() else line for line in code.splitlines())
    joined = code_in_reply(f"{prompt.rstrip()}\n{body}\n", entry)  # prose after it cut
    whole = joined if defines(joined, entry) else code
    return add_missing_imports(without_demo_code(whole), policies, own)


async def one_call(state: PonderState, ctx: GraphContext, emit: Emit, prompt: str,
                   node: str, *, model: BaseChatModel | None = None,
                   seconds: float | None = None) -> tuple[str | None, dict[str, Any]]:
    """One model call with no tools (to ``model``, default the run's), within the run's
    time budget (``seconds``: what is left of it now, when the state's usage does not yet
    say what the calling node spent): (reply text, usage), or (None, usage) when the
    budget ran out first (said as a ``budget`` event). A failed call raises
    ModelCallError. ``usage`` counts the call, its tokens and its seconds."""
    started = time.perf_counter()
    left = seconds_left(state.get("usage"), ctx.settings.budget) if seconds is None else seconds
    try:
        reply = await within(left, (model or ctx.model).ainvoke([HumanMessage(prompt)]))
    except OutOfTime as exc:
        emit({"type": "budget", "node": node, "reason": str(exc)})
        return None, {"seconds": time.perf_counter() - started}
    except Exception as exc:
        raise ModelCallError(f"model call failed: {exc}", operation="chat") from exc
    meta = getattr(reply, "usage_metadata", None) or {}
    return message_text(reply), {
        "model_calls": 1, "prompt_tokens": int(meta.get("input_tokens", 0)),
        "completion_tokens": int(meta.get("output_tokens", 0)),
        "seconds": time.perf_counter() - started,
    }


BARE_INDEX = 3  # after direct (0), program (1) and revise (2)


def bare_words(state: PonderState, prompts: Prompts) -> str:
    """The bare call's prompt: the task as a bare model sees it (the tests it came with,
    not the examples start added), after any earlier turns of the conversation."""
    task = state["task"]
    tests = task.get("given_tests", task.get("tests")) or None
    words = bare_prompt(task["question"], task.get("kind", "question"),
                        task.get("entry_point"), tests, prompts)
    history = render_history(state.get("history", []))
    return f"{history}\n\n{words}" if history else words


async def direct_node(state: PonderState, ctx: GraphContext, emit: Emit) -> dict[str, Any]:
    """One call, no tools: the model's own answer becomes candidate 0 (no candidate when
    the reply is empty or the time budget runs out first). A question gets step-by-step
    reasoning; a coding task gets the bare call's own words, so its floor is the bare
    model's function."""
    task = state["task"]
    assert task is not None
    is_code = task.get("kind") == "code"
    prompts = ctx.active_prompts()
    prompt = (bare_words(state, prompts) if is_code
              else f"{task_block(state, prompts)}\n\n{prompts.direct_question}")
    text, usage = await one_call(state, ctx, emit, prompt, "direct")
    if text is None:
        return {"usage": usage}
    if is_code:
        answer = completed_code(text, task["question"], task.get("entry_point"),
                                ctx.active_policies())
    else:
        answer = in_asked_form(final_answer(text, task["question"]), task["question"])
    if not answer:
        return {"usage": usage}
    emit({"type": "thought", "step": 0, "text": f"direct answer: {' '.join(text.split())[:300]}"})
    emit({"type": "candidate", "index": 0, "answer": answer, "method": "direct"})
    candidate = Candidate(index=0, answer=answer, step=0,
                          code=answer if is_code else None, method="direct")
    return {"candidates": [candidate], "usage": usage}


def bare_applies(state: PonderState, ctx: GraphContext) -> bool:
    """Whether the bare method runs beside direct: a question (for code, direct already
    is the bare call), with the setting on."""
    task = state.get("task") or {}
    return ctx.settings.bare_answer and task.get("kind", "question") == "question"


async def bare_node(state: PonderState, ctx: GraphContext, emit: Emit) -> dict[str, Any]:
    """One call in a bare model call's words ("Reply with only the final answer"): its
    answer is candidate 3, method ``bare``. On some tasks a small model answers better
    without reasoning aloud; keeping this answer as a method means selection can fall back
    to it, so the agent is never below the bare model for want of trying it."""
    text, usage = await one_call(state, ctx, emit, bare_words(state, ctx.active_prompts()),
                                 "bare")
    question = state["task"]["question"]
    answer = (in_asked_form(final_answer(text, question), question)
              if text is not None else "")
    if not answer:
        return {"usage": usage}
    emit({"type": "candidate", "index": BARE_INDEX, "answer": answer, "method": "bare"})
    candidate = Candidate(index=BARE_INDEX, answer=answer, step=0, code=None, method="bare")
    return {"candidates": [candidate], "usage": usage}
