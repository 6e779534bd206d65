"""InputKeys: the keys of stored values are the same strings however they are reached.

Sync keeps a stored value while its key is unchanged, so a key that came out differently
for the same inputs (a prefix built lazily, a key remembered from an earlier call) would
recompute values, or keep ones whose inputs changed. The keys are checked against the
definition written out here: the sha256 of the parts, the days folded as the sum of their
128-bit hashes modulo 2^128.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone

from sowhat.services.sync.inputs import ENGINE_VERSION, InputKeys, Reads

DIGESTS = {
    (date(2026, 10, 1) + timedelta(days=i), event): f"{i}:{event}:{i * 7}"
    for i in range(40) for event in ("signup", "session_start", "page_viewed")
}


def reference(fingerprint: str, reads: Reads, start: datetime, end: datetime,
              as_of: datetime, traits: str | None = None) -> str:
    """The key as written before the memo and the lazy prefix sums (source "test")."""
    if reads.matures is not None and start + reads.matures > as_of:
        parts = [ENGINE_VERSION, "test", fingerprint, start.isoformat(), end.isoformat(),
                 "immature"]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    hi = reads.read_end(end, as_of)
    last = hi.astimezone(UTC).date()
    if hi.astimezone(UTC) != datetime(last.year, last.month, last.day, tzinfo=UTC):
        last += timedelta(days=1)
    lo = None if reads.history else start.astimezone(UTC).date()
    count, total = 0, 0
    for (day, event), digest in DIGESTS.items():
        if event in reads.events and day < last and (lo is None or day >= lo):
            h = hashlib.sha256(f"{event}\x1f{day.isoformat()}={digest}".encode()).digest()
            count += 1
            total = (total + int.from_bytes(h[:16], "big")) % (1 << 128)
    parts = [ENGINE_VERSION, "test", fingerprint, start.isoformat(), end.isoformat(),
             hi.isoformat(), f"{count}:{total:x}", (traits or "-") if reads.traits else "-"]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


WINDOW = Reads(history=False, lookahead=None, traits=False,
               events=frozenset({"session_start", "page_viewed"}))
COHORT = Reads(history=True, lookahead=timedelta(days=7), traits=False,
               events=frozenset({"signup", "session_start"}), matures=timedelta(days=7))


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 10, 1, hour, tzinfo=UTC) + timedelta(days=day)


def test_keys_equal_the_definition_asked_once_or_again() -> None:
    keys = InputKeys(DIGESTS, None, "test")
    cases = [(WINDOW, at(3), at(10), at(10)), (WINDOW, at(3, 6), at(10), at(8, 12)),
             (COHORT, at(3), at(10), at(30)), (COHORT, at(25), at(32), at(30)),
             (WINDOW, at(-5), at(60), at(60))]
    for _ in range(2):  # the second time from what the first remembered
        for reads, start, end, as_of in cases:
            assert keys.key(fingerprint="f", reads=reads, start=start, end=end,
                            as_of=as_of) == reference("f", reads, start, end, as_of)
    assert len({reference("f", *c) for c in cases}) == len(cases)


def test_an_event_read_first_by_a_later_key_is_folded_the_same() -> None:
    # Each event's prefix sums are built when a key first reads it: a key reading an event
    # no earlier key read must fold it like any other.
    keys = InputKeys(DIGESTS, None, "test")
    keys.key(fingerprint="f", reads=WINDOW, start=at(0), end=at(7), as_of=at(7))
    assert keys.key(fingerprint="g", reads=COHORT, start=at(1), end=at(8), as_of=at(30)) \
        == reference("g", COHORT, at(1), at(8), at(30))


def test_the_same_instant_in_another_zone_keeps_its_own_key() -> None:
    # Equal datetimes, written differently: the key writes each as given, and the memo
    # must not hand one the other's key.
    keys = InputKeys(DIGESTS, None, "test")
    plus2 = timezone(timedelta(hours=2))
    utc_key = keys.key(fingerprint="f", reads=WINDOW, start=at(3), end=at(10), as_of=at(10))
    other = keys.key(fingerprint="f", reads=WINDOW, start=at(3).astimezone(plus2),
                     end=at(10), as_of=at(10))
    assert other == reference("f", WINDOW, at(3).astimezone(plus2), at(10), at(10))
    assert other != utc_key


def test_no_digests_no_key_and_traits_need_their_digest() -> None:
    assert InputKeys(None, None, "test").key(fingerprint="f", reads=WINDOW, start=at(0),
                                             end=at(7), as_of=at(7)) is None
    traits = Reads(history=True, lookahead=None, traits=True, events=frozenset({"signup"}))
    assert InputKeys(DIGESTS, None, "test").key(fingerprint="f", reads=traits, start=at(0),
                                                end=at(7), as_of=at(7)) is None
    assert InputKeys(DIGESTS, "t1", "test").key(fingerprint="f", reads=traits, start=at(0),
                                                end=at(7), as_of=at(7)) \
        == reference("f", traits, at(0), at(7), at(7), traits="t1")


CHURN = Reads(history=True, lookahead=timedelta(0), traits=False,
              events=frozenset({"signup", "page_viewed"}), per="week")
"""A weekly churn: every start and end before its complete ISO weeks' end is read."""


