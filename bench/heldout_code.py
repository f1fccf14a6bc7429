"""Frozen held-out set of 40 original function-completion coding tasks.

Each task gives the agent a prompt (imports, signature and a docstring with a precise
specification and 2-3 doctest examples, no body) and is scored with ``hidden_tests``:
5-8 ``assert`` lines on edge cases that are not the docstring examples. The reference
implementation is kept here for :func:`check` only and never goes into :func:`rows`.

The tasks were written for this set (15 easy, 15 medium, 10 hard); about a third carry a
subtle point of the specification that the docstring examples show (case, inclusive
bounds, tie order, empty input, ...).

``python bench/heldout_code.py`` validates every task with :func:`check` and prints the
count.
"""

from __future__ import annotations

import ast
import doctest
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

SET_NAME = "heldout_code"
DIFFICULTIES = ("easy", "medium", "hard")

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

_task("initials", "easy", '''
def initials(full_name: str) -> str:
    """Return the initials of a person's name.

    Each whitespace-separated word contributes its first character, upper-cased and
    followed by a period. Extra whitespace is ignored; a blank name gives ''.

    >>> initials('Ada Lovelace')
    'A.L.'
    >>> initials('  grace   brewster hopper ')
    'G.B.H.'
    """
''', '''
def initials(full_name: str) -> str:
    return "".join(word[0].upper() + "." for word in full_name.split())
''', r'''
assert initials('') == ''
assert initials('   ') == ''
assert initials('x') == 'X.'
assert initials('jean-luc picard') == 'J.P.'
assert initials('Émile Zola') == 'É.Z.'
assert initials('a\tb\nc') == 'A.B.C.'
''')

_task("strip_comment", "easy", '''
def strip_comment(line: str) -> str:
    """Remove a '#' comment from one line of a config file.

    The first '#' and everything after it are removed, then trailing whitespace is
    removed. Leading whitespace is kept. A line without '#' only loses its trailing
    whitespace.

    >>> strip_comment('x = 1  # set x')
    'x = 1'
    >>> strip_comment('    y = 2 # indented')
    '    y = 2'
    >>> strip_comment('# only a comment')
    ''
    """
''', '''
def strip_comment(line: str) -> str:
    return line.split("#", 1)[0].rstrip()
''', r'''
assert strip_comment('') == ''
assert strip_comment('no comment   ') == 'no comment'
assert strip_comment('a # b # c') == 'a'
assert strip_comment('   #') == ''
assert strip_comment('  keep  ') == '  keep'
assert strip_comment('key=value#tail') == 'key=value'
''')

_task("snake_to_camel", "easy", '''
def snake_to_camel(name: str) -> str:
    """Convert a snake_case identifier to camelCase.

    The name is split on '_' and empty parts are dropped. The first remaining part is
    lower-cased; every following part gets its first letter upper-cased and the rest
    lower-cased. If no part remains the result is ''.

    >>> snake_to_camel('user_first_name')
    'userFirstName'
    >>> snake_to_camel('__private__value')
    'privateValue'
    """
''', '''
def snake_to_camel(name: str) -> str:
    parts = [p for p in name.split("_") if p]
    if not parts:
        return ""
    return parts[0].lower() + "".join(p.capitalize() for p in parts[1:])
''', r'''
assert snake_to_camel('') == ''
assert snake_to_camel('___') == ''
assert snake_to_camel('a') == 'a'
assert snake_to_camel('HTTP_STATUS_CODE') == 'httpStatusCode'
assert snake_to_camel('x_y_z') == 'xYZ'
assert snake_to_camel('already') == 'already'
assert snake_to_camel('trailing_') == 'trailing'
''')

_task("chunk", "easy", '''
from typing import Any, List


def chunk(items: List[Any], size: int) -> List[List[Any]]:
    """Split items into consecutive chunks of length size (size >= 1).

    The last chunk may be shorter; an empty list gives no chunks.

    >>> chunk([1, 2, 3, 4, 5], 2)
    [[1, 2], [3, 4], [5]]
    >>> chunk([], 3)
    []
    """
''', '''
from typing import Any, List


def chunk(items: List[Any], size: int) -> List[List[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
''', r'''
assert chunk([1, 2, 3], 3) == [[1, 2, 3]]
assert chunk([1, 2, 3], 5) == [[1, 2, 3]]
assert chunk(['a', 'b'], 1) == [['a'], ['b']]
assert chunk([0, 1, 2, 3, 4, 5, 6], 3) == [[0, 1, 2], [3, 4, 5], [6]]
assert chunk([None], 1) == [[None]]
assert chunk([], 1) == []
''')

_task("mask_card", "easy", '''
def mask_card(number: str) -> str:
    """Mask a card number for display.

    Every digit except the last four digits is replaced by '*'. Characters that are
    not digits (spaces, dashes, ...) are kept where they are. A string with four
    digits or fewer is returned unchanged.

    >>> mask_card('4111 1111 1111 1234')
    '**** **** **** 1234'
    >>> mask_card('1234-5678-9')
    '****-*678-9'
    >>> mask_card('987')
    '987'
    """
''', '''
def mask_card(number: str) -> str:
    to_mask = sum(ch.isdigit() for ch in number) - 4
    out = []
    for ch in number:
        if ch.isdigit() and to_mask > 0:
            out.append("*")
            to_mask -= 1
        else:
            out.append(ch)
    return "".join(out)
''', r'''
assert mask_card('') == ''
assert mask_card('1234') == '1234'
assert mask_card('12345') == '*2345'
assert mask_card('1 2 3 4 5 6') == '* * 3 4 5 6'
assert mask_card('abc12345xyz') == 'abc*2345xyz'
assert mask_card('0000-0000') == '****-0000'
''')

_task("pluralize", "easy", '''
def pluralize(count: int, noun: str) -> str:
    """Return '<count> <noun>' with the noun in plural unless count is exactly 1.

    Plural rules: a noun ending in 's', 'x', 'z', 'ch' or 'sh' gets 'es'; a noun
    ending in 'y' preceded by a consonant changes 'y' to 'ies'; any other noun gets 's'.
    Zero and negative counts take the plural.

    >>> pluralize(1, 'apple')
    '1 apple'
    >>> pluralize(0, 'box')
    '0 boxes'
    >>> pluralize(3, 'city')
    '3 cities'
    """
''', '''
def pluralize(count: int, noun: str) -> str:
    if count == 1:
        return f"{count} {noun}"
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        plural = noun + "es"
    elif len(noun) >= 2 and noun.endswith("y") and noun[-2] not in "aeiou":
        plural = noun[:-1] + "ies"
    else:
        plural = noun + "s"
    return f"{count} {plural}"
''', r'''
assert pluralize(2, 'day') == '2 days'
assert pluralize(1, 'city') == '1 city'
assert pluralize(5, 'church') == '5 churches'
assert pluralize(-1, 'cat') == '-1 cats'
assert pluralize(2, 'bus') == '2 buses'
assert pluralize(10, 'dish') == '10 dishes'
assert pluralize(4, 'key') == '4 keys'
assert pluralize(2, 'buzz') == '2 buzzes'
''')

