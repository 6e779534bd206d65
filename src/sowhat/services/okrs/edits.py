"""Edits made in the web app or the JSON API: one field group at a time, never a lost update.

Every function takes the `Principal` asking and checks, next to the write, that it may
change an object of that team (so no route can forget, and an id from another team in a URL
gets 403, not a change). Every write names the version it was based on (`expected_version`,
from the ETag the client read); a different stored version raises `Conflict` before anything
changes. Each change writes one audit entry with the person as actor, in the caller's
transaction, with the same entity keys `sowhat apply` uses, so the history of an object
reads the same whoever changed it. `sowhat export` writes these edits back to the YAML.

Which fields: all a file can say. A KR's metric, segment and baseline are checked against
metrics.yaml (pass `metrics`), and changing them re-baselines the KR (the definition's hash is
recorded, as `sowhat apply` does); a bet's status follows its allowed transitions; moving an
objective to another team needs edit rights on both. Creating and archiving live in
`sowhat.services.authoring.objects`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.domain.okr import (
    BetStatus,
    Change,
    CheckIn,
    CheckInSource,
    Indicator,
    can_move_bet,
)
from sowhat.errors import Conflict, UserError
from sowhat.services.accounts import Principal, Scope
from sowhat.services.authoring.objects import (
    baseline_hash,
    check_metric,
    check_numbers,
    live_one,
    open_period,
    writable_child,
)
from sowhat.services.checkins import ANY_VERSION, record_checkin
from sowhat.spec.metric_defs import MetricsFile, over_too_short
from sowhat.store import audit, mapping
from sowhat.store.db import flush
from sowhat.store.models import BetRow, KeyResultRow, ObjectiveRow

__all__ = [
    "BET_FIELDS",
    "KEY_RESULT_FIELDS",
    "OBJECTIVE_FIELDS",
    "check_in",
    "update_bet",
    "update_key_result",
    "update_objective",
]

KEY_RESULT_FIELDS = frozenset({"title", "owner", "target", "unit", "indicator", "metric",
                               "segment", "baseline", "waiver_reason", "waiver_expires",
                               "measure", "over_days"})
OBJECTIVE_FIELDS = frozenset({"title", "owner", "description", "aligns_to", "team"})
BET_FIELDS = frozenset({"title", "status", "shipped_on", "owner", "hypothesis",
                        "change_mind_if", "opportunity", "expects_key_result",
                        "expects_change", "experiment"})  # fmt: skip


def update_key_result(
    *,
    session: Session,
    principal: Principal,
    period: str,
    kr_id: str,
    changes: Mapping[str, Any],
    expected_version: int,
    now: datetime | None = None,
    metrics: MetricsFile | None = None,
) -> int:
    """Apply `changes` to one KR; returns its new version."""
    _only(changes, KEY_RESULT_FIELDS, "key result")
    row, objective = writable_child(session, principal, period, KeyResultRow, kr_id, "key result")
    _check_version(row.version, expected_version, f"key result {kr_id}")
    values = dict(changes)
    if "title" in values:
        values["title"] = _title(values["title"])
    if "target" in values:
        values["target"] = _number(values["target"], "target")
        if values["target"] is None:
            raise UserError("a key result needs a target", hint="give the value to reach")
    if "baseline" in values:
        values["baseline"] = _number(values["baseline"], "baseline")
    if "measure" in values:
        values["measure"] = str(values["measure"] or "").strip() or None
        if values["measure"] not in (None, "level", "cumulative"):
            raise UserError(f"measure {values['measure']!r} is unknown",
                            hint="write level or cumulative, or leave it to the metric type")
    if values.get("over_days") is not None:
        days = _number(values["over_days"], "over_days")
        if days is None or days != int(days) or not 1 <= days <= 366:
            raise UserError(f"over_days {values['over_days']!r} is not a whole number of days "
                            "from 1 to 366", hint="a level's trailing window, e.g. 28")
        values["over_days"] = int(days)
    if values.get("over_days") is not None and \
            values.get("measure", row.measure) == "cumulative":
        raise UserError("over_days sets a level's trailing window; a cumulative measure runs "
                        "from the period start", hint="clear over_days or use level")
    if metrics is not None and {"metric", "over_days"} & set(values):
        # the rule `sowhat validate` applies to files: an active metric's window must hold
        # one whole day, week or month, or the KR never has a value
        metric = values.get("metric", row.metric)
        defn = metrics.metrics.get(metric) if isinstance(metric, str) else None
        short = over_too_short(defn, values.get("over_days", row.over_days), metrics)
        if short is not None:
            raise UserError(short[0], hint=short[1])
    if isinstance(values.get("waiver_expires"), str):
        values["waiver_expires"] = _day(values["waiver_expires"], "waiver_expires")
    if {"metric", "segment", "baseline"} & set(values):
        values = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}
        metric = values.get("metric", row.metric)
        segment = values.get("segment", row.segment)
        baseline = values.get("baseline", row.baseline)
        if segment and not metric:
            raise UserError("a segment needs a metric", hint="pick a metric, or clear the segment")
        check_metric(metrics, metric, segment)
        values["baselined_metric_hash"] = baseline_hash(metrics, metric, baseline)
    target = values.get("target", row.target)
    if {"metric", "baseline", "target", "title"} & set(values):
        check_numbers(metrics, values.get("metric", row.metric),
                      values.get("baseline", row.baseline), target,
                      values.get("title", row.title))  # fmt: skip
    if target is not None and target == values.get("baseline", row.baseline):
        raise UserError(f"target equals baseline ({target:g}): nothing would change",
                        hint="set the target to the value you want to reach")
    if values.get("indicator") is not None:
        try:
            values["indicator"] = str(Indicator(values["indicator"]))
        except ValueError:
            raise UserError(f"indicator {values['indicator']!r} is unknown",
                            hint="write leading or lagging") from None  # fmt: skip
    before = mapping.key_result_row_fields(row, objective.key)
    return _write(session, principal, row, values, before, "key_result",
                  f"{period}/{kr_id}", lambda: mapping.key_result_row_fields(row, objective.key),
                  now)  # fmt: skip


def update_objective(
    *,
    session: Session,
    principal: Principal,
    period: str,
    objective_id: str,
    changes: Mapping[str, Any],
    expected_version: int,
    now: datetime | None = None,
) -> int:
    _only(changes, OBJECTIVE_FIELDS, "objective")
    period_row = open_period(session, period)
    row = live_one(session, ObjectiveRow, period_row, objective_id, "objective")
    principal.require_team(row.team, f"objective {objective_id}")
    _check_version(row.version, expected_version, f"objective {objective_id}")
    values = dict(changes)
    if "team" in values:
        values["team"] = str(values["team"] or "").strip() or None
        principal.require_team(values["team"], f"objective {objective_id} (moving it to "
                               f"team {values['team'] or 'none'})")
    if "title" in values:
        values["title"] = _title(values["title"])
    if "aligns_to" in values:
        values["aligns_to"] = str(values["aligns_to"] or "").strip() or None
        if values["aligns_to"] is not None:
            _check_alignment(session, objective_id, values["aligns_to"])
    before = mapping.objective_row_fields(row)
    return _write(session, principal, row, values, before, "objective",
                  f"{period}/{objective_id}", lambda: mapping.objective_row_fields(row),
                  now)  # fmt: skip


def update_bet(
    *,
    session: Session,
    principal: Principal,
    period: str,
    bet_id: str,
    changes: Mapping[str, Any],
    expected_version: int,
    now: datetime | None = None,
) -> int:
    """Edit a bet; a status change must follow the bet flow (see `BET_TRANSITIONS`)."""
    _only(changes, BET_FIELDS, "bet")
    now = now or datetime.now(UTC)
    row, objective = writable_child(session, principal, period, BetRow, bet_id, "bet")
    _check_version(row.version, expected_version, f"bet {bet_id}")
    values = dict(changes)
    if "title" in values:
        values["title"] = _title(values["title"])
    if "status" in values:
        try:
            new = BetStatus(values["status"])
        except ValueError:
            raise UserError(f"bet status {values['status']!r} is unknown",
                            hint="write idea, discovery, building, shipped or stopped") from None
        current = BetStatus(row.status)
        if not can_move_bet(current, new):
            raise UserError(f"bet {bet_id} cannot move from {current} to {new}",
                            hint="a shipped bet is history; stop a bet before it ships")
        values["status"] = str(new)
        if new == BetStatus.SHIPPED and values.get("shipped_on") is None and not row.shipped_on:
            values["shipped_on"] = now.date()
    if isinstance(values.get("shipped_on"), str):
        values["shipped_on"] = _day(values["shipped_on"], "shipped_on") \
            if values["shipped_on"].strip() else None
    if "expects_change" in values:
        text = values.pop("expects_change")
        change = None
        if text is not None and str(text).strip():
            try:
                change = Change.parse(text)
            except ValueError as exc:
                raise UserError(f"expected change: {exc}", hint="e.g. +10%, +2pp or +0.05") \
                    from None
        values["expects_change_amount"] = change.amount if change else None
        values["expects_change_kind"] = change.kind if change else None
    if "expects_key_result" in values:
        values["expects_key_result"] = str(values["expects_key_result"] or "").strip() or None
    if values.get("expects_key_result"):
        live_one(session, KeyResultRow, open_period(session, period),
                 str(values["expects_key_result"]), "key result")
    expected_kr = values.get("expects_key_result", row.expects_key_result)
    expected_amount = values.get("expects_change_amount", row.expects_change_amount)
    if (expected_kr is None) != (expected_amount is None):
        raise UserError("an expectation needs both the key result and the change",
                        hint="e.g. activation, +0.03 — or clear both")  # fmt: skip
    before = mapping.bet_row_fields(row, objective.key)
    return _write(session, principal, row, values, before, "bet", f"{period}/{bet_id}",
                  lambda: mapping.bet_row_fields(row, objective.key), now)  # fmt: skip


def check_in(
    *,
    session: Session,
    principal: Principal,
    period: str,
    kr_id: str,
    value: float | None,
    confidence: float | None,
    note: str | None,
    blockers: str | None = None,
    week: date | None = None,
    expected_version: int | None,
    override_value: bool = False,
    now: datetime | None = None,
    catalog: MetricsFile | None = None,
    force: bool = False,
) -> CheckIn:
    """Record a person's weekly check-in through `record_checkin`, after the team check.

    Besides admins and the team's editors, the KR's owner (or its objective's) may check in:
    the weekly ritual belongs to whoever owns the number.
    """
    period_row = open_period(session, period)
    row = live_one(session, KeyResultRow, period_row, kr_id, "key result")
    objective = session.get(ObjectiveRow, row.objective_id)
    assert objective is not None
    owner = principal.email in {(row.owner or "").lower(), (objective.owner or "").lower()}
    if not (owner and principal.scope == Scope.WRITE):
        principal.require_team(objective.team, f"key result {kr_id}")
    return record_checkin(
        session=session, kr_id=kr_id, period=period, value=value, confidence=confidence,
        note=note, blockers=blockers, source=CheckInSource.MANUAL, actor=principal.email,
        week=week, expected_version=expected_version, override_value=override_value, now=now,
        catalog=catalog, force=force,
    )  # fmt: skip


# -- helpers --------------------------------------------------------------------------------


def _write(
    session: Session, principal: Principal, row: Any, values: dict[str, Any],
    before: dict[str, Any], entity_type: str, key: str, fields: Any, now: datetime | None,
) -> int:  # fmt: skip
    # An emptied optional field (owner, unit, hypothesis...) is stored as "not set".
    values = {k: None if isinstance(v, str) and not v.strip() else v for k, v in values.items()}
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changed:
        return int(row.version)
    for name, value in changed.items():
        setattr(row, name, value)
    flush(session)  # names the version read: a concurrent edit raises Conflict here
    audit.record(session=session, actor=principal.email, action=audit.AuditAction.UPDATE,
                 entity_type=entity_type, entity_key=key, before=before, after=fields(),
                 at=now or datetime.now(UTC))  # fmt: skip
    return int(row.version)


def _check_alignment(session: Session, objective_id: str, parent: str) -> None:
    """`aligns_to` names a stored objective (any period), never itself, and no cycle — the
    rules `sowhat validate` applies to the files, so an export stays valid."""
    if parent == objective_id:
        raise UserError("an objective cannot align to itself", hint="pick its parent objective")
    links: dict[str, str | None] = {}
    for key, aligns in session.execute(
        select(ObjectiveRow.key, ObjectiveRow.aligns_to).where(ObjectiveRow.archived_at.is_(None))
    ):
        links.setdefault(key, aligns)
        links[key] = links[key] or aligns
    if parent not in links:
        raise UserError(f"aligns_to names unknown objective {parent!r}",
                        hint="use the id of a stored objective, or leave it empty")  # fmt: skip
    seen = [objective_id, parent]
    node: str | None = parent
    while (node := links.get(node or "")) is not None:
        if node in seen:
            raise UserError("alignment cycle: " + " -> ".join([*seen[seen.index(node):], node]),
                            hint="alignment must form a tree; pick another parent")
        seen.append(node)


def _only(changes: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise UserError(f"cannot change {', '.join(unknown)} of a {what} here",
                        hint=f"editable: {', '.join(sorted(allowed))}; "
                        "change the rest in the OKR file and run `sowhat apply`")  # fmt: skip
    if not changes:
        raise UserError("nothing to change", hint=f"send one of: {', '.join(sorted(allowed))}")


def _check_version(stored: int, expected: int, what: str) -> None:
    if stored != expected and expected != ANY_VERSION:
        raise Conflict(
            f"{what} changed since you read it (stored version {stored}, yours {expected})",
            hint="reload it and make your edit again",
        )


def _title(value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        raise UserError("the title is empty", hint="say what changes for whom")
    if len(text) > 300:
        raise UserError("the title is longer than 300 characters", hint="shorten it")
    return text


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"{name} {value!r} is not a date", hint="write YYYY-MM-DD") from None


def _number(value: Any, name: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UserError(f"{name} {value!r} is not a number", hint="write e.g. 0.46") from None
    if not math.isfinite(number):
        raise UserError(f"{name} {value!r} is not a finite number", hint="write e.g. 0.46")
    return number
