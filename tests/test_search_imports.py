"""A cold `kb search` imports only what searching needs (issue 14: a search process under 0.6 s).

Each module named here costs a `kb search` process tens to hundreds of milliseconds to import,
and searching needs none of them: Alembic (the schema check reads the revision with plain SQL),
the ORM (SQLModel, pydantic: search reads plain rows), the fetcher (httpx), the article
extractor, Streamlit, SQLAlchemy (rows are read with sqlite3). Run in a fresh interpreter, because this test process has imported all
of them already.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import datetime

import pytest

from kb.search import SearchRequest, search

NEVER = (
    "alembic",
    "httpx",
    "ingest.fetch",
    "kb.store",
    "streamlit",
    "trafilatura",
    "feedparser",
    "kb.pipeline",
    "numpy.ma",
    # the ORM: search reads plain rows, and kb/index.py loads the models only where it reads documents
    "sqlmodel",
    "kb.models",
    "pydantic",
    "sqlalchemy.orm",
    # SQLAlchemy itself: the KB opens, checks its schema revision and reads rows with sqlite3
    "sqlalchemy",
)

_PROBE = """
import contextlib, io, json, sys
import kb.cli
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = kb.cli.main(sys.argv[1:])
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _cold_search(home, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env["KB_HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, "search", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.fixture
def searchable(kb):
    """A KB with one indexed document that names no entity."""
    from kb import index as kb_index
    from kb.models import Document, Source

    with kb.session() as session:
        source = Source(kind="feed", url="https://example.org/feed.xml", title="Desk")
        session.add(source)
        session.flush()
        doc = Document(
            source_id=source.id,
            key="k1",
            url="https://example.org/1",
            title="Thang report",
            body="A thang in words.",
            published_at=datetime(2024, 7, 9, 12, 30),
        )
        session.add(doc)
        session.commit()
        kb_index.index_documents(kb.index, session, [doc.id])
    return kb.config.home


@pytest.mark.slow  # a fresh interpreter per case: CI runs it, the quick loop does not
@pytest.mark.parametrize("args", [("thang",), ("nothingmatches",), ("thang", "--json", "--sort", "date")])
def test_a_search_process_imports_no_migrations_fetcher_or_ui(searchable, args):
    found = _cold_search(searchable, *args)
    assert found["code"] == 0
    assert ("1 results" in found["out"] or '"total": 1' in found["out"]) if args[0] == "thang" else True
    assert [m for m in NEVER if m in found["modules"]] == []


def test_search_reads_its_rows_from_a_plain_connection_as_from_a_session(searchable, kb):
    """`kb search` hands search a sqlite3 connection, the app a session, the API a connection:
    the same hits either way."""
    request = SearchRequest(query="thang")
    with kb.session() as session:
        from_session = search(kb.index, session, request)
    with kb.engine.connect() as conn:
        from_connection = search(kb.index, conn, request)
    with closing(sqlite3.connect(kb.engine.url.database)) as plain:
        from_sqlite3 = search(kb.index, plain, request)
    assert from_connection.to_dict() == from_session.to_dict() == from_sqlite3.to_dict()
    assert from_connection.hits[0].source_title == "Desk"
    assert from_connection.hits[0].published == datetime(2024, 7, 9, 12, 30)


@pytest.mark.both_databases
def test_the_rows_search_reads_with_plain_sql_on_both_databases(kb):
    """The statements search runs itself (hits with their sources, copies and mentions, the names
    of stored entities): dates, JSON aliases and quoted columns read alike on SQLite and PostgreSQL."""
    from kb import index as kb_index
    from kb.models import Document, DocumentCopy, Entity, Mention, Source
    from kb.search import _may_name_entities

    with kb.session() as session:
        first, second = (
            Source(kind="feed", url="https://a.example/feed", title=""),
            Source(kind="feed", url="https://b.example/feed", title="Desk B"),
        )
        session.add_all([first, second, Entity(slug="baidu", name="Baidu", kind="organization", aliases=["百度"])])
        session.flush()
        doc = Document(
            source_id=first.id,
            key="k",
            url="https://a.example/1",
            title="Thang",
            body="A thang.",
            summary="",
            published_at=datetime(2024, 7, 9, 12, 30),
        )
        session.add(doc)
        session.flush()
        session.add_all(
            [
                DocumentCopy(document_id=doc.id, source_id=second.id, key="c", url="https://b.example/1"),
                Mention(document_id=doc.id, entity_slug="baidu", count=2),
            ]
        )
        session.commit()
        kb_index.index_documents(kb.index, session, [doc.id])
    with kb.engine.connect() as conn:
        [hit] = search(kb.index, conn, SearchRequest(query="thang")).hits
        assert _may_name_entities(conn, "百度 offers tokens") and not _may_name_entities(conn, "thang")
    assert (hit.source_title, hit.published, hit.entities) == (
        "https://a.example/feed",
        datetime(2024, 7, 9, 12, 30),
        ["baidu"],
    )
    assert [(c.url, c.source_title) for c in hit.also_at] == [("https://b.example/1", "Desk B")]


def test_a_read_only_kb_reads_with_sqlite3_until_it_needs_its_engine(searchable, kb):
    """`kb search` opens no SQLAlchemy engine: a read-only KB on SQLite hands out sqlite3
    connections until something asks for its engine, and the engine's connections after."""
    from kb.context import open_kb

    reader = open_kb(kb.config, read_only=True)
    with reader.reading() as conn:
        assert isinstance(conn, sqlite3.Connection)
        assert search(reader.index, conn, SearchRequest(query="thang")).total == 1
    assert reader.engine.url.database == kb.engine.url.database  # made on first use
    with reader.reading() as conn:
        assert not isinstance(conn, sqlite3.Connection)
        assert search(reader.index, conn, SearchRequest(query="thang")).total == 1
    reader.engine.dispose()
