"""The KR chart's geometry, checked against coordinates computed by hand."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from sowhat.reports.charts import ChartInput, Launch, render_kr_chart, sparkline

START, END = date(2026, 10, 1), date(2027, 1, 1)  # 92 days


def _x(day: date) -> float:
    return 64 + (720 - 64 - 24) * (day - START).days / 92


def _y(value: float) -> float:
    lo, hi = 0.40 - 0.06 * 0.12, 0.46 + 0.06 * 0.12  # data range padded by 12% each side
    return 30 + (290 - 30 - 40) * (1 - (value - lo) / (hi - lo))


def _chart(**kw: object) -> str:
    base = {"title": "Activation <weekly>", "start": START, "end": END,
            "points": [(date(2026, 10, 5), 0.41), (date(2026, 11, 2), 0.44)],
            "baseline": 0.40, "target": 0.46}
    return str(render_kr_chart(ChartInput(**{**base, **kw}), lambda v: f"{v:.0%}"))  # type: ignore[arg-type]


def test_series_points_sit_where_the_arithmetic_says() -> None:
    svg = _chart()
    points = re.search(r'<polyline class="series" points="([^"]+)"', svg)
    assert points
    expected = [(_x(date(2026, 10, 5)), _y(0.41)), (_x(date(2026, 11, 2)), _y(0.44))]
    got = [tuple(map(float, p.split(","))) for p in points[1].split()]
    for (gx, gy), (ex, ey) in zip(got, expected, strict=True):
        assert abs(gx - ex) < 0.06
        assert abs(gy - ey) < 0.06


def test_baseline_target_and_launch_lines() -> None:
    svg = _chart(launches=[Launch(date(2026, 11, 2), "Checklist")])
    base = re.search(r'<line class="baseline"[^>]*y1="([\d.]+)"', svg)
    target = re.search(r'<line class="target"[^>]*y1="([\d.]+)"', svg)
    launch = re.search(r'<line class="launch" x1="([\d.]+)"', svg)
    assert base
    assert target
    assert launch
    assert abs(float(base[1]) - _y(0.40)) < 0.06
    assert abs(float(target[1]) - _y(0.46)) < 0.06
    assert abs(float(launch[1]) - _x(date(2026, 11, 2))) < 0.06
    assert "Checklist" in svg


def test_text_is_escaped_and_the_chart_is_described_for_screen_readers() -> None:
    svg = _chart(launches=[Launch(date(2026, 11, 9), "<script>alert(1)</script>")])
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert 'role="img"' in svg
    assert "<desc" in svg
    assert "from baseline 40% to target 46%" in svg


def test_empty_chart_says_so_and_short_sparklines_draw_nothing() -> None:
    assert "no values yet" in _chart(points=[])
    assert str(sparkline([(START, 1.0)], label="x")) == ""


def test_axis_labels_are_exact_and_today_is_marked() -> None:
    """Ticks 1.75% apart read 1.75%, not 1.8%; neighbouring labels never print alike."""
    from sowhat.reports import words

    chart = ChartInput(title="t", start=START, end=END,
                       points=[(date(2026, 10, 5), 0.0170), (date(2026, 11, 2), 0.0182)],
                       baseline=0.0175, target=0.0180, today=date(2026, 11, 20),
                       today_label="data through 20 Nov")  # fmt: skip
    svg = str(render_kr_chart(chart, lambda v: words.value(v, rate=True),
                              lambda ts: words.tick_labels(ts, rate=True)))  # fmt: skip
    labels = re.findall(r'<text class="axis" x="[\d.]+" [^>]*text-anchor="end">([^<]+)</text>',
                        svg)
    # 1.82% lies above 1.80%: the axis reaches one step further, to a gridline above it
    assert labels == ["1.70%", "1.75%", "1.80%", "1.85%"]
    assert len(set(labels)) == len(labels)
    grid = re.search(r'<line class="grid" x1="([\d.]+)"', svg)
    assert grid  # the plot's left edge: wider than the default for these labels
    left = float(grid[1])
    today = left + (720 - left - 24) * (date(2026, 11, 20) - START).days / 92
    assert '<line class="today" x1="' + f"{today:.1f}" in svg
    assert ">data through 20 Nov</text>" in svg
    assert words.tick_labels([0.2, 0.25, 0.3], rate=True) == ["20%", "25%", "30%"]
    assert words.tick_labels([0.0172, 0.0175], rate=True) == ["1.72%", "1.75%"]
    assert words.tick_labels([100.0, 150.0], rate=False) == ["100", "150"]
    # a ratio read "per 1,000" is ticked per 1,000 beside its "18.7 per 1,000" baseline
    assert words.tick_labels([0.0125, 0.015, 0.0175], rate=False, unit="per_1000") == [
        "12.5", "15.0", "17.5"]
    assert words.tick_labels([1500.0, 2000.0], rate=False, unit="hours") == ["1,500", "2,000"]


def test_long_axis_labels_get_room_instead_of_being_cut() -> None:
    """"17.5%" at the axis font needs more than the default margin; the plot moves right so
    the label starts inside the picture (a PDF shows a cut label as "7.5%")."""
    long = str(render_kr_chart(ChartInput(
        title="t", start=START, end=END, points=[(date(2026, 10, 5), 0.175)],
        baseline=0.175, target=0.275), lambda v: f"{v:.1%}"))  # fmt: skip
    labels = re.findall(r'<text class="axis" x="([\d.]+)" y="[\d.]+" text-anchor="end">'
                        r"([^<]+)</text>", long)
    assert labels
    for x, text in labels:
        # right-aligned at x: the label's left edge must stay at or right of 0 at ~0.65 em
        assert float(x) - 0.65 * 20 * len(text) >= 0, (x, text)
    short = _chart()  # "40%": the default margin, the geometry other tests check
    assert f'cx="{_x(date(2026, 10, 5)):.1f}"' in short


def test_the_marker_moves_to_where_the_data_ends_when_it_is_stale() -> None:
    from datetime import UTC, datetime

    from sowhat.reports.charts import time_marker

    today = date(2026, 12, 3)
    assert time_marker(today, datetime(2026, 11, 16, 0, 0, tzinfo=UTC)) == (
        date(2026, 11, 16), "data through 16 Nov")
    assert time_marker(today, datetime(2026, 12, 2, 23, 0, tzinfo=UTC)) == (today, "today")
    assert time_marker(today, None, "as of 03 Dec") == (today, "as of 03 Dec")


def test_the_feature_factory_line_says_what_the_unmoved_bets_did() -> None:
    """The demo's growth line read "1 of 2 judged shipped bets moved their key result (50%)"
    where the other bet's one-week estimate was too noisy to tell yet."""
    from sowhat.reports import words
    from sowhat.stats.factory_index import ShippedBet, feature_factory_index
    from sowhat.stats.verdict import Verdict

    bets = [ShippedBet("growth", "2026-Q4", "a", Verdict.MOVED),
            ShippedBet("growth", "2026-Q4", "b", Verdict.INCONCLUSIVE),
            ShippedBet("platform", "2026-Q4", "c", None),
            ShippedBet("support", "2026-Q4", "d", Verdict.WRONG_WAY),
            ShippedBet("support", "2026-Q4", "e", Verdict.NO_EFFECT)]
    growth, platform, support = feature_factory_index(bets)
    assert words.factory_line(growth) == (
        "1 of 2 judged shipped bets moved their key result (50%; 1 too noisy to tell yet)")
    assert words.factory_line(platform) == "no shipped bet judged yet; 1 not measurable yet"
    assert words.factory_line(support) == (
        "0 of 2 judged shipped bets moved their key result (0%; 1 moved it the wrong way; "
        "1 with no detectable change)")


