"""Linting OKR files of a workspace: load them with `sowhat.spec`, build the metric catalog
summary the rules need, and run `lint_plan` per file.

History-based inputs (hit probabilities, current values) come from events the coach cannot
read; callers that have them (services) pass them in, otherwise SW108/SW109 are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sowhat.lint.base import Finding
from sowhat.lint.context import LintContext, MeasuredBaseline, MetricInfo
from sowhat.lint.engine import lint_plan, notes
from sowhat.spec.config import CONFIG_NAME
from sowhat.spec.metric_defs import MetricsFile, default_indicator, outcome_window
from sowhat.spec.metric_units import metric_scale
from sowhat.spec.workspace import load_workspace


def catalog_from_metrics(metrics: MetricsFile | None) -> dict[str, MetricInfo]:
    """What coaching needs from metrics.yaml: description, type, outcome window, indicator."""
    if metrics is None:
        return {}
    return {
        name: MetricInfo(
            name=name,
            description=m.description,
            type=str(getattr(m, "type", "")) or None,
            window=outcome_window(m),
            indicator=default_indicator(m, catalog=metrics),
            scale=metric_scale(m, metrics),
        )
        for name, m in metrics.metrics.items()
    }


def workspace_catalog(root: Path) -> dict[str, MetricInfo]:
    """The catalog of the workspace at `root`, or {} when `root` is not a workspace.

    Lets free-text linting (`sowhat lint -`) name the team's own metrics in its rewrites.
    """
    if not (root / CONFIG_NAME).exists() and not (root / "metrics.yaml").exists():
        return {}
    return catalog_from_metrics(load_workspace(root, paths=[]).metrics)


@dataclass(frozen=True)
class WorkspaceLint:
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]
    files: tuple[str, ...]


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; folders become their *.yaml / *.yml files."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        else:
            out.append(p)
    return out


def lint_workspace(
    root: Path,
    *,
    paths: list[Path] | None = None,
    as_of: date,
    select: frozenset[str] = frozenset(),
    ignore: frozenset[str] = frozenset(),
    hit_probabilities: Mapping[str, float | None] | None = None,
    bet_probabilities: Mapping[str, float | None] | None = None,
    current_values: Mapping[str, float] | None = None,
    measured_baselines: Mapping[str, MeasuredBaseline] | None = None,
) -> WorkspaceLint:
    """Lint the given OKR files (default: every file in the workspace's okrs folder).

    Raises SpecError when a file does not validate: coaching a file that cannot be read
    would only add noise to the real error.
    """
    files = None
    if paths:
        files = [p if p.is_absolute() else Path.cwd() / p for p in expand_paths(paths)]
    ws = load_workspace(root, paths=files)
    context = LintContext(
        as_of=as_of,
        metrics=catalog_from_metrics(ws.metrics),
        hit_probabilities=hit_probabilities,
        bet_probabilities=dict(bet_probabilities or {}),
        current_values=dict(current_values or {}),
        measured_baselines=measured_baselines,
        select=select,
        ignore=ignore,
    )
    findings: list[Finding] = []
    for loaded in ws.plans:
        findings.extend(lint_plan(loaded.plan, locate=loaded.locate, context=context))
    return WorkspaceLint(
        findings=tuple(findings),
        notes=tuple(notes(context)),
        files=tuple(p.display for p in ws.plans),
    )
