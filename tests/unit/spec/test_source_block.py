"""`source_block`: a metric's definition as its author wrote it, for the metrics page."""

from __future__ import annotations

from pathlib import Path

from sowhat.spec.yamlio import read_yaml, source_block

METRICS = """\
# how each KR is computed
metrics:
  activation_rate:
    type: conversion   # accounts, not users
    entity: account_id
    from: {event: signup}

    to: {event: project_created}
    within: 7d
  weekly_active: {type: active, entity: account_id, event: workflow_run, per: week}
  tickets:
    type: count
    event: ticket_opened
segments:
  mid: {property: plan, equals: mid}
"""


def test_each_block_is_the_definition_as_written(tmp_path: Path) -> None:
    path = tmp_path / "metrics.yaml"
    path.write_text(METRICS, encoding="utf-8")
    doc = read_yaml(path, tmp_path)
    assert source_block(doc, ("metrics", "activation_rate")) == (
        "activation_rate:\n"
        "  type: conversion   # accounts, not users\n"
        "  entity: account_id\n"
        "  from: {event: signup}\n"
        "\n"
        "  to: {event: project_created}\n"
        "  within: 7d")
    assert source_block(doc, ("metrics", "weekly_active")) == (
        "weekly_active: {type: active, entity: account_id, event: workflow_run, per: week}")
    # the last metric stops where the next top-level key begins
    assert source_block(doc, ("metrics", "tickets")) == (
        "tickets:\n  type: count\n  event: ticket_opened")
    assert source_block(doc, ("metrics", "nope")) is None
    assert source_block(doc, ("segments", "mid")) == "mid: {property: plan, equals: mid}"


def test_unicode_and_a_file_without_a_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "metrics.yaml"
    path.write_text("metrics:\n  zufriedenheit:\n    type: nps\n    event: umfrage_beantwortet\n"
                    "    description: Kundenzufriedenheit (NPS) — größer ist besser",
                    encoding="utf-8")
    doc = read_yaml(path, tmp_path)
    block = source_block(doc, ("metrics", "zufriedenheit"))
    assert block is not None
    assert block.endswith("— größer ist besser")
    assert block.startswith("zufriedenheit:\n  type: nps")
