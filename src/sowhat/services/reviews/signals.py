"""What the weekly review and the webhooks flag: missing check-ins and bets to reconsider.

Both look at the LAST COMPLETED ISO week before the as-of time (`review_week`): on Monday
morning last week is what people should have checked in on, and a week still running is
not yet "missed".

- A check-in is missing when nobody recorded a confidence, a note, blockers or a manual
  value for a KR that week. The automatic value `sowhat sync` writes does not count: the
  point of the check-in is what the owner believes, not what the events say.
- A bet's `change_mind_if` is free text, so Sowhat cannot evaluate it. What it can see is
  the number the bet was meant to move: for a shipped bet whose KR has not moved at least
  half the expected change since launch, the review says "check your change-mind
  condition" and shows the condition next to the numbers. Before and after are means of
  the KR's weekly values (each whole ISO week its own window, from the stored series) in
  the `BEFORE_WEEKS` weeks before the launch week and in the weeks after it up to the review
  week; the launch week itself is mixed and left out. A cohort metric's week is its
  cohorts' signup week, and a week whose cohorts were still inside their outcome window at
  the launch (day-7 activation of the week just before it) measured its outcome partly with
  the bet live, so "before" is the `BEFORE_WEEKS` latest weeks whose cohorts had finished
  theirs — the rule the impact estimate uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from sowhat.domain.okr import Change, by_a_person
from sowhat.domain.period import next_monday, week_start
from sowhat.domain.units import format_change, format_values, join_span
from sowhat.domain.words import counted
from sowhat.services.forecasts import full_weeks, maturity, weekly_series
from sowhat.spec.metric_defs import MetricsFile
from sowhat.spec.metric_units import kr_scale
from sowhat.store import repositories
from sowhat.store.models import CheckInRow, PeriodRow

__all__ = [
    "BEFORE_WEEKS",
    "MIN_WEEKS_AFTER",
    "MOVED_SHARE",
    "BetVerdict",
    "ChangeMindSignal",
    "MissingCheckIn",
    "change_mind_signals",
    "missing_checkins",
    "review_week",
]

BEFORE_WEEKS = 4
MIN_WEEKS_AFTER = 2
MOVED_SHARE = 0.5


class BetVerdict(StrEnum):
    NOT_MOVED = "not_moved"  # under half the expected change: check the change-mind condition
    MOVED = "moved"
    TOO_EARLY = "too_early"  # fewer than MIN_WEEKS_AFTER weekly values since launch


@dataclass(frozen=True)
class MissingCheckIn:
    kr_id: str
    kr_title: str
    objective_id: str
    owner: str | None  # the KR's owner, else its objective's
    week: date
    last_checked_in: date | None  # latest week someone recorded a check-in


@dataclass(frozen=True)
class ChangeMindSignal:
    bet_id: str
    bet_title: str
    objective_id: str
    kr_id: str
    shipped_on: date
    change_mind_if: str | None
    expected_change: str  # as written: "+0.04", "-30%"
    before: float | None
    after: float | None
    expected_after: float | None
    weeks_before: int
    weeks_after: int
    moved_share: float | None  # observed change / expected change
    verdict: BetVerdict
    message: str


def review_week(as_of: datetime | date) -> date:
    """Monday of the last ISO week that has fully ended by `as_of`."""
    if isinstance(as_of, datetime):
        moment = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
        day = moment.astimezone(UTC).date()
    else:
        day = as_of
    return week_start(day) - timedelta(days=7)


def missing_checkins(
    *, session: Session, period: PeriodRow, week: date
) -> tuple[MissingCheckIn, ...]:
    """Active KRs of an open period with no person's check-in for `week` (a Monday)."""
    if period.closed_at is not None or not (week < period.end
                                            and week + timedelta(days=7) > period.start):
        return ()
    contents = repositories.period_contents(session, period)
    objectives = {o.id: o for o in contents.objectives if o.archived_at is None}
    krs = [k for k in contents.key_results
           if k.archived_at is None and k.objective_id in objectives]
    by_kr: dict[int, list[CheckInRow]] = {}
    for c in repositories.checkins_for(session, [k.id for k in krs]):
        if c.week <= week and by_a_person(value=c.value, confidence=c.confidence, note=c.note,
                                          blockers=c.blockers, source=c.source):
            by_kr.setdefault(c.key_result_id, []).append(c)
    out = []
    for k in krs:
        rows = by_kr.get(k.id, [])
        if any(r.week == week for r in rows):
            continue
        o = objectives[k.objective_id]
        out.append(MissingCheckIn(kr_id=k.key, kr_title=k.title, objective_id=o.key,
                                  owner=k.owner or o.owner, week=week,
                                  last_checked_in=rows[-1].week if rows else None))
    return tuple(out)