_task("running_total", "easy", '''
from typing import List


def running_total(nums: List[float]) -> List[float]:
    """Return the cumulative sums of nums: element i is nums[0] + ... + nums[i].

    >>> running_total([1, 2, 3, 4])
    [1, 3, 6, 10]
    >>> running_total([])
    []
    """
''', '''
from typing import List


def running_total(nums: List[float]) -> List[float]:
    out, total = [], 0
    for x in nums:
        total += x
        out.append(total)
    return out
''', r'''
assert running_total([5]) == [5]
assert running_total([-1, 1, -1]) == [-1, 0, -1]
assert running_total([0, 0]) == [0, 0]
assert running_total([1.5, 2.5]) == [1.5, 4.0]
assert running_total([10, -20, 30]) == [10, -10, 20]
''')

_task("days_in_month", "easy", '''
def days_in_month(year: int, month: int) -> int:
    """Return the number of days in a month (1-12) of a Gregorian-calendar year.

    February has 29 days in leap years: years divisible by 4, except century years,
    which are leap only when divisible by 400.

    >>> days_in_month(2023, 4)
    30
    >>> days_in_month(2024, 2)
    29
    >>> days_in_month(1900, 2)
    28
    """
''', '''
def days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31
''', r'''
assert days_in_month(2000, 2) == 29
assert days_in_month(2100, 2) == 28
assert days_in_month(2023, 2) == 28
assert days_in_month(2023, 1) == 31
assert days_in_month(2023, 12) == 31
assert days_in_month(2023, 9) == 30
assert days_in_month(2400, 2) == 29
''')

_task("interleave", "easy", '''
from typing import Any, List


def interleave(a: List[Any], b: List[Any]) -> List[Any]:
    """Alternate the elements of a and b, starting with a.

    When one list runs out, the rest of the other list is appended in order.

    >>> interleave([1, 2, 3], ['a', 'b'])
    [1, 'a', 2, 'b', 3]
    >>> interleave([], [7, 8])
    [7, 8]
    """
''', '''
from typing import Any, List


def interleave(a: List[Any], b: List[Any]) -> List[Any]:
    out = []
    for i in range(max(len(a), len(b))):
        if i < len(a):
            out.append(a[i])
        if i < len(b):
            out.append(b[i])
    return out
''', r'''
assert interleave([], []) == []
assert interleave([1], []) == [1]
assert interleave([1, 2], [3, 4]) == [1, 3, 2, 4]
assert interleave(['x'], ['y', 'z', 'w']) == ['x', 'y', 'z', 'w']
assert interleave([None, None], [0]) == [None, 0, None]
''')

_task("truncate", "easy", '''
def truncate(text: str, width: int) -> str:
    """Shorten text to at most width characters (width >= 3).

    Text that fits (len(text) <= width) is returned unchanged. Longer text is cut to
    its first width - 3 characters followed by '...', so the result is exactly width
    characters long.

    >>> truncate('Hello, world', 8)
    'Hello...'
    >>> truncate('Hello', 5)
    'Hello'
    """
''', '''
def truncate(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    return text[:width - 3] + "..."
''', r'''
assert truncate('', 3) == ''
assert truncate('abcd', 3) == '...'
assert truncate('abcd', 4) == 'abcd'
assert truncate('abcdef', 5) == 'ab...'
assert truncate('short', 100) == 'short'
assert truncate('exactly ten', 10) == 'exactly...'
''')

_task("count_in_range", "easy", '''
from typing import List


def count_in_range(nums: List[float], low: float, high: float) -> int:
    """Count the numbers x in nums with low <= x <= high (both bounds inclusive).

    If low > high the range is empty and the count is 0.

    >>> count_in_range([1, 5, 10, 15], 5, 10)
    2
    >>> count_in_range([3, 3, 3], 3, 3)
    3
    >>> count_in_range([1, 2, 3], 3, 1)
    0
    """
''', '''
from typing import List


def count_in_range(nums: List[float], low: float, high: float) -> int:
    return sum(1 for x in nums if low <= x <= high)
''', r'''
assert count_in_range([], 0, 10) == 0
assert count_in_range([-5, 0, 5], -5, 5) == 3
assert count_in_range([1.5, 2.5], 2, 3) == 1
assert count_in_range([10, 20, 30], 11, 19) == 0
assert count_in_range([0], 0, 0) == 1
assert count_in_range([7, 8, 9], 8, 100) == 2
''')

_task("group_by_initial", "easy", '''
from typing import Dict, List


def group_by_initial(words: List[str]) -> Dict[str, List[str]]:
    """Group words by their first letter, case-insensitively.

    The key is the lower-cased first character; each group keeps the words in their
    original order and spelling. Empty strings are skipped. Keys appear in the order
    in which they are first met.

    >>> group_by_initial(['apple', 'Banana', 'avocado', 'blueberry'])
    {'a': ['apple', 'avocado'], 'b': ['Banana', 'blueberry']}
    >>> group_by_initial([])
    {}
    """
''', '''
from typing import Dict, List


def group_by_initial(words: List[str]) -> Dict[str, List[str]]:
    groups: Dict[str, List[str]] = {}
    for word in words:
        if word:
            groups.setdefault(word[0].lower(), []).append(word)
    return groups
''', r'''
assert group_by_initial(['', 'x']) == {'x': ['x']}
assert group_by_initial(['', '']) == {}
assert group_by_initial(['Zed', 'zoo', 'Ant']) == {'z': ['Zed', 'zoo'], 'a': ['Ant']}
assert list(group_by_initial(['Zed', 'zoo', 'Ant'])) == ['z', 'a']
assert group_by_initial(['Echo', 'echo']) == {'e': ['Echo', 'echo']}
assert group_by_initial(['1st', '2nd', '1x']) == {'1': ['1st', '1x'], '2': ['2nd']}
''')

_task("hamming", "easy", '''
def hamming(a: str, b: str) -> int:
    """Count the positions at which two strings differ.

    Characters are compared position by position (case-sensitively). If the strings
    have different lengths, every extra character of the longer one counts as one
    difference.

    >>> hamming('karolin', 'kathrin')
    3
    >>> hamming('abc', 'abcde')
    2
    """
''', '''
def hamming(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
''', r'''
assert hamming('', '') == 0
assert hamming('', 'abc') == 3
assert hamming('same', 'same') == 0
assert hamming('abcd', 'dcba') == 4
assert hamming('A', 'a') == 1
assert hamming('xyz', 'x') == 2
''')

