"""Writing plans back to YAML without undoing what people wrote.

A new file is written in one canonical layout. An existing file is *merged*: values that did
not change keep their original spelling (`0.70` stays `0.70`, `10%` stays `10%`), comments and
key order survive, and only what really changed is rewritten. That is what makes
`sowhat export` after `sowhat apply` reproduce the files byte for byte.
"""

from __future__ import annotations

import io
import itertools
from datetime import date
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from sowhat.domain.okr import Bet, Change, Guardrail, KeyResult, Objective, Plan
from sowhat.domain.period import Period, PeriodError
from sowhat.spec.yamlio import round_trip_yaml


def plan_to_node(plan: Plan) -> CommentedMap:
    """The canonical YAML tree of a plan: fixed key order, empty values left out."""
    root = CommentedMap()
    root["period"] = _period_node(plan.period)
    if plan.north_star:
        root["north_star"] = plan.north_star
    root["objectives"] = CommentedSeq([_objective_node(o) for o in plan.objectives])
    return root


def _compact(pairs: list[tuple[str, Any]]) -> CommentedMap:
    node = CommentedMap()
    for key, value in pairs:
        if value is None or (isinstance(value, list | tuple) and not value):
            continue
        node[key] = _plain_number(value)
    return node


def _plain_number(value: Any) -> Any:
    """Whole floats as integers (`1000`, not `1000.0`): what a person would have written."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _period_node(period: Period) -> Any:
    try:
        if Period.parse(period.label) == period:
            return period.label
    except PeriodError:
        pass
    node = CommentedMap()
    node["start"] = period.start
    node["end"] = period.end
    if period.label != Period.between(period.start, period.end).label:
        node["label"] = period.label
    return node


def _change(change: Change) -> Any:
    if change.kind == "absolute":
        return change.amount
    return DoubleQuotedScalarString(str(change))


def _objective_node(o: Objective) -> CommentedMap:
    return _compact(
        [
            ("id", o.id),
            ("title", o.title),
            ("team", o.team),
            ("owner", o.owner),
            ("aligns_to", o.aligns_to),
            ("description", o.description),
            ("key_results", CommentedSeq([_kr_node(k) for k in o.key_results])),
            ("guardrails", CommentedSeq([_guardrail_node(g) for g in o.guardrails])),
            ("bets", CommentedSeq([_bet_node(b) for b in o.bets])),
        ]
    )


def _kr_node(kr: KeyResult) -> CommentedMap:
    waiver = None
    if kr.output_waiver is not None:
        waiver = _compact(
            [("reason", kr.output_waiver.reason), ("expires", kr.output_waiver.expires)]
        )
    return _compact(
        [
            ("id", kr.id),
            ("title", kr.title),
            ("metric", kr.metric),
            ("segment", kr.segment),
            ("baseline", kr.baseline),
            ("target", kr.target),
            ("indicator", kr.indicator.value if kr.indicator else None),
            ("owner", kr.owner),
            ("unit", kr.unit),
            ("measure", kr.measure),
            ("over", f"{kr.over_days}d" if kr.over_days is not None else None),
            ("output_waiver", waiver),
        ]
    )


def _guardrail_node(g: Guardrail) -> CommentedMap:
    return _compact(
        [
            ("metric", g.metric),
            ("segment", g.segment),
            ("max_change", _change(g.max_change) if g.max_change else None),
            ("min_change", _change(g.min_change) if g.min_change else None),
            ("max", g.max),
            ("min", g.min),
            ("over", f"{g.over_days}d" if g.over_days is not None else None),
        ]
    )


def _bet_node(b: Bet) -> CommentedMap:
    expects = None
    if b.expects is not None:
        expects = _compact(
            [("key_result", b.expects.key_result), ("change", _change(b.expects.change))]
        )
    return _compact(
        [
            ("id", b.id),
            ("title", b.title),
            ("status", b.status.value),
            ("opportunity", b.opportunity),
            ("hypothesis", b.hypothesis),
            ("expects", expects),
            ("change_mind_if", b.change_mind_if),
            ("shipped_on", b.shipped_on),
            ("experiment", b.experiment),
            ("owner", b.owner),
        ]
    )


def dump_plan(plan: Plan) -> str:
    """A plan as a new file in the canonical layout."""
    out = io.StringIO()
    round_trip_yaml().dump(plan_to_node(plan), out)
    return out.getvalue()


def merge_plan_text(original: str, plan: Plan) -> str:
    """`original` file text updated to say what `plan` says, keeping comments and spelling."""
    _, indent, block_seq_indent = load_yaml_guess_indent(original)
    data = round_trip_yaml().load(original)
    if not isinstance(data, CommentedMap):
        return dump_plan(plan)
    merged = merge_node(data, plan_to_node(plan))
    yaml = round_trip_yaml()
    bsi = block_seq_indent if block_seq_indent is not None else 0
    yaml.indent(mapping=_mapping_indent(original), sequence=indent or bsi + 2, offset=bsi)
    out = io.StringIO()
    yaml.dump(merged, out)
    return out.getvalue()


def _mapping_indent(text: str) -> int:
    """How far a nested mapping is indented under its key (ruamel only guesses sequences)."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    for above, below in itertools.pairwise(lines):
        if above.rstrip().endswith(":") and not below.lstrip().startswith("-"):
            outer = len(above) - len(above.lstrip(" -"))
            inner = len(below) - len(below.lstrip())
            if inner > outer:
                return inner - outer
    return 2


