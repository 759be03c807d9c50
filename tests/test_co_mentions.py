"""The counts the writer keeps for the Entity page, co-mentions ("named together with") and
documents per month, always equal the counts computed from the mention and document tables:
after polls, re-links of changed documents, a changed publication date, a removed source, a
relink of everything, and when the migrations that add them fill them."""

from __future__ import annotations

import re

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import delete, select

from kb import writer
from kb.cli import main
from kb.db import _alembic_config, make_engine, migrate
from kb.entities import co_mentioned, mentions_per_month, relink_all
from kb.entity_counts import (
    counted_co_mentions,
    counted_months,
    kept_co_mentions,
    kept_mentions_per_month,
    kept_months,
    rebuild,
)
from kb.models import CoMention, Entity, EntityMonth
from kb.pipeline import poll
from kb.store import add_source
from tests.helpers import rss

FEED_A = rss(
    ("a1", "Export rule on H20 chips", "Nvidia sold H20 chips to Baidu; the Commerce Department added Baidu."),
    ("a2", "Diffusion rule rescinded", "Officials said the AI Diffusion rule is rescinded; Nvidia and OpenAI agree."),
    title="Feed A",
)
FEED_A_CHANGED = rss(
    ("a1", "Export rule on H20 chips", "OpenAI and Alibaba Cloud named in a story that no longer names the others."),
    ("a2", "Diffusion rule rescinded", "Officials said the AI Diffusion rule is rescinded; Nvidia and OpenAI agree."),
    ("a3", "A new story", "Baidu, Nvidia and Alibaba Cloud were all named in this one."),
    title="Feed A",
)


def redated(feed: str, guid: str, day: str) -> str:
    """`feed` with the item `guid` published on another day (an RFC 822 date)."""
    return re.sub(rf"(<guid isPermaLink='false'>{guid}</guid>.*?<pubDate>)[^<]*", rf"\g<1>{day}", feed)


FEED_B = rss(
    ("b1", "Tokens offered", "Baidu offered free tokens to developers leaving OpenAI, Nvidia said."),
    title="Feed B",
)


def kept_equals_counted(kb) -> dict[tuple[str, str], int]:
    """The co-mention counts, after checking both kinds of kept counts."""
    with kb.session() as session:
        kept, counted = kept_co_mentions(session), counted_co_mentions(session)
        assert kept_months(session) == counted_months(session)
    assert kept == counted
    return kept


def months(kb, slug: str) -> list[tuple[str, int]]:
    with kb.session() as session:
        return kept_mentions_per_month(session, slug)


@pytest.mark.both_databases
def test_counts_follow_polls_changes_removals_and_relinks(loaded_kb, server, capsys):
    with loaded_kb.session() as session:
        a = add_source(session, url=server.add("/a.xml", FEED_A), allow_private=True).id
        b = add_source(session, url=server.add("/b.xml", FEED_B), allow_private=True).id
        session.commit()
    assert poll(loaded_kb, [a, b]).count("failed") == 0
    first = kept_equals_counted(loaded_kb)
    assert first[("baidu", "nvidia")] >= 2 and first[("nvidia", "baidu")] == first[("baidu", "nvidia")]

    server.add("/a.xml", FEED_A_CHANGED)  # a1 names other entities now, a3 is new
    assert poll(loaded_kb, [a]).count("failed") == 0
    changed = kept_equals_counted(loaded_kb)
    assert changed != first and ("alibaba-cloud", "openai") in changed

    assert months(loaded_kb, "openai") == [("2024-07", 3)]
    server.add("/a.xml", redated(FEED_A_CHANGED, "a2", "Sat, 01 Feb 2025 10:00:00 GMT"))  # only its date
    assert poll(loaded_kb, [a]).count("failed") == 0
    assert kept_equals_counted(loaded_kb) == changed
    assert months(loaded_kb, "openai") == [("2024-07", 2), ("2025-02", 1)]

    writer.remove_source(loaded_kb, b, keep_documents=False)
    removed = kept_equals_counted(loaded_kb)
    assert removed.get(("baidu", "openai"), 0) < changed[("baidu", "openai")]

    code = main(["check"])
    assert code == 0 and "index consistent" in capsys.readouterr().out

    with loaded_kb.session() as session:  # counts gone wrong (a bug, a hand edit): check says so
        session.exec(delete(CoMention).where(CoMention.entity_slug == "nvidia"))
        session.add(CoMention(entity_slug="openai", other_slug="nowhere", documents=3))
        session.commit()
    with pytest.raises(SystemExit) as exited:
        main(["check"])
    out = capsys.readouterr().out
    assert exited.value.code == 1 and "co-mention counts inconsistent" in out and "month counts" not in out
    with loaded_kb.session() as session:
        session.exec(delete(EntityMonth).where(EntityMonth.entity_slug == "baidu"))
        session.commit()
    with pytest.raises(SystemExit) as exited:
        main(["check"])
    assert exited.value.code == 1 and "month counts inconsistent" in capsys.readouterr().out

    with loaded_kb.session() as session:  # and a relink of everything counts them again
        relink_all(session, loaded_kb.config.registry_dir)
        session.commit()
    assert kept_equals_counted(loaded_kb) == removed


