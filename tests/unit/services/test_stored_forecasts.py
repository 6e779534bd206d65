"""Stored forecasts: sync fits and stores each KR's forecast; pages read it — and only while
everything it read is unchanged. A check-in, a changed series or another model version makes
it a miss and the KR is fitted afresh: the answer always equals a fit made now."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from sowhat.domain.okr import CheckInSource
from sowhat.domain.period import Period
from sowhat.services import dashboard as views
from sowhat.services import forecasts as fc
from sowhat.services.checkins import record_checkin
from sowhat.services.forecasts import KRForecastView, forecast_period
from sowhat.services.listing import forecast_keys as keys
from sowhat.services.listing import forecasts as stored
from sowhat.services.listing.cache import entry_cache, read_cache
from sowhat.services.plans import status_rows
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import Database, open_database
from sowhat.store.models import KeyResultRow
from sowhat.store.sync_models import KRForecastRow, SeriesPointRow

PERIOD = "2026-Q4"
SYNCED = "gr-activation"


def _db(root: Path) -> Database:
    ws = load_workspace(root)
    return open_database(ws.config.database_url(root), create=False)


def _fits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every forecast fitted (by KR id) from here on."""
    fitted: list[str] = []
    real = fc.forecast_one

    def counting(objective_id: str, k: Any, *args: Any, **kwargs: Any) -> KRForecastView:
        fitted.append(k.id)
        return real(objective_id, k, *args, **kwargs)

    monkeypatch.setattr(fc, "forecast_one", counting)
    return fitted


def _fresh(session: Any, catalog: Any) -> dict[str, KRForecastView]:
    return {v.kr_id: v for v in forecast_period(session=session, catalog=catalog,
                                                 period=PERIOD).key_results}


