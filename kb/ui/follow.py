"""Following from the app: the "Follow" control, the new-item counts and the feed URLs a page shows.

The Search, Entity and Timeline pages draw `follow_bar` under their title:
Follow (or Following, with the watch's new count, and Unfollow) and a
"Feed" popover with the page's Atom feed URL (and, for the Timeline, its
calendar URL) in a code block with a copy button. The Watches page and the
menu title (kb/ui/router.py) read the same counts through `new_counts`.

Watches are configuration rows, like sources: the app writes them itself
(in a read-only deployment it offers no Follow); documents are only ever
written by the writer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import streamlit as st
from sqlalchemy import func
from sqlmodel import Session, select

from kb import watches
from kb.context import KB
from kb.errors import KBError, NotFound, UserInputError
from kb.models import Document, Event, Watch
from kb.timeline import DEADLINE_KINDS, expand_kinds
from kb.ui import pages as app_pages
from kb.ui.links import page_link
from kb.ui.render import escape_inline, md_link, safe_url
from kb.ui.resources import get_kb, index_version, sentence, writes_allowed

KIND_LABELS = {"search": "Search", "entity": "Entity", "timeline": "Timeline filter"}
KIND_ICONS = {"search": ":material/search:", "entity": ":material/label:", "timeline": ":material/timeline:"}
CALENDAR_PARAMS = ("entity", "kind", "jurisdiction")  # what the calendar URL filters by
COUNT_TTL = 60  # seconds; the cache key changes with every stored document, event change and watch anyway
PAGE_PATHS = {url_path for *_, url_path in app_pages.PAGES}
# URL parameter -> the field of the page's request that holds it (sort, order and page are not kept)
REQUEST_FIELDS = {
    "search": {
        "q": "query",
        "source": "sources",
        "kind": "kinds",
        "entity": "entities",
        "since": "since",
        "until": "until",
    },
    "timeline": {
        "entity": "entities",
        "kind": "kinds",
        "jurisdiction": "jurisdiction",
        "status": "status",
        "since": "since",
        "until": "until",
    },
}
FLASH = "follow_flash"  # a message from a Follow or Unfollow callback, shown on the next run


# ---- URLs -------------------------------------------------------------------------------------


def app_base() -> str | None:
    """The app's root URL as the browser sees it (no trailing slash), or None without a browser (AppTest)."""
    return root_of(st.context.url)


def root_of(page_url: str | None) -> str | None:
    """The app's root URL from a page's URL (`st.context.url` ends with the page's path), if it is http(s)."""
    url = safe_url(page_url)
    if url is None:
        return None
    url = url.rstrip("/")
    head, _, last = url.rpartition("/")
    return head if last in PAGE_PATHS and "//" in head else url


def absolute(path: str) -> str:
    """`path` (relative to the app's root) as a full URL; left relative when the base is unknown."""
    base = app_base()
    return f"{base}/{path}" if base else path


def calendar_path(params: Mapping[str, list[str]]) -> str:
    """The iCalendar feed of a timeline filter's deadlines (kb/ui/server.py serves it). The calendar
    holds deadlines only: a kind filter goes along when it names deadlines only, else it is left out."""
    kinds = params.get("kind", [])
    deadlines = bool(kinds) and set(expand_kinds(kinds)) <= set(DEADLINE_KINDS)
    names = [n for n in CALENDAR_PARAMS if n != "kind" or deadlines]
    query = urlencode([(name, v) for name in names for v in params.get(name, [])])
    return "calendar.ics" + (f"?{query}" if query else "")


def request_params(kind: str, request: object) -> dict[str, list[str]]:
    """The URL parameters a watch keeps, read from a page's request (a SearchRequest, a TimelineQuery)."""
    out: dict[str, list[str]] = {}
    for name, field in REQUEST_FIELDS[kind].items():
        value = getattr(request, field)
        if isinstance(value, list | tuple):
            out[name] = [str(v) for v in value]
        elif isinstance(value, date):
            out[name] = [value.isoformat()]
        elif value:
            out[name] = [str(value)]
    return out


def app_page_link(path: str, label: object, *, icon: str | None = None, limit: int = 200) -> None:
    """A link to an app page given as a path relative to the app's root ("document?id=3", "?q=H20")."""
    parts = urlsplit(path)
    page = parts.path.strip("/") or "search"
    params = parse_qs(parts.query)
    page_link(page, label, {k: v if len(v) > 1 else v[0] for k, v in params.items()}, icon=icon, limit=limit)


def count_label(count: int | None) -> str:
    """A new-item count as it reads on screen: "?" when it could not be counted, "1000+" at the cap."""
    if count is None:
        return "?"
    return f"{watches.NEW_LIMIT}+" if count >= watches.NEW_LIMIT else str(count)


# ---- counts -----------------------------------------------------------------------------------


