"""RSS, Atom, RDF and JSON feeds -> Items, through feedparser on fetched bytes."""

from __future__ import annotations

import calendar
import json
import re
import time
from datetime import UTC, datetime

import feedparser
from feedparser import FeedParserDict

from ingest.errors import NotAFeed
from ingest.records import Item, ParsedFeed, safe_link
from ingest.text import html_to_text

# feedparser resolves relative links against the content-location header.
_FEED_LINK = re.compile(rb"""<link[^>]+type=["']application/(?:rss|atom|feed)\+(?:xml|json)["'][^>]*>""", re.I)

_FEED_ROOT = re.compile(rb"<(?:[\w-]+:)?(?:rss|feed|RDF)[\s>]")


def parse_feed(content: bytes, base_url: str = "", headers: dict[str, str] | None = None) -> ParsedFeed:
    """Parse feed bytes; raise NotAFeed when nothing feed-like can be read."""
    if not content.strip():
        raise NotAFeed("empty document")
    content = _to_utf8(content).lstrip()  # whitespace before <?xml is fatal to XML parsers
    if content.lstrip()[:1] == b"{":
        return parse_json_feed(content)
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    if base_url:
        response_headers.setdefault("content-location", base_url)
    # Without a content type feedparser flags every document as suspect.
    response_headers.setdefault("content-type", "application/xml")
    parsed = feedparser.parse(content, response_headers=response_headers, sanitize_html=True)
    if not parsed.get("version") and not parsed.entries and not _FEED_ROOT.search(content[:4096]):
        raise NotAFeed(_not_a_feed_message(content, parsed))
    feed = parsed.feed
    warning = None
    if parsed.get("bozo"):
        warning = f"malformed feed, read what could be read: {_describe(parsed.get('bozo_exception'))}"
    items = [_item(entry, feed) for entry in parsed.entries]
    return ParsedFeed(
        title=html_to_text(feed.get("title", "")),
        link=safe_link(feed.get("link")),
        version=parsed.get("version") or "",
        items=items,
        warning=warning,
    )


def parse_json_feed(content: bytes) -> ParsedFeed:
    """JSON Feed 1.0 and 1.1 (https://jsonfeed.org), which feedparser does not read."""
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotAFeed(f"not a feed: invalid JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise NotAFeed("not a feed: JSON without an items list")
    items = [_json_item(entry) for entry in data["items"] if isinstance(entry, dict)]
    return ParsedFeed(
        title=html_to_text(str(data.get("title", ""))),
        link=safe_link(data.get("home_page_url")),
        version="json" + str(data.get("version", "")).rsplit("/", 1)[-1].replace(".", ""),
        items=items,
    )


def _json_item(entry: dict) -> Item:
    body = html_to_text(entry.get("content_html")) or str(entry.get("content_text") or "").strip()
    summary = html_to_text(str(entry.get("summary") or ""))
    authors = entry.get("authors") or ([entry["author"]] if isinstance(entry.get("author"), dict) else [])
    author = next((a.get("name") for a in authors if isinstance(a, dict) and a.get("name")), None)
    return Item(
        title=html_to_text(str(entry.get("title") or "")) or _first_words(body or summary),
        url=safe_link(entry.get("url") or entry.get("external_url")),
        guid=str(entry["id"]) if entry.get("id") not in (None, "") else None,
        summary=summary or _first_words(body, 60),
        body=body or summary,
        author=author,
        published=_iso(entry.get("date_published")) or _iso(entry.get("date_modified")),
        updated=_iso(entry.get("date_modified")),
        language=entry.get("language") or None,
    )


def _iso(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def _to_utf8(content: bytes) -> bytes:
    """Re-encode UTF-16 without a byte-order mark, which XML parsers misread."""
    head = content[:4]
    if len(head) == 4 and head[0] == 0 and head[2] == 0 and head[1] and head[3]:
        encoding = "utf-16-be"
    elif len(head) == 4 and head[1] == 0 and head[3] == 0 and head[0] and head[2]:
        encoding = "utf-16-le"
    else:
        return content
    text = content.decode(encoding, errors="replace")
    text = re.sub(r"^(\s*<\?xml[^>]*?)\sencoding=[\"'][^\"']*[\"']", r"\1", text)
    return text.encode("utf-8")


def _item(entry: FeedParserDict, feed: FeedParserDict) -> Item:
    body_html = ""
    if entry.get("content"):
        body_html = "\n".join(c.get("value", "") for c in entry.content)
    summary = html_to_text(entry.get("summary", ""))
    body = html_to_text(body_html) or summary
    return Item(
        title=html_to_text(entry.get("title", "")) or _first_words(body),
        url=safe_link(entry.get("link")),
        guid=entry.get("id") or None,
        summary=summary if summary != body else _first_words(body, 60),
        body=body,
        author=entry.get("author") or None,
        # dict.get: FeedParserDict.get maps a missing "updated" to "published", with a warning.
        published=_when(dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")),
        updated=_when(dict.get(entry, "updated_parsed")),
        language=_language(entry, feed),
    )


def _when(struct: time.struct_time | None) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC).replace(tzinfo=None)
    except (OverflowError, ValueError, OSError):
        return None


def _language(entry: FeedParserDict, feed: FeedParserDict) -> str | None:
    for detail in ("title_detail", "summary_detail"):
        lang = (entry.get(detail) or {}).get("language")
        if lang:
            return lang
    return feed.get("language") or None


def _first_words(text: str, count: int = 12) -> str:
    words = text.split()
    return " ".join(words[:count]) + (" ..." if len(words) > count else "")


def _describe(exc: BaseException | None) -> str:
    return str(exc).strip() or type(exc).__name__ if exc else "unknown problem"


def _not_a_feed_message(content: bytes, parsed: FeedParserDict) -> str:
    head = content[:65536]
    if b"<html" in head.lower():
        link = _FEED_LINK.search(head)
        if link:
            href = re.search(rb"""href=["']([^"']+)""", link.group(0), re.I)
            if href:
                return f"an HTML page, not a feed; it links a feed at {href.group(1).decode('utf-8', 'replace')}"
        return "an HTML page, not a feed"
    return f"not a feed: {_describe(parsed.get('bozo_exception'))}"
