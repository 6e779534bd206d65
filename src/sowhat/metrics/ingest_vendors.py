"""`sowhat ingest --from amplitude|mixpanel|posthog`: vendors' documented export formats.

Each vendor is a preset of where the canonical columns are read from (the same mechanism as
`--map`, which still overrides a preset), plus, for Amplitude, unpacking its archive. Vendor
user properties are merged into the event's properties (the event's own value wins) so
segments can use them today; see docs/ingest.md for what an entity-traits hook would take.

- **Amplitude** Export API: a ZIP archive of gzipped JSON-lines files, one event per line with
  `event_type`, `event_time` (UTC, `2026-11-02 10:00:00.123000`), `user_id`, `uuid`,
  `event_properties`, `user_properties` and `groups` ({group type: id}).
- **Mixpanel** raw event export: JSON lines `{"event": ..., "properties": {"time": <epoch>,
  "distinct_id": ..., "$insert_id": ..., ...}}`; `$user_id` is preferred to `distinct_id`.
- **PostHog** event export (batch export files or a CSV download): `uuid`, `event`,
  `timestamp`, `distinct_id`, `properties` (an object, or JSON text in CSV),
  `person_properties`; groups as `properties.$groups` ({group type: key}).
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sowhat.errors import UserError

VENDORS: dict[str, dict[str, tuple[str, ...]]] = {
    "amplitude": {
        "event": ("event_type",),
        "timestamp": ("event_time", "client_event_time", "server_upload_time"),
        "user_id": ("user_id",),
        "account_id": ("groups.account", "groups.account_id", "groups.company"),
        "message_id": ("uuid", "$insert_id", "insert_id"),
        "properties": ("event_properties", "user_properties"),
    },
    "mixpanel": {
        "event": ("event",),
        "timestamp": ("properties.time",),
        "user_id": ("properties.$user_id", "properties.distinct_id"),
        "account_id": ("properties.account_id", "properties.company_id"),
        "message_id": ("properties.$insert_id",),
        "properties": ("properties",),
    },
    "posthog": {
        "event": ("event",),
        "timestamp": ("timestamp",),
        "user_id": ("distinct_id",),
        "account_id": ("properties.$groups.account", "properties.$groups.company"),
        "message_id": ("uuid",),
        "properties": ("properties", "person_properties"),
    },
}


def preset(vendor: str) -> dict[str, tuple[str, ...]]:
    if vendor not in VENDORS:
        raise UserError(f"unknown export format {vendor!r}",
                        hint="use --from amplitude, mixpanel or posthog")
    return VENDORS[vendor]


@contextmanager
def readable(path: Path, vendor: str | None) -> Iterator[Path]:
    """The file to stage: an Amplitude ZIP is unpacked into one JSON-lines file first."""
    if vendor != "amplitude" or not zipfile.is_zipfile(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="sowhat-amplitude-") as tmp:
        out = Path(tmp) / (path.stem + ".jsonl")
        with zipfile.ZipFile(path) as archive, out.open("wb") as sink:
            for member in sorted(archive.namelist()):
                if member.endswith("/"):
                    continue
                with archive.open(member) as raw:
                    stream = gzip.GzipFile(fileobj=raw) if member.endswith(".gz") else raw
                    shutil.copyfileobj(stream, sink, 1 << 20)
                sink.write(b"\n")
        yield out
