"""Watches: what a person follows (a saved search, an entity, a timeline filter) and what is new in it.

A watch keeps the same URL parameters as the page it was made from (the
Search page's `q`, `source`, `kind`, `entity`, `since`, `until`; the
Timeline page's `entity`, `kind`, `jurisdiction`, `status`, `since`,
`until`; the Entities page's `id`), so a watch, its page, its Atom feed and
the JSON API all ask the same question of the store.

Its items are documents and events, each with the time it last changed in
the store (`updated`): a document when it was stored or its content changed,
an event when it was created, re-dated, given a new status or a new report.
"New since last seen" compares that time with the watch's `last_seen_at`;
alerts (kb/alerts.py) send each item at most once per `updated` time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote, urlencode

from sqlmodel import Session, col, select

from kb.context import KB
from kb.errors import NotFound, UserInputError
from kb.models import Document, Entity, Event, EventEntity, Mention, Watch, utcnow
from kb.search import SearchRequest, search
from kb.timeline import TimelineQuery, filtered_events, resolve_entities

KINDS = ("search", "entity", "timeline")
# The URL parameters each kind keeps (the matching page's own names); lists may repeat.
PARAMS: dict[str, dict[str, str]] = {
    "search": {"q": "text", "source": "list", "kind": "list", "entity": "list", "since": "date", "until": "date"},
    "entity": {"id": "text"},
    "timeline": {
        "entity": "list",
        "kind": "list",
        "jurisdiction": "text",
        "status": "text",
        "since": "date",
        "until": "date",
    },
}
PAGE = {"search": "", "entity": "entities", "timeline": "timeline"}  # app URL path of each kind's page
FEED_LIMIT = 50  # entries in a feed
NEW_LIMIT = 1000  # new items counted at most (the app shows "1000+")
MAX_LIST = 20  # values of one repeatable parameter


@dataclass(frozen=True)
class Item:
    """A document or an event, as a feed entry, an alert line or a "new" row."""

    key: str  # "document:12", "event:7": stable across fetches
    kind: str  # document, event
    id: int
    title: str
    summary: str  # plain text, untrusted: escape it wherever it is shown
    updated: datetime  # last change in the store (UTC, naive)
    published: datetime | None  # the document's own date; the event's date
    source_url: str | None  # the primary source (http or https only)
    app_path: str  # the item's page in the app, relative to the app's root ("document?id=12")
    label: str = ""  # a short tag: the event kind and status, the document kind


# ---- parameters --------------------------------------------------------------------------


def clean_params(kind: str, params: Mapping[str, Sequence[str] | str]) -> dict[str, list[str]]:
    """The parameters `kind` keeps, checked; UserInputError names the first bad one.

    Unknown parameters are left out (a feed URL may carry `page` or `sort` from the page it
    was copied from); empty values are dropped."""
    if kind not in KINDS:
        raise UserInputError(f"unknown watch kind {kind!r}; expected one of {', '.join(KINDS)}")
    out: dict[str, list[str]] = {}
    for name, shape in PARAMS[kind].items():
        raw = params.get(name)
        values = [raw] if isinstance(raw, str) else list(raw or [])
        values = [v.strip() for v in values if v and v.strip()]
        if not values:
            continue
        if shape != "list" and len(values) > 1:
            raise UserInputError(f"{name} is given {len(values)} times; it takes one value")
        if len(values) > MAX_LIST:
            raise UserInputError(f"{name} is given {len(values)} times; at most {MAX_LIST}")
        if any(len(v) > 1000 for v in values):
            raise UserInputError(f"{name} is longer than 1000 characters")
        if shape == "date":
            _day(name, values[0])
        out[name] = values
    if kind == "entity" and "id" not in out:
        raise UserInputError("an entity watch needs the entity's id (its slug)")
    since, until = out.get("since"), out.get("until")
    if since and until and _day("since", since[0]) > _day("until", until[0]):
        raise UserInputError(f"since {since[0]} is after until {until[0]}")
    return out


def _day(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserInputError(f"{name} must be a day as YYYY-MM-DD, not {value[:40]!r}") from None


def _one(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _date(params: Mapping[str, list[str]], name: str) -> date | None:
    value = _one(params, name)
    return _day(name, value) if value else None


def search_request(params: Mapping[str, list[str]], *, per_page: int = FEED_LIMIT, page: int = 1) -> SearchRequest:
    """The Search page's request for these (checked) parameters, newest first."""
    return SearchRequest(
        query=_one(params, "q") or "",
        sources=list(params.get("source", [])),
        kinds=list(params.get("kind", [])),
        entities=list(params.get("entity", [])),
        since=_date(params, "since"),
        until=_date(params, "until"),
        sort="date",
        page=page,
        per_page=per_page,
        facets=False,
    )


