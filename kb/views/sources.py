"""Sources page: the subscriptions, their health, and the actions the CLI offers (add, enable, poll)."""

import streamlit as st

from kb import page_list_sources
from kb.errors import IndexBusy, KBError
from kb.models import utcnow
from kb.pipeline import due_sources
from kb.store import add_source, get_source
from kb.ui import availability_views, opml_panel, queries, source_manage
from kb.ui.render import escape_inline, md_link
from kb.ui.resources import ask_writer, get_kb, page_edge, sentence, writes_allowed, writes_off_note

PER_PAGE = 50
KIND_HELP = (
    "A feed is RSS, Atom, RDF or JSON Feed. An article page is one page read for its text; a listing "
    "page is a site without a feed, read with CSS selectors. The providers' availability pages and the "
    "default listings are subscribed with the buttons below (or `kb sources add-defaults`)."
)


def when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "never"


def status_label(s) -> str:
    if s.settings.get("removed_at"):
        return "removed (documents kept)"
    return s.status if s.enabled else f"{s.status} (disabled)"


def table(sources, per_source) -> None:
    """Key columns first (they fit at 1400 px without a scroll); the URL and errors last. A cell cut
    short is read whole in the panel below (one source) or by widening its column."""
    rows = [
        {
            "id": s.id,
            "title": s.title or s.url,
            "status": status_label(s),
            "documents": per_source.get(s.id, 0),
            "next check": when(s.next_check_at) if s.enabled and s.status != "gone" else "—",
            "last check": when(s.checked_at),
            "kind": s.kind,
            "enabled": s.enabled,
            "errors": s.error_count,
            "last error": s.last_error or "",
            "warning": s.warning or "",
            "url": s.url,
        }
        for s in sources
    ]
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={
            "id": st.column_config.NumberColumn("id", width=50),
            "title": st.column_config.TextColumn("title", width=320),
            "status": st.column_config.TextColumn("status", width=150),
            "documents": st.column_config.NumberColumn("documents", width=90),
            "next check": st.column_config.TextColumn("next check", width=130),
            "last check": st.column_config.TextColumn("last check", width=130),
            "kind": st.column_config.TextColumn("kind", width=90),
            "enabled": st.column_config.CheckboxColumn("enabled", width=70),
            "errors": st.column_config.NumberColumn("errors", width=60),
            "url": st.column_config.TextColumn("url", width="medium"),
        },
    )


def run_poll(kb, ids: list[int], label: str) -> None:
    """Ask the writer to check these sources now, and show its answer (or that it is still at work)."""
    if not ids:
        st.info("No source is due for a check.", icon=":material/schedule:")
        return
    plural = "s" if len(ids) != 1 else ""
    with st.status(f"{label}: the writer is checking {len(ids)} source{plural}…", expanded=True) as box:
        answer = ask_writer(kb, "poll", source_ids=ids, wait=120)
        if answer is None or answer.status in ("pending", "running"):
            box.update(label=f"{label}: still under way", state="running")
            st.info("The writer is still at it; the table shows its results as they come.", icon=":material/sync:")
            return
        result = answer.result or ""
        failed = answer.status == "failed" or " failed: " in result or not result.endswith(" 0 failed")
        box.update(label=f"{label}: done", state="error" if failed else "complete")
    text = escape_inline(answer.error or answer.result or "", 1000)
    (st.warning if failed else st.success)(f"{label}: {text}")


KINDS = {
    "feed": "Feed (RSS, Atom, RDF or JSON Feed)",
    "article": "One article page",
    "page_list": "A listing page without a feed (CSS selectors)",
    "federal_register": "Federal Register search (API URL)",
}


def add_form(expanded: bool) -> None:
    with st.expander("Add a source", expanded=expanded, icon=":material/add:"), st.form("add_source"):
        st.text_input("URL", key="new_url", placeholder="https://example.org/feed.xml")
        st.selectbox("Kind", list(KINDS), key="new_kind", format_func=KINDS.__getitem__, help=KIND_HELP)
        st.text_input("Title (optional)", key="new_title", help="By default the source's own title.")
        st.checkbox(
            "Feeds: fetch each new item's page for its whole text",
            key="new_full_text",
            help="For feeds that carry only a title and a line of summary.",
        )
        st.checkbox(
            "Article pages: follow the page (check it again for changes)",
            value=True,
            key="new_follow",
            help="Unticked, the page is read once and not checked again.",
        )
        st.text_area(
            "Listing pages: selectors, one NAME=CSS per line",
            key="new_rules",
            placeholder="item=li.news-item\nlink=a[href]\ndate=time\nnext=a.next\nmax_pages=3",
            help="item (required), link, title, date, summary, next (CSS), max_pages, language.",
        )
        st.checkbox("Fetch it now", value=True, key="new_fetch")
        st.form_submit_button("Add source", type="primary", icon=":material/add:", on_click=queue, args=("add",))


