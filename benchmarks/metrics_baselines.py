"""The two baselines `metrics.py` races Sowhat against: hand-written DuckDB SQL and pandas.

Both compute the demo catalog (src/sowhat/demo/templates/metrics.yaml) weekly over a window,
as of the window's end, with the same conventions as Sowhat (DESIGN.md window semantics), so
the three answers can be compared number for number. Rows: (metric, week Monday, value).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pandas as pd

Row = tuple[str, datetime, float | None]
RATIOS = (
    ("support_tickets_per_account", "tickets", "teams_running_workflows"),
    ("tickets_per_session", "tickets", "sessions"),
    ("recommendation_ctr", "recommendation_clicks", "recommendations_shown"),
)
COVERED = frozenset({
    "activation_rate", "d7_retention", "account_retention_90d", "time_to_first_value",
    "weekly_active_teams", "teams_running_workflows", "tickets", "sessions", "nps",
    "recommendations_shown", "recommendation_clicks", "revenue", "audit_log_exporters",
    "page_views", "signups",
    *(r[0] for r in RATIOS),
})
"""The demo metrics both baselines implement; the benchmark races on exactly these."""
TRAIT_SEGMENT = "mid_now"
TRAIT_REQUESTS = ("sessions", "weekly_active_teams", "activation_rate")
"""Computed a second time with segment `mid_now` = {trait: plan, equals: mid}: the account's
plan as of each event (anchor) from the trait history — the as-of join in the race. Rows are
named `metric@mid_now`; pandas does not implement them."""


def _ts(x: datetime) -> str:
    return f"TIMESTAMP '{x:%Y-%m-%d %H:%M:%S}'"


def handwritten_sql(store: Path, start: datetime, end: datetime) -> list[Row]:
    """What an analyst fluent in DuckDB would write: one query per metric, weekly."""
    s, e, a = _ts(start), _ts(end), _ts(end)
    win = f"timestamp >= {s} AND timestamp < {e}"
    wk = "date_trunc('week', timestamp)"
    q: dict[str, str] = {}
    for name, event in (("tickets", "ticket_opened"), ("recommendations_shown",
                        "recommendation_shown"), ("recommendation_clicks",
                        "recommendation_clicked"), ("page_views", "page_viewed"),
                        ("signups", "signup"), ("sessions", "session_start")):
        q[name] = f"SELECT {wk} w, count(*)::DOUBLE v FROM events WHERE event = '{event}' AND " \
                  f"{win} GROUP BY 1"
    for name, event in (("teams_running_workflows", "workflow_run"),
                        ("audit_log_exporters", "audit_log_exported")):
        q[name] = f"SELECT {wk} w, count(DISTINCT account_id)::DOUBLE v FROM events " \
                  f"WHERE event = '{event}' AND {win} AND account_id IS NOT NULL GROUP BY 1"
    # weekly active teams: a week's distinct accounts, whole weeks inside the window only
    q["weekly_active_teams"] = f"SELECT {wk} w, count(DISTINCT account_id)::DOUBLE v " \
        f"FROM events WHERE event = 'workflow_run' AND {win} AND account_id IS NOT NULL " \
        f"GROUP BY 1 HAVING {wk} >= {s} AND {wk} + INTERVAL 7 DAY <= {e}"
    plan = ("(SELECT id, timestamp AS ts, value FROM traits "
            "WHERE entity = 'account_id' AND name = 'plan')")
    tag = "@" + TRAIT_SEGMENT
    q["sessions" + tag] = f"""
        SELECT date_trunc('week', x.timestamp) w, count(*)::DOUBLE v
        FROM (SELECT timestamp, account_id FROM events WHERE event = 'session_start'
              AND {win}) x
        ASOF JOIN {plan} t ON x.account_id = t.id AND x.timestamp >= t.ts
        WHERE t.value = 'mid' GROUP BY 1"""
    q["weekly_active_teams" + tag] = f"""
        SELECT date_trunc('week', x.timestamp) w, count(DISTINCT x.account_id)::DOUBLE v
        FROM (SELECT timestamp, account_id FROM events WHERE event = 'workflow_run'
              AND {win}) x
        ASOF JOIN {plan} t ON x.account_id = t.id AND x.timestamp >= t.ts
        WHERE t.value = 'mid' GROUP BY 1
        HAVING w >= {s} AND w + INTERVAL 7 DAY <= {e}"""
    q["revenue"] = f"SELECT {wk} w, sum(amount) v FROM events WHERE event = 'invoice_paid' " \
                   f"AND {win} AND amount IS NOT NULL GROUP BY 1"
    q["nps"] = f"""
        SELECT w, 100.0 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER
               (WHERE score <= 6)) / count(*) v
        FROM (SELECT {wk} w, user_id, arg_max(score, (timestamp, score)) score FROM events
              WHERE event = 'survey_answered' AND {win} AND user_id IS NOT NULL
                AND score IS NOT NULL GROUP BY 1, 2) GROUP BY 1"""

    def cohort(entity: str, to_event: str, lo: str, hi: str, mature: str, inclusive: bool,
               trait: bool = False) -> str:
        op = "<=" if inclusive else "<"
        anchors = f"""SELECT {entity} id, min(timestamp) t0 FROM events WHERE event = 'signup'
                   AND {entity} IS NOT NULL AND timestamp < {a} GROUP BY 1
                   HAVING min(timestamp) >= {s} AND min(timestamp) < {e}"""
        if trait:  # the account's plan as of its anchor
            anchors = f"""SELECT c.id, c.t0 FROM ({anchors}) c
                   ASOF JOIN {plan} t ON c.id = t.id AND c.t0 >= t.ts WHERE t.value = 'mid'"""
        return f"""
        WITH a AS ({anchors}),
             hit AS (SELECT DISTINCT a.id FROM a JOIN events x ON x.{entity} = a.id
                     AND x.event = '{to_event}' AND x.timestamp < {a}
                     AND x.timestamp >= a.t0 + {lo} AND x.timestamp {op} a.t0 + {hi})
        SELECT date_trunc('week', t0) w,
               CASE WHEN count(*) FILTER (WHERE t0 + {mature} <= {a}) = 0 THEN NULL ELSE
               (count(hit.id) FILTER (WHERE t0 + {mature} <= {a}))::DOUBLE
               / count(*) FILTER (WHERE t0 + {mature} <= {a}) END v
        FROM a LEFT JOIN hit USING (id) GROUP BY 1"""

    zero = "INTERVAL 0 DAY"
    q["activation_rate"] = cohort("account_id", "project_created", zero, "INTERVAL 7 DAY",
                                  "INTERVAL 7 DAY", True)
    q["activation_rate" + tag] = cohort("account_id", "project_created", zero,
                                        "INTERVAL 7 DAY", "INTERVAL 7 DAY", True, trait=True)
    q["d7_retention"] = cohort("user_id", "session_start", "INTERVAL 7 DAY", "INTERVAL 8 DAY",
                               "INTERVAL 8 DAY", False)
    q["account_retention_90d"] = cohort("account_id", "session_start", "INTERVAL 90 DAY",
                                        "INTERVAL 97 DAY", "INTERVAL 97 DAY", False)
    q["time_to_first_value"] = f"""
        WITH a AS (SELECT account_id id, min(timestamp) t0 FROM events WHERE event = 'signup'
                   AND account_id IS NOT NULL AND timestamp < {a} GROUP BY 1
                   HAVING min(timestamp) >= {s} AND min(timestamp) < {e}
                      AND min(timestamp) + INTERVAL 14 DAY <= {a}),
             f AS (SELECT a.id, min(x.timestamp) t1 FROM a JOIN events x ON x.account_id = a.id
                   AND x.event = 'report_viewed' AND x.timestamp >= a.t0
                   AND x.timestamp <= a.t0 + INTERVAL 14 DAY AND x.timestamp < {a} GROUP BY 1)
        SELECT date_trunc('week', a.t0) w,
               quantile_cont((epoch(f.t1) - epoch(a.t0)) / 3600.0, 0.5) v
        FROM a LEFT JOIN f USING (id) GROUP BY 1"""
    con = duckdb.connect(str(store), read_only=True)
    out: list[Row] = []
    for name, sql in q.items():
        out += [(name, w, v) for w, v in con.execute(sql).fetchall()]
    by = {(n, w): v for n, w, v in out}
    for name, num, den in RATIOS:
        weeks = {w for n, w, _ in out if n in (num, den)}
        for w in weeks:
            d = by.get((den, w)) or 0.0
            out.append((name, w, (by.get((num, w)) or 0.0) / d if d else None))
    con.close()
    return out


def pandas_way(parquet_files: list[Path], start: datetime, end: datetime) -> list[Row]:
    """Idiomatic pandas: read the Parquet files, then groupby / merge per metric."""
    import numpy as np
    import pandas as pd

    cols = ["event", "timestamp", "user_id", "account_id", "score", "amount"]
    df = pd.concat([pd.read_parquet(p, columns=cols) for p in parquet_files],
                   ignore_index=True)
    df["timestamp"] = df["timestamp"].dt.tz_localize(None)
    df["event"] = df["event"].astype("category")
    df = df[df["timestamp"] < end]
    inwin = df[(df["timestamp"] >= start) & (df["timestamp"] < end)].copy()
    inwin["w"] = inwin["timestamp"].dt.to_period("W-SUN").dt.start_time
    out: list[Row] = []

    def emit(name: str, series: pd.Series) -> None:
        for w, v in series.items():
            out.append((name, w.to_pydatetime(),
                        None if v is None or (isinstance(v, float) and np.isnan(v))
                        else float(v)))

    def ev(name: str) -> pd.DataFrame:
        return inwin[inwin["event"] == name]

    counts = {"tickets": "ticket_opened", "recommendations_shown": "recommendation_shown",
              "recommendation_clicks": "recommendation_clicked", "page_views": "page_viewed",
              "signups": "signup", "sessions": "session_start"}
    series: dict[str, pd.Series] = {}
    for name, event in counts.items():
        series[name] = ev(event).groupby("w").size().astype(float)
    for name, event in (("teams_running_workflows", "workflow_run"),
                        ("audit_log_exporters", "audit_log_exported")):
        series[name] = ev(event).groupby("w")["account_id"].nunique().astype(float)
    wat = ev("workflow_run").groupby("w")["account_id"].nunique().astype(float)
    whole = (wat.index >= start) & (wat.index + pd.Timedelta(days=7) <= end)
    series["weekly_active_teams"] = wat[whole]
    inv = ev("invoice_paid")
    series["revenue"] = inv[inv["amount"].notna()].groupby("w")["amount"].sum()
    for name, s in series.items():
        emit(name, s)
    for name, num, den in RATIOS:
        joined = pd.concat([series[num], series[den]], axis=1).fillna(0.0)
        ratio = (joined.iloc[:, 0] / joined.iloc[:, 1].replace(0.0, np.nan))
        emit(name, ratio.astype(object).where(ratio.notna(), None))
    answers = ev("survey_answered").dropna(subset=["user_id", "score"])
    latest = answers.sort_values(["timestamp", "score"]).groupby(["w", "user_id"]).tail(1)
    points = np.where(latest["score"] >= 9, 100.0, np.where(latest["score"] <= 6, -100.0, 0.0))
    emit("nps", pd.Series(points, index=latest.index).groupby(latest["w"]).mean())
    _cohorts(df, start, end, emit)
    return out


def _cohorts(df: pd.DataFrame, start: datetime, end: datetime, emit: Any) -> None:
    import numpy as np

    signups = df[df["event"] == "signup"]

    def anchors(entity: str) -> pd.DataFrame:
        a = signups.dropna(subset=[entity]).groupby(entity)["timestamp"].min().rename("t0")
        a = a[(a >= start) & (a < end)].reset_index()
        a["w"] = a["t0"].dt.to_period("W-SUN").dt.start_time
        return a

    def rate(name: str, entity: str, to_event: str, lo: timedelta, hi: timedelta,
             inclusive: bool) -> None:
        a = anchors(entity)
        a["mature"] = a["t0"] + hi <= end
        outs = df[df["event"] == to_event][[entity, "timestamp"]].dropna()
        m = a.merge(outs, on=entity)
        upper = m["timestamp"] <= m["t0"] + hi if inclusive else m["timestamp"] < m["t0"] + hi
        hit = set(m.loc[(m["timestamp"] >= m["t0"] + lo) & upper, entity])
        a["hit"] = a[entity].isin(hit) & a["mature"]
        g = a.groupby("w").agg(n=("mature", "sum"), k=("hit", "sum"))
        emit(name, (g["k"] / g["n"].replace(0, np.nan)).astype(object)
             .where(g["n"] > 0, None))

    rate("activation_rate", "account_id", "project_created", timedelta(0), timedelta(days=7),
         True)
    rate("d7_retention", "user_id", "session_start", timedelta(days=7), timedelta(days=8),
         False)
    rate("account_retention_90d", "account_id", "session_start", timedelta(days=90),
         timedelta(days=97), False)
    a = anchors("account_id")
    a = a[a["t0"] + timedelta(days=14) <= end]
    outs = df[df["event"] == "report_viewed"][["account_id", "timestamp"]].dropna()
    m = a.merge(outs, on="account_id")
    m = m[(m["timestamp"] >= m["t0"]) & (m["timestamp"] <= m["t0"] + timedelta(days=14))]
    first = m.groupby("account_id")["timestamp"].min().rename("t1").reset_index()
    a = a.merge(first, on="account_id", how="left")
    a["hours"] = (a["t1"] - a["t0"]).dt.total_seconds() / 3600.0
    emit("time_to_first_value", a.groupby("w")["hours"].median())
