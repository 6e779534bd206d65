"""`sowhat user create|list|token` and `sowhat serve --help`, through Typer and as a process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.services.files import apply_workspace
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database
from tests.conftest import WriteWorkspace

runner = CliRunner()


def _applied(write_workspace: WriteWorkspace) -> Path:
    root = write_workspace()
    ws = load_workspace(root)
    db = open_database(ws.config.database_url(ws.root), create=True)
    with db.transaction() as session:
        apply_workspace(session=session, workspace=ws, actor="test")
    db.dispose()
    return root


def test_user_create_list_and_token(write_workspace: WriteWorkspace) -> None:
    root = _applied(write_workspace)
    env = {"SOWHAT_PASSWORD": "long-enough-pw"}
    r = runner.invoke(app, ["user", "create", "ana@example.com", "--editor", "growth",
                            "-w", str(root)], env=env)
    assert r.exit_code == 0, r.output
    assert "editor of growth" in r.output
    again = runner.invoke(app, ["user", "create", "ana@example.com", "-w", str(root)], env=env)
    assert again.exit_code != 0
    both = runner.invoke(app, ["user", "create", "b@example.com", "--admin", "--viewer",
                               "-w", str(root)], env=env)
    assert both.exit_code != 0
    listed = runner.invoke(app, ["user", "list", "--json", "-w", str(root)])
    assert json.loads(listed.output) == [
        {"email": "ana@example.com", "role": "editor", "editor_teams": ["growth"],
         "disabled": False}
    ]
    token = runner.invoke(app, ["user", "token", "ana@example.com", "--scope", "write",
                                "-w", str(root)])
    assert token.exit_code == 0
    assert token.output.strip().splitlines()[-1].startswith("sw_")


def test_user_commands_as_a_real_process(write_workspace: WriteWorkspace) -> None:
    root = _applied(write_workspace)
    sowhat = str(Path(sys.executable).parent / "sowhat")
    created = subprocess.run(
        [sowhat, "user", "create", "viewer@example.com", "--viewer", "-w", str(root)],
        capture_output=True, text=True, env={"SOWHAT_PASSWORD": "long-enough-pw", "PATH": ""},
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    assert "viewer" in created.stdout
    missing = subprocess.run([sowhat, "user", "token", "nobody@example.com", "-w", str(root)],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1
    assert "error:" in missing.stderr
    assert "no user" in missing.stderr
    help_text = subprocess.run([sowhat, "serve", "--help"], capture_output=True, text=True,
                               timeout=120)
    assert "Example: sowhat serve" in help_text.stdout
