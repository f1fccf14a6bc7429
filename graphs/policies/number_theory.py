"""number_theory: prime questions are computed with sympy, whose names need no import.

A small model writes ``isprime(n)`` or ``prime(n)`` without importing sympy, or searches
the web for "the 1672nd prime".
"""

from __future__ import annotations

import re
from types import MappingProxyType

from ponder.graphs.policies.base import Policy

_PRIME_WORK = re.compile(r"\bprime\b", re.IGNORECASE)


class NumberTheoryPolicy(Policy):
    """Python for prime tasks, the sympy imports of the prime functions, and how to call
    them in the python tool's description."""

    name = "number_theory"
    summary = ("plans python for questions about primes; imports sympy's isprime, prime, "
               "primerange and factorint when a program uses them unimported; lists "
               "sympy.prime and sympy.isprime in the python tool's description")
    extra_imports = MappingProxyType({
        "isprime": "from sympy import isprime", "prime": "from sympy import prime",
        "primerange": "from sympy import primerange", "factorint": "from sympy import factorint",
    })
    tool_hints = "sympy.prime(n) is the n-th prime, sympy.isprime(n)"

    def forces_python(self, question: str) -> bool:
        return bool(_PRIME_WORK.search(question))
