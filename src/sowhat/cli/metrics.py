"""Metrics from events: `metrics list|show|compute`, `ingest`, `tracking check`."""

from __future__ import annotations

import csv
import difflib
import io
import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from sowhat.cli.common import console, err_console, print_json, workspace_option
from sowhat.domain.durations import format_duration
from sowhat.domain.period import Period, PeriodError
from sowhat.domain.units import format_value
from sowhat.domain.words import counted
from sowhat.errors import UserError
from sowhat.metrics.values import iso
from sowhat.spec.metric_defs import (
    ActiveMetric,
    ChurnMetric,
    MetricsFile,
    default_indicator,
    metric_definition_hash,
    normalized_definition,
    outcome_window,
)
from sowhat.spec.metric_units import metric_scale
from sowhat.spec.workspace import Workspace, load_workspace

if TYPE_CHECKING:
    from sowhat.metrics.ingest import FileReport, IngestReport
    from sowhat.metrics.tracking import TrackingReport
    from sowhat.metrics.values import MetricValue

# The engine, ingest and the event source are imported by the commands that run them:
# `sowhat metrics list` and `show` read definitions only (and cost 1.5 s of CPU with them).

metrics_app = typer.Typer(help="Metric definitions and their values over your events.",
                          no_args_is_help=True)
tracking_app = typer.Typer(help="Compare the events that arrive with the tracking plan.",
                           no_args_is_help=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _catalog(ws: Workspace) -> MetricsFile:
    if ws.metrics is None or not ws.metrics.metrics:
        raise UserError(f"no metrics defined in {ws.root / ws.config.workspace.metrics_file}",
                        hint="define metrics in metrics.yaml (see docs/metrics.md)")
    return ws.metrics


def _moment(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{option} {text!r}: write a date (2026-11-02) or a UTC time "
                                 "(2026-11-02T09:00)") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _window(start: str | None, end: str | None, period: str | None) -> tuple[datetime, datetime]:
    if period:
        try:
            p = Period.parse(period)
        except PeriodError as exc:
            raise typer.BadParameter(str(exc)) from None
        return (_moment(p.start.isoformat(), "--period"), _moment(p.end.isoformat(), "--period"))
    if start is None or end is None:
        raise typer.BadParameter("give --from and --to (or --period 2026-Q4)")
    return _moment(start, "--from"), _moment(end, "--to")


@metrics_app.command("list")
def list_metrics(
    workspace: Path = workspace_option(),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="table or json"),
) -> None:
    """List the metric definitions with their type, indicator and definition hash.

    Example: sowhat metrics list -w sowhat-demo
    """
    catalog = _catalog(load_workspace(workspace, paths=[]))
    rows = []
    for name, m in catalog.metrics.items():
        window = outcome_window(m)
        rows.append({
            "metric": name, "type": m.type,
            "indicator": str(default_indicator(m, catalog=catalog)),
            "window": format_duration(window) if window else None,
            "hash": metric_definition_hash(m, catalog=catalog),
            "description": m.description,
        })
    if output == OutputFormat.JSON:
        print_json(rows)
        return
    table = Table("metric", "type", "indicator", "window", "hash", "description")
    for r in rows:
        table.add_row(*(str(r[k] or "") for k in ("metric", "type", "indicator", "window",
                                                   "hash", "description")))
    console.print(table)


