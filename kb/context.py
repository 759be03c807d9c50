"""The open knowledge base: settings, database engine and search index together."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from kb import db, settings
from kb.errors import (
    DatabaseDamaged,
    DiskFull,
    IndexMissing,
    NeedsUpgrade,
    NoKnowledgeBase,
    ReadOnlyHome,
    StorageError,
)

if TYPE_CHECKING:  # imported where used: a search process needs neither the fetcher, the linker nor SQLAlchemy
    from sqlalchemy.engine import Engine
    from sqlmodel import Session
    from whoosh.index import Index as WhooshIndex

    from ingest.fetch import FetchOptions
    from kb.linker import Linker
    from kb.search_rows import Readable


@dataclass
class KB:
    config: settings.Config
    _engine: Engine | None = field(default=None, repr=False)  # made on first use when not given
    _engine_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _index: WhooshIndex | None = field(default=None, repr=False)
    _generation: Path | None = field(default=None, repr=False)
    # Threads share a KB (the app's sessions, the writer's fetchers): one of them opens or
    # creates the index, the others wait, instead of each creating a generation of its own.
    _index_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def engine(self) -> Engine:
        with self._engine_lock:
            if self._engine is None:
                self._engine = self._make_engine()
            return self._engine

    def _make_engine(self) -> Engine:
        return db.make_engine(self.config.database_url)

    @contextmanager
    def reading(self) -> Iterator[Readable]:
        """A connection for reading rows with plain SQL (`kb search`): on SQLite, while nothing
        has needed the engine yet, a sqlite3 connection of its own, so that SQLAlchemy stays
        unloaded; else one of the engine's."""
        path = db.sqlite_path(self.config.database_url)
        if path is not None and self._engine is None:
            with closing(db.connect_readonly(path)) as plain:
                yield plain
            return
        with self.engine.connect() as conn:
            yield conn

    def session(self) -> Session:
        from sqlmodel import Session

        return Session(self.engine, expire_on_commit=False)

    @property
    def index(self) -> WhooshIndex:
        """The Whoosh index, opened (or created) on first use, and opened again when a rebuild
        (in this process or another) has swapped in a new generation."""
        from kb import index

        with self._index_lock:
            generation = self.config.index_dir.resolve()
            if self._index is not None and generation != self._generation:
                self._index.close()
                self._index = None
            if self._index is None:
                self._index = index.open_index(self.config.index_dir)
                self._generation = self.config.index_dir.resolve()
            return self._index

    def reopen_index(self) -> None:
        """Forget the open index, e.g. after a rebuild swapped in a new one."""
        if self._index is not None:
            self._index.close()
        self._index = None

    @property
    def linker(self) -> Linker:
        """The entity linker for this KB's registry (KB_REGISTRY_DIR), rebuilt when a file changes."""
        from kb.linker import current_linker

        return current_linker(self.config.registry_dir)

    @cached_property
    def fetch_options(self) -> FetchOptions:
        from ingest.fetch import FetchOptions

        return FetchOptions(
            timeout=self.config.http_timeout,
            max_bytes=self.config.max_response_bytes,
            user_agent=self.config.user_agent,
            allow_private=self.config.allow_private_addresses,
            deadline=self.config.fetch_deadline,
        )


class ReadOnlyKB(KB):
    """A knowledge base opened by a read-only command (`open_kb(read_only=True)`): nothing
    was migrated or created, the database connections refuse every write, and a missing
    search index is an error rather than created empty. On SQLite its engine is made on first
    use (`kb search` reads with sqlite3 alone)."""

    def _make_engine(self) -> Engine:
        path = db.sqlite_path(self.config.database_url)
        return db.make_readonly_engine(path) if path is not None else super()._make_engine()

    @property
    def index(self) -> WhooshIndex:
        from kb import index

        if self._index is None and not index.exists(self.config.index_dir):
            raise IndexMissing(f"there is no search index in {self.config.index_dir}: run `kb reindex`")
        return super().index


def open_kb(config: settings.Config | None = None, *, migrate: bool = True, read_only: bool = False) -> KB:
    """Open the knowledge base under KB_HOME.

    Writers (the default: kb init, run, poll, demo, reindex, link, sources add...) create
    KB_HOME and the database when needed and upgrade the schema. Readers (`read_only=True`:
    search, timeline, entity, entities, sources list, check) create nothing, never migrate,
    and work on a read-only KB_HOME; they stop with one line when there is no knowledge
    base yet or its schema is older than the code. A full disk, a read-only KB_HOME for a
    writer or a damaged database file raise a StorageError that says what to do.
    """
    config = config or settings.load()
    try:
        return _open_for_reading(config) if read_only else _open_for_writing(config, migrate)
    except db.storage_errors() as exc:
        problem = explain(exc, config)
        if problem is None:
            raise
        raise problem from exc


def _open_for_writing(config: settings.Config, migrate: bool) -> KB:
    path = db.sqlite_path(config.database_url)
    config.home.mkdir(parents=True, exist_ok=True)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not db.can_write(path):
            raise _read_only(config, path)
    engine = db.make_engine(config.database_url)
    if migrate:
        db.migrate(engine)
    return KB(config=config, _engine=engine)


