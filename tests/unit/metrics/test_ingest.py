"""`sowhat ingest`: formats, Segment fields, times, rejects, dedupe and one transaction per file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sowhat.errors import DataError, UserError
from sowhat.metrics.ingest import ingest, parse_mapping


def rows(store: Path, sql: str = "SELECT event, timestamp, user_id, account_id, "
         "properties::VARCHAR FROM events ORDER BY timestamp, event") -> list[tuple]:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(sql).fetchall()


def segment_lines(path: Path) -> Path:
    records = [
        {"type": "track", "event": "signup", "userId": "u1", "timestamp": "2026-11-02T10:00:00Z",
         "properties": {"plan": "mid"}, "context": {"groupId": "a1"}, "messageId": "m1"},
        {"type": "track", "event": "workflow_run", "userId": "u1",
         "timestamp": "2026-11-02T12:30:00+02:00", "properties": {"plan": "mid", "n": 2},
         "context": {"groupId": "a1"}, "messageId": "m2"},
        {"type": "identify", "userId": "u1", "timestamp": "2026-11-02T10:00:00Z",
         "traits": {"email": "x@example.com"}, "messageId": "m3"},
        {"type": "track", "event": "invoice_paid", "timestamp": "2026-11-03T00:00:00Z",
         "properties": {"amount": 49.5}, "context": {"groupId": "a1"}, "messageId": "m4"},
    ]
    text = "\n".join(json.dumps(r) for r in records) + "\n\n{not json\n"
    path.write_text(text, encoding="utf-8")
    return path


def test_segment_jsonl_maps_without_options_and_reingest_adds_nothing(tmp_path: Path) -> None:
    store = tmp_path / "events.duckdb"
    path = segment_lines(tmp_path / "tracks.jsonl")
    first = ingest([path], store=store)
    assert (first.read, first.loaded, first.duplicates, first.rejected) == (5, 3, 0, 1)
    assert first.files[0].calls == 1  # the identify call became a trait, not a reject
    got = {r[0]: r for r in rows(store)}
    assert got["workflow_run"][1] == datetime(2026, 11, 2, 10, 30)  # +02:00 read as UTC
    assert got["signup"][2:4] == ("u1", "a1")
    assert got["invoice_paid"][2] is None
    assert json.loads(got["workflow_run"][4]) == {"plan": "mid", "n": 2}
    again = ingest([path], store=store)
    assert (again.loaded, again.duplicates, again.rejected) == (0, 3, 1)
    rejects = [json.loads(line) for line in Path(first.files[0].rejects_path or "")
               .read_text().splitlines()]
    assert [r["reason"] for r in rejects] == ["not a JSON object"]


def test_csv_flat_columns_times_rejects_and_content_dedupe(tmp_path: Path) -> None:
    csv = tmp_path / "events.csv"
    csv.write_text(
        "event,timestamp,user_id,account_id,plan,score\n"
        "signup,2026-11-02T10:00:00Z,007,a1,mid,9\n"
        "signup,2026-11-02T10:00:00Z,007,a1,mid,9\n"  # exact duplicate: loaded once
        "survey_answered,1762077600,u2,a2,small,3\n"  # epoch seconds
        "survey_answered,1762077600000,u3,a2,small,4\n"  # epoch milliseconds
        "session_start,2026-11-04,u2,,small,\n"  # a date: midnight UTC; no account
        "session_start,yesterday,u2,a2,small,\n"
        ",2026-11-04,u2,a2,small,\n"
        "session_start,,u2,a2,small,\n",
        encoding="utf-8",
    )
    store = tmp_path / "events.duckdb"
    report = ingest([csv], store=store)
    assert (report.read, report.loaded, report.duplicates, report.rejected) == (8, 4, 1, 3)
    got = rows(store, "SELECT event, timestamp, user_id, account_id, plan, score "
                      "FROM events ORDER BY timestamp, user_id")
    assert got == [
        ("survey_answered", datetime(2025, 11, 2, 10), "u2", "a2", "small", 3),
        ("survey_answered", datetime(2025, 11, 2, 10), "u3", "a2", "small", 4),
        ("signup", datetime(2026, 11, 2, 10), "007", "a1", "mid", 9),  # ids stay text
        ("session_start", datetime(2026, 11, 4), "u2", None, "small", None),
    ]
    reasons = [json.loads(x)["reason"] for x in
               Path(report.files[0].rejects_path or "").read_text().splitlines()]
    assert reasons == ["unparsable timestamp yesterday", "no event name", "no timestamp"]
    assert ingest([csv], store=store).loaded == 0


def test_parquet_with_a_column_mapping(tmp_path: Path) -> None:
    path = tmp_path / "export.parquet"
    pq.write_table(pa.table({
        "name": ["signup", "workflow_run"],
        "ts": pa.array([datetime(2026, 11, 2, 9), datetime(2026, 11, 2, 11)],
                       pa.timestamp("us", tz="UTC")),
        "uid": ["u1", "u1"],
        "org": ["a1", "a1"],
        "plan": ["mid", "mid"],
    }), path)
    mapping = parse_mapping(["event=name", "timestamp=ts", "user_id=uid", "account_id=org"])
    store = tmp_path / "events.duckdb"
    assert ingest([path], store=store, mapping=mapping).loaded == 2
    # A flat column is stored as a typed column, not repeated in the JSON.
    assert rows(store, "SELECT event, user_id, account_id, plan, properties::VARCHAR "
                       "FROM events ORDER BY timestamp")[0] == (
        "signup", "u1", "a1", "mid", None)
    with pytest.raises(UserError, match="no column 'missing'"):
        ingest([path], store=store, mapping={"event": "missing"})
    with pytest.raises(UserError, match="unknown column"):
        parse_mapping(["evnt=name"])


def test_a_failing_file_leaves_nothing_and_earlier_files_stay(tmp_path: Path) -> None:
    store = tmp_path / "events.duckdb"
    good = segment_lines(tmp_path / "good.jsonl")
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match=r"cannot load broken\.parquet"):
        ingest([good, bad], store=store)
    assert len(rows(store)) == 3
    assert rows(store, "SELECT count(*) FROM ingests") == [(1,)]


def test_a_property_seen_with_two_types_loses_its_column(tmp_path: Path) -> None:
    store = tmp_path / "events.duckdb"
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"event": "survey", "timestamp": "2026-11-02T00:00:00Z",
                               "userId": "u1", "properties": {"score": 9}}) + "\n")
    two = tmp_path / "two.jsonl"
    two.write_text(json.dumps({"event": "survey", "timestamp": "2026-11-03T00:00:00Z",
                               "userId": "u2", "properties": {"score": "nine"}}) + "\n")
    ingest([one], store=store)
    assert "score" in [r[0] for r in rows(store, "DESCRIBE events")]
    ingest([two], store=store)
    assert "score" not in [r[0] for r in rows(store, "DESCRIBE events")]
    assert rows(store, "SELECT name, type FROM property_columns") == [("score", "MIXED")]


def test_unknown_formats_and_missing_files_are_user_errors(tmp_path: Path) -> None:
    odd = tmp_path / "events.xlsx"
    odd.write_text("x")
    with pytest.raises(UserError, match="cannot tell the format"):
        ingest([odd], store=tmp_path / "e.duckdb")
    with pytest.raises(UserError, match="no such file"):
        ingest([tmp_path / "nope.csv"], store=tmp_path / "e.duckdb")


def test_a_line_that_is_not_utf8_is_rejected_alone_with_its_line_number(tmp_path: Path) -> None:
    def line(event: str, user: str) -> bytes:
        return json.dumps({"event": event, "timestamp": "2026-11-02T00:00:00Z",
                           "userId": user}).encode()

    path = tmp_path / "mixed.jsonl"
    path.write_bytes(line("a", "u1") + b"\n" + b'{"event": "b", "n": "\xff\xfe"}\n'
                     + line("c", "u2") + b"\n\n{not json\n" + line("d", "u3") + b"\n")
    store = tmp_path / "events.duckdb"
    report = ingest([path], store=store)
    assert (report.read, report.loaded, report.rejected) == (5, 3, 2)
    assert [r[0] for r in rows(store)] == ["a", "c", "d"]
    rejects = [json.loads(x) for x in Path(report.files[0].rejects_path or "")
               .read_text().splitlines()]
    assert [(r["row"], r["reason"]) for r in rejects] == [
        (2, "not valid UTF-8"), (5, "not a JSON object")]


def test_odd_property_keys_never_block_a_file(tmp_path: Path) -> None:
    store = tmp_path / "events.duckdb"

    def jsonl(name: str, *props: dict[str, object]) -> Path:
        path = tmp_path / name
        path.write_text("".join(json.dumps({"event": "e", "userId": f"u{i}", "properties": p,
                                            "timestamp": f"2026-11-0{i + 1}T00:00:00Z"}) + "\n"
                                for i, p in enumerate(props)))
        return path

    first = jsonl("one.jsonl", {"": 1, "plan": "mid"}, {"Event": "x", "score": 3})
    assert ingest([first], store=store).loaded == 2
    later = jsonl("two.jsonl", {"Plan": "big"}, {"plan": "small", "PLAN": "huge"},
                  {"Score": 4})
    assert ingest([later], store=store).loaded == 3
    columns = [r[0] for r in rows(store, "DESCRIBE events")]
    assert {"plan", "score"} <= set(columns)
    assert "" not in columns
    # Names that cannot be columns are still there, in the JSON.
    got = rows(store, "SELECT properties->>'Plan', json_keys(properties), plan FROM events "
                      "ORDER BY ingest_id, timestamp")
    assert got[0] == (None, ["", "plan"], "mid")
    assert got[2] == ("big", ["Plan"], None)
    assert got[3][2] == "small"


def test_flat_columns_that_clash_in_case_keep_their_values(tmp_path: Path) -> None:
    path = tmp_path / "flat.csv"
    path.write_text("event,timestamp,plan,Plan\ns,2026-11-02,mid,big\n", encoding="utf-8")
    store = tmp_path / "events.duckdb"
    assert ingest([path], store=store).loaded == 1


def test_a_column_that_gets_a_second_type_is_folded_into_the_json(tmp_path: Path) -> None:
    store = tmp_path / "events.duckdb"
    one = tmp_path / "one.csv"
    one.write_text("event,timestamp,score\nsurvey,2026-11-02,9\n", encoding="utf-8")
    two = tmp_path / "two.csv"
    two.write_text("event,timestamp,score\nsurvey,2026-11-03,nine\n", encoding="utf-8")
    ingest([one], store=store)
    assert rows(store, "SELECT score, properties FROM events") == [(9, None)]
    ingest([two], store=store)
    assert rows(store, "SELECT properties->>'score' FROM events ORDER BY timestamp") == [
        ("9",), ("nine",)]


def test_events_more_than_a_day_ahead_are_rejected_unless_allowed(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    path = tmp_path / "clock.csv"
    path.write_text(
        "event,timestamp,user_id\n"
        f"soon,{(now + timedelta(hours=20)).isoformat()}Z,u1\n"
        f"later,{(now + timedelta(days=3)).isoformat()}Z,u1\n", encoding="utf-8")
    store = tmp_path / "events.duckdb"
    report = ingest([path], store=store)
    assert (report.loaded, report.rejected) == (1, 1)
    reasons = [json.loads(x)["reason"] for x in
               Path(report.files[0].rejects_path or "").read_text().splitlines()]
    assert reasons == ["in the future"]
    assert ingest([path], store=store, allow_future=True).loaded == 1
    assert [r[0] for r in rows(store)] == ["soon", "later"]


def test_dedupe_compares_only_same_event_in_the_days_the_file_covers(tmp_path: Path) -> None:
    store = tmp_path / "events.duckdb"
    day1 = tmp_path / "day1.jsonl"
    day1.write_text("".join(json.dumps({"event": "e", "userId": "u", "messageId": f"m{i}",
                                        "timestamp": "2026-11-02T10:00:00Z"}) + "\n"
                            for i in range(3)))
    day2 = tmp_path / "day2.jsonl"
    day2.write_text("".join(json.dumps({"event": "e", "userId": "u", "messageId": f"m{i}",
                                        "timestamp": "2026-11-03T10:00:00Z"}) + "\n"
                            for i in (2, 3, 3)))  # m2 again on day 2: a new day, a new event
    assert ingest([day1], store=store).loaded == 3
    second = ingest([day2], store=store)
    assert (second.loaded, second.duplicates) == (2, 1)
    again = ingest([day1, day2], store=store)
    assert (again.loaded, again.duplicates) == (0, 6)


def test_a_store_from_before_dedupe_keys_is_upgraded(tmp_path: Path) -> None:
    store = tmp_path / "events.duckdb"
    with duckdb.connect(str(store)) as con:
        con.execute("""CREATE TABLE events (event VARCHAR NOT NULL, timestamp TIMESTAMP NOT NULL,
            user_id VARCHAR, account_id VARCHAR, properties JSON, message_id VARCHAR NOT NULL,
            ingest_id INTEGER NOT NULL)""")
        con.execute("INSERT INTO events VALUES ('e', TIMESTAMP '2026-11-02 10:00', 'u', NULL, "
                    "'{}', 'm:m0', 1)")
    day1 = tmp_path / "day1.jsonl"
    day1.write_text("".join(json.dumps({"event": "e", "userId": "u", "messageId": f"m{i}",
                                        "timestamp": "2026-11-02T10:00:00Z"}) + "\n"
                            for i in range(2)))
    report = ingest([day1], store=store)
    assert (report.loaded, report.duplicates) == (1, 1)
    assert rows(store, "SELECT message_id FROM events ORDER BY 1") == [("m0",), ("m1",)]


def test_parquet_with_time_zone_aware_timestamps_reads_without_pytz(tmp_path: Path) -> None:
    """Issue 13 #16: DuckDB hands TIMESTAMPTZ values to Python through pytz, which a fresh
    install does not have; the Parquet source reads them as naive UTC instead."""
    from sowhat.metrics.source import EventSource

    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({
        "event": ["signup"],
        "timestamp": pa.array([datetime(2026, 11, 2, 9)], pa.timestamp("us", tz="UTC")),
        "user_id": ["u1"],
    }), path)
    with EventSource.parquet(str(path)) as source:
        con = source.duckdb_connection()
        assert con is not None
        assert con.execute("SELECT max(timestamp) FROM events").fetchone() == (
            datetime(2026, 11, 2, 9),)
        assert source.events().timestamp.max().execute() == datetime(2026, 11, 2, 9)


def test_clean_jsonl_read_by_duckdbs_json_reader_stores_what_the_line_reader_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path (read_json, issue 14) and the line reader store the same rows, keys and
    typed columns; a file the fast path cannot take (a flat record) falls back to the line
    reader."""
    from sowhat.metrics import ingest_sql

    records = [
        {"type": "track", "event": " signup ", "userId": "u1", "timestamp": "2026-11-02T10:00:00Z",
         "properties": {"plan": "mid", "nested": {"a": [1, 2]}, "gone": None},
         "context": {"groupId": "a1", "ip": "1.2.3.4"}, "messageId": "m1"},
        {"event": "run", "userId": 7, "timestamp": "2026-11-02T12:30:00+02:00",
         "properties": {"n": 2, "plan": "big"}, "groupId": "a2", "messageId": 12},
        {"event": "run", "user_id": "u3", "originalTimestamp": "1793615400000",
         "properties": {"n": 2.5}},
        {"event": "run", "user_id": "u3", "originalTimestamp": "1793615400000",
         "properties": {"n": 2.5}},  # a twin without a message id
        {"event": "paid", "userId": "u1", "timestamp": "2026-11-03", "properties": {},
         "messageId": "m1"},  # the same message id under another name: not a twin
    ]
    path = tmp_path / "clean.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n", encoding="utf-8")
    taken: list[bool] = []
    real = ingest_sql.stage_fast

    def spy(*args: object, **kwargs: object) -> object:
        plan = real(*args, **kwargs)  # type: ignore[arg-type]
        taken.append(plan is not None)
        return plan

    everything = ("SELECT * EXCLUDE (ingest_id) FROM events "
                  "ORDER BY event, timestamp, dedupe_key")
    monkeypatch.setattr(ingest_sql, "stage_fast", spy)
    fast = ingest([path], store=tmp_path / "fast.duckdb")
    monkeypatch.setattr(ingest_sql, "stage_fast", lambda *a, **k: None)
    slow = ingest([path], store=tmp_path / "slow.duckdb")
    assert taken == [True]
    assert (fast.read, fast.loaded, fast.duplicates, fast.rejected) == (5, 4, 1, 0)
    assert (fast.read, fast.loaded, fast.duplicates, fast.rejected) == \
        (slow.read, slow.loaded, slow.duplicates, slow.rejected)
    assert rows(tmp_path / "fast.duckdb", everything) == rows(tmp_path / "slow.duckdb", everything)
    # A flat record (no properties object): its other keys are the properties — line reader.
    monkeypatch.setattr(ingest_sql, "stage_fast", spy)
    flat = tmp_path / "flat.jsonl"
    flat.write_text(json.dumps({"event": "x", "userId": "u", "timestamp": "2026-11-02",
                                "plan": "mid"}) + "\n", encoding="utf-8")
    ingest([flat], store=tmp_path / "flat.duckdb")
    assert taken == [True, False]
    got = rows(tmp_path / "flat.duckdb")
    assert json.loads(got[0][4]) == {"plan": "mid"}


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv"])
def test_the_first_of_a_files_twins_is_kept_however_far_apart(tmp_path: Path, fmt: str) -> None:
    """Twins in one file (same event and message id, other content) keep the first in the
    file, also when a large file is read by several threads (issue 14: the JSON reader's
    staging keeps the file's order without a row number)."""
    n = 60_000
    recs = [{"event": "run", "userId": f"u{i}", "messageId": f"m{i}",
             "timestamp": f"2026-11-02T{i % 24:02d}:00:00Z", "v": i} for i in range(n)]
    recs[n - 1] = {**recs[0], "userId": "late", "v": -1}  # m0 again at the very end
    recs[n // 2] = {**recs[n // 2 + 10], "userId": "early", "v": -2}  # before its twin
    recs.append({**recs[7], "event": "paid", "v": -3})  # another event: not a twin
    path = tmp_path / f"twins.{fmt}"
    if fmt == "jsonl":
        path.write_text("".join(json.dumps({**{k: v for k, v in r.items() if k != "v"},
                                            "properties": {"v": r["v"]}}) + "\n"
                                for r in recs), encoding="utf-8")
    else:
        table = pa.Table.from_pylist([{"event": r["event"], "timestamp": r["timestamp"],
                                       "user_id": r["userId"], "message_id": r["messageId"],
                                       "v": r["v"]} for r in recs])
        if fmt == "parquet":
            pq.write_table(table, path, row_group_size=4_096)
        else:
            import pyarrow.csv as pcsv
            pcsv.write_csv(table, path)
    report = ingest([path], store=tmp_path / "store.duckdb")
    assert (report.read, report.loaded, report.duplicates) == (n + 1, n - 1, 2)
    got = dict(rows(tmp_path / "store.duckdb",
                    "SELECT message_id || '/' || event, user_id FROM events "
                    "WHERE message_id IN ('m0', 'm7', 'm' || "
                    f"{n // 2 + 10})"))
    assert got == {"m0/run": "u0", "m7/run": "u7", "m7/paid": "u7",
                   f"m{n // 2 + 10}/run": "early"}


def test_a_csv_with_a_column_named_rowid_keeps_its_rows_apart(tmp_path: Path) -> None:
    """CSV rows are numbered by the staging table's rowid, which a column of that name would
    shadow: such a file keeps its own column and still dedupes and rejects by row."""
    path = tmp_path / "rowid.csv"
    path.write_text("event,timestamp,user_id,rowid\n"
                    "run,2026-11-02T10:00:00Z,u1,zz\n"
                    "run,not a time,u2,zz\n"
                    "run,2026-11-02T10:00:00Z,u1,zz\n", encoding="utf-8")
    report = ingest([path], store=tmp_path / "store.duckdb")
    assert (report.read, report.loaded, report.duplicates, report.rejected) == (3, 1, 1, 1)
    assert rows(tmp_path / "store.duckdb", "SELECT user_id, \"rowid\" FROM events") == \
        [("u1", "zz")]
    rejects = [json.loads(line) for line in Path(report.files[0].rejects_path or "")
               .read_text(encoding="utf-8").splitlines()]
    assert [(r["row"], json.loads(r["record"])["rowid"]) for r in rejects] == [(2, "zz")]


@pytest.mark.parametrize("events", [("run", "paid", "signup"), ("run",)])
def test_rows_are_stored_by_event_then_time_whatever_the_file_order(
        tmp_path: Path, events: tuple[str, ...]) -> None:
    """A file in any order (per user, shuffled) is stored clustered by event name and, within
    an event, by time: the row groups' min/max then skip other dates as well as other events.
    Checked on the store's physical order (rowid), across row groups and threads."""
    import random

    rng = random.Random(7)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    n = 60_000
    stamps = [start + timedelta(seconds=rng.randrange(90 * 86_400)) for _ in range(n)]
    names = [events[rng.randrange(len(events))] for _ in range(n)]
    path = tmp_path / "shuffled.parquet"
    pq.write_table(pa.table({
        "event": names, "timestamp": stamps,
        "user_id": [f"u{i % 997}" for i in range(n)],
        "message_id": [f"m{i}" for i in range(n)],
    }), path, row_group_size=5_000)
    report = ingest([path], store=tmp_path / "store.duckdb")
    assert report.loaded == n
    stored = rows(tmp_path / "store.duckdb", "SELECT event, timestamp FROM events ORDER BY rowid")
    assert stored == sorted(stored)
    # A second file appends its own rows in the same order after the first file's.
    later = tmp_path / "later.parquet"
    pq.write_table(pa.table({
        "event": list(reversed(events)) * 2,
        "timestamp": [start + timedelta(days=80 - i) for i in range(2 * len(events))],
        "user_id": ["u1"] * (2 * len(events)),
        "message_id": [f"late{i}" for i in range(2 * len(events))],
    }), later)
    ingest([later], store=tmp_path / "store.duckdb")
    tail = rows(tmp_path / "store.duckdb",
                f"SELECT event, timestamp FROM events ORDER BY rowid OFFSET {n}")
    assert tail == sorted(tail)
    assert len(tail) == 2 * len(events)


def test_reindex_rewrites_a_store_from_before_the_row_order_once(tmp_path: Path) -> None:
    """A store whose rows lie in file order (loads before December 2026) is flagged, and
    `--reindex` rewrites it by event and time: the same rows, columns and ledger (so every
    incremental key stays valid), then never again."""
    import random

    from sowhat.metrics.ingest import reindex
    from sowhat.metrics.traits import ingest_traits

    rng = random.Random(11)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    n = 20_000
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({
        "event": [("run", "paid", "signup")[rng.randrange(3)] for _ in range(n)],
        "timestamp": [start + timedelta(seconds=rng.randrange(60 * 86_400)) for _ in range(n)],
        "user_id": [f"u{i % 313}" for i in range(n)],
        "message_id": [f"m{i}" for i in range(n)],
        "plan": [("free", "pro")[i % 2] for i in range(n)],
    }), path)
    store = tmp_path / "store.duckdb"
    assert not ingest([path], store=store).in_file_order  # begun in order, and stays so
    plans = tmp_path / "plans.csv"
    plans.write_text("user_id,tier\nu1,gold\nu2,silver\n", encoding="utf-8")
    ingest_traits([plans], store=store, entity="user_id")
    traits = rows(store, "SELECT * FROM traits ORDER BY ALL")
    assert len(traits) == 2
    con = duckdb.connect(str(store))
    con.execute("CREATE TEMP TABLE legacy AS FROM events ORDER BY hash(message_id)")
    con.execute("DELETE FROM events")
    con.execute("INSERT INTO events FROM legacy")
    con.execute("DELETE FROM store_meta WHERE key = 'row_order'")
    con.close()
    everything = ("SELECT event, timestamp, user_id, account_id, properties, message_id, "
                  "ingest_id, dedupe_key, plan FROM events")
    before = rows(store, everything + " ORDER BY rowid")
    ledger = rows(store, "SELECT * FROM day_ledger ORDER BY day, event")
    assert before != sorted(before)
    assert ingest([path], store=store).in_file_order  # says so after each load

    with pytest.raises(DataError, match="could not rewrite") as failed:
        reindex(store, memory_limit="1MB")  # the sort cannot fit: nothing may change
    assert "the store is unchanged; raise [events] memory_limit" in failed.value.render()
    assert rows(store, everything + " ORDER BY rowid") == before
    assert not list(tmp_path.glob("*.reorder*"))
    done = reindex(store)
    assert (done.rows, done.reordered) == (n, True)
    after = rows(store, everything + " ORDER BY rowid")
    assert [(r[0], r[1]) for r in after] == sorted((r[0], r[1]) for r in after)
    assert sorted(after, key=repr) == sorted(before, key=repr)
    assert rows(store, "SELECT * FROM day_ledger ORDER BY day, event") == ledger
    assert rows(store, "SELECT * FROM traits ORDER BY ALL") == traits  # every table kept
    assert not ingest([path], store=store).in_file_order
    assert reindex(store).reordered is False
    assert not list(tmp_path.glob("*.reorder*"))


def test_reindex_refuses_a_store_another_process_has_open(tmp_path: Path) -> None:
    """The rewrite needs the store to itself (it swaps the file): with another process on
    it, a clear error and the file as it was."""
    import subprocess
    import sys

    from sowhat.metrics.ingest import reindex

    path = tmp_path / "e.parquet"
    pq.write_table(pa.table({"event": ["run", "paid"], "user_id": ["u1", "u2"],
                             "timestamp": [datetime(2026, 11, 2, tzinfo=UTC)] * 2}), path)
    store = tmp_path / "store.duckdb"
    ingest([path], store=store)
    con = duckdb.connect(str(store))
    con.execute("DELETE FROM store_meta WHERE key = 'row_order'")  # as an older store
    con.close()
    before = store.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); time.sleep(60)", str(store)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(DataError, match="cannot open the event store") as refused:
            reindex(store)
        assert "is another sowhat process using it?" in refused.value.render()
    finally:
        holder.kill()
        holder.wait()
    assert store.read_bytes() == before
    assert not list(tmp_path.glob("*.reorder*"))
