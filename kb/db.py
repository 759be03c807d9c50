"""Database setup: the engine, SQLite pragmas, sessions and migrations."""

from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
import sys
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from kb.errors import DatabaseTooNew, StorageError

if TYPE_CHECKING:  # Alembic, SQLAlchemy and SQLModel are imported where used: a search process needs none
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import URL, Connection, Engine
    from sqlmodel import Session

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
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, busy_timeout and foreign keys, PostgreSQL psycopg 3."""
    from sqlalchemy import create_engine, event

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
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision, one transaction per migration.

    A migration that fails half-way (a full disk, a killed process, a bug) leaves the
    schema at the previous revision, so the next `kb init` runs it again from its start.
    On SQLite that takes a dedicated engine (`_migration_engine`): pysqlite does not
    open a transaction before DDL, so each CREATE TABLE would otherwise commit on its
    own. SQLite also runs migrations with foreign keys off, so that batch table rebuilds
    cannot cascade-delete link rows.
    """
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return
    if current is not None and not known_revision(current):
        raise too_new(current, head)
    from alembic import command

    runner = _migration_engine(engine)
    try:
        with runner.connect() as conn:  # not begun: Alembic begins and commits one transaction per migration
            cfg = _alembic_config(str(engine.url))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        if runner is not engine:
            runner.dispose()


