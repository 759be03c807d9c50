"""The baseline: the same corpus in SQLite FTS5, queried the way the project is.

An external-content FTS5 table over a documents table (porter tokenizer),
bm25 with the project's title boost, facet counts by GROUP BY, snippets
from FTS5's snippet(), and hit rows read back from the documents table.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.corpus import GeneratedDoc

TITLE_BOOST = 3.0  # kb.index.SCHEMA: title=TEXT(field_boost=3.0)


def create(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        PRAGMA journal_mode=WAL;
        PRAGMA synchronous=NORMAL;
        CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT, published TEXT, source INTEGER, kind TEXT);
        CREATE TABLE ents (doc INTEGER, slug TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(title, body, content='docs', content_rowid='id',
                                            tokenize='porter unicode61');
        """
    )
    return conn


def add(conn: sqlite3.Connection, first_id: int, docs: list[GeneratedDoc]) -> None:
    rows = [
        (first_id + n, d.title, d.body, d.published.isoformat(sep=" "), d.source, d.kind) for n, d in enumerate(docs)
    ]
    conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)", [(r[0], r[1], r[2]) for r in rows])
    conn.executemany(
        "INSERT INTO ents VALUES (?, ?)", [(first_id + n, slug) for n, d in enumerate(docs) for slug in d.entities]
    )


def finish(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE INDEX docs_published ON docs (published);
        CREATE INDEX ents_slug ON ents (slug, doc);
        CREATE INDEX ents_doc ON ents (doc);
        INSERT INTO fts(fts) VALUES ('optimize');
        """
    )
    conn.commit()


@dataclass
class Query:
    """One search as FTS5 runs it; `match` empty means every document."""

    match: str = ""
    since: date | None = None
    until: date | None = None
    entity: str | None = None
    by_date: bool = False
    page: int = 1
    per_page: int = 20
    facets: bool = False


def _where(q: Query) -> tuple[str, list]:
    clauses, args = [], []
    if q.match:
        clauses.append("d.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
        args.append(q.match)
    if q.since:
        clauses.append("d.published >= ?")
        args.append(q.since.isoformat())
    if q.until:
        clauses.append("d.published < date(?, '+1 day')")
        args.append(q.until.isoformat())
    if q.entity:
        clauses.append("d.id IN (SELECT doc FROM ents WHERE slug = ?)")
        args.append(q.entity)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def run(conn: sqlite3.Connection, q: Query) -> tuple[int, list[int], dict]:
    """(total, ids of the page in order, facets)."""
    where, args = _where(q)
    total = conn.execute(f"SELECT count(*) FROM docs d{where}", args).fetchone()[0]
    offset = (q.page - 1) * q.per_page
    if q.match and not q.by_date:
        extra, extra_args = _where(Query(since=q.since, until=q.until, entity=q.entity))
        extra = " AND " + extra.removeprefix(" WHERE ") if extra else ""
        rows = conn.execute(
            f"SELECT d.id, d.title, d.published, d.source, snippet(fts, 1, '[', ']', '…', 24) "
            f"FROM fts JOIN docs d ON d.id = fts.rowid WHERE fts MATCH ?{extra} "
            f"ORDER BY bm25(fts, {TITLE_BOOST}, 1.0) LIMIT ? OFFSET ?",
            [q.match, *extra_args, q.per_page, offset],
        ).fetchall()
    else:
        rows = conn.execute(
            f"SELECT d.id, d.title, d.published, d.source, substr(d.body, 1, 220) FROM docs d{where} "
            "ORDER BY d.published DESC LIMIT ? OFFSET ?",
            [*args, q.per_page, offset],
        ).fetchall()
        if q.match:  # snippets for the page's rows, as the project shows them
            ids = [r[0] for r in rows]
            marks = ",".join("?" * len(ids))
            conn.execute(
                f"SELECT rowid, snippet(fts, 1, '[', ']', '…', 24) FROM fts WHERE fts MATCH ? AND rowid IN ({marks})",
                [q.match, *ids],
            ).fetchall()
    facets = _facets(conn, where, args) if q.facets else {}
    return total, [r[0] for r in rows], facets


def _facets(conn: sqlite3.Connection, where: str, args: list) -> dict:
    out = {}
    for name, expr in (("source", "d.source"), ("kind", "d.kind"), ("year", "substr(d.published, 1, 4)")):
        out[name] = conn.execute(
            f"SELECT {expr}, count(*) AS n FROM docs d{where} GROUP BY 1 ORDER BY n DESC LIMIT 50", args
        ).fetchall()
    out["entity"] = conn.execute(
        f"SELECT e.slug, count(*) AS n FROM ents e WHERE e.doc IN (SELECT d.id FROM docs d{where}) "
        "GROUP BY 1 ORDER BY n DESC LIMIT 50",
        args,
    ).fetchall()
    return out
