"""Watches page: what is followed (searches, entities, timeline filters) and what is new in each.

The list shows every watch with its kind and the number of items new since
it was last seen; `watches?id=3` opens one (without it, the first with
something new is open): its new items (or, when nothing
is new, the latest ones), "Mark as seen", its page and its Atom feed, its
name and alert settings, the last alert that failed, and Remove. Watch names
and item titles may come from users and feeds: they are shown escaped.
"""

import contextlib
import re
from datetime import datetime

import streamlit as st

from kb import watches
from kb.errors import KBError, NotFound
from kb.models import Watch
from kb.ui import follow
from kb.ui.links import page_link
from kb.ui.render import escape_inline, kind_label, md_link
from kb.ui.resources import get_kb, page_edge, sentence, writes_allowed

ITEMS_SHOWN = 50  # new items listed for one watch (the count goes up to watches.NEW_LIMIT)
LATEST_SHOWN = 10  # latest items shown when nothing is new
ITEM_TITLE = 64  # characters: a page link does not wrap, and the column is narrow
SAVED = "watches_saved"  # the settings form's success note, shown after its rerun
ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


def when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "never"


def selected(rows: list[Watch], counts: dict[int, int | None]) -> Watch | None:
    """The watch named by `?id=` (an id that names none gets a note), else the first one with
    something new, else the first one."""
    raw = (st.query_params.get("id") or "").strip()
    if raw:
        found = next((w for w in rows if str(w.id) == raw), None)
        if found is None:
            st.warning(f"There is no watch {escape_inline(raw, 20)}: it may have been removed.", icon=":material/help:")
        return found
    return next((w for w in rows if counts.get(w.id or 0)), rows[0] if rows else None)


def watch_list(rows: list[Watch], counts: dict[int, int | None], current: Watch | None) -> None:
    for watch in rows:
        assert watch.id is not None  # read from the store
        with st.container(border=True):
            page_link(
                "watches",
                watch.name,
                {"id": str(watch.id)},
                icon=follow.KIND_ICONS.get(watch.kind),
                bold=current is not None and watch.id == current.id,
                limit=48,
            )
            count = counts.get(watch.id)
            new = f"**{follow.count_label(count)} new**" if count != 0 else "nothing new"
            st.caption(f"{follow.KIND_LABELS.get(watch.kind, watch.kind)} · {new} · seen {when(watch.last_seen_at)}")


def show_watch(kb, watch: Watch, count: int | None) -> None:
    assert watch.id is not None  # read from the store
    writes = writes_allowed()
    st.subheader(escape_inline(watch.name, 200))
    st.caption(
        f"{follow.KIND_LABELS.get(watch.kind, watch.kind)} · followed since {when(watch.created_at)} · "
        f"last seen {when(watch.last_seen_at)} · {alerts_summary(watch)}"
    )
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        follow.app_page_link(
            watches.app_path(watch.kind, watches.params_of(watch)), "Open its page", icon=":material/open_in_new:"
        )
        if writes:
            st.button(
                "Mark as seen",
                key="watch_seen",
                on_click=mark_seen,
                args=(watch.id,),
                icon=":material/done_all:",
                disabled=not count,
                help="Count from now on: what is listed here is no longer new.",
            )
        follow.feed_popover(watches.feed_path(watch))
    alert_problem(watch)
    items_section(kb, watch, count)
    if writes:
        settings_form(watch)
        st.button("Remove this watch", key="watch_remove", on_click=remove, args=(watch.id,), icon=":material/delete:")


def alerts_summary(watch: Watch) -> str:
    notify = watch.notify or {}
    channels = ["webhook"] if notify.get("webhook") else []
    if addresses := len(notify.get("email") or []):
        channels.append(f"{addresses} e-mail address{'es' if addresses != 1 else ''}")
    return f"alerts by {' and '.join(channels)}" if channels else "no alerts"


def alert_problem(watch: Watch) -> None:
    if not watch.alert_error:
        return
    runs = watch.alert_failures
    retry = f" The writer tries again after {when(watch.next_alert_at)}." if watch.next_alert_at else ""
    st.warning(
        f"The last alert could not be sent ({runs} failed run{'s' if runs != 1 else ''} in a row): "
        f"{escape_inline(watch.alert_error, 300)}.{retry}",
        icon=":material/notifications_paused:",
    )


