"""When a scheduled job runs: `[schedule]` expressions and their next run, in a time zone.

Two ways to write a schedule, both read as wall-clock times in the schedule's time zone:

- words: `daily 06:00`, `weekdays 06:00`, `weekly mon 06:00` (or `weekly mon,thu 06:00`),
  `hourly` (on the hour) or `hourly :15`, `every 15m` (minutes dividing 60: on :00, :15, ...);
- a five-field cron line: `minute hour day-of-month month day-of-week` with `*`, lists `a,b`,
  ranges `a-b`, steps `*/n` and `a-b/n`, day names `mon`..`sun` (0 and 7 are Sunday) and month
  names `jan`..`dec`. As in cron, when both day fields are restricted a day matching either
  one runs.

Clock changes, the way cron treats them: a wall-clock time that a spring-forward skips runs
right after the jump (02:30 in a 02:00→03:00 gap runs at 03:30 summer time); a time that a
fall-back repeats runs once, the first time. Everything here is pure: `next_run` takes the
moment to count from, so tests (and the server's scheduler) choose the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["Schedule", "ScheduleError", "next_run", "parse_schedule", "parse_timezone"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
EXAMPLES = ('"daily 06:00", "weekdays 06:00", "weekly mon 06:00", "hourly :15", "every 15m" '
            'or a cron line such as "0 6 * * 1-5"')
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# How far ahead a schedule may first run: a cron line for 29 February can wait 8 years.
_HORIZON_DAYS = 366 * 8 + 2


class ScheduleError(ValueError):
    """A schedule that cannot be read; the message says what to write instead."""


@dataclass(frozen=True)
class Schedule:
    """The minutes, hours, days and months a job runs at (sets, as cron keeps them).

    `weekdays` uses Python's numbering (Monday 0 ... Sunday 6). `dom_any`/`dow_any` record
    whether a day field was `*`, which decides cron's either-day rule."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    dom_any: bool = True
    dow_any: bool = True

    def runs_on(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        by_dom = day.day in self.days
        by_dow = day.weekday() in self.weekdays
        if not self.dom_any and not self.dow_any:
            return by_dom or by_dow
        return by_dom and by_dow

    def describe(self) -> str:
        return self.text


ALL_MINUTES = frozenset(range(60))
ALL_HOURS = frozenset(range(24))
ALL_DAYS = frozenset(range(1, 32))
ALL_MONTHS = frozenset(range(1, 13))
ALL_WEEKDAYS = frozenset(range(7))


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA time zone (`Europe/Berlin`, `UTC`); a clear error for anything else."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name!r}; write an IANA name such as "
                            '"UTC", "Europe/Berlin" or "America/New_York"') from None


def parse_schedule(text: str) -> Schedule:
    """Read one schedule expression (see the module docstring); ScheduleError if unreadable
    or if it can never run (`0 0 31 2 *`)."""
    words = text.strip().lower().split()
    if not words:
        raise ScheduleError(f"empty schedule; write {EXAMPLES}")
    schedule = _cron(text.strip(), words) if len(words) == 5 else _words(text.strip(), words)
    if not any(schedule.runs_on(date(2024, 1, 1) + timedelta(days=n))
               for n in range(_HORIZON_DAYS)):  # fmt: skip
        raise ScheduleError(f"schedule {text!r} never runs (no such date); "
                            "check its day-of-month and month")
    return schedule


def next_run(schedule: Schedule, after: datetime, tz: ZoneInfo) -> datetime:
    """The first run strictly after `after` (an aware datetime), in UTC."""
    if after.tzinfo is None:
        raise ValueError("next_run needs an aware datetime")
    moment = after.astimezone(UTC)
    local_day = moment.astimezone(tz).date() - timedelta(days=1)
    found: datetime | None = None
    for offset in range(_HORIZON_DAYS + 2):
        day = local_day + timedelta(days=offset)
        if found is not None and day > found.astimezone(tz).date() + timedelta(days=1):
            break  # a later local day cannot hold an earlier instant
        if not schedule.runs_on(day):
            continue
        for hour in sorted(schedule.hours):
            for minute in sorted(schedule.minutes):
                at = _instant(day, hour, minute, tz)
                if at > moment and (found is None or at < found):
                    found = at
    if found is None:  # parse_schedule refuses schedules that never run
        raise ScheduleError(f"schedule {schedule.text!r} never runs")
    return found


