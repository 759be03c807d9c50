"""HTTP routes served by the same server as the UI (`st.App(..., routes=ROUTES, middleware=MIDDLEWARE)`).

Streamlit 1.67's `st.App` accepts extra Starlette routes and middleware;
`streamlit run app.py` finds the `app = st.App(...)` assignment and serves it
with uvicorn. Here: the Atom feeds (`/feeds/...`), the deadlines calendar
(`/calendar.ics`), the OPML export of the subscriptions (`/opml`) and, from kb/api.py, the JSON API
(`/api/...`); kb/ui/discovery.py adds the feeds' `<link rel="alternate">` to
the pages.

Feeds and the calendar are computed from the database on every request
(nothing is cached that could go stale) and answer conditional requests:
the ETag is a hash of the body, Last-Modified the latest change among the
entries; If-None-Match, when given, decides alone (RFC 9110), else
If-Modified-Since. `Cache-Control: no-cache` makes caches ask every time.

Absolute links start from the request's own base URL. Uvicorn (under
`streamlit run`) already applies X-Forwarded-Proto and X-Forwarded-For from
trusted proxies only (127.0.0.1 unless FORWARDED_ALLOW_IPS says otherwise),
and the reverse proxy of the README passes the Host header on, so the base
URL is the public one there; X-Forwarded-Host is not read, since any client
could set it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Match, Route

from kb import feeds_out, watches
from kb import timeline as tl
from kb.api import API_ROUTES, choice_param, edge, error, query_lists, resolve_params, unknown_is_bad_input
from kb.context import KB
from kb.entities import resolve
from kb.errors import UserInputError
from kb.events.candidates import DEADLINE_KINDS
from kb.feeds_out import FeedInfo
from kb.opml import export_opml
from kb.search import SORTS, SearchRequest, SearchResult, search
from kb.ui import exports, queries
from kb.ui.discovery import FeedDiscovery
from kb.ui.resources import current_index, get_kb

log = logging.getLogger(__name__)

ATOM = "application/atom+xml; charset=utf-8"
CALENDAR = "text/calendar; charset=utf-8"
CALENDAR_LIMIT = 2000  # deadlines in the calendar, upcoming first
SITE = "AI policy KB"
WATCH_SUBTITLES = {"search": "A saved search", "entity": "A followed entity", "timeline": "A timeline filter"}


def health_kb(request: Request) -> JSONResponse:
    """GET /api/health-kb: the store answers, with its document and source counts."""
    try:
        kb = get_kb()
        with kb.session() as session:
            body = {"status": "ok", **queries.counts(session)}
    except Exception as exc:
        log.warning("health check failed: %s", exc)
        return JSONResponse({"status": "error", "error": type(exc).__name__}, status_code=503)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


# ---- conditional GET ---------------------------------------------------------------------------------


def conditional(request: Request, body: bytes, media_type: str, changed: datetime | None, **headers: str) -> Response:
    """`body` with its validators, or 304 Not Modified (no body) when the client has it already.
    `changed` (naive UTC) is the Last-Modified date; None sends none (the ETag alone decides)."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    last_modified = changed.replace(microsecond=0, tzinfo=UTC) if changed else None
    head = {"ETag": etag, "Cache-Control": "no-cache", **headers}
    if last_modified:
        head["Last-Modified"] = format_datetime(last_modified, usegmt=True)
    if not_modified(request, etag, last_modified):
        return Response(status_code=304, headers=head)
    return Response(body, media_type=media_type, headers=head)


def not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    wanted = request.headers.get("if-none-match")
    if wanted is not None:
        tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if not since or last_modified is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    return last_modified <= (when if when.tzinfo else when.replace(tzinfo=UTC))


# ---- Atom feeds ---------------------------------------------------------------------------------------


def base_url(request: Request) -> str:
    """The app's root as this request reached it, ending in "/" (see the module docstring)."""
    return str(request.base_url)


def open_for_items() -> KB:
    """The app's knowledge base, with the index reopened if `kb reindex` swapped in a new one."""
    kb = get_kb()
    current_index(kb)
    return kb


