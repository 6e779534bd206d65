"""Everything else in v1: who am I, metrics, the coach, the audit log, reviews, health."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder

from sowhat.api.auth import Caller, require_caller
from sowhat.api.http import PROBLEMS, Page, Paging
from sowhat.api.schemas import (
    AuditEntryOut,
    LintIn,
    LintOut,
    MeOut,
    MetricOut,
    audit_out,
    lint_out,
    me_out,
)
from sowhat.api.state import server_state
from sowhat.errors import UserError
from sowhat.services.coach import coach_text
from sowhat.services.events import as_of_the_data, open_events
from sowhat.services.okrs.views import audit_page, page
from sowhat.services.reviews.monthly import monthly_review
from sowhat.services.reviews.quarter import quarter_review
from sowhat.services.reviews.weekly import weekly_review

router = APIRouter(responses={k: v for k, v in PROBLEMS.items() if k in (401, 404, 422)})
Reader = Annotated[Caller, Depends(require_caller)]


@router.get("/health", tags=["meta"])
def health() -> dict[str, str]:
    """Liveness for load balancers; needs no login."""
    return {"status": "ok"}


@router.get("/me", response_model=MeOut, tags=["meta"])
def me(caller: Reader) -> MeOut:
    return me_out(caller.principal)


@router.get("/metrics", response_model=Page[MetricOut], tags=["metrics"])
def get_metrics(request: Request, caller: Reader,
                paging: Annotated[Paging, Depends()]) -> Page[MetricOut]:  # fmt: skip
    """The metric definitions of the workspace (metrics.yaml), by name."""
    catalog = server_state(request).workspace.metrics
    defs = sorted(catalog.metrics.items()) if catalog else []
    items, total = page(defs, limit=paging.limit, offset=paging.offset)
    out = [MetricOut(name=name, type=str(getattr(d, "type", "")), description=d.description)
           for name, d in items]  # fmt: skip
    return Page(items=out, total=total, limit=paging.limit, offset=paging.offset)


@router.post("/lint", response_model=LintOut, tags=["coach"])
def lint(request: Request, caller: Reader, body: LintIn) -> LintOut:
    """Coach one KR sentence: outcome or output, and what to write instead. Changes nothing."""
    return lint_out(coach_text(body.text, metrics=server_state(request).workspace.metrics))


@router.get("/audit", response_model=Page[AuditEntryOut], tags=["audit"])
def get_audit(
    request: Request,
    caller: Reader,
    paging: Annotated[Paging, Depends()],
    entity_type: Annotated[str | None, Query(description="key_result, check_in, bet...")] = None,
    entity_key: Annotated[str | None, Query(description="Exactly this object.")] = None,
    key_prefix: Annotated[str | None, Query(description="This object and what hangs off it, "
                                            "e.g. 2026-Q4/gr-activation")] = None,
) -> Page[AuditEntryOut]:  # fmt: skip
    """The append-only audit log, newest first."""
    with server_state(request).db.transaction(write=False) as session:
        result = audit_page(session=session, entity_type=entity_type, entity_key=entity_key,
                            key_prefix=key_prefix, limit=paging.limit, offset=paging.offset,
                            visible_to=caller.principal)
    return Page(items=[audit_out(e) for e in result.entries], total=result.total,
                limit=paging.limit, offset=paging.offset)  # fmt: skip


@router.get("/periods/{period}/reviews/weekly", tags=["reviews"])
def get_weekly_review(request: Request, caller: Reader, period: str) -> Any:
    """The weekly review: leading indicators first, forecasts, guardrail alerts, missing
    check-ins, shipped bets whose KR has not moved — as of now or the end of the data,
    whichever is earlier (as `sowhat review weekly`), from the last sync."""
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        review = weekly_review(session=session, catalog=state.workspace.metrics, period=period,
                               as_of=as_of_the_data(state.workspace, None))
    return jsonable_encoder(asdict(review))


@router.get("/periods/{period}/reviews/quarter", tags=["reviews"])
def get_quarter_review(request: Request, caller: Reader, period: str) -> Any:
    """Scores and attainment of the period's objectives, with the lessons recorded."""
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        review = quarter_review(session=session, period=period, catalog=state.workspace.metrics,
                                as_of=as_of_the_data(state.workspace, None))
    return jsonable_encoder(asdict(review))


@router.get("/periods/{period}/reviews/monthly", tags=["reviews"])
def get_monthly_review(
    request: Request, caller: Reader, period: str,
    month: Annotated[str | None, Query(description="YYYY-MM; default: the last full month")]
    = None,
) -> Any:  # fmt: skip
    """The monthly deep dive of lagging metrics: the month against the month before, its
    weekly trend (a direction only beyond noise) and every segment — what `sowhat review
    monthly --format json` prints."""
    state = server_state(request)
    catalog = state.workspace.metrics
    if catalog is None:
        raise UserError("no metrics.yaml in the workspace", hint="define metrics first")
    with state.db.transaction(write=False) as session, open_events(state.workspace) as events:
        review = monthly_review(session=session, catalog=catalog, events=events,
                                period=period, month=month,
                                as_of=as_of_the_data(state.workspace, None))  # fmt: skip
    return jsonable_encoder(asdict(review))
