"""Every page file under AppTest, on an empty store and on the demo corpus, plus its main interactions.

AppTest does not drive `st.navigation` between pages, so each page file is
run on its own (links to other pages then fall back to Markdown links);
`app.py` is run too, which routes to the Search page.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
import streamlit as st
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from kb import demo, settings
from kb.context import open_kb
from kb.models import Document, Event, EventDocument, EventEntity, Mention, Source
from kb.pipeline import poll
from kb.store import add_source
from tests.helpers import ROOT, rss

PAGES = ["views/search.py", "views/document.py", "views/sources.py", "views/providers.py"]
FAILURE = "Something went wrong"

H20_ITEMS = [
    ("h20-halt", "Nvidia halts H20 shipments to China", "Nvidia said a license is now required for H20 exports."),
    ("h20-resume", "Nvidia expects to resume H20 sales", "Licenses for the H20 were promised by the government."),
    ("diffusion", "BIS rescinds the AI Diffusion rule", "The Bureau of Industry and Security rescinded the rule."),
]


def app(script: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=30)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def shown(at: AppTest) -> str:
    """Every text the page put on screen, one per line."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error",
                 "success", "exception"):
        parts += [str(el.value) for el in getattr(at, kind)]
    parts += [el.proto.label for el in at.get("page_link")]
    return "\n".join(parts)


