"""Timeline page: dated events in a chart and a paged list, rules as of a date, upcoming deadlines.

Filters (entity, kind, jurisdiction, status, dates), the order, the page and
the as-of date live in the URL (`kb.ui.url_state`), so a view can be shared:
`timeline?entity=openai&kind=service`, `timeline?as_of=2025-03-01&kind=rule`.
Queries are `kb.timeline`'s, as in `kb timeline`; downloads are its CSV and
iCalendar exports, generated only when the button is clicked.
"""

from datetime import date

import streamlit as st

from kb import timeline as tl
from kb.events import KIND_GROUPS, KINDS, STATUS_LABELS, STATUSES
from kb.ui import charts, exports, queries, tables
from kb.ui.event_cards import event_card, event_kind_label, group_help, source_label
from kb.ui.follow import follow_bar, request_params
from kb.ui.render import escape_inline, safe_url
from kb.ui.resources import get_kb, page_edge
from kb.ui.url_state import MAX_DATE, MAX_PAGE, MIN_DATE, Param, UrlState

PER_PAGE = 20
CHART_CAP = 2_000  # events drawn in the chart; the list pages through all of them
DEADLINES_SHOWN = 20
TABS = {"events": "Events", "as_of": "As of a date"}  # URL value -> tab label
ORDERS = {"newest": "Newest first", "oldest": "Oldest first"}

state = UrlState(
    "tl",
    Param("entity", "list", default=()),
    Param("kind", "list", default=(), choices=tuple(KIND_GROUPS) + KINDS),
    Param("jurisdiction", limit=12),
    Param("status", choices=STATUSES),
    Param("since", "date"),
    Param("until", "date"),
    Param("order", default="newest", choices=tuple(ORDERS)),
    Param("as_of", "date", default=date.today),
    Param("tab", default="events", choices=tuple(TABS)),
    Param("event", limit=12),
    Param("page", "page", default=1),
)
FILTERS = ("entity", "kind", "jurisdiction", "status", "since", "until")


@st.cache_data(ttl=300, show_spinner=False)
def filter_options(home: str) -> tuple[list[tuple[str, str, int]], list[str]]:
    """Entities named by events (with counts) and jurisdictions, for the filters."""
    with get_kb().session() as session:
        return queries.event_entities(session), queries.jurisdictions(session)


def check_entities(session) -> list[str]:
    """Drop entity slugs that name nothing (a mistyped URL) and say so."""
    usable, unknown = queries.known_timeline_entities(session, state.items("entity"))
    if unknown:
        state.set("entity", usable)
        names = ", ".join(f"“{escape_inline(u, 60)}”" for u in unknown)
        st.warning(f"No entity or rule lifecycle is called {names}; that filter is left out.", icon=":material/help:")
    return usable


def sidebar(entity_options: list[tuple[str, str, int]], places: list[str]) -> None:
    names = {slug: (name, n) for slug, name, n in entity_options}
    with st.sidebar:
        st.header("Filters")
        options = list(names) + [s for s in state.items("entity") if s not in names]
        st.multiselect(
            "Entity",
            options,
            key=state.key("entity"),
            on_change=state.first_page,
            format_func=lambda s: f"{names[s][0]} ({names[s][1]})" if s in names else s,
            accept_new_options=True,
            placeholder="Any, or type a slug",
            help="Events that name any of these entities, or belong to that rule's lifecycle.",
        )
        st.multiselect(
            "Kind",
            list(KIND_GROUPS) + list(KINDS),
            key=state.key("kind"),
            on_change=state.first_page,
            format_func=event_kind_label,
            placeholder="Any",
            help=group_help(),
        )
        place_options = [None] + places + [p for p in [state.text("jurisdiction")] if p and p not in places]
        st.selectbox(
            "Jurisdiction",
            place_options,
            key=state.key("jurisdiction"),
            on_change=state.first_page,
            format_func=lambda p: "Any" if p is None else p,
            placeholder="Any",
            help="The acting government (ISO code), or GLOBAL for a company's own worldwide step.",
        )
        st.selectbox(
            "Rule status",
            [None, *STATUSES],
            key=state.key("status"),
            on_change=state.first_page,
            format_func=lambda s: "Any" if s is None else STATUS_LABELS.get(s, s),
            placeholder="Any",
            help="Events that set a rule to this status (“in force” includes “pending compliance”).",
        )
        st.date_input(
            "From",
            value=None,
            key=state.key("since"),
            on_change=state.first_page,
            min_value=MIN_DATE,
            max_value=MAX_DATE,
        )
        st.date_input(
            "Until",
            value=None,
            key=state.key("until"),
            on_change=state.first_page,
            min_value=MIN_DATE,
            max_value=MAX_DATE,
        )
        st.button("Clear filters", on_click=state.reset, args=FILTERS, icon=":material/filter_alt_off:")


