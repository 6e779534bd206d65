"""Compiled-SQL cache: compile a definition once, run it for any window.

Turning an Ibis expression into SQL costs 15–40 ms per metric in pure Python — more than
DuckDB needs to answer it on a million events. A definition's SQL depends on the definition,
segment, grain, dialect and table schema, not on the window; so it is compiled once as a
*template* whose time literals are fixed sentinels (compile.Query(template=True)), and each
call substitutes the real instants, rendered by the same Ibis dialect. Templates live in
memory and, when the event source has a cache folder (the DuckDB store's `.sowhat/`), on
disk, keyed by everything that could change the SQL — including the Sowhat and Ibis
versions. A template whose sentinels cannot all be found is never cached.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sowhat import __version__
from sowhat.metrics.query import (
    RESULT_COLUMNS,
    SENTINEL_AS_OF,
    SENTINEL_END,
    SENTINEL_START,
    Query,
    sentinel_cutoff,
)
from sowhat.spec.metric_defs import (
    MetricsFile,
    SegmentDef,
    normalized_definition,
    outcome_window,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from sowhat.metrics.source import EventSource
    from sowhat.metrics.trait_join import TraitContext

CACHE_FORMAT = 1


def _code_fingerprint() -> str:
    """The compiler's own source: editing it invalidates every cached template."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in ("compile.py", "properties.py", "query.py", "trait_join.py"):
        try:
            digest.update((here / name).read_bytes())
        except OSError:  # pragma: no cover - zipped installs: rely on the version
            digest.update(name.encode())
    return digest.hexdigest()[:16]


_CODE = _code_fingerprint()
_IBIS = version("ibis-framework")
_MEMORY: OrderedDict[str, dict[str, Any]] = OrderedDict()
_MEMORY_SIZE = 1024
_RENDERED: dict[tuple[str, datetime], str] = {}
_LITERAL = re.compile(r"^SELECT\s+(.*?)\s+AS\s+\S+\s*$", re.DOTALL)


def render_timestamp(value: datetime, dialect: str) -> str:
    """How Ibis writes a timestamp literal in `dialect` (memoised: it is asked often)."""
    key = (dialect, value)
    text = _RENDERED.get(key)
    if text is None:
        import ibis

        sql = str(ibis.to_sql(ibis.literal(value, type="timestamp").name("x"), dialect=dialect))
        m = _LITERAL.match(sql.strip())
        if m is None:  # pragma: no cover - every Ibis dialect renders `SELECT <lit> AS x`
            raise ValueError(f"cannot read a {dialect} timestamp literal from {sql!r}")
        text = m[1].strip()
        _RENDERED[key] = text
    return text


def _key(name: str, catalog: MetricsFile, q: Query, dialect: str, source_id: str,
         schema: list[tuple[str, str]], traits: TraitContext | None = None,
         firsts: frozenset[tuple[str, str]] = frozenset(),
         slots: tuple[SegmentDef | None, ...] | None = None) -> str:
    m = catalog.metrics[name]
    payload = {
        "format": CACHE_FORMAT,
        "sowhat": __version__,
        "code": _CODE,
        "ibis": _IBIS,
        "dialect": dialect,
        "source": source_id,
        "schema": schema,
        "metric": normalized_definition(m),
        "segment": _segment(q.segment),
        "grain": q.grain,
        "traits": traits.key() if traits is not None else None,
        "firsts": sorted(firsts),
    }
    if slots is not None:
        payload["slots"] = [_segment(s) for s in slots]
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _segment(segment: SegmentDef | None) -> Any:
    return (segment.model_dump(mode="json", by_alias=True, exclude={"description"})
            if segment is not None else None)


def _pairs(name: str, catalog: MetricsFile, q: Query) -> dict[str, tuple[datetime, datetime]]:
    """Role -> (sentinel, actual) instants of one metric's SQL."""
    pairs = {"start": (SENTINEL_START, q.start), "end": (SENTINEL_END, q.end),
             "as_of": (SENTINEL_AS_OF, q.as_of)}
    window = outcome_window(catalog.metrics[name])
    if window is not None:
        pairs["cutoff"] = (sentinel_cutoff(window), q.as_of - window)
    return pairs


def literal_timestamp(value: datetime, dialect: str) -> str:
    """A timestamp literal valid in `dialect`; plain SQL for the common ones (no Ibis call)."""
    if dialect in ("duckdb", "postgres"):
        return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S.%f}'"
    return render_timestamp(value, dialect)


