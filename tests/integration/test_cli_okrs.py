"""OKRs as code through the CLI: init, validate, apply, export, checkin, status, db."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from sowhat.cli.app import app
from tests.conftest import WriteWorkspace
from tests.samples import METRICS, OKRS

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def sowhat(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed command in a real process, as a user runs it."""
    exe = Path(sys.executable).with_name("sowhat")
    env = {**os.environ, "COLUMNS": "200", "SOWHAT_ACTOR": "tester"}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120, check=False)


def table_dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as con:
        return list(con.iterdump())


def test_init_validate_apply_status_checkin_export(tmp_path: Path) -> None:
    root = tmp_path / "okrs-ws"
    assert sowhat("init", str(root), "--period", "2026-Q4").returncode == 0
    out = sowhat("validate", "-w", str(root))
    assert out.returncode == 0, out.stderr
    assert "1 objectives, 2 key results" in out.stdout

    applied = sowhat("apply", "-w", str(root))
    assert applied.returncode == 0, applied.stderr
    assert "+ key_result 2026-Q4/activation" in applied.stdout
    assert "Applied: 5 added." in applied.stdout
    again = sowhat("apply", "-w", str(root))
    assert "No changes" in again.stdout

    checked = sowhat("checkin", "active-teams", "--value", "128", "--confidence", "0.6",
                     "--note", "first reading", "--week", "2026-11-09", "-w", str(root))
    assert checked.returncode == 1  # a metric KR's value comes from sync
    assert "--override-value" in checked.stderr
    checked = sowhat("checkin", "active-teams", "--value", "128", "--confidence", "0.6",
                     "--note", "first reading", "--week", "2026-11-09", "--override-value",
                     "-w", str(root))
    assert checked.returncode == 0, checked.stderr
    status = sowhat("status", "-w", str(root), "--period", "2026-Q4")
    assert "active-teams" in status.stdout
    assert "40%" in status.stdout
    assert "first reading" in status.stdout

    before = (root / "okrs" / "2026-Q4.yaml").read_text()
    exported = sowhat("export", "-w", str(root))
    assert exported.returncode == 0
    assert (root / "okrs" / "2026-Q4.yaml").read_text() == before


def test_apply_plan_shows_field_changes_and_archives(write_workspace: WriteWorkspace) -> None:
    root = write_workspace()
    assert run("apply", "-w", str(root))[0] == 0
    assert run("checkin", "activation-mid", "--confidence", "0.5", "-w", str(root),
               "--week", "2026-11-09")[0] == 0
    okrs = root / "okrs" / "2026-Q4.yaml"
    text = okrs.read_text().replace("target: 0.46", "target: 0.48")
    start = text.index("      - id: activation-mid")
    end = text.index("    guardrails:")
    okrs.write_text(text[:start] + text[end:].replace("key_result: activation-mid",
                                                      "key_result: activation"))
    code, out = run("apply", "-w", str(root), "--dry-run")
    assert code == 0
    assert "target: 0.46 -> 0.48" in out
    assert "- key_result 2026-Q4/activation-mid (archive)" in out
    code, out = run("apply", "-w", str(root))
    assert "Applied:" in out
    # The archived KR's check-in is still there.
    with sqlite3.connect(root / ".sowhat" / "sowhat.db") as con:
        assert con.execute("select count(*) from check_ins").fetchone() == (1,)


def test_bad_file_changes_nothing(write_workspace: WriteWorkspace) -> None:
    root = write_workspace()
    assert run("apply", "-w", str(root))[0] == 0
    db = root / ".sowhat" / "sowhat.db"
    before = table_dump(db)
    (root / "okrs" / "2026-Q4.yaml").write_text(OKRS.replace("target: 0.46", "target: lots"))
    proc = sowhat("apply", "-w", str(root))
    assert proc.returncode == 1
    assert "okrs/2026-Q4.yaml:14:17: target: expected a number, got 'lots'" in proc.stderr
    assert table_dump(db) == before


def test_locked_database_is_a_clear_error(write_workspace: WriteWorkspace) -> None:
    root = write_workspace()
    assert run("apply", "-w", str(root))[0] == 0
    db = root / ".sowhat" / "sowhat.db"
    okrs = root / "okrs" / "2026-Q4.yaml"
    okrs.write_text(okrs.read_text().replace("target: 0.46", "target: 0.47"))
    before = table_dump(db)
    holder = sqlite3.connect(db, timeout=0.1)
    holder.execute("begin exclusive")
    try:
        proc = sowhat("apply", "-w", str(root))
    finally:
        holder.rollback()
        holder.close()
    assert proc.returncode == 1
    assert "locked" in proc.stderr
    assert table_dump(db) == before


def test_usage_errors_exit_2(write_workspace: WriteWorkspace) -> None:
    root = write_workspace()
    proc = sowhat("checkin", "-w", str(root))
    assert proc.returncode == 2
    # Not a number: the command line does not parse (exit 2). A number out of range parses
    # and is a value to fix (exit 1, docs/cli.md "Exit codes").
    proc = sowhat("checkin", "activation", "--confidence", "lots", "-w", str(root))
    assert proc.returncode == 2


