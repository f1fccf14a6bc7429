"""Self-repair of failed python code, asked of the model in a clean, focused context.

A small model rarely fixes its code from inside a long agent transcript, and greedy
decoding repeats the same mistake. One short request — this code, this error, write the
corrected program — fixes most slips (a missing import, an unencoded string, a name
rebound by an earlier import). The corrected program runs in the same sandbox; the
observation shows both the failure and the fix, so nothing is hidden from the model or
the checkers.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage

from ponder.graphs.budget import OutOfTime, time_to, within
from ponder.graphs.decide import ModelCallError
from ponder.graphs.parsing import message_text, python_fence
from ponder.graphs.prompt_registry import Prompts


async def corrected_code(
    model: BaseChatModel, code: str, error: str, prompts: Prompts, *,
    deadline: float | None = None,
) -> tuple[str | None, dict[str, int]]:
    """The model's corrected program (None if it gave none or the same code, or
    ``deadline`` came first) and usage, asked with ``prompts.repair_code``."""
    prompt = prompts.repair_code.format(code=code.strip()[:3000], error=error.strip()[-1200:])
    return await _new_code(model, prompt, code, deadline=deadline)


async def calling_line(
    model: BaseChatModel, code: str, name: str, task: str, prompts: Prompts, *,
    deadline: float | None = None,
) -> tuple[str | None, dict[str, int]]:
    """For a program that defines ``name`` and never calls it: the model's line that
    calls it on the task's data and prints the result (None if the reply holds no code)
    and usage, asked with ``prompts.program_printed_nothing`` (the task shown: the call
    needs its data). A small model asked to rewrite the whole program repeats it as it
    was (dev `truth-12`); asked for the one line, it writes the call."""
    prompt = prompts.program_printed_nothing.format(task=task.strip(), name=name,
                                                    code=code.strip()[:3000])
    return await _new_code(model, prompt, code, unfenced=True, deadline=deadline)


async def _new_code(model: BaseChatModel, prompt: str, code: str, *, unfenced: bool = False,
                    deadline: float | None = None) -> tuple[str | None, dict[str, int]]:
    """One call for a program in place of ``code``: its ```python block (with
    ``unfenced``, a reply with no fence is the code itself; None if none or the same code)
    and the call's usage, counted as a repair. The call is cut off at ``deadline`` (a
    ``perf_counter`` reading): then None, and no usage (the tokens are not reported)."""
    left = time_to(deadline)
    try:
        call = model.ainvoke([HumanMessage(prompt)])
        reply = await (call if left is None else within(left, call))
    except OutOfTime:
        return None, {}
    except Exception as exc:
        raise ModelCallError(f"model call failed: {exc}", operation="repair") from exc
    meta: dict[str, Any] = (reply.usage_metadata if isinstance(reply, AIMessage) else None) or {}
    usage = {"model_calls": 1, "prompt_tokens": int(meta.get("input_tokens", 0)),
             "completion_tokens": int(meta.get("output_tokens", 0)), "repairs": 1}
    text = message_text(reply)
    fixed = python_fence(text) or (text.strip() if unfenced and "```" not in text else "")
    if not fixed or fixed.strip() == code.strip():
        return None, usage
    return fixed, usage
