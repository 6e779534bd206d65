"""`sowhat demo DIR`: a complete simulated workspace to explore."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from sowhat.cli.common import console
from sowhat.domain.words import counted
from sowhat.services.demo.run import create_demo

_COUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$")


def parse_count(text: str) -> int:
    """`1000000`, `250k`, `1M`, `100M`."""
    m = _COUNT.match(text)
    if not m:
        raise typer.BadParameter(f"{text!r} is not a count; write 1000000, 250k or 100M")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[m[2].lower()]
    return int(float(m[1]) * scale)


def demo(
    path: Path = typer.Argument(Path("sowhat-demo"), help="Folder to write the demo into."),
    events: str = typer.Option("1M", "--events", help="Simulated events: 1M (default), 100M."),
    seed: int = typer.Option(7, "--seed", help="Same seed, same demo."),
    force: bool = typer.Option(False, "--force", help="Replace an existing demo in PATH."),
) -> None:
    """Write Acme Analytics: OKRs, metrics, simulated events and six weeks of check-ins.

    Example: sowhat demo sowhat-demo --events 1M --force
    """
    count = parse_count(events)
    with console.status("building the demo") as status:
        result = create_demo(root=path, events=count, seed=seed, force=force,
                             step=lambda msg: status.update(msg))
    breached = {(g.objective_id, g.metric) for r in result.syncs[-1:] for g in r.breached}
    console.print(
        f"demo ready in {path}: {result.ingest.loaded:,} events, "
        f"{sum(r.checkins_written for r in result.syncs)} computed check-ins, "
        f"{result.manual_checkins} owner check-ins, {counted(len(breached), 'guardrail alert')}"
    )
    console.print(f"ground truth of the planted effects: {result.simulation.ground_truth_path}")


def register(app: typer.Typer) -> None:
    app.command()(demo)
