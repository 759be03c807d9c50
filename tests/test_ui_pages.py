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
from kb.ui import queries
from tests.helpers import ROOT, rss

PAGES = [
    "kb/views/search.py",
    "kb/views/document.py",
    "kb/views/sources.py",
    "kb/views/providers.py",
    "kb/views/timeline.py",
    "kb/views/entities.py",
]
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
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "text",
        "info",
        "warning",
        "error",
        "success",
        "exception",
    ):
        parts += [str(el.value) for el in getattr(at, kind)]
    parts += page_links(at)
    return "\n".join(parts)


def page_links(at: AppTest) -> list[str]:
    """Each `st.page_link` as a Markdown link, `[label](path?query)`.

    A page file run on its own registers only itself, and AppTest gives it no
    URL path: a link to it gets the file's name (`entities`) instead."""
    own = Path(at._script_path).stem
    links = []
    for el in at.get("page_link"):
        query = f"?{el.proto.query_string}" if el.proto.query_string else ""
        links.append(f"[{el.proto.label}]({el.proto.page or own}{query})")
    return links


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
    at = app(page, id=str(doc.id)) if page == "kb/views/document.py" else app(page)
    assert_clean(at)


# The app's whole first start: the entire demo corpus is loaded (four seconds). The quick loop keeps the
# router's other first start (test_router_explains_a_missing_demo_corpus) and the demo load itself (the
# demo template that demo_kb copies).
@pytest.mark.slow
def test_router_loads_the_demo_corpus_on_first_start(kb_env):
    at = app("app.py")
    assert_clean(at)
    with open_kb(settings.load()).session() as session:
        assert session.exec(select(Source)).first() is not None
    assert "bundled demo corpus" in shown(at)
    assert at.text_input(key="search_q").value == ""
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
    at = app("kb/views/search.py")
    at.text_input(key="search_q").input("H20").run()
    assert_clean(at)
    assert any("H20" in t for t in result_titles(at))
    at.multiselect(key="search_kind").select("news").run()
    at.selectbox(key="search_sort").select("oldest").run()
    assert_clean(at)
    dates = [c.value.split(" · ")[1] for c in at.caption if c.value.count(" · ") == 2]
    assert dates and dates == sorted(dates)
    assert at.multiselect(key="search_kind").value == ["news"]
    assert ":orange-background[**H20**]" in shown(at)
    assert at.query_params == {"q": "H20", "kind": "news", "sort": "oldest"}, "the URL holds the search"


def test_search_state_is_read_from_the_url(demo_kb):
    at = app("kb/views/search.py", q="H20", sort="date", kind="news", page="1")
    assert_clean(at)
    assert at.text_input(key="search_q").value == "H20"
    assert at.selectbox(key="search_sort").value == "date"
    assert at.multiselect(key="search_kind").value == ["news"]
    dates = [c.value.split(" · ")[1] for c in at.caption if c.value.count(" · ") == 2]
    assert dates == sorted(dates, reverse=True)


def test_unreadable_search_parameters_are_dropped(demo_kb):
    at = app("kb/views/search.py", q="H20", sort="sideways", since="soon", until="2025-13-01", page="100000")
    assert_clean(at)
    assert at.selectbox(key="search_sort").value == "relevance"
    assert at.date_input(key="search_since").value is None and at.date_input(key="search_until").value is None
    assert result_titles(at), "a page past the end falls back to the first"
    assert at.query_params == {"q": "H20"}, "the URL keeps only what was understood"


def add_h20_reports(kb, count: int) -> None:
    """`count` indexed documents that all match "H20", dated over January 2024."""
    with kb.session() as session:
        source = Source(url="https://example.org/many")
        session.add(source)
        session.flush()
        session.add_all(
            [
                Document(
                    source_id=source.id,
                    key=f"k{i}",
                    title=f"Report {i} on H20",
                    body="H20 chips",
                    published_at=datetime(2024, 1, 1 + i % 28),
                )
                for i in range(count)
            ]
        )
        session.commit()
    from kb import index as kb_index

    with kb.session() as session:
        kb_index.rebuild(kb.config.index_dir, session)
    kb.reopen_index()


