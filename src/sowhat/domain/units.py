"""Units: how a KR's numbers are stored, shown and bounded — one formatter for every screen.

The rule users rely on (docs/okrs.md): **a KR's numbers — baseline, target, check-ins — are
always written in the metric's stored scale.** Rates are fractions (0.342 for 34.2%), a
`per_1000` ratio is the plain ratio (0.018 for "18 per 1,000"), durations are in the metric's
time unit, NPS in points. The unit only decides how a value is *shown*; nothing is ever
rescaled on the way in. So a value means one thing in the file, the database, the API and
the check-in form, and the screens show it the way people say it (45.2%, 18 per 1,000, 77.5 h).

Because the stored scale is not the spoken one, people type the spoken one by mistake
(36 for a 36% rate). `Scale.impossible` names values no metric of that kind can take (a rate
above 1, NPS beyond ±100, a negative count) and `scale_hint` the ones that are merely far off
the KR's own numbers and would make sense after the usual slip (÷100, ÷1,000, ÷60).

Formatting keeps three significant digits by default but never rounds the integer part
(1,234,567 stays 1,234,567) and drops trailing zeros (45% not 45.0%). `distinct_precision`
raises the digits when two different values would otherwise print alike (1.75% vs 1.8%).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "DEFAULT_PRECISION",
    "TIME_UNITS",
    "Scale",
    "Unit",
    "display_scale",
    "distinct_precision",
    "format_chance",
    "format_change",
    "format_relative",
    "format_value",
    "format_values",
    "join_span",
    "parse_unit",
    "scale_hint",
]

DEFAULT_PRECISION = 3
"""Significant digits shown unless a caller asks for more (never fewer than the integer part)."""

_MAX_PRECISION = 8
MISSING = "—"


class Unit(StrEnum):
    """How a metric's values are shown. Values are stored in the metric's own scale."""

    PERCENT = "percent"  # stored 0–1, shown 45.2%
    RATIO = "ratio"  # shown as stored: 0.0183, 2.5
    PER_1000 = "per_1000"  # stored as the plain ratio 0.018, shown "18 per 1,000"
    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    POINTS = "points"  # NPS and other scores already in points
    COUNT = "count"  # 1,200; 57.2
    CURRENCY = "currency"  # $1,200 (currency code from the metric, default USD)


TIME_UNITS = frozenset({Unit.SECONDS, Unit.MINUTES, Unit.HOURS, Unit.DAYS})
SECONDS_PER = {Unit.SECONDS: 1.0, Unit.MINUTES: 60.0, Unit.HOURS: 3600.0, Unit.DAYS: 86400.0}

_ALIASES = {
    "%": Unit.PERCENT, "pct": Unit.PERCENT, "percentage": Unit.PERCENT, "rate": Unit.PERCENT,
    "share": Unit.PERCENT,
    "per 1000": Unit.PER_1000, "per 1,000": Unit.PER_1000, "per1000": Unit.PER_1000,
    "‰": Unit.PER_1000,
    "s": Unit.SECONDS, "sec": Unit.SECONDS, "secs": Unit.SECONDS, "second": Unit.SECONDS,
    "m": Unit.MINUTES, "min": Unit.MINUTES, "mins": Unit.MINUTES, "minute": Unit.MINUTES,
    "h": Unit.HOURS, "hr": Unit.HOURS, "hrs": Unit.HOURS, "hour": Unit.HOURS,
    "d": Unit.DAYS, "day": Unit.DAYS,
    "pts": Unit.POINTS, "pt": Unit.POINTS, "point": Unit.POINTS, "nps": Unit.POINTS,
    "money": Unit.CURRENCY,
}

_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
_TIME_SUFFIX = {Unit.SECONDS: "s", Unit.MINUTES: "min", Unit.HOURS: "h"}


def parse_unit(text: str | None) -> Unit | None:
    """A unit from what people write (`percent`, `%`, `hours`, `h`, `per 1,000`); None when
    the text names no known unit (a free-text label such as `tickets`)."""
    if text is None:
        return None
    key = text.strip().lower()
    try:
        return Unit(key.replace("-", "_"))
    except ValueError:
        return _ALIASES.get(key)


# ---------------------------------------------------------------- numbers


def _digits(x: float, precision: int) -> int:
    """Decimals that give `precision` significant digits, never cutting the integer part."""
    if x == 0:
        return 0
    return max(0, precision - 1 - math.floor(math.log10(abs(x))))


def _shown_decimals(x: float, precision: int) -> int:
    """Decimals `x` actually prints with: 9.70 shows as 9.7, so a change beside it gets
    one decimal, not two."""
    text = _number(x, precision)
    return len(text.split(".")[1]) if "." in text else 0


def _number(x: float, precision: int, *, min_decimals: int = 0) -> str:
    decimals = _digits(x, precision)
    text = f"{x:,.{decimals}f}"
    if "." in text:
        whole, frac = text.split(".")
        frac = frac.rstrip("0")
        if len(frac) < min_decimals:
            frac = frac.ljust(min_decimals, "0")
        text = f"{whole}.{frac}" if frac else whole
    if text in ("-0", "0"):
        return "0"
    return text


def _resolve(unit: Unit | str | None) -> tuple[Unit | None, str | None, str | None]:
    """(unit, currency code, free-text label) from a unit or the text that names one.

    A 3-letter upper-case code (EUR) is a currency; other text naming no unit is a label shown
    after a plain number (`tickets` -> "12 tickets"). This is what lets a KR carry its display
    unit as one string (`KeyResultStatus.unit`) through every service and shell.
    """
    if unit is None or isinstance(unit, Unit):
        return unit, None, None
    parsed = parse_unit(unit)
    if parsed is not None:
        return parsed, None, None
    text = unit.strip()
    if _CURRENCY_CODE.match(text):
        return Unit.CURRENCY, text, None
    return None, None, text or None


def format_value(value: float | None, unit: Unit | str | None, *, precision: int | None = None,
                 currency: str | None = None) -> str:  # fmt: skip
    """A stored value the way people read it: 45.2%, 18 per 1,000, 77.5 h, NPS 28, $1,200.

    `unit` is a Unit or its text (see `_resolve`); None formats a plain number. `precision` is
    the count of significant digits (default 3); the integer part is never rounded away.
    """
    if value is None or not math.isfinite(value):
        return MISSING
    p = precision or DEFAULT_PRECISION
    u, code, label = _resolve(unit)
    if u is Unit.PERCENT:
        return f"{_number(value * 100, p)}%"
    if u is Unit.PER_1000:
        return f"{_number(value * 1000, p)} per 1,000"
    if u in _TIME_SUFFIX:
        return f"{_number(value, p)} {_TIME_SUFFIX[u]}"
    if u is Unit.DAYS:
        text = _number(value, p)
        return f"{text} day" if text in ("1", "-1") else f"{text} days"
    if u is Unit.CURRENCY:
        return _money(value, p, currency or code)
    return f"{_number(value, p)} {label}" if label else _number(value, p)


def format_values(values: Sequence[float | None], unit: Unit | str | None, *,
                  currency: str | None = None) -> list[str]:  # fmt: skip
    """Values shown side by side (baseline, target, current): different values never share a
    label (see `distinct_precision`)."""
    p = distinct_precision(values, unit, currency=currency)
    return [format_value(v, unit, precision=p, currency=currency) for v in values]


def _money(value: float, precision: int, currency: str | None) -> str:
    code = (currency or "USD").upper()
    whole = abs(value) >= 1000 or float(value).is_integer()
    text = _number(abs(value), precision, min_decimals=0 if whole else 2)
    sign = "-" if value < 0 and text != "0" else ""
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {code}"


def join_span(first: str, second: str, arrow: str = "→") -> str:
    """Two formatted values as a span that names a word unit once: "17.4 → 13 per 1,000",
    "145 → 94 h", "22% → 26%" (symbols stay on both), "— → 3 h"."""
    if first != MISSING and " " in second:
        suffix = second[second.index(" "):]
        if first.endswith(suffix) and not suffix[1:2].isdigit():
            first = first[: -len(suffix)]
    return f"{first} {arrow} {second}"


def format_change(delta: float | None, unit: Unit | str | None, *,
                  precision: int | None = None, currency: str | None = None,
                  like: float | None = None) -> str:  # fmt: skip
    """An absolute change in the unit people talk about: +2.4 pts for a rate (percentage
    points, not percent), +3 pts of NPS, -4.5 per 1,000, -10 min, +$1,200, +120.

    `like` is a value the change sits next to (the "now" it moved to): the change is then
    shown no finer than that value is, so 43.8% beside "-0.778 pts" reads "-0.8 pts" — a
    reader compares the two columns digit by digit. A change too small to show at that
    resolution keeps one significant digit rather than reading as zero.
    """
    if delta is None or not math.isfinite(delta):
        return MISSING
    u = _resolve(unit)[0]
    p = precision or DEFAULT_PRECISION
    if like is not None and math.isfinite(like) and like != 0 and delta != 0:
        p = _resolution_of(delta, like, u, p)
    if u in (Unit.PERCENT, Unit.POINTS):
        size = abs(delta) * (100 if u is Unit.PERCENT else 1)
        text = _number(size, p)
        body = f"{text} pt" if text == "1" else f"{text} pts"
    else:
        body = format_value(abs(delta), unit, precision=p, currency=currency)
    if delta == 0:
        return body
    return ("+" if delta > 0 else "-") + body


def display_scale(unit: Unit | None) -> float:
    """What a stored value is multiplied by to read as people read it: 100 for a share
    (0.452 -> 45.2%), 1,000 for a ratio shown per 1,000 (0.0187 -> 18.7), else 1."""
    return 100.0 if unit is Unit.PERCENT else 1000.0 if unit is Unit.PER_1000 else 1.0


def _resolution_of(delta: float, like: float, unit: Unit | None, precision: int) -> int:
    """Significant digits for `delta` so it has as many decimals as `like` shows (at
    `precision`), but at least one significant digit and never more than `precision`."""
    scale = display_scale(unit)
    size, ref = abs(delta) * scale, abs(like) * scale
    decimals = min(_digits(size, precision), max(_shown_decimals(ref, precision),
                                                 _digits(size, 1)))
    return max(1, decimals + 1 + math.floor(math.log10(size)))


def format_relative(fraction: float | None, *, precision: int = 2) -> str:
    """A relative change: 0.031 -> +3.1%, -0.1 -> -10%."""
    if fraction is None or not math.isfinite(fraction):
        return MISSING
    text = _number(abs(fraction) * 100, precision)
    if text == "0":
        return "0%"
    return ("+" if fraction > 0 else "-") + text + "%"


def distinct_precision(values: Iterable[float | None], unit: Unit | str | None, *,
                       currency: str | None = None) -> int:  # fmt: skip
    """The fewest significant digits (at least 3) at which different values print differently.

    A KR from 1.75% to 1.8% must not read "1.8% → 1.8%": shown side by side, values that
    differ get labels that differ (up to 8 digits; beyond that they are equal for people).
    """
    finite = sorted({v for v in values if v is not None and math.isfinite(v)})
    p = DEFAULT_PRECISION
    while p < _MAX_PRECISION:
        labels = [format_value(v, unit, precision=p, currency=currency) for v in finite]
        if len(set(labels)) == len(labels):
            return p
        p += 1
    return p


# ---------------------------------------------------------------- scales and plausibility


@dataclass(frozen=True)
class Scale:
    """What a KR's numbers are: their unit, the range any value can take, and how to say so.

    `low`/`high` are hard limits from the metric's kind (a share of a cohort lies in [0, 1],
    NPS in [-100, 100], counts and durations are >= 0); None where anything goes (sums,
    averages, most ratios). `label` is a KR's free-text `unit:` that names no known unit,
    appended when shown.
    """

    unit: Unit = Unit.COUNT
    low: float | None = None
    high: float | None = None
    noun: str = "value"  # what one value is, for messages: "rate", "NPS", "count"
    currency: str | None = None
    label: str | None = None

    @property
    def text(self) -> str:
        """The scale as one unit string that `format_value` reads back: `percent`, `EUR`,
        `tickets`. Services pass this along with a KR's numbers (`KeyResultStatus.unit`)."""
        if self.label:
            return self.label
        if self.unit is Unit.CURRENCY and self.currency and self.currency != "USD":
            return self.currency
        return self.unit.value

    def format(self, value: float | None, *, precision: int | None = None) -> str:
        return format_value(value, self.text, precision=precision)

    def formats(self, values: Sequence[float | None]) -> list[str]:
        """Several values shown together (baseline, target, current): distinct stay distinct."""
        return format_values(values, self.text)

    def change(self, delta: float | None) -> str:
        return format_change(delta, self.text)

    def describe(self) -> str:
        """The scale in words: 'a 0–1 rate', 'NPS points (-100 to 100)'."""
        if self.unit is Unit.PERCENT:
            if (self.low, self.high) == (0.0, 1.0):
                return f"a 0–1 {self.noun}"
            return "a fraction shown as a percent (0.45 is 45%)"
        if self.unit is Unit.PER_1000:
            return "a plain ratio (shown per 1,000: 0.018 is 18 per 1,000)"
        if self.unit is Unit.POINTS and self.low is not None and self.high is not None:
            return f"{self.noun} points ({_number(self.low, 3)} to {_number(self.high, 3)})"
        if self.unit in TIME_UNITS:
            return f"in {self.unit.value}"
        if self.unit is Unit.CURRENCY:
            return f"an amount in {(self.currency or 'USD').upper()}"
        return f"a {self.noun}" if self.noun != "value" else f"a {self.unit.value}"

    def impossible(self, value: float) -> str | None:
        """Why no metric of this kind can take `value`, or None when it can."""
        if not math.isfinite(value):
            return f"{value} is not a finite number"
        below = self.low is not None and value < self.low
        above = self.high is not None and value > self.high
        if not (below or above):
            return None
        article = "" if self.noun == "NPS" else "a "
        if self.low == 0 and self.high is None:
            return f"{_plain(value)} is negative: {article}{self.noun} is never below 0"
        bounds = f"{_plain(self.low or 0)} to {_plain(self.high or 0)}"
        text = f"{_plain(value)} is outside the range of {article}{self.noun} ({bounds})"
        if self.unit is Unit.PERCENT:
            text += f": it would read {format_value(value, self.unit)}"
        return text

    def slip(self, value: float, baseline: float | None = None,
             target: float | None = None) -> tuple[float, str] | None:  # fmt: skip
        """(the value probably meant, what was typed instead) when `value` looks typed in
        another scale (36 on a 0–1 rate: (0.36, "a percent")); None otherwise."""
        return _slip(value, self, baseline, target)

    def hint(self, value: float, baseline: float | None = None,
             target: float | None = None) -> str | None:  # fmt: skip
        return scale_hint(value, self.unit, baseline, target, scale=self)


