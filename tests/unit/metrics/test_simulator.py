"""The event simulator: deterministic, realistic in shape, and its planted effects are there."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from sowhat.demo.sim_model import PlantedEffect
from sowhat.demo.simulator import simulate
from sowhat.metrics.ingest import ingest


def test_same_seed_same_events_and_a_ground_truth(tmp_path: Path) -> None:
    a = simulate(tmp_path / "a", events=20_000, seed=3, segment_sample=50)
    b = simulate(tmp_path / "b", events=20_000, seed=3)
    c = simulate(tmp_path / "c", events=20_000, seed=4)
    ta, tb, tc = (pq.read_table(r.parquet_files[0]) for r in (a, b, c))
    assert ta.equals(tb)
    assert not ta.equals(tc)
    assert 12_000 < a.events < 30_000
    truth = json.loads(a.ground_truth_path.read_text())
    assert truth["seed"] == 3
    assert {e["name"] for e in truth["effects"]} == {"onboarding-checklist", "support-macros",
                                                      "recs-v2"}
    assert a.segment_sample is not None
    lines = a.segment_sample.read_text().splitlines()
    assert len(lines) == 50
    first = json.loads(lines[0])
    assert {"event", "userId", "timestamp", "properties", "context", "messageId"} <= set(first)


def test_every_event_carries_plan_and_system_events_have_no_user(tmp_path: Path) -> None:
    r = simulate(tmp_path, events=30_000, seed=5)
    con = duckdb.connect()
    glob = r.parquet_glob
    assert con.execute(f"SELECT count(*) FROM '{glob}' WHERE plan IS NULL").fetchone() == (0,)
    no_user = dict(con.execute(
        f"SELECT event, count(*) FILTER (WHERE user_id IS NULL) FROM '{glob}' GROUP BY 1"
    ).fetchall())
    assert no_user["invoice_paid"] > 0
    assert no_user["session_start"] == 0
    # the first signup of each account is its anchor, and no event precedes it
    early = con.execute(f"""
        WITH a AS (SELECT account_id, min(timestamp) FILTER (WHERE event = 'signup') AS t0,
                          min(timestamp) AS first FROM '{glob}' GROUP BY 1)
        SELECT count(*) FROM a WHERE first < t0""").fetchone()
    assert early == (0,)
    weekday = dict(con.execute(
        f"SELECT isodow(timestamp) >= 6, count(*) FROM '{glob}' GROUP BY 1").fetchall())
    assert weekday[True] / 2 < weekday[False] / 5 * 0.6  # weekends are quieter per day


def test_unknown_effects_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot plant"):
        PlantedEffect("x", "revenue", date(2026, 11, 2), 0.1)  # type: ignore[arg-type]


@pytest.mark.slow
def test_planted_effects_show_in_the_data(tmp_path: Path) -> None:
    r = simulate(tmp_path / "sim", events=600_000, seed=9)
    store = tmp_path / "events.duckdb"
    ingest(list(r.parquet_files), store=store)
    con = duckdb.connect(str(store), read_only=True)

    def rate(sql: str) -> float:
        return float(con.execute(sql).fetchone()[0])

    ctr_before = rate("""SELECT count(*) FILTER (WHERE event = 'recommendation_clicked') /
        count(*) FILTER (WHERE event = 'recommendation_shown') FROM events
        WHERE timestamp >= '2026-08-01' AND timestamp < '2026-10-20'""")
    ctr_after = rate("""SELECT count(*) FILTER (WHERE event = 'recommendation_clicked') /
        count(*) FILTER (WHERE event = 'recommendation_shown') FROM events
        WHERE timestamp >= '2026-10-27' AND timestamp < '2026-11-16'""")
    assert ctr_before == pytest.approx(0.08, abs=0.006)
    assert ctr_after == pytest.approx(0.10, abs=0.008)
    tickets = {}
    for label, lo, hi in (("before", "2026-09-01", "2026-10-19"), ("after", "2026-10-19",
                                                                    "2026-11-16")):
        tickets[label] = rate(f"""SELECT count(*) FILTER (WHERE event = 'ticket_opened') /
            count(*) FILTER (WHERE event = 'session_start') FROM events
            WHERE timestamp >= '{lo}' AND timestamp < '{hi}'""")
    assert tickets["after"] / tickets["before"] == pytest.approx(0.75, abs=0.08)
