"""Files and database stay honest: web edits and file edits meet through export, apply and
diff, and nothing edited on either side is lost without a word.

The web side is the real API (TestClient); the file side is the real CLI on the same
workspace, as a person would run both.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from api_testing import PERIOD, Env
from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.cli.common import console
from sowhat.errors import UserError
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database

runner = CliRunner()
FILE = f"okrs/{PERIOD}.yaml"


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's console takes its width once, at import: a worker's narrow one breaks a long
    temporary path mid-word ("okrs/2 027-Q1.yaml"), which no joining of lines can undo."""
    monkeypatch.setattr(console, "_width", 400)


def cli(env: Env, *args: str) -> tuple[int, str]:
    """In process; a Sowhat error ends it as `sowhat` does: its text and exit 1."""
    result = runner.invoke(app, [*args, "-w", str(env.root)],
                           env={"SOWHAT_ACTOR": "cli:dana", "COLUMNS": "220"})
    if isinstance(result.exception, UserError):
        return result.exception.exit_code, _flat(result.output + result.exception.render())
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, _flat(result.output)


def _flat(text: str) -> str:
    """Rich wraps long lines at the console's width (xdist workers have their own); the
    assertions are about words, not line breaks."""
    return " ".join(text.split())


def kr_row(env: Env, kr: str) -> tuple[str, float | None]:
    ws = load_workspace(env.root)
    db = open_database(ws.config.database_url(ws.root), create=False)
    with db.transaction(write=False) as s:
        from sqlalchemy import text

        row = s.execute(text("select title, target from key_results where key = :k"),
                        {"k": kr}).one()
    db.dispose()
    return str(row[0]), row[1]


def audit(env: Env) -> list[dict[str, object]]:
    return list(env.client.get("/api/v1/audit", params={"limit": 50},
                               headers=env.auth("admin")).json()["items"])


def web_edit_target(env: Env, kr: str, target: float) -> None:
    url = f"/api/v1/periods/{PERIOD}/key-results/{kr}"
    etag = env.client.get(url, headers=env.auth("editor_own")).headers["etag"]
    r = env.client.patch(url, json={"target": target},
                         headers={**env.auth("editor_own"), "If-Match": etag})
    assert r.status_code == 200, r.text


def test_created_in_the_web_then_exported_then_apply_is_a_no_op(env: Env) -> None:
    h = env.auth("editor_own")
    made = env.client.post("/api/v1/periods", json={"label": "2027-Q1"}, headers=h)
    assert made.status_code == 201
    base = "/api/v1/periods/2027-Q1"
    assert env.client.post(f"{base}/objectives", headers=h, json={
        "id": "growth/invite", "title": "New admins bring their team in week one",
        "team": "growth", "owner": "lead@growth.test"}).status_code == 201
    for kr, target in (("invite-activation", 0.5), ("activation", 0.52)):
        r = env.client.post(f"{base}/key-results", headers=h, json={
            "id": kr, "objective": "growth/invite", "metric": "activation_rate",
            "title": f"Increase 7-day activation of invited accounts from 45% to {target:.0%}",
            "baseline": 0.45, "target": target})
        assert r.status_code == 201, r.text
    assert env.client.post(f"{base}/guardrails", headers=h, json={
        "objective": "growth/invite", "metric": "weekly_active_teams",
        "min_change": "-5%"}).status_code == 201

    code, out = cli(env, "export")
    assert code == 0, out
    assert not (env.root / "okrs" / "2027-Q1.yaml").exists()  # a draft is not exported
    assert env.client.post(f"{base}/publish", headers=h).status_code == 200
    code, out = cli(env, "export")
    assert code == 0, out
    assert "wrote" in out
    assert "2027-Q1.yaml" in out
    assert "grower@test.io" in out
    text = (env.root / "okrs" / "2027-Q1.yaml").read_text()
    assert "invite-activation" in text
    assert "min_change: \"-5%\"" in text
    code, out = cli(env, "apply")
    assert code == 0, out
    assert "No changes" in out
    code, out = cli(env, "diff")
    assert code == 0, out
    assert "2027-Q1" in out
    assert "agree" in out
    # The carried-over KR id continues its history from 2026-Q4.
    got = env.client.get(f"{base}/key-results/activation", headers=h).json()
    assert got["target"] == 0.52


