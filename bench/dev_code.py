"""Development set of 36 original function-completion coding tasks.

Each task gives the agent a prompt (imports, signature and a docstring with a precise
specification and 2-3 doctest examples, no body) and is scored with ``hidden_tests``:
5-8 ``assert`` lines on edge cases that are not the docstring examples. The reference
implementation is kept here for :func:`check` only and never goes into :func:`rows`.

The tasks were written for this set (14 easy, 14 medium, 8 hard) and share no entry point
or underlying problem with the held-out set (``bench/heldout_code.py``) or with the ten
code tasks of ``bench/dev_tasks.jsonl``; tune on these, report on the held-out set. About
a third carry a subtle point of the specification that the docstring examples show
(inclusive bounds, tie order, rounding, empty input, ...).

``python bench/dev_code.py`` validates every task with :func:`check`, writes
``bench/dev_code_tasks.jsonl`` (one row per task, in the order below) and prints the
count.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from heldout_code import _check_task as heldout_checks
from heldout_code import _function

SET_NAME = "dev_code"
DIFFICULTIES = ("easy", "medium", "hard")
OUT = Path(__file__).with_name("dev_code_tasks.jsonl")

TASKS: list[dict[str, str]] = []


def _task(entry_point: str, difficulty: str, prompt: str, reference: str, hidden: str) -> None:
    TASKS.append({
        "entry_point": entry_point,
        "difficulty": difficulty,
        "prompt": textwrap.dedent(prompt).strip("\n") + "\n",
        "reference": textwrap.dedent(reference).strip("\n") + "\n",
        "hidden_tests": textwrap.dedent(hidden).strip("\n"),
    })


# ---------------------------------------------------------------------------------------
# easy
# ---------------------------------------------------------------------------------------

_task("human_size", "easy", '''
def human_size(num_bytes: int) -> str:
    """Format a non-negative byte count with binary units.

    The units are B, KiB, MiB, GiB and TiB, each 1024 times the previous one. A count
    below 1024 is written as a plain integer followed by ' B'. Otherwise the largest
    unit that is not more than the count is used (TiB at most) and the value in that
    unit is written with exactly one decimal, as by '{:.1f}', then a space and the unit.

    >>> human_size(512)
    '512 B'
    >>> human_size(1536)
    '1.5 KiB'
    >>> human_size(5 * 1024 ** 3)
    '5.0 GiB'
    """
''', '''
def human_size(num_bytes: int) -> str:
    units = ["KiB", "MiB", "GiB", "TiB"]
    power = 0
    while power < len(units) and num_bytes >= 1024 ** (power + 1):
        power += 1
    if power == 0:
        return f"{num_bytes} B"
    return f"{num_bytes / 1024 ** power:.1f} {units[power - 1]}"
''', r'''
assert human_size(0) == '0 B'
assert human_size(1023) == '1023 B'
assert human_size(1024) == '1.0 KiB'
assert human_size(1126) == '1.1 KiB'
assert human_size(1024 ** 2) == '1.0 MiB'
assert human_size(10 ** 9) == '953.7 MiB'
assert human_size(3 * 1024 ** 5) == '3072.0 TiB'
''')

_task("parse_hex_color", "easy", '''
from typing import Optional, Tuple


def parse_hex_color(text: str) -> Optional[Tuple[int, int, int]]:
    """Parse a CSS hex colour into an (r, g, b) tuple of integers 0-255.

    Accepted forms are '#RRGGBB' and the short '#RGB', in which every digit is doubled
    ('#fa0' means '#ffaa00'). Hex digits are 0-9 and a-f in either case. Whitespace
    around the colour is ignored. Anything else (no leading '#', another length, a
    character that is not a hex digit) gives None.

    >>> parse_hex_color('#FF8000')
    (255, 128, 0)
    >>> parse_hex_color('#fa0')
    (255, 170, 0)
    >>> parse_hex_color('FF8000') is None
    True
    """
''', '''
from typing import Optional, Tuple


def parse_hex_color(text: str) -> Optional[Tuple[int, int, int]]:
    s = text.strip()
    if not s.startswith("#"):
        return None
    digits = s[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    if len(digits) != 6 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        return None
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
''', r'''
assert parse_hex_color('  #000000 ') == (0, 0, 0)
assert parse_hex_color('#FFF') == (255, 255, 255)
assert parse_hex_color('#aBcDeF') == (171, 205, 239)
assert parse_hex_color('#12345') is None
assert parse_hex_color('#ggg') is None
assert parse_hex_color('# 12345') is None
assert parse_hex_color('') is None
assert parse_hex_color('#') is None
''')

_task("bump_version", "easy", '''
def bump_version(version: str, part: str) -> str:
    """Increase one part of a 'MAJOR.MINOR.PATCH' version string.

    part is 'major', 'minor' or 'patch'. That number goes up by one and every number to
    its right is reset to 0. The numbers are integers, so leading zeros are not kept in
    the result. Any other part raises ValueError.

    >>> bump_version('1.4.2', 'minor')
    '1.5.0'
    >>> bump_version('0.9.9', 'patch')
    '0.9.10'
    """
''', '''
def bump_version(version: str, part: str) -> str:
    index = {"major": 0, "minor": 1, "patch": 2}
    if part not in index:
        raise ValueError(f"unknown part {part!r}")
    nums = [int(x) for x in version.split(".")]
    i = index[part]
    nums[i] += 1
    for j in range(i + 1, 3):
        nums[j] = 0
    return ".".join(str(n) for n in nums)
''', r'''
assert bump_version('1.4.2', 'major') == '2.0.0'
assert bump_version('0.0.0', 'patch') == '0.0.1'
assert bump_version('9.9.9', 'major') == '10.0.0'
assert bump_version('1.02.3', 'patch') == '1.2.4'
assert bump_version('3.7.1', 'minor') == '3.8.0'
assert bump_version('0.0.7', 'minor') == '0.1.0'
''')

_task("indent_block", "easy", r'''
def indent_block(text: str, prefix: str) -> str:
    r"""Put prefix in front of every line of text that is not blank.

    Lines are separated by '\n' and the result keeps exactly the same line breaks,
    including a final newline if there is one. A blank line (empty or only
    whitespace) is left exactly as it is.

    >>> indent_block('a\nb', '> ')
    '> a\n> b'
    >>> indent_block('x\n\n  y\n', '..')
    '..x\n\n..  y\n'
    """
''', r'''
def indent_block(text: str, prefix: str) -> str:
    return "\n".join(line if not line.strip() else prefix + line for line in text.split("\n"))
''', r'''
assert indent_block('', '# ') == ''
assert indent_block('one', '- ') == '- one'
assert indent_block('a\n   \nb', '>') == '>a\n   \n>b'
assert indent_block('\n\n', 'x') == '\n\n'
assert indent_block('  lead\ttab', '|') == '|  lead\ttab'
assert indent_block('\tz', '  ') == '  \tz'
assert indent_block('end\n', '') == 'end\n'
''')

_task("fiscal_quarter", "easy", '''
def fiscal_quarter(date: str, start_month: int) -> str:
    """Return the fiscal quarter of an ISO date 'YYYY-MM-DD' as 'FY<year>-Q<n>'.

    The fiscal year starts on the first day of start_month (1-12) and is named after
    the calendar year in which it ends. Its quarters are consecutive blocks of three
    months counted from its start. With start_month 1 it is the calendar year.

    >>> fiscal_quarter('2024-02-29', 1)
    'FY2024-Q1'
    >>> fiscal_quarter('2023-10-01', 10)
    'FY2024-Q1'
    >>> fiscal_quarter('2024-03-31', 4)
    'FY2024-Q4'
    """
''', '''
def fiscal_quarter(date: str, start_month: int) -> str:
    year, month = int(date[:4]), int(date[5:7])
    quarter = (month - start_month) % 12 // 3 + 1
    if start_month != 1 and month >= start_month:
        year += 1
    return f"FY{year}-Q{quarter}"
''', r'''
assert fiscal_quarter('2024-12-31', 1) == 'FY2024-Q4'
assert fiscal_quarter('2024-04-01', 4) == 'FY2025-Q1'
assert fiscal_quarter('2023-09-30', 10) == 'FY2023-Q4'
assert fiscal_quarter('2021-07-15', 7) == 'FY2022-Q1'
assert fiscal_quarter('2021-06-30', 7) == 'FY2021-Q4'
assert fiscal_quarter('2020-02-01', 12) == 'FY2020-Q1'
assert fiscal_quarter('2019-12-01', 12) == 'FY2020-Q1'
assert fiscal_quarter('2022-05-10', 2) == 'FY2023-Q2'
''')

_task("bounding_box", "easy", '''
from typing import List, Optional, Tuple


def bounding_box(points: List[Tuple[float, float]],
                 margin: float = 0) -> Optional[Tuple[float, float, float, float]]:
    """Return the smallest axis-aligned box holding all points, grown by margin.

    The box is (min_x - margin, min_y - margin, max_x + margin, max_y + margin). An
    empty list of points gives None.

    >>> bounding_box([(1, 2), (3, -1), (0, 5)])
    (0, -1, 3, 5)
    >>> bounding_box([(2, 2)], 1)
    (1, 1, 3, 3)
    """
''', '''
from typing import List, Optional, Tuple


def bounding_box(points: List[Tuple[float, float]],
                 margin: float = 0) -> Optional[Tuple[float, float, float, float]]:
    if not points:
        return None
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin)
''', r'''
assert bounding_box([]) is None
assert bounding_box([], 5) is None
assert bounding_box([(0, 0)]) == (0, 0, 0, 0)
assert bounding_box([(-5, -5), (-2, -8)]) == (-5, -8, -2, -5)
assert bounding_box([(1.5, 2), (1.5, 2)], 0.5) == (1.0, 1.5, 2.0, 2.5)
assert bounding_box([(3, 1), (1, 3), (2, 2)]) == (1, 1, 3, 3)
assert bounding_box([(0, 0), (4, 4)], -1) == (1, 1, 3, 3)
''')

_task("progress_bar", "easy", '''
def progress_bar(fraction: float, width: int) -> str:
    """Draw a text progress bar with width cells (width >= 0).

    fraction is first clamped to the range 0..1. The bar is '[', then
    floor(fraction * width) '#' characters, then '-' for the remaining cells, then ']'.
    It is followed by a space, floor(fraction * 100) and '%'.

    >>> progress_bar(0.5, 10)
    '[#####-----] 50%'
    >>> progress_bar(0.999, 4)
    '[###-] 99%'
    >>> progress_bar(1.7, 3)
    '[###] 100%'
    """
''', '''
import math


def progress_bar(fraction: float, width: int) -> str:
    f = min(1.0, max(0.0, fraction))
    filled = math.floor(f * width)
    return "[" + "#" * filled + "-" * (width - filled) + "] " + f"{math.floor(f * 100)}%"
''', r'''
assert progress_bar(0, 5) == '[-----] 0%'
assert progress_bar(-0.5, 2) == '[--] 0%'
assert progress_bar(1, 1) == '[#] 100%'
assert progress_bar(0.25, 8) == '[##------] 25%'
assert progress_bar(0.125, 4) == '[----] 12%'
assert progress_bar(0.75, 0) == '[] 75%'
assert progress_bar(0.999, 10) == '[#########-] 99%'
''')

_task("neighbors8", "easy", '''
from typing import List, Tuple


def neighbors8(rows: int, cols: int, r: int, c: int) -> List[Tuple[int, int]]:
    """Return the cells next to (r, c) in a rows x cols grid, diagonals included.

    Only cells inside the grid are returned, in reading order (by row, then by
    column); the cell (r, c) itself is not included.

    >>> neighbors8(3, 3, 1, 1)
    [(0, 0), (0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1), (2, 2)]
    >>> neighbors8(2, 3, 0, 0)
    [(0, 1), (1, 0), (1, 1)]
    """
''', '''
from typing import List, Tuple


def neighbors8(rows: int, cols: int, r: int, c: int) -> List[Tuple[int, int]]:
    return [(i, j)
            for i in range(r - 1, r + 2)
            for j in range(c - 1, c + 2)
            if (i, j) != (r, c) and 0 <= i < rows and 0 <= j < cols]
''', r'''
assert neighbors8(1, 1, 0, 0) == []
assert neighbors8(1, 3, 0, 1) == [(0, 0), (0, 2)]
assert neighbors8(3, 1, 2, 0) == [(1, 0)]
assert neighbors8(2, 2, 1, 1) == [(0, 0), (0, 1), (1, 0)]
assert neighbors8(4, 5, 3, 4) == [(2, 3), (2, 4), (3, 3)]
assert len(neighbors8(10, 10, 0, 5)) == 5
''')

_task("is_valid_hhmm", "easy", '''
def is_valid_hhmm(text: str) -> bool:
    """Check a 24-hour clock time written as 'HH:MM'.

    The text must be exactly two ASCII digits, ':' and two ASCII digits, with no
    surrounding whitespace; hours run from 00 to 23 and minutes from 00 to 59 (so
    '24:00' is not valid).

    >>> is_valid_hhmm('09:30')
    True
    >>> is_valid_hhmm('9:30')
    False
    >>> is_valid_hhmm('24:00')
    False
    """
''', '''
def is_valid_hhmm(text: str) -> bool:
    if len(text) != 5 or text[2] != ":":
        return False
    hh, mm = text[:2], text[3:]
    if any(ch not in "0123456789" for ch in hh + mm):
        return False
    return int(hh) < 24 and int(mm) < 60
''', r'''
assert is_valid_hhmm('00:00') is True
assert is_valid_hhmm('23:59') is True
assert is_valid_hhmm('23:60') is False
assert is_valid_hhmm(' 09:30') is False
assert is_valid_hhmm('12.30') is False
assert is_valid_hhmm('') is False
assert is_valid_hhmm('１２:３０') is False
assert is_valid_hhmm('+1:30') is False
''')

_task("format_price", "easy", '''
def format_price(cents: int) -> str:
    """Format an integer amount of cents as dollars.

    The result is '$', the whole dollars with ',' between groups of three digits, '.'
    and exactly two digits of cents. A negative amount gets '-' before the '$'.

    >>> format_price(123456)
    '$1,234.56'
    >>> format_price(5)
    '$0.05'
    >>> format_price(-100000)
    '-$1,000.00'
    """
''', '''
def format_price(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}.{rest:02d}"
''', r'''
assert format_price(0) == '$0.00'
assert format_price(-1) == '-$0.01'
assert format_price(99999) == '$999.99'
assert format_price(100000) == '$1,000.00'
assert format_price(123456789012) == '$1,234,567,890.12'
assert format_price(-250) == '-$2.50'
''')

_task("leap_years_between", "easy", '''
def leap_years_between(start: int, end: int) -> int:
    """Count the leap years from start to end, both included.

    Gregorian rule: a year is a leap year if it is divisible by 4, except years
    divisible by 100 that are not divisible by 400. If start > end the range is empty
    and the count is 0.

    >>> leap_years_between(1996, 2004)
    3
    >>> leap_years_between(1900, 1900)
    0
    """
''', '''
def leap_years_between(start: int, end: int) -> int:
    if start > end:
        return 0

    def upto(y: int) -> int:
        return y // 4 - y // 100 + y // 400

    return upto(end) - upto(start - 1)
''', r'''
assert leap_years_between(2000, 2000) == 1
assert leap_years_between(2001, 2003) == 0
assert leap_years_between(2010, 2000) == 0
assert leap_years_between(1800, 2000) == 49
assert leap_years_between(1, 400) == 97
assert leap_years_between(2024, 2028) == 2
assert leap_years_between(1, 400000) == 97000
''')

_task("extract_hashtags", "easy", '''
from typing import List


def extract_hashtags(text: str) -> List[str]:
    """Return the hashtags in text, lower-cased, each once, in order of first use.

    A hashtag is a '#' at the start of the text or right after a whitespace
    character, followed by one or more word characters (letters, digits or '_'); the
    tag is that run of word characters and ends at the first other character.

    >>> extract_hashtags('Loving #Python and #python3! #PYTHON again')
    ['python', 'python3']
    >>> extract_hashtags('mail a#b, or a lone # sign')
    []
    """
''', r'''
import re
from typing import List


def extract_hashtags(text: str) -> List[str]:
    seen: List[str] = []
    for match in re.finditer(r"(?:^|(?<=\s))#(\w+)", text):
        tag = match.group(1).lower()
        if tag not in seen:
            seen.append(tag)
    return seen
''', r'''
assert extract_hashtags('') == []
assert extract_hashtags('#start middle #End') == ['start', 'end']
assert extract_hashtags('#a #A #a') == ['a']
assert extract_hashtags('##double #ok') == ['ok']
assert extract_hashtags('tab\t#x, newline\n#y_z.') == ['x', 'y_z']
assert extract_hashtags('#café au lait') == ['café']
assert extract_hashtags('x#no #tag-part') == ['tag']
''')

_task("percent_change", "easy", '''
from typing import Optional


def percent_change(old: float, new: float) -> Optional[str]:
    """Describe the change from old to new as a signed percentage.

    The percentage is (new - old) / abs(old) * 100, written as by '{:+.1f}%' (so it
    always carries a sign). If old is 0 the result is None.

    >>> percent_change(80, 100)
    '+25.0%'
    >>> percent_change(200, 150)
    '-25.0%'
    """
''', '''
from typing import Optional


def percent_change(old: float, new: float) -> Optional[str]:
    if old == 0:
        return None
    return f"{(new - old) / abs(old) * 100:+.1f}%"
''', r'''
assert percent_change(0, 5) is None
assert percent_change(10, 10) == '+0.0%'
assert percent_change(-50, -25) == '+50.0%'
assert percent_change(-50, -100) == '-100.0%'
assert percent_change(3, 4) == '+33.3%'
assert percent_change(1, 0) == '-100.0%'
assert percent_change(2, 5) == '+150.0%'
''')

_task("seat_label", "easy", '''
def seat_label(index: int, seats_per_row: int) -> str:
    """Return the label of a seat in a cabin, such as '12C'.

    Seats are numbered from 0 in order: row 1 first, from its first seat to its last,
    then row 2 and so on. Every row has seats_per_row seats (1 to 25), lettered from
    'A' upward but skipping the letter 'I'. The label is the row number followed by
    the seat letter.

    >>> seat_label(0, 6)
    '1A'
    >>> seat_label(13, 6)
    '3B'
    >>> seat_label(8, 10)
    '1J'
    """
''', '''
def seat_label(index: int, seats_per_row: int) -> str:
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) != "I"]
    row, seat = divmod(index, seats_per_row)
    return f"{row + 1}{letters[seat]}"
''', r'''
assert seat_label(5, 6) == '1F'
assert seat_label(6, 6) == '2A'
assert seat_label(0, 1) == '1A'
assert seat_label(99, 1) == '100A'
assert seat_label(24, 25) == '1Z'
assert seat_label(33, 25) == '2J'
assert seat_label(7, 9) == '1H'
assert seat_label(8, 9) == '1J'
''')


# ---------------------------------------------------------------------------------------
# medium
# ---------------------------------------------------------------------------------------

_task("parse_ini", "medium", r'''
from typing import Dict


def parse_ini(text: str) -> Dict[str, Dict[str, str]]:
    r"""Parse a small INI file into {section: {key: value}}.

    Each line is stripped of surrounding whitespace. Blank lines and lines starting
    with ';' or '#' are ignored. A line '[name]' starts the section name (stripped; its
    case is kept); a repeated header continues the same section. Any other line with
    '=' is split on its first '=' into a key and a value, both stripped; the key is
    lower-cased and a later value for the same key replaces an earlier one. Keys before
    the first header go into the section ''. Other lines are ignored. A section from a
    header is in the result even if it has no keys; '' is only there if it has keys.

    >>> parse_ini('[server]\nHost = example.org\nport=8080')
    {'server': {'host': 'example.org', 'port': '8080'}}
    >>> parse_ini('debug = yes\n; comment\n[empty]')
    {'': {'debug': 'yes'}, 'empty': {}}
    """
''', r'''
from typing import Dict


def parse_ini(text: str) -> Dict[str, Dict[str, str]]:
    result: Dict[str, Dict[str, str]] = {}
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            result.setdefault(current, {})
            continue
        if "=" not in line:
            continue
        key, value = line.split("=", 1)
        result.setdefault(current, {})[key.strip().lower()] = value.strip()
    return result
''', r'''
assert parse_ini('') == {}
assert parse_ini('; only\n# comments\n\n') == {}
assert parse_ini('[a]\nx=1\n[b]\ny=2\n[a]\nX=3') == {'a': {'x': '3'}, 'b': {'y': '2'}}
assert parse_ini('url = http://h/?a=b') == {'': {'url': 'http://h/?a=b'}}
assert parse_ini('  [ Main ]  \n  KEY  =  spaced value  ') == {'Main': {'key': 'spaced value'}}
assert parse_ini('[s]\nnovalue\nk =') == {'s': {'k': ''}}
assert parse_ini('a=1\r\nb=2') == {'': {'a': '1', 'b': '2'}}
''')

_task("nth_weekday", "medium", '''
from typing import Optional


def nth_weekday(year: int, month: int, weekday: int, n: int) -> Optional[int]:
    """Return the day of the month of the n-th given weekday (Gregorian calendar).

    weekday is 0 for Monday up to 6 for Sunday. n = 1 asks for the first such day of
    the month, n = 2 for the second, and so on; n = -1 asks for the last one, n = -2
    for the one before it, and so on. If there is no such day (a fifth Monday that
    does not exist, n = 0, ...) the result is None.

    >>> nth_weekday(2024, 11, 3, 4)
    28
    >>> nth_weekday(2024, 5, 0, -1)
    27
    >>> nth_weekday(2023, 2, 2, 5) is None
    True
    """
''', '''
from typing import Optional


def nth_weekday(year: int, month: int, weekday: int, n: int) -> Optional[int]:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    length = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    # Sakamoto's method: 0 = Sunday; shifted so that 0 = Monday.
    offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
    y = year - 1 if month < 3 else year
    first = (y + y // 4 - y // 100 + y // 400 + offsets[month - 1] + 1 + 6) % 7
    days = list(range(1 + (weekday - first) % 7, length + 1, 7))
    if 1 <= n <= len(days):
        return days[n - 1]
    if -len(days) <= n <= -1:
        return days[n]
    return None
''', r'''
assert nth_weekday(2024, 1, 0, 1) == 1
assert nth_weekday(2024, 2, 3, 5) == 29
assert nth_weekday(2024, 2, 3, -5) == 1
assert nth_weekday(2024, 2, 3, -6) is None
assert nth_weekday(2000, 1, 6, 1) == 2
assert nth_weekday(1900, 3, 0, 0) is None
assert nth_weekday(2023, 12, 6, -1) == 31
assert nth_weekday(2100, 2, 0, -1) == 22
''')

_task("age_on", "medium", '''
def age_on(birth: str, on: str) -> int:
    """Return a person's age in whole years on a date; dates are 'YYYY-MM-DD'.

    on is never earlier than birth. The age goes up by one on each birthday. Someone
    born on 29 February has their birthday on 1 March in years that are not leap
    years (Gregorian calendar).

    >>> age_on('1990-06-15', '2024-06-14')
    33
    >>> age_on('1990-06-15', '2024-06-15')
    34
    >>> age_on('2000-02-29', '2023-02-28')
    22
    """
''', '''
def age_on(birth: str, on: str) -> int:
    by, bm, bd = (int(x) for x in birth.split("-"))
    y, m, d = (int(x) for x in on.split("-"))
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    birthday = (bm, bd)
    if birthday == (2, 29) and not leap:
        birthday = (3, 1)
    age = y - by
    if (m, d) < birthday:
        age -= 1
    return age
''', r'''
assert age_on('2000-02-29', '2023-03-01') == 23
assert age_on('2000-02-29', '2024-02-28') == 23
assert age_on('2000-02-29', '2024-02-29') == 24
assert age_on('2010-01-01', '2010-01-01') == 0
assert age_on('1999-12-31', '2000-01-01') == 0
assert age_on('1980-03-01', '2021-02-28') == 40
assert age_on('1900-02-28', '2000-02-28') == 100
''')

_task("league_table", "medium", '''
from typing import List, Tuple


def league_table(results: List[str]) -> List[Tuple[str, int]]:
    """Build a league table from match results such as 'Lions 2-1 Tigers'.

    A result is '<home> <goals>-<goals> <away>'; team names contain no digits but may
    contain spaces, and whitespace around them is ignored. A win is worth 3 points, a
    draw 1 and a loss 0. Return (team, points) for every team that played, sorted by
    points (most first), then goal difference (goals for minus against, highest
    first), then goals scored (most first), then team name (alphabetical).

    >>> league_table(['Lions 2-1 Tigers', 'Tigers 0-0 Bears', 'Bears 3-0 Lions'])
    [('Bears', 4), ('Lions', 3), ('Tigers', 1)]
    >>> league_table(['Red Star 1-1 Blue Sky'])
    [('Blue Sky', 1), ('Red Star', 1)]
    """
''', r'''
import re
from typing import Dict, List, Tuple


def league_table(results: List[str]) -> List[Tuple[str, int]]:
    stats: Dict[str, List[int]] = {}  # team -> [points, goals for, goals against]
    for result in results:
        m = re.fullmatch(r"\s*(.*?)\s+(\d+)-(\d+)\s+(.*?)\s*", result)
        home, away = m.group(1), m.group(4)
        hg, ag = int(m.group(2)), int(m.group(3))
        for team, gf, ga in ((home, hg, ag), (away, ag, hg)):
            s = stats.setdefault(team, [0, 0, 0])
            s[0] += 3 if gf > ga else 1 if gf == ga else 0
            s[1] += gf
            s[2] += ga
    order = sorted(stats, key=lambda t: (-stats[t][0], -(stats[t][1] - stats[t][2]), -stats[t][1], t))
    return [(t, stats[t][0]) for t in order]
''', r'''
assert league_table([]) == []
assert league_table(['A 1-0 B', 'B 2-0 A']) == [('B', 3), ('A', 3)]
assert league_table(['X 2-2 Y', 'Z 0-0 W']) == [('X', 1), ('Y', 1), ('W', 1), ('Z', 1)]
assert league_table(['Zeta 10-0 Alpha']) == [('Zeta', 3), ('Alpha', 0)]
assert league_table(['A 1-0 B', 'A 1-0 B', 'C 5-0 D']) == [('A', 6), ('C', 3), ('B', 0), ('D', 0)]
assert league_table(['New York  12-11  Old Town']) == [('New York', 3), ('Old Town', 0)]
assert league_table(['P 1-2 Q', 'Q 0-3 R', 'R 1-1 P']) == [('R', 4), ('Q', 3), ('P', 1)]
''')

_task("dict_diff", "medium", '''
from typing import Any, Dict, List


def dict_diff(old: Dict[str, Any], new: Dict[str, Any]) -> Dict[str, List[str]]:
    """Compare two nested dicts with string keys.

    Returns {'added': [...], 'removed': [...], 'changed': [...]}, each a sorted list of
    key paths. A path joins the keys from the top with '.'. A key only in new is added
    and one only in old is removed; it is reported once, by its own path, whatever its
    value. A key in both whose values are both dicts is not reported itself: the two
    dicts are compared the same way, one level down. Any other key in both is changed
    if its values differ by '=='.

    >>> dict_diff({'a': 1, 'b': {'x': 1, 'y': 2}}, {'b': {'x': 1, 'y': 3, 'z': 0}, 'c': 4})
    {'added': ['b.z', 'c'], 'removed': ['a'], 'changed': ['b.y']}
    >>> dict_diff({}, {})
    {'added': [], 'removed': [], 'changed': []}
    """
''', '''
from typing import Any, Dict, List


def dict_diff(old: Dict[str, Any], new: Dict[str, Any]) -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {"added": [], "removed": [], "changed": []}

    def walk(a: Dict[str, Any], b: Dict[str, Any], prefix: str) -> None:
        for key in set(a) | set(b):
            path = prefix + key
            if key not in b:
                out["removed"].append(path)
            elif key not in a:
                out["added"].append(path)
            elif isinstance(a[key], dict) and isinstance(b[key], dict):
                walk(a[key], b[key], path + ".")
            elif a[key] != b[key]:
                out["changed"].append(path)

    walk(old, new, "")
    return {k: sorted(v) for k, v in out.items()}
''', r'''
assert dict_diff({}, {'a': {'b': 1}}) == {'added': ['a'], 'removed': [], 'changed': []}
assert dict_diff({'a': 1}, {'a': 1.0}) == {'added': [], 'removed': [], 'changed': []}
assert dict_diff({'a': {'b': 1}}, {'a': 5}) == {'added': [], 'removed': [], 'changed': ['a']}
assert dict_diff({'a': {'b': {'c': 1}}}, {'a': {'b': {'c': 2}}}) == {'added': [], 'removed': [], 'changed': ['a.b.c']}
assert dict_diff({'a': {}}, {'a': {}}) == {'added': [], 'removed': [], 'changed': []}
assert dict_diff({'k': [1, 2]}, {'k': [2, 1]}) == {'added': [], 'removed': [], 'changed': ['k']}
assert dict_diff({'b': 1, 'a': 1, 'c': 1}, {}) == {'added': [], 'removed': ['a', 'b', 'c'], 'changed': []}
''')

_task("format_table", "medium", r'''
from typing import Any, List


def format_table(rows: List[List[Any]]) -> str:
    r"""Render rows of cells as a plain-text table.

    Each cell is converted with str(). Every column is as wide as its widest cell.
    Cells holding an int or a float (but not a bool) are right-aligned; all other
    cells are left-aligned. Cells are separated by two spaces and trailing spaces are
    removed from each line. Rows may have different lengths: missing cells count as
    empty strings. Lines are joined with '\n'; no rows gives ''.

    >>> print(format_table([['name', 'qty'], ['apple', 3], ['kiwi', 12]]))
    name   qty
    apple    3
    kiwi    12
    >>> format_table([['a', 'bb'], ['ccc']])
    'a    bb\nccc'
    """
''', r'''
from typing import Any, List


def format_table(rows: List[List[Any]]) -> str:
    ncols = max((len(r) for r in rows), default=0)
    widths = [0] * ncols
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(str(cell)))
    lines = []
    for row in rows:
        cells = []
        for i in range(ncols):
            cell = row[i] if i < len(row) else ""
            text = str(cell)
            numeric = isinstance(cell, (int, float)) and not isinstance(cell, bool)
            cells.append(text.rjust(widths[i]) if numeric else text.ljust(widths[i]))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
''', r'''
assert format_table([]) == ''
assert format_table([['x']]) == 'x'
assert format_table([[1.5, 'a'], [10, 'bcd']]) == '1.5  a\n 10  bcd'
assert format_table([[True, 'x'], [False, 'y']]) == 'True   x\nFalse  y'
assert format_table([['a', 'b', 'c'], [], ['d']]) == 'a  b  c\n\nd'
assert format_table([['', 'x']]) == '  x'
assert format_table([[-5], [100]]) == ' -5\n100'
assert format_table([['é', 'z'], ['ab', 'y']]) == 'é   z\nab  y'
''')

_task("turn_directions", "medium", '''
from typing import List, Tuple


def turn_directions(points: List[Tuple[float, float]]) -> str:
    """Say which way a path turns at each of its interior points.

    The path visits the points in order (x to the right, y upward). At point b, with a
    the point before it and c the point after it, the turn is 'L' if c lies to the
    left of the direction from a to b (a counter-clockwise turn), 'R' if it lies to the
    right, and 'S' if a, b and c are on one line (this includes going straight back).
    Return one letter per interior point; fewer than three points give ''.

    >>> turn_directions([(0, 0), (1, 0), (1, 1), (0, 1)])
    'LL'
    >>> turn_directions([(0, 0), (2, 2), (4, 4), (5, 3)])
    'SR'
    """
''', '''
from typing import List, Tuple


def turn_directions(points: List[Tuple[float, float]]) -> str:
    out = []
    for (ax, ay), (bx, by), (cx, cy) in zip(points, points[1:], points[2:]):
        cross = (bx - ax) * (cy - by) - (by - ay) * (cx - bx)
        out.append("L" if cross > 0 else "R" if cross < 0 else "S")
    return "".join(out)
''', r'''
assert turn_directions([]) == ''
assert turn_directions([(0, 0), (5, 5)]) == ''
assert turn_directions([(0, 0), (1, 0), (0, 0)]) == 'S'
assert turn_directions([(0, 0), (0, 1), (1, 2)]) == 'R'
assert turn_directions([(0, 0), (1, 0), (1, -1), (2, -1), (2, 0)]) == 'RLL'
assert turn_directions([(0.5, 0), (1.5, 0), (2.5, 0.001)]) == 'L'
assert turn_directions([(-3, -3), (-1, -1), (0, 0), (1, 1)]) == 'SS'
''')

_task("apply_ledger", "medium", '''
from typing import List, Tuple


def apply_ledger(balance: int, transactions: List[str]) -> Tuple[int, List[int]]:
    """Apply bank transactions, in order, to a starting balance in cents.

    A transaction is a keyword and a positive integer N separated by whitespace (extra
    whitespace allowed, keyword in any case). 'deposit N' adds N. 'withdraw N' subtracts
    N unless that would make the balance negative, in which case it is rejected and
    changes nothing. 'fee N' always subtracts N, even if the balance goes negative.
    Return the final balance and the 0-based indices of the rejected withdrawals.

    >>> apply_ledger(100, ['withdraw 30', 'withdraw 80', 'deposit 50', 'withdraw 80'])
    (40, [1])
    >>> apply_ledger(10, ['fee 25', 'withdraw 1'])
    (-15, [1])
    """
''', '''
from typing import List, Tuple


def apply_ledger(balance: int, transactions: List[str]) -> Tuple[int, List[int]]:
    rejected: List[int] = []
    for i, tx in enumerate(transactions):
        word, amount = tx.split()
        word, n = word.lower(), int(amount)
        if word == "deposit":
            balance += n
        elif word == "fee":
            balance -= n
        elif word == "withdraw":
            if balance - n < 0:
                rejected.append(i)
            else:
                balance -= n
    return balance, rejected
''', r'''
assert apply_ledger(0, []) == (0, [])
assert apply_ledger(50, ['withdraw 50']) == (0, [])
assert apply_ledger(50, ['withdraw 51', 'withdraw 51']) == (50, [0, 1])
assert apply_ledger(5, ['DEPOSIT 10', '  Withdraw   15 ']) == (0, [])
assert apply_ledger(-20, ['withdraw 1', 'deposit 25', 'withdraw 5']) == (0, [0])
assert apply_ledger(0, ['fee 1', 'fee 2', 'deposit 3']) == (0, [])
assert apply_ledger(7, ['withdraw 3', 'fee 10', 'withdraw 1', 'deposit 8']) == (2, [2])
''')

_task("markdown_headings", "medium", r'''
from typing import List, Tuple


def markdown_headings(text: str) -> List[Tuple[int, str]]:
    r"""List the headings of a Markdown document as (level, title) pairs.

    Lines are separated by '\n'. A heading line starts (in its first column) with 1 to
    6 '#' characters followed by a space; the level is the number of '#' and the title
    is the rest of the line with surrounding whitespace removed. Lines inside a fenced
    code block are never headings: a line starting with ``` opens a block and the
    next line starting with ``` closes it (the fence lines themselves are not
    headings either).

    >>> markdown_headings('# Title\nText\n## Part 1\n#nospace')
    [(1, 'Title'), (2, 'Part 1')]
    >>> markdown_headings('```\n# not a heading\n```\n### Real')
    [(3, 'Real')]
    """
''', r'''
from typing import List, Tuple


def markdown_headings(text: str) -> List[Tuple[int, str]]:
    out: List[Tuple[int, str]] = []
    in_fence = False
    for line in text.split("\n"):
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        level = len(line) - len(line.lstrip("#"))
        if 1 <= level <= 6 and line[level:level + 1] == " ":
            out.append((level, line[level + 1:].strip()))
    return out
''', r'''
assert markdown_headings('') == []
assert markdown_headings('####### seven') == []
assert markdown_headings('###### six') == [(6, 'six')]
assert markdown_headings('  # indented\n#\ttab') == []
assert markdown_headings('# a\n```python\n## b\n```\n## c\n```\n# d') == [(1, 'a'), (2, 'c')]
assert markdown_headings('#   Spaced   out   ') == [(1, 'Spaced   out')]
assert markdown_headings('# C# and F#') == [(1, 'C# and F#')]
assert markdown_headings('text # not\n## Ünïcode') == [(2, 'Ünïcode')]
''')

_task("bin_counts", "medium", '''
from typing import List


def bin_counts(values: List[float], low: float, high: float, bins: int) -> List[int]:
    """Count values into bins equal-width bins spanning low..high (low < high).

    A value v with low <= v < high goes into bin floor((v - low) * bins / (high - low)),
    computed in that order; the value high itself goes into the last bin. Values
    below low or above high are not counted. Returns the count of every bin, first
    bin first.

    >>> bin_counts([0, 1, 2, 3, 4, 5], 0, 5, 5)
    [1, 1, 1, 1, 2]
    >>> bin_counts([-1, 0.5, 9.99, 10, 10.5], 0, 10, 2)
    [1, 2]
    """
''', '''
import math
from typing import List


def bin_counts(values: List[float], low: float, high: float, bins: int) -> List[int]:
    counts = [0] * bins
    for v in values:
        if v < low or v > high:
            continue
        i = min(math.floor((v - low) * bins / (high - low)), bins - 1)
        counts[i] += 1
    return counts
''', r'''
assert bin_counts([], 0, 1, 3) == [0, 0, 0]
assert bin_counts([5], 0, 10, 1) == [1]
assert bin_counts([0, 10], 0, 10, 1) == [2]
assert bin_counts([-0.001, 10.001], 0, 10, 4) == [0, 0, 0, 0]
assert bin_counts([0.3, 0.7], 0, 1, 10) == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0]
assert bin_counts([-5, -4, -3], -5, -3, 2) == [1, 2]
assert bin_counts([2.5, 2.5, 7.5], 0, 10, 4) == [0, 2, 0, 1]
''')

_task("cron_field", "medium", '''
from typing import List


def cron_field(field: str, low: int, high: int) -> List[int]:
    """Expand one field of a cron schedule into the sorted values it selects.

    The field is a comma-separated list of items. An item is '*' (every value from low
    to high), a number 'a', or an inclusive range 'a-b' (a <= b). An item may end with
    '/s' (s >= 1) to keep every s-th value of it, counting from its first value: '*/s'
    and 'a-b/s' step through their range, and 'a/s' means a, a + s, ... up to high.
    Each value appears once in the result. The field is well formed and all its
    numbers are within low..high.

    >>> cron_field('*/15', 0, 59)
    [0, 15, 30, 45]
    >>> cron_field('1-5,3,20-30/5', 0, 59)
    [1, 2, 3, 4, 5, 20, 25, 30]
    >>> cron_field('*', 1, 7)
    [1, 2, 3, 4, 5, 6, 7]
    """
''', '''
from typing import List, Set


def cron_field(field: str, low: int, high: int) -> List[int]:
    values: Set[int] = set()
    for item in field.split(","):
        step = None
        if "/" in item:
            item, s = item.split("/")
            step = int(s)
        if item == "*":
            a, b = low, high
        elif "-" in item:
            a, b = (int(x) for x in item.split("-"))
        else:
            a = int(item)
            b = high if step is not None else a
        values.update(range(a, b + 1, step or 1))
    return sorted(values)
''', r'''
assert cron_field('0', 0, 59) == [0]
assert cron_field('59', 0, 59) == [59]
assert cron_field('5/20', 0, 59) == [5, 25, 45]
assert cron_field('*/7', 1, 31) == [1, 8, 15, 22, 29]
assert cron_field('3,1,2,3', 0, 6) == [1, 2, 3]
assert cron_field('10-12/5', 0, 23) == [10]
assert cron_field('*/1,0', 0, 3) == [0, 1, 2, 3]
assert cron_field('4/1', 0, 6) == [4, 5, 6]
''')

_task("align_decimals", "medium", '''
from typing import List


def align_decimals(numbers: List[float], places: int) -> List[str]:
    """Format numbers so that their decimal points line up.

    Each number is first written with exactly places digits after the decimal point,
    as by f'{x:.{places}f}' (so places = 0 gives no decimal point, and rounding is
    that of format()). Then every string is padded on the left with spaces to the
    length of the longest one.

    >>> align_decimals([3.14159, -2, 100], 2)
    ['  3.14', ' -2.00', '100.00']
    >>> align_decimals([1.5, 22], 0)
    [' 2', '22']
    """
''', '''
from typing import List


def align_decimals(numbers: List[float], places: int) -> List[str]:
    texts = [f"{x:.{places}f}" for x in numbers]
    width = max((len(t) for t in texts), default=0)
    return [t.rjust(width) for t in texts]
''', r'''
assert align_decimals([], 3) == []
assert align_decimals([0], 1) == ['0.0']
assert align_decimals([2.5, 0.5], 0) == ['2', '0']
assert align_decimals([-0.004, 12.5], 2) == ['-0.00', '12.50']
assert align_decimals([1e6, 1], 1) == ['1000000.0', '      1.0']
assert align_decimals([7, 7, 7], 2) == ['7.00', '7.00', '7.00']
assert align_decimals([-1, 1], 3) == ['-1.000', ' 1.000']
''')

_task("page_links", "medium", '''
from typing import List, Optional


def page_links(current: int, total: int, window: int) -> List[Optional[int]]:
    """Return the entries of a pagination bar for pages 1..total.

    Page 1, page total and every page from current - window to current + window (those
    that exist) are shown, in increasing order. Where shown pages are not consecutive,
    the gap becomes None (an ellipsis), except that a gap of exactly one hidden page
    shows that page instead. total = 0 gives [].

    >>> page_links(5, 10, 1)
    [1, None, 4, 5, 6, None, 10]
    >>> page_links(3, 10, 1)
    [1, 2, 3, 4, None, 10]
    >>> page_links(1, 3, 0)
    [1, 2, 3]
    """
''', '''
from typing import List, Optional


def page_links(current: int, total: int, window: int) -> List[Optional[int]]:
    if total <= 0:
        return []
    shown = {1, total} | {p for p in range(current - window, current + window + 1) if 1 <= p <= total}
    out: List[Optional[int]] = []
    prev = None
    for page in sorted(shown):
        if prev is not None:
            if page - prev == 2:
                out.append(prev + 1)
            elif page - prev > 2:
                out.append(None)
        out.append(page)
        prev = page
    return out
''', r'''
assert page_links(1, 0, 2) == []
assert page_links(1, 1, 0) == [1]
assert page_links(1, 2, 0) == [1, 2]
assert page_links(10, 10, 1) == [1, None, 9, 10]
assert page_links(4, 7, 1) == [1, 2, 3, 4, 5, 6, 7]
assert page_links(50, 100, 2) == [1, None, 48, 49, 50, 51, 52, None, 100]
assert page_links(2, 5, 10) == [1, 2, 3, 4, 5]
''')

_task("json_pointer", "medium", '''
from typing import Any


def json_pointer(doc: Any, pointer: str, default: Any = None) -> Any:
    """Look up a JSON Pointer (RFC 6901) in nested dicts and lists.

    The pointer '' means the whole document. Any other pointer starts with '/', and
    each '/'-separated token after it selects a key of a dict or, in a list, an index
    written in decimal without leading zeros ('0', '12'; not '01' or '-1'). In a token
    '~1' stands for '/' and '~0' for '~' (replace '~1' first, then '~0'). If a step
    fails (missing key, bad or out-of-range index, a value that is neither a dict nor
    a list, a pointer not starting with '/') the result is default.

    >>> json_pointer({'a': {'b': [10, 20]}}, '/a/b/1')
    20
    >>> json_pointer({'x/y': 1}, '/x~1y')
    1
    >>> json_pointer({'a': 1}, '/a/c', 'none')
    'none'
    """
''', r'''
import re
from typing import Any


def json_pointer(doc: Any, pointer: str, default: Any = None) -> Any:
    if pointer == "":
        return doc
    if not pointer.startswith("/"):
        return default
    node = doc
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            if token not in node:
                return default
            node = node[token]
        elif isinstance(node, list):
            if not re.fullmatch(r"0|[1-9][0-9]*", token) or int(token) >= len(node):
                return default
            node = node[int(token)]
        else:
            return default
    return node
''', r'''
assert json_pointer({'a': 1}, '') == {'a': 1}
assert json_pointer({'~1': 'lit'}, '/~01') == 'lit'
assert json_pointer({'': 5}, '/') == 5
assert json_pointer([1, 2, 3], '/01') is None
assert json_pointer([1, 2, 3], '/-1', 'd') == 'd'
assert json_pointer({'a': [{'b': 0}]}, '/a/0/b', 'd') == 0
assert json_pointer({'a': 'text'}, '/a/0') is None
assert json_pointer({'a': 1}, 'a', 'd') == 'd'
''')


# ---------------------------------------------------------------------------------------
# hard
# ---------------------------------------------------------------------------------------

_task("render_tree", "hard", '''
from typing import List


def render_tree(paths: List[str]) -> str:
    """Draw '/'-separated relative file paths as a tree, like the `tree` command.

    The paths (no leading or trailing '/', no empty parts) imply a tree of names;
    duplicates appear once and a name that is both a path and a prefix of another path
    is one node. Children are listed in sorted (plain string) order, each on one line:
    its prefix, then '├── ' if a later sibling follows or '└── ' if it is the last,
    then its name. The prefix of top-level entries is ''; a child's prefix is its
    parent's prefix plus '│   ' if the parent has a later sibling and four spaces
    otherwise. Lines are joined with newlines; no paths give ''.

    >>> print(render_tree(['src/main.py', 'README', 'src/util/io.py', 'src/app.py']))
    ├── README
    └── src
        ├── app.py
        ├── main.py
        └── util
            └── io.py
    >>> print(render_tree(['a/x', 'b']))
    ├── a
    │   └── x
    └── b
    """
''', r'''
from typing import Any, Dict, List


def render_tree(paths: List[str]) -> str:
    tree: Dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path.split("/"):
            node = node.setdefault(part, {})
    lines: List[str] = []

    def walk(node: Dict[str, Any], prefix: str) -> None:
        names = sorted(node)
        for i, name in enumerate(names):
            last = i == len(names) - 1
            lines.append(prefix + ("└── " if last else "├── ") + name)
            walk(node[name], prefix + ("    " if last else "│   "))

    walk(tree, "")
    return "\n".join(lines)
''', r'''
assert render_tree([]) == ''
assert render_tree(['only']) == '└── only'
assert render_tree(['b', 'a', 'b']) == '├── a\n└── b'
assert render_tree(['a/b/c']) == '└── a\n    └── b\n        └── c'
assert render_tree(['x/1', 'x/2', 'y/1']) == '├── x\n│   ├── 1\n│   └── 2\n└── y\n    └── 1'
assert render_tree(['B', 'a']) == '├── B\n└── a'
assert render_tree(['d/e', 'd']) == '└── d\n    └── e'
assert render_tree(['p/q/r', 'p/s', 't']) == '├── p\n│   ├── q\n│   │   └── r\n│   └── s\n└── t'
''')

_task("teller_waits", "hard", '''
from typing import List, Tuple


def teller_waits(arrivals: List[int], durations: List[int], tellers: int) -> List[Tuple[int, int]]:
    """Simulate a bank with tellers numbered 0..tellers-1 and a single queue.

    Customer i arrives at time arrivals[i] (the list is non-decreasing) and needs
    durations[i] minutes of service. Customers are handled one by one in list order.
    If some tellers are free at the customer's arrival (a teller whose last service
    ends exactly then counts as free), the lowest-numbered free teller serves them at
    once. Otherwise the teller that becomes free first serves them (the
    lowest-numbered one on a tie), starting when it becomes free. Return, for each
    customer, (teller number, minutes waited before service starts).

    >>> teller_waits([0, 0, 0], [5, 3, 4], 2)
    [(0, 0), (1, 0), (1, 3)]
    >>> teller_waits([0, 0, 10], [5, 1, 1], 2)
    [(0, 0), (1, 0), (0, 0)]
    """
''', '''
from typing import List, Tuple


def teller_waits(arrivals: List[int], durations: List[int], tellers: int) -> List[Tuple[int, int]]:
    free_at = [0] * tellers
    out: List[Tuple[int, int]] = []
    for arrival, duration in zip(arrivals, durations):
        idle = [t for t in range(tellers) if free_at[t] <= arrival]
        teller = idle[0] if idle else min(range(tellers), key=lambda t: (free_at[t], t))
        start = max(arrival, free_at[teller])
        out.append((teller, start - arrival))
        free_at[teller] = start + duration
    return out
''', r'''
assert teller_waits([], [], 3) == []
assert teller_waits([5], [2], 1) == [(0, 0)]
assert teller_waits([0, 0, 0], [2, 2, 2], 1) == [(0, 0), (0, 2), (0, 4)]
assert teller_waits([0, 0, 1], [3, 3, 1], 2) == [(0, 0), (1, 0), (0, 2)]
assert teller_waits([0, 0, 0, 2], [4, 2, 9, 1], 3) == [(0, 0), (1, 0), (2, 0), (1, 0)]
assert teller_waits([0, 0, 1, 1], [10, 3, 1, 1], 2) == [(0, 0), (1, 0), (1, 2), (1, 3)]
assert teller_waits([3, 3], [0, 5], 1) == [(0, 0), (0, 0)]
''')

_task("fifo_cost", "hard", '''
from typing import List, Optional, Tuple, Union


def fifo_cost(trades: List[Tuple[Union[str, int], ...]]) -> Optional[Tuple[int, List[Tuple[int, int]]]]:
    """Track stock lots first-in first-out and return the cost of the goods sold.

    trades holds ('buy', quantity, unit_price) and ('sell', quantity) tuples in time
    order, with non-negative integer quantities and prices. A buy adds a lot. A sale
    takes its units from the oldest remaining lot first, moving on to the next lot
    when one is used up; used-up lots disappear, and lots are never merged. Return
    (total purchase cost of all units sold, remaining lots as (quantity, unit_price)
    oldest first). If a sale asks for more units than are held, return None.

    >>> fifo_cost([('buy', 10, 100), ('buy', 5, 120), ('sell', 12)])
    (1240, [(3, 120)])
    >>> fifo_cost([('buy', 2, 50), ('sell', 3)]) is None
    True
    """
''', '''
from typing import List, Optional, Tuple, Union


def fifo_cost(trades: List[Tuple[Union[str, int], ...]]) -> Optional[Tuple[int, List[Tuple[int, int]]]]:
    lots: List[List[int]] = []
    cost = 0
    for trade in trades:
        if trade[0] == "buy":
            lots.append([int(trade[1]), int(trade[2])])
            continue
        need = int(trade[1])
        if need > sum(q for q, _ in lots):
            return None
        while need:
            take = min(need, lots[0][0])
            cost += take * lots[0][1]
            lots[0][0] -= take
            need -= take
            if lots[0][0] == 0:
                lots.pop(0)
    return cost, [(q, p) for q, p in lots]
''', r'''
assert fifo_cost([]) == (0, [])
assert fifo_cost([('sell', 0)]) == (0, [])
assert fifo_cost([('sell', 1)]) is None
assert fifo_cost([('buy', 3, 10), ('sell', 3)]) == (30, [])
assert fifo_cost([('buy', 1, 5), ('buy', 1, 7), ('buy', 1, 9), ('sell', 1), ('buy', 2, 1), ('sell', 3)]) == (22, [(1, 1)])
assert fifo_cost([('buy', 4, 25), ('sell', 1), ('sell', 1)]) == (50, [(2, 25)])
assert fifo_cost([('buy', 2, 10), ('sell', 1), ('sell', 5)]) is None
assert fifo_cost([('buy', 2, 10), ('buy', 2, 10)]) == (0, [(2, 10), (2, 10)])
''')

_task("month_calendar", "hard", '''
def month_calendar(year: int, month: int) -> str:
    """Render one month of the Gregorian calendar as text, weeks starting on Monday.

    The first line is 'Mo Tu We Th Fr Sa Su'. Then comes one line per week that holds
    days of the month: seven cells of two characters separated by single spaces, each
    day number right-aligned in its cell and the cells before the 1st and after the
    last day blank. Trailing spaces are removed from every line and lines are joined
    with newlines.

    >>> print(month_calendar(2024, 2))
    Mo Tu We Th Fr Sa Su
              1  2  3  4
     5  6  7  8  9 10 11
    12 13 14 15 16 17 18
    19 20 21 22 23 24 25
    26 27 28 29
    >>> month_calendar(2024, 1).splitlines()[1]
    ' 1  2  3  4  5  6  7'
    """
''', '''
def month_calendar(year: int, month: int) -> str:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    length = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
    y = year - 1 if month < 3 else year
    first = (y + y // 4 - y // 100 + y // 400 + offsets[month - 1] + 1 + 6) % 7  # 0 = Monday
    cells = ["  "] * first + [f"{d:2d}" for d in range(1, length + 1)]
    lines = ["Mo Tu We Th Fr Sa Su"]
    for i in range(0, len(cells), 7):
        lines.append(" ".join(cells[i:i + 7]).rstrip())
    return "\\n".join(lines)
''', r'''
assert month_calendar(2024, 12).splitlines()[0] == 'Mo Tu We Th Fr Sa Su'
assert month_calendar(2023, 10).splitlines()[1] == '                   1'
assert month_calendar(2021, 2).count('\n') == 4
assert month_calendar(2021, 2).splitlines()[-1] == '22 23 24 25 26 27 28'
assert month_calendar(2023, 2).splitlines()[-1] == '27 28'
assert month_calendar(2000, 2).splitlines()[-1] == '28 29'
assert month_calendar(1900, 2).splitlines()[-1] == '26 27 28'
assert month_calendar(2026, 8).splitlines()[1:3] == ['                1  2', ' 3  4  5  6  7  8  9']
''')

_task("sandpile", "hard", '''
from typing import List


def sandpile(grid: List[List[int]]) -> List[List[int]]:
    """Let a rectangular sandpile settle and return the stable grid.

    grid holds non-negative grain counts. While some cell holds 4 or more grains it
    topples: it loses 4 grains and each of its up to four orthogonal neighbours gains
    one; grains pushed over the edge of the grid are lost. The final grid, in which
    every cell holds at most 3 grains, does not depend on the order of the topplings.
    The input is not modified; a new list of lists is returned.

    >>> sandpile([[0, 0, 0], [0, 4, 0], [0, 0, 0]])
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    >>> sandpile([[5]])
    [[1]]
    """
''', '''
from typing import List


def sandpile(grid: List[List[int]]) -> List[List[int]]:
    g = [list(row) for row in grid]
    rows = len(g)
    unstable = [(r, c) for r in range(rows) for c in range(len(g[r])) if g[r][c] >= 4]
    while unstable:
        r, c = unstable.pop()
        if g[r][c] < 4:
            continue
        spill, g[r][c] = divmod(g[r][c], 4)
        for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= nr < rows and 0 <= nc < len(g[nr]):
                g[nr][nc] += spill
                if g[nr][nc] >= 4:
                    unstable.append((nr, nc))
    return g
''', r'''
assert sandpile([]) == []
assert sandpile([[3, 3], [3, 3]]) == [[3, 3], [3, 3]]
assert sandpile([[4, 4]]) == [[1, 1]]
assert sandpile([[16]]) == [[0]]
assert sandpile([[0, 0, 0], [0, 16, 0], [0, 0, 0]]) == [[2, 1, 2], [1, 0, 1], [2, 1, 2]]
assert sandpile([[6, 0, 6]]) == [[2, 2, 2]]
assert sandpile([[3, 3, 3], [3, 4, 3], [3, 3, 3]]) == [[1, 3, 1], [3, 0, 3], [1, 3, 1]]
assert (lambda g: [sandpile(g), g][1])([[9, 1]]) == [[9, 1]]
''')

_task("instant_runoff", "hard", '''
from typing import List, Optional


def instant_runoff(ballots: List[List[str]]) -> Optional[str]:
    """Find the winner of a ranked-choice (instant-runoff) election.

    Each ballot lists candidate names from most to least preferred; it may rank only
    some candidates or be empty. The candidates are all names on any ballot. In each
    round every ballot counts for its highest-ranked candidate still in the race;
    a ballot with none left is exhausted and does not count. A candidate with more
    than half of the counted ballots wins. Otherwise the candidate with the fewest
    votes (possibly zero) is eliminated, the one latest in alphabetical order on a
    tie, and a new round starts. With no candidates at all the result is None.

    >>> instant_runoff([['a', 'b'], ['b', 'a'], ['b'], ['c', 'a'], ['a', 'c']])
    'a'
    >>> instant_runoff([['x'], ['y']])
    'x'
    """
''', '''
from typing import Dict, List, Optional


def instant_runoff(ballots: List[List[str]]) -> Optional[str]:
    remaining = {name for ballot in ballots for name in ballot}
    while remaining:
        votes: Dict[str, int] = {name: 0 for name in remaining}
        for ballot in ballots:
            for name in ballot:
                if name in remaining:
                    votes[name] += 1
                    break
        counted = sum(votes.values())
        for name, n in votes.items():
            if 2 * n > counted:
                return name
        fewest = min(votes.values())
        remaining.remove(max(name for name, n in votes.items() if n == fewest))
    return None
''', r'''
assert instant_runoff([]) is None
assert instant_runoff([[], []]) is None
assert instant_runoff([['solo']]) == 'solo'
assert instant_runoff([['a'], ['b'], ['b', 'a'], ['c', 'a'], ['c', 'a']]) == 'b'
assert instant_runoff([['a', 'b'], ['b'], ['c'], ['c'], ['d', 'b']]) == 'b'
assert instant_runoff([['z', 'y'], ['y', 'z'], ['q']]) == 'y'
assert instant_runoff([['p', 'q'], ['q', 'p'], ['r', 'p'], ['p']]) == 'p'
''')

_task("ls_columns", "hard", '''
from typing import List


def ls_columns(names: List[str], width: int) -> List[str]:
    """Lay out names in columns, filled top to bottom, like the `ls` command.

    With r rows, the names (kept in the given order) fill the first column from top
    to bottom, then the second, and so on: every column holds r names except that the
    last one may hold fewer. Each column is as wide as its longest name and columns
    are separated by two spaces, so a line is as long as the sum of the column widths
    plus 2 * (columns - 1). Use the smallest r whose lines fit in width; if none does,
    use a single column. Names are padded with spaces to their column's width and
    trailing spaces are removed. Returns the lines; no names give [].

    >>> ls_columns(['a', 'bb', 'ccc', 'dd', 'e'], 12)
    ['a   ccc  e', 'bb  dd']
    >>> ls_columns(['alpha', 'beta'], 3)
    ['alpha', 'beta']
    """
''', '''
from typing import List


def ls_columns(names: List[str], width: int) -> List[str]:
    n = len(names)
    if n == 0:
        return []
    for rows in range(1, n + 1):
        cols = [names[i:i + rows] for i in range(0, n, rows)]
        widths = [max(len(x) for x in col) for col in cols]
        if sum(widths) + 2 * (len(cols) - 1) <= width:
            break
    lines = []
    for i in range(rows):
        cells = [col[i].ljust(w) for col, w in zip(cols, widths) if i < len(col)]
        lines.append("  ".join(cells).rstrip())
    return lines
''', r'''
assert ls_columns([], 80) == []
assert ls_columns(['x'], 0) == ['x']
assert ls_columns(['a', 'b', 'c'], 7) == ['a  b  c']
assert ls_columns(['a', 'b', 'c'], 6) == ['a  c', 'b']
assert ls_columns(['one', 'two', 'three', 'four'], 14) == ['one  three', 'two  four']
assert ls_columns(['aaaa', 'b', 'c', 'd', 'e'], 9) == ['aaaa  d', 'b     e', 'c']
assert ls_columns(['é', 'ü'], 4) == ['é  ü']
assert ls_columns(['long_name', 'x'], 5) == ['long_name', 'x']
''')

_task("round_robin", "hard", '''
from typing import Dict, List, Tuple


def round_robin(jobs: List[Tuple[str, int, int]], quantum: int) -> Dict[str, int]:
    """Simulate round-robin CPU scheduling and return each job's finishing time.

    jobs holds (name, arrival time, run time) with distinct names, integer times and
    run times >= 1. One CPU runs the job at the front of a ready queue for quantum
    time units (quantum >= 1), or less if the job finishes sooner. A job joins the back
    of the queue when it arrives; jobs arriving at the same time join in the order they
    are listed. A job that is stopped unfinished goes to the back of the queue, after
    every job that arrived up to and including that moment. When the queue is empty
    the CPU waits for the next arrival. Returns {name: finishing time}, keys in the
    order the jobs are listed.

    >>> round_robin([('A', 0, 5), ('B', 1, 3)], 2)
    {'A': 8, 'B': 7}
    >>> round_robin([('X', 3, 2), ('Y', 0, 1)], 4)
    {'X': 5, 'Y': 1}
    """
''', '''
from collections import deque
from typing import Deque, Dict, List, Tuple


def round_robin(jobs: List[Tuple[str, int, int]], quantum: int) -> Dict[str, int]:
    pending = sorted(range(len(jobs)), key=lambda i: (jobs[i][1], i))
    left = {name: run for name, _, run in jobs}
    finish: Dict[str, int] = {}
    queue: Deque[str] = deque()
    time, k = 0, 0

    def admit(upto: int) -> None:
        nonlocal k
        while k < len(pending) and jobs[pending[k]][1] <= upto:
            queue.append(jobs[pending[k]][0])
            k += 1

    while len(finish) < len(jobs):
        admit(time)
        if not queue:
            time = jobs[pending[k]][1]
            continue
        name = queue.popleft()
        ran = min(quantum, left[name])
        time += ran
        left[name] -= ran
        admit(time)
        if left[name] == 0:
            finish[name] = time
        else:
            queue.append(name)
    return {name: finish[name] for name, _, _ in jobs}
''', r'''
assert round_robin([], 3) == {}
assert round_robin([('A', 5, 3)], 1) == {'A': 8}
assert round_robin([('A', 0, 3), ('B', 0, 3)], 1) == {'A': 5, 'B': 6}
assert round_robin([('A', 0, 4), ('B', 2, 1)], 2) == {'A': 5, 'B': 3}
assert round_robin([('B', 0, 2), ('A', 0, 2)], 5) == {'B': 2, 'A': 4}
assert round_robin([('A', 0, 1), ('B', 10, 1), ('C', 10, 2)], 3) == {'A': 1, 'B': 11, 'C': 13}
assert round_robin([('A', 0, 7), ('B', 1, 2), ('C', 9, 1)], 3) == {'A': 9, 'B': 5, 'C': 10}
''')


# ---------------------------------------------------------------------------------------
# rows and self-check
# ---------------------------------------------------------------------------------------


def rows() -> list[dict[str, Any]]:
    """The benchmark rows (no reference, no visible tests beyond the docstring)."""
    return [
        {
            "id": f"dcode-{t['entry_point']}",
            "prompt": t["prompt"],
            "kind": "code",
            "entry_point": t["entry_point"],
            "hidden_tests": t["hidden_tests"],
            "metadata": {"category": "code", "difficulty": t["difficulty"]},
        }
        for t in TASKS
    ]


# Trivially wrong bodies that the hidden tests must each reject (besides returning the
# first argument unchanged, added per task).
TRIVIAL_BODIES = ("pass", "return None", "return ''", "return []", "return {}",
                  "return 0", "return False", "return True")


def _failures(source: str, name: str, lines: list[str]) -> int:
    """How many hidden-test lines fail against a candidate source."""
    namespace: dict[str, Any] = {"__name__": f"{SET_NAME}_{name}"}
    exec(compile(source, f"<candidate {name}>", "exec"), namespace)
    failed = 0
    for line in lines:
        try:
            exec(compile(line, f"<hidden {name}>", "exec"), namespace)
        except Exception:
            failed += 1
    return failed


def _check_task(task: dict[str, str]) -> list[str]:
    """The held-out set's checks of one task (``heldout_code._check_task``: the prompt,
    the reference's signature, 2-3 doctests and 5-8 hidden asserts that pass on it, no
    example repeated), and two more: no hidden line repeated, and every trivially wrong
    body fails at least one hidden assert."""
    name = task["entry_point"]
    problems = heldout_checks(task)
    lines = task["hidden_tests"].splitlines()
    if len(set(lines)) != len(lines):
        problems.append(f"{name}: hidden tests repeat a line")
    fn = _function(task["prompt"] + "    pass\n", name)
    if fn is None:
        return problems
    first_arg = fn.args.posonlyargs + fn.args.args
    bodies = list(TRIVIAL_BODIES) + ([f"return {first_arg[0].arg}"] if first_arg else [])
    for body in bodies:
        if not _failures(task["prompt"] + f"    {body}\n", name, lines):
            problems.append(f"{name}: hidden tests all pass on the trivial body {body!r}")
    return problems


def check() -> int:
    """Validate every task against its reference; return the number of tasks."""
    problems: list[str] = []
    names = [t["entry_point"] for t in TASKS]
    duplicates = sorted(n for n, c in Counter(names).items() if c > 1)
    if duplicates:
        problems.append(f"duplicate entry points: {duplicates}")
    for task in TASKS:
        problems.extend(_check_task(task))
    found = counts_by_difficulty()
    if found != EXPECTED_COUNTS:
        problems.append(f"difficulty counts {found} differ from {EXPECTED_COUNTS}")
    for row in rows():
        if "tests" in row or "reference" in row:
            problems.append(f"{row['id']}: row leaks tests or reference")
    if problems:
        raise AssertionError("dev code set is invalid:\n" + "\n".join(problems))
    return len(TASKS)


EXPECTED_COUNTS = {"easy": 14, "medium": 14, "hard": 8}


def counts_by_difficulty() -> dict[str, int]:
    found = Counter(t["difficulty"] for t in TASKS)
    return {d: found[d] for d in DIFFICULTIES}


def write_rows(path: Path = OUT) -> None:
    """Write :func:`rows` to ``path`` as JSON lines, in task order."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows()))


if __name__ == "__main__":
    n = check()
    write_rows()
    print(f"{Path(__file__).name}: {n} tasks OK {counts_by_difficulty()}; wrote {OUT.name}")
