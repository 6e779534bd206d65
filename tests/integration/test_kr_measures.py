"""KR values that mean what they say: the watermark, one measure per KR, measured baselines
and sync refusing to store mistakes — through the CLI, checked against hand computations on
events generated here (not the metric engine's own numbers)."""

from __future__ import annotations

import json
import random
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sowhat.api.app import create_app
from sowhat.api.settings import ServerSettings
from sowhat.cli.app import app
from sowhat.cli.common import console
from sowhat.domain.measure import Measure, baseline_window, measure_window
from sowhat.metrics.ingest import ingest
from tests.unit.api.api_testing import login

runner = CliRunner()
LAST_EVENT = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)  # a Wednesday afternoon
# Metrics read events before the as-of; the as-of that reads every event through the last.
BOUND = LAST_EVENT + timedelta(microseconds=1)
FIRST_DAY = date(2026, 6, 20)  # the data reaches back before the baseline windows

METRICS = """\
metrics:
  activation:
    type: conversion
    entity: account_id
    from: {event: signup}
    to: {event: project_created}
    within: 7d
  tickets:
    type: count
    event: ticket_opened
  typo_tickets:
    type: count
    event: ticket_openned
"""

OKRS = """\
period: 2026-Q4
objectives:
  - id: grow
    title: New accounts get value fast
    team: growth
    key_results:
      - id: act
        title: Raise 7-day activation of new accounts from 40% to 50%
        metric: activation
        baseline: 0.40
        target: 0.50
      - id: tickets-total
        title: Keep support tickets under 900 this quarter
        metric: tickets
        baseline: 1000
        target: 900
"""

CONFIG = """\
[workspace]
name = "Measures"

[teams.growth]
name = "Growth"
"""


def _events() -> tuple[list[dict[str, Any]], list[tuple[datetime, datetime | None]]]:
    """Eight signups a day; activation is 30% before Oct 19 and 60% after (a step a pooled
    to-date value would blur); two tickets a day. Returns rows and (signup, project) pairs."""
    rng = random.Random(11)
    rows: list[dict[str, Any]] = []
    pairs: list[tuple[datetime, datetime | None]] = []
    day, n = FIRST_DAY, 0
    while True:
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        if midnight > LAST_EVENT:
            break
        for i in range(8):
            n += 1
            at = midnight + timedelta(hours=1 + 2 * i, minutes=rng.randrange(60))
            if at > LAST_EVENT:
                break
            rate = 0.6 if day >= date(2026, 10, 19) else 0.3
            done = at + timedelta(hours=rng.randrange(1, 150)) if rng.random() < rate else None
            if done is not None and done > LAST_EVENT:
                done = None  # not happened yet when the data ends
            rows.append({"event": "signup", "timestamp": at.isoformat(), "account_id": f"a{n}",
                         "user_id": f"u{n}"})
            if done is not None:
                rows.append({"event": "project_created", "timestamp": done.isoformat(),
                             "account_id": f"a{n}", "user_id": f"u{n}"})
            pairs.append((at, done))
        for h in (9, 14):
            at = midnight + timedelta(hours=h)
            if at <= LAST_EVENT:
                rows.append({"event": "ticket_opened", "timestamp": at.isoformat(),
                             "account_id": "x", "user_id": "x"})
        day += timedelta(days=1)
    rows.append({"event": "ticket_opened", "timestamp": LAST_EVENT.isoformat(),
                 "account_id": "x", "user_id": "x"})
    return rows, pairs


ROWS, PAIRS = _events()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False,
                           env={"SOWHAT_ACTOR": "tester"})
    return result.exit_code, result.stdout


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "_width", 200)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("measures") / "ws"
    (root / "okrs").mkdir(parents=True)
    (root / "okrs" / "2026-Q4.yaml").write_text(OKRS, encoding="utf-8")
    (root / "metrics.yaml").write_text(METRICS, encoding="utf-8")
    (root / "sowhat.toml").write_text(CONFIG, encoding="utf-8")
    data = root / "data" / "events.jsonl"
    data.parent.mkdir()
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    ingest([data], store=root / ".sowhat" / "events.duckdb")
    code, out = run("apply", "-w", str(root))
    assert code == 0, out
    return root


@pytest.fixture
def ws(built: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(built, tmp_path / "ws"))


@contextmanager
def web_client(ws: Path) -> Iterator[TestClient]:
    """The web app on `ws`, logged in as an admin created for the test."""
    code, out = run("user", "create", "pm@measures.test", "--admin", "--password",
                    "Outcomes-over-outputs-2026", "-w", str(ws))
    assert code == 0, out
    with TestClient(create_app(ServerSettings(workspace=ws))) as client:
        login(client, "pm@measures.test", "Outcomes-over-outputs-2026")
        yield client


def status(ws: Path) -> dict[str, Any]:
    code, out = run("status", "-w", str(ws), "--json")
    assert code == 0, out
    data: dict[str, Any] = json.loads(out)
    return data


def krs(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k["id"]: k for o in data["objectives"] for k in o["key_results"]}


