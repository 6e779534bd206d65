"""Alembic environment: runs on the connection Sowhat hands over (see sowhat.store.db).

There is no alembic.ini on the user's side; `sowhat.store.db` builds the Config in code and
passes an open connection in `config.attributes["connection"]`. For developers, running
`alembic` by hand works too with `-x url=...`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from sowhat.store.base import all_tables

config = context.config
target_metadata = all_tables()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("pass the database with: alembic -x url=sqlite:///path/sowhat.db ...")
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
