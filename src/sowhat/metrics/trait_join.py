"""`trait: NAME` conditions: each event gets its entity's trait value as of the event's time.

The trait history (sowhat.metrics.traits) becomes validity intervals per (entity id, trait):
a value holds from its timestamp until the next value's (LEAD over the id's values, in
time order), so the as-of lookup is an equi-join on the id plus `from <= t < to` — plain SQL
that Ibis compiles for every backend (DuckDB, PostgreSQL, warehouses), where a native ASOF
JOIN exists on few. The interval table is small (one row per stated value) and each event
matches at most one interval, so the join adds no rows.

Whose trait: the condition's `entity` when given; otherwise the metric's entity (user_id for
count / sum / average, which have none) — unless the trait is recorded only for the other
entity, which is then used (a `plan` stated by `group` calls is an account trait even on a
user-level metric). An account trait reads the event's `account_id`; an event without one
falls back to the account its user was linked to at that time by `group` calls.
A trait no entity has ever had is an error naming the closest known trait, never a silent 0.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sowhat.errors import UserError
from sowhat.spec.metric_defs import (
    ConversionMetric,
    DurationMetric,
    MetricDef,
    MetricsFile,
    RatioMetric,
    RetentionMetric,
    SegmentDef,
    Where,
    dependencies,
    event_refs,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from sowhat.metrics.source import EventSource

FOREVER = datetime(9999, 12, 31)
TRAIT_TABLE = "traits"
LINK_TABLE = "account_links"


@dataclass
class TraitContext:
    """What a compiler needs for trait conditions: which traits exist, and their tables."""

    known: Mapping[str, frozenset[str]]  # trait name -> entities that have it
    links: bool  # any user -> account links from `group` calls
    source: Any = None  # the EventSource the tables come from (None: unbound stand-ins)
    permissive: bool = False  # no data to ask (SQL shown without a source): trust the names
    _tables: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def unbound(cls) -> TraitContext:
        """Stand-in tables and no index: for showing SQL when there are no events yet."""
        return cls({}, links=False, permissive=True)

    def key(self) -> list[Any]:
        """What the compiled SQL depends on (for the SQL cache key)."""
        return [sorted((n, sorted(e)) for n, e in self.known.items()), self.links]

    def table(self, name: str) -> ir.Table:
        if name not in self._tables:
            if self.source is None:
                import ibis

                schema = ({"entity": "string", "id": "string", "name": "string",
                           "value": "string", "timestamp": "timestamp"} if name == TRAIT_TABLE
                          else {"user_id": "string", "account_id": "string",
                                "timestamp": "timestamp"})
                self._tables[name] = ibis.table(schema, name=name)
            else:
                self._tables[name] = self.source.backend.table(name)
        return self._tables[name]

    def entity_for(self, cond: Where, default: str) -> str:
        """Whose trait `cond` reads (see the module docstring)."""
        name = cond.name
        if self.permissive:
            return cond.entity or default
        have = self.known.get(name, frozenset())
        if not have:
            close = difflib.get_close_matches(name, list(self.known), n=1)
            raise UserError(
                f"no user or account has trait {name!r}",
                hint=f"did you mean {close[0]!r}?" if close else
                "load traits with `sowhat ingest` (identify/group calls) or "
                "`sowhat ingest --traits FILE --entity user_id|account_id`")
        if cond.entity is not None:
            return cond.entity
        if default in have:
            return default
        return next(iter(sorted(have)))


def trait_conditions(catalog: MetricsFile, name: str, segment: SegmentDef | None
                     ) -> list[Where]:
    """Every `trait:` condition metric `name` (with its ratio parts) and the segment read."""
    conds: list[Where] = [segment] if segment is not None and segment.trait else []
    for dep in dependencies(catalog, name):
        m = catalog.metrics.get(dep)
        if m is None or isinstance(m, RatioMetric):
            continue
        conds.extend(c for ref in event_refs(m) for c in ref.where if c.trait)
    return conds


def load_traits(source: EventSource | None) -> TraitContext | None:
    """The trait index of a source: None when it has no `traits` table.

    DuckDB sources answer from their own connection (no Ibis import); other backends are
    asked through Ibis for a table named `traits` (and `account_links`) next to the events,
    with the columns the store uses (docs/metrics.md "Traits").
    """
    if source is None:
        return None
    con = source.duckdb_connection()
    if con is not None:
        tables = {str(r[0]) for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = current_schema() "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal "
            "AND schema_name = current_schema()").fetchall()}
        if TRAIT_TABLE not in tables:
            return None
        rows = con.execute(f"SELECT name, entity FROM {TRAIT_TABLE} GROUP BY 1, 2").fetchall()
        links = LINK_TABLE in tables and bool(
            con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {LINK_TABLE} LIMIT 1)"
                        ).fetchall()[0][0])
    else:
        try:
            tables = set(source.backend.list_tables())
        except Exception:  # a backend that cannot list tables: no traits
            return None
        if TRAIT_TABLE not in tables:
            return None
        t = source.backend.table(TRAIT_TABLE)
        rows = [(r["name"], r["entity"]) for r in
                t.select("name", "entity").distinct().to_pyarrow().to_pylist()]
        links = LINK_TABLE in tables and source.backend.table(LINK_TABLE).count().execute() > 0
    known: dict[str, set[str]] = {}
    for name, entity in rows:
        known.setdefault(str(name), set()).add(str(entity))
    return TraitContext({k: frozenset(v) for k, v in known.items()}, links, source)


def metric_entity(m: MetricDef) -> str:
    """The entity whose traits a metric's conditions read by default."""
    entity = getattr(m, "entity", None)
    if isinstance(m, ConversionMetric | RetentionMetric | DurationMetric) or entity:
        return str(entity)
    return "user_id"


