"""Files and database, kept honest with each other.

People write OKRs two ways — YAML files in git (`sowhat apply` / `sowhat export`) and the web
app — and both write the same database. This package remembers, per period, what file and
database last agreed on (`state`), compares the three (`diff`: file, database, and that common
ancestor), so a difference can be told apart as a file edit, a web edit or both, and refuses
any step that would silently throw one side's edits away (`guard`).
"""

from __future__ import annotations

from sowhat.services.roundtrip.diff import (
    EditedOnBothSides,
    FieldDiff,
    PeriodDiff,
    Side,
    diff_plans,
)
from sowhat.services.roundtrip.snapshot import Snapshot, entity_label, plan_snapshot
from sowhat.services.roundtrip.state import (
    FileState,
    content_hash,
    file_states,
    record_state,
)

__all__ = [
    "EditedOnBothSides",
    "FieldDiff",
    "FileState",
    "PeriodDiff",
    "Side",
    "Snapshot",
    "content_hash",
    "diff_plans",
    "entity_label",
    "file_states",
    "plan_snapshot",
    "record_state",
]
