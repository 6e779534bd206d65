"""What the server loads once at start-up and every request shares."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from sowhat.api.settings import ServerSettings
from sowhat.spec.workspace import Workspace
from sowhat.store.db import Database

__all__ = ["ServerState", "server_state"]


@dataclass(frozen=True)
class ServerState:
    settings: ServerSettings
    workspace: Workspace
    db: Database
    secret: bytes


def server_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.sowhat
    return state
