"""The one error handler of the server: every failure becomes an RFC 9457 problem.

    SowhatError / HTTPException / RequestValidationError / anything else
        -> Problem(type, title, status, detail, hint?, errors?)
        -> application/problem+json under /api, an HTML page (or a login redirect) elsewhere

Status codes follow `sowhat.errors`: NotFound 404, Forbidden 403, Conflict 409 — or 412
when the request named a version (If-Match) that is no longer current — UserError 400,
SpecError/DataError 422, TooManyAttempts 429, Busy 503 (with Retry-After: a sync held the
database longer than the wait), unparseable JSON 400, InternalError and bugs 500 (no detail:
the traceback goes to the server log, not to the client).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sowhat.errors import Busy, Conflict, SowhatError, SpecError, UserError

__all__ = [
    "PROBLEM_JSON",
    "Problem",
    "Unauthenticated",
    "install_problem_handlers",
    "problem_for",
]

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("sowhat.api")


class Unauthenticated(UserError):
    """No valid session or token: log in, or send `Authorization: Bearer <token>`."""

    status = 401


class PreconditionRequired(UserError):
    """A write without If-Match: the server cannot tell which version it was based on."""

    status = 428


@dataclass(frozen=True)
class Problem:
    status: int
    title: str
    detail: str
    type: str
    hint: str | None = None
    errors: Sequence[dict[str, Any]] = field(default=())

    def as_dict(self, instance: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
        }
        if self.hint:
            body["hint"] = self.hint
        if self.errors:
            body["errors"] = list(self.errors)
        return body


def problem_for(exc: BaseException, *, conditional: bool = False) -> Problem:
    """The problem an exception stands for. `conditional`: the request carried If-Match."""
    if isinstance(exc, Conflict) and conditional:
        return _problem(412, exc.message, exc.hint, slug="stale-version")
    if isinstance(exc, SpecError):
        errors = [
            {"location": str(d.location), "message": d.message, "hint": d.hint, "code": d.code}
            for d in exc.diagnostics
        ]
        return _problem(422, exc.message, None, errors=errors)
    if isinstance(exc, UserError):
        return _problem(int(exc.status), exc.message, exc.hint)
    if isinstance(exc, RequestValidationError):
        errors = [
            {
                "location": ".".join(str(p) for p in err.get("loc", ())),
                "message": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
            for err in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return _problem(400, "the request body is not valid JSON", None, errors=errors,
                            slug="bad-json")  # fmt: skip
        return _problem(422, "the request does not match the schema", None, errors=errors,
                        slug="validation")  # fmt: skip
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return _problem(exc.status_code, detail, None)
    return _problem(500, "an internal error occurred; it has been logged", None)


def install_problem_handlers(app: FastAPI, *, render_page: Any) -> None:
    """Register the handler for every error type; `render_page(request, problem)` draws the
    HTML version for browser routes."""

    async def handle(request: Request, exc: Exception) -> Response:
        conditional = "if-match" in request.headers or "if-none-match" in request.headers
        unsafe = request.method not in {"GET", "HEAD", "OPTIONS"}
        problem = problem_for(exc, conditional=conditional and unsafe)
        if problem.status >= 500:
            log.error("unhandled error on %s %s", request.method, request.url.path,
                      exc_info=exc)  # fmt: skip
        if request.url.path.startswith("/api"):
            headers = getattr(exc, "headers", None) or {}
            if problem.status == 401:
                headers = {**headers, "WWW-Authenticate": 'Bearer realm="sowhat"'}
            if isinstance(exc, Busy):
                headers = {**headers, "Retry-After": str(exc.retry_after)}
            return JSONResponse(problem.as_dict(request.url.path), status_code=problem.status,
                                media_type=PROBLEM_JSON, headers=headers)  # fmt: skip
        if problem.status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        response: Response = render_page(request, problem)
        if isinstance(exc, Busy):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    app.add_exception_handler(SowhatError, handle)
    app.add_exception_handler(RequestValidationError, handle)
    app.add_exception_handler(StarletteHTTPException, handle)
    app.add_exception_handler(Exception, handle)


def _problem(status: int, detail: str, hint: str | None, *, errors: Sequence[dict[str, Any]] = (),
             slug: str | None = None) -> Problem:  # fmt: skip
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    name = slug or phrase.lower().replace(" ", "-").replace("'", "")
    return Problem(status=status, title=phrase, detail=detail, type=f"urn:sowhat:problem:{name}",
                   hint=hint, errors=errors)  # fmt: skip
