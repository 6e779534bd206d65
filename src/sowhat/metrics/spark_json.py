"""JSON properties on Spark in Spark's own SQL, with DuckDB's typing rules.

Ibis compiles JSON access on PySpark to Python UDFs (`unwrap_json_*`): each needs a Python
worker process next to every executor, fails when the workers' Python is not the driver's,
and is registered only when Ibis runs an expression itself — not when the engine runs
cached SQL text. Spark 4 reads JSON natively: `try_parse_json` makes a VARIANT (null for
text that is not JSON), `try_variant_get` walks a path, and `schema_of_variant` names the
JSON type of what it found. A value reads as a number only when it *is* a JSON number (and
likewise for strings and booleans), exactly as `UnwrapJSON*` does on DuckDB, so "12" is not
12 and `true` is not 1 on either engine.

The functions are declared as Ibis builtins: Ibis type-checks them and emits a plain call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

Kind = Literal["string", "number", "boolean"]

_VARIANT = dt.json  # Ibis has no VARIANT type; JSON only has to carry it between calls


Fn = Callable[..., Any]


def _builtin(stub: Fn, name: str, args: tuple[dt.DataType, ...], returns: dt.DataType) -> Fn:
    """`stub` as the Spark function `name` (Ibis only emits a call; nothing runs in Python)."""
    make: Fn = ibis.udf.scalar.builtin
    fn: Fn = make(stub, name=name, signature=(args, returns))
    return fn


def _parse_stub(text: Any) -> Any:
    """TRY_PARSE_JSON(text) -> VARIANT (null for text that is not JSON)."""


def _get_stub(v: Any, path: Any) -> Any:
    """TRY_VARIANT_GET(v, path) -> VARIANT."""


def _type_stub(v: Any) -> Any:
    """SCHEMA_OF_VARIANT(v) -> 'BIGINT', 'DECIMAL(3,1)', 'STRING', 'VOID', 'OBJECT<...>', ..."""


def _double_stub(v: Any, path: Any, type_: Any) -> Any:
    """TRY_VARIANT_GET(v, path, 'double')."""


def _string_stub(v: Any, path: Any, type_: Any) -> Any:
    """TRY_VARIANT_GET(v, path, 'string')."""


def _boolean_stub(v: Any, path: Any, type_: Any) -> Any:
    """TRY_VARIANT_GET(v, path, 'boolean')."""


_parse = _builtin(_parse_stub, "try_parse_json", (dt.string,), _VARIANT)
_get = _builtin(_get_stub, "try_variant_get", (_VARIANT, dt.string), _VARIANT)
_type_name = _builtin(_type_stub, "schema_of_variant", (_VARIANT,), dt.string)
_get_double = _builtin(_double_stub, "try_variant_get", (_VARIANT, dt.string, dt.string),
                       dt.float64)
_get_string = _builtin(_string_stub, "try_variant_get", (_VARIANT, dt.string, dt.string),
                       dt.string)
_get_boolean = _builtin(_boolean_stub, "try_variant_get", (_VARIANT, dt.string, dt.string),
                        dt.boolean)

_NUMBERS = ("BIGINT", "INT", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT")


def json_path(name: str) -> str:
    """`a.b` -> `$['a']['b']`: bracket steps, so keys with spaces or dashes work too."""
    steps = []
    for part in name.split("."):
        if "'" in part or "]" in part or "\\" in part:
            raise ValueError(f"property name {name!r} cannot be read from JSON on Spark")
        steps.append(f"['{part}']")
    return "$" + "".join(steps)


def json_prop(text: ir.StringValue, name: str, kind: Kind) -> ir.Value:
    """Property `name` of the JSON text, typed as `kind` (null when absent or another type)."""
    v = _parse(text)
    path = json_path(name)
    type_name = _type_name(_get(v, path))
    null = ibis.null()
    if kind == "number":
        is_number = type_name.isin(list(_NUMBERS)) | type_name.startswith("DECIMAL")
        return ibis.ifelse(is_number, _get_double(v, path, "double"), null.cast(dt.float64))
    if kind == "boolean":
        return ibis.ifelse(type_name == "BOOLEAN", _get_boolean(v, path, "boolean"),
                           null.cast(dt.boolean))
    return ibis.ifelse(type_name == "STRING", _get_string(v, path, "string"),
                       null.cast(dt.string))


def json_has(text: ir.StringValue, name: str) -> ir.BooleanValue:
    """True where the property is present and not JSON null, whatever its type."""
    type_name = _type_name(_get(_parse(text), json_path(name)))
    return type_name.notnull() & (type_name != "VOID")
