"""A second, independent program: does it print the same answer?

Re-running the agent's own code proves only that it is reproducible; a small model
that counts letters in the wrong string reproduces its mistake every time. This checker
asks the model, in a fresh context and with a different prompt, for a short program
that prints the answer, runs it in a fresh sandbox, and compares. Agreement accepts;
disagreement rejects, showing the other result. For word problems the agreement checker
(words against code) decides instead, since a small model's programs misread stories.
"""

from __future__ import annotations

import copy

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from ponder.agent.errors import SandboxError
from ponder.graphs.checkers.agreement import is_word_problem
from ponder.graphs.checkers.base import CheckInput, Verdict, in_context
from ponder.graphs.checkers.code import answer_in, computes, python_steps
from ponder.graphs.metering import Meter, SandboxSource, metered_model, metered_sandboxes
from ponder.graphs.nodes.think import hotter, strip_fence
from ponder.graphs.parsing import message_text, python_fence


class IndependentProgramChecker:
    """Compares the answer with what an independently written program prints."""

    name = "second-program"

    def __init__(self, model: BaseChatModel, factory: SandboxSource, *,
                 timeout: float = 30.0) -> None:
        self.model = model
        self.factory = factory
        self.timeout = timeout

    def with_meter(self, meter: Meter) -> IndependentProgramChecker:
        """This checker with its model calls and sandbox runs counted in ``meter``."""
        metered = copy.copy(self)
        metered.model = metered_model(self.model, meter)
        metered.factory = metered_sandboxes(self.factory, meter)
        return metered

    async def check(self, item: CheckInput) -> Verdict:
        if item.kind != "question" or is_word_problem(item.question):
            return self._verdict("unverified", "not an exact-work question")
        if not item.answer.strip():
            return self._verdict("unverified", "no answer to compare")
        if item.method in ("program", "program_sample") and "direct" in item.other_answers:
            # The answer already is one program's; the direct answer (words) is its second,
            # different method, compared by the selector (and drawn programs vote there).
            # Another program is the same method.
            return self._verdict("unverified", "a first-method program: the direct answer is "
                                 "its comparison, not another program")
        if not any(s["ok"] and s["computed"] and answer_in(item.answer, s["output"])
                   for s in python_steps(item.trajectory)):
            # Only two programs agreeing is evidence; an answer copied from a critique is not.
            return self._verdict("unverified", "the run's own python did not compute this "
                                 "answer, so there are not two programs to compare")
        second = await self._program(item, self.model)
        if isinstance(second, Verdict):
            return second
        code, output = second
        evidence = [f"second program: {' '.join(code.split())[:300]}", f"it printed: {output[:200]}"]
        if answer_in(item.answer, output):
            # Two programs from one model share its misreadings ("3.5 pounds a week" read
            # as a day's worth by both): agreement is no evidence, so it never accepts.
            return self._verdict("unverified", "an independently written program prints the "
                                 "same answer (two samples of one model agreeing is not "
                                 "evidence, so this never verifies)", evidence)
        # Two programs disagree: either may be the wrong one. A third, sampled afresh,
        # breaks the tie; without its support the answer stays rejected.
        third = await self._program(item, hotter(self.model) or self.model)
        if not isinstance(third, Verdict):
            evidence += [f"third program: {' '.join(third[0].split())[:300]}",
                         f"it printed: {third[1][:200]}"]
            if answer_in(item.answer, third[1]) and not answer_in(output, third[1]):
                return self._verdict("unverified", "two of three independently written programs "
                                     "print the answer (the run's own and a third)", evidence)
        return self._verdict("reject", (
            f"an independently written program prints {output[:120]!r}, not {item.answer!r}. "
            "Check which is right: run python again carefully and answer with what it prints."
        ), evidence)

    async def _program(self, item: CheckInput, model: BaseChatModel) -> tuple[str, str] | Verdict:
        """Ask ``model`` for a program answering the item's question (in its conversation)
        and run it: (code, output), or an ``unverified`` verdict when it cannot run or
        prints nothing."""
        prompt = in_context(item, item.prompts.second_program.format(question=item.question))
        reply = await model.ainvoke([HumanMessage(prompt)])
        text = message_text(reply)
        code = python_fence(text) or strip_fence(text)
        if not computes(code):
            # A program that prints what the model typed (``print('nus')``, the worked
            # example's answer) is the model's guess again, not a computation.
            return self._verdict("unverified", "the second program only prints a literal, "
                                 "so it computes nothing and proves nothing",
                                 [f"second program: {' '.join(code.split())[:300]}"])
        try:
            async with self.factory() as sandbox:
                result = await sandbox.execute(code, timeout=self.timeout)
        except SandboxError as exc:
            return self._verdict("unverified", f"the sandbox could not run the check: {exc}")
        output = (result.stdout + ("\n" + result.value if result.value else "")).strip()
        if not result.ok or not output:
            return self._verdict("unverified", "the second program failed, so it proves nothing",
                                 [f"second program: {' '.join(code.split())[:300]}",
                                  f"it printed: {output[:200]}"])
        return code, output

    def _verdict(self, status: str, reason: str, evidence: list[str] | None = None) -> Verdict:
        return Verdict(checker=self.name, status=status,  # type: ignore[arg-type]
                       reason=reason, evidence=evidence or [])

