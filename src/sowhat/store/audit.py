"""The audit log: every change to plans and check-ins, who made it, before and after.

Entries are only ever added. The database refuses UPDATE and DELETE on `audit_log`
(triggers from migration 0001) and the ORM refuses them before they reach it
(`sowhat.store.models`), so "what did this KR say in week 3, and who changed it" always has
an answer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sowhat.store.base import utcnow
from sowhat.store.models import AuditEntryRow

__all__ = ["AuditAction", "AuditEntry", "count_entries", "jsonable", "list_entries", "record"]


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    RESTORE = "restore"
    DELETE = "delete"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_key: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


def record(
    *,
    session: Session,
    actor: str,
    action: AuditAction | str,
    entity_type: str,
    entity_key: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    at: datetime | None = None,
) -> None:
    """Add one entry to the session; it is written with the caller's transaction."""
    session.add(
        AuditEntryRow(
            at=at or utcnow(),
            actor=actor,
            action=str(action),
            entity_type=entity_type,
            entity_key=entity_key,
            before=jsonable(before) if before is not None else None,
            after=jsonable(after) if after is not None else None,
        )
    )


def list_entries(
    *,
    session: Session,
    entity_type: str | None = None,
    entity_key: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Newest first; filter by entity type and/or key."""
    query = select(AuditEntryRow).order_by(AuditEntryRow.id.desc())
    if entity_type is not None:
        query = query.where(AuditEntryRow.entity_type == entity_type)
    if entity_key is not None:
        query = query.where(AuditEntryRow.entity_key == entity_key)
    rows = session.scalars(query.limit(limit).offset(offset))
    return [
        AuditEntry(
            id=r.id,
            at=r.at,
            actor=r.actor,
            action=r.action,
            entity_type=r.entity_type,
            entity_key=r.entity_key,
            before=r.before,
            after=r.after,
        )
        for r in rows
    ]


def count_entries(*, session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntryRow)) or 0)


def jsonable(value: Any) -> Any:
    """A JSON-safe copy: dates as ISO text, enums as their value, NaN/inf as None.

    Both backends must store exactly what a reader gets back, so nothing is left to a
    driver's default serialiser.
    """
    if value is None or isinstance(value, bool | int | str):
        return value.value if isinstance(value, StrEnum) else value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return json.loads(json.dumps(value, default=str))