def new_counts(kb: KB) -> dict[int, int | None]:
    """The new-item count of every watch (None where it could not be counted), cached while nothing changes."""
    with kb.session() as session:
        stamp = store_stamp(kb, session)
    return _counts(str(kb.config.home), stamp)


def store_stamp(kb: KB, session: Session) -> tuple:
    """What the counts depend on: every watch as it is now, the newest document, the newest event
    change and the index generation (a changed document is indexed again)."""
    rows = tuple(
        (w.id, w.kind, w.query, json.dumps(w.filters, sort_keys=True), w.last_seen_at.isoformat())
        for w in watches.all_watches(session)
    )
    last_document = session.exec(select(func.max(Document.id))).one()
    last_event = session.exec(select(func.max(Event.updated_at))).one()
    return rows, last_document, str(last_event), index_version(kb)


@st.cache_data(ttl=COUNT_TTL, max_entries=32, show_spinner=False)
def _counts(home: str, stamp: tuple) -> dict[int, int | None]:
    kb = get_kb()
    with kb.session() as session:
        return {w.id: count_new(kb, session, w) for w in watches.all_watches(session) if w.id is not None}


def count_new(kb: KB, session: Session, watch: Watch) -> int | None:
    try:
        return watches.new_count(kb, session, watch)
    except KBError:  # a saved query the index cannot answer any more: shown as "?"
        return None


def total_new(kb: KB) -> int:
    return sum(n for n in new_counts(kb).values() if n)


# ---- Follow -----------------------------------------------------------------------------------


def find_watch(session: Session, kind: str, params: Mapping[str, list[str]]) -> Watch | None:
    """The watch that follows exactly this view (slugs taken through merges, as `watches.add` stores them)."""
    return watches.find(session, kind, params)


def follow_bar(kb: KB, kind: str, params: Mapping[str, list[str]], *, calendar: bool = False) -> None:
    """Follow or Following (with the new count and Unfollow), and the page's feed URLs, in one row."""
    try:
        checked = watches.clean_params(kind, params)
    except UserInputError as exc:
        st.caption(f"This view cannot be followed or read as a feed: {sentence(exc)}")
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        if writes_allowed():
            follow_button(kb, kind, checked)
        feed_popover(watches.feed_path_for(kind, checked), calendar_path(checked) if calendar else None)
    message = st.session_state.pop(FLASH, None)
    if message:
        st.error(message, icon=":material/error:")


def follow_button(kb: KB, kind: str, params: dict[str, list[str]]) -> None:
    with kb.session() as session:
        watch = find_watch(session, kind, params)
    if watch is None or watch.id is None:
        st.button(
            "Follow",
            key=f"follow_{kind}",
            icon=":material/notification_add:",
            on_click=follow,
            args=(kind, params),
            help="Keep this as a watch: the Watches page then shows what is new in it.",
        )
        return
    new = new_counts(kb).get(watch.id)
    page_link(
        "watches", f"Following · {count_label(new)} new", {"id": str(watch.id)}, icon=":material/notifications_active:"
    )
    st.button(
        "Unfollow",
        key=f"unfollow_{kind}",
        icon=":material/notifications_off:",
        on_click=unfollow,
        args=(watch.id,),
        type="tertiary",
        help=f"Stop following “{escape_inline(watch.name, 80)}” (this page's feed keeps working).",
    )


def follow(kind: str, params: dict[str, list[str]]) -> None:
    """Callback: a new watch for this view (none when one already follows it, e.g. from another tab)."""
    try:
        with get_kb().session() as session:
            if find_watch(session, kind, params) is None:
                watches.add(session, kind, params)
    except KBError as exc:
        st.session_state[FLASH] = sentence(exc)


def unfollow(watch_id: int) -> None:
    """Callback: remove the watch (already gone is fine)."""
    try:
        with get_kb().session() as session:
            watches.remove(session, watch_id)
    except NotFound:
        pass
    except KBError as exc:
        st.session_state[FLASH] = sentence(exc)


# ---- feeds ------------------------------------------------------------------------------------


def feed_popover(feed: str, calendar: str | None = None) -> None:
    """A "Feed" button that opens the page's Atom feed URL (and calendar URL) with copy buttons."""
    with st.popover("Feed", icon=":material/rss_feed:", help="This page as an Atom feed, for a feed reader"):
        feed_url(feed)
        if calendar:
            feed_url(calendar, "Calendar", "Deadlines and effective dates, for a calendar program:", ":material/event:")


def feed_url(
    path: str,
    label: str = "Atom feed",
    note: str = "The Atom feed, for a feed reader:",
    icon: str = ":material/rss_feed:",
) -> None:
    """A feed's full URL in a code block (with its copy button) and a link to it."""
    url = absolute(path)
    st.caption(note)
    st.code(url, language=None, wrap_lines=True)
    # the relative path is ours (its parts are percent-encoded); the full URL is checked by md_link
    st.markdown(f"{icon} " + (md_link(label, url) if safe_url(url) else f"[{label}]({path})"))
