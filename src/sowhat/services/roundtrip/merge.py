"""Three-way merge of an OKR file and the database, with the last apply/export as the base.

When the file changed one field of an object and the web another since file and database
last agreed, neither edit has to lose: the merged plan is the file's plan with the web's
value on every field only the web changed (`Side.WEB`), including objects the web created
(kept) or archived (left out). A field both sides changed to different values
(`Side.BOTH`) is a conflict: `sowhat apply` refuses it unless `--force`, which lets the
file's value win there — and only there.

The merge works on domain values, so what `apply` writes goes through the same planner and
audit entries as any apply. Positions are not merged: the file's order holds, and objects
created in the web come after the file's, in the database's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sowhat.domain.okr import (
    Bet,
    Expectation,
    Guardrail,
    KeyResult,
    Objective,
    OutputWaiver,
    Plan,
)
from sowhat.errors import UserError
from sowhat.services.apply.run import guardrail_keys
from sowhat.services.roundtrip.diff import EXISTS, FieldDiff, PeriodDiff, Side

__all__ = ["Merge", "merge_plan"]

T = TypeVar("T")

# Snapshot fields that are a domain attribute of the same name.
_DIRECT = {
    "objective": {"title", "team", "owner", "aligns_to", "description"},
    "key result": {"title", "metric", "segment", "baseline", "target", "indicator", "owner",
                   "unit", "measure", "over_days"},
    "guardrail": {"metric", "segment", "max_change", "min_change", "max", "min", "over_days"},
    "bet": {"title", "status", "opportunity", "hypothesis", "change_mind_if", "shipped_on",
            "experiment", "owner"},
}  # fmt: skip


@dataclass(frozen=True)
class Merge:
    plan: Plan  # what `apply` should make the database say
    kept: tuple[FieldDiff, ...]  # web edits carried over into `plan`
    conflicts: tuple[FieldDiff, ...]  # the same field edited on both sides, differently


def merge_plan(*, file: Plan, database: Plan, diff: PeriodDiff) -> Merge:
    """The file's plan with the web-only edits of `diff` (file vs database vs base) kept."""
    web: dict[tuple[str, str], dict[str, FieldDiff]] = {}
    for f in diff.fields:
        if f.side is Side.WEB:
            web.setdefault((f.entity, f.key), {})[f.field] = f
    conflicts = tuple(f for f in diff.fields if f.side is Side.BOTH)
    label = file.period.label
    db_objectives = {o.id: o for o in database.objectives}
    db_parent = {kr.id: o.id for o, kr in database.key_results()}
    db_bet_parent = {b.id: o.id for o, b in database.bets()}
    db_krs = {kr.id: kr for _, kr in database.key_results()}
    db_bets = {b.id: b for _, b in database.bets()}

    def changed(entity: str, key: str) -> dict[str, FieldDiff]:
        return {k: v for k, v in web.get((entity, f"{label}/{key}"), {}).items()
                if k != "position"}  # fmt: skip

    def created(entity: str, key: str) -> bool:
        f = web.get((entity, f"{label}/{key}"), {}).get(EXISTS)
        return f is not None and f.database is True

    def archived(entity: str, key: str) -> bool:
        f = web.get((entity, f"{label}/{key}"), {}).get(EXISTS)
        return f is not None and f.database is False

    def moved_to(entity: str, key: str, file_parent: str) -> str:
        f = changed(entity, key).get("objective")
        return str(f.database) if f is not None else file_parent

    # Every KR and bet the merged plan keeps, under the objective it ends up in.
    krs: dict[str, list[KeyResult]] = {}
    bets: dict[str, list[Bet]] = {}
    for o in file.objectives:
        for kr in o.key_results:
            if not archived("key result", kr.id):
                fields = changed("key result", kr.id)
                merged = _merge_kr(kr, db_krs.get(kr.id), fields)
                krs.setdefault(moved_to("key result", kr.id, o.id), []).append(merged)
        for b in o.bets:
            if not archived("bet", b.id):
                merged_bet = _merge_bet(b, db_bets.get(b.id), changed("bet", b.id))
                bets.setdefault(moved_to("bet", b.id, o.id), []).append(merged_bet)
    for o in database.objectives:
        for kr in o.key_results:
            if created("key result", kr.id):
                krs.setdefault(db_parent[kr.id], []).append(kr)
        for b in o.bets:
            if created("bet", b.id):
                bets.setdefault(db_bet_parent[b.id], []).append(b)

    objectives = []
    for o in file.objectives:
        if archived("objective", o.id):
            continue
        merged_o = _apply(o, db_objectives.get(o.id), changed("objective", o.id),
                          _DIRECT["objective"])  # fmt: skip
        objectives.append(replace(
            merged_o, key_results=tuple(krs.get(o.id, ())), bets=tuple(bets.get(o.id, ())),
            guardrails=_merge_guardrails(label, o, db_objectives.get(o.id), web)))  # fmt: skip
    for o in database.objectives:
        if created("objective", o.id):
            objectives.append(replace(o, key_results=tuple(krs.get(o.id, ())),
                                      bets=tuple(bets.get(o.id, ()))))  # fmt: skip

    # A web-created KR or bet whose objective the file removed, or a file-created one whose
    # objective the web archived, has nowhere to go: both sides moved, a conflict.
    kept_ids = {o.id for o in objectives}
    orphans = {f"{label}/{kr.id}" for parent, xs in krs.items() if parent not in kept_ids
               for kr in xs}
    orphans |= {f"{label}/{b.id}" for parent, ys in bets.items() if parent not in kept_ids
                for b in ys}
    homeless = [f for f in diff.fields if f.field == EXISTS and f.key in orphans
                and f.entity in ("key result", "bet")]  # fmt: skip
    conflicts += tuple(replace(f, side=Side.BOTH) for f in homeless if f not in conflicts)
    north_star = file.north_star
    period_edit = web.get(("period", label), {})
    if "north_star" in period_edit:
        north_star = database.north_star
    merged_plan = replace(file, objectives=tuple(objectives), north_star=north_star)
    kept = tuple(f for fields in web.values() for name, f in fields.items()
                 if name != "position")  # fmt: skip
    return Merge(merged_plan, kept, conflicts)


