"""Importing objectives and KRs from a spreadsheet export: one row per KR.

`read_rows` reads and checks the CSV (errors name the file, the line and the fix, all of them
at once); `preview` runs the draft check (coach, measured baseline, ambition, detectability)
on every row without writing; `write_rows` creates what the preview showed, in one transaction
the caller owns, creating the period as a draft when it does not exist. Columns are listed in
docs/okrs.md ("Importing a spreadsheet").
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from sowhat.domain.measure import over_days
from sowhat.domain.period import Period
from sowhat.domain.words import plural
from sowhat.errors import Diagnostic, Forbidden, Location, SowhatError, SpecError, UserError
from sowhat.metrics.source import EventSource
from sowhat.services.accounts import Principal
from sowhat.services.authoring import objects, periods
from sowhat.services.authoring.draft_check import DraftCheck, check_draft_kr
from sowhat.services.events import open_events
from sowhat.spec.workspace import Workspace
from sowhat.store import repositories

__all__ = ["COLUMNS", "ImportRow", "decode", "parse_rows", "preview", "read_rows", "write_rows"]

COLUMNS = ("objective_id", "objective", "team", "owner", "kr_id", "kr", "metric", "segment",
           "baseline", "target", "kr_owner", "indicator", "unit", "measure", "over")  # fmt: skip
REQUIRED = ("objective_id", "kr_id", "kr", "target")
FORBIDDEN = "forbidden"  # a row's diagnostic code when the person may not write it


@dataclass(frozen=True)
class ImportRow:
    line: int
    objective_id: str
    objective: str | None
    team: str | None
    owner: str | None
    kr_id: str
    kr: str
    metric: str | None
    segment: str | None
    baseline: float | None
    target: float
    kr_owner: str | None
    check: DraftCheck | None = None
    indicator: str | None = None  # leading | lagging; empty: the metric's default
    unit: str | None = None  # how a KR without a metric reads (`hours`, `percent`)
    measure: str | None = None  # level | cumulative; empty: the metric type's default
    over: str | None = None  # a level's trailing window (`7d`); empty: 28 days

    @property
    def over_days(self) -> int | None:
        return over_days(self.over) if self.over else None

    @property
    def baseline_to_use(self) -> float | None:
        """The typed baseline, else the measured one."""
        if self.baseline is not None:
            return self.baseline
        m = self.check.measured if self.check else None
        return m.value if m is not None else None


def read_rows(path: Path) -> list[ImportRow]:
    """Every row, or a SpecError listing every bad cell with its line."""
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}", hint="save it as CSV UTF-8") from None
    return parse_rows(text, str(path))


def decode(data: bytes, name: str) -> str:
    """An uploaded file's text (UTF-8, with or without the BOM spreadsheets write)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{name} is not UTF-8 text",
                        hint="export it as “CSV UTF-8” from the spreadsheet") from None


def parse_rows(text: str, source: str) -> list[ImportRow]:
    """`read_rows` on text already read (an upload); `source` names it in errors."""
    path = source
    text = text.removeprefix("\ufeff")
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    problems: list[Diagnostic] = []
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if unknown or missing:
        what = "; ".join(filter(None, [
            f"unknown {plural(len(unknown), 'column')} {', '.join(unknown)}" if unknown else "",
            f"missing {plural(len(missing), 'column')} {', '.join(missing)}" if missing else "",
        ]))  # fmt: skip
        raise SpecError([Diagnostic(Location(str(path), 1, 1), what,
                                    f"columns: {', '.join(COLUMNS)} (see docs/okrs.md)")])
    rows = []
    for number, raw in enumerate(reader, start=2):
        cells = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(cells.values()):
            continue
        where = Location(str(path), number, 1)
        blank = [c for c in REQUIRED if not cells.get(c)]
        if blank:
            problems.append(Diagnostic(where, f"empty {', '.join(blank)}",
                                       "every row needs an objective_id, kr_id, kr and target"))
            continue
        try:
            baseline = _number(cells.get("baseline", ""), "baseline")
            target = _number(cells["target"], "target")
            extra = _measure_cells(cells)
        except UserError as exc:
            problems.append(Diagnostic(where, exc.message, exc.hint))
            continue
        assert target is not None
        rows.append(ImportRow(
            line=number, objective_id=cells["objective_id"],
            objective=cells.get("objective") or None, team=cells.get("team") or None,
            owner=cells.get("owner") or None, kr_id=cells["kr_id"], kr=cells["kr"],
            metric=cells.get("metric") or None, segment=cells.get("segment") or None,
            baseline=baseline, target=target, kr_owner=cells.get("kr_owner") or None,
            indicator=extra["indicator"], unit=extra["unit"], measure=extra["measure"],
            over=extra["over"]))  # fmt: skip
    if problems:
        raise SpecError(problems)
    if not rows:
        raise UserError(f"{path} has no rows", hint="one row per key result, under a header")
    return rows


