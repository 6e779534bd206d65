"""Events on Spark, through Ibis' PySpark backend, with no Python worker in the data path.

`open_spark` finds or starts a SparkSession, reads a Parquet glob (or names a catalog table)
and wraps it as an `EventSource`; the metric engine then runs the same compiled SQL it runs
everywhere, in the Spark dialect. Two things keep Spark honest and quick here:

- JSON properties are read with Spark's own functions (sowhat.metrics.properties asks
  `json_reader`), not the Python UDFs Ibis would compile them to: those need a Python worker
  per executor, break when the workers' Python differs from the driver's, and are slow.
- Everything that can be checked before a JVM starts is: pyspark installed, a Java runtime,
  the master URL reachable, the Parquet glob matching files. A misconfigured source is one
  located error, never a Java stack trace.
"""

from __future__ import annotations

import glob as globlib
import hashlib
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sowhat.errors import DataError, UserError
from sowhat.spec.event_source import ColumnMap

if TYPE_CHECKING:
    from sowhat.metrics.source import EventSource

SPARK_VIEW = "sowhat_events"
"""Prefix of the temporary view a Parquet glob is registered as (one per glob, so sources on
different globs can share a session)."""


def open_spark(
    cls: type[EventSource],
    *,
    parquet: str | None = None,
    table: str = "events",
    master: str | None = None,
    session: Any = None,
    conf: dict[str, Any] | None = None,
    columns: ColumnMap | None = None,
) -> EventSource:
    """An `EventSource` on Spark; `cls.close()` stops the session only if it started it."""
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError:
        raise UserError("[events] backend = \"spark\" needs pyspark, which is not installed",
                        hint="pip install 'sowhat[spark]'") from None
    if parquet is not None:
        _check_local_glob(parquet)
    owns = False
    if session is None and master is None:
        session = SparkSession.getActiveSession()
    if session is None:
        session = _start(SparkSession, master or "local[*]", conf or {})
        owns = True
    elif conf:
        for key, value in conf.items():
            session.conf.set(key, _conf_text(value))
    backend = ibis.pyspark.connect(session)
    name = table
    if parquet is not None:
        name = f"{SPARK_VIEW}_{hashlib.sha1(parquet.encode()).hexdigest()[:10]}"
        try:
            session.read.parquet(parquet).createOrReplaceTempView(name)
        except Exception as exc:
            if owns:
                session.stop()
            raise DataError(f"Spark cannot read the Parquet files {parquet}: {_first_line(exc)}",
                            hint="check [events] parquet in sowhat.toml") from None
    where = f"{master or _master_of(session)}:{parquet or table}"
    return cls(backend, name, columns=columns, owns_backend=owns, description=f"spark:{where}")


def _start(builder_cls: Any, master: str, conf: dict[str, Any]) -> Any:
    """A new session on `master`: UTC, no web UI, quiet logs, the driver's own Python.

    The UTC time zone matters: Sowhat's timestamps are naive UTC, and Ibis sets it too."""
    _check_java()
    _check_master(master)
    # Sowhat's SQL needs no Python worker, but anything that does should use this Python
    # (the virtualenv's), not whatever `python3` is first on the PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    _quiet_jvm_logs(master)
    builder = (builder_cls.builder.master(master).appName("sowhat")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    if master.startswith("local"):
        # A laptop or CI box: stay on loopback (works offline, with no resolvable host
        # name) and size the shuffle to the cores instead of Spark's cluster default of 200.
        builder = (builder.config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.sql.shuffle.partitions", str(_local_cores(master))))
    for key, value in conf.items():
        builder = builder.config(key, _conf_text(value))
    try:
        return builder.getOrCreate()
    except Exception as exc:
        raise DataError(f"cannot start Spark on master {master}: {_first_line(exc)}",
                        hint="check [events] master and [events.spark_conf]; "
                        "is a Java runtime (17 or newer) installed?") from None


_LOG4J2 = """\
# Written by Sowhat: Spark's JVM logs errors only, on stderr (no banner, no WARN chatter).
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = spark %p %c{1}: %m%n
# the shell logger's level equals the root's, so Spark prints no "Setting default log level"
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = error
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
logger.submit.name = org.apache.spark.deploy.SparkSubmit
logger.submit.level = error
"""


def _quiet_jvm_logs(master: str) -> None:
    """Keep a CLI's stderr for Sowhat's own messages: Spark's default log4j profile prints a
    banner and WARN lines (native Hadoop, host name) on every start. Applies only to the JVM
    this process launches, and never overrides the caller's own submit arguments."""
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    if "PYSPARK_SUBMIT_ARGS" in os.environ:
        return
    path = Path(tempfile.gettempdir()) / "sowhat-spark-log4j2.properties"
    try:
        if not path.exists() or path.read_text(encoding="utf-8") != _LOG4J2:
            path.write_text(_LOG4J2, encoding="utf-8")
    except OSError:
        return
    os.environ["PYSPARK_SUBMIT_ARGS"] = (
        f"--driver-java-options -Dlog4j2.configurationFile=file:{path} pyspark-shell")


def _check_java() -> None:
    home = os.environ.get("JAVA_HOME")
    if home:
        if not (Path(home) / "bin" / "java").exists():
            raise DataError(f"JAVA_HOME={home} has no bin/java, and Spark needs a Java runtime",
                            hint="point JAVA_HOME at a Java 17+ installation, or unset it")
        return
    if shutil.which("java") is None:
        raise DataError("Spark needs a Java runtime (17 or newer) and none was found",
                        hint="install one (Debian/Ubuntu: apt-get install "
                        "default-jre-headless) or set JAVA_HOME")


def _check_master(master: str) -> None:
    """A standalone master that does not answer fails here in seconds, not in minutes."""
    if not master.startswith("spark://"):
        return
    hosts = master.removeprefix("spark://").rstrip("/").split(",")
    for hostport in hosts:
        host, _, port = hostport.rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=5):
                return
        except (OSError, ValueError):
            continue
    raise DataError(f"cannot reach the Spark master {master}",
                    hint="is the master running and reachable from here? "
                    "check [events] master in sowhat.toml")


def _check_local_glob(parquet: str) -> None:
    """A local glob with no files is reported by name before Spark starts."""
    if "://" in parquet:
        return
    path = parquet.removeprefix("file:")
    if not globlib.glob(path, recursive=True):
        raise DataError(f"no Parquet files match {parquet}",
                        hint="check [events] parquet in sowhat.toml (a path or glob under "
                        "the workspace, or a URL such as s3a://bucket/events/*.parquet)")


def _local_cores(master: str) -> int:
    inner = master.partition("[")[2].partition("]")[0].split(",")[0].strip()
    if inner.isdigit():
        return max(1, int(inner))
    return os.cpu_count() or 1


def _master_of(session: Any) -> str:
    try:
        return str(session.sparkContext.master)
    except Exception:  # Spark Connect sessions have no SparkContext
        return "session"


def _conf_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _first_line(exc: BaseException) -> str:
    """The part of a Spark/Py4J error a person can act on (no JVM stack)."""
    text = str(getattr(exc, "desc", None) or exc).strip()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("at ", "An error occurred while calling")):
            return line.removeprefix(": ")
    return type(exc).__name__
