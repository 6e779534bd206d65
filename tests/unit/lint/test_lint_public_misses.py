"""Issue 12: the misses found on real-world key results, one test each, and the rewrite
grammar checked over the whole public corpus."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources

import pytest

from sowhat.lint import classify, lint_text
from sowhat.lint.dataset import (
    BURNED_GROUPS,
    EIGHTH_COLLECTION_FIRST,
    HELDOUT_GROUPS,
    HELDOUT_SEED,
    PREVIOUS_HELDOUT_GROUPS,
    PREVIOUS_HELDOUT_SEED,
    SEVENTH_COLLECTION_FIRST,
    draw_heldout,
    load_labelled,
    load_public,
    measures,
    source_group,
    split_public,
)
from sowhat.lint.rewrite import USABLE, usable_thing
from sowhat.lint.textfeatures import read


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

SIXTH_LAST = SEVENTH_COLLECTION_FIRST - 1

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
        ("dedicated number of features", False),  # a quantity of things, not a thing
    ],
)
def test_usable_thing(thing: str, ok: bool) -> None:
    assert usable_thing(thing) is ok


# --- the corpus and its split --------------------------------------------------------------


def test_public_corpus_is_sourced_varied_and_consistent() -> None:
    rows = load_public()
    assert len(rows) >= 1500
    assert len({r.domain for r in rows}) >= 10
    assert all(r.source.startswith(("github:", "http")) for r in rows)
    assert len({r.source_group for r in rows}) >= 30
    share = Counter(r.source_group for r in rows)
    assert max(share.values()) <= 0.20 * len(rows), share.most_common(3)
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


def test_held_out_organisations_are_never_trained_on() -> None:
    """The figures in docs/lint.md are the shipped model's on organisations it never saw:
    no organisation on both sides, the group is exactly what the documented seeded draw gives
    on the sixth collection, and the shipped model was trained on exactly the hand-written
    training split plus the training organisations."""
    train, held = split_public()
    assert {r.source_group for r in train}.isdisjoint({r.source_group for r in held})
    assert {r.source_group for r in held} == HELDOUT_GROUPS
    # drawn from the sixth collection only (rows p2266-p2550), by the documented procedure
    sixth = [r for r in train + held if 2265 < int(r.id[1:]) <= SIXTH_LAST]
    assert all(2265 < int(r.id[1:]) <= SIXTH_LAST for r in held)
    assert draw_heldout(sixth, HELDOUT_SEED) == HELDOUT_GROUPS
    assert len(held) > 200
    # the sixth collection's organisations are all new to the corpus
    older = {r.source_group for r in train + held if int(r.id[1:]) <= 2265}
    assert older.isdisjoint({r.source_group for r in sixth})
    # the seventh collection (rows after p2550) is training data, from organisations new to
    # the corpus: none of them held out now or earlier
    seventh = {r.source_group for r in train + held if int(r.id[1:]) > SIXTH_LAST}
    assert len(seventh) >= 20
    assert seventh.isdisjoint({r.source_group for r in train + held if int(r.id[1:]) <= SIXTH_LAST})
    assert seventh.isdisjoint(HELDOUT_GROUPS | BURNED_GROUPS | PREVIOUS_HELDOUT_GROUPS)
    # the eighth collection (rows from p3007, round fifteen) likewise: 30 or more
    # organisations new to every earlier row, training data after one external scoring
    eighth = {r.source_group for r in train + held if int(r.id[1:]) >= EIGHTH_COLLECTION_FIRST}
    assert len(eighth) >= 30
    earlier = {r.source_group for r in train + held if int(r.id[1:]) < EIGHTH_COLLECTION_FIRST}
    assert eighth.isdisjoint(earlier | HELDOUT_GROUPS | BURNED_GROUPS | PREVIOUS_HELDOUT_GROUPS)
    # the previous held-out organisations were scored: now training data
    assert {r.source_group for r in train} >= BURNED_GROUPS | PREVIOUS_HELDOUT_GROUPS
    shipped = json.loads(
        resources.files("sowhat.lint.data").joinpath("model.json").read_text("utf-8")
    )
    # model.json predates the seventh collection: trained on the training organisations of
    # rows up to p2550 (the thirteenth round scored it on the seventh collection as an
    # external set before adding it; see docs/lint.md)
    before_seventh = [r for r in train if int(r.id[1:]) <= SIXTH_LAST]
    assert shipped["trained_on"] == len(load_labelled("train")) + len(before_seventh)


def test_the_draw_procedure_reproduces_the_earlier_rounds() -> None:
    """`draw_heldout` is the procedure the docs describe: on the fourth collection (rows
    p1900-p2055) with that round's seed it gives that round's group (19 organisations, now
    burned), and on the fifth (p2056-p2265) the fifth round's, so the sixth round's group was
    drawn the same way."""
    rows = load_public()
    fourth = [r for r in rows if 1899 < int(r.id[1:]) <= 2055]
    fourth_group = draw_heldout(fourth, 20261204)
    assert len(fourth_group) == 19
    assert fourth_group <= BURNED_GROUPS
    fifth = [r for r in rows if 2055 < int(r.id[1:]) <= 2265]
    assert draw_heldout(fifth, PREVIOUS_HELDOUT_SEED) == PREVIOUS_HELDOUT_GROUPS


@pytest.mark.parametrize(
    ("source", "group"),
    [
        ("https://handbook.gitlab.com/handbook/company/okrs/2018-q1", "gitlab.com"),
        ("https://about.gitlab.com/company/okrs/2018-q4/", "gitlab.com"),
        ("https://discourse.mozilla.org/t/reps-okrs-q4-2021/86152", "mozilla.org"),
        ("https://wiki.mozilla.org/Foundation/2020/OKRs", "mozilla.org"),
        ("https://www.matrixowl.com/resources/articles/x", "matrixowl.com"),
        ("github:kurrik/roomanna/body.md", "github:kurrik"),
    ],
)
def test_one_organisation_under_several_hosts_is_one_group(source: str, group: str) -> None:
    assert source_group(source) == group


# --- misses found on the grown corpus (training organisations) ---------------------------


@pytest.mark.parametrize("text", ["Fix bugs", "Ship features", "Update documentation",
                                  "Do user research"])  # fmt: skip
def test_work_with_no_particular_deliverable_is_unmeasurable(text: str) -> None:
    assert "SW104" in codes(text)


@pytest.mark.parametrize("text", ["Launch audit logs", "Launch new feature",
                                  "Migrate 3 core services out of monolith"])  # fmt: skip
def test_a_named_deliverable_stays_measurable(text: str) -> None:
    assert "SW104" not in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hit 50 NPS (from 42)",
        "Sign 15 fintech customers (from 3)",
        "Increase engagement 40%",
        "Achieve 40% month-over-month growth",
        "A 12-percent increase in student engagement",
        "Grow net revenue +12% QoQ.",
    ],
)
def test_starting_points_written_after_the_target_or_as_a_rate_pass_sw103(text: str) -> None:
    assert "SW103" not in codes(text)


@pytest.mark.parametrize("text", ["Achieve 99.9% uptime", "Achieve 95% API adoption among "
                                  "customers", "Reach $100K MRR"])  # fmt: skip
def test_levels_to_reach_still_get_sw103(text: str) -> None:
    assert "SW103" in codes(text)


@pytest.mark.parametrize(
    "text",
    ["Gain 1,500 new blog subscribers", "Get publication in at least 2 publications",
     "200k views per 30 days of our articles"],
)  # fmt: skip
def test_attention_counts_are_vanity(text: str) -> None:
    assert classify(text).kind == "outcome"
    assert "SW102" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Members can make a creator profile and publish content under this profile.",
        "Grow power users (5+ sessions/week) from 3,000 to 5,000",
        "Avg sessions per user from 12 to 20",
        "Get 100 posts on forum",
    ],
)
def test_vanity_words_as_subjects_segments_or_rates_are_not_vanity(text: str) -> None:
    assert "SW102" not in codes(text)


@pytest.mark.parametrize("text", ["Lookout featured at 3 conferences",
                                  "Post 10 times a week on social media"])  # fmt: skip
def test_talks_and_posting_are_outputs(text: str) -> None:
    assert classify(text).kind == "output"


def test_a_punctuated_name_is_not_put_in_the_behaviour_template() -> None:
    assert not usable_thing("strategy/tools")
    assert not usable_thing("editor (beta)")


@pytest.mark.parametrize("row", load_public()[::7], ids=lambda r: r.id)
def test_split_patterns_match_their_one_regex_references(row: object) -> None:
    """The relative-change and share checks run branch by branch for speed; on corpus text
    they must say exactly what the single regular expressions say."""
    from sowhat.lint import textfeatures as tf

    norm = tf.normalise(row.text)  # type: ignore[attr-defined]
    digit = any(c.isdigit() for c in norm)
    assert tf._relative(norm, digit) is (
        (digit or tf._REL_GUARD.search(norm) is not None) and tf._RELATIVE.search(norm) is not None
    )
    assert tf._share(norm, digit) is (tf._SHARE.search(norm) is not None)
    keys = frozenset(tf._TOKEN.findall(norm.replace("-", " ")))  # the words, as `read` has them
    assert tf._relative(norm, digit, keys) is tf._relative(norm, digit)
    assert tf._share(norm, digit, keys) is tf._share(norm, digit)


# --- third round: states, "Maximize X", redacted numbers (training organisations) ----------


@pytest.mark.parametrize(
    "text",
    [
        "Users mention how good the error tracking docs are",
        "Everyone at the company knows where to find the roadmap and trusts it",
        "Positive feedback from community and word of mouth about our videos",
        "Maximize monthly /search visits",
        "Maximize monthly community engagement and reach",
        "Graphics is not a bottleneck to ad generation.",
    ],
)
def test_states_and_maximize_without_a_level_are_unmeasurable(text: str) -> None:
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Users can create branches of projects",  # a capability: done or not
        "We have a list of active signals for outreach",
        "Launch the rebrand",
        "Deploy daily",  # a frequency is a value
    ],
)
def test_capabilities_deliverables_and_frequencies_stay_measurable(text: str) -> None:
    assert "SW104" not in codes(text)


def test_redacted_numbers_read_as_numbers() -> None:
    from sowhat.lint.textfeatures import read

    for text in ("Land _N3_ large enterprise customers", "≥_N11_ organizations use campaigns",
                 "XXX influential users on podcasts with us"):  # fmt: skip
        facts = read(text)
        assert facts.has_number, text
        assert facts.head != "n"
    assert "SW104" not in codes("Land _N3_ large enterprise customers")


def test_a_frequency_adjective_is_not_a_value() -> None:
    from sowhat.lint.textfeatures import read

    assert not read("Maximize monthly visits").has_number
    assert read("Raise deployment frequency from weekly to daily").has_number
    assert read("Review the results monthly").has_number


def test_a_metric_with_no_level_is_told_so() -> None:
    found = [f for f in lint_text("Maximize monthly /search visits") if f.code == "SW104"]
    assert found
    assert "'visits' is a metric" in found[0].message
    assert "no number and no metric" not in found[0].message


# --- fifth round: vanity counts the coach let through (training organisations) -------------


@pytest.mark.parametrize(
    "text",
    [
        "Achieve 1,000 trial sign-ups in first 30 days",  # "trial" names the signups counted
        "Increase free trial signups by 20%",
        "100k site visitors/month, via technical SEO",  # a count per month, not a segment
        "Readership increases by 30%",
        "Newsletters getting more views each time",  # the model calls it an output
        "Get 5,000 followers on LinkedIn",
    ],
)
def test_attention_chased_for_its_own_sake_gets_sw102(text: str) -> None:
    assert "SW102" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Visitor-to-trial conversion from 2% to 4%",
        "Grow power users (5+ sessions/week) from 3,000 to 5,000",  # sessions define the group
        "80% of new signups complete the onboarding checklist in week 1",
        "Increase the share of trial signups who activate from 20% to 35%",
        "Reduce errors per 1,000 sessions from 12 to 4",
    ],
)
def test_attention_tied_to_value_or_a_denominator_passes_sw102(text: str) -> None:
    assert "SW102" not in codes(text)


@pytest.mark.parametrize("text", ["Developer experience", "Team morale", "Employee engagement",
                                  "Customer satisfaction"])  # fmt: skip
def test_a_quality_named_alone_is_unmeasurable(text: str) -> None:
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Launch the new onboarding experience",  # a deliverable: done or not
        "Improve developer satisfaction score",  # a score with a direction: SW103's job
        "Reduce churn",
    ],
)
def test_a_deliverable_or_a_metric_with_a_direction_is_measurable(text: str) -> None:
    assert "SW104" not in codes(text)


def test_maximize_a_metric_is_still_unmeasurable() -> None:
    assert "SW104" in codes("Maximize monthly /search visits")


@pytest.mark.parametrize(
    "text",
    [
        "95% of P2 support questions are resolved within one week",
        "90% of invoices are paid within 30 days",
    ],
)
def test_a_share_stated_as_a_level_gets_sw103_whatever_the_verdict(text: str) -> None:
    assert "SW103" in codes(text)


# --- after the fifth round (cross-validation only): rule misses on training organisations --


@pytest.mark.parametrize(
    "text",
    [
        "Cut the bug escape rate from 12% to under 5%",  # the target carries a bound
        "Bring median time-to-first-value from 11 minutes to less than 4 minutes",
        "Grow time on site from 2:37 per session to 3:45 per session",  # clock times
        "Raise unit test coverage to 75% from current 45%",
        "Reach 200k monthly readers of the guide (current is 125k)",
        "Cut the churn rate in half",
    ],
)
def test_starting_points_with_a_bound_a_clock_time_or_current_pass_sw103(text: str) -> None:
    assert "SW103" not in codes(text)


@pytest.mark.parametrize(
    "text",
    ["Retain 90% of current customers", "Get churn in half the accounts below 2%"],
)  # fmt: skip
def test_current_and_half_need_a_number_or_a_move_to_be_a_baseline(text: str) -> None:
    # "current customers" is a population and "in half the accounts" a share, not starting
    # points; the first is a level kept ("retain"), the second a threshold only
    assert read(text).baseline == (text.startswith("Retain"))


@pytest.mark.parametrize(
    "text",
    [
        "Decrease page load time",
        "Reduce the number of bugs found in production",
        "Shorten the time it takes to resolve customer issues",
        "Reduce incident recurrence",
        "Increase the frequency of releases to customers",
    ],
)
def test_a_metric_named_by_a_phrase_with_a_direction_is_measurable(text: str) -> None:
    found = codes(text)
    assert "SW104" not in found
    if classify(text).kind == "outcome":
        assert "SW103" in found  # measurable, but no numbers: SW103 asks for them


def test_minimize_a_metric_phrase_names_it() -> None:
    [f] = [f for f in lint_text("Minimize page load time") if f.code == "SW104"]
    assert "'load time' is a metric" in f.message


@pytest.mark.parametrize(
    "text",
    [
        "Increase user time spent in the app from 12 to 18 minutes a day",
        "Reduce the time spent on manual reconciliation from 30% to 10%",
    ],
)
def test_time_spent_is_not_budget_spent(text: str) -> None:
    assert not read(text).activity
    assert "SW117" not in codes(text)


def test_money_spent_is_still_an_input() -> None:
    assert read("Increase the ad budget spent per month from $5k to $8k").activity


@pytest.mark.parametrize(
    "text",
    [
        "Increase the average deal value",  # a metric moved, whichever verdict
        "Grow the number of positive app store reviews",
        "Raise MTBF for the storage cluster",
    ],
)
def test_a_metric_moved_with_no_numbers_gets_sw103_whatever_the_verdict(text: str) -> None:
    assert "SW103" in codes(text)
    assert "SW104" not in codes(text)


def test_work_moved_is_not_a_metric_moved() -> None:
    # an activity count is SW117's, not SW103's, even with a change verb and "number of"
    assert "SW103" not in codes("Increase the number of blog posts we publish")


@pytest.mark.parametrize(
    "text",
    [
        "40 community members give a talk at a local meetup",
        "Members of the community are involved in reviewing proposals",
        "Identify potential members and invite them, get 20 to join",
    ],
)
def test_members_doing_something_are_not_a_vanity_count(text: str) -> None:
    """Sixth round: "members" followed by what they do is people acting, not an audience
    size (on the training organisations SW102 fired 5 times on such KRs, none vanity)."""
    assert "SW102" not in codes(text)


@pytest.mark.parametrize(
    "text", ["Discord server hits 10,000 members", "Grow the forum to 5,000 members by Q3"]
)
def test_members_counted_for_their_own_sake_are_still_vanity(text: str) -> None:
    assert "SW102" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Increase active users",
        "Grow paying customers",
        "Achieve positive ROI on consulting services",
        "Support engineers spend less time on manual triage",
    ],
)
def test_people_counted_roi_and_time_saved_are_metrics(text: str) -> None:
    """Sixth round: a count of people by what they do, a return on investment or time given
    back is a metric: SW103 may ask for the numbers, SW104 ("no metric") must not fire."""
    assert "SW104" not in codes(text)


def test_active_users_with_no_numbers_asks_for_them() -> None:
    assert "SW103" in codes("Increase active users")


# Branch coach10 (issue 12, after the sixth round): SW104 and SW102 recall on the training
# organisations' misses under cross-validation. Each test fails without its rule.


@pytest.mark.parametrize(
    "text",
    [
        "Developer experience improves across teams",
        "All necessary integrations built",
        "Sales feedback that the pricing page is helpful",
        "Smarter routing of support requests",
        "The new cache does not negatively impact search performance",
        "A platform team capable of answering every request",
    ],
)
def test_a_quality_with_no_yardstick_is_not_measurable_even_as_work(text: str) -> None:
    """The model calls these outputs; a quality named as what changes ("experience
    improves"), or promised with no yardstick (necessary, helpful, capable, smarter, "does
    not negatively impact") leaves nothing to count, as "Build stronger relationships"."""
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Understanding of what user actions drive retention",
        "Evidence that the new onboarding lowers churn",
    ],
)
def test_knowing_about_a_metric_is_not_a_level_of_it(text: str) -> None:
    """The metric is what is to be understood or shown, not a level to reach: SW104, not
    SW103's "no baseline and no target"."""
    found = codes(text)
    assert "SW104" in found
    assert "SW103" not in found


