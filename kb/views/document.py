"""Document page (`?id=N`): one report, its text with the entities it names highlighted, its source and the events it supports."""

from dataclasses import replace

import streamlit as st

from kb.errors import KBError, NotFound
from kb.events import STATUS_LABELS
from kb.store import copies_of, get_document, get_source
from kb.ui import queries, tables
from kb.ui.event_cards import event_kind_label
from kb.ui.links import entity_links, page_link
from kb.ui.render import escape_inline, highlight_mentions, internal_link, kind_label, md_link, safe_url
from kb.ui.resources import get_kb, page_edge


def requested_id() -> int | None:
    raw = st.query_params.get("id", "")
    return int(raw) if raw.isdigit() else None


def no_document(message: str) -> None:
    st.title("Document")
    st.info(message, icon=":material/article:")
    page_link("search", "Search the knowledge base", icon=":material/search:")


def when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


DATE_SOURCES = {
    "feed": "given by the feed",
    "listing": "given by the site's listing",
    "metadata": "from the page's metadata",
    "url": "read from the address",
    "text": "read from the text",
}
MAX_HIGHLIGHTED = 200_000  # characters: a longer text is shown plain
STATUS_TONES = {"in_force": "green", "pending_compliance": "green", "rescinded": "red", "delayed": "orange"}
ARTICLE_STATES = {"ok": "text read from the page", "pending": "not fetched yet", "failed": "could not be read"}


def source_name(source) -> str:
    return source.title or source.url


def published(doc) -> str:
    """The publication date and where it came from; "undated" when no date is known (the day the
    document was fetched is never shown as its publication date)."""
    if doc.published_at is None:
        return "undated"
    origin = DATE_SOURCES.get(doc.date_source or "")
    return f"{when(doc.published_at)} ({origin})" if origin else when(doc.published_at)


def header(doc, source) -> None:
    st.header(escape_inline(doc.title or "(untitled)", 400))
    day = doc.published_at.strftime("%Y-%m-%d") if doc.published_at else "undated"
    st.caption(
        f"{internal_link(source_name(source), 'sources', {'source': str(source.id)})} · {day} · "
        f"{escape_inline(kind_label(doc.kind))} · fetched {when(doc.fetched_at)} UTC · document {doc.id}"
    )
    original = safe_url(doc.url)
    if original:
        st.link_button("Open the original", original, icon=":material/open_in_new:")
    elif doc.url:
        st.caption("The original address is not a web (http or https) link, so it is not shown as one.")


def facts(doc, source) -> None:
    rows = {
        "Source": source_name(source),
        "Published": published(doc),
        "Updated": when(doc.updated_at),
        "Fetched": when(doc.fetched_at),
        "Kind": kind_label(doc.kind),
        "Language": doc.language,
        "Author": doc.author,
        "Document number": doc.document_number,
        "Original address": doc.url,
        "Article page": _article_state(doc),
    }
    st.subheader("Details")
    shown = [(k, v) for k, v in rows.items() if v and v != "—"]
    tables.show_table((tables.Column("field", "9em"), tables.Column("value")), shown)


def _article_state(doc) -> str | None:
    if doc.article_status is None:
        return None
    state = ARTICLE_STATES.get(doc.article_status, doc.article_status)
    if doc.article_status == "failed":
        state += f" after {doc.article_attempts} attempt{'s' if doc.article_attempts != 1 else ''}: {doc.article_error}"
    return state


def also_at(copies: list, sources: dict[int, str]) -> None:
    """Where else the same story was seen (a syndicated or reposted copy)."""
    if not copies:
        return
    st.subheader("Also at")
    lines = [
        f"- {md_link(c.title or c.url or 'copy', c.url)} · {escape_inline(sources.get(c.source_id, ''), 120)}"
        for c in copies
    ]
    st.markdown("\n".join(lines))


def body(doc, spans: list[tuple[int, int]]) -> None:
    summary = " ".join(doc.summary.split()).rstrip(" .…")
    if summary and not " ".join(doc.body.split()).startswith(summary):  # often the body's first words again
        st.subheader("Summary")
        st.text(doc.summary)
    st.subheader("Text")
    if not doc.body:
        st.caption("This document has no text.")
        return
    if spans:
        st.caption("The entities it names are highlighted.")
    with st.container(border=True):
        if spans:  # escaped Markdown: the text shows literally, the mentions highlighted
            st.markdown(highlight_mentions(doc.body, spans))
        else:
            st.text(doc.body)


def mention_spans(kb, text: str) -> list[tuple[int, int]]:
    """Where the text names entities of the registry (the linker that linked the document)."""
    if not text or len(text) > MAX_HIGHLIGHTED:
        return []
    try:
        return [(m.start, m.end) for m in kb.linker.find(text)]
    except KBError:  # a broken registry must not break the page: the text is shown plain
        return []


def entities(linked: list[tuple[str, str, int]]) -> None:
    st.subheader("Entities")
    if linked:
        entity_links([(slug, f"{name} ({count})") for slug, name, count in linked])
    else:
        st.caption("No entities are linked to this document yet.")


EVENT_COLUMNS = (
    tables.Column("date", "6.5em", nowrap=True),
    tables.Column("kind", "15%"),
    tables.Column("event", "40%"),
    tables.Column("status", "12%"),
    tables.Column("supporting sentence"),
)


def events(supported: list[dict]) -> None:
    """The events the document is evidence for: kinds in words, each title a link to its timeline
    entry, and the sentence that supports it (left out where it is the event's title already)."""
    if not supported:
        return
    st.subheader("Events it supports")
    rows = [
        [
            e["date"].isoformat(),
            event_kind_label(e["kind"]),
            tables.Link(e["event"], page="timeline", params=(("event", str(e["id"])),)),
            tables.Badge(STATUS_LABELS.get(e["status"], e["status"]), STATUS_TONES.get(e["status"], "gray"))
            if e["status"]
            else None,
            e["supporting sentence"] if (e["supporting sentence"] or "").strip() != e["event"].strip() else "",
        ]
        for e in supported
    ]
    keep = [i for i, column in enumerate(EVENT_COLUMNS) if i < 3 or any(row[i] for row in rows)]
    columns = [EVENT_COLUMNS[i] for i in keep]
    columns[-1] = replace(columns[-1], width="")  # the last column takes the room the others leave
    tables.show_table(columns, [[row[i] for i in keep] for row in rows])


def structured(doc) -> None:
    if doc.fields:
        with st.expander("Structured fields"):
            st.json(doc.fields, expanded=True)


def main() -> None:
    doc_id = requested_id()
    if doc_id is None:
        no_document("Open a document from the search results; its address ends in `?id=` and a number.")
        return
    kb = get_kb()
    with kb.session() as session:
        try:
            doc = get_document(session, doc_id)
        except NotFound:
            no_document(f"There is no document {doc_id}. It may have been removed, or the link is wrong.")
            return
        source = get_source(session, doc.source_id)
        copies = copies_of(session, [doc_id]).get(doc_id, [])
        copy_sources = {c.source_id: source_name(get_source(session, c.source_id)) for c in copies}
        linked = queries.document_entities(session, doc_id)
        supported = queries.document_events(session, doc_id)
    header(doc, source)
    text, side = st.columns([3, 2], gap="large")
    with text:
        body(doc, mention_spans(kb, doc.body))
        events(supported)
    with side:
        facts(doc, source)
        also_at(copies, copy_sources)
        entities(linked)
        structured(doc)


with page_edge():
    main()
