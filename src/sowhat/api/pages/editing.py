"""Editing an objective or a bet in the browser: every field, the person's team only, never
a lost update.

The form carries the version the page was read at (the ETag the API sends); saving calls the
same service as `PATCH /api/v1/periods/{period}/objectives/{id}` and `.../bets/{id}`
(`sowhat.services.okrs.edits`), which refuses a stale version. A refused save re-renders the
form with what the person typed, the reason next to the field it is about, and — when someone
else saved first — what they saved and a link to reload.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from sowhat.api.auth import require_caller
from sowhat.api.pages.okrs import page_writer
from sowhat.api.pages.templating import render
from sowhat.api.state import server_state
from sowhat.domain.okr import BET_TRANSITIONS, BetStatus
from sowhat.errors import Conflict, UserError
from sowhat.services.authoring import objects
from sowhat.services.okrs import edits as okr_edits
from sowhat.services.okrs.views import BetView, ObjectiveView, PlanView, plan_view
from sowhat.services.plans import list_periods, load_plans

router = APIRouter()
Text = Annotated[str, Form()]
Version = Annotated[int, Form()]

# Words in a refusal that say which field it is about (the first match wins), so the message
# is shown under that field. A refusal naming none of them is shown above the form.
OBJECTIVE_WORDS: dict[str, tuple[str, ...]] = {
    "aligns_to": ("align",),
    "team": ("team",),
    "title": ("title",),
    "owner": ("owner",),
    "description": ("description",),
}
BET_WORDS: dict[str, tuple[str, ...]] = {
    "status": ("status", "cannot move from"),
    "shipped_on": ("shipped_on", "shipped on"),
    "expects_change": ("expected change", "expectation"),
    "expects_key_result": ("key result",),
    "title": ("title",),
    "owner": ("owner",),
}


def error_field(error: UserError | None, words: Mapping[str, tuple[str, ...]]) -> str | None:
    """The form field a refusal is about, or None (a stale version, a permission...)."""
    if error is None or isinstance(error, Conflict):
        return None
    text = error.message.lower()
    for name, needles in words.items():
        if any(n in text for n in needles):
            return name
    return None


def stale_fields(error: UserError | None, saved: Mapping[str, Any], typed: Mapping[str, Any],
           labels: Mapping[str, str]) -> list[tuple[str, str, str]]:  # fmt: skip
    """On a stale save: the fields someone else changed, as (label, saved now, you typed)."""
    if not isinstance(error, Conflict):
        return []
    out = []
    for name, label in labels.items():
        now, mine = _text(saved.get(name)), _text(typed.get(name))
        if now != mine:
            out.append((label, now or "—", mine or "—"))
    return out


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# -- objectives ------------------------------------------------------------------------------

OBJECTIVE_LABELS = {"title": "Objective", "team": "Team", "owner": "Owner",
                    "aligns_to": "Aligns to", "description": "Why it matters"}  # fmt: skip


def _objective_form(o: ObjectiveView) -> dict[str, Any]:
    s = o.status
    return {"id": s.id, "title": s.title, "team": s.team, "owner": s.owner,
            "aligns_to": s.aligns_to, "description": o.description}  # fmt: skip


@router.get("/periods/{period}/edit/objectives/{objective_id:path}")
def edit_objective(request: Request, period: str, objective_id: str) -> Response:
    require_caller(request)
    with server_state(request).db.transaction(write=False) as session:
        objective = plan_view(session=session, period=period).objective(objective_id)
    return _objective_page(request, period, _objective_form(objective), objective.version)


def _objective_page(request: Request, period: str, form: dict[str, Any], version: int,
                    error: UserError | None = None) -> Response:  # fmt: skip
    caller = require_caller(request)
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        plan = plan_view(session=session, period=period)
        parents = _parents(session, form["id"])
    current = plan.objective(form["id"])
    known = [t.id for t in state.workspace.config.team_values()]
    teams = [t for t in known if caller.principal.can_edit_team(t) or t == form.get("team")]
    stale = stale_fields(error, _objective_form(current), form, OBJECTIVE_LABELS)
    return render(request, "edit_objective.html", {
        "period": period, "form": form, "error": error,
        "version": current.version if isinstance(error, Conflict) else version,
        "field": error_field(error, OBJECTIVE_WORDS), "stale": stale,
        "conflict": isinstance(error, Conflict), "teams": teams, "parents": parents,
        "saved_team": current.status.team,
        "krs": len(plan.key_results_of(form["id"])),
        "bets": len([b for b in plan.bets if b.objective == form["id"]]),
    }, status_code=int(error.status) if error else 200)  # fmt: skip


def _parents(session: Any, objective_id: str) -> list[tuple[str, str, str]]:
    """(id, title, period) of every stored objective it could align to: not itself, and not
    one below it (that would make a cycle); the latest period's title per id."""
    rows: dict[str, tuple[str, str]] = {}
    links: dict[str, str | None] = {}
    for info in list_periods(session=session):
        for plan in load_plans(session=session, period=info.period.label):
            for o in plan.objectives:
                rows[o.id] = (o.title, plan.period.label)
                links[o.id] = o.aligns_to
    below = {objective_id}
    changed = True
    while changed:
        changed = False
        for child, parent in links.items():
            if parent in below and child not in below:
                below.add(child)
                changed = True
    return sorted(((k, t, p) for k, (t, p) in rows.items() if k not in below),
                  key=lambda r: (r[2], r[0]))  # fmt: skip