def test_paging_moves_through_the_results(kb):
    add_h20_reports(kb, 45)  # three pages of 20
    at = app("kb/views/search.py", q="H20")
    assert_clean(at)
    assert at.pagination, "45 matches need a pager"
    first = result_titles(at)
    assert len(first) == 20 and "page 1 of 3" in shown(at)
    at.pagination[0].select(2).run()
    assert_clean(at)
    second = result_titles(at)
    assert len(second) == 20 and not set(second) & set(first)
    assert at.query_params["page"] == "2" and "page 2 of 3" in shown(at)
    at.selectbox(key="search_sort").select("oldest").run()  # a new sort starts again at page 1
    assert "page" not in at.query_params and at.pagination[0].value == 1


def test_a_page_past_the_end_falls_back_to_the_first(demo_kb):
    at = app("kb/views/search.py", q="H20", page="99")
    assert_clean(at)
    assert result_titles(at)


def test_did_you_mean_is_clickable(demo_kb):
    at = app("kb/views/search.py", q="nvidai")
    assert_clean(at)
    suggestion = [b for b in at.button if "nvidia" in b.label.lower()]
    assert suggestion, shown(at)
    suggestion[0].click().run()
    assert_clean(at)
    assert at.text_input(key="search_q").value.lower() == "nvidia"
    assert result_titles(at)


def test_an_unreadable_query_gets_a_note_not_a_traceback(demo_kb):
    at = app("kb/views/search.py", q="date:>notadate")
    assert_clean(at)
    assert any("Could not read the query" in w.value for w in at.warning)


def test_nothing_found_says_so(demo_kb):
    at = app("kb/views/search.py", q="zzzqqqxxx")
    assert_clean(at)
    assert any("Nothing matches" in i.value for i in at.info)


def test_downloads_are_offered_for_every_result_of_the_query(demo_kb):
    at = app("kb/views/search.py", q="H20", sort="oldest")
    buttons = {b.proto.label: b.proto for b in at.get("link_button")}
    assert buttons["CSV"].url == "export/search.csv?q=H20&sort=oldest"
    assert buttons["JSON"].url == "export/search.json?q=H20&sort=oldest"
    assert re.search(r"all [\d,]+ results as search-results\.csv", buttons["CSV"].help), buttons["CSV"].help


def test_clear_filters_keeps_the_query(demo_kb):
    at = app("kb/views/search.py", q="H20", kind="rule")
    next(b for b in at.button if b.label == "Clear filters").click().run()
    assert_clean(at)
    assert at.multiselect(key="search_kind").value == [] and at.text_input(key="search_q").value == "H20"


def test_entity_links_point_to_entity_pages(demo_kb):
    doc = first_document(demo_kb)
    with demo_kb.session() as session:
        session.add(Mention(document_id=doc.id, entity_slug="test-entity", count=1000))
        session.commit()
    from kb import index as kb_index

    with demo_kb.session() as session:
        kb_index.index_documents(demo_kb.index, session, [doc.id])
    at = app("kb/views/search.py", q="H20")
    assert "(entities?id=test-entity)" in shown(at)
    at = app("kb/views/document.py", id=str(doc.id))
    assert "(entities?id=test-entity)" in shown(at)


# ---- document ---------------------------------------------------------------------


def test_document_page_shows_one_document(demo_kb):
    doc = first_document(demo_kb)
    at = app("kb/views/document.py", id=str(doc.id))
    assert_clean(at)
    text = next(m.value for m in at.markdown if ":blue-background[" in m.value)  # its entities highlighted
    shown_text = re.sub(r":blue-background\[((?:\\.|[^\]])*)\]", r"\1", text)
    assert " ".join(plain(shown_text).split()) == " ".join(doc.body.lower().split())
    assert at.get("link_button") and at.get("link_button")[0].proto.url == doc.url


