"""OPTIONS and 405 for the JSON API, decided by the most specific route a path matches.

Object ids may contain `/`, so `PATCH …/key-results/x/check-ins` also matches the KR's own
`PATCH …/key-results/{kr_id:path}` (with kr_id `x/check-ins`) and would answer 422 from
that route's body schema. Here the route with the most literal text wins: the path is a
check-in list, which allows GET only, so the answer is 405 with `Allow: GET, HEAD, OPTIONS`.
OPTIONS on any matched path answers 204 with the same Allow header (RFC 9110 §9.3.7).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.routing import BaseRoute, Route, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from sowhat.api.problems import PROBLEM_JSON

__all__ = ["MethodGuard", "RouteShape", "allowed_methods", "shapes"]

_PARAM = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class RouteShape:
    """A route's full path template and methods, compiled for matching."""

    path: str
    methods: frozenset[str]
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, prefix: str, route: BaseRoute) -> RouteShape | None:
        if not isinstance(route, Route) or route.methods is None:
            return None
        pattern, _format, _convertors = compile_path(prefix + route.path)
        return cls(prefix + route.path, frozenset(route.methods), pattern)


def shapes(prefix: str, routes: Iterable[BaseRoute]) -> list[RouteShape]:
    return [s for s in (RouteShape.of(prefix, r) for r in routes) if s is not None]


def allowed_methods(routes: Iterable[RouteShape], path: str) -> set[str] | None:
    """The methods of the most specific routes matching the path; None when none match."""
    best: tuple[int, set[str]] | None = None
    for route in routes:
        if route.pattern.match(path) is None:
            continue
        literal = len(_PARAM.sub("", route.path))
        if best is None or literal > best[0]:
            best = (literal, set(route.methods))
        elif literal == best[0]:
            best[1].update(route.methods)
    if best is None:
        return None
    methods = best[1] | {"OPTIONS"}
    if "GET" in methods:
        methods.add("HEAD")
    return methods


class MethodGuard:
    """Answers OPTIONS, and 405 for a method the matched API resource does not have."""

    def __init__(self, app: ASGIApp, *, routes: list[RouteShape]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/api/"):
            await self.app(scope, receive, send)
            return
        allowed = allowed_methods(self.routes, str(scope["path"]))
        method = scope["method"]
        if allowed is None or (method in allowed and method != "OPTIONS"):
            await self.app(scope, receive, send)
            return
        allow = ", ".join(sorted(allowed))
        if method == "OPTIONS":
            await _send(send, 204, b"", allow, None)
            return
        body = {"type": "urn:sowhat:problem:method-not-allowed", "title": "Method Not Allowed",
                "status": 405, "detail": f"{method} is not allowed here; allowed: {allow}",
                "instance": scope["path"]}  # fmt: skip
        await _send(send, 405, json.dumps(body).encode(), allow, PROBLEM_JSON)


async def _send(send: Send, status: int, body: bytes, allow: str, kind: str | None) -> None:
    headers = [(b"allow", allow.encode()), (b"content-length", str(len(body)).encode())]
    if kind:
        headers.append((b"content-type", kind.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
