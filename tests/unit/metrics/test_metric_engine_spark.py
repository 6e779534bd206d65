"""The same definitions on Spark (Ibis' PySpark backend, local[2]) give DuckDB's answers.

Every metric of the test catalog (every metric type) over the same events as the DuckDB
reference suite: properties as a JSON text column (read with Spark's own JSON functions, no
Python worker) and as the flat typed columns a Parquet export has. Values must equal both the
DuckDB run and the plain-Python reference.

Needs `pip install -e '.[spark]'` and a Java runtime (`scripts/test-services.sh` installs
Debian's); `make test` has both. Elsewhere the module is skipped, but never in CI (CI set):
a missing Spark there is a failure, not a silent skip. One SparkSession serves the module
(xdist group "spark" keeps it on one worker), started once: ~10-20 s of JVM start.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from metric_reference import compute as reference
from test_metric_engine_reference import CASES, END, START, assert_same

from conftest import CATALOG, METRIC_NAMES, arrow_table, catalog, duckdb_source, random_rows
from sowhat.errors import DataError
from sowhat.metrics.engine import MetricRequest, MetricResult, compute_many
from sowhat.metrics.source import EventSource
from sowhat.metrics.values import MetricValue
from sowhat.spec.event_source import ColumnMap
from sowhat.spec.metric_defs import MetricsFile

if not os.environ.get("CI"):
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed (pip install -e '.[spark]')",
                    allow_module_level=True)
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime (run scripts/test-services.sh)", allow_module_level=True)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark"), pytest.mark.timeout(1200)]

SEED = 1  # the DuckDB reference suite's first data set, all of its cases
JVM_TEST_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:CICompilerCount=1"
"""The test JVM compiles with C1 only and collects garbage on one thread: each query here
reads 1,500 rows, so C2's optimising compiler and parallel GC threads cost CPU that the
short run never earns back (JVM CPU over two cases: 88 s -> 50 s, measured side by side).
JIT tier and collector change speed only, never a query's answer."""
FLAT = ["plan", "flag", "tier", "amount", "score", "kind"]


def flat_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Properties as typed columns, as a warehouse export has them; no JSON column.

    A value of another type than its column's is dropped (null), which is what the metric
    definitions do with it on JSON anyway: sums and NPS skip "n/a" and "great".
    """
    def typed(name: str, arrow: pa.DataType, ok: Any) -> pa.Array:
        values = [r["properties"].get(name) for r in rows]
        return pa.array([v if v is not None and ok(v) else None for v in values], arrow)

    def number(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool)

    base = arrow_table(rows).drop_columns(["properties"])
    columns = {
        "plan": typed("plan", pa.string(), lambda v: isinstance(v, str)),
        "flag": typed("flag", pa.bool_(), lambda v: isinstance(v, bool)),
        "tier": typed("tier", pa.float64(), number),
        "amount": typed("amount", pa.float64(), number),
        "score": typed("score", pa.float64(), number),
        "kind": typed("kind", pa.string(), lambda v: isinstance(v, str)),
    }
    for name in FLAT:
        base = base.append_column(name, columns[name])
    return base


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return random_rows(SEED)


@pytest.fixture(scope="module")
def timings() -> Iterator[dict[str, float]]:
    """Wall time of the Spark work, printed at the end (`pytest -s` or the -ra summary)."""
    spent: dict[str, float] = {}
    yield spent
    print("\nspark timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in spent.items()))


def _jvm_cpu_seconds() -> float | None:
    """CPU time of the JVM this process launched (user + system), from /proc, if readable:
    on a shared machine it says more about Spark's real cost than wall time."""
    try:
        from pyspark import SparkContext

        pid = SparkContext._gateway.proc.pid  # type: ignore[union-attr]
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except Exception:
        return None


@pytest.fixture(scope="module")
def spark_json(rows: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory,
               timings: dict[str, float]) -> Iterator[EventSource]:
    """Events with a JSON `properties` column in two Parquet files; owns the session."""
    folder: Path = tmp_path_factory.mktemp("spark-json")
    table = arrow_table(rows)
    half = len(rows) // 2
    pq.write_table(table.slice(0, half), folder / "part-0.parquet")
    pq.write_table(table.slice(half), folder / "part-1.parquet")
    began = time.perf_counter()
    before = os.environ.get("JAVA_TOOL_OPTIONS")
    os.environ["JAVA_TOOL_OPTIONS"] = f"{before or ''} {JVM_TEST_OPTIONS}".strip()
    try:
        source = EventSource.spark(parquet=str(folder / "*.parquet"), master="local[2]")
    finally:  # read once, at the JVM's launch; nothing else in the run sees them
        if before is None:
            os.environ.pop("JAVA_TOOL_OPTIONS", None)
        else:
            os.environ["JAVA_TOOL_OPTIONS"] = before
    timings["session start"] = time.perf_counter() - began
    yield source
    cpu = _jvm_cpu_seconds()
    if cpu is not None:
        timings["JVM CPU (user+sys) over the module"] = cpu
    source.close()


