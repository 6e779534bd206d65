"""The two fits inside a KR's forecast view — the trend model's forecast and the ambition
check — kept under a key of exactly their inputs and reused while it is unchanged.

Each change below is made to one input; the view built with the kept fits (reused or
refitted, as the keys decide) must equal a view fitted from nothing, and for every change
that moves a fit the fresh view differs from the old one — so a key that ignored the change
would serve the old fit and fail the equality."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from sowhat.domain.period import Period
from sowhat.services import forecasts as fc
from sowhat.services.forecasts import FittedParts, KRForecastView, part_key
from sowhat.services.plans import KeyResultStatus

SPAN = Period.between(date(2026, 10, 1), date(2027, 1, 1), "2026-Q4")
FIRST = date(2026, 9, 28)  # the Monday of the period's first week


def _status(**changes: Any) -> KeyResultStatus:
    k = KeyResultStatus(
        id="kr-1", title="Activation up", metric=None, segment=None, unit="percent",
        owner="ana@example.com", indicator=None, baseline=0.40, target=0.46, current=0.43,
        progress=0.2, confidence=0.6, last_week=date(2026, 11, 9), last_recorded_at=None,
        last_note="n", last_source="sync", check_ins=6, measure="level", over_days=28)
    return replace(k, **changes)


def _points(period: list[float | None] | None = None,
            history: list[float | None] | None = None) -> tuple[fc.Points, fc.Points]:  # fmt: skip
    """60 pre-period weeks (a yearly swing with a wobble: the forecast fits the swing) and
    the period's weeks."""
    hist = history if history is not None else [
        0.40 + 0.03 * math.sin(2 * math.pi * (i - 60) / (365.25 / 7))
        + 0.004 * ((i * 7) % 5 - 2) for i in range(60)]
    per = period if period is not None else [0.40, 0.41, 0.405, 0.42, 0.415, 0.43]
    start = FIRST - timedelta(weeks=len(hist))
    return ([(start + timedelta(weeks=i), v) for i, v in enumerate(hist)],
            [(FIRST + timedelta(weeks=i), v) for i, v in enumerate(per)])


def _view(k: KeyResultStatus, points: tuple[fc.Points, fc.Points],
          parts: FittedParts | None = None) -> KRForecastView:  # fmt: skip
    return fc.forecast_one("obj-1", k, points, SPAN, None, 0.8, parts)


def _kept(parts: FittedParts) -> dict[str, Any]:
    """What is stored: the parts through JSON, as the database holds them."""
    kept: dict[str, Any] = json.loads(json.dumps(parts.used))
    return kept


def _first() -> tuple[KRForecastView, dict[str, Any]]:
    parts = FittedParts()
    view = _view(_status(), _points(), parts)
    assert sorted(parts.fitted) == ["ambition", "forecast"]
    assert parts.reused == []
    assert view.probability is not None
    assert view.ambition is not None
    assert view.ambition.probability is not None
    assert view.note is not None
    assert "yearly swing" in view.note
    return view, _kept(parts)


def test_unchanged_inputs_reuse_both_fits_and_give_the_same_view() -> None:
    view, kept = _first()
    parts = FittedParts(kept)
    again = _view(_status(), _points(), parts)
    assert parts.fitted == []
    assert sorted(parts.reused) == ["ambition", "forecast"]
    assert again == view  # bit for bit: floats go through JSON exactly


def test_a_new_check_in_value_or_title_reuses_the_fits_but_shows_the_new_value() -> None:
    view, kept = _first()
    k = _status(current=0.44, title="Activation, up")
    parts = FittedParts(kept)
    got = _view(k, _points(), parts)
    assert parts.fitted == []
    assert got == _view(k, _points())
    assert got.to_date == 0.44
    assert got.title == "Activation, up"
    assert got.probability == view.probability


