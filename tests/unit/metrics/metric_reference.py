"""A plain-Python reference for every metric type, written from DESIGN.md's window semantics.

Deliberately naive (loops over rows, dictionaries) and independent of the Ibis compiler, so
the engine's answers can be checked against it on crafted and random data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

Row = dict[str, Any]  # event, timestamp (naive UTC), user_id, account_id, properties (dict)


@dataclass
class Ref:
    start: datetime
    end: datetime
    value: float | None
    entities: int | None = None
    excluded_immature: int | None = None


def _typed(props: dict[str, Any], name: str, like: Any) -> Any:
    value: Any = props
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    if isinstance(like, bool):
        return value if isinstance(value, bool) else None
    if isinstance(like, int | float):
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None
    return value if isinstance(value, str) else None


def cond_ok(props: dict[str, Any], cond: dict[str, Any]) -> bool:
    name = cond["property"]
    if "equals" in cond:
        v = _typed(props, name, cond["equals"])
        if v is None or v != cond["equals"]:
            return False
    if "in" in cond and not any(
        _typed(props, name, c) is not None and _typed(props, name, c) == c for c in cond["in"]
    ):
        return False
    for op in ("gt", "lt", "gte", "lte"):
        if op in cond:
            v = _typed(props, name, 0.0)
            if v is None:
                return False
            bound = cond[op]
            ok = {"gt": v > bound, "lt": v < bound, "gte": v >= bound, "lte": v <= bound}[op]
            if not ok:
                return False
    return True


def matches(row: Row, ref: dict[str, Any]) -> bool:
    if row["event"] != ref["event"]:
        return False
    where = ref.get("where") or []
    if isinstance(where, dict):
        where = [where]
    return all(cond_ok(row["properties"], c) for c in where)


def windows(start: datetime, end: datetime, grain: str | None) -> list[tuple[datetime, datetime]]:
    if grain is None:
        return [(start, end)]
    monday = datetime(start.year, start.month, start.day) - timedelta(days=start.weekday())
    out = []
    while monday < end:
        out.append((max(monday, start), min(monday + timedelta(days=7), end)))
        monday += timedelta(days=7)
    return out


def compute(name: str, catalog: dict[str, Any], rows: list[Row], start: datetime,
            end: datetime, as_of: datetime | None = None, grain: str | None = None,
            segment: str | None = None) -> list[Ref]:
    as_of = as_of or end
    readable = [r for r in rows if r["timestamp"] < as_of]
    seg = catalog.get("segments", {}).get(segment) if segment else None
    return [_one(name, catalog, readable, ws, we, as_of, seg) for ws, we in
            windows(start, end, grain)]


def _one(name: str, catalog: dict[str, Any], rows: list[Row], ws: datetime, we: datetime,
         as_of: datetime, seg: dict[str, Any] | None) -> Ref:
    m = catalog["metrics"][name]
    t = m["type"]
    if t == "ratio":
        num = _one(m["numerator"], catalog, rows, ws, we, as_of, seg)
        den = _one(m["denominator"], catalog, rows, ws, we, as_of, seg)
        if num.value is None or den.value is None or den.value == 0:
            return Ref(ws, we, None)
        return Ref(ws, we, num.value / den.value)
    if t == "active":
        return _active(m, rows, ws, we, as_of, seg)
    if t == "churn":
        return _churn(m, rows, ws, we, as_of, seg)
    if t in ("count", "unique", "sum", "average", "nps"):
        sel = [r for r in rows if matches(r, m) and ws <= r["timestamp"] < we
               and (seg is None or cond_ok(r["properties"], seg))]
        if t == "count":
            return Ref(ws, we, float(len(sel)))
        if t == "unique":
            ids = {r[m["entity"]] for r in sel if r[m["entity"]] is not None}
            return Ref(ws, we, float(len(ids)), len(ids))
        if t in ("sum", "average"):
            xs = [_typed(r["properties"], m["property"], 0.0) for r in sel]
            xs = [float(x) for x in xs if x is not None]
            if t == "sum":
                return Ref(ws, we, float(sum(xs)))
            if not xs:
                return Ref(ws, we, None)
            stat = m.get("statistic", "mean")
            if stat == "mean":
                return Ref(ws, we, sum(xs) / len(xs))
            q = 50.0 if stat == "median" else float(stat[1:])
            return Ref(ws, we, float(np.percentile(xs, q)))
        entity = m.get("entity", "user_id")
        latest: dict[str, tuple[datetime, float]] = {}
        for r in sel:
            score = _typed(r["properties"], m.get("property", "score"), 0.0)
            if r[entity] is None or score is None:
                continue
            key = (r["timestamp"], float(score))
            if r[entity] not in latest or key > latest[r[entity]]:
                latest[r[entity]] = key
        if not latest:
            return Ref(ws, we, None, 0)
        scores = [s for _, s in latest.values()]
        prom = sum(1 for s in scores if s >= 9)
        det = sum(1 for s in scores if s <= 6)
        return Ref(ws, we, 100.0 * (prom - det) / len(scores), len(scores))
    return _cohort(m, rows, ws, we, as_of, seg)


def _window(m: dict[str, Any]) -> tuple[timedelta, timedelta | None, bool]:
    """(lo, hi, inclusive hi) offsets from the anchor; maturity uses hi."""
    if m["type"] == "retention":
        a, b = (m["day"], m["day"]) if "day" in m else tuple(m["days"])
        return timedelta(days=a), timedelta(days=b + 1), False
    within = m.get("within")
    return timedelta(0), (_dur(within) if within else None), True


def _dur(text: str) -> timedelta:
    n, unit = int(text[:-1]), text[-1]
    return timedelta(**{{"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[unit]: n})


def _cohort(m: dict[str, Any], rows: list[Row], ws: datetime, we: datetime, as_of: datetime,
            seg: dict[str, Any] | None) -> Ref:
    entity = m["entity"]
    anchor_ref = m["start"] if m["type"] == "retention" else m["from"]
    outcome_ref = m["return"] if m["type"] == "retention" else m["to"]
    anchors: dict[str, datetime] = {}
    anchor_rows: dict[str, list[Row]] = {}
    for r in rows:
        if r[entity] is not None and matches(r, anchor_ref):
            anchor_rows.setdefault(r[entity], []).append(r)
            if r[entity] not in anchors or r["timestamp"] < anchors[r[entity]]:
                anchors[r[entity]] = r["timestamp"]
    if seg is not None:  # in the segment when any event at the anchor's instant matches
        anchors = {
            e: a for e, a in anchors.items()
            if any(r["timestamp"] == a and cond_ok(r["properties"], seg) for r in anchor_rows[e])
        }
    cohort = {e: a for e, a in anchors.items() if ws <= a < we}
    lo, hi, inclusive = _window(m)
    mature = {e: a for e, a in cohort.items() if hi is None or a + hi <= as_of}
    immature = len(cohort) - len(mature)
    outcomes: dict[str, list[datetime]] = {}
    for r in rows:
        if r[entity] is not None and matches(r, outcome_ref):
            outcomes.setdefault(r[entity], []).append(r["timestamp"])

    def in_range(a: datetime, t: datetime) -> bool:
        if t < a + lo:
            return False
        if hi is None:
            return True
        return t <= a + hi if inclusive else t < a + hi

    if m["type"] in ("conversion", "retention"):
        hits = sum(1 for e, a in mature.items() if any(in_range(a, t) for t in outcomes.get(e, [])))
        value = hits / len(mature) if mature else None
        return Ref(ws, we, value, len(mature), immature)
    unit = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}[m.get("unit", "hours")]
    xs = []
    for e, a in mature.items():
        ts = [t for t in outcomes.get(e, []) if in_range(a, t)]
        if ts:
            xs.append((min(ts) - a).total_seconds() / unit)
    if not xs:
        return Ref(ws, we, None, len(mature), immature)
    stat = m.get("statistic", "median")
    if stat == "mean":
        value = float(np.mean(xs))
    else:
        q = 50.0 if stat == "median" else float(stat[1:])
        value = float(np.percentile(xs, q))  # numpy default: linear interpolation
    return Ref(ws, we, value, len(mature), immature)


def _next(p: datetime, per: str) -> datetime:
    if per == "month":
        return datetime(p.year + (p.month == 12), p.month % 12 + 1, 1)
    return p + timedelta(days=7 if per == "week" else 1)


def _active(m: dict[str, Any], rows: list[Row], ws: datetime, we: datetime, as_of: datetime,
            seg: dict[str, Any] | None) -> Ref:
    """Walk every period from a month before the window; keep the whole ones inside it."""
    per, entity = m["per"], m["entity"]
    end = min(we, as_of)
    p = datetime(ws.year, ws.month, 1) - timedelta(days=31)
    p = {"day": datetime(p.year, p.month, p.day),
         "week": datetime(p.year, p.month, p.day) - timedelta(days=p.weekday()),
         "month": datetime(p.year, p.month, 1)}[per]
    counts: list[int] = []
    everyone: set[str] = set()
    while p < end:
        nxt = _next(p, per)
        if p >= ws and nxt <= end:
            ids = {r[entity] for r in rows if matches(r, m) and p <= r["timestamp"] < nxt
                   and r[entity] is not None and (seg is None or cond_ok(r["properties"], seg))}
            counts.append(len(ids))
            everyone |= ids
        p = nxt
    if not counts:
        return Ref(ws, we, None, 0)
    return Ref(ws, we, sum(counts) / len(counts), len(everyone))


def _churn(m: dict[str, Any], rows: list[Row], ws: datetime, we: datetime, as_of: datetime,
           seg: dict[str, Any] | None) -> Ref:
    """Walk each entity's start/end marks in time order; at every whole period inside the
    window ask who was a customer at its start and who of them ended during it."""
    if "active" in m:
        return _activity_churn(m, rows, ws, we, as_of, seg)
    per, entity = m["per"], m["entity"]
    marks: dict[str, dict[datetime, list[bool]]] = {}  # entity -> instant -> [ends?, meets?]
    for r in rows:
        who = r[entity]
        if who is None:
            continue
        is_start, is_end = matches(r, m["start"]), matches(r, m["end"])
        if not (is_start or is_end):
            continue
        slot = marks.setdefault(who, {}).setdefault(r["timestamp"], [False, False, False])
        if is_start:
            slot[0] = True
            slot[2] = slot[2] or seg is None or cond_ok(r["properties"], seg)
        if is_end:
            slot[1] = True

    def state(who: str, at: datetime) -> tuple[bool, bool]:
        """(customer at `at`, in the segment) from the marks strictly before `at`; at one
        instant a start comes before an end."""
        customer, meets = False, False
        for ts in sorted(marks[who]):
            if ts >= at:
                break
            started, ended, seg_ok = marks[who][ts]
            if started and not customer:
                customer, meets = True, seg_ok
            if ended:
                customer, meets = False, False
        return customer, meets

    end = min(we, as_of)
    p = datetime(ws.year, ws.month, 1) - timedelta(days=31)
    p = {"day": datetime(p.year, p.month, p.day),
         "week": datetime(p.year, p.month, p.day) - timedelta(days=p.weekday()),
         "month": datetime(p.year, p.month, 1)}[per]
    base = churned = 0
    everyone: set[str] = set()
    while p < end:
        nxt = _next(p, per)
        if p >= ws and nxt <= end:
            for who in marks:
                customer, meets = state(who, p)
                if not (customer and meets):
                    continue
                base += 1
                everyone.add(who)
                if any(p <= ts < nxt and v[1] for ts, v in marks[who].items()):
                    churned += 1
        p = nxt
    if base == 0:
        return Ref(ws, we, None, 0)
    return Ref(ws, we, churned / base, len(everyone))


def _previous(p: datetime, per: str) -> datetime:
    if per == "month":
        return datetime(p.year - (p.month == 1), (p.month - 2) % 12 + 1, 1)
    return p - timedelta(days=7 if per == "week" else 1)


def _activity_churn(m: dict[str, Any], rows: list[Row], ws: datetime, we: datetime,
                    as_of: datetime, seg: dict[str, Any] | None) -> Ref:
    """At every whole period inside the window: who was active in the period before (the
    segment on those events), and who of them is not active in the period."""
    per, entity, ref = m["per"], m["entity"], m["active"]

    def active(lo: datetime, hi: datetime, segment: dict[str, Any] | None) -> set[str]:
        return {r[entity] for r in rows if r[entity] is not None and matches(r, ref)
                and lo <= r["timestamp"] < hi
                and (segment is None or cond_ok(r["properties"], segment))}

    end = min(we, as_of)
    p = datetime(ws.year, ws.month, 1) - timedelta(days=31)
    p = {"day": datetime(p.year, p.month, p.day),
         "week": datetime(p.year, p.month, p.day) - timedelta(days=p.weekday()),
         "month": datetime(p.year, p.month, 1)}[per]
    base_total = lost = 0
    everyone: set[str] = set()
    while p < end:
        nxt = _next(p, per)
        if p >= ws and nxt <= end:
            base = active(_previous(p, per), p, seg)
            base_total += len(base)
            lost += len(base - active(p, nxt, None))
            everyone |= base
        p = nxt
    if base_total == 0:
        return Ref(ws, we, None, 0)
    return Ref(ws, we, lost / base_total, len(everyone))