@pytest.fixture(scope="module")
def session(spark_json: EventSource) -> Any:
    return spark_json.backend._session


@pytest.fixture(scope="module")
def duck(rows: list[dict[str, Any]]) -> Iterator[EventSource]:
    src = duckdb_source(rows)
    yield src
    src.close()


def assert_equal_results(got: list[MetricResult], want: list[MetricResult], label: str) -> None:
    """Spark's answers equal DuckDB's: every field of every value (floats to 1e-9)."""
    for g, w in zip(got, want, strict=True):
        assert g.error is None, f"{label} {g.request}: {g.error}"
        assert w.error is None, f"{label} {w.request}: {w.error}"
        assert len(g.values) == len(w.values), f"{label} {g.request}"
        for gv, wv in zip(g.values, w.values, strict=True):
            where = f"{label} {g.request.metric} [{wv.start:%m-%d}, {wv.end:%m-%d})"
            assert (gv.start, gv.end) == (wv.start, wv.end), where
            assert _numbers(gv) == pytest.approx(_numbers(wv), rel=1e-9, abs=1e-9,
                                                 nan_ok=True), where


def _numbers(v: MetricValue) -> list[float]:
    """Every statistic of a value; None (undefined) as NaN, which only equals NaN here."""
    numbers = [v.value, v.n, v.sum, v.sum_squares, v.entities, v.excluded_immature,
               v.without_outcome]
    return [float("nan") if x is None else float(x) for x in numbers]


SPARK_NAMES = [n for n in METRIC_NAMES if n not in ("daily_churn", "monthly_churn")]
"""Every metric of the catalog but two of the four churn metrics: a daily and a monthly
churn compile to the same query as the weekly one with another period (DuckDB and
PostgreSQL run all four); on Spark each costs seconds of CI per case."""


def _check(source: EventSource, duck: EventSource, rows: list[dict[str, Any]],
           grain: str | None, segment: str | None, as_of: datetime | None, label: str
           ) -> None:
    requests = [MetricRequest(n, segment) for n in SPARK_NAMES]
    kwargs: dict[str, Any] = {"catalog": catalog(), "start": START, "end": END, "grain": grain,
                              "as_of": as_of}
    got = compute_many(requests, events=source, **kwargs)
    want = compute_many(requests, events=duck, **kwargs)
    assert_equal_results(got, want, label)
    for name, result in zip(SPARK_NAMES, got, strict=True):
        expected = reference(name, CATALOG, rows, START, END, as_of, grain, segment)
        assert_same(list(result.values), expected, f"{label} {name} {grain} {segment}")


@pytest.mark.parametrize(("grain", "segment", "as_of"), CASES)
def test_every_metric_on_spark_equals_duckdb_on_json_properties(
    spark_json: EventSource, duck: EventSource, rows: list[dict[str, Any]],
    timings: dict[str, float], grain: str | None, segment: str | None,
    as_of: datetime | None,
) -> None:
    assert spark_json.dialect() == "pyspark"
    assert spark_json.events()["properties"].type().is_string()
    began = time.perf_counter()
    _check(spark_json, duck, rows, grain, segment, as_of, "spark json")
    timings[f"json {grain}/{segment}"] = time.perf_counter() - began


def test_every_segment_at_once_on_spark_equals_duckdb(
    spark_json: EventSource, duck: EventSource, rows: list[dict[str, Any]],
    timings: dict[str, float],
) -> None:
    """Each metric under every segment in one slotted part (compile's `slots`: EXPLODE of
    an ARRAY on Spark), each request equal to DuckDB's and to the reference."""
    segments = [None, *CATALOG["segments"]]
    # churn has no slotted form (a part per segment, as active users): its segments are
    # compared on Spark case by case above, and leaving it out here keeps CI's Spark run
    # at its length (its twelve parts cost a third of this test)
    names = [n for n in METRIC_NAMES if CATALOG["metrics"][n]["type"] != "churn"]
    requests = [MetricRequest(n, s) for n in names for s in segments]
    kwargs: dict[str, Any] = {"catalog": catalog(), "start": START, "end": END,
                              "grain": "week", "as_of": None}
    began = time.perf_counter()
    got = compute_many(requests, events=spark_json, **kwargs)
    assert_equal_results(got, compute_many(requests, events=duck, **kwargs), "spark slots")
    for req, result in zip(requests, got, strict=True):
        expected = reference(req.metric, CATALOG, rows, START, END, None, "week", req.segment)
        assert_same(list(result.values), expected, f"spark slots {req.metric} {req.segment}")
    timings["json every segment at once"] = time.perf_counter() - began


