"""The Sources page's panel for one source: rename it, set its polling interval, list its own
documents, remove it (with its documents or keeping them, after a confirmation).

Removing goes through the writer (`remove_source` request), which deletes the documents and has the
search index drop them in one step, so that search and `kb check` agree afterwards.
"""

from __future__ import annotations

import streamlit as st
from sqlmodel import col, select

from kb.models import Document, Source
from kb.store import rename_source, set_interval
from kb.ui.links import page_link
from kb.ui.render import escape_inline, kind_label
from kb.ui.resources import ask_writer

DOCUMENTS_SHOWN = 20
# Polling intervals offered (seconds); None is KB_POLL_INTERVAL, the default of every source.
INTERVALS: dict[int | None, str] = {
    None: "Default (KB_POLL_INTERVAL)",
    15 * 60: "Every 15 minutes",
    30 * 60: "Every 30 minutes",
    3600: "Every hour",
    3 * 3600: "Every 3 hours",
    6 * 3600: "Every 6 hours",
    12 * 3600: "Every 12 hours",
    86400: "Every day",
    7 * 86400: "Every week",
}


def interval_phrase(seconds: object) -> str:
    """ "every 6 hours", or "at the default interval (KB_POLL_INTERVAL)", inside a sentence."""
    if seconds in INTERVALS and seconds is not None:
        label = INTERVALS[seconds]
        return label[:1].lower() + label[1:]
    return f"every {seconds} seconds" if isinstance(seconds, int) else "at the default interval (KB_POLL_INTERVAL)"


def interval_label(seconds: object) -> str:
    if seconds in INTERVALS:
        return INTERVALS[seconds]
    return f"Every {seconds} seconds" if isinstance(seconds, int) else INTERVALS[None]


def own_documents(kb, source: Source, count: int) -> None:
    """The source's newest documents, with links to their pages."""
    with kb.session() as session:
        docs = session.exec(
            select(Document.id, Document.title, Document.published_at, Document.kind)
            .where(Document.source_id == source.id)
            .order_by(col(Document.published_at).desc(), col(Document.id).desc())
            .limit(DOCUMENTS_SHOWN)
        ).all()
    label = f"Its documents ({count:,})" if count else "Its documents (none yet)"
    with st.expander(label, icon=":material/article:", expanded=bool(count) and count <= 5):
        if not docs:
            st.caption("Nothing from this source is stored yet.")
        for doc_id, title, published, kind in docs:
            page_link("document", title or "(untitled)", {"id": str(doc_id)}, icon=":material/article:", limit=90)
            when = published.strftime("%Y-%m-%d") if published else "undated"
            st.caption(f"{when} · {escape_inline(kind_label(kind))}")
        if count > len(docs):
            st.caption(
                f"The {len(docs)} newest of {count:,}. Search with the Source filter for all of them, "
                f"or `kb search 'source:{source.id}'`."
            )


def manage(kb, source: Source, count: int, queue) -> None:
    """Rename, interval and remove, for a writable app."""
    with st.form(f"manage_{source.id}", border=False), st.container(horizontal=True, vertical_alignment="bottom"):
        st.text_input("Title", value=source.title, key=f"rename_{source.id}", max_chars=300, width=420)
        current = source.settings.get("interval")
        options = list(INTERVALS) + ([current] if current not in INTERVALS else [])
        st.selectbox(
            "Polling interval",
            options,
            index=options.index(current),
            key=f"interval_{source.id}",
            format_func=interval_label,
            width=260,
            help="How often the writer checks this source; a server may ask for longer (Cache-Control, TTL).",
        )
        st.form_submit_button("Save", icon=":material/save:", on_click=queue, args=("save", source.id))
    remove_panel(source, count, queue)


def remove_panel(source: Source, count: int, queue) -> None:
    with st.expander("Remove this source", icon=":material/delete:"):
        choice = st.radio(
            "Its documents",
            ["delete", "keep"],
            key=f"remove_docs_{source.id}",
            format_func=lambda c: (
                f"Delete its {count:,} documents (search and the timeline's reports lose them too)"
                if c == "delete"
                else "Keep its documents (the source is unsubscribed and no longer polled)"
            ),
        )
        sure = st.checkbox(
            f"Yes, remove “{escape_inline(source.title or source.url, 80)}”", key=f"remove_sure_{source.id}"
        )
        st.button(
            "Remove source",
            type="primary",
            icon=":material/delete_forever:",
            disabled=not sure,
            key=f"remove_{source.id}",
            on_click=queue,
            args=("remove_keep" if choice == "keep" else "remove", source.id),
        )


def save(kb, source_id: int) -> None:
    title = st.session_state.get(f"rename_{source_id}", "")
    interval = st.session_state.get(f"interval_{source_id}")
    with kb.session() as session:
        source = rename_source(session, source_id, title)
        set_interval(session, source_id, interval)
        session.commit()
        name = source.title or source.url
    st.success(
        f"Source {source_id} saved: “{escape_inline(name, 120)}”, {interval_phrase(interval)}.",
        icon=":material/check:",
    )


def remove(kb, source_id: int, *, keep_documents: bool) -> None:
    answer = ask_writer(kb, "remove_source", source_id=source_id, keep_documents=keep_documents, wait=120)
    if answer is None or answer.status in ("pending", "running"):
        st.info("The writer is removing the source; the table shows it once done.", icon=":material/sync:")
    elif answer.status == "failed":
        st.error(f"Source {source_id} was not removed: {escape_inline(answer.error, 500)}", icon=":material/error:")
    else:
        text = escape_inline(answer.result, 500)
        st.success(f"{text[:1].upper()}{text[1:]}.", icon=":material/check:")
        st.session_state.pop("source_choice", None)