def _instant(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time: fold=0 is the first of a repeated time and, for
    a skipped time, the offset before the jump — which lands just after it."""
    local = datetime.combine(day, time(hour, minute), tzinfo=tz)
    return local.astimezone(UTC)


def _words(text: str, words: list[str]) -> Schedule:
    kind, rest = words[0], words[1:]
    if kind in ("daily", "weekdays") and len(rest) == 1:
        hour, minute = _clock(rest[0], text)
        days = ALL_WEEKDAYS if kind == "daily" else frozenset(range(5))
        return Schedule(text, frozenset({minute}), frozenset({hour}), ALL_DAYS, ALL_MONTHS,
                        days, dow_any=kind == "daily")  # fmt: skip
    if kind == "weekly" and len(rest) == 2:
        chosen = set()
        for name in rest[0].split(","):
            if name[:3] not in DAYS:
                raise ScheduleError(f"{name!r} in {text!r} is not a day; write mon, tue, wed, "
                                    "thu, fri, sat or sun (e.g. \"weekly mon 06:00\")")
            chosen.add(DAYS.index(name[:3]))
        hour, minute = _clock(rest[1], text)
        return Schedule(text, frozenset({minute}), frozenset({hour}), ALL_DAYS, ALL_MONTHS,
                        frozenset(chosen), dow_any=False)  # fmt: skip
    if kind == "hourly" and len(rest) <= 1:
        minute = 0
        if rest:
            m = re.fullmatch(r":?([0-5]?\d)", rest[0])
            if m is None:
                raise ScheduleError(f"{rest[0]!r} in {text!r} is not a minute; write "
                                    '"hourly :15" (minutes 00-59)')
            minute = int(m[1])
        return Schedule(text, frozenset({minute}), ALL_HOURS, ALL_DAYS, ALL_MONTHS,
                        ALL_WEEKDAYS)  # fmt: skip
    if kind == "every" and len(rest) == 1:
        m = re.fullmatch(r"(\d+)\s*m(in(ute)?s?)?", rest[0])
        if m is None or int(m[1]) < 1 or 60 % int(m[1]):
            raise ScheduleError(f"{rest[0]!r} in {text!r}: write every N minutes with N "
                                'dividing 60, e.g. "every 15m"; for hours use "hourly" or a '
                                'cron line such as "0 */2 * * *"')
        step = int(m[1])
        return Schedule(text, frozenset(range(0, 60, step)), ALL_HOURS, ALL_DAYS, ALL_MONTHS,
                        ALL_WEEKDAYS)  # fmt: skip
    raise ScheduleError(f"cannot read schedule {text!r}; write {EXAMPLES}")


def _clock(word: str, text: str) -> tuple[int, int]:
    m = _CLOCK.fullmatch(word)
    if m is None:
        raise ScheduleError(f"{word!r} in {text!r} is not a time of day; write 24-hour HH:MM, "
                            'e.g. "06:00" or "18:30"')
    return int(m[1]), int(m[2])


def _cron(text: str, fields: list[str]) -> Schedule:
    minutes, _ = _field(fields[0], 0, 59, (), "minute", text)
    hours, _ = _field(fields[1], 0, 23, (), "hour", text)
    days, dom_any = _field(fields[2], 1, 31, (), "day of month", text)
    months, _ = _field(fields[3], 1, 12, MONTHS, "month", text, first=1)
    cron_days, dow_any = _field(fields[4], 0, 7, DAYS[-1:] + DAYS[:-1], "day of week", text)
    weekdays = frozenset((d - 1) % 7 for d in cron_days)  # cron: 0/7 Sunday; Python: 6
    return Schedule(text, minutes, hours, days, months, weekdays, dom_any=dom_any,
                    dow_any=dow_any)  # fmt: skip


def _field(word: str, low: int, high: int, names: tuple[str, ...], what: str, text: str,
           *, first: int = 0) -> tuple[frozenset[int], bool]:  # fmt: skip
    """One cron field as a set of numbers, and whether it was `*`."""
    values: set[int] = set()
    for part in word.split(","):
        body, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise _bad(part, what, low, high, text)
            step = int(step_text)
        if body == "*":
            start, end = low, high
        elif "-" in body:
            a, _, b = body.partition("-")
            start, end = _number(a, names, first, part, what, low, high, text), \
                _number(b, names, first, part, what, low, high, text)
            if start > end:
                raise _bad(part, what, low, high, text)
        else:
            start = _number(body, names, first, part, what, low, high, text)
            end = high if step_text else start
        values.update(range(start, end + 1, step))
    return frozenset(values), word == "*"


def _number(token: str, names: tuple[str, ...], first: int, part: str, what: str, low: int,
            high: int, text: str) -> int:  # fmt: skip
    if token in names:
        return names.index(token) + first
    if not token.isdigit() or not low <= int(token) <= high:
        raise _bad(part, what, low, high, text)
    return int(token)


def _bad(part: str, what: str, low: int, high: int, text: str) -> ScheduleError:
    return ScheduleError(f"{part!r} in cron line {text!r} is not a valid {what} "
                         f"(numbers {low}-{high}, `*`, lists a,b, ranges a-b, steps */n)")