def test_a_metric_moved_still_asks_for_numbers_not_sw104() -> None:
    assert codes("Increase retention") == ["SW103"]


@pytest.mark.parametrize(
    "text",
    [
        "Our sales team is actively putting the new playbook into practice",
        "Any engineer is able to find the runbook for a service",
        "Everyone can access and understand the quarterly roadmap",
    ],
)
def test_state_sentences_past_a_possessive_or_a_few_words(text: str) -> None:
    """A state of people: the subject after "our"/"any", the verb up to five words after it
    ("Everyone can access and understand ...")."""
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text", ["Align sales messaging with the product vision", "Embrace experimentation"]
)
def test_align_and_embrace_are_open_ended(text: str) -> None:
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "3m page views to our articles, a majority of which cover security",
        "Achieve 25% growth in subscriber base",
        "Increase in page views from 10k to 15k",
    ],
)
def test_vanity_counts_behind_of_which_and_growth_in(text: str) -> None:
    """ "of which" comments on the content, it does not pick the views that count; "growth
    in X" / "increase in X" change the count itself ("in" is not a base here, as in "errors
    in sessions"); "subscriber base" is the list counted."""
    assert "SW102" in codes(text)


def test_a_vanity_word_after_across_is_the_base() -> None:
    """ "compliance above 95% across all sessions": sessions are what the share is of."""
    assert "SW102" not in codes("Policy compliance above 95% across all sessions")


