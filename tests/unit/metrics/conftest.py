"""Shared fixtures: a metric catalog touching every type, random events, event sources."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest

from sowhat.metrics.source import EventSource
from sowhat.spec.metric_defs import MetricsFile

CATALOG: dict[str, Any] = {
    "metrics": {
        "signups": {"type": "count", "event": "signup"},
        "mid_tickets": {"type": "count", "event": "ticket",
                        "where": {"property": "plan", "equals": "mid"}},
        "active_users": {"type": "unique", "entity": "user_id", "event": "session"},
        "active_accounts": {"type": "unique", "entity": "account_id", "event": "session"},
        "revenue": {"type": "sum", "event": "invoice", "property": "amount"},
        "big_revenue": {"type": "sum", "event": "invoice", "property": "amount",
                        "where": [{"property": "amount", "gte": 10}, {"property": "amount",
                                                                      "lt": 90}]},
        "avg_invoice": {"type": "average", "event": "invoice", "property": "amount"},
        "p90_invoice": {"type": "average", "event": "invoice", "property": "amount",
                        "statistic": "p90"},
        "median_invoice": {"type": "average", "event": "invoice", "property": "amount",
                           "statistic": "median"},
        "dau": {"type": "active", "entity": "user_id", "event": "session", "per": "day"},
        "wau": {"type": "active", "entity": "user_id", "event": "session", "per": "week"},
        "mau_accounts": {"type": "active", "entity": "account_id", "event": "session",
                         "per": "month"},
        "wau_small": {"type": "active", "entity": "account_id", "event": "ticket", "per": "week",
                      "where": {"property": "plan", "equals": "small"}},
        "stickiness": {"type": "ratio", "numerator": "dau", "denominator": "wau"},
        "account_churn": {"type": "churn", "entity": "account_id", "start": {"event": "signup"},
                          "end": {"event": "noise"}, "per": "week"},
        "daily_churn": {"type": "churn", "entity": "user_id", "start": {"event": "signup"},
                        "end": {"event": "ticket", "where": {"property": "plan",
                                                            "equals": "mid"}}, "per": "day"},
        "user_lapse": {"type": "churn", "entity": "user_id", "active": {"event": "session"},
                       "per": "week"},
        "monthly_churn": {"type": "churn", "entity": "account_id",
                          "start": {"event": "project"}, "end": {"event": "noise"},
                          "per": "month"},
        "small_share": {"type": "ratio", "numerator": "wau_small", "denominator": "wau"},
        "tickets_per_account": {"type": "ratio", "numerator": "mid_tickets",
                                "denominator": "active_accounts"},
        "activation": {"type": "conversion", "entity": "account_id", "from": {"event": "signup"},
                       "to": {"event": "project"}, "within": "2d"},
        "user_activation": {"type": "conversion", "entity": "user_id",
                            "from": {"event": "signup"},
                            "to": {"event": "project", "where": {"property": "kind",
                                                                 "in": ["a", "b"]}},
                            "within": "36h"},
        "d1": {"type": "retention", "entity": "user_id", "start": {"event": "signup"},
               "return": {"event": "session"}, "day": 1},
        "d0": {"type": "retention", "entity": "user_id", "start": {"event": "signup"},
               "return": {"event": "session"}, "day": 0},
        "w1": {"type": "retention", "entity": "account_id", "start": {"event": "signup"},
               "return": {"event": "session"}, "days": [1, 7]},
        "ttv": {"type": "duration", "entity": "account_id", "from": {"event": "signup"},
                "to": {"event": "project"}, "statistic": "median", "unit": "hours"},
        "ttv_mean": {"type": "duration", "entity": "user_id", "from": {"event": "signup"},
                     "to": {"event": "session"}, "statistic": "mean", "unit": "minutes"},
        "ttv_p90": {"type": "duration", "entity": "user_id", "from": {"event": "signup"},
                    "to": {"event": "project"}, "statistic": "p90", "unit": "days",
                    "within": "3d"},
        "nps": {"type": "nps", "entity": "user_id", "event": "survey", "property": "score"},
        "nps_accounts": {"type": "nps", "entity": "account_id", "event": "survey",
                         "property": "score", "where": {"property": "plan", "in": ["mid",
                                                                                   "small"]}},
    },
    "segments": {
        "mid": {"property": "plan", "in": ["mid"]},
        "flagged": {"property": "flag", "equals": True},
        "high": {"property": "tier", "gte": 2},
    },
}
METRIC_NAMES = list(CATALOG["metrics"])
EVENTS = ["signup", "session", "project", "ticket", "invoice", "survey", "noise"]
T0 = datetime(2026, 10, 5)  # a Monday


def catalog() -> MetricsFile:
    return MetricsFile.model_validate(CATALOG)


def random_rows(seed: int, n: int = 1500) -> list[dict[str, Any]]:
    """Events with the awkward cases: ties, midnight and week boundaries, null ids,
    duplicates, mistyped property values, events before a signup."""
    rnd = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for _ in range(n):
        event = rnd.choices(EVENTS, weights=[3, 8, 3, 2, 2, 2, 1])[0]
        if rnd.random() < 0.15:  # exactly at a midnight, often a Monday
            ts = T0 + timedelta(days=rnd.randrange(0, 42))
        else:
            ts = T0 + timedelta(minutes=rnd.randrange(-3 * 1440, 42 * 1440))
        user = None if rnd.random() < 0.05 else f"u{rnd.randrange(300)}"
        account = None if rnd.random() < 0.05 else f"a{rnd.randrange(60)}"
        props: dict[str, Any] = {}
        if rnd.random() < 0.9:
            props["plan"] = rnd.choice(["mid", "small", "enterprise"])
        if rnd.random() < 0.3:
            props["flag"] = rnd.random() < 0.5
        if rnd.random() < 0.5:
            props["tier"] = rnd.choice([1, 2, 3, 2.5])
        if event == "invoice":
            props["amount"] = rnd.choice([5, 12.5, 50, 95, 100, "n/a", None])
        if event == "survey":
            props["score"] = rnd.choice([0, 3, 6, 7, 8, 9, 10, 10, "great"])
        if event == "project":
            props["kind"] = rnd.choice(["a", "b", "c"])
        rows.append({"event": event, "timestamp": ts, "user_id": user, "account_id": account,
                     "properties": props})
        if rnd.random() < 0.05:  # an exact duplicate, or a tie with another event
            twin = dict(rows[-1])
            if rnd.random() < 0.5:
                twin["event"] = rnd.choice(EVENTS)
            rows.append(twin)
    return rows


def arrow_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.table({
        "event": [r["event"] for r in rows],
        "timestamp": pa.array([r["timestamp"] for r in rows], pa.timestamp("us")),
        "user_id": [r["user_id"] for r in rows],
        "account_id": [r["account_id"] for r in rows],
        "properties": [json.dumps(r["properties"]) for r in rows],
    })


def duckdb_source(rows: list[dict[str, Any]]) -> EventSource:
    """Events in DuckDB with properties in a JSON column only."""
    con = ibis.duckdb.connect()
    con.con.register("rows_arrow", arrow_table(rows))
    con.raw_sql("CREATE TABLE events AS SELECT event, timestamp, user_id, account_id, "
                "properties::JSON AS properties FROM rows_arrow")
    return EventSource(con, "events")


def write_segment_jsonl(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i, r in enumerate(rows):
            record = {
                "type": "track",
                "event": r["event"],
                "userId": r["user_id"],
                "timestamp": r["timestamp"].isoformat() + "Z",
                "properties": r["properties"],
                "context": {"groupId": r["account_id"]},
                "messageId": f"m{i}",
            }
            out.write(json.dumps(record) + "\n")


@pytest.fixture
def rows() -> list[dict[str, Any]]:
    return random_rows(1)


@pytest.fixture
def source(rows: list[dict[str, Any]]) -> Iterator[EventSource]:
    src = duckdb_source(rows)
    yield src
    src.close()
