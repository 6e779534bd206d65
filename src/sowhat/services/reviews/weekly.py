"""The weekly review: leading indicators, forecasts, guardrails, missing check-ins, bets.

The cadence the essays teach — weekly: steer by leading indicators; monthly: a deep dive on
lagging ones (`reviews_monthly`); quarterly: scores and a retrospective (`reviews_quarter`).
Every review is one frozen value built from what the last `sowhat sync` stored, so the CLI,
the API and the web page show the same thing; renderers live in `reviews_markdown` and the
shells.

Two readings of each KR are shown and named apart: the TO-DATE value (the check-in, the
metric over the period so far; what scores use) and the latest WEEKLY value (that week's own
window; what moves first and what the forecast projects).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.services.forecasts import (
    KRForecastView,
    Outlook,
    unsettled_weeks,
    weekly_series,
)
from sowhat.services.guardrails import (
    GuardrailStatus,
    ObjectiveHealth,
    PeriodHealth,
    objective_health,
)
from sowhat.services.listing.forecasts import forecasts_for
from sowhat.services.plans import status_rows
from sowhat.services.reviews.lessons import Lesson, list_lessons, previous_period
from sowhat.services.reviews.signals import (
    BetVerdict,
    ChangeMindSignal,
    MissingCheckIn,
    change_mind_signals,
    missing_checkins,
    review_week,
)
from sowhat.spec.metric_defs import MetricsFile, default_indicator, no_weekly_values
from sowhat.store import repositories
from sowhat.store.models import CheckInRow
from sowhat.store.sync_models import SyncRunRow

__all__ = [
    "GuardrailAlert",
    "WeeklyKR",
    "WeeklyReview",
    "guardrail_alerts",
    "guardrails_not_judged",
    "guardrails_within_noise",
    "indicator_of",
    "last_sync",
    "weekly_review",
]


@dataclass(frozen=True)
class WeeklyKR:
    kr_id: str
    objective_id: str
    title: str
    metric: str | None
    segment: str | None
    unit: str | None
    indicator: str  # leading | lagging
    target: float | None
    to_date: float | None  # check-in value for the review week: the period to date
    to_date_change: float | None  # against the week before's check-in value
    weekly_week: date | None  # the latest week that has its own (mature) value
    weekly_value: float | None
    weekly_change: float | None  # against the weekly value one week earlier
    probability: float | None  # P(target by the period's end), see services.forecasts
    outlook: Outlook
    forecast: str  # one line: what is projected, or why nothing is
    confidence: float | None  # the owner's, for the review week
    note: str | None
    blockers: str | None
    objective_at_risk: bool  # a guardrail of its objective is breached
    baseline: float | None = None  # with target and unit: how the values read (45.2%)
    # When the first reading comes, while the review week's value reads only cohorts from
    # before the period (KeyResultStatus.readable_when): `to_date` is then empty.
    not_readable: str | None = None
    # The weekly value's week is not settled yet: some of its cohorts are still inside their
    # outcome window (`services.forecasts.unsettled_weeks`), so the value still moves — the
    # charts draw such a week "so far", and a 7-day activation's week read +10 pts in the
    # review on five of its seven days of signups.
    weekly_so_far: bool = False


@dataclass(frozen=True)
class GuardrailAlert:
    objective_id: str
    objective_title: str
    metric: str
    segment: str | None
    rule: str
    baseline: float | None
    current: float | None
    reason: str
    as_of: datetime | None


@dataclass(frozen=True)
class WeeklyReview:
    period: str
    as_of: datetime
    week: date  # the review week (Monday): the last full week before as_of
    last_sync: datetime | None  # as-of of the latest sync of this period
    key_results: tuple[WeeklyKR, ...]  # leading indicators first
    guardrail_alerts: tuple[GuardrailAlert, ...]
    missing_checkins: tuple[MissingCheckIn, ...]
    bets: tuple[ChangeMindSignal, ...]  # shipped bets with an expected change
    previous_period: str | None
    previous_lessons: tuple[Lesson, ...]  # the last period's retrospective
    # evaluated but not judgeable (no value, or no baseline for a change bound): neither
    # an alert nor "held" (services.sync.guardrails)
    guardrails_not_judged: tuple[GuardrailAlert, ...] = ()
    guardrails: int = 0  # how many the period's objectives set
    # past a change bound but within noise: held, and said (services.sync.guardrails)
    guardrails_within_noise: tuple[GuardrailAlert, ...] = ()

    @property
    def all_guardrails_held(self) -> bool:
        """Every guardrail was judged and held — never said of none: "all held" over a plan
        without guardrails reads as a check that passed when nothing was checked."""
        return bool(self.guardrails) and not self.guardrail_alerts \
            and not self.guardrails_not_judged

    @property
    def no_guardrails(self) -> str | None:
        """What to say of a plan that sets no guardrail (None when it sets one)."""
        return None if self.guardrails else (
            "no guardrails set: nothing watches what the KRs could be bought with "
            "(add `guardrails:` to an objective)")

    def earlier_week(self, k: WeeklyKR) -> date | None:
        """The week a KR's weekly value is from when it is not the review week: a cohort
        metric's latest week with its own value is the last one whose cohorts finished their
        outcome window, often a week or two back. Every rendering dates such a value — one
        column of "this week's" values from three different weeks read as one week."""
        return k.weekly_week if k.weekly_week not in (None, self.week) else None

    def weekly_note(self, k: WeeklyKR) -> str:
        """What every rendering puts after a weekly value: its week when that is an earlier
        one, and "so far" when its cohorts are still maturing ("16 Nov, so far")."""
        if k.weekly_value is None:
            return ""
        earlier = self.earlier_week(k)
        parts = ([f"{earlier:%d %b}"] if earlier else []) + (["so far"] if k.weekly_so_far
                                                             else [])
        return ", ".join(parts)

    @property
    def change_mind(self) -> tuple[ChangeMindSignal, ...]:
        """Bets whose KR has not moved: time to check the change-mind condition."""
        return tuple(b for b in self.bets if b.verdict is BetVerdict.NOT_MOVED)


def indicator_of(indicator: str | None, metric: str | None, catalog: MetricsFile | None) -> str:
    """The KR's own indicator, else its metric's default (leading when unknown)."""
    if indicator:
        return indicator
    if catalog is not None and metric in catalog.metrics:
        return str(default_indicator(catalog.metrics[metric], catalog=catalog))
    return "leading"


def last_sync(session: Session, period: str) -> datetime | None:
    return session.scalars(
        select(SyncRunRow.as_of).where(SyncRunRow.period_label == period)
        .order_by(SyncRunRow.as_of.desc(), SyncRunRow.id.desc()).limit(1)
    ).first()


def _alert(o: ObjectiveHealth, g: GuardrailStatus, fallback: str) -> GuardrailAlert:
    return GuardrailAlert(objective_id=o.id, objective_title=o.title, metric=g.metric,
                          segment=g.segment, rule=g.rule, baseline=g.baseline,
                          current=g.current, reason=g.reason or fallback, as_of=g.as_of)


def guardrail_alerts(health: PeriodHealth) -> tuple[GuardrailAlert, ...]:
    """Every breached guardrail of the period, as of the last sync."""
    return tuple(_alert(o, g, "breached") for o in health.objectives for g in o.breaches)


def guardrails_not_judged(health: PeriodHealth) -> tuple[GuardrailAlert, ...]:
    """Every guardrail the last sync evaluated but could not judge, with why, and every one
    no sync has evaluated yet (added since): neither is "held"."""
    return tuple(
        _alert(o, g, f"{g.metric} could not be judged") if g.as_of is not None else
        _alert(o, g, f"{g.metric} not checked yet: no sync since it was added (`sowhat sync`)")
        for o in health.objectives for g in o.guardrails
        if g.as_of is None or not g.judged)  # never evaluated, or `o.not_judged`


def guardrails_within_noise(health: PeriodHealth) -> tuple[GuardrailAlert, ...]:
    """Every guardrail that held only because its move past the bound is within noise: not
    an alert, but "all guardrails held" alone would hide how close it came."""
    return tuple(_alert(o, g, "within noise") for o in health.objectives
                 for g in o.guardrails if g.within_noise)


def weekly_review(
    *, session: Session, catalog: MetricsFile | None, as_of: datetime | None = None,
    period: str | None = None,
) -> WeeklyReview:
    """The weekly review of a period (default: the one covering as_of) as of `as_of`."""
    as_of = _aware(as_of or datetime.now(UTC))
    status = status_rows(session=session, period=period, today=as_of.date(), catalog=catalog)
    row = repositories.periods_by_label(session, [status.period])[status.period]
    week = review_week(as_of)
    # stored by sync where their inputs are unchanged (services.listing.forecasts)
    forecasts = forecasts_for(session=session, catalog=catalog, status=status)
    health = objective_health(session=session, status=status, catalog=catalog)
    contents = repositories.period_contents(session, row)
    kr_rows = {k.key: k for k in contents.key_results if k.archived_at is None}
    checkins: dict[int, dict[date, CheckInRow]] = defaultdict(dict)
    for c in repositories.checkins_for(session, [k.id for k in kr_rows.values()]):
        checkins[c.key_result_id][c.week] = c
    series = weekly_series(session, [k.id for k in kr_rows.values()])
    at_risk = {o.id for o in health.at_risk}
    krs = []
    for o in status.objectives:
        for k in o.key_results:
            rid = kr_rows[k.id].id
            this = checkins[rid].get(week)
            before = checkins[rid].get(week - timedelta(days=7))
            points = [(w, v) for w, v in series.get(rid, ([], []))[1] if v is not None]
            f = forecasts.get(k.id)
            # a value sync computed from cohorts before the period is not progress; one a
            # person typed is shown as given
            unread = (k.readable_from is not None and week + timedelta(days=7) < k.readable_from
                      and (this is None or this.source == "auto"))  # fmt: skip
            value = None if unread or this is None else this.value
            # a monthly metric's reading moves only when a month completes: its Δ on the
            # week before is 0 or a month-on-month change, neither the week's
            monthly = catalog is not None and k.metric is not None and no_weekly_values(
                catalog.metrics.get(k.metric), catalog) is not None
            so_far = bool(points) and points[-1][0] in unsettled_weeks(
                points[-1:], period_end=status.end, as_of=status.data_through
                or status.last_sync, metric=k.metric, catalog=catalog)
            krs.append(WeeklyKR(
                kr_id=k.id, objective_id=o.id, title=k.title, metric=k.metric,
                segment=k.segment, unit=k.unit,
                indicator=indicator_of(k.indicator, k.metric, catalog), target=k.target,
                to_date=value,
                to_date_change=None if monthly else _diff(
                    value, before.value if before and not unread else None),
                weekly_week=points[-1][0] if points else None,
                weekly_value=points[-1][1] if points else None,
                # a week over its first cohorts against a whole week read as a move ("45.7%
                # so far, -7.1 pts" of a KR whose settled weeks rose): no change until settled
                weekly_change=None if so_far else _weekly_change(points),
                probability=f.probability if f else None,
                outlook=f.outlook if f else Outlook.UNKNOWN,
                forecast=_forecast_line(f, k.metric),
                confidence=this.confidence if this else None, note=this.note if this else None,
                blockers=this.blockers if this else None, objective_at_risk=o.id in at_risk,
                baseline=k.baseline, not_readable=k.readable_when if unread else None,
                weekly_so_far=so_far,
            ))  # fmt: skip
    krs.sort(key=lambda r: r.indicator != "leading")  # stable: file order within each
    previous = previous_period(session, row)
    return WeeklyReview(
        period=row.label, as_of=as_of, week=week, last_sync=last_sync(session, row.label),
        key_results=tuple(krs),
        guardrail_alerts=guardrail_alerts(health),
        missing_checkins=missing_checkins(session=session, period=row, week=week),
        bets=change_mind_signals(session=session, period=row, as_of=as_of, catalog=catalog),
        previous_period=previous.label if previous else None,
        previous_lessons=list_lessons(session=session, period=previous.label)
        if previous else (),
        guardrails_not_judged=guardrails_not_judged(health),
        guardrails_within_noise=guardrails_within_noise(health),
        guardrails=sum(len(o.guardrails) for o in health.objectives),
    )


def _forecast_line(f: KRForecastView | None, metric: str | None) -> str:
    if f is None:
        return "no metric: checked in by hand" if metric is None else "no forecast"
    return f.describe()


def _weekly_change(points: list[tuple[date, float]]) -> float | None:
    if len(points) < 2 or (points[-1][0] - points[-2][0]).days > 7:
        return None
    return _diff(points[-1][1], points[-2][1])


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
