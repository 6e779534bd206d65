"""The server: one FastAPI app with the JSON API under /api/v1 and the web pages beside it.

`create_app(settings)` is what tests call; `app_from_environment()` is the factory uvicorn
imports by name when `sowhat serve` starts it (see `sowhat.api.settings` for why).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sowhat import __version__
from sowhat.api.methods import MethodGuard, shapes
from sowhat.api.pages import admin as admin_pages
from sowhat.api.pages import auth as auth_pages
from sowhat.api.pages import authoring as authoring_pages
from sowhat.api.pages import checkins as checkin_pages
from sowhat.api.pages import editing as editing_pages
from sowhat.api.pages import importing as importing_pages
from sowhat.api.pages import misc as misc_pages
from sowhat.api.pages import okrs as okr_pages
from sowhat.api.pages import reviews as review_pages
from sowhat.api.pages.templating import render_problem
from sowhat.api.problems import install_problem_handlers
from sowhat.api.settings import ServerSettings
from sowhat.api.state import ServerState
from sowhat.api.v1 import authoring, checkins, misc, plans
from sowhat.api.v1 import schedule as schedule_api
from sowhat.services.accounts import workspace_secret
from sowhat.services.schedule.runner import scheduler_for
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database

__all__ = ["API_PREFIX", "app_from_environment", "create_app"]

API_PREFIX = "/api/v1"


def create_app(settings: ServerSettings, *,
               schedule_clock: Callable[[], datetime] | None = None,
               schedule_max_sleep: float = 30.0) -> FastAPI:  # fmt: skip
    """Load the workspace and open its database once; every request shares them.

    With `settings.schedule`, `[schedule]`'s jobs run in a thread for the app's lifetime
    (`schedule_clock`/`schedule_max_sleep` let tests drive it)."""
    workspace = load_workspace(settings.workspace)
    db = open_database(workspace.config.database_url(workspace.root), create=False)
    state = ServerState(settings, workspace, db, workspace_secret(workspace.root))
    scheduler = scheduler_for(workspace, db, clock=schedule_clock,
                              max_sleep=schedule_max_sleep) if settings.schedule else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Sowhat",
        version=__version__,
        summary="Outcome-based OKRs: plans, check-ins, bets, coaching and the audit trail.",
        docs_url=None,  # served below from vendored assets: the machine may be offline
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.sowhat = state
    app.state.scheduler = scheduler  # read by the pages' "next scheduled sync" line
    api = APIRouter(prefix=API_PREFIX)
    # Check-ins first: their paths extend the KR paths, whose `:path` id would swallow them.
    api_routers = (checkins.router, authoring.router, plans.router, misc.router,
                   schedule_api.router)
    for router in api_routers:
        api.include_router(router)
    app.include_router(api)
    for router in (auth_pages.router, admin_pages.router, checkin_pages.router,
                   authoring_pages.router, editing_pages.router, importing_pages.router,
                   okr_pages.router, misc_pages.router, review_pages.router):
        app.include_router(router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=_static_dir()), name="static")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json", title="Sowhat API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )  # fmt: skip

    install_problem_handlers(app, render_page=render_problem)
    app.add_middleware(MethodGuard, routes=[
        shape for router in api_routers for shape in shapes(API_PREFIX, router.routes)])
    app.add_middleware(SecurityHeaders)
    return app


class SecurityHeaders:
    """Headers every response gets: no sniffing, no framing (the forms write), no caching of
    pages that show people's data, and a CSP allowing only this site's scripts.

    Swagger UI (/api/docs) initialises itself with an inline script, so the CSP is left off
    there; inline `style` attributes (progress bars) are allowed everywhere.
    """

    CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
           "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'self'")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if not path.startswith("/static/"):
                    headers.setdefault("Cache-Control", "no-store")
                if path != "/api/docs":
                    headers.setdefault("Content-Security-Policy", self.CSP)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def app_from_environment() -> FastAPI:
    return create_app(ServerSettings.from_environment())


def _static_dir() -> Path:
    return Path(str(resources.files("sowhat.web") / "static"))