@pytest.mark.parametrize(("change", "refit"), [
    ("a complete week changed", ["forecast"]),
    ("a new week", ["forecast"]),
    ("a later as-of week, not yet measured", ["forecast"]),
    ("a new target", ["ambition", "forecast"]),
    ("a longer window: the same weeks, fewer weeks ahead", ["ambition", "forecast"]),
    ("a pre-period week changed", ["ambition", "forecast"]),
    ("an older week (the yearly swing's)", ["forecast"]),
])
def test_a_changed_input_refits_exactly_what_reads_it(change: str, refit: list[str]) -> None:
    view, kept = _first()
    k, points = _status(), _points()
    history, period = [v for _, v in points[0]], [v for _, v in points[1]]
    if change == "a complete week changed":
        period[2] = 0.39
    elif change == "a new week":
        period.append(0.44)
    elif change == "a later as-of week, not yet measured":
        period.append(None)  # one week fewer to go; the same values
    elif change == "a new target":
        k = _status(target=0.47)
    elif change == "a longer window: the same weeks, fewer weeks ahead":
        k = _status(over_days=84)  # the level at the end is the mean of 12 weeks: aim earlier
    elif change == "a pre-period week changed":
        history[-1] = 0.45
    else:
        history[3] += 0.05  # before the last 26 weeks: read by the yearly swing only
    points = _points(period, history)
    parts = FittedParts(kept)
    got = _view(k, points, parts)
    fresh = _view(k, points)
    assert sorted(parts.fitted) == refit
    assert got == fresh
    # The change moves what the refitted parts give: serving the kept ones would be wrong.
    if "forecast" in refit:
        assert (fresh.probability, fresh.low, fresh.high, fresh.path) != (
            view.probability, view.low, view.high, view.path)
    if "ambition" in refit:
        assert fresh.ambition != view.ambition
    else:
        assert fresh.ambition == view.ambition


def test_the_ambition_history_is_the_settled_weeks_only() -> None:
    """A pre-period week whose cohorts are still inside their outcome window as of the
    data's end is a value so far: a None slot at the end of the ambition's history (the
    model projects from the last settled week, that many weeks further), and the 26 weeks
    kept end with the last settled one."""
    weeks = [date(2026, 9, 28) - timedelta(weeks=40 - i) for i in range(40)]
    points = [(w, 0.4 + i / 1000) for i, w in enumerate(weeks)]
    as_of = date(2026, 10, 3)  # Saturday of the period's first week
    seven = fc.ambition_history(points, period_start=SPAN.start, period_end=SPAN.end,
                                as_of=as_of, matures=timedelta(days=7))
    # the week of 21 September ends on the 28th, its cohorts mature on 5 October (past
    # the as-of); the week of 14 September's matured on 28 September
    assert seven[-1] is None
    assert seven[:-1] == [v for _, v in points][-27:-1]
    ninety = fc.ambition_history(points, period_start=SPAN.start, period_end=SPAN.end,
                                 as_of=as_of, matures=timedelta(days=90))
    assert ninety[-13:] == [None] * 13
    assert ninety[-14] is not None
    assert len([v for v in ninety if v is not None]) == fc.AMBITION_WEEKS
    everything = fc.ambition_history(points, period_start=SPAN.start, period_end=SPAN.end,
                                     as_of=None, matures=timedelta(days=90))
    assert everything == [v for _, v in points][-fc.AMBITION_WEEKS:]


def test_a_history_week_still_in_progress_moves_no_ambition_check() -> None:
    """Data that ends inside the last pre-period week (a plan for the next period): that
    week's value moves with each day, and the ambition check neither reads nor refits it."""
    as_of = date(2026, 9, 24)  # Thursday of the week of 21 September, before the period
    k, (history, period) = _status(), _points()
    parts = FittedParts()
    view = fc.forecast_one("obj-1", k, (history, period), SPAN, None, 0.8, parts,
                           as_of=as_of)
    assert "ambition" in parts.fitted
    moved = [*history[:-1], (history[-1][0], 0.47)]
    again = FittedParts(_kept(parts))
    got = fc.forecast_one("obj-1", k, (moved, period), SPAN, None, 0.8, again, as_of=as_of)
    assert "ambition" in again.reused
    assert got.ambition == view.ambition
    assert got.ambition == fc.forecast_one("obj-1", k, (moved, period), SPAN, None, 0.8,
                                           as_of=as_of).ambition


