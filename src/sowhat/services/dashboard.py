"""What each web page shows, assembled from the read models: one function per page.

Pages stay free of queries and arithmetic; a page that needs something new gets it here, so
the JSON API can expose the same thing without computing it twice. Pieces that other
services provide (forecasts) are optional: without a stored weekly series a KR has no
forecast and the page says "no forecast yet"; a forecast failure never breaks a page.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.domain.okr import BET_TRANSITIONS, BetStatus
from sowhat.domain.period import Period, week_start
from sowhat.services.accounts import Principal
from sowhat.services.coach import Coaching, coach_text
from sowhat.services.events import event_source_spec
from sowhat.services.forecasts import KRForecastView, Outlook
from sowhat.services.listing.cache import Version, data_version, read_cache
from sowhat.services.listing.filters import (
    DEFAULT_PER_PAGE,
    Pager,
    kr_matches,
    objective_matches,
    paginate,
)
from sowhat.services.listing.incremental import Marks, touched_since
from sowhat.services.okrs.views import (
    AuditPage,
    BetView,
    CheckInView,
    GuardrailView,
    KeyResultView,
    ObjectiveView,
    PlanView,
    SeriesPoint,
    audit_page,
    checkin_for_week,
    checkins,
    plan_view,
    series,
)
from sowhat.services.plans import (
    KeyResultStatus,
    ObjectiveStatus,
    _resolve_period,
)
from sowhat.services.series.months import is_monthly, monthly_values
from sowhat.services.series.north_star import north_star_series
from sowhat.services.standing.changes import Changes, KRChange, assemble, kr_changes
from sowhat.services.standing.period import (
    PeriodStanding,
    cached_plan,
    objective_word,
    period_forecasts,
    period_standing,
    plan_model,
    standings_of,
)
from sowhat.services.standing.rule import (
    KRStanding,
    ObjectiveStanding,
    kr_standing,
    risk_order,
)
from sowhat.spec.event_source import EventSourceSpec
from sowhat.spec.metric_defs import MetricsFile
from sowhat.spec.workspace import Workspace
from sowhat.store import repositories
from sowhat.store.models import KeyResultRow, PeriodRow

__all__ = [
    "BOARD_COLUMNS",
    "NO_FORECAST",
    "AlignmentNode",
    "BetsBoard",
    "CheckInTarget",
    "Dashboard",
    "KeyResultPage",
    "PeriodStanding",
    "alignment",
    "bets_board",
    "cached_plan",
    "checkin_targets",
    "dashboard",
    "key_result_list",
    "key_result_page",
    "period_standing",
]

log = logging.getLogger("sowhat.services.dashboard")
NO_FORECAST = "no forecast yet"
BOARD_COLUMNS: tuple[str, ...] = ("idea", "discovery", "building", "shipped", "stopped")


@dataclass(frozen=True)
class Dashboard:
    plan: PlanView
    north_star: tuple[SeriesPoint, ...]  # weekly (a monthly metric's: monthly) values
    alerts: tuple[GuardrailView, ...]  # breached guardrails
    unmeasured_guardrails: int
    changes: Changes  # what changed in behaviour (services.standing.changes)
    checked_in_this_week: int
    week: date
    forecasts: dict[str, KRForecastView]  # by KR id, KRs with a metric (probability may be None)
    standings: dict[str, ObjectiveStanding]  # by objective id, each with its KRs' words
    order: tuple[str, ...]  # objective ids, the riskiest first (services.standing.rule)
    forecast: str = NO_FORECAST  # one line for the summary tile
    data_through: datetime | None = None  # the watermark of the last sync
    stale: str | None = None  # why the data is stale, when it is
    guardrails: int = 0  # how many the shown objectives set ("0 breached" of none is no news)
    # filters and the page shown (`order` holds only that page's objectives)
    team: str | None = None
    owner: str | None = None
    pager: Pager | None = None
    kr_total: int = 0  # key results of the filtered objectives
    teams: tuple[str, ...] = ()  # every team with an objective: the filter's choices
    owners: tuple[str, ...] = ()  # every objective or KR owner
    periods: tuple[str, ...] = ()  # every stored period's label, oldest first (the nav)

    # Built once with the cached model and carried by `replace` to every filtered view: a
    # page of 20 objectives must not rebuild maps of the whole plan on every request.
    kr_words: dict[str, KRStanding] = field(default_factory=dict)  # by KR id, every KR
    word_counts: dict[str, int] = field(default_factory=dict)  # objectives per word shown

    def kr_word(self, kr_id: str) -> KRStanding | None:
        found = self.kr_words.get(kr_id)
        if found is None and not self.kr_words:  # a model built without the map
            return next((k for o in self.standings.values() for k in o.key_results
                         if k.kr_id == kr_id), None)
        return found

    @property
    def objectives_by_risk(self) -> tuple[ObjectiveStatus, ...]:
        return tuple(self.plan.objective(i).status for i in self.order)

    def count(self, word: str) -> int:
        """How many objectives carry this status word."""
        if self.word_counts:
            return self.word_counts.get(word, 0)
        return sum(1 for o in self.standings.values() if o.word == word)


@dataclass(frozen=True)
class KeyResultPage:
    plan: PlanView
    kr: KeyResultView
    objective: ObjectiveView
    checkins: tuple[CheckInView, ...]
    series: tuple[SeriesPoint, ...]
    launches: tuple[BetView, ...]  # shipped bets expecting this KR
    bets: tuple[BetView, ...]  # every bet expecting this KR
    history: AuditPage
    coaching: Coaching
    weekly: tuple[SeriesPoint, ...]  # the metric's weekly values (each week its own window)
    forecast_view: KRForecastView | None
    forecast: str = NO_FORECAST
    word: KRStanding | None = None  # its status word (services.standing.rule)


@dataclass(frozen=True)
class BetsBoard:
    plan: PlanView
    columns: tuple[tuple[str, tuple[BetView, ...]], ...]
    moves: dict[str, tuple[str, ...]]  # status -> the statuses a bet may move to from it


@dataclass(frozen=True)
class AlignmentNode:
    id: str
    title: str
    team: str | None
    score: float | None
    stored: bool  # False for a parent named by aligns_to that this period does not hold
    children: tuple[AlignmentNode, ...]


@dataclass(frozen=True)
class CheckInTarget:
    kr: KeyResultView
    objective_title: str
    this_week: CheckInView | None
    reason: str  # owner | editor | admin

    @property
    def version(self) -> int:
        return self.this_week.version if self.this_week else 0


def dashboard(
    *, session: Session, period: str | None = None, today: date | None = None,
    now: datetime | None = None, workspace: Workspace | None = None,
    team: str | None = None, owner: str | None = None, page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Dashboard:  # fmt: skip
    """`workspace` lets the North Star be computed from the events when no KR measures it.

    `team` and `owner` keep the objectives of that team / with that owner (of the objective
    or one of its KRs, services.listing.filters); the tiles and "what changed" count only
    those. `page` of `per_page` objectives, the riskiest first. The whole plan's model is
    cached until the data changes (services.listing.cache): filters and pages are cheap."""
    now = now or datetime.now(UTC)
    day = today or now.date()
    full = _cached_dashboard(session, period, day, workspace)
    view = _filtered(full, team=team, owner=owner, page=page, per_page=per_page)
    return replace(view, stale=staleness(view.data_through, workspace=workspace, now=now))


KR_PER_PAGE = 50


@dataclass(frozen=True)
class KRRow:
    kr: KeyResultStatus
    objective: ObjectiveStatus
    word: KRStanding | None
    forecast: KRForecastView | None


@dataclass(frozen=True)
class KeyResultList:
    dashboard: Dashboard  # filters and choices; tiles are not shown on the list
    rows: tuple[KRRow, ...]  # this page's key results, the riskiest objectives' first
    pager: Pager


def key_result_list(
    *, session: Session, period: str | None = None, today: date | None = None,
    now: datetime | None = None, workspace: Workspace | None = None,
    team: str | None = None, owner: str | None = None, page: int = 1,
    per_page: int = KR_PER_PAGE,
) -> KeyResultList:  # fmt: skip
    """The period's key results as one list (the KR list page): those of `team` and `owner`
    (the KR's owner, else its objective's), ordered as the dashboard orders objectives."""
    now = now or datetime.now(UTC)
    day = today or now.date()
    full = _cached_dashboard(session, period, day, workspace)
    objectives = [full.plan.objective(i).status for i in full.order]
    chosen = [(k, o) for o in objectives for k in o.key_results
              if kr_matches(k, o, team=team, owner=owner)]  # fmt: skip
    shown, pager = paginate(chosen, page=page, per_page=per_page)
    rows = tuple(KRRow(k, o, full.kr_word(k.id), full.forecasts.get(k.id)) for k, o in shown)
    view = replace(full, team=team, owner=owner,
                   stale=staleness(full.data_through, workspace=workspace, now=now))
    return KeyResultList(view, rows, pager)


@dataclass(frozen=True)
class _Model:
    """The cached dashboard with what its update after a write needs: each KR's share of
    "what changed" (services.standing.changes.KRChange) and what sync had stored for each KR
    (services.listing.incremental.Marks)."""

    dashboard: Dashboard
    changes: dict[str, KRChange]
    marks: Marks


def _cached_dashboard(session: Session, period: str | None, day: date,
                      workspace: Workspace | None) -> Dashboard:  # fmt: skip
    label = _resolve_period(session, period, day).label  # `/` and `/periods/<it>` share
    return read_cache.get(
        session, ("dashboard", label, day),
        lambda: _full_dashboard(session, label, day, workspace),
        inputs=workspace,
        update=lambda old, version: _updated(session, old, version, day, workspace),
    ).dashboard  # fmt: skip


def _full_dashboard(session: Session, period: str | None, day: date,
                    workspace: Workspace | None) -> _Model:  # fmt: skip
    catalog = workspace.metrics if workspace else None
    model = plan_model(session, period, day, catalog)
    plan = model.plan
    forecasts = period_forecasts(session, catalog, plan, day, model.marks)
    standings = standings_of(plan, forecasts)
    parts = kr_changes(session=session, plan=plan, today=_changes_day(plan, day),
                       catalog=catalog)
    return _Model(_assemble(session, plan, day, _trend(session, plan, day, workspace),
                            forecasts, standings, parts), parts, model.marks)


def _trend(session: Session, plan: PlanView, day: date,
           workspace: Workspace | None) -> tuple[SeriesPoint, ...]:  # fmt: skip
    """The North Star's weekly values: from a KR measuring it, else from the events. A
    monthly North Star (monthly active teams) has no weeks: its calendar months, each its
    own window (a point per month's 1st)."""
    metric = plan.status.north_star
    if workspace is not None and metric and is_monthly(workspace.metrics, metric):
        return tuple(SeriesPoint(m.month, m.value, "period") for m in monthly_values(
            workspace=workspace, metric=metric, segment=None, start=plan.status.start,
            end=plan.status.end))
    trend = _north_star(session, plan)
    if not trend and workspace is not None:
        span = Period(start=plan.status.start, end=plan.status.end, label=plan.period)
        trend = [SeriesPoint(v.week, v.value, "period") for v in north_star_series(
            workspace=workspace, metric=plan.status.north_star, period=span, today=day)]
    return tuple(trend)


def _updated(session: Session, old: _Model, version: Version, day: date,
             workspace: Workspace | None) -> _Model | None:  # fmt: skip
    """The cached dashboard after a write, updated for what the write touched
    (services.listing.incremental): the plan's touched objectives read again, their KRs'
    forecasts, status words and "what changed" recomputed, the rest kept. None: build
    anew."""
    prev = old.dashboard
    touched = touched_since(session, prev.plan.period, version, data_version(session),
                            marks=old.marks)
    if touched is None:
        return None
    catalog = workspace.metrics if workspace else None
    model = plan_model(session, prev.plan.period, day, catalog)
    plan = model.plan
    if week_start(_changes_day(plan, day)) != week_start(_changes_day(prev.plan, day)):
        return None  # "this week" moved (a sync's later data): every KR's share changes
    names = touched.objectives | {prev.plan.key_result(k).objective for k in touched.key_results
                                  if k in prev.plan._key_results_by_id}
    names |= {plan.key_result(k).objective for k in touched.key_results
              if k in plan._key_results_by_id}
    names |= {b.objective for b in (*prev.plan.bets, *plan.bets) if b.id in touched.bets}
    # A KR's share of "what changed" reads its view, its check-ins and its series only: it
    # is recomputed when one of them changed — the view (compared: a KR of a re-read
    # objective keeps an equal one unless it changed), its check-ins (audited) or its
    # series (the sync marks) — not for every KR of a re-read objective (after a new day's
    # sync, every objective with a synced KR).
    before = prev.plan._key_results_by_id
    keys = {k.id for k in plan.key_results if before.get(k.id) != k}
    keys |= touched.key_results
    if touched.earlier_checkins:  # a carried KR's history spans periods
        keys |= _carried(session, plan.period)
    if _north_star_krs(prev.plan) != _north_star_krs(plan):
        return None  # the trend may come from another KR now
    # a sync may have rewritten the trend's series (or, without a KR measuring the North
    # Star, read newer events) and re-evaluated the guardrails
    trend = _trend(session, plan, day, workspace) if touched.synced else prev.north_star
    forecasts = period_forecasts(session, catalog, plan, day, model.marks)
    breached = {g.objective for g in plan.guardrails if g.breached}
    names |= breached ^ {g.objective for g in prev.plan.guardrails if g.breached}
    def word(o: ObjectiveStatus) -> ObjectiveStanding:
        return objective_word(o, plan, forecasts, breached)

    standings = {o.id: word(o) if o.id in names else prev.standings.get(o.id) or word(o)
                 for o in plan.status.objectives}  # fmt: skip
    live = {k.id for k in plan.key_results}
    parts = {k: v for k, v in old.changes.items() if k not in keys and k in live}
    parts.update(kr_changes(session=session, plan=plan, today=_changes_day(plan, day),
                            keys=keys & live,
                            catalog=workspace.metrics if workspace else None))
    return _Model(_assemble(session, plan, day, trend, forecasts, standings, parts), parts,
                  model.marks)


def _north_star_krs(plan: PlanView) -> list[tuple[str, str | None]]:
    """The KRs the North Star's trend is read from (`_north_star`): while they are the same,
    so is the trend (their series change only with a sync)."""
    metric = plan.status.north_star
    if metric is None:
        return []
    return [(k.id, k.status.segment) for k in plan.key_results if k.status.metric == metric]


def _changes_day(plan: PlanView, day: date) -> date:
    """"This week" is the data's latest week: stale data must not read as a quiet week."""
    through = plan.status.data_through or plan.status.last_sync
    return min(day, through.date()) if through else day


def _assemble(session: Session, plan: PlanView, day: date, trend: tuple[SeriesPoint, ...],
              forecasts: dict[str, KRForecastView], standings: dict[str, ObjectiveStanding],
              parts: dict[str, KRChange]) -> Dashboard:  # fmt: skip
    week = week_start(day)
    # how far the numbers reach: the watermark of the last sync, else that sync's as-of
    # (no value reads events at or after it)
    through = plan.status.data_through or plan.status.last_sync
    order = sorted(plan.status.objectives,
                   key=lambda o: risk_order(standings[o.id], o.score))  # fmt: skip
    owners = {o.owner for o in plan.status.objectives if o.owner} | {
        k.owner for o in plan.status.objectives for k in o.key_results if k.owner}
    return Dashboard(
        plan=plan,
        north_star=trend,
        alerts=tuple(g for g in plan.guardrails if g.breached),
        unmeasured_guardrails=sum(1 for g in plan.guardrails if g.breached is None),
        guardrails=len(plan.guardrails),
        changes=assemble(plan, _changes_day(plan, day), parts),
        checked_in_this_week=sum(1 for k in plan.key_results
                                 if k.status.last_person_week == week),
        week=week,
        forecasts=forecasts,
        standings=standings,
        order=tuple(o.id for o in order),
        kr_words={k.kr_id: k for o in standings.values() for k in o.key_results},
        word_counts=_word_counts(standings),
        forecast=_summary(forecasts),
        data_through=through,
        kr_total=len(plan.key_results),
        teams=tuple(sorted({o.team for o in plan.status.objectives if o.team})),
        owners=tuple(sorted(owners, key=str.lower)),
        # labels only: `list_periods` would load every period's objectives to count them
        periods=tuple(r.label for r in repositories.all_periods(session)),
    )


def _carried(session: Session, period: str) -> set[str]:
    """The period's KRs carried from an earlier one."""
    return {str(k) for k in session.scalars(
        select(KeyResultRow.key).join(PeriodRow, KeyResultRow.period_id == PeriodRow.id)
        .where(PeriodRow.label == period, KeyResultRow.carried_from_id.is_not(None)))}


def _filtered(full: Dashboard, *, team: str | None, owner: str | None, page: int,
              per_page: int) -> Dashboard:  # fmt: skip
    """The dashboard of the objectives matching the filters, showing one page of them."""
    if not team and not owner:
        shown, pager = paginate(full.order, page=page, per_page=per_page)
        return replace(full, order=tuple(shown), pager=pager)
    plan = full.plan
    chosen = [i for i in full.order
              if objective_matches(plan.objective(i).status, team=team, owner=owner)]  # fmt: skip
    shown, pager = paginate(chosen, page=page, per_page=per_page)
    keep = set(chosen)
    krs = {k.id for i in chosen for k in plan.objective(i).status.key_results}
    standings = {i: full.standings[i] for i in chosen}
    c = full.changes
    changes = replace(c, movements=tuple(m for m in c.movements if m.kr_id in krs),
                      notes=tuple(n for n in c.notes if n.kr_id in krs),
                      breaches=tuple(g for g in c.breaches if g.objective in keep),
                      steady=len(krs & c.steady_ids), steady_ids=c.steady_ids & krs)
    return replace(
        full, order=tuple(shown), pager=pager, team=team, owner=owner,
        standings=standings, word_counts=_word_counts(standings),
        alerts=tuple(g for g in full.alerts if g.objective in keep),
        unmeasured_guardrails=sum(1 for g in full.plan.guardrails
                                  if g.objective in keep and g.breached is None),
        guardrails=sum(1 for g in full.plan.guardrails if g.objective in keep),
        checked_in_this_week=sum(1 for k in full.plan.key_results
                                 if k.id in krs and k.status.last_person_week == full.week),
        forecast=_summary({k: v for k, v in full.forecasts.items() if k in krs}),
        changes=changes, kr_total=len(krs),
    )  # fmt: skip


def staleness(through: datetime | None, *, workspace: Workspace | None,
              now: datetime | None = None) -> str | None:  # fmt: skip
    """Why the numbers are stale (their data older than `[events] stale_after`), or None."""
    if through is None:
        return None
    spec = event_source_spec(workspace) if workspace else EventSourceSpec()
    moment = through.replace(tzinfo=UTC) if through.tzinfo is None else through
    age = (now or datetime.now(UTC)) - moment
    if age <= spec.stale_after:
        return None
    return f"{age.days} days ago — {spec.stale_advice}"


def key_result_page(*, session: Session, period: str | None, kr_id: str,
                    metrics: MetricsFile | None = None, today: date | None = None,
                    title: str | None = None) -> KeyResultPage:  # fmt: skip
    model = plan_model(session, period, today, metrics)
    plan = model.plan
    kr = plan.key_result(kr_id)
    expecting = tuple(b for b in plan.bets if b.bet.expects and b.bet.expects.key_result == kr_id)
    view = period_forecasts(session, metrics, plan, today or datetime.now(UTC).date(),
                      model.marks).get(kr_id)
    return KeyResultPage(
        plan=plan,
        kr=kr,
        objective=plan.objective(kr.objective),
        checkins=tuple(checkins(session=session, period=plan.period, kr_id=kr_id)),
        series=tuple(series(session=session, period=plan.period, kr_id=kr_id)),
        launches=tuple(b for b in expecting if b.bet.shipped_on is not None),
        bets=expecting,
        history=audit_page(session=session, key_prefix=f"{plan.period}/{kr_id}", limit=20),
        coaching=coach_text(title or kr.status.title, metrics=metrics, today=today),
        weekly=tuple(p for p in series(session=session, period=plan.period, kr_id=kr_id)
                     if p.phase == "period"),
        forecast_view=view,
        forecast=view.describe() if view and view.probability is not None
        else (view.note if view and view.note else NO_FORECAST),
        word=kr_standing(kr.status, elapsed=plan.status.pace_elapsed,
                         through=plan.status.paced_through,
                         outlook=view.outlook if view else None,
                         probability=view.probability if view else None,
                         guardrail_breached=any(g.breached for g in plan.guardrails
                                                if g.objective == kr.objective)),
    )


def bets_board(*, session: Session, period: str | None = None, today: date | None = None,
               catalog: MetricsFile | None = None) -> BetsBoard:  # fmt: skip
    """`catalog` gives each KR its metric's unit, so expected changes read on its scale."""
    plan = plan_view(session=session, period=period, today=today, catalog=catalog)
    by_status: dict[str, list[BetView]] = defaultdict(list)
    for b in plan.bets:
        by_status[str(b.bet.status)].append(b)
    # Shipped cards get their verdicts from services.impact.verdicts, loaded after the page.
    columns = tuple((c, tuple(by_status.get(c, ()))) for c in BOARD_COLUMNS)
    moves = {str(s): tuple(str(t) for t in BetStatus if t in allowed)
             for s, allowed in BET_TRANSITIONS.items()}  # fmt: skip
    return BetsBoard(plan, columns, moves)


def alignment(*, session: Session, period: str | None = None,
              today: date | None = None) -> tuple[PlanView, tuple[AlignmentNode, ...]]:  # fmt: skip
    """Objectives as a forest by `aligns_to`; parents outside this period become stub roots."""
    plan = plan_view(session=session, period=period, today=today)
    ids = {o.id for o in plan.objectives}
    children: dict[str | None, list[ObjectiveView]] = defaultdict(list)
    for o in plan.objectives:
        children[o.status.aligns_to].append(o)

    def node(o: ObjectiveView, seen: frozenset[str]) -> AlignmentNode:
        kids = tuple(node(c, seen | {o.id}) for c in children.get(o.id, []) if c.id not in seen)
        return AlignmentNode(o.id, o.status.title, o.status.team, o.status.score, True, kids)

    roots = [node(o, frozenset()) for o in children.get(None, [])]
    for parent, kids in children.items():
        if parent is not None and parent not in ids:
            roots.append(AlignmentNode(parent, parent, None, None, False,
                                       tuple(node(k, frozenset()) for k in kids)))  # fmt: skip
    return plan, tuple(roots)


def checkin_targets(
    *, session: Session, principal: Principal, period: str | None = None,
    today: date | None = None, catalog: MetricsFile | None = None,
) -> tuple[PlanView, date, list[CheckInTarget]]:  # fmt: skip
    """The KRs this person checks in on this week: those they own, then their teams' KRs."""
    day = today or datetime.now(UTC).date()
    plan = plan_view(session=session, period=period, today=day, catalog=catalog)
    week = week_start(day)
    out = []
    for kr in plan.key_results:
        objective = plan.objective(kr.objective)
        owners = {(kr.status.owner or "").lower(), (objective.status.owner or "").lower()}
        if principal.email in owners:
            reason = "owner"
        elif kr.team is not None and kr.team in principal.editor_teams:
            reason = "editor"
        elif principal.is_admin:
            reason = "admin"
        else:
            continue
        current = checkin_for_week(session=session, period=plan.period, kr_id=kr.id, week=week)
        out.append(CheckInTarget(kr, objective.status.title, current, reason))
    order = {"owner": 0, "editor": 1, "admin": 2}
    out.sort(key=lambda t: order[t.reason])
    return plan, week, out


def _word_counts(standings: dict[str, ObjectiveStanding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in standings.values():
        counts[str(o.word)] = counts.get(str(o.word), 0) + 1
    return counts


def _summary(forecasts: dict[str, KRForecastView]) -> str:
    if not any(v.probability is not None for v in forecasts.values()):
        return NO_FORECAST
    counts = {o: sum(1 for v in forecasts.values() if v.outlook == o) for o in Outlook}
    parts = [f"{counts[Outlook.ON_TRACK]} on track", f"{counts[Outlook.UNCERTAIN]} uncertain",
             f"{counts[Outlook.OFF_TRACK]} off track"]
    return " · ".join(parts)


def _north_star(session: Session, plan: PlanView) -> list[SeriesPoint]:
    """The North Star's weekly series, read from a KR that measures it (unsegmented first)."""
    metric = plan.status.north_star
    if metric is None:
        return []
    krs = sorted((k for k in plan.key_results if k.status.metric == metric),
                 key=lambda k: k.status.segment is not None)  # fmt: skip
    for kr in krs:
        points = series(session=session, period=plan.period, kr_id=kr.id)
        if points:
            return points
    return []
