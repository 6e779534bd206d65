"""Incremental sync stores exactly what a full recompute stores.

A workspace receives its events in a random sequence of ingests — day after day, with late
events for old weeks, re-sent duplicates, rows deleted from the store and a metric redefined
halfway — and is synced incrementally after each. At the end, a second database is filled by
one `full=True` sync over the same events: every stored check-in value, series point and
measure must be identical. The catalog has every metric type (window-local ones and cohort
ones that read all history), a ratio, a property segment and a trait segment, and KRs with
level (7 and 28 days) and cumulative measures.
"""

from __future__ import annotations

import json
import random
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import text
from sync_testing import sync_workspace

from sowhat.metrics.ingest import ingest, reindex
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import Database, open_database

METRICS = """\
metrics:
  signups: {type: count, event: signup}
  mid_signups: {type: count, event: signup, where: {property: plan, in: [mid]}}
  accounts: {type: unique, entity: account_id, event: visit}
  weekly_active: {type: active, entity: account_id, event: visit, per: week}
  daily_active: {type: active, entity: user_id, event: visit, per: day}
  revenue: {type: sum, event: purchase, property: amount}
  basket: {type: average, event: purchase, property: amount}
  basket_p90: {type: average, event: purchase, property: amount, statistic: p90}
  nps: {type: nps, entity: user_id, event: survey, property: score}
  activation:
    type: conversion
    entity: account_id
    from: {event: signup}
    to: {event: purchase}
    within: 3d
  returning:
    type: retention
    entity: user_id
    start: {event: signup}
    return: {event: visit}
    day: 7
  time_to_buy:
    type: duration
    entity: account_id
    from: {event: signup}
    to: {event: purchase}
    statistic: median
    unit: hours
    within: 5d
  revenue_per_signup: {type: ratio, numerator: revenue, denominator: signups}
  churned:
    type: churn
    entity: account_id
    start: {event: signup}
    end: {event: cancel}
    per: month
  lapsed: {type: churn, entity: account_id, active: {event: visit}, per: week}
segments:
  mid: {property: plan, in: [mid]}
  pro: {trait: tier, equals: pro}
"""

REDEFINED = METRICS.replace("within: 3d", "within: 2d").replace(
    "revenue: {type: sum, event: purchase, property: amount}",
    "revenue: {type: sum, event: purchase, property: amount, where: {property: plan, in: [mid]}}")

KRS = [  # (metric, segment, measure line)
    ("signups", None, ""), ("signups", None, "measure: level\n        over: 7d"),
    ("mid_signups", "mid", ""), ("accounts", None, ""), ("accounts", "pro", ""),
    ("weekly_active", None, ""), ("daily_active", None, "measure: level\n        over: 7d"),
    ("revenue", None, ""), ("revenue", None, "measure: level\n        over: 28d"),
    ("basket", "mid", ""), ("basket_p90", None, ""), ("nps", None, ""),
    ("activation", None, ""), ("activation", "mid", ""), ("activation", "pro", ""),
    ("returning", None, ""), ("time_to_buy", None, ""), ("revenue_per_signup", None, ""),
    ("churned", None, ""), ("churned", "mid", ""), ("lapsed", None, ""),
]

FIRST_DAY = date(2026, 8, 20)
PERIOD_START = date(2026, 10, 1)


def okrs() -> str:
    lines = ["period: 2026-Q4", "objectives:", "  - id: grow", "    title: Grow",
             "    team: growth", "    owner: ana@example.com", "    key_results:"]
    for n, (metric, segment, measure) in enumerate(KRS):
        lines += [f"      - id: kr{n}", f"        title: Move {metric} number {n}",
                  f"        metric: {metric}", "        baseline: 0.1", "        target: 0.2"]
        if segment:
            lines.append(f"        segment: {segment}")
        if measure:
            lines.append(f"        {measure}")
    return "\n".join(lines) + "\n"


CONFIG = """\
[workspace]
name = "Incremental test"

[teams.growth]
name = "Growth"
"""


