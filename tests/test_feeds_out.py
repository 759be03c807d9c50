"""Atom feeds, the deadlines calendar and feed discovery, called in-process on the demo corpus.

The routes run in a plain Starlette app with the server's ROUTES (the same
endpoints `streamlit run app.py` serves; tests/test_app_server.py calls them
over real HTTP). The discovery middleware is tried around a small stand-in
for Streamlit's static index.html.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import feedparser
import listparser
import pytest
from icalendar import Calendar
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient

from kb import watches
from kb.events.candidates import DEADLINE_KINDS
from kb.feeds_out import TAG, FeedInfo, atom_feed, xml_text
from kb.models import Document, Event, EventEntity, Mention, Source, utcnow
from kb.search import search
from kb.ui.discovery import FeedDiscovery, feed_links
from kb.watches import Item
from tests.routes_client import routes_client

A = "{http://www.w3.org/2005/Atom}"
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def client(demo_kb):
    with routes_client() as test_client:
        yield test_client


def entry_ids(response) -> list[str]:
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return [e.id for e in parsed.entries]


def keys(items) -> list[str]:
    return [TAG + i.key for i in items]


def assert_rfc4287(body: bytes) -> None:
    """The RFC 4287 rules a reader relies on: id, title, updated (RFC 3339) on the feed and every
    entry, an author, one alternate link per entry, unique entry ids."""
    feed = ET.fromstring(body)
    assert feed.tag == f"{A}feed"
    for element in [feed, *feed.findall(f"{A}entry")]:
        for name in ("id", "title", "updated"):
            assert len(element.findall(f"{A}{name}")) == 1, (name, ET.tostring(element)[:200])
        assert RFC3339_UTC.match(element.findtext(f"{A}updated") or "")
        alternates = [link for link in element.findall(f"{A}link") if link.get("rel") == "alternate"]
        assert len(alternates) == 1 and alternates[0].get("href", "").startswith("http://testserver/")
    assert feed.find(f"{A}author/{A}name") is not None
    assert [link.get("href") for link in feed.findall(f"{A}link") if link.get("rel") == "self"]
    ids = [e.findtext(f"{A}id") for e in feed.findall(f"{A}entry")]
    assert len(ids) == len(set(ids))


# ---- each kind of feed ------------------------------------------------------------------------------


def test_entity_feed_has_the_entitys_documents_and_events(client, demo_kb):
    response = client.get("/feeds/entity/nvidia.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert_rfc4287(response.content)
    with demo_kb.session() as session:
        expected = watches.items_for(demo_kb, session, "entity", {"id": ["nvidia"]})
    assert entry_ids(response) == keys(expected)
    assert {i.kind for i in expected} == {"document", "event"}
    parsed = feedparser.parse(response.content)
    assert parsed.feed.title == "Nvidia · AI policy KB"
    assert parsed.feed.id == TAG + "feeds/entity/nvidia.atom"
    assert {link.rel: link.href for link in parsed.feed.links} == {
        "self": "http://testserver/feeds/entity/nvidia.atom",
        "alternate": "http://testserver/entities?id=nvidia",
    }
    document = next(e for e in parsed.entries if ":document:" in e.id)
    assert document.link.startswith("http://testserver/document?id=")
    assert any(link.rel == "related" and link.href.startswith("https://") for link in document.links)


def test_search_feed_has_the_newest_matching_documents(client, demo_kb):
    response = client.get(
        "/feeds/search.atom?q=H20&page=3&sort=relevance"
    )  # page and sort are the page's, not the feed's
    assert response.status_code == 200
    assert_rfc4287(response.content)
    with demo_kb.session() as session:
        hits = search(demo_kb.index, session, watches.search_request({"q": ["H20"]})).hits
    assert len(hits) > 3
    assert sorted(entry_ids(response)) == sorted(f"{TAG}document:{h.id}" for h in hits)
    assert feedparser.parse(response.content).feed.link == "http://testserver/?q=H20"


def test_timeline_feed_has_the_latest_changed_events(client, demo_kb):
    response = client.get("/feeds/timeline.atom?kind=rule&jurisdiction=US")
    assert response.status_code == 200
    assert_rfc4287(response.content)
    params = {"kind": ["rule"], "jurisdiction": ["US"]}
    with demo_kb.session() as session:
        expected = watches.items_for(demo_kb, session, "timeline", params)
    assert expected and entry_ids(response) == keys(expected)
    entry = feedparser.parse(response.content).entries[0]
    assert entry.link.startswith("http://testserver/timeline?since=")
    assert entry.tags[0].term  # the event kind and status


def test_watch_feed_follows_the_watch_and_404s_for_an_unknown_one(client, demo_kb):
    with demo_kb.session() as session:
        watch = watches.add(session, "timeline", {"entity": ["nvidia"]}, name="Chips <&> things")
        expected = watches.items(demo_kb, session, watch)
    response = client.get(f"/feeds/watch/{watch.id}.atom")
    assert response.status_code == 200
    assert_rfc4287(response.content)
    assert entry_ids(response) == keys(expected)
    assert feedparser.parse(response.content).feed.title == "Chips <&> things · AI policy KB"
    missing = client.get("/feeds/watch/9999.atom")
    assert missing.status_code == 404 and missing.json() == {"error": missing.json()["error"], "status": 404}


def test_an_empty_feed_is_valid_and_keeps_a_stable_updated_time(client):
    first = client.get("/feeds/search.atom?q=zzzzunmatched")
    assert first.status_code == 200 and entry_ids(first) == []
    assert_rfc4287(first.content)
    assert feedparser.parse(first.content).feed.updated == "1970-01-01T00:00:00Z"
    again = client.get("/feeds/search.atom?q=zzzzunmatched", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_ids_stay_the_same_through_another_host_name(client):
    here = feedparser.parse(client.get("/feeds/entity/nvidia.atom").content)
    there = feedparser.parse(client.get("/feeds/entity/nvidia.atom", headers={"Host": "kb.example.org"}).content)
    assert there.feed.id == here.feed.id and [e.id for e in there.entries] == [e.id for e in here.entries]
    assert there.entries[0].link.startswith("http://kb.example.org/")


def test_a_date_ahead_of_the_last_change_is_no_published_time():
    changed = datetime(2025, 1, 1, 12, 0, 0, 123456)
    items = [
        Item("event:1", "event", 1, "Comments due", "", changed, changed + timedelta(days=30), None, "timeline"),
        Item("event:2", "event", 2, "Rule published", "", changed, changed - timedelta(days=1), None, "timeline"),
    ]
    info = FeedInfo("feeds/timeline.atom", "Timeline", "timeline")
    body = atom_feed(info, items, "https://kb.example.org/", self_url="https://kb.example.org/feeds/timeline.atom")
    feed = feedparser.parse(body)
    assert feed.bozo == 0 and feed.feed.updated == "2025-01-01T12:00:00Z"
    assert "published" not in feed.entries[0] and feed.entries[1].published == "2024-12-31T12:00:00Z"


# ---- conditional GET and changes --------------------------------------------------------------------


def test_etag_and_last_modified_answer_304_without_a_body(client):
    first = client.get("/feeds/entity/nvidia.atom")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    by_etag = client.get("/feeds/entity/nvidia.atom", headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.content == b"" and by_etag.headers["etag"] == etag
    by_date = client.get("/feeds/entity/nvidia.atom", headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304 and by_date.content == b""
    assert client.get("/feeds/entity/nvidia.atom", headers={"If-None-Match": '"other"'}).status_code == 200
    # If-None-Match decides alone when both are given
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert client.get("/feeds/entity/nvidia.atom", headers=both).status_code == 200
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get("/feeds/entity/nvidia.atom", headers={"If-Modified-Since": old}).status_code == 200


def test_a_status_change_brings_the_event_back_first_with_a_new_updated(client, demo_kb):
    first = client.get("/feeds/timeline.atom?kind=rule")
    entries = feedparser.parse(first.content).entries
    changed_id = int(entries[-1].id.rsplit(":", 1)[1])  # the entry that changed longest ago
    with demo_kb.session() as session:  # as the writer does when a report delays a rule
        event = session.get(Event, changed_id)
        event.status, event.updated_at = "delayed", utcnow() + timedelta(seconds=5)
        session.add(event)
        session.commit()
    assert (
        client.get("/feeds/timeline.atom?kind=rule", headers={"If-None-Match": first.headers["etag"]}).status_code
        == 200
    )
    second = feedparser.parse(client.get("/feeds/timeline.atom?kind=rule").content)
    assert second.entries[0].id == f"{TAG}event:{changed_id}"
    assert second.entries[0].updated > entries[0].updated
    assert "delayed" in second.entries[0].tags[0].term
    assert second.feed.updated == second.entries[0].updated


def test_hostile_text_is_escaped_and_the_feed_still_parses(client, demo_kb):
    hostile = "<script>alert(1)</script> ]]> &amp; \x00\x01\x1b\ufffe bell\x07 end"
    with demo_kb.session() as session:
        source_id = session.exec(select(Document.source_id)).first()
        doc = Document(source_id=source_id, key="hostile", title=hostile, summary=hostile, url="javascript:alert(1)")
        session.add(doc)
        session.flush()
        assert doc.id is not None
        session.add(Mention(document_id=doc.id, entity_slug="nvidia", count=1))
        event = Event(key="hostile-event", date=utcnow().date(), kind="statement", title=hostile, summary=hostile)
        session.add(event)
        session.flush()
        assert event.id is not None
        session.add(EventEntity(event_id=event.id, entity_slug="nvidia", role="subject"))
        session.commit()
    response = client.get("/feeds/entity/nvidia.atom")
    assert b"<script>" not in response.content and b"&lt;script&gt;" in response.content
    assert_rfc4287(response.content)
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0
    clean = xml_text(hostile)
    assert clean == "<script>alert(1)</script> ]]> &amp;  bell end"
    titles = {e.id: e for e in parsed.entries}
    assert titles[f"{TAG}document:{doc.id}"].title == clean
    assert titles[f"{TAG}document:{doc.id}"].summary == clean
    assert not any(link.rel == "related" for link in titles[f"{TAG}document:{doc.id}"].links)  # not http(s)
    assert titles[f"{TAG}event:{event.id}"].title.endswith(clean)


# ---- bad parameters ---------------------------------------------------------------------------------


BAD = [
    ("/feeds/search.atom?since=2026-99-01", 400, "since must be a day"),
    ("/feeds/search.atom?since=2025-02-01&until=2025-01-01", 400, "is after until"),
    ("/feeds/search.atom?entity=nobody-at-all", 400, "nobody-at-all"),
    ("/feeds/search.atom?q=(((", 400, "no searchable words"),
    ("/feeds/timeline.atom?entity=nobody-at-all", 400, "nobody-at-all"),
    ("/feeds/timeline.atom?kind=party", 400, "unknown event kind"),
    ("/feeds/timeline.atom?status=asleep", 400, "unknown status"),
    ("/feeds/timeline.atom?jurisdiction=US&jurisdiction=CN", 400, "takes one value"),
    ("/feeds/entity/nobody-at-all.atom", 404, "no entity"),
    ("/feeds/watch/12.atom", 404, "no watch 12"),
    ("/feeds/elsewhere.atom", 404, "nothing at /feeds/elsewhere.atom"),
    ("/calendar.ics?kind=rule", 400, "deadlines only"),
    ("/calendar.ics?entity=nobody-at-all", 400, "nobody-at-all"),
]


def test_bad_parameters_get_a_json_error(client):
    for path, status, message in BAD:  # one store for all of them: none of them writes
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"] == "application/json", path
        body = response.json()
        assert body["status"] == status and message in body["error"], (path, body)
    assert client.post("/feeds/search.atom").json() == {"error": "POST is not allowed here; use GET", "status": 405}


def test_an_unbalanced_query_with_words_is_answered_for_its_words(client):
    response = client.get("/feeds/search.atom?q=H20 date:2026-99")
    assert response.status_code == 200 and entry_ids(response)


# ---- the calendar --------------------------------------------------------------------------------------


def calendar_events(response) -> list:
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_calendar_has_every_deadline_with_stable_uids_and_short_titles(client, demo_kb):
    first, second = client.get("/calendar.ics"), client.get("/calendar.ics")
    events = calendar_events(first)
    assert [str(e["UID"]) for e in events] == [str(e["UID"]) for e in calendar_events(second)]
    with demo_kb.session() as session:
        keys = set(session.exec(select(Event.key).where(col(Event.kind).in_(DEADLINE_KINDS))))
    assert {str(e["UID"]).removesuffix("@ai-policy-kb") for e in events} <= keys
    assert len(events) >= len(keys) - 2  # the demo has no future deadline of a rescinded rule... or two at most
    for event in events:
        assert len(str(event["SUMMARY"])) <= 80
        assert str(event["URL"]).startswith("http://testserver/timeline?since=")
        assert "In the knowledge base: http://testserver/timeline?" in str(event["DESCRIPTION"])
    assert any("Primary source: https://" in str(e["DESCRIPTION"]) for e in events)
    calendar = Calendar.from_ical(first.content)
    assert str(calendar["X-WR-CALNAME"]) == "AI policy deadlines"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in first.text
    again = client.get("/calendar.ics", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_calendar_filters_by_entity_and_kind(client, demo_kb):
    events = calendar_events(client.get("/calendar.ics?entity=ai-diffusion-framework&kind=compliance_date"))
    assert events and {str(e["CATEGORIES"].cats[0]) for e in events} == {"compliance_date"}
    assert all("Framework for Artificial Intelligence Diffusion" in str(e["SUMMARY"]) for e in events)
    assert calendar_events(client.get("/calendar.ics?jurisdiction=ZZ")) == []


# ---- discovery -----------------------------------------------------------------------------------------

PAGE = b"<!DOCTYPE html><html><head><title>Streamlit</title></head><body>app</body></html>"


def stand_in(request):
    """Streamlit's static handler, as far as the middleware can tell: one HTML file for every page."""
    if request.url.path == "/data.json":
        return JSONResponse({"head": "</head>"})
    return HTMLResponse(PAGE, headers={"ETag": '"static"', "Last-Modified": "Mon, 01 Jan 2001 00:00:00 GMT"})