_task("seconds_to_hms", "easy", '''
def seconds_to_hms(seconds: int) -> str:
    """Format a non-negative number of seconds as 'HH:MM:SS'.

    Minutes and seconds are two digits; hours are at least two digits and are not
    wrapped at 24.

    >>> seconds_to_hms(3725)
    '01:02:05'
    >>> seconds_to_hms(0)
    '00:00:00'
    >>> seconds_to_hms(90000)
    '25:00:00'
    """
''', '''
def seconds_to_hms(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"
''', r'''
assert seconds_to_hms(59) == '00:00:59'
assert seconds_to_hms(60) == '00:01:00'
assert seconds_to_hms(3599) == '00:59:59'
assert seconds_to_hms(86399) == '23:59:59'
assert seconds_to_hms(86400) == '24:00:00'
assert seconds_to_hms(360000) == '100:00:00'
''')

_task("parse_bool", "easy", '''
from typing import Optional


def parse_bool(text: str) -> Optional[bool]:
    """Interpret a configuration value as a boolean.

    Surrounding whitespace is ignored and the comparison is case-insensitive:
    'true', 'yes', 'y', 'on' and '1' give True; 'false', 'no', 'n', 'off' and '0'
    give False; anything else gives None.

    >>> parse_bool('Yes')
    True
    >>> parse_bool('  off ')
    False
    >>> parse_bool('maybe') is None
    True
    """
''', '''
from typing import Optional


def parse_bool(text: str) -> Optional[bool]:
    value = text.strip().lower()
    if value in ("true", "yes", "y", "on", "1"):
        return True
    if value in ("false", "no", "n", "off", "0"):
        return False
    return None
''', r'''
assert parse_bool('TRUE') is True
assert parse_bool('1') is True
assert parse_bool('0') is False
assert parse_bool('') is None
assert parse_bool('n') is False
assert parse_bool('yess') is None
assert parse_bool('\tON\n') is True
''')

# ---------------------------------------------------------------------------------------
# medium
# ---------------------------------------------------------------------------------------

_task("parse_duration", "medium", '''
def parse_duration(text: str) -> int:
    """Convert a duration such as '1h30m' to a number of seconds.

    The text is a sequence of '<integer><unit>' pairs, the unit being 'h', 'm' or 's'
    in either case, optionally separated by whitespace. Units may come in any order
    and may repeat (their amounts add up). A blank string is 0 seconds.

    >>> parse_duration('1h30m')
    5400
    >>> parse_duration('45s')
    45
    >>> parse_duration('2m 10S')
    130
    """
''', '''
import re


def parse_duration(text: str) -> int:
    factor = {"h": 3600, "m": 60, "s": 1}
    return sum(int(n) * factor[u] for n, u in re.findall(r"(\\d+)\\s*([hms])", text.lower()))
''', r'''
assert parse_duration('') == 0
assert parse_duration('0h') == 0
assert parse_duration('1h1m1s') == 3661
assert parse_duration('90m') == 5400
assert parse_duration('1H 1H') == 7200
assert parse_duration('10s5m') == 310
assert parse_duration('  3m  ') == 180
''')

_task("day_of_year", "medium", '''
def day_of_year(date: str) -> int:
    """Return the day number within its year (1-366) of a 'YYYY-MM-DD' date.

    Gregorian calendar: leap years are divisible by 4, except century years that are
    not divisible by 400.

    >>> day_of_year('2023-01-01')
    1
    >>> day_of_year('2024-03-01')
    61
    >>> day_of_year('2023-03-01')
    60
    """
''', '''
def day_of_year(date: str) -> int:
    year, month, day = (int(p) for p in date.split("-"))
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    lengths = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return sum(lengths[:month - 1]) + day
''', r'''
assert day_of_year('2023-12-31') == 365
assert day_of_year('2024-12-31') == 366
assert day_of_year('2000-02-29') == 60
assert day_of_year('1900-03-01') == 60
assert day_of_year('2024-02-01') == 32
assert day_of_year('2021-07-04') == 185
''')

_task("top_words", "medium", '''
from typing import List


def top_words(text: str, k: int) -> List[str]:
    """Return the k most frequent words of text, most frequent first.

    A word is a maximal run of ASCII letters; words are compared case-insensitively and
    returned in lower case (digits, apostrophes and punctuation separate words).
    Words with equal counts are ordered alphabetically. If there are fewer than k
    distinct words, all of them are returned.

    >>> top_words('the cat and the hat and the bat', 2)
    ['the', 'and']
    >>> top_words('b a c b a', 3)
    ['a', 'b', 'c']
    >>> top_words('Dog dog DOG!', 5)
    ['dog']
    """
''', '''
import re
from collections import Counter
from typing import List


def top_words(text: str, k: int) -> List[str]:
    counts = Counter(re.findall(r"[a-z]+", text.lower()))
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    return ranked[:k]
''', r'''
assert top_words('', 3) == []
assert top_words('x y z', 0) == []
assert top_words('one two two three three three', 1) == ['three']
assert top_words("it's it is", 2) == ['it', 'is']
assert top_words('a1b2a3', 2) == ['a', 'b']
assert top_words('Zeta alpha zeta Alpha beta', 3) == ['alpha', 'zeta', 'beta']
''')

_task("normalize_path", "medium", '''
def normalize_path(path: str) -> str:
    """Return the canonical form of an absolute Unix-style path.

    Repeated slashes count as one, '.' segments are dropped and '..' removes the
    previous segment ('..' at the root stays at the root). The result starts with '/'
    and has no trailing slash, except for the root itself, '/'. Names made only of
    dots other than '.' and '..' (such as '...') are ordinary names.

    >>> normalize_path('/a/./b/../c/')
    '/a/c'
    >>> normalize_path('/../x//y')
    '/x/y'
    >>> normalize_path('/')
    '/'
    """
''', '''
def normalize_path(path: str) -> str:
    stack = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if stack:
                stack.pop()
        else:
            stack.append(part)
    return "/" + "/".join(stack)
''', r'''
assert normalize_path('//') == '/'
assert normalize_path('/a/b/c') == '/a/b/c'
assert normalize_path('/a/..') == '/'
assert normalize_path('/a/../../b') == '/b'
assert normalize_path('/...') == '/...'
assert normalize_path('/a/./././b/') == '/a/b'
assert normalize_path('/home//user/../docs') == '/home/docs'
''')