def test_attention_asked_for_a_few_words_after_the_verb() -> None:
    """The verb of getting or growing governs the attention word within its clause."""
    from sowhat.lint.rules.wording import _chases_attention

    assert _chases_attention(
        read("Pitch the launch and get publication in at least 2 publications"))
    assert "SW102" in codes("Run the community program and see growing subs on the channel")
    assert not _chases_attention(read("Ship more templates and track downloads"))


@pytest.mark.parametrize(
    "text",
    [
        "Rank in the top 5 Google results for 4 target keywords",
        "Ranking for data engineering keywords in search",
        "We see steady growth in visibility from search",
        "Consistent engagement on social channels",
        "Newsletter is growing faster than last year",
        "Grow our audience on the blog",
    ],
)
def test_attention_in_words_apart_is_vanity(text: str) -> None:
    """A place in search results, social engagement and a growing audience are attention,
    like "search ranking" and "mailing list"; the model often calls them outputs."""
    assert "SW102" in codes(text)


@pytest.mark.parametrize(
    "text", ["Improve search result ranking relevance", "Send a monthly newsletter"]
)
def test_ranking_alone_and_a_newsletter_sent_are_not_attention(text: str) -> None:
    assert "SW102" not in codes(text)


def test_signups_for_trials_are_signups_counted() -> None:
    """ "sign-ups for product trials" are sign-ups counted (like "trial sign-ups"); a
    conversion or signups who start a trial stay tied to value."""
    assert "SW102" in codes("Run campaigns and increase sign-ups for product trials by 20%")
    assert "SW102" not in codes("Signups who start a trial within 7 days from 20% to 30%")