def test_weeks_still_moving_are_drawn_apart_and_labelled_so_far() -> None:
    weeks = [date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19)]
    svg = _chart(points=list(zip(weeks, [0.41, 0.44, 0.42], strict=True)),
                 unsettled=[date(2026, 10, 19)])
    settled = re.search(r'<polyline class="series" points="([^"]+)"', svg)
    moving = re.search(r'<polyline class="series unsettled" points="([^"]+)"', svg)
    assert settled
    assert moving
    assert len(settled[1].split()) == 2  # the settled line stops at the last settled week
    assert len(moving[1].split()) == 2  # and a dashed segment joins it to the open week
    assert svg.count('class="point unsettled"') == 1
    assert "week of 2026-10-19 so far" in svg
    assert ">so far</text>" in svg
    assert "so far (not complete)" in svg  # the description a screen reader reads
    plain = _chart(points=list(zip(weeks, [0.41, 0.44, 0.42], strict=True)))
    assert "unsettled" not in plain
    assert "so far" not in plain


def _label(svg: str) -> tuple[float, str, str]:
    found = re.search(r'<text class="launch-label" x="([\d.]+)" y="[\d.]+" '
                      r'text-anchor="(\w+)"><title>[^<]*</title>([^<]*)</text>', svg)
    assert found
    return float(found[1]), found[2], found[3]


