"""The cached dashboard after a write is updated for what the write touched, not rebuilt —
and equals a full rebuild after every kind of write: a check-in (by hand and on a synced KR),
a KR edit, an objective edit (a team move included), a bet and a guardrail written, a KR and
an objective archived, an import of new objectives and KRs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from sowhat.domain.okr import CheckInSource
from sowhat.services import dashboard as views
from sowhat.services.accounts import Principal
from sowhat.services.authoring import csv_import, objects
from sowhat.services.checkins import record_checkin
from sowhat.services.listing import incremental
from sowhat.services.listing.cache import entry_cache, read_cache
from sowhat.services.okrs import edits
from sowhat.services.standing import period as period_module
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.store import repositories
from sowhat.store.db import Database, open_database

PERIOD = "2026-Q4"
TODAY = date(2026, 11, 16)
ADMIN = Principal(user_id=0, email="ana@example.com", is_admin=True, editor_teams=frozenset())


def _version(s: Session, kind: str, key: str) -> int:
    rows = repositories.period_contents(s, repositories.periods_by_label(s, [PERIOD])[PERIOD])
    found = {"kr": rows.key_results, "objective": rows.objectives, "bet": rows.bets}[kind]
    return next(int(r.version) for r in found if r.key == key and r.archived_at is None)


def _models(db: Database, ws: Workspace) -> tuple[views.Dashboard, views.PlanView]:
    with db.transaction(write=False) as s:
        board = views._cached_dashboard(s, PERIOD, TODAY, ws)
        plan = views.cached_plan(session=s, period=PERIOD, today=TODAY, catalog=ws.metrics)
    return board, plan


def _rebuilt(db: Database, ws: Workspace) -> tuple[views.Dashboard, views.PlanView]:
    read_cache.clear()
    entry_cache.clear()
    return _models(db, ws)


def _record_reads(monkeypatch: pytest.MonkeyPatch) -> list[frozenset[str]]:
    """The objectives each incremental update reads again, one set per update, as they
    happen (the real update runs; this only listens)."""
    read: list[frozenset[str]] = []
    real = incremental.update_plan

    def recording(**kwargs: object) -> object:
        done = real(**kwargs)  # type: ignore[arg-type]
        if done is not None:
            read.append(done[1])
        return done

    monkeypatch.setattr(period_module, "update_plan", recording)
    return read


def test_every_kind_of_write_updates_the_cached_model_to_what_a_rebuild_gives(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = load_workspace(demo_copy)
    db = open_database(ws.config.database_url(demo_copy), create=False)
    read_cache.clear()
    entry_cache.clear()
    _models(db, ws)  # the cached model every write below starts from
    read = _record_reads(monkeypatch)  # the objectives each update read again

    def write(change: Callable[[Session], object], *, reads: set[str],
              rebuilt: bool = False) -> None:
        with db.transaction() as s:
            change(s)
        before = read_cache.updates
        read.clear()
        board, plan = _models(db, ws)  # brought up to date from the write's audit entries
        # the plan and the dashboard updated, not rebuilt (the dashboard rebuilt when the
        # North Star's trend may come from another KR)
        assert read_cache.updates == before + (1 if rebuilt else 2)
        assert read
        assert read[-1] == reads
        want_board, want_plan = _rebuilt(db, ws)
        assert plan == want_plan
        assert board == want_board
        read_cache.clear()
        entry_cache.clear()
        _models(db, ws)  # the next write starts from a cached model again

    week = date(2026, 11, 16)
    write(lambda s: record_checkin(  # a value by hand on a KR without a metric
        session=s, kr_id="gr-ai-explanations", period=PERIOD, value=0.31, confidence=0.6,
        note="the first explanations shipped", blockers=None, source=CheckInSource.MANUAL,
        actor=ADMIN.email, week=week), reads={"growth/useful-recommendations"})
    write(lambda s: record_checkin(  # a person's value on a synced KR: its forecast moves
        session=s, kr_id="co-nps", period=PERIOD, value=30.0, confidence=0.3,
        note="survey was small", blockers=None, source=CheckInSource.MANUAL, actor=ADMIN.email,
        week=week, override_value=True), reads={"company/customers-stay"})
    write(lambda s: edits.update_key_result(
        session=s, principal=ADMIN, period=PERIOD, kr_id="su-small-tickets",
        changes={"title": "Fewer tickets from small accounts", "target": 0.05},
        expected_version=_version(s, "kr", "su-small-tickets"), metrics=ws.metrics),
        reads={"support/self-serve-answers"})
    write(lambda s: edits.update_objective(
        session=s, principal=ADMIN, period=PERIOD, objective_id="platform/retain-mid-market",
        changes={"title": "Mid-market accounts stay", "team": "support"},
        expected_version=_version(s, "objective", "platform/retain-mid-market")),
        reads={"platform/retain-mid-market"})
    write(lambda s: objects.create_bet(
        session=s, principal=ADMIN, period=PERIOD,
        fields={"id": "faster-answers", "objective": "support/self-serve-answers",
                "title": "Answer in the product", "status": "building"}),
        reads={"support/self-serve-answers"})
    write(lambda s: objects.delete_guardrail(
        session=s, principal=ADMIN, period=PERIOD, objective="company/customers-stay",
        key="support_tickets_per_account", expected_version=1),
        reads={"company/customers-stay"})
    write(lambda s: edits.update_key_result(  # now it measures the North Star
        session=s, principal=ADMIN, period=PERIOD, kr_id="gr-ai-explanations",
        changes={"metric": "weekly_active_teams", "baseline": 40, "target": 60},
        expected_version=_version(s, "kr", "gr-ai-explanations"), metrics=ws.metrics),
        reads={"growth/useful-recommendations"}, rebuilt=True)
    write(lambda s: objects.archive_key_result(
        session=s, principal=ADMIN, period=PERIOD, kr_id="pl-enterprise-ttfv",
        expected_version=_version(s, "kr", "pl-enterprise-ttfv")),
        reads={"platform/dependable-workflows"})
    write(lambda s: objects.archive_objective(  # with its KRs (and the bets it has)
        session=s, principal=ADMIN, period=PERIOD, objective_id="support/self-serve-answers",
        expected_version=_version(s, "objective", "support/self-serve-answers")),
        reads={"support/self-serve-answers"})
    rows = csv_import.parse_rows(
        "objective_id,objective,team,owner,kr_id,kr,metric,target\n"
        "growth/faster-setup,Set up faster,growth,ana@example.com,gr-setup-days,"
        "Cut setup from 9 to 4 days,,4\n"
        "growth/faster-setup,,,,gr-setup-nps,Setup NPS from 20 to 35,nps,35\n", "import.csv")
    write(lambda s: csv_import.write_rows(session=s, principal=ADMIN, workspace=ws,
                                          period=PERIOD, rows=rows),
          reads={"growth/faster-setup"})
    read_cache.clear()
    entry_cache.clear()
    db.dispose()


def test_a_sync_or_a_period_write_builds_the_model_anew(demo_copy: Path) -> None:
    """What the audit entries cannot scope is never patched: a period written, or a sync
    when the marks the model was built from are not known."""
    ws = load_workspace(demo_copy)
    db = open_database(ws.config.database_url(demo_copy), create=False)
    with db.transaction(write=False) as s:
        from sowhat.services.listing.cache import data_version

        now = data_version(s)
        assert incremental.touched_since(s, PERIOD, now, now) is not None  # nothing written
        assert incremental.touched_since(s, PERIOD, (now[0], now[1] - 1, ()), now) is None
        prow = repositories.periods_by_label(s, [PERIOD])[PERIOD]
        marks = incremental.sync_marks(s, prow.id)
        assert marks  # the demo's synced KRs
        after = incremental.touched_since(s, PERIOD, (now[0], now[1] - 1, ()), now, marks=marks)
        assert after is not None
        assert after.synced
        assert not after.key_results  # the marks are those of now: no KR differs
        assert incremental.touched_since(s, PERIOD, (0, now[1], ()), now) is None  # the apply:
        # it wrote the period and its teams
    db.dispose()


def test_a_sync_updates_the_cached_model_to_what_a_rebuild_gives(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync rewrites every synced KR's measure and current week, but changes the values of
    the KRs whose inputs moved only: the model re-reads the objectives of those (the
    check-ins it audited, the measure rows and series that differ from what the model was
    built from) and equals a rebuild — after a sync at the same as-of (nothing changed),
    one that recomputed a redefined KR, one a day later (every synced KR moved) and one a
    week later."""
    from datetime import datetime, timedelta

    from sowhat.services.demo.run import DEMO_AS_OF
    from sowhat.services.events import event_source_spec, open_events
    from sowhat.services.sync import resolve_as_of, sync

    ws = load_workspace(demo_copy)
    assert ws.metrics is not None
    catalog = ws.metrics
    db = open_database(ws.config.database_url(demo_copy), create=False)
    events = open_events(ws)
    read_cache.clear()
    entry_cache.clear()
    read = _record_reads(monkeypatch)

    def synced(as_of: datetime, *, reads: set[str] | None) -> None:
        _models(db, ws)  # the cached model the sync starts from
        with db.transaction() as s:
            sync(session=s, catalog=catalog, events=events, as_of=as_of, actor="sync",
                 data_through=clock.data_through)
        before = read_cache.updates
        read.clear()
        board, plan = _models(db, ws)
        assert read  # the plan updated, not rebuilt
        if reads is not None:  # reading only these objectives again
            assert read[-1] == reads
        assert read_cache.updates == before + 2  # the plan and the dashboard: updated
        want_board, want_plan = _rebuilt(db, ws)
        assert plan == want_plan
        assert board == want_board
        read_cache.clear()
        entry_cache.clear()

    try:
        clock = resolve_as_of(events=events, spec=event_source_spec(ws), requested=None,
                              now=DEMO_AS_OF)
        as_of = clock.effective
        synced(as_of, reads=set())  # nothing moved: no objective read again
        with db.transaction() as s:  # another segment: the next sync recomputes this KR
            edits.update_key_result(
                session=s, principal=ADMIN, period=PERIOD, kr_id="gr-activation",
                changes={"segment": "small"}, expected_version=_version(s, "kr", "gr-activation"),
                metrics=catalog)
        synced(as_of, reads={"growth/first-week-win"})
        # a person's value for this week on the only synced KR of an objective: the sync
        # keeps it (no check-in written, none audited) but moves its measure's window and
        # its series, which the marks alone see
        with db.transaction() as s:
            record_checkin(session=s, kr_id="gr-rec-ctr", period=PERIOD, value=0.05,
                           confidence=0.5, note=None, blockers=None,
                           source=CheckInSource.MANUAL, actor=ADMIN.email, week=TODAY,
                           override_value=True)
        # a day later: every synced KR's window and current week move (the same week)
        synced(as_of + timedelta(days=1), reads=None)
        assert "growth/useful-recommendations" in read[-1]
        synced(as_of + timedelta(days=8), reads=None)  # and a week later
    finally:
        events.close()
        read_cache.clear()
        entry_cache.clear()
        db.dispose()
