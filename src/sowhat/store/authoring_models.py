"""Tables that keep the two ways of writing OKRs honest with each other.

`okr_file_states` is the database's memory of each OKR file at the moment files and database
last agreed (the last `sowhat apply` or `sowhat export` of that period): the file's content
hash and a snapshot of every entity's fields. With that common ancestor, a difference between
file and database can be told apart: edited in the file since, edited in the web since, or
both — so `apply` can refuse to overwrite web edits and `export` to overwrite file edits.

`draft_periods` marks a period planned in the web that is not published yet: it has no file,
and `sowhat export` leaves it out until someone publishes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sowhat.store.base import Base, JSONDocument, UTCDateTime

__all__ = ["DraftPeriodRow", "OkrFileStateRow"]

KEY = String(200)


class OkrFileStateRow(Base):
    """One period's file as of the last apply or export."""

    __tablename__ = "okr_file_states"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Period labels, not ids: the state outlives a period row being re-created.
    period_label: Mapped[str] = mapped_column(KEY, unique=True)
    path: Mapped[str] = mapped_column(Text)  # relative to the workspace root when inside it
    content_hash: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the file's bytes
    # {entity key: fields} — the same keys and field names `sowhat apply` compares on.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    action: Mapped[str] = mapped_column(String(16))  # apply | export
    actor: Mapped[str] = mapped_column(KEY)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DraftPeriodRow(Base):
    """A period being planned in the web: not exported, not on the dashboard's period list
    as a live plan, until it is published."""

    __tablename__ = "draft_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_label: Mapped[str] = mapped_column(KEY, unique=True)
    created_by: Mapped[str] = mapped_column(KEY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
