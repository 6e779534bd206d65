"""The as-of of any command that reads events: never later than now, never past the data.

Asking "as of December 3" of events that end on November 16 must not produce December's
numbers from two weeks of silence. So a requested as-of later than now is refused (a typo,
or a sync that would write check-ins for weeks that have not happened), one later than the
watermark is clipped to it with a warning, and stale data (older than `[events] stale_after`)
is flagged wherever a value is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sowhat.errors import UserError
from sowhat.metrics.source import EventSource
from sowhat.metrics.values import to_utc
from sowhat.metrics.watermark import Watermark, watermark
from sowhat.spec.event_source import EventSourceSpec

FUTURE_TOLERANCE = timedelta(minutes=5)
"""Clock skew allowed between the caller and this machine before an as-of is 'the future'."""


@dataclass(frozen=True)
class AsOf:
    """The as-of a computation uses, and why it differs from the one asked for."""

    effective: datetime  # aware UTC; what every query uses
    requested: datetime | None
    now: datetime
    watermark: Watermark
    warnings: tuple[str, ...] = field(default=())

    @property
    def data_through(self) -> datetime | None:
        return self.watermark.through

    @property
    def clipped(self) -> bool:
        return self.effective < (self.requested or self.now)

    @property
    def stale(self) -> bool:
        return self.watermark.is_stale(self.now)


aware = to_utc
"""An instant (or a date's midnight) as an aware UTC datetime."""


def refuse_future(requested: datetime | date | None, now: datetime | None = None) -> None:
    """A requested as-of later than now is an error, whatever the data."""
    if requested is None:
        return
    now = aware(now or datetime.now(UTC))
    moment = aware(requested)
    if moment > now + FUTURE_TOLERANCE:
        raise UserError(
            f"--as-of {moment:%Y-%m-%d %H:%M} UTC is in the future (now {now:%Y-%m-%d %H:%M})",
            hint="values are what was known at a moment that has passed; give today or earlier",
        )


def resolve_as_of(
    *,
    events: EventSource,
    spec: EventSourceSpec | None,
    requested: datetime | date | None,
    now: datetime | None = None,
    mark: Watermark | None = None,
) -> AsOf:
    """The effective as-of: the requested one (default now), clipped to the watermark."""
    now = aware(now or datetime.now(UTC))
    refuse_future(requested, now)
    asked = aware(requested) if requested is not None else None
    mark = mark or watermark(events, spec)
    wanted = asked or now
    warnings: list[str] = []
    effective = wanted
    bound = mark.bound
    if mark.through is None or bound is None:
        warnings.append("the event source has no events: every value is empty")
    elif bound < wanted:
        effective = bound
        if asked is not None:
            warnings.append(
                f"--as-of {asked:%Y-%m-%d %H:%M} is past the data: computed as of "
                f"{mark.through:%Y-%m-%d %H:%M} UTC, the last moment with complete data"
            )
    if mark.through is not None and mark.is_stale(now):
        age = now - mark.through
        warnings.append(
            f"data is stale: the latest complete data is from {mark.through:%Y-%m-%d %H:%M} "
            f"UTC, {_age(age)} ago; {(spec or EventSourceSpec()).stale_advice}"
        )
    return AsOf(effective=effective, requested=asked, now=now, watermark=mark,
                warnings=tuple(warnings))


def _age(delta: timedelta) -> str:
    days = delta.days
    if days >= 2:
        return f"{days} days"
    hours = int(delta.total_seconds() // 3600)
    return f"{hours} hours"
