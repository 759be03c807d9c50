"""Managing sources: remove (with or without its documents), rename, a polling interval of its own;
`kb sources remove|rename|set-interval`; `kb entity` suggests the closest names for a mistyped slug."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from kb import index as kb_index
from kb import writer
from kb.cli import main
from kb.models import Document, DocumentCopy, Source, utcnow
from kb.pipeline import poll
from kb.search import SearchRequest, search
from kb.store import add_source, get_source, set_interval
from tests.helpers import rss

FEED_A = rss(
    ("a1", "Export rule on H20 chips", "The Commerce Department wrote about H20 chips and the Entity List."),
    ("a2", "Diffusion rule rescinded", "Officials said the AI Diffusion rule is rescinded for all countries."),
    title="Feed A",
)
FEED_B = rss(
    ("b1", "Export rule on H20 chips", "The Commerce Department wrote about H20 chips and the Entity List."),
    ("b2", "A story of Feed B alone", "Baidu offered free tokens to developers leaving other providers."),
    title="Feed B",
)


def kb_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def two_feeds(kb, server) -> tuple[int, int]:
    with kb.session() as session:
        a = add_source(session, url=server.add("/a.xml", FEED_A), allow_private=True)
        b = add_source(session, url=server.add("/b.xml", FEED_B), allow_private=True)
        session.commit()
        ids = (a.id, b.id)
    assert poll(kb, list(ids)).count("failed") == 0
    return ids


def hits(kb, text: str) -> int:
    kb.reopen_index()
    with kb.session() as session:
        return search(kb.index, session, SearchRequest(query=text)).total


def consistent(kb) -> kb_index.CheckReport:
    kb.reopen_index()
    with kb.session() as session:
        return kb_index.check(kb.index, session)


def test_remove_a_source_with_its_documents_clears_search_and_check(loaded_kb, server, capsys):
    a, _ = two_feeds(loaded_kb, server)
    assert hits(loaded_kb, "Diffusion") == 1
    before = consistent(loaded_kb).documents
    result = writer.remove_source(loaded_kb, a, keep_documents=False)
    assert "with its 2 documents" in result
    assert hits(loaded_kb, "Diffusion") == 0
    report = consistent(loaded_kb)
    assert report.consistent and report.documents == before - 2
    with loaded_kb.session() as session:
        assert session.get(Source, a) is None
        assert session.exec(select(DocumentCopy).where(DocumentCopy.source_id == a)).all() == []
    code, out, _ = kb_cli(capsys, "check")
    assert code == 0 and "index consistent" in out


def test_a_copy_from_a_removed_source_goes_too(loaded_kb, server):
    a, b = two_feeds(loaded_kb, server)
    with loaded_kb.session() as session:
        copies = session.exec(select(DocumentCopy).where(DocumentCopy.source_id == b)).all()
    assert copies, "Feed B's H20 story is a copy of Feed A's"
    writer.remove_source(loaded_kb, b, keep_documents=False)
    with loaded_kb.session() as session:
        assert session.exec(select(DocumentCopy)).all() == []
        assert len(session.exec(select(Document).where(Document.source_id == a)).all()) == 2
    assert consistent(loaded_kb).consistent


def test_remove_keeping_documents_unsubscribes(loaded_kb, server):
    a, _ = two_feeds(loaded_kb, server)
    assert "documents are kept" in writer.remove_source(loaded_kb, a, keep_documents=True)
    with loaded_kb.session() as session:
        source = get_source(session, a)
        assert not source.enabled and source.next_check_at is None and "removed_at" in source.settings
    assert hits(loaded_kb, "Diffusion") == 1


def test_remove_through_a_writer_request(loaded_kb, server):
    a, _ = two_feeds(loaded_kb, server)
    request = writer.request(loaded_kb, "remove_source", source_id=a, keep_documents=False)
    writer.Writer(loaded_kb).run_until_idle()
    answer = writer.request_status(loaded_kb, request)
    assert answer.status == "done", answer.error
    assert hits(loaded_kb, "Diffusion") == 0 and consistent(loaded_kb).consistent


def test_cli_remove_rename_and_set_interval(loaded_kb, server, capsys):
    a, b = two_feeds(loaded_kb, server)
    code, out, _ = kb_cli(capsys, "sources", "rename", str(b), "  My   feed ")
    assert code == 0 and "now called My feed" in out
    code, out, _ = kb_cli(capsys, "sources", "set-interval", str(b), "6h")
    assert code == 0 and "every 6 hours" in out
    code, _, err = kb_cli(capsys, "sources", "set-interval", str(b), "1m")
    assert code != 0 and "between 5 minutes and 30 days" in err
    code, _, err = kb_cli(capsys, "sources", "set-interval", str(b), "soon")
    assert code != 0 and "expected e.g. 30m" in err
    code, out, _ = kb_cli(capsys, "sources", "remove", str(a), "--yes")
    assert code == 0 and "removed" in out
    code, out, _ = kb_cli(capsys, "sources", "list")
    assert "My feed" in out and "Feed A" not in out
    code, _, err = kb_cli(capsys, "sources", "remove", str(a), "--yes")
    assert code != 0 and f"no source with id {a}" in err


def test_own_interval_sets_the_next_check(loaded_kb, server):
    _, b = two_feeds(loaded_kb, server)
    with loaded_kb.session() as session:
        set_interval(session, b, 6 * 3600)
        get_source(session, b).next_check_at = utcnow()
        session.commit()
    poll(loaded_kb, [b])
    with loaded_kb.session() as session:
        source = get_source(session, b)
        wait = source.next_check_at - source.checked_at
    assert timedelta(hours=5, minutes=59) <= wait <= timedelta(hours=6, minutes=1)


@pytest.mark.parametrize("typed", ["nvdia", "alibaba cloud", "open-ai"])
def test_kb_entity_suggests_the_closest_names(registry_kb, capsys, typed):
    code, _, err = kb_cli(capsys, "entity", typed)
    assert code != 0 and "did you mean" in err
    expected = {"nvdia": "nvidia", "alibaba cloud": "alibaba-cloud", "open-ai": "openai"}[typed]
    assert expected in err.split("did you mean", 1)[1]