@pytest.mark.parametrize(
    "text",
    [
        "Run ads on paid social and increase downloads of the app",
        "Publish weekly tutorials and boost newsletter subscribers",
    ],
)
def test_attention_increased_or_boosted_is_asked_for(text: str) -> None:
    """ "increase", "boost", "drive" before the attention word ask for it, as "get" and
    "more" do, even when the model calls the whole KR work."""
    assert "SW102" in codes(text)


@pytest.mark.parametrize(
    "text", ["Improve UX for the editor (#4512)", "Customers love the new editor by Q4"]
)
def test_an_issue_reference_or_a_quarter_is_not_a_quantity(text: str) -> None:
    """ "#4512" and "Q4" are digits but count nothing: the KR is as unmeasurable as it is
    without them (before, the digit made SW104 quiet)."""
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text", ["Increase deployment frequency from weekly to daily", "Customers rate us 4+ by Q4"]
)
def test_other_numbers_beside_a_reference_still_count(text: str) -> None:
    assert "SW104" not in codes(text)


def test_sw104_on_knowledge_of_a_metric_says_so() -> None:
    found = lint_text("Understanding of what drives retention")
    [finding] = [f for f in found if f.code == "SW104"]
    assert "understood" in finding.message
    assert "Retention from X to Y" in (finding.suggestion or "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a customer meeting or account work: the accounts' retention, not staff attrition
        ("Hold a business review with each of our top 20 accounts", "net revenue retention"),
        ("Do quarterly business reviews for all eligible customers", "net revenue retention"),
        ("Complete account plans for all strategic accounts", "net revenue retention"),
        # "review" alone is still a performance review
        ("Complete 100% of performance reviews", "regretted attrition"),
        # words of another trade in their own (see the test below for the others)
        ("Launch the freemium plan", "checkout"),
        ("Launch self-serve plan upgrades", "checkout"),
        ("Do 8 user research activities", "customer evidence"),
        ("Build a research repository", "customer evidence"),
        ("Redesign the account setup flow", "new-account activation"),
        ("Set up lifecycle emails for day 1, 3 and 7", "new-account activation"),
    ],
)
def test_the_so_what_example_fits_the_kind_of_work(text: str, expected: str) -> None:
    [f] = [f for f in lint_text(text) if f.code == "SW101"]
    assert f.suggestion is not None
    assert expected in f.suggestion


