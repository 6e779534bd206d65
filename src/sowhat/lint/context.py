"""What the caller knows beyond the OKR file: today, the metric catalog, forecasts, values.

The coach never reads events or the database itself (it sits beside `metrics` and `store`
and may not import them); whoever calls it passes these summaries in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sowhat.domain.okr import Indicator
from sowhat.domain.units import Scale


@dataclass(frozen=True)
class MetricInfo:
    """One metric of the workspace catalog, as far as coaching needs it.

    `window` is the outcome window a cohort needs to mature (a conversion's `within`, the end
    of a retention's day range); None for window-less metrics (count, unique, sum...).
    """

    name: str
    description: str | None = None
    type: str | None = None
    window: timedelta | None = None
    indicator: Indicator | None = None
    scale: Scale | None = None  # unit and possible range of its values (SW115, SW116)


@dataclass(frozen=True)
class MeasuredBaseline:
    """A KR's measure computed from the events just before its period (see
    sowhat.domain.measure): what the typed `baseline:` should say. `share` marks a 0–1 rate."""

    value: float
    start: datetime
    end: datetime
    share: bool = False
    trials: float | None = None  # a rate's cohort / customer-periods: its noise
    trials_noun: str = ""  # what they are: "accounts", "account-months"


@dataclass(frozen=True)
class LintContext:
    """Everything a lint run depends on besides the plan; frozen so runs are reproducible.

    - `as_of`: the day "today" means (waiver expiry, what remains of the period).
    - `metrics`: catalog by name (descriptions for rewrites, windows for SW110, indicators
      for SW106).
    - `hit_probabilities`: kr id -> P(target hit with no change), computed elsewhere from the
      event history; None means there is no history, and SW108/SW109 are skipped.
    - `bet_probabilities`: kr id -> P(target hit) with the changes its live bets expect, for
      the KRs bets expect to move (SW109 does not ask for bets that already close the gap).
    - `current_values`: metric name -> its current value, used as the baseline in rewrites.
    - `measured_baselines`: kr id -> the KR's measure just before its period, computed from
      the events for the file being linted (SW114); None when there are no events.
    - `select` / `ignore`: rule codes or prefixes (`SW10`), like ruff.
    """

    as_of: date
    metrics: Mapping[str, MetricInfo] = field(default_factory=dict)
    hit_probabilities: Mapping[str, float | None] | None = None
    bet_probabilities: Mapping[str, float | None] = field(default_factory=dict)
    current_values: Mapping[str, float] = field(default_factory=dict)
    measured_baselines: Mapping[str, MeasuredBaseline] | None = None
    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()

    def enabled(self, code: str) -> bool:
        """Ruff semantics: a code runs when some `select` prefix matches (or none is given)
        and no `ignore` prefix does."""
        if not self.select and not self.ignore:
            return True
        code = code.upper()
        if self.select and not any(code.startswith(p.upper()) for p in self.select):
            return False
        return not any(code.startswith(p.upper()) for p in self.ignore)

    @classmethod
    def today(cls) -> LintContext:
        return cls(as_of=date.today())
