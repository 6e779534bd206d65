"""The forecast is fitted on complete weeks only: the week in progress (a count over a few of
its days, the cohorts matured so far) is another quantity, and fitting it moved the forecast
every day and pulled a count's projection down.

The cohort case runs real syncs of a generated workspace on Monday, Wednesday and Saturday
of one week and on the next Monday; the count cases call the service on hand-made series,
with the fitted-on-everything answer (no as-of) as the contrast a broken filter would give."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from review_testing import CONFIG, METRICS, OKRS, generate, opened, run_sync, write_events

from sowhat.domain.period import Period
from sowhat.services import forecasts as fc
from sowhat.services.files import apply_workspace
from sowhat.services.forecasts import FittedParts, KRForecastView, complete_weeks
from sowhat.services.listing.forecasts import forecasts_for
from sowhat.services.plans import KeyResultStatus, status_rows
from sowhat.spec.metric_defs import MetricsFile
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.store.db import Database

# A 13-hour conversion (every conversion here comes 12 hours after signup): a week's cohorts
# have all matured by 13:00 on the Monday after it, so the syncs below at 18:00 on Monday,
# Wednesday and Saturday of one week all see the same complete weeks.
SHORT_METRICS = METRICS.replace("within: 2d", "within: 13h")
UNTIL = date(2026, 12, 1)
MONDAY = datetime(2026, 11, 23, 18, tzinfo=UTC)
WEEK = [MONDAY, MONDAY + timedelta(days=2), MONDAY + timedelta(days=5)]  # Mon, Wed, Sat
NEXT_MONDAY = MONDAY + timedelta(days=7)
COHORT_KRS = ("act", "act-mid")


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("complete-weeks") / "ws"
    (root / "okrs").mkdir(parents=True)
    (root / "okrs" / "2026-Q4.yaml").write_text(OKRS, encoding="utf-8")
    (root / "metrics.yaml").write_text(SHORT_METRICS, encoding="utf-8")
    (root / "sowhat.toml").write_text(
        CONFIG.replace("complete_through = 2026-11-16", f"complete_through = {UNTIL}"),
        encoding="utf-8")
    rows, _ = generate(until=UNTIL)
    write_events(root, rows)
    return load_workspace(root)


@pytest.fixture(scope="module")
def db(ws: Workspace) -> Iterator[Database]:
    with opened(ws) as database:
        with database.transaction() as session:
            apply_workspace(session=session, workspace=ws, actor="test")
        yield database


def _fitted(view: KRForecastView) -> tuple[Any, ...]:
    """Everything the model's fit decides, without the current value shown beside it."""
    return (view.probability, view.projected, view.low, view.high, view.path,
            view.weeks_elapsed, view.weeks_remaining, view.last_week, view.last_week_value)


def _sync_and_read(ws: Workspace, db: Database, as_of: datetime,
                   monkeypatch: pytest.MonkeyPatch,
                   ) -> tuple[dict[str, KRForecastView], list[str]]:  # fmt: skip
    """Sync (incrementally) as of `as_of`; the stored views, and the fits the sync made."""
    made: list[str] = []
    real_forecast, real_ambition = fc._fit_forecast, fc._fit_ambition

    def forecast(*a: Any) -> dict[str, Any]:
        made.append("forecast")
        return real_forecast(*a)

    def ambition(*a: Any) -> dict[str, Any]:
        made.append("ambition")
        return real_ambition(*a)

    with monkeypatch.context() as m:
        m.setattr(fc, "_fit_forecast", forecast)
        m.setattr(fc, "_fit_ambition", ambition)
        report = run_sync(ws, db, as_of=as_of)
        assert not report.errors
        assert report.incremental
        fits = list(made)
        with db.transaction(write=False) as session:
            status = status_rows(session=session, period="2026-Q4", today=as_of.date(),
                                 catalog=ws.metrics)
            views = forecasts_for(session=session, catalog=ws.metrics, status=status)
        assert len(made) == len(fits), "a page refitted what the sync stored"
    return views, fits