@pytest.mark.parametrize("raw", ["999999", "abc", ""])
def test_document_page_for_a_missing_or_bad_id(demo_kb, raw):
    at = app("kb/views/document.py", id=raw)
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
        event_id = event.id
    at = app("kb/views/document.py", id=str(doc.id))
    assert_clean(at)
    [events] = [t for t in html_tables(at) if t and "supporting sentence" in t[0]]
    assert [e for e in events if e["date"] == "2025-04-15"] == [
        {
            "date": "2025-04-15",
            "kind": "Rule published",
            "event": "License required for H20",
            "supporting sentence": "A license is now required.",
        }
    ]
    assert f'href="timeline?event={event_id}"' in "".join(el.proto.body for el in at.get("html"))


def test_document_with_an_unsafe_link_and_markup_stays_inert(kb, tmp_path):
    with kb.session() as session:
        source = Source(url="https://example.org/feed", title="<b>Bad</b> ![x](http://127.0.0.1:9/s.png)")
        session.add(source)
        session.flush()
        doc = Document(
            source_id=source.id,
            key="k",
            url="javascript:alert(1)",
            title="<script>alert(1)</script>",
            body="![x](http://127.0.0.1:9/p.png) <img src=x onerror=alert(2)>",
        )
        session.add(doc)
        session.commit()
    at = app("kb/views/document.py", id=str(doc.id))
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
    return next(b for b in at.button if b.label == "Add source").click().run()


# The tests below that poll a source run on conftest's `loaded_kb` (a store as after a first poll of
# nothing), so that the page's poll does not spend a second loading the registry and the curated timeline.


def test_add_a_source_and_fetch_it(loaded_kb, server):
    url = server.add(
        "/feed.xml", rss(*H20_ITEMS, title="Loopback feed"), headers={"Content-Type": "application/rss+xml"}
    )
    at = add_through_form(app("kb/views/sources.py"), url)
    assert_clean(at)
    assert any("Added source" in s.value for s in at.success)
    assert any("3 new" in s.value for s in at.success), [s.value for s in at.success]
    assert server.hits("/feed.xml") == 1
    rows = at.dataframe[0].value
    assert list(rows["title"]) == ["Loopback feed"] and list(rows["documents"]) == [3]


@pytest.mark.parametrize("url, message", [("ftp://example.org/feed", "not an http(s) URL"), ("", "not an http(s) URL")])
def test_adding_a_bad_url_shows_why(kb_env, url, message):
    at = add_through_form(app("kb/views/sources.py"), url)
    assert_clean(at)
    assert any(message.lower() in plain(e.value) for e in at.error), [e.value for e in at.error]


def test_adding_the_same_url_twice_is_refused(loaded_kb, server):
    url = server.add("/feed.xml", rss(*H20_ITEMS))
    at = add_through_form(app("kb/views/sources.py"), url)
    at = add_through_form(at, url)
    assert any("already subscribed" in plain(e.value) for e in at.error)


def test_disable_enable_and_poll_now(loaded_kb, server):
    kb = loaded_kb
    url = server.add("/feed.xml", rss(*H20_ITEMS), etag='"v1"')
    with kb.session() as session:
        source_id = add_source(session, allow_private=True, url=url).id
        session.commit()
    at = app("kb/views/sources.py")
    next(b for b in at.button if b.label == "Poll now").click().run()
    assert_clean(at)
    assert any("3 new" in s.value for s in at.success)
    next(b for b in at.button if b.label == "Disable").click().run()
    with kb.session() as session:
        assert session.get(Source, source_id).enabled is False
    assert "ok (disabled)" in list(at.dataframe[0].value["status"])
    next(b for b in at.button if b.label == "Enable").click().run()
    with kb.session() as session:
        assert session.get(Source, source_id).enabled is True