def _apply(value: T, stored: Any, fields: Iterable[str], direct: set[str]) -> T:
    """`value` with the stored object's attribute on each of `fields` it has."""
    if stored is None:
        return value
    updates = {name: getattr(stored, name) for name in fields if name in direct}
    return replace(value, **updates) if updates else value  # type: ignore[type-var]


def _merge_kr(kr: KeyResult, stored: KeyResult | None,
              fields: Mapping[str, FieldDiff]) -> KeyResult:  # fmt: skip
    merged = _apply(kr, stored, fields, _DIRECT["key result"])
    if stored is not None and {"waiver_reason", "waiver_expires"} & set(fields):
        mine, theirs = kr.output_waiver, stored.output_waiver
        reason = (theirs if "waiver_reason" in fields else mine)
        expires = (theirs if "waiver_expires" in fields else mine)
        waiver = OutputWaiver(reason=reason.reason if reason else None,
                              expires=expires.expires if expires else None)  # fmt: skip
        none = waiver.reason is None and waiver.expires is None
        merged = replace(merged, output_waiver=None if none else waiver)
    return merged


def _merge_bet(bet: Bet, stored: Bet | None, fields: Mapping[str, FieldDiff]) -> Bet:
    merged = _apply(bet, stored, fields, _DIRECT["bet"])
    if stored is not None and {"expects_key_result", "expects_change"} & set(fields):
        mine, theirs = bet.expects, stored.expects
        kr_from = theirs if "expects_key_result" in fields else mine
        change_from = theirs if "expects_change" in fields else mine
        key = kr_from.key_result if kr_from else None
        change = change_from.change if change_from else None
        if (key is None) != (change is None):
            raise UserError(
                f"bet {bet.id}: the file and the web each changed half of its expectation "
                "(key result and change)",
                hint="set both in the file, or run `sowhat export` first")  # fmt: skip
        expects = Expectation(key, change) if key is not None and change is not None else None
        merged = replace(merged, expects=expects)
    return merged


def _merge_guardrails(label: str, o: Objective, stored: Objective | None,
                      web: Mapping[tuple[str, str], Mapping[str, FieldDiff]],
                      ) -> tuple[Guardrail, ...]:  # fmt: skip
    """Guardrails are keyed by metric and segment within their objective."""
    def gkey(key: str) -> str:
        return f"{label}/{o.id}/guardrail:{key}"

    def keyed(obj: Objective | None) -> list[tuple[str, Guardrail]]:
        if obj is None:
            return []
        return guardrail_keys([(g.metric, g.segment) for g in obj.guardrails],
                              list(obj.guardrails))

    stored_by_key = dict(keyed(stored))
    out = []
    for key, g in keyed(o):
        fields = web.get(("guardrail", gkey(key)), {})
        exists = fields.get(EXISTS)
        if exists is not None and exists.database is False:
            continue  # deleted in the web
        out.append(_apply(g, stored_by_key.get(key), fields, _DIRECT["guardrail"]))
    for key, g in keyed(stored):
        exists = web.get(("guardrail", gkey(key)), {}).get(EXISTS)
        if exists is not None and exists.database is True:
            out.append(g)  # added in the web
    return tuple(out)