def with_traits(t: ir.Table, conds: Iterable[Where], entity: str, ctx: TraitContext | None
                ) -> tuple[ir.Table, dict[int, str]]:
    """`t` plus one column per trait condition (its value as of each row's timestamp).

    Returns the table and id(condition) -> column name, for `properties.predicate(column=)`.
    """
    wanted = [c for c in conds if c.trait is not None]
    if not wanted:
        return t, {}
    if ctx is None:
        raise UserError(f"trait {wanted[0].name!r}: these events have no trait history",
                        hint="load identify/group calls or a trait file with `sowhat ingest`; "
                        "a warehouse source needs a `traits` table (docs/metrics.md)")
    columns: dict[int, str] = {}
    joined: dict[tuple[str, str], str] = {}
    base = list(t.columns)
    if ctx.links and any(ctx.entity_for(c, entity) == "account_id" for c in wanted):
        t = _link_accounts(t, ctx)
    extra: list[str] = []
    for cond in wanted:
        who = ctx.entity_for(cond, entity)
        spot = (cond.name, who)
        if spot not in joined:
            i = len(joined)
            col = f"__trait_{i}"
            iv = _intervals(ctx.table(TRAIT_TABLE), cond.name, who, i)
            t = t.view()  # a join's output joined again: a fresh reference
            key = (t["__account"] if "__account" in t.columns else t.account_id) \
                if who == "account_id" else t.user_id
            j = t.left_join(iv, [key == iv[f"tid{i}"], t.timestamp >= iv[f"tfrom{i}"],
                                 t.timestamp < iv[f"tto{i}"]])
            keep = [*base, *extra, *(["__account"] if "__account" in t.columns else [])]
            t = j.select(*[j[c] for c in keep], **{col: j[f"tval{i}"]})
            extra.append(col)
            joined[spot] = col
        columns[id(cond)] = joined[spot]
    return t, columns


def _intervals(traits: ir.Table, name: str, entity: str, i: int) -> ir.Table:
    import ibis

    tr = traits.filter(traits.entity == entity, traits.name == name, traits.id.notnull())
    tr = tr.group_by(["id", "timestamp"]).aggregate(value=tr.value.max())  # one per instant
    nxt = tr.timestamp.lead().over(group_by=tr.id, order_by=tr.timestamp)
    forever = ibis.literal(FOREVER, type="timestamp")
    return tr.select(**{f"tid{i}": tr.id, f"tfrom{i}": tr.timestamp,
                        f"tto{i}": nxt.fill_null(forever), f"tval{i}": tr.value})


def _link_accounts(t: ir.Table, ctx: TraitContext) -> ir.Table:
    """`__account`: the event's account_id, else its user's account as of the event."""
    import ibis

    links = ctx.table(LINK_TABLE)
    links = links.filter(links.user_id.notnull(), links.account_id.notnull())
    links = links.group_by(["user_id", "timestamp"]).aggregate(acct=links.account_id.max())
    nxt = links.timestamp.lead().over(group_by=links.user_id, order_by=links.timestamp)
    forever = ibis.literal(FOREVER, type="timestamp")
    iv = links.select(luser=links.user_id, lfrom=links.timestamp,
                      lto=nxt.fill_null(forever), lacct=links.acct)
    j = t.left_join(iv, [t.user_id == iv.luser, t.timestamp >= iv.lfrom,
                         t.timestamp < iv.lto])
    return j.select(*[j[c] for c in t.columns], __account=j.account_id.coalesce(j.lacct))


def traits_for(catalog: MetricsFile, names: Iterable[str], segments: Iterable[SegmentDef | None],
               source: EventSource | None) -> TraitContext | None:
    """The trait context a batch needs: loaded only when some condition reads a trait."""
    segs = list(segments) or [None]
    if not any(trait_conditions(catalog, n, s) for n in names if n in catalog.metrics
               for s in segs):
        return None
    if source is None:
        return TraitContext.unbound()
    return load_traits(source)