def test_poll_all_due_reports_a_failing_source(kb, server):
    server.add("/gone.xml", "", status=410)
    with kb.session() as session:
        add_source(session, allow_private=True, url=server.url("/gone.xml"))
        session.commit()
    at = app("kb/views/sources.py")
    next(b for b in at.button if b.label == "Poll all due sources").click().run()
    assert_clean(at)
    assert any("410" in e.value for e in at.error), [e.value for e in at.error]
    assert list(at.dataframe[0].value["status"]) == ["gone (disabled)"]  # a 410 disables the source


def test_a_locked_index_is_reported_clearly(loaded_kb, server, monkeypatch):
    kb = loaded_kb
    monkeypatch.setenv("KB_INDEX_LOCK_TIMEOUT", "0.2")
    url = server.add("/feed.xml", rss(*H20_ITEMS))
    with kb.session() as session:
        add_source(session, allow_private=True, url=url)
        session.commit()
    writer = kb.index.writer()  # another writer holds the lock
    try:
        at = app("kb/views/sources.py")
        next(b for b in at.button if b.label == "Poll now").click().run()
    finally:
        writer.cancel()
    assert_clean(at)
    assert any("locked" in w.value for w in at.warning), [w.value for w in at.warning]


# ---- providers --------------------------------------------------------------------
# The Providers page and the availability sections of entity pages: tests/test_availability.py.


def test_pages_do_not_load_whole_tables(kb):
    """A store of many documents still pages: the search shows one page, the sources page one page."""
    add_h20_reports(kb, 120)
    at = app("kb/views/search.py", q="H20")
    assert_clean(at)
    assert len(result_titles(at)) == 20 and at.pagination


def test_an_index_from_an_older_schema_asks_for_a_reindex(kb):
    from whoosh import fields
    from whoosh import index as whoosh_index

    kb.index  # noqa: B018  (creates the current generation)
    whoosh_index.create_in(str(kb.config.index_dir.resolve()), fields.Schema(id=fields.ID(stored=True)))
    at = app("kb/views/search.py", q="H20")
    assert not at.exception
    assert any("kb reindex" in plain(e.value) for e in at.error)


def test_entities_named_in_the_query_get_links(demo_kb):
    from kb.search import SearchRequest, search

    with demo_kb.session() as session:
        named = search(demo_kb.index, session, SearchRequest(query="Nvidia")).entities
    assert "nvidia" in [slug for slug, _name, _kind in named], "the registry names Nvidia in the query"
    at = app("kb/views/search.py", q="Nvidia")
    assert_clean(at)
    links = [m.value for m in at.markdown if "(entities?id=nvidia)" in m.value]
    assert any(m.startswith("Entity pages:") for m in links), "the query's entities get links"
    assert any(not m.startswith("Entity pages:") for m in links), "the linker tagged the hits with Nvidia"


# ---- timeline ---------------------------------------------------------------------

needs_demo = pytest.mark.skipif(
    not (demo.DEMO_DIR.is_dir() and demo.demo_files()),
    reason="needs the bundled demo corpus (data/demo/) and its curated timeline",
)
DIFFUSION = "ai-diffusion-framework"


def event_titles(at) -> list[str]:
    """The titles of the event cards on screen (the bold second line of each card's first Markdown), as `plain`."""
    return [plain(m.value.split("  \n**", 1)[1].rstrip("*")) for m in at.markdown if "  \n**" in m.value]


def event_count(at: AppTest) -> int:
    line = next(m.value for m in at.markdown if re.fullmatch(r"\*\*[\d,]+\*\* events?( · page .*)?", m.value))
    return int(line.split("**")[1].replace(",", ""))