def hand_activation(start: datetime, end: datetime, as_of: datetime) -> tuple[float, int]:
    """Share of signups anchored in [start, end), mature by as_of, with a project in 7d."""
    window = timedelta(days=7)
    cohort = [(a, d) for a, d in PAIRS if start <= a < end and a + window <= as_of]
    hits = sum(1 for a, d in cohort if d is not None and d <= a + window and d < as_of)
    return hits / len(cohort), len(cohort)


def hand_tickets(start: datetime, end: datetime) -> int:
    return sum(1 for r in ROWS if r["event"] == "ticket_opened"
               and start <= datetime.fromisoformat(r["timestamp"]) < end)


Q4 = datetime(2026, 10, 1, tzinfo=UTC)


def test_measure_windows_are_the_documented_ones() -> None:
    as_of = datetime(2026, 11, 18, tzinfo=UTC)
    level = measure_window(Measure.LEVEL, as_of=as_of, period_start=Q4,
                           over=timedelta(days=28), outcome=timedelta(days=7))
    assert (level.start, level.end, level.as_of) == (
        datetime(2026, 10, 14, tzinfo=UTC), datetime(2026, 11, 11, tzinfo=UTC), as_of)
    total = measure_window(Measure.CUMULATIVE, as_of=as_of, period_start=Q4)
    assert (total.start, total.end) == (Q4, as_of)
    q3 = baseline_window(Measure.CUMULATIVE, period_start=Q4,
                         period_end=datetime(2027, 1, 1, tzinfo=UTC))
    assert (q3.start, q3.end, q3.as_of) == (Q4 - timedelta(days=92), Q4, Q4)
    before = baseline_window(Measure.LEVEL, period_start=Q4,
                             period_end=datetime(2027, 1, 1, tzinfo=UTC))
    assert (before.start, before.end) == (Q4 - timedelta(days=28), Q4)


def test_sync_clips_to_the_watermark_and_status_says_what_current_means(ws: Path) -> None:
    code, out = run("sync", "-w", str(ws), "--as-of", "2026-12-01")
    assert code == 0, out
    assert "data through 2026-11-18 15:30 UTC" in out
    data = krs(status(ws))
    act, tickets = data["act"], data["tickets-total"]
    # The level: the 28 days of cohorts that have matured by the last event.
    end = BOUND - timedelta(days=7)
    expected, entities = hand_activation(end - timedelta(days=28), end, BOUND)
    assert entities > 150
    assert act["measure"] == "level"
    assert act["current"] == pytest.approx(expected, abs=1e-12)
    assert act["window"] == {"start": (end - timedelta(days=28)).isoformat(),
                             "end": end.isoformat()}
    assert act["data_through"] == LAST_EVENT.isoformat()
    # Same measure just before the period: cohorts anchored in September's last 28 days,
    # known at the period start.
    base, _ = hand_activation(Q4 - timedelta(days=35), Q4 - timedelta(days=7), Q4)
    assert act["measured_baseline"] == pytest.approx(base, abs=1e-12)
    # Pooled since October 1 the step is blurred; the level shows it (0.6 vs ~0.5).
    pooled, _ = hand_activation(Q4, BOUND, BOUND)
    assert act["current"] - pooled > 0.04
    # The total: period start through the last event.
    assert tickets["measure"] == "cumulative"
    assert tickets["current"] == hand_tickets(Q4, BOUND)
    assert tickets["measured_baseline"] == hand_tickets(Q4 - timedelta(days=92), Q4)


def test_asking_past_the_data_gives_the_same_values_as_asking_at_the_watermark(
    ws: Path, tmp_path: Path
) -> None:
    other = Path(shutil.copytree(ws, tmp_path / "other"))
    assert run("sync", "-w", str(ws), "--as-of", "2026-12-01")[0] == 0
    assert run("sync", "-w", str(other), "--as-of", BOUND.isoformat())[0] == 0
    late, at_mark = status(ws), status(other)

    def values(data: dict[str, Any]) -> dict[str, Any]:
        # when each sync ran is its own (check-ins carry the wall clock, not the as-of)
        return {k: {f: v for f, v in kr.items() if f != "last_recorded_at"}
                for k, kr in krs(data).items()}

    assert values(late) == values(at_mark)
    assert krs(late)["act"]["last_recorded_at"] < krs(at_mark)["act"]["last_recorded_at"]
    assert late["data_through"] == at_mark["data_through"] == LAST_EVENT.isoformat()
    # metrics compute: a window past the data is cut at the watermark, with a warning.
    args = ("metrics", "compute", "activation", "--from", "2026-10-01", "--format", "json")
    code, past = run(*args, "--to", "2026-12-01", "-w", str(ws))
    assert code == 0, past
    code, mark = run(*args, "--to", BOUND.isoformat(), "-w", str(ws))
    assert json.loads(past)[0]["value"] == json.loads(mark)[0]["value"]
    # Reviews as of later dates agree with reviews as of the watermark.
    for kind in ("weekly", "monthly", "quarter"):
        code, a = run("review", kind, "-w", str(ws), "--as-of", "2026-12-01", "-f", "json")
        assert code == 0, a
        code, b = run("review", kind, "-w", str(ws), "--as-of", BOUND.isoformat(), "-f",
                      "json")
        assert code == 0, b
        assert json.loads(a) == json.loads(b), kind


