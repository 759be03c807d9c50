"""Plain records that parsers return and the store consumes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit


@dataclass
class Item:
    """One entry of a feed (or one document of an API), as plain text."""

    title: str = ""
    url: str | None = None
    guid: str | None = None
    summary: str = ""
    body: str = ""
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    language: str | None = None
    kind: str = "news"
    document_number: str | None = None
    fields: dict = field(default_factory=dict)
    # Where `published` came from (feed, listing, metadata, url, text); set by whoever dated it.
    date_source: str | None = None
    # The item's article page, for sources that ask for full text (see kb.articles).
    article_status: str | None = None
    article_error: str | None = None
    article_attempts: int = 0
    # (title, text, hash) of the last content_hash asked for: the store asks several times an item
    _hashed: tuple[str, str, str] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def key(self) -> str:
        """Stable key: the guid, else the canonical link, else a content hash."""
        if self.guid and self.guid.strip():
            return "guid:" + self.guid.strip()
        if self.url:
            return "url:" + canonical_url(self.url)
        return "hash:" + content_hash(self.title, self.body or self.summary)

    @property
    def content_hash(self) -> str:
        text = self.body or self.summary
        hashed = self._hashed
        if hashed is None or hashed[0] != self.title or hashed[1] != text:  # computed again after a change
            hashed = self._hashed = (self.title, text, content_hash(self.title, text))
        return hashed[2]


@dataclass
class ParsedFeed:
    title: str = ""
    link: str | None = None
    version: str = ""
    items: list[Item] = field(default_factory=list)
    warning: str | None = None  # set when the feed was malformed but readable
    ttl: int | None = None  # minutes the feed asks readers to wait between checks (RSS <ttl>)


def content_hash(*parts: str) -> str:
    """A hash of the normalised text, equal for the same story reworded in whitespace or case."""
    text = " ".join(re.sub(r"\s+", " ", p or "").strip().lower() for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop the fragment and common tracking parameters."""
    parts = urlsplit(url.strip())
    query = "&".join(p for p in parts.query.split("&") if p and not p.lower().startswith(("utm_", "fbclid=", "gclid=")))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def safe_link(url: str | None) -> str | None:
    """The URL if it is absolute http(s), else None (no javascript:, data:, ...)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None