@metrics_app.command("show")
def show_metric(
    name: str = typer.Argument(..., help="Metric name."),
    workspace: Path = workspace_option(),
    start: str = typer.Option(None, "--from", help="Window start for the SQL shown."),
    end: str = typer.Option(None, "--to", help="Window end for the SQL shown."),
    grain: str = typer.Option(None, "--grain", help="week: one value per ISO week."),
    segment: str = typer.Option(None, "--segment", help="Named segment from metrics.yaml."),
) -> None:
    """Show a metric's definition, hash, indicator and the SQL it compiles to.

    Example: sowhat metrics show activation_rate --segment mid --grain week -w sowhat-demo
    """
    from sowhat.metrics.engine import compile_sql
    from sowhat.services.events import open_events

    ws = load_workspace(workspace, paths=[])
    catalog = _catalog(ws)
    if name not in catalog.metrics:
        close = difflib.get_close_matches(name, list(catalog.metrics), n=1)
        raise UserError(f"unknown metric {name!r}",
                        hint=f"did you mean {close[0]!r}?" if close
                        else "see `sowhat metrics list`")
    m = catalog.metrics[name]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday())
    s = _moment(start, "--from") if start else monday - timedelta(weeks=4)
    e = _moment(end, "--to") if end else monday
    events = None
    try:
        events = open_events(ws)
    except UserError:
        events = None  # no events yet: compile against the canonical table
    try:
        sql = compile_sql(name, catalog=catalog, events=events, start=s, end=e, grain=grain,
                          segment=segment)
        dialect = events.dialect() if events is not None else "duckdb"
    finally:
        if events is not None:
            events.close()
    window = outcome_window(m)
    console.print(f"[bold]{name}[/bold] ({m.type}) — {m.description or 'no description'}")
    console.print(f"hash {metric_definition_hash(m, catalog=catalog)}; "
                  f"indicator {default_indicator(m, catalog=catalog)}"
                  + (f"; outcome window {format_duration(window)}" if window else ""))
    console.print("definition: " + json.dumps(normalized_definition(m), sort_keys=True))
    if isinstance(m, ActiveMetric):
        console.print(f"value: mean over the complete {m.per}s inside the window (ending by "
                      f"the as-of) of distinct {m.entity} with a {m.event} event; "
                      "null when no whole " + m.per + " fits")
    if isinstance(m, ChurnMetric) and m.active is not None:
        console.print(f"value: of the {m.entity}s with a {m.active.event} event in the {m.per} "
                      f"before each complete {m.per} inside the window, the share with none "
                      f"in that {m.per}, pooled over those {m.per}s; null when no whole "
                      f"{m.per} fits or nobody was active the {m.per} before")
    elif isinstance(m, ChurnMetric):
        assert m.start is not None
        assert m.end is not None
        console.print(f"value: of the {m.entity}s that were customers (latest {m.start.event} "
                      f"or {m.end.event} before the {m.per}'s start was a {m.start.event}) at "
                      f"the start of each complete {m.per} inside the window, the share with a "
                      f"{m.end.event} during it, pooled over those {m.per}s; null when no whole "
                      f"{m.per} fits or nobody was a customer")
    scope = (f", segment {segment}" if segment else "") + (f", by {grain}" if grain else "")
    console.print(f"-- SQL ({dialect}) for [{iso(s)}, {iso(e)}){scope}", markup=False)
    typer.echo(sql)


