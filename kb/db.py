"""Database setup: the engine, SQLite pragmas, sessions and migrations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event, inspect
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _json_text(value) -> str:
    # Readable UTF-8 in JSON columns, so that aliases such as 英伟达 can be searched with LIKE.
    return json.dumps(value, ensure_ascii=False)


def engine_url(url: str) -> URL:
    """`url` as SQLAlchemy should open it: PostgreSQL URLs without a driver get psycopg 3.

    `postgres://` (what many hosts hand out) is not a name SQLAlchemy knows,
    and plain `postgresql://` would mean psycopg2, which is not a dependency.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, busy_timeout and foreign keys, PostgreSQL psycopg 3."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, json_serializer=_json_text
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A server may close idle connections (restart, failover, timeouts): check before use.
    return create_engine(engine_url(url), pool_pre_ping=True, json_serializer=_json_text)


def _alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision.

    SQLite runs migrations with foreign keys off, so that batch table
    rebuilds cannot cascade-delete link rows.
    """
    cfg = _alembic_config(str(engine.url))
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def is_initialised(engine: Engine) -> bool:
    return inspect(engine).has_table("alembic_version")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def begin_write(session: Session) -> None:
    """Start the session's next transaction as a writer.

    On SQLite this is BEGIN IMMEDIATE: two writers then queue on busy_timeout.
    A plain (deferred) transaction that reads first and writes later fails at
    once with "database is locked" when another writer committed in between.
    Call it with no transaction open (after a commit or rollback).
    """
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
