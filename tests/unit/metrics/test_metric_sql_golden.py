"""Golden SQL: what each test-catalog metric compiles to, per dialect, reviewed as diffs.

DuckDB and PostgreSQL are also run end to end (test_metric_engine_*); BigQuery, Snowflake,
ClickHouse and Trino are compiled only: a diff here is a change in what a warehouse would be
sent. The compiled-only dialects are compiled over events whose properties are typed columns
(as in a warehouse table, and as `sowhat ingest` stores them): Ibis cannot read a JSON column
on ClickHouse.

Regenerate after an intended change with:
    SOWHAT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/metrics/test_metric_sql_golden.py
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

import ibis
import pytest
from ibis.common.exceptions import OperationNotDefinedError

from conftest import CATALOG, METRIC_NAMES, catalog
from sowhat.metrics.engine import EVENTS_SCHEMA, compile_expr, compile_sql

GOLDEN = Path(__file__).parent / "golden"
RUN = ("duckdb", "postgres")
COMPILED_ONLY = ("bigquery", "snowflake", "clickhouse", "trino")
CASES = [(name, dialect) for name in METRIC_NAMES for dialect in (*RUN, *COMPILED_ONLY)]
NO_EXACT_QUANTILE = {(m, d) for m, defn in CATALOG["metrics"].items()
                     if defn.get("statistic", "mean") != "mean" for d in ("bigquery", "trino")}
"""Ibis has no exact (continuous) quantile there: a median / pNN statistic does not compile.
Documented in docs/metrics.md; this test notices when Ibis gains one."""
FLAT = {**EVENTS_SCHEMA, "plan": "string", "flag": "boolean", "tier": "float64",
        "amount": "float64", "score": "float64", "kind": "string"}


GENERATED_NAMES = re.compile(r"ibis_bq_arr_range_[a-z0-9]+|'[0-9a-f]{32}'")
"""Names Ibis makes up afresh on every compile (BigQuery's range alias, Snowflake's array
sentinel in a generated range: a churn metric's periods); written as a fixed placeholder so
the golden file is a stable diff."""


def _sql(name: str, dialect: str) -> str:
    window = {"start": datetime(2026, 10, 1), "end": datetime(2026, 11, 16), "grain": "week",
              "segment": "mid"}
    if dialect in RUN:
        return compile_sql(name, catalog=catalog(), dialect=dialect, **window)
    expr = compile_expr(name, catalog=catalog(), events=ibis.table(FLAT, name="events"),
                        **window)
    return GENERATED_NAMES.sub("<generated>", str(ibis.to_sql(expr, dialect=dialect)))


@pytest.mark.parametrize(("name", "dialect"), CASES)
def test_compiled_sql_matches_golden_file(name: str, dialect: str) -> None:
    if (name, dialect) in NO_EXACT_QUANTILE:
        with pytest.raises(OperationNotDefinedError, match="Quantile"):
            _sql(name, dialect)
        return
    sql = _sql(name, dialect) + "\n"
    path = GOLDEN / f"{name}.{dialect}.sql"
    if os.environ.get("SOWHAT_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with SOWHAT_UPDATE_GOLDEN=1"
    assert sql == path.read_text(encoding="utf-8")
