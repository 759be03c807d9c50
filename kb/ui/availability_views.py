"""Availability on the pages: the matrix by region, one country's cells with their sources,
and the sections of provider and country entity pages (kb/views/providers.py and
kb/views/entities.py call these)."""

from __future__ import annotations

from datetime import date

import pandas as pd  # type: ignore[import-untyped]  # pandas ships no types; pandas-stubs is not a dependency
import streamlit as st

from kb import availability as av
from kb.availability_sources import add_defaults, default_pages
from kb.models import Entity
from kb.ui.links import page_link
from kb.ui.render import escape_inline, md_link, safe_url

COLORS = {
    av.SERVED: "background-color: #d8f0dc",
    av.NOT_SERVED: "background-color: #f8d7d3",
    av.UNKNOWN: "color: #888888",
}
ORIGIN_MARKS = {"page": "page", "news": "news", "none": ""}


def cell_text(cell: av.Cell) -> str:
    """What a matrix cell shows: the state, since when, and whether a page or the news says so."""
    parts = [cell.state, cell.since_text()]
    if cell.origin != "none":
        parts.append(f"· {ORIGIN_MARKS[cell.origin]}")
    return " ".join(p for p in parts if p)


def _color(text: object) -> str:
    value = str(text)
    for state in (av.NOT_SERVED, av.SERVED, av.UNKNOWN):  # "not served" first: it contains "served"
        if value.startswith(state):
            return COLORS[state]
    return ""


def region_tables(result: av.Matrix, codes: list[str]) -> None:
    """The matrix for these countries, one table per region, a column per service."""
    by_region: dict[str, list[str]] = {}
    for code in codes:
        by_region.setdefault(result.region(code), []).append(code)
    for region, members in by_region.items():
        st.subheader(f"{region} ({len(members)})")
        rows = [
            {
                "country": result.name(code),
                "code": code,
                **{svc.label: cell_text(result.cell(svc, code)) for svc in result.services},
            }
            for code in members
        ]
        frame = pd.DataFrame(rows).style.map(_color)
        # The country stays in view (pinned) while the services scroll; a cell's whole text is in
        # the one-country table below the picker, and in the grid's cell on a click.
        columns = {"country": st.column_config.TextColumn("country", width=150, pinned=True)}
        columns["code"] = st.column_config.TextColumn("code", width=50)
        columns |= {svc.label: st.column_config.TextColumn(svc.label, width=105) for svc in result.services}
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            height=min(560, 38 + 35 * len(rows)),
            column_config=columns,
        )


def column_sources(result: av.Matrix) -> None:
    """Where each column's states come from: the service's own page, or news events."""
    rows = []
    for svc in result.services:
        watched = svc.page_url is not None
        rows.append(
            {
                "service": svc.label,
                "provider": svc.provider_name,
                "states from": "its own page, then news" if watched else "news events only",
                "page": safe_url(svc.page_url) or "",
            }
        )
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={"page": st.column_config.LinkColumn("page")},
    )


STATE_MARKS = {av.SERVED: ":green-background[served]", av.NOT_SERVED: ":red-background[not served]"}


def cell_rows(result: av.Matrix, code: str) -> list[dict]:
    """One country's cells as Markdown (every text escaped), each with its source linked."""
    return [
        {
            "service": escape_inline(cell.service.label),
            "provider": escape_inline(cell.service.provider_name),
            "state": STATE_MARKS.get(cell.state, ":gray[unknown]"),
            "since": escape_inline(cell.since_text()),
            "from": cell.origin,
            "source": md_link(cell.source, cell.url) if cell.source else "",
            "note": escape_inline(cell.note or ""),
            "news": escape_inline(cell.news or "", 160),
        }
        for cell in (result.cell(svc, code) for svc in result.services)
    ]


