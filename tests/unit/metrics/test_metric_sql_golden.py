"""Golden SQL: what each test-catalog metric compiles to, per dialect, reviewed as diffs.

Regenerate after an intended change with:
    SOWHAT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/metrics/test_metric_sql_golden.py
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from conftest import METRIC_NAMES, catalog
from sowhat.metrics.engine import compile_sql

GOLDEN = Path(__file__).parent / "golden"
CASES = [(name, dialect) for name in METRIC_NAMES for dialect in ("duckdb", "postgres")]


@pytest.mark.parametrize(("name", "dialect"), CASES)
def test_compiled_sql_matches_golden_file(name: str, dialect: str) -> None:
    sql = compile_sql(name, catalog=catalog(), start=datetime(2026, 10, 1),
                      end=datetime(2026, 11, 16), grain="week", segment="mid",
                      dialect=dialect) + "\n"
    path = GOLDEN / f"{name}.{dialect}.sql"
    if os.environ.get("SOWHAT_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with SOWHAT_UPDATE_GOLDEN=1"
    assert sql == path.read_text(encoding="utf-8")
