"""End to end in a real headless Chromium: `streamlit run app.py`, search, open a result, hostile feeds,
follow an entity and read its Atom feed.

Needs Debian's Chromium at /usr/bin/chromium (CI installs it; Playwright's
own browsers are never downloaded) and the playwright package. Without them
the tests skip, unless KB_REQUIRE_BROWSER=1 (set by .ci/run): then they fail.
Screenshots of each page land in test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

import feedparser
import pytest

from kb import settings
from kb.context import open_kb
from kb.pipeline import poll
from kb.store import add_source
from tests.helpers import ROOT, rss

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
REQUIRED = os.environ.get("KB_REQUIRE_BROWSER") == "1"

try:
    from playwright import sync_api
except ImportError:
    sync_api = None

if not CHROMIUM.exists():
    MISSING = "needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)"
elif sync_api is None:
    MISSING = 'needs the playwright package (pip install -e ".[test]")'
else:
    MISSING = ""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(120),
    pytest.mark.skipif(bool(MISSING) and not REQUIRED, reason=MISSING),
]


def _load_screenshots_script():
    spec = importlib.util.spec_from_file_location("kb_screenshots", ROOT / "scripts" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shots = _load_screenshots_script()


@pytest.fixture
def browser():
    if MISSING:
        pytest.fail(f"KB_REQUIRE_BROWSER=1 but the browser test cannot run: {MISSING}")
    with sync_api.sync_playwright() as playwright:
        instance = shots.launch(playwright)
        yield instance
        instance.close()


@pytest.fixture
def watched(browser):
    """A page that records script errors, dialogs and every request it makes."""
    page = browser.new_page(viewport=shots.VIEWPORT)
    page.errors, page.dialogs, page.requests = [], [], []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    page.close()


def search_for(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Search")
    box.fill(text)
    box.press("Enter")
    page.wait_for_url(f"**q={text}**")
    shots.settle(page)


def newest_event_title(home: Path, slug: str) -> str | None:
    """The title of the newest event on an entity's timeline, read from the store the app uses."""
    from kb import timeline as tl

    kb = open_kb(settings.load({"KB_HOME": str(home)}))
    try:
        with kb.session() as session:
            events = tl.timeline(session, tl.TimelineQuery(entities=(slug,), limit=1)).events
    finally:
        kb.engine.dispose()
    return events[0].title if events else None


def follow_an_entity_with_events(page, home: Path) -> tuple[str, str]:
    """Click the first entity link on the page whose entity has events; (slug, newest event title)."""
    links = page.locator('[data-testid="stPageLink"] a[href*="entities?id="]')
    assert links.count() >= 1, "the document links its entities"
    for i in range(links.count()):
        slug = parse_qs(urlsplit(links.nth(i).get_attribute("href")).query)["id"][0]
        title = newest_event_title(home, slug)
        if title:
            links.nth(i).click()
            return slug, title
    raise AssertionError("no entity of this document has events")


def test_search_open_a_result_and_visit_every_page(tmp_path, watched):
    page = watched
    home = tmp_path / "kbhome"
    with shots.serve(home, log=tmp_path / "streamlit.log") as base:
        page.goto(base + "/sources")  # a deep link as the very first request still goes through app.py
        # The first view waits for the app's writer (a child process) to start and load the demo
        # corpus: allow for a busy machine.
        shots.settle(page, "due for a check", timeout=240_000)
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert all(name in nav for name in ("Search", "Timeline", "Entities", "Providers", "Sources")), nav
        assert "document" not in nav.lower(), nav
        page.goto(base + "/")
        shots.settle(page, "bundled demo corpus")  # a fresh KB_HOME loaded the demo on first start
        search_for(page, "H20")
        links = page.locator('[data-testid="stPageLink"] a[href*="document"]')
        assert links.count() >= 3
        shots.shoot(page, ARTIFACTS / "search.png")
        title = links.first.inner_text().strip().splitlines()[-1]  # after the icon's name
        links.first.click()
        page.wait_for_url("**/document?id=*")
        shots.settle(page, "Text")
        assert page.locator("h2").first.inner_text().strip() == title
        shots.shoot(page, ARTIFACTS / "document.png")

        slug, event = follow_an_entity_with_events(page, home)  # in-app link to the Entities page
        page.wait_for_url(f"**/entities?id={slug}")
        shots.settle(page, "Named together with")
        assert page.get_by_role("heading", name="Timeline").first.is_visible()
        assert page.get_by_text(event[:60]).first.is_visible(), f"{slug}'s newest event: {event}"
        shots.shoot(page, ARTIFACTS / "entity.png")

        page.goto(base + "/?q=H20&sort=oldest&page=1")  # a shared link restores the search
        shots.settle(page, "results")
        # On a busy machine the box can be drawn before its restored value lands: wait for it.
        sync_api.expect(page.get_by_role("textbox", name="Search")).to_have_value("H20", timeout=30_000)
        sort = page.locator('[data-testid="stSelectbox"]').filter(has_text="Sort")
        shown = sort.inner_text() + " ".join(i.input_value() for i in sort.locator("input").all())
        assert "Oldest first" in shown, shown
        assert "sort=oldest" in page.url
        for name, path, text in shots.PAGES:
            if name != "entity":  # the entity page was reached by a link above
                page.goto(base + path)
                shots.settle(page, text)
                shots.shoot(page, ARTIFACTS / f"{name}.png")

        with urlopen(base + "/api/health-kb", timeout=5) as response:  # our route on Streamlit's server
            health = json.load(response)
    assert health["status"] == "ok" and health["documents"] > 0 and health["sources"] > 0
    assert not page.errors and not page.dialogs


