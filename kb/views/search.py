"""Search page: query, filters with facet counts, sorted and paged hits, downloads.

The whole search lives in the URL (`kb.ui.url_state`), so a reload or a
shared link shows the same one: `?q=H20&kind=news&sort=oldest&page=2`.
"""

import re
from collections.abc import Callable
from urllib.parse import urlencode

import streamlit as st

from kb.context import KB
from kb.search import SORTS, Hit, SearchRequest, SearchResult, search
from kb.ui import exports, queries
from kb.ui.follow import follow_bar, request_params
from kb.ui.links import entity_links, page_link
from kb.ui.render import escape_inline, highlight_snippet, kind_label, md_link
from kb.ui.resources import current_index, get_kb, index_version, page_edge
from kb.ui.url_state import MAX_DATE, MIN_DATE, Param, UrlState

PER_PAGE = 20
SORT_LABELS = {"relevance": "Relevance", "date": "Newest first", "oldest": "Oldest first"}
EXAMPLES = 'Try H20, "entity list", diffusion OR rescission, -china, kind:rule, date:2025'
FILTERS = ("source", "kind", "entity", "since", "until")

state = UrlState(
    "search",
    Param("q", default="", limit=1000),
    Param("source", "list", default=()),
    Param("kind", "list", default=()),
    Param("entity", "list", default=()),
    Param("since", "date"),
    Param("until", "date"),
    Param("sort", default="relevance", choices=SORTS),
    Param("page", "page", default=1),
)


@st.cache_data(ttl=120, max_entries=256, show_spinner=False)
def run_search(request: SearchRequest, home: str, version: str) -> SearchResult:
    """Results of `request`; cached per index version, so reruns and paging back are instant."""
    kb = get_kb()
    ix = current_index(kb)
    if ix.doc_count() == 0:  # nothing indexed yet: nothing to facet or suggest either
        return SearchResult(request=request)
    with kb.session() as session:
        return search(ix, session, request)


def search_request() -> SearchRequest:
    """The search the widgets describe."""
    since, until = state.day("since"), state.day("until")
    if since and until and since > until:
        since, until = until, since
    return SearchRequest(
        query=(state.text("q") or "").strip(),
        sources=state.items("source"),
        kinds=state.items("kind"),
        entities=[e.strip().lower() for e in state.items("entity") if e.strip()],
        since=since,
        until=until,
        sort=state.text("sort") or "relevance",
        page=state.page(),
        per_page=PER_PAGE,
    )


def use_query(text: str) -> None:
    """Callback: search for `text` (the "did you mean" suggestion)."""
    state.set("q", text)
    state.first_page()


def demo_note(kb: KB) -> None:
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
        for name, label in (("since", "Published from"), ("until", "Published until")):
            st.date_input(
                label,
                value=None,
                key=state.key(name),
                on_change=state.first_page,
                min_value=MIN_DATE,
                max_value=MAX_DATE,
            )
        if facets.get("year"):
            st.caption("By year: " + " · ".join(f"{escape_inline(y)} ({n})" for y, n in facets["year"][:12]))
        facet_filter("Source", "source", facets.get("source", []), lambda v: titles.get(v, f"source {v}"))
        facet_filter("Kind", "kind", facets.get("kind", []), kind_label)
        facet_filter("Entity", "entity", facets.get("entity", []), lambda v: names.get(v, v), accept_new=True)
        st.button("Clear filters", on_click=state.reset, args=FILTERS, icon=":material/filter_alt_off:")


def facet_filter(
    label: str, name: str, counts: list[tuple[str, int]], title: Callable[[str], str], accept_new: bool = False
) -> None:
    """A multiselect whose options are the facet values (plus what is selected), with counts."""
    by_value = dict(counts)
    options = [v for v, _ in counts] + [v for v in state.items(name) if v not in by_value]
    st.multiselect(
        label,
        options,
        key=state.key(name),
        on_change=state.first_page,
        format_func=lambda v: f"{title(v)} ({by_value.get(v, 0)})",
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
                on_click=use_query,
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
            "Sort",
            list(SORT_LABELS),
            format_func=lambda s: SORT_LABELS[s],
            key=state.key("sort"),
            on_change=state.first_page,
            width=170,
        )
        if result.hits:
            downloads(result)


