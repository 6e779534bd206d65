"""A misconfigured Spark source is one clear error, found before a JVM starts.

No Spark session is started here: every check runs ahead of it (so these are quick), and the
CLI shows the message and hint with a non-zero exit, no traceback.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sowhat.errors import DataError
from sowhat.metrics.source import EventSource
from tests.conftest import WriteWorkspace
from tests.samples import CONFIG

if importlib.util.find_spec("pyspark") is None and not os.environ.get("CI"):
    pytest.skip("pyspark is not installed (pip install -e '.[spark]')", allow_module_level=True)


def test_a_parquet_glob_matching_no_file_is_named(tmp_path: Path) -> None:
    glob = str(tmp_path / "events" / "*.parquet")
    with pytest.raises(DataError) as info:
        EventSource.spark(parquet=glob, master="local[1]")
    assert info.value.message == f"no Parquet files match {glob}"
    assert "[events] parquet" in (info.value.hint or "")


def test_no_java_runtime_is_named_with_the_fix(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "e.parquet").write_bytes(b"")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    with pytest.raises(DataError) as info:
        EventSource.spark(parquet=str(tmp_path / "*.parquet"), master="local[1]")
    assert "has no bin/java" in info.value.message
    monkeypatch.delenv("JAVA_HOME")
    monkeypatch.setenv("PATH", str(tmp_path))  # no `java` on it
    with pytest.raises(DataError) as info:
        EventSource.spark(parquet=str(tmp_path / "*.parquet"), master="local[1]")
    assert info.value.message == "Spark needs a Java runtime (17 or newer) and none was found"
    assert "default-jre-headless" in (info.value.hint or "")


def test_an_unreachable_standalone_master_fails_fast(tmp_path: Path) -> None:
    (tmp_path / "e.parquet").write_bytes(b"")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    master = f"spark://127.0.0.1:{port}"
    with pytest.raises(DataError) as info:
        EventSource.spark(parquet=str(tmp_path / "*.parquet"), master=master)
    assert info.value.message == f"cannot reach the Spark master {master}"
    assert "[events] master" in (info.value.hint or "")


def test_the_cli_reports_a_bad_spark_source_without_a_traceback(
    write_workspace: WriteWorkspace,
) -> None:
    root = write_workspace(config=CONFIG + '\n[events]\nbackend = "spark"\n'
                           'parquet = "exports/*.parquet"\nmaster = "local[1]"\n')
    result = subprocess.run(
        [str(Path(sys.executable).parent / "sowhat"), "metrics", "compute", "activation_rate",
         "--from", "2026-10-01", "--to", "2026-11-01", "--workspace", str(root)],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    glob = root / "exports" / "*.parquet"
    assert f"error: no Parquet files match {glob}; check [events] parquet" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