def timeline_query(params: Mapping[str, list[str]], *, limit: int = FEED_LIMIT) -> TimelineQuery:
    """The Timeline page's query for these (checked) parameters, newest first."""
    return TimelineQuery(
        entities=tuple(params.get("entity", [])),
        kinds=tuple(params.get("kind", [])),
        jurisdiction=_one(params, "jurisdiction"),
        status=_one(params, "status"),
        since=_date(params, "since"),
        until=_date(params, "until"),
        limit=limit,
    )


def params_of(watch: Watch) -> dict[str, list[str]]:
    """The watch's URL parameters (its page's), `q` included for a search."""
    params = {k: list(v) if isinstance(v, list) else [str(v)] for k, v in (watch.filters or {}).items()}
    if watch.kind == "search" and watch.query:
        params["q"] = [watch.query]
    return params


def app_path(kind: str, params: Mapping[str, list[str]]) -> str:
    """The page a watch of `kind` with these parameters comes from, relative to the app's root."""
    query = urlencode([(k, v) for k, values in params.items() for v in values])
    return PAGE[kind] + (f"?{query}" if query else "")


def feed_path(watch: Watch) -> str:
    """The watch's Atom feed, relative to the app's root (served by kb/ui/server.py)."""
    return f"feeds/watch/{watch.id}.atom"


def feed_path_for(kind: str, params: Mapping[str, list[str]]) -> str:
    """The Atom feed of what a page shows, without a watch: `feeds/search.atom?q=...`,
    `feeds/entity/<slug>.atom`, `feeds/timeline.atom?kind=...` (relative to the app's root)."""
    if kind == "entity":
        return f"feeds/entity/{quote(_one(params, 'id') or '', safe='')}.atom"
    query = urlencode([(k, v) for k, values in params.items() for v in values])
    return f"feeds/{kind}.atom" + (f"?{query}" if query else "")


def default_name(session: Session, kind: str, params: Mapping[str, list[str]]) -> str:
    if kind == "entity":
        slug = _one(params, "id") or ""
        entity = session.get(Entity, slug)
        return entity.name if entity else slug
    words = [_one(params, "q") or ""] if kind == "search" else []
    for name in ("entity", "kind", "source", "jurisdiction", "status"):
        if params.get(name):
            words.append(f"{name}: {', '.join(params[name])}")
    for name in ("since", "until"):
        if params.get(name):
            words.append(f"{name} {params[name][0]}")
    text = "; ".join(w for w in words if w)
    return (text or ("Everything" if kind == "search" else "All events"))[:120]


# ---- watches --------------------------------------------------------------------------------


def add(
    session: Session,
    kind: str,
    params: Mapping[str, Sequence[str] | str],
    *,
    name: str | None = None,
    notify: Mapping[str, object] | None = None,
) -> Watch:
    """A new watch (committed). An entity watch needs a known entity; parameters are checked."""
    checked = resolve_params(session, kind, clean_params(kind, params))
    query = checked.pop("q", [""])[0] if kind == "search" else ""
    watch = Watch(
        name=(name or "").strip()[:200] or default_name(session, kind, {**checked, "q": [query]}),
        kind=kind,
        query=query,
        filters=checked,
        notify=check_notify(notify or {}),
    )
    session.add(watch)
    session.commit()
    session.refresh(watch)
    return watch


