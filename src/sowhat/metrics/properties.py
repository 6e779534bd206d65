"""Event properties as Ibis values, and `where` / segment conditions as predicates.

A property is read from a real column when the table has one of that name (flat extra
columns count as properties; the DuckDB store materialises frequent properties as typed
columns for speed), and from the `properties` JSON otherwise. Types follow the value compared
against: `equals: mid` reads a string, `gt: 5` a number, `equals: true` a boolean; a JSON value
of another type reads as null, so `sum` skips non-numeric values rather than failing.
On Spark the JSON is read with Spark's own functions (sowhat.metrics.spark_json), never
with the Python UDFs Ibis would otherwise compile it to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import ibis
import ibis.expr.types as ir

from sowhat.errors import DataError
from sowhat.metrics.source import RESERVED_COLUMNS
from sowhat.spec.metric_defs import Scalar, Where

Kind = Literal["string", "number", "boolean"]


def kind_of(value: Scalar) -> Kind:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


def prop(t: ir.Table, name: str, kind: Kind) -> ir.Value:
    """Property `name` of each row of `t`, typed as `kind` (null where absent or mistyped)."""
    if name in t.columns and name not in RESERVED_COLUMNS:
        col = t[name]
        dtype = col.type()
        if kind == "number":
            return col.cast("float64") if dtype.is_numeric() else col.try_cast("float64")
        if kind == "boolean":
            return col if dtype.is_boolean() else col.try_cast("boolean")
        return col if dtype.is_string() else col.cast("string")
    if "properties" not in t.columns:
        raise DataError(
            f"the events have no property {name!r}: no such column and no properties column",
            hint="map a properties column in [events.columns] or fix the metric",
        )
    if _on_spark(t):
        from sowhat.metrics.spark_json import json_prop

        return json_prop(_json_text(t), name, kind)
    j = t["properties"]
    if not j.type().is_json():
        j = j.cast("json")
    for part in name.split("."):
        j = j[part]
    if kind == "number":
        return j.float
    if kind == "boolean":
        return j.bool
    return j.str


def has_prop(t: ir.Table, name: str) -> ir.BooleanValue:
    """True where the property is present and not null, whatever its type."""
    if name in t.columns and name not in RESERVED_COLUMNS:
        return t[name].notnull()
    if _on_spark(t):
        from sowhat.metrics.spark_json import json_has

        return json_has(_json_text(t), name)
    j = t["properties"]
    for part in name.split("."):
        j = j[part]
    # JSON null and a missing key both read as SQL NULL through `.str` on every type
    # except strings, so test the typed readings together.
    return j.str.notnull() | j.float.notnull() | j.bool.notnull() | _is_container(j)


def _on_spark(t: ir.Table) -> bool:
    """Whether `t` is bound to a PySpark backend (unbound tables compile for DuckDB)."""
    try:
        return bool(t._find_backend().name == "pyspark")
    except Exception:
        return False


def _json_text(t: ir.Table) -> ir.StringValue:
    col = t["properties"]
    return col if col.type().is_string() else col.cast("string")


def _is_container(j: ir.Value) -> ir.BooleanValue:
    return j.array.notnull() | j.map.notnull()


def predicate(t: ir.Table, cond: Where, column: str | None = None) -> ir.BooleanValue:
    """One condition as a boolean value; null properties never match.

    `column` names the column holding the value when it is not the property itself (a
    trait joined in by `sowhat.metrics.traits`).
    """
    name = column or cond.name
    parts: list[ir.BooleanValue] = []
    if cond.equals is not None:
        parts.append(prop(t, name, kind_of(cond.equals)) == cond.equals)
    if cond.in_ is not None:
        alternatives = []
        for kind in ("string", "number", "boolean"):
            values = [v for v in cond.in_ if kind_of(v) == kind]
            if values:
                alternatives.append(prop(t, name, kind).isin(values))
        parts.append(ibis.or_(*alternatives))
    bounds = cond.bounds()
    if bounds:
        x = prop(t, name, "number")
        for op, v in bounds:
            parts.append({"gt": x > v, "lt": x < v, "gte": x >= v, "lte": x <= v}[op])
    combined = ibis.and_(*parts)
    # A null comparison is unknown, not false; make it false so `NOT` and counts behave.
    return combined.fill_null(False)


def all_of(t: ir.Table, conds: Iterable[Where], columns: Mapping[int, str] | None = None
           ) -> ir.BooleanValue:
    """Every condition at once; `columns` maps id(condition) -> the column of a trait."""
    preds = [predicate(t, c, (columns or {}).get(id(c))) for c in conds]
    return ibis.and_(*preds) if preds else ibis.literal(True)
