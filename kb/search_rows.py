"""The rows a page of search hits shows, read with plain SQL on the database driver's connection.

`kb search` hands search a `sqlite3.Connection`, so that a search process loads neither
SQLAlchemy nor the ORM (issue 14: a cold search under 0.6 s). The app and the API hand it a
SQLAlchemy session or connection: the same statements then run on its driver connection
(SQLite or PostgreSQL), inside its transaction. kb.models names the tables and columns.
"""

from __future__ import annotations

import json
import sqlite3
from collections import namedtuple
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

    from kb.linker import Linker

    Readable = sqlite3.Connection | Session | Connection

DocumentRow = namedtuple("DocumentRow", "id title url source_id published_at kind body summary source_title source_url")
CopyRow = namedtuple("CopyRow", "document_id url source_id source_title source_url")

# Each with its source's title (or URL) in the same query; {ids} is a list of placeholders.
_DOCUMENTS = (
    "SELECT d.id, d.title, d.url, d.source_id, d.published_at, d.kind, d.body, d.summary,"
    " s.title AS source_title, s.url AS source_url"
    " FROM document d LEFT JOIN source s ON s.id = d.source_id WHERE d.id IN ({ids})"
)
_COPIES = (
    "SELECT c.document_id, c.url, c.source_id, s.title AS source_title, s.url AS source_url"
    " FROM documentcopy c LEFT JOIN source s ON s.id = c.source_id WHERE c.document_id IN ({ids}) ORDER BY c.id"
)
_MENTIONS = 'SELECT document_id, entity_slug, "count" FROM mention WHERE document_id IN ({ids})'
_ENTITIES = "SELECT slug, name, kind FROM entity WHERE slug IN ({ids})"
_ENTITY_NAMES = "SELECT slug, name, aliases FROM entity"


class Rows:
    """A driver connection and how its statements mark parameters."""

    def __init__(self, conn: Readable) -> None:
        if isinstance(conn, sqlite3.Connection):
            self.dbapi: Any = conn
            self.mark = "?"
            return
        from sqlalchemy.engine import Connection

        connection = conn if isinstance(conn, Connection) else conn.connection()
        self.dbapi = connection.connection.dbapi_connection
        self.mark = "?" if connection.dialect.paramstyle in ("qmark", "numeric") else "%s"

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(sql, tuple(params))
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def by_ids(self, sql: str, ids: Sequence[Any]) -> list[tuple]:
        """The rows of `sql` for `ids` (none for no ids)."""
        return self.all(sql.format(ids=", ".join([self.mark] * len(ids))), ids) if ids else []


def _datetime(value: Any) -> datetime | None:
    """A DateTime column's value: SQLite stores text (as SQLAlchemy writes it), PostgreSQL a timestamp."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _json(value: Any) -> Any:
    """A JSON column's value: SQLite stores text, the PostgreSQL driver parses it already."""
    return json.loads(value) if isinstance(value, str) else value


def documents(rows: Rows, ids: Sequence[int]) -> list[DocumentRow]:
    """The documents with these ids and their sources' titles and URLs, in no order."""
    found = [DocumentRow(*row) for row in rows.by_ids(_DOCUMENTS, ids)]
    return [doc._replace(published_at=_datetime(doc.published_at)) for doc in found]


def copies(rows: Rows, ids: Sequence[int]) -> dict[int, list[CopyRow]]:
    """Where else each of these documents was seen, oldest first."""
    out: dict[int, list[CopyRow]] = {}
    for row in rows.by_ids(_COPIES, ids):
        out.setdefault(row[0], []).append(CopyRow(*row))
    return out


def mentions(rows: Rows, ids: Sequence[int]) -> list[tuple[int, str, int]]:
    """(document id, entity slug, count) for these documents."""
    return rows.by_ids(_MENTIONS, ids)


def may_name_entities(rows: Rows, text: str) -> bool:
    """Whether a stored entity's name, alias or slug occurs in `text`: the linker finds no others."""
    lowered = text.lower()
    words = set(lowered.split())
    for slug, name, aliases in rows.all(_ENTITY_NAMES):
        if slug in words or any(n and n.lower() in lowered for n in [name, *(_json(aliases) or [])]):
            return True
    return False


def slugs_named_in(text: str, linker: Linker) -> list[str]:
    """The slugs of the registry's entities that `text` names (by alias or slug), at most five."""
    slugs = list(dict.fromkeys(m.slug for m in linker.find(text)))
    slugs += [w for w in text.lower().split() if w in linker.registry.entities and w not in slugs]
    return slugs[:5]


def named_entities(rows: Rows, text: str, linker: Linker) -> list[tuple[str, str, str]]:
    """(slug, name, kind) of the stored entities `text` names, in the order the linker found them."""
    slugs = slugs_named_in(text, linker)
    stored = {row[0]: row for row in rows.by_ids(_ENTITIES, slugs)}
    return [stored[s] for s in slugs if s in stored]
