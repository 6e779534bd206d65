"""Issue 12, sixteenth round: SW103 and SW104 readings written from the design part's misses
(benchmarks/lint_round16.py). Every sentence here is written for the test; each positive
case fails on the code before the round, and the quiet cases pin what must not change."""

from __future__ import annotations

import re

import pytest

from sowhat.lint import lint_text
from sowhat.lint.dataset import load_labelled
from sowhat.lint.textfeatures import read, starting_point


def codes(text: str) -> list[str]:
    return [f.code for f in lint_text(text)]


# --- SW103: a "by" or a multiple that is no change from today ------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "$80K ARR by 2027-03-31",  # a date written as digits
        "Net revenue retention at 110% by 2028",
        "100% of releases are approved by 2 reviewers",  # an agent, not a change of two
        "Weekly exports used by at least 40 paying teams",
        "Guides written by 12+ community members that use the new template",
        "No data loss (incl. double-writes, partial syncs) in the first quarter",  # a compound
        "Reach 5x replication for every shard",  # a multiple that is a ratio's level
        "2.5x qualified pipeline coverage for the second half",
        "Retry traffic stays <= 1.5x the number of first attempts",
    ],
)
def test_a_by_or_multiple_that_is_no_change_leaves_no_starting_point(text: str) -> None:
    assert "SW103" in codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Grow weekly active teams by 30%",
        "Cut onboarding time by 2 days",
        "Support tickets reduced by 15 percent",
        "Lead time shortened by 3 days each sprint",
        "Increase signups by 2000 users",
        "Double paid conversions",
        "Grow qualified pipeline 3x",
    ],
)
def test_a_relative_change_still_states_its_starting_point(text: str) -> None:
    assert starting_point(read(text)), text


# --- SW103: today's value stated, or said to be unknown ------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Weekly active teams 1,200 (current: 640)",
        "Monthly active users 5,000 (current = 2,100)",
        "Share of repeat buyers at 30% (18%, March 2025)",  # a dated figure: a measurement
        "Weekly reviewers 60 (41/week, Q2 2025)",
        "App rating maintained ≥ 4.5",  # a level kept, said after the metric
        "NPS kept at 50 or higher",
    ],
)
def test_today_s_value_in_these_shapes_is_a_starting_point(text: str) -> None:
    assert starting_point(read(text)), text
    assert "SW103" not in codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Activation +8 points (current: unknown)",
        "Raise repeat purchase rate by 10% (baseline TBD)",
        "Trial-to-paid conversion up 4 points (current value not yet measured)",
    ],
)
def test_a_starting_point_said_to_be_unknown_is_none(text: str) -> None:
    assert not starting_point(read(text)), text
    assert "SW103" in codes(text), text


def test_a_sustained_load_is_not_a_level_kept() -> None:
    assert "SW103" in codes("Serve 50k req/s sustained with p99 < 80ms")


# --- SW103: a level written after what it measures -----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Branch coverage at 90% for the billing service",
        "Escaped defects down to 3 per release",
        "Flaky tests down to 5 per week",
        "Docs pages with a working example: ≥ 90%",
    ],
)
def test_a_level_after_what_it_measures_asks_for_a_starting_point(text: str) -> None:
    assert "SW103" in codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Launch the partner portal at 100% of regions",  # a delivery verb at its head
        "Branch coverage from 70% to 90% for the billing service",
    ],
)
def test_a_delivery_or_a_stated_start_is_not_read_as_a_bare_level(text: str) -> None:
    assert "SW103" not in codes(text), text


# --- SW104: principles, study, programmes -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Put customers over internal politics",
        "Value learning over being right (e.g. run 2 blameless reviews a month)",
        "Favour pairing over solo heroics. E.g. 3 pairing days per sprint",
    ],
)
def test_a_principle_of_one_value_over_another_is_not_measurable(text: str) -> None:
    found = [f for f in lint_text(text) if f.code == "SW104"]
    assert found, text
    assert "principle" in found[0].message
    assert "SW103" not in codes(text)  # the example's numbers are not the KR's


@pytest.mark.parametrize(
    "text",
    [
        "Put deals over $50k through the deal desk",
        "Value speed over polish in 3 launches",
        "Put the new pricing page live",
        "Prefer 2 suppliers over 1 for every critical part",
    ],
)
def test_a_preference_with_something_to_count_stays_measurable(text: str) -> None:
    assert "SW104" not in codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Study distributed consensus algorithms",
        "Practise conversational Spanish",
        "Practice public speaking",
        "Experiment with retrieval-augmented prompts",
        "Design and run programs to lift mentoring across the school",
    ],
)
def test_study_practice_experiments_and_unnamed_programmes_are_open_ended(text: str) -> None:
    assert "SW104" in codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Study 4 published postmortems from peer companies",
        "Practise 30 minutes of Spanish a day",
        "Run 3 pricing experiments",
        "Launch the mentoring program",
        "Build a partner program",
    ],
)
def test_study_or_programmes_with_a_count_or_a_name_stay_measurable(text: str) -> None:
    assert "SW104" not in codes(text), text


def test_round_sixteen_readings_fire_on_no_measurable_hand_written_kr() -> None:
    """The guard of the round: the SW104 readings fire on no hand-written KR labelled
    measurable that has the words they read (training or held-out split)."""
    words = {"put", "value", "values", "favour", "favor", "prefer", "study", "practise",
             "practice", "experiment", "programs"}  # fmt: skip
    checked = 0
    for row in load_labelled("train") + load_labelled("heldout"):
        facts = read(row.text)
        if not row.unmeasurable and (words.intersection(facts.tokens) or re.search(
                r"\bover\b", facts.norm)):  # fmt: skip
            checked += 1
            assert "SW104" not in codes(row.text), row.text
    assert checked > 10
