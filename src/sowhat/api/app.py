"""The server: one FastAPI app with the JSON API under /api/v1 and the web pages beside it.

`create_app(settings)` is what tests call; `app_from_environment()` is the factory uvicorn
imports by name when `sowhat serve` starts it (see `sowhat.api.settings` for why).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from sowhat import __version__
from sowhat.api.pages import auth as auth_pages
from sowhat.api.pages import checkins as checkin_pages
from sowhat.api.pages import misc as misc_pages
from sowhat.api.pages import okrs as okr_pages
from sowhat.api.pages.templating import render_problem
from sowhat.api.problems import install_problem_handlers
from sowhat.api.settings import ServerSettings
from sowhat.api.state import ServerState
from sowhat.api.v1 import checkins, misc, plans
from sowhat.services.accounts import workspace_secret
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database

__all__ = ["API_PREFIX", "app_from_environment", "create_app"]

API_PREFIX = "/api/v1"


def create_app(settings: ServerSettings) -> FastAPI:
    """Load the workspace and open its database once; every request shares them."""
    workspace = load_workspace(settings.workspace)
    db = open_database(workspace.config.database_url(workspace.root), create=False)
    state = ServerState(settings, workspace, db, workspace_secret(workspace.root))
    app = FastAPI(
        title="Sowhat",
        version=__version__,
        summary="Outcome-based OKRs: plans, check-ins, bets, coaching and the audit trail.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.sowhat = state
    api = APIRouter(prefix=API_PREFIX)
    # Check-ins first: their paths extend the KR paths, whose `:path` id would swallow them.
    for router in (checkins.router, plans.router, misc.router):
        api.include_router(router)
    app.include_router(api)
    for router in (auth_pages.router, checkin_pages.router, okr_pages.router, misc_pages.router):
        app.include_router(router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=_static_dir()), name="static")
    install_problem_handlers(app, render_page=render_problem)
    return app


def app_from_environment() -> FastAPI:
    return create_app(ServerSettings.from_environment())


def _static_dir() -> Path:
    return Path(str(resources.files("sowhat.web") / "static"))
