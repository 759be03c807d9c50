"""Entity List page: the parties a screening list names (from a `csl` source), with counts by
country and by the month they were listed, and links to the registry entities they are."""

import streamlit as st
from sqlmodel import col, select

from kb.listings import LIST_NAMES, roster
from kb.models import Entity
from kb.ui.listing_views import months_chart, roster_rows
from kb.ui.render import escape_inline
from kb.ui.resources import get_kb, page_edge

LISTS = {"EL": "Entity List", "MEU": "Military End User List"}


def main() -> None:
    kb = get_kb()
    code = st.query_params.get("list", "EL").upper()
    code = code if code in LISTS else "EL"
    st.title(LISTS[code])
    st.caption(
        "Read from the US Consolidated Screening List (a source of kind `csl`: "
        "`kb sources add URL --kind csl`). Each party links to its Federal Register notice; "
        "parties that the knowledge base knows link to their entity page."
    )
    with st.container(horizontal=True):
        chosen = st.segmented_control("List", list(LISTS), default=code, format_func=LISTS.__getitem__, key="list_code")
        removed = st.toggle("Also removed parties", key="list_removed")
    if chosen and chosen != code:
        st.query_params["list"] = chosen
        code = chosen
    with kb.session() as session:
        result = roster(session, code, include_removed=removed)
        slugs = {p.entity_slug for p in result.parties if p.entity_slug}
        names = {e.slug: e.name for e in session.exec(select(Entity).where(col(Entity.slug).in_(slugs)))}
    if not result.parties:
        st.info(
            f"No party of {escape_inline(LIST_NAMES.get(code, code))} is stored yet. Subscribe the Consolidated "
            "Screening List's JSON download on the Sources page (kind csl) or with `kb sources add URL --kind csl`.",
            icon=":material/gavel:",
        )
        return
    st.markdown(
        f"**{len(result.parties)}** parties · "
        + " · ".join(f"{escape_inline(c)} {n}" for c, n in result.by_country[:12])
    )
    left, right = st.columns([3, 2], gap="large")
    with right:
        st.subheader("By country")
        st.dataframe([{"country": c, "parties": n} for c, n in result.by_country], hide_index=True, width="stretch")
        if result.by_month:
            st.subheader("Listed per month")
            st.altair_chart(months_chart(result.by_month), width="stretch")
    with left:
        st.subheader("Parties")
        st.dataframe(
            roster_rows(result.parties, names),
            hide_index=True,
            width="stretch",
            column_config={
                "name": st.column_config.TextColumn("name", width="large"),
                "notice link": st.column_config.LinkColumn("notice link", display_text="Federal Register"),
            },
        )


with page_edge():
    main()