def _open_for_reading(config: settings.Config) -> ReadOnlyKB:
    path = db.sqlite_path(config.database_url)
    if path is None:
        engine, where = db.make_engine(config.database_url), "the database KB_DATABASE_URL names"
        current = db.current_revision(engine)
        if current != db.head_revision():
            engine.dispose()
            _not_current(current, where)
        return ReadOnlyKB(config=config, _engine=engine)
    where = f"KB_HOME={config.home}" if path.parent == config.home else str(path)
    if not path.is_file():
        raise NoKnowledgeBase(f"no knowledge base in {where}: run `kb init` (or `kb demo`)")
    with closing(db.connect_readonly(path)) as conn:  # no engine: SQLAlchemy is loaded when needed
        current = db.sqlite_revision(conn)
    if current != db.head_revision():
        _not_current(current, where)
    return ReadOnlyKB(config=config)


def _not_current(current: str | None, where: str) -> NoReturn:
    """Why a reader cannot use a database at schema revision `current` (not the head)."""
    if current is None:
        raise NoKnowledgeBase(f"no knowledge base in {where}: run `kb init` (or `kb demo`)")
    if db.known_revision(current):
        raise NeedsUpgrade("the database needs an upgrade: run `kb init`")
    raise db.too_new(current, db.head_revision())


def bring_up_to_date(kb: KB, update: Callable[[Session], object]) -> str | None:
    """Run `update` in a session and commit: how a read-only command brings derived rows up
    to date before it answers (entity links after a registry change, events after a curated
    file changed). It usually finds nothing to do and writes nothing.

    On a writable KB_HOME, a KB opened read-only lends it a writable engine of its own. On a
    read-only KB_HOME (or a full disk) it runs on the read-only connection: when it needs to
    write, nothing is written and the reason is returned, for a warning (the command then
    answers from the rows as they are); None otherwise.
    """
    path = db.sqlite_path(kb.config.database_url)
    if not isinstance(kb, ReadOnlyKB) or path is None:
        _run_update(kb.engine, update)
        return None
    from sqlalchemy.exc import DBAPIError

    reason = f"KB_HOME={kb.config.home} is read-only"
    if db.can_write(path):
        engine = db.make_engine(kb.config.database_url)
        try:
            _run_update(engine, update)
            return None
        except DBAPIError as exc:
            if not isinstance(explain(exc, kb.config), DiskFull):
                raise
            reason = f"the disk holding KB_HOME={kb.config.home} is full"
        finally:
            engine.dispose()
    try:
        _run_update(kb.engine, update)
    except DBAPIError as exc:
        problem = db.storage_problem(exc)
        if problem is None or problem[0] != db.READ_ONLY:
            raise
        return reason
    return None


def _run_update(engine: Engine, update: Callable[[Session], object]) -> None:
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session:
        update(session)
        session.commit()


def explain(exc: BaseException, config: settings.Config | None = None) -> StorageError | None:
    """The one-line, what-to-do error for a full disk, a read-only KB_HOME or a damaged
    database file behind `exc` (a DBAPI error or an OSError, raised at any step of a
    command); None when `exc` is none of these."""
    found = db.storage_problem(exc)
    if found is None:
        return None
    config = config or settings.load()
    kind, filename = found
    database = db.sqlite_path(config.database_url)
    if kind == db.IO_ERROR and not _no_space_left(database or config.home):
        return StorageError(
            f"disk I/O error on the database at {database or config.database_url}: check the disk, "
            "then run the command again"
        )
    if kind in (db.FULL, db.IO_ERROR):
        where = f"KB_HOME={config.home}"
        if filename and not _inside(Path(filename), config.home):
            where = filename
        return DiskFull(f"the disk holding {where} is full: free space and run the command again; nothing was lost")
    if kind == db.DAMAGED:
        return DatabaseDamaged(
            f"the database at {database or config.database_url} is not a SQLite database or is damaged: "
            "restore a backup, or move it away and run `kb demo` or `kb init`"
        )
    target = Path(filename) if filename else database
    if target is None or not _inside(target, config.home, config.index_dir, *([database.parent] if database else [])):
        return None  # a file elsewhere (an export path, the registry): not for this message
    return _read_only(config, target)


def _read_only(config: settings.Config, path: Path) -> ReadOnlyHome:
    where = f"KB_HOME={config.home}" if _inside(path, config.home) else str(path.parent)
    return ReadOnlyHome(
        f"{where} is read-only (or not writable by this user): run this command where it is writable; "
        "search, timeline, entity, entities, sources list and check work on a read-only KB_HOME"
    )


def _no_space_left(path: Path) -> bool:
    directory = path if path.is_dir() else path.parent
    try:
        return os.statvfs(directory).f_bavail == 0
    except OSError:
        return False


def _inside(path: Path, *directories: Path) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(d.resolve()) for d in directories)