def test_a_launch_label_stays_inside_the_picture() -> None:
    """A long bet name launched late in the period ran past the chart's right edge and was
    cut mid-word in the QBR's PDF: it moves left of its line, or is shortened with "…"."""
    name = "Guided onboarding checklist for mid-sized accounts"
    char = 0.62 * 18  # a report's labels: 18 px
    early = _chart(launches=[Launch(date(2026, 10, 5), "Checklist")], label_px=18.0)
    x, anchor, text = _label(early)
    assert (anchor, text) == ("start", "Checklist")
    assert x > _x(date(2026, 10, 5))
    shorter = "Recommendations v2: similar teams"
    late = _chart(launches=[Launch(date(2026, 12, 20), shorter)], label_px=18.0)
    x, anchor, text = _label(late)
    assert (anchor, text) == ("end", shorter)  # left of the line: the room is there
    assert x - len(text) * char >= 64
    middle = _chart(launches=[Launch(date(2026, 11, 15), name)], label_px=18.0)
    x, anchor, text = _label(middle)
    assert text.endswith("…")
    assert name.startswith(text[:-1])
    room = (720 - 24 - x) if anchor == "start" else (x - 64)
    assert len(text) * char <= room
    assert f"<title>{name}</title>" in middle
    # the web's 11 px labels: the whole name fits right of the same line
    assert _label(_chart(launches=[Launch(date(2026, 11, 2), name)]))[1:] == ("start", name)


def test_a_monthly_metric_is_a_step_per_calendar_month_named_by_its_month() -> None:
    """Each month's value is flat over that month's days (it was measured over them), with a
    dot at the month's middle naming the month; a dot at the month's 1st joined to the next
    by a slope drew values for days between months that no window measured."""
    svg = _chart(grain="month", points=[(date(2026, 10, 1), 0.44), (date(2026, 11, 1), 0.41)])
    steps = re.search(r'<polyline class="series month" points="([^"]+)"', svg)
    assert steps
    got = [tuple(map(float, p.split(","))) for p in steps[1].split()]
    expected = [(_x(date(2026, 10, 1)), _y(0.44)), (_x(date(2026, 11, 1)), _y(0.44)),
                (_x(date(2026, 11, 1)), _y(0.41)), (_x(date(2026, 12, 1)), _y(0.41))]
    assert len(got) == len(expected)
    for (gx, gy), (ex, ey) in zip(got, expected, strict=True):
        assert abs(gx - ex) < 0.06
        assert abs(gy - ey) < 0.06
    dots = re.findall(r'<circle class="point" cx="([\d.]+)" cy="[\d.]+" r="4">'
                      r"<title>([^<]+)</title>", svg)
    assert [t for _, t in dots] == ["October 2026: 44%", "November 2026: 41%"]
    # each month's middle day: 1 Oct + 15 of its 31 days, 1 Nov + 15 of its 30
    assert abs(float(dots[0][0]) - _x(date(2026, 10, 16))) < 0.06
    assert abs(float(dots[1][0]) - _x(date(2026, 11, 16))) < 0.06
    assert "week of" not in svg
    assert "2 monthly values, latest 41% in November 2026" in svg


def test_an_empty_chart_says_what_it_is_waiting_for() -> None:
    assert "no values yet" in _chart(points=[])
    svg = _chart(points=[], grain="month", empty="no whole month in the period yet")
    assert "no whole month in the period yet" in svg


@pytest.mark.parametrize(("values", "baseline", "target"), [
    ([0.0725, 0.0725, 0.0586], 0.059, 0.049),  # the demo's monthly churn: 7.25% over 7%
    ([0.0170, 0.0182], 0.0175, 0.0180),
    ([120.0, 95.0, 101.0], 100.0, 140.0),
    ([-12.0, -4.0], -10.0, 0.0),  # an NPS below zero
    ([3.0], None, None),
])
def test_every_drawn_value_lies_between_two_labelled_gridlines(
        values: list[float], baseline: float | None, target: float | None) -> None:
    """A value drawn above the top tick (7.25% under a top label of 7%) or below the bottom
    one can only be guessed; the axis reaches one more step instead."""
    points = [(date(2026, 10, 5) + timedelta(weeks=i), v) for i, v in enumerate(values)]
    chart = ChartInput(title="t", start=START, end=END, points=points, baseline=baseline,
                       target=target)
    svg = str(render_kr_chart(chart, lambda v: f"{v:g}"))
    ticks = [float(t) for t in re.findall(
        r'<text class="axis" x="[\d.]+" [^>]*text-anchor="end">([^<]+)</text>', svg)]
    drawn = values + [v for v in (baseline, target) if v is not None]
    assert min(ticks) <= min(drawn)
    assert max(drawn) <= max(ticks)
