"""apply: the database matches the files, idempotently, with an audit entry per change,
archiving instead of deleting, in one transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apply_testing import BACKENDS, HASHES, TEAMS, apply, database, database_url, dump, sample_plan
from sqlalchemy import func, select

from sowhat.domain.okr import CheckInSource, Guardrail, Objective, Plan
from sowhat.errors import Conflict, UserError
from sowhat.services.apply import run as apply_module
from sowhat.services.apply.run import (
    ChangeKind,
    EntityType,
    FieldChange,
    apply_changes,
    plan_changes,
)
from sowhat.services.checkins import checkin_history, record_checkin
from sowhat.services.plans import load_plans
from sowhat.store import audit
from sowhat.store.db import Database
from sowhat.store.models import CheckInRow, KeyResultRow, PeriodRow


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database(database_url(request.param, tmp_path)) as db:
        yield db


def _audit_count(db: Database) -> int:
    with db.transaction(write=False) as session:
        return audit.count_entries(session=session)


def _replace_objective(plan: Plan, objective_id: str, **changes: Any) -> Plan:
    objectives = tuple(
        dataclasses.replace(o, **changes) if o.id == objective_id else o for o in plan.objectives
    )
    return dataclasses.replace(plan, objectives=objectives)


def _checkin(db: Database, kr: str, value: float, week: str, **kw: Any) -> None:
    from datetime import date

    with db.transaction() as session:
        record_checkin(
            session=session, kr_id=kr, period=kw.get("period"), value=value, confidence=None,
            note=kw.get("note"), blockers=None, source=CheckInSource.AUTO, actor="sync",
            week=date.fromisoformat(week),
        )  # fmt: skip


def test_first_apply_adds_everything_with_one_audit_entry_each(db: Database) -> None:
    changes = apply(db, sample_plan())
    counts = changes.counts()
    assert changes.applied
    assert counts[EntityType.TEAM].added == 2
    assert counts[EntityType.PERIOD].added == 1
    assert counts[EntityType.OBJECTIVE].added == 2
    assert counts[EntityType.KEY_RESULT].added == 4
    assert counts[EntityType.GUARDRAIL].added == 3
    assert counts[EntityType.BET].added == 2
    assert all(c.kind == ChangeKind.ADD for c in changes.changes)
    assert _audit_count(db) == len(changes.changes) == 14
    with db.transaction(write=False) as session:
        entry = audit.list_entries(session=session, entity_key="2026-Q4/mid-retention")[0]
    assert (entry.actor, entry.action, entry.before) == ("dana@example.com", "create", None)
    assert entry.after is not None
    assert entry.after["target"] == 0.85
    assert entry.after["objective"] == "retain-mid-market"
    assert entry.after["baselined_metric_hash"] == "h-ret-1"


def test_second_apply_changes_nothing_and_writes_no_audit(db: Database) -> None:
    apply(db, sample_plan())
    before = dump(db)
    with db.transaction(write=False) as session:
        planned = plan_changes(
            session=session, plans=[sample_plan()], teams=list(TEAMS), metric_hashes=HASHES
        )
    assert planned.empty
    again = apply(db, sample_plan())
    assert again.empty
    assert sum(c.unchanged for c in again.counts().values()) == 14
    assert dump(db) == before  # not a version bumped, not an audit row added


def test_plan_changes_reads_only(db: Database) -> None:
    before = dump(db)
    with db.transaction() as session:
        planned = plan_changes(
            session=session, plans=[sample_plan()], teams=list(TEAMS), metric_hashes=HASHES
        )
    assert len(planned.changes) == 14
    assert not planned.applied
    assert dump(db) == before


def test_field_level_changes_are_detected_and_audited(db: Database) -> None:
    plan = sample_plan()
    apply(db, plan)
    retain = plan.objectives[0]
    kr = dataclasses.replace(retain.key_results[0], target=0.9, title="Keep them")
    bet = dataclasses.replace(retain.bets[1], status="discovery")
    guardrail = dataclasses.replace(retain.guardrails[0], max_change=None, max=3.0)
    edited = _replace_objective(
        plan,
        retain.id,
        owner="li@example.com",
        key_results=(kr, retain.key_results[1]),
        bets=(retain.bets[0], bet),
        guardrails=(guardrail, retain.guardrails[1]),
    )
    changes = apply(db, edited)
    by_key = {c.key: c for c in changes.changes}
    assert set(by_key) == {
        "2026-Q4/retain-mid-market",
        "2026-Q4/mid-retention",
        "2026-Q4/sso",
        "2026-Q4/retain-mid-market/guardrail:support_tickets_per_account",
    }
    assert all(c.kind == ChangeKind.CHANGE for c in changes.changes)
    assert by_key["2026-Q4/retain-mid-market"].fields == (
        FieldChange("owner", "dana@example.com", "li@example.com"),
    )
    assert set(by_key["2026-Q4/mid-retention"].fields) == {
        FieldChange("title", plan.objectives[0].key_results[0].title, "Keep them"),
        FieldChange("target", 0.85, 0.9),
    }
    assert by_key["2026-Q4/sso"].fields == (FieldChange("status", "idea", "discovery"),)
    assert set(
        by_key["2026-Q4/retain-mid-market/guardrail:support_tickets_per_account"].fields
    ) == {
        FieldChange("max_change", "+10%", None),
        FieldChange("max", None, 3.0),
    }
    with db.transaction(write=False) as session:
        entry = audit.list_entries(session=session, entity_key="2026-Q4/mid-retention")[0]
        row = session.scalars(select(KeyResultRow).where(KeyResultRow.key == "mid-retention")).one()
    assert entry.action == "update"
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["target"], entry.after["target"]) == (0.85, 0.9)
    assert row.version == 2
    assert load_plans_of(db)[0] == edited


def load_plans_of(db: Database) -> list[Plan]:
    with db.transaction(write=False) as session:
        return load_plans(session=session)


def test_removed_kr_is_archived_keeping_check_ins_and_comes_back(db: Database) -> None:
    plan = sample_plan()
    apply(db, plan)
    _checkin(db, "mid-retention", 0.72, "2026-10-05")
    _checkin(db, "mid-retention", 0.74, "2026-10-12")
    with db.transaction(write=False) as session:
        row_id = session.scalars(
            select(KeyResultRow.id).where(KeyResultRow.key == "mid-retention")
        ).one()
    retain = plan.objectives[0]
    without = _replace_objective(plan, retain.id, key_results=retain.key_results[1:])
    changes = apply(db, without)
    assert [(c.kind, c.key) for c in changes.changes] == [
        (ChangeKind.CHANGE, "2026-Q4/first-value"),  # moved up to position 0
        (ChangeKind.ARCHIVE, "2026-Q4/mid-retention"),
    ]
    with db.transaction(write=False) as session:
        row = session.get(KeyResultRow, row_id)
        assert row is not None
        assert row.archived_at is not None
        assert session.scalar(select(func.count()).select_from(CheckInRow)) == 2
        archived = load_plans(session=session, include_archived=True)[0]
    assert "mid-retention" not in [kr.id for _, kr in load_plans_of(db)[0].key_results()]
    assert "mid-retention" in [kr.id for _, kr in archived.key_results()]
    assert apply(db, without).empty  # archiving happens once

    back = apply(db, plan)
    assert [(c.kind, c.key) for c in back.changes] == [
        (ChangeKind.RESTORE, "2026-Q4/mid-retention"),
        (ChangeKind.CHANGE, "2026-Q4/first-value"),
    ]
    with db.transaction(write=False) as session:
        row = session.get(KeyResultRow, row_id)
        assert row is not None
        assert row.archived_at is None
        history = checkin_history(session=session, kr_id="mid-retention")
        actions = [
            e.action
            for e in audit.list_entries(session=session, entity_key="2026-Q4/mid-retention")
        ]
    assert [c.value for c in history] == [0.72, 0.74]
    assert actions == ["restore", "archive", "create"]
    assert load_plans_of(db)[0] == plan


def test_removed_objective_archives_its_key_results_and_bets(db: Database) -> None:
    plan = sample_plan()
    apply(db, plan)
    changes = apply(db, dataclasses.replace(plan, objectives=plan.objectives[1:]))
    archived = sorted(c.key for c in changes.of_kind(ChangeKind.ARCHIVE))
    assert archived == [
        "2026-Q4/audit-logs", "2026-Q4/first-value", "2026-Q4/mid-retention",
        "2026-Q4/retain-mid-market", "2026-Q4/sso",
    ]  # fmt: skip
    assert [o.id for o in load_plans_of(db)[0].objectives] == ["launch-insights"]


def test_removed_guardrail_is_deleted_and_audited(db: Database) -> None:
    plan = sample_plan()
    apply(db, plan)
    changes = apply(db, _replace_objective(plan, "retain-mid-market", guardrails=()))
    key = "2026-Q4/retain-mid-market/guardrail:nps@mid_sized"
    assert (ChangeKind.DELETE, key) in [(c.kind, c.key) for c in changes.changes]
    with db.transaction(write=False) as session:
        entry = audit.list_entries(session=session, entity_key=key)[0]
    assert entry.action == "delete"
    assert entry.after is None
    assert entry.before == {
        "metric": "nps", "segment": "mid_sized", "max_change": None, "min_change": None,
        "max": None, "min": 30.0, "over_days": None, "position": 1,
    }  # fmt: skip


def test_order_is_stored_and_read_back(db: Database) -> None:
    plan = sample_plan()
    apply(db, plan)
    retain, insights = plan.objectives
    shuffled = dataclasses.replace(
        plan,
        objectives=(
            insights,
            dataclasses.replace(
                retain,
                key_results=retain.key_results[::-1],
                bets=retain.bets[::-1],
                guardrails=retain.guardrails[::-1],
            ),
        ),
    )
    changes = apply(db, shuffled)
    assert all(c.moved_only for c in changes.changes)
    assert load_plans_of(db)[0] == shuffled


def test_kr_moving_to_another_objective_keeps_its_row(db: Database) -> None:
    plan = sample_plan()
    apply(db, plan)
    _checkin(db, "first-value", 100.0, "2026-10-05")
    retain, insights = plan.objectives
    moved = dataclasses.replace(
        plan,
        objectives=(
            dataclasses.replace(retain, key_results=retain.key_results[:1]),
            dataclasses.replace(
                insights, key_results=(*insights.key_results, retain.key_results[1])
            ),
        ),
    )
    changes = apply(db, moved)
    change = next(c for c in changes.changes if c.key == "2026-Q4/first-value")
    assert change.kind == ChangeKind.CHANGE
    assert FieldChange("objective", "retain-mid-market", "launch-insights") in change.fields
    assert load_plans_of(db)[0] == moved
    with db.transaction(write=False) as session:
        assert [c.value for c in checkin_history(session=session, kr_id="first-value")] == [100.0]


def test_only_the_periods_given_are_touched(db: Database) -> None:
    apply(db, sample_plan("2026-Q3"), sample_plan("2026-Q4"))
    changes = apply(db, dataclasses.replace(sample_plan("2026-Q4"), objectives=()))
    assert {c.key.split("/")[0] for c in changes.changes} == {"2026-Q4"}
    q3 = load_plans_of(db)[0]
    assert q3 == sample_plan("2026-Q3")


def test_removed_team_is_archived_and_restored(db: Database) -> None:
    apply(db, sample_plan())
    changes = apply(db, sample_plan(), teams=TEAMS[:1])
    assert [(c.kind, c.key) for c in changes.changes] == [(ChangeKind.ARCHIVE, "growth")]
    changes = apply(db, sample_plan(), teams=TEAMS)
    assert [(c.kind, c.key) for c in changes.changes] == [(ChangeKind.RESTORE, "growth")]


def test_metric_hash_is_recorded_when_first_baselined(db: Database) -> None:
    plan = sample_plan()
    apply(db, plan, metric_hashes={})  # metric definitions not known yet

    def stored() -> dict[str, str | None]:
        with db.transaction(write=False) as session:
            rows = session.scalars(select(KeyResultRow))
            return {r.key: r.baselined_metric_hash for r in rows}

    assert stored()["mid-retention"] is None
    apply(db, plan)
    assert stored()["mid-retention"] == "h-ret-1"
    # The definition changes later: the recorded hash keeps what the baseline measured.
    assert apply(db, plan, metric_hashes={**HASHES, "account_retention_90d": "h-ret-2"}).empty
    assert stored()["mid-retention"] == "h-ret-1"
    # A new baseline is a new baselining.
    kr = dataclasses.replace(plan.objectives[0].key_results[0], baseline=0.72)
    rebased = _replace_objective(
        plan, "retain-mid-market", key_results=(kr, plan.objectives[0].key_results[1])
    )
    changes = apply(db, rebased, metric_hashes={**HASHES, "account_retention_90d": "h-ret-2"})
    (change,) = changes.changes
    assert FieldChange("baselined_metric_hash", "h-ret-1", "h-ret-2") in change.fields
    assert stored() == {
        "mid-retention": "h-ret-2", "first-value": "h-ttv-1",
        "insights-mvp": None, "weekly-usage": None,
    }  # fmt: skip


def test_new_period_kr_is_carried_from_the_earlier_one(db: Database) -> None:
    apply(db, sample_plan("2026-Q3"))
    _checkin(db, "mid-retention", 0.71, "2026-09-21", period="2026-Q3")
    changes = apply(db, sample_plan("2026-Q4"))
    added = next(c for c in changes.changes if c.key == "2026-Q4/mid-retention")
    assert FieldChange("carried_from", None, "2026-Q3/mid-retention") in added.fields
    _checkin(db, "mid-retention", 0.73, "2026-10-05", period="2026-Q4")
    with db.transaction(write=False) as session:
        history = checkin_history(session=session, kr_id="mid-retention", period="2026-Q4")
    assert [(c.extra["period"], c.value) for c in history] == [("2026-Q3", 0.71), ("2026-Q4", 0.73)]


def test_periods_applied_together_are_linked_too(db: Database) -> None:
    changes = apply(db, sample_plan("2026-Q4"), sample_plan("2026-Q3"))
    added = next(c for c in changes.changes if c.key == "2026-Q4/first-value")
    assert FieldChange("carried_from", None, "2026-Q3/first-value") in added.fields
    with db.transaction(write=False) as session:
        q3, q4 = (
            session.scalars(
                select(KeyResultRow)
                .join(PeriodRow, KeyResultRow.period_id == PeriodRow.id)
                .where(PeriodRow.label == label, KeyResultRow.key == "first-value")
            ).one()
            for label in ("2026-Q3", "2026-Q4")
        )
        assert (q3.carried_from_id, q4.carried_from_id) == (None, q3.id)
    assert apply(db, sample_plan("2026-Q3"), sample_plan("2026-Q4")).empty


def test_a_stale_change_set_is_refused(db: Database) -> None:
    apply(db, sample_plan())
    edited = _replace_objective(sample_plan(), "launch-insights", title="New title")
    with db.transaction(write=False) as session:
        planned = plan_changes(
            session=session, plans=[edited], teams=list(TEAMS), metric_hashes=HASHES
        )
    apply(db, _replace_objective(sample_plan(), "launch-insights", owner="someone"))
    with pytest.raises(Conflict, match="changed since this plan"), db.transaction() as session:
        apply_changes(
            session=session, changes=planned, plans=[edited], teams=list(TEAMS),
            metric_hashes=HASHES, actor="dana",
        )  # fmt: skip


def test_the_shown_change_set_can_be_applied(db: Database) -> None:
    with db.transaction(write=False) as session:
        planned = plan_changes(
            session=session, plans=[sample_plan()], teams=list(TEAMS), metric_hashes=HASHES
        )
    done = apply(db, sample_plan(), changes=planned)
    assert done.changes == planned.changes


def test_an_error_mid_apply_leaves_the_database_exactly_as_it_was(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply(db, sample_plan("2026-Q3"))
    _checkin(db, "mid-retention", 0.71, "2026-09-21")
    before = dump(db)
    calls = {"n": 0}
    real = apply_module.mapping.write_fields

    def failing(row: Any, fields: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 12:  # well into the KRs of the second period
            raise RuntimeError("disk on fire")
        real(row, fields)

    monkeypatch.setattr(apply_module.mapping, "write_fields", failing)
    edited = _replace_objective(sample_plan("2026-Q3"), "launch-insights", title="Renamed")
    with pytest.raises(RuntimeError, match="disk on fire"):
        apply(db, edited, sample_plan("2026-Q4"), teams=TEAMS[:1])
    assert calls["n"] == 12
    assert dump(db) == before


def test_duplicate_ids_and_periods_are_user_errors(db: Database) -> None:
    plan = sample_plan()
    twice = dataclasses.replace(plan, objectives=(*plan.objectives, plan.objectives[0]))
    with pytest.raises(UserError, match="objective id 'retain-mid-market' is used twice"):
        apply(db, twice)
    bad = Objective("other", "Other", key_results=plan.objectives[0].key_results[:1])
    with pytest.raises(UserError, match="key result id 'mid-retention' is used twice"):
        apply(db, dataclasses.replace(plan, objectives=(*plan.objectives, bad)))
    with pytest.raises(UserError, match="two plans are for period 2026-Q4"):
        apply(db, plan, plan)
    with pytest.raises(UserError, match="team 'platform' is listed twice"):
        apply(db, plan, teams=(TEAMS[0], TEAMS[0]))
    assert dump(db)["periods"] == []


def test_guardrails_with_the_same_metric_are_told_apart(db: Database) -> None:
    plan = sample_plan()
    two = (Guardrail(metric="nps", min=30.0), Guardrail(metric="nps", max=80.0))
    plan = _replace_objective(plan, "retain-mid-market", guardrails=two)
    changes = apply(db, plan)
    keys = [c.key for c in changes.changes if c.entity_type == EntityType.GUARDRAIL]
    assert keys[:2] == [
        "2026-Q4/retain-mid-market/guardrail:nps",
        "2026-Q4/retain-mid-market/guardrail:nps#2",
    ]
    assert apply(db, plan).empty
    assert load_plans_of(db)[0] == plan
