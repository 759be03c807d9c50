"""Article pages as sources: full text for feed items, one followed page, listing pages.

Three collectors share one way of fetching an article page: through the project's own
fetcher (the same limits, deadlines and address checks as every fetch), at most one request
at a time per host, and at most `MAX_ARTICLES_PER_CHECK` pages per check of a source (the
rest wait, marked `pending`, for the next check). A page that cannot be fetched or read
leaves its item with the feed's summary and the reason on the document
(`article_status="failed"`, `article_error`); later checks try again up to `MAX_ATTEMPTS`.
A page whose text is stored is never fetched again for the same item.

Source settings:
- kind `feed`: `{"full_text": true}` asks for each new item's page.
- kind `article`: the source's URL is one page, fetched conditionally; `{"once": true}` for a
  page ingested once (`kb ingest-url`), which is disabled after its first check.
- kind `page_list`: `{"listing": {...ingest.page_list rules...}, "kind": "press_release",
  "full_text": true}`; the listing's pages are followed up to the rules' `max_pages`, and
  only while they still show items not stored before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from ingest import page_list
from ingest.article import Article, date_from_url, extract_article
from ingest.errors import IngestError
from ingest.fetch import fetch
from ingest.records import Item, safe_link
from kb.collect import Collected, collect_feed, conditional_get
from kb.context import KB
from kb.errors import UserInputError
from kb.models import Document, DocumentCopy, Source
from kb.store import add_source, find_source_by_url

MAX_ATTEMPTS = 3  # fetches of one item's page before it keeps its summary for good
MAX_ARTICLES_PER_CHECK = 30

_hosts_guard = threading.Lock()
_host_locks: dict[str, threading.Lock] = {}


@contextmanager
def one_at_a_time(url: str) -> Iterator[None]:
    """Hold the URL's host: at most one article request per host at any moment, whichever
    source (or writer thread) asks."""
    host = (urlsplit(url).hostname or "").lower()
    with _hosts_guard:
        lock = _host_locks.setdefault(host, threading.Lock())
    with lock:
        yield


def fetch_article(kb: KB, url: str) -> Article:
    """Fetch and read one article page (IngestError when either fails)."""
    with one_at_a_time(url):
        response = fetch(url, options=kb.fetch_options)
    return extract_article(response.content, response.url, response.headers)


def dated_by_url(item: Item) -> Item:
    """An item without a date gets the one its link carries (/2024/06/25/), if any."""
    if item.published is None and item.url:
        day = date_from_url(item.url)
        if day is not None:
            item.published, item.date_source = datetime(day.year, day.month, day.day), "url"
    elif item.published is not None and item.date_source is None:
        item.date_source = "feed"
    return item


def with_article(item: Item, article: Article) -> Item:
    """The item with its page's text as the body; what the feed said first wins otherwise."""
    item.body = article.text
    item.summary = item.summary or article.description
    item.title = item.title or article.title
    item.author = item.author or (", ".join(article.authors) or None)
    item.language = item.language or article.language
    # The page's own metadata is a better date than a date read from its link.
    better = item.published is None or (item.date_source == "url" and article.date_source == "metadata")
    if article.published is not None and better:
        item.published, item.date_source = article.published, article.date_source
    item.article_status, item.article_error = "ok", None
    item.article_attempts += 1
    return item


def add_full_text(kb: KB, source: Source, items: list[Item]) -> list[Item]:
    """Fetch the page of every item not yet stored with its text (see the module's notes)."""
    assert source.id is not None
    stored = _stored(kb, source.id, [item.key for item in items])
    budget = MAX_ARTICLES_PER_CHECK
    for item in items:
        doc = stored.get(item.key)
        if doc is None and item.key in stored.copies:
            continue  # a copy of a story stored from elsewhere: its page adds nothing
        if doc is not None and (doc.article_status == "ok" or doc.article_attempts >= MAX_ATTEMPTS):
            _carry(item, doc)
            continue
        link = safe_link(item.url)
        if link is None:
            continue
        if doc is not None:
            item.article_attempts = doc.article_attempts
        if budget <= 0:
            item.article_status, item.article_error = "pending", None
            if doc is not None and doc.article_status == "failed":
                item.article_status, item.article_error = doc.article_status, doc.article_error
            continue
        budget -= 1
        try:
            with_article(item, fetch_article(kb, link))
        except IngestError as exc:
            item.article_status, item.article_error = "failed", str(exc)
            item.article_attempts += 1
    return items


class _Stored(dict[str, Document]):
    copies: set[str]


def _stored(kb: KB, source_id: int, keys: list[str]) -> _Stored:
    found = _Stored()
    found.copies = set()
    with kb.session() as session:
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for doc in session.exec(
                select(Document).where(Document.source_id == source_id, col(Document.key).in_(chunk))
            ):
                session.expunge(doc)
                found[doc.key] = doc
            copies = select(DocumentCopy.key).where(
                DocumentCopy.source_id == source_id, col(DocumentCopy.key).in_(chunk)
            )
            found.copies.update(session.exec(copies))
    return found


