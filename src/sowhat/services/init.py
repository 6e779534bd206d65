"""`sowhat init`: a new workspace with starter files that already pass `validate` and `lint`."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

from sowhat.domain.period import Period, PeriodError
from sowhat.errors import UserError


def current_quarter(today: date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def init_workspace(*, root: Path, name: str | None = None, period: str | None = None,
                   today: date | None = None, force: bool = False) -> list[Path]:
    """Write sowhat.toml, metrics.yaml, tracking-plan.yaml and okrs/<period>.yaml.

    Refuses to overwrite existing files unless `force`: a workspace is a person's work.
    """
    label = period or current_quarter(today or date.today())
    try:
        Period.parse(label)
    except PeriodError as exc:
        raise UserError(str(exc), hint="for example --period 2026-Q4") from None
    starter = resources.files("sowhat.spec") / "starter"
    files = {
        root / "sowhat.toml": (starter / "sowhat.toml").read_text("utf-8")
        .replace("{name}", name or root.resolve().name),
        root / "metrics.yaml": (starter / "metrics.yaml").read_text("utf-8"),
        root / "tracking-plan.yaml": (starter / "tracking-plan.yaml").read_text("utf-8"),
        root / "okrs" / f"{label}.yaml": (starter / "okrs.yaml").read_text("utf-8")
        .replace("{period}", label),
    }
    existing = [p for p in files if p.exists()]
    if existing and not force:
        raise UserError(
            f"{existing[0]} already exists",
            hint="pass --force to overwrite, or init into an empty folder",
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)
