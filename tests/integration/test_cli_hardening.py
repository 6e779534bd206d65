"""Issue 13 through the CLI: tokens, disabling users, brackets that survive rich, the exit
code rule, `serve` on a taken port, `forecast` saying each thing once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import WriteWorkspace

SOWHAT = Path(sys.executable).with_name("sowhat")


def sowhat(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "SOWHAT_ACTOR": "tester", "SOWHAT_PASSWORD": ""}
    return subprocess.run([str(SOWHAT), *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)  # fmt: skip


def _applied(write_workspace: WriteWorkspace) -> Path:
    root = write_workspace()
    assert sowhat("apply", "-w", str(root)).returncode == 0
    return root


def test_tokens_are_created_listed_revoked_and_users_disabled(
    write_workspace: WriteWorkspace,
) -> None:
    root = str(_applied(write_workspace))
    made = sowhat("user", "create", "ana@acme.example", "--editor", "growth",
                  "--password", "a-good-passphrase", "-w", root)  # fmt: skip
    assert made.returncode == 0, made.stderr
    created = sowhat("token", "create", "ana@acme.example", "--scope", "write", "--name", "ci",
                     "--expires", "30d", "-w", root)  # fmt: skip
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("sw_")
    listed = sowhat("token", "list", "-w", root)
    assert token[:10] in listed.stdout
    assert token not in listed.stdout
    assert "active" in listed.stdout
    revoked = sowhat("token", "revoke", token[:10], "-w", root)
    assert revoked.returncode == 0, revoked.stderr
    assert sowhat("token", "list", "-w", root).stdout.strip().startswith("no API tokens")
    assert "revoked" in sowhat("token", "list", "--all", "-w", root).stdout
    again = sowhat("token", "revoke", token[:10], "-w", root)
    assert again.returncode == 1
    assert "already revoked" in again.stderr
    assert sowhat("user", "disable", "ana@acme.example", "-w", root).returncode == 0
    assert "disabled" in sowhat("user", "list", "-w", root).stdout
    weak = sowhat("user", "create", "bo@acme.example", "--password", "password", "-w", root)
    assert weak.returncode == 1
    assert "guessers try first" in weak.stderr


def test_square_brackets_survive_in_errors_and_help(write_workspace: WriteWorkspace) -> None:
    root = str(_applied(write_workspace))
    notify = sowhat("notify", "-w", root)
    assert notify.returncode == 1
    assert "[[webhooks]]" in notify.stderr
    assert "[[webhooks]]" in sowhat("notify", "--help").stdout
    assert "[[webhooks]]" in sowhat("sync", "--help").stdout


def test_values_out_of_range_exit_1_and_unparseable_command_lines_exit_2(
    write_workspace: WriteWorkspace,
) -> None:
    root = str(_applied(write_workspace))
    out_of_range = sowhat("checkin", "gr-activation", "--confidence", "70", "-w", root)
    assert out_of_range.returncode == 1, out_of_range.stderr
    assert "outside 0..1" in out_of_range.stderr
    interval = sowhat("forecast", "--interval", "3", "-w", root)
    assert interval.returncode == 1
    assert "outside 0.5 to 0.99" in interval.stderr
    assert "Traceback" not in out_of_range.stderr + interval.stderr
    assert sowhat("checkin", "gr-activation", "--confidence", "high", "-w", root).returncode == 2
    assert sowhat("checkin", "-w", root).returncode == 2  # missing argument


def test_serve_on_a_taken_port_says_so_and_prints_no_url(write_workspace: WriteWorkspace) -> None:
    root = str(_applied(write_workspace))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = sowhat("serve", "-w", root, "--port", str(port), "--demo")
    assert result.returncode == 1
    assert "http://" not in result.stdout
    assert "log in as" not in result.stdout
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_forecast_prints_a_kr_without_weekly_values_once(demo_copy: Path) -> None:
    result = sowhat("forecast", "pl-mid-retention", "-w", str(demo_copy))
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), result.stdout
