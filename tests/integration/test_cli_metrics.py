"""`sowhat ingest`, `metrics list|show|compute` and `tracking check` on a simulated workspace."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.demo.simulator import simulate

OKRS = """\
period: 2026-Q4
objectives:
  - id: first-week-value
    title: New teams get value in their first week
    key_results:
      - id: act
        title: Raise 7-day activation of new accounts from 35% to 45%
        metric: activation_rate
        baseline: 0.35
        target: 0.45
      - id: ttv
        title: Cut the median time from signup to a first report from 110 to 72 hours
        metric: time_to_first_value
        baseline: 110
        target: 72
    guardrails:
      - {metric: support_tickets_per_account, max_change: "+10%"}
"""
runner = CliRunner()


def make_workspace(root: Path) -> Path:
    templates = resources.files("sowhat.demo") / "templates"
    (root / "okrs").mkdir(parents=True)
    for name in ("metrics.yaml", "tracking-plan.yaml"):
        (root / name).write_text((templates / name).read_text("utf-8"), encoding="utf-8")
    (root / "okrs" / "2026-Q4.yaml").write_text(OKRS, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulate(out, events=25_000, seed=1)
    return out


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory, sim: Path) -> Path:
    root = make_workspace(tmp_path_factory.mktemp("ws") / "acme")
    files = [str(p) for p in sorted(sim.glob("events-*.parquet"))]
    result = runner.invoke(app, ["ingest", *files, "-w", str(root)])
    assert result.exit_code == 0, result.output
    assert "loaded" in result.output
    return root


def test_ingest_twice_loads_nothing_new(ws: Path, sim: Path) -> None:
    result = runner.invoke(app, ["ingest", str(next(sim.glob("events-*.parquet"))),
                                 "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert "loaded 0," in result.output


def test_metrics_list_as_json(ws: Path) -> None:
    result = runner.invoke(app, ["metrics", "list", "-w", str(ws), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["metric"]: r for r in json.loads(result.output)}
    assert rows["activation_rate"]["indicator"] == "leading"
    assert rows["account_retention_90d"]["indicator"] == "lagging"
    assert len(rows["nps"]["hash"]) == 12


def test_metrics_show_prints_definition_hash_and_sql(ws: Path) -> None:
    result = runner.invoke(app, ["metrics", "show", "activation_rate", "--segment", "mid",
                                 "--grain", "week", "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert "hash " in result.output
    assert "SELECT" in result.output
    assert "project_created" in result.output


def test_metrics_compute_weekly_json(ws: Path) -> None:
    result = runner.invoke(app, [
        "metrics", "compute", "activation_rate", "weekly_active_teams", "--from", "2026-10-01",
        "--to", "2026-11-16", "--grain", "week", "--format", "json",
        "-w", str(ws)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)  # the watermark warning goes to stderr
    assert len(rows) == 2 * 7
    assert set(rows[0]) == {"metric", "segment", "start", "end", "value", "entities",
                            "excluded_immature", "unit", "display"}
    first = rows[0]
    assert first["unit"] == "percent"  # a conversion's default unit
    assert first["display"] == f"{first['value'] * 100:.3g}%".replace(".0%", "%")
    assert rows[0]["start"] == "2026-10-01T00:00:00Z"
    assert rows[0]["end"] == "2026-10-05T00:00:00Z"
    last = [r for r in rows if r["metric"] == "activation_rate"][-1]
    assert last["value"] is None  # signups of the last week have not had 7 days yet
    assert last["excluded_immature"] > 0


def test_metrics_compute_csv_and_table(ws: Path) -> None:
    csv_out = runner.invoke(app, ["metrics", "compute", "signups", "--period", "2026-Q3",
                                  "--format", "csv", "-w", str(ws)])
    assert csv_out.exit_code == 0, csv_out.output
    header, row = csv_out.output.strip().splitlines()
    assert header == "metric,segment,start,end,value,entities,excluded_immature"
    assert row.startswith("signups,,2026-07-01T00:00:00Z,2026-10-01T00:00:00Z,")
    table = runner.invoke(app, ["metrics", "compute", "nps", "--period", "2026-Q3",
                                "-w", str(ws)])
    assert table.exit_code == 0, table.output
    assert "nps" in table.output


def test_unknown_metric_is_a_clear_error(ws: Path) -> None:
    result = runner.invoke(app, ["metrics", "compute", "activaton_rate", "--period", "2026-Q3",
                                 "-w", str(ws)])
    assert result.exit_code == 1
    assert "unknown metric 'activaton_rate'" in result.output


def test_tracking_check_passes_on_complete_events(ws: Path) -> None:
    result = runner.invoke(app, ["tracking", "check", "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_tracking_check_fails_when_a_kr_metric_cannot_be_measured(
    tmp_path: Path, sim: Path
) -> None:
    root = make_workspace(tmp_path / "broken")
    partial = tmp_path / "partial.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT * FROM '{sim}/events-*.parquet' WHERE event <> 'report_viewed') "
        f"TO '{partial}' (FORMAT PARQUET)")
    assert runner.invoke(app, ["ingest", str(partial), "-w", str(root)]).exit_code == 0
    result = runner.invoke(app, ["tracking", "check", "-w", str(root), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    blocking = [u for u in report["unmeasurable"] if u["used_by"]]
    assert blocking == [{"metric": "time_to_first_value", "missing_events": ["report_viewed"],
                         "used_by": ["2026-Q4/ttv"], "reason": None,
                         "lookalikes": ""}]
    assert report["planned_but_unseen"] == ["report_viewed"]


def test_metrics_compute_as_a_real_process(ws: Path) -> None:
    exe = shutil.which("sowhat", path=str(Path(sys.executable).parent))
    assert exe is not None
    done = subprocess.run(
        [exe, "metrics", "compute", "recommendation_ctr", "--from", "2026-10-26", "--to",
         "2026-11-16", "--format", "json", "-w", str(ws)],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    assert 0.05 < row["value"] < 0.15


def test_trait_files_segments_and_the_empty_filter_warning(tmp_path: Path, sim: Path) -> None:
    root = make_workspace(tmp_path / "traits")
    files = [str(p) for p in sorted(sim.glob("events-*.parquet"))]
    assert runner.invoke(app, ["ingest", *files, "-w", str(root)]).exit_code == 0
    plans = tmp_path / "plans.csv"
    duckdb.connect().execute(
        f"COPY (SELECT account_id, min(timestamp) AS timestamp, 'gold' AS tier "
        f"FROM '{sim}/events-*.parquet' WHERE account_id IS NOT NULL GROUP BY 1) "
        f"TO '{plans}' (HEADER)")
    with (root / "metrics.yaml").open("a", encoding="utf-8") as out:
        out.write("  gold: {trait: tier, equals: gold}\n  platinum: {trait: tier, "
                  "equals: platinum}\n")
    missing = runner.invoke(app, ["ingest", "--traits", str(plans), "-w", str(root)])
    assert missing.exit_code == 1
    assert "--entity" in str(missing.exception)
    loaded = runner.invoke(app, ["ingest", "--traits", str(plans), "--entity", "account_id",
                                 "-w", str(root)])
    assert loaded.exit_code == 0, loaded.output
    assert "trait values (tier) for account_id" in loaded.output
    args = ["metrics", "compute", "sessions", "--from", "2026-10-01", "--to", "2026-11-09",
            "--format", "json", "-w", str(root)]
    everyone = json.loads(runner.invoke(app, args).output)[0]["value"]
    gold = runner.invoke(app, [*args, "--segment", "gold"])
    assert gold.exit_code == 0, gold.output
    assert json.loads(gold.output)[0]["value"] == everyone > 0  # every account is gold
    platinum = runner.invoke(app, [*args, "--segment", "platinum"])
    assert platinum.exit_code == 0
    assert "warning: sessions [platinum]: the segment (trait: tier, equals: platinum) " \
           "matches none of the" in " ".join(platinum.output.split())


def test_a_csv_in_another_layout_exits_1_with_the_map_it_needs(tmp_path: Path) -> None:
    """Before: every row rejected, exit 0 and no hint. Now the hint names the file's columns."""
    root = make_workspace(tmp_path / "ws")
    csv_file = tmp_path / "export.csv"
    csv_file.write_text("name,who,when\nsignup,u1,2026-11-01T10:00:00Z\n"
                        "signup,u2,2026-11-02T10:00:00Z\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(csv_file), "-w", str(root)])
    assert result.exit_code == 1, result.output
    said = result.exception.render()  # type: ignore[union-attr]  # main() prints this line
    assert "every row was rejected (no event name: 2)" in said
    assert "columns name, who, when" in said
    assert "--map event=" in said
    mapped = runner.invoke(app, ["ingest", str(csv_file), "-w", str(root), "--map", "event=name",
                                 "--map", "user_id=who", "--map", "timestamp=when"])
    assert mapped.exit_code == 0, mapped.output
    assert "loaded 2," in mapped.output


def test_one_file_prints_one_summary(tmp_path: Path, sim: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    result = runner.invoke(app, ["ingest", str(next(sim.glob("events-*.parquet"))),
                                 "-w", str(root)])
    assert result.exit_code == 0, result.output
    assert result.output.count("loaded ") == 1, result.output


def test_a_store_in_file_order_gets_a_hint_until_reindex_rewrites_it(
        tmp_path: Path, sim: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    first = second = next(sim.glob("events-*.parquet"))  # the second load adds nothing
    assert runner.invoke(app, ["ingest", str(first), "-w", str(root)]).exit_code == 0
    store = root / ".sowhat" / "events.duckdb"
    con = duckdb.connect(str(store))  # as a store loaded before December 2026 is
    con.execute("DELETE FROM store_meta WHERE key = 'row_order'")
    con.close()
    hinted = runner.invoke(app, ["ingest", str(second), "-w", str(root)])
    assert hinted.exit_code == 0, hinted.output
    said = " ".join(hinted.output.split())
    assert "`sowhat ingest --reindex` rewrites them once by event" in said
    reindexed = runner.invoke(app, ["ingest", "--reindex", "-w", str(root)])
    assert reindexed.exit_code == 0, reindexed.output
    assert "rows rewritten by event and time" in " ".join(reindexed.output.split())
    again = runner.invoke(app, ["ingest", str(second), "-w", str(root)])
    assert "--reindex" not in again.output
    assert "rewritten" not in runner.invoke(app, ["ingest", "--reindex", "-w", str(root)]).output


def test_ingest_honours_the_stores_memory_and_thread_settings(
    tmp_path: Path, sim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `[events] memory_limit` is how a team bounds ingest's memory (DuckDB spills its sort to
    # disk beyond it); the CLI used to drop it, so a 9M-event file peaked at 3.3 GB regardless
    root = make_workspace(tmp_path / "ws")
    (root / "sowhat.toml").write_text('[events]\nmemory_limit = "256MB"\nthreads = 1\n',
                                      encoding="utf-8")
    import sowhat.metrics.ingest as ingest_module

    seen: list[dict[str, object]] = []
    real = ingest_module.duckdb.connect

    def connect(path: str, config: dict[str, object] | None = None) -> duckdb.DuckDBPyConnection:
        seen.append(dict(config or {}))
        con = real(path, config=config or {})
        return con

    monkeypatch.setattr(ingest_module.duckdb, "connect", connect)
    result = runner.invoke(app, ["ingest", str(next(sim.glob("events-*.parquet"))),
                                 "-w", str(root)])
    monkeypatch.undo()
    assert result.exit_code == 0, result.output
    assert {"memory_limit": "256MB", "threads": 1}.items() <= seen[0].items()
    con = duckdb.connect(str(root / ".sowhat" / "events.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    con.close()


def test_a_memory_limit_too_small_for_the_file_says_which_setting_to_raise(
    tmp_path: Path, sim: Path
) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / "sowhat.toml").write_text('[events]\nmemory_limit = "2MB"\n', encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(next(sim.glob("events-*.parquet"))),
                                 "-w", str(root)])
    assert result.exit_code == 1
    said = result.exception.render()  # type: ignore[union-attr]  # main() prints this line
    assert "Out of Memory" in said
    assert "raise [events] memory_limit in sowhat.toml" in said
    assert "fix the file" not in said  # the file is fine
    con = duckdb.connect(str(root / ".sowhat" / "events.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == 0  # nothing half-written
    con.close()