@router.post("/periods/{period}/edit/objectives/{objective_id:path}")
def update_objective(request: Request, period: str, objective_id: str, version: Version,
                     title: Text = "", team: Text = "", owner: Text = "",
                     aligns_to: Text = "", description: Text = "",
                     csrf_token: Text = "") -> Response:  # fmt: skip
    caller = page_writer(request, csrf_token)
    form = {"id": objective_id, "title": title, "team": team, "owner": owner,
            "aligns_to": aligns_to, "description": description}  # fmt: skip
    try:
        with server_state(request).db.transaction() as session:
            okr_edits.update_objective(
                session=session, principal=caller.principal, period=period,
                objective_id=objective_id, expected_version=version,
                changes={k: v for k, v in form.items() if k != "id"})  # fmt: skip
    except UserError as exc:
        return _objective_page(request, period, form, version, exc)
    return RedirectResponse(f"/periods/{period}/objectives/{objective_id}?saved=1",
                            status_code=303)  # fmt: skip


@router.post("/periods/{period}/archive/objectives/{objective_id:path}")
def archive_objective(request: Request, period: str, objective_id: str, version: Version,
                      csrf_token: Text = "") -> Response:  # fmt: skip
    caller = page_writer(request, csrf_token)
    try:
        with server_state(request).db.transaction() as session:
            objects.archive_objective(session=session, principal=caller.principal,
                                      period=period, objective_id=objective_id,
                                      expected_version=version)  # fmt: skip
    except UserError as exc:
        with server_state(request).db.transaction(write=False) as session:
            objective = plan_view(session=session, period=period).objective(objective_id)
        return _objective_page(request, period, _objective_form(objective), version, exc)
    return RedirectResponse(f"/periods/{period}/plan?saved=archived", status_code=303)


# -- bets ------------------------------------------------------------------------------------

BET_LABELS = {"title": "Bet", "status": "Status", "shipped_on": "Shipped on",
              "opportunity": "Opportunity", "hypothesis": "Hypothesis",
              "expects_key_result": "Expected to move", "expects_change": "By how much",
              "change_mind_if": "We change our mind if", "owner": "Owner",
              "experiment": "Experiment"}  # fmt: skip


def _bet_form(b: BetView) -> dict[str, Any]:
    bet = b.bet
    return {"id": bet.id, "objective": b.objective, "title": bet.title,
            "status": str(bet.status), "shipped_on": bet.shipped_on.isoformat()
            if bet.shipped_on else "", "opportunity": bet.opportunity,
            "hypothesis": bet.hypothesis, "change_mind_if": bet.change_mind_if,
            "expects_key_result": bet.expects.key_result if bet.expects else "",
            "expects_change": str(bet.expects.change) if bet.expects else "",
            "owner": bet.owner, "experiment": bet.experiment}  # fmt: skip


