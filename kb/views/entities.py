"""Entities page: the directory, or with `?id=slug` one entity's page.

One entity: profile (name, kind, country, description, aliases, official and
Wikidata links), its timeline (newest events, each with its reports), recent
documents (paged), the entities named with it, mentions per month, and for
a provider or a country its availability history. A merged slug leads to
the entity it was merged into (the URL is rewritten, a note says so); an
unknown one gets a message and the directory.
"""

import re

import streamlit as st

from kb import timeline as tl
from kb.entities import list_entities, resolve
from kb.entity_suggest import closest_entities
from kb.errors import NotFound
from kb.registry import KINDS
from kb.ui import availability_views, charts, listing_views, queries, tables
from kb.ui.event_cards import event_card
from kb.ui.follow import follow_bar
from kb.ui.links import entity_links, page_link
from kb.ui.render import escape_inline, escape_md, kind_label, md_link, safe_url
from kb.ui.resources import get_kb, index_version, page_edge
from kb.ui.rule_views import rule_card_section, rules_section
from kb.ui.url_state import Param, UrlState

DIRECTORY_PER_PAGE = 48
DOCUMENTS_PER_PAGE = 10
EVENTS_SHOWN = 8
WIKIDATA_ID = re.compile(r"^Q[1-9][0-9]{0,11}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
KIND_NAMES = {
    "organization": "Organization",
    "government_body": "Government body",
    "country": "Country",
    "person": "Person",
    "ai_model": "AI model",
    "product": "Product",
    "regulation": "Rule or law",
    "program": "Programme or list",
}
KIND_PLURALS = {
    "organization": "Organizations",
    "government_body": "Government bodies",
    "country": "Countries",
    "person": "People",
    "ai_model": "AI models",
    "product": "Products",
    "regulation": "Rules and laws",
    "program": "Programmes and lists",
}

directory = UrlState(
    "entdir",
    Param("q", limit=100),
    Param("kind", choices=KINDS),
    Param("all", "flag", default=False),
    Param("page", "page", default=1),
)
one = UrlState("ent", Param("id", limit=120), Param("page", "page", default=1))


# ---- the directory ------------------------------------------------------------------


@st.cache_data(ttl=120, max_entries=256, show_spinner=False)
def directory_page(home: str, query: str, kind: str | None, everything: bool, page: int) -> tuple[list, int]:
    """One page of the directory (most-mentioned first) and the number of entities that match."""
    with get_kb().session() as session:
        rows, total = list_entities(
            session,
            query=query,
            kind=kind,
            with_documents=not everything,
            limit=DIRECTORY_PER_PAGE,
            offset=(page - 1) * DIRECTORY_PER_PAGE,
        )
    return rows, int(total)


def directory_filters() -> None:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.text_input(
            "Find an entity",
            key=directory.key("q"),
            on_change=directory.first_page,
            placeholder="Name or slug: nvidia, entity list, china…",
            icon=":material/search:",
        )
        st.selectbox(
            "Kind",
            [None, *KINDS],
            key=directory.key("kind"),
            on_change=directory.first_page,
            width=240,
            placeholder="Any kind",
            format_func=lambda k: "Any kind" if k is None else KIND_PLURALS.get(k, k),
        )
    st.checkbox("Also entities that no document names yet", key=directory.key("all"), on_change=directory.first_page)


def show_directory(kb) -> None:
    directory.restore()
    with kb.session() as session:
        any_entity = queries.has_entities(session)
    if not any_entity:
        st.info(
            "No entities yet: the registry is loaded when the first documents are linked "
            "(`kb demo`, `kb poll` or `kb link`).",
            icon=":material/label:",
        )
        return
    directory_filters()
    query, kind = (directory.text("q") or "").strip(), directory.text("kind")
    everything = directory.flag("all")
    rows, total = directory_page(str(kb.config.home), query, kind, everything, directory.page())
    pages = max(1, -(-total // DIRECTORY_PER_PAGE))
    if total and directory.page() > pages:
        directory.first_page()
        rows, total = directory_page(str(kb.config.home), query, kind, everything, 1)
    named = "" if everything else " named in documents"
    directory.top_of_results()  # after a page turn, back up to here
    st.markdown(
        f"**{total:,}** entit{'y' if total == 1 else 'ies'}{named}"
        + (f" · page {directory.page()} of {pages}" if pages > 1 else "")
    )
    if not rows:
        st.info(
            "No entity matches. Try part of the name, another kind, or include entities no document names yet.",
            icon=":material/search_off:",
        )
    grid(rows)
    directory.pager(pages)
    directory.save()


def grid(rows) -> None:
    columns = st.columns(3, gap="medium")
    for i, row in enumerate(rows):
        with columns[i % 3], st.container(border=True):
            # app.css lets a page link wrap; a name longer than this is shortened (the entity page has it whole)
            page_link("entities", row.name, {"id": row.slug}, icon=":material/label:", bold=True, limit=120)
            place = f" · {escape_inline(row.country)}" if row.country else ""
            st.caption(
                f"{escape_inline(KIND_NAMES.get(row.kind, kind_label(row.kind)))}{place} · "
                f"{row.documents:,} document{'s' if row.documents != 1 else ''}"
            )


# ---- one entity -----------------------------------------------------------------------


@st.cache_data(ttl=120, max_entries=256, show_spinner=False)
def entity_counts(home: str, slug: str, version: str) -> tuple[list, list]:
    """The entities named with `slug` and its documents per month; cached per index version (the
    documents and their mentions are indexed together), so that turning a page of its documents
    does not count them again."""
    with get_kb().session() as session:
        return queries.entity_counts(session, slug)


def open_entity(kb, slug: str):
    """The entity for `slug` (after merges), or None when there is none; a merge rewrites the URL."""
    with kb.session() as session:
        try:
            entity = resolve(session, slug)
        except NotFound:
            return None
    if entity.slug != slug:
        st.session_state["ent_merged"] = (slug, entity.slug)
        st.query_params["id"] = entity.slug
        one.set("id", entity.slug)
    return entity


def merged_note(entity) -> None:
    old, new = st.session_state.get("ent_merged") or (None, None)
    if new == entity.slug:
        st.info(
            f"“{escape_inline(old, 120)}” was merged into {escape_inline(entity.name)}: this is its page now.",
            icon=":material/merge:",
        )


def profile(entity, countries: dict[str, tuple[str, str]], events_total: int) -> None:
    st.title(escape_inline(entity.name, 200))
    facts = [escape_inline(KIND_NAMES.get(entity.kind, kind_label(entity.kind)))]
    if entity.country and entity.kind != "country":
        facts.append(escape_inline(countries.get(entity.country.upper(), (None, entity.country))[1]))
    elif entity.country:
        facts.append(f"ISO {escape_inline(entity.country)}")
    # a code span shows backslashes literally: only a well-formed slug goes in one
    facts.append(f"id `{entity.slug}`" if SLUG.match(entity.slug) else f"id {escape_inline(entity.slug)}")
    st.caption(" · ".join(facts))
    if entity.description:
        st.markdown(escape_md(entity.description))
    if entity.aliases:
        st.markdown("**Also known as:** " + " · ".join(escape_inline(a, 80) for a in entity.aliases[:40]))
    links = []
    if safe_url(entity.url):
        links.append(":material/open_in_new: " + md_link("Official site", entity.url))
    if entity.wikidata and WIKIDATA_ID.match(entity.wikidata):
        links.append(
            ":material/database: "
            + md_link(f"Wikidata {entity.wikidata}", f"https://www.wikidata.org/wiki/{entity.wikidata}")
        )
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        if links:
            st.markdown(" · ".join(links))
        if events_total:
            page_link(
                "timeline",
                f"Timeline of {entity.name} ({events_total})",
                {"entity": entity.slug},
                icon=":material/timeline:",
            )
        if entity.country and entity.kind != "country" and entity.country.upper() in countries:
            slug, name = countries[entity.country.upper()]
            page_link("entities", name, {"id": slug}, icon=":material/flag:")


def timeline_section(entity, result: tl.TimelinePage) -> None:
    st.subheader("Timeline")
    if not result.events:
        st.caption("No dated event names this entity yet.")
        return
    st.caption(
        f"The {len(result.events)} newest of {result.total} events, each with its reports and primary sources."
        if result.total > len(result.events)
        else "Newest first, each with its reports and primary sources."
    )
    for event in result.events:
        event_card(event, skip_entity=entity.slug)
    if result.total > len(result.events):
        page_link(
            "timeline",
            f"All {result.total} events on the Timeline",
            {"entity": entity.slug},
            icon=":material/timeline:",
        )


def documents_section(data, sources: dict[str, str]) -> None:
    one.top_of_results()  # after a page turn, back up to the list's heading
    st.subheader(f"Documents ({data.total_documents:,})")
    if not data.documents:
        st.caption("No document names this entity yet.")
        return
    for doc in data.documents:
        page_link("document", doc.title or "(untitled)", {"id": str(doc.id)}, icon=":material/article:", limit=160)
        when = doc.published_at.strftime("%Y-%m-%d") if doc.published_at else "undated"
        st.caption(
            f"{escape_inline(sources.get(str(doc.source_id), ''), 80)} · {when} · {escape_inline(kind_label(doc.kind))}"
        )
    one.pager(-(-data.total_documents // DOCUMENTS_PER_PAGE))


def side_sections(data, history: list[queries.ServiceChange], slug: str) -> None:
    if data.per_month:
        st.subheader("Mentions per month")
        frame, spec = charts.mentions_chart(data.per_month)
        st.vega_lite_chart(frame, spec, width="stretch")
    st.subheader("Named together with")
    if data.co_mentions:
        entity_links([(other, f"{name} ({n})") for other, name, n in data.co_mentions])
        st.caption("Entities named in the same documents, with the number of documents.")
    else:
        st.caption("No other entity is named in its documents.")
    if history:
        availability_section(history, slug)


AVAILABILITY_COLUMNS = {
    "date": tables.Column("date", "7.5em", nowrap=True),
    "state": tables.Column("state", "8em"),
    "provider": tables.Column("provider", "22%"),
    "countries": tables.Column("countries", "30%"),
    "event": tables.Column("event"),
}


def availability_section(history: list[queries.ServiceChange], slug: str) -> None:
    """Service restricted or available, newest first: every cell wraps (long country lists too)."""
    st.subheader("Availability history")
    rows: list[dict[str, tables.Cell]] = []
    for change in history:
        rows.append(
            {
                "date": change.date.isoformat(),
                "state": tables.Badge(change.state, "green" if change.state == "available" else "red"),
                "provider": ", ".join(name for s, name in change.providers if s != slug) or "—",
                "countries": ", ".join(name for s, name in change.countries if s != slug) or "—",
                "event": change.title,
            }
        )
    names = list(AVAILABILITY_COLUMNS)
    if all(r["provider"] == "—" for r in rows):  # this is a provider's page
        names.remove("provider")
    elif all(r["countries"] == "—" for r in rows):  # a country's page
        names.remove("countries")
    columns = [AVAILABILITY_COLUMNS[n] for n in names]
    tables.show_table(columns, [[r[n] for n in names] for r in rows], cards=True)  # in the narrow side column
    st.caption("Service restricted or available, from dated events; the Providers page shows the matrix on any day.")
    page_link("providers", "Providers", icon=":material/public:")


def show_entity(kb, entity) -> None:
    merged_note(entity)
    with kb.session() as session:
        total, documents = queries.entity_documents(session, entity.slug, page=one.page(), per_page=DOCUMENTS_PER_PAGE)
        pages = max(1, -(-total // DOCUMENTS_PER_PAGE))
        if one.page() > pages:
            one.first_page()
            total, documents = queries.entity_documents(session, entity.slug, page=1, per_page=DOCUMENTS_PER_PAGE)
        events = tl.timeline(session, tl.TimelineQuery(entities=(entity.slug,), limit=EVENTS_SHOWN))
        history = queries.availability_history(session, entity.slug)
        countries = queries.country_pages(session, [entity.country] if entity.country else [])
        sources = queries.source_titles(session, [d.source_id for d in documents])
    data = queries.EntityOverview(total, documents, *entity_counts(str(kb.config.home), entity.slug, index_version(kb)))
    page_link("entities", "All entities", icon=":material/arrow_back:")
    profile(entity, countries, events.total)
    follow_bar(kb, "entity", {"id": [entity.slug]})
    listing_views.entity_badge(kb, entity.slug)
    if entity.kind in ("regulation", "program"):
        rule_card_section(kb, entity.slug)
    main_column, side = st.columns([3, 2], gap="large")
    with main_column:
        rules_section(kb, entity.slug)
        timeline_section(entity, events)
    with side:
        availability_views.entity_section(kb, entity)
        side_sections(data, history, entity.slug)
        documents_section(data, sources)


def unknown_entity(kb, slug: str) -> None:
    """A slug that names nothing: say so, and offer the closest names (a typo, another spelling)."""
    with kb.session() as session:
        close = closest_entities(session, slug)
    st.warning(
        f"There is no entity “{escape_inline(slug, 120)}”. It may have been renamed or removed, or the "
        "link is wrong." + (" Did you mean one of these?" if close else " Find it in the directory below."),
        icon=":material/label_off:",
    )
    entity_links(close, label="Closest names:")


def main() -> None:
    kb = get_kb()
    slug = (st.query_params.get("id") or "").strip()
    if slug:
        one.restore()
        entity = open_entity(kb, slug)
        if entity is not None:
            show_entity(kb, entity)
            one.save()
            return
        st.title("Entities")
        unknown_entity(kb, slug)
    else:
        st.title("Entities")
    st.caption(
        "Organizations, government bodies, countries, people, AI models, products, rules and programmes "
        "the reports name. Open one for its timeline, documents and the entities named with it."
    )
    show_directory(kb)


with page_edge():
    main()
