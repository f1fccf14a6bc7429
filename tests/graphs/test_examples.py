"""A coding task's own examples (doctest lines, ``f(x) == y``, ``f(x) -> y``) become the
tests its candidates are run on."""

from __future__ import annotations

from graph_helpers import ScriptedChecker
from langgraph.checkpoint.memory import InMemorySaver

from ponder.graphs.builder import build_graph
from ponder.graphs.examples import extract_examples, with_examples
from ponder.graphs.prompts import bare_prompt
from ponder.testing import ScriptedChatModel

PROMPT = '''def count_distinct(text: str) -> int:
    """Count the distinct characters of text, ignoring case.
    >>> count_distinct('xyzXYZ')
    3
    >>> count_distinct('')
    0
    >>> print(count_distinct('a'))  # printed: its str is shown
    1
    >>> count_distinct  # not a call
    <function count_distinct>
    """
'''


def test_doctest_lines_become_asserts() -> None:
    assert extract_examples(PROMPT, "count_distinct") == [
        "assert (count_distinct('xyzXYZ')) == 3",
        "assert (count_distinct('')) == 0",
        "assert str(count_distinct('a')) == '1'",
    ]


def test_the_last_example_before_the_closing_quotes_is_kept() -> None:
    # doctest on the raw prompt reads the closing quotes as part of the last expected
    # output ('2\n"""'), which is no literal: the last example was silently dropped.
    prompt = ('def hamming(a: str, b: str) -> int:\n'
              '    """Count differing positions.\n\n'
              "    >>> hamming('karolin', 'kathrin')\n    3\n"
              "    >>> hamming('abc', 'abcde')\n    2\n"
              '    """\n')
    assert extract_examples(prompt, "hamming") == [
        "assert (hamming('karolin', 'kathrin')) == 3", "assert (hamming('abc', 'abcde')) == 2"]
    # A prompt that is not Python (prose around a docstring) is cut at the quotes.
    prose = ("Complete this:\n    '''\n    >>> f(1)\n    2\n    >>> f(2)\n    4'''\n"
             "and nothing else")
    assert extract_examples(prose, "f") == ["assert (f(1)) == 2", "assert (f(2)) == 4"]
    # Printed lines are compared as the str of the call, several lines included.
    table = 'def grid(n):\n    """\n    >>> print(grid(2))\n    ab\n    cd\n    """\n'
    assert extract_examples(table, "grid") == ["assert str(grid(2)) == 'ab\\ncd'"]


def test_inline_examples_and_literal_kinds() -> None:
    prompt = ("Write is_even(n).\nExample: is_even(4) -> True\n"
              "is_even(3) == False\nhalf(3) -> 1.5\nis_even(2) -> an even number\n")
    assert extract_examples(prompt, "is_even") == [
        "assert (is_even(4)) is True", "assert (is_even(3)) is False"]
    assert extract_examples("half(3) -> 1.5", "half") == [
        "assert abs((half(3)) - (1.5)) <= 1e-9 * max(1.0, abs(1.5))"]


def test_other_example_notations_and_continued_doctest_calls() -> None:
    prompt = ('def f(x):\n    """Double x.\n\n    For example:\n    f(2) = 4\n    f(3) ➞ 6\n'
              "    f(4) ==> 8\n    f(5)  # => 10\n    f(6) is 12\n    >>> f([1,\n    ...    2])\n"
              "    [1, 2, 1, 2]\n    >>> for i in range(2):\n    ...     f(i)\n    0\n    2\n"
              '    """\n')
    assert extract_examples(prompt, "f") == [
        "assert (f([1, 2])) == [1, 2, 1, 2]",  # a call continued on '...' lines; a loop is not
        "assert (f(2)) == 4", "assert (f(3)) == 6", "assert (f(4)) == 8",
        "assert (f(5)) == 10", "assert (f(6)) == 12"]
    # Prose that states what the function means, not a value, gives no example.
    prose = 'def f(n):\n    """f(n) = n * 2 for every n; f(0) = 1 by definition.\n    """\n'
    assert extract_examples(prose, "f") == []
    # A call on a name is a property stated in prose, not an example to run.
    stated = 'def f(x):\n    """Return x such that\n    f(x) = 0\n    f(-2) = 0\n    """\n'
    assert extract_examples(stated, "f") == ["assert (f(-2)) == 0"]


def test_input_and_output_lines_become_a_call_with_the_functions_parameters() -> None:
    prompt = ('def kth(nums: list, k: int) -> int:\n    """Return the k-th largest.\n\n'
              "    Example 1:\n        Input: nums = [3, 2, 1, 5], k = 2\n        Output: 3\n\n"
              "    Example 2:\n        Input: nums = [1], k = 1\n\n        Output: 1\n"
              "    Input: nums = [1], q = 1\n    Output: 1\n"  # q is no parameter
              "    Input: [1, 2]\n    Output: 2\n"  # positional, but kth takes two
              "    Input: nums = sorted(x), k = 1\n    Output: 4\n"  # not a literal
              "    Input: nums = [2], k = 1\n    Output: the largest\n"  # nor is this
              '    """\n')
    assert extract_examples(prompt, "kth") == [
        "assert (kth(nums=[3, 2, 1, 5], k=2)) == 3", "assert (kth(nums=[1], k=1)) == 1"]
    one = 'def last(nums: list) -> int:\n    """Input: [1, 2]\n    Output: 2"""\n'
    assert extract_examples(one, "last") == ["assert (last([1, 2])) == 2"]
    assert extract_examples("Input: [1, 2]\nOutput: 2", "last") == []  # no signature


