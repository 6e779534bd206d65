"""The stable JSON shapes of `sowhat impact` and `sowhat bets` (documented in docs/bets.md).

One function per value, so the CLI's `--format json`, the REST API and the bets board emit
the same keys. Keys are only ever added; renaming one is a breaking change.
"""

from __future__ import annotations

from typing import Any

from sowhat.domain.okr import Change
from sowhat.services.bets import BetEntry, KRDetectability, Portfolio
from sowhat.services.impact.estimate import BetImpact, BetRef, MethodResult
from sowhat.stats.impact import FactoryIndex, ImpactEstimate, ImpactVerdict, PreTrendTest

JSON_VERSION = 1


def change_json(change: Change | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {"text": str(change), "kind": change.kind, "amount": change.amount}


def pre_trend_json(test: PreTrendTest | None) -> dict[str, Any] | None:
    if test is None:
        return None
    return {
        "slope": test.slope,
        "std_error": test.std_error,
        "p_value": test.p_value,
        "parallel": test.parallel,
        "drift_over_gap": test.drift_over_gap,
        "message": test.message,
    }


def stability_json(est: ImpactEstimate) -> dict[str, Any] | None:
    """The placebo-launch / bend check on the pre-launch points (None: too few points)."""
    check = est.stability
    if check is None:
        return None
    return {
        "stable": check.stable,
        "p_value": check.p_value,
        "strongest_break": check.kind,
        "at": check.at,
        "statistic": check.statistic,
        "critical_value": check.critical_value,
        "message": check_message(est),
    }


def check_message(est: ImpactEstimate) -> str | None:
    """One line on the pre-launch check, for people."""
    check = est.stability
    if check is None:
        return None
    if not check.stable:
        return est.withheld
    unit = "day" if est.grain == "day" else "week"
    return (f"no break before the launch: placebo launches and bends at each earlier {unit} "
            f"look like chance (p = {check.p_value:.2g})")


def rival_json(est: ImpactEstimate) -> dict[str, Any] | None:
    """The best bend before the launch against a jump at it (None: too few points)."""
    r = est.rival
    if r is None:
        return None
    return {"at": r.at, "evidence": r.evidence, "views": r.views, "explains": r.explains}


def estimate_json(est: ImpactEstimate) -> dict[str, Any]:
    return {
        "effect": est.effect,
        "low": est.low,
        "high": est.high,
        "level": est.level,
        "std_error": est.std_error,
        "p_value": est.p_value,
        "mde": est.mde,
        "power": est.power,
        "relative_effect": est.relative_effect,
        "counterfactual_mean": est.counterfactual_mean,
        "observed_mean": est.observed_mean,
        "n_pre": est.n_pre,
        "n_post": est.n_post,
        "grain": est.grain,
        "control_scale": est.control_scale,
        "pre_trend": pre_trend_json(est.pre_trend),
        "pre_launch_check": stability_json(est),
        "rival_bend": rival_json(est),
        "withheld": est.withheld,
        "adjustments": list(est.adjustments),
        "assumptions": list(est.assumptions),
        "error": est.error.value if est.error is not None else None,
        "message": est.message,
    }


def verdict_json(v: ImpactVerdict) -> dict[str, Any]:
    return {
        "code": v.verdict.value,
        "label": v.verdict.label,
        "summary": v.summary,
        "expected_effect": v.expected_effect,
        "share_of_expected": v.share_of_expected,
        "expected_in_interval": v.expected_in_interval,
        "detectable": v.detectable,
        "review": v.review,
    }


def method_json(m: MethodResult) -> dict[str, Any]:
    return {
        "method": m.method,
        "control_segments": list(m.control_segments),
        **estimate_json(m.estimate),
        "verdict": verdict_json(m.verdict),
    }


def impact_json(r: BetImpact) -> dict[str, Any]:
    """Everything `sowhat impact --format json` prints."""
    bet, kr, obj = r.ref.bet, r.ref.key_result, r.ref.objective
    primary = r.primary
    return {
        "version": JSON_VERSION,
        "bet": {
            "id": bet.id,
            "title": bet.title,
            "status": bet.status.value,
            "objective": obj.id,
            "team": obj.team,
            "period": r.ref.plan.period.label,
            "shipped_on": bet.shipped_on.isoformat() if bet.shipped_on else None,
            "experiment": bet.experiment,
            "hypothesis": bet.hypothesis,
            "change_mind_if": bet.change_mind_if,
        },
        "key_result": None if kr is None else {
            "id": kr.id,
            "title": kr.title,
            "metric": kr.metric,
            "segment": kr.segment,
            "baseline": kr.baseline,
            "target": kr.target,
        },
        "expected": change_json(bet.expects.change if bet.expects else None),
        "as_of": r.clock.as_of.isoformat(),
        "data_end": r.clock.data_end.isoformat() if r.clock.data_end else None,
        "window": {
            "start": r.window_start.isoformat(),
            "launch_week": r.launch.isoformat(),
            "end": r.clock.end.isoformat(),
        },
        "weeks": {
            "pre_usable": r.pre_weeks_usable,
            "post": r.post_weeks,
            "post_usable": r.post_weeks_usable,
        },
        "verdict": {**verdict_json(primary.verdict), "method": primary.method},
        "estimates": [method_json(m) for m in r.estimates],
        "control": {
            "segments": list(r.control.segments) if r.control else [],
            "note": r.control_note,
        },
        "experiment": None if r.experiment_note is None else {
            "id": bet.experiment,
            "note": r.experiment_note,
        },
        "series": {
            "treated": r.series.to_json(),
            "control": r.control.to_json() if r.control else None,
        },
        "notes": list(r.notes),
    }


def bet_json(ref: BetRef) -> dict[str, Any]:
    bet, obj, kr = ref.bet, ref.objective, ref.key_result
    return {
        "id": bet.id,
        "title": bet.title,
        "status": bet.status.value,
        "objective": obj.id,
        "team": obj.team,
        "period": ref.plan.period.label,
        "key_result": kr.id if kr else (bet.expects.key_result if bet.expects else None),
        "metric": kr.metric if kr else None,
        "segment": kr.segment if kr else None,
        "expected": change_json(bet.expects.change if bet.expects else None),
        "shipped_on": bet.shipped_on.isoformat() if bet.shipped_on else None,
        "experiment": bet.experiment,
        "change_mind_if": bet.change_mind_if,
    }


def detectability_json(d: KRDetectability) -> dict[str, Any]:
    ab = d.ab
    return {
        "key_result": d.key_result,
        "metric": d.metric,
        "segment": d.segment,
        "expected": change_json(d.expected),
        "expected_effect": d.expected_effect,
        "baseline": d.baseline,
        "weeks_remaining": d.weeks_remaining,
        "detectable": d.detectable,
        "ab": None if ab is None else {
            "design": d.design,
            "convention": ab.convention,
            "units_per_week": d.units_per_week,
            "variance": d.variance,
            "mde": ab.mde,
            "mde_relative": ab.mde_relative,
            "detectable": ab.detectable,
            "power_at_expected": ab.power_at_expected,
            "weeks_needed": ab.weeks_needed,
            "alpha": ab.alpha,
            "power": ab.power,
        },
        "before_after": {
            "mde": d.launch_mde,
            "detectable": d.launch_detectable,
            "level": 0.90,
            "power": 0.80,
        },
        "notes": list(d.notes),
        "error": d.error,
    }


def entry_json(e: BetEntry) -> dict[str, Any]:
    impact = e.impact
    verdict = None
    if impact is not None:
        primary = impact.primary
        verdict = {**verdict_json(primary.verdict), "method": primary.method,
                   **{k: estimate_json(primary.estimate)[k]
                      for k in ("effect", "low", "high", "level", "mde")}}
    return {
        **bet_json(e.ref),
        "verdict": verdict,
        "impact_error": e.impact_error,
        "detectability": detectability_json(e.detectability) if e.detectability else None,
        "detectability_error": e.detectability_error,
    }


def factory_json(f: FactoryIndex) -> dict[str, Any]:
    return {
        "team": f.team,
        "period": f.period,
        "shipped": f.shipped,
        "judged": f.judged,
        "moved": f.moved,
        "wrong_way": f.wrong_way,
        "no_effect": f.no_effect,
        "inconclusive": f.inconclusive,
        "unavailable": f.unavailable,
        "share_moved": f.share_moved,
    }


def portfolio_json(p: Portfolio) -> dict[str, Any]:
    """Everything `sowhat bets --format json` prints."""
    return {
        "version": JSON_VERSION,
        "period": p.period,
        "as_of": p.clock.as_of.isoformat(),
        "data_end": p.clock.data_end.isoformat() if p.clock.data_end else None,
        "bets": [entry_json(e) for e in p.bets],
        "feature_factory": [factory_json(f) for f in p.factory],
    }