def events_query(page: int | None = None, limit: int = PER_PAGE) -> tl.TimelineQuery:
    since, until = state.day("since"), state.day("until")
    if since and until and since > until:
        since, until = until, since
    return tl.TimelineQuery(
        entities=tuple(state.items("entity")),
        kinds=tuple(state.items("kind")),
        jurisdiction=state.text("jurisdiction"),
        status=state.text("status"),
        since=since,
        until=until,
        order=state.text("order") or "newest",
        limit=limit,
        page=page or state.page(),
    )


def chart(points: list[dict], total: int) -> None:
    if not points:
        return
    st.altair_chart(charts.events_chart(points[:CHART_CAP]), width="stretch")
    if total > CHART_CAP:
        st.caption(
            f"The chart shows the {CHART_CAP:,} newest of the {total:,} matching events; "
            "narrow the dates or the filters to see the others. The list below has them all."
        )


def events_tab(kb, result: tl.TimelinePage) -> None:
    state.top_of_results()  # after a page turn, back up to here
    with st.container(horizontal=True, vertical_alignment="bottom"):
        pages = f" · page {result.query.page} of {result.pages}" if result.pages > 1 else ""
        st.markdown(f"**{result.total:,}** event{'s' if result.total != 1 else ''}{pages}")
        st.space("stretch")
        st.selectbox(
            "Order",
            list(ORDERS),
            format_func=lambda order: ORDERS[order],
            key=state.key("order"),
            on_change=state.first_page,
            width=160,
        )
        downloads(kb, bool(result.total))
    if not result.events:
        st.info(
            "No event matches these filters. Try a wider date range or fewer filters."
            if result.total == 0
            else "This page is past the last event.",
            icon=":material/event_busy:",
        )
    for event in result.events:
        event_card(event)
    state.pager(result.pages)
    if result.pages > MAX_PAGE:
        st.caption(
            f"The pager stops at page {MAX_PAGE}: narrow the dates or the filters, change the order, "
            "or download the CSV to see the rest."
        )


def downloads(kb, any_events: bool) -> None:
    """Every matching event as CSV; the deadlines among them as iCalendar (built when clicked)."""
    query = events_query(page=1, limit=tl.MAX_LIMIT)
    st.download_button(
        "CSV",
        exports.timeline_events(kb, query, "csv"),
        "timeline.csv",
        "text/csv",
        on_click="ignore",
        icon=":material/download:",
        disabled=not any_events,
        key="tl_dl_csv",
        help=f"Every matching event (up to {tl.EXPORT_LIMIT:,}) with its entities, sources and reports.",
    )
    st.download_button(
        "iCalendar",
        exports.timeline_events(kb, query, "ics", exports.app_base_url()),
        "timeline-deadlines.ics",
        "text/calendar",
        on_click="ignore",
        icon=":material/event:",
        disabled=not any_events,
        key="tl_dl_ics",
        help="The deadlines among the matching events (comments due, compliance and effective dates), for a "
        "calendar: short titles, each linked to its event here and to its primary sources.",
    )


STATUS_TONES = {
    "in_force": "green",
    "pending_compliance": "green",
    "rescinded": "red",
    "delayed": "orange",
    "interim_final": "blue",
    "final": "blue",
    "proposed": "gray",
}
RULE_COLUMNS = (
    tables.Column("rule", "24%"),
    tables.Column("status", "13%"),
    tables.Column("since", "7.5em", nowrap=True),
    tables.Column("set by (event)", "30%"),
    tables.Column("next deadline", "17%"),
    tables.Column("source", "6em"),
)


def rules_table(states: list[tl.RuleState], pages: dict[str, str]) -> None:
    """Each rule's status on the day: the rule (its entity page when it has one), the status, the
    event that set it (a link to it on this page) and the next deadline; every text wraps."""
    rows = [
        (
            tables.Link(s.name, page="entities", params=(("id", s.rule),)) if s.rule in pages else s.name,
            tables.Badge(s.label, STATUS_TONES.get(s.status, "gray")),
            s.since.isoformat(),
            tables.Link(s.event.title, page="timeline", params=(("event", str(s.event.id)),)),
            f"{s.next_deadline.date:%Y-%m-%d} · {event_kind_label(s.next_deadline.kind)}" if s.next_deadline else "",
            next((tables.Link(source_label(u), url=u) for u in s.event.sources if safe_url(u)), None),
        )
        for s in states
    ]
    tables.show_table(RULE_COLUMNS, rows)
    with st.expander("Lifecycle ids (to filter by a rule here or with `kb timeline --entity`)"):
        st.table({"rule": [s.name for s in states], "lifecycle id": [s.rule for s in states]}, border="horizontal")


