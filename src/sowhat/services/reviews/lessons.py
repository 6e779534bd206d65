"""Retrospective lessons: what a team learnt in a period, kept to be read in the next one.

The quarterly review asks "what did we learn?"; a lesson nobody reads again teaches nothing,
so next period's reviews show the previous period's lessons. Lessons are append-only in
spirit (the audit log records each one); they name a period and optionally an objective.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.errors import NotFound, UserError
from sowhat.store import audit, repositories
from sowhat.store.db import flush
from sowhat.store.models import PeriodRow
from sowhat.store.review_models import LessonRow

__all__ = ["Lesson", "add_lesson", "list_lessons", "previous_period"]

MAX_LESSON = 4000


@dataclass(frozen=True)
class Lesson:
    id: int
    period: str
    objective_id: str | None
    text: str
    author: str
    created_at: datetime


def add_lesson(
    *, session: Session, period: str, text: str, actor: str, objective: str | None = None,
    now: datetime | None = None,
) -> Lesson:
    """Record one lesson for a stored period (and one of its objectives, if named)."""
    text = text.strip()
    if not text:
        raise UserError("a lesson needs some text", hint='write what you learnt, e.g. '
                        '"tickets rose when we pushed activation; watch support load"')
    if len(text) > MAX_LESSON:
        raise UserError(f"the lesson is {len(text)} characters long",
                        hint=f"keep it under {MAX_LESSON}; link to a longer write-up")
    row = _period(session, period)
    if objective is not None:
        keys = [o.key for o in repositories.period_contents(session, row).objectives]
        if objective not in keys:
            raise NotFound(f"no objective {objective!r} in {period}",
                           hint="objectives: " + ", ".join(keys) if keys else None)
    now = now or datetime.now(UTC)
    lesson = LessonRow(period_label=row.label, objective_key=objective, text=text,
                       author=actor, created_at=now)
    session.add(lesson)
    flush(session)
    audit.record(session=session, actor=actor, action=audit.AuditAction.CREATE,
                 entity_type="lesson", entity_key=f"{row.label}/{lesson.id}", before=None,
                 after={"period": row.label, "objective": objective, "text": text}, at=now)
    return _lesson(lesson)


def list_lessons(*, session: Session, period: str) -> tuple[Lesson, ...]:
    """The lessons recorded for `period`, oldest first."""
    rows = session.scalars(select(LessonRow).where(LessonRow.period_label == period)
                           .order_by(LessonRow.created_at, LessonRow.id))
    return tuple(_lesson(r) for r in rows)


def previous_period(session: Session, period: PeriodRow) -> PeriodRow | None:
    """The stored period that ended last before (or when) this one starts."""
    earlier = [p for p in repositories.all_periods(session)
               if p.end <= period.start and p.id != period.id]
    return max(earlier, key=lambda p: (p.end, p.start)) if earlier else None


def _period(session: Session, label: str) -> PeriodRow:
    rows = repositories.periods_by_label(session, [label])
    if label not in rows:
        known = [p.label for p in repositories.all_periods(session)]
        raise NotFound(f"no stored period {label!r}",
                       hint=f"stored periods: {', '.join(known)}" if known
                       else "run `sowhat apply` first")
    return rows[label]


def _lesson(r: LessonRow) -> Lesson:
    return Lesson(id=r.id, period=r.period_label, objective_id=r.objective_key, text=r.text,
                  author=r.author, created_at=r.created_at)
