"""The review pages — weekly, monthly, quarter — and their downloads (HTML, PDF, Markdown).

A page shows the same document `sowhat report` writes (reports.build), inside the app's
layout; its download buttons return the very file the CLI would write for the same inputs.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from sowhat.api.auth import require_caller
from sowhat.api.pages.templating import render
from sowhat.api.state import server_state
from sowhat.errors import UserError
from sowhat.reports.build import ReportFormat, ReportKind, assemble, embedded_html
from sowhat.reports.build import render as render_report
from sowhat.services.dashboard import staleness
from sowhat.services.events import as_of_the_data
from sowhat.services.okrs.views import plan_view

router = APIRouter()
KINDS = {k.value: k for k in ReportKind}
FORMATS = {f.value: f for f in ReportFormat}


def _kind(kind: str) -> ReportKind:
    if kind not in KINDS:
        raise UserError(f"there is no {kind!r} review", hint="weekly, monthly or quarter")
    return KINDS[kind]


def _as_of(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"as_of {text!r} is not a date", hint="write e.g. 2026-11-16") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@router.get("/periods/{period}/reviews/{kind}")
def review_page(request: Request, period: str, kind: str, month: str | None = None,
                as_of: str | None = None) -> Response:  # fmt: skip
    require_caller(request)
    state = server_state(request)
    chosen = _kind(kind)
    with state.db.transaction(write=False) as session:
        plan = plan_view(session=session, period=period)
        built = assemble(kind=chosen, session=session, workspace=state.workspace,
                         period=period, month=month,
                         as_of=as_of_the_data(state.workspace, _as_of(as_of)))  # fmt: skip
    query = "&".join(f"{k}={v}" for k, v in (("month", month), ("as_of", as_of)) if v)
    return render(request, "review.html", {
        "plan": plan, "kind": chosen.value, "title": built.context["title"],
        "body": Markup(embedded_html(built)), "query": query,
        "data_through": plan.status.data_through or plan.status.last_sync,
        "stale": staleness(plan.status.data_through or plan.status.last_sync,
                           workspace=state.workspace),
    })  # fmt: skip


@router.get("/periods/{period}/reviews/{kind}/download")
def review_download(request: Request, period: str, kind: str, format: str = "pdf",
                    month: str | None = None, as_of: str | None = None) -> Response:  # fmt: skip
    require_caller(request)
    if format not in FORMATS:
        raise UserError(f"cannot download a review as {format!r}", hint="html, pdf or md")
    state = server_state(request)
    chosen = _kind(kind)
    with state.db.transaction(write=False) as session:
        built = assemble(kind=chosen, session=session, workspace=state.workspace,
                         period=period, month=month,
                         as_of=as_of_the_data(state.workspace, _as_of(as_of)))  # fmt: skip
    report = render_report(built, chosen, FORMATS[format])
    return Response(report.content, media_type=report.media_type, headers={
        "Content-Disposition": f'attachment; filename="{report.filename}"'})
