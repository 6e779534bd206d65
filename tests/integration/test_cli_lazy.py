"""The CLI imports only what a command needs, and its command map stays complete."""

from __future__ import annotations

import importlib
import subprocess
import sys

import typer

from sowhat.cli.app import COMMANDS, command_modules


def test_command_map_names_every_command_and_its_module() -> None:
    found: dict[str, str] = {}
    for module_name in command_modules():
        module = importlib.import_module(f"sowhat.cli.{module_name}")
        register = getattr(module, "register", None)
        if register is None:
            continue
        holder = typer.Typer()
        register(holder)
        for name in typer.main.get_group(holder).commands:
            found[name] = module_name
    missing = {n: m for n, m in found.items() if COMMANDS.get(n) != m}
    assert not missing, f"add these to COMMANDS in sowhat/cli/app.py: {missing}"
    assert set(COMMANDS) == set(found)


def test_version_does_not_import_the_engines() -> None:
    code = (
        "import sys; from sowhat.cli.app import app\n"
        "heavy = [m for m in ('scipy', 'statsmodels', 'ibis', 'duckdb', 'sqlalchemy') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_the_sync_command_leaves_rich_progress_to_interactive_runs() -> None:
    """A scheduled `sowhat sync --json` draws no bar, so it does not import Rich's progress
    module (benchmarks/README.md, incremental.py: start-up of a whole sync process)."""
    code = ("import sys; import sowhat.cli.sync\n"
            "print('rich.progress' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
