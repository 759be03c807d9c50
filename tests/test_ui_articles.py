"""The app's side of article pages: adding article, full-text and listing sources on the Sources
page, undated documents shown as undated, and a story's copies shown as "also at"."""

from __future__ import annotations

from sqlmodel import select

from kb.models import Document, Source
from kb.pipeline import poll
from kb.store import add_source
from tests.test_articles_ingest import OTHER, PARAGRAPHS, _story, article_page, summary_feed
from tests.test_ui_pages import app, assert_clean, shown


def _sources(kb) -> dict[str, Source]:
    with kb.session() as session:
        return {s.url: s for s in session.exec(select(Source))}


def submit(at, **values):
    for key, value in values.items():
        widget = at.text_area(key=key) if key == "new_rules" else None
        if widget is None:
            try:
                widget = at.text_input(key=key)
            except KeyError:
                widget = at.checkbox(key=key) if isinstance(value, bool) else at.selectbox(key=key)
        widget.set_value(value)
    at.button[[b.label for b in at.button].index("Add source")].click()
    return at.run()


def test_the_sources_page_reads_an_article_once_and_follows_another(loaded_kb, server):
    kb = loaded_kb
    once = server.add("/once", article_page("Page read once", OTHER))
    followed = server.add("/followed", article_page("Followed page", PARAGRAPHS))
    at = app("kb/views/sources.py")
    assert_clean(at)
    at = submit(at, new_url=once, new_kind="article", new_follow=False)
    assert_clean(at)
    at = submit(at, new_url=followed, new_kind="article", new_follow=True)
    assert_clean(at)
    sources = _sources(kb)
    assert (sources[once].kind, sources[once].enabled, sources[once].settings) == ("article", False, {"once": True})
    assert (sources[followed].kind, sources[followed].enabled) == ("article", True)
    with kb.session() as session:
        titles = {d.title for d in session.exec(select(Document))}
    assert titles == {"Page read once", "Followed page"}


def test_the_sources_page_adds_a_full_text_feed_and_a_listing_and_refuses_bad_selectors(loaded_kb, server):
    kb = loaded_kb
    feed = server.add("/feed.xml", summary_feed(("a", "Story", server.url("/a"), None)))
    server.add("/a", article_page("Story", PARAGRAPHS))
    at = app("kb/views/sources.py")
    at = submit(at, new_url=feed, new_kind="feed", new_full_text=True)
    assert_clean(at)
    assert _sources(kb)[feed].settings == {"full_text": True}
    with kb.session() as session:
        [doc] = session.exec(select(Document))
    assert doc.article_status == "ok" and "subsidiaries" in doc.body
    listing = server.url("/list")
    at = submit(at, new_url=listing, new_kind="page_list", new_rules="item=li[", new_fetch=False)
    assert listing not in _sources(kb)
    assert any("item" in e.value for e in at.error)
    at = submit(at, new_url=listing, new_kind="page_list", new_rules="item=li.news\nmax_pages=2", new_fetch=False)
    assert_clean(at)
    assert _sources(kb)[listing].settings == {"listing": {"item": "li.news", "max_pages": 2}}


def test_the_sources_page_subscribes_the_default_listings(loaded_kb):
    from kb.page_list_sources import default_listings

    at = app("kb/views/sources.py")
    at.button(key="listing_add_defaults").click().run()
    assert_clean(at)
    kinds = [s.kind for s in _sources(loaded_kb).values()]
    assert kinds.count("page_list") == len(default_listings())


def test_an_undated_document_shows_as_undated_and_copies_show_as_also_at(loaded_kb, server):
    kb = loaded_kb
    server.add("/wire/story", article_page("Wire story", _story("A lead sentence for the wire copy of the story.")))
    server.add(
        "/partner/story", article_page("Partner copy", _story("A lead sentence for the wire copy of this story."))
    )
    ids = []
    for name, path in (("wire", "/wire/story"), ("partner", "/partner/story")):
        with kb.session() as session:
            source = add_source(
                session,
                url=server.add(f"/{name}.xml", summary_feed((name, f"{name} story", server.url(path), None))),
                title=f"{name.capitalize()} feed",
                settings={"full_text": True},
                allow_private=True,
            )
            session.commit()
            ids.append(source.id)
    poll(kb, ids)
    with kb.session() as session:
        [doc] = session.exec(select(Document))
    assert doc.published_at is None
    at = app("kb/views/document.py", id=str(doc.id))
    assert_clean(at)
    text = shown(at)
    assert "undated" in text and "Also at" in text and "Partner feed" in text
    assert doc.fetched_at.strftime("%Y-%m-%d") not in [c.value.split(" · ")[1] for c in at.caption if " · " in c.value]
    at = app("kb/views/search.py", q="subsidiaries")
    assert_clean(at)
    assert "Also at: " in shown(at) and "undated" in shown(at)