HOSTILE = (
    '<script>window.__xss=1</script> <img src=x onerror="window.__xss=2"> '
    "[click me](javascript:window.__xss=3) ![x]({pixel}) xsscanary"
)


def write_hostile_feed(path: Path, pixel: str) -> str:
    text = HOSTILE.format(pixel=pixel)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"Hostile feed {html.escape(text)}",
        "items": [
            {
                "id": "hostile-1",
                "url": "javascript:window.__xss=4",
                "title": html.escape(text),
                "content_text": f"{text}\nThe end.",
                "date_published": "2025-01-02T00:00:00Z",
            }
        ],
    }
    path.write_text(json.dumps(feed), encoding="utf-8")
    return text


def subscribe_local(path: Path) -> None:
    kb = open_kb(settings.load())
    with kb.session() as session:
        source = add_source(session, url=path.as_uri(), settings={"local": True}, allow_file=True)
        session.commit()
        source_id = source.id
    summary = poll(kb, [source_id])
    assert summary.new == 1, summary.line()
    kb.reopen_index()
    kb.engine.dispose()


def assert_inert(page, server, pixel: str) -> None:
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert not page.dialogs and not page.errors
    assert server.hits("/pixel.png") == 0 and not any(pixel in url for url in page.requests)
    assert page.locator('a[href^="javascript:"], img[src*="pixel"], img[src="x"]').count() == 0


def open_dropdown(page, testid: str, label: str) -> None:
    """Open a select widget and check that the hostile feed title is among its options, as text."""
    page.locator(f'[data-testid="{testid}"]').filter(has_text=label).first.click()
    options = page.get_by_role("option").filter(has_text="Hostile feed")
    options.first.wait_for(timeout=10_000)
    assert "<script>window.__xss=1</script>" in options.first.inner_text()


def test_a_hostile_feed_item_renders_as_inert_text(tmp_path, kb_env, server, watched):
    page = watched
    pixel = server.add("/pixel.png", b"\x89PNG\r\n\x1a\n", headers={"Content-Type": "image/png"})
    text = write_hostile_feed(tmp_path / "hostile.json", pixel)
    subscribe_local(tmp_path / "hostile.json")
    with shots.serve(kb_env, log=tmp_path / "streamlit.log") as base:
        page.goto(base + "/")
        shots.settle(page)
        search_for(page, "xsscanary")
        result = page.locator('[data-testid="stPageLink"] a[href*="document"]').first
        assert "<script>window.__xss=1</script>" in result.inner_text()
        assert '<img src=x onerror="window.__xss=2">' in result.inner_text()
        shots.shoot(page, ARTIFACTS / "xss-search.png")
        assert_inert(page, server, pixel)
        open_dropdown(page, "stMultiSelect", "Source")  # facet options show the feed's own title
        assert_inert(page, server, pixel)
        page.keyboard.press("Escape")

        result.click()
        page.wait_for_url("**/document?id=*")
        shots.settle(page, "The end.")
        body = page.locator('[data-testid="stText"]').filter(has_text="xsscanary").last
        assert body.inner_text().strip() == f"{text}\nThe end."
        assert page.get_by_text("Open the original").count() == 0  # its link was javascript:
        shots.shoot(page, ARTIFACTS / "xss-document.png")
        assert_inert(page, server, pixel)

        page.goto(base + "/sources")
        shots.settle(page, "due for a check")
        open_dropdown(page, "stSelectbox", "Source")
        shots.shoot(page, ARTIFACTS / "xss-sources.png")
        assert_inert(page, server, pixel)


def add_hostile_event(text: str, javascript: str) -> str:
    """An event about OpenAI whose title, summary, sources and evidence are hostile; its title."""
    from sqlmodel import select

    from kb.models import Document, Event, EventDocument, EventEntity

    kb = open_kb(settings.load())
    title = f"Hostile event {text}"
    with kb.session() as session:
        doc = session.exec(select(Document)).first()
        event = Event(
            key="hostile-event",
            date=doc.published_at.date(),
            kind="retaliation",
            title=title,
            summary=f"Summary {text}",
            origin="extracted",
            confidence=0.5,
            sources=[javascript, "https://example.org/primary"],
        )
        session.add(event)
        session.flush()
        session.add(EventEntity(event_id=event.id, entity_slug="openai", role="actor"))
        session.add(EventDocument(event_id=event.id, document_id=doc.id, sentence=f"Evidence {text}"))
        session.commit()
    kb.engine.dispose()
    return title