def test_a_topic_phrase_counts_only_as_its_two_words() -> None:
    from sowhat.lint.rewrite import best_topic

    topic = best_topic(read("1 customer successfully enables auto-indexing on their instance"))
    assert topic is None or "net revenue retention" not in topic.outcome
    business = best_topic(read("Grow the business in two new regions"))
    assert business is None or "net revenue retention" not in business.outcome


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        # "plan" is a pricing plan only as one ("paid plan", "freemium plan")
        ("Write the marketing plan", "checkout"),
        ("Plan social media strategy", "checkout"),
        ("Write the incident response plan", "checkout"),
        # "Set up X" is not new accounts setting up the product
        ("Set up monitoring", "new-account activation"),
        ("Set up a scalable web infrastructure", "new-account activation"),
        # "Research X" as the verb is not user research
        ("Research distributed storage alternatives", "customer evidence"),
    ],
)
def test_a_word_of_another_trade_does_not_pick_the_example(text: str, wrong: str) -> None:
    [f] = [f for f in lint_text(text) if f.code == "SW101"]
    assert f.suggestion is not None
    assert wrong not in f.suggestion


# Tenth round (issue 12): the guideline's own hard case "Boost posts on Instagram and
# Facebook" (output, activity, unmeasurable) was missed under cross-validation.