def _carry(item: Item, doc: Document) -> None:
    """Keep what the page gave (its text, its date), so the unchanged item stays unchanged."""
    if doc.article_status == "ok":
        item.body = doc.body
        if item.published is None and doc.published_at is not None:
            item.published, item.date_source = doc.published_at, doc.date_source
    item.article_status, item.article_error, item.article_attempts = (
        doc.article_status,
        doc.article_error,
        doc.article_attempts,
    )


def collect_feed_articles(kb: KB, source: Source, force: bool) -> Collected:
    """A feed, its items dated by their links where the feed gives no date, and with their
    pages' text when the source asks for full text."""
    collected = collect_feed(kb, source, force)
    collected.items = [dated_by_url(item) for item in collected.items]
    if source.settings.get("full_text") and collected.items:
        add_full_text(kb, source, collected.items)
    return collected


def collect_article(kb: KB, source: Source, force: bool) -> Collected:
    """One page followed: a conditional GET, then the article extractor; a page that is no
    article is an error of the source (its text would be navigation)."""
    response = conditional_get(kb, source, force)
    if response.not_modified:
        return Collected(response)
    article = extract_article(response.content, response.url, response.headers)
    item = Item(
        title=article.title or source.title or source.url,
        url=source.url,
        summary=article.description,
        body=article.text,
        author=", ".join(article.authors) or None,
        published=article.published,
        updated=article.updated,
        language=article.language,
        kind=str(source.settings.get("kind") or "news"),
        date_source=article.date_source,
        article_status="ok",
    )
    return Collected(response, [item], title=article.title)


def listing_settings(lines: Iterable[str], label: str) -> dict:
    """A page_list source's `settings["listing"]` from NAME=VALUE lines (the CLI's --rule options, the
    Sources page's selectors box), checked as rules; UserInputError names the line or the bad rule."""
    listing: dict = {}
    for line in lines:
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise UserInputError(f"{label} {line.strip()!r}: expected NAME=VALUE, e.g. item=li.news-item")
        name, value = name.strip(), value.strip()
        listing[name] = int(value) if name == "max_pages" and value.isdigit() else value
    try:
        page_list.rules_from_settings(listing)
    except IngestError as exc:
        raise UserInputError(str(exc)) from exc
    return listing


def listing_rules(source: Source) -> page_list.ListingRules:
    listing = source.settings.get("listing")
    if not isinstance(listing, dict):
        raise page_list.InvalidRules("a page_list source needs its selectors in settings['listing'] (at least 'item')")
    return page_list.rules_from_settings(listing)


def collect_page_list(kb: KB, source: Source, force: bool) -> Collected:
    """The listing's first page conditionally, its next pages while they show new items (up
    to `max_pages`), then each new item's page."""
    assert source.id is not None
    rules = listing_rules(source)
    response = conditional_get(kb, source, force)
    if response.not_modified:
        return Collected(response)
    page = page_list.parse_listing(response.content, response.url, rules, response.headers)
    listed, warnings, seen_pages = list(page.items), [page.warning] if page.warning else [], {response.url}
    options = replace(kb.fetch_options, allow_file=bool(source.settings.get("local")))
    for _ in range(rules.max_pages - 1):
        if not page.next_url or page.next_url in seen_pages or not page.items:
            break
        keys = [_listed_item(source, i).key for i in page.items]
        known = _stored(kb, source.id, keys)
        if all(key in known or key in known.copies for key in keys):
            break  # this page shows nothing new, so the older ones will not either
        seen_pages.add(page.next_url)
        more = fetch(page.next_url, options=options)
        page = page_list.parse_listing(more.content, more.url, rules, more.headers)
        listed += page.items
        if page.warning:
            warnings.append(page.warning)
    items = [_listed_item(source, entry) for entry in _unique(listed)]
    if source.settings.get("full_text", True):
        add_full_text(kb, source, items)
    return Collected(response, items, warning="; ".join(warnings) or None)


def _listed_item(source: Source, entry: page_list.ListedItem) -> Item:
    item = Item(
        title=entry.title,
        url=entry.url,
        summary=entry.summary,
        published=entry.published,
        kind=str(source.settings.get("kind") or "news"),
        date_source="listing" if entry.published else None,
    )
    return dated_by_url(item)


def _unique(entries: list[page_list.ListedItem]) -> list[page_list.ListedItem]:
    seen: dict[str, page_list.ListedItem] = {}
    for entry in entries:
        seen.setdefault(entry.url, entry)
    return list(seen.values())


def once_source(session: Session, url: str, *, doc_kind: str = "news", allow_private: bool = False) -> int:
    """The source that reads `url` once: a new one (kind `article`, `once`), or the article
    source already subscribed to it."""
    source = find_source_by_url(session, url.strip())
    if source is None:
        settings = {"once": True, "kind": doc_kind}
        source = add_source(session, url=url, kind="article", settings=settings, allow_private=allow_private)
    elif source.kind != "article":
        raise UserInputError(f"{url} is already source {source.id}, of kind {source.kind}")
    assert source.id is not None
    return source.id
