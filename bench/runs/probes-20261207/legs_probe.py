"""Probe (2026-12-07): does the embedded model know one animal's legs when asked alone?

The animals are those of the 12 dev `leg_counting` tasks (bench/dev_tasks.jsonl), each
asked in four wordings, all at once; a reply is read as the number (digits or a number
word) before "leg(s)", else its first number; after "Answer:" when it has one. The
right counts are reasoning-gym's own table (reasoning_gym/arithmetic/leg_counting.py).

    PYTHONPATH=<dir holding ponder> python legs_probe.py bench/dev_tasks.jsonl local:qwen2.5-coder-0.5b
"""
import asyncio
import json
import re
import sys

from langchain_core.messages import HumanMessage
from reasoning_gym.arithmetic.leg_counting import ANIMALS

from ponder.agent.models.local import local_chat_model, stop_local_servers
from ponder.agent.settings import Settings

WORDS = {w: i for i, w in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen"])}
_WORD = "|".join(WORDS)
VARIANTS = {
    "bare words (the bare call's instruction)": "How many legs does one {i} have?\nReply with only the final answer.",
    "plain": "How many legs does one {i} have?",
    "sentence": "How many legs does one {i} have? Answer in one short sentence.",
    "number": "How many legs does a {i} have? Answer with a number.",
    "reasoned": ("Fact check: how many legs does a {i} have? Think about what kind of animal "
                 "a {i} is, then end with 'Answer: <number>'."),
}


def number(text: str) -> int | None:
    if "Answer:" in text:
        text = text.rsplit("Answer:", 1)[1]
    found = (re.search(rf"\b(\d+|{_WORD})\s+legs?\b", text, re.I)
             or re.search(rf"(-?\d+|\b(?:{_WORD})\b)", text, re.I))
    if not found:
        return None
    word = found.group(1).lower()
    return WORDS[word] if word in WORDS else int(word)


def animals(path: str) -> list[str]:
    seen: dict[str, None] = {}
    with open(path, encoding="utf-8") as tasks:
        prompts = [json.loads(line)["prompt"] for line in tasks]
    for prompt in prompts:
        if "legs" not in prompt:
            continue
        listed = prompt.rsplit("if you have ", 1)[1].rstrip("?")
        for part in listed.split(", "):
            name = part.split(" ", 1)[1]
            singular = next(a for a in ANIMALS if name == a or name.startswith(a))
            seen.setdefault(singular, None)
    return list(seen)


async def main() -> None:
    items = animals(sys.argv[1])
    settings = Settings(model=sys.argv[2])
    model = local_chat_model(settings.model, settings)
    print(f"{settings.model}: {len(items)} animals")
    for name, wording in VARIANTS.items():
        replies = await asyncio.gather(*(model.ainvoke([HumanMessage(wording.format(i=i))])
                                         for i in items))
        right = [i for i, r in zip(items, replies, strict=True) if number(r.text) == ANIMALS[i]]
        print(f"  {name}: {len(right)} of {len(items)} right")
        for i, r in zip(items, replies, strict=True):
            print(f"    {i:15} {ANIMALS[i]:3} {' '.join(r.text.split())[:70]!r}")
    stop_local_servers()


asyncio.run(main())
