"""The cached plan after a write: brought up to date from what the write touched, not rebuilt.

A plan of 5,000 key results takes seconds to build (every check-in read, every KR's status,
"what changed" over every series), and a check-in changes one KR. Every write to a plan
adds audit entries naming what it wrote (`check_in` `period/kr/week`, `key_result`
`period/kr`, `objective` `period/objective`, `bet`, `guardrail` `period/objective/...`), so
the entries between the cached version and the current one say which objectives to read
again; the rest of the cached plan is kept as it was. What cannot be updated this way gives
None and the caller builds the plan anew: a period or team written, an entity type this
module does not know.

A sync is updated the same way. It audits the check-ins whose values it changed (and a KR
whose definition it recomputed), like any writer; what else it stores per KR and the plan,
forecasts and "what changed" read — the KR's measure row (its current value, window,
watermark, measured baseline) and its weekly series — is compared with what the cached
model was built from (`Marks`: the measure row's fields, and per KR the series' point count,
first and last write time and value sums), and the KRs whose marks differ are read again
too. A new day of events rewrites every synced KR's week and measure; a sync at the same
as-of, or one that recomputed a few redefined KRs, changes those only. The series marks rest
on sync stamping each point it writes with its own time (`kr_series.computed_at`): a point
rewritten by a later sync carries a later stamp, a point removed lowers the count.

Equal to a full rebuild, by construction and by test: the objectives touched are rebuilt by
the very code that builds the whole plan (`plan_view` over their rows), and everything that
spans objectives — their order, the teams' scores, the bets and guardrails — is recomputed
from the merged plan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sowhat.domain.scoring import ObjectiveScore, roll_up_by_team
from sowhat.services.listing.cache import Version, data_version
from sowhat.services.okrs.views import (
    KeyResultView,
    ObjectiveView,
    PlanView,
    plan_bets,
    plan_guardrails,
    plan_view,
)
from sowhat.spec.metric_defs import MetricsFile
from sowhat.store import repositories
from sowhat.store.models import (
    AuditEntryRow,
    BetRow,
    GuardrailRow,
    KeyResultRow,
    ObjectiveRow,
)
from sowhat.store.sync_models import KRMeasureRow, SeriesPointRow

__all__ = ["Marks", "Touched", "sync_marks", "touched_since", "update_plan"]

Marks = dict[str, tuple[object, ...]]
"""Per KR id of a period: (its measure row's fields, its series' (count, first and last
write time, sums of value and n)) — what sync stores for it besides check-ins."""

# Every field a reader could show; the ids and `computed_at` (rewritten by every sync, shown
# by no page) are left out.
_MEASURED = tuple(c for c in KRMeasureRow.__table__.columns
                  if c.name not in ("id", "key_result_id", "computed_at"))  # fmt: skip

# Audit entries that change nothing a plan shows: accounts, tokens, lessons, file states.
UNSEEN = frozenset({"user", "api_token", "lesson", "okr_file"})


@dataclass(frozen=True)
class Touched:
    """What the writes between two versions touched in one period, by key."""

    objectives: frozenset[str]  # written themselves (title, team, archive, a guardrail)
    key_results: frozenset[str]  # written, or checked in on
    bets: frozenset[str]
    plan_wide: bool  # a bet, guardrail or objective written: re-read bets and guardrails
    earlier_checkins: bool  # a check-in of another period (a carried KR's history)
    synced: bool = False  # a sync ran: guardrail checks and the last sync's as-of moved
    marks: Marks | None = None  # after a sync: the marks now (`sync_marks`)


def sync_marks(session: Session, period_id: int) -> Marks:
    """Every KR's marks in the period: two queries (the series' grouped), no row objects.

    Read once per session and data version: the plan's update and the dashboard's both
    compare them after a sync (a version that moves within the session reads them again)."""
    memo = ("sync_marks", period_id, data_version(session))
    found: Marks | None = session.info.get(memo)
    if found is None:
        found = session.info[memo] = _read_marks(session, period_id)
    return found


def _read_marks(session: Session, period_id: int) -> Marks:
    out: dict[str, list[object]] = {}
    for key, *fields in session.execute(
            select(KeyResultRow.key, *_MEASURED)
            .join(KRMeasureRow, KRMeasureRow.key_result_id == KeyResultRow.id)
            .where(KeyResultRow.period_id == period_id)):  # fmt: skip
        out[str(key)] = [tuple(fields), None]
    at = SeriesPointRow.computed_at
    for key, *summary in session.execute(
            select(KeyResultRow.key, func.count(), func.min(at), func.max(at),
                   func.sum(SeriesPointRow.value), func.sum(SeriesPointRow.n))
            .join(SeriesPointRow, SeriesPointRow.key_result_id == KeyResultRow.id)
            .where(KeyResultRow.period_id == period_id)
            .group_by(KeyResultRow.key)):  # fmt: skip
        out.setdefault(str(key), [None, None])[1] = tuple(summary)
    return {k: (m, s) for k, (m, s) in out.items()}


def touched_since(session: Session, period: str, old: Version, new: Version, *,
                  marks: Marks | None = None) -> Touched | None:  # fmt: skip
    """What was written to `period` after version `old`, up to `new`; None when the plan
    must be built anew (a period or team was written, an unknown entity, or a sync ran and
    the old version's `marks` are not known)."""
    synced = old[1] != new[1]
    if new[0] < old[0] or (synced and marks is None):
        return None
    # the entries after the old version's last, and those it could not see yet (ids taken
    # by writers that committed after it was read: PostgreSQL, see services.listing.cache)
    since = AuditEntryRow.id > old[0]
    if old[2]:
        since = or_(since, AuditEntryRow.id.in_(list(old[2])))
    objectives: set[str] = set()
    key_results: set[str] = set()
    bets: set[str] = set()
    plan_wide = earlier = False
    rows = session.execute(
        select(AuditEntryRow.entity_type, AuditEntryRow.entity_key, AuditEntryRow.before,
               AuditEntryRow.after)
        .where(since, AuditEntryRow.id <= new[0]))  # fmt: skip
    for kind, key, before, after in rows:
        if kind in UNSEEN:
            continue
        label, _, rest = str(key).partition("/")
        if kind not in ("check_in", "key_result", "objective", "bet", "guardrail"):
            return None  # a period, a team, or something new: build the plan anew
        if label != period:
            earlier = earlier or kind == "check_in"
            continue
        named = {d.get("objective") for d in (before, after) if isinstance(d, dict)}
        objectives.update(str(o) for o in named if o)
        if kind == "check_in":
            key_results.add(rest.rsplit("/", 1)[0])
        elif kind == "key_result":
            key_results.add(rest)
        elif kind == "objective":
            objectives.add(rest)
            plan_wide = True
        elif kind == "bet":
            bets.add(rest)
            plan_wide = True
        else:  # a guardrail: period/objective/guardrail:key
            objectives.add(rest.split("/guardrail:", 1)[0])
            plan_wide = True
    now: Marks | None = None
    if synced:
        assert marks is not None
        prow = repositories.periods_by_label(session, [period]).get(period)
        if prow is None:
            return None
        now = sync_marks(session, prow.id)
        key_results.update(k for k in now.keys() | marks.keys() if now.get(k) != marks.get(k))
        plan_wide = True  # the guardrails' checks are re-evaluated by every sync
    return Touched(frozenset(objectives), frozenset(key_results), frozenset(bets), plan_wide,
                   earlier, synced, now)


def update_plan(*, session: Session, old: PlanView, touched: Touched, today: date,
                catalog: MetricsFile | None) -> tuple[PlanView, frozenset[str]] | None:  # fmt: skip
    """`old` with the touched objectives read again, and the ids of the objectives whose
    rows were read (those of touched KRs and bets included); None when it cannot be done."""
    prow = repositories.periods_by_label(session, [old.period]).get(old.period)
    if prow is None:
        return None
    light = session.execute(
        select(ObjectiveRow.id, ObjectiveRow.key, ObjectiveRow.team, ObjectiveRow.archived_at)
        .where(ObjectiveRow.period_id == prow.id)
        .order_by(ObjectiveRow.position, ObjectiveRow.id)).all()  # fmt: skip
    live = {r.id: r for r in light if r.archived_at is None}
    key_of = {r.id: r.key for r in light}
    names = set(touched.objectives)
    for kr in touched.key_results:  # where the KR was, and where it is now
        if kr in old._key_results_by_id:
            names.add(old.key_result(kr).objective)
    if touched.key_results:
        names.update(key_of[oid] for oid in session.scalars(
            select(KeyResultRow.objective_id).where(
                KeyResultRow.period_id == prow.id,
                KeyResultRow.key.in_(list(touched.key_results)))))
    if touched.bets:
        names.update(b.objective for b in old.bets if b.id in touched.bets)
        names.update(key_of[oid] for oid in session.scalars(
            select(BetRow.objective_id).where(BetRow.period_id == prow.id,
                                              BetRow.key.in_(list(touched.bets)))))
    ids = [oid for oid, r in live.items() if r.key in names]
    objective_rows = list(session.scalars(
        select(ObjectiveRow).where(ObjectiveRow.id.in_(ids))
        .order_by(ObjectiveRow.position, ObjectiveRow.id))) if ids else []
    kr_rows = list(session.scalars(
        select(KeyResultRow).where(KeyResultRow.objective_id.in_(ids))
        .order_by(KeyResultRow.position, KeyResultRow.id))) if ids else []
    # their bets and guardrails too: an objective's status counts them
    bet_rows = _all(session, BetRow, BetRow.objective_id.in_(ids)) if ids else []
    guardrail_rows = _all(session, GuardrailRow, GuardrailRow.objective_id.in_(ids)) if ids else []
    part = plan_view(session=session, period=old.period, today=today, catalog=catalog,
                     contents=repositories.PeriodContents(prow, objective_rows, kr_rows,
                                                          guardrail_rows, bet_rows))
    fresh = {o.id: o for o in part.objectives}
    fresh_krs: dict[str, list[KeyResultView]] = defaultdict(list)
    for k in part.key_results:
        fresh_krs[k.objective].append(k)
    kept_krs: dict[str, list[KeyResultView]] = defaultdict(list)
    for k in old.key_results:
        kept_krs[k.objective].append(k)
    objectives: list[ObjectiveView] = []
    key_results: list[KeyResultView] = []
    for r in live.values():
        if r.key in names:
            view = fresh.get(r.key)
            krs = fresh_krs.get(r.key, [])
        else:
            view = old._objectives_by_id.get(r.key)
            krs = kept_krs.get(r.key, [])
        if view is None:  # an objective neither read now nor cached: build anew
            return None
        objectives.append(view)
        key_results.extend(krs)
    statuses = tuple(o.status for o in objectives)
    scores = [ObjectiveScore(o.id, o.team, o.score, ()) for o in statuses]
    status = replace(part.status, objectives=statuses, team_scores=roll_up_by_team(scores))
    bets, guardrails = old.bets, old.guardrails
    if touched.plan_wide:
        bets = plan_bets(old.period, _all(session, BetRow, BetRow.period_id == prow.id), live)
        guardrails = plan_guardrails(session, _all(
            session, GuardrailRow, GuardrailRow.objective_id.in_([r.id for r in light])), live)
    plan = PlanView(status, tuple(objectives), tuple(key_results), bets, guardrails)
    return plan, frozenset(names)


def _all(session: Session, model: Any, where: Any) -> list[Any]:
    return list(session.scalars(select(model).where(where).order_by(model.position, model.id)))
