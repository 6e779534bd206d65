"""Persistence: SQLAlchemy 2 models, Alembic migrations, the audit log.

    base.py          the one DeclarativeBase (+ UTC timestamps, JSON documents)
    models.py        teams, periods, objectives, key results, guardrails, bets, check-ins,
                     audit_log (append-only, enforced by triggers and ORM listeners)
    db.py            open_database / upgrade / current_revision; transactions and errors
    audit.py         record / list_entries
    mapping.py       rows <-> domain values, and the flat fields diffs compare
    repositories.py  queries the services share
    migrations/      Alembic env + versions (run in code; no alembic.ini needed)

A new feature adds one models module importing `Base` and one migration revision;
`base.all_tables()` imports every module here, so Alembic sees the new tables.
"""