@pytest.mark.parametrize(
    "text",
    [
        "Boost posts on Instagram and Facebook",
        "Fix bugs in the editor",
        "Ship features for enterprise customers",
    ],
)
def test_generic_work_stays_generic_when_a_place_is_named(text: str) -> None:
    """The object ends at the first preposition: naming where the work happens ("on
    Instagram", "in the editor") names no particular deliverable, like "Ship features"."""
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Fix the login bug on Safari",
        "Publish 3 posts on LinkedIn",
        "Write blog posts for the launch",
        "Ship the audit log feature to enterprise customers",
    ],
)
def test_a_particular_object_before_the_place_stays_measurable(text: str) -> None:
    assert "SW104" not in codes(text)


# Eleventh round (issue 12): SW104 misses grouped by why the rule stayed quiet (the design
# four-fifths of the training organisations; benchmarks/lint_round11.py). Sentences written
# here, of the same shapes, not copied from the corpus.


@pytest.mark.parametrize(
    "text",
    [
        "Deliver an improved usage analytics experience for admins",
        "Roll out a smoother cost reporting experience",
        "Sales reps no longer reach for cost optimization as the opening pitch",
    ],
)
def test_a_metric_word_that_only_qualifies_a_thing_is_no_metric(text: str) -> None:
    """"usage analytics experience" names an experience and "cost optimization" work, not
    the usage or the cost: like "Improve the onboarding flow", nothing to count."""
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Improve developer satisfaction score",  # the metric is the head of its phrase
        "Reduce infrastructure cost",
        "Raise weekly active usage of the export from 12% to 30%",
        "Launch usage dashboards for admins",  # a deliverable, done or not
        "Build a cost optimization dashboard for the finance team",
        "Refresh our retention strategy",
    ],
)
def test_a_metric_at_the_head_or_a_deliverable_stays_measurable(text: str) -> None:
    assert "SW104" not in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Collect some feedback on the beta",
        "Write several blog posts",
        "Ship a certain number of improvements each sprint",
        "Deliver a number of features every release",
    ],
)
def test_an_amount_left_open_is_no_number(text: str) -> None:
    """"some feedback", "a number of features": the KR says there will be some, not how
    many, like "Ship features" (the guideline's hard case)."""
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Reduce the number of bugs",  # a metric given a direction: SW103's job
        "Reduce some hosting costs",
        "Get a number of design partners to sign",
        "Migrate the schema and move only some tenants to it",  # a deliverable's part
        "Ship 3 features every release",
    ],
)
def test_a_counted_metric_or_a_deliverable_with_some_stays_measurable(text: str) -> None:
    assert "SW104" not in codes(text)


def test_our_own_people_are_the_subject_of_a_state() -> None:
    """"Our own developers" is "our developers": the state sentence test skips "own" as it
    skips the possessive ("We don't rely on reactive signals")."""
    assert "SW104" in codes("Our own developers rely on the design system")
    assert "SW104" not in codes("Our own team can search private code on the hosted instance")


@pytest.mark.parametrize(
    "text",
    [
        "Keep all contracts organised in one shared folder",
        "Keep meeting notes organised in one searchable wiki",
    ],
)
def test_one_place_is_not_a_quantity(text: str) -> None:
    """"in one shared folder" says where things are kept together, not a number to reach;
    "organised" promises a quality with no yardstick."""
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Resolve 95% of P2 issues in one week",
        "Run at least one marathon this year",
        "Upload 100 files in one hour",
        "Move every service into one Kubernetes cluster by Q3",
    ],
)
def test_one_as_a_count_or_a_duration_stays_a_number(text: str) -> None:
    assert "SW104" not in codes(text)


def test_round_eleven_rules_fire_on_no_measurable_hand_written_kr() -> None:
    """The guard of the round: none of the new readings makes SW104 fire on a hand-written
    KR labelled measurable (training or held-out split)."""
    from sowhat.lint.classifier import _metric_only_modifies, _open_amount, _unity_only

    for row in load_labelled("train") + load_labelled("heldout"):
        if row.unmeasurable:
            continue
        facts = read(row.text)
        if _metric_only_modifies(facts) or _open_amount(facts) or _unity_only(facts):
            assert "SW104" not in codes(row.text), row.text


# Twelfth round: four more SW104 readings, each written from the design part's misses and
# tested on sentences written here, of the same shapes, not copied from the corpus.


@pytest.mark.parametrize(
    "text",
    [
        "Subjectively, the support team spends more than 60% of its time on planned work",
        "Anecdotally, 80% of our partners find the new portal faster",
        "100% confidence in the supplier's ability to ship on time",
        "Reach 90% certainty that the roadmap holds through Q4",
    ],
)
def test_a_number_read_by_feel_is_no_yardstick(text: str) -> None:
    """The KR says its number is judged by feel, or the percentage measures a feeling: one
    person's 100% confidence is another's 80%, so nothing is counted."""
    found = lint_text(text)
    sw104 = [f for f in found if f.code == "SW104"]
    assert sw104
    assert "read by feel" in sw104[0].message


@pytest.mark.parametrize(
    "text",
    [
        "90% of staff are confident in the plan",  # a share of people: counted
        "Forecast revenue within 10% at 95% confidence",  # a statistical level
        "Raise the trust score from 62 to 70",
        "Reach a 4.6 app store rating",
    ],
)
def test_a_share_of_people_or_a_statistical_level_stays_measurable(text: str) -> None:
    assert "SW104" not in codes(text)