async def echo(websocket):
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


@pytest.fixture
def app_client():
    inner = [Middleware(FeedDiscovery), Middleware(GZipMiddleware, minimum_size=10)]  # Streamlit's order
    routes = [WebSocketRoute("/_stcore/stream", echo), Route("/{path:path}", stand_in, methods=["GET", "POST"])]
    with TestClient(Starlette(routes=routes, middleware=inner)) as test_client:
        yield test_client


def test_discovery_adds_the_entity_feed_to_the_entity_page(app_client):
    response = app_client.get("/entities?id=nvidia", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and "content-encoding" not in response.headers
    assert int(response.headers["content-length"]) == len(response.content)
    assert "etag" not in response.headers and "last-modified" not in response.headers
    head = response.text.split("</head>")[0]
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Entity: nvidia" '
        'href="http://testserver/feeds/entity/nvidia.atom" />' in head
    )
    assert 'type="text/calendar" title="Deadlines: nvidia" href="http://testserver/calendar.ics?entity=nvidia"' in head


def test_discovery_follows_the_search_and_timeline_parameters(app_client):
    text = app_client.get("/?q=H20&kind=news&page=2").text
    assert 'title="Search: H20" href="http://testserver/feeds/search.atom?q=H20&amp;kind=news"' in text
    text = app_client.get("/timeline?kind=rule&entity=nvidia").text
    assert 'href="http://testserver/feeds/timeline.atom?entity=nvidia&amp;kind=rule"' in text
    assert 'href="http://testserver/calendar.ics?entity=nvidia"' in text
    assert 'title="New documents" href="http://testserver/feeds/search.atom"' in app_client.get("/").text


