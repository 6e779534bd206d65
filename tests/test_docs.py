"""Docs are part of the product: a command, metric type or setting without docs fails here."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

from pydantic import BaseModel

from sowhat.spec import config, metric_defs

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_current() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_cli_docs.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_metric_type_is_documented() -> None:
    text = (ROOT / "docs" / "metrics.md").read_text("utf-8")
    union = typing.get_args(metric_defs.MetricDef)[0] if typing.get_origin(
        metric_defs.MetricDef) is typing.Annotated else metric_defs.MetricDef
    kinds = []
    for member in typing.get_args(union):
        field = member.model_fields["type"]
        kinds.extend(typing.get_args(field.annotation))
    assert len(kinds) >= 9
    for kind in kinds:
        assert f"`{kind}`" in text, f"metric type {kind} missing from docs/metrics.md"


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text("utf-8")

    def fields(model: type[BaseModel]) -> list[str]:
        return list(model.model_fields)

    for section, model in (("workspace", config.WorkspaceSection),
                           ("store", config.StoreSection), ("teams", config.TeamSection),
                           ("webhooks", config.WebhookSection), ("git", config.GitSection),
                           ("schedule", config.ScheduleSection)):
        assert f"[{section}" in text or f"[[{section}" in text, section
        for name in fields(model):
            assert f"{name} =" in text or f"{name}=" in text, f"[{section}] {name} undocumented"


def test_readme_quick_start_is_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text("utf-8")
    quick = text[text.index("## Quick start"):]
    block = quick[quick.index("```sh") + 5:quick.index("```", quick.index("```sh") + 5)]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]
