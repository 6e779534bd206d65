"""Weekly check-ins: one reading per KR per ISO week, from people and from `sowhat sync`.

One row per KR-week, so a second check-in in the same week edits the first, and the audit
log keeps every earlier state. Fields left out (None) keep what is stored; an empty note or
blockers text clears it.

Who owns the value: a KR with a metric gets its value from `sowhat sync` (source auto);
a person may still record confidence, a note and blockers on it, but typing a value over
the computed one needs `override_value=True` (`--override-value`), and such a manual value
is then kept: later syncs that week update nothing but leave it in place, so a deliberate
correction is not silently undone. KRs without a metric take manual values freely.
Recording the same thing twice changes nothing and writes no audit entry (sync is
idempotent).

A typed value must fit the KR's scale (sowhat.domain.units): numbers are in the metric's
stored scale, so 36 on a 34.2% → 39.2% rate KR is a slip for 0.36. A value no metric of its
kind can take (a rate above 1, NPS beyond ±100, a negative count) is always refused; one that
is merely far off the KR's own numbers is refused with the likely intended value unless the
person insists (`force=True`). The CLI, the API and the web form all come through here.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.domain.okr import CheckIn, CheckInSource
from sowhat.domain.period import week_start
from sowhat.errors import Conflict, NotFound, ScaleError, UserError
from sowhat.spec.metric_defs import MetricsFile
from sowhat.spec.metric_units import kr_scale
from sowhat.store import audit, mapping, repositories
from sowhat.store.db import flush
from sowhat.store.models import CheckInRow, KeyResultRow, PeriodRow

__all__ = ["ANY_VERSION", "check_scale", "checkin_history", "record_auto_values",
           "record_checkin"]

# An expected version meaning "whatever is current" (HTTP `If-Match: *`).
ANY_VERSION = -1


def record_checkin(
    *,
    session: Session,
    kr_id: str,
    period: str | None,
    value: float | None,
    confidence: float | None,
    note: str | None,
    blockers: str | None,
    source: CheckInSource,
    actor: str,
    week: date | None = None,
    expected_version: int | None = None,
    override_value: bool = False,
    now: datetime | None = None,
    catalog: MetricsFile | None = None,
    force: bool = False,
) -> CheckIn:
    """Record (or edit) the check-in of `kr_id` for the week containing `week` (default:
    this week) and return what is stored; `extra["version"]` is its version for the next
    optimistic edit (`expected_version`; 0 means "I expect no check-in yet").

    A person's value is checked against the KR's scale (its metric's, from `catalog`);
    `force` accepts one that is far off but possible."""
    now = now or datetime.now(UTC)
    _validate(value, confidence)
    day = week_start(week or now.date())
    kr, period_row = _resolve(session, kr_id, period, day)
    _check_writable(kr, period_row, day)
    if source == CheckInSource.MANUAL and value is not None:
        check_scale(kr, value, catalog=catalog, force=force)
    if (
        source == CheckInSource.MANUAL
        and value is not None
        and kr.metric is not None
        and not override_value
    ):
        raise UserError(
            f"key result {kr.key} is computed from metric {kr.metric}; "
            "its value comes from `sowhat sync`",
            hint="record --confidence/--note without --value, "
            "or pass --override-value to replace this week's computed value",
        )
    row = session.scalars(
        select(CheckInRow).where(CheckInRow.key_result_id == kr.id, CheckInRow.week == day)
    ).first()
    _check_version(row, expected_version, kr.key, day)
    entity_key = f"{period_row.label}/{kr.key}/{day.isoformat()}"
    if row is None:
        if value is None and confidence is None and not note and not blockers:
            raise UserError(
                f"nothing to record for {kr.key}",
                hint="give a value, a confidence, a note or blockers",
            )
        row = CheckInRow(
            key_result_id=kr.id,
            week=day,
            value=value,
            source=str(source),
            confidence=confidence,
            note=note or None,
            blockers=blockers or None,
            author=actor,
            recorded_at=now,
        )
        session.add(row)
        flush(session)
        audit.record(
            session=session,
            actor=actor,
            action=audit.AuditAction.CREATE,
            entity_type="check_in",
            entity_key=entity_key,
            before=None,
            after=mapping.checkin_fields(row),
            at=now,
        )
        return mapping.to_checkin(row, kr.key, period_row.label)

    before = mapping.checkin_fields(row)
    updates = _updates(row, value, confidence, note, blockers, source)
    if not updates:
        return mapping.to_checkin(row, kr.key, period_row.label)
    for name, new in updates.items():
        setattr(row, name, new)
    if source == CheckInSource.MANUAL:
        row.author = actor
    row.recorded_at = now
    flush(session)  # the UPDATE names the version read: a stale one raises Conflict
    audit.record(
        session=session,
        actor=actor,
        action=audit.AuditAction.UPDATE,
        entity_type="check_in",
        entity_key=entity_key,
        before=before,
        after=mapping.checkin_fields(row),
        at=now,
    )
    return mapping.to_checkin(row, kr.key, period_row.label)


def record_auto_values(
    *,
    session: Session,
    period: PeriodRow,
    week: date,
    values: Sequence[tuple[KeyResultRow, float]],
    actor: str,
    now: datetime,
) -> dict[int, float | None]:
    """`sowhat sync`'s automatic values of one week, for many KRs of `period` at once: what
    `record_checkin` with `source=AUTO` does for each (the same checks, the same rows and
    audit entries, a person's value kept), with one read of the week's check-ins and one
    flush instead of a KR lookup, a read and a flush per KR — most of what a daily sync
    spent writing its current week. Returns each KR's stored value afterwards, by KR id."""
    day = week_start(week)
    for kr, value in values:
        _validate(value, None)
        _check_writable(kr, period, day)
    ids = [kr.id for kr, _ in values]
    rows = {r.key_result_id: r for r in session.scalars(select(CheckInRow).where(
        CheckInRow.key_result_id.in_(ids), CheckInRow.week == day))} if ids else {}
    changes: list[tuple[KeyResultRow, CheckInRow, dict[str, Any] | None]] = []
    for kr, value in values:
        row = rows.get(kr.id)
        if row is None:
            row = CheckInRow(key_result_id=kr.id, week=day, value=value,
                             source=str(CheckInSource.AUTO), confidence=None, note=None,
                             blockers=None, author=actor, recorded_at=now)
            session.add(row)
            rows[kr.id] = row
            changes.append((kr, row, None))
            continue
        updates = _updates(row, value, None, None, None, CheckInSource.AUTO)
        if updates:
            before = mapping.checkin_fields(row)
            for name, new in updates.items():
                setattr(row, name, new)
            row.recorded_at = now
            changes.append((kr, row, before))
    if changes:
        flush(session)  # versions and ids are set: the audit entries name them
    for kr, row, earlier in changes:
        audit.record(session=session, actor=actor,
                     action=audit.AuditAction.CREATE if earlier is None
                     else audit.AuditAction.UPDATE,
                     entity_type="check_in",
                     entity_key=f"{period.label}/{kr.key}/{day.isoformat()}",
                     before=earlier, after=mapping.checkin_fields(row), at=now)
    return {kr_id: row.value for kr_id, row in rows.items()}


def checkin_history(*, session: Session, kr_id: str, period: str | None = None) -> list[CheckIn]:
    """Every check-in of the KR, oldest first, including earlier periods it was carried from."""
    candidates = repositories.key_results_by_key(session, kr_id)
    if not candidates:
        raise _unknown_kr(session, kr_id)
    if period is not None:
        candidates = [(k, p) for k, p in candidates if p.label == period]
        if not candidates:
            raise NotFound(f"key result {kr_id} is not in period {period}")
    kr: KeyResultRow | None = candidates[0][0]
    chain: dict[int, str] = {}
    while kr is not None and kr.id not in chain:  # the id check guards against cycles
        period_row = session.get(PeriodRow, kr.period_id)
        assert period_row is not None
        chain[kr.id] = period_row.label
        kr = session.get(KeyResultRow, kr.carried_from_id) if kr.carried_from_id else None
    keys = {
        r.id: r.key
        for r in session.scalars(select(KeyResultRow).where(KeyResultRow.id.in_(list(chain))))
    }
    rows = repositories.checkins_for(session, list(chain))
    return [mapping.to_checkin(r, keys[r.key_result_id], chain[r.key_result_id]) for r in rows]


def check_scale(kr: KeyResultRow, value: float, *, catalog: MetricsFile | None,
                force: bool) -> None:  # fmt: skip
    """Refuse a value impossible for the KR's metric, or far off its scale unless forced."""
    scale = kr_scale(metric=kr.metric, kr_unit=kr.unit, catalog=catalog)
    hint = scale.hint(value, kr.baseline, kr.target)
    impossible = scale.impossible(value)
    if impossible is not None:
        raise ScaleError(f"{kr.key}: {impossible}", hint=hint or f"this KR is {scale.describe()}",
                         forceable=False)  # fmt: skip
    if hint is not None and not force:
        raise ScaleError(
            f"{kr.key}: {value:g} does not fit this KR's scale",
            hint=f"{hint} If {value:g} is right, force it (--force; \"force\": true in the API)",
            forceable=True,
        )


def _validate(value: float | None, confidence: float | None) -> None:
    if value is not None and not math.isfinite(value):
        raise UserError(f"value {value} is not a finite number", hint="give a number such as 0.42")
    if confidence is not None and not (math.isfinite(confidence) and 0.0 <= confidence <= 1.0):
        raise UserError(
            f"confidence {confidence} is outside 0..1",
            hint="write how likely the target is hit as a share, e.g. 0.7 for 70%",
        )


def _resolve(
    session: Session, kr_id: str, period: str | None, day: date
) -> tuple[KeyResultRow, PeriodRow]:
    candidates = repositories.key_results_by_key(session, kr_id)
    if not candidates:
        raise _unknown_kr(session, kr_id)
    if period is not None:
        for kr, p in candidates:
            if p.label == period:
                return kr, p
        raise NotFound(
            f"key result {kr_id} is not in period {period}",
            hint=f"it is in: {', '.join(p.label for _, p in candidates)}",
        )
    live = [(k, p) for k, p in candidates if k.archived_at is None] or candidates
    for kr, p in live:  # latest period first
        if _overlaps(p, day):
            return kr, p
    return live[0]


def _check_writable(kr: KeyResultRow, period: PeriodRow, day: date) -> None:
    if kr.archived_at is not None:
        raise UserError(
            f"key result {kr.key} was removed from okrs/{period.label}.yaml (archived)",
            hint="add it back to the file and run `sowhat apply`, or check in another KR",
        )
    if period.closed_at is not None:
        raise UserError(
            f"period {period.label} is closed; its check-ins are final",
            hint="check in on the current period's key results",
        )
    if not _overlaps(period, day):
        raise UserError(
            f"the week of {day.isoformat()} is outside period {period.label} "
            f"({period.start.isoformat()} to {period.end.isoformat()})",
            hint="pick a week inside the period, or pass the period it belongs to",
        )


def _overlaps(period: PeriodRow, monday: date) -> bool:
    """Does the ISO week starting `monday` overlap the half-open period?"""
    return monday < period.end and (monday.toordinal() + 7) > period.start.toordinal()


def _check_version(row: CheckInRow | None, expected: int | None, key: str, day: date) -> None:
    if expected is None:
        return
    stored = row.version if row is not None else 0
    if expected == ANY_VERSION:  # `If-Match: *`: any current version, but there must be one
        if row is None:
            raise Conflict(f"there is no check-in of {key} for the week of {day.isoformat()}",
                           hint="create it with If-None-Match: *")  # fmt: skip
        return
    if stored != expected:
        raise Conflict(
            f"the check-in of {key} for the week of {day.isoformat()} changed since you read it "
            f"(stored version {stored}, yours {expected})",
            hint="reload it and make your edit again",
        )


def _updates(
    row: CheckInRow,
    value: float | None,
    confidence: float | None,
    note: str | None,
    blockers: str | None,
    source: CheckInSource,
) -> dict[str, Any]:
    """Only the fields that actually change."""
    updates: dict[str, Any] = {}
    manual_value_kept = (
        source == CheckInSource.AUTO
        and row.source == CheckInSource.MANUAL
        and row.value is not None
    )
    if value is not None and not manual_value_kept:
        if row.value != value:
            updates["value"] = value
        if row.source != source:
            updates["source"] = str(source)
    if confidence is not None and row.confidence != confidence:
        updates["confidence"] = confidence
    if note is not None and row.note != (note or None):
        updates["note"] = note or None
    if blockers is not None and row.blockers != (blockers or None):
        updates["blockers"] = blockers or None
    return updates


def _unknown_kr(session: Session, kr_id: str) -> NotFound:
    keys = sorted(set(session.scalars(select(KeyResultRow.key))))
    close = difflib.get_close_matches(kr_id, keys, n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(repr(c) for c in close) + "?"
    elif keys:
        hint = "`sowhat status` lists the key results"
    else:
        hint = "no key results are stored yet; run `sowhat apply` first"
    return NotFound(f"no key result {kr_id!r}", hint=hint)