def _plain(x: float) -> str:
    """A number as typed: 32, 0.32, 0.0135 (up to 6 significant digits, no separators)."""
    return f"{x:.6g}"


# The slips people make, per unit: (factor the typed value is too big by, what they typed).
_SLIPS: dict[Unit, tuple[tuple[float, str], ...]] = {
    Unit.PERCENT: ((100.0, "a percent"),),
    Unit.PER_1000: ((1000.0, "a count per 1,000"), (100.0, "a percent")),
    Unit.RATIO: ((100.0, "a percent"), (1000.0, "a count per 1,000")),
    Unit.SECONDS: ((1 / 60, "minutes"), (1 / 3600, "hours")),
    Unit.MINUTES: ((60.0, "seconds"), (1 / 60, "hours")),
    Unit.HOURS: ((60.0, "minutes"), (1 / 24, "days")),
    Unit.DAYS: ((24.0, "hours"),),
    Unit.POINTS: ((0.01, "a fraction"),),
}
_FAR = 10.0
"""A value 10x or more beyond the KR's own numbers (or below a tenth of them) is far off."""


def scale_hint(
    value: float,
    unit: Unit | str | None,
    baseline: float | None = None,
    target: float | None = None,
    *,
    scale: Scale | None = None,
) -> str | None:
    """Why `value` looks typed in the wrong scale for this KR, with the likely intended value;
    None when it looks plausible.

    "36 looks like a percent; this KR is a 0–1 rate — did you mean 0.36?". Judged against the
    KR's baseline and target (the owner's own sense of scale) and, where the unit has one,
    the metric's possible range. A value that fits neither and has no likely slip gets a
    plain "far outside" hint, so a caller can still refuse it.
    """
    if not math.isfinite(value):
        return None
    u = unit if isinstance(unit, Unit) else parse_unit(unit)
    sc = scale or Scale(unit=u or Unit.COUNT)
    slipped = _slip(value, sc, baseline, target)
    if slipped is not None:
        guess, typed = slipped
        return (f"{_plain(value)} looks like {typed}; this KR is {sc.describe()} — "
                f"did you mean {_plain(guess)}?")  # fmt: skip
    refs = [abs(v) for v in (baseline, target) if v is not None and math.isfinite(v)]
    span = max(refs) if refs else None
    impossible = sc.impossible(value) is not None
    too_big = span is not None and span > 0 and abs(value) >= span * _FAR
    if not (impossible or too_big):
        return None  # too small without a slip: values near 0 are often simply true
    if span is None:
        return f"this KR is {sc.describe()}"
    lo, hi = (baseline, target) if baseline is not None and target is not None else (None, None)
    around = (f"its baseline and target are {_plain(lo)} and {_plain(hi)}"
              if lo is not None and hi is not None else f"its numbers are around {_plain(span)}")
    return f"{_plain(value)} is far outside this KR's scale ({sc.describe()}); {around}"


