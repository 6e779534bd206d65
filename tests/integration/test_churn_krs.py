"""Churn KRs through the CLI and the web, on subscription events generated here: the value is
a hand count of customers lost over customers at each whole month's (week's) start, and
every surface names the periods it is read over rather than a 28-day level."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sowhat.api.app import create_app
from sowhat.api.settings import ServerSettings
from sowhat.metrics.ingest import ingest
from tests.integration.test_meaningless_zeros import _run, _wide_console  # noqa: F401
from tests.unit.api.api_testing import login

LAST_EVENT = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)  # a Wednesday
FIRST = datetime(2026, 5, 1, tzinfo=UTC)

METRICS = """\
metrics:
  monthly_churn:
    type: churn
    entity: account_id
    start: {event: subscribed}
    end: {event: cancelled}
    per: month
  weekly_churn:
    type: churn
    entity: account_id
    start: {event: subscribed}
    end: {event: cancelled}
    per: week
"""

OKRS = """\
period: 2026-Q4
objectives:
  - id: keep
    title: Teams keep getting enough from us to stay
    team: growth
    key_results:
      - id: monthly
        title: Cut monthly logo churn from 5% to 3%
        metric: monthly_churn
        baseline: 0.05
        target: 0.03
      - id: weekly
        title: Cut weekly logo churn from 1.2% to 0.7%
        metric: weekly_churn
        baseline: 0.012
        target: 0.007
"""

CONFIG = """\
[workspace]
name = "Churn"

[teams.growth]
name = "Growth"
"""


def _events() -> list[dict[str, Any]]:
    """Three accounts subscribe a day; each day a customer cancels with probability 1/600
    (about 5% a month), a third of those who cancel come back two weeks later."""
    rng = random.Random(5)
    rows: list[dict[str, Any]] = []
    n = 0
    day = FIRST
    while day <= LAST_EVENT:
        for _ in range(3):
            n += 1
            at = day + timedelta(minutes=rng.randrange(1440))
            account = f"a{n}"
            t = at
            while t <= LAST_EVENT:
                rows.append({"event": "subscribed", "timestamp": t.isoformat(),
                             "account_id": account, "user_id": None})
                gap = timedelta(days=rng.expovariate(1 / 600))
                t = t + gap
                if t > LAST_EVENT:
                    break
                rows.append({"event": "cancelled", "timestamp": t.isoformat(),
                             "account_id": account, "user_id": None})
                if rng.random() > 1 / 3:
                    break
                t = t + timedelta(days=14)
        day += timedelta(days=1)
    return [r for r in rows if datetime.fromisoformat(r["timestamp"]) <= LAST_EVENT]


ROWS = _events()


def hand_churn(months: list[tuple[datetime, datetime]]) -> float:
    """Customers lost over customers at each period's start, summed over the periods."""
    marks: dict[str, list[tuple[datetime, bool]]] = {}
    for r in ROWS:
        marks.setdefault(r["account_id"], []).append(
            (datetime.fromisoformat(r["timestamp"]), r["event"] == "cancelled"))
    base = lost = 0
    for start, end in months:
        for seq in marks.values():
            state = False
            for ts, ended in sorted(seq):
                if ts >= start:
                    break
                state = not ended
            if state:
                base += 1
                lost += any(ended and start <= ts < end for ts, ended in seq)
    return lost / base


def _workspace(root: Path, rows: list[dict[str, Any]], okrs: str | None = None) -> Path:
    """A workspace of the churn metrics over `rows` (ingested), with `okrs` applied."""
    root.mkdir(parents=True)
    (root / "metrics.yaml").write_text(METRICS, encoding="utf-8")
    (root / "sowhat.toml").write_text(CONFIG, encoding="utf-8")
    data = root / "events.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ingest([data], store=root / ".sowhat" / "events.duckdb")
    if okrs is not None:
        (root / "okrs").mkdir()
        (root / "okrs" / "2026-Q4.yaml").write_text(okrs, encoding="utf-8")
        _run("apply", "-w", str(root))
    return root


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = _workspace(tmp_path / "ws", ROWS, OKRS)
    _run("sync", "-w", str(root), "--as-of", (LAST_EVENT + timedelta(hours=1)).isoformat())
    return root


def _krs(ws: Path) -> dict[str, Any]:
    data = json.loads(_run("status", "-w", str(ws), "--json"))
    return {k["id"]: k for o in data["objectives"] for k in o["key_results"]}


