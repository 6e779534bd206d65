"""Writing OKRs in the browser: new objective, key result (with the coach, the measured
baseline, the ambition check and detectability beside the form), guardrail and bet; editing
a KR's every field; archiving; and the planning view of a new period.

Routes live under `/periods/{period}/new/...`, `/edit/...` and `/plan` so they never collide
with the object pages' `{id:path}` routes. Each handler calls one service and renders one
template; a refused write re-renders the form with what was typed and the reason.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from sowhat.api.auth import require_caller
from sowhat.api.pages.editing import error_field, stale_fields
from sowhat.api.pages.okrs import page_writer
from sowhat.api.pages.templating import render
from sowhat.api.state import server_state
from sowhat.domain.measure import over_days
from sowhat.errors import Conflict, UserError
from sowhat.services.authoring import objects, periods, planning
from sowhat.services.authoring.draft_check import check_in_workspace
from sowhat.services.okrs import edits as okr_edits
from sowhat.services.okrs.views import plan_view
from sowhat.services.plans import list_periods, load_plans, period_row
from sowhat.store import mapping

router = APIRouter()
Text = Annotated[str, Form()]


def _number(text: str, name: str) -> float | None:
    cleaned = text.strip().replace(",", "")
    share = cleaned.endswith("%")
    cleaned = cleaned.rstrip("%").strip()
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise UserError(f"{name} {text!r} is not a number", hint="write e.g. 0.42 or 42%") \
            from None
    return value / 100.0 if share else value


def _catalog(request: Request) -> dict[str, Any]:
    metrics = server_state(request).workspace.metrics
    return {"metrics": sorted(metrics.metrics.items()) if metrics else [],
            "segments": sorted(metrics.segments) if metrics else []}  # fmt: skip


# -- planning --------------------------------------------------------------------------------


@router.get("/plan")
def plan_index(request: Request) -> Response:
    require_caller(request)
    with server_state(request).db.transaction(write=False) as session:
        infos = list_periods(session=session)
        drafts = periods.draft_labels(session=session)
        suggested = planning.next_label(session=session)
    return render(request, "plan_index.html", {"periods": infos, "drafts": drafts,
                                                "suggested": suggested})  # fmt: skip


@router.post("/plan")
def plan_create(request: Request, label: Text, csrf_token: Text = "") -> Response:
    caller = page_writer(request, csrf_token)
    try:
        with server_state(request).db.transaction() as session:
            period = periods.create_period(session=session, principal=caller.principal,
                                           label=label)  # fmt: skip
    except UserError as exc:
        with server_state(request).db.transaction(write=False) as session:
            infos = list_periods(session=session)
            drafts = periods.draft_labels(session=session)
        return render(request, "plan_index.html", {"periods": infos, "drafts": drafts,
                                                    "suggested": label, "error": exc},
                      status_code=int(exc.status))  # fmt: skip
    return RedirectResponse(f"/periods/{period.label}/plan", status_code=303)


@router.get("/periods/{period}/plan")
def plan_page(request: Request, period: str) -> Response:
    return _plan_page(request, period)


def _plan_page(request: Request, period: str, error: UserError | None = None) -> Response:
    require_caller(request)
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        view = planning.planning_view(session=session, workspace=state.workspace, period=period)
    return render(request, "plan.html", {"v": view, "plan": None, "period": period,
                                          "error": error,
                                          "saved": request.query_params.get("saved")},
                  status_code=int(error.status) if error else 200)  # fmt: skip


@router.post("/periods/{period}/plan/carry")
async def plan_carry(request: Request, period: str) -> Response:
    form = await request.form()
    caller = page_writer(request, str(form.get("csrf_token", "")))
    kr_ids = [str(v) for v in form.getlist("kr")]
    state = server_state(request)
    try:
        with state.db.transaction() as session:
            planning.carry_over(session=session, principal=caller.principal,
                                workspace=state.workspace, period=period, kr_ids=kr_ids)
    except UserError as exc:
        return _plan_page(request, period, error=exc)
    return RedirectResponse(f"/periods/{period}/plan?saved=carried", status_code=303)


@router.post("/periods/{period}/plan/publish")
def plan_publish(request: Request, period: str, csrf_token: Text = "") -> Response:
    caller = page_writer(request, csrf_token)
    try:
        with server_state(request).db.transaction() as session:
            periods.publish_period(session=session, principal=caller.principal, period=period)
    except UserError as exc:
        return _plan_page(request, period, error=exc)
    return RedirectResponse(f"/periods/{period}/plan?saved=published", status_code=303)


# -- objectives ------------------------------------------------------------------------------


@router.get("/periods/{period}/new/objective")
def new_objective(request: Request, period: str) -> Response:
    caller = require_caller(request)
    teams = sorted(caller.principal.editor_teams) or []
    return render(request, "author_objective.html", {"period": period, "form": {},
                                                      "teams": _teams(request, teams)})


@router.post("/periods/{period}/new/objective")
def create_objective(request: Request, period: str, id: Text, title: Text, team: Text = "",
                     owner: Text = "", aligns_to: Text = "", description: Text = "",
                     next: Text = "", csrf_token: Text = "") -> Response:  # fmt: skip
    caller = page_writer(request, csrf_token)
    fields = {"id": id, "title": title, "team": team, "owner": owner, "aligns_to": aligns_to,
              "description": description}  # fmt: skip
    try:
        with server_state(request).db.transaction() as session:
            objects.create_objective(session=session, principal=caller.principal,
                                     period=period, fields=fields)  # fmt: skip
    except UserError as exc:
        return render(request, "author_objective.html", {
            "period": period, "form": fields, "error": exc,
            "teams": _teams(request, sorted(caller.principal.editor_teams))},
            status_code=int(exc.status))  # fmt: skip
    target = f"/periods/{period}/plan" if next == "plan" else \
        f"/periods/{period}/objectives/{id.strip()}"
    return RedirectResponse(target, status_code=303)


def _teams(request: Request, editable: list[str]) -> list[str]:
    known = [t.id for t in server_state(request).workspace.config.team_values()]
    return [t for t in known if not editable or t in editable] or known


# -- key results -----------------------------------------------------------------------------


@router.get("/periods/{period}/new/key-result")
def new_key_result(request: Request, period: str, objective: str = "") -> Response:
    require_caller(request)
    return _kr_form(request, period, {"objective": objective}, None, version=None)


@router.get("/periods/{period}/edit/key-results/{kr_id:path}")
def edit_key_result(request: Request, period: str, kr_id: str) -> Response:
    require_caller(request)
    form, version = _saved_kr(request, period, kr_id)
    return _kr_form(request, period, form, None, version=version)


def _saved_kr(request: Request, period: str, kr_id: str) -> tuple[dict[str, Any], int]:
    """The KR as stored, as the form shows it, and its version."""
    with server_state(request).db.transaction(write=False) as session:
        kr = plan_view(session=session, period=period).key_result(kr_id)
        [plan] = load_plans(session=session, period=period)
    declared = next(k for _, k in plan.key_results() if k.id == kr_id)
    s = kr.status
    form = {"id": s.id, "objective": kr.objective, "title": s.title, "metric": s.metric,
            "segment": s.segment, "baseline": _shown(s.baseline), "target": _shown(s.target),
            "owner": s.owner, "unit": s.unit, "indicator": s.indicator,
            "measure": declared.measure,
            "over": f"{declared.over_days}d" if declared.over_days else ""}  # fmt: skip
    return form, kr.version


# Words in a refusal that say which KR field it is about (see editing.error_field).
KR_WORDS: dict[str, tuple[str, ...]] = {
    "target": ("target",), "baseline": ("baseline",), "segment": ("segment",),
    "metric": ("metric",), "over": ("over_days", "over "), "measure": ("measure",),
    "indicator": ("indicator",), "title": ("title",), "owner": ("owner",), "unit": ("unit",),
}  # fmt: skip
KR_LABELS = {"title": "Key result", "metric": "Metric", "segment": "Segment",
             "baseline": "Baseline", "target": "Target", "measure": "Measure",
             "over": "Trailing window", "owner": "Owner", "indicator": "Indicator",
             "unit": "Unit"}  # fmt: skip


def _over(text: str) -> int | None:
    """`28d`, `4w` or a bare number of days; empty: the default window."""
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        return int(cleaned) if cleaned.isdigit() else over_days(cleaned)
    except ValueError:
        raise UserError(f"over {text!r} is not a number of days",
                        hint="write e.g. 28d or 4w") from None  # fmt: skip


def _shown(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _kr_form(request: Request, period: str, form: dict[str, Any], error: UserError | None, *,
             version: int | None) -> Response:  # fmt: skip
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        view = plan_view(session=session, period=period)
        span = mapping.to_period(period_row(session=session, label=period))
    check = _check(request, span, form)
    stale: list[tuple[str, str, str]] = []
    if isinstance(error, Conflict) and version is not None:
        saved, version = _saved_kr(request, period, str(form["id"]))
        stale = stale_fields(error, saved, form, KR_LABELS)
    return render(request, "author_kr.html", {
        "period": period, "form": form, "error": error, "version": version, "check": check,
        "field": error_field(error, KR_WORDS), "stale": stale,
        "objectives": [o for o in view.objectives
                       if caller_can(request, o.status.team)], **_catalog(request),
    }, status_code=int(error.status) if error else 200)  # fmt: skip


def caller_can(request: Request, team: str | None) -> bool:
    return require_caller(request).principal.can_edit_team(team)


def _check(request: Request, span: Any, form: dict[str, Any]) -> Any:
    def num(name: str) -> float | None:
        try:
            return _number(str(form.get(name) or ""), name)
        except UserError:
            return None

    try:
        over = _over(str(form.get("over") or ""))
    except UserError:
        over = None
    return check_in_workspace(
        workspace=server_state(request).workspace, period=span,
        title=str(form.get("title") or ""), metric=form.get("metric") or None,
        segment=form.get("segment") or None, baseline=num("baseline"), target=num("target"),
        measure=form.get("measure") or None, over_days=over,
        today=datetime.now(UTC).date())  # fmt: skip


@router.post("/periods/{period}/kr-check")
def kr_check(request: Request, period: str, title: Text = "", metric: Text = "",
             segment: Text = "", baseline: Text = "", target: Text = "", measure: Text = "",
             over: Text = "", csrf_token: Text = "") -> Response:  # fmt: skip
    """The panel beside the KR form, swapped in by htmx as the person types; when the
    baseline field is empty, the measured baseline is filled into it (out of band)."""
    page_writer(request, csrf_token)
    with server_state(request).db.transaction(write=False) as session:
        span = mapping.to_period(period_row(session=session, label=period))
    form = {"title": title, "metric": metric, "segment": segment, "baseline": baseline,
            "target": target, "measure": measure, "over": over}  # fmt: skip
    check = _check(request, span, form)
    fill = None
    if not baseline.strip() and check.measured is not None and check.measured.value is not None:
        fill = f"{check.measured.value:.4g}"
    return render(request, "_kr_check.html", {"check": check, "fill": fill, "oob": True})


@router.post("/periods/{period}/new/key-result")
def create_key_result(request: Request, period: str, id: Text, objective: Text, title: Text,
                      metric: Text = "", segment: Text = "", baseline: Text = "",
                      target: Text = "", owner: Text = "", unit: Text = "",
                      indicator: Text = "", measure: Text = "", over: Text = "",
                      csrf_token: Text = "") -> Response:  # fmt: skip
    caller = page_writer(request, csrf_token)
    form = {"id": id, "objective": objective, "title": title, "metric": metric,
            "segment": segment, "baseline": baseline, "target": target, "owner": owner,
            "unit": unit, "indicator": indicator, "measure": measure, "over": over}  # fmt: skip
    state = server_state(request)
    try:
        fields: dict[str, Any] = {**form, "baseline": _number(baseline, "baseline"),
                                  "target": _number(target, "target")}
        with state.db.transaction() as session:
            objects.create_key_result(session=session, principal=caller.principal,
                                      period=period, fields=fields,
                                      metrics=state.workspace.metrics)  # fmt: skip
    except UserError as exc:
        return _kr_form(request, period, form, exc, version=None)
    return RedirectResponse(f"/periods/{period}/key-results/{id.strip()}?saved=1",
                            status_code=303)  # fmt: skip


@router.post("/periods/{period}/edit/key-results/{kr_id:path}")
def update_key_result(request: Request, period: str, kr_id: str, version: Annotated[int, Form()],
                      title: Text, metric: Text = "", segment: Text = "", baseline: Text = "",
                      target: Text = "", owner: Text = "", unit: Text = "",
                      indicator: Text = "", measure: Text = "", over: Text = "",
                      csrf_token: Text = "") -> Response:  # fmt: skip
    caller = page_writer(request, csrf_token)
    form = {"id": kr_id, "title": title, "metric": metric, "segment": segment,
            "baseline": baseline, "target": target, "owner": owner, "unit": unit,
            "indicator": indicator, "measure": measure, "over": over}  # fmt: skip
    state = server_state(request)
    try:
        changes: dict[str, Any] = {k: v for k, v in form.items() if k not in ("id", "over")}
        changes["baseline"] = _number(baseline, "baseline")
        changes["target"] = _number(target, "target")
        changes["over_days"] = _over(over)
        with state.db.transaction() as session:
            okr_edits.update_key_result(session=session, principal=caller.principal,
                                        period=period, kr_id=kr_id, changes=changes,
                                        expected_version=version,
                                        metrics=state.workspace.metrics)  # fmt: skip
    except UserError as exc:
        return _kr_form(request, period, form, exc, version=version)
    return RedirectResponse(f"/periods/{period}/key-results/{kr_id}?saved=1", status_code=303)


@router.post("/periods/{period}/archive/key-results/{kr_id:path}")
def archive_key_result(request: Request, period: str, kr_id: str,
                       version: Annotated[int, Form()], csrf_token: Text = "") -> Response:
    caller = page_writer(request, csrf_token)
    with server_state(request).db.transaction() as session:
        objects.archive_key_result(session=session, principal=caller.principal, period=period,
                                   kr_id=kr_id, expected_version=version)  # fmt: skip
    return RedirectResponse(f"/periods/{period}", status_code=303)


# -- guardrails and bets ---------------------------------------------------------------------


@router.get("/periods/{period}/new/guardrail")
def new_guardrail(request: Request, period: str, objective: str = "") -> Response:
    require_caller(request)
    return _simple_form(request, period, "author_guardrail.html", {"objective": objective})


@router.post("/periods/{period}/new/guardrail")
def create_guardrail(request: Request, period: str, objective: Text, metric: Text,
                     segment: Text = "", bound: Text = "min_change", amount: Text = "",
                     over: Text = "", csrf_token: Text = "") -> Response:  # fmt: skip
    caller = page_writer(request, csrf_token)
    form = {"objective": objective, "metric": metric, "segment": segment, "bound": bound,
            "amount": amount, "over": over}  # fmt: skip
    state = server_state(request)
    try:
        if bound not in ("max_change", "min_change", "max", "min"):
            raise UserError(f"bound {bound!r} is unknown", hint="pick one from the list")
        value: Any = amount.strip()
        if bound in ("max", "min"):
            value = _number(amount, bound)
        with state.db.transaction() as session:
            objects.create_guardrail(session=session, principal=caller.principal,
                                     period=period, objective=objective,
                                     fields={"metric": metric, "segment": segment,
                                             bound: value, "over": over.strip() or None},
                                     metrics=state.workspace.metrics)  # fmt: skip
    except UserError as exc:
        return _simple_form(request, period, "author_guardrail.html", form, exc)
    return RedirectResponse(f"/periods/{period}/objectives/{objective}", status_code=303)


@router.get("/periods/{period}/new/bet")
def new_bet(request: Request, period: str, objective: str = "") -> Response:
    require_caller(request)
    return _simple_form(request, period, "author_bet.html", {"objective": objective,
                                                             "status": "idea"})


@router.post("/periods/{period}/new/bet")
def create_bet(request: Request, period: str, id: Text, objective: Text, title: Text,
               hypothesis: Text = "", expects_key_result: Text = "", expects_change: Text = "",
               change_mind_if: Text = "", opportunity: Text = "", status: Text = "idea",
               owner: Text = "", csrf_token: Text = "") -> Response:  # fmt: skip
    caller = page_writer(request, csrf_token)
    form = {"id": id, "objective": objective, "title": title, "hypothesis": hypothesis,
            "expects_key_result": expects_key_result, "expects_change": expects_change,
            "change_mind_if": change_mind_if, "opportunity": opportunity, "status": status,
            "owner": owner}  # fmt: skip
    try:
        if bool(expects_key_result.strip()) != bool(expects_change.strip()):
            raise UserError("an expectation needs both the key result and the change",
                            hint="e.g. activation, +0.03 — or leave both empty")  # fmt: skip
        fields: dict[str, Any] = {k: v for k, v in form.items()
                                  if k not in ("expects_key_result", "expects_change")}
        if expects_key_result.strip():
            fields["expects"] = {"key_result": expects_key_result.strip(),
                                 "change": expects_change.strip()}  # fmt: skip
        with server_state(request).db.transaction() as session:
            objects.create_bet(session=session, principal=caller.principal, period=period,
                               fields=fields)  # fmt: skip
    except UserError as exc:
        return _simple_form(request, period, "author_bet.html", form, exc)
    return RedirectResponse(f"/periods/{period}/bets", status_code=303)


def _simple_form(request: Request, period: str, template: str, form: dict[str, Any],
                 error: UserError | None = None) -> Response:  # fmt: skip
    with server_state(request).db.transaction(write=False) as session:
        view = plan_view(session=session, period=period)
    return render(request, template, {
        "period": period, "form": form, "error": error,
        "objectives": [o for o in view.objectives if caller_can(request, o.status.team)],
        "key_results": view.key_results, **_catalog(request),
    }, status_code=int(error.status) if error else 200)  # fmt: skip
