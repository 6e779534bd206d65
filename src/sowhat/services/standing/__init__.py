"""Where each KR and objective stands, in one word, and what changed in behaviour.

- `rule`: the status word of a KR and of an objective (on track, at risk, off track, not
  measured, no data yet) and the order of objectives by risk — one documented rule
  (docs/web.md, "Status words") for the dashboard, the reviews and the reports.
- `changes`: the week's "What changed": KRs that moved beyond noise this week or since their
  baseline, new check-ins with their notes, bet verdicts and guardrail breaches.
"""
