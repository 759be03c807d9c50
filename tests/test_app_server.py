"""Feeds, calendar, JSON API and feed discovery over real HTTP from `streamlit run app.py`.

One server for the module, on a loopback port, with a KB_HOME holding the
demo corpus (a copy of the tests' demo store, so the app has nothing to load
at its first view) and one watch. The in-process tests (test_feeds_out.py,
test_api.py) check the details; these check that the real server carries the
same routes and the middleware without breaking Streamlit's own paths.
"""

from __future__ import annotations

import importlib.util
import shutil
from datetime import timedelta

import feedparser
import httpx
import pytest
from icalendar import Calendar

from kb import settings, watches
from kb import timeline as tl
from kb.context import open_kb
from kb.feeds_out import TAG
from kb.models import Event, utcnow
from kb.search import SearchRequest, search
from tests.helpers import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def _load_screenshots_script():
    spec = importlib.util.spec_from_file_location("kb_screenshots", ROOT / "scripts" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def home(demo_template, tmp_path_factory):
    """A KB_HOME with the demo corpus and a timeline watch (id 1)."""
    path = tmp_path_factory.mktemp("app-server") / "kbhome"
    shutil.copytree(demo_template, path, symlinks=True)  # the index is a relative link to its generation
    kb = open_kb(settings.load({"KB_HOME": str(path)}))
    try:
        with kb.session() as session:
            watches.add(session, "timeline", {"kind": ["rule"]}, name="Rules")
    finally:
        kb.engine.dispose()
    return path


@pytest.fixture(scope="module")
def base(home):
    """The running app's base URL (no trailing slash)."""
    shots = _load_screenshots_script()
    with shots.serve(home, log=home.parent / "streamlit.log") as url:
        yield url


@pytest.fixture
def http(base):
    with httpx.Client(base_url=base, timeout=30) as client:
        yield client


@pytest.fixture
def kb(home):
    """The same store, opened by the test (the server has its own connection)."""
    instance = open_kb(settings.load({"KB_HOME": str(home)}))
    yield instance
    instance.reopen_index()
    instance.engine.dispose()


def parsed_feed(response: httpx.Response):
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.id and feed.feed.title and feed.feed.updated
    for entry in feed.entries:
        assert entry.id and entry.title and entry.updated
        assert len([link for link in entry.links if link.rel == "alternate"]) == 1
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    return feed


@pytest.mark.parametrize(
    "path",
    ["/feeds/watch/1.atom", "/feeds/entity/nvidia.atom", "/feeds/search.atom?q=H20", "/feeds/timeline.atom?kind=rule"],
)
def test_every_kind_of_feed_parses_and_answers_304(http, base, path):
    response = http.get(path)
    feed = parsed_feed(response)
    assert feed.entries
    assert next(link.href for link in feed.feed.links if link.rel == "self").startswith(base + "/feeds/")
    assert feed.entries[0].link.startswith(base + "/")
    again = http.get(path, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    dated = http.get(path, headers={"If-Modified-Since": response.headers["last-modified"]})
    assert dated.status_code == 304


def test_a_status_change_shows_up_again_first(http, kb):
    first = parsed_feed(http.get("/feeds/timeline.atom?kind=rule"))
    event_id = int(first.entries[-1].id.rsplit(":", 1)[1])
    with kb.session() as session:  # as the writer records a delay
        event = session.get(Event, event_id)
        assert event is not None
        event.status, event.updated_at = "delayed", utcnow() + timedelta(seconds=5)
        session.add(event)
        session.commit()
    second = parsed_feed(http.get("/feeds/timeline.atom?kind=rule"))
    assert second.entries[0].id == f"{TAG}event:{event_id}"
    assert second.entries[0].updated > first.entries[0].updated


def test_the_calendar_parses_with_stable_uids(http):
    first, second = http.get("/calendar.ics"), http.get("/calendar.ics")
    assert first.status_code == 200 and first.headers["content-type"] == "text/calendar; charset=utf-8"
    uids = [str(e["UID"]) for e in Calendar.from_ical(first.content).walk("VEVENT")]
    assert uids and uids == [str(e["UID"]) for e in Calendar.from_ical(second.content).walk("VEVENT")]
    assert http.get("/calendar.ics", headers={"If-None-Match": first.headers["etag"]}).status_code == 304


def test_json_routes_answer_as_the_pages_queries(http, kb):
    with kb.session() as session:
        found = search(kb.index, session, SearchRequest(query="H20"))
        events = tl.timeline(session, tl.TimelineQuery(kinds=("deadline",)))
    body = http.get("/api/search", params={"q": "H20"}).json()
    assert (body["total"], [h["id"] for h in body["hits"]]) == (found.total, [h.id for h in found.hits])
    body = http.get("/api/timeline", params={"kind": "deadline"}).json()
    assert (body["total"], [e["key"] for e in body["events"]]) == (events.total, [e.key for e in events.events])
    assert http.get("/api/entities/nvidia").json()["name"] == "Nvidia"
    assert set(http.get("/api/openapi.json").json()["paths"]) >= {"/api/search", "/feeds/search.atom"}


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/search?page=x", 400), ("/feeds/search.atom?since=2026-99-01", 400), ("/api/nothing/here", 404)],
)
def test_errors_are_json_never_the_apps_html(http, path, status):
    response = http.get(path)
    assert response.status_code == status and response.headers["content-type"] == "application/json"
    assert response.json()["status"] == status


def test_pages_carry_their_feed_links_and_streamlit_still_works(http, base):
    page = http.get("/entities?id=nvidia")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    head = page.text.split("</head>")[0]
    assert f'type="application/atom+xml" title="Entity: nvidia" href="{base}/feeds/entity/nvidia.atom"' in head
    assert 'id="root"' in page.text  # still Streamlit's page
    assert 'rel="alternate"' not in http.get("/sources").text
    assert 'rel="alternate"' not in http.get("/entities").text
    assert http.get("/_stcore/health").text == "ok"
    assert http.get("/favicon.png").headers["content-type"] == "image/png"


def test_the_websocket_still_connects(base):
    sync_client = pytest.importorskip("websockets.sync.client")
    url = base.replace("http://", "ws://") + "/_stcore/stream"
    with sync_client.connect(url, subprotocols=["streamlit"], origin=base, open_timeout=10) as socket:
        assert socket.subprotocol == "streamlit"
