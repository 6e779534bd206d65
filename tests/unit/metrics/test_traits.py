"""Entity traits: identify/group ingestion, trait files, as-of segments, empty-filter warnings."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sowhat.errors import DataError, UserError
from sowhat.metrics.coverage import filter_warnings
from sowhat.metrics.engine import MetricRequest, compile_sql, compute, compute_many
from sowhat.metrics.ingest import ingest
from sowhat.metrics.source import EventSource
from sowhat.metrics.traits import ingest_traits
from sowhat.spec.metric_defs import MetricsFile

D = datetime


def _ts(t: datetime) -> str:
    return t.isoformat() + "Z"


def track(event: str, t: datetime, user: str | None, account: str | None) -> dict[str, Any]:
    rec: dict[str, Any] = {"type": "track", "event": event, "userId": user, "timestamp": _ts(t),
                           "properties": {}}
    if account:
        rec["context"] = {"groupId": account}
    return rec


def group(user: str | None, account: str, t: datetime, **traits: Any) -> dict[str, Any]:
    return {"type": "group", "userId": user, "groupId": account, "timestamp": _ts(t),
            "traits": traits}


def identify(user: str | None, t: datetime | None, **traits: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {"type": "identify", "userId": user, "traits": traits}
    if t is not None:
        rec["timestamp"] = _ts(t)
    return rec


RECORDS = [
    # a1 upgrades from basic to pro on Nov 1, mid-window; a2 is pro all along; a3 basic
    group("u1", "a1", D(2026, 10, 1), plan="basic", seats=3),
    group("u1", "a1", D(2026, 11, 1), plan="pro", seats=12),
    group("u2", "a2", D(2026, 9, 1), plan="pro", seats=40),
    group("u3", "a3", D(2026, 10, 1), plan="basic"),
    identify("u1", D(2026, 10, 1), role="admin"),
    identify("u2", D(2026, 10, 1), role="viewer"),
    identify("u3", D(2026, 10, 1), role="viewer"),
    identify("u3", D(2026, 10, 15), role="admin"),
    identify(None, D(2026, 10, 1), role="ghost"),  # no userId: a reject
    identify("u9", None, role="late"),  # no timestamp: a reject
    track("report_viewed", D(2026, 10, 10), "u1", "a1"),
    track("report_viewed", D(2026, 10, 20), "u1", "a1"),
    track("report_viewed", D(2026, 10, 25), "u1", None),  # a1 through the group link: basic
    track("report_viewed", D(2026, 11, 1), "u1", "a1"),  # at the upgrade's instant: pro
    track("report_viewed", D(2026, 11, 5), "u1", "a1"),
    track("report_viewed", D(2026, 11, 20), "u1", "a1"),
    track("report_viewed", D(2026, 11, 25), "u1", None),  # a1 through the link: pro
    track("report_viewed", D(2026, 10, 5), "u2", "a2"),
    track("report_viewed", D(2026, 11, 10), "u2", "a2"),
    track("report_viewed", D(2026, 10, 12), "u3", "a3"),
    track("report_viewed", D(2026, 11, 12), "u3", "a3"),
    track("signup", D(2026, 10, 2), "u1", "a1"),
    track("signup", D(2026, 10, 3), "u2", "a2"),
    track("signup", D(2026, 11, 3), "u4", "a1"),
]
CATALOG = MetricsFile.model_validate({
    "metrics": {
        "reports": {"type": "count", "event": "report_viewed"},
        "report_users": {"type": "unique", "entity": "user_id", "event": "report_viewed"},
        "admin_reports": {"type": "count", "event": "report_viewed",
                          "where": {"trait": "role", "equals": "admin"}},
        "big_account_reports": {"type": "count", "event": "report_viewed",
                                "where": {"trait": "seats", "gte": 10}},
        "weekly_reporters": {"type": "active", "entity": "user_id", "event": "report_viewed",
                             "per": "week"},
        "activation": {"type": "conversion", "entity": "user_id", "from": {"event": "signup"},
                       "to": {"event": "report_viewed"}, "within": "7d"},
        "typo": {"type": "count", "event": "report_viewed",
                 "where": {"trait": "plna", "equals": "pro"}},
        "mistyped_value": {"type": "count", "event": "report_viewed",
                           "where": {"trait": "plan", "equals": "Pro"}},
    },
    "segments": {
        "pro": {"trait": "plan", "equals": "pro"},
        "basic": {"trait": "plan", "equals": "basic"},
        "enterprise": {"trait": "plan", "equals": "enterprise"},
    },
})
START, END = D(2026, 10, 1), D(2026, 12, 1)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    target = tmp_path / "events.duckdb"
    report = ingest([path], store=target)
    [f] = report.files
    assert (f.read, f.loaded, f.calls, f.rejected) == (24, 14, 8, 2)
    return target


@pytest.fixture
def src(store: Path) -> Iterator[EventSource]:
    with EventSource.duckdb(store) as s:
        yield s


def _v(src: EventSource, name: str, segment: str | None = None, **kw: Any) -> float | None:
    [v] = compute(name, catalog=CATALOG, events=src, start=kw.pop("start", START),
                  end=kw.pop("end", END), segment=segment, **kw)
    return v.value


def test_identify_and_group_calls_are_stored_with_history(store: Path) -> None:
    with duckdb.connect(str(store), read_only=True) as con:
        plans = con.execute("SELECT id, value, timestamp FROM traits WHERE name = 'plan' "
                            "ORDER BY id, timestamp").fetchall()
        links = con.execute("SELECT * FROM account_links ORDER BY 1, 3").fetchall()
        seats = con.execute("SELECT value FROM traits WHERE name = 'seats' AND id = 'a1' "
                            "ORDER BY timestamp").fetchall()
    assert plans == [("a1", "basic", D(2026, 10, 1)), ("a1", "pro", D(2026, 11, 1)),
                     ("a2", "pro", D(2026, 9, 1)), ("a3", "basic", D(2026, 10, 1))]
    assert links[0] == ("u1", "a1", D(2026, 10, 1))
    assert len(links) == 4
    assert seats == [("3",), ("12",)]


def test_reloading_the_same_calls_changes_nothing(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    before = _dump(store)
    again = ingest([path], store=store)
    assert again.files[0].calls == 8
    assert again.loaded == 0
    assert _dump(store) == before


def _dump(store: Path) -> list[Any]:
    with duckdb.connect(str(store), read_only=True) as con:
        return [con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("traits", "account_links")]


def test_a_trait_segment_follows_the_upgrade_mid_window(src: EventSource) -> None:
    # pro: a1 from Nov 1 (Nov 1 at the instant, Nov 5, Nov 20, Nov 25 via the link) + a2 (2)
    assert _v(src, "reports", "pro") == 6.0
    # basic: a1 Oct 10, Oct 20, Oct 25 (link) + a3 Oct 12, Nov 12
    assert _v(src, "reports", "basic") == 5.0
    assert _v(src, "reports") == 11.0
    assert _v(src, "report_users", "pro") == 2.0  # u1 (after the upgrade) and u2
    # October alone: only a2 was pro
    assert _v(src, "reports", "pro", end=D(2026, 11, 1)) == 1.0
    # weekly series: a1's events before Nov 1 never count as pro
    values = compute("reports", catalog=CATALOG, events=src, start=START, end=END,
                     grain="week", segment="pro")
    by_week = {v.start.date().isoformat(): v.value for v in values if v.value}
    assert by_week == {"2026-10-05": 1.0, "2026-10-26": 1.0, "2026-11-02": 1.0,
                       "2026-11-09": 1.0, "2026-11-16": 1.0, "2026-11-23": 1.0}


def test_user_traits_numeric_traits_and_active_users(src: EventSource) -> None:
    # u1's 7 events (admin from Oct 1) + u3's Nov 12 (admin from Oct 15; Oct 12 was viewer)
    assert _v(src, "admin_reports") == 8.0
    # seats >= 10: a1 from Nov 1 (4 events with the link) + a2 (2)
    assert _v(src, "big_account_reports") == 6.0
    # weekly reporters among pro accounts, Nov 2 - Nov 30: weeks of Nov 2 {u1}, Nov 9 {u2},
    # Nov 16 {u1}, Nov 23 {u1} -> 1 each
    assert _v(src, "weekly_reporters", "pro", start=D(2026, 11, 2), end=D(2026, 11, 30)) == 1.0


def test_cohort_segments_read_the_trait_at_the_anchor(src: EventSource) -> None:
    # signups: u1 Oct 2 (a1 basic then), u2 Oct 3 (a2 pro), u4 Nov 3 (a1 pro by then)
    [v] = compute("activation", catalog=CATALOG, events=src, start=START, end=END,
                  segment="pro")
    assert v.entities == 2
    assert v.value == pytest.approx(0.5)  # u2 viewed a report on Oct 5; u4 never did
    [b] = compute("activation", catalog=CATALOG, events=src, start=START, end=END,
                  segment="basic")
    assert (b.entities, b.value) == (1, 0.0)  # u1's first report came 8 days after signup


def test_unknown_traits_are_errors_not_zeros(src: EventSource) -> None:
    with pytest.raises(UserError, match="no user or account has trait 'plna'") as exc:
        compute("typo", catalog=CATALOG, events=src, start=START, end=END)
    assert "did you mean 'plan'" in exc.value.render()
    [r] = compute_many([MetricRequest("typo")], catalog=CATALOG, events=src, start=START,
                       end=END)
    assert r.error is not None
    assert "plna" in r.error


def test_a_filter_matching_nothing_is_warned_about(src: EventSource) -> None:
    warnings = filter_warnings(
        [MetricRequest("mistyped_value"), MetricRequest("reports", "enterprise"),
         MetricRequest("reports", "pro"), MetricRequest("activation", "enterprise")],
        catalog=CATALOG, events=src, start=START, end=END)
    text = [w.render() for w in warnings]
    assert len(text) == 3, text
    assert "mistyped_value: `where` on 'report_viewed' matches none of its 11 events" in text[0]
    assert "Pro" in text[0]
    assert text[1].startswith("reports [enterprise]: the segment (trait: plan, equals: "
                              "enterprise) matches none of the 11 'report_viewed' events")
    assert text[2].startswith("activation [enterprise]: the segment")
    # no events at all in the window is said too
    [w] = filter_warnings(["reports"], catalog=CATALOG, events=src, start=D(2027, 1, 1),
                          end=D(2027, 2, 1))
    assert "no 'report_viewed' events in [2027-01-01" in w.message


def test_trait_files_with_and_without_timestamps(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(json.dumps(track("report_viewed", D(2026, 10, d), "u1", a))
                                for d, a in [(5, "a1"), (15, "a1"), (25, "a2")]) + "\n")
    store = tmp_path / "events.duckdb"
    ingest([events], store=store)
    history = tmp_path / "plans.csv"
    history.write_text("account_id,timestamp,plan,seats\n"
                       "a1,2026-10-01,basic,3\n"
                       "a1,2026-10-10T00:00:00Z,pro,12.0\n"
                       "a2,1790000000,pro,\n")  # epoch seconds: 2026-09-21
    snapshot = tmp_path / "regions.parquet"
    import pyarrow as pa
    import pyarrow.parquet as pq
    pq.write_table(pa.table({"id": ["a1", "a2"], "region": ["eu", "us"],
                             "beta": [True, False]}), snapshot)
    reports = ingest_traits([history], store=store, entity="account_id")
    reports += ingest_traits([snapshot], store=store, entity="account_id")
    assert [(r.rows, r.values, r.timestamped) for r in reports] == [(3, 5, True), (2, 4, False)]
    catalog = MetricsFile.model_validate({"metrics": {
        "reports": {"type": "count", "event": "report_viewed"},
        "big": {"type": "count", "event": "report_viewed",
                "where": {"trait": "seats", "gt": 10}},
        "eu_beta": {"type": "count", "event": "report_viewed",
                    "where": [{"trait": "region", "equals": "eu"},
                              {"trait": "beta", "equals": True}]},
    }, "segments": {"pro": {"trait": "plan", "equals": "pro"}}})
    with EventSource.duckdb(store) as src:
        def value(name: str, segment: str | None = None) -> float | None:
            [v] = compute(name, catalog=catalog, events=src, start=D(2026, 10, 1),
                          end=D(2026, 11, 1), segment=segment)
            return v.value
        assert value("reports", "pro") == 2.0  # a1 from Oct 10 (Oct 15) + a2 (Oct 25)
        assert value("big") == 1.0  # seats 12 from Oct 10; a2's empty cell states nothing
        assert value("eu_beta") == 2.0  # a snapshot holds since the epoch: both a1 events
    bad = tmp_path / "bad.csv"
    bad.write_text("account_id,timestamp,plan\na1,not a time,pro\n")
    with pytest.raises(DataError, match=r"bad\.csv row 1: unreadable timestamp"):
        ingest_traits([bad], store=store, entity="account_id")
    with pytest.raises(UserError, match="no id column for user_id"):
        ingest_traits([history], store=store, entity="user_id")


def test_trait_segment_matches_hand_written_asof_sql_on_random_data(tmp_path: Path) -> None:
    rnd = random.Random(11)
    t0 = D(2026, 10, 1)
    records: list[dict[str, Any]] = []
    for a in range(40):
        t = t0 - timedelta(days=rnd.randrange(0, 20))
        for _ in range(rnd.randrange(1, 5)):
            records.append(group(None, f"a{a}", t, plan=rnd.choice(["basic", "pro", "team"])))
            t += timedelta(hours=rnd.randrange(1, 24 * 30))
    for i in range(3000):
        t = t0 + timedelta(minutes=rnd.randrange(0, 60 * 24 * 70))
        if rnd.random() < 0.1:  # some events exactly at a trait change
            t = rnd.choice(records)["timestamp"]
            t = datetime.fromisoformat(t.rstrip("Z"))
        records.append(track("report_viewed", t, f"u{rnd.randrange(200)}",
                             f"a{rnd.randrange(45)}"))
        records[-1]["messageId"] = f"m{i}"
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    store = tmp_path / "events.duckdb"
    ingest([path], store=store)
    catalog = MetricsFile.model_validate({"metrics": {
        "reports": {"type": "count", "event": "report_viewed"},
        "reporters": {"type": "unique", "entity": "user_id", "event": "report_viewed"},
    }, "segments": {"pro": {"trait": "plan", "equals": "pro"}}})
    hand = """
        SELECT count(*), count(DISTINCT e.user_id)
        FROM (SELECT * FROM events WHERE event = 'report_viewed'
              AND timestamp >= TIMESTAMP '{s}' AND timestamp < TIMESTAMP '{e}') e
        ASOF LEFT JOIN (SELECT id, timestamp AS ts, value FROM traits
                        WHERE entity = 'account_id' AND name = 'plan') t
          ON e.account_id = t.id AND e.timestamp >= t.ts
        WHERE t.value = 'pro'
    """
    with EventSource.duckdb(store) as src:
        for s, e in [(t0, t0 + timedelta(days=70)), (t0 + timedelta(days=9, hours=7),
                                                     t0 + timedelta(days=23))]:
            got = compute_many([MetricRequest("reports", "pro"),
                                MetricRequest("reporters", "pro")],
                               catalog=catalog, events=src, start=s, end=e)
            con = src.duckdb_connection()
            want = con.execute(hand.format(s=s, e=e)).fetchall()[0]
            assert (got[0].values[0].value, got[1].values[0].value) == (
                float(want[0]), float(want[1]))
            assert want[0] > 50


def test_trait_sql_shows_the_interval_join() -> None:
    sql = compile_sql("reports", catalog=CATALOG, start=START, end=END, segment="pro")
    assert "LEAD(" in sql.upper()
    assert "traits" in sql