def test_every_command_has_help_with_an_example() -> None:
    import typer.main

    group = typer.main.get_command(app)
    names: list[tuple[str, ...]] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(None):
                walk(cmd.get_command(None, name), (*path, name))
        else:
            names.append(path)

    walk(group, ())
    assert ("apply",) in names
    assert ("db", "upgrade") in names
    for path in names:
        code, out = run(*path, "--help")
        assert code == 0, path
        assert "Example" in out or "example" in out, f"{' '.join(path)} --help has no example"


def test_checkin_refuses_values_in_the_wrong_scale(write_workspace: WriteWorkspace) -> None:
    okrs = OKRS.replace("    guardrails:\n", (
        "      - id: fewer-tickets\n"
        "        title: Cut support tickets from 100 to 80 a week\n"
        "        metric: tickets\n"
        "        baseline: 100\n"
        "        target: 80\n"
        "    guardrails:\n"), 1)
    root = write_workspace(okrs=okrs)
    assert run("apply", "-w", str(root))[0] == 0
    week = ["--week", "2026-11-09", "-w", str(root)]
    # 36 on a 40% -> 46% conversion: impossible, refused even with --force
    for extra in ([], ["--force"]):
        proc = sowhat("checkin", "activation", "--value", "36", "--override-value", *extra,
                      *week)
        assert proc.returncode == 1
        assert "36 is outside the range of a rate (0 to 1" in proc.stderr
        assert "did you mean 0.36?" in proc.stderr
    # far above the KR's own numbers: refused with the hint, accepted with --force
    proc = sowhat("checkin", "fewer-tickets", "--value", "5000", "--override-value", *week)
    assert proc.returncode == 1
    assert "does not fit" in proc.stderr
    assert "--force" in proc.stderr
    proc = sowhat("checkin", "fewer-tickets", "--value", "-3", "--override-value", "--force",
                  *week)
    assert proc.returncode == 1
    assert "a count is never below 0" in proc.stderr
    assert run("checkin", "fewer-tickets", "--value", "5000", "--override-value", "--force",
               *week)[0] == 0
    assert run("checkin", "activation", "--value", "0.36", "--override-value", *week)[0] == 0
    with sqlite3.connect(root / ".sowhat" / "sowhat.db") as con:
        values = sorted(v for (v,) in con.execute("select value from check_ins"))
    assert values == [0.36, 5000.0]
    status = sowhat("status", "-w", str(root), "--period", "2026-Q4")
    assert "now 36%  (40% → 46%)" in status.stdout


RATIOS = METRICS.replace("segments:", """  sessions:
    type: count
    event: session_start
  tickets_per_session:
    type: ratio
    numerator: tickets
    denominator: sessions
    unit: per_1000
  clicks:
    type: count
    event: recommendation_clicked
  shown:
    type: count
    event: recommendation_shown
  ctr:
    type: ratio
    numerator: clicks
    denominator: shown
    unit: percent
segments:""", 1)


def _with_kr(title: str, metric: str, baseline: str, target: str) -> str:
    return OKRS.replace("    guardrails:\n", (
        "      - id: typed\n"
        f"        title: {title}\n"
        f"        metric: {metric}\n"
        f"        baseline: {baseline}\n"
        f"        target: {target}\n"
        "    guardrails:\n"), 1)


def test_numbers_typed_as_the_title_shows_them_are_refused(
    write_workspace: WriteWorkspace,
) -> None:
    """`baseline: 20, target: 15` under "from 20 to 15 per 1,000 sessions" on a per-1,000
    ratio (stored as the plain ratio) read 20,000 per 1,000 with progress 400%: validate and
    apply took it (only lint warned). The title says which was meant: an error naming the
    line and the number to write, and nothing stored."""
    root = write_workspace(metrics=RATIOS)
    assert run("apply", "-w", str(root))[0] == 0
    db = root / ".sowhat" / "sowhat.db"
    before = table_dump(db)
    okrs = root / "okrs" / "2026-Q4.yaml"
    okrs.write_text(_with_kr("Cut support tickets from 20 to 15 per 1,000 sessions",
                             "tickets_per_session", "20", "15"), encoding="utf-8")
    for command in ("validate", "apply"):
        proc = sowhat(command, "-w", str(root))
        assert proc.returncode == 1, proc.stdout
        assert ("okrs/2026-Q4.yaml:24:19: baseline 20 reads 20,000 per 1,000, but the title "
                "says 20 per 1,000; write `baseline: 0.02`") in proc.stderr
        assert ("okrs/2026-Q4.yaml:25:17: target 15 reads 15,000 per 1,000, but the title "
                "says 15 per 1,000; write `target: 0.015`") in proc.stderr
    assert table_dump(db) == before
    okrs.write_text(_with_kr("Lift click-through from 8% to 10%", "ctr", "8", "10"),
                    encoding="utf-8")
    proc = sowhat("validate", "-w", str(root))
    assert proc.returncode == 1
    assert "baseline 8 reads 800%, but the title says 8%; write `baseline: 0.08`" in proc.stderr
    # Written in the stored scale, or with a title that names no unit: accepted.
    for title, metric, baseline, target in (
            ("Cut support tickets from 20 to 15 per 1,000 sessions", "tickets_per_session",
             "0.02", "0.015"),
            ("Lift click-through from 8% to 10%", "ctr", "0.08", "0.1"),
            ("Cut tickets from 20 to 15 a week", "tickets", "20", "15")):
        okrs.write_text(_with_kr(title, metric, baseline, target), encoding="utf-8")
        proc = sowhat("validate", "-w", str(root))
        assert proc.returncode == 0, (title, proc.stderr)
