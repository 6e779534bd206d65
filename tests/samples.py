"""Small valid workspace files that tests mutate into bad ones."""

METRICS = """\
metrics:
  activation_rate:
    type: conversion
    entity: account_id
    from: {event: signup}
    to: {event: project_created}
    within: 7d
  weekly_active_teams:
    type: unique
    entity: account_id
    event: workflow_run
  tickets:
    type: count
    event: ticket_opened
segments:
  mid: {property: plan, in: [mid]}
"""

OKRS = """\
# Growth OKRs
period: 2026-Q4
north_star: weekly_active_teams
objectives:
  - id: first-week-win
    title: New accounts reach their first win in their first week
    team: growth
    owner: ana@example.com
    key_results:
      - id: activation
        title: Increase 7-day activation from 40% to 46%
        metric: activation_rate
        baseline: 0.40   # measured in Q3
        target: 0.46
      - id: activation-mid
        title: Increase 7-day activation of mid-sized accounts from 38% to 45%
        metric: activation_rate
        segment: mid
        baseline: 0.38
        target: 0.45
    guardrails:
      - {metric: tickets, max_change: "+10%"}
    bets:
      - id: checklist
        title: Onboarding checklist
        expects: {key_result: activation-mid, change: +0.04}
        status: shipped
        shipped_on: 2026-11-02
"""

CONFIG = """\
[workspace]
name = "Test"

[teams.growth]
name = "Growth"
"""
