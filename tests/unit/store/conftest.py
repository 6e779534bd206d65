from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from store_testing import BACKENDS, database_url

from sowhat.store.db import Database, open_database


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url(request.param, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return database_url("sqlite", tmp_path)


@pytest.fixture
def db(url: str) -> Iterator[Database]:
    database = open_database(url, create=True)
    yield database
    database.dispose()