_task("parse_query", "medium", '''
from typing import Dict, List


def parse_query(qs: str) -> Dict[str, List[str]]:
    """Parse a URL query string into a dict mapping each key to its list of values.

    A leading '?' is ignored. Pairs are separated by '&' and empty pairs are skipped.
    Each pair is split at its first '='; a pair without '=' has the value ''. In keys
    and values '+' stands for a space (no other decoding). Values keep their order;
    keys appear in the order first met.

    >>> parse_query('a=1&b=2&a=3')
    {'a': ['1', '3'], 'b': ['2']}
    >>> parse_query('?q=hello+world&flag')
    {'q': ['hello world'], 'flag': ['']}
    """
''', '''
from typing import Dict, List


def parse_query(qs: str) -> Dict[str, List[str]]:
    if qs.startswith("?"):
        qs = qs[1:]
    result: Dict[str, List[str]] = {}
    for pair in qs.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        result.setdefault(key.replace("+", " "), []).append(value.replace("+", " "))
    return result
''', r'''
assert parse_query('') == {}
assert parse_query('?') == {}
assert parse_query('x=1=2') == {'x': ['1=2']}
assert parse_query('&&a=&') == {'a': ['']}
assert parse_query('k=v') == {'k': ['v']}
assert parse_query('first+name=Jo+Ann') == {'first name': ['Jo Ann']}
assert list(parse_query('b=1&a=2&b=3')) == ['b', 'a']
''')

_task("rotate_clockwise", "medium", '''
from typing import Any, List


def rotate_clockwise(matrix: List[List[Any]]) -> List[List[Any]]:
    """Return a new matrix: the given one rotated 90 degrees clockwise.

    The matrix is a list of equal-length rows and need not be square; an R x C matrix
    becomes C x R. An empty matrix gives []. The input is not modified.

    >>> rotate_clockwise([[1, 2], [3, 4]])
    [[3, 1], [4, 2]]
    >>> rotate_clockwise([[1, 2, 3]])
    [[1], [2], [3]]
    """
''', '''
from typing import Any, List


def rotate_clockwise(matrix: List[List[Any]]) -> List[List[Any]]:
    return [list(row) for row in zip(*matrix[::-1])]
''', r'''
assert rotate_clockwise([]) == []
assert rotate_clockwise([[5]]) == [[5]]
assert rotate_clockwise([[1], [2], [3]]) == [[3, 2, 1]]
assert rotate_clockwise([[1, 2, 3], [4, 5, 6]]) == [[4, 1], [5, 2], [6, 3]]
assert rotate_clockwise([[1, 2, 3], [4, 5, 6], [7, 8, 9]]) == [[7, 4, 1], [8, 5, 2], [9, 6, 3]]
assert rotate_clockwise([['a', 'b'], ['c', 'd'], ['e', 'f']]) == [['e', 'c', 'a'], ['f', 'd', 'b']]
''')

_task("compress_ranges", "medium", '''
from typing import List


def compress_ranges(nums: List[int]) -> str:
    """Describe a collection of non-negative integers as comma-separated ranges.

    The numbers are taken in increasing order without duplicates (the input may be
    unsorted and repeat values). A run of two or more consecutive integers is written
    'start-end'; a lone number is written by itself. No spaces; empty input gives ''.

    >>> compress_ranges([1, 2, 3, 5, 7, 8])
    '1-3,5,7-8'
    >>> compress_ranges([4, 2, 3, 3, 10])
    '2-4,10'
    >>> compress_ranges([])
    ''
    """
''', '''
from typing import List


def compress_ranges(nums: List[int]) -> str:
    values = sorted(set(nums))
    parts = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        parts.append(str(values[i]) if i == j else f"{values[i]}-{values[j]}")
        i = j + 1
    return ",".join(parts)
''', r'''
assert compress_ranges([0]) == '0'
assert compress_ranges([5, 5, 5]) == '5'
assert compress_ranges([1, 3, 5]) == '1,3,5'
assert compress_ranges([9, 8, 7, 6]) == '6-9'
assert compress_ranges([0, 1, 100, 101, 102, 50]) == '0-1,50,100-102'
assert compress_ranges([2, 1]) == '1-2'
''')

_task("wrap_text", "medium", '''
from typing import List


def wrap_text(text: str, width: int) -> List[str]:
    """Greedily wrap text into lines of at most width characters.

    Words are the whitespace-separated pieces of text. Words are placed in order; a
    word joins the current line (after a single space) if the line stays within
    width, otherwise it starts a new line. A word longer than width is put on a line
    of its own, unbroken. Text without words gives [].

    >>> wrap_text('the quick brown fox jumps', 10)
    ['the quick', 'brown fox', 'jumps']
    >>> wrap_text('a extraordinarily b', 5)
    ['a', 'extraordinarily', 'b']
    """
''', '''
from typing import List


def wrap_text(text: str, width: int) -> List[str]:
    lines: List[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            if current:
                lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines
''', r'''
assert wrap_text('', 5) == []
assert wrap_text('   ', 5) == []
assert wrap_text('hello', 5) == ['hello']
assert wrap_text('hello world', 11) == ['hello world']
assert wrap_text('hello world', 10) == ['hello', 'world']
assert wrap_text('a b c d', 3) == ['a b', 'c d']
assert wrap_text('one  two\nthree', 20) == ['one two three']
''')

_task("moving_average", "medium", '''
from typing import List


def moving_average(values: List[float], window: int) -> List[float]:
    """Return the averages of every run of window consecutive values (window >= 1).

    Only full windows count, in order, so the result has len(values) - window + 1
    elements, or none when window is larger than the number of values. The averages
    are floats.

    >>> moving_average([1, 2, 3, 4, 5], 3)
    [2.0, 3.0, 4.0]
    >>> moving_average([10, 20], 3)
    []
    """
''', '''
from typing import List


def moving_average(values: List[float], window: int) -> List[float]:
    return [sum(values[i:i + window]) / window for i in range(len(values) - window + 1)]
''', r'''
assert moving_average([4], 1) == [4.0]
assert moving_average([1, 2], 2) == [1.5]
assert moving_average([], 1) == []
assert moving_average([1, 1, 1, 1], 2) == [1.0, 1.0, 1.0]
assert moving_average([0, 10, 0, 10], 2) == [5.0, 5.0, 5.0]
assert moving_average([-3, 3], 1) == [-3.0, 3.0]
''')

_task("add_days", "medium", '''
def add_days(date: str, days: int) -> str:
    """Return the 'YYYY-MM-DD' date that is days days after date (Gregorian calendar).

    days may be zero or negative.

    >>> add_days('2024-02-28', 1)
    '2024-02-29'
    >>> add_days('2023-12-31', 1)
    '2024-01-01'
    >>> add_days('2024-03-01', -1)
    '2024-02-29'
    """
''', '''
import datetime


def add_days(date: str, days: int) -> str:
    start = datetime.date.fromisoformat(date)
    return (start + datetime.timedelta(days=days)).isoformat()
''', r'''
assert add_days('2023-02-28', 1) == '2023-03-01'
assert add_days('2024-01-01', 366) == '2025-01-01'
assert add_days('2000-01-01', 0) == '2000-01-01'
assert add_days('2024-01-31', -31) == '2023-12-31'
assert add_days('1999-12-31', 1) == '2000-01-01'
assert add_days('2024-05-15', 100) == '2024-08-23'
assert add_days('1900-02-28', 1) == '1900-03-01'
''')