def day_rows(rng: random.Random, day: date, serial: list[int]) -> list[dict[str, Any]]:
    """One day of events: signups that may buy and come back, visits, surveys."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    for _ in range(rng.randint(2, 6)):
        serial[0] += 1
        n = serial[0]
        account, user = f"a{n % 40}", f"u{n}"
        plan = rng.choice(["mid", "small"])
        at = midnight + timedelta(minutes=rng.randrange(24 * 60))
        rows.append(_row("signup", at, user, account, {"plan": plan}))
        if rng.random() < 0.5:
            rows.append(_row("purchase", at + timedelta(hours=rng.randrange(1, 100)), user,
                             account, {"plan": plan, "amount": rng.randint(5, 500)}))
        if rng.random() < 0.4:
            rows.append(_row("visit", at + timedelta(days=7, hours=rng.randrange(20)), user,
                             account, {}))
        if n % 4 == 0:  # a cancellation weeks later (no draw: the other events stay put)
            rows.append(_row("cancel", at + timedelta(days=n % 45, hours=2), user, account,
                             {}))
    for _ in range(rng.randint(3, 10)):
        user = f"u{rng.randrange(1, serial[0] + 1)}"
        rows.append(_row("visit", midnight + timedelta(minutes=rng.randrange(24 * 60)), user,
                         f"a{rng.randrange(40)}", {}))
    if rng.random() < 0.5:
        rows.append(_row("survey", midnight + timedelta(hours=rng.randrange(24)),
                         f"u{rng.randrange(1, serial[0] + 1)}", None,
                         {"score": rng.randint(0, 10)}))
    if rng.random() < 0.2:  # an account's tier changes (a trait, with history)
        rows.append({"type": "identify", "userId": f"u{rng.randrange(1, serial[0] + 1)}",
                     "timestamp": _iso(midnight + timedelta(hours=rng.randrange(24))),
                     "traits": {"tier": rng.choice(["pro", "free"])}})
    return rows


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _row(event: str, at: datetime, user: str, account: str | None,
         props: dict[str, Any]) -> dict[str, Any]:
    row = {"event": event, "timestamp": _iso(at), "user_id": user, "account_id": account,
           "properties": props}
    row["message_id"] = f"{event}-{user}-{_iso(at)}-{json.dumps(props, sort_keys=True)}"
    return row


def write(root: Path, rows: list[dict[str, Any]], name: str) -> None:
    path = root / "data" / f"{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ingest([path], store=root / ".sowhat" / "events.duckdb", allow_future=True)


def setup(root: Path) -> None:
    (root / "okrs").mkdir(parents=True)
    (root / "okrs" / "2026-Q4.yaml").write_text(okrs(), encoding="utf-8")
    (root / "metrics.yaml").write_text(METRICS, encoding="utf-8")
    (root / "sowhat.toml").write_text(CONFIG, encoding="utf-8")


def stored(root: Path) -> dict[str, list[tuple[Any, ...]]]:
    ws = load_workspace(root)
    db: Database = open_database(ws.config.database_url(ws.root), create=False)
    queries = {
        "checkins": "SELECT k.key, c.week, c.value FROM check_ins c JOIN key_results k "
                    "ON k.id = c.key_result_id WHERE c.value IS NOT NULL ORDER BY 1, 2",
        "series": "SELECT k.key, s.week, s.phase, s.value, s.entities, s.n, s.sum, "
                  "s.sum_squares FROM kr_series s JOIN key_results k "
                  "ON k.id = s.key_result_id ORDER BY 1, 2",
        "measures": "SELECT k.key, m.measure, m.over_days, m.window_start, m.window_end, "
                    "m.current, m.entities, m.measured_baseline, m.baseline_start, "
                    "m.baseline_end, m.metric_hash FROM kr_measures m JOIN key_results k "
                    "ON k.id = m.key_result_id ORDER BY 1",
    }
    try:
        with db.engine.connect() as conn:
            return {name: [tuple(r) for r in conn.execute(text(sql))]
                    for name, sql in queries.items()}
    finally:
        db.dispose()


def delete_some(root: Path, rng: random.Random, before: date) -> None:
    """Rows removed from the store by hand (a privacy request): a few events of one old day."""
    day = FIRST_DAY + timedelta(days=rng.randrange((before - FIRST_DAY).days))
    con = duckdb.connect(str(root / ".sowhat" / "events.duckdb"))
    try:
        con.execute("DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE "
                    "CAST(timestamp AS DATE) = ? ORDER BY dedupe_key LIMIT 3)", [day])
    finally:
        con.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_syncs_store_what_a_full_recompute_stores(tmp_path: Path,
                                                              seed: int) -> None:
    rng = random.Random(seed)
    root = tmp_path / "incremental"
    setup(root)
    serial = [0]
    days = [FIRST_DAY + timedelta(days=i) for i in range(90)]
    held_back: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []
    write(root, [r for d in days[:50] for r in day_rows(rng, d, serial)], "history")
    computed_total, syncs, redefined_at = 0, 0, rng.randrange(54, 80)
    for i, day in enumerate(days[50:], start=50):
        rows = day_rows(rng, day, serial)
        if rng.random() < 0.3:  # some of today's events arrive a few days late
            held_back += rows[: len(rows) // 3]
            rows = rows[len(rows) // 3:]
        if held_back and rng.random() < 0.3:
            rows += held_back
            held_back = []
        if sent and rng.random() < 0.3:  # a client re-sends old events: deduplicated
            rows += rng.sample(sent, min(5, len(sent)))
        if rng.random() < 0.15:  # a late event for a week long finished
            old = days[rng.randrange(40, i - 7)]
            rows += day_rows(rng, old, serial)[:2]
        if rng.random() < 0.2:  # a CRM backfill: a user's tier as of a past day
            rows.append({"type": "identify", "userId": f"u{rng.randrange(1, serial[0] + 1)}",
                         "timestamp": _iso(_midnight(days[rng.randrange(40, i)])),
                         "traits": {"tier": rng.choice(["pro", "free"])}})
        sent += [r for r in rows if "event" in r]
        write(root, rows, f"day{i}")
        if rng.random() < 0.1:
            delete_some(root, rng, day)
        if i == redefined_at:
            (root / "metrics.yaml").write_text(REDEFINED, encoding="utf-8")
        if rng.random() < 0.6 or i == len(days) - 1:  # not every day is synced
            report = sync_workspace(root, _midnight(day + timedelta(days=1)))
            assert not report.errors, report.errors
            computed_total += sum(k.weeks_computed for k in report.key_results)
            syncs += 1
    as_of = _midnight(days[-1] + timedelta(days=1))

    fresh = tmp_path / "full"
    shutil.copytree(root, fresh)
    (fresh / ".sowhat" / "sowhat.db").unlink(missing_ok=True)
    for leftover in (fresh / ".sowhat").glob("*.db*"):
        leftover.unlink()
    full = sync_workspace(fresh, as_of, full=True)
    assert not full.errors
    assert stored(root) == stored(fresh)
    # And a full recompute over the incrementally kept store changes nothing.
    again = sync_workspace(root, as_of, full=True)
    assert again.checkins_written == 0
    assert stored(root) == stored(fresh)
    # Incremental work really was less than recomputing every week on every sync.
    weeks = sum(k.weeks_computed for k in full.key_results)
    assert 0 < computed_total < syncs * weeks / 2


def test_a_late_event_recomputes_exactly_the_weeks_whose_windows_read_its_day(
    tmp_path: Path,
) -> None:
    rng = random.Random(7)
    root = tmp_path / "ws"
    setup(root)
    serial = [0]
    end = date(2026, 11, 30)  # a Monday
    write(root, [r for d in range((end - FIRST_DAY).days)
                 for r in day_rows(rng, FIRST_DAY + timedelta(days=d), serial)], "all")
    as_of = _midnight(end)
    sync_workspace(root, as_of)
    late = date(2026, 10, 21)  # a Wednesday in the week of Oct 19
    write(root, [_row("signup", _midnight(late) + timedelta(hours=5), "late", "a1",
                      {"plan": "mid"})], "late")
    report = sync_workspace(root, as_of)
    by_kr = {k.kr_id: k.weeks_computed for k in report.key_results}
    # signups, cumulative: the week of Oct 19 and every week after it (their totals include
    # it): Oct 19, 26, Nov 2, 9, 16, 23.
    assert by_kr["kr0"] == 6
    # signups, 7-day level: only the week whose trailing 7 days hold Oct 21 (ends Oct 26),
    # plus the current week, always refreshed (here the same as-of, so 1 + 1).
    assert by_kr["kr1"] == 2
    # visits are untouched: their weeks were kept (only the current week is refreshed).
    assert by_kr["kr3"] == 1
    assert by_kr["kr5"] == 1
    # a cohort metric reads all history before its window's end: Oct 19 onwards.
    assert by_kr["kr12"] >= 2


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def test_an_old_day_edited_in_place_is_caught_by_full_and_after_reindex(tmp_path: Path) -> None:
    """Ingest keeps the store's per-day ledger; a row edited by hand (same row count) is the
    one change an incremental sync cannot see. `--full` recomputes from the rows and says the
    ledger is stale; after `sowhat ingest --reindex` incremental syncs agree with full again
    — and a late event for an old week and a new day are picked up as usual."""
    rng = random.Random(11)
    root = tmp_path / "ws"
    setup(root)
    serial = [0]
    end = date(2026, 11, 30)
    write(root, [r for d in range((end - FIRST_DAY).days)
                 for r in day_rows(rng, FIRST_DAY + timedelta(days=d), serial)], "all")
    as_of = _midnight(end)
    sync_workspace(root, as_of)
    before = stored(root)
    with duckdb.connect(str(root / ".sowhat" / "events.duckdb")) as con:
        # Moved to the next day (the week of Oct 19 keeps its count, the days do not).
        con.execute("UPDATE events SET timestamp = timestamp + INTERVAL 1 DAY "
                    "WHERE event = 'signup' AND CAST(timestamp AS DATE) = DATE '2026-10-20'")
    assert not sync_workspace(root, as_of).stale_ledger
    assert stored(root) == before  # the documented blind spot of incremental syncs
    full = sync_workspace(root, as_of, full=True)
    assert full.stale_ledger
    after_full = stored(root)
    assert after_full != before
    reindex(root / ".sowhat" / "events.duckdb")
    assert not sync_workspace(root, as_of, full=True).stale_ledger
    # A late event for an old week, then a new day: incremental equals a fresh full sync.
    write(root, [_row("purchase", _midnight(date(2026, 10, 22)) + timedelta(hours=3), "u1",
                      "a1", {"plan": "mid", "amount": 900})], "late")
    write(root, day_rows(rng, end, serial), "new-day")
    incremental = sync_workspace(root, as_of + timedelta(days=1))
    assert sum(k.weeks_computed for k in incremental.key_results) > 0
    fresh = tmp_path / "full"
    shutil.copytree(root, fresh)
    for leftover in (fresh / ".sowhat").glob("*.db*"):
        leftover.unlink()
    sync_workspace(fresh, as_of + timedelta(days=1), full=True)
    assert stored(root) == stored(fresh)


def test_a_late_event_recomputes_only_its_days_partial_and_agrees_with_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The growing windows (measure windows, the current week's point, guardrails) are merged
    from per-day rows (sowhat.services.sync.partials). A late purchase for an old day of the
    period recomputes that one day for the sum metric, not the window, and every stored value
    still equals a full recompute from the rows."""
    from sowhat.services.sync import partials

    rng = random.Random(5)
    root = tmp_path / "ws"
    setup(root)
    serial = [0]
    end = date(2026, 11, 30)
    write(root, [r for d in range((end - FIRST_DAY).days)
                 for r in day_rows(rng, FIRST_DAY + timedelta(days=d), serial)], "all")
    as_of = _midnight(end)
    sync_workspace(root, as_of)
    assert (root / ".sowhat" / "cache" / "partials" / "partials.json").exists()
    asked: list[tuple[str, datetime, datetime]] = []
    real = partials.run_windows

    def recording(items, **kw):  # type: ignore[no-untyped-def]
        asked.extend((req.metric, start, end) for req, start, end, _ in items)
        return real(items, **kw)

    monkeypatch.setattr(partials, "run_windows", recording)
    write(root, [_row("purchase", _midnight(date(2026, 10, 22)) + timedelta(hours=3), "u1",
                      "a1", {"plan": "mid", "amount": 900})], "late")
    sync_workspace(root, as_of)
    late = datetime(2026, 10, 22)
    revenue = [(s, e) for m, s, e in asked if m == "revenue"]
    assert revenue == [(late, late + timedelta(days=1))]  # one day, whatever the windows
    assert not [m for m, *_ in asked if m == "signups"]  # no signup day changed
    fresh = tmp_path / "full"
    shutil.copytree(root, fresh)
    for leftover in (fresh / ".sowhat").glob("*.db*"):
        leftover.unlink()
    sync_workspace(fresh, as_of, full=True)
    assert stored(root) == stored(fresh)
    assert not (fresh / ".sowhat" / "cache" / "partials" / "partials.json").exists()