def chart_tooltip(page) -> str:
    """Hover over the chart until Vega shows a tooltip; its text."""
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    tooltip = page.locator("#vg-tooltip-element.visible")
    for y in range(int(box["y"]) + 2, int(box["y"] + box["height"]), 4):
        for x in range(int(box["x"] + 100), int(box["x"] + box["width"]), 6):
            page.mouse.move(x, y)
            if tooltip.count():
                return tooltip.inner_text()
    raise AssertionError("no tooltip appeared over the chart")


def test_a_hostile_event_renders_as_inert_text(tmp_path, kb_env, server, watched):
    page = watched
    pixel = server.add("/pixel.png", b"\x89PNG\r\n\x1a\n", headers={"Content-Type": "image/png"})
    text = write_hostile_feed(tmp_path / "hostile.json", pixel)
    subscribe_local(tmp_path / "hostile.json")
    title = add_hostile_event(text, "javascript:window.__xss=5")
    with shots.serve(kb_env, log=tmp_path / "streamlit.log") as base:
        page.goto(base + "/timeline?entity=openai&kind=retaliation")  # only that event
        shots.settle(page, "Hostile event")
        assert page.get_by_text(title).first.is_visible()
        assert page.get_by_role("link", name="example.org/primary").count() == 1
        assert "<script>window.__xss=1</script>" in chart_tooltip(page)
        shots.shoot(page, ARTIFACTS / "xss-timeline.png")
        assert_inert(page, server, pixel)

        page.goto(base + "/entities?id=openai")
        shots.settle(page, "Hostile event")
        assert page.get_by_text(title).first.is_visible()
        assert page.get_by_text(f"Evidence {text}"[:40]).count() >= 1
        shots.shoot(page, ARTIFACTS / "xss-entity.png")
        assert_inert(page, server, pixel)


def poll_loopback_feed(server, *items: tuple[str, str, str]) -> None:
    """Serve a feed with `items` on the loopback server, subscribe to it once, and poll it (the real pipeline)."""
    from sqlmodel import select

    from kb.models import Source

    url = server.add("/nvidia.xml", rss(*items, title="Loopback chip news"))
    kb = open_kb(settings.load())
    try:
        with kb.session() as session:
            source = session.exec(select(Source).where(Source.url == url)).first()
            if source is None:
                source = add_source(session, url=url, allow_private=True)
                session.commit()
            source_id = source.id
        summary = poll(kb, [source_id])
        assert summary.count("failed") == 0 and summary.new >= 1, summary.line()
    finally:
        kb.reopen_index()
        kb.engine.dispose()


def watch_line(page, base: str) -> str:
    """Open the Watches page; the list's line under the entity watch ("Entity · 2 new · seen ...")."""
    page.goto(base + "/watches")
    shots.settle(page, "Entity · ")
    return page.locator('[data-testid="stCaptionContainer"]').filter(has_text="Entity · ").first.inner_text()


def test_follow_an_entity_read_its_feed_and_see_new_items_after_a_poll(tmp_path, kb_env, server, watched):
    page = watched
    poll_loopback_feed(server, ("n1", "Nvidia ships a new chip", "Nvidia said the chip ships in March."))
    with shots.serve(kb_env, log=tmp_path / "streamlit.log") as base:
        shots.follow(page, base + "/entities?id=nvidia", "Named together with")
        shots.settle(page, "Following · 0 new")
        assert page.get_by_role("button").filter(has_text="Unfollow").count() == 1

        page.get_by_role("button").filter(has_text="Feed").first.click()  # the popover with the feed URL
        code = page.locator('[data-testid="stCode"]').filter(has_text="feeds/entity/nvidia.atom").first
        code.wait_for(timeout=10_000)
        feed_url = code.inner_text().strip()
        assert feed_url == base + "/feeds/entity/nvidia.atom", feed_url
        shots.shoot(page, ARTIFACTS / "entity-follow.png")
        page.keyboard.press("Escape")
        with urlopen(feed_url, timeout=10) as response:
            feed = feedparser.parse(response.read(), response_headers=dict(response.headers))
        assert feed.bozo == 0, feed.bozo_exception
        assert any("Nvidia ships a new chip" in e.title for e in feed.entries), [e.title for e in feed.entries]

        line = watch_line(page, base)
        assert "nothing new" in line, line
        poll_loopback_feed(
            server,
            ("n1", "Nvidia ships a new chip", "Nvidia said the chip ships in March."),
            ("n2", "Nvidia opens a second plant", "Nvidia will build more chips."),
            ("n3", "Nvidia licenses arrive", "Nvidia got its export licenses."),
        )
        line = watch_line(page, base)
        assert "2 new" in line, line
        assert "Watches (2)" in page.locator('[data-testid="stSidebarNav"]').inner_text()
        shots.shoot(page, ARTIFACTS / "watches.png")
    assert not page.errors and not page.dialogs
