"""The status-word rule (services.standing.rule) and the risk order, on crafted KRs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from sowhat.reports.words import forecast_sentence
from sowhat.services.forecasts import Outlook
from sowhat.services.okrs.views import KeyResultView
from sowhat.services.plans import KeyResultStatus, ObjectiveStatus, PeriodStatus
from sowhat.services.standing.changes import movement
from sowhat.services.standing.rule import (
    Standing,
    kr_standing,
    objective_standing,
    risk_order,
)
from sowhat.stats.noise import beyond_noise, noise_level

KR = KeyResultStatus(id="kr", title="Raise activation from 40% to 50%", metric="activation",
                     segment=None, unit=None, owner=None, indicator=None, baseline=0.4,
                     target=0.5, current=0.45, progress=0.5, confidence=None, last_week=None,
                     last_recorded_at=None, last_note=None, last_source=None, check_ins=3)


def word(elapsed: float, **changes: object) -> Standing:
    return kr_standing(replace(KR, **changes), elapsed=elapsed).word


def test_pace_against_time_elapsed() -> None:
    assert word(0.55, progress=0.5) is Standing.ON_TRACK  # 5 points behind
    assert word(0.65, progress=0.5) is Standing.AT_RISK  # 15 behind
    assert word(0.90, progress=0.5) is Standing.OFF_TRACK  # 40 behind
    assert word(0.10, progress=0.0) is Standing.ON_TRACK  # too early to tell from pace


def test_unmeasurable_and_empty_krs_have_their_own_words() -> None:
    assert word(0.5, baseline=None) is Standing.NOT_MEASURED
    assert word(0.5, target=0.4) is Standing.NOT_MEASURED  # baseline == target
    assert word(0.5, current=None, progress=None) is Standing.NO_DATA


def test_the_forecast_and_guardrails_can_only_make_it_worse() -> None:
    on_pace = replace(KR, progress=0.6)
    assert kr_standing(on_pace, elapsed=0.5, outlook=Outlook.OFF_TRACK,
                       probability=0.1).word is Standing.OFF_TRACK
    assert kr_standing(on_pace, elapsed=0.5, outlook=Outlook.UNCERTAIN).word is Standing.AT_RISK
    behind = replace(KR, progress=0.1)
    assert kr_standing(behind, elapsed=0.9, outlook=Outlook.ON_TRACK).word is Standing.OFF_TRACK
    held = kr_standing(on_pace, elapsed=0.5, guardrail_breached=True)
    assert held.word is Standing.AT_RISK
    assert "guardrail" in held.reason


def test_a_chance_in_words_is_never_certain_and_matches_the_tile() -> None:
    """The status line, the KR page's forecast sentence and its chance tile word one model
    probability the same way: a 99.97% chance is "over 99%", never "100%" or "99%"."""
    sure = kr_standing(replace(KR, progress=1.0), elapsed=0.7, outlook=Outlook.ON_TRACK,
                       probability=0.9997)
    assert "over 99% likely to reach the target" in sure.reason
    assert "100%" not in sure.reason.split(";")[1]
    sentence = forecast_sentence(projected=387, low=363, high=412, interval=0.8,
                                 probability=0.9997, target=140, rate=False)
    assert sentence is not None
    assert sentence.endswith("the chance of reaching the 140 target: over 99%.")
    assert forecast_sentence(projected=0.2, low=0.1, high=0.3, interval=0.8, probability=0.46,
                             target=0.25, rate=True) == (
        "At the period's end, the value: expect 20%, likely between 10% and 30% (80% range)"
        " — the chance of reaching the 25% target: 46%.")


def test_objectives_take_their_worst_measured_kr_and_sort_by_risk() -> None:
    o = ObjectiveStatus(id="o", title="t", team=None, owner=None, aligns_to=None, score=0.5,
                        key_results=(), guardrails=0, bets=0)
    fine = kr_standing(KR, elapsed=0.5)
    late = kr_standing(replace(KR, id="b", progress=0.0), elapsed=0.9)
    empty = kr_standing(replace(KR, id="c", current=None, progress=None), elapsed=0.5)
    unmeasured = kr_standing(replace(KR, id="d", baseline=None), elapsed=0.5)
    assert objective_standing(o, [fine, empty]).word is Standing.ON_TRACK
    worst = objective_standing(o, [fine, late, empty])
    assert worst.word is Standing.OFF_TRACK
    assert worst.reason.startswith("b:")
    assert objective_standing(o, [empty, unmeasured]).word is Standing.NO_DATA
    assert objective_standing(o, [unmeasured]).word is Standing.NOT_MEASURED
    assert objective_standing(o, [fine], guardrail_breached=True).word is Standing.AT_RISK
    words = [objective_standing(o, k) for k in ([fine], [late], [unmeasured], [empty])]
    ranked = sorted(words, key=lambda s: risk_order(s, 0.5))
    assert [s.word for s in ranked] == [Standing.OFF_TRACK, Standing.NO_DATA,
                                        Standing.NOT_MEASURED, Standing.ON_TRACK]
    assert risk_order(words[1], 0.1) < risk_order(words[1], 0.3)  # lower score first


def _view(status: KeyResultStatus) -> KeyResultView:
    return KeyResultView(period="2026-Q4", status=status, objective="o", team=None, version=1)


def test_movement_names_only_changes_beyond_noise() -> None:
    weeks = [date(2026, 10, 5 + 7 * i) if i < 4 else date(2026, 11, 2 + 7 * (i - 4))
             for i in range(8)]
    flat = [0.40, 0.41, 0.39, 0.40, 0.42, 0.40, 0.41, 0.40]
    m = movement(_view(KR), list(zip(weeks, flat, strict=True)))
    assert m is not None
    assert not m.week_moved
    assert not m.baseline_moved
    jump = [*flat[:-1], 0.47]
    m = movement(_view(KR), list(zip(weeks, jump, strict=True)))
    assert m is not None
    assert m.week_moved
    assert m.baseline_moved
    assert m.toward_target is True
    assert m.week_change is not None
    assert abs(m.week_change - 0.06) < 1e-12


def test_the_reason_prints_the_unclipped_progress_the_kr_page_shows() -> None:
    # 40% → 50%: at 35% the KR went backwards; the bar reads -50%, so must the reason
    fell = kr_standing(replace(KR, current=0.35, progress=0.0), elapsed=0.7)
    assert fell.reason == "below its baseline: progress -50% with 70% of the period gone"
    beyond = kr_standing(replace(KR, current=0.55, progress=1.0), elapsed=0.7)
    assert beyond.reason.startswith("past its target: progress 150% with 70%")
    halfway = kr_standing(KR, elapsed=0.5)
    assert halfway.reason == "progress 50% with 50% of the period gone"


def test_a_step_in_the_period_is_judged_against_the_noise_before_it() -> None:
    """A fresh workspace with events from a generator of its own (not the demo's simulator):
    7-day activation at 40% until 1 November, 50% for signups since. Its stored weekly
    series, June to November. Before, the week-vs-baseline test read its noise from every
    week's differences, the step included, and the dashboard said the KR "stayed within
    noise" beside a progress of 154%."""
    weekly = [0.417, 0.343, 0.418, 0.406, 0.419, 0.409, 0.375, 0.392, 0.376, 0.392, 0.405,
              0.427, 0.411, 0.392, 0.450, 0.386, 0.422, 0.431,  # to the week of 28 Sep
              0.408, 0.468, 0.388, 0.401, 0.452, 0.484, 0.503, 0.494, 0.481]
    weeks = [date(2026, 6, 1) + timedelta(days=7 * i) for i in range(18)]
    weeks += [date(2026, 10, 1)] + [date(2026, 10, 5) + timedelta(days=7 * i) for i in range(8)]
    kr = _view(replace(KR, baseline=0.40, target=0.46))
    m = movement(kr, list(zip(weeks, weekly, strict=True)), period_start=date(2026, 10, 1))
    assert m is not None
    assert m.baseline_moved
    assert m.toward_target is True
    # the same series judged the old way (every week's differences, √2) called it noise
    assert not beyond_noise(0.481 - 0.40, noise_level(weekly[:-1]))


def test_a_period_totals_weekly_value_is_not_compared_with_its_baseline() -> None:
    """'Keep support tickets this quarter under 400' (baseline 450, a quarter's count): a week
    of 35 tickets is not '-415 since the baseline, toward the target'."""
    weeks = [date(2026, 10, 5) + timedelta(days=7 * i) for i in range(8)]
    tickets = [34.0, 36.0, 35.0, 33.0, 37.0, 35.0, 36.0, 35.0]
    kr = _view(replace(KR, baseline=450.0, target=400.0, measure="cumulative"))
    m = movement(kr, list(zip(weeks, tickets, strict=True)), period_start=date(2026, 10, 1))
    assert m is not None
    assert m.baseline_change is None
    assert not m.baseline_moved
    assert m.toward_target is None


def test_pace_is_judged_where_the_data_ends_when_it_ends_early() -> None:
    """The demo's data ends on 16 Nov (50% of 2026-Q4); on 5 Dec (71%) a KR at 30% read
    "off track" by pace only because no events exist after the 16th."""
    status = PeriodStatus(period="2026-Q4", start=date(2026, 10, 1), end=date(2027, 1, 1),
                          north_star=None, closed=False, elapsed=65 / 92, objectives=(),
                          team_scores={}, data_through=datetime(2026, 11, 16))
    assert status.paced_through == date(2026, 11, 16)
    assert status.pace_elapsed == pytest.approx(46 / 92)
    kr = replace(KR, current=0.43, progress=0.30)
    stale = kr_standing(kr, elapsed=status.pace_elapsed, through=status.paced_through)
    assert stale.word is Standing.AT_RISK  # 30% at 50%: 20 points behind
    assert stale.reason == ("progress 30% with 50% of the period gone by 16 Nov, where the "
                            "data ends")
    assert kr_standing(kr, elapsed=status.elapsed).word is Standing.OFF_TRACK  # 41 behind
    # data through last night is today's pace: nothing changes
    fresh = replace(status, data_through=datetime(2026, 12, 4, 23, 58))
    assert fresh.paced_through is None
    assert fresh.pace_elapsed == status.elapsed
    assert replace(status, data_through=None).pace_elapsed == status.elapsed


def test_no_value_says_why_as_far_as_the_plan_knows() -> None:
    """It said "no check-in or sync" of a KR a sync had just read and found nothing for."""
    from datetime import UTC

    from sowhat.services.plans import Window

    def why(**changes: object) -> str:
        found = kr_standing(replace(KR, current=None, progress=None, **changes), elapsed=0.5)
        assert found.word is Standing.NO_DATA
        return found.reason

    assert why(metric=None) == "no value yet: no check-in"
    assert why(measure=None) == "no value yet: not synced since it was added (`sowhat sync`)"
    window = Window(datetime(2026, 10, 28, 23, 51, tzinfo=UTC),
                    datetime(2026, 11, 25, 23, 51, tzinfo=UTC))
    assert why(measure="level", window=window) == (
        "no value yet: the events give none over its window (Oct 29–Nov 25); "
        "`sowhat sync` says why")
    midnight = Window(datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
    assert "(Nov 02–Nov 29)" in why(measure="level", window=midnight)


def test_a_week_whose_cohorts_are_still_maturing_is_not_judged() -> None:
    """A fresh workspace's 21-day paid conversion (4% -> 6%): its latest stored week held only
    the cohorts matured so far, 8.33% over a few days' signups, and "What changed" listed the
    KR as "+4.33 pts since the baseline — toward the target" against the noise of whole
    weeks. The week still maturing is left out; the latest settled week is judged."""
    weeks = [date(2026, 10, 5) + timedelta(days=7 * i) for i in range(7)]
    paid = [0.0603, 0.0601, 0.0496, 0.0505, 0.0436, 0.0414, 0.0833]
    kr = _view(replace(KR, baseline=0.04, target=0.06))
    loud = movement(kr, list(zip(weeks, paid, strict=True)))
    assert loud is not None
    assert loud.week == weeks[-1]
    assert loud.week_moved  # the so-far week read as a jump
    m = movement(kr, list(zip(weeks, paid, strict=True)), unsettled={weeks[-1]})
    assert m is not None
    assert m.week == weeks[-2]
    assert m.value == pytest.approx(0.0414)
    assert not m.week_moved
    # nothing settled yet: nothing to say
    assert movement(kr, [(weeks[0], 0.05)], unsettled={weeks[0]}) is None


def test_a_monthly_metrics_new_month_is_not_this_weeks_move() -> None:
    """A fresh workspace's monthly churn KR (Oct 5.77%, Nov 2.07%) has no weekly series; its
    weekly check-ins repeat October's reading until November completes, and "What changed"
    said "-3.7 pts this week" of a month-on-month change. Its readings are the months, and
    no change is called the week's."""
    from sowhat.services.standing.changes import _monthly, _readings
    from sowhat.spec.metric_defs import MetricsFile

    catalog = MetricsFile.model_validate({"metrics": {
        "churn": {"type": "churn", "entity": "account_id", "start": {"event": "s"},
                  "end": {"event": "e"}, "per": "month"},
        "weekly_churn": {"type": "churn", "entity": "account_id", "start": {"event": "s"},
                         "end": {"event": "e"}, "per": "week"},
        "mau": {"type": "active", "entity": "user_id", "event": "s", "per": "month"}}})
    assert _monthly("churn", catalog)
    assert _monthly("mau", catalog)
    assert not _monthly("weekly_churn", catalog)
    assert not _monthly(None, catalog)
    weeks = [date(2026, 10, 5) + timedelta(days=7 * i) for i in range(9)]
    checkins = [0.0285] * 4 + [0.0577] * 4 + [0.0207]
    kr = _view(replace(KR, baseline=0.045, target=0.03))
    naive = movement(kr, list(zip(weeks, checkins, strict=True)))
    assert naive is not None
    assert naive.week_moved  # a flat line and then a step: the old reading
    readings = _readings(list(zip(weeks, checkins, strict=True)))
    assert readings == [(weeks[0], 0.0285), (weeks[4], 0.0577), (weeks[8], 0.0207)]
    m = movement(kr, readings, weekly=False)
    assert m is not None
    assert m.week_change is None
    assert not m.week_moved
    assert m.value == 0.0207