def test_a_late_event_in_a_history_week_recomputes_its_day_not_the_week(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A short run of stale history weeks (here a late purchase for a week before the
    period; daily, a long cohort's maturing week) is merged from day rows like the period's
    points: the sync's day query computes the one day the event landed on, no weekly query
    re-reads the week, and every stored value still equals a full recompute."""
    from sowhat.services.sync import partials, run

    rng = random.Random(11)
    root = tmp_path / "ws"
    setup(root)
    serial = [0]
    end = date(2026, 11, 30)
    write(root, [r for d in range((end - FIRST_DAY).days)
                 for r in day_rows(rng, FIRST_DAY + timedelta(days=d), serial)], "all")
    as_of = _midnight(end)
    sync_workspace(root, as_of)
    days: list[tuple[str, datetime, datetime, str | None]] = []
    weekly: list[tuple[str, datetime, datetime]] = []
    real_days, real_weekly = partials.run_windows, run.compute_many

    def recording_days(items, **kw):  # type: ignore[no-untyped-def]
        days.extend((req.metric, start, end, kw["grain"]) for req, start, end, _ in items)
        return real_days(items, **kw)

    def recording_weekly(requests, **kw):  # type: ignore[no-untyped-def]
        weekly.extend((r.metric, kw["start"], kw["end"]) for r in requests)
        return real_weekly(requests, **kw)

    monkeypatch.setattr(partials, "run_windows", recording_days)
    monkeypatch.setattr(run, "compute_many", recording_weekly)
    late = datetime(2026, 9, 16)  # a Wednesday before the period's start (1 October)
    write(root, [_row("purchase", _midnight(late.date()) + timedelta(hours=5), "u2", "a2",
                      {"plan": "mid", "amount": 700})], "late")
    sync_workspace(root, as_of)
    assert [(s, e) for m, s, e, g in days if m == "revenue"] == [
        (late, late + timedelta(days=1))]
    # its history week is not read whole (cohorts whose outcome windows read the day span
    # three weeks and more: a run that long keeps the weekly query)
    assert not [w for w in weekly if w[0] == "revenue"]
    assert weekly
    fresh = tmp_path / "full"
    shutil.copytree(root, fresh)
    for leftover in (fresh / ".sowhat").glob("*.db*"):
        leftover.unlink()
    sync_workspace(fresh, as_of, full=True)
    assert stored(root) == stored(fresh)
    revenue_week = [r for r in stored(root)["series"]
                    if str(r[1]) == "2026-09-14" and r[2] == "history"]
    assert revenue_week  # the history week is stored, and equal to the full recompute's


GUARDED = [("accounts", None), ("accounts", "pro"), ("nps", None), ("nps", "mid")]
"""Guardrails of distinct entities (unique, NPS; a trait segment and a property segment no
survey carries): their pre-periods are read from kept latest-day tails."""


def _guarded_okrs() -> str:
    rails = "".join(
        f"      - {{metric: {m}, max_change: \"+10%\"{f', segment: {s}' if s else ''}}}\n"
        for m, s in GUARDED)
    return okrs().replace("    key_results:\n", "    guardrails:\n" + rails + "    key_results:\n")


def _pre_period_values(root: Path, as_of: datetime) -> list[float | None]:
    """Each guardrail's pre-period as its own query: [start - elapsed, start) as of start."""
    from sowhat.metrics.engine import MetricRequest, compute_many
    from sowhat.services.events import open_events

    ws = load_workspace(root)
    assert ws.metrics is not None
    start = _midnight(PERIOD_START)
    events = open_events(ws)
    try:
        results = compute_many([MetricRequest(m, s) for m, s in GUARDED], catalog=ws.metrics,
                               events=events, start=start - (as_of - start), end=start,
                               as_of=start)
    finally:
        events.close()
    return [r.values[0].value if r.values else None for r in results]


def test_a_guardrail_pre_period_of_distinct_entities_is_kept_until_its_days_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A guardrail's pre-period grows one day earlier each day, so for unique and NPS
    metrics (no per-day merge) it was a query every sync. Its days now come from a kept tail
    of latest-day rows (sowhat.metrics.query.LATEST_DAY): the next days' syncs ask nothing
    that ends at the period start, yet each baseline equals the window's own query; a late
    event before the period and a redefinition are picked up at once."""
    from sowhat.services.sync import partials

    rng = random.Random(3)
    root = tmp_path / "ws"
    setup(root)
    (root / "okrs" / "2026-Q4.yaml").write_text(_guarded_okrs(), encoding="utf-8")
    serial = [0]
    first_sync = date(2026, 11, 10)
    # One-off visitors and one-off answers on each day a pre-period below starts with: a
    # window one day short (or long) at its start counts them wrongly.
    edges = [(_midnight(PERIOD_START - timedelta(days=d)) + timedelta(hours=d), f"edge{d}")
             for d in range(39, 46)]
    write(root, [r for d in range((first_sync - FIRST_DAY).days)
                 for r in day_rows(rng, FIRST_DAY + timedelta(days=d), serial)]
          + [r for at, who in edges
             for r in (_row("visit", at, who, who, {}),
                       _row("survey", at, who, None, {"score": 10}))], "all")
    asked: list[tuple[str, str | None, datetime, str | None]] = []
    real = partials.run_windows

    def recording(items, **kw):  # type: ignore[no-untyped-def]
        asked.extend((req.metric, req.segment, end, kw.get("grain")) for req, _, end, _ in items)
        return real(items, **kw)

    monkeypatch.setattr(partials, "run_windows", recording)
    start = datetime(PERIOD_START.year, PERIOD_START.month, PERIOD_START.day)

    def synced(day: date) -> list[float | None]:
        asked.clear()
        report = sync_workspace(root, _midnight(day))
        assert not report.errors
        got = [next(g.baseline for g in report.guardrails if (g.metric, g.segment) == rail)
               for rail in GUARDED]
        assert got == _pre_period_values(root, _midnight(day))
        return got

    synced(first_sync)
    assert ("accounts", None, start, "latest_day") in asked  # the tails, computed once
    for offset in range(1, 3):  # new days: the pre-period grows, nothing before is read
        day = first_sync + timedelta(days=offset)
        write(root, [r for r in day_rows(rng, day - timedelta(days=1), serial)
                     if "event" in r], f"day{offset}")  # (an identify would re-key
        # the trait segment's tail: it reads the trait tables)
        synced(day)
        assert not [a for a in asked if a[2] == start], asked
    before = synced(day)
    # A late visit by a new account and a late detractor, both inside the pre-period.
    late = _midnight(PERIOD_START - timedelta(days=5)) + timedelta(hours=3)
    write(root, [_row("visit", late, "u-late", "a-late", {}),
                 _row("survey", late, "u-late", None, {"score": 0})], "late")
    after = synced(day)
    assert ("accounts", None, start, "latest_day") in asked
    assert after[0] == before[0] + 1
    assert after[2] != before[2]
    (root / "metrics.yaml").write_text(
        METRICS.replace("accounts: {type: unique, entity: account_id, event: visit}",
                        "accounts: {type: unique, entity: user_id, event: visit}"),
        encoding="utf-8")
    redefined = synced(day)
    assert redefined[0] != after[0]


def test_a_churn_window_is_kept_until_an_event_reaches_its_complete_periods(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A churn (or active) value counts only the whole periods inside its window, so it is
    keyed by their span (sowhat.services.sync.inputs): a new day in November leaves the
    monthly churn's trailing window — whose only complete month is October — unqueried,
    though the window moved a day; a late cancellation dated in October recomputes it, and
    every stored value equals a full recompute (a key that left out any of October's days,
    or any earlier one, would keep the old value)."""
    from sowhat.services.sync import partials, run

    rng = random.Random(13)
    root = tmp_path / "ws"
    setup(root)
    serial = [0]
    first_sync = date(2026, 11, 11)
    write(root, [r for d in range((first_sync - FIRST_DAY).days)
                 for r in day_rows(rng, FIRST_DAY + timedelta(days=d), serial)
                 if "event" in r and r["timestamp"] < _iso(_midnight(first_sync))], "all")
    asked: list[str] = []
    real_windows, real_weekly = partials.run_windows, partials.compute_many

    def recording(items, **kw):  # type: ignore[no-untyped-def]
        asked.extend(req.metric for req, *_ in items)
        return real_windows(items, **kw)

    def recording_weekly(requests, **kw):  # type: ignore[no-untyped-def]
        asked.extend(r.metric for r in requests)
        return real_weekly(requests, **kw)

    monkeypatch.setattr(partials, "run_windows", recording)
    monkeypatch.setattr(partials, "compute_many", recording_weekly)
    monkeypatch.setattr(run, "compute_many", recording_weekly)

    def churn(report: Any) -> float | None:
        return next(k.value for k in report.key_results if k.metric == "churned"
                    and k.segment is None)

    def agrees_with_full(as_of: datetime) -> None:
        fresh = tmp_path / f"full-{as_of:%m%d}-{len(asked)}"
        shutil.copytree(root, fresh)
        for leftover in (fresh / ".sowhat").glob("*.db*"):
            leftover.unlink()
        sync_workspace(fresh, as_of, full=True)
        assert stored(root) == stored(fresh)

    sync_workspace(root, _midnight(first_sync))
    # The new day, with a signup and the cancellation of a customer of October.
    new_day = _midnight(first_sync) + timedelta(hours=9)
    write(root, [_row("signup", new_day, "u-new", "a-new", {"plan": "mid"}),
                 _row("cancel", new_day, "u1", "a1", {})], "new-day")
    asked.clear()
    as_of = _midnight(first_sync + timedelta(days=1))
    before = churn(sync_workspace(root, as_of))
    assert before is not None
    assert "churned" not in asked  # the windows moved a day; their October did not
    assert "lapsed" not in asked  # nor did the weekly churn's complete weeks: none ended
    agrees_with_full(as_of)
    # A late cancellation of a customer (signed up in August), dated in October.
    write(root, [_row("signup", _midnight(date(2026, 8, 21)), "u-old", "a-old", {}),
                 _row("cancel", _midnight(date(2026, 10, 20)), "u-old", "a-old", {})],
          "late")
    asked.clear()
    after = churn(sync_workspace(root, as_of))
    assert "churned" in asked
    assert after is not None
    assert after > before
    agrees_with_full(as_of)
