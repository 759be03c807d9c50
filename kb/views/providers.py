"""Providers page: which AI provider serves which country on a chosen date.

The date lives in the URL (`kb.ui.url_state`): `providers?on=2024-08-01`.
"""

from datetime import date

import pandas as pd  # type: ignore[import-untyped]  # pandas ships no types; pandas-stubs is not a dependency
import streamlit as st

from kb.ui import queries
from kb.ui.resources import get_kb, page_edge
from kb.ui.url_state import MAX_DATE, MIN_DATE, Param, UrlState

COLORS = {"available": "background-color: #d8f0dc", "restricted": "background-color: #f8d7d3"}

state = UrlState("prov", Param("on", "date", default=date.today))


def empty_state() -> None:
    st.info("No provider availability changes are recorded yet.", icon=":material/public:")
    st.markdown(
        "This page will show a matrix of **AI providers × countries** for any date you pick: for each pair, "
        "whether the provider served that country then, and since when. It is built from dated events of "
        "two kinds:\n\n"
        "- **service restricted**, such as OpenAI blocking API traffic from unsupported regions from 2024-07-09;\n"
        "- **service available**, such as a provider adding a country to its supported list.\n\n"
        "They come from watched *supported countries* pages (sources of kind `availability`, compared "
        "snapshot by snapshot) and from curated events."
    )


def matrix(result: queries.Availability) -> None:
    providers = result.providers
    rows = []
    for country in result.countries:
        row = {"country": result.name(country)}
        for provider in providers:
            known = result.status.get((provider, country))
            row[result.name(provider)] = f"{known[0]} since {known[1]:%Y-%m-%d}" if known else ""
        rows.append(row)
    table = pd.DataFrame(rows).style.map(lambda cell: COLORS.get(str(cell).split(" ")[0], ""))
    st.dataframe(table, hide_index=True, width="stretch", height=min(640, 38 + 35 * len(rows)))


def changes(result: queries.Availability) -> None:
    rows = [
        {"provider": result.name(p), "country": result.name(c), "state": s, "since": since, "event": title}
        for (p, c), (s, since, title) in sorted(result.status.items(), key=lambda kv: kv[1][1], reverse=True)
    ]
    with st.expander(f"The {len(rows)} latest changes behind the matrix"):
        st.dataframe(rows, hide_index=True, width="stretch")


def as_of_date() -> date:
    """The "as of" picker, kept in the URL; today when it is cleared."""
    state.restore()
    st.date_input("As of", value=None, key=state.key("on"), min_value=MIN_DATE, max_value=MAX_DATE)
    state.save()  # now: the page may stop early below, with a message about this date
    return state.day("on") or date.today()


def main() -> None:
    kb = get_kb()
    st.title("Providers")
    st.caption("Availability of AI providers by country, from service restriction and availability events.")
    with kb.session() as session:
        if not queries.service_event_count(session):
            empty_state()
            return
        result = queries.availability(session, as_of_date())
    if not result.status:
        st.info(
            f"No provider served or left any country on or before {result.on:%Y-%m-%d}, as far as the "
            "knowledge base knows. Pick a later date.",
            icon=":material/event_busy:",
        )
        return
    if result.truncated:
        st.warning("There are more service events than this page reads at once; the matrix may be incomplete.")
    st.markdown(
        f"As of **{result.on:%Y-%m-%d}**: {len(result.providers)} providers, {len(result.countries)} countries. "
        "An empty cell means that nothing is recorded for that pair."
    )
    matrix(result)
    changes(result)


with page_edge():
    main()
