"""`[events] backend = "spark"`: what the settings accept, and located errors for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from sowhat.errors import SpecError
from sowhat.spec.event_source import EventSourceSpec
from sowhat.spec.workspace import load_workspace
from tests.conftest import WriteWorkspace
from tests.samples import CONFIG


def errors_of(root: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_workspace(root)
    return [d.render() for d in info.value.diagnostics]


@pytest.mark.parametrize("master", ["local", "local[*]", "local[2]", "local[4, 2]",
                                    "spark://spark-master:7077",
                                    "spark://a.example:7077,b.example:7077", "yarn",
                                    "k8s://https://10.0.0.1:6443", "local-cluster[2, 1, 1024]"])
def test_spark_master_urls_spark_accepts_are_accepted(master: str) -> None:
    spec = EventSourceSpec.from_config({"backend": "spark", "parquet": "e/*.parquet",
                                        "master": master})
    assert spec.kind == "spark"
    assert spec.master == master


def test_spark_reads_a_parquet_glob_or_a_catalog_table(tmp_path: Path) -> None:
    glob = EventSourceSpec.from_config({"backend": "spark", "parquet": "events/*.parquet"})
    assert glob.kind == "spark"
    assert glob.parquet_glob(tmp_path) == str(tmp_path / "events" / "*.parquet")
    remote = EventSourceSpec.from_config({"backend": "spark", "parquet": "s3a://b/ev/*.parquet"})
    assert remote.parquet_glob(tmp_path) == "s3a://b/ev/*.parquet"
    table = EventSourceSpec.from_config({"backend": "spark", "table": "analytics.events",
                                         "spark_conf": {"spark.executor.memory": "4g"}})
    assert (table.kind, table.parquet, table.table) == ("spark", None, "analytics.events")
    assert table.spark_conf == {"spark.executor.memory": "4g"}
    # without `backend`, a Parquet glob is still DuckDB's
    assert EventSourceSpec.from_config({"parquet": "e/*.parquet"}).kind == "parquet"


@pytest.mark.parametrize(("settings", "message"), [
    ({"backend": "spark", "path": "e.duckdb"}, "remove path"),
    ({"backend": "spark", "url": "postgres://h/db"}, "remove url"),
    ({"backend": "spark", "parquet": "e/*.parquet", "threads": 2}, "remove threads"),
    ({"backend": "spark", "parquet": "e/*.parquet", "master": "spark:/h:7077"},
     "is not a Spark master URL"),
    ({"backend": "spark", "master": "local[0]"}, "is not a Spark master URL"),
    ({"parquet": "e/*.parquet", "master": "local[2]"}, "master is a Spark setting"),
    ({"spark_conf": {"spark.executor.memory": "4g"}}, "spark_conf is a Spark setting"),
    ({"backend": "flink"}, "Input should be 'duckdb' or 'spark'"),
])
def test_misconfigured_spark_settings_are_refused(settings: dict[str, object],
                                                  message: str) -> None:
    with pytest.raises(ValidationError) as info:
        EventSourceSpec.from_config(settings)
    assert message in str(info.value)


def test_a_bad_master_is_a_located_error_in_sowhat_toml(write_workspace: WriteWorkspace
                                                        ) -> None:
    config = CONFIG + '\n[events]\nbackend = "spark"\nparquet = "e/*.parquet"\nmaster = "locl[2]"\n'
    (msg,) = errors_of(write_workspace(config=config))
    assert msg.startswith("sowhat.toml:10:1: events.master: 'locl[2]' is not a Spark master "
                          "URL"), msg
    assert "local[N], spark://HOST:PORT" in msg
    typo = write_workspace(config=CONFIG + '\n[events]\nbackend = "spark"\nmastr = "yarn"\n',
                           name="b")
    (msg,) = errors_of(typo)
    assert msg.startswith("sowhat.toml:9:1: unknown setting 'events.mastr'"), msg
