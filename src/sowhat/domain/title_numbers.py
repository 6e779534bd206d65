"""The numbers a KR's title states: "from X to Y", and the unit it states them in.

Shared by the coach (SW116: the title's direction against its numbers) and validation (a
baseline typed as the title says it, "20" for "20 per 1,000", in a metric stored as the plain
ratio), so both read a title the same way.
"""

from __future__ import annotations

import re

from sowhat.domain.units import Unit

_NUMBER = r"[$€£]?\s?([-−]?\d[\d,]*(?:\.\d+)?)\s*(%|k|m)?"
_FROM_TO = re.compile(rf"\bfrom\s+{_NUMBER}.*?\bto\s+(?:under\s+|below\s+|above\s+|over\s+)?"
                      rf"{_NUMBER}", re.IGNORECASE)  # fmt: skip
_PER_1000 = re.compile(r"^\s*(?:per|/|in|of\s+every)\s*(?:1,?000|thousand)\b", re.IGNORECASE)


def title_numbers(title: str) -> tuple[float, float] | None:
    """(from, to) of "from X to Y" in a title, with k/m multipliers; None when absent."""
    m = _FROM_TO.search(title)
    if m is None:
        return None

    def number(text: str, suffix: str | None) -> float:
        value = float(text.replace(",", "").replace("−", "-"))
        return value * {"k": 1e3, "m": 1e6}.get((suffix or "").lower(), 1.0)

    return number(m[1], m[2]), number(m[3], m[4])


def title_unit(title: str) -> Unit | None:
    """The unit the title's "from X to Y" is written in, when it names one: percent ("from
    40% to 46%") or per 1,000 ("from 20 to 15 per 1,000 sessions"); else None."""
    m = _FROM_TO.search(title)
    if m is None:
        return None
    if "%" in (m[2], m[4]):
        return Unit.PERCENT
    if _PER_1000.match(title[m.end():]):
        return Unit.PER_1000
    return None
