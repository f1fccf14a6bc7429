"""Test doubles that ship with Ponder, for our tests and for embedders' tests.

* :class:`ScriptedChatModel` — replies from a list, records every call, and
  :meth:`~ScriptedChatModel.assert_complete` fails if a scripted reply was never used.
* :class:`FunctionChatModel` — replies by calling your function with the messages.

Both are real LangChain chat models, so they drop into :func:`ponder.build_graph`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

Reply = AIMessage | str | dict[str, Any]

__all__ = ["FunctionChatModel", "Reply", "ScriptExhaustedError", "ScriptedChatModel"]


_TAKE = threading.Lock()
"""Taking a scripted reply's index and recording the call is one step: concurrent calls
could otherwise get the same reply twice and skip another."""


class ScriptExhaustedError(AssertionError):
    """The scripted model was called more times than it has replies."""


def _to_message(reply: Reply) -> AIMessage:
    if isinstance(reply, AIMessage):
        message = reply.model_copy()
    elif isinstance(reply, dict):
        message = AIMessage(content=json.dumps(reply))
    else:
        message = AIMessage(content=str(reply))
    if message.usage_metadata is None:
        text = message.content if isinstance(message.content, str) else json.dumps(message.content)
        out = max(1, len(text) // 4)
        message.usage_metadata = {"input_tokens": 10, "output_tokens": out, "total_tokens": 10 + out}
    return message


class ScriptedChatModel(BaseChatModel):
    """A chat model that returns scripted replies in order.

    A dict reply is sent as its JSON text; a str as plain text; an AIMessage as is (use
    that for native tool calls). ``calls`` holds the messages of every call.
    """

    replies: list[Any]
    _calls: list[list[BaseMessage]] = PrivateAttr(default_factory=list)

    def __init__(self, replies: Sequence[Reply], **kwargs: Any) -> None:
        super().__init__(replies=list(replies), **kwargs)

    @property
    def _llm_type(self) -> str:
        return "ponder-scripted"

    @property
    def calls(self) -> list[list[BaseMessage]]:
        return self._calls

    @property
    def remaining(self) -> int:
        return len(self.replies) - len(self._calls)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with _TAKE:  # the first methods call at once, from executor threads
            index = len(self._calls)
            self._calls.append(list(messages))
        if index >= len(self.replies):
            raise ScriptExhaustedError(
                f"scripted model called {index + 1} times but has {len(self.replies)} replies"
            )
        return ChatResult(generations=[ChatGeneration(message=_to_message(self.replies[index]))])

    def assert_complete(self) -> None:
        """Fail if any scripted reply was never used."""
        if self.remaining > 0:
            raise AssertionError(
                f"{self.remaining} scripted replies were never used "
                f"(used {len(self._calls)} of {len(self.replies)})"
            )


class FunctionChatModel(BaseChatModel):
    """A chat model whose reply is ``fn(messages)`` (a :data:`Reply`)."""

    fn: Callable[[list[BaseMessage]], Reply]
    _calls: list[list[BaseMessage]] = PrivateAttr(default_factory=list)

    def __init__(self, fn: Callable[[list[BaseMessage]], Reply], **kwargs: Any) -> None:
        super().__init__(fn=fn, **kwargs)

    @property
    def _llm_type(self) -> str:
        return "ponder-function"

    @property
    def calls(self) -> list[list[BaseMessage]]:
        return self._calls

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self._calls.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=_to_message(self.fn(messages)))])
