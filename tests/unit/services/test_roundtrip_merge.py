"""The three-way merge on plans: base (last sync), file and database built by hand, the diff
by the real `diff_plans`, so each case says which side moved what."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from sowhat.domain.okr import (
    Bet,
    BetStatus,
    Change,
    Expectation,
    Guardrail,
    KeyResult,
    Objective,
    OutputWaiver,
    Plan,
)
from sowhat.domain.period import Period
from sowhat.errors import UserError
from sowhat.services.roundtrip import diff_plans, plan_snapshot
from sowhat.services.roundtrip.diff import Side
from sowhat.services.roundtrip.merge import Merge, merge_plan

PERIOD = Period.parse("2026-Q4")
KR = KeyResult(id="act", title="Increase activation from 40% to 46%", metric="activation_rate",
               baseline=0.4, target=0.46,
               output_waiver=OutputWaiver(reason="new flow", expires=date(2026, 11, 1)))
BET = Bet(id="nudge", title="Invite nudge", status=BetStatus.IDEA,
          expects=Expectation("act", Change(0.04)))
BASE = Plan(PERIOD, (Objective(
    id="o", title="Admins win", team="growth", key_results=(KR,), bets=(BET,),
    guardrails=(Guardrail(metric="churn", max_change=Change(0.05, "relative")),)),),
    north_star="weekly_active_teams")  # fmt: skip


def _with(plan: Plan, **objective: object) -> Plan:
    return replace(plan, objectives=(replace(plan.objectives[0], **objective),))


def _merge(file: Plan, database: Plan) -> Merge:
    diff = diff_plans(period=PERIOD.label, path="okrs/x.yaml", file=plan_snapshot(file),
                      database=plan_snapshot(database), base=plan_snapshot(BASE))
    return merge_plan(file=file, database=database, diff=diff)


def test_each_side_keeps_its_field() -> None:
    file = _with(BASE, title="Admins win in week one")
    db = _with(BASE, owner="web@x.io", key_results=(replace(KR, target=0.48),))
    m = _merge(file, db)
    o = m.plan.objectives[0]
    assert (o.title, o.owner, o.key_results[0].target) == ("Admins win in week one", "web@x.io",
                                                           0.48)
    assert not m.conflicts
    assert sorted(f.field for f in m.kept) == ["owner", "target"]
    # Merging again with the merged plan as the file: nothing left to keep from the web.
    assert plan_snapshot(_merge(m.plan, db).plan) == plan_snapshot(m.plan)


def test_the_same_field_on_both_sides_is_a_conflict_and_the_file_value_stays() -> None:
    m = _merge(_with(BASE, title="File words"), _with(BASE, title="Web words"))
    assert [(f.field, f.side) for f in m.conflicts] == [("title", Side.BOTH)]
    assert m.plan.objectives[0].title == "File words"
    same = _merge(_with(BASE, title="Same"), _with(BASE, title="Same"))
    assert not same.conflicts
    assert not same.kept


def test_halves_of_a_waiver_and_of_an_expectation_combine() -> None:
    file = _with(BASE, key_results=(replace(KR, output_waiver=OutputWaiver(
        "a better reason", date(2026, 11, 1))),))  # fmt: skip
    db = _with(BASE, key_results=(replace(KR, output_waiver=OutputWaiver(
        "new flow", date(2026, 12, 1))),), bets=(replace(BET, expects=Expectation(
            "act", Change(0.06))),))  # fmt: skip
    m = _merge(file, db)
    assert m.plan.objectives[0].key_results[0].output_waiver == OutputWaiver(
        "a better reason", date(2026, 12, 1))
    assert m.plan.objectives[0].bets[0].expects == Expectation("act", Change(0.06))
    # The web cleared the expectation's KR, the file changed its size: no whole to make.
    web = _with(BASE, bets=(replace(BET, expects=None),))
    half = _with(BASE, bets=(replace(BET, expects=Expectation("act", Change(0.08))),))
    with pytest.raises(UserError, match="each changed half of its expectation"):
        _merge(half, web)


def test_guardrails_and_the_north_star_added_removed_or_changed_in_the_web() -> None:
    added = Guardrail(metric="tickets", segment="smb", max_change=Change(0.1, "relative"))
    db = replace(_with(BASE, guardrails=(added,)), north_star="activation_rate")
    file = _with(BASE, title="File words")
    m = _merge(file, db)
    assert m.plan.objectives[0].guardrails == (added,)  # churn removed, tickets added in web
    assert m.plan.north_star == "activation_rate"
    assert m.plan.objectives[0].title == "File words"


def test_new_objects_from_both_sides_and_a_bet_moved_on_status() -> None:
    file_kr = KeyResult(id="file-kr", title="From the file", target=2.0, baseline=1.0)
    web_kr = KeyResult(id="web-kr", title="From the web", target=3.0, baseline=1.0)
    web_o = Objective(id="web-o", title="Made in the web", team="growth")
    file = _with(BASE, key_results=(KR, file_kr))
    db = replace(_with(BASE, key_results=(KR, web_kr),
                       bets=(replace(BET, status=BetStatus.BUILDING),)),
                 objectives=(*_with(BASE, key_results=(KR, web_kr), bets=(replace(
                     BET, status=BetStatus.BUILDING),)).objectives, web_o))  # fmt: skip
    m = _merge(file, db)
    assert [k.id for k in m.plan.objectives[0].key_results] == ["act", "file-kr", "web-kr"]
    assert m.plan.objectives[0].bets[0].status == BetStatus.BUILDING
    assert [o.id for o in m.plan.objectives] == ["o", "web-o"]
    assert not m.conflicts


def test_a_field_added_by_an_upgrade_is_no_conflict_with_a_base_that_predates_it() -> None:
    """A base snapshot taken before guardrails had `over_days` lacks the key: the file
    setting `over: 7d` is a file edit, not "edited on both sides" (apply refused it)."""
    base = plan_snapshot(BASE)
    for fields in base.values():
        if "max_change" in fields:  # the guardrail's fields
            del fields["over_days"]
    weekly = _with(BASE, guardrails=(replace(BASE.objectives[0].guardrails[0], over_days=7),))
    diff = diff_plans(period=PERIOD.label, path="okrs/x.yaml", file=plan_snapshot(weekly),
                      database=plan_snapshot(BASE), base=base)
    assert [(f.field, f.side) for f in diff.fields] == [("over_days", Side.FILE)]
    m = merge_plan(file=weekly, database=BASE, diff=diff)
    assert not m.conflicts
    assert m.plan.objectives[0].guardrails[0].over_days == 7