def test_a_churn_kr_is_customers_lost_over_whole_periods_counted_by_hand(ws: Path) -> None:
    krs = _krs(ws)
    # as of Dec 2 19:00 the default 28 days of a monthly churn are its latest whole month:
    # November
    months = [(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))]
    assert krs["monthly"]["current"] == pytest.approx(hand_churn(months))
    # the measured baseline is the same span just before the period: September alone (a
    # window of days ending Oct 1 pooled August and September, two months against the
    # current's one)
    before = [(datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC))]
    assert krs["monthly"]["measured_baseline"] == pytest.approx(hand_churn(before))
    # the 28-day weekly churn: the 4 whole ISO weeks before Monday Nov 30 (Nov 2 to Nov 23),
    # not the 3 that the days since Nov 4 hold
    weeks = [(datetime(2026, 11, 2, tzinfo=UTC) + timedelta(weeks=i),
              datetime(2026, 11, 9, tzinfo=UTC) + timedelta(weeks=i)) for i in range(4)]
    assert krs["weekly"]["current"] == pytest.approx(hand_churn(weeks))
    out = _run("status", "-w", str(ws))
    assert "[1 complete month, Nov 01–Nov 30]" in out
    assert "[4 complete weeks, Nov 02–Nov 29]" in out
    assert "mean of" not in out  # a churn rate is pooled over its periods, not averaged


def test_a_monthly_churn_is_forecast_honestly_and_a_weekly_one_weekly(ws: Path) -> None:
    view = {k["kr_id"]: k for k in json.loads(
        _run("forecast", "-w", str(ws), "--json"))["key_results"]}
    assert view["monthly"]["probability"] is None
    assert "a monthly churn rate has no weekly values" in view["monthly"]["note"]
    assert "a monthly churn rate has no weekly values" in view["monthly"]["ambition"]["message"]
    assert view["weekly"]["probability"] is not None
    with TestClient(create_app(ServerSettings(workspace=ws))) as client:
        _run("user", "create", "pm@churn.test", "--admin", "--password",
             "Outcomes-over-outputs-2026", "-w", str(ws))
        login(client, "pm@churn.test", "Outcomes-over-outputs-2026")
        page = client.get("/periods/2026-Q4/key-results/weekly").text
        plan = client.get("/periods/2026-Q4/plan").text
    assert "the churn of its latest 4 complete weeks: expect" in page
    assert "4 complete weeks, Nov 02–Nov 29" in page
    assert "only 0 weeks of history" not in plan
    assert "a monthly churn rate has no weekly values" in plan


def test_metrics_compute_reads_a_churn_metric_over_its_whole_months(tmp_path: Path) -> None:
    """`sowhat metrics compute` on a churn metric: the pooled value and the customers."""
    root = _workspace(tmp_path / "ws", ROWS)
    out = json.loads(_run("metrics", "compute", "monthly_churn", "--from", "2026-07-01",
                          "--to", "2026-11-15", "--format", "json", "-w", str(root)))
    months = [(datetime(2026, m, 1, tzinfo=UTC), datetime(2026, m + 1, 1, tzinfo=UTC))
              for m in (7, 8, 9, 10)]
    (row,) = out
    assert row["value"] == pytest.approx(hand_churn(months))
    assert date.fromisoformat(row["start"][:10]) == date(2026, 7, 1)
    assert row["display"].endswith("%")


def test_the_monthly_review_judges_a_monthly_churn_by_its_own_counts(ws: Path) -> None:
    """A monthly churn has no weekly values to read a noise from; the review judged nothing
    ("weekly trend unknown" beside a row of empty weeks). Its counts are its noise: the
    change is beyond noise exactly when a two-proportion test on the hand counts says so."""
    from statsmodels.stats.proportion import proportions_ztest

    data = json.loads(_run("review", "monthly", "--month", "2026-11", "--as-of",
                           (LAST_EVENT + timedelta(hours=1)).isoformat(), "--format", "json",
                           "-w", str(ws)))
    kr = next(k for k in data["key_results"] if k["kr_id"] == "monthly")
    assert kr["weeks"] == []
    assert kr["trend"].startswith("none")
    counts = []
    for start, end in [(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
                       (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))]:
        rate = hand_churn([(start, end)])
        assert rate is not None
        counts.append(rate)
    assert kr["value"] == pytest.approx(counts[0])
    assert kr["previous"] == pytest.approx(counts[1])
    (own,) = [s for s in kr["segments"] if s["segment"] is None]
    hits, n = own["counts"]
    hits_before, n_before = own["previous_counts"]
    assert hits / n == pytest.approx(counts[0])
    _, p = proportions_ztest([hits, hits_before], [n, n_before])
    assert kr["change_clear"] is bool(p < 0.05)


