"""The database's memory of each OKR file at the last apply or export of its period."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.services.roundtrip.snapshot import Snapshot
from sowhat.store import audit
from sowhat.store.authoring_models import OkrFileStateRow
from sowhat.store.base import utcnow

__all__ = ["FileState", "content_hash", "file_states", "record_state"]


@dataclass(frozen=True)
class FileState:
    period: str
    path: str
    content_hash: str
    snapshot: Snapshot
    action: str  # apply | export
    actor: str
    recorded_at: datetime


def content_hash(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def file_states(*, session: Session) -> dict[str, FileState]:
    """Per period label, what file and database agreed on last."""
    rows = session.scalars(select(OkrFileStateRow))
    return {
        r.period_label: FileState(r.period_label, r.path, r.content_hash, dict(r.snapshot),
                                  r.action, r.actor, r.recorded_at)
        for r in rows
    }  # fmt: skip


def record_state(
    *,
    session: Session,
    period: str,
    path: Path,
    root: Path,
    text: str,
    snapshot: Snapshot,
    action: str,
    actor: str,
    overwritten: list[dict[str, Any]] | None = None,
    merged: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> None:
    """Remember that file and database agree on `snapshot` now; audit it.

    `overwritten` lists the other side's edits a forced apply or export replaced, so the
    audit log says exactly what was given up and by whom; `merged` the web edits an apply
    kept beside the file's own (they stay web edits until `sowhat export` writes them).
    """
    now = now or utcnow()
    shown = _relative(path, root)
    row = session.scalars(
        select(OkrFileStateRow).where(OkrFileStateRow.period_label == period)
    ).first()
    new_hash = content_hash(text)
    if row is not None and row.content_hash == new_hash and row.snapshot == snapshot \
            and not overwritten and not merged:
        return  # nothing new agreed on: a no-op apply writes nothing
    before = {"content_hash": row.content_hash, "action": row.action} if row else None
    if row is None:
        row = OkrFileStateRow(period_label=period)
        session.add(row)
    row.path, row.content_hash, row.snapshot = shown, new_hash, snapshot
    row.action, row.actor, row.recorded_at = action, actor, now
    session.flush()
    after: dict[str, Any] = {"content_hash": new_hash, "action": action}
    if overwritten:
        after["overwrote"] = overwritten
    if merged:
        after["merged"] = merged
    audit.record(session=session, actor=actor, action=action, entity_type="okr_file",
                 entity_key=shown, before=before, after=after, at=now)  # fmt: skip


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
