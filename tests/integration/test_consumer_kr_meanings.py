"""A consumer app's KRs through the CLI — DAU/MAU stickiness, NPS, day-7 retention and a
streak-reminder bet — checked against hand computations on events generated here: numbers
that are right by definition must also be right in meaning (a stickiness KR that can never
be read, an NPS noise spike called a wrong baseline, cohorts read with a bet live counted as
"before" it)."""

from __future__ import annotations

import json
import random
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sowhat.errors import SpecError
from sowhat.metrics.ingest import ingest
from tests.integration.test_kr_measures import (  # noqa: F401
    _wide_console,
    krs,
    run,
    status,
    web_client,
)

LAST_EVENT = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)  # a Wednesday afternoon
BOUND = LAST_EVENT + timedelta(microseconds=1)
FIRST_DAY = date(2026, 6, 1)

METRICS = """\
metrics:
  dau: {type: active, entity: user_id, event: session_start, per: day}
  mau: {type: active, entity: user_id, event: session_start, per: month}
  stickiness: {type: ratio, numerator: dau, denominator: mau, unit: percent}
  nps: {type: nps, event: nps_answered}
  nps_email: {type: nps, event: nps_emailed}
  day7_lessons:
    type: retention
    entity: user_id
    start: {event: signup}
    return: {event: lesson_started}
    day: 7
"""

OKRS = """\
period: 2026-Q4
objectives:
  - id: habit
    title: Learners build a daily habit
    team: product
    key_results:
      - id: stickiness
        title: Raise DAU/MAU stickiness from 38% to 42%
        metric: stickiness
        baseline: 0.38
        target: 0.42
      - id: nps-in-app
        title: Raise in-app NPS from 10 to 20
        metric: nps
        baseline: 10
        target: 20
      - id: nps-email
        title: Raise emailed NPS from 10 to 20
        metric: nps_email
        baseline: 10
        target: 20
      - id: day7
        title: Raise day-7 lesson retention of new learners from 20% to 30%
        metric: day7_lessons
        baseline: 0.20
        target: 0.30
    bets:
      - id: streak-reminder
        title: Streak reminder push notification
        hypothesis: Reminded learners come back on day 7
        expects: {key_result: day7, change: +0.1}
        change_mind_if: Day-7 retention within 2 points of before
        status: shipped
        shipped_on: 2026-10-19
      - id: daily-goal
        title: A daily goal on the home screen
        hypothesis: A visible goal brings learners back every day
        expects: {key_result: stickiness, change: +0.03}
        status: idea
"""

CONFIG = """\
[workspace]
name = "Streakly"

[teams.product]
name = "Product"
"""


def _at(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, 7, tzinfo=UTC) + timedelta(
        minutes=rng.randrange(15 * 60))


def _answers(event: str, start: date, scores: list[int], rng: random.Random,
             first_user: int) -> list[dict[str, Any]]:
    """One answer per user, spread over the 28 days from `start`."""
    return [{"event": event, "timestamp": _at(start + timedelta(days=i % 28), rng).isoformat(),
             "user_id": f"r{first_user + i}", "properties": {"score": s}}
            for i, s in enumerate(scores)]


LAUNCH = datetime(2026, 10, 19, tzinfo=UTC)  # the streak reminder, a Monday


def _signups() -> list[dict[str, Any]]:
    """20 signups a day (01:00 to 20:00); two in ten start a lesson on their day 7 while the
    reminder is off, four in ten once it is live — the day-7 return itself, so the signups of
    the week before the launch (Oct 12-18) return at 40% with the reminder live."""
    rows: list[dict[str, Any]] = []
    day, n = FIRST_DAY, 0
    while (midnight := datetime(day.year, day.month, day.day, tzinfo=UTC)) <= LAST_EVENT:
        for h in range(1, 21):
            at = midnight + timedelta(hours=h)
            if at > LAST_EVENT:
                break
            n += 1
            rows.append({"event": "signup", "timestamp": at.isoformat(), "user_id": f"s{n}"})
            back = at + timedelta(days=7, minutes=30)
            if n % 10 < (4 if back >= LAUNCH else 2) and back <= LAST_EVENT:
                rows.append({"event": "lesson_started", "timestamp": back.isoformat(),
                             "user_id": f"s{n}"})
        day += timedelta(days=1)
    return rows


