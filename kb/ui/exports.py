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
from collections.abc import Callable
from datetime import date

from kb import timeline as tl
from kb.csv_safe import safe_cell
from kb.search import SearchResult

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


def timeline_events(kb, query: tl.TimelineQuery, what: str) -> Callable[[], bytes]:
    """A download of every event matching `query` (up to kb.timeline.EXPORT_LIMIT): "csv",
    or "ics" for the deadlines among them."""
    query = query.checked()

    def build() -> bytes:
        with kb.session() as session:
            events = tl.all_events(session, query)
        return tl.events_csv(events).encode("utf-8-sig") if what == "csv" else tl.deadlines_ics(events)

    return build


def upcoming_deadlines(kb, after: date, entities: tuple[str, ...], jurisdiction: str | None) -> Callable[[], bytes]:
    """A download of the deadlines on or after `after` as iCalendar (rescinded rules' left out)."""

    def build() -> bytes:
        with kb.session() as session:
            events = tl.upcoming_deadlines(session, after, entities=entities, jurisdiction=jurisdiction, limit=1000)
        return tl.deadlines_ics(events, name=f"AI policy deadlines from {after.isoformat()}")

    return build


def rules_csv(states: list[tl.RuleState]) -> bytes:
    return tl.rules_csv(states).encode("utf-8-sig")  # the BOM makes Excel read UTF-8