def test_no_check_in_for_a_week_after_the_data_and_no_future_as_of(ws: Path) -> None:
    assert run("sync", "-w", str(ws), "--as-of", "2026-12-01")[0] == 0
    con = sqlite3.connect(ws / ".sowhat" / "sowhat.db")
    try:
        weeks = [r[0] for r in con.execute(
            "SELECT DISTINCT week FROM check_ins WHERE source = 'auto' ORDER BY week")]
    finally:
        con.close()
    assert weeks[-1] == "2026-11-16"  # the week the data ends in; none after it
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    for args in (("sync",), ("review", "weekly"), ("metrics", "compute", "tickets",
                                                   "--period", "2026-Q4")):
        result = runner.invoke(app, [*args, "-w", str(ws), "--as-of", future])
        assert result.exit_code == 1, (args, result.output)
        assert "in the future" in result.output + str(result.exception)


def test_an_unknown_event_is_an_error_not_a_stored_zero(ws: Path) -> None:
    okrs = ws / "okrs" / "2026-Q4.yaml"
    okrs.write_text(OKRS + """\
      - id: typo
        title: Cut support tickets from 1000 to 900 this quarter
        metric: typo_tickets
        baseline: 1000
        target: 900
""", encoding="utf-8")
    assert run("apply", "-w", str(ws))[0] == 0
    result = runner.invoke(app, ["sync", "-w", str(ws), "--as-of", "2026-11-18"])
    assert result.exit_code == 1
    assert "ticket_openned" in result.output
    assert "never contains" in result.output
    # the data's spelling is named, so nobody compares two lists of names by eye
    assert "the data has 'ticket_opened' for ticket_openned" in " ".join(result.output.split())
    data = krs(status(ws))
    assert data["typo"]["current"] is None
    assert data["typo"]["check_ins"] == 0
    assert data["act"]["current"] is not None  # the others still synced


def test_a_changed_definition_recomputes_past_weekly_values_once(ws: Path) -> None:
    assert run("sync", "-w", str(ws), "--as-of", "2026-11-18")[0] == 0

    def weekly(key: str) -> dict[str, float]:
        con = sqlite3.connect(ws / ".sowhat" / "sowhat.db")
        try:
            return dict(con.execute(
                "SELECT c.week, c.value FROM check_ins c JOIN key_results k ON "
                "k.id = c.key_result_id WHERE k.key = ? AND c.source = 'auto'", (key,)))
        finally:
            con.close()

    before = weekly("act")
    metrics = ws / "metrics.yaml"
    metrics.write_text(metrics.read_text("utf-8").replace("within: 7d", "within: 3d"), "utf-8")
    code, out = run("sync", "-w", str(ws), "--as-of", "2026-11-18")
    assert code == 0, out
    assert "past weekly values recomputed" in out
    after = weekly("act")
    assert after.keys() == before.keys()
    assert all(after[w] != before[w] for w in before if w < "2026-11-16")
    code, out = run("sync", "-w", str(ws), "--as-of", "2026-11-18")
    assert "recomputed" not in out  # once, not on every run
    con = sqlite3.connect(ws / ".sowhat" / "sowhat.db")
    try:
        entries = con.execute("SELECT count(*) FROM audit_log WHERE entity_type = 'key_result' "
                              "AND after LIKE '%recomputed_weeks%'").fetchone()[0]
    finally:
        con.close()
    assert entries == 1


def test_lint_checks_typed_baselines_against_the_data(ws: Path) -> None:
    """SW114 on the file being linted: a baseline that is not what the data says."""
    before, _ = hand_activation(Q4 - timedelta(days=35), Q4 - timedelta(days=7), Q4)
    okrs = ws / "okrs" / "2026-Q4.yaml"
    honest = OKRS.replace("from 40% to 50%", f"from {before:.0%} to 50%").replace(
        "baseline: 0.40", f"baseline: {before:.3f}").replace(
        "baseline: 1000", f"baseline: {hand_tickets(Q4 - timedelta(days=92), Q4)}")
    okrs.write_text(honest, encoding="utf-8")
    code, out = run("lint", "-w", str(ws), "--select", "SW114", "--format", "json")
    assert (code, json.loads(out)) == (0, []), out
    okrs.write_text(honest.replace(f"baseline: {before:.3f}", "baseline: 0.55"), "utf-8")
    code, out = run("lint", "-w", str(ws), "--select", "SW114", "--format", "json")
    assert code == 0, out  # a warning: the file is still valid
    (finding,) = json.loads(out)
    assert finding["code"] == "SW114"
    assert f"measured {before:.1%}" in finding["message"]
    assert finding["line"] == OKRS.splitlines().index("        baseline: 0.40") + 1


def _ambition_findings(ws: Path) -> list[dict[str, Any]]:
    code, out = run("lint", "-w", str(ws), "--select", "SW108,SW109", "--format", "json")
    assert code == 0, out  # warnings only
    findings: list[dict[str, Any]] = json.loads(out)
    return findings


