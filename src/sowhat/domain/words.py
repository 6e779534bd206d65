"""Counted nouns for sentences people read ("1 week", "3 weeks").

"week(s)" reads as a form letter; every message that counts something says the number with the
noun it takes, so the rule lives here once instead of as an inline `'s' if n != 1` per message.
"""

from __future__ import annotations


def plural(n: int, noun: str, many: str | None = None) -> str:
    """The noun's form for `n` items: `many` (default noun + "s") unless exactly one."""
    return noun if n == 1 else (many if many is not None else f"{noun}s")


def counted(n: int, noun: str, many: str | None = None) -> str:
    """`n` and the noun in its form for `n`, thousands separated: "1 week", "1,204 events"."""
    return f"{n:,} {plural(n, noun, many)}"
