"""Throwaway PostgreSQL databases for tests, on the server named by KB_TEST_POSTGRES_URL.

Each test that runs on PostgreSQL gets a database of its own (created empty,
migrated by the code under test, dropped afterwards), so tests cannot see
each other's rows and a failed test leaves nothing behind for the next.
"""

from __future__ import annotations

import os
import secrets

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

SERVER_ENV = "KB_TEST_POSTGRES_URL"  # e.g. postgresql://kb@127.0.0.1:55432/postgres
REQUIRE_ENV = "KB_REQUIRE_POSTGRES"  # "1" in CI: a missing server fails the PostgreSQL tests instead of skipping them


def server_url() -> str | None:
    return os.environ.get(SERVER_ENV) or None


def required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


def _libpq(url: str) -> str:
    # psycopg takes libpq URLs, which know no "+driver" suffix.
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def check_server(url: str) -> None:
    """Raise (with the server's own message) unless `url` accepts a connection that may create databases."""
    with psycopg.connect(_libpq(url), connect_timeout=5, autocommit=True) as conn:
        allowed = conn.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if not allowed or not allowed[0]:
        raise RuntimeError(f"the role in {SERVER_ENV} may not create databases")


def create_database(url: str) -> str:
    """A new empty database on the server of `url`; returns its URL (same user, host and port)."""
    name = f"kb_test_{secrets.token_hex(6)}"
    # CREATE DATABASE cannot run inside a transaction block: autocommit.
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str, database_url: str) -> None:
    """Drop the database of `database_url`, closing whatever connections a test left open to it."""
    name = make_url(database_url).database
    if not name or not name.startswith("kb_test_"):
        raise ValueError(f"refusing to drop {name!r}: not a test database")
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        # WITH (FORCE) (PostgreSQL 13+): a leaked engine in a failed test must not keep the database alive.
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