def test_lint_judges_the_target_in_the_file_not_the_applied_one(ws: Path) -> None:
    """SW108/SW109 on the file being linted (a pull request, the pre-commit hook): weekly
    activation before Q4 hovers around 30% over 14 weeks of history, so 90% is out of reach
    with no change, 15% is reached with no change at all, and 50% needs the team's work —
    whatever target was applied and synced."""
    okrs = ws / "okrs" / "2026-Q4.yaml"
    line = OKRS.splitlines().index("        target: 0.50") + 1

    def target(baseline: float, value: float) -> str:
        return OKRS.replace("baseline: 0.40", f"baseline: {baseline}").replace(
            "target: 0.50", f"target: {value}")

    assert _ambition_findings(ws) == []  # as applied (50%), never synced: read from events
    okrs.write_text(target(0.40, 0.90), encoding="utf-8")
    (found,) = _ambition_findings(ws)
    assert (found["code"], found["line"]) == ("SW109", line)
    assert run("apply", "-w", str(ws))[0] == 0
    assert run("sync", "-w", str(ws), "--as-of", BOUND.isoformat())[0] == 0
    code, out = run("forecast", "act", "-w", str(ws), "--period", "2026-Q4", "--json")
    assert code == 0, out
    stored = json.loads(out)["key_results"][0]["ambition"]["probability"]
    # The same history and model as `sowhat forecast` once the file is applied and synced.
    assert f"only {stored:.1%} of the time" in found["message"]
    okrs.write_text(target(0.10, 0.15), encoding="utf-8")  # edited, not applied: DB says 90%
    (found,) = _ambition_findings(ws)
    assert (found["code"], found["line"]) == ("SW108", line)
    # No event source: the coach falls back to what the last sync stored (the applied 90%).
    (ws / ".sowhat" / "events.duckdb").unlink()
    (fallback,) = _ambition_findings(ws)
    assert fallback["code"] == "SW109"


def test_a_segment_that_matches_nothing_is_a_warning_not_a_silent_zero(ws: Path) -> None:
    metrics = ws / "metrics.yaml"
    metrics.write_text(metrics.read_text("utf-8") + "segments:\n  pro: {property: plan, "
                       "equals: pro}\n", "utf-8")
    okrs = ws / "okrs" / "2026-Q4.yaml"
    okrs.write_text(OKRS + """\
      - id: pro-tickets
        title: Cut support tickets of pro accounts from 100 to 80 this quarter
        metric: tickets
        segment: pro
        baseline: 100
        target: 80
""", encoding="utf-8")
    assert run("apply", "-w", str(ws))[0] == 0
    code, out = run("sync", "-w", str(ws), "--as-of", "2026-11-18")
    assert code == 0, out
    assert "matches nothing" in out
    assert "pro-tickets" in out


def test_status_and_the_web_flag_a_typed_baseline_the_data_contradicts(ws: Path) -> None:
    """Progress counts from the typed baseline, so a wrong one must show where progress
    does, not only in `sowhat lint`: status and the KR page say what the data measured.

    The file's 40% is six points above the 34.4% measured over ~220 accounts, but inside
    that measurement's 95% interval (28.5%-40.9%): not flagged. 45% is outside it."""
    code, out = run("sync", "-w", str(ws), "--as-of", "2026-12-01")
    assert code == 0, out
    before, _ = hand_activation(Q4 - timedelta(days=35), Q4 - timedelta(days=7), Q4)
    code, out = run("status", "-w", str(ws))
    assert code == 0, out
    assert "baseline 40% is typed" not in out  # within the measurement's noise
    assert out.count("⚠ baseline") == 1  # the ticket total's 1000 is wrong
    (ws / "okrs" / "2026-Q4.yaml").write_text(OKRS.replace("baseline: 0.40", "baseline: 0.45"),
                                              encoding="utf-8")
    assert run("apply", "-w", str(ws))[0] == 0
    code, out = run("status", "-w", str(ws))
    assert code == 0, out
    assert f"baseline 45% is typed; the data measured {before:.1%}" in out
    assert out.count("⚠ baseline") == 2  # the ticket total's 1000 is wrong too

    with web_client(ws) as client:
        page = client.get("/periods/2026-Q4/key-results/act")
        dashboard = client.get("/")
        plan = client.get("/periods/2026-Q4/plan").text
        api = {k["id"]: k for k in client.get("/api/v1/periods/2026-Q4/key-results").json()[
            "items"]}
    assert page.status_code == 200, page.text
    assert "data-baseline-check" in page.text
    assert f"measured {before:.1%} just before the period" in page.text
    assert dashboard.text.count("data-baseline-check") == 2
    act_row = plan.split('<tr data-kr="act"')[1].split("</tr>")[0]
    assert "the typed baseline is not what the data measured" in act_row
    assert f"<td>{before:.1%}</td>" in act_row  # the Measured column, in percent
    assert api["act"]["baseline_disagrees"] is True  # the API says what the pages say
    assert api["act"]["display"]["measured_baseline"] == f"{before:.1%}"
    # the forecast and the Current tile name the same quantity: the KR's trailing level
    assert "end, the 28-day level: expect" in page.text
    assert "the weekly value" not in page.text
    assert "28-day level, Oct" in page.text

    tickets = hand_tickets(Q4 - timedelta(days=92), Q4)
    honest = OKRS.replace("baseline: 0.40", f"baseline: {before:.3f}").replace(
        "baseline: 1000", f"baseline: {tickets}")
    (ws / "okrs" / "2026-Q4.yaml").write_text(honest, encoding="utf-8")
    code, out = run("apply", "-w", str(ws))
    assert code == 0, out
    code, out = run("status", "-w", str(ws))
    assert code == 0, out
    assert "⚠ baseline" not in out


