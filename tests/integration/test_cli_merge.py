"""`sowhat diff`, `apply` and `export` as real processes around a web edit: different fields
merge (comments in the file survive the export), the same field refuses until --force.

The web edit is made through the service the web app and the API call
(`services.okrs.edits.update_key_result`), as the person `pm@example.com`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sowhat.services.accounts import Principal
from sowhat.services.checkins import ANY_VERSION
from sowhat.services.okrs.edits import update_key_result
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database
from tests.conftest import WriteWorkspace


def sowhat(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("sowhat")
    env = {**os.environ, "COLUMNS": "250", "SOWHAT_ACTOR": "cli:ci"}
    return subprocess.run([str(exe), *args, "-w", str(root)], capture_output=True, text=True,
                          env=env, timeout=120, check=False)  # fmt: skip


def web_edit(root: Path, kr: str, **changes: object) -> None:
    ws = load_workspace(root)
    db = open_database(ws.config.database_url(ws.root), create=False)
    pm = Principal(user_id=1, email="pm@example.com", is_admin=True, editor_teams=frozenset(),
                   via="session")  # fmt: skip
    try:
        with db.transaction() as session:
            update_key_result(session=session, principal=pm, period="2026-Q4", kr_id=kr,
                              changes=changes, expected_version=ANY_VERSION,
                              metrics=ws.metrics)  # fmt: skip
    finally:
        db.dispose()


def test_merge_then_export_then_nothing_to_do(write_workspace: WriteWorkspace) -> None:
    root = write_workspace()
    assert sowhat(root, "apply").returncode == 0
    web_edit(root, "activation", target=0.48)
    path = root / "okrs" / "2026-Q4.yaml"
    path.write_text(path.read_text().replace("owner: ana@example.com", "owner: bo@example.com"))

    diff = sowhat(root, "diff")
    assert diff.returncode == 1
    assert "mergeable" in diff.stdout, diff.stdout
    applied = sowhat(root, "apply")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "owner: ana@example.com -> bo@example.com" in applied.stdout
    assert "target" not in applied.stdout  # the web's target is not touched
    assert "kept 1 web edit" in applied.stdout
    exported = sowhat(root, "export")
    assert exported.returncode == 0, exported.stderr
    text = path.read_text()
    assert "target: 0.48" in text
    assert "owner: bo@example.com" in text
    assert "baseline: 0.40   # measured in Q3" in text  # comments and spelling kept
    assert sowhat(root, "diff").returncode == 0
    assert "No changes" in sowhat(root, "apply").stdout


def test_export_keeps_unapplied_file_edits_to_other_fields(
        write_workspace: WriteWorkspace) -> None:  # fmt: skip
    """Export is apply's mirror: the web's target comes into the file, the file's own
    unapplied owner edit stays, and it is still an unapplied file edit afterwards."""
    root = write_workspace()
    assert sowhat(root, "apply").returncode == 0
    web_edit(root, "activation", target=0.48)
    path = root / "okrs" / "2026-Q4.yaml"
    path.write_text(path.read_text().replace("owner: ana@example.com", "owner: bo@example.com"))

    exported = sowhat(root, "export")
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert "kept 1 file edit not applied yet" in exported.stdout
    text = path.read_text()
    assert "target: 0.48" in text  # the web's edit came in
    assert "owner: bo@example.com" in text  # the file's edit was not thrown away
    assert "baseline: 0.40   # measured in Q3" in text
    diff = sowhat(root, "diff")
    assert diff.returncode == 1  # the owner edit is still the file's, waiting for apply
    assert "bo@example.com" in diff.stdout
    assert "target" not in diff.stdout
    applied = sowhat(root, "apply")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "owner: ana@example.com -> bo@example.com" in applied.stdout
    assert sowhat(root, "diff").returncode == 0


def test_same_field_refuses_with_both_values_then_force(write_workspace: WriteWorkspace) -> None:
    root = write_workspace()
    assert sowhat(root, "apply").returncode == 0
    web_edit(root, "activation", target=0.48)
    path = root / "okrs" / "2026-Q4.yaml"
    path.write_text(path.read_text().replace("target: 0.46", "target: 0.5"))
    refused = sowhat(root, "apply")
    assert refused.returncode == 1
    assert "key result 2026-Q4/activation · target: file 0.5 | database 0.48" in refused.stderr
    assert "nothing was written" in refused.stderr
    again = sowhat(root, "diff")
    assert "1 field edited on both sides" in again.stdout
    forced = sowhat(root, "apply", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "target: 0.48 -> 0.5" in forced.stdout
    assert sowhat(root, "diff").returncode == 0
