"""Alignment tree, audit log and metric catalog pages."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sowhat.api.auth import require_caller
from sowhat.api.http import MAX_OFFSET
from sowhat.api.pages.templating import render
from sowhat.api.state import server_state
from sowhat.services import dashboard as views
from sowhat.services.metric_catalog import metric_catalog
from sowhat.services.okrs.views import audit_page

router = APIRouter()
PAGE = 50


@router.get("/alignment")
def alignment_current(request: Request) -> Response:
    return _alignment(request, None)


@router.get("/periods/{period}/alignment")
def alignment_page(request: Request, period: str) -> Response:
    return _alignment(request, period)


def _alignment(request: Request, period: str | None) -> Response:
    require_caller(request)
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        plan, roots = views.alignment(session=session, period=period)
        # each objective's status word (the dashboard's, cached with its model): a score
        # coloured by the calendar read green for an objective the dashboard calls at risk
        standings = views.dashboard(session=session, period=plan.period,
                                    workspace=state.workspace).standings
    return render(request, "alignment.html", {"plan": plan, "roots": roots,
                                              "standings": standings})


@router.get("/audit")
def audit_log_page(request: Request, entity_type: str | None = None,
                   key_prefix: str | None = None, offset: int = 0) -> Response:  # fmt: skip
    """The whole log, or one object's history (`key_prefix=2026-Q4/gr-activation`)."""
    caller = require_caller(request)
    offset = min(max(offset, 0), MAX_OFFSET)
    with server_state(request).db.transaction(write=False) as session:
        result = audit_page(session=session, entity_type=entity_type or None,
                            key_prefix=key_prefix or None, limit=PAGE, offset=offset,
                            visible_to=caller.principal)
    filters = {k: v for k, v in (("entity_type", entity_type), ("key_prefix", key_prefix)) if v}
    def link(to: int) -> str:
        return "/audit?" + urlencode({**filters, "offset": to})
    return render(request, "audit.html", {
        "result": result, "filters": filters,
        "newer": link(offset - PAGE) if offset > 0 else None,
        "older": link(offset + PAGE) if offset + PAGE < result.total else None,
    })  # fmt: skip


@router.get("/metrics")
def metrics_page(request: Request) -> Response:
    require_caller(request)
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        period, metrics = metric_catalog(session=session, workspace=state.workspace)
    return render(request, "metrics.html", {"metrics": metrics, "period": period,
                                            "file": state.workspace.config.workspace.metrics_file})
