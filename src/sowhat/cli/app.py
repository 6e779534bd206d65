"""The `sowhat` command: a Typer app assembled from one module per area.

Every module in this package that defines `register(app)` adds its commands; commands stay thin
and call one service function each. Errors are turned into output in one place, `main()`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from sowhat import __version__
from sowhat.cli.common import err_console
from sowhat.errors import InternalError, SowhatError, UserError

app = typer.Typer(
    name="sowhat",
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


def _register_all() -> None:
    import sowhat.cli as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name in {"app", "common"}:
            continue
        module = importlib.import_module(f"sowhat.cli.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_all()


def main() -> None:
    """Entry point: Click handles usage errors (exit 2); Sowhat errors become one clear line."""
    try:
        app()
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(1)
    except UserError as exc:
        err_console.print(f"[red]error:[/red] {exc.render()}", highlight=False, markup=True)
        sys.exit(exc.exit_code)
    except InternalError as exc:
        err_console.print(f"internal error: {exc}; please report this as a bug")
        sys.exit(3)
    except SowhatError as exc:
        err_console.print(f"error: {exc}")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