def merge_node(old: Any, new: Any) -> Any:
    """Recursively bring `old` in line with `new`, reusing old nodes where values agree."""
    if isinstance(old, CommentedMap) and isinstance(new, CommentedMap):
        if _waiver_string_form(old, new):
            return old
        for key in [k for k in old if k not in new]:
            del old[key]
        previous_index = -1
        for key, value in new.items():
            if key in old:
                old[key] = merge_node(old[key], value)
                previous_index = list(old).index(key)
            else:
                old.insert(previous_index + 1, key, value)
                previous_index += 1
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, CommentedSeq):
        return _merge_seq(old, new)
    return old if same_scalar(old, new) else new


def _waiver_string_form(old: CommentedMap, new: CommentedMap) -> bool:
    """`output_waiver: "reason"` + `waiver_expires:` is kept when it says the same thing."""
    if "output_waiver" not in old or not isinstance(old["output_waiver"], str):
        return False
    waiver = new.get("output_waiver")
    if not isinstance(waiver, CommentedMap):
        return False
    same = old["output_waiver"] == waiver.get("reason") and old.get("waiver_expires") == waiver.get(
        "expires"
    )
    if same:
        rest_old = CommentedMap(
            (k, v) for k, v in old.items() if k not in ("output_waiver", "waiver_expires")
        )
        rest_new = CommentedMap((k, v) for k, v in new.items() if k != "output_waiver")
        merged = merge_node(rest_old, rest_new)
        for key in [k for k in old if k not in ("output_waiver", "waiver_expires")]:
            if key not in merged:
                del old[key]
        for key, value in merged.items():
            old[key] = value
    return bool(same)


def _merge_seq(old: CommentedSeq, new: CommentedSeq) -> CommentedSeq:
    old_ids = [_item_id(x) for x in old]
    new_ids = [_item_id(x) for x in new]
    if None not in old_ids and None not in new_ids and old_ids != new_ids:
        by_id = dict(zip(old_ids, old, strict=True))
        items = [merge_node(by_id[i], x) if i in by_id else x for i, x in zip(new_ids, new,
                                                                              strict=True)]
        del old[:]
        old.extend(items)
        return old
    for index, item in enumerate(new):
        if index < len(old):
            old[index] = merge_node(old[index], item)
        else:
            old.append(item)
    del old[len(new) :]
    return old


def _item_id(item: Any) -> str | None:
    if isinstance(item, CommentedMap):
        value = item.get("id")
        return str(value) if value is not None else None
    return None


def same_scalar(old: Any, new: Any) -> bool:
    """Do two scalars mean the same thing (0.70 vs 0.7, "10%" vs "+10%", 2026 vs "2026")?"""
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) == float(new)
    if isinstance(old, date) and isinstance(new, date):
        return old == new
    if isinstance(old, str | int | float) and isinstance(new, str | int | float):
        if str(old) == str(new):
            return True
        try:
            return Change.parse(old) == Change.parse(new)
        except ValueError:
            return False
    return bool(old == new)