def items_section(kb, watch: Watch, count: int | None) -> None:
    with kb.session() as session:
        try:
            new = watches.new_items(kb, session, watch, limit=ITEMS_SHOWN)
            latest = [] if new else watches.items(kb, session, watch, limit=LATEST_SHOWN)
        except KBError as exc:
            st.warning(sentence(exc), icon=":material/help:")
            return
    if new:
        total = len(new) if count is None else count
        shown = f" (the {len(new)} newest)" if total > len(new) else ""
        st.markdown(f"**{follow.count_label(total)} new** since {when(watch.last_seen_at)}{shown}")
    elif latest:
        st.caption(f"Nothing new since {when(watch.last_seen_at)}. The latest:")
    else:
        st.caption("Nothing matches this watch yet.")
    for item in new or latest:
        item_row(item)


def item_row(item: watches.Item) -> None:
    icon = ":material/article:" if item.kind == "document" else ":material/event:"
    follow.app_page_link(item.app_path, item.title, icon=icon, limit=ITEM_TITLE)
    label = kind_label(item.label) if item.kind == "document" else item.label[:1].upper() + item.label[1:]
    parts = [escape_inline(label, 80)]
    if item.kind == "document" and item.published:
        parts.append(f"{item.published:%Y-%m-%d}")
    parts.append(f"changed {when(item.updated)}")
    if item.source_url:
        parts.append(md_link("source", item.source_url))
    st.caption(" · ".join(p for p in parts if p))


def settings_form(watch: Watch) -> None:
    notify = watch.notify or {}
    with (
        st.expander("Name and alerts", icon=":material/settings:"),
        st.form(f"watch_settings_{watch.id}", border=False),
    ):
        name = st.text_input("Name", value=watch.name, max_chars=200)
        hook = st.text_input(
            "Webhook URL",
            value=notify.get("webhook", ""),
            placeholder="https://example.org/hook",
            help="The writer POSTs new items to it as JSON, after each poll that stores some.",
        )
        emails = st.text_area(
            "E-mail addresses",
            value="\n".join(notify.get("email", [])),
            placeholder="analyst@example.org",
            help="One per line: each gets one digest per poll with new items (needs the SMTP settings).",
            height=90,
        )
        if st.form_submit_button("Save", icon=":material/save:"):
            save_settings(watch.id, name, hook, emails)
    if st.session_state.pop(SAVED, False):
        st.success("Saved.", icon=":material/check:")


def save_settings(watch_id: int | None, name: str, hook: str, emails: str) -> None:
    """Rename the watch and set its alerts; a changed alert target starts again without past failures."""
    addresses = [a for a in ADDRESS_SEPARATORS.split(emails) if a]
    try:
        with get_kb().session() as session:
            watches.update(session, watch_id or 0, name=name, notify={"webhook": hook.strip(), "email": addresses})
    except KBError as exc:
        st.error(sentence(exc), icon=":material/error:")
        return
    st.session_state[SAVED] = True
    st.rerun()  # the list above shows the new name


def mark_seen(watch_id: int) -> None:
    """Callback: what the watch shows now is no longer new."""
    with get_kb().session() as session, contextlib.suppress(NotFound):
        watches.mark_seen(session, watch_id)


def remove(watch_id: int) -> None:
    """Callback: remove the watch and close it."""
    with get_kb().session() as session, contextlib.suppress(NotFound):
        watches.remove(session, watch_id)
    st.query_params.pop("id", None)


def empty_state() -> None:
    st.info(
        "Nothing is followed yet. Press **Follow** on the Search page, on an entity's page or on the "
        "Timeline, or from a shell: `kb watch add entity nvidia`. Each watch counts what is new in it "
        "and is an Atom feed too.",
        icon=":material/notifications:",
    )


def main() -> None:
    kb = get_kb()
    st.title("Watches")
    st.caption(
        "Searches, entities and timeline filters you follow, each with what is new since it was last seen, "
        "its Atom feed and its alerts."
    )
    with kb.session() as session:
        rows = watches.all_watches(session)
    if not rows:
        empty_state()
        return
    counts = follow.new_counts(kb)
    current = selected(rows, counts)
    listing, detail = st.columns([2, 3], gap="large")
    with listing:
        watch_list(rows, counts, current)
    with detail:
        if current is not None:
            show_watch(kb, current, counts.get(current.id or 0))
    if not writes_allowed():
        st.caption("Writes are turned off in this deployment (`KB_READ_ONLY=1`): watches are changed with `kb watch`.")


with page_edge():
    main()