LONG_METRICS = """
  activation_60d:
    type: conversion
    entity: account_id
    from: {event: signup}
    to: {event: project_created}
    within: 60d
  activation_40d:
    type: conversion
    entity: account_id
    from: {event: signup}
    to: {event: project_created}
    within: 40d
"""

LONG_KRS = """
  - id: later
    title: New accounts still get value two months in
    team: growth
    key_results:
      - id: act60
        title: Raise 60-day activation of new accounts from 45% to 55%
        metric: activation_60d
        baseline: 0.45
        target: 0.55
      - id: act40
        title: Raise 40-day activation of new accounts from 45% to 55%
        metric: activation_40d
        baseline: 0.45
        target: 0.55
"""


def hand_conversion(days: int, as_of: datetime) -> float:
    """The 28-day level of a `days`-long conversion: cohorts of the 28 days ending `days`
    before as_of, each given its whole window."""
    end = as_of - timedelta(days=days)
    cohort = [(a, d) for a, d in PAIRS if end - timedelta(days=28) <= a < end]
    hits = sum(1 for a, d in cohort if d is not None and d <= a + timedelta(days=days))
    return hits / len(cohort)


def test_a_cohort_measure_that_reads_only_earlier_cohorts_is_not_progress(ws: Path) -> None:
    """A 60-day activation six weeks into the quarter reads cohorts that joined before the
    quarter: that number is not this period's progress. Every screen says when the first
    reading comes instead of grading the KR on it; a 40-day one already reads the period."""
    (ws / "metrics.yaml").write_text(METRICS + LONG_METRICS, encoding="utf-8")
    (ws / "okrs" / "2026-Q4.yaml").write_text(OKRS + LONG_KRS, encoding="utf-8")
    assert run("apply", "-w", str(ws))[0] == 0
    code, out = run("sync", "-w", str(ws), "--as-of", "2026-12-01")
    assert code == 0, out
    full = status(ws)
    data = krs(full)
    early, later = hand_conversion(60, BOUND), hand_conversion(40, BOUND)
    act60, act40 = data["act60"], data["act40"]
    # Oct 1 + 60 days, plus the first whole day of the period's cohorts
    assert act60["readable_from"] == "2026-12-01"
    assert act60["current"] is None
    assert act60["progress"] is None
    assert act60["before_period"] == pytest.approx(early, abs=1e-12)
    assert act40["readable_from"] is None
    assert act40["before_period"] is None
    assert act40["current"] == pytest.approx(later, abs=1e-12)
    assert act40["progress"] is not None
    # the objective is graded on what can be read: act40 alone, not act40 and a zero for act60
    objective = next(o for o in full["objectives"] if o["id"] == "later")
    assert objective["score"] == pytest.approx(act40["progress"], abs=1e-12)
    assert objective["waiting"] == 1

    code, out = run("status", "-w", str(ws))
    assert code == 0, out
    assert "1 of 2 KRs not readable yet, left out of the score" in out
    assert "⏳ not readable yet: the period's first cohorts finish their outcome window on " \
           "2026-12-01" in out
    assert f"{early:.1%} is the level of cohorts of Aug 23–Sep 19, before the period" in out
    assert out.count("⏳") == 1

    code, out = run("review", "quarter", "-w", str(ws), "--format", "json")
    assert code == 0, out
    health = {k["id"]: k for o in json.loads(out)["objectives"]
              for k in o["objective"]["key_results"]}
    assert health["act60"]["attainment"] == "unmeasured"
    assert "2026-12-01" in health["act60"]["note"]
    assert health["act40"]["note"] is None
    code, out = run("review", "quarter", "-w", str(ws))
    assert code == 0, out
    assert "not readable yet" in out
    assert "1 of 2 KRs not readable yet, left out of the score" in out
    assert "nothing is missed until the period closes" in out

    with web_client(ws) as client:
        page = client.get("/periods/2026-Q4/key-results/act60").text
        other = client.get("/periods/2026-Q4/key-results/act40").text
        dashboard = client.get("/").text
        listing = client.get("/periods/2026-Q4/key-results").text
        api = {k["id"]: k for k in client.get("/api/v1/periods/2026-Q4/key-results").json()[
            "items"]}
        api_objective = client.get("/api/v1/periods/2026-Q4/objectives/later").json()
        objective_page = client.get("/periods/2026-Q4/objectives/later").text
    # its progress says why it is empty, not "not measured" (that is: no baseline or target)
    assert 'aria-valuetext="not readable yet"' in listing
    assert "not measured" not in listing
    assert "data-not-readable" in page
    assert "data-not-readable" not in other
    assert "no data yet" in page.lower()  # the status word, not "off track"
    assert dashboard.count("data-not-readable") == 1
    assert api["act60"]["readable_from"] == "2026-12-01"
    assert api["act60"]["display"]["before_period"] == f"{early:.1%}"
    assert api["act60"]["current"] is None
    assert api_objective["score"] == pytest.approx(act40["progress"], abs=1e-12)
    assert api_objective["not_readable"] == 1
    assert dashboard.count("data-score-note") == 1
    assert "1 of 2 KRs not readable yet" in objective_page