def test_the_page_reads_the_kept_counts_most_first(loaded_kb, server):
    with loaded_kb.session() as session:
        a = add_source(session, url=server.add("/a.xml", FEED_A_CHANGED), allow_private=True).id
        session.commit()
    assert poll(loaded_kb, [a]).count("failed") == 0
    with loaded_kb.session() as session:
        counted = counted_co_mentions(session)
        names = dict(session.exec(select(Entity.slug, Entity.name)).all())
        for slug in {s for s, _ in counted}:
            expected = sorted(((o, n) for (s, o), n in counted.items() if s == slug and o in names),
                              key=lambda pair: (-pair[1], names[pair[0]]))[:15]  # fmt: skip
            assert [(e.slug, n) for e, n in co_mentioned(session, slug)] == expected, slug
            assert kept_mentions_per_month(session, slug) == mentions_per_month(session, slug), slug
        assert rebuild(session) == len(counted)
        assert kept_co_mentions(session) == counted
        assert kept_months(session) == counted_months(session)


@pytest.mark.both_databases
def test_the_migrations_fill_the_counts_from_the_mentions(database_url):
    engine = make_engine(database_url)
    cfg = _alembic_config(database_url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0011")
        conn.execute(
            text(
                "INSERT INTO source (kind, url, title, enabled, settings, created_at, status, error_count) "
                "VALUES ('feed', 'https://example.org/f', 't', TRUE, '{}', '2024-01-01', 'ok', 0)"
            )
        )
        for key, published in (("k1", "'2024-01-31 23:00:00'"), ("k2", "'2024-02-01 00:00:00'"), ("k3", "NULL")):
            conn.execute(
                text(
                    "INSERT INTO document (source_id, key, title, summary, body, fetched_at, kind, content_hash, "
                    "fields, article_attempts, previous_hashes, published_at) "
                    f"VALUES (1, '{key}', 't', '', '', '2024-01-01', 'news', '', '{{}}', 0, '[]', {published})"
                )
            )
        for doc_id, slug in ((1, "a"), (1, "b"), (1, "c"), (2, "a"), (2, "b"), (3, "c")):
            conn.execute(
                text("INSERT INTO mention (document_id, entity_slug, count) VALUES (:d, :s, 1)"),
                {"d": doc_id, "s": slug},
            )
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT entity_slug, other_slug, documents FROM co_mention")).all()
        per_month = conn.execute(text("SELECT entity_slug, month, documents FROM entity_month")).all()
    assert {(a, b): n for a, b, n in rows} == {
        ("a", "b"): 2,
        ("b", "a"): 2,
        ("a", "c"): 1,
        ("c", "a"): 1,
        ("b", "c"): 1,
        ("c", "b"): 1,
    }
    assert {(a, m): n for a, m, n in per_month} == {
        ("a", "2024-01"): 1,
        ("b", "2024-01"): 1,
        ("c", "2024-01"): 1,
        ("a", "2024-02"): 1,
        ("b", "2024-02"): 1,
    }
    engine.dispose()