def _events() -> list[dict[str, Any]]:
    """150 learners, each with their own daily chance of a session (0.05 to 0.6, weekends a
    third higher). NPS: in the 28 days before the period (Sep 3 - Sep 30) 20 in-app answers
    read +25 (11 promoters, 3 passives, 6 detractors) and 400 emailed answers read +25 too;
    later answers read 0."""
    rng = random.Random(3)
    rows: list[dict[str, Any]] = []
    users = [(f"u{i}", 0.05 + 0.55 * rng.random()) for i in range(150)]
    day = FIRST_DAY
    while (at := datetime(day.year, day.month, day.day, tzinfo=UTC)) <= LAST_EVENT:
        for user, p in users:
            if rng.random() < p * (4 / 3 if day.weekday() >= 5 else 1):
                ts = _at(day, rng)
                if ts <= LAST_EVENT:
                    rows.append({"event": "session_start", "timestamp": ts.isoformat(),
                                 "user_id": user})
        day += timedelta(days=1)
        del at
    spike = [10] * 11 + [8] * 3 + [3] * 6
    rows += _answers("nps_answered", date(2026, 9, 3), spike, rng, 0)
    rows += _answers("nps_emailed", date(2026, 9, 3), spike * 20, rng, 1000)
    rows += _signups()
    later = [10] * 5 + [8] * 5 + [3] * 5
    rows += _answers("nps_answered", date(2026, 10, 20), later, rng, 5000)
    rows += _answers("nps_emailed", date(2026, 10, 20), later, rng, 6000)
    return rows


ROWS = _events()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("consumer") / "ws"
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
    code, out = run("sync", "-w", str(root), "--as-of", BOUND.isoformat())
    assert code == 0, out
    return root


@pytest.fixture
def ws(built: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(built, tmp_path / "ws"))


def _sessions() -> list[tuple[str, datetime]]:
    return [(r["user_id"], datetime.fromisoformat(r["timestamp"])) for r in ROWS
            if r["event"] == "session_start"]


def hand_dau(first: date, last: date) -> float:
    """Mean over the days first..last (inclusive) of the learners with a session that day."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    per_day: dict[date, set[str]] = {d: set() for d in days}
    for user, ts in _sessions():
        if ts.date() in per_day:
            per_day[ts.date()].add(user)
    return sum(len(s) for s in per_day.values()) / len(days)


def hand_mau(year: int, month: int) -> int:
    return len({u for u, ts in _sessions() if (ts.year, ts.month) == (year, month)})


def test_a_dau_mau_stickiness_kr_has_a_value(built: Path) -> None:
    """DAU/MAU is null wherever MAU is, and MAU needs a whole calendar month: over a 28-day
    window of days the KR read "no data yet" all quarter while the monthly review showed 13%
    for the same metric. A ratio with a monthly part is read over whole months, both parts
    over the same ones: as of Wed Nov 18 15:30, October's mean DAU over October's MAU (a
    62-day window of days had divided 61 days' DAU by one month's MAU)."""
    kr = krs(status(built))["stickiness"]
    expected = hand_dau(date(2026, 10, 1), date(2026, 10, 31)) / hand_mau(2026, 10)
    assert kr["current"] == pytest.approx(expected)
    assert kr["over_days"] == 28
    assert kr["standing"]["word"] != "no data yet"
    # measured just before the period the same way: September's DAU over September's MAU
    # (not 62 days' DAU over the mean of August's and September's MAU)
    before = hand_dau(date(2026, 9, 1), date(2026, 9, 30)) / hand_mau(2026, 9)
    assert kr["measured_baseline"] == pytest.approx(before)
    _, out = run("status", "-w", str(built))
    assert "[ratio over 1 complete month, Oct 01–Oct 31]" in out
    # the forecast names the metric's period, not missing history
    code, out = run("forecast", "-w", str(built))
    assert code == 0, out
    assert "a ratio with a monthly active count in it has no weekly values" in out
    assert "only 0 weeks of history" not in out


def test_a_stickiness_window_too_short_for_its_mau_is_refused(ws: Path) -> None:
    """`over: 14d` on DAU/MAU is less than the calendar month its MAU is read over: refused
    at its line, as on MAU itself, instead of a KR whose window silently means a month."""
    path = ws / "okrs" / "2026-Q4.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "        target: 0.42\n", "        target: 0.42\n        over: 14d\n"), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        run("validate", "-w", str(ws))
    text = str(caught.value)
    assert "2026-Q4.yaml:12:15: over: 14d is too short for a ratio with a `per: month` " \
           "active part" in text
    assert "write `over: 28d` or longer" in text


def test_an_nps_baseline_within_its_answers_noise_is_not_called_wrong(built: Path) -> None:
    """20 answers before the period read NPS +25; the learners' NPS runs near 0. SW114 said
    "write `baseline: 25`" of a typed 10 — a suggestion that made "from 10 to 20" a decrease
    — and status warned that progress counts from a wrong start. 20 answers measure an NPS
    only to within about ±42 points, so 10 is not a different claim; 400 answers reading +25
    (±9.5) do make it one."""
    by_id = krs(status(built))
    in_app, email = by_id["nps-in-app"], by_id["nps-email"]
    assert in_app["measured_baseline"] == pytest.approx(25.0)
    assert email["measured_baseline"] == pytest.approx(25.0)
    assert in_app["baseline_trials"] == 20
    assert in_app["baseline_disagrees"] is False
    assert email["baseline_disagrees"] is True
    _, out = run("lint", "-w", str(built))
    sw114 = [line for line in out.splitlines() if "SW114" in line]
    assert len(sw114) == 1, out
    assert "nps_email" in sw114[0]
    assert "measured on 400 answers, it lies within 15.51–34.49 (95%)" in sw114[0]
    _, tree = run("status", "-w", str(built))
    assert "baseline 10 is typed; the data measured 25" in tree  # the emailed one only
    assert tree.count("is typed; the data measured") == 1


def test_a_database_synced_before_nps_baselines_had_answers_measures_them_again(
        ws: Path) -> None:
    """Sync keeps a baseline whose inputs are unchanged: a workspace synced before NPS
    baselines carried their answer count kept flagging the typed 10 in `status` while lint
    no longer did. 0013 forgets the baselines' input keys; the next sync measures again."""
    import sqlite3

    db = ws / ".sowhat" / "sowhat.db"
    with sqlite3.connect(db) as con:  # the state of a database synced before the change
        con.execute("UPDATE kr_measures SET baseline_trials = NULL")
        con.execute("UPDATE alembic_version SET version_num = '0012_recheck_baselines'")
    code, out = run("db", "upgrade", "-w", str(ws))
    assert code == 0, out
    code, out = run("sync", "-w", str(ws), "--as-of", BOUND.isoformat())
    assert code == 0, out
    kr = krs(status(ws))["nps-in-app"]
    assert kr["baseline_trials"] == 20
    assert kr["baseline_disagrees"] is False



