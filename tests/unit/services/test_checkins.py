"""Check-ins: validation, one row per KR per week, who owns the value, optimistic versions,
and concurrent writers that never lose an update."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from apply_testing import BACKENDS, apply, database, database_url, sample_plan
from sqlalchemy import select

from sowhat.domain.okr import CheckIn, CheckInSource
from sowhat.errors import Conflict, NotFound, ScaleError, UserError
from sowhat.services.checkins import checkin_history, record_checkin
from sowhat.spec.metric_defs import MetricsFile
from sowhat.store import audit
from sowhat.store.db import Database
from sowhat.store.models import CheckInRow

WEEK = date(2026, 10, 14)  # a Wednesday; stored as Monday 2026-10-12
MONDAY = date(2026, 10, 12)


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database(database_url(request.param, tmp_path)) as db:
        apply(db, sample_plan())
        yield db


def checkin(db: Database, kr: str = "weekly-usage", **kw: Any) -> CheckIn:
    args: dict[str, Any] = {
        "period": None, "value": None, "confidence": None, "note": None, "blockers": None,
        "source": CheckInSource.MANUAL, "actor": "dana@example.com", "week": WEEK,
    }  # fmt: skip
    args.update(kw)
    with db.transaction() as session:
        return record_checkin(session=session, kr_id=kr, **args)


def rows(db: Database) -> list[CheckInRow]:
    with db.transaction(write=False) as session:
        return list(session.scalars(select(CheckInRow).order_by(CheckInRow.id)))


def audit_actions(db: Database) -> list[str]:
    with db.transaction(write=False) as session:
        entries = audit.list_entries(session=session, entity_type="check_in")
        return [e.action for e in reversed(entries)]


def test_a_manual_check_in_is_stored_for_the_monday_of_its_week(db: Database) -> None:
    stored = checkin(db, value=12.0, confidence=0.7, note="first users", blockers="none")
    assert (stored.kr_id, stored.week, stored.value, stored.confidence) == (
        "weekly-usage", MONDAY, 12.0, 0.7,
    )  # fmt: skip
    assert stored.source == CheckInSource.MANUAL
    assert stored.extra == {"version": "1", "period": "2026-Q4"}
    assert stored.author == "dana@example.com"
    assert audit_actions(db) == ["create"]


def test_a_second_check_in_in_the_week_edits_it(db: Database) -> None:
    checkin(db, value=12.0, confidence=0.7, note="first users")
    edited = checkin(db, week=date(2026, 10, 16), confidence=0.5, actor="li@example.com")
    assert (edited.value, edited.confidence, edited.note) == (12.0, 0.5, "first users")
    assert edited.extra["version"] == "2"
    assert edited.author == "li@example.com"
    cleared = checkin(db, note="")
    assert cleared.note is None
    assert len(rows(db)) == 1
    assert audit_actions(db) == ["create", "update", "update"]
    with db.transaction(write=False) as session:
        last = audit.list_entries(session=session, entity_type="check_in", limit=1)[0]
    assert last.before is not None
    assert last.after is not None
    assert (last.before["note"], last.after["note"]) == ("first users", None)


def test_confidence_and_values_are_validated(db: Database) -> None:
    with pytest.raises(UserError, match=r"confidence 1\.5 is outside 0\.\.1"):
        checkin(db, confidence=1.5)
    with pytest.raises(UserError, match="not a finite number"):
        checkin(db, value=float("nan"))
    with pytest.raises(UserError, match="nothing to record"):
        checkin(db)
    assert rows(db) == []


def test_unknown_kr_suggests_the_closest_id(db: Database) -> None:
    with pytest.raises(NotFound, match="no key result 'mid-retentoin'") as info:
        checkin(db, kr="mid-retentoin", confidence=0.5)
    assert info.value.hint == "did you mean 'mid-retention'?"
    with pytest.raises(NotFound, match="not in period 2026-Q1"):
        checkin(db, kr="mid-retention", period="2026-Q1", confidence=0.5)


def test_a_metric_kr_refuses_a_typed_value_unless_overridden(db: Database) -> None:
    with pytest.raises(UserError, match="computed from metric account_retention_90d") as info:
        checkin(db, kr="mid-retention", value=0.8)
    assert "--override-value" in (info.value.hint or "")
    checkin(db, kr="mid-retention", confidence=0.6, note="on track")  # no value: fine
    overridden = checkin(db, kr="mid-retention", value=0.8, override_value=True)
    assert (overridden.value, overridden.source) == (0.8, CheckInSource.MANUAL)
    # The sync that week keeps the person's correction and their confidence and note.
    synced = checkin(db, kr="mid-retention", value=0.75, source=CheckInSource.AUTO, actor="sync")
    assert (synced.value, synced.source, synced.confidence, synced.note) == (
        0.8, CheckInSource.MANUAL, 0.6, "on track",
    )  # fmt: skip
    assert audit_actions(db) == ["create", "update"]


def test_sync_updates_its_value_keeps_notes_and_is_idempotent(db: Database) -> None:
    auto = {"source": CheckInSource.AUTO, "actor": "sync"}
    checkin(db, kr="mid-retention", value=0.72, **auto)
    checkin(db, kr="mid-retention", confidence=0.6, note="on track")
    again = checkin(db, kr="mid-retention", value=0.74, **auto)
    assert (again.value, again.source, again.confidence, again.note) == (
        0.74, CheckInSource.AUTO, 0.6, "on track",
    )  # fmt: skip
    assert again.author == "dana@example.com"  # a sync does not take over authorship
    before = [(r.version, r.recorded_at) for r in rows(db)]
    same = checkin(db, kr="mid-retention", value=0.74, **auto)
    assert same.extra["version"] == again.extra["version"]
    assert [(r.version, r.recorded_at) for r in rows(db)] == before
    assert audit_actions(db) == ["create", "update", "update"]


def test_expected_version_guards_against_stale_edits(db: Database) -> None:
    with pytest.raises(Conflict):
        checkin(db, confidence=0.5, expected_version=1)  # nothing stored yet
    first = checkin(db, confidence=0.5, expected_version=0)
    second = checkin(db, confidence=0.6, expected_version=int(first.extra["version"]))
    with pytest.raises(Conflict, match="stored version 2, yours 1"):
        checkin(db, confidence=0.9, expected_version=1)
    assert second.extra["version"] == "2"
    assert [r.confidence for r in rows(db)] == [0.6]


def test_weeks_outside_the_period_archived_krs_and_closed_periods_are_refused(
    db: Database,
) -> None:
    with pytest.raises(UserError, match="outside period 2026-Q4"):
        checkin(db, confidence=0.5, week=date(2027, 1, 20), period="2026-Q4")
    # A week that straddles the period start still belongs to it.
    assert checkin(db, confidence=0.5, week=date(2026, 10, 1)).week == date(2026, 9, 28)
    plan = sample_plan()
    insights = plan.objectives[1]
    apply(
        db,
        dataclasses.replace(
            plan,
            objectives=(plan.objectives[0], dataclasses.replace(insights, key_results=())),
        ),
    )
    with pytest.raises(UserError, match="archived"):
        checkin(db, confidence=0.5)


def test_history_lists_check_ins_oldest_first(db: Database) -> None:
    for day, value in ((date(2026, 10, 19), 20.0), (date(2026, 10, 5), 5.0)):
        checkin(db, value=value, week=day)
    with db.transaction(write=False) as session:
        history = checkin_history(session=session, kr_id="weekly-usage")
    assert [(c.week, c.value) for c in history] == [
        (date(2026, 10, 5), 5.0), (date(2026, 10, 19), 20.0),
    ]  # fmt: skip
    with pytest.raises(NotFound), db.transaction(write=False) as session:
        checkin_history(session=session, kr_id="nope")


def test_recorded_at_is_utc(db: Database) -> None:
    at = datetime(2026, 10, 14, 9, 30, tzinfo=UTC)
    stored = checkin(db, confidence=0.5, now=at)
    assert stored.recorded_at == at
    assert rows(db)[0].recorded_at == at


def _race(db: Database, edits: list[dict[str, Any]]) -> list[BaseException | CheckIn]:
    """Run each edit in its own thread and transaction, released together."""
    barrier = threading.Barrier(len(edits))
    results: list[BaseException | CheckIn] = [RuntimeError("not run")] * len(edits)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = checkin(db, **edits[i])
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(edits))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_edits_of_the_same_version_one_wins_one_conflicts(db: Database) -> None:
    checkin(db, confidence=0.5)
    results = _race(db, [
        {"confidence": 0.6, "expected_version": 1, "actor": "a"},
        {"confidence": 0.9, "expected_version": 1, "actor": "b"},
    ])  # fmt: skip
    winners = [r for r in results if isinstance(r, CheckIn)]
    losers = [r for r in results if not isinstance(r, CheckIn)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], Conflict)
    (row,) = rows(db)
    assert (row.confidence, row.version) == (winners[0].confidence, 2)
    assert audit_actions(db) == ["create", "update"]


def test_concurrent_edits_of_different_fields_lose_nothing(db: Database) -> None:
    checkin(db, confidence=0.5)
    results = _race(db, [{"note": "from a", "actor": "a"}, {"blockers": "from b", "actor": "b"}])
    for r in results:  # each writer either landed or was told to retry: never silently lost
        assert isinstance(r, CheckIn | Conflict), r
    (row,) = rows(db)
    landed = [r for r in results if isinstance(r, CheckIn)]
    assert landed
    assert (row.note == "from a") == any(r.note == "from a" for r in landed)
    assert (row.blockers == "from b") == any(r.blockers == "from b" for r in landed)
    assert row.version == 1 + len(landed)
    assert audit_actions(db) == ["create"] + ["update"] * len(landed)


# -- scale: values typed in the wrong scale (sowhat.domain.units) ---------------------------

SCALE_CATALOG = MetricsFile.model_validate({"metrics": {
    "account_retention_90d": {"type": "retention", "entity": "account_id",
                              "start": {"event": "signup"}, "return": {"event": "session"},
                              "days": [90, 96]},
    "time_to_first_value": {"type": "duration", "entity": "account_id",
                            "from": {"event": "signup"}, "to": {"event": "report_viewed"},
                            "unit": "minutes"},
}})


def test_a_value_no_rate_can_take_is_refused_even_when_forced(db: Database) -> None:
    for force in (False, True):
        with pytest.raises(ScaleError) as caught:
            checkin(db, kr="mid-retention", value=36.0, override_value=True,
                    catalog=SCALE_CATALOG, force=force)
        assert not caught.value.forceable
        assert caught.value.status == 422
        assert "36 is outside the range of a rate (0 to 1" in caught.value.message
        assert caught.value.hint is not None
        assert "did you mean 0.36?" in caught.value.hint
    assert rows(db) == []
    stored = checkin(db, kr="mid-retention", value=0.36, override_value=True,
                     catalog=SCALE_CATALOG)
    assert stored.value == 0.36


def test_a_far_off_value_needs_force(db: Database) -> None:
    # 120 -> 60 minutes; 2 looks like hours typed on a minutes KR
    with pytest.raises(ScaleError) as caught:
        checkin(db, kr="first-value", value=2.0, override_value=True, catalog=SCALE_CATALOG)
    assert caught.value.forceable
    assert caught.value.hint is not None
    assert "looks like hours" in caught.value.hint
    assert "did you mean 120?" in caught.value.hint
    assert rows(db) == []
    # far above a KR without a metric, 0 -> 100
    with pytest.raises(ScaleError, match="does not fit"):
        checkin(db, kr="weekly-usage", value=5000.0)
    stored = checkin(db, kr="weekly-usage", value=5000.0, force=True)
    assert stored.value == 5000.0


def test_scale_checks_spare_plausible_values_and_sync(db: Database) -> None:
    assert checkin(db, kr="weekly-usage", value=0.0).value == 0.0
    assert checkin(db, kr="first-value", value=75.0, override_value=True,
                   catalog=SCALE_CATALOG).value == 75.0
    # automatic values come from the metric itself and are not second-guessed here
    auto = checkin(db, kr="mid-retention", value=0.5, source=CheckInSource.AUTO,
                   catalog=SCALE_CATALOG)
    assert auto.value == 0.5


def test_sync_s_batched_week_writes_what_record_checkin_writes_one_by_one(
    tmp_path: Path,
) -> None:
    """`record_auto_values` (a sync's week in one read and one flush) against
    `record_checkin(source=AUTO)` per KR on an identical plan: the same check-in rows
    (values, sources, people's fields, versions) and the same audit entries, through a
    create, a person's confidence kept, a person's value kept, an unchanged value (no write,
    no entry) and an update."""
    from sowhat.services.checkins import record_auto_values
    from sowhat.store.models import AuditEntryRow, KeyResultRow, PeriodRow

    now = datetime(2026, 10, 14, 9, tzinfo=UTC)
    rounds = [{"weekly-usage": 12.0, "mid-retention": 0.75, "first-value": 90.0},
              {"weekly-usage": 12.0, "mid-retention": 0.75, "first-value": 90.0},
              {"weekly-usage": 13.0, "mid-retention": 0.70, "first-value": 90.0}]

    def run(folder: Path, batched: bool) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        with database(database_url("sqlite", folder)) as db:
            apply(db, sample_plan())
            checkin(db, kr="weekly-usage", confidence=0.4, note="slow start", now=now)
            checkin(db, kr="mid-retention", value=0.8, override_value=True, now=now)
            for values in rounds:
                with db.transaction() as s:
                    if batched:
                        period = s.scalars(select(PeriodRow).where(
                            PeriodRow.label == "2026-Q4")).one()
                        krs = {k.key: k for k in s.scalars(select(KeyResultRow).where(
                            KeyResultRow.period_id == period.id))}
                        record_auto_values(session=s, period=period, week=WEEK, actor="sync",
                                           now=now, values=[(krs[k], v)
                                                            for k, v in values.items()])
                    else:
                        for k, v in values.items():
                            record_checkin(session=s, kr_id=k, period="2026-Q4", value=v,
                                           confidence=None, note=None, blockers=None,
                                           source=CheckInSource.AUTO, actor="sync",
                                           week=WEEK, now=now)
            with db.transaction(write=False) as s:
                checkins = [(r.key_result_id, r.week, r.value, r.source, r.confidence, r.note,
                             r.blockers, r.author, r.version, r.recorded_at)
                            for r in s.scalars(select(CheckInRow).order_by(
                                CheckInRow.key_result_id))]
                entries = [(e.actor, e.action, e.entity_type, e.entity_key, e.before, e.after)
                           for e in s.scalars(select(AuditEntryRow).where(
                               AuditEntryRow.entity_type == "check_in").order_by(
                               AuditEntryRow.id))]
            return checkins, entries

    one_by_one = run(tmp_path / "each", batched=False)
    batch = run(tmp_path / "batch", batched=True)
    assert batch == one_by_one
    checkins, entries = batch
    assert sorted((c[2], c[3]) for c in checkins) == [
        (0.8, "manual"), (13.0, "auto"), (90.0, "auto")]
    assert len(entries) == 2 + 2 + 1  # the people's two, round 1's two, round 3's one