def test_reviews_and_reports_read_as_of_the_end_of_the_data(ws: Path, tmp_path: Path) -> None:
    """`sowhat review` clips "now" to the data; the report file, the web page and the API
    said "as of today" and picked a week after the data, every value empty. All four now
    pick the same week: the last full one before the data ends (Nov 18, a Wednesday)."""
    code, out = run("sync", "-w", str(ws), "--as-of", "2026-12-01")
    assert code == 0, out
    code, out = run("review", "weekly", "-w", str(ws), "--format", "json")
    assert code == 0, out
    assert json.loads(out)["week"] == "2026-11-09"
    report = tmp_path / "weekly.md"
    code, out = run("report", "weekly", "-o", str(report), "-w", str(ws))
    assert code == 0, out
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Weekly review · 2026-Q4 · week of 2026-11-09")
    assert "| act | leading | " in text
    with web_client(ws) as client:
        api = client.get("/api/v1/periods/2026-Q4/reviews/weekly").json()
        page = client.get("/periods/2026-Q4/reviews/weekly").text
        quarter = client.get("/api/v1/periods/2026-Q4/reviews/quarter").json()
    assert api["week"] == "2026-11-09"
    assert {k["kr_id"]: k["to_date"] for k in api["key_results"]}["act"] is not None
    assert "week of 09 Nov 2026" in page or "week of 2026-11-09" in page
    assert quarter["as_of"].startswith("2026-11-18")


def hand_weekly_projects(monday: datetime) -> int:
    """Distinct accounts that created a project in the ISO week starting `monday`."""
    return len({r["account_id"] for r in ROWS if r["event"] == "project_created"
                and monday <= datetime.fromisoformat(r["timestamp"]) < monday + timedelta(7)})


def test_an_active_metric_names_the_complete_weeks_it_averages(ws: Path) -> None:
    """A weekly-active level is the mean over the whole ISO weeks inside its 28 days: status,
    the API and lint's SW114 name those weeks, not the 28 days, and the value is their mean."""
    metrics = METRICS + ("  building_weekly: {type: active, entity: account_id, "
                         "event: project_created, per: week}\n"
                         "  building_monthly: {type: active, entity: account_id, "
                         "event: project_created, per: month}\n")
    (ws / "metrics.yaml").write_text(metrics, encoding="utf-8")
    okrs = OKRS + """\
      - id: builders
        title: Grow accounts creating a project each week from 10 to 30
        metric: building_weekly
        baseline: 10
        target: 30
      - id: monthly-builders
        title: Grow accounts creating a project each month from 40 to 120
        metric: building_monthly
        baseline: 40
        target: 120
"""
    (ws / "okrs" / "2026-Q4.yaml").write_text(okrs, encoding="utf-8")
    assert run("apply", "-w", str(ws))[0] == 0
    # as of Wed Nov 18 15:30 the 28 days are the 4 whole weeks before Monday Nov 16: Oct 19,
    # Oct 26, Nov 2 and Nov 9 (not the 3 whole weeks that the days since Wed Oct 21 hold)
    assert run("sync", "-w", str(ws), "--as-of", BOUND.isoformat())[0] == 0
    weeks = [datetime(2026, 10, 19, tzinfo=UTC) + timedelta(weeks=i) for i in range(4)]
    expected = sum(hand_weekly_projects(w) for w in weeks) / 4
    kr = krs(status(ws))["builders"]
    assert kr["current"] == pytest.approx(expected)
    _, out = run("status", "-w", str(ws))
    assert "[mean of 4 complete weeks, Oct 19–Nov 15]" in out
    assert "28-day level, Oct 21" not in out
    # the baseline, the same 4 weeks' span: Aug 31 to Sep 21 (Sep 28's week runs past the
    # period start, Thu Oct 1)
    before = [datetime(2026, 8, 31, tzinfo=UTC) + timedelta(weeks=i) for i in range(4)]
    measured = sum(hand_weekly_projects(w) for w in before) / 4
    assert kr["measured_baseline"] == pytest.approx(measured)
    assert (kr["baseline_window"]["start"][:10], kr["baseline_window"]["end"][:10]) == (
        "2026-08-31", "2026-09-28")
    # a monthly active level's default 28 days are its latest whole calendar month: here
    # October
    monthly = krs(status(ws))["monthly-builders"]
    october = {r["account_id"] for r in ROWS if r["event"] == "project_created"
               and r["timestamp"].startswith("2026-10-")}
    assert monthly["current"] == pytest.approx(len(october))
    assert "[mean of 1 complete month, Oct 01–Oct 31]" in out
    # the KR page's forecast sentence names the same quantity as its Current tile
    with web_client(ws) as client:
        page = client.get("/periods/2026-Q4/key-results/builders").text
        plan = client.get("/periods/2026-Q4/plan").text
    assert "mean of 4 complete weeks" in page
    assert "the mean of its latest 4 complete weeks: expect" in page
    assert "the 28-day level" not in page
    # no week holds a month: the forecast says why there is none, not "run sowhat sync"
    code, fc = run("forecast", "monthly-builders", "-w", str(ws), "--json")
    assert code == 0, fc
    (view,) = json.loads(fc)["key_results"]
    assert view["probability"] is None
    assert "a monthly active count has no weekly values" in view["note"]
    # nor does the ambition check blame "only 0 weeks of history before the period", in the
    # forecast or on the plan page (the check sync stores)
    assert view["ambition"]["verdict"] == "unknown"
    assert "a monthly active count has no weekly values" in view["ambition"]["message"]
    assert "weeks of history" not in view["ambition"]["message"]
    assert "a monthly active count has no weekly values" in plan
    assert "only 0 weeks of history" not in plan
    _code, out = run("lint", "-w", str(ws))
    (sw114,) = [line for line in out.splitlines() if "SW114" in line and "building_weekly" in line]
    assert "over 2026-08-31 to 2026-09-27" in sw114