def test_cancellations_of_customers_older_than_the_data_are_called_out(tmp_path: Path) -> None:
    """An export that starts after the first customers did: their cancellations have no
    start before them, so they are in no month's base and the churn rate reads low — and
    says nothing. `tracking check` and `metrics compute` name how many, once per fact."""
    cut = datetime(2026, 8, 1, tzinfo=UTC)
    late = [r for r in ROWS if datetime.fromisoformat(r["timestamp"]) >= cut]
    orphans = [r for r in late if r["event"] == "cancelled" and not any(
        s["account_id"] == r["account_id"] and s["event"] == "subscribed"
        and s["timestamp"] < r["timestamp"] for s in late)]
    assert orphans  # the generator's early customers cancel after the cut
    root = _workspace(tmp_path / "ws", late)
    report = json.loads(_run("tracking", "check", "--format", "json", "-w", str(root)))
    (line,) = report["history_warnings"]
    ends = sum(1 for r in late if r["event"] == "cancelled")
    assert line.startswith("monthly_churn, weekly_churn: ")
    assert f"{len(orphans):,} of the {ends:,} 'cancelled' events in the data" in line
    assert f"by {len({r['account_id'] for r in orphans}):,} account_ids" in line
    assert report["filter_warnings"] == []
    out = _run("metrics", "compute", "monthly_churn", "--from", "2026-09-01", "--to",
               "2026-12-01", "-w", str(root))
    assert "account_ids with no 'subscribed' event before them" in out
    # the full history: nothing to say
    full = _workspace(tmp_path / "full", ROWS)
    assert json.loads(_run("tracking", "check", "--format", "json", "-w",
                           str(full)))["history_warnings"] == []


def _month(m: int) -> list[tuple[datetime, datetime]]:
    return [(datetime(2026, m, 1, tzinfo=UTC), datetime(2026, m + 1, 1, tzinfo=UTC))]


def test_a_monthly_kr_is_drawn_month_by_month_on_its_page_and_in_the_qbr(
        ws: Path, tmp_path: Path) -> None:
    """A monthly churn's weekly check-ins repeat the latest whole months' reading (the week
    of 26 Oct pools September and October); its chart, titled "Week by week", drew those as
    weekly values. Its page and the QBR now draw each whole calendar month of the period
    that the data covers — October and November as of 2 December, each its own hand count —
    and no reading of two months pooled."""
    from sowhat.reports.words import value

    october, november = hand_churn(_month(10)), hand_churn(_month(11))
    pooled = hand_churn([*_month(9), *_month(10)])
    shown = {value(v, rate=True) for v in (october, november, pooled)}
    assert len(shown) == 3  # the three readings are told apart on the page
    with TestClient(create_app(ServerSettings(workspace=ws))) as client:
        _run("user", "create", "pm@churn.test", "--admin", "--password",
             "Outcomes-over-outputs-2026", "-w", str(ws))
        login(client, "pm@churn.test", "Outcomes-over-outputs-2026")
        page = client.get("/periods/2026-Q4/key-results/monthly").text
        weekly = client.get("/periods/2026-Q4/key-results/weekly").text
    assert "Month by month" in page
    assert "Week by week" not in page
    assert f"<title>October 2026: {value(october, rate=True)}</title>" in page
    assert f"<title>November 2026: {value(november, rate=True)}</title>" in page
    assert "December 2026:" not in page  # December is not whole in the data
    chart = page[page.index('<svg class="kr-chart"'):page.index("</svg>")]
    assert value(pooled, rate=True) not in chart
    assert "each calendar month its own window" in page
    # the chance tile's reason, shared with the CLI, sets its backticked key as code
    assert "no forecast (a <code>per: week</code>" in page
    assert "`per: week`" not in page
    assert "Week by week" in weekly  # a weekly churn has weeks
    assert "Month by month" not in weekly
    out = tmp_path / "qbr.html"
    _run("report", "quarter", "-o", str(out), "--as-of",
         (LAST_EVENT + timedelta(hours=1)).isoformat(), "-w", str(ws))
    qbr = out.read_text(encoding="utf-8")
    assert "Cut monthly logo churn from 5% to 3%: monthly values" in qbr
    assert (f"Latest month:</span> {value(november, rate=True)} (November 2026); "
            f"{value(october, rate=True)} in October") in qbr
    assert f"<title>November 2026: {value(november, rate=True)}</title>" in qbr


def test_a_database_upgraded_before_baselines_had_trials_measures_them_again(ws: Path) -> None:
    """0011 added the trials of a measured baseline empty, and sync keeps a baseline whose
    inputs are unchanged: an upgraded workspace held its typed rates to the flat 2-point
    allowance on the KR page and in `status` while the plan page's coach, measuring afresh,
    held them to the rate's noise. 0012 forgets the baselines' input keys; the next sync
    measures them again and every surface reads the same trials."""
    import sqlite3

    before = _krs(ws)
    trials = {k: v["baseline_trials"] for k, v in before.items()}
    assert all(trials.values())
    db = ws / ".sowhat" / "sowhat.db"
    with sqlite3.connect(db) as con:  # the state of a database upgraded to 0011
        con.execute("UPDATE kr_measures SET baseline_trials = NULL")
        con.execute("UPDATE alembic_version SET version_num = '0011_baseline_trials'")
    _run("db", "upgrade", "-w", str(ws))
    _run("sync", "-w", str(ws), "--as-of", (LAST_EVENT + timedelta(hours=1)).isoformat())
    after = _krs(ws)
    assert {k: v["baseline_trials"] for k, v in after.items()} == trials
    assert {k: v["baseline_disagrees"] for k, v in after.items()} == {
        k: v["baseline_disagrees"] for k, v in before.items()}