def resolve_params(session: Session, kind: str, checked: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Checked parameters with entity slugs as the store keeps them: merges followed (NotFound for
    an unknown one), and lower-case for a search (the index keeps them so). A watch, a feed and the
    API all ask with these, so the same view always finds the same watch."""
    out = {k: list(v) for k, v in checked.items()}
    if kind == "entity":
        out["id"] = resolve_entities(session, out["id"][:1])[:1]
    elif out.get("entity"):
        slugs = [s.lower() for s in out["entity"]] if kind == "search" else out["entity"]
        out["entity"] = list(dict.fromkeys(resolve_entities(session, slugs)))
    return out


def update(
    session: Session, watch_id: int, *, name: str | None = None, notify: Mapping[str, object] | None = None
) -> Watch:
    """Rename a watch or change its alerts (committed); a changed alert target starts again
    without the old target's failures."""
    watch = get(session, watch_id)
    if name is not None:
        if not name.strip():
            raise UserInputError("a watch needs a name")
        watch.name = name.strip()[:200]
    if notify is not None:
        checked = check_notify(notify)
        if checked != (watch.notify or {}):
            watch.alert_error, watch.alert_failures, watch.next_alert_at = None, 0, None
        watch.notify = checked
    session.add(watch)
    session.commit()
    return watch


def check_notify(notify: Mapping[str, object]) -> dict:
    """The alert settings, checked: a webhook http(s) URL and e-mail addresses."""
    out: dict = {}
    hook = notify.get("webhook")
    if hook:
        if not isinstance(hook, str) or not hook.lower().startswith(("http://", "https://")):
            raise UserInputError("the webhook must be an http:// or https:// URL")
        out["webhook"] = hook.strip()
    emails = notify.get("email")
    if emails:
        addresses = [emails] if isinstance(emails, str) else list(emails) if isinstance(emails, list | tuple) else []
        for address in addresses:
            if not isinstance(address, str) or "@" not in address or any(c in address for c in "\r\n,; <>"):
                raise UserInputError(f"not an e-mail address: {str(address)[:80]!r}")
        out["email"] = [a.strip() for a in addresses]
    return out


def get(session: Session, watch_id: int) -> Watch:
    watch = session.get(Watch, watch_id)
    if watch is None:
        raise NotFound(f"no watch {watch_id} (see `kb watch list`)")
    return watch


def all_watches(session: Session) -> list[Watch]:
    return list(session.exec(select(Watch).order_by(col(Watch.id))))


def find(session: Session, kind: str, params: Mapping[str, Sequence[str] | str]) -> Watch | None:
    """The watch that already follows exactly this, if any (so "Follow" does not make two)."""
    try:
        checked = resolve_params(session, kind, clean_params(kind, params))
    except NotFound:  # an entity nobody can follow is followed by no watch
        return None
    query = checked.pop("q", [""])[0] if kind == "search" else ""
    for watch in session.exec(select(Watch).where(Watch.kind == kind, Watch.query == query)):
        if (watch.filters or {}) == checked:
            return watch
    return None


def remove(session: Session, watch_id: int) -> None:
    session.delete(get(session, watch_id))
    session.commit()


def mark_seen(session: Session, watch_id: int, at: datetime | None = None) -> Watch:
    watch = get(session, watch_id)
    watch.last_seen_at = at or utcnow()
    session.add(watch)
    session.commit()
    return watch


# ---- items ------------------------------------------------------------------------------------


def items(kb: KB, session: Session, watch: Watch, *, limit: int = FEED_LIMIT) -> list[Item]:
    """The watch's latest items (its feed's entries), newest change first."""
    return items_for(kb, session, watch.kind, params_of(watch), limit=limit)


def items_for(
    kb: KB, session: Session, kind: str, params: Mapping[str, list[str]], *, limit: int = FEED_LIMIT, since=None
) -> list[Item]:
    """The latest items of a watch of `kind` with (checked) `params`, newest change first;
    with `since`, only those changed after it."""
    if kind == "search":
        found = search_items(kb, session, params, limit=limit, since=since)
    elif kind == "entity":
        found = entity_items(session, _one(params, "id") or "", limit=limit, since=since)
    else:
        found = timeline_items(session, params, limit=limit, since=since)
    return sorted(found, key=lambda i: (i.updated, i.key), reverse=True)[:limit]


def new_items(kb: KB, session: Session, watch: Watch, *, limit: int = NEW_LIMIT) -> list[Item]:
    """What changed in the watch since it was last seen."""
    return items_for(kb, session, watch.kind, params_of(watch), limit=limit, since=watch.last_seen_at)


def new_count(kb: KB, session: Session, watch: Watch) -> int:
    return len(new_items(kb, session, watch))


def search_items(
    kb: KB, session: Session, params: Mapping[str, list[str]], *, limit: int = FEED_LIMIT, since=None
) -> list[Item]:
    """Documents matching a search, newest first; with `since`, those stored or changed after it."""
    request = search_request(params, per_page=limit)
    if since is not None:
        changed = session.exec(
            select(Document.id).where(col(Document.fetched_at) > since).order_by(col(Document.fetched_at).desc())
        ).all()
        request.only_ids = [i for i in changed if i is not None][:NEW_LIMIT]
        if not request.only_ids:
            return []
    result = search(kb.index, session, request)
    if result.note and not result.hits:
        raise UserInputError(result.note)
    docs = {d.id: d for d in session.exec(select(Document).where(col(Document.id).in_([h.id for h in result.hits])))}
    return [document_item(docs[h.id]) for h in result.hits if h.id in docs]


def entity_items(session: Session, slug: str, *, limit: int = FEED_LIMIT, since=None) -> list[Item]:
    """Documents that name the entity and events about it, newest change first."""
    slugs = resolve_entities(session, [slug])
    doc_stmt = (
        select(Document)
        .join(Mention, col(Mention.document_id) == col(Document.id))
        .where(col(Mention.entity_slug).in_(slugs))
        .order_by(col(Document.fetched_at).desc(), col(Document.id).desc())
        .limit(limit)
    )
    event_stmt = (
        select(Event)
        .where(col(Event.id).in_(select(EventEntity.event_id).where(col(EventEntity.entity_slug).in_(slugs))))
        .order_by(col(Event.updated_at).desc(), col(Event.id).desc())
        .limit(limit)
    )
    if since is not None:
        doc_stmt = doc_stmt.where(col(Document.fetched_at) > since)
        event_stmt = event_stmt.where(col(Event.updated_at) > since)
    found = [document_item(d) for d in session.exec(doc_stmt)]
    found += [event_item(e) for e in session.exec(event_stmt)]
    return found


def timeline_items(
    session: Session, params: Mapping[str, list[str]], *, limit: int = FEED_LIMIT, since=None
) -> list[Item]:
    """Events matching a timeline filter, newest change first."""
    stmt = filtered_events(session, timeline_query(params, limit=limit).checked())
    if since is not None:
        stmt = stmt.where(col(Event.updated_at) > since)
    stmt = stmt.order_by(col(Event.updated_at).desc(), col(Event.id).desc()).limit(limit)
    return [event_item(e) for e in session.exec(stmt)]


def document_item(doc: Document) -> Item:
    assert doc.id is not None  # read from the store
    return Item(
        key=f"document:{doc.id}",
        kind="document",
        id=doc.id,
        title=doc.title or "(untitled)",
        summary=(doc.summary or doc.body or "")[:1000],
        updated=doc.fetched_at,
        published=doc.published_at,
        source_url=_web(doc.url),
        app_path=f"document?id={doc.id}",
        label=doc.kind,
    )


def event_item(event: Event) -> Item:
    assert event.id is not None  # read from the store
    day = event.date.isoformat()
    return Item(
        key=f"event:{event.id}",
        kind="event",
        id=event.id,
        title=f"{day}: {event.title}",
        summary=event.summary or "",
        updated=event.updated_at,
        published=datetime(event.date.year, event.date.month, event.date.day),
        source_url=next((u for u in (_web(s) for s in event.sources or []) if u), None),
        app_path="timeline?" + urlencode({"since": day, "until": day}),
        label=" · ".join(x for x in (event.kind.replace("_", " "), (event.status or "").replace("_", " ")) if x),
    )


def _web(url: object) -> str | None:
    return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else None


# ---- JSON (the CLI's and the API's shape) ----------------------------------------------------------


def as_json(w: Watch, *, new: int | None = None) -> dict:
    params = params_of(w)
    data = {
        "id": w.id,
        "name": w.name,
        "kind": w.kind,
        "params": params,
        "page": app_path(w.kind, params),
        "feed": feed_path(w),
        "notify": w.notify or {},
        "created_at": w.created_at.isoformat(),
        "last_seen_at": w.last_seen_at.isoformat(),
        "alert_error": w.alert_error,
        "alert_failures": w.alert_failures,
    }
    if new is not None:
        data["new"] = new
    return data


def item_json(item: Item) -> dict:
    return {
        "key": item.key,
        "kind": item.kind,
        "id": item.id,
        "title": item.title,
        "summary": item.summary,
        "updated": item.updated.isoformat(),
        "published": item.published.isoformat() if item.published else None,
        "source_url": item.source_url,
        "page": item.app_path,
        "label": item.label,
    }
