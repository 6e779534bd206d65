"""Rewrite the starting number in a KR title when its baseline changes.

A carried KR starts from where its measure stood at the close, so "Raise activation from 35%
to 45%" carried with a measured 41% must read "from 41% to 45%": a title that still says 35%
contradicts the numbers beside it (and SW116 reads titles). Only a "from X" whose X is the old
baseline as written (35%, 0.35, 1.2k, $40) is rewritten, in the same style; any other title is
left alone and the caller says so, because guessing at prose would be worse than a stale number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Retitled", "retitle_baseline"]

_FACTORS = {"%": (100.0, 1.0), "pp": (100.0, 1.0), "k": (1e-3,), "m": (1e-6,)}

_FROM = re.compile(
    r"\bfrom\s+(?P<cur>[$€£]?\s?)(?P<num>[-−]?\d[\d,]*(?:\.\d+)?)(?P<suf>\s*(?:%|pp|k|m)\b|%)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Retitled:
    title: str
    changed: bool


def retitle_baseline(title: str, old: float, new: float) -> Retitled:
    """`title` with its "from <old>" replaced by "from <new>", written as the old one was."""
    m = _FROM.search(title)
    if m is None:
        return Retitled(title, False)
    text = m["num"]
    written = float(text.replace(",", "").replace("−", "-"))
    suffix = (m["suf"] or "").strip().lower()
    decimals = len(text.split(".")[1]) if "." in text else 0
    tolerance = 0.5 * 10**-decimals + 1e-9
    # A rate stored as a fraction is written as a percent (100x); a percent metric as is.
    factors = _FACTORS.get(suffix, (1.0,))
    factor = next((f for f in factors if abs(written - old * f) <= tolerance), None)
    if factor is None:
        return Retitled(title, False)
    shown = new * factor
    places = decimals
    # Never let rounding erase the change: "35%" -> "35%" for 35.2% would read as no move.
    while places < 4 and round(shown, places) == round(written, places) and new != old:
        places += 1
    number = f"{shown:,.{places}f}" if "," in text else f"{shown:.{places}f}"
    if text.startswith("−"):
        number = number.replace("-", "−")
    start, end = m.span("num")
    return Retitled(title[:start] + number + title[end:], True)