class SqlCache:
    """Templates for one event source; `folder` (optional) keeps them across processes."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder

    def sql(self, name: str, catalog: MetricsFile, q: Query, *, source_id: str,
            schema: list[tuple[str, str]], dialect: str, table: Callable[[], ir.Table],
            traits: TraitContext | None = None,
            firsts: tuple[Callable[[], ir.Table], frozenset[tuple[str, str]]] | None = None,
            slots: tuple[SegmentDef | None, ...] | None = None,
            ) -> str:
        """The SQL computing metric `name` (not a ratio) for the window in `q`.

        `table` is called (to build the Ibis expression) only when no template is cached.
        `traits` is the trait index when a condition reads a trait (it shapes the SQL);
        `firsts` the store's first-event table and the pairs it keeps (sowhat.metrics.
        first_events), likewise. `slots`: the metric under each of these segments at once,
        the rows tagged with column `slot` (sowhat.metrics.compile; `q.segment` is None).
        """
        pairs_kept = firsts[1] if firsts is not None else frozenset()
        key = _key(name, catalog, q, dialect, source_id, schema, traits, pairs_kept, slots)
        pairs = _pairs(name, catalog, q)
        entry = self._get(key)
        if entry is None:
            import ibis

            from sowhat.metrics.compile import FirstEvents, compile_metric

            fe = (FirstEvents(firsts[0](), pairs_kept) if firsts is not None and pairs_kept
                  else None)
            tq = Query(start=q.start, end=q.end, as_of=q.as_of, grain=q.grain,
                       segment=q.segment, template=True)
            sql = str(ibis.to_sql(compile_metric(name, catalog, table(), tq, traits=traits,
                                                 firsts=fe, slots=slots), dialect=dialect))
            marks = {role: render_timestamp(s, dialect) for role, (s, _) in pairs.items()}
            if not all(marks[r] in sql for r in ("start", "end", "as_of")):
                # pragma: no cover - a dialect that folds literals: compile directly
                return str(ibis.to_sql(compile_metric(name, catalog, table(), q,
                                                      traits=traits, firsts=fe, slots=slots),
                                       dialect=dialect))
            entry = {"sql": sql, "marks": marks}
            self._put(key, entry)
        sql = str(entry["sql"])
        marks = dict(entry["marks"])
        for role, (_, actual) in pairs.items():
            sql = sql.replace(str(marks[role]), literal_timestamp(actual, dialect))
        return sql

    def _get(self, key: str) -> dict[str, Any] | None:
        if key in _MEMORY:
            _MEMORY.move_to_end(key)
            return _MEMORY[key]
        if self.folder is not None:
            try:
                entry: dict[str, Any] = json.loads(
                    (self.folder / f"{key}.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            self._remember(key, entry)
            return entry
        return None

    def _put(self, key: str, entry: dict[str, Any]) -> None:
        self._remember(key, entry)
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(entry), encoding="utf-8")
            tmp.replace(self.folder / f"{key}.json")
        except OSError:
            pass  # a read-only workspace still computes, just without the disk cache

    @staticmethod
    def _remember(key: str, entry: dict[str, Any]) -> None:
        _MEMORY[key] = entry
        _MEMORY.move_to_end(key)
        while len(_MEMORY) > _MEMORY_SIZE:
            _MEMORY.popitem(last=False)


def union_sql(parts: Sequence[tuple[int | Sequence[int], str]]) -> str:
    """One query returning every part's rows tagged with its index (column req_index).

    A part given several indices is slotted (`SqlCache.sql(slots=)`): its rows of slot k
    are tagged with the k-th index."""
    out = []
    for n, (index, sql) in enumerate(parts):
        if isinstance(index, int):
            out.append(f"SELECT {index} AS req_index, t{n}.* FROM ({sql}) AS t{n}")
            continue
        tags = " ".join(f"WHEN {k} THEN {i}" for k, i in enumerate(index))
        columns = ", ".join(f"t{n}.{c}" for c in RESULT_COLUMNS)
        out.append(f"SELECT CASE t{n}.slot {tags} END AS req_index, {columns} "
                   f"FROM ({sql}) AS t{n}")
    return "\nUNION ALL\n".join(out)


def run_sql(events: EventSource, sql: str) -> list[dict[str, Any]]:
    """Rows of a SQL text on the source's backend, as dictionaries.

    DuckDB answers through its own cursor (no Arrow round trip, so no pyarrow import on the
    hot path) and through `execute`, not `sql`: a relation is bound once more to give its
    columns — a quarter of a metric query's CPU (benchmarks/README.md, incremental.py);
    other backends through Ibis.
    """
    con = events.duckdb_connection()
    if con is not None:
        cursor = con.execute(sql)
        names = [str(d[0]) for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    rows: list[dict[str, Any]] = events.backend.sql(sql).to_pyarrow().to_pylist()
    return rows
