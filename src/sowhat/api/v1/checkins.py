"""Weekly check-ins of a key result: list, read one week, record one week with If-Match.

A check-in is the resource `<kr>/check-ins/<week>` (any date in the ISO week names it). A
first check-in of the week is created with `If-None-Match: *` (or `If-Match: "0"`); editing
it needs its current ETag, so two people checking in at once cannot overwrite each other.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from sowhat.api.auth import Caller, require_caller, require_writer
from sowhat.api.http import (
    IF_MATCH_OR_NONE,
    PROBLEMS,
    Page,
    Paging,
    expected_version,
    set_etag,
)
from sowhat.api.schemas import CheckInOut, CheckInPut, SeriesPointOut, checkin_out
from sowhat.api.state import server_state
from sowhat.domain.period import week_start
from sowhat.errors import NotFound
from sowhat.services.okrs import edits as okr_edits
from sowhat.services.okrs.views import checkin_for_week, checkins, page, series

router = APIRouter(tags=["check-ins"], responses=PROBLEMS)
Reader = Annotated[Caller, Depends(require_caller)]
Writer = Annotated[Caller, Depends(require_writer)]
BASE = "/periods/{period}/key-results/{kr_id:path}"


@router.get(BASE + "/check-ins", response_model=Page[CheckInOut])
def get_checkins(request: Request, caller: Reader, period: str, kr_id: str,
                 paging: Annotated[Paging, Depends()]) -> Page[CheckInOut]:  # fmt: skip
    """Oldest first, including the periods this KR was carried over from."""
    with server_state(request).db.transaction(write=False) as session:
        rows = checkins(session=session, period=period, kr_id=kr_id)
    items, total = page(rows, limit=paging.limit, offset=paging.offset)
    return Page(items=[checkin_out(c) for c in items], total=total, limit=paging.limit,
                offset=paging.offset)  # fmt: skip


@router.get(BASE + "/check-ins/{week}", response_model=CheckInOut)
def get_checkin(request: Request, response: Response, caller: Reader, period: str, kr_id: str,
                week: date) -> CheckInOut:  # fmt: skip
    with server_state(request).db.transaction(write=False) as session:
        found = checkin_for_week(session=session, period=period, kr_id=kr_id,
                                 week=week_start(week))  # fmt: skip
    if found is None:
        response.headers["ETag"] = '"0"'
        raise NotFound(f"no check-in of {kr_id} for the week of {week_start(week)}",
                       hint='create it with PUT and If-None-Match: *')  # fmt: skip
    set_etag(response, found.version)
    return checkin_out(found)


@router.put(BASE + "/check-ins/{week}", response_model=CheckInOut,
            openapi_extra=IF_MATCH_OR_NONE,
            responses={200: {"description": "The check-in was updated"},
                       201: {"model": CheckInOut, "description": "The check-in was created"}})
def put_checkin(request: Request, response: Response, caller: Writer, period: str, kr_id: str,
                week: date, body: CheckInPut) -> CheckInOut:  # fmt: skip
    version = expected_version(request, creatable=True)
    state = server_state(request)
    with state.db.transaction() as session:
        okr_edits.check_in(
            session=session, principal=caller.principal, period=period, kr_id=kr_id,
            value=body.value, confidence=body.confidence, note=body.note,
            blockers=body.blockers, week=week_start(week), expected_version=version,
            override_value=body.override_value, catalog=state.workspace.metrics,
            force=body.force,
        )  # fmt: skip
        stored = checkin_for_week(session=session, period=period, kr_id=kr_id,
                                  week=week_start(week))  # fmt: skip
    assert stored is not None
    set_etag(response, stored.version)
    if version == 0:  # If-None-Match: * (or If-Match: "0") created it
        response.status_code = 201
    return checkin_out(stored)


@router.get(BASE + "/series", response_model=list[SeriesPointOut])
def get_series(request: Request, caller: Reader, period: str, kr_id: str) -> list[SeriesPointOut]:
    """The KR metric's weekly values as `sowhat sync` stored them (each week its own window)."""
    with server_state(request).db.transaction(write=False) as session:
        points = series(session=session, period=period, kr_id=kr_id)
    return [SeriesPointOut(week=p.week, value=p.value, phase=p.phase) for p in points]