@metrics_app.command("compute")
def compute_metrics(
    names: list[str] = typer.Argument(..., help="Metric names."),
    start: str = typer.Option(None, "--from", help="Window start (date or UTC time)."),
    end: str = typer.Option(None, "--to", help="Window end, exclusive."),
    period: str = typer.Option(None, "--period", help="A period instead of --from/--to."),
    grain: str = typer.Option(None, "--grain", help="week: one value per ISO week."),
    segment: str = typer.Option(None, "--segment", help="Named segment from metrics.yaml."),
    as_of: str = typer.Option(None, "--as-of", help="Knowledge cut-off (default: --to)."),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format",
                                        help="table, json or csv"),
    workspace: Path = workspace_option(),
) -> None:
    """Compute metrics over [from, to), optionally per ISO week, as known at the as-of time.

    Example: sowhat metrics compute activation_rate nps --period 2026-Q4 --grain week
    """
    from sowhat.metrics.coverage import filter_warnings
    from sowhat.metrics.engine import MetricRequest, compute_many
    from sowhat.metrics.watermark import watermark
    from sowhat.services.events import event_source_spec, open_events
    from sowhat.services.sync.asof import refuse_future

    if grain not in (None, "week"):
        raise typer.BadParameter("--grain takes `week`")
    s, e = _window(start, end, period)
    ws = load_workspace(workspace, paths=[])
    catalog = _catalog(ws)
    asked = _moment(as_of, "--as-of") if as_of else None
    refuse_future(asked)
    events = open_events(ws)
    try:
        mark = watermark(events, event_source_spec(ws))
        knows = asked or e
        if mark.bound is not None and mark.through is not None and knows > mark.bound:
            err_console.print(
                f"[yellow]warning:[/yellow] the data ends before the as-of: computed as of "
                f"{mark.through:%Y-%m-%d %H:%M} UTC (data through); windows after it are "
                "left out")
            knows = mark.bound
            e = min(e, knows)
        if e <= s:
            raise UserError(f"no data in the window: the data ends {knows:%Y-%m-%d %H:%M} UTC",
                            hint="pick an earlier --from, or ingest newer events")
        results = compute_many([MetricRequest(n, segment) for n in names], catalog=catalog,
                               events=events, start=s, end=e, grain=grain, as_of=knows)
        warnings = filter_warnings([r.request for r in results if not r.error],
                                   catalog=catalog, events=events, start=s, end=e, as_of=knows)
    finally:
        events.close()
    failed = [r for r in results if r.error]
    values = [v for r in results for v in r.values]
    _render_values(values, output, catalog)
    for w in warnings:
        err_console.print(f"[yellow]warning:[/yellow] {escape(w.render())}", highlight=False)
    for r in failed:
        err_console.print(f"[red]error:[/red] {r.request.metric}: {r.error}")
    if failed:
        raise typer.Exit(1)