def atom_response(request: Request, info: FeedInfo, items: list[watches.Item]) -> Response:
    base = base_url(request)
    body = feeds_out.atom_feed(info, items, base, self_url=base + info.path)
    return conditional(request, body, ATOM, feeds_out.feed_updated(items))


@edge
def watch_feed(request: Request) -> Response:
    """GET /feeds/watch/{id}.atom: a watch's latest items."""
    kb = open_for_items()
    with kb.session() as session:
        watch = watches.get(session, request.path_params["id"])
        page = watches.app_path(watch.kind, watches.params_of(watch))
        info = FeedInfo(watches.feed_path(watch), f"{watch.name} · {SITE}", page, WATCH_SUBTITLES.get(watch.kind, ""))
        items = watches.items(kb, session, watch)
    return atom_response(request, info, items)


@edge
def entity_feed(request: Request) -> Response:
    """GET /feeds/entity/{slug}.atom: documents that name the entity and events about it."""
    kb = open_for_items()
    with kb.session() as session:
        entity = resolve(session, request.path_params["slug"])
        params = {"id": [entity.slug]}
        items = watches.items_for(kb, session, "entity", params)
    subtitle = f"Documents that name {entity.name} and events about it"
    page = watches.app_path("entity", params)
    info = FeedInfo(watches.feed_path_for("entity", params), f"{entity.name} · {SITE}", page, subtitle)
    return atom_response(request, info, items)


def filter_feed(kind: str):
    """GET /feeds/search.atom or /feeds/timeline.atom: the page's parameters as a feed."""

    @edge
    def feed(request: Request) -> Response:
        params = watches.clean_params(kind, query_lists(request))
        kb = open_for_items()
        with kb.session() as session, unknown_is_bad_input():
            params = resolve_params(session, kind, params)
            items = watches.items_for(kb, session, kind, params)
            name = watches.default_name(session, kind, params)
        info = FeedInfo(watches.feed_path_for(kind, params), f"{name} · {SITE}", watches.app_path(kind, params))
        return atom_response(request, info, items)

    feed.__name__ = feed.__qualname__ = f"{kind}_feed"
    return feed


# ---- the deadlines calendar -----------------------------------------------------------------------------


@edge
def calendar(request: Request) -> Response:
    """GET /calendar.ics?entity=&kind=&jurisdiction=: deadlines and effective dates to subscribe to."""
    raw = query_lists(request)
    params = {k: v for k, v in watches.clean_params("timeline", raw).items() if k in ("entity", "kind", "jurisdiction")}
    kinds = tl.expand_kinds(params.get("kind", ()))
    if set(kinds) - set(DEADLINE_KINDS):
        raise UserInputError(f"the calendar holds deadlines only: kind must be deadline or {', '.join(DEADLINE_KINDS)}")
    with get_kb().session() as session:
        params = resolve_params(session, "timeline", params)
        events = deadline_events(session, params, kinds or DEADLINE_KINDS, date.today())
        rule_names = queries.entity_names(session, [e.rule for e in events if e.rule])
        name = watches.default_name(session, "timeline", params) if params else ""
    path = "calendar.ics" + (f"?{urlencode([(k, v) for k, vs in params.items() for v in vs])}" if params else "")
    info = feeds_out.CalendarInfo(
        name=f"AI policy deadlines ({name})" if name else "AI policy deadlines",
        description="Comment deadlines, compliance and effective dates from the AI policy knowledge base",
        path=path,
    )
    body = feeds_out.deadlines_calendar(info, events, rule_names, base_url(request))
    changed = max((e.updated_at for e in events), default=feeds_out.EMPTY_UPDATED)
    return conditional(request, body, CALENDAR, changed)


def deadline_events(
    session: Session, params: dict[str, list[str]], kinds: tuple[str, ...], today: date
) -> list[tl.TimelineEvent]:
    """Every past deadline (a subscribed calendar keeps its history: what was due, when) and the
    upcoming ones, as `kb timeline --upcoming`: those of a rule rescinded by today are left out."""
    jurisdiction = params["jurisdiction"][0] if params.get("jurisdiction") else None
    found = tl.deadlines_query(session, today, entities=params.get("entity", ()), jurisdiction=jurisdiction)
    upcoming = replace(found, kinds=kinds)
    past = replace(upcoming, since=None, until=today - timedelta(days=1), exclude_rules=(), order="newest")
    ahead = tl.all_events(session, upcoming, limit=CALENDAR_LIMIT)
    behind = tl.all_events(session, past, limit=CALENDAR_LIMIT - len(ahead)) if len(ahead) < CALENDAR_LIMIT else []
    return behind[::-1] + ahead