def change_mind_signals(
    *, session: Session, period: PeriodRow, as_of: datetime | date,
    catalog: MetricsFile | None = None,
) -> tuple[ChangeMindSignal, ...]:
    """Every shipped bet with an expectation: has its KR moved since launch?"""
    contents = repositories.period_contents(session, period)
    objectives = {o.id: o for o in contents.objectives if o.archived_at is None}
    krs = {k.key: k for k in contents.key_results if k.archived_at is None}
    bets = [b for b in contents.bets
            if b.archived_at is None and b.objective_id in objectives and b.status == "shipped"
            and b.shipped_on is not None and b.expects_key_result in krs
            and b.expects_change_amount is not None]
    series = weekly_series(session, [krs[b.expects_key_result or ""].id for b in bets])
    last_full = review_week(as_of)
    until = last_full + timedelta(days=7)
    out = []
    for b in bets:
        assert b.shipped_on is not None
        assert b.expects_change_amount is not None
        kr = krs[b.expects_key_result or ""]
        history, in_period = series.get(kr.id, ([], []))
        launch = week_start(b.shipped_on)
        # The first whole week with the bet live, by the rule the impact estimate uses, so
        # the weekly review and the QBR count the same weeks; a week it shipped mid-way is
        # neither before nor after.
        first_live = next_monday(b.shipped_on)
        points = [(w, v) for w, v in full_weeks(history, in_period, period_start=period.start,
                                                 period_end=period.end, until=until)
                  if v is not None]
        # the latest week whose cohorts finished their outcome window by the launch
        last_clean, outcome = launch - timedelta(weeks=1), _outcome(catalog, kr.metric)
        while last_clean + timedelta(days=7) + outcome > b.shipped_on:
            last_clean -= timedelta(weeks=1)
        first_clean = last_clean - timedelta(weeks=BEFORE_WEEKS - 1)
        before = [v for w, v in points if first_clean <= w <= last_clean]
        after = [v for w, v in points if first_live <= w <= last_full]
        change = Change(b.expects_change_amount, b.expects_change_kind or "absolute")
        unit = kr_scale(metric=kr.metric, kr_unit=kr.unit, catalog=catalog).text
        out.append(_signal(b.key, b.title, objectives[b.objective_id].key, kr.key,
                           b.shipped_on, b.change_mind_if, change, before, after, unit))
    return tuple(out)


def _outcome(catalog: MetricsFile | None, metric: str | None) -> timedelta:
    """How long a cohort metric's outcome keeps changing after its cohort's signup (a
    ratio's longest part's); zero for any other metric, or when the catalog is not at
    hand."""
    defn = catalog.metrics.get(metric) if catalog is not None and metric else None
    window = maturity(defn, catalog)
    if window is None:
        return timedelta(0)
    return timedelta(days=math.ceil(window.total_seconds() / 86400))  # weeks are dates


def _signal(
    bet_id: str, title: str, objective_id: str, kr_id: str, shipped_on: date,
    change_mind_if: str | None, change: Change, before: list[float], after: list[float],
    unit: str | None = None,
) -> ChangeMindSignal:
    mean_before = sum(before) / len(before) if before else None
    mean_after = sum(after) / len(after) if after else None
    expected_after = change.apply(mean_before) if mean_before is not None else None
    share = None
    if mean_before is not None and mean_after is not None and expected_after is not None \
            and expected_after != mean_before:
        share = (mean_after - mean_before) / (expected_after - mean_before)
    if share is None or len(after) < MIN_WEEKS_AFTER or len(before) < MIN_WEEKS_AFTER:
        verdict = BetVerdict.TOO_EARLY
        message = (f"{counted(len(after), 'full week')} of {kr_id} since launch; the review looks "
                   f"again once there are {MIN_WEEKS_AFTER}")
    elif share < MOVED_SHARE:
        verdict = BetVerdict.NOT_MOVED
        message = (f"{kr_id} moved {_span(mean_before, mean_after, unit)} since launch, "
                   f"{share:.0%} of the expected {_expected(change, unit)}: check your "
                   "change-mind condition")
    else:
        verdict = BetVerdict.MOVED
        message = (f"{kr_id} moved {_span(mean_before, mean_after, unit)} since launch, "
                   f"{share:.0%} of the expected {_expected(change, unit)}")
    return ChangeMindSignal(
        bet_id=bet_id, bet_title=title, objective_id=objective_id, kr_id=kr_id,
        shipped_on=shipped_on, change_mind_if=change_mind_if, expected_change=str(change),
        before=mean_before, after=mean_after, expected_after=expected_after,
        weeks_before=len(before), weeks_after=len(after), moved_share=share, verdict=verdict,
        message=message,
    )


def _span(before: float | None, after: float | None, unit: str | None) -> str:
    """"8% → 10.4%" in the KR's unit (distinct values never print alike)."""
    return join_span(*format_values([before, after], unit))


def _expected(change: Change, unit: str | None) -> str:
    """A relative expectation as written (+15%); an absolute one in the KR's unit."""
    return format_change(change.amount, unit) if change.kind == "absolute" else str(change)