def html_tables(at: AppTest) -> list[list[dict[str, str]]]:
    """The tables of kb/ui/tables.py on the page: each a list of rows, {column: cell text}."""
    from bs4 import BeautifulSoup

    found = []
    for el in at.get("html"):
        for table in BeautifulSoup(el.proto.body, "html.parser").select("table.kb-table"):
            heads = [th.get_text() for th in table.select("thead th")]
            found.append(
                [
                    dict(zip(heads, (td.get_text() for td in tr.select("td")), strict=True))
                    for tr in table.select("tbody tr")
                ]
            )
    return found


def lifecycle_ids(at: AppTest) -> dict[str, str]:
    """Lifecycle id -> rule name, from the as-of table's expander."""
    tables = [t.value for t in at.table if "lifecycle id" in t.value.columns]
    return dict(zip(tables[0]["lifecycle id"], tables[0]["rule"], strict=True)) if tables else {}


def rule_status(at: AppTest, rule: str) -> str:
    name = lifecycle_ids(at)[rule]
    rules = next(t for t in html_tables(at) if t and "set by (event)" in t[0])
    return next(r["status"] for r in rules if r["rule"] == name)


@needs_demo
def test_timeline_shows_events_a_chart_and_downloads(demo_kb):
    at = app("kb/views/timeline.py")
    assert_clean(at)
    assert event_count(at) > 20 and len(event_titles(at)) == 20 and at.pagination
    assert at.get("vega_lite_chart"), "the chart of events over time"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["CSV", "iCalendar", "Rules CSV", "iCalendar"]
    assert "(document?id=" in shown(at), "events link their reports"
    assert "(entities?id=bis)" in shown(at), "events link their entities"


@needs_demo
def test_changing_the_date_range_changes_the_list(demo_kb):
    at = app("kb/views/timeline.py")
    everything = event_count(at)
    at.date_input(key="tl_since").set_value(date(2024, 7, 1))
    at.date_input(key="tl_until").set_value(date(2024, 7, 31)).run()
    assert_clean(at)
    titles = event_titles(at)
    assert "openai starts blocking api access from unsupported regions" in titles, titles
    assert not any("rescinds the ai diffusion rule" in t for t in titles)
    assert event_count(at) < everything
    assert at.query_params["since"] == "2024-07-01" and at.query_params["until"] == "2024-07-31"


@needs_demo
def test_timeline_filters_are_read_from_the_url(demo_kb):
    at = app("kb/views/timeline.py", entity="openai", kind="service", order="oldest")
    assert_clean(at)
    assert at.multiselect(key="tl_entity").value == ["openai"]
    assert at.multiselect(key="tl_kind").value == ["service"]
    titles = event_titles(at)
    assert titles and all("openai" in t for t in titles), titles
    cards = [m.value for m in at.markdown if "  \n**" in m.value]
    assert all("Service" in c for c in cards), cards
    dates = [c.split("**")[1] for c in cards]
    assert dates == sorted(dates)


@needs_demo
def test_an_unknown_entity_or_kind_in_the_url_is_left_out(demo_kb):
    at = app("kb/views/timeline.py", entity="no-such-thing", kind="not-a-kind")
    assert_clean(at)
    assert any("no-such-thing" in plain(w.value) for w in at.warning)
    assert at.multiselect(key="tl_kind").value == [] and event_count(at) > 20


@needs_demo
def test_rules_as_of_a_date(demo_kb):
    at = app("kb/views/timeline.py", as_of="2025-03-01", kind="rule")
    assert_clean(at)
    assert rule_status(at, DIFFUSION) == "in force, pending compliance"
    at.date_input(key="tl_as_of").set_value(date(2025, 6, 1)).run()
    assert_clean(at)
    assert rule_status(at, DIFFUSION) == "rescinded"
    assert at.query_params["as_of"] == "2025-06-01"
    at = app("kb/views/timeline.py", as_of="2024-01-01")
    assert DIFFUSION not in lifecycle_ids(at), "not yet released"


