"""The weekly check-in form: every KR the person owns or whose team they edit, one card each.

A card posts on its own (htmx swaps the card with its new state, so the new progress shows
at once; without JavaScript the page reloads). Confidence is typed as a percentage, which is
how people say it, and stored as a share.
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from sowhat.api.auth import require_caller
from sowhat.api.pages.okrs import page_writer
from sowhat.api.pages.templating import render
from sowhat.api.state import ServerState, server_state
from sowhat.errors import NotFound, UserError
from sowhat.services import dashboard as views
from sowhat.services.okrs import edits as okr_edits
from sowhat.services.okrs.views import plan_view

router = APIRouter()


@router.get("/check-in")
def checkin_current(request: Request) -> Response:
    return _checkin_page(request, None)


@router.get("/periods/{period}/check-in")
def checkin_page(request: Request, period: str) -> Response:
    return _checkin_page(request, period)


@router.post("/periods/{period}/check-in/{kr_id:path}")
def checkin_submit(
    request: Request, period: str, kr_id: str, version: Annotated[int, Form()],
    value: Annotated[str, Form()] = "", confidence: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "", blockers: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "", force: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    caller = page_writer(request, csrf_token)
    state = server_state(request)
    error: UserError | None = None
    try:
        number = _value(value)
        share = _percent(confidence)
        with state.db.transaction() as session:
            kr = plan_view(session=session, period=period,
                           catalog=state.workspace.metrics).key_result(kr_id)
            okr_edits.check_in(
                session=session, principal=caller.principal, period=period, kr_id=kr_id,
                value=number, confidence=share / 100.0 if share is not None else None,
                note=note.strip() or None, blockers=blockers.strip() or None,
                expected_version=version,
                override_value=number is not None and kr.status.metric is not None,
                catalog=state.workspace.metrics, force=bool(force),
            )  # fmt: skip
    except UserError as exc:
        error = exc
    if "hx-request" not in request.headers:
        if error is not None:
            return _checkin_page(request, period, error=error, failed=kr_id,
                                 draft=_draft(error, value, confidence, note, blockers))
        return RedirectResponse(f"/periods/{period}/check-in?saved={kr_id}", status_code=303)
    with state.db.transaction(write=False) as session:
        _plan, week, targets = views.checkin_targets(session=session, principal=caller.principal,
                                                     period=period,
                                                     catalog=state.workspace.metrics)  # fmt: skip
        target = next((t for t in targets if t.kr.id == kr_id), None)
        standing = _standing(session, state, _plan.period) if target else None
    if target is None:
        # Not a KR this person may check in (unknown id, another team's): there is no card
        # to redraw, only the reason.
        failure = error or NotFound(f"no key result {kr_id} on your check-in page")
        return HTMLResponse(
            f'<p class="error" role="alert">{escape(failure.render())}</p>',
            status_code=int(failure.status))
    return render(request, "_checkin_card.html", {
        "t": target, "period": period, "week": week, "error": error, "saved": error is None,
        "draft": _draft(error, value, confidence, note, blockers),
        "words": standing.kr_words if standing else {},
        "data_through": standing.data_through if standing else None,
    }, status_code=200 if error is None else int(error.status))  # fmt: skip


def _draft(error: UserError | None, value: str, confidence: str, note: str,
           blockers: str) -> dict[str, str] | None:  # fmt: skip
    """What the person typed: put back in the form when it was refused for its content.

    After a stale edit (409) the card shows the stored check-in instead, the one they must
    now decide about, and its message quotes what they had typed (see _checkin_card.html)."""
    if error is None:
        return None
    return {"value": value, "confidence": confidence, "note": note, "blockers": blockers}


def _checkin_page(request: Request, period: str | None, *, error: UserError | None = None,
                  failed: str | None = None,
                  draft: dict[str, str] | None = None) -> Response:  # fmt: skip
    caller = require_caller(request)
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        plan, week, targets = views.checkin_targets(session=session, principal=caller.principal,
                                                    period=period,
                                                    catalog=state.workspace.metrics)  # fmt: skip
        standing = _standing(session, state, plan.period) if targets else None
    return render(request, "checkin.html", {
        "plan": plan, "week": week, "targets": targets, "error": error, "failed": failed,
        "saved": request.query_params.get("saved"), "draft": draft,
        "words": standing.kr_words if standing else {},
        "data_through": standing.data_through if standing else None,
        "stale": standing.stale if standing else None,
    }, status_code=int(error.status) if error else 200)  # fmt: skip


def _standing(session: Session, state: ServerState, period: str) -> views.Dashboard:
    """The dashboard's model of the period (cached until the data changes): each KR's status
    word, so a card colours its progress as the dashboard does — a 67% bar read green here
    and "at risk" there — and how far the data reaches, for the banner every page shows."""
    return views.dashboard(session=session, period=period, workspace=state.workspace)


def _value(text: str) -> float | None:
    """The KR value as typed; "36%" is unambiguous, so it is read as 0.36 (the stored scale
    of a percent), while a bare 36 stays 36 and the scale check asks about it."""
    stripped = text.strip()
    if stripped.endswith("%"):
        number = _number(stripped[:-1], "value")
        return None if number is None else number / 100.0
    return _number(stripped, "value")


def _number(text: str, name: str) -> float | None:
    cleaned = text.strip().rstrip("%").replace(",", "")
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        raise UserError(f"{name} {text!r} is not a number", hint="write e.g. 0.42 or 70") from None


def _percent(text: str) -> float | None:
    """Confidence as people say it: a whole number of percent, 0 to 100."""
    number = _number(text, "confidence")
    if number is not None and not 0 <= number <= 100:
        raise UserError(f"confidence {text.strip()} is not between 0 and 100",
                        hint="write how likely the target is reached, e.g. 70 for 70%")
    return number