def test_discovery_escapes_what_the_url_says(app_client):
    text = app_client.get('/search?q="><script>alert(1)</script>').text
    assert "<script>" not in text and 'title="Search: &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/entities"),  # the directory has no feed
        ("GET", "/sources"),
        ("GET", "/providers?id=x"),
        ("GET", "/search?since=2026-99-01"),  # the feed would refuse it: no link to a 400
        ("POST", "/entities?id=nvidia"),
        ("GET", "/data.json"),  # not HTML, although the path could be a page's
    ],
)
def test_discovery_leaves_everything_else_untouched(app_client, method, path):
    response = app_client.request(method, path)
    assert b'rel="alternate"' not in response.content
    if path != "/data.json":
        assert response.content == PAGE and response.headers["etag"] == '"static"'


def test_discovery_leaves_gzip_to_other_pages_and_websockets_alone(app_client):
    other = app_client.get("/sources", headers={"Accept-Encoding": "gzip"})
    assert other.headers["content-encoding"] == "gzip" and other.content == PAGE  # httpx decodes it
    with app_client.websocket_connect("/_stcore/stream") as websocket:
        websocket.send_text("ping")
        assert websocket.receive_text() == "ping"


def test_feed_links_are_the_feeds_own_paths():
    assert feed_links("/entities", "id=a%20b") == [
        ("application/atom+xml", "Entity: a b", "feeds/entity/a%20b.atom"),
        ("text/calendar", "Deadlines: a b", "calendar.ics?entity=a+b"),
    ]
    assert feed_links("/timeline", "status=final&since=2025-01-01")[0][2] == (
        "feeds/timeline.atom?status=final&since=2025-01-01"
    )


# ---- OPML -------------------------------------------------------------------------------------------------


def test_opml_lists_the_feed_subscriptions(client, demo_kb):
    with demo_kb.session() as session:
        session.add(Source(url="https://example.org/feed.xml", title="Example <feed> & co", kind="feed"))
        session.commit()
    response = client.get("/opml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/x-opml; charset=utf-8"
    assert response.headers["content-disposition"] == 'inline; filename="ai-policy-kb.opml"'
    parsed = listparser.parse(response.content)
    assert not parsed.bozo
    assert ("https://example.org/feed.xml", "Example <feed> & co") in {(f.url, f.title) for f in parsed.feeds}