@needs_demo
def test_upcoming_deadlines_from_the_as_of_date(demo_kb):
    at = app("kb/views/timeline.py", as_of="2025-03-01")
    deadlines = event_titles(at.tabs[1])  # the tab "As of a date"
    assert "comment deadline for the ai diffusion rule" in deadlines, deadlines
    at = app("kb/views/timeline.py", as_of="2025-06-01")  # rescinded by then: its deadlines are moot
    deadlines = event_titles(at.tabs[1])
    assert deadlines and not any("ai diffusion rule" in t for t in deadlines), deadlines


def test_timeline_exports(demo_kb):
    from kb import timeline as tl
    from kb.ui import exports

    csv_bytes = exports.timeline_events(demo_kb, tl.TimelineQuery(kinds=("deadline",)), "csv")()
    assert csv_bytes.decode("utf-8-sig").startswith("date,precision,kind,title")
    ics = exports.timeline_events(demo_kb, tl.TimelineQuery(kinds=("deadline",)), "ics")()
    assert ics.startswith(b"BEGIN:VCALENDAR")
    upcoming = exports.upcoming_deadlines(demo_kb, date(2020, 1, 1), (), None)()
    assert upcoming.startswith(b"BEGIN:VCALENDAR")


def test_the_timeline_pages_and_caps_its_chart(kb):
    """Many events: the list shows one page, the chart query stops at its cap."""
    from kb import timeline as tl

    with kb.session() as session:
        session.add_all(
            [
                Event(key=f"e{i}", date=date(2024, 1, 1 + i % 28), kind="statement", title=f"Statement {i}")
                for i in range(130)
            ]
        )
        session.commit()
        assert len(queries.timeline_points(session, tl.TimelineQuery(), cap=50)) == 51
    at = app("kb/views/timeline.py")
    assert_clean(at)
    assert len(event_titles(at)) == 20 and event_count(at) == 130 and at.pagination
    at.pagination[0].select(7).run()
    assert_clean(at)
    assert len(event_titles(at)) == 10 and at.query_params["page"] == "7"


HOSTILE = "<img src=x onerror=alert(1)> ![x](http://127.0.0.1:9/p.png) [a](javascript:alert(2)) :red[x] $x$"


def add_hostile_event(kb) -> int:
    with kb.session() as session:
        source = Source(url="https://example.org/feed", title="<b>src</b>")
        session.add(source)
        session.flush()
        doc = Document(
            source_id=source.id, key="k", title=f"Report {HOSTILE}", body="b", published_at=datetime(2025, 1, 2)
        )
        event = Event(
            key="hostile",
            date=date(2025, 1, 2),
            kind="statement",
            title=f"Title {HOSTILE}",
            summary=f"Summary {HOSTILE}",
            origin="extracted",
            confidence=0.5,
            sources=["javascript:alert(3)", "https://example.org/ok", "data:text/html,<b>x</b>"],
        )
        session.add_all([doc, event])
        session.flush()
        session.add(EventEntity(event_id=event.id, entity_slug="openai", role="actor"))
        session.add(EventDocument(event_id=event.id, document_id=doc.id, sentence=f"Sentence {HOSTILE}"))
        session.add(Mention(document_id=doc.id, entity_slug="openai", count=1))
        session.commit()
        return doc.id


def assert_inert_markup(at: AppTest) -> None:
    markup = "\n".join(
        str(el.value)
        for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning")
        for el in getattr(at, kind)
    )
    markup += "\n".join(el.proto.label for el in at.get("page_link"))
    live = re.sub(r"\\.", "", markup)  # what is not backslash-escaped: markup of our own
    assert "<" not in live and "![" not in live
    targets = re.findall(r"\]\(([^)\s]*)", live)
    # the app's own pages and feeds (a feed URL is relative when there is no browser to give the base)
    own = r"(https?://|document\?|entities|timeline\?|providers|feeds/|calendar\.ics)"
    assert targets and all(re.match(own, t) for t in targets), targets
    assert "onerror" in markup, "the hostile text is shown, as text"


