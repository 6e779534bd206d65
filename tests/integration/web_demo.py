"""A logged-in web client on a copy of the demo, for tests that read its pages as a PM would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from sowhat.api.app import create_app
from sowhat.api.settings import ServerSettings
from sowhat.services.accounts import create_user
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database
from tests.unit.api.api_testing import PASSWORD, cheap_hashes, login

VIEWER = "viewer@acme.example"


@contextmanager
def viewer_on(demo_copy: Path, viewer: str = VIEWER) -> Iterator[TestClient]:
    """A viewer (no edit rights) logged in through the form; the store closed afterwards."""
    ws = load_workspace(demo_copy)
    db = open_database(ws.config.database_url(ws.root), create=False)
    with cheap_hashes(), db.transaction() as session:
        create_user(session=session, email=viewer, password=PASSWORD, actor="test")
    db.dispose()
    with TestClient(create_app(ServerSettings(workspace=demo_copy))) as client:
        login(client, viewer)
        try:
            yield client
        finally:
            client.app.state.sowhat.db.dispose()  # type: ignore[attr-defined]
