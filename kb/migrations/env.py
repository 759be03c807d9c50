"""Alembic environment: runs against the connection the caller passes in.

Every migration runs in its own transaction (transaction_per_migration), so one
that fails half-way leaves the schema at the previous revision and is run again
from its start next time. On SQLite that holds only on a connection from
kb.db's migration engine, which makes DDL transactional; kb.db.migrate passes one.
"""

from collections.abc import Iterator
from contextlib import contextmanager

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
    with _one_migrator_at_a_time(connection), context.begin_transaction():
        context.run_migrations()


# Any constant that every kb process agrees on ("kbmi"); advisory locks are per database.
MIGRATION_LOCK = 0x6B626D69


@contextmanager
def _one_migrator_at_a_time(connection: Connection) -> Iterator[None]:
    """On PostgreSQL, hold an advisory lock while migrating.

    Two processes that open a fresh database at once (the app and the writer it
    starts) would otherwise both create the tables, and one would fail on a
    duplicate key. SQLite serialises them already (BEGIN IMMEDIATE, see kb.db).
    Alembic reads the current revision after the lock is held, so the second
    process finds the schema up to date and does nothing.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    if connection.in_transaction():
        # The caller's transaction holds every migration: a lock that ends with it.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        yield
        return
    connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
    connection.commit()  # the lock belongs to the session and outlives this; each migration begins its own transaction
    try:
        yield
    finally:
        try:
            if connection.in_transaction():
                connection.rollback()
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
            connection.commit()
        except Exception:
            # Closing the session releases its locks: never hand a connection that may hold one back to the pool.
            connection.invalidate()


run()
