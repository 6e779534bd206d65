"""Plans survive YAML both ways: canonical files exactly, hand-written files with comments."""

from __future__ import annotations

import string
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sowhat.domain.okr import (
    Bet,
    BetStatus,
    Change,
    Expectation,
    Guardrail,
    Indicator,
    KeyResult,
    Objective,
    OutputWaiver,
    Plan,
)
from sowhat.domain.period import Period
from sowhat.spec.dump import dump_plan, merge_plan_text
from sowhat.spec.okr_models import PlanModel
from sowhat.spec.yamlio import parse_yaml, to_plain
from tests.samples import OKRS

ids = st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=12).filter(
    lambda s: s[0].isalnum()
)
texts = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s)
numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: round(x, 4))
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
changes = st.one_of(
    numbers.map(lambda x: Change(x)),
    st.integers(-90, 300).map(lambda n: Change(n / 100, "relative")),
    st.integers(-20, 20).map(lambda n: Change(n / 100, "points")),
)


@st.composite
def key_results(draw: st.DrawFn, kr_id: str) -> KeyResult:
    baseline = draw(st.none() | numbers)
    target = draw(st.none() | numbers.filter(lambda t: t != baseline))
    waiver = draw(st.none() | st.builds(OutputWaiver, texts, days))
    return KeyResult(
        id=kr_id, title=draw(texts), metric=draw(st.none() | st.just("activation_rate")),
        baseline=baseline, target=target,
        indicator=draw(st.none() | st.sampled_from(list(Indicator))),
        output_waiver=waiver, owner=draw(st.none() | texts), unit=draw(st.none() | texts),
    )


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    n_obj = draw(st.integers(0, 3))
    obj_ids = draw(st.lists(ids, min_size=n_obj, max_size=n_obj, unique=True))
    kr_ids = iter(draw(st.lists(ids, min_size=12, max_size=12, unique=True)))
    bet_ids = iter(draw(st.lists(ids, min_size=6, max_size=6, unique=True)))
    objectives = []
    for oid in obj_ids:
        krs = tuple(draw(key_results(next(kr_ids))) for _ in range(draw(st.integers(0, 3))))
        guardrails = tuple(
            Guardrail(metric="tickets", max_change=draw(changes), max=draw(st.none() | numbers))
            for _ in range(draw(st.integers(0, 2)))
        )
        bets = []
        for _ in range(draw(st.integers(0, 2))):
            status = draw(st.sampled_from(list(BetStatus)))
            bets.append(Bet(
                id=next(bet_ids), title=draw(texts), status=status,
                hypothesis=draw(st.none() | texts),
                expects=Expectation(krs[0].id, draw(changes)) if krs else None,
                shipped_on=draw(days) if status == BetStatus.SHIPPED else None,
            ))
        objectives.append(Objective(
            id=oid, title=draw(texts), team=draw(st.none() | st.just("growth")),
            owner=draw(st.none() | texts), key_results=krs, guardrails=guardrails,
            bets=tuple(bets),
        ))
    period = draw(st.sampled_from([Period.parse("2026-Q4"), Period.parse("2027"),
                                   Period.between(date(2026, 10, 5), date(2026, 12, 28))]))
    return Plan(period=period, objectives=tuple(objectives),
                north_star=draw(st.none() | st.just("weekly_active_teams")))


def parse(text: str) -> Plan:
    return PlanModel.model_validate(to_plain(parse_yaml(text, "x.yaml"))).to_domain()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_canonical_dump_round_trips(plan: Plan) -> None:
    text = dump_plan(plan)
    assert parse(text) == plan
    assert dump_plan(parse(text)) == text
    assert merge_plan_text(text, plan) == text


def test_merge_keeps_comments_and_spelling() -> None:
    plan = parse(OKRS)
    assert merge_plan_text(OKRS, plan) == OKRS


def test_merge_changes_only_what_changed() -> None:
    plan = parse(OKRS)
    obj = plan.objectives[0]
    kr = obj.key_results[0]
    changed = Plan(plan.period, (Objective(**{**obj.__dict__, "key_results": (
        KeyResult(**{**kr.__dict__, "target": 0.5}), *obj.key_results[1:])}),), plan.north_star)
    new = merge_plan_text(OKRS, changed)
    diff = [(a, b) for a, b in zip(OKRS.splitlines(), new.splitlines(), strict=True) if a != b]
    assert diff == [("        target: 0.46", "        target: 0.5")]
    assert "# measured in Q3" in new
