"""`[schedule]` expressions: parsing, refusal of bad input, and next runs across DST changes.

Expected instants are written out by hand from the zones' published rules (Europe/Berlin
springs forward 2027-03-28 02:00 -> 03:00 and falls back 2026-10-25 03:00 -> 02:00;
America/New_York 2027-03-14 and 2026-11-01), not taken from the code's output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sowhat.domain.schedule import ScheduleError, next_run, parse_schedule, parse_timezone

BERLIN = parse_timezone("Europe/Berlin")
NEW_YORK = parse_timezone("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def runs(text: str, start: datetime, tz: str = "UTC", n: int = 3) -> list[datetime]:
    schedule, zone = parse_schedule(text), parse_timezone(tz)
    out, moment = [], start
    for _ in range(n):
        moment = next_run(schedule, moment, zone)
        out.append(moment)
    return out


def test_daily_in_utc_is_strictly_after() -> None:
    assert runs("daily 06:00", utc(2026, 12, 3, 5, 59)) == [
        utc(2026, 12, 3, 6), utc(2026, 12, 4, 6), utc(2026, 12, 5, 6)]
    # exactly at the run time: the next one is tomorrow's
    assert runs("daily 06:00", utc(2026, 12, 3, 6), n=1) == [utc(2026, 12, 4, 6)]


def test_daily_follows_the_wall_clock_across_both_dst_changes() -> None:
    # 06:00 Berlin is 05:00 UTC in winter (+01:00) and 04:00 UTC in summer (+02:00)
    assert runs("daily 06:00", utc(2027, 3, 26, 12), "Europe/Berlin") == [
        utc(2027, 3, 27, 5), utc(2027, 3, 28, 4), utc(2027, 3, 29, 4)]
    assert runs("daily 06:00", utc(2026, 10, 23, 12), "Europe/Berlin") == [
        utc(2026, 10, 24, 4), utc(2026, 10, 25, 5), utc(2026, 10, 26, 5)]


def test_a_time_skipped_by_spring_forward_runs_just_after_the_jump() -> None:
    # 02:30 does not exist in Berlin on 2027-03-28; cron runs it at 03:30 CEST = 01:30 UTC
    assert runs("daily 02:30", utc(2027, 3, 27, 12), "Europe/Berlin") == [
        utc(2027, 3, 28, 1, 30), utc(2027, 3, 29, 0, 30), utc(2027, 3, 30, 0, 30)]
    # New York: 02:30 skipped on 2027-03-14 -> 03:30 EDT = 07:30 UTC
    assert runs("daily 02:30", utc(2027, 3, 13, 12), "America/New_York", 2) == [
        utc(2027, 3, 14, 7, 30), utc(2027, 3, 15, 6, 30)]


def test_a_time_repeated_by_fall_back_runs_once_the_first_time() -> None:
    # 02:30 happens twice in Berlin on 2026-10-25: 00:30 UTC (CEST) and 01:30 UTC (CET)
    assert runs("daily 02:30", utc(2026, 10, 24, 12), "Europe/Berlin") == [
        utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30), utc(2026, 10, 27, 1, 30)]


def test_every_15_minutes_across_fall_back_never_repeats_an_instant() -> None:
    got = runs("every 15m", utc(2026, 10, 25, 0, 0), "Europe/Berlin", 8)
    assert got == sorted(set(got))
    # the first 02:xx pass (CEST) runs; the repeated hour (CET, 01:00-01:45 UTC) is skipped
    assert got[:4] == [utc(2026, 10, 25, 0, 15), utc(2026, 10, 25, 0, 30),
                       utc(2026, 10, 25, 0, 45), utc(2026, 10, 25, 2, 0)]


def test_weekdays_weekly_and_hourly() -> None:
    # 2026-12-04 is a Friday
    assert runs("weekdays 07:15", utc(2026, 12, 4, 8)) == [
        utc(2026, 12, 7, 7, 15), utc(2026, 12, 8, 7, 15), utc(2026, 12, 9, 7, 15)]
    assert runs("weekly mon,thu 09:00", utc(2026, 12, 3, 10)) == [
        utc(2026, 12, 7, 9), utc(2026, 12, 10, 9), utc(2026, 12, 14, 9)]
    assert runs("hourly :15", utc(2026, 12, 3, 10, 15)) == [
        utc(2026, 12, 3, 11, 15), utc(2026, 12, 3, 12, 15), utc(2026, 12, 3, 13, 15)]
    assert runs("hourly", utc(2026, 12, 3, 10, 1), n=1) == [utc(2026, 12, 3, 11)]


def test_cron_lines() -> None:
    # 06:30 Monday to Friday; 2026-12-05 is a Saturday
    assert runs("30 6 * * 1-5", utc(2026, 12, 5)) == [
        utc(2026, 12, 7, 6, 30), utc(2026, 12, 8, 6, 30), utc(2026, 12, 9, 6, 30)]
    # names, steps and 7 = Sunday
    assert runs("0 */8 * jan sun", utc(2026, 12, 31)) == [
        utc(2027, 1, 3, 0), utc(2027, 1, 3, 8), utc(2027, 1, 3, 16)]
    assert runs("0 0 * * 7", utc(2026, 12, 3), n=1) == [utc(2026, 12, 6)]
    # both day fields restricted: either matches (cron's rule); the 1st, or any Monday
    assert runs("0 0 1 * mon", utc(2026, 12, 1, 1), n=3) == [
        utc(2026, 12, 7), utc(2026, 12, 14), utc(2026, 12, 21)]
    assert runs("0 0 1 * mon", utc(2026, 12, 28, 1), n=1) == [utc(2027, 1, 1)]
    # 29 February: the next leap year
    assert runs("0 12 29 2 *", utc(2026, 12, 3), n=1) == [utc(2028, 2, 29, 12)]


def test_cron_agrees_with_a_brute_force_minute_scan() -> None:
    """An independent check: walk minute by minute in local time and match the fields."""
    schedule = parse_schedule("*/20 5-7 * * 1,3,5")
    start = utc(2027, 3, 26, 0)
    expected = []
    moment = start
    while len(expected) < 12:
        moment += timedelta(minutes=1)
        local = moment.astimezone(BERLIN)
        if local.minute % 20 == 0 and 5 <= local.hour <= 7 and local.isoweekday() in (1, 3, 5):
            expected.append(moment)
    assert runs("*/20 5-7 * * 1,3,5", start, "Europe/Berlin", 12) == expected
    assert schedule.text == "*/20 5-7 * * 1,3,5"


@pytest.mark.parametrize(("text", "words"), [
    ("", "empty schedule"),
    ("daily", "cannot read schedule"),
    ("daily 25:00", "not a time of day"),
    ("daily 6am", "not a time of day"),
    ("weekly funday 06:00", "not a day"),
    ("every 7m", "dividing 60"),
    ("hourly :75", "not a minute"),
    ("61 * * * *", "not a valid minute"),
    ("0 6 * * 8", "not a valid day of week"),
    ("0 6 5-1 * *", "not a valid day of month"),
    ("0 0 31 2 *", "never runs"),
    ("0 0 30 feb *", "never runs"),
])
def test_bad_schedules_say_what_to_write(text: str, words: str) -> None:
    with pytest.raises(ScheduleError, match=words):
        parse_schedule(text)


def test_unknown_time_zone() -> None:
    with pytest.raises(ScheduleError, match="IANA"):
        parse_timezone("Mars/Olympus")
