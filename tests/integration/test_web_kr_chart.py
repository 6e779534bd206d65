"""The KR page's chart reads on the KR's own scale, and its legend names its lines as the
chart labels them (found using the demo as a PM: a ratio shown "18.7 per 1,000" was ticked
0.0175 on the axis, and the legend said "today" beside a line labelled "data through")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.integration.web_demo import viewer_on
from tests.unit.services.review_testing import module_copy


def test_per_1000_axis_and_the_end_of_data_legend(demo_copy: Path) -> None:
    with viewer_on(demo_copy) as client:
        html = client.get("/periods/2026-Q4/key-results/su-tickets-per-session").text
        ticks = re.findall(r'<text class="axis" [^>]*text-anchor="end">([^<]+)</text>', html)
        assert ticks
        # the demo's tickets per session run at about 12–20 per 1,000: ticks on that scale
        values = [float(t.replace(",", "")) for t in ticks]
        assert all(0 <= v <= 30 for v in values), ticks
        assert max(values) >= 5, ticks  # read raw, the ratio's ticks would all be under 0.03
        assert re.search(r">baseline \d+(\.\d+)? per 1,000</text>", html)
        # the demo's data ends on 16 Nov 2026, long before any day these tests run
        assert ">data through 16 Nov</text>" in html
        legend = re.search(r'<p class="legend small">(.*?)</p>', html, re.S)
        assert legend
        assert "end of the data" in legend[1]
        assert "> today" not in legend[1]
        # a share keeps its percent ticks
        rate = client.get("/periods/2026-Q4/key-results/gr-rec-ctr").text
        pct = re.findall(r'<text class="axis" [^>]*text-anchor="end">([^<]+)</text>', rate)
        assert pct
        assert all(t.endswith("%") for t in pct), pct


def test_objective_page_words_a_guardrail_bound_in_its_unit(demo_copy: Path) -> None:
    """The demo's `{metric: nps, min_change: -3}` read "nps must not fall below -3"."""
    with viewer_on(demo_copy) as client:
        html = client.get("/periods/2026-Q4/objectives/growth/useful-recommendations").text
        assert "<strong>nps</strong> must not fall more than 3 pts" in html
        assert "must not fall below" not in html
        # a KR past its target or below its baseline shows how far it really went, as the
        # QBR does, with its bar clipped at full or empty
        listed = client.get("/periods/2026-Q4/key-results").text
        meters = re.findall(r'aria-valuenow="(\d+)" aria-valuetext="(-?\d+)%"', listed)
        outside = [(bar, int(text)) for bar, text in meters if not 0 <= int(text) <= 100]
        assert outside  # the demo has such KRs: the case this is about
        for bar, went in outside:
            assert bar == ("100" if went > 100 else "0"), (bar, went)


def test_a_week_whose_cohorts_are_still_maturing_is_drawn_as_so_far(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Found on a fresh workspace as a PM: a 7-day activation's last week, its cohorts half
    matured, sat on the line like any other and read as a drop. In the review workspace
    (synced Monday 16 Nov) the 2-day activation's week of 9 Nov is still maturing; a count's
    weeks are all complete."""
    with viewer_on(module_copy(tmp_path_factory, "web-so-far")) as client:
        act = client.get("/periods/2026-Q4/key-results/act").text
        assert re.search(r'class="point unsettled"[^>]*><title>week of 2026-11-09 so far', act)
        assert ">so far</text>" in act
        legend = re.search(r'<p class="legend small">(.*?)</p>', act, re.S)
        assert legend
        assert "so far: the week or its cohorts not complete" in legend[1]
        total = client.get("/periods/2026-Q4/key-results/tickets-total").text
        assert "unsettled" not in total


def test_a_level_forecast_band_that_stops_before_the_period_end_says_why(
    demo_copy: Path,
) -> None:
    """A 28-day level of a 7-day activation at 31 Dec averages the cohorts of 26 Nov-24 Dec:
    the forecast predicts their middle week, so its band stops in early December, short of
    the period end the forecast sentence names."""
    with viewer_on(demo_copy) as client:
        html = client.get("/periods/2026-Q4/key-results/gr-activation").text
        legend = re.search(r'<p class="legend small">(.*?)</p>', html, re.S)
        assert legend
        assert "forecast range, drawn to the middle of the weeks the period-end level " \
            "averages" in legend[1]
