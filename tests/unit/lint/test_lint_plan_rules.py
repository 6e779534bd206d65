"""Rules over plans (SW101-SW113) with a locate function built here, as the spec loader's
will be: every finding must carry the position of the field it is about."""

from __future__ import annotations

from datetime import date, timedelta

from sowhat.domain.okr import Change, Guardrail, Indicator, OutputWaiver
from sowhat.errors import Location
from sowhat.lint import LintContext, MetricInfo, lint_plan, notes
from sowhat.lint.base import Finding
from tests.unit.lint.lint_builders import AS_OF, kr, located, objective, plan_of

GOOD = (
    kr("act", "Increase activation from 28% to 45%", metric="activation_rate",
       baseline=0.28, target=0.45),
    kr("ret", "Raise 90-day retention from 70% to 85%", metric="retention_90d",
       baseline=0.70, target=0.85),
)  # fmt: skip
CATALOG = {
    "activation_rate": MetricInfo(
        "activation_rate", "New accounts creating a project within 7 days", "conversion",
        timedelta(days=7), Indicator.LEADING,
    ),
    "retention_90d": MetricInfo(
        "retention_90d", "Accounts still active 90 days after signup", "retention",
        timedelta(days=91), Indicator.LAGGING,
    ),
    "support_tickets_per_account": MetricInfo("support_tickets_per_account", type="ratio"),
}  # fmt: skip


def run(plan, ctx: LintContext | None = None) -> list[Finding]:  # type: ignore[no-untyped-def]
    ctx = ctx or LintContext(as_of=date(2026, 9, 1), metrics=CATALOG)
    return lint_plan(plan, locate=located(plan), context=ctx)


