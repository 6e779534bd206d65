"""The forecast service: what is forecast from which stored weeks, checked by re-reading the
series with plain SQL and calling the stats engine by hand; basis and run-rate by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from review_testing import CONFIG, METRICS, OKRS, module_copy, opened
from sqlalchemy import text

from sowhat.domain.okr import Direction
from sowhat.errors import NotFound
from sowhat.services.files import apply_workspace
from sowhat.services.forecasts import (
    AMBITION_WEEKS,
    CONTEXT_WEEKS,
    MIN_WEEK_ENTITIES,
    Basis,
    Outlook,
    PeriodForecast,
    forecast_key_result,
    forecast_period,
    metric_basis,
    outlook,
    weekly_comparable,
)
from sowhat.services.plans import KeyResultStatus
from sowhat.spec.metric_defs import MetricsFile
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.stats.ambition import hit_probability_without_change
from sowhat.stats.forecast import HISTORY_WEEKS, forecast_kr
from sowhat.store.db import Database


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return load_workspace(module_copy(tmp_path_factory, "forecast"))


@pytest.fixture(scope="module")
def db(ws: Workspace) -> Iterator[Database]:
    with opened(ws) as database:
        yield database


@pytest.fixture(scope="module")
def result(db: Database, ws: Workspace) -> PeriodForecast:
    with db.transaction(write=False) as session:
        return forecast_period(session=session, catalog=ws.metrics, period="2026-Q4")


def series(db: Database, kr: str, phase: str) -> list[tuple[str, float | None, int | None]]:
    with db.engine.connect() as conn:
        return [(str(w), v, n) for w, v, n in conn.execute(text(
            "SELECT s.week, s.value, s.entities FROM kr_series s JOIN key_results k ON "
            "k.id = s.key_result_id WHERE k.key = :kr AND s.phase = :phase ORDER BY s.week"),
            {"kr": kr, "phase": phase})]


def usable(points: list[tuple[str, float | None, int | None]]) -> list[float | None]:
    return [v if n is None or n >= MIN_WEEK_ENTITIES else None for _, v, n in points]


def test_only_metric_krs_are_forecast_in_file_order(result: PeriodForecast) -> None:
    assert [f.kr_id for f in result.key_results] == ["act", "act-mid", "tickets-total"]
    # the latest complete week of any KR: the tickets count's Nov 9-15 (synced as of Nov 16)
    assert result.series_as_of == date(2026, 11, 9)
    assert (result.start, result.end) == (date(2026, 10, 1), date(2027, 1, 1))


@pytest.mark.parametrize("kr", ["act", "act-mid"])
def test_a_level_kr_is_the_stats_forecast_of_context_plus_period_weeks(
    result: PeriodForecast, db: Database, kr: str
) -> None:
    f = next(x for x in result.key_results if x.kr_id == kr)
    stored = usable(series(db, kr, "period"))
    assert len(stored) == 7  # 2026-10-01 (partial), then six Mondays to 2026-11-09
    # Synced as of Nov 16: the week of Nov 9 has ended but its last two days' 2-day cohorts
    # have not matured, so the fit stops at the week of Nov 2 (complete weeks only).
    period = stored[:6]
    context = usable(series(db, kr, "history"))[-CONTEXT_WEEKS:]
    target = {"act": 0.50, "act-mid": 0.48}[kr]
    # The period-end level of a 2-day conversion over 28 days is the mean of the four anchor
    # weeks ending 2 days before the end: the forecast aims at their middle, 2 weeks before.
    older = usable(series(db, kr, "history"))[:-CONTEXT_WEEKS]
    ref = forecast_kr(context + period, target=target, weeks_remaining=14 - 6 - 2,
                      direction=Direction.INCREASE, bounds=(0.0, 1.0), history=older)
    assert f.basis is Basis.WEEKLY_LEVEL
    assert (f.weeks_elapsed, f.weeks_remaining) == (6, 8)
    assert f.probability == pytest.approx(ref.probability, abs=1e-12)
    assert (f.projected, f.low, f.high) == pytest.approx((ref.projected, ref.low, ref.high))
    assert f.outlook is outlook(ref.probability)
    assert [p.week for p in f.path] == [date(2026, 11, 9) + timedelta(weeks=i)
                                        for i in range(6)]
    assert f.path[-1].median == pytest.approx(f.projected)
    assert f.last_week_value == next(v for v in reversed(period) if v is not None)
    history = usable(series(db, kr, "history"))
    # sync keeps a year and a month (the yearly swing); the ambition check reads half a year
    assert len(history) >= HISTORY_WEEKS  # (the window's edge weeks are partial)
    # The ambition check aims at the same period-end level as the forecast (2 weeks early).
    amb = hit_probability_without_change(history[-AMBITION_WEEKS:], period_weeks=14 - 2,
                                         target=target,
                                         direction=Direction.INCREASE, bounds=(0.0, 1.0))
    assert f.ambition is not None
    assert f.ambition.verdict == amb.verdict
    assert f.ambition.probability == pytest.approx(amb.probability)
    # ... and says it in the KR's unit, not as a raw fraction.
    assert f.ambition.message.startswith("with no change, expect ")
    assert f"the target {target:.0%} is" in f.ambition.message
    assert "%" in f.ambition.message.split("expect ")[1].split(" ")[0]


def test_the_planted_effect_shows_in_the_forecasts(result: PeriodForecast) -> None:
    """Mid-sized activation jumped from 0.40 to 0.65 at launch; the target is 0.48."""
    mid = next(f for f in result.key_results if f.kr_id == "act-mid")
    assert mid.probability is not None
    assert mid.probability > 0.7
    assert mid.outlook is Outlook.ON_TRACK
    assert mid.ambition is not None
    assert mid.ambition.probability is not None
    assert mid.ambition.probability < mid.probability  # the team's work, not momentum


def test_a_count_kr_is_a_period_total_projected_at_its_pace(result: PeriodForecast) -> None:
    f = next(x for x in result.key_results if x.kr_id == "tickets-total")
    assert f.basis is Basis.PERIOD_TOTAL
    assert f.to_date == 5 * 46  # Oct 1 to Nov 15, five tickets a day
    assert f.projected == pytest.approx(f.to_date * 92 / 46)
    assert f.probability is None
    assert f.outlook is Outlook.UNKNOWN
    assert f.ambition is None
    assert f.note is not None
    assert "period total" in f.note
    assert f.direction is Direction.DECREASE


def test_one_kr_and_unknown_ids(db: Database, ws: Workspace, result: PeriodForecast) -> None:
    with db.transaction(write=False) as session:
        one = forecast_key_result(session=session, catalog=ws.metrics, kr_id="act-mid")
        assert one == next(x for x in result.key_results if x.kr_id == "act-mid")
        with pytest.raises(NotFound, match="no key result with a metric named help-centre"):
            forecast_period(session=session, catalog=ws.metrics, period="2026-Q4",
                            kr_ids=["help-centre"])
        with pytest.raises(NotFound, match="no key result 'nope'"):
            forecast_key_result(session=session, catalog=ws.metrics, kr_id="nope")


def test_metric_basis_follows_the_kr_measure() -> None:
    catalog = MetricsFile.model_validate({"metrics": {
        "tickets": {"type": "count", "event": "t"},
        "revenue": {"type": "sum", "event": "i", "property": "amount"},
        "shown": {"type": "count", "event": "s"},
        "active": {"type": "unique", "entity": "account_id", "event": "a"},
        "ctr": {"type": "ratio", "numerator": "tickets", "denominator": "shown"},
        "per_account": {"type": "ratio", "numerator": "tickets", "denominator": "active"},
        "conv": {"type": "conversion", "entity": "account_id", "from": {"event": "a"},
                 "to": {"event": "b"}, "within": "7d"},
        "nps": {"type": "nps", "entity": "user_id", "event": "s", "property": "score"},
        "avg": {"type": "average", "event": "i", "property": "amount"},
    }})
    basis = {name: metric_basis(d, catalog) for name, d in catalog.metrics.items()}
    # Without a declared measure: totals for counts, sums and distinct counts, levels else.
    assert basis == {
        "tickets": Basis.PERIOD_TOTAL, "revenue": Basis.PERIOD_TOTAL, "shown": Basis.PERIOD_TOTAL,
        "active": Basis.PERIOD_TOTAL, "ctr": Basis.WEEKLY_LEVEL,
        "per_account": Basis.WEEKLY_LEVEL, "conv": Basis.WEEKLY_LEVEL,
        "nps": Basis.WEEKLY_LEVEL, "avg": Basis.WEEKLY_LEVEL,
    }
    assert metric_basis(None, None) is Basis.WEEKLY_LEVEL
    # A declared measure wins over the type's default.
    assert metric_basis(catalog.metrics["tickets"], catalog, "level") is Basis.WEEKLY_LEVEL
    assert metric_basis(catalog.metrics["conv"], catalog, "cumulative") is Basis.PERIOD_TOTAL
    # Weekly values forecast a trailing-window level only where no distinct count is in it.
    comparable = {name: weekly_comparable(d, catalog) for name, d in catalog.metrics.items()}
    assert comparable == {
        "tickets": True, "revenue": True, "shown": True, "active": False, "ctr": True,
        "per_account": False, "conv": True, "nps": True, "avg": True,
    }


@pytest.mark.parametrize(("p", "expected"), [
    (None, Outlook.UNKNOWN), (0.0, Outlook.OFF_TRACK), (0.2999, Outlook.OFF_TRACK),
    (0.3, Outlook.UNCERTAIN), (0.6999, Outlook.UNCERTAIN), (0.7, Outlook.ON_TRACK),
    (1.0, Outlook.ON_TRACK),
])
def test_outlook_thresholds(p: float | None, expected: Outlook) -> None:
    assert outlook(p) is expected


def test_without_a_sync_there_is_nothing_to_forecast(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    (root / "okrs").mkdir(parents=True)
    (root / "okrs" / "2026-Q4.yaml").write_text(OKRS, encoding="utf-8")
    (root / "metrics.yaml").write_text(METRICS, encoding="utf-8")
    (root / "sowhat.toml").write_text(CONFIG, encoding="utf-8")
    fresh = load_workspace(root)
    with opened(fresh) as db:
        with db.transaction() as session:
            apply_workspace(session=session, workspace=fresh, actor="t")
        with db.transaction(write=False) as session:
            result = forecast_period(session=session, catalog=fresh.metrics, period="2026-Q4")
    assert result.series_as_of is None
    assert len(result.key_results) == 3
    for f in result.key_results:
        assert f.probability is None
        assert f.note is not None
        assert f.weeks_elapsed == 0


def test_a_level_forecast_aims_at_the_middle_of_its_period_end_window() -> None:
    """The period-end level of a 28-day window is the mean of the last four weeks (for
    cohorts, the four anchor weeks before the outcome window): its middle, not the last week."""
    from dataclasses import replace as swap

    from sowhat.services.forecasts import level_offset

    catalog = MetricsFile.model_validate({"metrics": {
        "conv": {"type": "conversion", "entity": "account_id", "from": {"event": "a"},
                 "to": {"event": "b"}, "within": "7d"},
        "ret30": {"type": "retention", "entity": "user_id", "start": {"event": "a"},
                  "return": {"event": "b"}, "day": 30},
        "nps": {"type": "nps", "entity": "user_id", "event": "s", "property": "score"},
    }})
    base = KeyResultStatus(
        id="k", title="t", metric="conv", segment=None, unit=None, owner=None, indicator=None,
        baseline=0.3, target=0.4, current=None, progress=None, confidence=None, last_week=None,
        last_recorded_at=None, last_note=None, last_source=None, check_ins=0)
    assert level_offset(base, catalog.metrics["conv"]) == 3  # 1 week outcome + 1.5
    assert level_offset(base, catalog.metrics["nps"]) == 2  # weeks -4..-1: middle 1.5
    assert level_offset(swap(base, over_days=7), catalog.metrics["nps"]) == 0
    assert level_offset(base, catalog.metrics["ret30"]) == 6  # 31 days + 1.5 weeks
