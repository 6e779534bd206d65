"""The `sowhat` command: a Typer app assembled from one module per area.

Every module in this package that defines `register(app)` adds its commands; commands stay thin
and call one service function each. Errors are turned into output in one place, `main()`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Any

import click
import typer
from rich.markup import escape
from typer.core import TyperGroup

from sowhat import __version__
from sowhat.cli.common import err_console
from sowhat.errors import InternalError, SowhatError, UserError

# Which module defines each top-level command, so running one command imports only its
# module (the statistics and metric engines take seconds to import). A command missing here
# still works — the group then loads every module — and a test keeps this map complete.
COMMANDS: dict[str, str] = {
    "init": "workspace", "validate": "workspace", "apply": "okrs", "diff": "okrs", "export": "okrs",
    "status": "okrs", "checkin": "okrs", "db": "okrs", "import": "authoring",
    "lint": "lint", "rules": "lint",
    "ingest": "metrics", "metrics": "metrics", "tracking": "metrics",
    "sync": "sync", "demo": "demo", "experiment": "experiment",
    "impact": "bets", "bets": "bets", "detectability": "bets",
    "forecast": "forecast", "review": "review", "period": "period", "notify": "notify",
    "serve": "serve", "user": "serve", "token": "tokens", "report": "report",
}  # fmt: skip

# Each top-level command's line in `sowhat --help`. Kept here so the root help lists every
# command without importing any command module (with them all loaded it cost ≈3 s of CPU:
# SciPy, DuckDB, Ibis — the first command a new user types). A loaded command shows the same
# line (`_load` sets it as its short help); `sowhat COMMAND --help` gives its full text.
SUMMARIES: dict[str, str] = {
    "init": "Create a workspace: config, metrics, tracking plan, OKR file.",
    "validate": "Check every workspace file and the references between them.",
    "apply": "Make the database match the files, showing the plan first.",
    "diff": "What differs between the OKR files and the database.",
    "export": "Write the database back to YAML, keeping comments and order.",
    "status": "Objectives and key results: progress, status, confidence.",
    "checkin": "Record this week's check-in for a key result.",
    "db": "Database schema: `sowhat db upgrade` after an upgrade.",
    "import": "Preview, then import, OKRs from a spreadsheet export.",
    "lint": "Coach key results: outputs, vanity, missing baselines...",
    "rules": "List the lint rules, or explain one.",
    "ingest": "Load event files into the store; re-loading adds nothing.",
    "metrics": "Metric definitions and their values over your events.",
    "tracking": "Compare the events that arrive with the tracking plan.",
    "sync": "Compute every KR to date, record check-ins, check guardrails.",
    "demo": "Write the Acme Analytics demo workspace.",
    "experiment": "Plan experiments (sample size, MDE) and analyse results.",
    "impact": "Did a shipped bet move its key result?",
    "bets": "The bet portfolio: verdicts, detectability, factory index.",
    "detectability": "Could a bet's expected change be told from noise in time?",
    "forecast": "The chance of each target, its projected range, ambition.",
    "review": "Weekly, monthly and quarterly reviews of what moved.",
    "period": "Close a period, freezing its scores; reopen a closed one.",
    "notify": "Send breaches, missing check-ins and alerts to webhooks.",
    "serve": "Run the web app and the JSON API (docs at /api/docs).",
    "user": "Accounts for `sowhat serve`: admins, team editors, viewers.",
    "token": "API tokens: list, create (optionally expiring), revoke.",
    "report": "A review as a Markdown, HTML or PDF report (the QBR too).",
}  # fmt: skip


def command_modules() -> list[str]:
    """Every module in this package that adds commands."""
    import sowhat.cli as package

    return sorted(
        info.name for info in pkgutil.iter_modules(package.__path__)
        if info.name not in {"app", "common", "render"}
    )


class LazyGroup(TyperGroup):
    """A command group that imports a command's module only when that command is used."""

    _loaded: set[str]
    _summarising = False

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The root help from SUMMARIES: no command module is imported to list them."""
        self._summarising = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._summarising = False

    def _load(self, module_name: str) -> None:
        loaded = self.__dict__.setdefault("_loaded", set())
        if module_name in loaded:
            return
        loaded.add(module_name)
        module = importlib.import_module(f"sowhat.cli.{module_name}")
        register = getattr(module, "register", None)
        if register is None:
            return
        holder = typer.Typer(rich_markup_mode="rich")
        register(holder)
        for name, command in typer.main.get_group(holder).commands.items():
            _escape_help(command)
            if name in SUMMARIES:
                command.short_help = escape(SUMMARIES[name])
            self.add_command(command, name)

    def _load_all(self) -> None:
        for name in command_modules():
            self._load(name)

    def list_commands(self, ctx: Any) -> list[str]:
        """Every command, in the order of COMMANDS (a workflow order), then any others."""
        if self._summarising:
            return [*COMMANDS, *sorted(set(self.commands) - set(COMMANDS))]
        self._load_all()
        order = {name: i for i, name in enumerate(COMMANDS)}
        return sorted(self.commands, key=lambda n: (order.get(n, len(order)), n))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self._summarising and cmd_name not in self.commands and cmd_name in SUMMARIES:
            # A stand-in that carries the help line; running the command loads the real one.
            return click.Command(cmd_name, short_help=escape(SUMMARIES[cmd_name]))
        if cmd_name not in self.commands:
            module = COMMANDS.get(cmd_name)
            if module is not None:
                self._load(module)
            if cmd_name not in self.commands:
                self._load_all()
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    name="sowhat",
    cls=LazyGroup,
    help="Outcome-based OKRs as code: coach key results, compute them from product events, "
    "and measure whether the work worked.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sowhat {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Outcome-based OKRs as code."""


def _escape_help(command: Any) -> None:
    """Help texts are plain text shown through rich: escape their brackets so `[events]`
    and `[[webhooks]]` are printed, not taken for markup tags and dropped."""
    if getattr(command, "help", None) and not getattr(command, "_sowhat_escaped", False):
        command.help = escape(command.help)
        command._sowhat_escaped = True
    for param in getattr(command, "params", ()):
        if getattr(param, "help", None) and not getattr(param, "_sowhat_escaped", False):
            param.help = escape(param.help)
            param._sowhat_escaped = True
    for sub in getattr(command, "commands", {}).values():
        _escape_help(sub)


def main() -> None:
    """Entry point: Click handles usage errors (exit 2); Sowhat errors become one clear line."""
    try:
        app()
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(1)
    except UserError as exc:
        # The message is text, not markup: `[events]` and `[[webhooks]]` must survive.
        err_console.print(f"[red]error:[/red] {escape(exc.render())}", highlight=False,
                          markup=True)
        sys.exit(exc.exit_code)
    except InternalError as exc:
        err_console.print(f"internal error: {exc}; please report this as a bug", markup=False)
        sys.exit(3)
    except SowhatError as exc:
        err_console.print(f"error: {exc}", markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