def cells_table(result: av.Matrix, code: str) -> None:
    """One country's cells with their sources: a static table, its text in the page itself."""
    st.table(pd.DataFrame(cell_rows(result, code)), hide_index=True, border="horizontal")


def changes_table(result: av.Matrix, changes: list[tuple[av.Cell, av.Cell]]) -> None:
    rows = [
        {
            "region": result.region(new.country),
            "country": result.name(new.country),
            "service": new.service.label,
            "before": old.state,
            "after": new.state,
            "when": new.since_text(),
            "from": new.origin,
            "source": new.source,
            "link": safe_url(new.url) or "",
        }
        for old, new in changes
    ]
    frame = pd.DataFrame(rows).style.map(_color, subset=["before", "after"])
    st.dataframe(frame, hide_index=True, width="stretch", column_config={"link": st.column_config.LinkColumn("link")})


# ---- entity pages --------------------------------------------------------------------------


def entity_section(kb, entity: Entity) -> None:
    """On a country's page, who serves it today; on a provider's (or a service's), where it is
    offered today. Nothing for other entities."""
    today = date.today()
    with kb.session() as session:
        if entity.kind == "country" and entity.country:
            result = av.matrix(session, today, country=entity.country)
            if result.services and result.countries:
                _country_section(result, entity)
            return
        result = av.matrix(session, today, provider=entity.slug)
        if not result.services:
            result = av.matrix(session, today, service=entity.slug)
    if result.services:
        _provider_section(result)


def _country_section(result: av.Matrix, entity: Entity) -> None:
    code = result.countries[0]
    st.subheader("Who serves it now")
    served = [c for c in (result.cell(s, code) for s in result.services) if c.state == av.SERVED]
    st.caption(
        f"{len(served)} of {len(result.services)} AI services offer {escape_inline(entity.name, 80)} as of "
        f"{result.on.isoformat()}: from each service's own list of countries first, news second."
    )
    cells_table(result, code)
    page_link("providers", "All countries on the Providers page", icon=":material/public:")


def _provider_section(result: av.Matrix) -> None:
    st.subheader("Where it is offered now")
    for svc in result.services:
        cells = [result.cell(svc, code) for code in result.countries]
        served = [c for c in cells if c.state == av.SERVED]
        known = [c for c in cells if c.state != av.UNKNOWN]
        if not known:
            continue
        origin = "its own page" if svc.page_url else "news events"
        st.markdown(
            f"**{escape_inline(svc.label, 80)}**: offered in {len(served)} countries and territories "
            f"as of {result.on.isoformat()} (from {origin})."
        )
        with st.expander(f"The {len(served)} countries, by region"):
            by_region: dict[str, list[str]] = {}
            for cell in served:
                label = result.name(cell.country) + (f" ({cell.note})" if cell.note else "")
                by_region.setdefault(result.region(cell.country), []).append(label)
            for region, names in by_region.items():
                st.markdown(f"**{region}**: {escape_inline(', '.join(names), 5000)}")
    page_link("providers", "The matrix on the Providers page", icon=":material/public:")


# ---- the Sources page ----------------------------------------------------------------------


def defaults_panel(kb, *, writable: bool) -> None:
    """The Sources page's button that subscribes the providers' own availability pages."""
    if not writable:
        return
    with st.expander("Providers' availability pages", icon=":material/public:"):
        pages = default_pages()
        st.caption(
            f"The {len(pages)} pages where AI providers list the countries they serve "
            f"({escape_inline(', '.join(p.settings['service'] for p in pages), 300)}). Each check stores the list "
            "and turns every country added or removed into an event; the Providers page shows the result."
        )
        if st.button("Subscribe the providers' pages", icon=":material/add:", key="avail_add_defaults"):
            with kb.session() as session:
                added, updated = add_defaults(session, allow_private=kb.config.allow_private_addresses)
                session.commit()
            st.success(
                f"{len(added)} added, {len(updated)} updated. New sources are due for a check now.",
                icon=":material/check:",
            )
