"""docs/api.md names every API route and docs/web.md every page: a new one must be documented."""

from __future__ import annotations

import re
from pathlib import Path

from api_testing import Env
from fastapi.routing import APIRoute, iter_route_contexts

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_every_api_route_is_in_docs_api_md(env: Env) -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    spec = env.client.get("/api/openapi.json").json()
    missing = [
        f"{method.upper()} {path}"
        for path, ops in spec["paths"].items()
        for method in ops
        if f"`{method.upper()} {path}`" not in text
    ]
    assert not missing, f"document these in docs/api.md: {missing}"


def test_every_page_is_in_docs_web_md(env: Env) -> None:
    text = (DOCS / "web.md").read_text(encoding="utf-8")
    pages = {
        re.sub(r":path", "", str(ctx.path))
        for ctx in iter_route_contexts(env.client.app.routes)  # type: ignore[attr-defined]
        if isinstance(ctx.original_route, APIRoute)
        and "GET" in ctx.original_route.methods
        and not str(ctx.path).startswith("/api")
        and ctx.path not in ("/login",)
    }
    missing = sorted(p for p in pages if f"`{p}`" not in text)
    assert not missing, f"document these pages in docs/web.md: {missing}"
