"""`sowhat ingest --from amplitude|mixpanel|posthog` on fixtures written from each vendor's
documented export format (tests/unit/metrics/vendors/)."""

from __future__ import annotations

import gzip
import json
import zipfile
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from sowhat.errors import UserError
from sowhat.metrics.ingest import ingest

VENDORS = Path(__file__).parent / "vendors"


def stored(store: Path) -> list[tuple]:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute("SELECT event, timestamp, user_id, account_id, message_id, "
                           "properties::VARCHAR FROM events ORDER BY timestamp, event").fetchall()


def test_amplitude_zip_of_gzipped_json_lines(tmp_path: Path) -> None:
    # The Export API answers a ZIP holding one gzipped JSON-lines file per hour.
    archive = tmp_path / "export.zip"
    lines = (VENDORS / "amplitude_2026-11-02_10.json").read_bytes()
    cut = lines.index(b"\n") + 1
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("123456/123456_2026-11-02_10#0.json.gz", gzip.compress(lines[:cut]))
        z.writestr("123456/123456_2026-11-02_10#1.json.gz", gzip.compress(lines[cut:]))
    store = tmp_path / "events.duckdb"
    report = ingest([archive], store=store, vendor="amplitude")
    assert (report.read, report.loaded, report.rejected) == (3, 3, 0)
    got = stored(store)
    assert got[0][:5] == ("signup", datetime(2026, 11, 2, 10, 0, 3, 120000), "u-1", "acme",
                          "0b4a7e2e-1111-4c8e-9d1a-000000000001")
    # User properties are merged in; the event's own value wins on a shared key.
    assert json.loads(got[0][5]) == {"plan": "mid", "seats": 12, "role": "admin"}
    assert got[2][2:4] == (None, None)
    assert ingest([archive], store=store, vendor="amplitude").duplicates == 3


def test_mixpanel_raw_export_prefers_user_id_and_dedupes_insert_ids(tmp_path: Path) -> None:
    store = tmp_path / "events.duckdb"
    report = ingest([VENDORS / "mixpanel_export.jsonl"], store=store, vendor="mixpanel",
                    mapping={"account_id": "properties.company_id"})
    assert (report.read, report.loaded, report.duplicates) == (3, 2, 1)
    got = stored(store)
    assert got[0][:5] == ("Signed up", datetime(2025, 11, 2, 10), "u-1", "acme", "a1b2c3")
    assert got[1][:4] == ("Project created", datetime(2025, 11, 2, 11), "u-2", "globex")
    assert json.loads(got[0][5])["plan"] == "mid"


@pytest.mark.parametrize("name", ["posthog_events.csv", "posthog_events.jsonl"])
def test_posthog_event_export_csv_and_json(tmp_path: Path, name: str) -> None:
    store = tmp_path / "events.duckdb"
    report = ingest([VENDORS / name], store=store, vendor="posthog")
    assert report.rejected == 0
    got = {r[0]: r for r in stored(store)}
    signup = got["user signed up"]
    assert signup[1:5] == (datetime(2026, 11, 2, 10), "u-1", "acme",
                           "018f3c1e-0000-7000-8000-000000000001")
    props = json.loads(signup[5])
    assert props["plan"] == "mid"
    assert got["project created"][2:4] == ("u-2", None)
    if name.endswith(".jsonl"):
        assert props["email_domain"] == "acme.com"  # person properties merged in


def test_unknown_vendor_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown export format"):
        ingest([VENDORS / "mixpanel_export.jsonl"], store=tmp_path / "e.duckdb", vendor="heap")