@cache
def head_revision() -> str | None:
    """The newest schema revision this code knows.

    Read from the migration files' `revision` and `down_revision` lines: loading Alembic's
    script directory costs a command that only checks the schema (`kb search`) more than
    its answer. Anything but one plain line of revisions is left to Alembic."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if set(found) != {"revision", "down_revision"} or not _PLAIN_REVISION.fullmatch(found["revision"]):
            return _scripts().get_current_head()
        revisions.add(found["revision"].strip("'\""))
        if found["down_revision"] != "None":
            if not _PLAIN_REVISION.fullmatch(found["down_revision"]):  # a merge: a tuple of parents
                return _scripts().get_current_head()
            parents.add(found["down_revision"].strip("'\""))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else _scripts().get_current_head()


_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.*?)\s*$", re.M)
_PLAIN_REVISION = re.compile(r"""(['"])\w+\1""")


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision; None for a database that was never initialised.

    What Alembic's MigrationContext reads, without loading Alembic (see head_revision)."""
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return _one_revision(versions)


def sqlite_revision(conn: sqlite3.Connection) -> str | None:
    """current_revision on a plain sqlite3 connection, for a command that loads no SQLAlchemy (`kb search`)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchall():
        return None
    return _one_revision([version for (version,) in conn.execute("SELECT version_num FROM alembic_version")])


def _one_revision(versions: Sequence[str]) -> str | None:
    if len(versions) > 1:
        raise DatabaseTooNew(f"the database has several schema heads ({', '.join(versions)}): it was branched")
    return versions[0] if versions else None


def too_new(current: str, head: str | None) -> DatabaseTooNew:
    return DatabaseTooNew(
        f"the database is at schema revision {current}, which this version of kb does not know "
        f"(it knows up to {head}): a newer kb upgraded it; install that version"
    )


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(""))


def known_revision(revision: str) -> bool:
    """Whether `revision` is one of this code's migrations (else a newer kb made it)."""
    return any(script.revision == revision for script in _scripts().walk_revisions())


def migration_engine(url: str) -> Engine:
    """An engine whose transactions hold DDL too (for Alembic's env.py when run on its own)."""
    from sqlalchemy import create_engine

    return _migration_engine(create_engine(engine_url(url)))


def _migration_engine(engine: Engine) -> Engine:
    """The engine migrations run on: `engine` itself, except on SQLite.

    On SQLite, a dedicated engine (normal sessions keep pysqlite's behaviour): the
    SQLAlchemy recipe for pysqlite's transactional DDL (isolation_level=None on the
    DBAPI connection, so that pysqlite neither begins nor commits on its own, and our
    own BEGIN from the "begin" event). IMMEDIATE takes the write lock at once, so a
    second `kb init` waits for the first instead of failing half-way.
    """
    if engine.dialect.name != "sqlite":
        return engine
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    runner = create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": 10})
    event.listen(runner, "connect", _migration_pragmas)
    event.listen(runner, "begin", _begin_immediate)
    return runner


def _migration_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # pysqlite: no implicit BEGIN, no COMMIT before DDL
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction: set here, before any BEGIN
    cur.close()


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


# ---- read-only opening and storage failures ------------------------------------------


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite database URL; None for another database or an in-memory one."""
    plain = _PLAIN_SQLITE_URL.fullmatch(url)
    if plain:  # the usual sqlite:///path, read without loading SQLAlchemy
        return Path(plain.group(1))
    if not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


_PLAIN_SQLITE_URL = re.compile(r"sqlite:///((?!:memory:)[^?%]+)")


def can_write(path: Path) -> bool:
    """Whether this process may write the database file at `path` and create files next to it
    (SQLite's -wal and -shm). False on a read-only filesystem even for root; True for root on
    a chmod 555 directory, where root's writes do succeed."""
    return os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def make_readonly_engine(path: Path) -> Engine:
    """An engine on the existing SQLite database at `path` that never writes nor creates it:
    every write fails loudly ("attempt to write a readonly database").

    How each connection opens (found by trying, SQLite 3.40):
    - where the directory is writable: `mode=rw` (never creates the file) plus
      `PRAGMA query_only`; the last connection to close still checkpoints and removes
      the -wal and -shm files as usual (a `mode=ro` connection would leave them behind);
    - elsewhere (read-only filesystem, chmod 555): `mode=ro`. A WAL database can be
      read that way only when its -shm file exists (a writer is running or was
      killed); after a clean close there is none and it cannot be created, and SQLite
      says "unable to open database file". Then, when no -wal file with content is
      there either, every committed change is in the main file and nothing can change
      it on a read-only filesystem, so `immutable=1` (no locks, no -shm) is correct.
      A -wal with content but no -shm cannot be read: an error says so;
    - the same fallback serves a full disk, where the -shm cannot grow ("disk I/O
      error", SQLITE_IOERR_SHMSIZE): searching still works there.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.engine import URL

    url = URL.create("sqlite", database=str(path))  # what engine.url shows; the creator connects
    return create_engine(url, creator=lambda: connect_readonly(path), json_serializer=_json_text)


def connect_readonly(path: Path) -> sqlite3.Connection:
    uri = "file:" + urllib.parse.quote(str(path.absolute()))
    mode = "rw" if can_write(path) else "ro"
    conn = sqlite3.connect(f"{uri}?mode={mode}", uri=True, timeout=10, check_same_thread=False)
    try:
        if mode == "rw":
            conn.execute("PRAGMA query_only=ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()  # opens (or creates) a WAL database's -shm
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        code = exc.sqlite_errorcode
        if code & 0xFF not in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL) and code != SQLITE_IOERR_SHMSIZE:
            raise
    # No -shm could be opened or made (a read-only directory, a full disk).
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise StorageError(
            f"the database at {path} has changes in {wal.name} that can only be read with {path.parent} "
            "writable and space on its disk: run any `kb` command once where it is"
        )
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=10, check_same_thread=False)


# What a low-level failure means for the store; storage_problem() returns one of these.
FULL, READ_ONLY, DAMAGED, IO_ERROR = "full", "read-only", "damaged", "io"
SQLITE_IOERR_SHMSIZE = sqlite3.SQLITE_IOERR | 19 << 8  # the -shm file could not grow: on a full disk
_SQLITE_CODES = {
    SQLITE_IOERR_SHMSIZE: FULL,
    sqlite3.SQLITE_FULL: FULL,
    sqlite3.SQLITE_READONLY: READ_ONLY,
    sqlite3.SQLITE_NOTADB: DAMAGED,
    sqlite3.SQLITE_CORRUPT: DAMAGED,
    sqlite3.SQLITE_IOERR: IO_ERROR,  # may be a full disk too: the caller looks at the free space
}
_SQLITE_MESSAGES = {
    "database or disk is full": FULL,
    "attempt to write a readonly database": READ_ONLY,
    "file is not a database": DAMAGED,
    "database disk image is malformed": DAMAGED,
}
_ERRNOS = {errno.ENOSPC: FULL, errno.EDQUOT: FULL, errno.EROFS: READ_ONLY, errno.EACCES: READ_ONLY}


def storage_problem(exc: BaseException) -> tuple[str, str | None] | None:
    """(FULL, READ_ONLY, DAMAGED or IO_ERROR, the file concerned if known) when `exc`, or an
    exception it was raised from, is a full disk, a read-only file or directory, a damaged
    SQLite file or a SQLite disk I/O error; None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current = _driver_error(current)
        if isinstance(current, sqlite3.Error):
            code = getattr(current, "sqlite_errorcode", None)
            kind = (_SQLITE_CODES.get(code) or _SQLITE_CODES.get(code & 0xFF)) if isinstance(code, int) else None
            kind = kind or next((k for m, k in _SQLITE_MESSAGES.items() if m in str(current)), None)
            if kind:
                return kind, None
        elif isinstance(current, OSError) and current.errno in _ERRNOS:
            return _ERRNOS[current.errno], current.filename if isinstance(current.filename, str) else None
        current = current.__cause__ or current.__context__
    return None


def _driver_error(exc: BaseException) -> BaseException:
    """The driver's exception under a SQLAlchemy DBAPIError; `exc` itself otherwise."""
    if "sqlalchemy.exc" in sys.modules:  # else no DBAPIError was ever raised
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, DBAPIError) and exc.orig is not None:
            return exc.orig
    return exc


def storage_errors() -> tuple[type[Exception], ...]:
    """What a failing database or file raises: OSError, a sqlite3 error (on a plain connection),
    and SQLAlchemy's DBAPIError once SQLAlchemy is loaded (else none can have been raised).
    For `except`, which evaluates it only when an exception is being matched."""
    if "sqlalchemy.exc" not in sys.modules:
        return (OSError, sqlite3.Error)
    from sqlalchemy.exc import DBAPIError

    return (OSError, sqlite3.Error, DBAPIError)


def is_initialised(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return inspect(engine).has_table("alembic_version")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    from sqlmodel import Session

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