def test_a_weekly_active_month_lists_the_weeks_its_value_averages(ws: Path) -> None:
    """October's weekly-active value is the mean of the weeks lying wholly inside October
    (Oct 5, 12, 19; Oct 26's runs into November). The review listed Oct 26 beside it too, so
    "359" sat next to four weeks whose mean was 378: every rendering now lists exactly the
    weeks the value averages and names them, and the trend is their slope."""
    (ws / "metrics.yaml").write_text(
        METRICS + "  building_weekly: {type: active, entity: account_id, "
        "event: project_created, per: week}\n", encoding="utf-8")
    (ws / "okrs" / "2026-Q4.yaml").write_text(OKRS + """\
      - id: builders
        title: Grow accounts creating a project each week from 10 to 30
        metric: building_weekly
        baseline: 10
        target: 30
""", encoding="utf-8")
    assert run("apply", "-w", str(ws))[0] == 0
    assert run("sync", "-w", str(ws), "--as-of", BOUND.isoformat())[0] == 0
    october = [datetime(2026, 10, 5, tzinfo=UTC) + timedelta(weeks=i) for i in range(3)]
    september = [datetime(2026, 9, 7, tzinfo=UTC) + timedelta(weeks=i) for i in range(3)]
    code, out = run("review", "monthly", "-w", str(ws), "--month", "2026-10", "--as-of",
                    BOUND.isoformat(), "--format", "json")
    assert code == 0, out
    (kr,) = [k for k in json.loads(out)["key_results"] if k["kr_id"] == "builders"]
    assert kr["value"] == pytest.approx(sum(map(hand_weekly_projects, october)) / 3)
    assert kr["previous"] == pytest.approx(sum(map(hand_weekly_projects, september)) / 3)
    assert [w["week"] for w in kr["weeks"]] == [d.date().isoformat() for d in october]
    assert [w["value"] for w in kr["weeks"]] == [hand_weekly_projects(d) for d in october]
    assert "mean of its 3 complete weeks, Oct 05–Oct 25" in kr["covers"]
    assert "last month the mean of its 3 complete weeks, Sep 07–Sep 27" in kr["covers"]
    # a count's month keeps every week that starts in it, and names no weeks
    (tickets,) = [k for k in json.loads(out)["key_results"] if k["kr_id"] == "tickets-total"]
    assert tickets["covers"] is None
    assert [w["week"] for w in tickets["weeks"]][-1] == "2026-10-26"
    code, text_out = run("review", "monthly", "-w", str(ws), "--month", "2026-10",
                         "--as-of", BOUND.isoformat())
    assert code == 0
    assert "weeks: 10-05" in text_out
    assert "10-26" not in text_out.split("builders")[1]
    assert "the month is the mean of its 3 complete weeks, Oct 05–Oct 25" in text_out
    md = ws / "monthly.md"
    code, _ = run("report", "monthly", "-w", str(ws), "--month", "2026-10", "--as-of",
                  BOUND.isoformat(), "-o", str(md))
    assert code == 0
    section = md.read_text(encoding="utf-8").split("## builders")[1]
    assert "2026-10-26" not in section
    assert "- the month is the mean of its 3 complete weeks, Oct 05–Oct 25" in section
    page = ws / "monthly.html"
    code, _ = run("report", "monthly", "-w", str(ws), "--month", "2026-10", "--as-of",
                  BOUND.isoformat(), "-o", str(page))
    assert code == 0
    html = page.read_text(encoding="utf-8").split('data-kr="builders"')[1]
    assert 'data-covers="1">The month is the mean of its 3 complete weeks, Oct 05–Oct 25' in html
    assert "26 Oct" not in html.split("</section>")[0]