def test_every_input_of_a_fit_is_in_its_key() -> None:
    """Changing any one input — each series value, the target, the direction, the weeks
    remaining, the interval, either bound, the older weeks — gives another key."""
    inputs: list[Any] = [[0.4, None, 0.41], 0.46, 5, "increase", 0.8, [0.0, 1.0], [0.3]]
    base = part_key("forecast", inputs)
    variants = [
        [[0.4, None, 0.4100000000000001], *inputs[1:]], [[0.4, 0.41, None], *inputs[1:]],
        [inputs[0], 0.47, *inputs[2:]], [*inputs[:2], 4, *inputs[3:]],
        [*inputs[:3], "decrease", *inputs[4:]], [*inputs[:4], 0.9, *inputs[5:]],
        [*inputs[:5], [None, 1.0], inputs[6]], [*inputs[:5], [0.0, None], inputs[6]],
        [*inputs[:6], [0.31]], [*inputs[:6], []],
    ]
    keys = {part_key("forecast", v) for v in variants}
    assert base not in keys
    assert len(keys) == len(variants)
    assert part_key("ambition", inputs) != base  # kinds never share a key


def test_another_model_version_refits_both(monkeypatch: pytest.MonkeyPatch) -> None:
    _, kept = _first()
    monkeypatch.setattr(fc, "code_version", lambda: "another model")
    parts = FittedParts(kept)
    _view(_status(), _points(), parts)
    assert sorted(parts.fitted) == ["ambition", "forecast"]


def test_a_page_after_a_check_in_reuses_the_stored_fits(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the demo's sync a person types a value on a synced KR: its stored view misses
    (its current value changed) but neither of its fits is made again, and the views equal
    those fitted now."""
    from sowhat.domain.okr import CheckInSource
    from sowhat.services.checkins import record_checkin
    from sowhat.services.listing import forecasts as stored
    from sowhat.services.plans import status_rows
    from sowhat.spec.workspace import load_workspace
    from sowhat.store.db import open_database

    ws = load_workspace(demo_copy)
    db = open_database(ws.config.database_url(demo_copy), create=False)
    with db.transaction() as s:
        record_checkin(session=s, kr_id="gr-activation", period="2026-Q4", value=0.58,
                       confidence=0.3, note=None, blockers=None,
                       source=CheckInSource.MANUAL, actor="ana@example.com",
                       week=date(2026, 11, 23), override_value=True)
    fits: list[str] = []
    real_forecast, real_ambition = fc._fit_forecast, fc._fit_ambition

    def forecast(*a: Any) -> dict[str, Any]:
        fits.append("forecast")
        return real_forecast(*a)

    def ambition(*a: Any) -> dict[str, Any]:
        fits.append("ambition")
        return real_ambition(*a)

    monkeypatch.setattr(fc, "_fit_forecast", forecast)
    monkeypatch.setattr(fc, "_fit_ambition", ambition)
    with db.transaction() as s:
        status = status_rows(session=s, period="2026-Q4", catalog=ws.metrics)
        got = stored.forecasts_for(session=s, catalog=ws.metrics, status=status, write=True)
    assert fits == []
    assert got["gr-activation"].to_date == pytest.approx(0.58)
    with db.transaction(write=False) as s:
        want = {v.kr_id: v for v in fc.forecast_period(
            session=s, catalog=ws.metrics, period="2026-Q4").key_results}
    assert got == want
    assert len(fits) >= len(want)  # the fresh fits did run (the counter works)
    db.dispose()


def test_a_view_rebuilt_from_kept_fits_imports_no_numpy() -> None:
    """In a fresh interpreter, a view whose key missed (a new check-in value) but whose fits
    are both kept is assembled without importing NumPy or the model."""
    import subprocess
    import sys

    _, kept = _first()
    history, period = _points()
    script = f"""
import json, sys
from datetime import date
from sowhat.domain.period import Period
from sowhat.services import forecasts as fc
from sowhat.services.plans import KeyResultStatus
k = KeyResultStatus(**{{**json.loads({json.dumps(json.dumps(_status(current=0.44).__dict__,
                                                               default=str))}),
                      "last_week": date(2026, 11, 9)}})
pts = json.loads({json.dumps(json.dumps([[(w.isoformat(), v) for w, v in history],
                                          [(w.isoformat(), v) for w, v in period]]))})
pts = tuple([(date.fromisoformat(w), v) for w, v in phase] for phase in pts)
parts = fc.FittedParts(json.loads({json.dumps(json.dumps(kept))}))
view = fc.forecast_one("obj-1", k, pts, Period.between(date(2026, 10, 1), date(2027, 1, 1),
                       "2026-Q4"), None, 0.8, parts)
assert parts.fitted == [], parts.fitted
assert view.to_date == 0.44 and view.probability is not None
print(sorted(m for m in ("numpy", "sowhat.stats.forecast", "sowhat.stats.ambition")
             if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
