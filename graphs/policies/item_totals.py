"""item_totals: a total of something each item has, over a list of counted items.

"How many legs are there in total if you have 15 insects, 10 scorpions, 9 elephants?"
The answer is Σ count × (legs of one item); the counts are stated, the per-item facts are
not. Amid such a computation the 0.5B writes one factor for every item (``* 2`` or none),
so this policy has the per-item facts asked one at a time ("How many legs does one
scorpion have?", ``graphs.nodes.facts``) and stated in the task before the first methods
run. It names a family of tasks by its shape — "how many X … in total" over a list of
``<number> <item>`` — so it is a policy, not core.
"""

from __future__ import annotations

import re

from ponder.graphs.policies.base import FactQuestion, Policy

# "how many legs are there in total", "how many wheels do they have altogether"
_TOTAL = re.compile(
    r"\bhow many (?P<what>[a-z]+) (?:are there |do (?:they|you|we) have |would there be )?"
    r"(?:in total|altogether|in all)\b(?P<rest>[^?]*)", re.IGNORECASE)
# "15 insects", "13 praying mantiss", "1 ant" — up to the next comma, "and" or the end
_ITEM = re.compile(r"\b(?P<count>\d+) (?P<item>[a-z][a-z'-]*(?: [a-z][a-z'-]*){0,2}?)"
                   r"(?=\s*(?:,|\band\b|$))", re.IGNORECASE)
_MIN_ITEMS = 2


def singular(item: str) -> str:
    """One item's name from the counted plural: ``scorpions`` → ``scorpion``,
    ``fireflys`` → ``firefly``, ``praying mantiss`` → ``praying mantis``; a word not
    ending in s is kept."""
    head, _, last = item.rpartition(" ")
    if len(last) > 3 and last.lower().endswith("s"):
        last = last[:-1]
    return f"{head} {last}".strip()


class ItemTotalsPolicy(Policy):
    """Per-item facts of a total over counted items, asked one at a time."""

    name = "item_totals"
    summary = ("for \"how many X in total\" over a list of counted items (\"15 insects, 10 "
               "scorpions\"), asks the model the X of one item, one item at a time, and "
               "states the answers in the task")

    def fact_questions(self, question: str) -> list[FactQuestion]:
        total = _TOTAL.search(question)
        if total is None:
            return []
        what = total.group("what").lower()
        items: dict[str, None] = {}
        for found in _ITEM.finditer(total.group("rest")):
            item = singular(found.group("item").strip())
            if what not in item.lower().split():
                items.setdefault(item, None)
        if len(items) < _MIN_ITEMS:
            return []
        return [FactQuestion(ask=f"How many {what} does one {item} have?",
                             statement=f"One {item} has {{answer}} {what}.")
                for item in items]