def status_choices(current: str) -> list[str]:
    """The bet's status and the ones it may move to, in the flow's order."""
    now = BetStatus(current)
    return [str(s) for s in BetStatus if s == now or s in BET_TRANSITIONS[now]]


@router.get("/periods/{period}/edit/bets/{bet_id:path}")
def edit_bet(request: Request, period: str, bet_id: str) -> Response:
    require_caller(request)
    with server_state(request).db.transaction(write=False) as session:
        bet = plan_view(session=session, period=period).bet(bet_id)
    return _bet_page(request, period, _bet_form(bet), bet.version)


def _bet_page(request: Request, period: str, form: dict[str, Any], version: int,
              error: UserError | None = None) -> Response:  # fmt: skip
    with server_state(request).db.transaction(write=False) as session:
        plan: PlanView = plan_view(session=session, period=period)
    current = plan.bet(form["id"])
    saved = _bet_form(current)
    form = {**form, "objective": current.objective}
    stale = stale_fields(error, saved, form, BET_LABELS)
    return render(request, "edit_bet.html", {
        "period": period, "form": form, "error": error, "stale": stale,
        "conflict": isinstance(error, Conflict),
        "version": current.version if isinstance(error, Conflict) else version,
        "field": error_field(error, BET_WORDS), "statuses": status_choices(saved["status"]),
        "saved_status": saved["status"], "key_results": plan.key_results,
        "team": current.team,
        "objective_title": plan.objective(current.objective).status.title,
    }, status_code=int(error.status) if error else 200)  # fmt: skip


@router.post("/periods/{period}/edit/bets/{bet_id:path}")
def update_bet(request: Request, period: str, bet_id: str, version: Version, title: Text = "",
               status: Text = "", shipped_on: Text = "", opportunity: Text = "",
               hypothesis: Text = "", expects_key_result: Text = "", expects_change: Text = "",
               change_mind_if: Text = "", owner: Text = "", experiment: Text = "",
               csrf_token: Text = "") -> Response:  # fmt: skip
    caller = page_writer(request, csrf_token)
    form = {"id": bet_id, "title": title, "status": status, "shipped_on": shipped_on,
            "opportunity": opportunity, "hypothesis": hypothesis,
            "expects_key_result": expects_key_result, "expects_change": expects_change,
            "change_mind_if": change_mind_if, "owner": owner, "experiment": experiment}
    changes: dict[str, Any] = {k: v for k, v in form.items() if k != "id"}
    if not status:
        changes.pop("status")
    try:
        with server_state(request).db.transaction() as session:
            okr_edits.update_bet(session=session, principal=caller.principal, period=period,
                                 bet_id=bet_id, changes=changes,
                                 expected_version=version)  # fmt: skip
    except UserError as exc:
        return _bet_page(request, period, form, version, exc)
    return RedirectResponse(f"/periods/{period}/bets?saved={bet_id}#bet-{bet_id.replace('/', '-')}",
                            status_code=303)  # fmt: skip


@router.post("/periods/{period}/archive/bets/{bet_id:path}")
def archive_bet(request: Request, period: str, bet_id: str, version: Version,
                csrf_token: Text = "") -> Response:  # fmt: skip
    caller = page_writer(request, csrf_token)
    try:
        with server_state(request).db.transaction() as session:
            objects.archive_bet(session=session, principal=caller.principal, period=period,
                                bet_id=bet_id, expected_version=version)  # fmt: skip
    except UserError as exc:
        with server_state(request).db.transaction(write=False) as session:
            bet = plan_view(session=session, period=period).bet(bet_id)
        return _bet_page(request, period, _bet_form(bet), version, exc)
    return RedirectResponse(f"/periods/{period}/bets", status_code=303)
