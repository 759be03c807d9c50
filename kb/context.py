"""The open knowledge base: settings, database engine and search index together."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlmodel import Session
from whoosh.index import Index as WhooshIndex

from ingest.fetch import FetchOptions
from kb import db, index, settings
from kb.linker import Linker, current_linker


@dataclass
class KB:
    config: settings.Config
    engine: Engine
    _index: WhooshIndex | None = field(default=None, repr=False)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @property
    def index(self) -> WhooshIndex:
        """The Whoosh index, opened (or created) on first use."""
        if self._index is None:
            self._index = index.open_index(self.config.index_dir)
        return self._index

    def reopen_index(self) -> None:
        """Forget the open index, e.g. after a rebuild swapped in a new one."""
        if self._index is not None:
            self._index.close()
        self._index = None

    @property
    def linker(self) -> Linker:
        """The entity linker for this KB's registry (KB_REGISTRY_DIR), rebuilt when a file changes."""
        return current_linker(self.config.registry_dir)

    @cached_property
    def fetch_options(self) -> FetchOptions:
        return FetchOptions(
            timeout=self.config.http_timeout,
            max_bytes=self.config.max_response_bytes,
            user_agent=self.config.user_agent,
            allow_private=self.config.allow_private_addresses,
        )


def open_kb(config: settings.Config | None = None, *, migrate: bool = True) -> KB:
    """Open the knowledge base under KB_HOME, creating or upgrading its schema."""
    config = config or settings.load()
    config.home.mkdir(parents=True, exist_ok=True)
    engine = db.make_engine(config.database_url)
    if migrate:
        db.migrate(engine)
    return KB(config=config, engine=engine)
