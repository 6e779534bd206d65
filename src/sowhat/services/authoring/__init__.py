"""Writing OKRs in the web app and the API: create, edit and archive objectives, key
results, guardrails and bets; plan a new period; import a spreadsheet; coach a draft KR.

Every write checks the person's team next to it, names the version it was based on when it
edits, and writes one audit entry in the caller's transaction — the rules of
`sowhat.services.okrs.edits`, which this package extends to creating things.
"""
