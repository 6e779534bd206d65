"""The planning table's reasons say what the numbers behind them can say.

"Unreachable" is a no-change probability: the chance the metric reaches the target if the
team changes nothing. The plan page said "very unlikely even with the team's work" of a
35% -> 45% first-note KR whose bet then moved it +12.8 points — a claim about the team's
work that a model of the metric's history alone cannot make."""

from __future__ import annotations

import re
from dataclasses import replace

from sowhat.domain.okr import Direction
from sowhat.services.authoring.draft_check import DraftCheck
from sowhat.services.coach import Coaching
from sowhat.stats.ambition import Ambition, AmbitionCheck


def _check(verdict: Ambition, p: float) -> DraftCheck:
    coaching = Coaching(text="Raise 7-day first-note rate from 35% to 45%", kind="outcome",
                        confidence=0.9, reasons=(), findings=())
    ambition = AmbitionCheck(verdict=verdict, probability=p, projected=0.36, low=0.33,
                             high=0.39, interval=0.8, target=0.45,
                             direction=Direction.INCREASE, history_weeks=12, message="")
    return DraftCheck(coaching=coaching, ambition=ambition)


def test_an_unreachable_target_is_said_to_need_a_bet_not_to_defeat_the_team() -> None:
    reasons = _check(Ambition.UNREACHABLE, 0.04).reasons
    assert reasons == ("very unlikely with no change: it needs a bet big enough to move it, "
                       "or a nearer target",)
    assert not any("team's work" in r for r in reasons)
    assert _check(Ambition.UNREACHABLE, 0.04).verdict == "review"
    assert _check(Ambition.AMBITIOUS, 0.3).reasons == ()
    assert _check(Ambition.SANDBAGGED, 0.9).reasons == ("likely hit with no change: aim higher",)


def test_bets_that_bring_the_target_within_reach_clear_the_verdict() -> None:
    """The plan page weighs the objective's bets as SW109 does: a 4% no-change chance with
    a bet that lifts it to 38% is a plan, not a target to review."""
    base = _check(Ambition.UNREACHABLE, 0.04)
    assert base.ambition is not None
    covered = replace(base, bet_ambition=replace(base.ambition, verdict=Ambition.AMBITIOUS,
                                                 probability=0.38))
    assert covered.reasons == ()
    assert covered.verdict == "ok"
    short = replace(base, bet_ambition=replace(base.ambition, probability=0.042))
    assert short.reasons == ("very unlikely even with the changes its bets expect (4%): a "
                             "nearer target, or bets that expect enough to close the gap",)
    assert short.verdict == "review"


def test_the_no_change_projection_is_worded_in_the_metrics_unit() -> None:
    """The web's KR check printed "with no change, expect 0.00734 (0–0.0157) by period end;
    the target 0.02 is 96% likely" of a churn rate shown everywhere else as 0.734%."""
    from sowhat.services.sync.ambition import ambition_from_history
    from sowhat.spec.metric_defs import MetricsFile

    catalog = MetricsFile.model_validate({"metrics": {
        "churn": {"type": "churn", "entity": "account_id", "start": {"event": "s"},
                  "end": {"event": "e"}, "per": "week"},
        "revenue": {"type": "sum", "event": "paid", "property": "amount", "unit": "currency",
                    "currency": "EUR"}}})
    weeks: list[float | None] = [0.009, 0.011, 0.008, 0.010, 0.012, 0.009, 0.010, 0.011]
    check = ambition_from_history(weeks, metric=catalog.metrics["churn"], target=0.007,
                                  direction=Direction.DECREASE, over_days=None,
                                  period_weeks=13)
    assert check is not None
    assert check.message.startswith("with no change, expect ")
    assert "the target 0.7% is " in check.message
    numbers = re.findall(r"\d[\d.,]*%?", check.message)
    assert numbers
    assert all(n.endswith("%") for n in numbers), check.message
    money = ambition_from_history([1200.0, 1250, 1190, 1300, 1280, 1310, 1295, 1330],
                                  metric=catalog.metrics["revenue"], target=1600,
                                  direction=Direction.INCREASE, over_days=None,
                                  period_weeks=13)
    assert money is not None
    assert "the target €1,600 is " in money.message
