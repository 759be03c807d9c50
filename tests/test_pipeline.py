"""Polling sources end to end: fetch, parse, store, index, with failures as data."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import func, select

from kb import pending
from kb.models import Document, IndexPending, Source, utcnow
from kb.pipeline import due_sources, poll, refresh_source
from kb.search import SearchRequest, search
from kb.store import add_source
from tests.helpers import rss

pytestmark = pytest.mark.both_databases


@pytest.fixture
def kb(loaded_kb):
    """These tests are about polling: each store starts with the registry and the curated
    timeline loaded (conftest's `loaded_kb`), so that a test's first poll does not spend a
    second loading them."""
    return loaded_kb


def _subscribe(kb, *urls) -> list[int]:
    with kb.session() as session:
        ids = [add_source(session, allow_private=True, url=u).id for u in urls]
        session.commit()
    return ids


def _doc_count(kb) -> int:
    with kb.session() as session:
        return session.exec(select(func.count(Document.id))).one()


def test_second_poll_with_etag_parses_nothing(kb, server):
    url = server.add("/f.xml", rss(("a", "Alpha", "one"), ("b", "Beta", "two")), etag='"v1"')
    [sid] = _subscribe(kb, url)
    first = poll(kb, [sid])
    assert (first.new, first.count("ok")) == (2, 1)
    second = poll(kb, [sid])
    assert second.count("not_modified") == 1 and second.new == 0
    assert server.requests[-1][1].get("if-none-match") == '"v1"'
    assert _doc_count(kb) == 2


def test_second_poll_with_last_modified_parses_nothing(kb, server):
    url = server.add("/f.xml", rss(("a", "Alpha", "one")), last_modified="Tue, 09 Jul 2024 10:00:00 GMT")
    [sid] = _subscribe(kb, url)
    poll(kb, [sid])
    assert poll(kb, [sid]).count("not_modified") == 1


def test_repoll_without_validators_adds_no_duplicates(kb, server):
    url = server.add("/f.xml", rss(("a", "Alpha", "one"), ("b", "Beta", "two")))
    [sid] = _subscribe(kb, url)
    poll(kb, [sid])
    again = poll(kb, [sid])
    assert (again.new, again.updated) == (0, 0)
    assert _doc_count(kb) == 2


def test_changed_entry_updates_its_document(kb, server):
    url = server.add("/f.xml", rss(("a", "Alpha", "old text")))
    [sid] = _subscribe(kb, url)
    poll(kb, [sid])
    server.add("/f.xml", rss(("a", "Alpha revised", "new text about gallium")))
    summary = poll(kb, [sid])
    assert (summary.new, summary.updated) == (0, 1)
    with kb.session() as session:
        doc = session.exec(select(Document)).one()
    assert doc.title == "Alpha revised" and "gallium" in doc.body
    assert search(kb.index, kb.session(), SearchRequest(query="gallium")).total == 1
    assert search(kb.index, kb.session(), SearchRequest(query="old")).total == 0


def test_failures_are_stored_and_poll_goes_on(kb, server):
    ok = server.add("/ok.xml", rss(("a", "Alpha", "one")))
    ids = _subscribe(
        kb,
        server.url("/missing.xml"),
        server.add("/boom", status=500),
        server.add("/page.html", "<html><body>hello</body></html>"),
        ok,
    )
    summary = poll(kb, ids)
    assert summary.count("failed") == 3 and summary.count("ok") == 1 and summary.new == 1
    with kb.session() as session:
        rows = {s.id: s for s in session.exec(select(Source))}
    assert "HTTP 404" in rows[ids[0]].last_error and rows[ids[0]].status == "failing"
    assert "HTTP 500" in rows[ids[1]].last_error and rows[ids[1]].error_count == 1
    assert "not a feed" in rows[ids[2]].last_error
    assert rows[ids[3]].status == "ok" and rows[ids[3]].last_error is None
    assert "3 failed" in summary.line()


def test_backoff_grows_and_success_resets(kb, server):
    url = server.add("/flaky", status=503)
    [sid] = _subscribe(kb, url)
    waits = []
    for _ in range(3):
        with kb.session() as session:
            refresh_source(kb, session, sid)
            source = session.get(Source, sid)
            waits.append(source.next_check_at - source.checked_at)
    assert waits[0] < waits[1] < waits[2]
    server.add("/flaky", rss(("a", "Alpha", "one")))
    with kb.session() as session:
        refresh_source(kb, session, sid)
        source = session.get(Source, sid)
        assert (source.status, source.error_count, source.last_error) == ("ok", 0, None)


def test_retry_after_is_honoured(kb, server):
    [sid] = _subscribe(kb, server.add("/busy", status=429, headers={"Retry-After": "86400"}))
    with kb.session() as session:
        refresh_source(kb, session, sid)
        source = session.get(Source, sid)
        assert source.next_check_at - source.checked_at >= timedelta(seconds=86400)


def test_gone_source_is_not_polled_again(kb, server):
    [sid] = _subscribe(kb, server.add("/gone", status=410))
    poll(kb, [sid])
    with kb.session() as session:
        assert session.get(Source, sid).status == "gone"
        assert sid not in due_sources(session, now=utcnow() + timedelta(days=30))


def test_cache_control_max_age_delays_next_check(kb, server):
    url = server.add("/f.xml", rss(("a", "Alpha", "one")), headers={"Cache-Control": "max-age=7200"})
    [sid] = _subscribe(kb, url)
    poll(kb, [sid])
    with kb.session() as session:
        source = session.get(Source, sid)
        assert source.next_check_at - source.checked_at >= timedelta(seconds=7200)
        assert sid not in due_sources(session)


def test_a_long_max_age_or_expires_is_capped_by_the_maximum_interval(kb, server):
    far = "Thu, 01 Jan 2099 00:00:00 GMT"
    a = server.add("/a.xml", rss(("a", "Alpha", "one")), headers={"Cache-Control": "max-age=9000000"})
    b = server.add("/b.xml", rss(("b", "Beta", "two")), headers={"Expires": far})
    ids = _subscribe(kb, a, b)
    poll(kb, ids)
    with kb.session() as session:
        for sid in ids:
            source = session.get(Source, sid)
            wait = source.next_check_at - source.checked_at
            assert timedelta(hours=23) < wait <= timedelta(seconds=kb.config.max_poll_interval + 5)


def test_expires_delays_the_next_check_when_no_max_age(kb, server):
    from datetime import UTC, datetime
    from email.utils import format_datetime

    later = format_datetime(datetime.now(UTC) + timedelta(hours=5), usegmt=True)
    [sid] = _subscribe(kb, server.add("/f.xml", rss(("a", "Alpha", "one")), headers={"Expires": later}))
    poll(kb, [sid])
    with kb.session() as session:
        source = session.get(Source, sid)
        assert timedelta(hours=4, minutes=50) < source.next_check_at - source.checked_at <= timedelta(hours=5)


def test_malformed_but_readable_feed_is_kept_and_flagged(kb, server):
    broken = rss(("a", "Fish & Chips", "bare ampersand")).replace("&amp;", "&")
    [sid] = _subscribe(kb, server.add("/broken.xml", broken))
    summary = poll(kb, [sid])
    with kb.session() as session:
        source = session.get(Source, sid)
    assert summary.count("ok") == 1
    assert source.warning and "malformed" in source.warning


def test_relative_links_resolve_against_the_feed_url(kb, server):
    feed = (
        "<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>"
        "<entry><id>urn:x:1</id><title>Rel</title><link href='/posts/1'/><updated>2024-07-09T00:00:00Z</updated></entry></feed>"
    )
    [sid] = _subscribe(kb, server.add("/atom.xml", feed))
    poll(kb, [sid])
    with kb.session() as session:
        doc = session.exec(select(Document)).one()
    assert doc.url == server.url("/posts/1")


def test_unsafe_links_are_dropped(kb, server):
    feed = rss(("a", "Bad link", "x")).replace("https://example.org/a", "javascript:alert(1)")
    [sid] = _subscribe(kb, server.add("/js.xml", feed))
    poll(kb, [sid])
    with kb.session() as session:
        assert session.exec(select(Document)).one().url is None


def test_locked_index_keeps_documents_and_reindex_catches_up(kb, server, monkeypatch, capsys):
    from kb import index as kb_index
    from kb.cli import main

    url = server.add("/f.xml", rss(("a", "Alpha", "gallium one"), ("b", "Beta", "two")))
    [sid] = _subscribe(kb, url)
    holder = kb.index.writer()  # another process holds the write lock
    try:
        summary = poll(kb, [sid])
    finally:
        holder.cancel()
    outcome = summary.outcomes[0]
    assert outcome.status == "ok" and outcome.new == 2 and "locked" in outcome.warning
    assert _doc_count(kb) == 2
    with kb.session() as session:
        report = kb_index.check(kb.index, session)
        # stored and queued, not lost: the check tells them apart from a document the index simply lacks
        assert len(report.pending) == 2 and not report.missing and report.consistent
    code = main(["check"])  # no repair to ask for: `kb reindex` is not needed for a queue
    out = capsys.readouterr().out
    assert code == 0 and "2 stored and waiting to be indexed" in out and "index consistent" in out
    with kb.session() as session:
        session.exec(delete(IndexPending))  # without its queue row, the same document is an inconsistency
        session.commit()
        report = kb_index.check(kb.index, session)
        assert len(report.missing) == 2 and not report.pending and not report.consistent
        pending.mark(session, report.missing)  # queued again, for the next poll
        session.commit()
    poll(kb, [sid])  # the next poll indexes what the last one could not
    with kb.session() as session:
        assert kb_index.check(kb.index, session).consistent
        assert search(kb.index, session, SearchRequest(query="gallium")).total == 1
        kb_index.rebuild(kb.config.index_dir, session)  # and a rebuild gives the same
    kb.reopen_index()
    with kb.session() as session:
        assert kb_index.check(kb.index, session).consistent
        assert search(kb.index, session, SearchRequest(query="gallium")).total == 1


def boom(kb, session, doc_ids):
    """A pipeline stage with a bug, for the test below."""
    from kb.models import Mention

    session.add(Mention(document_id=doc_ids[0], entity_slug="half-written", count=1))
    session.flush()
    raise RuntimeError("stage bug")


def test_a_failing_stage_rolls_back_the_whole_refresh_and_the_next_poll_stores_everything(kb, server, monkeypatch):
    """Documents, mentions and the server's ETag go together: a stage failure keeps none of them,
    marks the source failing, and the next poll asks unconditionally and stores everything."""
    from kb import pipeline
    from kb.models import IndexPending, Mention

    url = server.add("/f.xml", rss(("a", "OpenAI in China", "one"), ("b", "Nvidia H20", "two")), etag='"v1"')
    [sid] = _subscribe(kb, url)
    monkeypatch.setattr(pipeline, "AFTER_UPSERT", [*pipeline.AFTER_UPSERT, boom])
    outcome = poll(kb, [sid]).outcomes[0]
    assert outcome.status == "failed" and outcome.error == "RuntimeError: stage bug"
    with kb.session() as session:
        source = session.get(Source, sid)
        assert (source.status, source.etag, source.error_count) == ("failing", None, 1)
        assert source.last_error == "RuntimeError: stage bug"
        assert _doc_count(kb) == 0 and not session.exec(select(Mention)).all()
        assert not session.exec(select(IndexPending)).all()
    monkeypatch.setattr(pipeline, "AFTER_UPSERT", [b for b in pipeline.AFTER_UPSERT if b is not boom])
    again = poll(kb, [sid]).outcomes[0]
    assert "if-none-match" not in server.requests[-1][1]  # no validator of content never stored
    assert again.status == "ok" and again.new == 2
    with kb.session() as session:
        assert session.get(Source, sid).etag == '"v1"'
        assert {"openai", "china", "nvidia"} <= set(session.exec(select(Mention.entity_slug)))
        assert search(kb.index, session, SearchRequest(query="H20")).total == 1


def test_the_link_stage_uses_the_registry_of_the_kb_it_runs_for(kb_env, server, tmp_path, monkeypatch):
    """A KB opened with its own configuration links against that configuration's registry,
    whatever KB_REGISTRY_DIR says in the environment."""
    from kb import settings
    from kb.context import open_kb
    from kb.models import Mention

    registry = tmp_path / "registry"
    registry.mkdir()
    (registry / "one.yaml").write_text(
        "- slug: zephyr-compute\n  name: Zephyr Compute\n  kind: organization\n  description: a test entity\n"
    )
    monkeypatch.delenv("KB_REGISTRY_DIR", raising=False)  # the environment names the bundled registry
    # The same database as the other tests in this run (KB_DATABASE_URL is set on PostgreSQL only).
    own_env = {"KB_HOME": str(kb_env), "KB_REGISTRY_DIR": str(registry), "KB_ALLOW_PRIVATE_ADDRESSES": "1"}
    own_env["KB_DATABASE_URL"] = os.environ.get("KB_DATABASE_URL", "")
    own = open_kb(settings.load(own_env))
    try:
        [sid] = _subscribe(own, server.add("/f.xml", rss(("a", "Zephyr Compute and OpenAI", "news"))))
        assert poll(own, [sid]).outcomes[0].warning is None
        with own.session() as session:
            slugs = set(session.exec(select(Mention.entity_slug)))
        assert "zephyr-compute" in slugs and "openai" not in slugs  # only this KB's registry
    finally:
        own.engine.dispose()


def test_a_feed_ttl_delays_the_next_check(kb, server):
    body = rss(("a", "Alpha", "one")).replace(
        "<description>d</description>", "<description>d</description><ttl>300</ttl>"
    )
    [sid] = _subscribe(kb, server.add("/ttl.xml", body))
    poll(kb, [sid])
    with kb.session() as session:
        source = session.get(Source, sid)
        assert source.next_check_at - source.checked_at >= timedelta(minutes=300)
