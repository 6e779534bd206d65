"""The `[events]` table of `sowhat.toml`: where a workspace's product events live.

Three kinds, one per key: the default DuckDB file that `sowhat ingest` fills
(`path = ".sowhat/events.duckdb"`), a Parquet glob read in place (`parquet = "data/*.parquet"`),
or any Ibis backend by URL (`url = "postgres://user@host/db"`, or `url_env` naming an
environment variable so secrets stay out of the file) with `table` and a `columns` mapping
from the canonical names to the table's own. A fourth runs on Spark (`backend = "spark"`,
through Ibis' PySpark backend) over a `parquet` glob or a `table` of the session's catalog,
on `master` (`local[*]` unless set) with optional `[events.spark_conf]` settings.

    [events]
    url_env = "SOWHAT_EVENTS_URL"
    table = "analytics.tracks"
    [events.columns]
    event = "event_name"
    timestamp = "received_at"
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sowhat.domain.durations import parse_duration

DEFAULT_EVENTS_PATH = ".sowhat/events.duckdb"
CANONICAL_COLUMNS = ("event", "timestamp", "user_id", "account_id", "properties")
_SPARK_MASTER = re.compile(
    r"^(local(\[(\*|[1-9]\d*)(,\s*[1-9]\d*)?\])?|local-cluster\[\d+,\s*\d+,\s*\d+\]"
    r"|spark://[^\s/]+:\d+(,[^\s/]+:\d+)*/?|yarn|k8s://\S+|mesos://\S+)$"
)
"""The master URLs Spark accepts (its own list); anything else fails before a JVM starts."""


class ColumnMap(BaseModel):
    """Canonical column -> the source table's column (identity by default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event: str = "event"
    timestamp: str = "timestamp"
    user_id: str = "user_id"
    account_id: str = "account_id"
    properties: str = "properties"

    def renames(self) -> dict[str, str]:
        """Source name -> canonical name, for the columns that differ."""
        return {
            getattr(self, name): name for name in CANONICAL_COLUMNS if getattr(self, name) != name
        }


class EventSourceSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str | None = None
    parquet: str | None = None
    url: str | None = None
    url_env: str | None = None
    table: str = "events"
    columns: ColumnMap = Field(default_factory=ColumnMap)
    account_field: str = "context.groupId"
    memory_limit: str | None = None
    threads: int | None = Field(default=None, ge=1)
    # `backend = "spark"`: the same definitions on Spark through Ibis' PySpark backend, over
    # `parquet` (a glob, local or any Hadoop file system) or a `table` of the session's
    # catalog; `master` defaults to local[*] (or the session already running in the process).
    backend: Literal["duckdb", "spark"] | None = None
    master: str | None = None
    spark_conf: dict[str, str | int | float | bool] = Field(default_factory=dict)
    # How far the data is complete (the watermark): the latest event by default; a fixed
    # instant (`complete_through`), or the latest event minus a `lag` for pipelines whose
    # last hours are still arriving. `stale_after`: older data is flagged in every output.
    complete_through: datetime | date | None = None
    lag: timedelta | None = None
    stale_after: timedelta = timedelta(days=2)

    @property
    def stale_advice(self) -> str:
        """What to do about stale data. With `complete_through` the data's end is a date in
        sowhat.toml, and "ingest newer events" was wrong advice: the demo, whose end is fixed
        on 16 Nov, told every new user to ingest events it will never have."""
        if self.complete_through is not None:
            return ("its end is fixed by [events] complete_through in sowhat.toml: move that "
                    "forward once newer events are loaded, then run `sowhat sync`")
        return "newer events have not arrived: ingest them (`sowhat ingest`) and run `sowhat sync`"

    @field_validator("lag", "stale_after", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("master")
    @classmethod
    def _spark_master(cls, value: str | None) -> str | None:
        if value is not None and not _SPARK_MASTER.match(value.strip()):
            raise ValueError(
                f"{value!r} is not a Spark master URL: use local[*], local[N], "
                "spark://HOST:PORT, yarn or k8s://https://HOST:PORT"
            )
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> EventSourceSpec:
        given = [k for k in ("path", "parquet", "url", "url_env") if getattr(self, k)]
        if len(given) > 1:
            raise ValueError(
                f"[events] sets {' and '.join(given)}: choose one of path (DuckDB file), "
                "parquet (glob) or url / url_env (any Ibis backend)"
            )
        if self.path and self.path.lower().endswith((".parquet", ".pq")):
            raise ValueError(
                f"[events] path = {self.path!r} names a Parquet file, but path is the DuckDB "
                f"store; write parquet = {self.path!r} to read Parquet in place"
            )
        if self.backend == "spark":
            self._check_spark()
        elif self.master or self.spark_conf:
            key = "master" if self.master else "spark_conf"
            raise ValueError(f"[events] {key} is a Spark setting: add backend = \"spark\"")
        elif self.backend == "duckdb" and (self.url or self.url_env):
            raise ValueError("[events] backend = \"duckdb\" reads path or parquet; "
                             "remove url / url_env (its scheme names the backend)")
        return self

    def _check_spark(self) -> None:
        wrong = [k for k in ("path", "url", "url_env", "threads", "memory_limit")
                 if getattr(self, k)]
        if wrong:
            raise ValueError(
                f"[events] backend = \"spark\" reads parquet (a glob) or a table of the "
                f"Spark catalog; remove {', '.join(wrong)} (DuckDB or URL settings; Spark's "
                "own go under [events.spark_conf])"
            )

    @property
    def kind(self) -> Literal["duckdb", "parquet", "ibis", "spark"]:
        if self.backend == "spark":
            return "spark"
        if self.parquet:
            return "parquet"
        if self.url or self.url_env:
            return "ibis"
        return "duckdb"

    def duckdb_path(self, root: Path) -> Path:
        return _under(root, self.path or DEFAULT_EVENTS_PATH)

    def parquet_glob(self, root: Path) -> str:
        """The glob as a path under the workspace; a URL (s3a://, hdfs://, file:) is kept."""
        assert self.parquet is not None
        if "://" in self.parquet or self.parquet.startswith("file:"):
            return self.parquet
        return str(_under(root, self.parquet))

    def resolved_url(self) -> str:
        """The connection URL; a missing environment variable is reported by name."""
        if self.url:
            return self.url
        value = os.environ.get(self.url_env or "")
        if not value:
            raise ValueError(f"environment variable {self.url_env} is not set")
        return value

    @classmethod
    def from_config(cls, events: dict[str, Any] | None) -> EventSourceSpec:
        return cls.model_validate(events or {})


def _under(root: Path, path: str) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else root / p
