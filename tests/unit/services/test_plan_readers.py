"""The readers of a whole plan (plain rows, a few queries) answer exactly what the per-KR
readers answer: the check-ins with those of carried KRs, and the weekly values that count."""

from __future__ import annotations

from pathlib import Path

from sowhat.services.okrs.views import (
    checkins,
    checkins_many,
    plan_view,
    series,
    series_values_many,
)
from sowhat.services.plans import list_periods
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database


def test_whole_plan_readers_equal_the_per_kr_ones(built_demo: Path) -> None:
    ws = load_workspace(built_demo)
    db = open_database(ws.config.database_url(built_demo), create=False)
    with db.transaction(write=False) as s:
        for info in list_periods(session=s):
            period = info.period.label
            ids = [k.id for k in plan_view(session=s, period=period).key_results]
            many = checkins_many(session=s, period=period)
            values = series_values_many(session=s, period=period)
            for kr in ids:
                assert many.get(kr, []) == checkins(session=s, period=period, kr_id=kr), kr
                assert values.get(kr, []) == [(p.week, p.value) for p in series(
                    session=s, period=period, kr_id=kr) if p.value is not None], kr
            assert sum(len(v) for v in many.values()) > 20
            if period == "2026-Q4":
                assert any(len(v) > 5 for v in values.values())
    db.dispose()