def test_hostile_event_text_stays_inert_on_the_timeline(kb):
    add_hostile_event(kb)
    at = app("kb/views/timeline.py")
    assert_clean(at)
    assert_inert_markup(at)
    assert "(https://example.org/ok)" in shown(at), "the http(s) source is a link"
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert '"image"' not in spec and '"href"' not in spec


def test_hostile_event_text_stays_inert_on_an_entity_page(kb):
    from kb.models import Entity

    add_hostile_event(kb)
    with kb.session() as session:
        session.add(
            Entity(
                slug="openai",
                name="Open<b>AI</b> ![x](http://127.0.0.1:9/e.png)",
                kind="organization",
                url="javascript:alert(4)",
                wikidata='Q1"><script>',
                aliases=["<i>alias</i>"],
                description="[click](javascript:alert(5))",
            )
        )
        session.commit()
    at = app("kb/views/entities.py", id="openai")
    assert_clean(at)
    assert_inert_markup(at)
    assert "Official site" not in shown(at) and "Wikidata" not in shown(at)


# ---- entities ---------------------------------------------------------------------


@needs_demo
def test_entity_page_by_query_parameter(demo_kb):
    at = app("kb/views/entities.py", id="openai")
    assert_clean(at)
    assert at.title[0].value == "OpenAI"
    text = shown(at)
    assert "(entities?id=china)" in text and "China \\(" in text, "co-mentioned with China, with a count"
    assert "(document?id=" in text and any(s.value.startswith("Documents (") for s in at.subheader)
    assert "openai starts blocking api access from unsupported regions" in event_titles(at)
    assert "(https://openai.com)" in text and "wikidata.org/wiki/Q21708200" in text
    assert at.get("vega_lite_chart"), "mentions per month"
    [history] = [t for t in html_tables(at) if t and "state" in t[0]]
    assert "restricted" in [r["state"] for r in history] and any("China" in r["countries"] for r in history)
    assert at.query_params == {"id": "openai"}


@needs_demo
def test_the_entity_page_lists_what_kb_entities_answers(demo_kb):
    """The page reads its documents with a query of its own (few columns, a plan for common
    entities) and counts with kb.entities: the same answers as kb.entities.entity_page, either plan."""
    from kb.entities import entity_page, mentions_per_month

    with demo_kb.session() as session:
        slugs = [s for (s,) in session.execute(select(Mention.entity_slug).distinct())]
        for slug in ["openai", "china", "nvidia", *slugs[:20]]:
            for page in (1, 2, 9):
                ours = queries.entity_overview(session, slug, page=page, per_page=3)
                theirs = entity_page(session, slug, page=page, per_page=3)
                assert ours.total_documents == theirs.total_documents
                assert [tuple(r) for r in ours.documents] == [
                    (d.id, d.title, d.published_at, d.source_id, d.kind) for d in theirs.documents
                ], (slug, page)
                assert ours.co_mentions == [(e.slug, e.name, n) for e, n in theirs.co_mentions], slug
                assert ours.per_month == [tuple(r) for r in theirs.per_month], slug
            assert mentions_per_month(session, slug, by_date_index=True) == ours.per_month
            assert mentions_per_month(session, slug, by_date_index=False) == ours.per_month


@needs_demo
def test_a_country_page_shows_its_availability_history(demo_kb):
    at = app("kb/views/entities.py", id="china")
    assert_clean(at)
    [history] = [t for t in html_tables(at) if t and "state" in t[0]]
    assert {r["state"] for r in history} == {"available", "restricted"}
    assert any("OpenAI" in r["provider"] for r in history) and any("Baidu" in r["provider"] for r in history)