def test_impact_leaves_out_cohort_weeks_read_with_the_bet_live(built: Path) -> None:
    """Day-7 retention is 20% for every cohort whose day 7 fell before the reminder and 40%
    after. The signups of Oct 12-18 had their day 7 on Oct 19-25, with it live: counted as
    a week "before", the pre-launch line ended on a 40% week. Left out (with Oct 5-11's, whose
    8-day outcome window also ran past the launch), the jump is the whole +20 points."""
    code, out = run("impact", "streak-reminder", "-w", str(built), "--as-of", "2026-11-18",
                    "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    points = {p["week"]: p for p in data["series"]["treated"]["points"]}
    for week in ("2026-10-05", "2026-10-12"):
        assert points[week]["used"] is False
        assert "outcome window (8 days after signing up) ran past the launch" in \
            points[week]["note"]
    assert points["2026-09-28"]["used"] is True
    # the events begin on Monday Jun 1: 18 whole weeks before, Jun 1 - Sep 28
    assert [p["value"] for p in data["series"]["treated"]["points"]
            if p["used"] and p["phase"] == "pre"] == pytest.approx([0.2] * 18)
    its = data["estimates"][0]
    assert its["effect"] == pytest.approx(0.2, abs=0.01)


def test_detectability_of_a_stickiness_bet_names_the_monthly_part_not_the_data(
        ws: Path) -> None:
    """DAU/MAU has no weekly values because MAU needs a calendar month: `sowhat detectability`
    and the plan page said "no usable weeks of this metric in the events yet", blaming the
    events for what the metric's period is."""
    said = "a ratio with a monthly active count in it has no weekly values"
    code, out = run("detectability", "daily-goal", "-w", str(ws), "--as-of", "2026-11-18")
    assert code == 0, out
    assert said in " ".join(out.split()), out
    assert "no usable weeks" not in out
    with web_client(ws) as client:
        plan = client.get("/periods/2026-Q4/plan").text
    row = plan[plan.index("Raise DAU/MAU stickiness"):plan.index("Raise in-app NPS")]
    assert said in row
    assert "no usable weeks of this metric" not in row
