"""Generate the fixed development task file ``bench/dev_tasks.jsonl`` (seed 2026).

Twelve arithmetic stories come from templates written here (a generator per story, with
its own numbers and computed answer). Word problems (``aiw`` and ``leg_counting``, 12 of each; the last 8 of each were added
on 2026-12-02 to decide a selection rule on more than 8 stories), arithmetic, letter counting and calendar
questions come from reasoning-gym; big products, hashes and primes are computed here; ten small coding
tasks with hidden tests are written out below; eight linear equations (added 2026-12-05)
come from templates written here; eighteen true/false questions (``truth``: three
reasoning-gym families the held-out set does not use, added 2026-12-05 to measure how
two-valued answers are selected). Re-running gives the same file.

Nothing here is derived from GSM8K or HumanEval (reserved for the project's independent
evaluation). Until 2026-12-02 the word problems came from ``gsm_symbolic``, whose
templates are built from GSM8K; they were replaced by other draws (this seed) of the
held-out set's two word families, checked to share no question with it.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

SEED = 2026
OUT = Path(__file__).with_name("dev_tasks.jsonl")


def gym(name: str, n: int, category: str, offset: int = 0, skip: int = 0,
        **config: Any) -> list[dict[str, Any]]:
    """``n`` draws of one reasoning-gym family at :data:`SEED`, after its first ``skip``
    (a dataset's first draws do not change when it grows, so later draws extend a file
    without renaming its earlier tasks)."""
    import reasoning_gym

    rows = []
    items = list(reasoning_gym.create_dataset(name, size=skip + n, seed=SEED, **config))[skip:]
    for i, item in enumerate(items):
        rows.append({"id": f"{category}-{offset + i}", "prompt": item["question"], "kind": "question",
                     "answer": str(item["answer"]), "metadata": {"category": category}})
    return rows


def exact_work(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for i in range(4):
        a, b = rng.randint(10**8, 10**9 - 1), rng.randint(10**8, 10**9 - 1)
        rows.append({"id": f"product-{i}", "prompt": f"What is {a} * {b}?", "answer": str(a * b),
                     "metadata": {"category": "product"}})
    for i in range(3):
        word = f"ponder-{rng.randint(100, 999)}"
        digest = hashlib.sha256(word.encode()).hexdigest()[:12]
        rows.append({"id": f"hash-{i}", "answer": digest, "metadata": {"category": "hash"},
                     "prompt": f"What are the first 12 hex characters of the SHA-256 hash of "
                               f"the string '{word}'?"})
    primes = [p for p in range(2, 20000) if all(p % d for d in range(2, int(p**0.5) + 1))]
    for i in range(3):
        n = rng.randint(500, 2000)
        rows.append({"id": f"prime-{i}", "prompt": f"What is the {n}th prime number?",
                     "answer": str(primes[n - 1]), "metadata": {"category": "prime"}})
    for row in rows:
        row["kind"] = "question"
    return rows


CODE_TASKS: list[tuple[str, str, str, str, str]] = [
    ("is_palindrome", "Write is_palindrome(s) that returns True if s reads the same forwards and "
     "backwards, ignoring case and non-alphanumeric characters.",
     "assert is_palindrome('A man, a plan, a canal: Panama')",
     "assert is_palindrome('')\nassert not is_palindrome('abc')\nassert is_palindrome('No lemon, no melon')\nassert not is_palindrome('ab1')",
     "strings"),
    ("fizzbuzz", "Write fizzbuzz(n) that returns a list of strings for 1..n: 'Fizz' for multiples "
     "of 3, 'Buzz' for multiples of 5, 'FizzBuzz' for both, else the number as a string.",
     "assert fizzbuzz(3) == ['1', '2', 'Fizz']",
     "assert fizzbuzz(15)[-1] == 'FizzBuzz'\nassert fizzbuzz(5)[4] == 'Buzz'\nassert fizzbuzz(0) == []\nassert len(fizzbuzz(100)) == 100",
     "lists"),
    ("second_largest", "Write second_largest(nums) that returns the second largest distinct value "
     "in the list, or None if there is none.",
     "assert second_largest([3, 1, 2]) == 2",
     "assert second_largest([5, 5, 5]) is None\nassert second_largest([1]) is None\nassert second_largest([-1, -2, -3]) == -2\nassert second_largest([4, 4, 3, 3]) == 3",
     "lists"),
    ("word_count", "Write word_count(text) that returns a dict mapping each lower-cased word "
     "(letters only, split on anything else) to how often it occurs.",
     "assert word_count('a b a') == {'a': 2, 'b': 1}",
     "assert word_count('') == {}\nassert word_count('Hi, hi! HI.') == {'hi': 3}\nassert word_count('one-two') == {'one': 1, 'two': 1}",
     "strings"),
    ("flatten", "Write flatten(items) that flattens arbitrarily nested lists into one list, "
     "keeping order.",
     "assert flatten([1, [2, [3]]]) == [1, 2, 3]",
     "assert flatten([]) == []\nassert flatten([[[]]]) == []\nassert flatten([1, [2, 3], [[4], 5]]) == [1, 2, 3, 4, 5]\nassert flatten(['a', ['b']]) == ['a', 'b']",
     "lists"),
    ("run_length", "Write run_length(s) that run-length encodes a string: 'aaabcc' -> 'a3b1c2'.",
     "assert run_length('aaabcc') == 'a3b1c2'",
     "assert run_length('') == ''\nassert run_length('a') == 'a1'\nassert run_length('zzzzzzzzzzzz') == 'z12'\nassert run_length('abab') == 'a1b1a1b1'",
     "strings"),
    ("gcd_list", "Write gcd_list(nums) that returns the greatest common divisor of a non-empty "
     "list of positive integers.",
     "assert gcd_list([12, 18]) == 6",
     "assert gcd_list([7]) == 7\nassert gcd_list([100, 75, 50]) == 25\nassert gcd_list([17, 34, 51]) == 17\nassert gcd_list([9, 28]) == 1",
     "math"),
    ("roman", "Write roman(n) that converts an integer 1..3999 to a Roman numeral string.",
     "assert roman(4) == 'IV'",
     "assert roman(1994) == 'MCMXCIV'\nassert roman(3999) == 'MMMCMXCIX'\nassert roman(58) == 'LVIII'\nassert roman(1) == 'I'",
     "math"),
    ("merge_intervals", "Write merge_intervals(intervals) that merges overlapping [start, end] "
     "intervals and returns them sorted by start.",
     "assert merge_intervals([[1, 3], [2, 6], [8, 10]]) == [[1, 6], [8, 10]]",
     "assert merge_intervals([]) == []\nassert merge_intervals([[1, 4], [4, 5]]) == [[1, 5]]\nassert merge_intervals([[5, 6], [1, 2]]) == [[1, 2], [5, 6]]\nassert merge_intervals([[1, 10], [2, 3]]) == [[1, 10]]",
     "lists"),
    ("digit_sum", "Write digit_sum(n) that returns the sum of the decimal digits of the integer n "
     "(use the absolute value for negative n).",
     "assert digit_sum(123) == 6",
     "assert digit_sum(0) == 0\nassert digit_sum(-45) == 9\nassert digit_sum(10**20) == 1\nassert digit_sum(99999) == 45",
     "math"),
]


def code_tasks() -> list[dict[str, Any]]:
    return [
        {"id": f"code-{name}", "prompt": prompt, "kind": "code", "entry_point": name,
         "tests": visible, "hidden_tests": hidden, "metadata": {"category": "code"}}
        for name, prompt, visible, hidden, _ in CODE_TASKS
    ]


def stories(rng: random.Random) -> list[dict[str, Any]]:
    """Multi-step arithmetic stories from this file's own templates (written for the dev
    set, not taken from any benchmark): each draws its numbers so the answer is a whole
    number, and computes it."""
    def baker() -> tuple[str, int]:
        trays, per, sold = rng.randint(3, 9), rng.randint(6, 12), rng.randint(5, 15)
        if (trays * per - sold) % 2:
            sold += 1
        return (f"A baker makes {trays} trays of muffins with {per} muffins on each tray. She "
                f"sells {sold} muffins in the morning and half of the rest in the afternoon. "
                "How many muffins are left?", (trays * per - sold) // 2)

    def tank() -> tuple[str, int]:
        full, leak, hours, refill = (rng.randint(200, 500), rng.randint(5, 15),
                                     rng.randint(3, 9), rng.randint(20, 80))
        return (f"A water tank has {full} liters in it. It leaks {leak} liters every hour for "
                f"{hours} hours, and then {refill} liters are poured back in. How many liters "
                "are in the tank now?", full - leak * hours + refill)

    def wages() -> tuple[str, int]:
        rate, hours, days = rng.randint(12, 30), rng.randint(4, 8), rng.randint(3, 6)
        rent = rng.randint(100, min(300, rate * hours * days - 1))  # he keeps something
        return (f"Tom earns ${rate} an hour. He works {hours} hours a day, {days} days a week, "
                f"and pays ${rent} a week for his room. How many dollars does he keep each "
                "week?", rate * hours * days - rent)

    def dog_food() -> tuple[str, int]:
        cups, bag, weeks = rng.randint(2, 5), rng.choice([20, 25, 30, 40]), rng.randint(2, 6)
        need = cups * 7 * weeks
        return (f"A dog eats {cups} cups of food a day. One bag holds {bag} cups. How many "
                f"bags must be bought to feed the dog for {weeks} weeks?", -(-need // bag))

    def sale() -> tuple[str, int]:
        price, off, coupon = rng.choice([40, 60, 80, 120, 200]), rng.choice([10, 25, 50]), \
            rng.randint(3, 12)
        return (f"A jacket costs ${price}. It is on sale for {off}% off, and then a ${coupon} "
                "coupon is taken off the sale price. How many dollars does the jacket cost "
                "now?", price * (100 - off) // 100 - coupon)

    def ages() -> tuple[str, int]:
        mia, older, years = 2 * rng.randint(4, 12), rng.randint(2, 9), rng.randint(2, 10)
        return (f"Mia is {mia} years old. Her brother is {older} years older than half of Mia's "
                f"age. How old will her brother be in {years} years?", mia // 2 + older + years)

    def train() -> tuple[str, int]:
        v, t, w, u = (rng.randint(60, 120), rng.randint(2, 5), rng.randint(40, 90),
                      rng.randint(1, 4))
        return (f"A train travels at {v} km per hour for {t} hours, then at {w} km per hour for "
                f"{u} hours. How many kilometers does it travel in all?", v * t + w * u)

    def stickers() -> tuple[str, int]:
        n, each, gift = rng.randint(3, 8), rng.randint(8, 20), rng.randint(1, 5)
        return (f"{n} friends share {n * each} stickers equally. Then each of them gives {gift} "
                "stickers to their teacher. How many stickers does each friend have now?",
                each - gift)

    def pencils() -> tuple[str, int]:
        boxes, per, students, each = (rng.randint(5, 12), rng.choice([10, 12, 24]),
                                      rng.randint(20, 30), rng.randint(2, 3))
        boxes = max(boxes, -(-students * each // per) + 1)
        return (f"A school buys {boxes} boxes of pencils with {per} pencils in each box. Each "
                f"of its {students} students gets {each} pencils. How many pencils are left "
                "over?", boxes * per - students * each)

    def apples() -> tuple[str, int]:
        stock, monday, delivery = rng.randint(150, 300), rng.randint(10, 40), rng.randint(20, 60)
        return (f"A store had {stock} apples. It sold {monday} on Monday and twice as many on "
                f"Tuesday. On Wednesday a delivery brought {delivery} more. How many apples does "
                "the store have now?", stock - 3 * monday + delivery)

    def reading() -> tuple[str, int]:
        first, days, later, more = (rng.randint(10, 20), rng.randint(3, 6), rng.randint(15, 30),
                                    rng.randint(2, 6))
        pages = first * days + later * more
        return (f"A book has {pages} pages. Lena reads {first} pages a day for {days} days and "
                f"then {later} pages a day. How many more days does she need to finish the "
                "book?", more)

    def tickets() -> tuple[str, int]:
        adults, kids, adult_price, kid_price = (rng.randint(2, 5), rng.randint(2, 6),
                                                rng.randint(12, 25), rng.randint(5, 11))
        paid = 20 * (-(-(adults * adult_price + kids * kid_price) // 20) + 1)
        return (f"{adults} adults and {kids} children go to a museum. An adult ticket costs "
                f"${adult_price} and a child ticket ${kid_price}. They pay with ${paid} in "
                "twenty-dollar bills. How many dollars of change do they get?",
                paid - adults * adult_price - kids * kid_price)

    rows = []
    for i, make in enumerate((baker, tank, wages, dog_food, sale, ages, train, stickers,
                              pencils, apples, reading, tickets)):
        question, answer = make()
        rows.append({"id": f"story-{i}", "prompt": question, "kind": "question",
                     "answer": str(answer), "metadata": {"category": "story"}})
    return rows


def equations(rng: random.Random) -> list[dict[str, Any]]:
    """Eight linear equations in one unknown, written in several ways (added 2026-12-05 to
    develop the equation checker on dev data; the held-out set's ``simple_equations`` are
    not used). Each has an integer or a terminating-decimal root."""
    def root() -> int:
        return rng.choice([-1, 1]) * rng.randint(2, 40)

    def plus(v: int) -> str:
        return f" + {v}" if v >= 0 else f" - {-v}"

    rows: list[tuple[str, Any]] = []
    x, a, b = root(), rng.randint(3, 19), rng.randint(5, 90)
    rows.append((f"Solve for x: {a}*x + {b} = {a * x + b}", x))
    y, a, b, c = root(), rng.randint(4, 9), rng.randint(2, 9), rng.randint(1, 3)
    rows.append((f"Find the value of y in the equation {a}(y - {b}) = {c if c > 1 else ''}y"
                 f"{plus(a * (y - b) - c * y)}.", y))
    n, a, b = root(), rng.choice([2, 4, 5, 8]), rng.randint(1, 9)
    n *= a
    rows.append((f"What value of n satisfies n/{a} - {b} = {n // a - b}?", n))
    t, a, c = root(), rng.randint(6, 12), rng.randint(1, 5)
    d = rng.randint(2, 30)
    rows.append((f"Solve {a}t{plus(d - (a - c) * t)} = {c if c > 1 else ''}t + {d} for t.", t))
    m2, a = rng.randint(3, 59) * 2 + 1, 2
    rows.append((f"Solve for m: {a}*m = {m2}", m2 / a))
    k, a, b = root(), rng.randint(2, 7), rng.randint(2, 7)
    rows.append((f"Determine k such that {a}*(k + {b}) - k = {(a - 1) * k + a * b}. Solve for k.", k))
    w, a, b = root(), rng.randint(11, 99), rng.randint(100, 999)
    rows.append((f"Find w if {b} - {a}w = {b - a * w}.", w))
    z, a = root(), rng.randint(2, 6)
    rows.append((f"Solve z/{a} + z = {z / a + z:g} for z.", z) if (z % a == 0) else
                (f"Solve {a}z + z = {(a + 1) * z} for z.", z))
    return [{"id": f"equation-{i}", "prompt": q, "kind": "question", "answer": f"{v:g}",
             "metadata": {"category": "equation"}} for i, (q, v) in enumerate(rows)]


def main() -> None:
    rng = random.Random(SEED)
    rows = (
        gym("aiw", 4, "word") + gym("leg_counting", 4, "word", offset=4)
        + gym("aiw", 8, "word", offset=8, skip=4)
        + gym("leg_counting", 8, "word", offset=16, skip=4)
        + gym("basic_arithmetic", 4, "arithmetic", min_terms=3, max_terms=5, min_digits=3, max_digits=5)
        + gym("letter_counting", 8, "letters", min_words=3, max_words=6)
        + gym("calendar_arithmetic", 8, "calendar")
        + exact_work(rng)
        + code_tasks()
        + stories(random.Random(SEED + 1))
        + equations(random.Random(SEED + 2))
        + gym("isomorphic_strings", 6, "truth") + gym("ransom_note", 6, "truth", offset=6)
        + gym("course_schedule", 6, "truth", offset=12)
    )
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    print(f"wrote {len(rows)} tasks to {OUT}")


if __name__ == "__main__":
    main()