def by_code(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


GUARD = (Guardrail("support_tickets_per_account", max_change=Change.parse("+10%")),)


def test_a_good_plan_is_clean() -> None:
    plan = plan_of(objective("o", "Mid-sized clients stay", *GOOD, guardrails=GUARD))
    assert run(plan) == []


def test_sw101_located_at_the_title_and_waived_by_a_valid_waiver() -> None:
    waiver = OutputWaiver("no baseline yet", date(2026, 12, 15))
    plan = plan_of(
        objective("o", "Mid-sized clients stay", *GOOD,
                  kr("audit", "Launch audit logs"),
                  kr("mvp", "Launch the compliance MVP", output_waiver=waiver))
    )  # fmt: skip
    loc = located(plan)
    [f] = by_code(run(plan), "SW101")
    assert f.kr_id == "audit"
    assert f.objective_id == "o"
    assert f.location == loc(("objectives", 0, "key_results", 2, "title"))


def test_sw111_waiver_problems() -> None:
    expired = OutputWaiver("no baseline yet", date(2026, 8, 1))
    no_reason = OutputWaiver(None, date(2027, 1, 1))
    plan = plan_of(
        objective("o", "Mid-sized clients stay", *GOOD,
                  kr("a", "Launch the MVP", output_waiver=expired),
                  kr("b", "Launch the beta", output_waiver=no_reason))
    )  # fmt: skip
    found = run(plan)
    waivers = by_code(found, "SW111")
    assert [f.kr_id for f in waivers] == ["a", "b"]
    assert "expired on 2026-08-01" in waivers[0].message
    assert "has no reason" in waivers[1].message
    assert waivers[0].location == located(plan)(
        ("objectives", 0, "key_results", 2, "output_waiver")
    )
    assert {f.kr_id for f in by_code(found, "SW101")} == {"a", "b"}


def test_sw103_structured_missing_fields_point_at_the_kr() -> None:
    plan = plan_of(
        objective("o", "Activation", GOOD[0], kr("x", "Raise NPS", metric="nps", target=40.0))
    )
    ctx = LintContext(as_of=date(2026, 9, 1), current_values={"nps": 31.0})
    [f] = by_code(run(plan, ctx), "SW103")
    assert f.message == "no baseline"
    assert f.suggestion is not None
    assert "31" in f.suggestion
    assert f.location == located(plan)(("objectives", 0, "key_results", 1))


def test_sw104_only_without_a_metric() -> None:
    plan = plan_of(
        objective("o", "Happy users", GOOD[0],
                  kr("a", "Improve user satisfaction"),
                  kr("b", "Improve user satisfaction score", metric="csat", baseline=3.8,
                     target=4.3))
    )  # fmt: skip
    assert [f.kr_id for f in by_code(run(plan), "SW104")] == ["a"]


def test_sw102_reads_the_metric_name_too() -> None:
    plan = plan_of(
        objective("o", "Reach", GOOD[0],
                  kr("pv", "Grow reach of the blog by 40%", metric="page_views"))
    )  # fmt: skip
    [f] = by_code(run(plan), "SW102")
    assert f.location == located(plan)(("objectives", 0, "key_results", 1, "metric"))


def test_sw105_counts() -> None:
    one = plan_of(objective("o", "Stay", GOOD[1]))
    [f] = by_code(run(one), "SW105")
    assert f.location == located(one)(("objectives", 0, "key_results"))
    six = plan_of(
        objective("o", "Stay", *[kr(f"k{i}", f"Metric {i} from {i}% to {i + 5}%")
                                 for i in range(6)])
    )
    assert "6 key results" in by_code(run(six), "SW105")[0].message
    assert not by_code(run(plan_of(objective("o", "Stay", *GOOD))), "SW105")


def test_sw106_only_lagging() -> None:
    lagging = plan_of(
        objective("o", "Stay", GOOD[1],
                  kr("nrr", "Net revenue retention from 104% to 110%", indicator=Indicator.LAGGING))
    )  # fmt: skip
    [f] = by_code(run(lagging), "SW106")
    assert f.location == located(lagging)(("objectives", 0, "title"))
    assert not by_code(run(plan_of(objective("o", "Stay", *GOOD))), "SW106")


def test_sw107_growth_without_guardrail_suggests_a_catalog_metric() -> None:
    growth = plan_of(objective("o", "Grow self-serve revenue", *GOOD))
    [f] = by_code(run(growth), "SW107")
    assert f.suggestion is not None
    assert "support_tickets_per_account" in f.suggestion
    guarded = plan_of(
        objective("o", "Grow self-serve revenue", *GOOD,
                  guardrails=(Guardrail("support_tickets_per_account",
                                        max_change=Change.parse("+10%")),))
    )  # fmt: skip
    assert not by_code(run(guarded), "SW107")
    reliability = objective(
        "r", "Checkout never lets customers down",
        kr("p95", "p95 API latency under 300ms"), kr("p1", "Fewer than 2 P1 incidents a month"),
    )  # fmt: skip
    assert not by_code(run(plan_of(reliability)), "SW107")


def test_sw108_sw109_thresholds_and_skip_note() -> None:
    plan = plan_of(
        objective("o", "Stay", *GOOD,
                  kr("c", "Reduce churn from 3% to 2%", metric="churn", baseline=0.03,
                     target=0.02))
    )  # fmt: skip
    ctx = LintContext(
        as_of=date(2026, 9, 1),
        metrics=CATALOG,
        hit_probabilities={"act": 0.86, "ret": 0.80, "c": 0.01},
    )
    found = run(plan, ctx)
    assert [f.kr_id for f in by_code(found, "SW108")] == ["act"]  # 0.80 is not > 0.80
    assert [f.kr_id for f in by_code(found, "SW109")] == ["c"]
    assert by_code(found, "SW108")[0].location == located(plan)(
        ("objectives", 0, "key_results", 0, "target")
    )
    assert notes(ctx) == []
    assert "hits this target 86% of the time" in by_code(found, "SW108")[0].message
    assert "only 1.0% of the time" in by_code(found, "SW109")[0].message
    # a model's extreme never reads as certainty: no "100%" and no "0.0%"
    extreme = run(plan, LintContext(as_of=date(2026, 9, 1), metrics=CATALOG,
                                    hit_probabilities={"act": 0.9999, "c": 0.00001}))
    assert "hits this target over 99% of the time" in by_code(extreme, "SW108")[0].message
    assert "only under 0.1% of the time" in by_code(extreme, "SW109")[0].message
    no_history = LintContext(as_of=date(2026, 9, 1))
    assert not by_code(run(plan, no_history), "SW108")
    [note] = notes(no_history)
    assert "SW108/SW109 skipped" in note
    assert notes(LintContext(as_of=AS_OF, ignore=frozenset({"SW108", "SW109"}))) == []


def test_sw110_window_longer_than_what_remains() -> None:
    plan = plan_of(objective("o", "Stay", *GOOD))
    early = LintContext(as_of=date(2026, 9, 1), metrics=CATALOG)  # before Q4: 92 days left
    assert not by_code(run(plan, early), "SW110")
    late = LintContext(as_of=AS_OF, metrics=CATALOG)  # 42 days left of 2026-Q4
    [f] = by_code(run(plan, late), "SW110")
    assert f.kr_id == "ret"
    assert "91 days" in f.message
    assert "42 days" in f.message
    assert f.suggestion is not None
    assert "activation_rate" in f.suggestion
    over = LintContext(as_of=date(2027, 1, 5), metrics=CATALOG)
    assert not by_code(run(plan, over), "SW110")


def test_sw110_from_a_window_in_the_title() -> None:
    plan = plan_of(
        objective("o", "Stay", GOOD[0], kr("r", "180-day retention of new teams from 30% to 40%"))
    )
    [f] = by_code(run(plan, LintContext(as_of=date(2026, 9, 1))), "SW110")
    assert "180 days" in f.message


def test_sw113_same_metric_and_near_identical_titles() -> None:
    plan = plan_of(
        objective("o", "Stay", *GOOD),
        objective("p", "Activate",
                  kr("act2", "Activation rate 30% -> 40%", metric="activation_rate",
                     baseline=0.3, target=0.4),
                  kr("ret2", "Raise 90-day retention from 70% to 88%")),
    )  # fmt: skip
    found = by_code(run(plan), "SW113")
    assert [f.kr_id for f in found] == ["act2", "ret2"]
    assert "same metric activation_rate" in found[0].message
    assert "near-identical" in found[1].message


def test_unknown_paths_fall_back_to_the_parent() -> None:
    plan = plan_of(objective("o", "Stay", *GOOD, kr("x", "Launch audit logs")))

    def locate(path: tuple[str | int, ...]) -> Location:
        if len(path) > 2:
            raise KeyError(path)
        return Location("f.yaml", 10 + len(path), 1)

    ctx = LintContext(as_of=date(2026, 9, 1), metrics=CATALOG)
    [f] = by_code(lint_plan(plan, locate=locate, context=ctx), "SW101")
    assert f.location == Location("f.yaml", 12, 1)


def test_findings_are_sorted_by_position() -> None:
    plan = plan_of(
        objective("o", "Grow revenue", kr("a", "Launch audit logs")),
        objective("p", "Grow more", kr("b", "Improve user satisfaction")),
    )
    found = run(plan)
    lines = [f.location.line for f in found if f.location]
    assert lines == sorted(lines)


def test_sw113_metrics_decide_over_wording() -> None:
    plan = plan_of(
        objective("o", "Stay", GOOD[1],
                  kr("d7", "Raise day-7 retention of mid-sized accounts from 70% to 80%",
                     metric="d7_retention", baseline=0.3, target=0.4),
                  kr("ent", "Raise 90-day retention from 70% to 85% in enterprise",
                     metric="retention_90d", segment="enterprise", baseline=0.7, target=0.85))
    )  # fmt: skip
    assert not by_code(run(plan), "SW113")


def test_sw107_prefers_a_metric_that_must_not_rise_and_says_min_change_for_nps() -> None:
    growth = plan_of(objective("o", "Grow self-serve revenue", *GOOD))
    nps_only = {"nps": MetricInfo("nps", type="nps")}
    [f] = by_code(run(growth, LintContext(as_of=date(2026, 9, 1), metrics=nps_only)), "SW107")
    assert f.suggestion == 'add `guardrails: [{metric: nps, min_change: "-5%"}]`'
    # a catalog with nothing to guard: name what to define, never a metric it lacks (a fresh
    # `sowhat init` workspace was told to paste support_tickets_per_account, which it has not)
    bare = {"activation_rate": MetricInfo("activation_rate", type="conversion")}
    [f] = by_code(run(growth, LintContext(as_of=date(2026, 9, 1), metrics=bare)), "SW107")
    assert f.suggestion is not None
    assert f.suggestion.startswith("define what must not get worse in metrics.yaml")
    assert "support_tickets_per_account" not in f.suggestion


def test_sw118_a_guardrail_bound_that_demands_a_move_names_the_other_key() -> None:
    """`max_change: -10%` on revenue, meant as "must not fall more than 10%", asks revenue to
    fall at least 10%: the guardrail breached the day revenue grew (a fresh workspace's sync
    said so), and validation had nothing to object to."""
    rules = (Guardrail("revenue", max_change=Change.parse("-10%")),
             Guardrail("nps", min_change=Change.parse("+2")),
             Guardrail("support_tickets_per_account", max_change=Change.parse("+10%")),
             Guardrail("nps", min_change=Change.parse("-3")))
    plan = plan_of(objective("o", "Grow self-serve revenue", *GOOD, guardrails=rules))
    found = by_code(run(plan), "SW118")
    assert [f.location for f in found] == [
        located(plan)(("objectives", 0, "guardrails", 0, "max_change")),
        located(plan)(("objectives", 0, "guardrails", 1, "min_change"))]
    revenue, nps = found
    assert revenue.message == (
        "guardrail on revenue: `max_change: -10%` asks it to fall at least 10%, so it is "
        "breached whenever revenue holds or grows — a target, not a bound on getting worse")
    assert revenue.suggestion is not None
    assert 'write `min_change: "-10%"`' in revenue.suggestion
    assert "from falling more than 10%" in revenue.suggestion
    assert nps.suggestion is not None
    assert 'write `max_change: "+2"`' in nps.suggestion
    assert "holds or falls" in nps.message
