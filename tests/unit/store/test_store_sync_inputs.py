"""Sync's stored input keys (`services.sync.input_store.InputStore`), read as plain rows and
written back in set-based statements, on SQLite and PostgreSQL: what one sync saves the next
one reads, a changed key replaces the stored one, an unkeyable value drops it, a KR that
failed keeps its old keys, and `--full` treats every key as changed but still saves."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from sowhat.services.sync.input_store import InputStore
from sowhat.store.db import Database
from sowhat.store.models import KeyResultRow, ObjectiveRow, PeriodRow
from sowhat.store.sync_models import SyncInputRow

MONDAY = date(2026, 10, 5)


def _krs(db: Database) -> list[int]:
    with db.transaction() as s:
        period = PeriodRow(label="2026-Q4", start=date(2026, 10, 1), end=date(2027, 1, 1))
        s.add(period)
        s.flush()
        objective = ObjectiveRow(period_id=period.id, key="grow", title="Grow")
        s.add(objective)
        s.flush()
        krs = [KeyResultRow(period_id=period.id, objective_id=objective.id, key=f"kr{i}",
                            title=f"KR {i}") for i in range(2)]
        s.add_all(krs)
        s.flush()
        return [k.id for k in krs]


def _stored(db: Database) -> dict[tuple[int, str, date], str]:
    with db.transaction() as s:
        return {(r.key_result_id, r.kind, r.week): r.input_key
                for r in s.scalars(select(SyncInputRow))}


def test_keys_saved_by_one_sync_are_what_the_next_one_compares_against(db: Database) -> None:
    a, b = _krs(db)
    weeks = [MONDAY + timedelta(weeks=i) for i in range(3)]
    with db.transaction() as s:
        first = InputStore(s, [a, b], full=False)
        assert not first.unchanged(a, "checkin", weeks[0], "k0")  # nothing stored yet
        for i, week in enumerate(weeks):
            first.pending(a, "checkin", week, f"k{i}")
            first.pending(b, "series", week, f"s{i}")
        first.pending(a, "baseline", MONDAY, "base")
        first.save(set())
    assert len(_stored(db)) == 7

    with db.transaction() as s:
        second = InputStore(s, [a, b], full=False)
        assert all(second.unchanged(a, "checkin", w, f"k{i}") for i, w in enumerate(weeks))
        assert not second.unchanged(a, "checkin", weeks[0], "late")  # a late event's key
        assert not second.unchanged(a, "series", weeks[0], "k0")  # another kind, same week
        assert not second.unchanged(a, "checkin", weeks[0], None)  # unkeyable: recompute
        second.pending(a, "checkin", weeks[0], "late")  # recomputed under a new key
        second.pending(a, "checkin", weeks[1], None)  # now unkeyable: its key goes
        second.pending(a, "checkin", weeks[2], "k2")  # recomputed, same key
        second.pending(b, "series", weeks[0], "s-new")  # b failed this sync: kept as it was
        second.pending(b, "checkin", weeks[0], "b-new")
        second.save({b})
    after = _stored(db)
    assert after[(a, "checkin", weeks[0])] == "late"
    assert (a, "checkin", weeks[1]) not in after
    assert after[(a, "checkin", weeks[2])] == "k2"
    assert after[(b, "series", weeks[0])] == "s0"
    assert (b, "checkin", weeks[0]) not in after
    assert after[(a, "baseline", MONDAY)] == "base"  # not touched this sync
    assert len(after) == 6

    with db.transaction() as s:
        full = InputStore(s, [a, b], full=True)
        assert not full.unchanged(a, "checkin", weeks[0], "late")  # --full keeps nothing
        full.pending(a, "checkin", weeks[0], "again")
        full.save(set())
    with db.transaction() as s:
        assert InputStore(s, [a], full=False).unchanged(a, "checkin", weeks[0], "again")
        assert not InputStore(s, [b], full=False).unchanged(a, "checkin", weeks[0], "again")
