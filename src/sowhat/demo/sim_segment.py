"""A small Segment-style JSONL sample of simulated events, for docs, tests and `sowhat ingest`.

Segment track calls carry `event`, `userId`, `timestamp`, `properties`, `context.groupId`
(the account) and `messageId`; `sowhat ingest` reads exactly these with no options. A sample
of a few thousand lines is small enough to write row by row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

PROPERTY_COLUMNS = ("plan", "score", "amount", "path")


def segment_record(row: dict[str, Any]) -> dict[str, Any]:
    """One simulated event as a Segment track call."""
    ts: datetime = row["timestamp"]
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    props = {k: row[k] for k in PROPERTY_COLUMNS if row.get(k) is not None}
    record: dict[str, Any] = {
        "type": "track",
        "event": row["event"],
        "userId": row["user_id"],
        "timestamp": ts.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "properties": props,
        "context": {"groupId": row["account_id"], "library": {"name": "sowhat-simulator"}},
        "messageId": row["message_id"],
    }
    if row["user_id"] is None:
        record["anonymousId"] = f"system-{row['account_id']}"
    return record


def write_segment_sample(parquet_files: Sequence[Path], out_path: Path, *,
                         limit: int = 2_000) -> Path:
    """Write the first `limit` simulated events (by time) as Segment track-call JSONL."""
    if not parquet_files:
        raise ValueError("no simulated files to sample from")
    table = pq.read_table(parquet_files[0])
    table = table.sort_by("timestamp").slice(0, limit)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as out:
        for row in table.to_pylist():
            out.write(json.dumps(segment_record(row), ensure_ascii=False) + "\n")
    return out_path
