"""State in the URL and the notes of a bad link (AppTest), and the search exports with every result
of the query (the app's /export routes, in process)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from kb.models import Document, Source
from kb.search import SearchRequest, search
from kb.ui import exports
from kb.ui.charts import tick_plan
from tests.routes_client import routes_client
from tests.test_ui_pages import app, assert_clean, needs_demo, plain


def warnings(at) -> str:
    return " ".join(plain(w.value) for w in at.warning)


@needs_demo
def test_the_timeline_tab_is_in_the_url_and_survives_a_reload(demo_kb):
    at = app("kb/views/timeline.py", tab="as_of")
    assert_clean(at)
    assert at.session_state["tl_tabs"] == "As of a date" and at.query_params["tab"] == "as_of"
    reloaded = app("kb/views/timeline.py", **dict(at.query_params.items()))
    assert reloaded.session_state["tl_tabs"] == "As of a date"
    at = app("kb/views/timeline.py", as_of="2025-03-01")  # an older link: the as-of date opens its tab
    assert at.session_state["tl_tabs"] == "As of a date"
    at = app("kb/views/timeline.py")
    assert at.session_state["tl_tabs"] == "Events" and "tab" not in at.query_params


@needs_demo
def test_the_page_number_survives_a_reload(demo_kb):
    at = app("kb/views/timeline.py", page="2")
    assert_clean(at)
    assert at.query_params["page"] == "2" and any("page 2 of" in m.value for m in at.markdown)
    at = app("kb/views/search.py", q="china", page="2")
    assert at.query_params["page"] == "2" and any("page 2 of" in m.value for m in at.markdown)


@needs_demo
@pytest.mark.parametrize(
    "page, params, note",
    [
        ("timeline", {"since": "2026-99-01"}, "“2026-99-01” is not a date"),
        ("search", {"q": "H20", "since": "2026-99-01"}, "“2026-99-01” is not a date"),
        ("timeline", {"page": "90"}, "page 90 is past the last page"),
        ("timeline", {"page": "two"}, "page “two” is not a page number"),
        ("search", {"q": "H20", "page": "400"}, "page 400 is past the last page"),
        ("search", {"q": "H20", "sort": "loudest"}, "“loudest” is not a known sort"),
        ("timeline", {"tab": "nowhere"}, "“nowhere” is not a known tab"),
        ("search", {"q": "(H20 OR"}, "an opening bracket “(” is not closed"),
        ("search", {"q": 'H20 "export'}, "a quotation mark is not closed"),
    ],
)
def test_a_bad_link_gets_a_visible_note(demo_kb, page, params, note):
    at = app(f"kb/views/{page}.py", **params)
    assert_clean(at)
    assert note.lower() in warnings(at), warnings(at)


@needs_demo
def test_an_unbalanced_query_still_finds_its_words(demo_kb):
    at = app("kb/views/search.py", q="(H20 OR")
    assert any("results" in m.value for m in at.markdown)
    assert any(
        m.value.startswith("**") and "result" in m.value and not m.value.startswith("**0**") for m in at.markdown
    )


@needs_demo
def test_a_linked_event_opens_on_top_of_the_timeline(demo_kb):
    with demo_kb.session() as session:
        from kb.models import Event

        event = session.exec(Event.__table__.select().limit(1)).first()
    at = app("kb/views/timeline.py", event=str(event.id))
    assert_clean(at)
    assert any("The event this link opened" in c.value for c in at.caption)
    at = app("kb/views/timeline.py", event="999999")
    assert "there is no event" in warnings(at)


@needs_demo
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_search_export_carries_every_result(demo_kb, fmt):
    with demo_kb.session() as session:
        total = search(demo_kb.index, session, SearchRequest(query="china")).total
    assert total > 20, "more than one page of results"
    with routes_client() as client:
        response = client.get(f"/export/search.{fmt}", params={"q": "china", "sort": "date"})
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == f'attachment; filename="search-results.{fmt}"'
    assert int(response.headers["x-result-total"]) == total
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        ids = [r["id"] for r in rows]
    else:
        data = json.loads(response.content)
        assert data["total"] == total and data["cap"] == exports.EXPORT_CAP
        ids = [str(h["id"]) for h in data["hits"]]
    assert len(ids) == total == len(set(ids))


def test_the_export_cap_is_in_the_file_name_and_stops_the_rows(kb, monkeypatch):
    with kb.session() as session:
        source = Source(url="https://example.org/feed", title="Many")
        session.add(source)
        session.flush()
        session.add_all(
            Document(source_id=source.id, key=f"k{i}", title=f"Chip story {i}", body="chips") for i in range(30)
        )
        session.commit()
    from kb import pending

    pending.rebuild(kb)
    monkeypatch.setattr(exports, "EXPORT_CAP", 25)
    monkeypatch.setattr(exports, "EXPORT_PAGE", 10)
    with routes_client() as client:
        response = client.get("/export/search.csv", params={"q": "chips"})
        empty = client.get("/export/search.json", params={"q": "nothingmatchesthis"})
    assert 'filename="search-results-first-25.csv"' in response.headers["content-disposition"]
    assert len(list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))) == 25
    assert json.loads(empty.content) == {"total": 0, "cap": 25, "hits": []}


@pytest.mark.parametrize(
    "first, last",
    [
        (date(2025, 1, 1), date(2025, 1, 9)),
        (date(2025, 1, 1), date(2025, 3, 20)),
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2024, 6, 1), date(2026, 9, 1)),
        (date(1998, 1, 1), date(2026, 9, 1)),
    ],
)
def test_time_axis_labels_do_not_repeat(first, last):
    """One tick per interval step, labelled in a format as fine as the interval: no label twice."""
    import pandas as pd

    interval, step, fmt = tick_plan(first, last)
    freq = {"day": f"{step}D", "week": f"{step}W", "month": f"{step}MS", "year": f"{step}YS"}[interval]
    labels = [t.strftime(fmt) for t in pd.date_range(first, last, freq=freq)]
    assert 2 <= len(labels) <= 14 and len(labels) == len(set(labels)), (interval, step, labels)


def test_every_event_kind_keeps_its_colour_whatever_is_shown():
    from kb.ui.charts import events_chart

    def colour_of(points, kind_label):
        scale = events_chart(points).to_dict()["encoding"]["color"]["scale"]
        return dict(zip(scale["domain"], scale["range"], strict=True))[kind_label]

    one = [{"date": date(2025, 1, 2), "kind": "statement", "title": "a"}]
    two = [*one, {"date": date(2025, 2, 2), "kind": "rule_published", "title": "b"}]
    assert colour_of(one, "Statement") == colour_of(two, "Statement")
    assert colour_of(two, "Rule published") != colour_of(two, "Statement")


@needs_demo
def test_calendar_downloads_have_short_titles_and_link_the_event_and_its_source(demo_kb):
    from icalendar import Calendar

    from kb import timeline as tl

    ics = exports.timeline_events(demo_kb, tl.TimelineQuery(kinds=("deadline",)), "ics", "http://kb.example/")()
    entries = Calendar.from_ical(ics).walk("VEVENT")
    assert entries
    for entry in entries:
        assert len(str(entry["SUMMARY"])) <= 80
        assert str(entry["URL"]).startswith("http://kb.example/timeline?since=") and "&event=" in str(entry["URL"])
    assert any("Primary source: http" in str(e["DESCRIPTION"]) for e in entries)
    upcoming = exports.upcoming_deadlines(demo_kb, date(2020, 1, 1), (), None, "http://kb.example/")()
    assert all("&event=" in str(e["URL"]) for e in Calendar.from_ical(upcoming).walk("VEVENT"))


@needs_demo
@pytest.mark.parametrize("typed, expected", [("nvdia", "nvidia"), ("open-ai", "openai"), ("huawey", "huawei")])
def test_a_mistyped_entity_suggests_the_closest_names(demo_kb, typed, expected):
    from tests.test_ui_pages import shown

    at = app("kb/views/entities.py", id=typed)
    assert_clean(at)
    assert "did you mean one of these" in warnings(at)
    assert f"(entities?id={expected})" in shown(at)
