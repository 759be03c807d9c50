"""RSS, Atom, RDF and JSON feeds -> Items, through feedparser on fetched bytes."""

from __future__ import annotations

import calendar
import json
import re
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
    if content[:1] in (b"{", b"["):  # no XML document starts so: JSON, even when it is not a JSON Feed
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
    notes: list[str] = []
    if parsed.get("bozo"):
        notes.append(_describe(parsed.get("bozo_exception")))
    items = [_item(entry, feed, notes) for entry in parsed.entries]
    return ParsedFeed(
        title=html_to_text(feed.get("title", "")),
        link=safe_link(feed.get("link")),
        version=parsed.get("version") or "",
        items=items,
        warning=_warning(notes),
        ttl=_ttl(feed.get("ttl")),
    )


def _ttl(value: object) -> int | None:
    """RSS <ttl> in minutes, when it is a sane number (at most a week)."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= 7 * 24 * 60 else None


def parse_json_feed(content: bytes) -> ParsedFeed:
    """JSON Feed 1.0 and 1.1 (https://jsonfeed.org), which feedparser does not read.

    Leniently: a value of the wrong type (a number where text belongs, a date
    out of range) is dropped and named in the feed's warning; only a document
    that is no JSON Feed object at all raises NotAFeed.
    """
    data = _load_json(content)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        found = "an object without an items list" if isinstance(data, dict) else _kind(data)
        raise NotAFeed(f"not a feed: JSON with {found}, where a JSON Feed object belongs")
    notes: list[str] = []
    entries = data["items"]
    items = [_json_item(entry, notes) for entry in entries if isinstance(entry, dict)]
    if len(items) < len(entries):
        notes.append(f"skipped {len(entries) - len(items)} item(s) that are not JSON objects")
    version = _text(data, "version", notes) or ""
    return ParsedFeed(
        title=html_to_text(_text(data, "title", notes)),
        link=safe_link(_text(data, "home_page_url", notes)),
        version="json" + version.rsplit("/", 1)[-1].replace(".", ""),
        items=items,
        warning=_warning(notes),
    )


def _load_json(content: bytes) -> object:
    try:
        return json.loads(content)
    except RecursionError as exc:
        raise NotAFeed("not a feed: JSON nested too deeply to read") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotAFeed(f"not a feed: invalid JSON ({exc})") from exc


def _json_item(entry: dict, notes: list[str]) -> Item:
    body = html_to_text(_text(entry, "content_html", notes)) or (_text(entry, "content_text", notes) or "").strip()
    summary = html_to_text(_text(entry, "summary", notes))
    published = _iso(entry, "date_published", notes)
    updated = _iso(entry, "date_modified", notes)
    return Item(
        title=html_to_text(_text(entry, "title", notes)) or _first_words(body or summary),
        url=safe_link(_text(entry, "url", notes) or _text(entry, "external_url", notes)),
        guid=_json_id(entry, notes),
        summary=summary or _first_words(body, 60),
        body=body or summary,
        author=_json_author(entry, notes),
        published=published or updated,
        updated=updated,
        language=_text(entry, "language", notes) or None,
    )


def _text(obj: dict, key: str, notes: list[str]) -> str | None:
    """obj[key] when it is a string (lone surrogates replaced: the store could not encode them), else None."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value and value.encode("utf-8", "replace").decode("utf-8")
    notes.append(f"dropped {key}: {_kind(value)} where text belongs")
    return None


def _json_id(entry: dict, notes: list[str]) -> str | None:
    value = entry.get("id")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # the JSON Feed spec asks readers to take a numeric id as its text
    return _text(entry, "id", notes) or None


def _json_author(entry: dict, notes: list[str]) -> str | None:
    """The first author's name: `authors` (1.1) is a list, `author` (1.0) one object."""
    authors = entry.get("authors")
    if authors is None:
        authors = [entry["author"]] if isinstance(entry.get("author"), dict) else []
    if not isinstance(authors, list):
        notes.append(f"dropped authors: {_kind(authors)} where a list belongs")
        return None
    names = (_text(a, "name", notes) for a in authors if isinstance(a, dict))
    return next((name for name in names if name), None)


def _iso(entry: dict, key: str, notes: list[str]) -> datetime | None:
    value = _text(entry, key, notes)
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    try:
        return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
    except OverflowError:  # 9999-12-31T23:59:59-05:00 is past datetime.max in UTC
        notes.append(f"dropped {key}: {value[:40]} is out of range")
        return None


def _kind(value: object) -> str:
    """How a JSON value is called in a warning."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return "text" if isinstance(value, str) else "null"


def _warning(notes: list[str]) -> str | None:
    """One line for all that was dropped or repaired, like feedparser's bozo flag; None when all was well."""
    distinct = list(dict.fromkeys(notes))
    if not distinct:
        return None
    more = f"; and {len(distinct) - 5} more" if len(distinct) > 5 else ""
    return f"malformed feed, read what could be read: {'; '.join(distinct[:5])}{more}"


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


def _item(entry: FeedParserDict, feed: FeedParserDict, notes: list[str]) -> Item:
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
        published=_when(entry, "published", notes) or _when(entry, "updated", []),
        updated=_when(entry, "updated", notes),
        language=_language(entry, feed),
    )


def _when(entry: FeedParserDict, key: str, notes: list[str]) -> datetime | None:
    """The entry's date `key` as naive UTC; a date feedparser or datetime cannot hold is noted and dropped."""
    # dict.get: FeedParserDict.get maps a missing "updated" to "published", with a warning.
    text, struct = dict.get(entry, key), dict.get(entry, f"{key}_parsed")
    if not struct:
        if isinstance(text, str) and text.strip():
            notes.append(f"dropped a date that could not be read: {text.strip()[:40]}")
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC).replace(tzinfo=None)
    except (OverflowError, ValueError, OSError):  # 9999-12-31T23:59:59-05:00 is year 10000 in UTC
        notes.append(f"dropped a date out of range: {str(text).strip()[:40]}")
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
