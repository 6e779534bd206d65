"""Tables that `sowhat sync` writes besides check-ins: its run log and each KR's weekly series.

The series are derived data (recomputed from the events on every sync) kept so pages,
forecasts and reviews read them without querying the events again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sowhat.store.base import Base, JSONDocument, UTCDateTime

__all__ = ["GuardrailCheckRow", "KRForecastRow", "KRMeasureRow", "SeriesPointRow", "SyncInputRow",
           "SyncRunRow"]


class SyncRunRow(Base):
    """One `sowhat sync`: when, as of what, what it changed, what failed."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_label: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    krs_computed: Mapped[int] = mapped_column(Integer)
    checkins_written: Mapped[int] = mapped_column(Integer)
    errors: Mapped[Any] = mapped_column(JSONDocument)
    actor: Mapped[str] = mapped_column(String(200))
    # How far the events were complete when this sync ran (the watermark); the as-of above
    # is never later than it.
    data_through: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KRMeasureRow(Base):
    """What a KR's current value is, as of the last sync: its measure, the window actually
    computed, how far the data went, and the same measure just before the period (the
    measured baseline) — so status, reviews and the API can say what "current" means."""

    __tablename__ = "kr_measures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_result_id: Mapped[int] = mapped_column(
        ForeignKey("key_results.id", ondelete="CASCADE"), unique=True
    )
    measure: Mapped[str] = mapped_column(String(16))
    over_days: Mapped[int | None] = mapped_column(Integer)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    data_through: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current: Mapped[float | None] = mapped_column(Float)
    entities: Mapped[int | None] = mapped_column(Integer)
    measured_baseline: Mapped[float | None] = mapped_column(Float)
    # The trials a measured rate rests on (a conversion's mature cohort, a churn's
    # customer-periods): a typed baseline within its noise is not a different claim.
    baseline_trials: Mapped[float | None] = mapped_column(Float)
    baseline_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    baseline_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The definition the stored automatic weekly values were computed with: when it
    # changes, sync recomputes them all.
    metric_hash: Mapped[str | None] = mapped_column(String(128))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SeriesPointRow(Base):
    """One week of one KR's metric (its own window, not to date), as of the last sync.

    `phase` is `history` for weeks before the period (the ambition check and the forecast
    prior read these) and `period` for weeks inside it.
    """

    __tablename__ = "kr_series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_result_id: Mapped[int] = mapped_column(
        ForeignKey("key_results.id", ondelete="CASCADE"), index=True
    )
    week: Mapped[date] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    entities: Mapped[int | None] = mapped_column(Integer)
    n: Mapped[float | None] = mapped_column(Float)
    sum: Mapped[float | None] = mapped_column(Float)
    sum_squares: Mapped[float | None] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("key_result_id", "week"),)


class GuardrailCheckRow(Base):
    """The latest evaluation of one guardrail: its baseline, current value and verdict."""

    __tablename__ = "guardrail_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guardrail_id: Mapped[int] = mapped_column(
        ForeignKey("guardrails.id", ondelete="CASCADE"), unique=True
    )
    baseline: Mapped[float | None] = mapped_column(Float)
    current: Mapped[float | None] = mapped_column(Float)
    breached: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)


class SyncInputRow(Base):
    """What one stored value was computed from (sowhat.services.sync.inputs): the key of its
    definition, window and the digests of the days it read. Sync keeps a value whose key is
    unchanged and recomputes the rest; `sowhat sync --full` ignores these.

    `kind` is `checkin` (the week's automatic check-in), `series` (the week's series point)
    or `baseline` (the measured baseline; `week` is the period's start).
    """

    __tablename__ = "sync_inputs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_result_id: Mapped[int] = mapped_column(
        ForeignKey("key_results.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    week: Mapped[date] = mapped_column(Date)
    input_key: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("key_result_id", "kind", "week"),)


class KRForecastRow(Base):
    """A KR's forecast, fitted when `sowhat sync` stored its series, so no page fits a
    thousand trend models on its first request (sowhat.services.listing.forecasts).

    `input_key` is a digest of everything the forecast read — the KR's status (values,
    check-ins, definition), its stored series, the period, the metric's definition and the
    forecasting code — and a reader serves `view` only when the key it computes is equal:
    a later check-in, edit or series makes the stored forecast a miss, never a stale answer.
    """

    __tablename__ = "kr_forecasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_result_id: Mapped[int] = mapped_column(
        ForeignKey("key_results.id", ondelete="CASCADE"), unique=True
    )
    input_key: Mapped[str] = mapped_column(String(64))
    view: Mapped[Any] = mapped_column(JSONDocument)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