_task("fill_template", "medium", '''
from typing import Any, Dict


def fill_template(template: str, values: Dict[str, Any]) -> str:
    """Replace each {name} placeholder in template by str(values[name]).

    A placeholder is '{', one or more ASCII letters, digits or underscores, then '}'.
    Placeholders whose name is not in values are left exactly as they are; braces
    that do not form a placeholder are ordinary text.

    >>> fill_template('Hi {name}, you are {age}.', {'name': 'Ann', 'age': 30})
    'Hi Ann, you are 30.'
    >>> fill_template('{a}{b}{a}', {'a': 1})
    '1{b}1'
    """
''', '''
import re
from typing import Any, Dict


def fill_template(template: str, values: Dict[str, Any]) -> str:
    def replace(match: "re.Match[str]") -> str:
        name = match.group(1)
        return str(values[name]) if name in values else match.group(0)

    return re.sub(r"\\{([A-Za-z0-9_]+)\\}", replace, template)
''', r'''
assert fill_template('', {}) == ''
assert fill_template('no placeholders', {'x': 1}) == 'no placeholders'
assert fill_template('{ x }', {'x': 1}) == '{ x }'
assert fill_template('{x_1}', {'x_1': 'ok'}) == 'ok'
assert fill_template('{{x}}', {'x': 5}) == '{5}'
assert fill_template('{x}', {'x': None}) == 'None'
assert fill_template('{}', {'': 1}) == '{}'
''')

_task("is_valid_isbn10", "medium", '''
def is_valid_isbn10(code: str) -> bool:
    """Check an ISBN-10 code.

    Hyphens and spaces are removed first. What remains must be exactly 10 characters:
    nine digits followed by a digit or 'X' (either case), which stands for 10. With
    d1..d10 the values, the code is valid when 10*d1 + 9*d2 + ... + 1*d10 is divisible
    by 11.

    >>> is_valid_isbn10('0-306-40615-2')
    True
    >>> is_valid_isbn10('0-306-40615-3')
    False
    >>> is_valid_isbn10('0-8044-2957-X')
    True
    """
''', '''
def is_valid_isbn10(code: str) -> bool:
    s = code.replace("-", "").replace(" ", "")
    if len(s) != 10 or not s[:9].isdigit():
        return False
    if s[9] in "Xx":
        last = 10
    elif s[9].isdigit():
        last = int(s[9])
    else:
        return False
    digits = [int(c) for c in s[:9]] + [last]
    return sum((10 - i) * d for i, d in enumerate(digits)) % 11 == 0
''', r'''
assert is_valid_isbn10('') is False
assert is_valid_isbn10('030640615') is False
assert is_valid_isbn10('0306406152') is True
assert is_valid_isbn10('X306406152') is False
assert is_valid_isbn10('0 306 40615 2') is True
assert is_valid_isbn10('080442957x') is True
assert is_valid_isbn10('03064061522') is False
assert is_valid_isbn10('0-306-4O615-2') is False
''')

_task("merge_counts", "medium", '''
from typing import Dict, List


def merge_counts(dicts: List[Dict[str, int]]) -> Dict[str, int]:
    """Add up several dicts of counts key by key.

    Keys appear in the order in which they are first met; keys whose total is 0 are
    left out.

    >>> merge_counts([{'a': 1, 'b': 2}, {'b': 3, 'c': 4}])
    {'a': 1, 'b': 5, 'c': 4}
    >>> merge_counts([{'x': 2}, {'x': -2, 'y': 1}])
    {'y': 1}
    """
''', '''
from typing import Dict, List


def merge_counts(dicts: List[Dict[str, int]]) -> Dict[str, int]:
    total: Dict[str, int] = {}
    for d in dicts:
        for key, value in d.items():
            total[key] = total.get(key, 0) + value
    return {k: v for k, v in total.items() if v != 0}
''', r'''
assert merge_counts([]) == {}
assert merge_counts([{}]) == {}
assert merge_counts([{'a': 0}]) == {}
assert merge_counts([{'a': 1}, {'a': 1}, {'a': 1}]) == {'a': 3}
assert list(merge_counts([{'b': 1}, {'a': 1, 'b': 1}])) == ['b', 'a']
assert merge_counts([{'k': -5}]) == {'k': -5}
''')

_task("split_bill", "medium", '''
from typing import List


def split_bill(total_cents: int, people: int) -> List[int]:
    """Split a non-negative amount of cents between people (people >= 1).

    The shares sum to total_cents and differ from each other by at most one cent.
    The larger shares come first.

    >>> split_bill(1000, 3)
    [334, 333, 333]
    >>> split_bill(2, 4)
    [1, 1, 0, 0]
    """
''', '''
from typing import List


def split_bill(total_cents: int, people: int) -> List[int]:
    base, extra = divmod(total_cents, people)
    return [base + 1] * extra + [base] * (people - extra)
''', r'''
assert split_bill(0, 2) == [0, 0]
assert split_bill(7, 1) == [7]
assert split_bill(1001, 2) == [501, 500]
assert split_bill(10, 4) == [3, 3, 2, 2]
assert split_bill(99, 10) == [10, 10, 10, 10, 10, 10, 10, 10, 10, 9]
assert split_bill(5, 5) == [1, 1, 1, 1, 1]
''')

_task("unflatten", "medium", '''
from typing import Any, Dict


def unflatten(flat: Dict[str, Any]) -> Dict[str, Any]:
    """Turn a dict with dotted keys into nested dicts.

    A key 'a.b.c' with value v becomes result['a']['b']['c'] = v. Keys without a dot
    stay at the top level. Values are stored as they are (they are not unflattened).
    Assume no key is both a value and a prefix of another key.

    >>> unflatten({'a.b': 1, 'a.c': 2, 'd': 3})
    {'a': {'b': 1, 'c': 2}, 'd': 3}
    >>> unflatten({'x.y.z': 0})
    {'x': {'y': {'z': 0}}}
    """
''', '''
from typing import Any, Dict


def unflatten(flat: Dict[str, Any]) -> Dict[str, Any]:
    result: Dict[str, Any] = {}
    for key, value in flat.items():
        *parents, last = key.split(".")
        node = result
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return result
''', r'''
assert unflatten({}) == {}
assert unflatten({'a': 1}) == {'a': 1}
assert unflatten({'a.b.c': 1, 'a.b.d': 2, 'a.e': 3}) == {'a': {'b': {'c': 1, 'd': 2}, 'e': 3}}
assert unflatten({'k': [1, 2]}) == {'k': [1, 2]}
assert unflatten({'p.q': None}) == {'p': {'q': None}}
assert unflatten({'m': {'n.o': 1}}) == {'m': {'n.o': 1}}
''')

