"""What the metric engine returns, and the time arithmetic every caller needs to agree on.

All instants are UTC. Callers may pass naive datetimes (read as UTC), aware ones (converted) or
dates (midnight UTC); results carry aware UTC datetimes so they never get compared with a
local time by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

Grain = Literal["week"]


@dataclass(frozen=True)
class MetricValue:
    """One metric over one window, with the sufficient statistics the stats engine consumes.

    `value` is None when the metric is undefined there (empty cohort, zero denominator, no
    answers) — never NaN. Where both are set, `sum / n` is the mean the value reports
    (conversion: n = mature cohort, sum = converted; nps: per-answer scores of +100/0/-100;
    ratio: n = denominator, sum = numerator; duration `mean`), so experiments and impact
    estimates can pool windows without going back to the events.
    """

    metric: str
    segment: str | None
    start: datetime
    end: datetime
    value: float | None
    entities: int | None = None
    excluded_immature: int | None = None
    n: float | None = None
    sum: float | None = None
    sum_squares: float | None = None
    without_outcome: int | None = None
    """Duration metrics: mature entities that never reached the `to` event (left out)."""

    def to_json(self) -> dict[str, object]:
        return {
            "metric": self.metric,
            "segment": self.segment,
            "start": iso(self.start),
            "end": iso(self.end),
            "value": self.value,
            "entities": self.entities,
            "excluded_immature": self.excluded_immature,
        }


def to_utc_naive(value: datetime | date) -> datetime:
    """The instant as a naive UTC datetime, the form the event tables store."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def to_utc(value: datetime | date) -> datetime:
    return to_utc_naive(value).replace(tzinfo=UTC)


def iso(value: datetime) -> str:
    text = to_utc_naive(value).isoformat()
    return text + "Z"


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 of the ISO week holding `moment` (naive UTC)."""
    day = moment.date() - timedelta(days=moment.weekday())
    return datetime(day.year, day.month, day.day)


def day_windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime, datetime]]:
    """(bucket, window start, window end) per UTC day overlapping [start, end), clipped."""
    out = []
    bucket = datetime(start.year, start.month, start.day, tzinfo=start.tzinfo)
    while bucket < end:
        nxt = bucket + timedelta(days=1)
        out.append((bucket, max(bucket, start), min(nxt, end)))
        bucket = nxt
    return out


def week_windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime, datetime]]:
    """(bucket, window start, window end) per ISO week overlapping [start, end), clipped."""
    out = []
    bucket = week_start(start)
    while bucket < end:
        nxt = bucket + timedelta(days=7)
        out.append((bucket, max(bucket, start), min(nxt, end)))
        bucket = nxt
    return out