def test_every_metric_on_spark_equals_duckdb_on_typed_columns_with_mapped_names(
    session: Any, duck: EventSource, rows: list[dict[str, Any]],
    tmp_path_factory: pytest.TempPathFactory, timings: dict[str, float],
) -> None:
    """Flat typed property columns (no JSON at all) and renamed canonical columns."""
    folder: Path = tmp_path_factory.mktemp("spark-flat")
    table = flat_table(rows).rename_columns(
        ["name", "ts", "uid", "acct", *FLAT])
    pq.write_table(table, folder / "events.parquet")
    columns = ColumnMap(event="name", timestamp="ts", user_id="uid", account_id="acct")
    began = time.perf_counter()
    with EventSource.spark(parquet=str(folder / "*.parquet"), session=session,
                           columns=columns) as source:
        assert "properties" not in source.events().columns
        for grain, segment, as_of in (CASES[2], CASES[3]):
            _check(source, duck, rows, grain, segment, as_of, "spark flat")
    timings["flat 2 cases"] = time.perf_counter() - began
    assert not session.sparkContext._jsc.sc().isStopped()  # a caller's session stays up


def test_json_values_read_with_duckdbs_types_on_spark(
    session: Any, tmp_path: Path
) -> None:
    """A number is a number only when it is a JSON number (likewise strings and booleans),
    a missing key and JSON null read as absent, and text that is not JSON reads as null —
    the same answers as DuckDB's, read with Spark's own functions (no Python UDF)."""
    import ibis

    from sowhat.metrics.properties import has_prop, prop

    texts = ['{"a": 5}', '{"a": "12"}', '{"a": "n/a"}', '{"a": null}', "{}", '{"a": true}',
             '{"a": 2.5}', '{"a": {"b": 1}}', '{"a": [1]}', "not json", None,
             '{"a": {"b": "x"}}', '{"a": -1e3}', '{"a": false}', '{"a": 12345678901234567890}']
    table = pa.table({"event": ["e"] * len(texts),
                      "timestamp": pa.array([datetime(2026, 1, 1)] * len(texts),
                                            pa.timestamp("us")),
                      "i": list(range(len(texts))), "properties": texts})
    pq.write_table(table, tmp_path / "t.parquet")
    con = ibis.duckdb.connect()
    con.con.register("raw", table)
    con.raw_sql("CREATE TABLE t AS SELECT event, timestamp, i, "
                "try_cast(properties AS JSON) AS properties FROM raw")
    with EventSource.spark(parquet=str(tmp_path / "t.parquet"), session=session) as spark:
        answers = []
        for t in (con.table("t"), spark.events()):
            readings = {f"{name}_{kind}": prop(t, name, kind)  # type: ignore[arg-type]
                        for name in ("a", "a.b") for kind in ("string", "number", "boolean")}
            readings["has_a"] = has_prop(t, "a")
            readings["has_ab"] = has_prop(t, "a.b")
            sql = str(ibis.to_sql(t.select("i", **readings)))
            assert "unwrap_json" not in sql.lower()
            answers.append(t.select("i", **readings).order_by("i").to_pyarrow().to_pylist())
    duck_rows, spark_rows = answers
    assert spark_rows == duck_rows
    assert duck_rows[1]["a_number"] is None
    assert duck_rows[1]["a_string"] == "12"
    assert duck_rows[0]["a_number"] == 5.0
    assert duck_rows[5]["a_boolean"] is True
    con.disconnect()


def test_without_a_master_the_active_session_is_used_and_left_running(
    session: Any, spark_json: EventSource, tmp_path: Path
) -> None:
    """`[events] backend = "spark"` with no master, inside a Spark driver (notebook,
    spark-submit): the session already running is used, with `spark_conf` applied, and
    closing the source does not stop it."""
    pq.write_table(arrow_table(random_rows(2, n=50)), tmp_path / "e.parquet")
    with EventSource.spark(parquet=str(tmp_path / "*.parquet"),
                           conf={"spark.sql.shuffle.partitions": 3}) as source:
        assert source.backend._session is session
        assert session.conf.get("spark.sql.shuffle.partitions") == "3"
        assert source.events().count().execute() == len(random_rows(2, n=50))
    assert not session.sparkContext._jsc.sc().isStopped()
    session.conf.set("spark.sql.shuffle.partitions", "2")


def test_a_table_missing_from_the_catalog_is_named(session: Any) -> None:
    source = EventSource.spark(table="analytics.nope", session=session)
    with pytest.raises(DataError) as info:
        source.events()
    source.close()
    assert info.value.message.startswith("cannot read event table 'analytics.nope'")
    assert "[events] table" in (info.value.hint or "")