def _slip(value: float, sc: Scale, baseline: float | None,
          target: float | None) -> tuple[float, str] | None:  # fmt: skip
    if not math.isfinite(value):
        return None
    refs = [abs(v) for v in (baseline, target) if v is not None and math.isfinite(v)]
    span = max(refs) if refs else None
    impossible = sc.impossible(value) is not None

    def plausible(v: float) -> bool:
        if sc.impossible(v) is not None:
            return False
        if span is None or span == 0:
            return sc.low is not None or sc.high is not None  # only the range can judge
        return abs(v) < span * _FAR and (v == 0 or abs(v) >= min(refs) / _FAR)

    too_big = span is not None and span > 0 and abs(value) >= span * _FAR
    too_small = span is not None and min(refs) > 0 and 0 < abs(value) < min(refs) / _FAR
    if not (impossible or too_big or too_small):
        return None
    too_high = too_big or (sc.high is not None and value > sc.high)
    for factor, typed in _SLIPS.get(sc.unit, ()):
        guess = value / factor
        if (factor > 1) == too_high and plausible(guess):
            return guess, typed
    return None


def format_chance(p: float) -> str:
    """A model's probability without claiming certainty: never "0%" or "100%"."""
    if p < 0.005:
        return "under 1%"
    if p > 0.995:
        return "over 99%"
    return f"{p:.0%}"
