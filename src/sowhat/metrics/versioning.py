"""Versioned definitions: notice when a metric means something else than when it was recorded.

A KR baselined at 0.70 on "activation within 7 days" must not silently be compared with
"activation within 14 days". Check-ins and baselines store the definition hash; these helpers
say whether the current catalog still computes the same thing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sowhat.spec.metric_defs import MetricsFile, metric_definition_hash

Status = Literal["unchanged", "changed", "new", "removed"]


@dataclass(frozen=True)
class DefinitionChange:
    metric: str
    status: Status
    recorded: str | None
    current: str | None

    def describe(self) -> str:
        if self.status == "changed":
            return (f"metric {self.metric!r} changed since it was recorded "
                    f"({self.recorded} -> {self.current}); values before and after are not "
                    "comparable")
        if self.status == "removed":
            return f"metric {self.metric!r} was recorded ({self.recorded}) but is no longer defined"
        if self.status == "new":
            return f"metric {self.metric!r} is new ({self.current})"
        return f"metric {self.metric!r} is unchanged ({self.current})"


def definition_hash(catalog: MetricsFile, name: str, segment: str | None = None) -> str:
    """Hash of a metric (with its ratio parts) and, when given, the segment it is cut by."""
    base = metric_definition_hash(catalog.metrics[name], catalog=catalog)
    if segment is None:
        return base
    seg = catalog.segments[segment]
    text = json.dumps(
        {"metric": base, "segment": seg.model_dump(mode="json", by_alias=True,
                                                    exclude={"description"},
                                                    exclude_none=True)},
        sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def definition_change(
    catalog: MetricsFile, name: str, recorded: str | None, segment: str | None = None
) -> DefinitionChange:
    """How metric `name` (cut by `segment`) compares with the hash recorded earlier."""
    current = None
    if name in catalog.metrics and (segment is None or segment in catalog.segments):
        current = definition_hash(catalog, name, segment)
    if current is None:
        return DefinitionChange(name, "removed", recorded, None)
    if recorded is None:
        return DefinitionChange(name, "new", None, current)
    return DefinitionChange(name, "unchanged" if recorded == current else "changed",
                            recorded, current)


def compare_catalog(catalog: MetricsFile, recorded: Mapping[str, str]) -> list[DefinitionChange]:
    """Every metric's status against a recorded {name: hash} snapshot, sorted by name."""
    names = sorted(set(catalog.metrics) | set(recorded))
    return [definition_change(catalog, n, recorded.get(n)) for n in names]