def preview(*, rows: list[ImportRow], period: Period, workspace: Workspace,
            today: date | None = None) -> list[ImportRow]:  # fmt: skip
    """Each row with its draft check; nothing is written."""
    today = today or datetime.now(UTC).date()
    try:
        source: EventSource | None = open_events(workspace)
    except SowhatError:
        source = None
    try:
        return [replace(r, check=check_draft_kr(
            title=r.kr, metric=r.metric, segment=r.segment, baseline=r.baseline,
            target=r.target, period=period, catalog=workspace.metrics, events=source,
            today=today, measure=r.measure, over_days=r.over_days)) for r in rows]  # fmt: skip
    finally:
        if source is not None:
            source.close()


def write_rows(*, session: Session, principal: Principal, workspace: Workspace, period: str,
               rows: list[ImportRow], source: str = "import",
               dry_run: bool = False) -> tuple[int, int]:  # fmt: skip
    """Create the rows' objectives (once each) and KRs; returns (objectives, KRs) created.

    Every row is tried; a row the database refuses (an id that exists, a team the person may
    not edit, an unknown metric) is reported with its line, and any refusal raises a
    SpecError listing them all — the caller's transaction then writes nothing. With
    `dry_run`, the same writes run inside a savepoint that is rolled back: the preview's
    per-row check, by the very code that would write.
    """
    nested = session.begin_nested()
    try:
        made = _write_rows(session, principal, workspace, period, rows, source)
    except BaseException:
        nested.rollback()
        raise
    if dry_run:
        nested.rollback()
    else:
        nested.commit()
    return made


def _write_rows(session: Session, principal: Principal, workspace: Workspace, period: str,
                rows: list[ImportRow], source: str) -> tuple[int, int]:  # fmt: skip
    if period not in repositories.periods_by_label(session, [period]):
        periods.create_period(session=session, principal=principal, label=period)
    existing = {o.key for o in repositories.period_contents(
        session, repositories.periods_by_label(session, [period])[period]).objectives
        if o.archived_at is None}  # fmt: skip
    made_objectives = made_krs = 0
    problems: list[Diagnostic] = []
    for r in rows:
        try:
            if r.objective_id not in existing:
                if not r.objective:
                    raise UserError(f"objective {r.objective_id!r} is new and has no title",
                                    hint="fill the `objective` column on its first row")
                objects.create_objective(session=session, principal=principal, period=period,
                                         fields={"id": r.objective_id, "title": r.objective,
                                                 "team": r.team, "owner": r.owner})  # fmt: skip
                existing.add(r.objective_id)
                made_objectives += 1
            objects.create_key_result(
                session=session, principal=principal, period=period, metrics=workspace.metrics,
                fields={"id": r.kr_id, "objective": r.objective_id, "title": r.kr,
                        "metric": r.metric, "segment": r.segment,
                        "baseline": r.baseline_to_use, "target": r.target,
                        "owner": r.kr_owner, "indicator": r.indicator, "unit": r.unit,
                        "measure": r.measure, "over": r.over})  # fmt: skip
            made_krs += 1
        except UserError as exc:  # raised before anything is added: the next row can go on
            problems.append(Diagnostic(Location(source, r.line, 1), exc.message, exc.hint,
                                       code=FORBIDDEN if isinstance(exc, Forbidden) else "spec"))
    if problems:
        raise SpecError(problems)
    return made_objectives, made_krs


def _measure_cells(cells: dict[str, str]) -> dict[str, str | None]:
    """The optional indicator/unit/measure/over cells, checked as the OKR file checks them,
    so a typo is named on its line rather than refused later by the database."""
    out: dict[str, str | None] = {k: (cells.get(k) or "").strip() or None
                                  for k in ("indicator", "unit", "measure", "over")}
    for name, allowed in (("indicator", ("leading", "lagging")),
                          ("measure", ("level", "cumulative"))):
        value = out[name]
        if value is not None and value.lower() not in allowed:
            raise UserError(f"{name} {value!r} is not one of {', '.join(allowed)}",
                            hint=f"write {' or '.join(allowed)}, or leave it empty")
        out[name] = value.lower() if value else None
    if out["over"] is not None:
        try:
            days = over_days(out["over"])
        except ValueError:
            raise UserError(f"over {out['over']!r} is not a number of days",
                            hint="write e.g. 7d or 28d, or leave it empty (28 days)") from None
        if out["measure"] == "cumulative":
            raise UserError("over sets a level's trailing window; a cumulative measure runs "
                            "from the period start", hint="empty `over`, or measure level")
        if not 1 <= days <= 366:
            raise UserError(f"over {out['over']} is outside 1d..366d",
                            hint="a level's trailing window is 1 to 366 days")
    return out


def _number(text: str, name: str) -> float | None:
    cleaned = text.replace(",", "").strip()
    if not cleaned:
        return None
    share = cleaned.endswith("%")
    try:
        value = float(cleaned.rstrip("%").strip())
    except ValueError:
        raise UserError(f"{name} {text!r} is not a number",
                        hint="write e.g. 0.42 or 42%") from None  # fmt: skip
    return value / 100.0 if share else value
