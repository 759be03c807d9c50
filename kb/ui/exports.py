"""Downloads: the current search results (JSON as the CLI's `--json`, CSV), and the timeline's.

The timeline's downloads are `kb.timeline`'s exports (as `kb timeline --csv
/ --ics`). They can cover thousands of events, so the pages pass
`st.download_button` a callable made here: Streamlit runs it only when the
button is clicked, on its own thread, which opens its own session.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from urllib.parse import urlsplit

from kb import timeline as tl
from kb.csv_safe import safe_cell
from kb.search import SearchRequest, SearchResult

CSV_COLUMNS = ("id", "title", "published", "kind", "source_id", "source_title", "url", "entities", "snippet", "score")


def result_json(result: SearchResult) -> bytes:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False).encode("utf-8")


def result_csv(result: SearchResult) -> bytes:
    """One row per hit; cells that a spreadsheet would run as formulas are quoted with a '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for hit in result.to_dict()["hits"]:
        row = dict(hit, entities="; ".join(hit["entities"]), snippet=" ".join(hit["snippet"].split()))
        writer.writerow([safe_cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


EXPORT_CAP = 10_000  # results in a search download; the file name and the button say so
EXPORT_PAGE = 500  # hits read from the index and the database at a time


def export_file_name(total: int, fmt: str) -> str:
    """search-results.csv, or search-results-first-10000.csv when the cap cut the results short."""
    capped = f"-first-{EXPORT_CAP}" if total > EXPORT_CAP else ""
    return f"search-results{capped}.{fmt}"


def search_pages(run: Callable[[SearchRequest], SearchResult], request: SearchRequest) -> Iterator[SearchResult]:
    """Every result of `request` up to EXPORT_CAP, as successive pages (`run` answers one request)."""
    page, seen = 1, 0
    while seen < EXPORT_CAP:
        result = run(replace(request, page=page, per_page=EXPORT_PAGE, facets=False))
        hits = result.hits[: EXPORT_CAP - seen]
        if not hits:
            return
        seen += len(hits)
        yield replace(result, hits=hits)
        if page >= result.pages:
            return
        page += 1


def stream_csv(pages: Iterator[SearchResult]) -> Iterator[bytes]:
    """The rows of every page as CSV (BOM and header first), one chunk per page."""
    yield b"\xef\xbb\xbf"  # the BOM makes Excel read UTF-8
    first = True
    for result in pages:
        yield _csv_rows(result, header=first).encode("utf-8")
        first = False
    if first:
        yield _csv_rows(None, header=True).encode("utf-8")


def stream_json(pages: Iterator[SearchResult]) -> Iterator[bytes]:
    """{"query", "total", "cap", "hits": [...]} written hit by hit, as `kb search --json` names the fields."""
    started = False
    for result in pages:
        data = result.to_dict()
        for hit in data["hits"]:
            if not started:
                head = {"query": data["query"], "total": data["total"], "cap": EXPORT_CAP, "note": data["note"]}
                yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "hits": [\n').encode("utf-8")
                started = True
            else:
                yield b",\n"
            yield json.dumps(hit, ensure_ascii=False).encode("utf-8")
    if not started:
        yield json.dumps({"total": 0, "cap": EXPORT_CAP, "hits": []}).encode("utf-8")
        return
    yield b"\n]}\n"


def _csv_rows(result: SearchResult | None, *, header: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(CSV_COLUMNS)
    for hit in result.to_dict()["hits"] if result else []:
        row = dict(hit, entities="; ".join(hit["entities"]), snippet=" ".join(hit["snippet"].split()))
        writer.writerow([safe_cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def timeline_events(kb, query: tl.TimelineQuery, what: str, base_url: str = "") -> Callable[[], bytes]:
    """A download of every event matching `query` (up to kb.timeline.EXPORT_LIMIT): "csv",
    or "ics" for the deadlines among them (`calendar_file`)."""
    query = query.checked()

    def build() -> bytes:
        with kb.session() as session:
            events = tl.all_events(session, query)
            if what == "csv":
                return tl.events_csv(events).encode("utf-8-sig")
            return calendar_file(session, events, "AI policy deadlines", base_url)

    return build


def upcoming_deadlines(
    kb, after: date, entities: tuple[str, ...], jurisdiction: str | None, base_url: str = ""
) -> Callable[[], bytes]:
    """A download of the deadlines on or after `after` as iCalendar (rescinded rules' left out)."""

    def build() -> bytes:
        with kb.session() as session:
            events = tl.upcoming_deadlines(session, after, entities=entities, jurisdiction=jurisdiction, limit=1000)
            return calendar_file(session, events, f"AI policy deadlines from {after.isoformat()}", base_url)

    return build


def calendar_file(session, events: list[tl.TimelineEvent], name: str, base_url: str) -> bytes:
    """The deadlines among `events` as the subscribed calendar has them (kb/feeds_out.py): short
    titles ("Comments due: AI Diffusion rule"), the event's page in the app as URL, and its primary
    sources in the description. `base_url` is the app's root as the browser reached it."""
    from kb.events import DEADLINE_KINDS
    from kb.feeds_out import CalendarInfo, deadlines_calendar
    from kb.ui.queries import entity_names

    deadlines = [e for e in events if e.kind in DEADLINE_KINDS]
    rule_names = entity_names(session, sorted({e.rule for e in deadlines if e.rule}))
    info = CalendarInfo(name=name, description="Deadlines from the AI policy knowledge base", path="calendar.ics")
    return deadlines_calendar(info, deadlines, rule_names, base_url)


def app_base_url() -> str:
    """The app's root URL as the browser reached it ("http://host:8501/"), for absolute links in files."""
    import streamlit as st

    try:
        parts = urlsplit(st.context.url or "")
    except Exception:  # no browser session (AppTest): links stay relative
        return ""
    if not parts.scheme or not parts.netloc:
        return ""
    prefix = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{parts.scheme}://{parts.netloc}/" + (f"{prefix}/" if prefix else "")


def rules_csv(states: list[tl.RuleState]) -> bytes:
    return tl.rules_csv(states).encode("utf-8-sig")  # the BOM makes Excel read UTF-8