def test_given_tests_are_kept_and_not_repeated() -> None:
    given = "assert (count_distinct('xyzXYZ')) == 3"
    merged = with_examples(given, PROMPT, "count_distinct")
    assert merged == (given + "\nassert (count_distinct('')) == 0"
                      "\nassert str(count_distinct('a')) == '1'")
    assert with_examples(None, "no examples here", "f") is None


async def test_the_graph_shows_and_checks_the_docstring_examples() -> None:
    model = ScriptedChatModel(
        ["```python\ndef count_distinct(text):\n    return len(set(text.lower()))\n```"])
    checker = ScriptedChecker(["accept"])
    graph = build_graph(model, [], checkers=[checker], checkpointer=InMemorySaver())
    await graph.ainvoke({"task": {"question": PROMPT, "kind": "code",
                                  "entry_point": "count_distinct"}},
                        {"configurable": {"thread_id": "c"}})
    assert "assert (count_distinct('xyzXYZ')) == 3" in (checker.seen[0].tests or "")
    # The direct code call is the bare call's words: the docstring already shows them.
    assert str(model.calls[0][-1].content) == bare_prompt(PROMPT, "code", "count_distinct")
    model.assert_complete()


def test_expected_values_are_written_as_python_reads_them() -> None:
    """The expected text was pasted in raw: a comment after it made the assert a
    SyntaxError (every candidate rejected), and ``3, 1`` became an assert message."""
    got = extract_examples("Example: f(9, 2) -> 4.5  # about\nf(7, 2) -> 3, 1\n", "f")
    assert got == ["assert abs((f(9, 2)) - (4.5)) <= 1e-9 * max(1.0, abs(4.5))",
                   "assert (f(7, 2)) == (3, 1)"]


def test_examples_that_are_no_value_to_compare_are_left_out() -> None:
    """doctest's ``...`` (ELLIPSIS) is no value: ``[1, ..., 9]`` made right code fail; nor
    is what a function declared ``-> None`` prints."""
    prompt = ('def f(n: int) -> list:\n    """Numbers.\n\n    >>> f(10)  # doctest: +ELLIPSIS\n'
              '    [1, ..., 9]\n    >>> f(2)\n    [1, 2]\n    >>> f(3)\n    [1, ...]\n    """\n')
    assert extract_examples(prompt, "f") == ["assert (f(2)) == [1, 2]"]
    shows = ('def show(n: int) -> None:\n    """Print n squared.\n\n    >>> show(3)\n    9\n'
             '    """\n')
    assert extract_examples(shows, "show") == []


def test_an_example_is_not_taken_for_a_longer_one_already_given() -> None:
    from ponder.graphs.examples import with_examples

    assert with_examples("assert (f(1)) == 10", "f(1) -> 1", "f") == (
        "assert (f(1)) == 10\nassert (f(1)) == 1")


def test_an_example_that_calls_a_helper_of_the_prompt_brings_it() -> None:
    """``decode(encode('abc'))``: a candidate that does not call ``encode`` itself has
    none, and the right function failed its example with a NameError."""
    prompt = ('def encode(s: str) -> str:\n    return s[::-1]\n\n\n'
              'def decode(s: str) -> str:\n    """Undo encode.\n\n'
              "    >>> decode(encode('abc'))\n    'abc'\n    \"\"\"\n")
    tests = with_examples(None, prompt, "decode")
    assert tests is not None
    namespace: dict = {}
    exec("def decode(s):\n    return s[::-1]\n", namespace)  # a right candidate
    exec(tests, namespace)  # the helper comes with the example: no NameError
    # A right candidate with its own encode (another signature) keeps it: the prompt's is
    # only a fallback.
    namespace = {}
    exec("def encode(s, k=0):\n    return s[::-1]\n\ndef decode(s):\n    return encode(s, 1)\n",
         namespace)
    exec(tests, namespace)
    assert namespace["encode"].__code__.co_argcount == 2


def test_a_float_written_in_prose_may_be_rounded_a_doctest_repr_may_not() -> None:
    """``area(2) -> 12.57`` rejected the right function (12.566...) at 1e-9."""
    import math

    written = extract_examples("Example: area(2) -> 12.57", "area")
    doctest = extract_examples('def area(r):\n    """\n    >>> area(2)\n    12.57\n    """\n',
                               "area")

    def passes(asserts: list[str], area: object) -> bool:
        try:
            exec("\n".join(asserts), {"area": area})
        except AssertionError:
            return False
        return True

    assert passes(written, lambda r: math.pi * r * r)
    assert not passes(written, lambda r: 12.58)  # half a unit of the last decimal, no more
    assert not passes(doctest, lambda r: math.pi * r * r)  # a repr is what Python printed


def test_written_floats_and_output_lines_as_people_write_them() -> None:
    from ponder.graphs.examples import _decimals

    assert _decimals("3.14159") == 5 and _decimals("-.25") == 2 and _decimals("+0.25") == 2
    assert _decimals("3.14159265358979") is None  # a full repr, not rounded by hand
    prompt = 'def f(x: int) -> float:\n    """Half.\n\n    Input: x = 5\n    Output: 2.55.\n    """\n'
    assert extract_examples(prompt, "f") == ["assert abs((f(x=5)) - (2.55)) <= 0.005 + 1e-12"]
