"""The Sources page's OPML panel: import a feed reader's subscription list, download ours.

An upload is shown as a plan (new, duplicate, skipped, one row per feed)
before anything is written; the import button plans again from the same
bytes and adds the new feeds in one transaction. Source rows are
configuration, which the app may write; documents stay the writer's.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from kb.errors import UserInputError
from kb.opml import ImportPlan, apply_import, export_opml, left_out_note, plan_import
from kb.ui.render import escape_inline
from kb.ui.resources import sentence


def show(kb, *, writable: bool, total: int, on_import: Callable[[], None]) -> None:
    """The panel; `on_import` is the page's callback that queues `import_upload` for its next run."""
    with st.expander("Import or export OPML", icon=":material/swap_vert:", expanded=total == 0 and writable):
        st.caption(
            "OPML is the subscription list feed readers import and export (Miniflux, FreshRSS, "
            "NetNewsWire...). From a shell: `kb sources import-opml FILE`, `kb sources export-opml`."
        )
        if writable:
            upload(kb, on_import)
        if total:
            download(kb)


def upload_key() -> str:
    """The uploader's key: a new one after each import, so that the uploader comes back empty."""
    return f"opml_upload_{st.session_state.get('opml_round', 0)}"


def upload(kb, on_import: Callable[[], None]) -> None:
    file = st.file_uploader("Import OPML", type=["opml", "xml"], key=upload_key())
    if file is None:
        return
    try:
        with kb.session() as session:
            plan = plan_import(session, file.getvalue(), allow_private=kb.config.allow_private_addresses)
    except UserInputError as exc:
        st.error(sentence(exc), icon=":material/error:")
        return
    show_plan(plan)
    if plan.new:
        plural = "s" if len(plan.new) != 1 else ""
        st.button(f"Import {len(plan.new)} feed{plural}", type="primary", icon=":material/add:", on_click=on_import)


def show_plan(plan: ImportPlan) -> None:
    """The counts, then one row per feed of the file (a table shows text as it is: no Markdown, no HTML)."""
    counts = f"**{len(plan.new)}** new · **{len(plan.duplicates)}** duplicates · **{len(plan.skipped)}** skipped"
    title = f" in “{escape_inline(plan.title, 120)}”" if plan.title else ""
    st.markdown(counts + title)
    rows = [
        {"import": status, "title": o.title, "folder": o.folder, "url": o.url, "why not": o.note}
        for status, outlines in (("new", plan.new), ("duplicate", plan.duplicates), ("skipped", plan.skipped))
        for o in outlines
    ]
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")


def import_upload(kb) -> None:
    """Subscribe to the uploaded file's new feeds, planned again now so that the plan is current."""
    file = st.session_state.get(upload_key())
    if file is None:
        return
    with kb.session() as session:
        plan = plan_import(session, file.getvalue(), allow_private=kb.config.allow_private_addresses)
        added = apply_import(session, plan)
        session.commit()
    st.session_state["opml_round"] = st.session_state.get("opml_round", 0) + 1
    plural = "s" if len(added) != 1 else ""
    st.success(
        f"Imported {len(added)} feed{plural} ({plan.summary()}). They are due for a first check: "
        "the writer fetches them on its next round, or poll all due sources now.",
        icon=":material/check:",
    )


def download(kb) -> None:
    with kb.session() as session:
        document, note = export_opml(session), left_out_note(session)
    st.download_button(
        "Download OPML",
        data=document,
        file_name="ai-policy-kb-feeds.opml",
        mime="text/x-opml",
        icon=":material/download:",
        on_click="ignore",
    )
    if note:
        st.caption(f"{sentence(note)}.")
