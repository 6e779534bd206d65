"""HTTP conventions every JSON route shares: ETags from row versions, pagination."""

from __future__ import annotations

import re
from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request, Response
from pydantic import BaseModel

from sowhat.api.problems import PreconditionRequired
from sowhat.errors import Conflict
from sowhat.services.checkins import ANY_VERSION

__all__ = [
    "IF_MATCH",
    "IF_MATCH_OR_NONE",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "PROBLEMS",
    "Page",
    "Paging",
    "ProblemOut",
    "expected_version",
    "set_etag",
]

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000_000  # far beyond any list; keeps SQL integers in range
T = TypeVar("T")
_TAG = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')


class Page(BaseModel, Generic[T]):
    """One page of a list: `items`, and `total` across all pages."""

    items: list[T]
    total: int
    limit: int
    offset: int


class ProblemOut(BaseModel):
    """RFC 9457 problem details, the body of every error response."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    hint: str | None = None
    errors: list[dict[str, str | None]] | None = None


_PROBLEM = {"model": ProblemOut, "content": {"application/problem+json": {}}}
PROBLEMS: dict[int | str, dict[str, object]] = {
    status: {**_PROBLEM, "description": text}
    for status, text in (
        (400, "The request body is not valid JSON"),
        (401, "No or unknown credentials"),
        (403, "The role, team or token scope does not allow it; or a stale CSRF token"),
        (404, "No such object"),
        (409, "Another write changed the same data at the same time, or the object exists"),
        (412, "If-Match names a version that is no longer current"),
        (422, "The request does not match the schema"),
        (428, "A write without If-Match"),
        (503, "Another writer (a running sync) holds the database; retry after Retry-After"),
    )
}
_IF_MATCH = {"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
             "description": 'The ETag you read, e.g. "3", or `*` for whatever is current. '
             "Required (428 without)."}
IF_MATCH: dict[str, object] = {"parameters": [_IF_MATCH]}
IF_MATCH_OR_NONE: dict[str, object] = {"parameters": [
    {**_IF_MATCH, "required": False,
     "description": 'The ETag you read, e.g. "3", or `*`; or send If-None-Match: * to create '
     "(428 with neither)."},
    {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
     "description": "`*` to create the first check-in of the week."},
]}


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


def set_etag(response: Response, version: int) -> None:
    """The ETag is the row's version: it changes on every write and only then."""
    response.headers["ETag"] = f'"{version}"'


def expected_version(request: Request, *, creatable: bool = False) -> int:
    """The version a write is based on, from If-Match (or `If-None-Match: *` = "none yet").

    A write without either is refused (428): accepting it could overwrite an edit the
    client never saw.
    """
    if_match = request.headers.get("if-match")
    if if_match is not None:
        if if_match.strip() == "*":  # RFC 9110: matches any current representation
            return ANY_VERSION
        m = _TAG.match(if_match)
        if m is None:
            raise Conflict(f"If-Match {if_match!r} is not a version this server issued",
                           hint='send the ETag you read, e.g. If-Match: "3"')  # fmt: skip
        return int(m[1])
    if creatable and request.headers.get("if-none-match", "").strip() == "*":
        return 0
    raise PreconditionRequired(
        "this write needs If-Match with the ETag you read",
        hint='GET the resource, then send its ETag as If-Match: "<version>"'
        + ("; or If-None-Match: * to create" if creatable else ""),
    )
