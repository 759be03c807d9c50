"""The JSON API: what the pages show, as JSON for scripts, on the app's own server.

Each route asks the library the question its page asks, with the page's URL
parameters (kb/watches.py keeps their names and checks them), plus paging:
`/api/search` runs `kb.search.search` like the Search page, `/api/timeline`
runs `kb.timeline.timeline` like the Timeline page, and so on. The routes are
registered with the feeds in kb/ui/server.py; the OpenAPI description at
the end of this module covers all of them.

Errors are JSON, `{"error": "...", "status": N}`, never HTML: 400 for a
parameter that cannot be used, 404 for an unknown id or path, 405 for
another method than GET, 503 when the store or the index cannot be used,
500 (logged) for a bug.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kb import timeline as tl
from kb import watches
from kb.entities import entity_page, resolve
from kb.errors import IndexBusy, IndexOutdated, KBError, NotFound, RegistryError, StorageError, UserInputError
from kb.models import Watch
from kb.search import SORTS, SearchResult, search
from kb.store import document_counts, get_document, get_source, list_sources
from kb.ui import queries
from kb.ui.resources import current_index, get_kb
from kb.ui.url_state import MAX_PAGE

log = logging.getLogger(__name__)

MAX_PER_PAGE = 100
ENTITY_DOCUMENTS = 10  # recent documents on an entity (as its page)
ENTITY_EVENTS = 8  # newest events on an entity (as its page)
UNAVAILABLE = (StorageError, IndexBusy, IndexOutdated, RegistryError, OSError, SQLAlchemyError)
Endpoint = Callable[[Request], Response]


# ---- the edge: every failure becomes a JSON error ------------------------------------------------


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status, headers={"Cache-Control": "no-store"})


def edge(endpoint: Endpoint) -> Endpoint:
    """Run `endpoint`, answering the knowledge base's errors as JSON with their status code."""

    @functools.wraps(endpoint)
    def answer(request: Request) -> Response:
        try:
            return endpoint(request)
        except UserInputError as exc:
            return error(400, str(exc))
        except NotFound as exc:
            return error(404, str(exc))
        except UNAVAILABLE as exc:
            log.warning("%s %s: the store cannot be used: %s", request.method, request.url.path, exc)
            return error(503, f"the knowledge base cannot be used right now: {type(exc).__name__}")
        except KBError as exc:
            return error(400, str(exc))
        except Exception:  # a bug: logged in full, answered in one line
            log.exception("%s %s failed", request.method, request.url.path)
            return error(500, "internal error; the details are in the server log")

    return answer


@contextmanager
def unknown_is_bad_input() -> Iterator[None]:
    """An unknown entity named in a filter is a bad parameter (400), not a missing page (404)."""
    try:
        yield
    except NotFound as exc:
        raise UserInputError(str(exc)) from None


def query_lists(request: Request) -> dict[str, list[str]]:
    """Every query parameter with all its values."""
    return {name: request.query_params.getlist(name) for name in request.query_params}