# ---- search exports ---------------------------------------------------------------------------------------


def search_export(fmt: str):
    """GET /export/search.csv or /export/search.json: every result of the Search page's query (q, source,
    kind, entity, since, until, sort), up to kb.ui.exports.EXPORT_CAP, streamed page by page."""

    @edge
    def export(request: Request) -> Response:
        raw = query_lists(request)
        params = watches.clean_params("search", raw)
        sort = choice_param(raw, "sort", SORTS, "relevance")
        kb = open_for_items()
        with kb.session() as session:
            params = resolve_params(session, "search", params)
        wanted = replace(watches.search_request(params), sort=sort, facets=False)
        probe = run_export_search(kb, replace(wanted, per_page=1))
        name = exports.export_file_name(probe.total, fmt)
        pages = exports.search_pages(lambda r: run_export_search(kb, r), wanted)
        body = exports.stream_csv(pages) if fmt == "csv" else exports.stream_json(pages)
        headers = {
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Result-Total": str(probe.total),
            "X-Export-Cap": str(exports.EXPORT_CAP),
        }
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        return StreamingResponse(body, media_type=media, headers=headers)

    export.__name__ = export.__qualname__ = f"search_export_{fmt}"
    return export


def run_export_search(kb: KB, request: SearchRequest) -> SearchResult:
    """One page of an export, in its own session (a streamed response outlives the route's)."""
    ix = current_index(kb)
    if ix.doc_count() == 0:
        return SearchResult(request=request)
    with kb.session() as session:
        return search(ix, session, request)


# ---- OPML -------------------------------------------------------------------------------------------------


@edge
def opml(request: Request) -> Response:
    """GET /opml: every feed subscription as OPML 2.0 (kb/opml.py), for a feed reader to import."""
    with get_kb().session() as session:
        body = export_opml(session)
    # No validators: the document carries its own creation time, so it differs on every request.
    headers = {"Content-Disposition": 'inline; filename="ai-policy-kb.opml"', "Cache-Control": "no-cache"}
    return Response(body, media_type="text/x-opml; charset=utf-8", headers=headers)


def not_found(request: Request) -> Response:
    """Any other path under /api/ or /feeds/: a JSON 404 (or 405 for a known path and another method),
    never the app's HTML page."""
    scope = dict(request.scope, method="GET")
    if any(r.matches(scope)[0] == Match.FULL for r in ROUTES if getattr(r, "endpoint", None) is not not_found):
        return error(405, f"{request.method} is not allowed here; use GET")
    return error(404, f"nothing at {request.url.path[:200]}; the routes are listed at /api/openapi.json")


ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]  # for the catch-all routes
ROUTES = [
    Route("/api/health-kb", health_kb, methods=["GET"]),
    *API_ROUTES,
    Route("/feeds/watch/{id:int}.atom", watch_feed, methods=["GET"]),
    Route("/feeds/entity/{slug}.atom", entity_feed, methods=["GET"]),
    Route("/feeds/search.atom", filter_feed("search"), methods=["GET"]),
    Route("/feeds/timeline.atom", filter_feed("timeline"), methods=["GET"]),
    Route("/calendar.ics", calendar, methods=["GET"]),
    Route("/opml", opml, methods=["GET"]),
    Route("/export/search.csv", search_export("csv"), methods=["GET"]),
    Route("/export/search.json", search_export("json"), methods=["GET"]),
    # Last: anything else under /api/ or /feeds/ is a JSON 404, not the app's HTML page.
    Route("/api/{rest:path}", not_found, methods=ANY_METHOD),
    Route("/feeds/{rest:path}", not_found, methods=ANY_METHOD),
]
MIDDLEWARE = [Middleware(FeedDiscovery)]
