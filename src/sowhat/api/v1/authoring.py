"""Writing plans through the API: create with POST to the collection (201, ETag, Location),
archive with DELETE and If-Match, plan a new period, and coach a draft KR before saving it.

Creates need no If-Match (there is no version to be stale against); an id that exists
already is 409. Archiving keeps the row and its check-ins; `sowhat apply` can restore it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response

from sowhat.api.auth import Caller, require_caller, require_writer
from sowhat.api.authoring_schemas import (
    BetIn,
    DraftCheckOut,
    DraftKeyResultIn,
    GuardrailIn,
    GuardrailOut,
    KeyResultIn,
    ObjectiveIn,
    PeriodIn,
    draft_check_out,
    guardrail_out,
)
from sowhat.api.http import IF_MATCH, PROBLEMS, Page, expected_version, set_etag
from sowhat.api.schemas import (
    BetOut,
    KeyResultOut,
    ObjectiveOut,
    PeriodOut,
    bet_out,
    key_result_out,
    objective_out,
    period_out,
)
from sowhat.api.state import server_state
from sowhat.services.authoring import objects, periods
from sowhat.services.authoring.draft_check import check_in_workspace
from sowhat.services.okrs.views import plan_view
from sowhat.services.plans import list_periods, period_row
from sowhat.store import mapping

router = APIRouter(tags=["authoring"], responses=PROBLEMS)
Reader = Annotated[Caller, Depends(require_caller)]
Writer = Annotated[Caller, Depends(require_writer)]
API = "/api/v1/periods"


def _created(response: Response, location: str, version: int) -> None:
    response.headers["Location"] = location
    set_etag(response, version)


def _url(period: str, collection: str, key: str) -> str:
    return f"{API}/{quote(period)}/{collection}/{quote(key, safe='/')}"


@router.post("/periods", response_model=PeriodOut, status_code=201)
def post_period(request: Request, response: Response, caller: Writer,
                body: PeriodIn) -> PeriodOut:  # fmt: skip
    """Start planning a period: it is a draft until published (`sowhat export` skips it)."""
    with server_state(request).db.transaction() as session:
        period = periods.create_period(session=session, principal=caller.principal,
                                       label=body.label, north_star=body.north_star)  # fmt: skip
        info = next(p for p in list_periods(session=session) if p.period.label == period.label)
        version = period_row(session=session, label=period.label).version
    _created(response, f"{API}/{quote(period.label)}", version)
    return period_out(info)


@router.post("/periods/{period}/publish", response_model=PeriodOut)
def publish(request: Request, caller: Writer, period: str) -> PeriodOut:
    """End planning: the draft period's plan becomes live and exportable."""
    with server_state(request).db.transaction() as session:
        periods.publish_period(session=session, principal=caller.principal, period=period)
        info = next(p for p in list_periods(session=session) if p.period.label == period)
    return period_out(info)


@router.post("/periods/{period}/objectives", response_model=ObjectiveOut, status_code=201)
def post_objective(request: Request, response: Response, caller: Writer, period: str,
                   body: ObjectiveIn) -> ObjectiveOut:  # fmt: skip
    with server_state(request).db.transaction() as session:
        objects.create_objective(session=session, principal=caller.principal, period=period,
                                 fields=body.model_dump(exclude_unset=True))  # fmt: skip
        objective = plan_view(session=session, period=period).objective(body.id)
    _created(response, _url(period, "objectives", body.id), objective.version)
    return objective_out(objective)


@router.delete("/periods/{period}/objectives/{objective_id:path}", status_code=204,
               openapi_extra=IF_MATCH)
def delete_objective(request: Request, caller: Writer, period: str,
                     objective_id: str) -> Response:  # fmt: skip
    """Archive the objective with its key results and bets (check-ins are kept)."""
    version = expected_version(request)
    with server_state(request).db.transaction() as session:
        objects.archive_objective(session=session, principal=caller.principal, period=period,
                                  objective_id=objective_id, expected_version=version)
    return Response(status_code=204)


@router.post("/periods/{period}/key-results/check", response_model=DraftCheckOut)
def check_key_result(request: Request, caller: Reader, period: str,
                     body: DraftKeyResultIn) -> DraftCheckOut:  # fmt: skip
    """The coach on a draft KR: findings, the measured baseline (with its window), the
    probability the target is hit with no change, and whether the change is detectable."""
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        span = mapping.to_period(period_row(session=session, label=period))
    result = check_in_workspace(workspace=state.workspace, period=span, title=body.title,
                                metric=body.metric, segment=body.segment,
                                baseline=body.baseline, target=body.target,
                                measure=body.measure, over_days=body.over_days,
                                today=datetime.now(UTC).date())  # fmt: skip
    return draft_check_out(result)