def plain(markdown: str) -> str:
    """What escaped Markdown shows: backslashes and zero-width spaces removed, lower-cased."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "").lower()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert FAILURE not in shown(at)


def load_corpus(kb, tmp_path: Path) -> None:
    """The demo corpus when it is there; otherwise a small local feed about the H20."""
    if demo.DEMO_DIR.is_dir() and demo.demo_files():
        demo.load_demo(kb)
        return
    feed = tmp_path / "h20.xml"
    feed.write_text(rss(*H20_ITEMS, title="H20 test feed"), encoding="utf-8")
    with kb.session() as session:
        source = add_source(session, url=feed.as_uri(), settings={"local": True, "demo": True}, allow_file=True)
        session.commit()
        source_id = source.id
    poll(kb, [source_id])


@pytest.fixture(autouse=True)
def fresh_caches():
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def demo_kb(kb, tmp_path):
    load_corpus(kb, tmp_path)
    return kb


def first_document(kb, word: str = "H20") -> Document:
    with kb.session() as session:
        return session.exec(select(Document).where(Document.title.contains(word)).order_by(Document.id)).first()


# ---- every page renders -----------------------------------------------------------

@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_an_empty_store(kb_env, page):
    at = app(page)
    assert_clean(at)
    assert at.info, "an empty page explains itself"


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_the_demo_store(demo_kb, page):
    doc = first_document(demo_kb)
    at = app(page, id=str(doc.id)) if page == "views/document.py" else app(page)
    assert_clean(at)


def test_router_loads_the_demo_corpus_on_first_start(kb_env):
    at = app("app.py")
    assert_clean(at)
    with open_kb(settings.load()).session() as session:
        assert session.exec(select(Source)).first() is not None
    assert "bundled demo corpus" in shown(at)
    assert at.text_input(key="q").value == ""
    assert len(at.get("page_link")) >= 5, "results link to their documents"


def test_router_explains_a_missing_demo_corpus(kb_env, tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_DIR", tmp_path / "no-such-dir")
    at = app("app.py")
    assert_clean(at)
    assert any("demo corpus could not be loaded" in w.value for w in at.warning)
    assert any("no documents yet" in i.value for i in at.info)


# ---- search -----------------------------------------------------------------------

def result_titles(at: AppTest) -> list[str]:
    return [el.value for el in at.markdown if "document?id=" in el.value]


def test_search_with_a_query_a_filter_and_a_sort(demo_kb):
    at = app("views/search.py")
    at.text_input(key="q").input("H20").run()
    assert_clean(at)
    assert any("H20" in t for t in result_titles(at))
    at.multiselect(key="kind").select("news").run()
    at.selectbox(key="sort").select("oldest").run()
    assert_clean(at)
    dates = [c.value.split(" · ")[1] for c in at.caption if c.value.count(" · ") == 2]
    assert dates and dates == sorted(dates)
    assert at.multiselect(key="kind").value == ["news"]
    assert ":orange-background[**H20**]" in shown(at)
    assert at.query_params == {"q": "H20", "kind": "news", "sort": "oldest"}, "the URL holds the search"


def test_search_state_is_read_from_the_url(demo_kb):
    at = app("views/search.py", q="H20", sort="date", kind="news", page="1")
    assert_clean(at)
    assert at.text_input(key="q").value == "H20"
    assert at.selectbox(key="sort").value == "date"
    assert at.multiselect(key="kind").value == ["news"]
    dates = [c.value.split(" · ")[1] for c in at.caption if c.value.count(" · ") == 2]
    assert dates == sorted(dates, reverse=True)


def test_paging_moves_through_the_results(demo_kb):
    at = app("views/search.py")
    first = result_titles(at)
    if not at.pagination:
        pytest.skip("the corpus fits on one page")
    at.pagination[0].select(2).run()
    assert_clean(at)
    assert result_titles(at) and result_titles(at)[0] not in first
    assert at.query_params["page"] == "2"
    at.selectbox(key="sort").select("oldest").run()  # a new sort starts again at page 1
    assert "page" not in at.query_params and at.pagination[0].value == 1


def test_a_page_past_the_end_falls_back_to_the_first(demo_kb):
    at = app("views/search.py", q="H20", page="99")
    assert_clean(at)
    assert result_titles(at)


def test_did_you_mean_is_clickable(demo_kb):
    at = app("views/search.py", q="nvidai")
    assert_clean(at)
    suggestion = [b for b in at.button if "nvidia" in b.label.lower()]
    assert suggestion, shown(at)
    suggestion[0].click().run()
    assert_clean(at)
    assert at.text_input(key="q").value.lower() == "nvidia"
    assert result_titles(at)


def test_an_unreadable_query_gets_a_note_not_a_traceback(demo_kb):
    at = app("views/search.py", q="date:>notadate")
    assert_clean(at)
    assert any("Could not read the query" in w.value for w in at.warning)


def test_nothing_found_says_so(demo_kb):
    at = app("views/search.py", q="zzzqqqxxx")
    assert_clean(at)
    assert any("Nothing matches" in i.value for i in at.info)


def test_downloads_are_offered_for_the_current_results(demo_kb):
    at = app("views/search.py", q="H20")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["CSV", "JSON"]


def test_clear_filters_keeps_the_query(demo_kb):
    at = app("views/search.py", q="H20", kind="rule")
    [b for b in at.button if b.label == "Clear filters"][0].click().run()
    assert_clean(at)
    assert at.multiselect(key="kind").value == [] and at.text_input(key="q").value == "H20"


def test_entity_links_point_to_entity_pages(demo_kb):
    doc = first_document(demo_kb)
    with demo_kb.session() as session:
        session.add(Mention(document_id=doc.id, entity_slug="test-entity", count=1000))
        session.commit()
    from kb import index as kb_index
    with demo_kb.session() as session:
        kb_index.index_documents(demo_kb.index, session, [doc.id])
    at = app("views/search.py", q="H20")
    assert "(entities?id=test-entity)" in shown(at)
    at = app("views/document.py", id=str(doc.id))
    assert "(entities?id=test-entity)" in shown(at)


# ---- document ---------------------------------------------------------------------

def test_document_page_shows_one_document(demo_kb):
    doc = first_document(demo_kb)
    at = app("views/document.py", id=str(doc.id))
    assert_clean(at)
    assert doc.body in [t.value for t in at.text]
    assert at.get("link_button") and at.get("link_button")[0].proto.url == doc.url


@pytest.mark.parametrize("raw", ["999999", "abc", ""])
def test_document_page_for_a_missing_or_bad_id(demo_kb, raw):
    at = app("views/document.py", id=raw)
    assert_clean(at)
    assert at.info


def test_document_page_lists_the_events_it_supports(demo_kb):
    doc = first_document(demo_kb)
    with demo_kb.session() as session:
        event = Event(key="t1", date=date(2025, 4, 15), kind="rule_published", title="License required for H20")
        session.add(event)
        session.flush()
        session.add(EventDocument(event_id=event.id, document_id=doc.id, sentence="A license is now required."))
        session.commit()
    at = app("views/document.py", id=str(doc.id))
    assert_clean(at)
    assert any("License required for H20" in list(df.value.get("event", [])) for df in at.dataframe)


def test_document_with_an_unsafe_link_and_markup_stays_inert(kb, tmp_path):
    with kb.session() as session:
        source = Source(url="https://example.org/feed", title="<b>Bad</b> ![x](http://127.0.0.1:9/s.png)")
        session.add(source)
        session.flush()
        doc = Document(source_id=source.id, key="k", url="javascript:alert(1)", title="<script>alert(1)</script>",
                       body="![x](http://127.0.0.1:9/p.png) <img src=x onerror=alert(2)>")
        session.add(doc)
        session.commit()
    at = app("views/document.py", id=str(doc.id))
    assert_clean(at)
    assert not at.get("link_button")
    assert doc.body in [t.value for t in at.text]
    assert at.header[0].value == "\\<script\\>alert\\(1\\)\\<\\/script\\>"
    markup = "\n".join(str(el.value) for kind in ("title", "header", "markdown", "caption") for el in getattr(at, kind))
    assert "<" not in markup.replace("\\<", "") and "![" not in markup.replace("\\!\\[", "")


# ---- sources ----------------------------------------------------------------------

def add_through_form(at: AppTest, url: str, title: str = "") -> AppTest:
    at.text_input(key="new_url").input(url)
    at.text_input(key="new_title").input(title)
    return [b for b in at.button if b.label == "Add source"][0].click().run()


def test_add_a_source_and_fetch_it(kb_env, server):
    url = server.add("/feed.xml", rss(*H20_ITEMS, title="Loopback feed"), headers={"Content-Type": "application/rss+xml"})
    at = add_through_form(app("views/sources.py"), url)
    assert_clean(at)
    assert any("Added source" in s.value for s in at.success)
    assert any("3 new" in s.value for s in at.success), [s.value for s in at.success]
    assert server.hits("/feed.xml") == 1
    rows = at.dataframe[0].value
    assert list(rows["title"]) == ["Loopback feed"] and list(rows["documents"]) == [3]


@pytest.mark.parametrize("url, message", [("ftp://example.org/feed", "not an http(s) URL"),
                                          ("", "not an http(s) URL")])
def test_adding_a_bad_url_shows_why(kb_env, url, message):
    at = add_through_form(app("views/sources.py"), url)
    assert_clean(at)
    assert any(message.lower() in plain(e.value) for e in at.error), [e.value for e in at.error]


def test_adding_the_same_url_twice_is_refused(kb_env, server):
    url = server.add("/feed.xml", rss(*H20_ITEMS))
    at = add_through_form(app("views/sources.py"), url)
    at = add_through_form(at, url)
    assert any("already subscribed" in plain(e.value) for e in at.error)


def test_disable_enable_and_poll_now(kb, server):
    url = server.add("/feed.xml", rss(*H20_ITEMS), etag='"v1"')
    with kb.session() as session:
        source_id = add_source(session, url=url).id
        session.commit()
    at = app("views/sources.py")
    [b for b in at.button if b.label == "Poll now"][0].click().run()
    assert_clean(at)
    assert any("3 new" in s.value for s in at.success)
    [b for b in at.button if b.label == "Disable"][0].click().run()
    with kb.session() as session:
        assert session.get(Source, source_id).enabled is False
    assert "ok (disabled)" in list(at.dataframe[0].value["status"])
    [b for b in at.button if b.label == "Enable"][0].click().run()
    with kb.session() as session:
        assert session.get(Source, source_id).enabled is True


def test_poll_all_due_reports_a_failing_source(kb, server):
    server.add("/gone.xml", "", status=410)
    with kb.session() as session:
        add_source(session, url=server.url("/gone.xml"))
        session.commit()
    at = app("views/sources.py")
    [b for b in at.button if b.label == "Poll all due sources"][0].click().run()
    assert_clean(at)
    assert any("410" in e.value for e in at.error), [e.value for e in at.error]
    assert list(at.dataframe[0].value["status"]) == ["gone"]


def test_a_locked_index_is_reported_clearly(kb, server, monkeypatch):
    monkeypatch.setenv("KB_INDEX_LOCK_TIMEOUT", "0.2")
    url = server.add("/feed.xml", rss(*H20_ITEMS))
    with kb.session() as session:
        add_source(session, url=url)
        session.commit()
    writer = kb.index.writer()  # another writer holds the lock
    try:
        at = app("views/sources.py")
        [b for b in at.button if b.label == "Poll now"][0].click().run()
    finally:
        writer.cancel()
    assert_clean(at)
    assert any("locked" in w.value for w in at.warning), [w.value for w in at.warning]


# ---- providers --------------------------------------------------------------------

def add_service_event(session, key: str, when: date, kind: str, provider: str, *countries: str) -> None:
    event = Event(key=key, date=when, kind=kind, title=f"{provider} {kind} {' '.join(countries)}", origin="curated")
    session.add(event)
    session.flush()
    session.add(EventEntity(event_id=event.id, entity_slug=provider, role="subject"))
    for country in countries:
        session.add(EventEntity(event_id=event.id, entity_slug=country, role="target"))


def test_providers_matrix_as_of_a_date(kb):
    with kb.session() as session:
        add_service_event(session, "a", date(2023, 3, 1), "service_available", "openai", "cn", "us")
        add_service_event(session, "b", date(2024, 7, 9), "service_restricted", "openai", "cn")
        add_service_event(session, "c", date(2024, 7, 10), "service_available", "baidu", "cn")
        session.commit()
    at = app("views/providers.py", on="2024-08-01")
    assert_clean(at)
    matrix = at.dataframe[0].value.set_index("country")
    assert matrix.loc["cn", "openai"] == "restricted since 2024-07-09"
    assert matrix.loc["us", "openai"] == "available since 2023-03-01"
    assert matrix.loc["cn", "baidu"] == "available since 2024-07-10"
    at = app("views/providers.py", on="2024-01-01")
    matrix = at.dataframe[0].value.set_index("country")
    assert matrix.loc["cn", "openai"] == "available since 2023-03-01" and "baidu" not in matrix.columns
    at = app("views/providers.py", on="2020-01-01")
    assert_clean(at)
    assert any("Pick a later date" in i.value for i in at.info)


def test_pages_do_not_load_whole_tables(kb):
    """A store of many documents still pages: the search shows one page, the sources page one page."""
    with kb.session() as session:
        source = Source(url="https://example.org/many")
        session.add(source)
        session.flush()
        session.add_all([Document(source_id=source.id, key=f"k{i}", title=f"Report {i} on H20", body="H20 chips",
                                  published_at=datetime(2024, 1, 1 + i % 28)) for i in range(120)])
        session.commit()
    from kb import index as kb_index
    with kb.session() as session:
        kb_index.rebuild(kb.config.index_dir, session)
    kb.reopen_index()
    at = app("views/search.py", q="H20")
    assert_clean(at)
    assert len(result_titles(at)) == 20 and at.pagination


def test_an_index_from_an_older_schema_asks_for_a_reindex(kb):
    from whoosh import fields, index as whoosh_index

    kb.index  # noqa: B018  (creates the current generation)
    whoosh_index.create_in(str(kb.config.index_dir.resolve()), fields.Schema(id=fields.ID(stored=True)))
    at = app("views/search.py", q="H20")
    assert not at.exception
    assert any("kb reindex" in plain(e.value) for e in at.error)


def test_entities_named_in_the_query_get_links(demo_kb):
    from kb.search import SearchRequest, search

    with demo_kb.session() as session:
        named = search(demo_kb.index, session, SearchRequest(query="Nvidia")).entities
    if not named:
        pytest.skip("the entity registry names nothing in the demo corpus yet")
    at = app("views/search.py", q="Nvidia")
    assert_clean(at)
    assert f"entities?id={named[0][0]}" in shown(at)