def test_sync_stores_forecasts_that_pages_read_without_fitting(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = load_workspace(demo_copy)
    db = _db(demo_copy)
    with db.transaction(write=False) as s:
        rows = s.scalars(select(KRForecastRow)).all()
        status = status_rows(session=s, period=PERIOD, catalog=ws.metrics)
        want = _fresh(s, ws.metrics)
        fitted = _fits(monkeypatch)
        got = stored.forecasts_for(session=s, catalog=ws.metrics, status=status)
    assert len(rows) == len(want) > 5  # one per KR with a metric, written by the demo's sync
    assert fitted == []  # every one read back, none fitted
    assert got == want
    assert any(v.probability is not None for v in got.values())
    # the stored document gives back the very same view
    for view in want.values():
        doc = stored.view_to_doc(view)
        assert doc is not None
        assert stored.view_from_doc(doc) == view
    db.dispose()


def test_a_check_in_or_a_changed_series_makes_the_stored_forecast_a_miss(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = load_workspace(demo_copy)
    db = _db(demo_copy)
    with db.transaction() as s:  # a person's value on a synced KR (confidence alone: no miss)
        record_checkin(session=s, kr_id=SYNCED, period=PERIOD, value=0.58, confidence=0.3,
                       note="slower than hoped", blockers=None, source=CheckInSource.MANUAL,
                       actor="ana@example.com", week=date(2026, 11, 23), override_value=True)
        record_checkin(session=s, kr_id="co-d7-retention", period=PERIOD, value=None,
                       confidence=0.2, note="unsure", blockers=None,
                       source=CheckInSource.MANUAL, actor="ana@example.com",
                       week=date(2026, 11, 23))
    with db.transaction() as s:  # and a series point of another KR changed behind its back
        kr = s.scalars(select(KeyResultRow).where(KeyResultRow.key == "co-nps")).one()
        last = s.scalars(select(SeriesPointRow).where(
            SeriesPointRow.key_result_id == kr.id, SeriesPointRow.phase == "period",
            SeriesPointRow.value.is_not(None)).order_by(SeriesPointRow.week.desc())).first()
        assert last is not None
        assert last.value is not None
        lowered = last.value - 25
        s.execute(update(SeriesPointRow).where(SeriesPointRow.id == last.id)
                  .values(value=lowered))
    fitted = _fits(monkeypatch)
    with db.transaction(write=False) as s:
        status = status_rows(session=s, period=PERIOD, catalog=ws.metrics)
        got = stored.forecasts_for(session=s, catalog=ws.metrics, status=status)
    assert sorted(fitted) == ["co-nps", SYNCED]  # the two whose inputs changed, no other
    with db.transaction(write=False) as s:
        want = _fresh(s, ws.metrics)
    assert got == want  # equal to a fit made now: nothing stale was served
    assert got["co-nps"].last_week_value == pytest.approx(lowered)
    # another version of the forecasting code: every stored forecast misses
    fitted.clear()
    monkeypatch.setattr(keys, "code_version", lambda: "another model")
    with db.transaction(write=False) as s:
        assert stored.forecasts_for(session=s, catalog=ws.metrics, status=status) == want
    assert len(fitted) == len(want)
    db.dispose()


def test_the_dashboard_after_a_sync_reads_stored_forecasts(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh server (nothing in memory) fits nothing; after a check-in on a synced KR the
    page shows that KR's new forecast, refitted, and the stored ones for the rest."""
    ws = load_workspace(demo_copy)
    db = _db(demo_copy)
    read_cache.clear()
    entry_cache.clear()
    fitted = _fits(monkeypatch)
    with db.transaction(write=False) as s:
        first = views.dashboard(session=s, period=PERIOD, workspace=ws)
        want = _fresh(s, ws.metrics)
    assert fitted == []
    assert first.forecasts == want
    with db.transaction() as s:
        record_checkin(session=s, kr_id=SYNCED, period=PERIOD, value=0.61, confidence=0.9,
                       note="counted by hand", blockers=None, source=CheckInSource.MANUAL,
                       actor="ana@example.com", week=date(2026, 11, 23), override_value=True)
    with db.transaction(write=False) as s:
        after = views.dashboard(session=s, period=PERIOD, workspace=ws)
        want = _fresh(s, ws.metrics)
    assert fitted == [SYNCED]  # its value changed: refitted; the rest still read
    assert after.forecasts == want
    assert after.forecasts[SYNCED] != first.forecasts[SYNCED]
    read_cache.clear()
    entry_cache.clear()
    db.dispose()


class _Only:
    """A KR status that refuses every field but those named."""

    def __init__(self, status: Any, allowed: tuple[str, ...]) -> None:
        self._status, self._allowed = status, allowed

    def __getattr__(self, name: str) -> Any:
        if name not in self._allowed:
            raise AssertionError(f"the forecast read {name!r}: add it to FORECAST_INPUTS")
        return getattr(self._status, name)


def test_a_forecast_reads_only_the_fields_its_stored_key_covers(built_demo: Path) -> None:
    """Were the forecast to read a field the key leaves out (confidence, a note), a change of
    it would serve a stale stored forecast: the forecast is run on statuses that refuse it."""
    ws = load_workspace(built_demo)
    db = _db(built_demo)
    with db.transaction(write=False) as s:
        status = status_rows(session=s, period=PERIOD, catalog=ws.metrics)
        row = s.scalars(select(KeyResultRow).where(KeyResultRow.key == SYNCED)).one()
        points = fc.weekly_series(s, [row.id])[row.id]
        span = Period.between(status.start, status.end, PERIOD)
        krs = [(o.id, k) for o in status.objectives for k in o.key_results if k.metric]
        for objective_id, k in krs:
            guarded = _Only(k, fc.FORECAST_INPUTS)
            for pts in (points, ([], []), (points[0], [])):  # with and without weekly values
                assert fc.forecast_one(objective_id, guarded, pts, span,  # type: ignore[arg-type]
                                       ws.metrics) == fc.forecast_one(objective_id, k, pts,
                                                                      span, ws.metrics)
    db.dispose()


# --- the import-free check (services.listing.forecast_keys) ---------------------------------

def test_the_digest_is_the_one_stored_before_the_check_was_split_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same inputs give the digest the previous code gave (computed by it, with the code
    version pinned): moving the check out of the fitting module changed no key."""
    from sowhat.services.plans import KeyResultStatus

    monkeypatch.setattr(keys, "code_version", lambda: "pinned")
    k = KeyResultStatus(
        id="kr-1", title="Activation up", metric="activation", segment=None, unit="percent",
        owner="ana@example.com", indicator=None, baseline=0.4, target=0.55, current=0.47,
        progress=0.46, confidence=0.6, last_week=date(2026, 11, 23), last_recorded_at=None,
        last_note="n", last_source="sync", check_ins=5, measure="level", over_days=28)
    pts = ([(date(2026, 9, 21), 0.41), (date(2026, 9, 28), None)],
           [(date(2026, 10, 5), 0.44), (date(2026, 10, 12), 0.47)])
    span = Period.between(date(2026, 10, 1), date(2027, 1, 1), "2026-Q4")
    assert keys.input_key(k, "obj-1", pts, span, None, 0.8) == (
        "60974b3b2d408b056233cee3119d56aa3c00df5f988f5d19e3777178e0c91110")
    assert keys.input_key(k, "obj-1", ([], []), span, None, 0.9) == (
        "f27f0fe85db2c1cf7b5bfed7695119032d99ee681d5d71df433815644ee1d225")
    # the as-of the series was stored at decides which weeks are complete: part of the key,
    # the same instant read back naive or aware giving the same one
    mid = keys.input_key(k, "obj-1", pts, span, None, 0.8, datetime(2026, 10, 14, 9))
    assert mid != keys.input_key(k, "obj-1", pts, span, None, 0.8)
    assert mid == keys.input_key(k, "obj-1", pts, span, None, 0.8,
                                 datetime(2026, 10, 14, 9, tzinfo=UTC))
    assert mid != keys.input_key(k, "obj-1", pts, span, None, 0.8, datetime(2026, 10, 15))
    # one field a forecast reads, changed: another key
    moved = KeyResultStatus(**{**k.__dict__, "current": 0.48})
    assert keys.input_key(moved, "obj-1", pts, span, None, 0.8) != keys.input_key(
        k, "obj-1", pts, span, None, 0.8)


def test_the_light_constants_equal_the_statistics_ones() -> None:
    from sowhat.stats.forecast import DEFAULT_INTERVAL

    assert keys.DEFAULT_INTERVAL == DEFAULT_INTERVAL
    assert fc.FORECAST_INPUTS is keys.FORECAST_INPUTS
    assert fc.weekly_series is keys.weekly_series
    # the code version covers the fitting code, the statistics and both listing modules
    assert keys.code_version() == keys.code_version.__wrapped__()


def test_an_unchanged_sync_checks_its_forecasts_without_importing_the_statistics(
    built_demo: Path,
) -> None:
    """In a fresh interpreter: the check a sync runs last finds every forecast the demo's
    sync stored current, fits none, and never imports NumPy, SciPy or the forecasting
    code. Were a key computed differently from the stored one, or the check to import the
    fitting code, this fails."""
    import subprocess
    import sys

    script = f"""
import sys
from sowhat.services.listing.forecasts import store_forecasts
from sowhat.services.plans import status_rows
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database
from sowhat.store.sync_models import SyncRunRow
from sqlalchemy import select
from pathlib import Path
ws = load_workspace(Path({str(built_demo)!r}))
db = open_database(ws.config.database_url(ws.root), create=False)
with db.transaction(write=False) as s:
    as_of = s.scalars(select(SyncRunRow.as_of).order_by(SyncRunRow.id.desc())).first()
    status = status_rows(session=s, period={PERIOD!r}, today=as_of.date(), catalog=ws.metrics)
    n = store_forecasts(session=s, catalog=ws.metrics, status=status)
    assert not s.new and not s.dirty, "a forecast was fitted or rewritten"
heavy = sorted(m for m in ("numpy", "scipy", "sowhat.stats.forecast", "sowhat.services.forecasts")
               if m in sys.modules)
print(n, heavy)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    count, heavy = out.stdout.split(" ", 1)
    assert int(count) > 5
    assert heavy.strip() == "[]"


def test_importing_the_check_pulls_in_no_statistics() -> None:
    import subprocess
    import sys

    script = ("import sys, sowhat.services.listing.forecast_keys, "
              "sowhat.services.listing.forecasts, sowhat.services.sync.run; "
              "print(sorted(m for m in ('numpy', 'scipy', 'sowhat.stats.forecast') "
              "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_the_forecast_command_and_the_quarter_report_read_stored_forecasts_with_the_same_output(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sowhat forecast` (table and JSON, one KR and all) and the QBR read what sync stored —
    nothing fitted — and print exactly what they print when every forecast is fitted now."""
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from sowhat.cli.app import app
    from sowhat.services.reporting.quarter import quarter_report

    ws = load_workspace(demo_copy)
    db = _db(demo_copy)
    runner = CliRunner()
    commands = [["forecast", "-w", str(demo_copy), "--period", PERIOD],
                ["forecast", "-w", str(demo_copy), "--period", PERIOD, "--json"],
                ["forecast", SYNCED, "-w", str(demo_copy), "--period", PERIOD]]
    as_of = datetime(2026, 11, 16, tzinfo=UTC)

    def outputs() -> tuple[list[str], Any]:
        printed = []
        for args in commands:
            result = runner.invoke(app, args, catch_exceptions=False, env={"COLUMNS": "200"})
            assert result.exit_code == 0, result.output
            printed.append(result.output)
        with db.transaction(write=False) as s:
            report = quarter_report(session=s, workspace=ws, period=PERIOD, as_of=as_of)
        return printed, report

    fitted = _fits(monkeypatch)
    stored_out, stored_report = outputs()
    assert fitted == []  # every forecast read back
    monkeypatch.setattr(keys, "code_version", lambda: "another model")  # every one misses
    fitted_out, fitted_report = outputs()
    assert len(fitted) > 3 * 5  # three commands and the report, each fitting its KRs
    assert stored_out == fitted_out
    assert stored_report == fitted_report
    assert "P(target)" in stored_out[0]
    db.dispose()


def test_the_coach_reads_the_stored_forecasts_and_fits_none(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sowhat lint` read each KR's ambition check and current value by refitting every
    forecast of the period: half of a 5,000-KR lint. It reads what sync stored, the same
    answers as a fit made now."""
    from sowhat.services.lint_inputs import coach_inputs

    ws = load_workspace(demo_copy)
    db = _db(demo_copy)
    with db.transaction(write=False) as s:
        want = _fresh(s, ws.metrics)
    db.dispose()
    fitted: list[str] = []
    real = fc._forecast_one  # what a fit made now and a stored miss both go through

    def counting(objective_id: str, k: Any, *args: Any, **kwargs: Any) -> KRForecastView:
        fitted.append(k.id)
        return real(objective_id, k, *args, **kwargs)

    monkeypatch.setattr(fc, "_forecast_one", counting)
    got = coach_inputs(workspace=ws, as_of=date(2026, 11, 16))
    assert fitted == []
    assert got.hit_probabilities == {
        k: v.ambition.probability for k, v in want.items()
        if v.ambition is not None and v.ambition.probability is not None}
    assert got.hit_probabilities
    assert got.current_values
