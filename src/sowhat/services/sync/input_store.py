"""The stored input keys of a sync's KRs (`sync_inputs`), read and written as plain rows.

An incremental sync decides keep-or-recompute for every weekly check-in, series point and
baseline of every KR from these keys: at 10M events about a thousand rows (13 KRs, a period
and 56 weeks of history each). Read as ORM objects they cost the sync ≈70 ms of CPU — an
identity-map entry, instrumented attributes and a flush check per row — more than several of
its DuckDB queries, for rows that are only compared and, for the few recomputed values,
rewritten. So the keys are read as tuples and written back in three set-based statements
(insert the new, update the changed by primary key, delete the ones no longer kept); no
`SyncInputRow` object ever enters the session.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from sowhat.store.sync_models import SyncInputRow

Slot = tuple[int, str, date]
"""(key_result_id, kind, week): one stored value's place."""


class InputStore:
    """The stored input keys of these KRs, and the new ones this sync writes.

    `full` (`sowhat sync --full`) treats every stored key as changed, but still writes the
    new ones, so the next incremental sync keeps what this one computed.
    """

    def __init__(self, session: Session, kr_ids: list[int], *, full: bool) -> None:
        self._session = session
        self._full = full
        rows = session.execute(select(
            SyncInputRow.id, SyncInputRow.key_result_id, SyncInputRow.kind, SyncInputRow.week,
            SyncInputRow.input_key).where(SyncInputRow.key_result_id.in_(kr_ids))
        ).all() if kr_ids else []
        self._stored: dict[Slot, tuple[int, str]] = {
            (r.key_result_id, r.kind, r.week): (r.id, r.input_key) for r in rows}
        self._new: dict[Slot, str | None] = {}

    def unchanged(self, kr_id: int, kind: str, week: date, key: str | None) -> bool:
        """Whether the value at this place was stored under exactly this key."""
        if self._full or key is None:
            return False
        found = self._stored.get((kr_id, kind, week))
        return found is not None and found[1] == key

    def pending(self, kr_id: int, kind: str, week: date, key: str | None) -> None:
        """The key the value at this place is computed under now (None: it cannot be
        keyed, so whatever key was stored goes and the next sync computes it again)."""
        self._new[(kr_id, kind, week)] = key

    def save(self, failed: set[int]) -> None:
        """Write the keys of what was computed (not of KRs that failed: they retry); once, at
        the end of the sync."""
        added: list[dict[str, object]] = []
        changed: list[dict[str, object]] = []
        gone: list[int] = []
        for (kr_id, kind, week), key in self._new.items():
            if kr_id in failed:
                continue
            found = self._stored.get((kr_id, kind, week))
            if key is None:
                if found is not None:
                    gone.append(found[0])
            elif found is None:
                added.append({"key_result_id": kr_id, "kind": kind, "week": week,
                              "input_key": key})
            elif found[1] != key:
                changed.append({"id": found[0], "input_key": key})
        if gone:
            self._session.execute(delete(SyncInputRow).where(SyncInputRow.id.in_(gone)))
        if changed:  # an UPDATE by primary key, executed for all rows at once
            self._session.execute(update(SyncInputRow), changed)
        if added:
            self._session.execute(insert(SyncInputRow), added)
