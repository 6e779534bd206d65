"""Numbers in the words a product manager reads: a KR's value on its own scale, a change in
points or units, an estimate with its likely range and what it means for the bet.

Every page and report formats KR values through here, so a 0.452 retention reads "45.2%"
everywhere, and a change of a share reads in percentage points ("+2.4 pts"), never "+0.024".
"""

from __future__ import annotations

import math
from typing import Any

from sowhat.domain.units import (
    MISSING,
    Unit,
    display_scale,
    format_chance,
    format_change,
    format_value,
    parse_unit,
)

__all__ = ["delta", "factory_line", "forecast_sentence", "is_rate", "plain_effect", "signed_pct",
           "tick_labels", "value"]


def is_rate(baseline: float | None, target: float | None, unit: str | None) -> bool:
    """Whether a KR's values read as a percentage: its unit says so (a conversion or
    retention, or `unit: percent`). No guessing from the numbers: a manual KR from 0.4 to 0.6
    without a unit reads 0.4 everywhere, as the web and status show it."""
    return unit in ("percent", "ratio_percent")


def value(x: float | None, *, rate: bool, unit: str | None = None,
          digits: int | None = None) -> str:  # fmt: skip
    """A KR value, through the one formatter (sowhat.domain.units) so a report says what
    `sowhat status` says: 45.2% for shares, `118 h`, `1,200`. `digits` fixes the decimals of
    a share (a probability: 0)."""
    if x is None or not math.isfinite(x):
        return MISSING
    if digits is not None:  # fixed decimals: probabilities, axis ticks that must stay exact
        return f"{x * 100:.{digits}f}%" if rate else f"{x:,.{digits}f}"
    return format_value(x, Unit.PERCENT if rate else (unit or None))


def delta(x: float | None, *, rate: bool, unit: str | None = None,
          like: float | None = None) -> str:  # fmt: skip
    """A change: shares in percentage points (+2.4 pts), others in the KR's own units; no
    finer than `like`, the value shown beside it (see `format_change`)."""
    if x is None or not math.isfinite(x):
        return MISSING
    return format_change(x, Unit.PERCENT if rate else (unit or None), like=like)


def signed_pct(x: float | None) -> str:
    """A relative change: +12%."""
    if x is None or not math.isfinite(x):
        return "–"
    return f"{'+' if x > 0 else ('−' if x < 0 else '±')}{abs(x) * 100:.0f}%"


VERDICT_WORDS = {
    "moved": "moved",
    "wrong_way": "moved the wrong way",
    "no_effect": "no detectable change",
    "inconclusive": "too noisy to tell yet",
    "cant_tell": "can't tell: the metric changed course before the launch",
}


def plain_effect(*, verdict: str | None, effect: float | None, low: float | None,
                 high: float | None, expected: float | None, expected_in_interval: bool | None,
                 rate: bool, unit: str | None = None) -> str:  # fmt: skip
    """An impact estimate in one sentence: "+2.4 pts, likely between +2.0 and +2.7 — moved
    as expected". `low`/`high` are the estimate's interval (its level is the estimator's)."""
    if effect is None:
        return "not measurable yet"
    words = VERDICT_WORDS.get(verdict or "", "not judged")
    if verdict == "moved" and expected is not None:
        if expected_in_interval or abs(effect) >= abs(expected):
            words = "moved as expected"
        else:
            words = f"moved, less than the expected {delta(expected, rate=rate, unit=unit)}"
    elif verdict in ("no_effect", "inconclusive") and expected is not None:
        words += f" (expected {delta(expected, rate=rate, unit=unit)})"
    text = delta(effect, rate=rate, unit=unit)
    if low is not None and high is not None:
        text += (f", likely between {delta(low, rate=rate, unit=unit)} and "
                 f"{delta(high, rate=rate, unit=unit)}")
    return f"{text} — {words}"


def tick_labels(ticks: list[float], *, rate: bool, unit: str | None = None) -> list[str]:
    """Axis labels on the scale the KR is read on, with exactly as many decimals as the ticks
    need: 1.75% stays 1.75%, a ratio shown per 1,000 reads 17.5 beside its "18.7 per 1,000"
    baseline (not 0.0175), and neighbouring ticks never print alike."""
    if not ticks:
        return []
    shown_as = Unit.PERCENT if rate else parse_unit(unit)
    scale = display_scale(shown_as)
    suffix = "%" if shown_as is Unit.PERCENT else ""
    for digits in range(0, 7):
        shown = [round(t * scale, digits) for t in ticks]
        if all(math.isclose(s, t * scale, rel_tol=1e-9, abs_tol=1e-9) for s, t in
               zip(shown, ticks, strict=True)):
            break
    return [f"{t * scale:,.{digits}f}{suffix}" for t in ticks]


def forecast_sentence(*, projected: float | None, low: float | None, high: float | None,
                      interval: float, probability: float | None, target: float | None,
                      rate: bool, unit: str | None = None,
                      what: str = "the value") -> str | None:  # fmt: skip
    """"At the period's end, the weekly value: expect 22.8%, likely between 16.5% and 28.8%
    — the chance of reaching the 25% target: 46%." None without a projection."""
    if projected is None or probability is None or target is None:
        return None
    text = f"At the period's end, {what}: expect {value(projected, rate=rate, unit=unit)}"
    if low is not None and high is not None:
        text += (f", likely between {value(low, rate=rate, unit=unit)} and "
                 f"{value(high, rate=rate, unit=unit)} ({interval:.0%} range)")
    # worded as every other surface words a model's chance: never 0% or 100%, and past
    # 99% "over 99%" (a clipped "99%" read as a different number from the tile beside it)
    return (f"{text} — the chance of reaching the {value(target, rate=rate, unit=unit)} "
            f"target: {format_chance(probability)}.")


def factory_line(f: Any) -> str:
    """A team's feature-factory index in words, with what the bets that did not move their KR
    did instead: "1 of 2 judged shipped bets moved their key result (50%; 1 too noisy to tell
    yet)". A bare "1 of 2 (50%)" read as a failed bet where the other estimate was one week
    old and could not tell yet. `f` is a `stats.factory_index.FactoryIndex`."""
    if not f.judged:
        text = "no shipped bet judged yet"
    else:
        text = f"{f.moved} of {f.judged} judged shipped bets moved their key result"
        rest = [f"{n} {what}" for n, what in ((f.wrong_way, "moved it the wrong way"),
                                              (f.no_effect, "with no detectable change"),
                                              (f.inconclusive, "too noisy to tell yet")) if n]
        share = f"{f.share_moved:.0%}" if f.share_moved is not None else None
        inside = "; ".join(x for x in [share, *rest] if x)
        if inside:
            text += f" ({inside})"
    if f.unavailable:
        text += f"; {f.unavailable} not measurable yet"
    return text
