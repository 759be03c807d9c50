"""Sites without feeds, end to end: each default page_list definition polled against the
project's fixture pages (tests/data/page_lists/<key>/) on a loopback server."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from kb.models import Document, Source
from kb.page_list_sources import default_listings
from kb.pipeline import poll
from kb.store import add_source

PAGES = Path(__file__).parent / "data" / "page_lists"
DEFAULTS = {listing.key: listing for listing in default_listings()}


def serve(server, key: str, *, skip: tuple[str, ...] = ()) -> str:
    """Serve the folder of `key` as its routes.yaml says; the URL of the listing's first page."""
    folder = PAGES / key
    plan = yaml.safe_load((folder / "routes.yaml").read_text(encoding="utf-8"))
    for path, name in plan["routes"].items():
        if path not in skip:
            server.add(path, (folder / name).read_bytes(), headers={"Content-Type": "text/html"})
    return server.url(plan["listing"])


def subscribe(kb, key: str, url: str, **changes) -> int:
    listing = DEFAULTS[key]
    settings = {**listing.settings, "listing": {**listing.settings["listing"], **changes}}
    with kb.session() as session:
        source = add_source(
            session, url=url, kind="page_list", title=listing.title, settings=settings, allow_private=True
        )
        session.commit()
        assert source.id is not None
        return source.id


def documents(kb, source_id: int) -> list[Document]:
    with kb.session() as session:
        return list(session.exec(select(Document).where(Document.source_id == source_id).order_by(Document.id)))


def test_every_default_listing_is_a_valid_page_list_source():
    assert set(DEFAULTS) >= {"bis-news-updates", "anthropic-news", "mofcom-announcements"}
    for key in DEFAULTS:
        assert (PAGES / key / "routes.yaml").is_file(), key


@pytest.mark.parametrize("key", ["bis-news-updates", "anthropic-news", "mofcom-announcements"])
def test_a_default_listing_yields_its_items_as_dated_articles(loaded_kb, server, key):
    kb = loaded_kb
    sid = subscribe(kb, key, serve(server, key))
    summary = poll(kb, [sid])
    assert summary.count("failed") == 0, summary.outcomes
    docs = documents(kb, sid)
    assert docs, "the listing gave no items"
    assert all(d.url and d.url.startswith(server.base) and d.title for d in docs)
    assert all(d.kind == DEFAULTS[key].settings["kind"] for d in docs)
    # Every item is dated: by the listing, else by its page; nothing is dated by the fetch.
    assert all(d.published_at is not None and d.date_source in ("listing", "metadata", "url", "text") for d in docs)
    assert all(d.published_at < datetime(2026, 1, 1) for d in docs if d.published_at)
    # The items whose pages the site has got their text; the others keep what the listing said.
    with_pages = [d for d in docs if d.article_status == "ok"]
    assert len(with_pages) == 3, [(d.url, d.article_status, d.article_error) for d in docs]
    assert all(len(d.body.split("\n\n")) >= 2 for d in with_pages)
    assert all(d.article_status == "failed" and "404" in (d.article_error or "") for d in docs if d not in with_pages)


def test_bis_listing_follows_pagination_to_its_limit_then_no_article_is_fetched_twice(loaded_kb, server):
    kb = loaded_kb
    url = serve(server, "bis-news-updates")
    sid = subscribe(kb, "bis-news-updates", url, max_pages=2)
    poll(kb, [sid])
    assert (server.hits("/news-updates"), server.hits("/news-updates?page=1"), server.hits("/news-updates?page=2")) == (
        1,
        1,
        0,
    )
    first = {d.url: d.published_at for d in documents(kb, sid)}
    article_hits = {path: server.hits(path) for path in server.routes if path.startswith("/press-release/")}
    assert all(hits <= 1 for hits in article_hits.values())
    again = poll(kb, [sid])
    assert (again.new, again.updated) == (0, 0)
    # Page 1 showed nothing new, so page 2 was not asked again; no article page was fetched again.
    assert server.hits("/news-updates?page=1") == 1
    assert {path: server.hits(path) for path in article_hits} == article_hits
    assert {d.url: d.published_at for d in documents(kb, sid)} == first


def test_bis_listing_with_a_higher_limit_reads_the_third_page(loaded_kb, server):
    kb = loaded_kb
    sid = subscribe(kb, "bis-news-updates", serve(server, "bis-news-updates"), max_pages=3)
    poll(kb, [sid])
    assert server.hits("/news-updates?page=2") == 1
    two = subscribe(kb, "anthropic-news", serve(server, "anthropic-news"), max_pages=1)
    poll(kb, [two])
    assert server.hits("/news?page=2") == 0


def test_a_listing_that_no_longer_matches_warns_instead_of_storing_nothing_silently(loaded_kb, server):
    kb = loaded_kb
    url = server.add("/changed", "<html><body><main><p>The site was redesigned.</p></main></body></html>")
    sid = subscribe(kb, "bis-news-updates", url)
    poll(kb, [sid])
    with kb.session() as session:
        source = session.get(Source, sid)
        assert source is not None and "matched nothing" in (source.warning or "")
    assert documents(kb, sid) == []