def downloads(result: SearchResult) -> None:
    """Every result of the query (not only this page) as CSV or JSON, streamed by the app's own route
    (`/export/search.csv`), up to EXPORT_CAP: the label and the file name say when the cap applies."""
    params = request_params("search", result.request)
    if result.request.sort != "relevance":
        params["sort"] = [result.request.sort]
    query = urlencode(params, doseq=True)
    capped = result.total > exports.EXPORT_CAP
    what = f"the first {exports.EXPORT_CAP:,} of {result.total:,}" if capped else f"all {result.total:,}"
    for fmt in ("csv", "json"):
        st.link_button(
            fmt.upper(),
            f"export/search.{fmt}" + (f"?{query}" if query else ""),
            icon=":material/download:",
            help=f"Download {what} results as {exports.export_file_name(result.total, fmt)}.",
        )
    if capped:
        st.caption(f"Downloads stop at {exports.EXPORT_CAP:,} results.")


def hit_card(hit: Hit, names: dict[str, str]) -> None:
    with st.container(border=True):
        page_link("document", hit.title or "(untitled)", {"id": str(hit.id)}, icon=":material/article:", bold=True)
        when = hit.published.strftime("%Y-%m-%d") if hit.published else "undated"
        st.caption(f"{escape_inline(hit.source_title, 120)} · {when} · {escape_inline(kind_label(hit.kind))}")
        if hit.snippet:
            st.markdown(highlight_snippet(hit.snippet))
        if hit.also_at:
            places = " · ".join(md_link(c.source_title or c.url or "copy", c.url) for c in hit.also_at[:5])
            more = f" and {len(hit.also_at) - 5} more" if len(hit.also_at) > 5 else ""
            st.caption(f"Also at: {places}{more}")
        entity_links([(slug, names.get(slug, slug)) for slug in hit.entities])


def results(result: SearchResult, names: dict[str, str]) -> None:
    if not result.hits:
        empty_state(result)
        return
    for hit in result.hits:
        hit_card(hit, names)
    state.pager(result.pages)


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


def current_result(kb: KB) -> SearchResult:
    """The results of the widgets' search; a page past the end (from a URL) falls back to the first, saying so."""
    result = run_search(search_request(), str(kb.config.home), index_version(kb))
    if result.total and result.request.page > result.pages:
        state.add_note(f"page {result.request.page} is past the last page ({result.pages}); this is page 1")
        state.first_page()
        result = run_search(search_request(), str(kb.config.home), index_version(kb))
    return result


def unbalanced(query: str) -> str | None:
    """What is unbalanced in a query (brackets or quotes), which the parser would otherwise read silently."""
    depth = 0
    for char in re.sub(r'"[^"]*"', " ", query):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return "a closing bracket “)” has no opening one"
    if depth > 0:
        return "an opening bracket “(” is not closed"
    if query.count('"') % 2:
        return "a quotation mark is not closed"
    return None


def query_note(result: SearchResult) -> None:
    problem = unbalanced(result.request.query)
    if problem and not result.note:
        st.warning(
            f"In this query {problem}, so it was read as well as it could be: check the results, or close it.",
            icon=":material/data_object:",
        )


def display_names(kb: KB, result: SearchResult) -> tuple[dict[str, str], dict[str, str]]:
    """Source titles and entity names for the facets, the selected filters and the hits."""
    # source_titles takes ids as str or int; a list is invariant, hence the annotation
    sources: list[str | int] = [v for v, _ in result.facets.get("source", [])]
    sources += state.items("source")
    slugs = {s for h in result.hits for s in h.entities} | {v for v, _ in result.facets.get("entity", [])}
    with kb.session() as session:
        titles = queries.source_titles(session, sources)
        names = queries.entity_names(session, sorted(slugs | set(state.items("entity"))))
    return titles, names


def main() -> None:
    kb = get_kb()
    st.title("Search")
    follow_slot = st.container()  # filled once the search is known
    demo_note(kb)
    state.restore()
    st.text_input(
        "Search",
        key=state.key("q"),
        on_change=state.first_page,
        placeholder=EXAMPLES,
        icon=":material/search:",
        label_visibility="collapsed",
    )
    result = current_result(kb)
    with follow_slot:
        follow_bar(kb, "search", request_params("search", result.request))
    titles, names = display_names(kb, result)
    sidebar(result, titles, names)
    state.show_notes()
    query_note(result)
    messages(result)
    state.top_of_results()
    toolbar(result)
    results(result, names)
    state.save()


with page_edge():
    main()