def _render_values(values: list[MetricValue], output: OutputFormat,
                   catalog: MetricsFile) -> None:  # fmt: skip
    units = {v.metric: metric_scale(catalog.metrics[v.metric], catalog).text
             for v in values if v.metric in catalog.metrics}  # fmt: skip
    rows = [v.to_json() for v in values]
    if output == OutputFormat.JSON:
        print_json([{**row, "unit": units.get(v.metric),
                     "display": format_value(v.value, units.get(v.metric))}
                    for row, v in zip(rows, values, strict=True)])  # fmt: skip
    elif output == OutputFormat.CSV:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["metric"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(buf.getvalue(), nl=False)
    else:
        table = Table("metric", "segment", "from", "to", "value", "entities", "immature")
        for v in values:
            shown = format_value(v.value, units.get(v.metric), precision=4)
            table.add_row(v.metric, v.segment or "", iso(v.start), iso(v.end), shown,
                          "" if v.entities is None else str(v.entities),
                          "" if v.excluded_immature is None else str(v.excluded_immature))
        console.print(table)


def ingest_command(
    files: list[Path] = typer.Argument(None, help="CSV, JSONL or Parquet files (an Amplitude "
                                       "ZIP with --from amplitude).", exists=True,
                                       dir_okay=False),
    workspace: Path = workspace_option(),
    mapping: list[str] = typer.Option([], "--map", help="column=field, e.g. event=event_name "
                                      "or account_id=context.groupId (repeatable)."),
    traits: list[Path] = typer.Option([], "--traits", exists=True, dir_okay=False,
                                      help="A trait file (CSV/JSONL/Parquet: an id column, "
                                      "optional timestamp, one column per trait; repeatable)."),
    entity: str = typer.Option(None, "--entity",
                               help="Whose traits the --traits files hold: user_id or "
                               "account_id."),
    allow_future: bool = typer.Option(False, "--allow-future", help="Load events timestamped "
                                      "more than a day after now (rejected otherwise)."),
    vendor: str | None = typer.Option(None, "--from", help="The files are an analytics "
                                      "export: amplitude (Export API ZIP), mixpanel (raw "
                                      "export JSONL) or posthog (event export CSV/JSONL)."),
    reindex_store: bool = typer.Option(False, "--reindex", help="Rebuild the store's per-day "
                                       "ledger from its rows (after editing events in the "
                                       "store by hand; `sowhat sync --full` says when), and "
                                       "rewrite a store begun by an earlier version by event "
                                       "and time."),
) -> None:
    """Load event files into the workspace's DuckDB store; re-loading a file adds nothing.

    Segment track calls (JSONL) need no options; identify and group calls in the same files
    become user and account traits. Bad rows go to .sowhat/rejects/.
    Example: sowhat ingest events.jsonl exports/*.parquet -w my-okrs
    Example: sowhat ingest --from amplitude export-2026-11-02.zip
    Example: sowhat ingest --traits accounts.csv --entity account_id -w my-okrs
    """
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from sowhat.metrics.first_events import anchor_pairs
    from sowhat.metrics.ingest import ingest, parse_mapping, reindex
    from sowhat.metrics.traits import ingest_traits
    from sowhat.services.events import event_source_spec

    ws = load_workspace(workspace, paths=[])
    spec = event_source_spec(ws)
    if spec.kind != "duckdb":
        raise UserError(f"[events] reads from a {spec.kind} source, not the local store",
                        hint="ingest loads the DuckDB store; remove [events] parquet/url to use it")
    store = spec.duckdb_path(ws.root)
    if reindex_store:
        rebuilt = reindex(store, threads=spec.threads, memory_limit=spec.memory_limit)
        console.print(f"per-day ledger rebuilt from {rebuilt.rows:,} events in {store}"
                      + (" — rows rewritten by event and time" if rebuilt.reordered else ""),
                      markup=False)
    if not files and not traits:
        if reindex_store:
            return
        raise UserError("nothing to ingest", hint="give event files, or --traits FILE "
                        "--entity user_id|account_id")
    if traits:
        if entity not in ("user_id", "account_id"):
            raise UserError("--traits needs --entity user_id or --entity account_id",
                            hint="say whose traits the file holds")
        for r in ingest_traits(list(traits), store=store, entity=entity):
            since = "" if r.timestamped else " (no timestamp column: held since 1970-01-01)"
            console.print(f"{Path(r.path).name}: {r.rows:,} rows, {r.values:,} trait values "
                          f"({', '.join(r.traits)}) for {r.entity}{since}", markup=False)
    if not files:
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed}/{task.total} files"), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("ingesting", total=len(files))

        def started(path: Path) -> None:
            bar.update(task, description=f"loading {path.name}")

        def done(report: FileReport) -> None:
            bar.advance(task)
            if len(files) > 1:  # one file: the summary below says it all, once
                bar.console.print(_file_line(report), markup=False)

        summary = ingest(files, store=store, mapping=parse_mapping(mapping),
                         account_field=spec.account_field, on_start=started, on_done=done,
                         allow_future=allow_future, vendor=vendor,
                         threads=spec.threads, memory_limit=spec.memory_limit,
                         anchors=anchor_pairs(ws.metrics) if ws.metrics else ())
    calls = f", {summary.calls:,} identify/group calls as traits" if summary.calls else ""
    line = (f"read {summary.read:,}, loaded {summary.loaded:,}, duplicates "
            f"{summary.duplicates:,}, rejected {summary.rejected:,}{calls} into {store}")
    if len(files) == 1 and summary.files[0].rejects_path:
        line += f" — rejects in {summary.files[0].rejects_path}"
    console.print(line, markup=False)
    _refuse_when_nothing_loaded(summary, mapping=bool(mapping), vendor=vendor)
    for warning in id_warnings(summary, ws.metrics, store=store, vendor=vendor):
        err_console.print(f"warning: {warning}", markup=False)
    if summary.in_file_order:
        err_console.print("hint: this store was begun by an earlier sowhat, which kept rows "
                          "in file order; `sowhat ingest --reindex` rewrites them once by event "
                          "and time, so syncs read only the days they need", markup=False)