def test_a_number_read_by_feel_keeps_sw103() -> None:
    """A target with no starting point is still one: SW103 speaks beside SW104."""
    assert {"SW103", "SW104"} <= set(codes(
        "Subjectively, the support team spends more than 60% of its time on planned work"))


@pytest.mark.parametrize(
    "text",
    [
        "Deliver a maintanable release setup",
        "Provide all necesary onboarding support to new hires",
        "Build a more efficent handover between shifts",
    ],
)
def test_a_quality_misspelt_by_one_letter_is_still_the_quality(text: str) -> None:
    assert "SW104" in codes(text)


def test_the_misspelt_forms_are_not_words_of_the_corpus_or_the_hand_written_set() -> None:
    """The one-letter-short forms must not be real words a KR uses: no KR of the public
    corpus or the hand-written set contains one, except misspellings."""
    from sowhat.lint.classifier import _VAGUE_MISSPELT

    assert "adversly" in _VAGUE_MISSPELT
    assert "smother" not in _VAGUE_MISSPELT
    texts = [r.text for r in load_public()]
    texts += [r.text for r in load_labelled("train") + load_labelled("heldout")]
    hits = {w for t in texts for w in read(t).tokens if w in _VAGUE_MISSPELT}
    assert hits <= {"adversly"}, hits


@pytest.mark.parametrize(
    "text",
    [
        "We have a high-quality onboarding flow",
        "web3 launches get proper press coverage",
        "ISO 27001 work receives all necessary budget and attention",
    ],
)
def test_a_quality_promised_past_digits_in_a_name_is_unmeasurable(text: str) -> None:
    """"web3", "ISO 27001": digits that are part of a name are no quantity, so work
    promised only as a quality ("proper", "necessary") has nothing to count."""
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ship v2 of the public API",
        "go-libp2p implements the relay protocol",  # a named deliverable: done or not
        "Reach SOC 2 Type II compliance",
        "Publish 20 high-quality tutorials",  # a count
        "Keep the web3 bundle under 1.5MB",  # "1.5MB" is an amount
        "Cut p95 latency of the S3 gateway to 200 ms",
    ],
)
def test_a_named_thing_with_a_digit_or_a_count_stays_measurable(text: str) -> None:
    assert "SW104" not in codes(text)


def test_round_twelve_rules_fire_on_no_measurable_hand_written_kr() -> None:
    """The guard of the round: none of the new readings makes SW104 fire on a hand-written
    KR labelled measurable (training or held-out split)."""
    from sowhat.lint.classifier import _VAGUE_MISSPELT, _name_digits_only, judged_by_feel

    for row in load_labelled("train") + load_labelled("heldout"):
        if row.unmeasurable:
            continue
        facts = read(row.text)
        if judged_by_feel(facts) or _name_digits_only(facts) or "high-quality" in facts.norm or (
                _VAGUE_MISSPELT.intersection(facts.tokens)):  # fmt: skip
            assert "SW104" not in codes(row.text), row.text


# Fourteenth round: SW104 and SW102 readings written from the design part's misses (the
# untouched part of `benchmarks/lint_round14.py` never printed), each tested on sentences
# written here, of the same shapes, not copied from the corpus.


@pytest.mark.parametrize(
    "text",
    [
        "Frictionless checkout experiences across every storefront",
        "Seamless handover between the support shifts",
        "Internal tools that are easy to use exist for every team",
    ],
)
def test_frictionless_seamless_and_easy_are_qualities_with_no_yardstick(text: str) -> None:
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Write 10 easy-to-follow setup guides",  # a count
        "Seamless sign-in for 95% of returning users",  # a share
    ],
)
def test_a_quality_beside_a_count_or_a_deliverable_stays_measurable(text: str) -> None:
    assert "SW104" not in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Plan and evangelize testing practices",  # the second verb is open-ended
        "Writing and iterating on the onboarding docs",
        "Roll out improvements for the regional offices",  # a verb and its particle
        "Build out processes for vendor onboarding",
        "Roll out changes across the warehouses",
        "Collect and review feedback for the mobile app",
        "Map and close process gaps",
    ],
)
def test_two_verbs_or_a_particle_before_generic_work_is_still_generic(text: str) -> None:
    """"Document and evangelize designs", "Roll out improvements": a second verb sharing the
    object, or the particle of a phrasal verb, hid the open-ended work behind it."""
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Design and implement the caching layer for search",
        "Roll out the new billing portal to all customers",
        "Set up the staging cluster in Frankfurt",
        "Collect and publish the 2026 salary survey results",
    ],
)
def test_two_verbs_or_a_particle_before_a_particular_deliverable_stay_measurable(
    text: str,
) -> None:
    assert "SW104" not in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Advise regional offices on hiring plans",
        "Educate customers on when to call support",
        "Cultivate partnerships with local universities",
        "The platform team will serve as consultants for product squads",
        "Act as the point of contact for partner agencies",
    ],
)
def test_advice_education_relationships_and_roles_are_open_ended(text: str) -> None:
    """A service or a role held with no deliverable and no number: nothing tells at the end
    of the period whether it happened (like "Foster", "Champion")."""
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Educate 200 customers on the new billing plans",
        "Serve 10,000 requests per second from the edge cache",
    ],
)
def test_a_service_with_a_count_or_a_deliverable_stays_measurable(text: str) -> None:
    assert "SW104" not in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Provide guidance to K-12 schools on device security",
        "Advise COVID-19 response teams on their data needs",
        "Provide leadership for the DX-7 programme",
    ],
)
def test_open_ended_work_past_a_code_or_k12_is_unmeasurable(text: str) -> None:
    """"K-12" names the school grades and "COVID-19" or "DX-7" a thing: no quantity, so
    open-ended work beside them still has nothing to count."""
    assert "SW104" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Equip 40 K-12 schools with fibre",
        "Cut COVID-19 test turnaround time to 24 hours",
        "Ship the DX-7 firmware to all field units",
    ],
)
def test_a_count_or_a_deliverable_beside_a_code_stays_measurable(text: str) -> None:
    assert "SW104" not in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Team-wide collaboration across time zones improves",
        "Customer engagement with release notes increases",
    ],
)
def test_a_quality_qualified_before_its_change_verb_has_no_scale(text: str) -> None:
    assert "SW104" in codes(text)


