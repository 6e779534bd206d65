"""The QBR: the quarterly review (`reviews_quarter`), told per objective for executives.

For every objective, the riskiest first (services.standing.rule):
- its score, status word and commit/target/stretch attainment — the quarterly review's own
  numbers, untouched, so the report equals `sowhat review quarter --format json`;
- what changed in behaviour: each KR's baseline → now, the latest week's value and whether it
  moved beyond noise since the baseline (services.standing.changes), and the forecast range;
- its guardrails, held or breached;
- the bets shipped against it and whether each moved its KR (services.impact.verdicts), with the
  feature-factory index per team;
- what carries over: KRs short of their target and bets not shipped yet.
Lessons come from the quarterly review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from sowhat.services.forecasts import KRForecastView, unsettled_weeks
from sowhat.services.guardrails import GuardrailStatus, KRHealth
from sowhat.services.impact.verdicts import VerdictBoard, VerdictCard, verdict_board
from sowhat.services.listing.forecasts import period_forecasts
from sowhat.services.okrs.views import BetView, plan_view, series
from sowhat.services.reviews.quarter import ObjectiveAttainment, QuarterReview, quarter_review
from sowhat.services.series.months import is_monthly, monthly_values
from sowhat.services.standing.changes import Movement, movement
from sowhat.services.standing.period import standings_of
from sowhat.services.standing.rule import KRStanding, ObjectiveStanding, risk_order
from sowhat.spec.workspace import Workspace
from sowhat.stats.factory_index import FactoryIndex

__all__ = ["BetLine", "KRLine", "ObjectiveSection", "QuarterReport", "quarter_report"]

UNFINISHED = ("idea", "discovery", "building")


@dataclass(frozen=True)
class KRLine:
    health: KRHealth  # the quarterly review's numbers
    word: KRStanding
    metric: str | None
    unit: str | None
    movement: Movement | None  # the latest week against the week before and the baseline
    weekly: tuple[tuple[date, float], ...]  # the computed weekly values (or the check-ins)
    forecast: KRForecastView | None
    unsettled: tuple[date, ...] = ()  # weeks of `weekly` still moving, drawn "so far"
    # "month": `weekly` holds a monthly metric's calendar months (services.series.months)
    grain: str = "week"


@dataclass(frozen=True)
class BetLine:
    bet: BetView
    verdict: VerdictCard | None  # None: not shipped, or not measured


@dataclass(frozen=True)
class ObjectiveSection:
    attainment: ObjectiveAttainment
    word: ObjectiveStanding
    key_results: tuple[KRLine, ...]
    guardrails: tuple[GuardrailStatus, ...]
    shipped: tuple[BetLine, ...]
    carry_over: tuple[str, ...]  # one sentence each


@dataclass(frozen=True)
class QuarterReport:
    review: QuarterReview
    period_start: date
    period_end: date
    elapsed: float
    sections: tuple[ObjectiveSection, ...]  # the riskiest objective first
    factory: tuple[FactoryIndex, ...]
    verdict_error: str | None

    @property
    def units(self) -> dict[str, str | None]:
        return {k.health.id: k.unit for s in self.sections for k in s.key_results}


def quarter_report(*, session: Session, workspace: Workspace | None, period: str | None = None,
                   as_of: datetime | None = None) -> QuarterReport:  # fmt: skip
    """The QBR of a period (default: the one covering as_of)."""
    as_of = as_of or datetime.now(UTC)
    catalog = workspace.metrics if workspace else None
    review = quarter_review(session=session, period=period, as_of=as_of, catalog=catalog)
    plan = plan_view(session=session, period=review.period, today=as_of.date(), catalog=catalog)
    # stored by sync where their inputs are unchanged, fitted otherwise
    forecasts = {f.kr_id: f for f in period_forecasts(
        session=session, catalog=catalog, period=review.period, today=as_of.date(),
    ).key_results} if catalog is not None else {}  # fmt: skip
    standings = standings_of(plan, forecasts)
    board = (verdict_board(session=session, workspace=workspace, period=review.period)
             if workspace is not None else VerdictBoard(review.period, (), ()))  # fmt: skip
    verdicts = {c.bet_id: c for c in board.cards}
    scores = {o.id: o.score for o in plan.status.objectives}
    sections = []
    for item in review.objectives:
        o = item.objective
        word = standings[o.id]
        lines = []
        for k in o.key_results:
            view = plan.key_result(k.id)
            every = [(p.week, float(p.value), p.phase) for p in series(
                session=session, period=review.period, kr_id=k.id) if p.value is not None]
            points = [(w, v) for w, v, _ in every]
            stored = [(w, v) for w, v, phase in every if phase == "period"]
            # one week's settling does not depend on the others: read once for all of them
            moving = frozenset(unsettled_weeks(
                points, period_end=plan.status.end, metric=view.status.metric,
                as_of=plan.status.data_through or plan.status.last_sync, catalog=catalog))
            kr_word = next(w for w in word.key_results if w.kr_id == k.id)
            monthly = workspace is not None and is_monthly(catalog, view.status.metric)
            if monthly and workspace is not None and view.status.metric:
                # no weeks to draw: each whole month of the period as its own window
                stored = [(m.month, m.value) for m in monthly_values(
                    workspace=workspace, metric=view.status.metric,
                    segment=view.status.segment, start=plan.status.start,
                    end=plan.status.end, until=as_of) if m.value is not None]
            lines.append(KRLine(
                health=k, word=kr_word, metric=view.status.metric, unit=view.status.unit,
                # the weeks before the period tell the noise a baseline is judged against
                movement=movement(view, points, period_start=plan.status.start,
                                  unsettled=moving),
                weekly=tuple(stored), grain="month" if monthly else "week",
                unsettled=() if monthly else tuple(w for w, _ in stored if w in moving),
                forecast=forecasts.get(k.id)))
        bets = [b for b in plan.bets if b.objective == o.id]
        shipped = tuple(BetLine(b, verdicts.get(b.id)) for b in bets
                        if b.bet.shipped_on is not None)  # fmt: skip
        carry = [f"{k.health.title} — {_short(k)}" for k in lines
                 if k.health.attainment.value not in ("target", "stretch")]
        carry += [f"Bet “{b.bet.title}” is still in {b.bet.status}" for b in bets
                  if str(b.bet.status) in UNFINISHED]
        sections.append(ObjectiveSection(item, word, tuple(lines), o.guardrails, shipped,
                                         tuple(carry)))
    sections.sort(key=lambda s: risk_order(s.word, scores.get(s.attainment.objective.id)))
    return QuarterReport(review=review, period_start=plan.status.start,
                         period_end=plan.status.end, elapsed=plan.status.elapsed,
                         sections=tuple(sections), factory=board.factory,
                         verdict_error=board.error)


def _short(k: KRLine) -> str:
    p = k.health.progress
    if k.health.note:
        return (f"not readable yet ({k.health.note}): keep it as a lagging check next "
                "period and steer on a leading indicator that reads sooner")
    if p is None:
        return "not measured yet: carry it over with a baseline, or drop it"
    if p < 0:
        return "moved away from its target: rethink the bets behind it before carrying it over"
    return f"{p:.0%} of the way to its target: carry it over, or say why not"
