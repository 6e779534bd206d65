"""Issue 12: the misses found on real-world key results, one test each, and the rewrite
grammar checked over the whole public corpus."""

from __future__ import annotations

import re

import pytest

from sowhat.lint import classify, lint_text
from sowhat.lint.dataset import load_public, measures, source_group
from sowhat.lint.rewrite import USABLE, usable_thing


def codes(text: str) -> list[str]:
    return [f.code for f in lint_text(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Increase story points completed per sprint from 30 to 45",
        "Increase the number of features shipped per sprint from 4 to 6",
        "Have 5 customer interviews per week",
        "Double the content marketing budget",
        "Hold a business review with each of our top 20 accounts",
    ],
)
def test_activity_and_input_counts_get_a_finding(text: str) -> None:
    found = codes(text)
    assert found, f"{text!r} passed with no finding"
    assert set(found) & {"SW101", "SW117"}


def test_activity_metric_names_the_effort() -> None:
    [f] = [f for f in lint_text("Increase story points completed per sprint from 30 to 45")
           if f.code == "SW117"]  # fmt: skip
    assert "effort" in f.message
    assert f.suggestion is not None
    assert "count what the effort is for" in f.suggestion


def test_activity_next_to_a_result_is_not_flagged() -> None:
    assert "SW117" not in codes("Raise trial-to-paid conversion of webinar attendees from 5% to 9%")


@pytest.mark.parametrize("text", ["Reduce churn", "Churn", "Improve retention of new teams"])
def test_outcome_nouns_without_a_number_are_outcomes(text: str) -> None:
    assert classify(text).kind == "outcome"
    assert "SW101" not in codes(text)


def test_reduce_churn_asks_for_numbers_not_usage() -> None:
    found = lint_text("Reduce churn")
    assert [f.code for f in found] == ["SW103"]
    assert all("use churn" not in (f.suggestion or "") for f in found)


@pytest.mark.parametrize(
    "text",
    ["No Sev-1 outage this quarter", "CSAT at 92% or higher", "Under 1% of orders refunded"],
)
def test_thresholds_without_a_starting_point_get_sw103(text: str) -> None:
    [f] = [f for f in lint_text(text) if f.code == "SW103"]
    assert "no baseline" in f.message


@pytest.mark.parametrize(
    "text",
    [
        "Keep CSAT at 92% or higher",  # the level is today's value
        "CSAT from 88% to 92% or higher",
        "Achieve NPS of 50+ (currently 38)",
        "Reduce refunds by 20%",
    ],
)
def test_thresholds_with_a_starting_point_pass_sw103(text: str) -> None:
    assert "SW103" not in codes(text)


def test_signups_as_the_denominator_is_not_vanity() -> None:
    text = "80% of new signups complete the onboarding checklist in week 1"
    assert classify(text).kind == "outcome"
    assert "SW102" not in codes(text)
    assert "SW102" in codes("Get 60K signups")  # a raw count still is


def test_frequency_words_are_values_not_vagueness() -> None:
    text = "Raise deployment frequency from weekly to daily"
    assert "SW104" not in codes(text)
    assert "SW103" not in codes(text)
    assert classify(text).kind == "outcome"


# --- rewrites: every suggestion over the corpus has an allowed shape ---------------------

_QUESTION = r"so what happens once '.+' is done\? Name the change in behaviour"
_SHAPES = (
    # a catalog metric or a topic outcome: "..., e.g. '<outcome sentence>'"
    re.compile(rf"^{_QUESTION}, e\.g\. '(?P<example>[A-Z][^']*)'$"),
    # a usable thing in the behaviour template
    re.compile(
        rf"^{_QUESTION}: who will do what differently, and how would you count it\? e\.g\. "
        r"'Increase the share of active accounts that use the (?P<thing>[^']+) weekly from "
        r"X% to Y%'$"
    ),
    # no good rewrite: the So-what question alone
    re.compile(rf"^{_QUESTION}: who will do what differently, and how would you count it\?$"),
)


def test_every_rewrite_over_the_public_corpus_has_an_allowed_shape() -> None:
    checked = 0
    for row in load_public():
        for f in lint_text(row.text):
            if f.code != "SW101":
                continue
            checked += 1
            assert f.suggestion is not None
            match = next((m for s in _SHAPES if (m := s.match(f.suggestion))), None)
            assert match is not None, f"{row.id}: {f.suggestion}"
            thing = match.groupdict().get("thing")
            if thing is not None:
                assert usable_thing(thing), f"{row.id}: '{thing}' is not something people use"
                assert thing.split()[-1] in USABLE
    assert checked >= 200


@pytest.mark.parametrize(
    ("thing", "ok"),
    [
        ("new editor", True),
        ("slack integration", True),
        ("churn", False),
        ("business review", False),
        ("5 blog posts", False),
        ("case studies", False),
        ("retention dashboard", False),  # a metric word inside: not a name of a thing
    ],
)
def test_usable_thing(thing: str, ok: bool) -> None:
    assert usable_thing(thing) is ok


# --- the corpus and its split --------------------------------------------------------------


def test_public_corpus_is_sourced_varied_and_consistent() -> None:
    rows = load_public()
    assert len(rows) >= 900
    assert len({r.domain for r in rows}) >= 10
    assert all(r.source.startswith(("github:", "http")) for r in rows)
    assert len({r.source_group for r in rows}) >= 20
    assert all(not (r.vanity and r.kind == "output") for r in rows)
    assert all(not (r.no_baseline and r.kind == "output") for r in rows)
    assert all(not ((r.activity or r.milestone) and r.kind == "outcome") for r in rows)
    assert len({r.text.lower() for r in rows}) == len(rows)


def test_source_group() -> None:
    assert source_group("github:ipfs/js-ipfs/OKR.md") == "github:ipfs"
    assert source_group("https://www.profit.co/okr-university/x/") == "profit.co"


def test_measures_on_a_tiny_hand_made_case() -> None:
    from sowhat.lint.dataset import Judged, LabelledKR

    def kr(kind: str, **flags: bool) -> LabelledKR:
        return LabelledKR("x", "t", kind, flags.get("vanity", False),  # type: ignore[arg-type]
                          flags.get("unmeasurable", False), "d", "s",
                          no_baseline=flags.get("no_baseline", False))  # fmt: skip

    judged = [
        Judged(kr("output"), "output", frozenset({"SW101"})),
        Judged(kr("output"), "outcome", frozenset()),
        Judged(kr("outcome", no_baseline=True), "outcome", frozenset({"SW103"})),
        Judged(kr("outcome", vanity=True), "outcome", frozenset({"SW102"})),
        Judged(kr("outcome"), "outcome", frozenset({"SW102"})),
    ]
    m = measures(judged)
    assert m["kind_accuracy"] == pytest.approx(4 / 5)
    assert m["output_recall"] == pytest.approx(1 / 2)
    assert m["outcome_precision"] == pytest.approx(3 / 4)
    assert m["sw103_recall"] == 1.0
    assert m["sw102_recall"] == 1.0
    assert m["sw102_precision"] == pytest.approx(1 / 2)
    assert m["sw104_recall"] is None
