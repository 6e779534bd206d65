"""Load a whole workspace and check that its files agree with each other.

Each file is validated on its own first (shape, types); then the cross-references between
files are checked: metrics and segments named by KRs exist, `aligns_to` points at a real
objective, bets expect a real KR, no id is used twice. Every problem is collected before
anything is raised, so a person fixes a file in one pass rather than one error per run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sowhat.domain.okr import Plan
from sowhat.errors import Diagnostic, Location, SpecError
from sowhat.spec.config import CONFIG_NAME, Config, load_config
from sowhat.spec.metric_defs import MetricsFile, check_metrics_file, over_too_short
from sowhat.spec.metric_units import impossible_numbers
from sowhat.spec.okr_models import PlanModel
from sowhat.spec.tracking_defs import TrackingPlan
from sowhat.spec.validation import did_you_mean, validate_node
from sowhat.spec.yamlio import Locate, YamlDocument, YamlPath, read_yaml


@dataclass(frozen=True)
class LoadedPlan:
    """One OKR file: its domain values and the way back to file positions."""

    plan: Plan
    document: YamlDocument

    @property
    def locate(self) -> Locate:
        return self.document.locate

    @property
    def display(self) -> str:
        return self.document.display


@dataclass(frozen=True)
class Workspace:
    root: Path
    config: Config
    plans: tuple[LoadedPlan, ...] = ()
    metrics: MetricsFile | None = None
    metrics_document: YamlDocument | None = None
    tracking: TrackingPlan | None = None
    warnings: tuple[Diagnostic, ...] = field(default=())

    @property
    def okrs_dir(self) -> Path:
        return self.root / self.config.workspace.okrs_dir


def okr_files(root: Path, config: Config) -> list[Path]:
    folder = root / config.workspace.okrs_dir
    if not folder.is_dir():
        return []
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def load_workspace(root: Path, *, paths: list[Path] | None = None) -> Workspace:
    """Load and cross-check a workspace; raises SpecError listing every problem found."""
    root = root.resolve()
    if not root.is_dir():
        raise SpecError(
            [Diagnostic(Location(str(root)), "workspace folder does not exist",
                        "pass --workspace DIR or run `sowhat init DIR`")]
        )
    config = load_config(root)
    diagnostics: list[Diagnostic] = []

    metrics, metrics_doc = _load_metrics(root, config, diagnostics)
    tracking = _load_tracking(root, config, diagnostics)

    plans: list[LoadedPlan] = []
    for path in paths if paths is not None else okr_files(root, config):
        loaded = _load_plan(path, root, diagnostics)
        if loaded is not None:
            plans.append(loaded)

    # A metrics file that failed to load has said so; checking references against it would
    # add a "used but no metrics.yaml" line for every KR, each one false.
    metrics_failed = metrics is None and (root / config.workspace.metrics_file).exists()
    if not metrics_failed:
        diagnostics.extend(cross_check(plans, metrics, config))
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        raise SpecError(errors)
    return Workspace(
        root=root,
        config=config,
        plans=tuple(plans),
        metrics=metrics,
        metrics_document=metrics_doc,
        tracking=tracking,
        warnings=tuple(d for d in diagnostics if d.severity != "error"),
    )


def _collect(diagnostics: list[Diagnostic], fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except SpecError as exc:
        diagnostics.extend(exc.diagnostics)
        return None


def _load_metrics(
    root: Path, config: Config, diagnostics: list[Diagnostic]
) -> tuple[MetricsFile | None, YamlDocument | None]:
    path = root / config.workspace.metrics_file
    if not path.exists():
        return None, None
    doc = _collect(diagnostics, read_yaml, path, root)
    if doc is None:
        return None, None
    if doc.data is None:
        return MetricsFile(), doc
    model, problems = validate_node(MetricsFile, doc.data, doc)
    diagnostics.extend(problems)
    if model is None:
        return None, doc
    for where, message, hint in check_metrics_file(model):
        diagnostics.append(Diagnostic(doc.locate(where), message, hint))
    return model, doc


def _load_tracking(
    root: Path, config: Config, diagnostics: list[Diagnostic]
) -> TrackingPlan | None:
    path = root / config.workspace.tracking_plan
    if not path.exists():
        return None
    doc = _collect(diagnostics, read_yaml, path, root)
    if doc is None or doc.data is None:
        return None
    model, problems = validate_node(TrackingPlan, doc.data, doc)
    diagnostics.extend(problems)
    return model


def _load_plan(path: Path, root: Path, diagnostics: list[Diagnostic]) -> LoadedPlan | None:
    doc = _collect(diagnostics, read_yaml, path, root)
    if doc is None:
        return None
    if doc.data is None:
        diagnostics.append(
            Diagnostic(Location(doc.display, 1, 1), "file is empty",
                       "start with `period: 2026-Q4` and `objectives:`")
        )
        return None
    model, problems = validate_node(PlanModel, doc.data, doc)
    diagnostics.extend(problems)
    if model is None:
        return None
    return LoadedPlan(model.to_domain(), doc)


def cross_check(
    plans: list[LoadedPlan], metrics: MetricsFile | None, config: Config
) -> list[Diagnostic]:
    """References between files: every name used must be defined, every id used once."""
    out: list[Diagnostic] = []
    metric_names = set(metrics.metrics) if metrics else set()
    segment_names = set(metrics.segments) if metrics else set()
    team_names = set(config.teams)
    all_objectives = {o.id for lp in plans for o in lp.plan.objectives}

    labels = Counter(lp.plan.period.label for lp in plans)
    for lp in plans:
        if labels[lp.plan.period.label] > 1:
            out.append(Diagnostic(lp.locate(("period",)),
                                  f"period {lp.plan.period.label} is defined in more than one file",
                                  "keep one file per period"))

    for lp in plans:
        plan, loc = lp.plan, lp.locate

        def metric_ref(
            name: str | None, where: YamlPath, kind: str = "metric", loc: Locate = loc
        ) -> None:
            if name is None:
                return
            known = metric_names if kind == "metric" else segment_names
            if metrics is None:
                out.append(Diagnostic(loc(where), f"{kind} {name!r} used but no metrics.yaml",
                                      "define it in metrics.yaml"))
            elif name not in known:
                out.append(Diagnostic(loc(where), f"unknown {kind} {name!r}",
                                      did_you_mean(name, known) or "define it in metrics.yaml"))

        metric_ref(plan.north_star, ("north_star",))
        seen_obj: set[str] = set()
        seen_kr: set[str] = set()
        seen_bet: set[str] = set()
        kr_ids = {kr.id for _, kr in plan.key_results()}
        for i, obj in enumerate(plan.objectives):
            base: YamlPath = ("objectives", i)
            if obj.id in seen_obj:
                out.append(Diagnostic(loc((*base, "id")), f"duplicate objective id {obj.id!r}",
                                      "give each objective its own id"))
            seen_obj.add(obj.id)
            if team_names and obj.team and obj.team not in team_names:
                out.append(Diagnostic(loc((*base, "team")), f"unknown team {obj.team!r}",
                                      did_you_mean(obj.team, team_names)
                                      or f"declare [teams.{obj.team}] in {CONFIG_NAME}"))
            if obj.aligns_to is not None:
                if obj.aligns_to == obj.id:
                    out.append(Diagnostic(loc((*base, "aligns_to")),
                                          "an objective cannot align to itself",
                                          "name the parent objective's id"))
                elif obj.aligns_to not in all_objectives:
                    out.append(Diagnostic(loc((*base, "aligns_to")),
                                          f"aligns_to names unknown objective {obj.aligns_to!r}",
                                          did_you_mean(obj.aligns_to, all_objectives)
                                          or "use the id of an objective in okrs/"))
            for j, kr in enumerate(obj.key_results):
                kb: YamlPath = (*base, "key_results", j)
                if kr.id in seen_kr:
                    out.append(Diagnostic(loc((*kb, "id")), f"duplicate key result id {kr.id!r}",
                                          "KR ids must be unique within a period"))
                seen_kr.add(kr.id)
                metric_ref(kr.metric, (*kb, "metric"))
                metric_ref(kr.segment, (*kb, "segment"), "segment")
                defn = metrics.metrics.get(kr.metric) if metrics and kr.metric else None
                if (short := over_too_short(defn, kr.over_days, metrics)) is not None:
                    out.append(Diagnostic(loc((*kb, "over")), *short))
                for key, message, hint in impossible_numbers(
                        metric=kr.metric, baseline=kr.baseline, target=kr.target,
                        catalog=metrics, title=kr.title):  # fmt: skip
                    out.append(Diagnostic(loc((*kb, key)), message, hint, code="SW115"))
            for j, g in enumerate(obj.guardrails):
                metric_ref(g.metric, (*base, "guardrails", j, "metric"))
                metric_ref(g.segment, (*base, "guardrails", j, "segment"), "segment")
                defn = metrics.metrics.get(g.metric) if metrics else None
                if (short := over_too_short(defn, g.over_days, metrics)) is not None:
                    out.append(Diagnostic(loc((*base, "guardrails", j, "over")), *short))
            for j, bet in enumerate(obj.bets):
                bb: YamlPath = (*base, "bets", j)
                if bet.id in seen_bet:
                    out.append(Diagnostic(loc((*bb, "id")), f"duplicate bet id {bet.id!r}",
                                          "bet ids must be unique within a period"))
                seen_bet.add(bet.id)
                if bet.expects and bet.expects.key_result not in kr_ids:
                    out.append(Diagnostic(loc((*bb, "expects", "key_result")),
                                          f"bet expects unknown key result "
                                          f"{bet.expects.key_result!r}",
                                          did_you_mean(bet.expects.key_result, kr_ids)
                                          or "name a key result id of this period"))
    out.extend(_alignment_cycles(plans))
    return out


def _alignment_cycles(plans: list[LoadedPlan]) -> list[Diagnostic]:
    parent: dict[str, str] = {}
    where: dict[str, Location] = {}
    for lp in plans:
        for i, o in enumerate(lp.plan.objectives):
            if o.aligns_to and o.aligns_to != o.id:
                parent[o.id] = o.aligns_to
                where[o.id] = lp.locate(("objectives", i, "aligns_to"))
    out = []
    reported: set[str] = set()
    for start in parent:
        seen = [start]
        node = start
        while node in parent:
            node = parent[node]
            if node in seen:
                cycle = seen[seen.index(node):]
                if not reported.intersection(cycle):
                    reported.update(cycle)
                    out.append(Diagnostic(where[start],
                                          "alignment cycle: " + " -> ".join([*cycle, node]),
                                          "alignment must form a tree; remove one aligns_to"))
                break
            seen.append(node)
    return out