def test_edited_in_the_web_and_in_the_file_apply_refuses_diff_shows_force_and_export(
        env: Env, tmp_path: Path) -> None:  # fmt: skip
    code, _ = cli(env, "apply")  # record what file and database agree on
    assert code == 0
    web_edit_target(env, "activation", 0.48)
    path = env.root / FILE
    original = path.read_text()
    path.write_text(original.replace("target: 0.46", "target: 0.5"))

    code, out = cli(env, "apply")
    assert code == 1
    assert "would overwrite 1 web edit" in out
    assert "nothing was written" in out
    assert re.search(r"key result 2026-Q4/activation · target: file 0\.5 \| database 0\.48", out)
    assert kr_row(env, "activation")[1] == 0.48  # nothing written

    code, out = cli(env, "diff")
    assert code == 1
    assert "both" in out
    assert "edited on both sides; was 0.46" in out

    code, out = cli(env, "export")  # the file has its own edit: export refuses too
    assert code == 1
    assert "would overwrite 1 file edit" in out
    assert path.read_text().count("target: 0.5") == 1

    backup = path.read_text()
    code, out = cli(env, "export", "--force")
    assert code == 0, out
    assert "target: 0.48" in path.read_text()
    assert "target: 0.5\n" not in path.read_text()
    assert "# " not in original or path.read_text().count("#") == original.count("#")
    entry = next(e for e in audit(env) if e["entity_type"] == "okr_file")
    assert entry["action"] == "export"
    assert entry["actor"] == "cli:dana"
    assert entry["after"]["overwrote"][0]["file"] == 0.5  # type: ignore[index]
    code, out = cli(env, "apply")
    assert code == 0
    assert "No changes" in out

    # The other way: the file wins with --force, and the audit log keeps the web's value.
    web_edit_target(env, "activation", 0.47)
    path.write_text(backup)
    code, out = cli(env, "apply")
    assert code == 1
    code, out = cli(env, "apply", "--force")
    assert code == 0, out
    assert kr_row(env, "activation")[1] == 0.5
    entries = audit(env)
    forced = next(e for e in entries if e["entity_type"] == "okr_file")
    assert forced["action"] == "apply"
    assert forced["after"]["overwrote"][0]["database"] == 0.47  # type: ignore[index]
    update = next(e for e in entries if e["entity_type"] == "key_result")
    assert (update["before"]["target"], update["after"]["target"]) == (0.47, 0.5)  # type: ignore[index]
    code, out = cli(env, "diff")
    assert code == 0, out


def test_file_only_and_web_only_edits_flow_through_without_force(env: Env) -> None:
    assert cli(env, "apply")[0] == 0
    path = env.root / FILE
    path.write_text(path.read_text().replace("target: 0.46", "target: 0.49"))
    code, out = cli(env, "diff")
    assert code == 1
    assert "file " in out
    assert "edited in the file" in out
    assert cli(env, "apply")[0] == 0
    assert kr_row(env, "activation")[1] == 0.49
    web_edit_target(env, "activation", 0.51)
    code, out = cli(env, "diff")
    assert "edited in the web" in out
    code, out = cli(env, "export")
    assert code == 0, out
    assert "target: 0.51" in path.read_text()
    assert cli(env, "apply")[1].strip().startswith("No changes")


def test_export_can_commit_with_the_web_editor_as_author(env: Env) -> None:
    root = env.root
    git = ["git", "-C", str(root), "-c", "user.name=ci", "-c", "user.email=ci@x.io"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "start"], check=True)
    with (root / "sowhat.toml").open("a") as f:
        f.write("\n[git]\ncommit_exports = true\n")
    assert cli(env, "apply")[0] == 0
    web_edit_target(env, "activation", 0.5)
    code, out = cli(env, "export")
    assert code == 0, out
    assert "committed" in out
    log = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%an <%ae>|%s"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert log == f"grower <grower@test.io>|OKRs: web edits of {PERIOD}"
