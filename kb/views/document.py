"""Document page (`?id=N`): one report as plain text, its entities and the events it supports."""

import streamlit as st

from kb.errors import NotFound
from kb.store import get_document, get_source
from kb.ui import queries
from kb.ui.links import entity_links, page_link
from kb.ui.render import escape_inline, kind_label, safe_url
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


def header(doc, source) -> None:
    st.header(escape_inline(doc.title or "(untitled)", 400))
    st.caption(
        f"{escape_inline(source.title or source.url, 160)} · {when(doc.published_at)[:10]} · "
        f"{escape_inline(kind_label(doc.kind))} · document {doc.id}"
    )
    original = safe_url(doc.url)
    if original:
        st.link_button("Open the original", original, icon=":material/open_in_new:")
    elif doc.url:
        st.caption("The original address is not a web (http or https) link, so it is not shown as one.")


def facts(doc) -> None:
    rows = {
        "Published": when(doc.published_at),
        "Updated": when(doc.updated_at),
        "Fetched": when(doc.fetched_at),
        "Kind": kind_label(doc.kind),
        "Language": doc.language,
        "Author": doc.author,
        "Document number": doc.document_number,
        "Original address": doc.url,
    }
    st.subheader("Details")
    st.dataframe(
        [{"field": k, "value": v} for k, v in rows.items() if v and v != "—"], hide_index=True, width="stretch"
    )


def body(doc) -> None:
    summary = " ".join(doc.summary.split()).rstrip(" .…")
    if summary and not " ".join(doc.body.split()).startswith(summary):  # often the body's first words again
        st.subheader("Summary")
        st.text(doc.summary)
    st.subheader("Text")
    if doc.body:
        with st.container(border=True):
            st.text(doc.body)
    else:
        st.caption("This document has no text.")


def entities(linked: list[tuple[str, str, int]]) -> None:
    st.subheader("Entities")
    if linked:
        entity_links([(slug, f"{name} ({count})") for slug, name, count in linked])
    else:
        st.caption("No entities are linked to this document yet.")


def events(supported: list[dict]) -> None:
    if supported:
        st.subheader("Events it supports")
        st.dataframe(
            supported,
            hide_index=True,
            width="stretch",
            column_config={"event": st.column_config.TextColumn(width="large")},
        )


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
        linked = queries.document_entities(session, doc_id)
        supported = queries.document_events(session, doc_id)
    header(doc, source)
    text, side = st.columns([3, 2], gap="large")
    with text:
        body(doc)
        events(supported)
    with side:
        facts(doc)
        entities(linked)
        structured(doc)


with page_edge():
    main()
