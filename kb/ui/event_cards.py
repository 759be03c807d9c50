"""How one timeline event looks on the Timeline and Entities pages.

An event shows its date (to the precision it is known), kind, rule status,
jurisdiction and origin; its summary; the entities it touches (links to
their pages); its primary sources (http(s) links only); and its reports
(links to the Document page, each with the sentence that supports the event,
as escaped text). Event titles, summaries and sentences may come from
untrusted reports, so all of them pass through `escape_inline`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from kb.events import KIND_GROUPS, STATUS_LABELS
from kb.timeline import Report, TimelineEvent
from kb.ui.links import entity_links, page_link
from kb.ui.render import escape_inline, kind_label, md_link, safe_url

GROUP_LABELS = {"rule": "Any rule event", "deadline": "Any deadline", "service": "Any service change"}
ORIGIN_LABELS = {
    "curated": "curated",
    "federal_register": "Federal Register",
    "availability_diff": "page watch",
    "extracted": "extracted from reports",
}
STATUS_COLORS = {
    "proposed": "gray",
    "interim_final": "blue",
    "final": "blue",
    "pending_compliance": "green",
    "in_force": "green",
    "delayed": "orange",
    "rescinded": "red",
}
REPORTS_SHOWN = 3  # on the card; the rest in an expander, up to kb.timeline.MAX_REPORTS
REPORT_TITLE = 200  # characters; longer titles are cut, and shown whole in the tooltip (app.css wraps links)


def event_kind_label(kind: str) -> str:
    """A kind, or a group of kinds, as it reads on screen."""
    return GROUP_LABELS.get(kind) or kind_label(kind)


def group_help() -> str:
    return " ".join(
        f"{GROUP_LABELS[g]}: {', '.join(kind_label(k).lower() for k in kinds)}." for g, kinds in KIND_GROUPS.items()
    )


def when(event: TimelineEvent) -> str:
    """The date to the precision it is known: 2025-05-13, 2025-05 or 2025."""
    return event.date.isoformat()[: {"month": 7, "year": 4}.get(event.precision, 10)]


def status_badge(status: str | None) -> str:
    if not status:
        return ""
    label = escape_inline(STATUS_LABELS.get(status, status))
    return f":{STATUS_COLORS.get(status, 'gray')}-badge[{label}]"


def meta_line(event: TimelineEvent) -> str:
    parts = [f"**{when(event)}**", escape_inline(kind_label(event.kind))]
    if event.jurisdiction:
        parts.append(escape_inline(event.jurisdiction))
    origin = ORIGIN_LABELS.get(event.origin, event.origin)
    if event.origin != "curated":
        origin += f", confidence {event.confidence:.2f}"
    parts.append(escape_inline(origin))
    badge = status_badge(event.status)
    return " · ".join(parts) + (f" {badge}" if badge else "")


def source_label(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    label = parts.netloc.removeprefix("www.") + (path if len(path) <= 40 else path[:39] + "…")
    return label or url


def sources_line(urls: list[str]) -> str | None:
    """Markdown links to the event's primary sources; an address that is not http(s) is left out."""
    links = [md_link(source_label(url), url) for url in urls if safe_url(url)]
    if not links:
        return None
    skipped = len(urls) - len(links)
    note = f" ({skipped} non-web address{'es' if skipped > 1 else ''} not shown)" if skipped else ""
    return ":material/link: " + " · ".join(links[:6]) + note


def report_line(report: Report, title: str) -> None:
    page_link(
        "document",
        report.title or "(untitled)",
        {"id": str(report.document_id)},
        icon=":material/article:",
        limit=REPORT_TITLE,
    )
    published = report.published.strftime("%Y-%m-%d") if report.published else "undated"
    said = report.sentence.strip()
    # An event extracted from prose is titled with its sentence: no need to quote it twice.
    sentence = f" · “{escape_inline(said, 400)}”" if said and said != title.strip() else ""
    st.caption(f"{escape_inline(report.source, 80)} · {published}{sentence}")


def reports(event: TimelineEvent) -> None:
    if not event.reports:
        return
    st.markdown(f"**{event.report_count} report{'s' if event.report_count != 1 else ''}**")
    for report in event.reports[:REPORTS_SHOWN]:
        report_line(report, event.title)
    rest = event.reports[REPORTS_SHOWN:]
    if rest:
        with st.expander(
            f"{event.report_count - REPORTS_SHOWN} more report{'s' if event.report_count - REPORTS_SHOWN != 1 else ''}"
        ):
            for report in rest:
                report_line(report, event.title)
            if event.report_count > len(event.reports):
                st.caption(f"The first {len(event.reports)} are listed; the CSV download counts them all.")


def event_card(event: TimelineEvent, *, skip_entity: str | None = None) -> None:
    """One event in a bordered box; `skip_entity` leaves out the entity whose page this is."""
    with st.container(border=True):
        st.markdown(f"{meta_line(event)}  \n**{escape_inline(event.title, 300) or '(untitled)'}**")
        if event.summary and event.summary.strip() != event.title.strip():
            st.markdown(escape_inline(event.summary, 900))
        entity_links([(r.slug, r.name) for r in event.entities if r.slug != skip_entity])
        line = sources_line(event.sources)
        if line:
            st.markdown(line)
        reports(event)
