"""New names page: names that recur in the documents but the registry does not know, to accept
(a registry entry is written, and documents link to it after a relink) or reject (remembered)."""

import streamlit as st

from kb import name_candidates as nc
from kb.errors import KBError
from kb.registry import KINDS
from kb.ui.render import escape_inline
from kb.ui.resources import ask_writer, get_kb, page_edge, sentence, writes_allowed, writes_off_note

CHOOSABLE = [k for k in KINDS if k != "country"]


def decide(kb, name: str, verdict: str) -> None:
    """Callback of the Accept and Reject buttons; `main` shows the outcome."""
    try:
        if verdict == "accept":
            kind = st.session_state.get(f"kind:{name}")
            slug = nc.accept(kb, name, kind=kind)
            st.session_state["candidates_note"] = ("success", f"{name} is now registry entry {slug}.")
        else:
            nc.reject(kb, name)
            st.session_state["candidates_note"] = ("info", f"{name} will not be proposed again.")
    except KBError as exc:
        st.session_state["candidates_note"] = ("error", sentence(exc))


def candidate_card(kb, row, writable: bool) -> None:
    with st.container(border=True):
        st.markdown(f"**{escape_inline(row.name, 120)}** · {row.documents} documents · {row.count} times")
        for example in row.examples:
            st.caption(escape_inline(example, 300))
        if not writable:
            return
        with st.container(horizontal=True, vertical_alignment="bottom"):
            st.selectbox(
                "Kind",
                CHOOSABLE,
                index=CHOOSABLE.index(row.kind) if row.kind in CHOOSABLE else 0,
                key=f"kind:{row.name}",
            )
            st.button(
                "Accept",
                key=f"accept:{row.name}",
                icon=":material/add:",
                on_click=decide,
                args=(kb, row.name, "accept"),
            )
            st.button(
                "Reject",
                key=f"reject:{row.name}",
                icon=":material/block:",
                on_click=decide,
                args=(kb, row.name, "reject"),
            )


def main() -> None:
    kb = get_kb()
    st.title("New names")
    st.caption(
        "Names that documents use again and again but the entity registry does not know yet: acronyms, "
        "multi-word names, chip and model designations, Chinese organisation names. Accepting one adds it to the "
        "registry (KB_REGISTRY_DIR/accepted.yaml); rejecting one keeps it from being proposed again. "
        "From a shell: `kb entities candidates`, `kb entities accept NAME`, `kb entities reject NAME`."
    )
    writable = writes_allowed()
    note = st.session_state.pop("candidates_note", None)
    if note:
        getattr(st, note[0])(escape_inline(note[1], 400))
    if not writable:
        writes_off_note()
    with st.container(horizontal=True):
        if writable and st.button("Scan the documents again", icon=":material/refresh:"):
            found = nc.refresh(kb)
            st.success(f"{found} names proposed.")
        if writable and st.button("Relink the documents", icon=":material/link:", help="After accepting names."):
            answer = ask_writer(kb, "relink", wait=120)
            st.info(escape_inline((answer.result or answer.status) if answer else "The writer is at it.", 300))
    with kb.session() as session:
        counts = nc.by_status(session)
        rows = nc.candidates(session, limit=100)
    st.markdown(
        f"**{counts.get('new', 0)}** proposed · {counts.get('accepted', 0)} accepted · {counts.get('rejected', 0)} rejected"
    )
    if not rows:
        st.info("No name to review. Scan the documents again after new ones arrive.", icon=":material/check:")
    for row in rows:
        candidate_card(kb, row, writable)


with page_edge():
    main()
