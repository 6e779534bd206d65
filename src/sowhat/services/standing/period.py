"""The period's status words, read the cheap way: the cached plan, the forecasts sync
stored, and the rule (services.standing.rule) — what the dashboard, the QBR and
`sowhat status` share, so the terminal and the web never disagree on a word.

Kept apart from services.dashboard, whose North Star trend and "what changed" read events
and import SciPy: `sowhat status` needs neither.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from sowhat.services.forecasts import KRForecastView
from sowhat.services.listing.cache import Version, data_version, entry_cache, read_cache
from sowhat.services.listing.forecasts import forecasts_for
from sowhat.services.listing.incremental import Marks, sync_marks, touched_since, update_plan
from sowhat.services.okrs.views import PlanView, plan_view
from sowhat.services.plans import ObjectiveStatus, PeriodStatus, _resolve_period
from sowhat.services.standing.rule import ObjectiveStanding, kr_standing, objective_standing
from sowhat.spec.metric_defs import MetricsFile

__all__ = ["PeriodStanding", "PlanModel", "cached_plan", "objective_word", "period_forecasts",
           "period_standing", "plan_model", "standings_of"]

log = logging.getLogger("sowhat.services.standing.period")


@dataclass(frozen=True)
class PeriodStanding:
    """The period's plan with every status word and chance of target the dashboard shows:
    what `sowhat status` prints, so the terminal and the web never disagree on a word."""

    status: PeriodStatus
    standings: dict[str, ObjectiveStanding]  # by objective id, each with its KRs' words
    forecasts: dict[str, KRForecastView]  # by KR id, KRs with a metric


def period_standing(*, session: Session, period: str | None = None, today: date | None = None,
                    catalog: MetricsFile | None = None) -> PeriodStanding:  # fmt: skip
    """The dashboard's words without its North Star trend and "what changed" (those read
    the events: over a second on the demo, where the plan, stored forecasts and words take
    under a tenth)."""
    day = today or datetime.now(UTC).date()
    model = plan_model(session, period, day, catalog)
    forecasts = period_forecasts(session, catalog, model.plan, day, model.marks)
    return PeriodStanding(model.plan.status, standings_of(model.plan, forecasts), forecasts)


@dataclass(frozen=True)
class PlanModel:
    """The cached plan with the sync marks it was built from: a sync is then an update."""

    plan: PlanView
    marks: Marks


def cached_plan(*, session: Session, period: str | None = None, today: date | None = None,
                catalog: MetricsFile | None = None) -> PlanView:  # fmt: skip
    """`plan_view`, cached until the data changes: what list pages and API lists read."""
    return plan_model(session, period, today, catalog).plan


def plan_model(session: Session, period: str | None, today: date | None,
                catalog: MetricsFile | None) -> PlanModel:  # fmt: skip
    """The cached plan and its marks; after a write (a sync included) updated for what the
    write touched (services.listing.incremental)."""
    day = today or datetime.now(UTC).date()
    row = _resolve_period(session, period, day)
    label = row.label

    def build() -> PlanModel:
        marks = sync_marks(session, row.id)  # first: a sync committing between the two
        # reads leaves marks older than the plan, which the next update only re-reads more of
        return PlanModel(plan_view(session=session, period=label, today=day,
                                    catalog=catalog), marks)

    def update(old: PlanModel, version: Version) -> PlanModel | None:
        touched = touched_since(session, label, version, data_version(session),
                                marks=old.marks)
        if touched is None:
            return None
        done = update_plan(session=session, old=old.plan, touched=touched, today=day,
                           catalog=catalog)
        if done is None:
            return None
        # only a sync writes measures and series (and a KR's removal, which every plan
        # update reads): between syncs the marks stay
        return PlanModel(done[0], touched.marks if touched.marks is not None else old.marks)

    return read_cache.get(session, ("plan", label, day), build, inputs=catalog,
                          update=update)  # fmt: skip


def standings_of(plan: PlanView,
                 forecasts: dict[str, KRForecastView]) -> dict[str, ObjectiveStanding]:  # fmt: skip
    """Every objective's status word with its KRs' (services.standing.rule)."""
    breached = {g.objective for g in plan.guardrails if g.breached}
    return {o.id: objective_word(o, plan, forecasts, breached) for o in plan.status.objectives}


def objective_word(o: ObjectiveStatus, plan: PlanView, forecasts: dict[str, KRForecastView],
                   breached: set[str]) -> ObjectiveStanding:  # fmt: skip
    """One objective's word with its KRs' (`breached`: objectives with a breached
    guardrail); the dashboard's update after a write recomputes only touched objectives."""
    words = []
    elapsed, through = plan.status.pace_elapsed, plan.status.paced_through
    for k in o.key_results:
        f = forecasts.get(k.id)
        words.append(kr_standing(
            k, elapsed=elapsed, through=through,
            outlook=f.outlook if f else None, probability=f.probability if f else None,
            guardrail_breached=o.id in breached))
    return objective_standing(o, words, guardrail_breached=o.id in breached)


def period_forecasts(session: Session, catalog: MetricsFile | None, plan: PlanView,
               today: date, marks: Marks) -> dict[str, KRForecastView]:  # fmt: skip
    """Forecasts of the period's metric KRs; {} when they cannot be made (logged). Cached
    until the data changes: fitting thousands of trend models takes seconds."""
    return read_cache.get(session, ("forecasts", plan.period, today),
                          lambda: _forecasts_now(session, catalog, plan, today, marks),
                          inputs=catalog)  # fmt: skip


def _forecasts_now(session: Session, catalog: MetricsFile | None, plan: PlanView,
                   today: date, marks: Marks) -> dict[str, KRForecastView]:  # fmt: skip
    """Forecasts are fitted per KR and kept per KR (services.listing.cache.EntryCache): a
    forecast reads the KR's definition, its current value and the series the last sync
    stored (its marks: services.listing.incremental), so a check-in on one KR refits only
    that one, and a sync only those whose series or values it changed."""
    where = (str(session.get_bind().engine.url), id(catalog), plan.period, plan.status.start,
             plan.status.end, today)
    keys: dict[str, Hashable] = {
        k.id: (*where, k.id, k.version, k.objective, k.status.current, k.status.baseline,
               k.status.target, k.status.metric, k.status.segment, k.status.measure,
               k.status.over_days, k.status.unit, k.status.title, _series_mark(marks, k.id))
        for k in plan.key_results if k.status.metric
    }  # fmt: skip
    found = {kid: v for kid, (pinned, v) in entry_cache.get_many(keys).items()
             if pinned is catalog}  # fmt: skip
    missing = [kid for kid in keys if kid not in found]
    if not missing:
        return found
    try:  # those sync stored with unchanged inputs are read, the rest fitted now
        fresh = forecasts_for(session=session, catalog=catalog, status=plan.status,
                              kr_ids=missing)  # fmt: skip
    except Exception:  # a page without forecasts beats an error page
        log.warning("forecasts for %s could not be computed", plan.period, exc_info=True)
        return found
    entry_cache.put_many({keys[kid]: (catalog, v) for kid, v in fresh.items()})
    return {**found, **fresh}


def _series_mark(marks: Marks, kr_id: str) -> object:
    found = marks.get(kr_id)
    return found[1] if found is not None else None
