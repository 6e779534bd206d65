"""Measured baselines for the KRs of the files on disk, for the coach (SW114).

Sync stores each applied KR's measured baseline; the coach must judge the file being linted
instead — a pull request's new baseline, before anything is applied — so this computes the
same measure from the events for every KR in the workspace's OKR files.
"""

from __future__ import annotations

from sowhat.errors import SowhatError
from sowhat.lint.context import MeasuredBaseline
from sowhat.metrics.engine import MetricRequest
from sowhat.metrics.values import to_utc
from sowhat.services.sync.file_events import FileEvents
from sowhat.services.sync.measures import WindowRequest, compute_windows, kr_measure
from sowhat.spec.metric_defs import averaged_buckets, rate_trials, trials_noun
from sowhat.spec.metric_units import kr_scale
from sowhat.spec.workspace import Workspace


def file_baselines(*, workspace: Workspace,
                   source: FileEvents) -> dict[str, MeasuredBaseline] | None:  # fmt: skip
    """kr id -> its measure just before its period; None when the events cannot be asked.

    KRs whose baseline window starts before the first event, or reaches past the data, get
    no entry (nothing was measured there).
    """
    catalog, events = source.catalog, source.events
    earliest, latest = source.earliest, source.latest
    out: dict[str, MeasuredBaseline] = {}
    wanted: list[tuple[str, bool, WindowRequest]] = []
    for loaded in workspace.plans:
        period = loaded.plan.period
        for objective in loaded.plan.objectives:
            for kr in objective.key_results:
                if not kr.metric or kr.metric not in catalog.metrics or (
                        kr.segment and kr.segment not in catalog.segments):
                    continue
                m = kr_measure(metric=kr.metric, catalog=catalog, measure=kr.measure,
                               over_days=kr.over_days)
                window = m.baseline(period_start=to_utc(period.start),
                                    period_end=to_utc(period.end))
                if window.start < earliest or window.as_of > latest:
                    continue
                # a 0-1 rate as every screen shows it (status asks the unit too): a churn
                # or a ratio written `unit: percent` as much as a conversion
                share = kr_scale(metric=kr.metric, kr_unit=kr.unit,
                                 catalog=catalog).text == "percent"
                wanted.append((kr.id, share,
                               WindowRequest(MetricRequest(kr.metric, kr.segment), window)))
    try:
        results = compute_windows([w for _, _, w in wanted], catalog=catalog,
                                  events=events)
    except SowhatError:
        return None
    for (kr_id, share, req), result in zip(wanted, results, strict=True):
        if result.error or not result.values or result.values[0].value is None:
            continue
        start, end = req.window.start, req.window.end
        # an `active` metric averages the whole weeks (days, months) inside the window:
        # name those, as `sowhat status` does
        covered = averaged_buckets(catalog.metrics[req.request.metric], start, end)
        if covered is not None:
            start, end = covered.start, covered.end
        out[kr_id] = MeasuredBaseline(
            value=result.values[0].value, start=start, end=end, share=share,
            trials=rate_trials(catalog.metrics[req.request.metric], result.values[0].n),
            trials_noun=trials_noun(catalog.metrics[req.request.metric]))
    return out
