"""Feed discovery: `<link rel="alternate" type="application/atom+xml">` in the pages' HTML.

Streamlit answers every page path with the same static index.html, so a page
script cannot put anything in `<head>`. This pure-ASGI middleware (installed
with `st.App(..., middleware=MIDDLEWARE)`) rewrites that file on its way out,
for GET requests of the pages that have a feed: the Search page (`/`,
`/search`), an entity's page (`/entities?id=nvidia`) and the Timeline
(`/timeline`, which also links the deadlines calendar). The links follow the
page's URL parameters, checked as the feeds check them; the database is not
asked (a feed URL for an unknown entity answers 404 itself).

Everything else passes through untouched: websockets, other methods, other
paths, and any response that is not a plain 200 text/html. For the pages it
rewrites, the request goes in without Accept-Encoding and validators, so the
HTML comes back whole and uncompressed (Streamlit's gzip sits inside this
middleware), and the answer leaves without the static file's ETag and
Last-Modified, which no longer describe it.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlencode

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb import watches
from kb.errors import UserInputError
from kb.feeds_out import xml_text

ATOM = "application/atom+xml"
ICAL = "text/calendar"
_DROPPED_REQUEST_HEADERS = {b"accept-encoding", b"if-none-match", b"if-modified-since", b"range"}


def feed_links(path: str, query_string: str) -> list[tuple[str, str, str]]:
    """(media type, title, href relative to the app's root) of the feeds of the page at `path`."""
    query = parse_qs(query_string, keep_blank_values=False)
    try:
        if path in ("/", "/search"):
            params = watches.clean_params("search", query)
            words = (params.get("q") or [""])[0]
            title = f"Search: {words}" if words else ("This search" if params else "New documents")
            return [(ATOM, title, watches.feed_path_for("search", params))]
        if path == "/entities" and (query.get("id") or [""])[0].strip():
            params = watches.clean_params("entity", query)
            slug = params["id"][0]
            return [
                (ATOM, f"Entity: {slug}", watches.feed_path_for("entity", params)),
                (ICAL, f"Deadlines: {slug}", "calendar.ics?" + urlencode({"entity": slug})),
            ]
        if path == "/timeline":
            params = watches.clean_params("timeline", query)
            kept = [(k, v) for k in ("entity", "jurisdiction") for v in params.get(k, [])]
            return [
                (ATOM, "Timeline", watches.feed_path_for("timeline", params)),
                (ICAL, "Deadlines", "calendar.ics" + (f"?{urlencode(kept)}" if kept else "")),
            ]
    except UserInputError:  # parameters the feed would refuse: no link to a 400
        return []
    return []


def link_markup(links: list[tuple[str, str, str]], base_url: str) -> bytes:
    tags = (
        f'<link rel="alternate" type="{kind}" title="{html.escape(xml_text(title)[:120], quote=True)}" '
        f'href="{html.escape(base_url + href, quote=True)}" />'
        for kind, title, href in links
    )
    return ("\n    ".join(tags) + "\n  ").encode("utf-8")


def insert_in_head(page: bytes, markup: bytes) -> bytes:
    """`page` with `markup` just before its `</head>`; unchanged when it has none."""
    at = page.lower().find(b"</head>")
    return page if at < 0 else page[:at] + markup + page[at:]


class FeedDiscovery:
    """ASGI middleware: add the page's feed links to the app's HTML (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        links = []
        if scope["type"] == "http" and scope["method"] == "GET":
            path, root = scope["path"], scope.get("root_path", "")
            path = (path[len(root) :] if root and path.startswith(root) else path) or "/"
            links = feed_links(path, scope.get("query_string", b"").decode("latin-1"))
        if not links:
            await self.app(scope, receive, send)
            return
        inner = dict(scope)
        inner["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() not in _DROPPED_REQUEST_HEADERS]
        # A server offering zero-copy file sends would let the static file skip our `send`.
        inner["extensions"] = {
            k: v for k, v in (scope.get("extensions") or {}).items() if k != "http.response.pathsend"
        }
        markup = link_markup(links, str(Request(scope).base_url))
        await self.app(inner, receive, _HeadInserter(send, markup))


class _HeadInserter:
    """A `send` that holds back a plain HTML answer until its last byte, then adds `markup` to its head."""

    def __init__(self, send: Send, markup: bytes) -> None:
        self.send = send
        self.markup = markup
        self.start: Message | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start" and _plain_html(message):
            self.start = message
            return
        if message["type"] != "http.response.body" or self.start is None:
            await self.send(message)
            return
        self.chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = insert_in_head(b"".join(self.chunks), self.markup)
        headers = MutableHeaders(raw=list(self.start["headers"]))
        headers["content-length"] = str(len(body))
        for stale in ("etag", "last-modified"):
            if stale in headers:
                del headers[stale]
        await self.send({**self.start, "headers": headers.raw})
        await self.send({"type": "http.response.body", "body": body, "more_body": False})


def _plain_html(start: Message) -> bool:
    headers = MutableHeaders(raw=list(start["headers"]))
    return (
        start["status"] == 200
        and headers.get("content-type", "").startswith("text/html")
        and "content-encoding" not in headers
    )
