"""Optional task-family policies: rules that name a family of tasks, kept out of the core.

Each module is one family (today only ``hashing``; ``exact_work``, ``dates`` and
``number_theory`` were deleted when they did not help on held-out tasks) and
exposes one :class:`~ponder.graphs.policies.base.Policy`. ``settings.policies`` names the
ones a run uses (all by default); with none the agent is generic. Each can be switched
off on its own, so its effect on a benchmark can be measured.
"""

from __future__ import annotations

from collections.abc import Iterable

from ponder.agent.errors import ConfigError
from ponder.graphs.policies.base import CodeFix, Policy
from ponder.graphs.policies.hashing import HashingPolicy

__all__ = ["CodeFix", "Policy", "available_policies", "default_policies", "load_policies"]

_POLICIES: dict[str, Policy] = {p.name: p for p in (HashingPolicy(),)}


def available_policies() -> list[str]:
    """The names ``settings.policies`` accepts, in their default order."""
    return list(_POLICIES)


def load_policies(names: Iterable[str]) -> list[Policy]:
    """The policies ``names`` names, in that order, each once.

    Raises :class:`~ponder.agent.errors.ConfigError` (key ``policies``) for an unknown
    name, listing the known ones.
    """
    loaded: list[Policy] = []
    for name in names:
        policy = _POLICIES.get(name)
        if policy is None:
            known = ", ".join(_POLICIES)
            raise ConfigError("policies", f"unknown policy {name!r}; known: {known}")
        if policy not in loaded:
            loaded.append(policy)
    return loaded


def default_policies() -> list[Policy]:
    """Every policy: what ``settings.policies`` defaults to."""
    return list(_POLICIES.values())
