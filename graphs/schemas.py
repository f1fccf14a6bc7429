"""The typed decisions a node asks of the model. Flat and short: a 0.5B model fills
``{"thought", "tool", "input"}`` reliably where it breaks nested unions."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

ANSWER = "answer"


class PlanItem(BaseModel):
    model_config = ConfigDict(extra="ignore")
    step: str = Field(description="what to do, in a few words", max_length=200)
    tool: str = Field(description="the tool this step needs, or none")


class Plan(BaseModel):
    """A short plan: at most five steps."""

    model_config = ConfigDict(extra="ignore")
    steps: list[PlanItem] = Field(min_length=1, max_length=4)


def plan_schema(tool_names: list[str]) -> type[Plan]:
    """A Plan whose ``tool`` fields may only name available tools or ``none``."""
    return _plan_schema(tuple(tool_names))


def _named_as_offered(names: tuple[str, ...]) -> Any:
    """A validator giving a tool name the case it was offered in: the parsers lower-case
    what a model wrote ("Python"), which made a tool named "getWeather" impossible to pick."""
    canonical = {name.lower(): name for name in names}

    def offered(value: Any) -> Any:
        return canonical.get(value.strip().lower(), value) if isinstance(value, str) else value

    return field_validator("tool", mode="before")(offered)


@lru_cache(maxsize=64)
def _plan_schema(tool_names: tuple[str, ...]) -> type[Plan]:
    names = (*tool_names, "none")
    item = create_model(
        "PlanItem",
        __base__=PlanItem,
        __validators__={"offered": _named_as_offered(names)},
        tool=(Literal[names], Field(description="the tool this step needs, or none")),  # type: ignore[valid-type]
    )
    return create_model(  # type: ignore[no-any-return]
        "Plan", __base__=Plan, steps=(list[item], Field(min_length=1, max_length=3))  # type: ignore[valid-type]
    )


class Decision(BaseModel):
    """One next action: a tool call, or the final answer (tool = "answer")."""

    model_config = ConfigDict(extra="ignore")
    thought: str = Field(description="one short sentence", max_length=300)
    tool: str
    input: str = Field(description="the tool input, or the final answer")


def decision_schema(tool_names: list[str]) -> type[Decision]:
    """A Decision whose ``tool`` must be one of ``tool_names`` or ``answer``."""
    return _decision_schema(tuple(tool_names))


@lru_cache(maxsize=64)
def _decision_schema(tool_names: tuple[str, ...]) -> type[Decision]:
    # Building a pydantic model costs far more than a node transition: build each once.
    names = (*tool_names, ANSWER)
    return create_model(  # type: ignore[no-any-return]
        "Decision",
        __base__=Decision,
        __validators__={"offered": _named_as_offered(names)},
        tool=(Literal[names], Field(description="which tool to use next")),  # type: ignore[valid-type]
    )


_INPUT_KEYS = ("input", "code", "query", "url", "target", "pattern", "text", "answer", "args",
               "arguments", "action_input", "content")


def coerce_decision(obj: Any) -> Any:
    """Reshape the near-misses small models produce into ``{thought, tool, input}``."""
    if not isinstance(obj, dict):
        return obj
    out = dict(obj)
    if "tool" not in out:
        for key in ("action", "name", "tool_name", "function"):
            if isinstance(out.get(key), str):
                out["tool"] = out[key]
                break
    if isinstance(out.get("tool"), str):
        out["tool"] = out["tool"].strip().lower()
    if not isinstance(out.get("input"), str):
        for key in _INPUT_KEYS:
            value = out.get(key)
            if isinstance(value, str):
                out["input"] = value
                break
            if isinstance(value, dict) and value:
                # {"answer": null} or {"code": ["print(1)"]} is no input: left unset, the
                # reply fails validation and gets the repair prompt ("None" was an answer).
                first = next(iter(value.values()))
                if isinstance(first, str) and first.strip():
                    out["input"] = first
                elif isinstance(first, int | float) and not isinstance(first, bool):
                    out["input"] = str(first)
                break
            if isinstance(value, int | float) and not isinstance(value, bool):
                out["input"] = str(value)
                break
    out.setdefault("thought", "")
    return out
