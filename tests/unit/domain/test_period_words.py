"""A period's dates as people read them: its last day, not the exclusive end it is kept as."""

from __future__ import annotations

from datetime import date

import pytest

from sowhat.domain.period import Period, span_words


@pytest.mark.parametrize(("label", "words"), [
    ("2026-Q4", "01 Oct – 31 Dec 2026"),
    ("2026-11", "01 Nov – 30 Nov 2026"),
    ("2028-02", "01 Feb – 29 Feb 2028"),
    ("2026-H1", "01 Jan – 30 Jun 2026"),
    ("2026", "01 Jan – 31 Dec 2026"),
])
def test_a_period_reads_to_its_last_day(label: str, words: str) -> None:
    p = Period.parse(label)
    assert span_words(p.start, p.end) == words


def test_a_span_across_years_names_both_and_one_day_is_itself() -> None:
    assert span_words(date(2026, 12, 14), date(2027, 1, 11)) == "14 Dec 2026 – 10 Jan 2027"
    assert span_words(date(2026, 12, 14), date(2026, 12, 15)) == "14 Dec – 14 Dec 2026"