@needs_demo
def test_entity_documents_are_paged(demo_kb):
    at = app("kb/views/entities.py", id="china")
    first = [m.value for m in at.markdown if "(document?id=" in m.value and "**" not in m.value]
    at.pagination[0].select(2).run()
    assert_clean(at)
    second = [m.value for m in at.markdown if "(document?id=" in m.value and "**" not in m.value]
    assert second and second[-1] not in first
    assert at.query_params["page"] == "2" and at.query_params["id"] == "china"


@needs_demo
def test_a_merged_slug_leads_to_the_survivor(demo_kb):
    at = app("kb/views/entities.py", id="us-ai-safety-institute")
    assert_clean(at)
    assert at.title[0].value == "Center for AI Standards and Innovation"
    assert at.query_params["id"] == "caisi"
    assert any("merged into" in i.value for i in at.info)


def test_an_unknown_entity_gets_a_message_and_the_directory(demo_kb):
    at = app("kb/views/entities.py", id="no-such-entity")
    assert_clean(at)
    assert any("no-such-entity" in plain(w.value) for w in at.warning)
    assert at.text_input(key="entdir_q") is not None and "(entities?id=" in shown(at)


@needs_demo
def test_entity_directory_search_kind_and_paging(demo_kb):
    at = app("kb/views/entities.py")
    assert_clean(at)
    assert "(entities?id=china)" in shown(at) and at.pagination
    at.text_input(key="entdir_q").input("nvid").run()
    assert_clean(at)
    assert "(entities?id=nvidia)" in shown(at) and "(entities?id=china)" not in shown(at)
    assert at.query_params["q"] == "nvid"
    at.text_input(key="entdir_q").input("").run()
    at.selectbox(key="entdir_kind").select("country").run()
    assert_clean(at)
    assert "(entities?id=china)" in shown(at) and "(entities?id=nvidia)" not in shown(at)
    assert any("documents" in c.value for c in at.caption)
    at = app("kb/views/entities.py")
    at.pagination[0].select(2).run()
    assert_clean(at)
    assert at.query_params["page"] == "2" and "(entities?id=china)" not in shown(at)


@needs_demo
def test_entity_directory_can_include_entities_no_document_names(demo_kb):
    at = app("kb/views/entities.py", q="zimbabwe")
    assert any("No entity matches" in i.value for i in at.info)
    at.checkbox(key="entdir_all").check().run()
    assert_clean(at)
    assert "(entities?id=zimbabwe)" in shown(at) and at.query_params["all"] == "1"


# ---- URL state ----------------------------------------------------------------------


class FakeParams(dict):
    """What Param.read needs of st.query_params: get and get_all."""

    def get_all(self, key):
        value = self.get(key)
        return [] if value is None else value if isinstance(value, list) else [value]


def test_url_parameters_are_checked_and_defaults_left_out():
    from kb.ui.url_state import Param

    kind = Param("kind", "list", default=(), choices=("rule", "service"))
    assert kind.read(FakeParams(kind=["rule", "bogus", "rule", " "])) == ["rule"]
    assert kind.dump([]) is None and kind.dump(["rule"]) == ["rule"]
    since = Param("since", "date")
    assert since.read(FakeParams(since="2025-03-01")) == date(2025, 3, 1)
    assert since.read(FakeParams(since="1066-10-14")) is None and since.read(FakeParams(since="soon")) is None
    as_of = Param("as_of", "date", default=date.today)
    assert as_of.read(FakeParams()) == date.today() and as_of.dump(date.today()) is None
    flag = Param("all", "flag", default=False)
    assert flag.read(FakeParams(all="1")) is True and flag.dump(True) == "1" and flag.dump(False) is None
    page = Param("page", "page", default=1)
    assert page.read(FakeParams(page="99999")) == 500 and page.read(FakeParams(page="x")) == 1
    status = Param("status", choices=("proposed",))
    assert status.read(FakeParams(status="<script>")) is None
