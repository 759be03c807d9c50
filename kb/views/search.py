"""Search page: query, filters with facet counts, sorted and paged hits, downloads.

The whole state lives in the URL (see `kb.ui.state`), so a reload or a
shared link shows the same search.
"""

import streamlit as st

from kb.search import SearchRequest, SearchResult, search
from kb.ui import exports, queries, state
from kb.ui.links import entity_links, page_link
from kb.ui.render import escape_inline, highlight_snippet, kind_label
from kb.ui.resources import current_index, get_kb, index_version, page_edge

SORT_LABELS = {"relevance": "Relevance", "date": "Newest first", "oldest": "Oldest first"}
EXAMPLES = 'Try H20, "entity list", diffusion OR rescission, -china, kind:rule, date:2025'


@st.cache_data(ttl=120, max_entries=256, show_spinner=False)
def run_search(request: SearchRequest, home: str, version: str) -> SearchResult:
    """Results of `request`; cached per index version, so reruns and paging back are instant."""
    kb = get_kb()
    ix = current_index(kb)
    if ix.doc_count() == 0:  # nothing indexed yet: nothing to facet or suggest either
        return SearchResult(request=request)
    with kb.session() as session:
        return search(ix, session, request)


def demo_note(kb) -> None:
    with kb.session() as session:
        demo = queries.is_demo_only(session)
    if demo:
        with st.container(border=True):
            st.markdown(
                ":material/info: **You are looking at the bundled demo corpus**: a few dozen reports "
                "written for this project. Add real sources on the Sources page, or from a shell with "
                "`kb sources add URL`."
            )
            page_link("sources", "Add a source", icon=":material/rss_feed:")


def sidebar(result: SearchResult, titles: dict[str, str], names: dict[str, str]) -> None:
    facets = result.facets
    with st.sidebar:
        st.header("Filters")
        st.date_input("Published from", value=None, key="since", on_change=state.first_page)
        st.date_input("Published until", value=None, key="until", on_change=state.first_page)
        if facets.get("year"):
            st.caption("By year: " + " · ".join(f"{escape_inline(y)} ({n})" for y, n in facets["year"][:12]))
        facet_filter("Source", "source", facets.get("source", []), lambda v: titles.get(v, f"source {v}"))
        facet_filter("Kind", "kind", facets.get("kind", []), kind_label)
        facet_filter("Entity", "entity", facets.get("entity", []), lambda v: names.get(v, v), accept_new=True)
        st.button("Clear filters", on_click=state.clear_filters, icon=":material/filter_alt_off:")


def facet_filter(label: str, key: str, counts: list[tuple[str, int]], name, accept_new: bool = False) -> None:
    """A multiselect whose options are the facet values (plus what is selected), with counts."""
    by_value = dict(counts)
    options = [v for v, _ in counts] + [v for v in state.value(key) if v not in by_value]
    st.multiselect(
        label,
        options,
        key=key,
        on_change=state.first_page,
        format_func=lambda v: f"{name(v)} ({by_value.get(v, 0)})",
        accept_new_options=accept_new,
        placeholder="Any, or type a slug" if accept_new else "Any",
    )


def messages(result: SearchResult) -> None:
    if result.entities:
        entity_links([(slug, name) for slug, name, _kind in result.entities], label="Entity pages:")
    if result.note:
        st.warning(escape_inline(result.note), icon=":material/help:")
    if result.suggestion:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown("Did you mean")
            st.button(
                escape_inline(result.suggestion, 120),
                on_click=state.use_query,
                args=(result.suggestion,),
                type="tertiary",
                icon=":material/spellcheck:",
            )


def toolbar(result: SearchResult) -> None:
    request = result.request
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.markdown(
            f"**{result.total:,}** {'result' if result.total == 1 else 'results'}"
            + (f" · page {request.page} of {result.pages}" if result.pages > 1 else "")
        )
        st.space("stretch")
        st.selectbox(
            "Sort", list(SORT_LABELS), format_func=SORT_LABELS.get, key="sort", on_change=state.first_page, width=170
        )
        if result.hits:
            st.download_button(
                "CSV",
                exports.result_csv(result),
                "search-results.csv",
                "text/csv",
                on_click="ignore",
                icon=":material/download:",
            )
            st.download_button(
                "JSON",
                exports.result_json(result),
                "search-results.json",
                "application/json",
                on_click="ignore",
                icon=":material/download:",
            )


def hit_card(hit, names: dict[str, str]) -> None:
    with st.container(border=True):
        page_link("document", hit.title or "(untitled)", {"id": str(hit.id)}, icon=":material/article:", bold=True)
        when = hit.published.strftime("%Y-%m-%d") if hit.published else "undated"
        st.caption(f"{escape_inline(hit.source_title, 120)} · {when} · {escape_inline(kind_label(hit.kind))}")
        if hit.snippet:
            st.markdown(highlight_snippet(hit.snippet))
        entity_links([(slug, names.get(slug, slug)) for slug in hit.entities])


def results(result: SearchResult, names: dict[str, str]) -> None:
    if not result.hits:
        empty_state(result)
        return
    for hit in result.hits:
        hit_card(hit, names)
    if result.pages > 1:
        pages = min(result.pages, state.MAX_PAGE)
        st.pagination(
            pages, default=min(result.request.page, pages), key=state.pager_key(), on_change=state.take_pager_page
        )


def empty_state(result: SearchResult) -> None:
    request = result.request
    if result.total and request.page > 1:
        st.info("This page is past the last result.", icon=":material/info:")
    elif request.query or request.sources or request.kinds or request.entities or request.since or request.until:
        st.info(
            "Nothing matches this search. Try fewer words, another spelling or fewer filters.",
            icon=":material/search_off:",
        )
    else:
        st.info(
            "The knowledge base has no documents yet. Add a source on the Sources page, "
            "or load the demo corpus with `kb demo`.",
            icon=":material/inbox:",
        )


def main() -> None:
    kb = get_kb()
    st.title("Search")
    demo_note(kb)
    state.restore()
    st.text_input(
        "Search",
        key="q",
        on_change=state.first_page,
        placeholder=EXAMPLES,
        icon=":material/search:",
        label_visibility="collapsed",
    )
    request = state.request()
    result = run_search(request, str(kb.config.home), index_version(kb))
    if result.total and request.page > result.pages:  # a URL with a page past the end
        state.first_page()
        request = state.request()
        result = run_search(request, str(kb.config.home), index_version(kb))
    with kb.session() as session:
        titles = queries.source_titles(session, [v for v, _ in result.facets.get("source", [])] + state.value("source"))
        slugs = {s for h in result.hits for s in h.entities} | {v for v, _ in result.facets.get("entity", [])}
        names = queries.entity_names(session, sorted(slugs | set(state.value("entity"))))
    sidebar(result, titles, names)
    messages(result)
    toolbar(result)
    results(result, names)
    state.save()


with page_edge():
    main()
