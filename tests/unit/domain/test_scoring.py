"""An objective's score: unmeasured KRs count 0, KRs not readable yet are left out."""

from __future__ import annotations

import pytest

from sowhat.domain.okr import KeyResult, Objective
from sowhat.domain.scoring import roll_up_by_team, score_note, score_objective

OBJECTIVE = Objective(
    id="activation", title="New accounts get value fast", team="growth",
    key_results=(
        KeyResult(id="a7", title="7-day activation 40% → 50%", baseline=0.4, target=0.5),
        KeyResult(id="a60", title="60-day activation 45% → 55%", baseline=0.45, target=0.55),
        KeyResult(id="ttv", title="Time to value 5 → 3 days", baseline=5.0, target=3.0),
    ),
)  # fmt: skip


def test_an_unmeasured_kr_counts_zero_and_the_note_says_so() -> None:
    s = score_objective(OBJECTIVE, {"a7": 0.45, "a60": None, "ttv": 4.0})
    assert s.score == pytest.approx((0.5 + 0.0 + 0.5) / 3)
    assert s.waiting == ()
    assert s.unmeasured == ("a60",)
    assert score_note(0, 3, s.score, len(s.unmeasured)) == \
        "1 of 3 KRs not measured yet, counted as 0"


def test_an_objective_with_nothing_measured_has_no_score_not_zero() -> None:
    """0% would read as "measured, and no progress" when nothing was measured at all."""
    s = score_objective(OBJECTIVE, {"a7": None, "a60": None})
    assert s.score is None
    assert s.unmeasured == ("a7", "a60", "ttv")
    assert score_note(0, 3, s.score, 3) == "no KR measured yet"
    assert roll_up_by_team([s]) == {}


def test_a_kr_without_a_baseline_is_unmeasured_even_with_a_reading() -> None:
    objective = Objective(id="o", title="t", key_results=(
        KeyResult(id="k", title="Retention up", baseline=None, target=0.5),))
    s = score_objective(objective, {"k": 0.42})
    assert s.score is None
    assert s.unmeasured == ("k",)


def test_waiting_and_unmeasured_are_both_named() -> None:
    s = score_objective(OBJECTIVE, {"a7": 0.5, "a60": None, "ttv": None}, waiting={"a60"})
    assert s.score == pytest.approx(0.5)
    assert score_note(len(s.waiting), 3, s.score, len(s.unmeasured)) == (
        "1 of 3 KRs not readable yet, left out of the score; "
        "1 of 3 KRs not measured yet, counted as 0")


def test_a_kr_not_readable_yet_is_left_out_of_the_mean() -> None:
    s = score_objective(OBJECTIVE, {"a7": 0.45, "a60": None, "ttv": 4.0}, waiting={"a60"})
    assert s.score == pytest.approx(0.5)
    assert s.waiting == ("a60",)
    # the KR is still listed: it is left out of the mean, not out of the objective
    assert [k.kr_id for k in s.key_results] == ["a7", "a60", "ttv"]
    assert score_note(len(s.waiting), 3, s.score) == \
        "1 of 3 KRs not readable yet, left out of the score"


def test_an_objective_with_every_kr_waiting_has_no_score() -> None:
    s = score_objective(OBJECTIVE, {}, waiting={"a7", "a60", "ttv"})
    assert s.score is None
    assert score_note(3, 3, s.score) == "no KR readable yet"
    # and a team whose only objective is waiting is not rolled up as 0%
    assert roll_up_by_team([s]) == {}


def test_no_note_when_nothing_is_left_out() -> None:
    assert score_note(0, 3, 0.4) is None
