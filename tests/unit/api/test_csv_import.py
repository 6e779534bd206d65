"""`sowhat import`: a spreadsheet's rows previewed with the coach, then written."""

from __future__ import annotations

from pathlib import Path

from api_testing import Env
from sqlalchemy import select
from test_files_honesty import cli

from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database
from sowhat.store.models import KeyResultRow

CSV = (
    "objective_id,objective,team,kr_id,kr,metric,baseline,target\n"
    "growth/invite,New admins bring their team along,growth,invites,"
    "Increase 7-day activation of invited accounts from 40% to 45%,activation_rate,40%,45%\n"
    "growth/invite,,growth,invite-flow,Launch the invite flow,,,1\n"
)


def test_preview_coaches_every_row_and_writes_nothing(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(CSV)
    code, out = cli(env, "import", str(path), "--period", "2027-Q1")
    assert code == 0, out
    assert "invites" in out
    assert "output" in out
    assert "SW101" in out  # "Launch the invite flow" is an output
    assert "preview only" in out
    assert env.client.get("/api/v1/periods/2027-Q1", headers=env.auth("admin")).status_code == 404


def test_write_creates_a_draft_period_with_the_rows(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(CSV)
    code, out = cli(env, "import", str(path), "--period", "2027-Q1", "--write")
    assert code == 0, out
    assert "created 1 objective and 2 key results" in out
    krs = env.client.get("/api/v1/periods/2027-Q1/key-results",
                         headers=env.auth("admin")).json()["items"]
    assert [(k["id"], k["baseline"], k["target"]) for k in krs] == [
        ("invites", 0.4, 0.45), ("invite-flow", None, 1.0)]
    code, out = cli(env, "export")
    assert code == 0
    assert not (env.root / "okrs" / "2027-Q1.yaml").exists()  # still a draft


def test_bad_rows_are_all_reported_with_their_lines(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("objective_id,kr_id,kr,target\no,k1,Raise it,lots\no,,Raise it,2\n")
    code, out = cli(env, "import", str(path), "--period", "2027-Q1")
    assert code == 1
    assert "bad.csv:2:1: target 'lots' is not a number" in out
    assert "bad.csv:3:1: empty kr_id" in out
    path.write_text("objective,kr_id,kr,target,colour\n")
    code, out = cli(env, "import", str(path), "--period", "2027-Q1")
    assert code == 1
    assert "unknown column colour" in out
    assert "missing column objective_id" in out


def test_preview_lists_what_the_database_would_refuse_per_line(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("objective_id,objective,kr_id,kr,metric,target\n"
                    "growth/first-week-win,,activation,Increase activation from 40% to 50%,"
                    "activation_rate,0.5\n"
                    "growth/first-week-win,,fresh,Increase activation from 40% to 45%,,0.45\n"
                    "growth/new,,other,Raise the survey score from 6 to 7,,7\n")
    code, out = cli(env, "import", str(path), "--period", "2026-Q4")
    assert code == 1
    assert "plan.csv:2:1: a key result 'activation' exists already in 2026-Q4" in out
    assert "plan.csv:4:1: objective 'growth/new' is new and has no title" in out
    assert "plan.csv:3" not in out
    keys = [k["id"] for k in env.client.get("/api/v1/periods/2026-Q4/key-results",
                                            headers=env.auth("admin")).json()["items"]]
    assert "fresh" not in keys  # the dry run rolled back


def test_measure_unit_and_indicator_columns_reach_the_key_result(env: Env,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(
        "objective_id,objective,team,kr_id,kr,metric,baseline,target,indicator,unit,measure,"
        "over\n"
        "growth/invite,New admins bring their team along,growth,weekly-act,"
        "Increase weekly activation of invited accounts from 40% to 45%,activation_rate,"
        "40%,45%,lagging,,Level,7d\n"
        "growth/invite,,growth,ttv,Cut time to first report from 30 to 20 hours,,30,20,,"
        "hours,,\n")
    code, out = cli(env, "import", str(path), "--period", "2027-Q1", "--write")
    assert code == 0, out
    ws = load_workspace(env.root)
    db = open_database(ws.config.database_url(ws.root), create=False)
    try:
        with db.transaction(write=False) as session:
            rows = {r.key: r for r in session.scalars(select(KeyResultRow))}
            assert (rows["weekly-act"].indicator, rows["weekly-act"].measure,
                    rows["weekly-act"].over_days) == ("lagging", "level", 7)
            assert rows["ttv"].unit == "hours"
    finally:
        db.dispose()


def test_bad_measure_cells_are_named_on_their_line(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("objective_id,objective,kr_id,kr,target,measure,over,indicator\n"
                    "o,O,k1,Raise it,2,weekly,,\n"
                    "o,O,k2,Raise it,2,cumulative,7d,\n"
                    "o,O,k3,Raise it,2,,a week,\n"
                    "o,O,k4,Raise it,2,,,leadng\n")
    code, out = cli(env, "import", str(path), "--period", "2027-Q1")
    assert code == 1
    assert "bad.csv:2:1: measure 'weekly' is not one of level, cumulative" in out
    assert "bad.csv:3:1: over sets a level's trailing window" in out
    assert "bad.csv:4:1: over 'a week' is not a number of days" in out
    assert "bad.csv:5:1: indicator 'leadng' is not one of leading, lagging" in out


def test_an_active_metric_window_too_short_for_a_month_is_named_on_its_line(
    env: Env, tmp_path: Path,
) -> None:
    """The rule `sowhat validate`, the web and the API apply to a KR's `over:` holds for the
    import too: a monthly active KR is read over whole months, and 7 days are not one."""
    metrics = env.root / "metrics.yaml"
    metrics.write_text(metrics.read_text("utf-8") + "  mau: {type: active, entity: account_id, "
                       "event: workflow_run, per: month}\n", "utf-8")
    path = tmp_path / "mau.csv"
    path.write_text("objective_id,objective,team,kr_id,kr,metric,baseline,target,over\n"
                    "growth/mau,Teams come back every month,growth,mau-short,"
                    "Grow monthly active teams from 600 to 700,mau,600,700,7d\n"
                    "growth/mau,,growth,mau-ok,"
                    "Grow monthly active teams from 600 to 700,mau,600,700,62d\n")
    code, out = cli(env, "import", str(path), "--period", "2027-Q1")
    assert code == 1
    assert "mau.csv:2:1: over: 7d is too short for a `per: month` active metric" in out
    assert "mau.csv:3" not in out  # the 62-day row is fine
    ws = load_workspace(env.root)
    db = open_database(ws.config.database_url(ws.root), create=False)
    try:
        with db.transaction(write=False) as session:  # one bad row: nothing written
            keys = set(session.scalars(select(KeyResultRow.key)))
            assert not {"mau-short", "mau-ok"} & keys
    finally:
        db.dispose()
