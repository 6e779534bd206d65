"""A fast reader for the plain YAML that spec files are, with the positions errors need.

ruamel.yaml's round-trip loader is pure Python: a 1.1 MB plan (5,000 KRs) took 5.6 s of CPU
to read, more than everything `sowhat validate` then does with it, and every command reading
a workspace paid about 0.07 s for the demo's 14 kB. Validation needs only the values and each
key's and item's line and column (`yamlio.locate`), not the comments (files are written back
by re-reading them with ruamel, `spec.dump`). So this module reads the event stream of
libyaml's C parser (through PyYAML) and builds the same `CommentedMap`/`CommentedSeq` tree,
with the same line/column records, that the round-trip loader builds.

Scalars are resolved the way ruamel resolves them under YAML 1.2, but only for the shapes
spec files use: null, true/false, decimal integers, decimals, `.inf`/`.nan` and dates. Any
other scalar that a YAML resolver could read as something other than text (a hex number, a
timestamp with a time, `1_000`, `<<`), and anything this reader does not model — anchors,
aliases, explicit tags, complex keys, duplicate keys, several documents, a parse error —
returns None: the caller reads the file with ruamel, whose errors and results stay the
reference. A test reads every YAML file of the repository and thousands of generated ones
both ways and requires equal values, types and positions.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import cache
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

__all__ = ["fast_load"]

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
          "FALSE": False}
_WORDS_ONLY = frozenset("tTfFnN")
"""First characters for which ruamel's 1.2 resolver knows only the words above (a test
checks this against the installed ruamel): any other word is text, with no regex run."""
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?[0-9]+[eE][-+]?[0-9]+")
_SPECIAL = {".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, "+.inf": math.inf,
            "+.Inf": math.inf, "+.INF": math.inf, "-.inf": -math.inf, "-.Inf": -math.inf,
            "-.INF": -math.inf, ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan}
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_STR = "tag:yaml.org,2002:str"


@cache
def _resolver() -> tuple[Any, dict[str, Any], Any]:
    """ruamel's own YAML 1.2 resolver (the reference for what a plain scalar is), its
    first-character index and the node class it resolves for."""
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    resolver = VersionedResolver(version=(1, 2))
    return resolver, resolver.versioned_resolver, ScalarNode


class _Unsupported(Exception):
    """Something this reader does not model: the caller falls back to ruamel."""


def fast_load(text: str) -> Any | None:
    """The document as the round-trip loader would build it (values, types that compare
    equal, line/column records), or None when it must be read by ruamel instead."""
    try:
        import yaml  # type: ignore[import-untyped]  # PyYAML: libyaml's C parser
    except ImportError:  # pragma: no cover - PyYAML is a dependency
        return None
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:  # pragma: no cover - wheels ship libyaml; a pure build gains nothing
        return None
    try:
        return _Builder(yaml, yaml.parse(text, Loader=loader)).document()
    except (_Unsupported, yaml.YAMLError, ValueError, OverflowError, StopIteration):
        return None


class _Builder:
    def __init__(self, yaml: Any, events: Any) -> None:
        self.y = yaml
        self.stream = iter(events)
        self.ahead: list[Any] = []

    def _next(self) -> Any:
        return self.ahead.pop() if self.ahead else next(self.stream)

    def _mark(self, event: Any) -> tuple[int, int]:
        """Where ruamel places a mapping's key or value: an empty value (`baseline:` with
        nothing after it) sits where the next token starts, not where libyaml puts it (after
        the colon). (An empty sequence item sits where both put it.)"""
        if event.__class__ is self.y.ScalarEvent and not event.style and event.value == "":
            follower = self._next()
            self.ahead.append(follower)
            return follower.start_mark.line, follower.start_mark.column
        return event.start_mark.line, event.start_mark.column

    def document(self) -> Any:
        y = self.y
        if not isinstance(self._next(), y.StreamStartEvent):
            raise _Unsupported
        start = self._next()
        if not isinstance(start, y.DocumentStartEvent) or start.version or start.tags:
            raise _Unsupported  # `%YAML 1.1` would change how ruamel resolves scalars
        data = self.node(self._next())
        if not isinstance(self._next(), y.DocumentEndEvent):
            raise _Unsupported
        if not isinstance(self._next(), y.StreamEndEvent):
            raise _Unsupported  # several documents: ruamel says so, with a position
        return data

    def node(self, event: Any) -> Any:
        y = self.y
        if isinstance(event, y.ScalarEvent):
            if event.anchor is not None:
                raise _Unsupported
            return _scalar(event)
        if isinstance(event, y.MappingStartEvent):
            if event.anchor is not None or not event.implicit:
                raise _Unsupported
            return self.mapping(event)
        if isinstance(event, y.SequenceStartEvent):
            if event.anchor is not None or not event.implicit:
                raise _Unsupported
            return self.sequence(event)
        raise _Unsupported  # an alias

    def mapping(self, start: Any) -> CommentedMap:
        y = self.y
        out = CommentedMap()
        out._yaml_set_line_col(start.start_mark.line, start.start_mark.column)
        while True:
            event = self._next()
            if isinstance(event, y.MappingEndEvent):
                return out
            if not isinstance(event, y.ScalarEvent) or event.anchor is not None:
                raise _Unsupported  # a complex key, an anchored key or an alias
            key = _scalar(event)
            if key in out or (isinstance(key, float) and math.isnan(key)):
                raise _Unsupported  # ruamel reports the duplicate with its position
            key_at = self._mark(event)
            value_event = self._next()
            value = self.node(value_event)
            out[key] = value
            out._yaml_set_kv_line_col(key, [*key_at, *self._mark(value_event)])

    def sequence(self, start: Any) -> CommentedSeq:
        y = self.y
        out = CommentedSeq()
        out._yaml_set_line_col(start.start_mark.line, start.start_mark.column)
        while True:
            event = self._next()
            if isinstance(event, y.SequenceEndEvent):
                return out
            value = self.node(event)
            out._yaml_set_idx_line_col(len(out), [event.start_mark.line,
                                                  event.start_mark.column])
            out.append(value)


def _scalar(event: Any) -> Any:
    if event.tag is not None:
        raise _Unsupported  # an explicit tag (`!!str 1`, `!`)
    if event.style:  # quoted, literal or folded: text as written (plain is "" or None)
        return event.value
    return _plain(event.value)


def _plain(v: str) -> Any:
    """A plain scalar as ruamel reads it: text unless its resolver says otherwise, and then
    only the shapes built here; any other typed shape (`0x1F`, `1_000`, a timestamp with a
    time, `<<`) raises `_Unsupported`."""
    resolver, index, node = _resolver()
    first = v[:1]
    if first not in index:
        return v
    if first in _WORDS_ONLY:
        return _BOOLS.get(v, None if v in _NULLS else v)
    tag = str(resolver.resolve(node, v, (True, False)))
    if tag == _STR:
        return v
    if v in _NULLS:
        return None
    if _INT.fullmatch(v):
        return int(v)
    if _FLOAT.fullmatch(v):
        return float(v)
    if v in _SPECIAL:
        return _SPECIAL[v]
    if m := _DATE.fullmatch(v):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))  # a bad date: ValueError → ruamel
    raise _Unsupported
