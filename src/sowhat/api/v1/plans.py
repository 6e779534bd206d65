"""Periods, teams, objectives, key results, bets and alignment: read, and edit with If-Match.

Object ids may contain `/` (`growth/first-week-win`), so they are `:path` parameters, and
routes with a suffix are declared before the bare ones that would swallow it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from sowhat.api.auth import Caller, require_caller, require_writer
from sowhat.api.http import IF_MATCH, PROBLEMS, Page, Paging, expected_version, set_etag
from sowhat.api.schemas import (
    AlignmentOut,
    BetOut,
    BetPatch,
    KeyResultOut,
    KeyResultPatch,
    ObjectiveOut,
    ObjectivePatch,
    PeriodOut,
    TeamOut,
    bet_out,
    key_result_out,
    objective_out,
    period_out,
    team_out,
)
from sowhat.api.state import server_state
from sowhat.errors import NotFound
from sowhat.services import dashboard as pages
from sowhat.services.dashboard import AlignmentNode, cached_plan
from sowhat.services.listing.filters import kr_matches, objective_matches
from sowhat.services.okrs import edits as okr_edits
from sowhat.services.okrs.views import page, plan_view, teams
from sowhat.services.plans import list_periods

router = APIRouter(tags=["plans"], responses=PROBLEMS)
Reader = Annotated[Caller, Depends(require_caller)]
Writer = Annotated[Caller, Depends(require_writer)]


@router.get("/periods", response_model=Page[PeriodOut])
def get_periods(request: Request, caller: Reader,
                paging: Annotated[Paging, Depends()]) -> Page[PeriodOut]:  # fmt: skip
    with server_state(request).db.transaction(write=False) as session:
        items, total = page(list_periods(session=session), limit=paging.limit, offset=paging.offset)
    return Page(items=[period_out(p) for p in items], total=total, limit=paging.limit,
                offset=paging.offset)  # fmt: skip


@router.get("/periods/{period}", response_model=PeriodOut)
def get_period(request: Request, caller: Reader, period: str) -> PeriodOut:
    with server_state(request).db.transaction(write=False) as session:
        for p in list_periods(session=session):
            if p.period.label == period:
                return period_out(p)
    raise NotFound(f"no stored period {period!r}", hint="GET /api/v1/periods lists them")


@router.get("/teams", response_model=Page[TeamOut])
def get_teams(request: Request, caller: Reader,
              paging: Annotated[Paging, Depends()]) -> Page[TeamOut]:  # fmt: skip
    with server_state(request).db.transaction(write=False) as session:
        items, total = page(teams(session=session), limit=paging.limit, offset=paging.offset)
    return Page(items=[team_out(t) for t in items], total=total, limit=paging.limit,
                offset=paging.offset)  # fmt: skip


@router.get("/periods/{period}/objectives", response_model=Page[ObjectiveOut])
def get_objectives(request: Request, caller: Reader, period: str,
                   paging: Annotated[Paging, Depends()],
                   team: Annotated[str | None, Query(description="Only this team's.")] = None,
                   owner: Annotated[str | None, Query(
                       description="Only those this person owns, or owns a KR of.")] = None,
                   ) -> Page[ObjectiveOut]:  # fmt: skip
    with server_state(request).db.transaction(write=False) as session:
        plan = cached_plan(session=session, period=period)
    chosen = [o for o in plan.objectives
              if objective_matches(o.status, team=team, owner=owner)]  # fmt: skip
    items, total = page(chosen, limit=paging.limit, offset=paging.offset)
    return Page(items=[objective_out(o) for o in items], total=total, limit=paging.limit,
                offset=paging.offset)  # fmt: skip


@router.get("/periods/{period}/objectives/{objective_id:path}", response_model=ObjectiveOut)
def get_objective(request: Request, response: Response, caller: Reader, period: str,
                  objective_id: str) -> ObjectiveOut:  # fmt: skip
    with server_state(request).db.transaction(write=False) as session:
        objective = plan_view(session=session, period=period).objective(objective_id)
    set_etag(response, objective.version)
    return objective_out(objective)


@router.patch("/periods/{period}/objectives/{objective_id:path}", response_model=ObjectiveOut,
               openapi_extra=IF_MATCH)
def patch_objective(request: Request, response: Response, caller: Writer, period: str,
                    objective_id: str, body: ObjectivePatch) -> ObjectiveOut:  # fmt: skip
    version = expected_version(request)
    with server_state(request).db.transaction() as session:
        okr_edits.update_objective(session=session, principal=caller.principal, period=period,
                                   objective_id=objective_id, expected_version=version,
                                   changes=body.model_dump(exclude_unset=True))  # fmt: skip
        objective = plan_view(session=session, period=period).objective(objective_id)
    set_etag(response, objective.version)
    return objective_out(objective)


@router.get("/periods/{period}/key-results", response_model=Page[KeyResultOut])
def get_key_results(request: Request, caller: Reader, period: str,
                    paging: Annotated[Paging, Depends()],
                    objective: Annotated[str | None,
                                         Query(description="Only this objective's.")] = None,
                    team: Annotated[str | None, Query(description="Only this team's.")] = None,
                    owner: Annotated[str | None, Query(
                        description="Only those this person owns (the KR's owner, else its "
                        "objective's).")] = None,
                    ) -> Page[KeyResultOut]:  # fmt: skip
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        plan = cached_plan(session=session, period=period, catalog=state.workspace.metrics)
    chosen = [k for k in plan.key_results
              if (objective is None or k.objective == objective)
              and kr_matches(k.status, plan.objective(k.objective).status, team=team,
                             owner=owner)]  # fmt: skip
    items, total = page(chosen, limit=paging.limit, offset=paging.offset)
    return Page(items=[key_result_out(k) for k in items], total=total, limit=paging.limit,
                offset=paging.offset)  # fmt: skip


@router.get("/periods/{period}/key-results/{kr_id:path}", response_model=KeyResultOut)
def get_key_result(request: Request, response: Response, caller: Reader, period: str,
                   kr_id: str) -> KeyResultOut:  # fmt: skip
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        kr = plan_view(session=session, period=period,
                       catalog=state.workspace.metrics).key_result(kr_id)
    set_etag(response, kr.version)
    return key_result_out(kr)


@router.patch("/periods/{period}/key-results/{kr_id:path}", response_model=KeyResultOut,
               openapi_extra=IF_MATCH)
def patch_key_result(request: Request, response: Response, caller: Writer, period: str,
                     kr_id: str, body: KeyResultPatch) -> KeyResultOut:  # fmt: skip
    version = expected_version(request)
    with server_state(request).db.transaction() as session:
        okr_edits.update_key_result(session=session, principal=caller.principal, period=period,
                                    kr_id=kr_id, expected_version=version,
                                    changes=body.model_dump(exclude_unset=True),
                                    metrics=server_state(request).workspace.metrics)  # fmt: skip
        kr = plan_view(session=session, period=period,
                       catalog=server_state(request).workspace.metrics).key_result(kr_id)
    set_etag(response, kr.version)
    return key_result_out(kr)


@router.get("/periods/{period}/bets", response_model=Page[BetOut])
def get_bets(request: Request, caller: Reader, period: str, paging: Annotated[Paging, Depends()],
             status: Annotated[str | None, Query(description="Only bets in this status.")] = None,
             ) -> Page[BetOut]:  # fmt: skip
    with server_state(request).db.transaction(write=False) as session:
        plan = plan_view(session=session, period=period)
    chosen = [b for b in plan.bets if status is None or str(b.bet.status) == status]
    items, total = page(chosen, limit=paging.limit, offset=paging.offset)
    return Page(items=[bet_out(b) for b in items], total=total, limit=paging.limit,
                offset=paging.offset)  # fmt: skip


@router.get("/periods/{period}/bets/{bet_id:path}", response_model=BetOut)
def get_bet(request: Request, response: Response, caller: Reader, period: str,
            bet_id: str) -> BetOut:  # fmt: skip
    with server_state(request).db.transaction(write=False) as session:
        bet = plan_view(session=session, period=period).bet(bet_id)
    set_etag(response, bet.version)
    return bet_out(bet)


@router.patch("/periods/{period}/bets/{bet_id:path}", response_model=BetOut, openapi_extra=IF_MATCH)
def patch_bet(request: Request, response: Response, caller: Writer, period: str, bet_id: str,
              body: BetPatch) -> BetOut:  # fmt: skip
    version = expected_version(request)
    with server_state(request).db.transaction() as session:
        okr_edits.update_bet(session=session, principal=caller.principal, period=period,
                             bet_id=bet_id, expected_version=version,
                             changes=body.model_dump(exclude_unset=True))  # fmt: skip
        bet = plan_view(session=session, period=period).bet(bet_id)
    set_etag(response, bet.version)
    return bet_out(bet)


@router.get("/periods/{period}/alignment", response_model=list[AlignmentOut])
def get_alignment(request: Request, caller: Reader, period: str) -> list[AlignmentOut]:
    with server_state(request).db.transaction(write=False) as session:
        _plan, roots = pages.alignment(session=session, period=period)
    return [_alignment_out(n) for n in roots]


def _alignment_out(node: AlignmentNode) -> AlignmentOut:
    return AlignmentOut(id=node.id, title=node.title, team=node.team, score=node.score,
                        stored=node.stored, children=[_alignment_out(c) for c in node.children])
