"""Ponder's exceptions, sorted by audience.

* What the *model* should see and fix never becomes an exception: tools and parsers turn
  it into an observation or a repair prompt.
* What the *user* got wrong is a :class:`UserError` (bad config, bad task file, missing
  model): the CLI prints its message in one line, no traceback.
* What *broke* at run time is a :class:`PonderRuntimeError` subclass carrying the
  operation, the cause and whether retrying can help.

Everything derives from :class:`PonderError`, so embedders can catch one root.
"""

from __future__ import annotations


class PonderError(Exception):
    """Root of every exception Ponder raises on purpose."""


class UserError(PonderError, ValueError):
    """Something the user supplied is wrong; the message says what and how to fix it."""


class ConfigError(UserError):
    """An invalid setting. ``key`` names the setting, ``reason`` says what is wrong."""

    def __init__(self, key: str, reason: str, *, source: str | None = None) -> None:
        self.key = key
        self.reason = reason
        self.source = source
        where = f" (from {source})" if source else ""
        super().__init__(f"invalid setting '{key}'{where}: {reason}")


class ModelNotAvailableError(UserError):
    """The requested chat model cannot be built (unknown spec, missing key or file)."""


class PonderRuntimeError(PonderError, RuntimeError):
    """Something broke while running. Says which operation and whether a retry can help."""

    def __init__(self, message: str, *, operation: str = "", retryable: bool = False) -> None:
        self.operation = operation
        self.retryable = retryable
        super().__init__(message)


class SandboxError(PonderRuntimeError):
    """The code sandbox could not be started, reached or repaired."""


class EngineUnavailableError(SandboxError):
    """No Docker engine answers. Not something the model can fix by changing its code, so
    a run stops with this (one line for the user) instead of feeding it to the model."""


class ToolError(PonderError):
    """A tool failed in a way the model should be told about (becomes an observation)."""
