"""Forecasts fitted once, when `sowhat sync` stores the series they read, and read by pages.

A forecast takes ≈0.1 s to fit; a plan with a thousand synced KRs made the first page after
every sync (or of a fresh server) fit a thousand of them. Sync now fits them and stores each
with the digest of everything it read (`input_key`); a reader recomputes that digest from what
it is about to show and serves the stored forecast only when the two are equal. What the
digest covers:
- the fields of the KR's status the forecast reads (`FORECAST_INPUTS`: its values,
  baseline, target, unit, metric, segment, measure) and its objective;
- its stored weekly series (history and period weeks, with the values as the forecast reads
  them) and the as-of they were stored at (the period's last sync), which decides the
  complete weeks the forecast is fitted on;
- the period (label, start, end), the metric's definition (a ratio's parts included) and
  the interval;
- the forecasting code itself (the source of `sowhat.services.forecasts`, `sowhat.stats` and
  the two listing modules), so an upgrade never serves a forecast the old model made.
So a check-in with a value, an edit, a later sync or a new model version makes the stored
entry a miss, and the reader fits that KR itself: a stored forecast is never stale, only
absent. (A person's confidence or note on a synced KR moves no forecast, and misses nothing.)

A miss is not always a refit. The view's digest covers the KR's current value, its newest
(partial) week, the as-of and its title, which a new day or an edit moves; the two costly
fits inside it — the trend model's forecast and the ambition check — read less: the
forecast reads complete weeks only, so a day that completes no week keeps it. Each is
stored with the view under a key of exactly its own inputs
(`services.forecasts.FittedParts`, the document's `fitted` entry), and a miss reuses a fit
whose key is unchanged: the ambition check (it reads settled pre-period weeks, which move
only when one settles, and the target) and the forecast while the weeks it reads stay the
same. The view assembled around a kept fit equals one fitted afresh.

The digest and the "is the stored one current?" check (`services.listing.forecast_keys`)
import no statistics; this module imports the fitting code (NumPy) only when a KR misses,
and NumPy only when one of its fits has to be made, so a sync that changed no forecast
input never loads it.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.domain.okr import Direction
from sowhat.domain.period import Period
from sowhat.errors import NotFound
from sowhat.services.listing.forecast_keys import (
    DEFAULT_INTERVAL,
    ForecastInput,
    code_version,
    forecast_inputs,
    input_key,
    stale_inputs,
)
from sowhat.services.plans import PeriodStatus, status_rows
from sowhat.spec.metric_defs import MetricsFile
from sowhat.store.sync_models import KRForecastRow

if TYPE_CHECKING:  # the assembly only when a KR misses; NumPy only for a fit
    from sowhat.services.forecasts import FittedParts, KRForecastView, PeriodForecast

__all__ = ["code_version", "forecasts_for", "input_key", "period_forecasts", "store_forecasts",
           "view_from_doc", "view_to_doc"]


def period_forecasts(*, session: Session, catalog: MetricsFile | None,
                     period: str | None = None, kr_ids: list[str] | None = None,
                     today: date | None = None, interval: float = DEFAULT_INTERVAL,
                     ) -> PeriodForecast:  # fmt: skip
    """`services.forecasts.forecast_period` — every KR with a metric of a period (default:
    the one covering today), `kr_ids` only when given — from the stored forecasts where
    their inputs are unchanged, fitted otherwise: the same result, without refitting what
    sync fitted. What `sowhat forecast` and the quarter report read."""
    from sowhat.services.forecasts import PeriodForecast

    status = status_rows(session=session, period=period, today=today, catalog=catalog)
    if kr_ids is not None:
        known = {k.id for o in status.objectives for k in o.key_results if k.metric}
        missing = sorted(set(kr_ids) - known)
        if missing:
            raise NotFound(f"no key result with a metric named {', '.join(missing)} "
                           f"in {status.period}", hint="`sowhat status` lists the key results")
    views = tuple(forecasts_for(session=session, catalog=catalog, status=status,
                                kr_ids=kr_ids, interval=interval).values())
    latest = [v.last_week for v in views if v.last_week is not None]
    return PeriodForecast(period=status.period, start=status.start, end=status.end,
                          series_as_of=max(latest) if latest else None, key_results=views)


def forecasts_for(*, session: Session, catalog: MetricsFile | None, status: PeriodStatus,
                  kr_ids: list[str] | None = None, interval: float = DEFAULT_INTERVAL,
                  write: bool = False) -> dict[str, KRForecastView]:  # fmt: skip
    """Forecasts of the period's KRs with a metric (those of `kr_ids` only, when given), by
    KR id: the stored one where its inputs are unchanged, else fitted now — and stored,
    with `write` (sync). `status` is the period as the caller shows it (`status_rows`)."""
    span, inputs = forecast_inputs(session=session, catalog=catalog, status=status,
                                   kr_ids=kr_ids, interval=interval)
    current = [i.row_id for i in inputs if i.current]
    docs: dict[int, dict[str, Any]] = {int(r): doc for r, doc in session.execute(
        select(KRForecastRow.key_result_id, KRForecastRow.view)
        .where(KRForecastRow.key_result_id.in_(current)))} if current else {}
    fitted = _fit(session, span, stale_inputs(inputs), catalog, interval, write=write)
    return {i.status.id: fitted[i.status.id] if i.status.id in fitted
            else view_from_doc(docs[i.row_id]) for i in inputs}


def store_forecasts(*, session: Session, catalog: MetricsFile | None, status: PeriodStatus
                    ) -> int:  # fmt: skip
    """Fit and store the forecasts whose inputs changed (sync calls this last): how many
    KRs with a metric the period has. When every stored forecast is current nothing is
    fitted and the statistics are never imported."""
    span, inputs = forecast_inputs(session=session, catalog=catalog, status=status)
    _fit(session, span, stale_inputs(inputs), catalog, DEFAULT_INTERVAL, write=True)
    return len(inputs)


def _fit(session: Session, span: Period, stale: list[ForecastInput],
         catalog: MetricsFile | None, interval: float, *, write: bool
         ) -> dict[str, KRForecastView]:  # fmt: skip
    """Fit these KRs' forecasts now (by KR id); with `write`, store them under their key."""
    if not stale:
        return {}
    from sowhat.services import forecasts as fc  # the assembly; NumPy only for a fit

    found = {r.key_result_id: r for r in session.scalars(
        select(KRForecastRow).where(KRForecastRow.key_result_id.in_(
            [i.row_id for i in stale])))}
    out: dict[str, KRForecastView] = {}
    now = datetime.now(UTC)
    for i in stale:
        row = found.get(i.row_id)
        kept = row.view.get("fitted") if row is not None and isinstance(row.view, dict) else None
        parts = fc.FittedParts(kept)
        view = fc.forecast_one(i.objective_id, i.status, i.points, span, catalog, interval,
                               parts, as_of=i.as_of)
        out[i.status.id] = view
        doc = view_to_doc(view, parts)
        if not write or doc is None:
            continue
        if row is None:
            row = KRForecastRow(key_result_id=i.row_id)
            session.add(row)
        row.input_key, row.view, row.computed_at = i.key, doc, now
    if write:
        session.flush()
    return out


def view_to_doc(view: KRForecastView, parts: FittedParts | None = None
                ) -> dict[str, Any] | None:  # fmt: skip
    """The view as JSON, with the fits it rests on and their keys (`fitted`) when given; None
    when a number is not finite (JSON cannot hold it: not stored)."""
    doc = asdict(view)
    if parts is not None:
        doc["fitted"] = parts.used
    if not _finite(doc):
        return None
    stored: dict[str, Any] = json.loads(json.dumps(doc, default=_json_default))
    return stored


def view_from_doc(doc: dict[str, Any]) -> KRForecastView:
    from sowhat.services.forecasts import (
        AmbitionView,
        Basis,
        KRForecastView,
        Outlook,
        PathPoint,
    )

    d = dict(doc)
    d.pop("fitted", None)  # the fits' keys and results, read by `_fit` on a miss
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