def new_settings(kind: str) -> dict:
    """The settings the form asks for, for this kind (UserInputError when the selectors are unusable)."""
    from kb.articles import listing_settings

    if kind == "feed":
        return {"full_text": True} if st.session_state.get("new_full_text") else {}
    if kind == "article":
        return {} if st.session_state.get("new_follow", True) else {"once": True}
    if kind != "page_list":
        return {}
    return {"listing": listing_settings((st.session_state.get("new_rules") or "").splitlines(), "selector line")}


def listings_panel(kb, *, writable: bool) -> None:
    """The button that subscribes the default sites without feeds (data/sources/page_lists.yaml)."""
    if not writable:
        return
    with st.expander("Sites without feeds", icon=":material/list_alt:"):
        listings = page_list_sources.default_listings()
        st.caption(
            f"{len(listings)} listing pages read with CSS selectors: "
            f"{escape_inline(', '.join(item.title for item in listings), 300)}. Each new item's page is "
            "fetched for its text and date."
        )
        if st.button("Subscribe these sites", icon=":material/add:", key="listing_add_defaults"):
            with kb.session() as session:
                added, updated = page_list_sources.add_defaults(
                    session, allow_private=kb.config.allow_private_addresses
                )
                session.commit()
            st.success(
                f"{len(added)} added, {len(updated)} updated. New sources are due for a check now.",
                icon=":material/check:",
            )


def queue(action: str, source_id: int | None = None) -> None:
    """Callback: remember what to do; `main` does it before drawing the table, so the table is fresh."""
    st.session_state["sources_action"] = (action, source_id)


def perform(kb, action: str, source_id: int | None) -> None:
    if action == "add":
        add(kb)
    elif action == "import_opml":
        opml_panel.import_upload(kb)
    elif action in ("poll_due", "poll_all"):
        with kb.session() as session:
            ids = due_sources(session, include_all=action == "poll_all")
        run_poll(kb, ids, "Poll")
    elif source_id is None:  # the actions below are queued with the id of the source they act on
        return
    elif action == "poll":
        run_poll(kb, [source_id], f"Source {source_id}")
    elif action in ("enable", "disable"):
        set_enabled(kb, source_id, action == "enable")
    elif action == "save":
        source_manage.save(kb, source_id)
    elif action in ("remove", "remove_keep"):
        source_manage.remove(kb, source_id, keep_documents=action == "remove_keep")


def add(kb) -> None:
    kind = st.session_state.get("new_kind", "feed")
    with kb.session() as session:
        source = add_source(
            session,
            url=st.session_state.get("new_url", ""),
            kind=kind,
            title=(st.session_state.get("new_title") or "").strip(),
            settings=new_settings(kind),
            allow_private=kb.config.allow_private_addresses,
        )
        session.commit()
        source_id = source.id
    assert source_id is not None  # the commit gave it one
    st.success(f"Added source {source_id}.", icon=":material/check:")
    st.session_state["source_choice"] = source_id
    if st.session_state.get("new_fetch", True):
        run_poll(kb, [source_id], "New source")
        disable_if_first_fetch_failed(kb, source_id)


def disable_if_first_fetch_failed(kb, source_id: int) -> None:
    """A source whose first fetch failed is kept, disabled, with the reason: it is not polled
    (and retried with backoff) until the user has looked at the address and enabled it."""
    with kb.session() as session:
        source = get_source(session, source_id)
        if source.status != "failing":  # a new source: "failing" means its first fetch failed
            return
        source.enabled, source.next_check_at = False, None
        session.commit()
        error = source.last_error or "unknown error"
    st.warning(
        f"Source {source_id} is saved but **disabled**: its first fetch failed ({escape_inline(error, 300)}). "
        "Check the address, then enable it below, or remove it.",
        icon=":material/pause_circle:",
    )


