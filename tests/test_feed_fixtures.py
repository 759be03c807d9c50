"""Every third-party feed fixture goes through the real pipeline without an escaping exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from ingest.errors import NotAFeed
from ingest.feeds import parse_feed
from kb.models import Document, Source
from kb.pipeline import poll
from kb.store import add_source
from tests.helpers import FIXTURES, needs_fixtures

FEEDS = FIXTURES / "feeds"
ALL = sorted(
    p
    for p in FEEDS.rglob("*")
    if p.is_file()
    and p.name != "LICENSE"
    and not (p.suffix == ".json" and p.with_suffix(".xml").exists())  # gofeed's expected results
    and not p.name.endswith("_expected.json")
)

pytestmark = needs_fixtures(FEEDS)


def test_the_fixture_feeds_are_there():
    """Guards the tests below, which an empty folder would turn into no test at all."""
    assert len(ALL) >= 20, f"only {len(ALL)} fixture feeds under {FEEDS}"


def _expected_entries(path: Path) -> int | None:
    """How many entries gofeed's own expectation file says the feed has."""
    expected = path.with_suffix(".json")
    if path.suffix != ".xml" or not expected.exists():
        return None
    data = json.loads(expected.read_text())
    return len(data.get("entries") or data.get("items") or [])


def test_fixture_corpus_is_present():
    assert len(ALL) > 60


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(FEEDS)))
def test_parser_reads_or_refuses_clearly(path):
    try:
        parsed = parse_feed(path.read_bytes(), "http://127.0.0.1/" + path.name)
    except NotAFeed as exc:
        assert str(exc)
        return
    expected = _expected_entries(path)
    if expected is not None:
        assert len(parsed.items) == expected
    for item in parsed.items:
        assert item.key
        assert item.url is None or item.url.startswith(("http://", "https://"))


@pytest.mark.slow
def test_whole_fixture_tree_through_the_pipeline(kb, server):
    urls = {}
    for path in ALL:
        route = "/" + str(path.relative_to(FEEDS))
        urls[path] = server.add(route, path.read_bytes())
    with kb.session() as session:
        ids = {add_source(session, allow_private=True, url=url).id: path for path, url in urls.items()}
        session.commit()
    summary = poll(kb, list(ids))
    assert len(summary.outcomes) == len(ids)
    by_status = {o.source_id: o for o in summary.outcomes}
    with kb.session() as session:
        sources = {s.id: s for s in session.exec(select(Source))}
        per_source = {}
        for doc in session.exec(select(Document)):
            per_source[doc.source_id] = per_source.get(doc.source_id, 0) + 1
    failed = [sid for sid, o in by_status.items() if o.status == "failed"]
    for sid in failed:
        assert sources[sid].status == "failing" and sources[sid].last_error
    names = {ids[sid].name for sid in failed}
    assert {"empty_feed.xml", "unknown_feed.xml", "invalid.json", "fftests.html"} <= names
    assert "rss_feed_bom.xml" not in names and "feed-utf16le.xml" not in names
    for sid, path in ids.items():
        expected = _expected_entries(path)
        if expected is not None:
            assert per_source.get(sid, 0) == expected, path
    assert sum(per_source.values()) > 40