@router.post("/periods/{period}/key-results", response_model=KeyResultOut, status_code=201)
def post_key_result(request: Request, response: Response, caller: Writer, period: str,
                    body: KeyResultIn) -> KeyResultOut:  # fmt: skip
    state = server_state(request)
    with state.db.transaction() as session:
        objects.create_key_result(session=session, principal=caller.principal, period=period,
                                  fields=body.model_dump(exclude_unset=True),
                                  metrics=state.workspace.metrics)  # fmt: skip
        kr = plan_view(session=session, period=period).key_result(body.id)
    _created(response, _url(period, "key-results", body.id), kr.version)
    return key_result_out(kr)


@router.delete("/periods/{period}/key-results/{kr_id:path}", status_code=204,
               openapi_extra=IF_MATCH)
def delete_key_result(request: Request, caller: Writer, period: str, kr_id: str) -> Response:
    """Archive the key result; its check-ins are kept."""
    version = expected_version(request)
    with server_state(request).db.transaction() as session:
        objects.archive_key_result(session=session, principal=caller.principal, period=period,
                                   kr_id=kr_id, expected_version=version)  # fmt: skip
    return Response(status_code=204)


@router.get("/periods/{period}/guardrails", response_model=Page[GuardrailOut])
def get_guardrails(request: Request, caller: Reader, period: str) -> Page[GuardrailOut]:
    with server_state(request).db.transaction(write=False) as session:
        items = objects.list_guardrails(session=session, period=period)
    return Page(items=[guardrail_out(g) for g in items], total=len(items), limit=len(items),
                offset=0)  # fmt: skip


@router.post("/periods/{period}/guardrails", response_model=GuardrailOut, status_code=201)
def post_guardrail(request: Request, response: Response, caller: Writer, period: str,
                   body: GuardrailIn) -> GuardrailOut:  # fmt: skip
    state = server_state(request)
    fields: dict[str, Any] = body.model_dump(exclude_unset=True)
    objective = fields.pop("objective")
    with state.db.transaction() as session:
        key, _version = objects.create_guardrail(
            session=session, principal=caller.principal, period=period, objective=objective,
            fields=fields, metrics=state.workspace.metrics)  # fmt: skip
        info = objects.find_guardrail(session=session, period=period,
                                      ref=f"{objective}/guardrail:{key}")  # fmt: skip
    _created(response, _url(period, "guardrails", info.ref), info.version)
    return guardrail_out(info)


@router.get("/periods/{period}/guardrails/{ref:path}", response_model=GuardrailOut)
def get_guardrail(request: Request, response: Response, caller: Reader, period: str,
                  ref: str) -> GuardrailOut:  # fmt: skip
    """`ref` is `<objective>/guardrail:<key>`, as Location names it."""
    with server_state(request).db.transaction(write=False) as session:
        info = objects.find_guardrail(session=session, period=period, ref=ref)
    set_etag(response, info.version)
    return guardrail_out(info)


@router.delete("/periods/{period}/guardrails/{ref:path}", status_code=204,
               openapi_extra=IF_MATCH)
def delete_guardrail(request: Request, caller: Writer, period: str, ref: str) -> Response:
    """Remove the guardrail (the audit log keeps what it said)."""
    version = expected_version(request)
    objective, _, key = ref.rpartition("/guardrail:")
    with server_state(request).db.transaction() as session:
        objects.delete_guardrail(session=session, principal=caller.principal, period=period,
                                 objective=objective, key=key, expected_version=version)
    return Response(status_code=204)


@router.post("/periods/{period}/bets", response_model=BetOut, status_code=201)
def post_bet(request: Request, response: Response, caller: Writer, period: str,
             body: BetIn) -> BetOut:  # fmt: skip
    with server_state(request).db.transaction() as session:
        objects.create_bet(session=session, principal=caller.principal, period=period,
                           fields=body.model_dump(exclude_unset=True))  # fmt: skip
        bet = plan_view(session=session, period=period).bet(body.id)
    _created(response, _url(period, "bets", body.id), bet.version)
    return bet_out(bet)


@router.delete("/periods/{period}/bets/{bet_id:path}", status_code=204, openapi_extra=IF_MATCH)
def delete_bet(request: Request, caller: Writer, period: str, bet_id: str) -> Response:
    """Archive the bet."""
    version = expected_version(request)
    with server_state(request).db.transaction() as session:
        objects.archive_bet(session=session, principal=caller.principal, period=period,
                            bet_id=bet_id, expected_version=version)  # fmt: skip
    return Response(status_code=204)
