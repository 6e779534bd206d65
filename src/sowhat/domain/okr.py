"""The OKR vocabulary as frozen values: objectives, key results, guardrails, bets, check-ins.

These are what every engine passes around. Files (spec/) and the database (store/) translate
to and from them; nothing here does I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sowhat.domain.period import Period
from sowhat.domain.units import Unit, format_change, format_relative, format_value


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


class Indicator(StrEnum):
    """Leading indicators move within weeks and steer; lagging ones confirm, months later."""

    LEADING = "leading"
    LAGGING = "lagging"


class BetStatus(StrEnum):
    IDEA = "idea"
    DISCOVERY = "discovery"
    BUILDING = "building"
    SHIPPED = "shipped"
    STOPPED = "stopped"


BET_FLOW: tuple[BetStatus, ...] = (
    BetStatus.IDEA,
    BetStatus.DISCOVERY,
    BetStatus.BUILDING,
    BetStatus.SHIPPED,
)

# Which status may follow which: forward through the flow, or stop at any point before
# shipping. A shipped bet is history; stopping it would rewrite what happened.
BET_TRANSITIONS: dict[BetStatus, frozenset[BetStatus]] = {
    BetStatus.IDEA: frozenset({BetStatus.DISCOVERY, BetStatus.BUILDING, BetStatus.STOPPED}),
    BetStatus.DISCOVERY: frozenset({BetStatus.BUILDING, BetStatus.STOPPED, BetStatus.IDEA}),
    BetStatus.BUILDING: frozenset({BetStatus.SHIPPED, BetStatus.STOPPED, BetStatus.DISCOVERY}),
    BetStatus.SHIPPED: frozenset(),
    BetStatus.STOPPED: frozenset({BetStatus.IDEA}),
}


def can_move_bet(current: BetStatus, new: BetStatus) -> bool:
    return new == current or new in BET_TRANSITIONS[current]


class CheckInSource(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


@dataclass(frozen=True)
class OutputWaiver:
    """The one legitimate output-style KR: a new initiative with no baseline yet, for a while."""

    reason: str | None
    expires: date | None

    def valid_on(self, day: date) -> bool:
        return bool(self.reason) and self.expires is not None and day < self.expires


@dataclass(frozen=True)
class KeyResult:
    id: str
    title: str
    metric: str | None = None
    segment: str | None = None
    baseline: float | None = None
    target: float | None = None
    indicator: Indicator | None = None
    output_waiver: OutputWaiver | None = None
    owner: str | None = None
    unit: str | None = None
    measure: str | None = None  # level | cumulative; None: the metric type's default
    over_days: int | None = None  # a level's trailing window; None: 28 days

    @property
    def direction(self) -> Direction | None:
        """Inferred from baseline -> target so nobody has to say it twice."""
        if self.baseline is None or self.target is None or self.baseline == self.target:
            return None
        return Direction.INCREASE if self.target > self.baseline else Direction.DECREASE

    def progress(self, current: float | None) -> float | None:
        if current is None or self.baseline is None or self.target is None:
            return None
        return progress(current, self.baseline, self.target)


_CHANGE = re.compile(r"^\s*([+-]?)\s*(\d+(?:\.\d+)?)\s*(%|pp)?\s*$")


@dataclass(frozen=True)
class Change:
    """A signed change: relative (`+10%`), in percentage points (`+2pp`) or absolute (`+0.05`)."""

    amount: float
    kind: str = "absolute"  # absolute | relative | points

    @classmethod
    def parse(cls, text: str | float | int) -> Change:
        if isinstance(text, int | float):
            return cls(float(text))
        m = _CHANGE.match(str(text))
        if not m:
            raise ValueError(
                f"cannot read change {text!r}: write +10% (relative), +2pp (points) or +0.05"
            )
        sign = -1.0 if m[1] == "-" else 1.0
        value = sign * float(m[2])
        if m[3] == "%":
            return cls(value / 100.0, "relative")
        if m[3] == "pp":
            return cls(value / 100.0, "points")
        return cls(value)

    def apply(self, base: float) -> float:
        """The value `base` becomes after this change."""
        if self.kind == "relative":
            return base * (1.0 + self.amount)
        return base + self.amount

    def __str__(self) -> str:
        if self.kind == "relative":
            return f"{self.amount * 100:+g}%"
        if self.kind == "points":
            return f"{self.amount * 100:+g}pp"
        return f"{self.amount:+g}"


@dataclass(frozen=True)
class Guardrail:
    """A metric that must not get worse while the KRs improve.

    Bounds are either changes against the value just before the period (`max_change`,
    `min_change`) or absolute limits (`max`, `min`). The value is the metric over the period
    to date, or with `over_days` over the trailing days (a weekly ticket limit is `max: 40`
    with `over_days=7`: a count over the period to date is a total that only grows).
    """

    metric: str
    segment: str | None = None
    max_change: Change | None = None
    min_change: Change | None = None
    max: float | None = None
    min: float | None = None
    over_days: int | None = None

    def breached(self, baseline: float | None, current: float | None,
                 unit: str | None = None, *, span: str | None = None,
                 before: str | None = None) -> str | None:
        """Why the guardrail is breached, or None when it holds (or cannot be judged).

        `unit` is the metric's scale (sowhat.spec.metric_units), so the reason reads "NPS
        moved from 38.2 to 24.5" or "7.5% → 9.1%" the way status and the web show values.
        `span` and `before` name the windows the values cover ("the period to date, Oct
        01–Dec 05"): "support_tickets is 348, above its limit 40" left the reader to guess
        that 348 was a quarter's total held against a weekly limit.
        """
        if current is None:
            return None

        def show(value: float) -> str:
            return format_value(value, unit)

        where = f" over {span}" if span else ""
        if self.max is not None and current > self.max:
            return f"{self.metric} is {show(current)}{where}, above its limit {show(self.max)}"
        if self.min is not None and current < self.min:
            return f"{self.metric} is {show(current)}{where}, below its floor {show(self.min)}"
        if baseline is None:
            return None
        # the reason names the move in the terms of the rule it broke ("-13.7 pts" against
        # "-3 pts", "+21%" against "+10%"): "below the allowed -3" left the reader to work out
        # how far, and whether -3 meant points or percent
        for change, up in ((self.max_change, True), (self.min_change, False)):
            if change is None:
                continue
            bound = change.apply(baseline)
            if (current <= bound + 1e-12) if up else (current >= bound - 1e-12):
                continue
            moved = _moved_by(baseline, current, change, unit)
            went = ("rose" if current > baseline else "fell" if current < baseline
                    else "stayed")
            now = f"{show(current)} over {span}" if span else show(current)
            then = f"{show(baseline)} over {before}" if span and before else show(baseline)
            path = f"from {then} to {now}" if went != "stayed" else f"at {now}"
            if _demands_a_move(change, up):
                # "max_change: -10%" asks the metric to fall at least 10%: "rose by 23.8%,
                # more than the allowed -10%" read as nonsense
                return (f"{self.metric} {went} {path} ({moved}), but the guardrail says "
                        f"it {self.describe(unit)}")
            return (f"{self.metric} {went} {path} ({moved}), more than the allowed "
                    f"{_allowed(change, unit)}")
        return None

    def limit_broken(self, current: float | None) -> bool:
        """Whether an absolute bound (`max`, `min`) is broken: a limit on the value itself,
        which no noise excuses — unlike a change bound, read against a noisy before."""
        if current is None:
            return False
        return ((self.max is not None and current > self.max)
                or (self.min is not None and current < self.min))

    def judged(self, baseline: float | None, current: float | None) -> bool:
        """Whether `breached` could tell: a current value, and a baseline when a change bound
        needs one. A guardrail that could not be judged has not held either — shown as not
        measured, never as "holding" (an unjudged bound is no evidence)."""
        if current is None:
            return False
        absolute = self.max is not None or self.min is not None
        changes = self.max_change is not None or self.min_change is not None
        if baseline is None and changes:
            # an absolute bound alone can break without a baseline, never hold for the rule
            return absolute and self.breached(baseline, current) is not None
        return True

    def demands_a_move(self) -> str | None:
        """The key of a change bound that asks the metric to move rather than bounding how far
        it may get worse (`max_change` below zero, `min_change` above it), else None. Such a
        bound reads as a target; written on a guardrail it is almost always the other key
        (`max_change: -10%` on revenue, meant as "must not fall more than 10%")."""
        if self.max_change is not None and _demands_a_move(self.max_change, True):
            return "max_change"
        if self.min_change is not None and _demands_a_move(self.min_change, False):
            return "min_change"
        return None

    def describe(self, unit: str | None = None) -> str:
        """The bound in words and the metric's unit, for the page that lists it: "must not
        fall more than 3 pts", "must not rise more than 10%", "must stay at or under 96 h".
        ("must not fall below -3" read as a floor at -3.)"""
        parts = []
        for change, up in ((self.max_change, True), (self.min_change, False)):
            if change is None:
                continue
            size = _allowed(Change(abs(change.amount), change.kind), unit).lstrip("+")
            if change.amount == 0:
                parts.append("must not rise" if up else "must not fall")
            elif (change.amount > 0) == up:
                parts.append(f"must not {'rise' if up else 'fall'} more than {size}")
            else:  # a max_change below zero: it must fall; a min_change above zero: rise
                parts.append(f"must {'fall' if up else 'rise'} at least {size}")
        if self.max is not None:
            parts.append(f"must stay at or under {format_value(self.max, unit)}")
        if self.min is not None:
            parts.append(f"must stay at or above {format_value(self.min, unit)}")
        said = "; ".join(parts) or "no bound"
        if self.over_days is not None:
            said += f", over the trailing {self.over_days} days"
        return said


def _demands_a_move(change: Change, up: bool) -> bool:
    """A max (up) below zero or a min above zero: the metric must move to hold the bound."""
    return change.amount < 0 if up else change.amount > 0


def _allowed(change: Change, unit: str | None) -> str:
    """A rule's change in the metric's unit: +10% (relative), +2 pts, -3 pts of NPS, -5 min."""
    if change.kind == "relative":
        return format_relative(change.amount, precision=3)
    if change.kind == "points":
        return format_change(change.amount, Unit.PERCENT)
    return format_change(change.amount, unit)


def _moved_by(baseline: float, current: float, change: Change, unit: str | None) -> str:
    """How far the metric moved, measured the way `change` is (relative or in units)."""
    if change.kind == "relative" and baseline != 0:
        return format_relative((current - baseline) / abs(baseline), precision=3)
    return format_change(current - baseline,
                         Unit.PERCENT if change.kind == "points" else unit)


@dataclass(frozen=True)
class Expectation:
    """What a bet expects to do to a key result."""

    key_result: str
    change: Change


@dataclass(frozen=True)
class Bet:
    id: str
    title: str
    status: BetStatus = BetStatus.IDEA
    opportunity: str | None = None
    hypothesis: str | None = None
    expects: Expectation | None = None
    change_mind_if: str | None = None
    shipped_on: date | None = None
    experiment: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class Objective:
    id: str
    title: str
    team: str | None = None
    owner: str | None = None
    aligns_to: str | None = None
    description: str | None = None
    key_results: tuple[KeyResult, ...] = ()
    guardrails: tuple[Guardrail, ...] = ()
    bets: tuple[Bet, ...] = ()


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    parent: str | None = None
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """Everything one `okrs/<period>.yaml` file says."""

    period: Period
    objectives: tuple[Objective, ...] = ()
    north_star: str | None = None

    def key_results(self) -> list[tuple[Objective, KeyResult]]:
        return [(o, kr) for o in self.objectives for kr in o.key_results]

    def bets(self) -> list[tuple[Objective, Bet]]:
        return [(o, b) for o in self.objectives for b in o.bets]

    def expected_shift(self, kr: KeyResult) -> float | None:
        """How far the plan's live bets (any but stopped) expect to move `kr`'s level, each
        change taken from its baseline (a relative "+10%" is a tenth of where it starts),
        added up; None when no live bet names it. What the ambition check weighs before
        calling a target out of reach."""
        changes = [b.expects.change for _, b in self.bets()
                   if b.expects is not None and b.expects.key_result == kr.id
                   and b.status is not BetStatus.STOPPED]
        if not changes:
            return None
        base = kr.baseline if kr.baseline is not None else 0.0
        return sum(c.apply(base) - base for c in changes)


@dataclass(frozen=True)
class CheckIn:
    """One week's reading of a KR: the number, and what the people who own it believe."""

    kr_id: str
    week: date
    value: float | None = None
    confidence: float | None = None
    note: str | None = None
    blockers: str | None = None
    source: CheckInSource = CheckInSource.MANUAL
    recorded_at: datetime | None = None
    author: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def by_a_person(*, value: float | None, confidence: float | None, note: str | None,
                blockers: str | None, source: str | None) -> bool:
    """Whether a check-in is the team's: a confidence, a note or blockers, or a value typed
    by hand. Sync writes the computed value every week, and that is not anyone checking in —
    the dashboard counted it as one ("checked in this week 2 / 2" on a workspace nobody had
    checked in on) while the weekly review, rightly, listed both KRs as missing."""
    return (confidence is not None or bool(note) or bool(blockers)
            or (source == "manual" and value is not None))


def progress(current: float, baseline: float, target: float) -> float:
    """(current - baseline) / (target - baseline), clipped to [0, 1].

    The same formula is right for decreasing targets: both differences are negative when the
    value falls towards the target, so the ratio is positive.
    """
    span = target - baseline
    if span == 0:
        return 1.0 if current == target else 0.0
    return min(1.0, max(0.0, (current - baseline) / span))


def raw_progress(current: float | None, baseline: float | None, target: float | None) -> (
    float | None
):
    """Unclipped progress from baseline to target (below 0: moved away; above 1: past the
    target); None when it cannot be measured. What every screen prints; `progress` clips it
    for bars and scores."""
    if current is None or baseline is None or target is None or target == baseline:
        return None
    return (current - baseline) / (target - baseline)