# ---------------------------------------------------------------------------------------
# hard
# ---------------------------------------------------------------------------------------

_task("spiral_order", "hard", '''
from typing import Any, List


def spiral_order(matrix: List[List[Any]]) -> List[Any]:
    """Return the elements of a matrix in clockwise spiral order.

    Start at the top-left corner, go right along the top row, down the right column,
    left along the bottom row, up the left column, and continue inwards. The matrix is
    a list of equal-length rows, not necessarily square; an empty matrix gives [].

    >>> spiral_order([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    [1, 2, 3, 6, 9, 8, 7, 4, 5]
    >>> spiral_order([[1, 2], [3, 4], [5, 6]])
    [1, 2, 4, 6, 5, 3]
    """
''', '''
from typing import Any, List


def spiral_order(matrix: List[List[Any]]) -> List[Any]:
    rows = [list(r) for r in matrix]
    out: List[Any] = []
    while rows:
        out.extend(rows.pop(0))
        rows = [list(r) for r in zip(*rows)][::-1]
    return out
''', r'''
assert spiral_order([]) == []
assert spiral_order([[1]]) == [1]
assert spiral_order([[1, 2, 3, 4]]) == [1, 2, 3, 4]
assert spiral_order([[1], [2], [3]]) == [1, 2, 3]
assert spiral_order([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]) == [1, 2, 3, 4, 8, 12, 11, 10, 9, 5, 6, 7]
assert spiral_order([[1, 2], [3, 4]]) == [1, 2, 4, 3]
''')

_task("eval_rpn", "hard", '''
from typing import List


def eval_rpn(tokens: List[str]) -> int:
    """Evaluate an integer expression in reverse Polish notation.

    Tokens are integers (possibly negative, like '-3') or one of the operators '+',
    '-', '*', '/'. An operator applies to the two most recent values (left operand
    first). Division truncates toward zero. The expression is well-formed.

    >>> eval_rpn(['2', '3', '+', '4', '*'])
    20
    >>> eval_rpn(['7', '-2', '/'])
    -3
    >>> eval_rpn(['5'])
    5
    """
''', '''
from typing import List


def eval_rpn(tokens: List[str]) -> int:
    stack: List[int] = []
    for tok in tokens:
        if tok in ("+", "-", "*", "/"):
            b, a = stack.pop(), stack.pop()
            if tok == "+":
                stack.append(a + b)
            elif tok == "-":
                stack.append(a - b)
            elif tok == "*":
                stack.append(a * b)
            else:
                q = abs(a) // abs(b)
                stack.append(q if (a < 0) == (b < 0) else -q)
        else:
            stack.append(int(tok))
    return stack[-1]
''', r'''
assert eval_rpn(['-7', '2', '/']) == -3
assert eval_rpn(['10', '3', '-']) == 7
assert eval_rpn(['3', '10', '-']) == -7
assert eval_rpn(['4', '13', '5', '/', '+']) == 6
assert eval_rpn(['1', '2', '3', '*', '+', '4', '-']) == 3
assert eval_rpn(['0', '5', '/']) == 0
assert eval_rpn(['-8', '-3', '/']) == 2
''')

_task("shortest_path", "hard", '''
from typing import List


def shortest_path(grid: List[str]) -> int:
    """Return the fewest moves from the top-left to the bottom-right cell of a grid.

    The grid is a list of equal-length strings; '.' is open and '#' is a wall. A move
    goes to an open cell up, down, left or right (no diagonals, no leaving the grid).
    Return -1 if the grid is empty, if either corner is a wall, or if the target
    cannot be reached. A 1 x 1 open grid needs 0 moves.

    >>> shortest_path(['..#', '#..', '...'])
    4
    >>> shortest_path(['.#', '#.'])
    -1
    >>> shortest_path(['.'])
    0
    """
''', '''
from collections import deque
from typing import List


def shortest_path(grid: List[str]) -> int:
    if not grid or not grid[0]:
        return -1
    rows, cols = len(grid), len(grid[0])
    if grid[0][0] == "#" or grid[-1][-1] == "#":
        return -1
    dist = {(0, 0): 0}
    queue = deque([(0, 0)])
    while queue:
        r, c = queue.popleft()
        if (r, c) == (rows - 1, cols - 1):
            return dist[(r, c)]
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if 0 <= nr < rows and 0 <= nc < cols and grid[nr][nc] == "." and (nr, nc) not in dist:
                dist[(nr, nc)] = dist[(r, c)] + 1
                queue.append((nr, nc))
    return -1
''', r'''
assert shortest_path(['#']) == -1
assert shortest_path(['..', '..']) == 2
assert shortest_path(['...', '.#.', '...']) == 4
assert shortest_path(['.#...', '.#.#.', '...#.']) == 10
assert shortest_path(['..', '.#']) == -1
assert shortest_path(['....']) == 3
assert shortest_path([]) == -1
''')

_task("edit_distance", "hard", '''
def edit_distance(a: str, b: str) -> int:
    """Return the minimum number of single-character edits turning a into b.

    An edit inserts one character, deletes one character or replaces one character
    by another; each costs 1. Comparison is case-sensitive.

    >>> edit_distance('kitten', 'sitting')
    3
    >>> edit_distance('', 'abc')
    3
    """
''', '''
def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
''', r'''
assert edit_distance('', '') == 0
assert edit_distance('abc', 'abc') == 0
assert edit_distance('abc', '') == 3
assert edit_distance('flaw', 'lawn') == 2
assert edit_distance('intention', 'execution') == 5
assert edit_distance('a', 'A') == 1
assert edit_distance('ab', 'ba') == 2
''')

_task("build_order", "hard", '''
from typing import Dict, List, Optional


def build_order(deps: Dict[str, List[str]]) -> Optional[List[str]]:
    """Order tasks so that every task comes after all of its prerequisites.

    deps maps a task to the list of tasks it needs first; tasks that appear only as
    prerequisites are tasks too. Whenever several tasks are ready (all prerequisites
    placed), the alphabetically smallest is placed next. If the dependencies contain
    a cycle, return None.

    >>> build_order({'app': ['lib', 'utils'], 'lib': ['utils'], 'utils': []})
    ['utils', 'lib', 'app']
    >>> build_order({'b': [], 'a': [], 'c': ['b']})
    ['a', 'b', 'c']
    >>> build_order({'x': ['y'], 'y': ['x']}) is None
    True
    """
''', '''
import heapq
from typing import Dict, List, Optional


def build_order(deps: Dict[str, List[str]]) -> Optional[List[str]]:
    needs = {task: set(pre) for task, pre in deps.items()}
    for pre in deps.values():
        for p in pre:
            needs.setdefault(p, set())
    users: Dict[str, List[str]] = {t: [] for t in needs}
    for task, pre in needs.items():
        for p in pre:
            users[p].append(task)
    waiting = {t: len(pre) for t, pre in needs.items()}
    ready = [t for t, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        task = heapq.heappop(ready)
        order.append(task)
        for user in users[task]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, user)
    return order if len(order) == len(needs) else None
''', r'''
assert build_order({}) == []
assert build_order({'a': ['b']}) == ['b', 'a']
assert build_order({'z': [], 'y': [], 'x': []}) == ['x', 'y', 'z']
assert build_order({'a': ['a']}) is None
assert build_order({'d': ['b', 'c'], 'b': ['a'], 'c': ['a']}) == ['a', 'b', 'c', 'd']
assert build_order({'c': ['a'], 'b': []}) == ['a', 'b', 'c']
assert build_order({'a': ['b'], 'b': ['c'], 'c': ['a'], 'd': []}) is None
''')

