"""`sowhat status` says what the dashboard says (found using the demo as a PM: the web
called five objectives off track while the terminal showed progress bars and no word)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.services.dashboard import dashboard
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database

runner = CliRunner()


def _status(root: Path, *extra: str) -> str:
    result = runner.invoke(app, ["status", "-w", str(root), "--period", "2026-Q4", *extra],
                           catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def _dashboard_words(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    ws = load_workspace(root)
    db = open_database(ws.config.database_url(ws.root), create=False)
    try:
        with db.transaction(write=False) as session:
            board = dashboard(session=session, period="2026-Q4", workspace=ws, per_page=1000)
    finally:
        db.dispose()
    objectives = {o: s.word.value for o, s in board.standings.items()}
    krs = {k: s.word.value for k, s in board.kr_words.items()}
    return objectives, krs


def test_status_json_carries_the_dashboards_words(built_demo: Path) -> None:
    data = json.loads(_status(built_demo, "--json"))
    objectives = {o["id"]: o["standing"]["word"] for o in data["objectives"]}
    krs = {k["id"]: k["standing"]["word"]
           for o in data["objectives"] for k in o["key_results"]}  # fmt: skip
    web_objectives, web_krs = _dashboard_words(built_demo)
    assert objectives == web_objectives
    assert krs == web_krs
    # the demo's plan is in trouble, and a metric KR carries its forecast's chance
    assert "off track" in objectives.values()
    chances = [k["chance_of_target"] for o in data["objectives"] for k in o["key_results"]
               if k["metric"]]  # fmt: skip
    assert chances
    assert all(c is None or 0.0 <= c <= 1.0 for c in chances)
    assert any(c is not None for c in chances)
    for o in data["objectives"]:
        assert o["standing"]["reason"], o["id"]


def test_status_text_shows_the_words_and_why(built_demo: Path) -> None:
    data = json.loads(_status(built_demo, "--json"))
    out = " ".join(_status(built_demo).replace("│", " ").split())
    off = [o for o in data["objectives"] if o["standing"]["word"] == "off track"]
    assert "OFF TRACK" in out
    # the footer counts the objectives by word, as the dashboard's tiles do
    assert re.search(rf"Objectives: {len(off)} off track", out), out[-600:]
    # an off-track KR says why under its line
    bad = next(k for o in data["objectives"] for k in o["key_results"]
               if k["standing"] and k["standing"]["word"] == "off track")  # fmt: skip
    assert bad["id"] in out
    assert "off track:" in out
