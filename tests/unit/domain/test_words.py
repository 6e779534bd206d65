"""Counted nouns: the number with the noun it takes, never "week(s)"."""

from __future__ import annotations

from sowhat.domain.words import counted, plural


def test_one_is_singular_and_every_other_count_plural() -> None:
    assert counted(1, "week") == "1 week"
    assert counted(0, "week") == "0 weeks"
    assert counted(2, "full week") == "2 full weeks"
    assert counted(1_204, "event") == "1,204 events"


def test_an_irregular_plural_is_given_by_the_caller() -> None:
    assert plural(1, "entry", "entries") == "entry"
    assert plural(3, "entry", "entries") == "entries"
    assert counted(3, "check-in") == "3 check-ins"



def test_a_bet_too_early_to_judge_counts_its_weeks_in_words() -> None:
    """The weekly review's "1 full week(s) of ..." line, read on the demo, now reads right."""
    from datetime import date

    from sowhat.domain.okr import Change
    from sowhat.services.reviews.signals import _signal

    one = _signal("b", "B", "o", "act", date(2026, 11, 2), None, Change.parse("+4pp"),
                  [0.35, 0.36], [0.40])
    assert one.message.startswith("1 full week of act since launch;")
    none = _signal("b", "B", "o", "act", date(2026, 11, 2), None, Change.parse("+4pp"),
                   [0.35, 0.36], [])
    assert none.message.startswith("0 full weeks of act since launch;")
