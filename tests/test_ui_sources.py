"""The Sources page manages one source: its own documents, rename, polling interval, removal with or
without its documents (after a confirmation); a URL whose first fetch fails is saved disabled."""

from __future__ import annotations

from sqlmodel import select

from kb import index as kb_index
from kb.models import Document, Source
from kb.pipeline import poll
from kb.search import SearchRequest, search
from kb.store import add_source
from tests.helpers import rss
from tests.test_ui_pages import H20_ITEMS, add_through_form, app, assert_clean, shown


def one_feed(kb, server) -> int:
    url = server.add("/feed.xml", rss(*H20_ITEMS, title="Loopback feed"))
    with kb.session() as session:
        source_id = add_source(session, allow_private=True, url=url).id
        session.commit()
    poll(kb, [source_id])
    return source_id


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_the_panel_lists_the_sources_own_documents(loaded_kb, server):
    one_feed(loaded_kb, server)
    at = app("kb/views/sources.py")
    assert_clean(at)
    text = shown(at)
    assert "Nvidia halts H20 shipments to China" in text and "Its documents (3)" in [e.label for e in at.expander]


def test_rename_and_set_the_interval(loaded_kb, server):
    source_id = one_feed(loaded_kb, server)
    at = app("kb/views/sources.py")
    at.text_input(key=f"rename_{source_id}").set_value("My H20 feed")
    at.selectbox(key=f"interval_{source_id}").set_value(6 * 3600)
    at = button(at, "Save").click().run()
    assert_clean(at)
    with loaded_kb.session() as session:
        source = session.get(Source, source_id)
        assert (source.title, source.settings.get("interval")) == ("My H20 feed", 6 * 3600)
    assert "My H20 feed" in list(at.dataframe[0].value["title"])
    assert any("every 6 hours" in s.value for s in at.success)


def test_removing_needs_a_confirmation_and_takes_the_documents_out_of_search(loaded_kb, server):
    kb = loaded_kb
    source_id = one_feed(kb, server)
    at = app("kb/views/sources.py")
    assert button(at, "Remove source").disabled  # not before the box is ticked
    at.checkbox(key=f"remove_sure_{source_id}").check()
    at = at.run()
    at = button(at, "Remove source").click().run()
    assert_clean(at)
    assert any("with its 3 documents" in s.value for s in at.success), [s.value for s in at.success]
    kb.reopen_index()
    with kb.session() as session:
        assert session.get(Source, source_id) is None and not session.exec(select(Document)).all()
        assert search(kb.index, session, SearchRequest(query="H20")).total == 0
        assert kb_index.check(kb.index, session).consistent
    assert "No sources yet" in shown(at)


def test_removing_but_keeping_the_documents(loaded_kb, server):
    kb = loaded_kb
    source_id = one_feed(kb, server)
    at = app("kb/views/sources.py")
    at.radio(key=f"remove_docs_{source_id}").set_value("keep")
    at.checkbox(key=f"remove_sure_{source_id}").check()
    at = button(at.run(), "Remove source").click().run()
    assert_clean(at)
    assert list(at.dataframe[0].value["status"]) == ["removed (documents kept)"]
    with kb.session() as session:
        assert len(session.exec(select(Document)).all()) == 3


def test_a_url_whose_first_fetch_fails_is_saved_disabled(loaded_kb, server):
    url = server.add("/missing.xml", "", status=404)
    at = add_through_form(app("kb/views/sources.py"), url)
    assert_clean(at)
    assert any("saved but **disabled**" in w.value and "404" in w.value for w in at.warning), [
        w.value for w in at.warning
    ]
    with loaded_kb.session() as session:
        [source] = session.exec(select(Source))
        assert not source.enabled and source.next_check_at is None
    assert list(at.dataframe[0].value["status"]) == ["failing (disabled)"]