def set_enabled(kb, source_id: int, enabled: bool) -> None:
    with kb.session() as session:
        source = get_source(session, source_id)
        source.enabled = enabled
        if enabled and source.settings.get("removed_at"):  # subscribed again
            source.settings = {k: v for k, v in source.settings.items() if k != "removed_at"}
        if enabled and source.next_check_at is None and source.status != "gone":
            source.next_check_at = utcnow()
        session.commit()
    st.success(f"Source {source_id} {'enabled' if enabled else 'disabled'}.", icon=":material/check:")


def actions(kb, sources, per_source, writable: bool) -> None:
    st.subheader("One source")
    labels = {s.id: f"{s.id}: {s.title or s.url}" for s in sources}
    wanted = st.query_params.get("source", "")
    if wanted.isdigit() and int(wanted) in labels and "source_choice" not in st.session_state:
        st.session_state["source_choice"] = int(wanted)
    if st.session_state.get("source_choice") not in labels:
        st.session_state.pop("source_choice", None)
    choice = st.selectbox("Source", list(labels), key="source_choice", format_func=lambda i: labels[i])
    if choice is None:
        return
    st.query_params["source"] = str(choice)
    source = next(s for s in sources if s.id == choice)
    st.caption(
        f"{escape_inline(source.kind)} · {md_link(source.url, source.url)} · polled "
        f"{source_manage.interval_phrase(source.settings.get('interval'))}"
    )
    if writable:
        source_buttons(source)
    if source.last_error:
        st.error(f"Last error ({source.error_count}×): {escape_inline(source.last_error, 500)}")
    if source.warning:
        st.warning(f"Warning from the last parse: {escape_inline(source.warning, 500)}")
    count = per_source.get(source.id, 0)
    source_manage.own_documents(kb, source, count)
    if writable:
        source_manage.manage(kb, source, count, queue)


def source_buttons(source) -> None:
    with st.container(horizontal=True):
        st.button("Poll now", icon=":material/sync:", on_click=queue, args=("poll", source.id))
        if source.enabled:
            st.button("Disable", icon=":material/pause:", on_click=queue, args=("disable", source.id))
        else:
            st.button("Enable", icon=":material/play_arrow:", on_click=queue, args=("enable", source.id))


def poll_buttons(due: int) -> None:
    st.button("Poll all due sources", icon=":material/sync:", on_click=queue, args=("poll_due",), disabled=not due)
    st.button(
        "Check every source now",
        type="tertiary",
        on_click=queue,
        args=("poll_all",),
        help="Also the sources that are not due yet (like `kb poll --all`).",
    )


def main() -> None:
    kb = get_kb()
    st.title("Sources")
    st.caption(
        "Each source is a subscription that is polled for new and changed documents. "
        "From a shell: `kb sources add URL`, `kb sources list`, `kb poll`."
    )
    writable = writes_allowed()
    pending = st.session_state.pop("sources_action", None)
    if pending and writable:  # an action queued before writes were turned off is dropped
        try:
            perform(kb, *pending)
        except IndexBusy as exc:
            st.error(
                f"The search index is busy (another process is writing to it): {escape_inline(exc)}. "
                "Try again in a moment.",
                icon=":material/hourglass_top:",
            )
        except KBError as exc:
            st.error(sentence(exc), icon=":material/error:")
    page = st.session_state.get("sources_page", 1)
    with kb.session() as session:
        sources, per_source, total = queries.source_page(session, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
        due = len(due_sources(session))
    if writable:
        add_form(expanded=total == 0)
    else:
        writes_off_note()
    opml_panel.show(kb, writable=writable, total=total, on_import=lambda: queue("import_opml"))
    availability_views.defaults_panel(kb, writable=writable)
    listings_panel(kb, writable=writable)
    if total == 0:
        hint = " Add a feed above, or load the demo corpus with `kb demo`." if writable else ""
        st.info(f"No sources yet.{hint}", icon=":material/inbox:")
        return
    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown(f"**{total}** source{'s' if total != 1 else ''} · **{due}** due for a check")
        if writable:
            poll_buttons(due)
    table(sources, per_source)
    if total > PER_PAGE:
        st.pagination(-(-total // PER_PAGE), key="sources_page")
    if sources:
        actions(kb, sources, per_source, writable)


with page_edge():
    main()