def id_warnings(summary: IngestReport, catalog: MetricsFile | None, *, store: Path,
                vendor: str | None = None) -> list[str]:  # fmt: skip
    """A file whose rows carry no account (or user) id that the workspace's metrics count:
    every such metric would read 0 or nothing, with no error anywhere. Said at ingest, the
    moment it is cheapest to fix, with the property that seems to hold the id.

    When no property looks like an account id the product may have no accounts at all (a
    consumer app, people signing up on their own), which the starter metrics from `sowhat
    init` assume; the other fix, counting people, is then offered beside re-ingesting."""
    if catalog is None:
        return []
    counted: dict[str, list[str]] = {}
    for name, m in catalog.metrics.items():
        entity = getattr(m, "entity", None)
        if entity:
            counted.setdefault(str(entity), []).append(name)
    out = []
    for r in summary.files:
        for entity, metrics in sorted(counted.items()):
            if r.valid <= 0 or r.ids.get(entity, 0) or not r.loaded:
                continue
            kind = entity.removesuffix("_id")
            near = sorted(((n, p) for p, n in r.id_properties.items()
                           if (kind == "user") == _names_a_user(p)), reverse=True)
            where = (f"; property {near[0][1]!r} holds one on {near[0][0]:,} rows" if near
                     else "")
            source = f"properties.{near[0][1]}" if near and r.format == "jsonl" else (
                near[0][1] if near else "<field>")
            shown = ", ".join(metrics[:3]) + (f" and {len(metrics) - 3} more"
                                              if len(metrics) > 3 else "")
            solo = ("; or, if people use your product on their own, without accounts, "
                    "count people: `entity: user_id` on those metrics in metrics.yaml"
                    if entity == "account_id" and not near else "")
            out.append(
                f"none of the {r.valid:,} events of {Path(r.path).name} has "
                f"{'an' if kind[:1] in 'aeiou' else 'a'} {entity} "
                f"(read from {_id_sources(entity, vendor)}){where}: {shown}, which count "
                f"{kind}s, will read 0 or nothing. Move {store.name} aside and ingest again "
                f"with --map {entity}={source} (docs/ingest.md); ingesting the file again "
                f"into this store would not replace these rows{solo}")
    return out


def _names_a_user(prop: str) -> bool:
    from sowhat.metrics.ingest import USER_ID_PROPERTIES

    return prop.lower().replace("-", "_") in USER_ID_PROPERTIES


def _id_sources(entity: str, vendor: str | None) -> str:
    """Where this ingest looked for the id: a vendor's preset fields, else the defaults."""
    if vendor:
        from sowhat.metrics.ingest_vendors import preset

        return ", ".join(preset(vendor)[entity])
    return ("user_id, userId" if entity == "user_id"
            else "account_id, the [events] account_field, groupId")


def _refuse_when_nothing_loaded(summary: IngestReport, *, mapping: bool,
                                vendor: str | None) -> None:
    """Every row rejected is a layout problem, not data: say which, and exit 1.

    The commonest case is a CSV whose columns are not named event/timestamp/user_id; the hint
    lists the columns the file has and the `--map` that would load it.
    """
    from sowhat.metrics.ingest import file_columns, reject_reasons

    if summary.loaded or summary.duplicates or not summary.rejected:
        return
    worst = next(f for f in summary.files if f.rejects_path)
    reasons = reject_reasons(worst.rejects_path or "")
    said = "; ".join(f"{reason}: {n:,}" for reason, n in reasons)
    hint = f"see {worst.rejects_path}"
    if not mapping and not vendor and worst.format == "csv":
        found = file_columns(Path(worst.path))
        hint = (f"{Path(worst.path).name} has columns {', '.join(found) or '(none)'}; sowhat "
                "needs event, timestamp and user_id — map yours, e.g. --map event=<column> "
                "--map timestamp=<column> --map user_id=<column> (docs/ingest.md)")
    elif not mapping and not vendor:
        hint += "; an analytics export needs --from amplitude|mixpanel|posthog, other " \
                "layouts --map column=field (docs/ingest.md)"
    raise UserError(f"nothing loaded: every row was rejected ({said})", hint=hint)