def test_a_periodic_value_is_keyed_by_its_complete_periods_not_its_window() -> None:
    # 2026-10-01 is a Thursday: the ISO weeks of October start on the 5th, 12th, 19th, …
    keys = InputKeys(DIGESTS, None, "test")

    def key(start: datetime, end: datetime, as_of: datetime,
            digests: dict[tuple[date, str], str] = DIGESTS) -> str | None:
        return InputKeys(digests, None, "test").key(fingerprint="f", reads=CHURN,
                                                    start=start, end=end, as_of=as_of)

    weeks = reference("f", CHURN, at(4), at(18), at(18))  # 5 Oct - 19 Oct: two weeks
    # windows that move within a week, or end past the as-of, read the same two weeks
    for start, end, as_of in ((at(4), at(18), at(18)), (at(1, 5), at(20, 7), at(30)),
                              (at(2), at(25), at(19, 12))):
        assert keys.key(fingerprint="f", reads=CHURN, start=start, end=end,
                        as_of=as_of) == weeks
    assert key(at(4), at(25), at(25)) != weeks  # a third week completed
    # a day after the weeks' end changes nothing; a day inside them, or before, does
    later = {**DIGESTS, (date(2026, 10, 19), "signup"): "late"}
    assert key(at(1), at(20), at(20), later) == weeks
    for day in (date(2026, 10, 18), date(2026, 10, 1)):
        assert key(at(1), at(20), at(20), {**DIGESTS, (day, "signup"): "late"}) != weeks
    # no complete week: no value, whatever the events and the window
    none = key(at(5, 1), at(11), at(11))
    assert none == key(at(12), at(18, 23), at(30), later) != weeks
    assert none != InputKeys(DIGESTS, None, "test").key(
        fingerprint="g", reads=CHURN, start=at(5, 1), end=at(11), as_of=at(11))


def test_complete_span_holds_the_complete_periods() -> None:
    from sowhat.metrics.engine import complete_periods, complete_span
    from sowhat.spec.metric_defs import ActiveMetric

    for per in ("day", "week", "month"):
        m = ActiveMetric.model_validate({"type": "active", "entity": "user_id",
                                         "event": "visit", "per": per})
        for s in range(0, 70, 3):
            for length in (0, 1, 5, 7, 13, 31, 45, 62):
                start = datetime(2026, 9, 1, 7) + timedelta(days=s, hours=s % 5 * 6)
                end = start + timedelta(days=length, hours=length % 3 * 9)
                span = complete_span(start, end, per)
                count = complete_periods(m, start, end)
                assert (span is None) == (count == 0)
                if span is not None:
                    assert start <= span[0] < span[1] <= end
                    assert complete_periods(m, span[0], span[1]) == count