def test_a_cohort_forecast_holds_through_a_week_and_moves_when_it_completes(
    ws: Workspace, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_sync(ws, db, as_of=MONDAY - timedelta(days=1))  # Sunday: the store as of last week
    days = [_sync_and_read(ws, db, as_of, monkeypatch) for as_of in WEEK]
    (monday, _), *later = days
    for kr in COHORT_KRS:
        f = monday[kr]
        assert f.probability is not None
        # fitted through the week of Nov 16 (complete, its cohorts matured on Monday 13:00);
        # the week in progress is not a fitted week
        assert f.last_week == date(2026, 11, 16)
        assert (f.weeks_elapsed, f.weeks_remaining) == (8, 6)
        for views, _ in later:
            assert _fitted(views[kr]) == _fitted(f)
    # Mid-week syncs refit nothing: every forecast and ambition fit is kept under its key.
    assert [fits for _, fits in later] == [[], []]
    # ... while what the screens show as the current value moves with the days.
    assert len({views["tickets-total"].to_date for views, _ in days}) == 3
    assert len({views["act"].to_date for views, _ in days}) > 1
    _period_total_at_its_pace(days[1][0]["tickets-total"])  # Wednesday 18:00
    # The week completes: a new fitted week, a new forecast.
    after, fits = _sync_and_read(ws, db, NEXT_MONDAY, monkeypatch)
    assert fits.count("forecast") == len(COHORT_KRS)
    assert "ambition" not in fits  # the pre-period weeks did not move
    for kr in COHORT_KRS:
        assert after[kr].last_week == date(2026, 11, 23)
        assert (after[kr].weeks_elapsed, after[kr].weeks_remaining) == (9, 5)
        assert _fitted(after[kr]) != _fitted(monday[kr])


def _period_total_at_its_pace(f: KRForecastView) -> None:
    """Five tickets a day: the projection of the quarter's total is 5 x 92 on any day, not
    less mid-week (the pace once divided by the days to the end of the week in progress)."""
    assert f.to_date == 5 * 55 + 4  # Oct 1 to Nov 24, and Wednesday's four before 18:00
    assert f.projected == pytest.approx(f.to_date * 92 / 55.75)
    assert f.projected == pytest.approx(5 * 92, rel=0.01)


# --- hand-made series ------------------------------------------------------------------------

SPAN = Period.between(date(2026, 10, 5), date(2027, 1, 4), "2026-Q4")  # 13 whole weeks
COUNTS = MetricsFile.model_validate({"metrics": {
    "tickets": {"type": "count", "event": "ticket_opened"},
    "act": {"type": "conversion", "entity": "account_id", "from": {"event": "signup"},
            "to": {"event": "project_created"}, "within": "2d"},
}})


def _status(metric: str, **changes: Any) -> KeyResultStatus:
    k = KeyResultStatus(
        id="kr-1", title="Tickets", metric=metric, segment=None, unit=None, owner=None,
        indicator=None, baseline=40.0, target=30.0, current=37.0, progress=0.3,
        confidence=None, last_week=None, last_recorded_at=None, last_note=None,
        last_source="sync", check_ins=5, measure="level", over_days=7)
    return replace(k, **changes)


def _weekly(values: list[float | None], first: date) -> fc.Points:
    return [(first + timedelta(weeks=i), v) for i, v in enumerate(values)]


HISTORY = _weekly([40.0 + (i % 3) - 1 for i in range(30)], date(2026, 10, 5) - timedelta(weeks=30))
WHOLE = [40.0, 39.0, 38.0, 38.0, 37.0]  # five complete weeks, to Nov 8


def _view(k: KeyResultStatus, period: list[float | None], as_of: datetime | None,
          catalog: MetricsFile = COUNTS) -> KRForecastView:  # fmt: skip
    return fc.forecast_one("obj-1", k, (HISTORY, _weekly(period, SPAN.start)), SPAN, catalog,
                           0.8, FittedParts(), as_of=as_of)


def test_a_count_s_partial_week_does_not_drag_the_forecast_down() -> None:
    """Wednesday 00:00: the week of Nov 9 holds two days' tickets (11 of a week's ≈37). The
    forecast is that of the Monday, when the week had no value yet; fitted on everything,
    the two-day count would have dragged it down."""
    k = _status("tickets")
    monday = _view(k, WHOLE, datetime(2026, 11, 9, tzinfo=UTC))
    wednesday = _view(k, [*WHOLE, 11.0], datetime(2026, 11, 11, tzinfo=UTC))
    assert monday.probability is not None
    assert _fitted(wednesday) == _fitted(monday)
    assert (wednesday.weeks_elapsed, wednesday.weeks_remaining) == (5, 8)
    dragged = _view(k, [*WHOLE, 11.0], None)  # every stored week fitted
    assert dragged.projected is not None
    assert monday.projected is not None
    assert dragged.projected < monday.projected - 5


def test_a_cohort_week_counts_once_its_cohorts_have_matured() -> None:
    """A 2-day conversion's week of Nov 2 ends on Nov 9 and its last cohorts mature on
    Nov 11: on Nov 10 the fit stops at the week before, on Nov 11 it includes it."""
    k = _status("act", baseline=0.40, target=0.50, current=0.43)
    rates = [0.40, 0.41, 0.42, 0.43, 0.47]
    before = _view(k, [*rates, None], datetime(2026, 11, 10, 12, tzinfo=UTC))
    assert before.last_week == date(2026, 10, 26)
    assert before.weeks_elapsed == 4
    after = _view(k, [*rates, None], datetime(2026, 11, 11, tzinfo=UTC))
    assert after.last_week == date(2026, 11, 2)
    assert after.weeks_elapsed == 5
    assert after.probability != before.probability


def test_week_one_says_it_is_too_early_and_when_the_forecast_starts() -> None:
    for metric, as_of, ready in [("tickets", datetime(2026, 10, 8, tzinfo=UTC), "12 Oct 2026"),
                                 ("act", datetime(2026, 10, 11, tzinfo=UTC), "14 Oct 2026")]:
        k = _status(metric) if metric == "tickets" else _status(metric, baseline=0.4,
                                                                 target=0.5, current=0.42)
        f = _view(k, [13.0 if metric == "tickets" else 0.41], as_of)
        assert f.probability is None
        assert (f.weeks_elapsed, f.weeks_remaining) == (0, 13)
        assert f.note is not None
        assert f.note.startswith("too early to tell: the forecast is fitted on complete weeks")
        assert ready in f.note
        assert ("outcome window" in f.note) == (metric == "act")
        assert f.to_date == k.current  # the value so far is still shown


def test_complete_weeks_rule() -> None:
    weeks = _weekly([1.0, 2.0, 3.0], date(2026, 11, 2))  # Nov 2, 9, 16
    at = datetime(2026, 11, 16, 0, tzinfo=UTC)
    got = complete_weeks(weeks, period_end=date(2027, 1, 4), as_of=at, matures=None)
    assert [w for w, _ in got] == [date(2026, 11, 2), date(2026, 11, 9)]  # ends on the as-of
    got = complete_weeks(weeks, period_end=date(2027, 1, 4), as_of=at,
                         matures=timedelta(hours=1))
    assert [w for w, _ in got] == [date(2026, 11, 2)]
    # the period's end caps the as-of: a clipped last week counts once the period is over
    got = complete_weeks(weeks, period_end=date(2026, 11, 18),
                         as_of=datetime(2026, 12, 1, tzinfo=UTC), matures=None)
    assert [w for w, _ in got] == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    assert complete_weeks(weeks, period_end=date(2027, 1, 4), as_of=None,
                          matures=None) == weeks
    # a date as-of is its midnight; a naive instant is UTC
    assert complete_weeks(weeks, period_end=date(2027, 1, 4), as_of=date(2026, 11, 16),
                          matures=None) == complete_weeks(
        weeks, period_end=date(2027, 1, 4), as_of=datetime(2026, 11, 16), matures=None)


def test_a_ratio_of_cohorts_waits_for_its_longest_outcome_window() -> None:
    catalog = MetricsFile.model_validate({"metrics": {
        "a": {"type": "conversion", "entity": "account_id", "from": {"event": "s"},
              "to": {"event": "p"}, "within": "2d"},
        "b": {"type": "conversion", "entity": "account_id", "from": {"event": "s"},
              "to": {"event": "q"}, "within": "7d"},
        "a_over_b": {"type": "ratio", "numerator": "a", "denominator": "b"},
        "per_ticket": {"type": "ratio", "numerator": "a", "denominator": "t"},
        "t": {"type": "count", "event": "t"},
    }})
    lag = {name: fc.maturity(catalog.metrics[name], catalog) for name in catalog.metrics}
    assert lag == {"a": timedelta(days=2), "b": timedelta(days=7),
                   "a_over_b": timedelta(days=7), "per_ticket": timedelta(days=2), "t": None}
    assert fc.maturity(None, catalog) is None


def test_the_chart_draws_apart_the_weeks_that_still_move() -> None:
    """A 7-day activation synced on Friday 4 Dec: the week of 23 Nov has cohorts inside their
    window until 6 Dec, and the week of 30 Nov is in progress; a count's only open week is
    the one in progress."""
    catalog = MetricsFile.model_validate({"metrics": {
        "act": {"type": "conversion", "entity": "account_id", "from": {"event": "s"},
                "to": {"event": "p"}, "within": "7d"},
        "runs": {"type": "count", "event": "r"},
    }})
    weeks = _weekly([0.40, 0.49, 0.48, 0.47], date(2026, 11, 9))  # Nov 9, 16, 23, 30
    at = datetime(2026, 12, 4, 23, 58, tzinfo=UTC)
    kw: dict[str, Any] = {"period_end": date(2027, 1, 1), "as_of": at, "catalog": catalog}
    assert fc.unsettled_weeks(weeks, metric="act", **kw) == [date(2026, 11, 23),
                                                             date(2026, 11, 30)]
    assert fc.unsettled_weeks(weeks, metric="runs", **kw) == [date(2026, 11, 30)]
    assert fc.unsettled_weeks(weeks, metric="act", period_end=date(2027, 1, 1), as_of=None,
                              catalog=catalog) == []  # nothing synced: nothing to tell
