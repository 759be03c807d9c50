"""Screening-list listings in the app: the badge an entity page shows for a listed party, and
the pieces of the Entity List page (kb/views/listings.py)."""

from __future__ import annotations

import altair as alt
import pandas as pd  # type: ignore[import-untyped]  # pandas ships no types; pandas-stubs is not a dependency
import streamlit as st

from kb.listings import LIST_NAMES, listings_of
from kb.models import ListedParty
from kb.ui.render import escape_inline, md_link


def listing_text(party: ListedParty) -> str:
    """One Markdown line: the list, since when, the notice (linked), and a removal if any."""
    where = escape_inline(LIST_NAMES.get(party.list_code, party.list_name).removeprefix("the "))
    since = f" since {party.start_date.isoformat()}" if party.start_date else ""
    cite = f" · {md_link(party.citation, party.citation_url)}" if party.citation else ""
    removed = f" · removed (first seen {party.removed_at.date().isoformat()})" if party.removed_at else ""
    return f"**{where}**{since}{cite}{removed} · listed as {escape_inline(party.name, 200)}"


def entity_badge(kb, slug: str) -> None:
    """The entity's listings, when a screening list (a `csl` source) names it."""
    with kb.session() as session:
        parties = listings_of(session, slug)
    for party in parties:
        show = st.info if party.removed_at else st.warning
        show(listing_text(party), icon=":material/gavel:")
        if party.license_requirement or party.license_policy:
            st.caption(
                f"Licence requirement: {escape_inline(party.license_requirement or '—', 300)} · "
                f"Licence policy: {escape_inline(party.license_policy or '—', 300)}"
            )


def months_chart(by_month: list[tuple[str, int]]) -> alt.Chart:
    frame = pd.DataFrame([{"month": m, "parties": n} for m, n in by_month])
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-45, labelOverlap=True)),
            y=alt.Y("parties:Q", title="parties listed", axis=alt.Axis(tickMinStep=1, format="d")),
            tooltip=["month", "parties"],
        )
        .properties(height=220)
    )


def roster_rows(parties: list[ListedParty], names: dict[str, str]) -> list[dict]:
    """Table rows: key columns first (name, country, since, notice), the rest after."""
    return [
        {
            "name": p.name,
            "country": p.country or "",
            "since": p.start_date.isoformat() if p.start_date else "",
            "notice": p.citation or (p.federal_register_notice or ""),
            "notice link": p.citation_url,
            "entity": names.get(p.entity_slug or "", ""),
            "status": "removed" if p.removed_at else "listed",
            "licence policy": p.license_policy or "",
        }
        for p in parties
    ]
