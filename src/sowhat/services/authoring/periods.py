"""Periods planned in the web: create a draft period, see which are drafts, publish one.

A draft period has no OKR file and is left out of `sowhat export` until it is published;
publishing is the moment planning ends and the plan becomes the team's commitment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sowhat.domain.period import Period, PeriodError
from sowhat.errors import Conflict, Forbidden, NotFound, UserError
from sowhat.services.accounts import Principal
from sowhat.store import audit, mapping, repositories
from sowhat.store.authoring_models import DraftPeriodRow
from sowhat.store.base import utcnow
from sowhat.store.db import flush
from sowhat.store.models import PeriodRow

__all__ = ["create_period", "draft_labels", "is_draft", "publish_period"]


def draft_labels(*, session: Session) -> set[str]:
    return set(session.scalars(select(DraftPeriodRow.period_label)))


def is_draft(*, session: Session, period: str) -> bool:
    return period in draft_labels(session=session)


def create_period(
    *,
    session: Session,
    principal: Principal,
    label: str,
    north_star: str | None = None,
    now: datetime | None = None,
) -> Period:
    """A new draft period, e.g. `2027-Q1`; any editor may start planning one."""
    if not principal.can_write:
        raise Forbidden(f"{principal.email} may not plan a period",
                        hint="ask an admin for an editor role")  # fmt: skip
    try:
        period = Period.parse(label.strip())
    except PeriodError as exc:
        raise UserError(f"period {label!r}: {exc}",
                        hint="write a quarter (2027-Q1), a half (2027-H1) or a year") from None
    if repositories.periods_by_label(session, [period.label]):
        raise Conflict(f"period {period.label} exists already",
                       hint=f"open /periods/{period.label}/plan to plan it")  # fmt: skip
    now = now or utcnow()
    row = PeriodRow(label=period.label, start=period.start, end=period.end,
                    north_star=north_star or None)  # fmt: skip
    session.add(row)
    session.add(DraftPeriodRow(period_label=period.label, created_by=principal.email,
                               created_at=now))  # fmt: skip
    flush(session)
    audit.record(session=session, actor=principal.email, action=audit.AuditAction.CREATE,
                 entity_type="period", entity_key=period.label, before=None,
                 after={**mapping.period_row_fields(row), "draft": True}, at=now)  # fmt: skip
    return period


def publish_period(
    *, session: Session, principal: Principal, period: str, now: datetime | None = None
) -> None:
    """End planning: the period's plan is live and `sowhat export` writes its file."""
    if not principal.can_write:
        raise Forbidden(f"{principal.email} may not publish a plan",
                        hint="ask an admin for an editor role")  # fmt: skip
    if not repositories.periods_by_label(session, [period]):
        raise NotFound(f"no stored period {period!r}")
    if not is_draft(session=session, period=period):
        raise Conflict(f"period {period} is published already")
    session.execute(delete(DraftPeriodRow).where(DraftPeriodRow.period_label == period))
    audit.record(session=session, actor=principal.email, action=audit.AuditAction.UPDATE,
                 entity_type="period", entity_key=period, before={"draft": True},
                 after={"draft": False}, at=now or utcnow())  # fmt: skip
