"""Following from the app: Follow on the Search, Entity and Timeline pages, their feed URLs, and the Watches page.

Each page file runs on its own under AppTest (see tests/test_ui_pages.py);
there is no browser, so `st.context.url` is unknown and feed URLs are shown
relative to the app's root.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import streamlit as st
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from kb import watches
from kb.models import Event, EventEntity, Watch, utcnow
from kb.pipeline import poll
from kb.store import add_source
from kb.ui import follow, router
from tests.helpers import rss
from tests.test_ui_pages import app, page_links

SEARCH, ENTITIES, TIMELINE, WATCHES = (f"kb/views/{name}.py" for name in ("search", "entities", "timeline", "watches"))
HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> ![x](http://127.0.0.1:9/p.png) [y](javascript:z)"


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert "Something went wrong" not in markup(at)


def markup(at: AppTest) -> str:
    """Every Markdown string the page drew (titles, text, captions, notes, links)."""
    kinds = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")
    return "\n".join(str(el.value) for kind in kinds for el in getattr(at, kind))


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, (label, [b.label for b in at.button])
    return found[0]


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def links(at: AppTest) -> list[str]:
    """Every link the page drew, as Markdown: its page links and the links in its text."""
    return page_links(at) + re.findall(r"\[[^\]]*\]\([^)]*\)", markup(at))


def all_watches(kb) -> list[Watch]:
    with kb.session() as session:
        return watches.all_watches(session)


@pytest.fixture(autouse=True)
def fresh_caches():
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


# ---- Follow on the three pages -----------------------------------------------------------

FOLLOWS = [
    (SEARCH, {"q": "H20", "kind": "news", "sort": "oldest"}, "search", "H20", {"kind": ["news"]}),
    (SEARCH, {}, "search", "", {}),  # everything: a feed of every new document
    (ENTITIES, {"id": "nvidia"}, "entity", "", {"id": ["nvidia"]}),
    (TIMELINE, {"kind": "rule", "jurisdiction": "US"}, "timeline", "", {"kind": ["rule"], "jurisdiction": ["US"]}),
]


@pytest.mark.parametrize(("page", "params", "kind", "query", "filters"), FOLLOWS)
def test_follow_makes_one_watch_of_the_page_and_unfollow_removes_it(demo_kb, page, params, kind, query, filters):
    at = app(page, **params)
    assert_clean(at)
    feed = watches.feed_path_for(kind, watches.clean_params(kind, params))
    assert feed in [c.value for c in at.code], "the page's feed URL, in a code block with a copy button"
    assert f"[Atom feed]({feed})" in markup(at)
    if kind == "timeline":
        assert "calendar.ics?jurisdiction=US" in [c.value for c in at.code], "the calendar holds deadlines only"
    assert "Unfollow" not in labels(at)
    button(at, "Follow").click().run()
    assert_clean(at)
    [watch] = all_watches(demo_kb)
    assert (watch.kind, watch.query, watch.filters) == (kind, query, filters)
    assert "Follow" not in labels(at), "a followed page offers Unfollow instead"
    assert f"[Following · 0 new](watches?id={watch.id})" in markup(at)

    at = app(page, **params)  # a new session finds the same watch
    assert "Follow" not in labels(at)
    button(at, "Unfollow").click().run()
    assert_clean(at)
    assert all_watches(demo_kb) == []
    assert "Follow" in labels(at)


def test_following_twice_from_two_sessions_keeps_one_watch(demo_kb):
    first, second = app(SEARCH, q="H20"), app(SEARCH, q="H20")
    button(first, "Follow").click().run()
    button(second, "Follow").click().run()  # drawn before the first click: still offers Follow
    assert_clean(second)
    assert len(all_watches(demo_kb)) == 1 and "Unfollow" in labels(second)


def test_the_feed_url_is_absolute_under_the_apps_root():
    assert follow.root_of("http://127.0.0.1:8501/entities") == "http://127.0.0.1:8501"
    assert follow.root_of("https://kb.example.org/base/timeline/") == "https://kb.example.org/base"
    assert follow.root_of("https://kb.example.org/base") == "https://kb.example.org/base"  # the Search page
    assert follow.root_of("http://localhost:8501") == "http://localhost:8501"
    assert follow.root_of("javascript:alert(1)//x") is None and follow.root_of(None) is None


def test_the_calendar_url_keeps_a_kind_filter_of_deadlines_only():
    assert (
        follow.calendar_path({"kind": ["deadline"], "entity": ["nvidia"]}) == "calendar.ics?entity=nvidia&kind=deadline"
    )
    assert follow.calendar_path({"kind": ["deadline", "rule"], "status": ["final"]}) == "calendar.ics"


def test_read_only_pages_show_the_feed_but_no_follow(demo_kb, monkeypatch):
    monkeypatch.setenv("KB_READ_ONLY", "1")
    at = app(ENTITIES, id="nvidia")
    assert_clean(at)
    assert "Follow" not in labels(at) and "feeds/entity/nvidia.atom" in [c.value for c in at.code]


# ---- the Watches page ---------------------------------------------------------------------


def poll_local_feed(kb, tmp_path: Path, *items: tuple[str, str, str]) -> None:
    """A new local feed with `items`, polled through the real pipeline (new documents, later fetched_at)."""
    feed = tmp_path / "new.xml"
    feed.write_text(rss(*items, title="New reports"), encoding="utf-8")
    with kb.session() as session:
        source = add_source(session, url=feed.as_uri(), settings={"local": True}, allow_file=True)
        session.commit()
        source_id = source.id
    summary = poll(kb, [source_id])
    assert summary.new == len(items), summary.line()
    kb.reopen_index()


def watch_caption(at: AppTest, watch: Watch) -> str:
    """The list's caption line under `watch` (the list is in the order of the watches' ids)."""
    captions = [c.value for c in at.caption if " · seen " in c.value]
    ids = [int(link.rsplit("=", 1)[1].rstrip(")")) for link in links(at) if "(watches?id=" in link]
    assert len(ids) == len(captions), (links(at), captions)
    return captions[ids.index(watch.id)]


def test_the_watches_page_counts_new_items_until_marked_as_seen(demo_kb, tmp_path):
    with demo_kb.session() as session:
        entity = watches.add(session, "entity", {"id": "nvidia"})
        search = watches.add(session, "search", {"q": "zebrafish"})
        timeline = watches.add(session, "timeline", {"entity": ["openai"]})
    at = app(WATCHES)
    assert_clean(at)
    assert all("nothing new" in watch_caption(at, w) for w in (entity, search, timeline))

    poll_local_feed(
        demo_kb,
        tmp_path,
        ("n1", "Nvidia ships a new chip", "Nvidia said the chip ships in March."),
        ("n2", "Nvidia and zebrafish", "A zebrafish study used Nvidia GPUs."),
    )
    with demo_kb.session() as session:  # an event about OpenAI changes (a new status, say)
        event = session.exec(
            select(Event).join(EventEntity).where(EventEntity.entity_slug == "openai").order_by(Event.id)
        ).first()
        event.updated_at = utcnow() + timedelta(seconds=1)
        session.add(event)
        session.commit()
    at = app(WATCHES)
    assert_clean(at)
    assert "**2 new**" in watch_caption(at, entity)
    assert "**1 new**" in watch_caption(at, search)
    assert "**1 new**" in watch_caption(at, timeline)
    assert router.watches_title() == "Watches (4)"

    at = app(WATCHES, id=str(entity.id))
    assert_clean(at)
    shown = markup(at)
    assert "**2 new** since" in shown
    assert "[Nvidia ships a new chip](document?id=" in shown
    assert "[source](https://example.org/n1)" in shown
    assert watches.feed_path(entity) in [c.value for c in at.code]
    button(at, "Mark as seen").click().run()
    assert_clean(at)
    assert "nothing new" in watch_caption(at, entity) and "**1 new**" in watch_caption(at, search)
    assert "Nothing new since" in markup(at) and button(at, "Mark as seen").disabled
    assert router.watches_title() == "Watches (2)"


def test_a_hostile_watch_name_and_item_title_render_as_inert_text(demo_kb, tmp_path):
    with demo_kb.session() as session:
        watch = watches.add(session, "search", {"q": "xsscanary"}, name=HOSTILE)
    poll_local_feed(demo_kb, tmp_path, ("h1", f"xsscanary {HOSTILE}".replace("<", "&lt;"), "xsscanary"))
    at = app(WATCHES, id=str(watch.id))
    assert_clean(at)
    shown = markup(at) + "\n" + "\n".join(page_links(at))  # the list's links carry the watch's name
    assert "onerror" in shown and "xsscanary" in shown and "**1 new**" in shown
    assert "<" not in shown.replace("\\<", "")
    assert "![" not in shown.replace("\\!\\[", "") and "](javascript" not in shown.replace("\\]\\(", "")


def test_settings_are_checked_saved_and_their_failure_shown(demo_kb):
    with demo_kb.session() as session:
        watch = watches.add(session, "entity", {"id": "nvidia"})
        watch.alert_error, watch.alert_failures = "HTTP 500 from <b>hook</b>", 3
        session.add(watch)
        session.commit()
    at = app(WATCHES, id=str(watch.id))
    assert any("3 failed runs in a row" in w.value and "\\<b\\>" in w.value for w in at.warning)
    at.text_input[1].input("javascript:alert(1)")
    button(at, "Save").click().run()
    assert any("webhook must be an http" in e.value for e in at.error), markup(at)
    with demo_kb.session() as session:
        assert session.get(Watch, watch.id).notify == {}

    at.text_input[0].input("Chips")
    at.text_input[1].input("https://example.org/hook")
    at.text_area[0].input("a@example.org, b@example.org")
    button(at, "Save").click().run()
    assert_clean(at)
    with demo_kb.session() as session:
        saved = session.get(Watch, watch.id)
    assert saved.name == "Chips" and saved.notify == {
        "webhook": "https://example.org/hook",
        "email": ["a@example.org", "b@example.org"],
    }
    assert (saved.alert_error, saved.alert_failures) == (None, 0), "a new target starts without past failures"
    assert "alerts by webhook and 2 e-mail addresses" in markup(at)


def test_remove_closes_the_watch(demo_kb):
    with demo_kb.session() as session:
        watch = watches.add(session, "entity", {"id": "nvidia"})
    at = app(WATCHES, id=str(watch.id))
    button(at, "Remove this watch").click().run()
    assert_clean(at)
    assert all_watches(demo_kb) == [] and "id" not in at.query_params
    assert at.info and "Nothing is followed yet" in at.info[0].value


def test_the_watches_page_on_an_empty_store(kb):
    at = app(WATCHES, id="42")
    assert_clean(at)
    assert "Nothing is followed yet" in at.info[0].value


def test_the_watches_page_for_a_missing_watch(demo_kb):
    with demo_kb.session() as session:
        watches.add(session, "entity", {"id": "nvidia"})
    at = app(WATCHES, id="42")
    assert_clean(at)
    assert any("no watch 42" in w.value for w in at.warning)
