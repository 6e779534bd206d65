"""Forecasts fitted once, when `sowhat sync` stores the series they read, and read by pages.

A forecast takes ≈0.1 s to fit; a plan with a thousand synced KRs made the first page after
every sync (or of a fresh server) fit a thousand of them. Sync now fits them and stores each
with the digest of everything it read (`input_key`); a reader recomputes that digest from what
it is about to show and serves the stored forecast only when the two are equal. What the
digest covers:
- the fields of the KR's status the forecast reads (`FORECAST_INPUTS`: its values,
  baseline, target, unit, metric, segment, measure) and its objective;
- its stored weekly series (history and period weeks, with the values as the forecast reads
  them);
- the period (label, start, end), the metric's definition (a ratio's parts included) and
  the interval;
- the forecasting code itself (the source of `sowhat.services.forecasts`, `sowhat.stats` and
  this module), so an upgrade never serves a forecast the old model made.
So a check-in with a value, an edit, a later sync or a new model version makes the stored
entry a miss, and the reader fits that KR itself: a stored forecast is never stale, only
absent. (A person's confidence or note on a synced KR moves no forecast, and misses nothing.)
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.domain.okr import Direction
from sowhat.domain.period import Period
from sowhat.services import forecasts as fc
from sowhat.services.forecasts import (
    AmbitionView,
    Basis,
    KRForecastView,
    Outlook,
    PathPoint,
    Points,
)
from sowhat.services.plans import KeyResultStatus, PeriodStatus
from sowhat.spec.metric_defs import MetricsFile, metric_definition_hash
from sowhat.stats.forecast import DEFAULT_INTERVAL
from sowhat.store import repositories
from sowhat.store.models import KeyResultRow
from sowhat.store.sync_models import KRForecastRow

__all__ = ["forecasts_for", "input_key", "store_forecasts", "view_from_doc", "view_to_doc"]


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the forecasting code: the stored forecasts of another version miss."""
    import sowhat.stats

    files = [Path(fc.__file__), Path(__file__),
             *sorted(Path(sowhat.stats.__file__).parent.glob("*.py"))]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def input_key(k: KeyResultStatus, objective_id: str, points: tuple[Points, Points],
              span: Period, catalog: MetricsFile | None, interval: float) -> str:  # fmt: skip
    """The digest of everything the KR's forecast reads (see the module docstring)."""
    defn = catalog.metrics.get(k.metric or "") if catalog else None
    payload = [
        code_version(), objective_id, span.label, span.start, span.end, interval,
        metric_definition_hash(defn, catalog=catalog) if defn is not None else None,
        [repr(getattr(k, name)) for name in fc.FORECAST_INPUTS],
        [[(w, v) for w, v in phase] for phase in points],
    ]
    text = json.dumps(payload, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def forecasts_for(*, session: Session, catalog: MetricsFile | None, status: PeriodStatus,
                  kr_ids: list[str] | None = None, interval: float = DEFAULT_INTERVAL,
                  write: bool = False) -> dict[str, KRForecastView]:  # fmt: skip
    """Forecasts of the period's KRs with a metric (those of `kr_ids` only, when given), by
    KR id: the stored one where its inputs are unchanged, else fitted now — and stored,
    with `write` (sync). `status` is the period as the caller shows it (`status_rows`)."""
    row = repositories.periods_by_label(session, [status.period])[status.period]
    span = Period.between(row.start, row.end, row.label)
    wanted = [(o.id, k) for o in status.objectives for k in o.key_results
              if k.metric and (kr_ids is None or k.id in kr_ids)]
    if not wanted:
        return {}
    rows = session.execute(
        select(KeyResultRow.key, KeyResultRow.id)
        .where(KeyResultRow.period_id == row.id, KeyResultRow.archived_at.is_(None))
        .where(KeyResultRow.key.in_([k.id for _, k in wanted]))).all()
    ids = {str(key): int(kr_id) for key, kr_id in rows}
    series = fc.weekly_series(session, list(ids.values()))
    stored = {r.key_result_id: r for r in session.scalars(
        select(KRForecastRow).where(KRForecastRow.key_result_id.in_(list(ids.values()))))}
    out: dict[str, KRForecastView] = {}
    now = datetime.now(UTC)
    for objective_id, k in wanted:
        row_id = ids[k.id]
        points = series.get(row_id, ([], []))
        key = input_key(k, objective_id, points, span, catalog, interval)
        found = stored.get(row_id)
        if found is not None and found.input_key == key:
            out[k.id] = view_from_doc(found.view)
            continue
        view = fc.forecast_one(objective_id, k, points, span, catalog, interval)
        out[k.id] = view
        doc = view_to_doc(view)
        if not write or doc is None:
            continue
        if found is None:
            found = KRForecastRow(key_result_id=row_id)
            session.add(found)
            stored[row_id] = found
        found.input_key, found.view, found.computed_at = key, doc, now
    if write:
        session.flush()
    return out


def store_forecasts(*, session: Session, catalog: MetricsFile | None, status: PeriodStatus
                    ) -> int:  # fmt: skip
    """Fit and store the forecasts whose inputs changed (sync calls this last): how many
    KRs have a stored forecast now."""
    return len(forecasts_for(session=session, catalog=catalog, status=status, write=True))


def view_to_doc(view: KRForecastView) -> dict[str, Any] | None:
    """The view as JSON; None when a number is not finite (JSON cannot hold it: not stored)."""
    doc = asdict(view)
    if not _finite(doc):
        return None
    stored: dict[str, Any] = json.loads(json.dumps(doc, default=_json_default))
    return stored


def view_from_doc(doc: dict[str, Any]) -> KRForecastView:
    d = dict(doc)
    ambition = d.get("ambition")
    return KRForecastView(**{
        **d,
        "basis": Basis(d["basis"]),
        "direction": Direction(d["direction"]) if d["direction"] is not None else None,
        "last_week": _date(d["last_week"]),
        "outlook": Outlook(d["outlook"]),
        "path": tuple(PathPoint(**{**p, "week": _date(p["week"])}) for p in d["path"]),
        "ambition": AmbitionView(**ambition) if ambition is not None else None,
    })


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text is not None else None


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a forecast")


def _finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    return True
