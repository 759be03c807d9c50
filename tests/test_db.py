"""The store: migrations match the models, SQLite pragmas are on, upgrades keep data."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel, text

from kb.db import _alembic_config, make_engine, migrate


def test_migrations_build_exactly_the_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_sqlite_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_upgrade_from_the_first_revision_keeps_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    engine = make_engine(url)
    cfg = _alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(
            text(
                "INSERT INTO source (kind, url, title, enabled, settings, created_at, status, error_count) "
                "VALUES ('feed', 'https://example.org/f', 't', 1, '{}', '2024-01-01', 'ok', 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO event (key, date, precision, kind, title, summary, origin, confidence, sources, "
                "created_at, updated_at) VALUES ('e', '2024-07-09', 'day', 'statement', 'T', '', 'curated', 1, "
                "'[]', '2024-01-01', '2024-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO document (source_id, key, title, summary, body, fetched_at, kind, content_hash, fields) "
                "VALUES (1, 'k', 't', '', '', '2024-01-01', 'news', '', '{}')"
            )
        )
        conn.execute(text("INSERT INTO eventdocument (event_id, document_id, sentence) VALUES (1, 1, 's')"))
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM eventdocument")).scalar() == 1
        head = ScriptDirectory.from_config(cfg).get_current_head()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head == "0004"