def test_the_check_in_and_objective_pages_say_what_the_dashboard_says(ws: Path) -> None:
    """Every page colours a KR's progress by its status word and says how far the data
    reaches. The check-in card coloured by pace against a fixed 70% (a 67% bar green beside
    a dashboard "at risk"), the objective page by the calendar, and neither said the data
    had stopped weeks before the week being checked in."""
    assert run("sync", "-w", str(ws))[0] == 0
    with web_client(ws) as client:
        dashboard = client.get("/").text
        checkin = client.get("/periods/2026-Q4/check-in").text
        objective = client.get("/periods/2026-Q4/objectives/grow").text
        alignment = client.get("/periods/2026-Q4/alignment").text
    objective_word = re.search(r'<article class="card objective obj-([a-z-]+)"', dashboard)
    assert objective_word is not None
    node = alignment.split('href="/periods/2026-Q4/objectives/grow"')[1].split("</li>")[0]
    assert f'class="word word-{objective_word.group(1)}"' in node
    assert f'<div class="progress {objective_word.group(1)}"' in node
    words = {
        kr: word for word, kr in re.findall(
            r'<li data-status="([a-z ]+)">\s*<div class="kr-head">.*?'
            r'href="/periods/2026-Q4/key-results/([\w-]+)"', dashboard, re.S)}
    assert set(words) == {"act", "tickets-total"}
    for kr, word in words.items():
        css = word.replace(" ", "-")
        card = checkin.split(f'data-kr="{kr}"')[1].split("</article>")[0]
        assert f'class="word word-{css}"' in card
        assert f'<div class="progress {css}"' in card
        row = objective.split(f'/key-results/{kr}"')[1].split("</tr>")[0]
        assert f'class="word word-{css}"' in row
        assert f'<div class="progress {css}"' in row
    # the data ends on Wednesday 18 Nov; the check-in is for the week of today
    for page in (checkin, objective):
        assert "Data through <strong>18 Nov 2026</strong>" in page
    assert "not yet for this week: the data ends 18 Nov" in checkin


def test_the_metrics_page_shows_each_definition_as_written_and_what_reads_it(
        ws: Path) -> None:
    """A KR page links its metric to /metrics; that page showed a type and a description
    nobody had written. It shows the lines of metrics.yaml that define the metric, its
    outcome window, and the KRs of the period that read it."""
    with web_client(ws) as client:
        page = client.get("/metrics").text
        kr_page = client.get("/periods/2026-Q4/key-results/act").text
    assert 'href="/metrics#activation"' in kr_page
    section = page.split('id="activation"')[1].split("</section>")[0]
    assert "conversion · leading indicator · 7-day outcome window" in section
    assert ("activation:\n  type: conversion\n  entity: account_id\n"
            "  from: {event: signup}\n  to: {event: project_created}\n  within: 7d") in section
    assert "metrics.yaml:2:3" in section
    assert 'href="/periods/2026-Q4/key-results/act"' in section
    unused = page.split('id="typo_tickets"')[1].split("</section>")[0]
    assert "No key result or guardrail of 2026-Q4 reads it." in unused


def test_the_plan_page_says_why_a_check_has_no_figure(ws: Path) -> None:
    """Q3 starts eleven days after the events do: the ambition check has three weeks of
    history and gives no chance. The plan page showed a bare "–"; it says why."""
    (ws / "okrs" / "2026-Q3.yaml").write_text("""\
period: 2026-Q3
objectives:
  - id: early
    title: New accounts get value fast
    team: growth
    key_results:
      - id: act-q3
        title: Raise 7-day activation of new accounts from 30% to 40%
        metric: activation
        baseline: 0.30
        target: 0.40
""", encoding="utf-8")
    code, out = run("apply", "-w", str(ws))
    assert code == 0, out
    with web_client(ws) as client:
        plan = client.get("/periods/2026-Q3/plan").text
    row = plan.split('data-kr="act-q3"')[1].split("</tr>")[0]
    # the weeks of Jun 15 (two days of events), Jun 22 and Jun 29 (two days before Q3), as
    # lint's SW108/SW109 and the stored check count them
    assert ('data-why="ambition">only 3 weeks of history before the period; the ambition '
            "check needs 6") in row
    assert 'data-why="detectability">' in row
    assert "cohorts need 7 days" not in row  # a note, not the reason there is no answer
    # the typed 30% (the generator's rate) against 40.6% measured over the few accounts
    # whose 7 days had passed by Jul 1: within that measurement's noise, so nothing to look
    # at (it was flagged as a different starting point before the noise test)
    assert "<td>40.6%</td>" in row
    assert "the typed baseline is not what the data measured" not in row
    assert "1 ready · 0 to look at" in plan, row


def test_the_forecast_dates_a_latest_week_earlier_than_its_header(ws: Path) -> None:
    """The header says "weekly series to the week of 2026-11-09"; a 7-day activation's latest
    settled week is Nov 2 (Nov 9's signups are still inside their window on the 18th), and
    its 'latest week' figure was shown undated, as if it were Nov 9's."""
    assert run("sync", "-w", str(ws), "--as-of", BOUND.isoformat())[0] == 0
    code, out = run("forecast", "-w", str(ws))
    assert code == 0, out
    assert "weekly series to the week of 2026-11-09" in out
    act = next(line for line in out.splitlines() if line.startswith("act "))
    tickets = next(line for line in out.splitlines() if line.startswith("tickets-total"))
    assert "(Nov 02)" in act
    assert "(Nov" not in tickets  # a count's latest week is the header's


def test_an_unknown_ambition_says_why() -> None:
    from sowhat.cli.forecast import _no_change
    from sowhat.services.forecasts import AmbitionView

    view = AmbitionView(verdict="unknown", probability=None, projected=None, low=None,
                        high=None, history_weeks=2,
                        message="only 2 weeks of history before the period; the ambition "
                                "check needs 6")
    assert _no_change(view) == ("unknown: only 2 weeks of history before the period; the "
                                "ambition check needs 6")
    known = AmbitionView(verdict="ambitious", probability=0.42, projected=0.5, low=0.4,
                         high=0.6, history_weeks=8, message="...")
    assert _no_change(known) == "ambitious (42%)"
