"""Issue 13, the files: each input that once crashed or passed validate, now a located error."""

from __future__ import annotations

from pathlib import Path

import pytest

from sowhat.errors import SpecError
from sowhat.spec.workspace import load_workspace
from tests.conftest import WriteWorkspace
from tests.samples import CONFIG, METRICS, OKRS


def errors_of(root: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_workspace(root)
    return [d.render() for d in info.value.diagnostics]


@pytest.mark.parametrize(("day", "why"), [("2026-13-45", "month must be in 1..12"),
                                          ("0000-01-01", "year 0 is out of range"),
                                          ("2026-02-30", "day is out of range")])
def test_an_impossible_shipped_on_is_a_located_error(write_workspace: WriteWorkspace, day: str,
                                                    why: str) -> None:  # fmt: skip
    root = write_workspace(OKRS.replace("shipped_on: 2026-11-02", f"shipped_on: {day}"))
    (msg,) = errors_of(root)
    assert msg.startswith(f"okrs/2026-Q4.yaml:28:21: {day} is not a date ({why}")
    assert "YYYY-MM-DD" in msg


@pytest.mark.parametrize("target", [".nan", ".inf", "-.inf", "1e400", ".NaN"])
def test_targets_that_are_not_finite_numbers_are_refused(write_workspace: WriteWorkspace,
                                                         target: str) -> None:  # fmt: skip
    root = write_workspace(OKRS.replace("target: 0.46", f"target: {target}"))
    (msg,) = errors_of(root)
    assert msg.startswith("okrs/2026-Q4.yaml:14:17: target: expected a number")


@pytest.mark.parametrize("name", ['am"ount', "plan.o'brien", "a\\\\b", "a..b"])
def test_property_names_that_cannot_be_a_json_path_are_refused(
    write_workspace: WriteWorkspace, name: str
) -> None:
    quoted = "'" + name.replace("'", "''") + "'"
    root = write_workspace(metrics=METRICS.replace("{property: plan,", f"{{property: {quoted},"))
    (msg,) = errors_of(root)
    assert msg.startswith("metrics.yaml:16:19: property name"), msg
    assert "property name" in msg


def test_a_mistyped_metric_type_suggests_the_right_one(write_workspace: WriteWorkspace) -> None:
    root = write_workspace(metrics=METRICS.replace("type: count", "type: cuont"))
    (msg,) = errors_of(root)
    assert msg == "metrics.yaml:13:11: tickets: type 'cuont' is not a known type; " \
                  "did you mean 'count'?"


def test_events_settings_are_checked_with_a_line(write_workspace: WriteWorkspace) -> None:
    typo = write_workspace(config=CONFIG + '\n[events]\nparqet = "e/*.parquet"\n', name="a")
    (msg,) = errors_of(typo)
    assert msg.startswith("sowhat.toml:8:1: unknown setting 'events.parqet'")
    parquet = write_workspace(config=CONFIG + '\n[events]\npath = "e.parquet"\n', name="b")
    (msg,) = errors_of(parquet)
    assert msg.startswith("sowhat.toml:")
    assert "write parquet = 'e.parquet'" in msg
    proxies = write_workspace(config=CONFIG + '\n[server]\ntrusted_proxies = ["nope"]\n',
                              name="c")  # fmt: skip
    (msg,) = errors_of(proxies)
    assert "'nope' is not an IP address or network" in msg