def test_a_quality_score_that_moves_with_numbers_stays_measurable() -> None:
    assert "SW104" not in codes("Customer engagement score increases from 40 to 55")


@pytest.mark.parametrize(
    "text",
    [
        "Reach 40% of total visits from organic search",
        "Grow to 25% of traffic via partner links (currently 10%)",
    ],
)
def test_a_share_of_attention_split_by_source_is_the_attention(text: str) -> None:
    """"30% of total traffic from mobile" is traffic counted by where it comes from, not
    traffic as the base of something people do."""
    assert "SW102" in codes(text)


def test_a_share_of_signups_who_do_something_is_still_a_base() -> None:
    assert "SW102" not in codes(
        "80% of new signups from paid ads complete the onboarding checklist in week 1")


def test_a_large_count_per_month_is_chased_not_a_segment() -> None:
    """"600 unique visitors/week": the number counts visitors; "(3+ sessions/week)" defines
    a group of users."""
    assert "SW102" in codes("600 unique visitors/week to the careers page by June")
    assert "SW102" not in codes("Grow power users (3+ sessions/week) from 800 to 1,200")


@pytest.mark.parametrize(
    "text",
    [
        "8 engineers with weekly mentoring sessions",
        "12 quarterly strategy sessions with the leadership team",
    ],
)
def test_sessions_a_team_holds_are_not_visits(text: str) -> None:
    assert "SW102" not in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "p95 checkout latency at 300 ms (measured once traffic ramps up)",
        "Reach 3,000 paid subscriptions a month, based on all site traffic",
    ],
)
def test_attention_in_an_aside_or_a_basis_is_not_what_is_counted(text: str) -> None:
    assert "SW102" not in codes(text)


def test_attention_outside_the_parentheses_is_still_counted() -> None:
    assert "SW102" in codes("Grow organic traffic (sessions) from 10k to 20k")


@pytest.mark.parametrize(
    "text",
    [
        "Monthly community calls will increase attendance by 25%",
        "Increase meetup attendance from 200 to 350",
    ],
)
def test_attendance_counted_for_its_own_sake_is_vanity(text: str) -> None:
    found = [f for f in lint_text(text) if f.code == "SW102"]
    assert found, text
    assert "attend" in found[0].message


def test_attendees_as_the_base_of_a_share_are_not_vanity() -> None:
    assert "SW102" not in codes("90% of workshop attendees rate it 4 or 5 out of 5")


def test_round_fourteen_rules_fire_on_no_measurable_hand_written_kr() -> None:
    """The guard of the round: none of the new readings makes SW104 fire on a hand-written
    KR labelled measurable, nor SW102 on one not labelled vanity (training or held-out
    split): every such KR with a word or shape the readings read stays quiet."""
    from sowhat.lint.classifier import _NAME_DIGIT, ATTENDANCE

    split = re.compile(r"\b(?:traffic|visits|visitors|sessions|views|signups)\s+(?:from|via)\b")

    sw104_words = {"frictionless", "seamless", "easy", "advise", "educate", "cultivate", "gaps",
                   "leadership", "guidance", "feedback", "collect", "out", "up", "serve",
                   "serves", "act", "acts", "re", "and"}  # fmt: skip
    checked = 0
    for row in load_labelled("train") + load_labelled("heldout"):
        facts = read(row.text)
        found = codes(row.text)
        if not row.unmeasurable and (sw104_words.intersection(facts.tokens) or _NAME_DIGIT.search(
                row.text)):  # fmt: skip
            checked += 1
            assert "SW104" not in found, row.text
        if not row.vanity and (ATTENDANCE.intersection(facts.tokens) or "/" in row.text or (
                split.search(facts.norm))):  # fmt: skip
            checked += 1
            assert "SW102" not in found, row.text
    assert checked > 50
