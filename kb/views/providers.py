"""Providers page: which AI provider's service is offered in which country on a chosen day.

The matrix (kb.availability) takes each service's own list of countries first and news events
second, and says "unknown" where neither says anything. Grouped by region, searchable, one
country's cells with their sources, and the changes between two days. The view lives in the
URL (`kb.ui.url_state`): `providers?on=2024-07-10&q=china`, `providers?view=changes&from=2024-05-01`.
"""

from datetime import date, timedelta

import streamlit as st

from kb import availability as av
from kb.ui import availability_views as views
from kb.ui.links import page_link
from kb.ui.resources import get_kb, page_edge
from kb.ui.url_state import MAX_DATE, MIN_DATE, Param, UrlState

VIEWS = {"matrix": "Matrix on a day", "changes": "Changes between two days"}

state = UrlState(
    "prov",
    Param("on", "date", default=date.today),
    Param("view", choices=tuple(VIEWS), default="matrix"),
    Param("from", "date"),
    Param("q", limit=80),
    Param("provider", limit=80),
)
# Drawn only in the changes view: a state of its own, so that the matrix view does not count it
# as a widget gone (which would load the URL over what was just picked).
changes_state = UrlState("provch", Param("from", "date"))


def empty_state() -> None:
    st.info("No provider availability is recorded yet.", icon=":material/public:")
    st.markdown(
        "This page shows, for any day, which AI provider's service is offered in which country and "
        "since when: from the providers' own *supported countries* pages (sources of kind "
        "`availability`, read at every check and compared list by list) and from news events. "
        "Subscribe the providers' pages with `kb sources add-defaults`, or the button on the Sources page."
    )
    page_link("sources", "Sources", icon=":material/rss_feed:")


def controls(providers: list[tuple[str, str]]) -> tuple[date, str]:
    """The date, view, search and provider pickers, kept in the URL."""
    state.restore()
    known = [slug for slug, _ in providers]
    if state.text("provider") not in (None, *known):
        state.set("provider", "")
    names = dict(providers)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.date_input("As of", value=None, key=state.key("on"), min_value=MIN_DATE, max_value=MAX_DATE)
        st.selectbox(
            "Provider",
            ["", *known],
            key=state.key("provider"),
            format_func=lambda s: names.get(s, "All providers"),
            placeholder="All providers",
        )
        st.text_input("Find a country", key=state.key("q"), placeholder="name or ISO code, e.g. China or CN")
        st.radio("View", list(VIEWS), key=state.key("view"), format_func=VIEWS.__getitem__, horizontal=True)
    day = state.day("on") or date.today()
    view = state.text("view") or "matrix"
    if view == "changes":
        changes_state.restore()
        if changes_state.day("from") is None:  # a year back, until a day is picked
            changes_state.set("from", day - timedelta(days=365))
        st.date_input("Changes since", key=changes_state.key("from"), min_value=MIN_DATE, max_value=MAX_DATE)
    return day, view


def searched(result: av.Matrix, query: str | None) -> list[str]:
    if not query:
        return result.countries
    key = query.strip().casefold()
    return [c for c in result.countries if key == c.casefold() or key in result.name(c).casefold()]


def matrix_view(result: av.Matrix, query: str | None) -> None:
    codes = searched(result, query)
    if not codes:
        st.info(f"No country matches “{query}”.", icon=":material/search_off:")
        return
    served = sum(1 for code in codes for s in result.services if result.cell(s, code).state == av.SERVED)
    st.markdown(
        f"As of **{result.on:%Y-%m-%d}**: {len(result.services)} services × {len(codes)} countries and territories, "
        f"{served} pairs served. Each cell says whether the service's own page or the news says so; "
        "“unknown” means that nothing is recorded for that pair."
    )
    with st.expander("Where each column comes from"):
        views.column_sources(result)
    details(result, codes)
    views.region_tables(result, codes)


def details(result: av.Matrix, codes: list[str]) -> None:
    """One country's cells with their sources: the searched one, or the one picked."""
    key = "prov_country"
    if st.session_state.get(key) not in (None, "", *codes):
        st.session_state[key] = ""
    if len(codes) == 1:
        st.session_state[key] = codes[0]
    choice = st.selectbox(
        "One country's cells with their sources",
        ["", *codes],
        key=key,
        format_func=lambda c: f"{result.name(c)} ({c})" if c else "Pick a country",
    )
    if choice:
        views.cells_table(result, choice)


def changes_view(result: av.Matrix, changes: list[tuple[av.Cell, av.Cell]], start: date, query: str | None) -> None:
    shown = set(searched(result, query))
    changes = [(old, new) for old, new in changes if new.country in shown]
    st.markdown(f"**{len(changes)}** changes from **{start:%Y-%m-%d}** to **{result.on:%Y-%m-%d}**.")
    if changes:
        views.changes_table(result, changes)


def main() -> None:
    kb = get_kb()
    st.title("Providers")
    st.caption(
        "Which AI provider's service is offered in which country, since when, and who says so: the "
        "providers' own lists of countries first, news events second."
    )
    with kb.session() as session:
        services = av.known_services(session)
        if not services:
            empty_state()
            return
        providers = sorted({(s.provider, s.provider_name) for s in services}, key=lambda p: p[1])
        day, view = controls(providers)
        narrow = {"provider": state.text("provider")}
        result = av.matrix(session, day, **narrow)
        start = changes_state.day("from") or day
        changes = av.diff(session, start, day, **narrow) if view == "changes" else []
    state.save()
    if view == "changes":
        changes_state.save()
    else:
        st.query_params.pop("from", None)
    if result.truncated:
        st.warning("There are more service events than this page reads at once; news cells may be incomplete.")
    if view == "changes":
        changes_view(result, changes, start, state.text("q"))
    else:
        matrix_view(result, state.text("q"))


with page_edge():
    main()
