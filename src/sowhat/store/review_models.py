"""Tables for the review cadence: the lessons a team records, and the webhooks it was sent.

Lessons are kept per period (and optionally per objective) so next quarter's reviews can show
what the last retrospective taught. Webhook deliveries are the notifier's memory: one row per
(webhook, alert), where an alert's key names its week, so the same alert is not sent twice
for the same week however often `sowhat sync` or `sowhat notify` runs. Webhook URLs carry
secrets (Slack's do), so only a SHA-256 of the URL and its host are stored.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sowhat.store.base import Base, UTCDateTime

__all__ = ["LessonRow", "WebhookDeliveryRow"]

KEY = String(200)


class LessonRow(Base):
    """One lesson from a retrospective: what the team learnt, in its own words."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Period labels, not ids: a lesson may be written before the period's plan is applied.
    period_label: Mapped[str] = mapped_column(KEY, index=True)
    objective_key: Mapped[str | None] = mapped_column(KEY)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(KEY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDeliveryRow(Base):
    """The latest attempt to deliver one alert to one webhook."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url_hash: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the webhook URL
    host: Mapped[str] = mapped_column(String(255))  # for people reading the log
    event: Mapped[str] = mapped_column(String(32))
    alert_key: Mapped[str] = mapped_column(String(400))  # names the period and the week
    week: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    response_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    first_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("url_hash", "alert_key"),
        CheckConstraint("status IN ('delivered', 'failed')", name="status"),
    )
