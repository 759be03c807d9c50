"""Alembic environment: runs against the connection the caller passes in.

Every migration runs in its own transaction (transaction_per_migration), so one
that fails half-way leaves the schema at the previous revision and is run again
from its start next time. On SQLite that holds only on a connection from
kb.db's migration engine, which makes DDL transactional; kb.db.migrate passes one.
"""

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import kb.models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from kb.db import migration_engine

        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            raise RuntimeError("alembic needs a connection in config.attributes or a sqlalchemy.url option")
        engine = migration_engine(url)
        try:
            with engine.connect() as connection:  # not begun: one transaction per migration
                _run(connection)
        finally:
            engine.dispose()
    else:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        # Ignored when the caller's connection is already in a transaction: then
        # everything runs in that one (tests upgrading step by step do that).
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