_task("evaluate", "hard", '''
def evaluate(expr: str) -> int:
    """Evaluate an integer arithmetic expression given as a string.

    The expression contains non-negative integer literals, the binary operators '+',
    '-' and '*', unary minus, parentheses and spaces. '*' binds tighter than '+' and
    '-'; operators of equal precedence group from left to right; unary minus applies
    to the number or parenthesised group right after it. The expression is
    well-formed. Do not use eval().

    >>> evaluate('2 + 3 * 4')
    14
    >>> evaluate('(2 + 3) * 4')
    20
    >>> evaluate('10 - 4 - 3')
    3
    """
''', '''
def evaluate(expr: str) -> int:
    s = expr.replace(" ", "")
    pos = 0

    def parse_sum() -> int:
        nonlocal pos
        value = parse_product()
        while pos < len(s) and s[pos] in "+-":
            op = s[pos]
            pos += 1
            rhs = parse_product()
            value = value + rhs if op == "+" else value - rhs
        return value

    def parse_product() -> int:
        nonlocal pos
        value = parse_unary()
        while pos < len(s) and s[pos] == "*":
            pos += 1
            value *= parse_unary()
        return value

    def parse_unary() -> int:
        nonlocal pos
        if s[pos] == "-":
            pos += 1
            return -parse_unary()
        if s[pos] == "(":
            pos += 1
            value = parse_sum()
            pos += 1
            return value
        start = pos
        while pos < len(s) and s[pos].isdigit():
            pos += 1
        return int(s[start:pos])

    return parse_sum()
''', r'''
assert evaluate('7') == 7
assert evaluate('-3 + 5') == 2
assert evaluate('2*(3+(4-1))*2') == 24
assert evaluate(' 100 ') == 100
assert evaluate('-(2+3)') == -5
assert evaluate('1-2*3-4') == -9
assert evaluate('((((9))))') == 9
assert evaluate('2*-3') == -6
''')

_task("life_step", "hard", '''
from typing import List


def life_step(grid: List[str]) -> List[str]:
    """Advance Conway's Game of Life by one generation.

    The grid is a list of equal-length strings, '#' for a live cell and '.' for a dead
    one; cells outside the grid are dead (no wrap-around). A live cell with 2 or 3 live
    neighbours (of its 8) stays alive, otherwise it dies; a dead cell with exactly 3
    live neighbours becomes alive. Return the new grid in the same format.

    >>> life_step(['.....', '..#..', '..#..', '..#..', '.....'])
    ['.....', '.....', '.###.', '.....', '.....']
    >>> life_step(['##', '##'])
    ['##', '##']
    """
''', '''
from typing import List


def life_step(grid: List[str]) -> List[str]:
    rows = len(grid)
    out = []
    for r in range(rows):
        cols = len(grid[r])
        line = []
        for c in range(cols):
            n = sum(
                grid[rr][cc] == "#"
                for rr in range(max(0, r - 1), min(rows, r + 2))
                for cc in range(max(0, c - 1), min(cols, c + 2))
                if (rr, cc) != (r, c)
            )
            alive = grid[r][c] == "#"
            line.append("#" if n == 3 or (alive and n == 2) else ".")
        out.append("".join(line))
    return out
''', r'''
assert life_step([]) == []
assert life_step(['#']) == ['.']
assert life_step(['...', '...']) == ['...', '...']
assert life_step(['###']) == ['.#.']
assert life_step(['#..', '.#.', '..#']) == ['...', '.#.', '...']
assert life_step(['.#.', '.#.', '.#.']) == ['...', '###', '...']
assert life_step(['##.', '#..', '...']) == ['##.', '##.', '...']
''')

_task("count_change", "hard", '''
from typing import List


def count_change(amount: int, coins: List[int]) -> int:
    """Count the ways to pay amount with coins of the given distinct positive values.

    Every coin value may be used any number of times. Ways that differ only in the
    order of the coins are the same way. There is exactly one way to pay 0 (no coins).

    >>> count_change(5, [1, 2, 5])
    4
    >>> count_change(3, [2])
    0
    >>> count_change(0, [7])
    1
    """
''', '''
from typing import List


def count_change(amount: int, coins: List[int]) -> int:
    ways = [1] + [0] * amount
    for coin in coins:
        for total in range(coin, amount + 1):
            ways[total] += ways[total - coin]
    return ways[amount]
''', r'''
assert count_change(10, [10]) == 1
assert count_change(4, [1, 2, 3]) == 4
assert count_change(100, [1, 5, 10, 25, 50]) == 292
assert count_change(7, []) == 0
assert count_change(0, []) == 1
assert count_change(11, [5, 7]) == 0
assert count_change(12, [5, 7]) == 1
''')

_task("lru_misses", "hard", '''
from typing import Hashable, List


def lru_misses(capacity: int, requests: List[Hashable]) -> int:
    """Count the cache misses of a least-recently-used cache serving requests in order.

    The cache holds at most capacity items and starts empty. A request for an item in
    the cache is a hit and makes it the most recently used. Otherwise it is a miss:
    the item is added and, if the cache is over capacity, the least recently used
    item is evicted. With capacity 0 every request is a miss.

    >>> lru_misses(2, ['a', 'b', 'a', 'c', 'b'])
    4
    >>> lru_misses(0, [1, 1])
    2
    >>> lru_misses(3, [])
    0
    """
''', '''
from collections import OrderedDict
from typing import Hashable, List


def lru_misses(capacity: int, requests: List[Hashable]) -> int:
    cache: "OrderedDict[Hashable, None]" = OrderedDict()
    misses = 0
    for item in requests:
        if item in cache:
            cache.move_to_end(item)
            continue
        misses += 1
        if capacity > 0:
            cache[item] = None
            if len(cache) > capacity:
                cache.popitem(last=False)
    return misses
''', r'''
assert lru_misses(1, [1, 1, 1]) == 1
assert lru_misses(1, [1, 2, 1, 2]) == 4
assert lru_misses(2, [1, 2, 1, 3, 1, 2]) == 4
assert lru_misses(3, ['x', 'y', 'z', 'x', 'w', 'y']) == 5
assert lru_misses(5, [1, 2, 3, 1, 2, 3]) == 3
assert lru_misses(2, [1, 2, 3, 1, 2, 3]) == 6
''')