def int_param(raw: Mapping[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    values = raw.get(name) or []
    if not values or not values[0].strip():
        return default
    text = values[0].strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise UserInputError(f"{name} must be a whole number from {low} to {high}, not {text[:20]!r}")
    return int(text)


def choice_param(raw: Mapping[str, list[str]], name: str, choices: tuple[str, ...], default: str) -> str:
    value = ((raw.get(name) or [""])[0] or "").strip() or default
    if value not in choices:
        raise UserInputError(f"{name} must be one of {', '.join(choices)}, not {value[:40]!r}")
    return value


def resolve_params(session: Session, kind: str, params: dict[str, list[str]]) -> dict[str, list[str]]:
    """The checked parameters with entity slugs resolved (see `watches.resolve_params`); an unknown
    one is bad input (400) here, not a missing page."""
    with unknown_is_bad_input():
        return watches.resolve_params(session, kind, params)


def paged(
    request: Request, kind: str, size: str, order: str, orders: tuple[str, ...]
) -> tuple[dict[str, list[str]], int, int, str]:
    """A list route's parameters: the page's own (checked, as watches keep them), the page number,
    the page size (`size`: per_page or limit) and the order (`order`: one of `orders`, the first by default)."""
    raw = query_lists(request)
    params = watches.clean_params(kind, raw)
    page = int_param(raw, "page", 1, 1, MAX_PAGE)
    return params, page, int_param(raw, size, 20, 1, MAX_PER_PAGE), choice_param(raw, order, orders, orders[0])


def ok(data: object) -> JSONResponse:
    return JSONResponse(data, headers={"Cache-Control": "no-cache"})


# ---- routes -----------------------------------------------------------------------------------------


@edge
def api_search(request: Request) -> Response:
    """GET /api/search: the Search page's query (q, source, kind, entity, since, until) with page, per_page, sort."""
    params, page, per_page, sort = paged(request, "search", "per_page", "sort", SORTS)
    kb = get_kb()
    ix = current_index(kb)
    with kb.session() as session:
        params = resolve_params(session, "search", params)
        wanted = replace(watches.search_request(params, per_page=per_page, page=page), sort=sort, facets=True)
        # As the Search page: an index with nothing in it has nothing to facet or suggest either.
        result = search(ix, session, wanted) if ix.doc_count() else SearchResult(request=wanted)
    return ok(result.to_dict())


@edge
def api_timeline(request: Request) -> Response:
    """GET /api/timeline: the Timeline page's filters with order, page and limit."""
    params, page, limit, order = paged(request, "timeline", "limit", "order", tl.ORDERS)
    query = replace(watches.timeline_query(params, limit=limit), page=page, order=order)
    with get_kb().session() as session, unknown_is_bad_input():
        result = tl.timeline(session, query)
    return ok(result.to_dict())


@edge
def api_entity(request: Request) -> Response:
    """GET /api/entities/{slug}: what the entity's page shows."""
    slug = request.path_params["slug"]
    with get_kb().session() as session:
        entity = resolve(session, slug)
        data = entity_page(session, entity.slug, page=1, per_page=ENTITY_DOCUMENTS)
        events = tl.timeline(session, tl.TimelineQuery(entities=(entity.slug,), limit=ENTITY_EVENTS))
        history = queries.availability_history(session, entity.slug)
        sources = queries.source_titles(session, [d.source_id for d in data.documents])
    params = {"id": [entity.slug]}
    return ok(
        {
            **entity.model_dump(mode="json"),
            "requested": slug,  # differs from `slug` when the requested one was merged into this entity
            "documents_total": data.total_documents,
            "events_total": events.total,
            "documents": [
                {
                    "id": d.id,
                    "title": d.title,
                    "url": d.url,
                    "published_at": d.published_at.isoformat() if d.published_at else None,
                    "kind": d.kind,
                    "source": sources.get(str(d.source_id), ""),
                }
                for d in data.documents
            ],
            "events": [e.to_dict() for e in events.events],
            "named_with": [{"slug": e.slug, "name": e.name, "documents": n} for e, n in data.co_mentions],
            "mentions_per_month": [{"month": m, "documents": n} for m, n in data.per_month],
            "availability": [
                {
                    "date": c.date.isoformat(),
                    "state": c.state,
                    "title": c.title,
                    "providers": [{"slug": s, "name": n} for s, n in c.providers],
                    "countries": [{"slug": s, "name": n} for s, n in c.countries],
                }
                for c in history
            ],
            "page": watches.app_path("entity", params),
            "feed": watches.feed_path_for("entity", params),
        }
    )


@edge
def api_document(request: Request) -> Response:
    """GET /api/documents/{id}: the document, its source, entities and the events it supports."""
    doc_id = request.path_params["id"]
    with get_kb().session() as session:
        doc = get_document(session, doc_id)
        source = get_source(session, doc.source_id)
        linked = queries.document_entities(session, doc_id)
        supported = queries.document_events(session, doc_id)
    return ok(
        {
            **doc.model_dump(mode="json"),
            "source": {"id": source.id, "title": source.title, "url": source.url},
            "entities": [{"slug": s, "name": n, "count": c} for s, n, c in linked],
            "events": [
                {
                    "date": e["date"].isoformat(),
                    "kind": e["kind"],
                    "title": e["event"],
                    "status": e["status"] or None,
                    "sentence": e["supporting sentence"],
                }
                for e in supported
            ],
            "page": f"document?id={doc_id}",
        }
    )


@edge
def api_sources(request: Request) -> Response:
    """GET /api/sources: every subscription with its state and document count (as `kb sources list --json`)."""
    with get_kb().session() as session:
        rows, counts = list_sources(session), document_counts(session)
    return ok([dict(s.model_dump(mode="json"), documents=counts.get(s.id or 0, 0)) for s in rows])


def watch_json(watch: Watch, new: int) -> dict:
    """A watch as `kb watch list --json` shows it, with the webhook's path and query left out:
    a hook URL often carries its secret there, and the API is open to whoever reaches the app."""
    data = watches.as_json(watch, new=new)
    hook = data["notify"].get("webhook")
    if hook:
        parts = urlsplit(hook)
        data["notify"] = {**data["notify"], "webhook": f"{parts.scheme}://{parts.netloc}/…"}
    return data


@edge
def api_watches(request: Request) -> Response:
    """GET /api/watches: every watch with its count of new items."""
    kb = get_kb()
    current_index(kb)  # a search watch counts with the current index
    with kb.session() as session:
        return ok([watch_json(w, watches.new_count(kb, session, w)) for w in watches.all_watches(session)])


@edge
def api_watch(request: Request) -> Response:
    """GET /api/watches/{id}: one watch, its count of new items and its latest items (its feed's entries)."""
    kb = get_kb()
    current_index(kb)
    with kb.session() as session:
        watch = watches.get(session, request.path_params["id"])
        data = watch_json(watch, watches.new_count(kb, session, watch))
        data["items"] = [watches.item_json(i) for i in watches.items(kb, session, watch)]
    return ok(data)


def api_openapi(request: Request) -> Response:
    """GET /api/openapi.json: the OpenAPI 3.1 description of every route of this server."""
    return JSONResponse(OPENAPI)


API_ROUTES = [
    Route("/api/search", api_search, methods=["GET"]),
    Route("/api/timeline", api_timeline, methods=["GET"]),
    Route("/api/entities/{slug}", api_entity, methods=["GET"]),
    Route("/api/documents/{id:int}", api_document, methods=["GET"]),
    Route("/api/sources", api_sources, methods=["GET"]),
    Route("/api/watches", api_watches, methods=["GET"]),
    Route("/api/watches/{id:int}", api_watch, methods=["GET"]),
    Route("/api/openapi.json", api_openapi, methods=["GET"]),
]


# ---- the OpenAPI description ---------------------------------------------------------------------------


def _param(name: str, text: str, schema: dict | None = None, *, where: str = "query", many: bool = False) -> dict:
    kind = schema or {"type": "string"}
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": text,
        "schema": {"type": "array", "items": kind} if many else kind,
        **({"style": "form", "explode": True} if many else {}),
    }


def _page(name: str, default: int, high: int, text: str) -> dict:
    return _param(name, text, {"type": "integer", "minimum": 1, "maximum": high, "default": default})


def _id(text: str) -> list[dict]:
    return [_param("id", text, {"type": "integer"}, where="path")]


def _operation(summary: str, parameters: list[dict], media_type: str, text: str, schema: dict, tag: str) -> dict:
    """A GET operation answering `media_type`, and JSON errors (feeds: ETag, Last-Modified and 304 too)."""
    answer: dict[str, Any] = {"description": text, "content": {media_type: {"schema": schema}}}
    answers: dict[str, Any] = {"200": answer}
    if tag == "feeds":
        answer["headers"] = {name: {"schema": {"type": "string"}} for name in ("ETag", "Last-Modified")}
        answers["304"] = {"description": "Not modified since the ETag (If-None-Match) or date (If-Modified-Since)"}
    for status, why in (("400", "A parameter that cannot be used"), ("404", "Unknown id"), ("503", "Unavailable")):
        answers[status] = {"description": why, "content": {"application/json": {"schema": _ERROR}}}
    return {"get": {"summary": summary, "tags": [tag], "parameters": parameters, "responses": answers}}


def _json(summary: str, parameters: list[dict], text: str, schema: dict | None = None) -> dict:
    return _operation(summary, parameters, "application/json", text, schema or {"type": "object"}, "json")


def _feed(summary: str, parameters: list[dict], media_type: str = "application/atom+xml", text: str = "") -> dict:
    text = text or "An Atom 1.0 feed, latest change first; an event that changes comes back with a new `updated`"
    return _operation(summary, parameters, media_type, text, {"type": "string"}, "feeds")


_ERROR = {
    "type": "object",
    "required": ["error", "status"],
    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
}
_LIST = {"type": "array", "items": {"type": "object"}}
_DAY = {"type": "string", "format": "date"}
_SINCE = _param("since", "On or after this day (YYYY-MM-DD)", _DAY)
_UNTIL = _param("until", "On or before this day (YYYY-MM-DD); not before `since`", _DAY)
_ENTITIES = _param("entity", "Entity slug (repeatable: any of them); unknown ones are a 400", many=True)
_JURISDICTION = _param("jurisdiction", "Acting government (ISO code) or GLOBAL")
_SEARCH = [
    _param("q", 'Query: words, "phrases", OR, -negation, entity:, source:, kind:, title:, date: filters'),
    _param("source", "Source id (repeatable)", many=True),
    _param("kind", "Document kind: news, rule, proposed_rule, notice, page_snapshot (repeatable)", many=True),
    _ENTITIES,
    _SINCE,
    _UNTIL,
]
_TIMELINE = [
    _ENTITIES,
    _param("kind", "Event kind, or a group: rule, deadline, service (repeatable)", many=True),
    _JURISDICTION,
    _param("status", "Rule status set by the event; in_force also matches pending_compliance"),
    _SINCE,
    _UNTIL,
]
_CALENDAR = [
    _ENTITIES,
    _param("kind", "comment_deadline, compliance_date, rule_effective, or deadline for all (repeatable)", many=True),
    _JURISDICTION,
]

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "AI policy knowledge base",
        "version": "1",
        "description": "Search, timeline, entities, documents, sources and watches as JSON; Atom feeds, an "
        'iCalendar feed of deadlines and an OPML export. Every error is JSON: {"error": ..., "status": N}.',
    },
    "paths": {
        "/api/search": _json(
            "Search documents, as the Search page",
            [
                *_SEARCH,
                _param("sort", "Order of the hits", {"type": "string", "enum": list(SORTS), "default": "relevance"}),
                _page("page", 1, MAX_PAGE, "Page of results"),
                _page("per_page", 20, MAX_PER_PAGE, "Hits per page"),
            ],
            "total, page, pages, hits, facets, note (a query read only in part), suggestion, entities",
        ),
        "/api/timeline": _json(
            "Dated events, as the Timeline page",
            [
                *_TIMELINE,
                _param("order", "Newest or oldest first", {"type": "string", "enum": list(tl.ORDERS)}),
                _page("page", 1, MAX_PAGE, "Page of events"),
                _page("limit", 20, MAX_PER_PAGE, "Events per page"),
            ],
            "total, page, pages, events (with entities, reports and primary sources)",
        ),
        "/api/entities/{slug}": _json(
            "One entity, as its page: profile, counts, recent documents and events, co-mentions",
            [_param("slug", "Entity slug; a merged one answers with the entity it was merged into", where="path")],
            "The entity",
        ),
        "/api/documents/{id}": _json(
            "One document with its source, entities and the events it supports", _id("Document id"), "The document"
        ),
        "/api/sources": _json("Every subscription (as `kb sources list --json`)", [], "Sources", _LIST),
        "/api/watches": _json("Every watch with its count of new items", [], "Watches", _LIST),
        "/api/watches/{id}": _json(
            "One watch, its count of new items and its latest items", _id("Watch id"), "The watch, with `items`"
        ),
        "/api/openapi.json": _json("This description", [], "OpenAPI 3.1"),
        "/api/health-kb": _json("The store answers", [], "status, documents, sources"),
        "/feeds/watch/{id}.atom": _feed("A watch as an Atom feed", _id("Watch id")),
        "/feeds/entity/{slug}.atom": _feed(
            "Documents that name an entity and events about it", [_param("slug", "Entity slug", where="path")]
        ),
        "/feeds/search.atom": _feed("Any search (the Search page's parameters), newest documents first", _SEARCH),
        "/feeds/timeline.atom": _feed("Any timeline filter (the Timeline page's parameters)", _TIMELINE),
        "/calendar.ics": _feed(
            "Comment deadlines, compliance and effective dates, to subscribe to (past ones included)",
            _CALENDAR,
            "text/calendar",
            "iCalendar (RFC 5545) with stable UIDs",
        ),
        "/opml": _operation(
            "Every feed subscription as OPML 2.0", [], "text/x-opml", "OPML 2.0", {"type": "string"}, "export"
        ),
        "/export/search.csv": _operation(
            "Every result of a search (up to 10,000), streamed; X-Result-Total gives the total",
            [*_SEARCH, _param("sort", "Order of the hits", {"type": "string", "enum": list(SORTS)})],
            "text/csv",
            "CSV with a header row, as the Search page's CSV button",
            {"type": "string"},
            "export",
        ),
        "/export/search.json": _operation(
            "Every result of a search (up to 10,000), streamed",
            [*_SEARCH, _param("sort", "Order of the hits", {"type": "string", "enum": list(SORTS)})],
            "application/json",
            "query, total, cap, note and hits (the fields of /api/search's hits)",
            {"type": "object"},
            "export",
        ),
    },
}