TRAIT_METRICS = ["signups", "active_accounts", "revenue", "p90_invoice", "wau", "stickiness",
                 "activation", "d1", "ttv", "nps"]
"""One metric of each type, user- and account-level, for the trait-segment check."""


def _trait_rows(rows: list[dict[str, Any]]) -> tuple[pa.Table, pa.Table]:
    """A trait history for the events' accounts and users, and user -> account links.

    Accounts change `tier` a few times, some exactly at an event's timestamp (the interval
    is [from, to): the event takes the new value); users get a `role` partway through.
    Links give events without an account_id one through `group` calls (the fallback).
    """
    import random

    rnd = random.Random(7)
    stamps = [r["timestamp"] for r in rows]
    traits: list[tuple[str, str, str, str, datetime]] = []
    for a in range(60):
        t = min(stamps) - timedelta(days=rnd.randrange(0, 5))
        for _ in range(rnd.randrange(1, 4)):
            traits.append(("account_id", f"a{a}", "tier", rnd.choice(["gold", "silver"]), t))
            t = rnd.choice(stamps) if rnd.random() < 0.3 else t + timedelta(
                hours=rnd.randrange(1, 24 * 15))
    traits += [("user_id", f"u{u}", "role", "admin", rnd.choice(stamps))
               for u in range(0, 300, 3)]
    links = [(f"u{u}", f"a{rnd.randrange(60)}", min(stamps) - timedelta(days=1))
             for u in range(0, 300, 2)]
    columns = list(zip(*traits, strict=True))
    trait_table = pa.table({"entity": list(columns[0]), "id": list(columns[1]),
                            "name": list(columns[2]), "value": list(columns[3]),
                            "timestamp": pa.array(list(columns[4]), pa.timestamp("us"))})
    link_columns = list(zip(*links, strict=True))
    link_table = pa.table({"user_id": list(link_columns[0]),
                           "account_id": list(link_columns[1]),
                           "timestamp": pa.array(list(link_columns[2]), pa.timestamp("us"))})
    return trait_table, link_table


def test_trait_segments_on_spark_equal_duckdb(
    session: Any, spark_json: EventSource, rows: list[dict[str, Any]],
    tmp_path: Path, timings: dict[str, float],
) -> None:
    """`segments:` with `trait:` (each event's account tier as of its time, through the
    user's account link when the event has none) and a user-trait `where`, over every
    metric type: Spark's interval join gives DuckDB's values. The trait tables sit next to
    the events as `traits` and `account_links`, as docs/metrics.md asks of a warehouse.
    One weekly batch of one metric per type on the module's session (TRAIT_METRICS): the
    join is the same code for every metric, and each Spark query costs seconds."""
    traits, links = _trait_rows(rows)
    pq.write_table(traits, tmp_path / "traits.parquet")
    pq.write_table(links, tmp_path / "links.parquet")
    with_traits = MetricsFile.model_validate({
        "metrics": {**CATALOG["metrics"],
                    "admin_sessions": {"type": "count", "event": "session",
                                       "where": {"trait": "role", "equals": "admin"}}},
        "segments": {**CATALOG["segments"], "gold": {"trait": "tier", "equals": "gold"}},
    })
    names = [*TRAIT_METRICS, "admin_sessions"]
    kwargs: dict[str, Any] = {"catalog": with_traits, "start": START, "end": END,
                              "grain": "week"}
    with duckdb_source(rows) as duck:
        con = duck.duckdb_connection()
        con.register("traits_arrow", traits)
        con.register("links_arrow", links)
        con.execute("CREATE TABLE traits AS SELECT * FROM traits_arrow")
        con.execute("CREATE TABLE account_links AS SELECT * FROM links_arrow")
        want = compute_many([MetricRequest(n, "gold") for n in names], events=duck, **kwargs)
        everyone = compute_many([MetricRequest("wau")], events=duck, **kwargs)
    began = time.perf_counter()
    session.read.parquet(str(tmp_path / "traits.parquet")).createOrReplaceTempView("traits")
    session.read.parquet(str(tmp_path / "links.parquet")).createOrReplaceTempView(
        "account_links")
    try:
        got = compute_many([MetricRequest(n, "gold") for n in names], events=spark_json,
                           **kwargs)
    finally:
        session.catalog.dropTempView("traits")
        session.catalog.dropTempView("account_links")
    timings["trait segments"] = time.perf_counter() - began
    assert_equal_results(got, want, "spark traits")

    def total(result: MetricResult) -> float:
        return sum(v.value or 0 for v in result.values)

    # the segment keeps some users, not all; the user trait keeps some sessions
    assert 0 < total(got[names.index("wau")]) < total(everyone[0])
    assert total(got[names.index("admin_sessions")]) > 0
