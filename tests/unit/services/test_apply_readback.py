"""Reading applied plans back: exact domain values in file order, periods, and the status
numbers (checked against sums worked out by hand)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from apply_testing import BACKENDS, apply, database, database_url, sample_plan

from sowhat.domain.okr import CheckInSource, Objective, Plan
from sowhat.domain.period import Period
from sowhat.errors import NotFound
from sowhat.services.checkins import record_checkin
from sowhat.services.plans import current_period, list_periods, load_plans, status_rows
from sowhat.store.db import Database


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database(database_url(request.param, tmp_path)) as db:
        yield db


def _checkin(db: Database, kr: str, week: date, **kw: object) -> None:
    fields = {"value": None, "confidence": None, "note": None, "blockers": None}
    fields.update(kw)
    with db.transaction() as session:
        record_checkin(
            session=session, kr_id=kr, period=None, source=CheckInSource.AUTO, actor="sync",
            week=week, **fields,  # type: ignore[arg-type]
        )  # fmt: skip


def test_plans_come_back_equal_to_what_was_applied(db: Database) -> None:
    explicit = Plan(
        Period.between(date(2027, 1, 1), date(2027, 2, 15)),
        (Objective("tiny", "Tiny objective"),),
    )
    apply(db, sample_plan("2026-Q4"), explicit, sample_plan("2026-Q3"))
    with db.transaction(write=False) as session:
        plans = load_plans(session=session)
        only = load_plans(session=session, period="2026-Q4")
    assert plans == [sample_plan("2026-Q3"), sample_plan("2026-Q4"), explicit]
    assert only == [sample_plan("2026-Q4")]
    assert plans[2].period.label == "2027-01-01..2027-02-15"


def test_archived_entities_are_read_back_only_on_request(db: Database) -> None:
    plan = sample_plan()
    apply(db, plan)
    apply(db, dataclasses.replace(plan, objectives=plan.objectives[1:]))
    with db.transaction(write=False) as session:
        live = load_plans(session=session)[0]
        everything = load_plans(session=session, include_archived=True)[0]
    assert [o.id for o in live.objectives] == ["launch-insights"]
    # The archived objective sorts after the live ones, with all it had.
    assert [o.id for o in everything.objectives] == ["launch-insights", "retain-mid-market"]
    assert everything.objectives[1] == plan.objectives[0]


def test_unknown_period_names_the_stored_ones(db: Database) -> None:
    apply(db, sample_plan("2026-Q3"), sample_plan("2026-Q4"))
    with (
        pytest.raises(NotFound, match="no stored period '2026-Q1'") as info,
        db.transaction(write=False) as session,
    ):
        load_plans(session=session, period="2026-Q1")
    assert info.value.hint == "stored periods: 2026-Q3, 2026-Q4"


def test_periods_are_listed_and_the_current_one_is_the_most_specific(db: Database) -> None:
    year = Plan(Period.parse("2026"), (Objective("annual", "Annual"),))
    apply(db, sample_plan("2026-Q3"), sample_plan("2026-Q4"), year)
    with db.transaction(write=False) as session:
        infos = list_periods(session=session)
        assert [(i.period.label, i.objectives, i.key_results) for i in infos] == [
            ("2026", 1, 0),
            ("2026-Q3", 2, 4),
            ("2026-Q4", 2, 4),
        ]
        assert current_period(session=session, today=date(2026, 11, 23)) == Period.parse("2026-Q4")
        assert current_period(session=session, today=date(2026, 2, 1)) == Period.parse("2026")
        assert current_period(session=session, today=date(2027, 2, 1)) is None


def test_status_rows_match_hand_computed_scores(db: Database) -> None:
    apply(db, sample_plan())
    _checkin(db, "mid-retention", date(2026, 10, 5), value=0.72)
    _checkin(db, "mid-retention", date(2026, 10, 12), value=0.76, confidence=0.6, note="up")
    _checkin(db, "mid-retention", date(2026, 10, 19), note="holiday week")  # no value
    _checkin(db, "first-value", date(2026, 10, 12), value=90.0)
    _checkin(db, "weekly-usage", date(2026, 10, 12), value=25.0)
    with db.transaction(write=False) as session:
        status = status_rows(session=session, period=None, today=date(2026, 11, 16))
    assert status.period == "2026-Q4"
    assert status.elapsed == pytest.approx(46 / 92)
    retain, insights = status.objectives
    mid, ttv = retain.key_results
    # mid-retention: (0.76 - 0.70) / (0.85 - 0.70) = 0.4; first-value: (90-120)/(60-120) = 0.5
    assert mid.current == 0.76
    assert mid.progress == pytest.approx(0.4)
    assert (mid.confidence, mid.last_week, mid.last_note) == (
        0.6,
        date(2026, 10, 19),
        "holiday week",
    )
    assert mid.check_ins == 3
    assert ttv.progress == pytest.approx(0.5)
    assert retain.score == pytest.approx(0.45)
    # insights-mvp has no baseline (scores 0); weekly-usage: 25/100 = 0.25; mean 0.125
    assert insights.key_results[0].progress is None
    assert insights.score == pytest.approx(0.125)
    assert status.team_scores == pytest.approx({"growth": 0.125, "platform": 0.45})
    assert (retain.guardrails, retain.bets) == (2, 2)


def test_status_of_an_empty_database_says_to_apply(db: Database) -> None:
    with (
        pytest.raises(NotFound, match="no plans are stored yet"),
        db.transaction(write=False) as session,
    ):
        status_rows(session=session)
