from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_testing import Env, client_for, make_workspace, read_tokens


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per module (argon2 hashing is deliberately slow); copied per test."""
    return make_workspace(tmp_path_factory.mktemp("template") / "ws")


@pytest.fixture
def env(_template: Path, tmp_path: Path) -> Iterator[Env]:
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(_template, root)
    client = client_for(root)
    with client:
        yield Env(root, client, read_tokens(root))
    client.app.state.sowhat.db.dispose()  # type: ignore[attr-defined]
