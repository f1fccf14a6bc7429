"""Generate the story sets: held-out ``bench/heldout_story_tasks.jsonl`` and dev
``bench/dev_story_tasks.jsonl``.

The main held-out set (``bench/make_heldout_tasks.py``) has no grade-school story
problems: its word problems are ``leg_counting`` and ``aiw`` riddles, because
reasoning-gym's ``gsm_symbolic`` is built from GSM8K's templates. These 25 stories fill
that gap. They were written for this file (2026-12-05), not taken or adapted from GSM8K
or any other benchmark, by the same project that wrote the dev set's 12 ``story`` tasks:
the source is independent of GSM8K, not of the dev set's author. Each answer below is
computed from the story's numbers by the expression beside it, so a typo in a number
cannot leave a wrong expected answer.

The held-out stories were frozen before any run on them; report on them, never tune on
them. The 25 dev stories were written after the held-out set's first run (2026-12-05) to
tune on, with other settings and numbers. Re-running gives the same files.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

HELDOUT = Path(__file__).with_name("heldout_story_tasks.jsonl")
DEV = Path(__file__).with_name("dev_story_tasks.jsonl")

# (story, its answer computed from the story's numbers)
HELDOUT_STORIES: list[tuple[str, float]] = [
    ("A library has 4 shelves with 35 books on each shelf. It lends out 28 books on Monday "
     "and 9 of them are returned on Tuesday. How many books are on the shelves after "
     "Tuesday?", 4 * 35 - 28 + 9),
    ("Maya buys 3 notebooks for $4 each and 2 pens for $1.50 each. She pays with a $20 "
     "bill. How many dollars of change does she get?", 20 - (3 * 4 + 2 * 1.50)),
    ("A train travels at 60 miles per hour for 2.5 hours, then at 45 miles per hour for "
     "2 hours. How many miles does it travel in total?", 60 * 2.5 + 45 * 2),
    ("A farmer has 84 apples. He gives a quarter of them to his neighbor and packs the "
     "rest into bags of 7 apples. How many bags does he fill?", (84 - 84 / 4) / 7),
    ("A school orders 12 boxes of pencils with 24 pencils in each box. Each of its 30 "
     "students gets 9 pencils, and the rest go to the teachers. How many pencils do the "
     "teachers get?", 12 * 24 - 30 * 9),
    ("Sam reads 15 pages on each weekday and 40 pages on each day of the weekend. How "
     "many pages does he read in two weeks?", 2 * (5 * 15 + 2 * 40)),
    ("A bakery sells cupcakes for $3 each and cookies for $1 each. On Saturday it sold "
     "45 cupcakes and twice as many cookies as cupcakes. How many dollars did it take in "
     "on Saturday?", 45 * 3 + 2 * 45 * 1),
    ("A pool holds 12,000 liters of water. A pump fills it at 400 liters per hour, but a "
     "leak loses 100 liters per hour while it fills. How many hours does it take to fill "
     "the empty pool?", 12000 / (400 - 100)),
    ("Lena is 4 years older than her brother. In 6 years, the sum of their ages will be "
     "40. How old is Lena now?", (40 - 12 - 4) / 2 + 4),
    ("A shirt costs $40. The store takes 25% off the price, and then Ivan uses a $5 "
     "coupon. How many dollars does Ivan pay for the shirt?", 40 * 0.75 - 5),
    ("A parking lot has 6 rows of 18 spaces. In the morning, two thirds of the spaces are "
     "taken. How many spaces are empty?", 6 * 18 - 6 * 18 * 2 / 3),
    ("Carlos saves $15 every week. He has $55 already. How many weeks will it take him "
     "to have $250?", (250 - 55) / 15),
    ("A recipe uses 3 eggs for every 2 cups of flour. Nora bakes with 10 cups of flour. "
     "How many eggs does she need?", 10 / 2 * 3),
    ("A bus leaves the station with 23 passengers. At the first stop 8 people get off and "
     "5 get on. At the second stop half of the passengers get off and nobody gets on. How "
     "many passengers are still on the bus?", (23 - 8 + 5) / 2),
    ("A gardener plants 7 rows of tulips with 13 tulips in each row. 9 of the tulips do "
     "not bloom. How many tulips bloom?", 7 * 13 - 9),
    ("Three friends split a restaurant bill of $54 equally, and each of them also leaves "
     "a $3 tip. How many dollars does each friend pay in all?", 54 / 3 + 3),
    ("A phone plan costs $25 a month plus $0.10 for each text message. In March, Ali sent "
     "340 text messages. How many dollars was his bill for March?", 25 + 340 * 0.10),
    ("A factory makes 150 toys an hour. It runs 8 hours a day, 5 days a week. 2% of the "
     "toys it makes are broken. How many unbroken toys does it make in a week?",
     150 * 8 * 5 * 0.98),
    ("Jenna ran 3 km on Monday, and every day after that she ran 2 km more than the day "
     "before. How many km did she run in total from Monday to Friday?",
     sum(3 + 2 * d for d in range(5))),
    ("A theater has 240 seats. For one evening show, three quarters of the seats were "
     "sold for $12 each and the other seats were given away for free. How many dollars "
     "did the theater take in for the show?", 240 * 3 / 4 * 12),
    ("Omar has 5 times as many marbles as Ben. Together they have 96 marbles. How many "
     "marbles does Omar have?", 96 / 6 * 5),
    ("A car uses 8 liters of fuel for every 100 km. Fuel costs $1.50 a liter. How many "
     "dollars does the fuel cost for a 450 km trip?", 450 / 100 * 8 * 1.50),
    ("A class of 28 students goes on a trip in vans. Each van holds 8 students. How many "
     "vans does the class need?", math.ceil(28 / 8)),
    ("Priya buys 4 packs of stickers with 25 stickers in each pack. She gives 18 stickers "
     "to each of her 3 friends. How many stickers does she have left?", 4 * 25 - 18 * 3),
    ("A baker had 5 dozen rolls in the morning. He sold 38 of them and then baked 20 more. "
     "How many rolls does he have now?", 5 * 12 - 38 + 20),
]


DEV_STORIES: list[tuple[str, float]] = [
    ("A shop sells pencils in packs of 6 for $2 a pack. Ella needs 30 pencils. How many "
     "dollars does she spend?", 30 / 6 * 2),
    ("A hiker walks 4 km every hour. She walks for 3 hours in the morning and 2 hours in "
     "the afternoon. How many km does she walk that day?", 4 * (3 + 2)),
    ("Tim has 120 stamps. He gives a third of them to his sister and then buys 15 more. "
     "How many stamps does he have now?", 120 - 120 / 3 + 15),
    ("A classroom has 6 tables with 6 chairs at each table. 4 broken chairs are taken "
     "away. Then 27 students come in and each sits on a chair. How many chairs are "
     "empty?", 6 * 6 - 4 - 27),
    ("A box of cereal has 18 servings. A family eats 4 servings a day. For how many full "
     "days does one box last?", math.floor(18 / 4)),
    ("Rosa earns $12 an hour babysitting. She babysits for 3 hours on Friday and 5 hours "
     "on Saturday, and spends $30 of what she earned on a gift. How many dollars of her "
     "earnings are left?", 12 * (3 + 5) - 30),
    ("A garden is 12 meters long and 8 meters wide. A fence goes all the way around it, "
     "and fencing costs $5 a meter. How many dollars does the fence cost?",
     2 * (12 + 8) * 5),
    ("There are 48 cookies in a jar. Kim eats 6 of them and shares the rest equally among "
     "7 friends. How many cookies does each friend get?", (48 - 6) / 7),
    ("A bike rental costs $8 for the first hour and $5 for each hour after that. Dan rents "
     "a bike for 4 hours. How many dollars does he pay?", 8 + 5 * (4 - 1)),
    ("A water bottle holds 750 milliliters. Zoe drinks 4 full bottles every day. How many "
     "liters does she drink in a week?", 750 * 4 * 7 / 1000),
    ("A teacher buys 9 packs of markers with 8 markers in each pack. She gives 3 markers "
     "to each of her 22 students. How many markers are left?", 9 * 8 - 3 * 22),
    ("Paul is twice as old as his daughter. The sum of their ages is 54. How old is "
     "Paul?", 54 / 3 * 2),
    ("A store had 250 kg of rice. It sold 35 kg every day for 6 days. How many kg of rice "
     "are left?", 250 - 35 * 6),
    ("Jack watches 3 movies that are each 1 hour and 40 minutes long. How many minutes "
     "does he spend watching movies?", 3 * (60 + 40)),
    ("A painter paints 3 rooms in 2 days. Working at the same rate, how many days does he "
     "need to paint 12 rooms?", 12 / 3 * 2),
    ("A jar holds red and blue marbles in the ratio 3 to 5. There are 40 marbles in the "
     "jar. How many of them are blue?", 40 / (3 + 5) * 5),
    ("A concert ticket costs $45. A group of 6 friends buys one ticket each and pays a "
     "$12 booking fee for the whole order. How many dollars do they pay in total?",
     6 * 45 + 12),
    ("A farmer collects 36 eggs a day. He sells them in cartons of 12 for $3 a carton. "
     "How many dollars does he earn in a week?", 36 * 7 / 12 * 3),
    ("A runner completes a 400-meter lap in 80 seconds. At the same pace, how many "
     "seconds does she take to run 2 km?", 2000 / 400 * 80),
    ("Grace had $200. She spent 40% of it on a coat and $35 on shoes. How many dollars "
     "does she have left?", 200 - 200 * 0.40 - 35),
    ("A bookstore sold 120 books on Monday. On Tuesday it sold 25% more books than on "
     "Monday. How many books did it sell on the two days together?", 120 + 120 * 1.25),
    ("Leo has 3 more than twice as many cards as Mia. Mia has 14 cards. How many cards do "
     "they have together?", 2 * 14 + 3 + 14),
    ("A tank holds 88 liters of water. Every day 6 liters are used and 2 liters of rain "
     "are added. After how many days is the tank empty?", 88 / (6 - 2)),
    ("A team scored 18 points in its first game, 24 in the second and 21 in the third. "
     "How many points must it score in the fourth game to average 22 points a game?",
     22 * 4 - (18 + 24 + 21)),
    ("A shop buys 50 shirts for $8 each and sells 45 of them for $14 each. How many "
     "dollars of profit does it make?", 45 * 14 - 50 * 8),
]


def tasks(stories: list[tuple[str, float]], prefix: str) -> list[dict[str, object]]:
    """The task rows: whole-number answers written as integers."""
    rows = []
    for i, (story, answer) in enumerate(stories):
        if abs(answer - round(answer)) > 1e-9:
            raise ValueError(f"story {i}: the answer {answer} is not a whole number")
        rows.append({"id": f"{prefix}-{i}", "prompt": story, "kind": "question",
                     "answer": str(round(answer)),
                     "metadata": {"category": "story", "source": "written for this set"}})
    return rows


def main() -> None:
    for out, stories, prefix in ((HELDOUT, HELDOUT_STORIES, "hstory"),
                                 (DEV, DEV_STORIES, "dstory")):
        with out.open("w", encoding="utf-8") as f:
            for row in tasks(stories, prefix):
                f.write(json.dumps(row) + "\n")
        print(f"wrote {len(stories)} tasks to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
