"""The search page's state, kept in the URL so that a reload or a shared link restores it.

Parameters: q, source, kind, entity (repeatable), since, until (YYYY-MM-DD),
sort and page; a parameter at its default is left out. The page calls
`restore()` before drawing its widgets and `save()` after: `restore` loads
the URL into the widgets whenever the URL is not the one this session last
wrote (a reload, a shared link, a link from another page), `save` writes
the widgets back.

Why not `bind="query-params"` (new in Streamlit 1.67)? A bound select widget
stores its *formatted* option in the URL: "Newest first", or for a facet
"AI Policy KB demo: chips (14)", whose count changes with every search.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from kb.search import SORTS, SearchRequest

PER_PAGE = 20
MAX_PAGE = 500  # Whoosh scores every page before the one asked for; nobody reads page 500
LIST_KEYS = ("source", "kind", "entity")
DEFAULTS: dict[str, object] = {
    "q": "",
    "source": [],
    "kind": [],
    "entity": [],
    "since": None,
    "until": None,
    "sort": "relevance",
    "page": 1,
}
_WRITTEN = "_search_url"  # the URL state this session last wrote


def from_url() -> dict[str, object]:
    """The search state the URL describes, every value checked."""
    params = st.query_params
    state: dict[str, object] = {key: [v for v in params.get_all(key) if v.strip()][:50] for key in LIST_KEYS}
    state["q"] = params.get("q", "")[:1000]
    state["since"], state["until"] = parse_date(params.get("since")), parse_date(params.get("until"))
    state["sort"] = params.get("sort") if params.get("sort") in SORTS else "relevance"
    state["page"] = parse_page(params.get("page"))
    return state


def restore() -> None:
    """Load the URL into the widgets, unless this session wrote it and the widgets still hold it."""
    url = from_url()
    # The pager is drawn only when there are several pages, so its key may be missing.
    widgets_gone = any(key not in st.session_state for key in DEFAULTS if key != "page")
    if st.session_state.get(_WRITTEN) != url or widgets_gone:
        for key, value in url.items():
            st.session_state[key] = value
        st.session_state[_WRITTEN] = url
        _new_pager()


def save() -> None:
    """Write the widgets' values to the URL; defaults are left out to keep links short."""
    state = {key: value(key) for key in DEFAULTS}
    for key, current in state.items():
        if current in (DEFAULTS[key], None, "", []):
            st.query_params.pop(key, None)
        elif key in LIST_KEYS:
            st.query_params[key] = [str(v) for v in current]
        else:
            st.query_params[key] = current.isoformat() if isinstance(current, date) else str(current)
    st.session_state[_WRITTEN] = from_url()


def value(key: str):
    return st.session_state.get(key, DEFAULTS[key])


def parse_page(raw) -> int:
    try:
        return min(max(1, int(raw)), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def parse_date(raw) -> date | None:
    if isinstance(raw, date) or raw is None:
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return None


def request() -> SearchRequest:
    """The search the widgets describe."""
    since, until = parse_date(value("since")), parse_date(value("until"))
    if since and until and since > until:
        since, until = until, since
    return SearchRequest(
        query=(value("q") or "").strip(),
        sources=list(value("source")),
        kinds=list(value("kind")),
        entities=[e.strip().lower() for e in value("entity") if e.strip()],
        since=since,
        until=until,
        sort=value("sort") or "relevance",
        page=parse_page(value("page")),
        per_page=PER_PAGE,
    )


def first_page() -> None:
    """Callback: a new query or filter starts again at page 1."""
    st.session_state["page"] = 1
    _new_pager()


# The page number is plain session state, not a widget's: the pager widget
# gets a new key whenever the page is set from code, so that Streamlit never
# sees a widget both given a default and set through session state.
def pager_key() -> str:
    return f"_pager_{st.session_state.get('_pager', 0)}"


def _new_pager() -> None:
    st.session_state["_pager"] = st.session_state.get("_pager", 0) + 1


def take_pager_page() -> None:
    """Callback of the pager widget: its value becomes the page."""
    st.session_state["page"] = st.session_state[pager_key()]


def use_query(text: str) -> None:
    """Callback: search for `text` (the "did you mean" suggestion)."""
    st.session_state["q"] = text
    first_page()


def clear_filters() -> None:
    """Callback: drop every filter, keep the query."""
    for key in ("source", "kind", "entity", "since", "until"):
        st.session_state[key] = DEFAULTS[key]
    first_page()