_task("parse_csv_line", "hard", '''
from typing import List


def parse_csv_line(line: str) -> List[str]:
    """Split one line of CSV text into its fields.

    Fields are separated by commas. A field that starts with a double quote is
    quoted: it runs to the matching closing quote, commas inside it are part of the
    field, and two double quotes in a row inside it stand for one double quote; the
    surrounding quotes are not part of the value. A closing quote is followed by a
    comma or the end of the line. Unquoted fields are taken exactly as written (no
    trimming). An empty line is one empty field.

    >>> parse_csv_line('a,b,c')
    ['a', 'b', 'c']
    >>> parse_csv_line('1,"Smith, John",x')
    ['1', 'Smith, John', 'x']
    >>> parse_csv_line('x,"a ""b"" c",,end')
    ['x', 'a "b" c', '', 'end']
    """
''', '''
from typing import List


def parse_csv_line(line: str) -> List[str]:
    fields: List[str] = []
    i, n = 0, len(line)
    while True:
        if i < n and line[i] == '"':
            i += 1
            buf = []
            while i < n:
                if line[i] == '"':
                    if i + 1 < n and line[i + 1] == '"':
                        buf.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(line[i])
                i += 1
            fields.append("".join(buf))
        else:
            j = line.find(",", i)
            end = n if j == -1 else j
            fields.append(line[i:end])
            i = end
        if i >= n:
            return fields
        i += 1
''', r'''
assert parse_csv_line('') == ['']
assert parse_csv_line(',') == ['', '']
assert parse_csv_line('a, b') == ['a', ' b']
assert parse_csv_line('""') == ['']
assert parse_csv_line('"a,b"') == ['a,b']
assert parse_csv_line('"""",x') == ['"', 'x']
assert parse_csv_line('x,"",y') == ['x', '', 'y']
assert parse_csv_line('a,') == ['a', '']
''')


# ---------------------------------------------------------------------------------------
# rows and self-check
# ---------------------------------------------------------------------------------------


def rows() -> list[dict[str, Any]]:
    """The benchmark rows (no reference, no visible tests beyond the docstring)."""
    return [
        {
            "id": f"hcode-{t['entry_point']}",
            "prompt": t["prompt"],
            "kind": "code",
            "entry_point": t["entry_point"],
            "hidden_tests": t["hidden_tests"],
            "metadata": {"category": "code", "difficulty": t["difficulty"]},
        }
        for t in TASKS
    ]


def _function(source: str, name: str) -> ast.FunctionDef | None:
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def _check_task(task: dict[str, str]) -> list[str]:
    name = task["entry_point"]
    problems: list[str] = []

    def bad(msg: str) -> None:
        problems.append(f"{name}: {msg}")

    if task["difficulty"] not in DIFFICULTIES:
        bad(f"unknown difficulty {task['difficulty']!r}")

    # (3) the prompt parses once a body is appended, and holds only signature + docstring
    stub = task["prompt"] + "    pass\n"
    try:
        fn = _function(stub, name)
    except SyntaxError as exc:
        bad(f"prompt does not parse with a pass body: {exc}")
        return problems
    if fn is None:
        bad("prompt does not define the entry point")
        return problems
    docstring = ast.get_docstring(fn)
    if not docstring:
        bad("prompt has no docstring")
        return problems
    if len(fn.body) != 2 or not isinstance(fn.body[1], ast.Pass):
        bad("prompt has a body beyond its docstring")
    if not task["prompt"].rstrip().endswith('"""'):
        bad("prompt does not end with the docstring")

    ref_fn = _function(task["reference"], name)
    if ref_fn is None:
        bad("reference does not define the entry point")
        return problems
    if ast.dump(ref_fn.args) != ast.dump(fn.args) or ast.dump(ref_fn.returns or ast.Constant(None)) != ast.dump(fn.returns or ast.Constant(None)):
        bad("reference signature differs from the prompt's")

    # (1) docstring examples pass against the reference (fresh namespace)
    namespace: dict[str, Any] = {"__name__": f"heldout_{name}"}
    exec(compile(task["reference"], f"<reference {name}>", "exec"), namespace)
    test = doctest.DocTestParser().get_doctest(docstring, namespace, name, None, 0)
    if not 2 <= len(test.examples) <= 3:
        bad(f"{len(test.examples)} docstring examples (want 2-3)")
    out: list[str] = []
    result = doctest.DocTestRunner(verbose=False).run(test, out=out.append, clear_globs=False)
    if result.failed:
        bad("docstring examples fail against the reference:\n" + "".join(out))

    # (2) hidden tests: 5-8 assert lines, not the docstring examples, pass on the reference
    lines = task["hidden_tests"].splitlines()
    if not 5 <= len(lines) <= 8:
        bad(f"{len(lines)} hidden tests (want 5-8)")
    if any(not line.startswith("assert ") for line in lines):
        bad("every hidden test line must be an assert")
    for example in test.examples:
        call = example.source.strip()
        if any(call in line for line in lines):
            bad(f"hidden tests repeat the docstring example {call!r}")
    namespace = {"__name__": f"heldout_{name}"}
    exec(compile(task["reference"], f"<reference {name}>", "exec"), namespace)
    for line in lines:
        try:
            exec(compile(line, f"<hidden {name}>", "exec"), namespace)
        except Exception as exc:
            bad(f"hidden test fails against the reference: {line} ({type(exc).__name__}: {exc})")

    # the hidden tests must reject a stub that does nothing
    stub_ns: dict[str, Any] = {"__name__": f"stub_{name}"}
    exec(compile(stub, f"<stub {name}>", "exec"), stub_ns)
    caught = 0
    for line in lines:
        try:
            exec(compile(line, f"<hidden {name}>", "exec"), stub_ns)
        except Exception:
            caught += 1
    if not caught:
        bad("hidden tests all pass on an empty stub")
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
    for row in rows():
        if "tests" in row or "reference" in row:
            problems.append(f"{row['id']}: row leaks tests or reference")
    if problems:
        raise AssertionError("held-out code set is invalid:\n" + "\n".join(problems))
    return len(TASKS)


def counts_by_difficulty() -> dict[str, int]:
    found = Counter(t["difficulty"] for t in TASKS)
    return {d: found[d] for d in DIFFICULTIES}


if __name__ == "__main__":
    n = check()
    print(f"{Path(__file__).name}: {n} tasks OK {counts_by_difficulty()}")