def _file_line(r: FileReport) -> str:
    line = (f"{Path(r.path).name}: read {r.read:,}, loaded {r.loaded:,}, duplicates "
            f"{r.duplicates:,}, rejected {r.rejected:,} ({r.seconds:.1f} s)")
    if r.calls:
        line += f", {r.calls:,} identify/group calls stored as traits"
    if r.rejects_path:
        line += f" — rejects in {r.rejects_path}"
    return line


@tracking_app.command("check")
def tracking_check(
    workspace: Path = workspace_option(),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="table or json"),
) -> None:
    """Report metrics the events cannot measure, property problems and unplanned events.

    Exits 1 when a metric that a KR or guardrail uses cannot be computed.
    Example: sowhat tracking check -w sowhat-demo
    """
    from sowhat.metrics.tracking import check_tracking
    from sowhat.services.events import open_events

    ws = load_workspace(workspace)
    used_by: dict[str, list[str]] = {}
    for lp in ws.plans:
        for obj in lp.plan.objectives:
            for kr in obj.key_results:
                if kr.metric:
                    used_by.setdefault(kr.metric, []).append(f"{lp.plan.period.label}/{kr.id}")
            for g in obj.guardrails:
                used_by.setdefault(g.metric, []).append(
                    f"{lp.plan.period.label}/{obj.id} guardrail")
    events = open_events(ws)
    try:
        report = check_tracking(events=events, plan=ws.tracking, catalog=ws.metrics,
                                used_by=used_by)
    finally:
        events.close()
    if output == OutputFormat.JSON:
        from dataclasses import asdict

        print_json({**asdict(report), "ok": report.ok})
    else:
        _render_tracking(report)
    if not report.ok:
        raise typer.Exit(1)


def _render_tracking(r: TrackingReport) -> None:
    total = sum(r.event_counts.values())
    console.print(f"{total:,} events of {len(r.event_counts)} kinds")
    for u in r.unmeasurable:
        mark = "[red]cannot measure[/red]" if u.used_by else "[yellow]cannot measure[/yellow]"
        why = (u.reason or (f"no {', '.join(u.missing_events)} events" if u.missing_events
                            else "not defined in metrics.yaml"))
        users = f" — used by {', '.join(u.used_by)}" if u.used_by else ""
        console.print(f"{mark} {escape(u.metric)}: {escape(why)}{escape(users)}",
                      highlight=False)
        if u.lookalikes:
            console.print(f"    {escape(u.lookalikes)}", highlight=False)
    for p in r.property_issues:
        console.print(f"[yellow]{p.problem}[/yellow] {p.event}.{p.property} "
                      f"(expected {p.expected}): {p.count:,} of {p.events:,} events")
        for ex in p.examples:
            console.print(f"    e.g. {ex}", markup=False)
    if r.unplanned_events:
        listed = ", ".join(f"{e} ({n:,})" for e, n in r.unplanned_events)
        console.print(f"[yellow]not in the plan[/yellow]: {listed}")
    if r.planned_but_unseen:
        unseen = [e + (f" (the data has {found!r})"
                       if (found := r.unseen_lookalikes.get(e)) else "")
                  for e in r.planned_but_unseen]
        console.print(f"planned but never seen: {escape(', '.join(unseen))}", highlight=False)
    for problem in r.plan_problems:
        console.print(f"[yellow]plan[/yellow] {problem}", markup=True)
    for warning in r.filter_warnings:
        console.print(f"[yellow]matches nothing[/yellow] {escape(warning)}", highlight=False)
    for warning in r.history_warnings:
        console.print(f"[yellow]history[/yellow] {escape(warning)}", highlight=False)
    console.print("[green]ok[/green]: every metric a KR uses can be computed" if r.ok else
                  f"[red]{counted(len(r.blocking), 'metric')} used by KRs cannot be computed[/red]")


def register(app: typer.Typer) -> None:
    app.add_typer(metrics_app, name="metrics")
    app.add_typer(tracking_app, name="tracking")
    app.command("ingest")(ingest_command)

