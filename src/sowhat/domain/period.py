"""Periods: the half-open date ranges OKRs live in.

Half-open ([start, end)) so that consecutive quarters tile a year with no day counted twice,
and so a period's end is also the next period's start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodError(ValueError):
    """A period label or range that cannot be understood."""


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    label: str

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise PeriodError(f"period end {self.end} must be after its start {self.start}")

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse `2026-Q4`, `2026-H1`, `2026-11` or `2026`."""
        text = text.strip()
        if m := _QUARTER.match(text):
            year, q = int(m[1]), int(m[2])
            start = date(year, 3 * (q - 1) + 1, 1)
            return cls(start, add_months(start, 3), text)
        if m := _HALF.match(text):
            year, h = int(m[1]), int(m[2])
            start = date(year, 6 * (h - 1) + 1, 1)
            return cls(start, add_months(start, 6), text)
        if m := _MONTH.match(text):
            start = date(int(m[1]), int(m[2]), 1)
            return cls(start, add_months(start, 1), text)
        if m := _YEAR.match(text):
            year = int(m[1])
            return cls(date(year, 1, 1), date(year + 1, 1, 1), text)
        raise PeriodError(
            f"cannot parse period {text!r}: write 2026-Q4, 2026-H1, 2026-11, 2026 "
            "or {start: 2026-10-01, end: 2027-01-01}"
        )

    @classmethod
    def between(cls, start: date, end: date, label: str | None = None) -> Period:
        return cls(start, end, label or f"{start.isoformat()}..{end.isoformat()}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def elapsed_fraction(self, as_of: date) -> float:
        """Share of the period behind `as_of`, clipped to [0, 1]."""
        done = (min(max(as_of, self.start), self.end) - self.start).days
        return done / self.days

    def weeks(self) -> list[date]:
        """ISO week starts (Mondays) of every week that overlaps the period."""
        first = self.start - timedelta(days=self.start.weekday())
        out = []
        day = first
        while day < self.end:
            out.append(day)
            day += timedelta(days=7)
        return out

    def next(self) -> Period:
        """The period of the same length that follows; labels keep their family."""
        if m := _QUARTER.match(self.label):
            year, q = int(m[1]), int(m[2])
            return Period.parse(f"{year + (q == 4)}-Q{q % 4 + 1}")
        if m := _HALF.match(self.label):
            year, h = int(m[1]), int(m[2])
            return Period.parse(f"{year + (h == 2)}-H{h % 2 + 1}")
        if m := _MONTH.match(self.label):
            nxt = add_months(self.start, 1)
            return Period.parse(f"{nxt.year}-{nxt.month:02d}")
        if _YEAR.match(self.label):
            return Period.parse(str(self.start.year + 1))
        return Period.between(self.end, self.end + (self.end - self.start))

    def start_datetime(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day)

    def end_datetime(self) -> datetime:
        return datetime(self.end.year, self.end.month, self.end.day)

    def __str__(self) -> str:
        return self.label


def last_day(end: date) -> date:
    """The last day inside a half-open range ending at `end`: what a person means by "to".
    Ranges are kept half-open; printing `end` itself made 2026-Q4 run to 2027-01-01."""
    return end - timedelta(days=1)


def span_words(start: date, end: date) -> str:
    """A half-open [start, end) as people write a date range: its last day, not the day
    after — "01 Oct – 31 Dec 2026" for 2026-Q4, whose `end` is 1 January 2027 (the
    dashboard read "01 Oct – 01 Jan 2027"). The year is written once when both share it."""
    last = last_day(end) if end > start else end
    first = start.strftime("%d %b") if start.year == last.year else start.strftime("%d %b %Y")
    return f"{first} – {last.strftime('%d %b %Y')}"


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week: check-ins are kept one per KR per week."""
    return day - timedelta(days=day.weekday())


def next_monday(day: date) -> date:
    """`day` itself when it is a Monday, else the Monday after it: the first whole week of
    something that started on `day` (a bet's launch), as every review counts it."""
    return day if day.weekday() == 0 else week_start(day) + timedelta(days=7)


def add_months(day: date, months: int) -> date:
    """The 1st of the month `months` after `day`'s (a period's end, a calendar month's)."""
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)