def as_of_tab(kb, session) -> None:
    st.date_input(
        "As of",
        key=state.key("as_of"),
        value=None,
        min_value=MIN_DATE,
        max_value=MAX_DATE,
        width=220,
        help="Each rule's status on this day, from its latest event on or before it.",
    )
    day = state.day("as_of") or date.today()
    entities, place = tuple(state.items("entity")), state.text("jurisdiction")
    states = tl.rules_as_of(
        session,
        day,
        kinds=tuple(state.items("kind")),
        entities=entities,
        jurisdiction=place,
        status=state.text("status"),
    )
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.markdown(f"**{len(states)}** rule{'s' if len(states) != 1 else ''} as of **{day:%Y-%m-%d}**")
        st.space("stretch")
        st.download_button(
            "Rules CSV",
            exports.rules_csv(states),
            f"rules-{day}.csv",
            "text/csv",
            on_click="ignore",
            icon=":material/download:",
            disabled=not states,
            key="tl_dl_rules",
        )
    if states:
        rules_table(states, queries.entity_names(session, [s.rule for s in states]))
    else:
        st.info(f"No rule had a recorded status on {day:%Y-%m-%d} with these filters.", icon=":material/gavel:")
    upcoming(kb, session, day, entities, place)


def upcoming(kb, session, day: date, entities: tuple, place: str | None) -> None:
    query = tl.deadlines_query(session, day, entities=entities, jurisdiction=place, limit=DEADLINES_SHOWN)
    result = tl.timeline(session, query)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.subheader(f"Upcoming deadlines from {day:%Y-%m-%d}")
        st.space("stretch")
        st.download_button(
            "iCalendar",
            exports.upcoming_deadlines(kb, day, entities, place, exports.app_base_url()),
            f"deadlines-from-{day}.ics",
            "text/calendar",
            on_click="ignore",
            icon=":material/event:",
            disabled=not result.total,
            key="tl_dl_deadlines",
            help="Comment deadlines, compliance and effective dates, for a calendar.",
        )
    st.caption(
        "Comment deadlines, compliance dates and effective dates, soonest first; those of a rule "
        "already rescinded on that day are left out."
    )
    if not result.events:
        st.info(
            f"No deadline on or after {day:%Y-%m-%d} is recorded with these filters.", icon=":material/event_available:"
        )
    for event in result.events:
        event_card(event)
    if result.total > len(result.events):
        st.caption(f"The {len(result.events)} soonest of {result.total} deadlines; the iCalendar file has them all.")


def empty_state() -> None:
    st.info("No events are recorded yet.", icon=":material/timeline:")
    st.markdown(
        "This page will show **dated events**: rules published, taking effect, delayed or rescinded; "
        "comment deadlines; Entity List additions; AI providers restricting or opening service. Each "
        "event comes with the reports that support it and its primary sources. Events come from Federal "
        "Register documents, from the reports of your sources, and from the curated timeline in "
        "`data/events/` (loaded with the demo corpus: `kb demo`)."
    )


def main() -> None:
    kb = get_kb()
    st.title("Timeline")
    st.caption(
        "What changed and when in US AI export rules and AI provider services, with the reports behind "
        "each event and its primary sources."
    )
    if state.restore() and "as_of" in st.query_params and "tab" not in st.query_params:
        state.set("tab", "as_of")  # links from before the tab was in the URL
    with kb.session() as session:
        if not queries.event_count(session):
            empty_state()
            return
        check_entities(session)
        entity_options, places = filter_options(str(kb.config.home))
        sidebar(entity_options, places)
        follow_bar(kb, "timeline", request_params("timeline", events_query()), calendar=True)
        result = tl.timeline(session, events_query())
        if result.total and result.query.page > result.pages:  # a URL with a page past the end
            state.add_note(f"page {result.query.page} is past the last page ({result.pages}); this is page 1")
            state.first_page()
            result = tl.timeline(session, events_query())
        state.show_notes()
        linked_event(session)
        points = queries.timeline_points(session, events_query(), CHART_CAP)
        chart(points, result.total)
        current = TABS[state.text("tab") or "events"]
        st.session_state["tl_tabs"] = current
        events, as_of = st.tabs(list(TABS.values()), key="tl_tabs", on_change=take_tab)
        with events:
            events_tab(kb, result)
        with as_of:
            as_of_tab(kb, session)
    state.save()


def take_tab() -> None:
    """Callback: the chosen tab goes into the URL (`tab=as_of`), so a reload opens it again."""
    label = st.session_state.get("tl_tabs")
    state.set("tab", next((value for value, text in TABS.items() if text == label), "events"))


def linked_event(session) -> None:
    """The event a link names (`?event=ID`: the Document page, a calendar entry), on top of the page."""
    raw = state.text("event")
    if not raw:
        return
    found = queries.timeline_event(session, int(raw)) if raw.isdigit() else None
    if found is None:
        st.warning(
            f"There is no event “{escape_inline(raw, 20)}”; it may have been removed.", icon=":material/event_busy:"
        )
        return
    with st.container(border=False):
        st.caption("The event this link opened:")
        event_card(found)
        st.button("Close", icon=":material/close:", on_click=state.reset, args=("event",), type="tertiary")


with page_edge():
    main()
