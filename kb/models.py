"""The data model, in one module: sources, documents, entities, events."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from pydantic import NaiveDatetime
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(dt.UTC).replace(tzinfo=None)


def _json(default: Any = None) -> Any:
    # A lambda, not the `list` or `dict` type itself: Pydantic inspects a type's signature on
    # every object it makes (about 0.6 ms each), a lambda's only once.
    factory = (lambda: {}) if default is None else (lambda: []) if default is list else default
    return Field(default_factory=factory, sa_column=Column(JSON, nullable=False))


class Source(SQLModel, table=True):
    """A subscription: something polled for documents."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="feed", index=True)  # feed, article, federal_register, availability
    url: str = Field(unique=True)
    title: str = ""
    enabled: bool = True
    settings: dict = _json()
    etag: str | None = None
    last_modified: str | None = None
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    checked_at: NaiveDatetime | None = None
    next_check_at: NaiveDatetime | None = Field(default=None, index=True)
    status: str = "new"  # new, ok, failing, gone
    error_count: int = 0
    last_error: str | None = None
    warning: str | None = None  # a recoverable problem in the last parse


class Document(SQLModel, table=True):
    """One report, rule or page snapshot, keyed stably within its source."""

    __table_args__ = (
        UniqueConstraint("source_id", "key", name="uq_document_source_key"),
        Index("ix_document_published", "published_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    key: str
    url: str | None = None
    title: str = ""
    summary: str = ""
    body: str = ""
    author: str | None = None
    published_at: NaiveDatetime | None = None
    updated_at: NaiveDatetime | None = None
    fetched_at: NaiveDatetime = Field(default_factory=utcnow, index=True)  # stored or changed: "new" for watches
    kind: str = Field(default="news", index=True)
    language: str | None = None
    content_hash: str = Field(default="", index=True)
    document_number: str | None = Field(default=None, index=True)
    fields: dict = _json()  # structured fields (Federal Register and others)
    # Where published_at came from: feed (the source's own data), listing (a page_list's
    # listing), metadata (the article page's meta tags or JSON-LD), url, text; None: undated.
    date_source: str | None = None
    # The article page behind an item, for sources that ask for full text: None (not asked),
    # ok, failed (article_error says why; retried up to a bound), pending (left for a later poll).
    article_status: str | None = None
    article_error: str | None = None
    article_attempts: int = 0
    previous_hashes: list = _json(list)  # content hashes of earlier versions, oldest first


class DocumentCopy(SQLModel, table=True):
    """The same story seen again under another URL or source: kept as a copy of the first
    document instead of a second document ("also at")."""

    __table_args__ = (UniqueConstraint("source_id", "key", name="uq_documentcopy_source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True, ondelete="CASCADE")
    source_id: int = Field(foreign_key="source.id", index=True)
    key: str
    url: str | None = None
    title: str = ""
    seen_at: NaiveDatetime = Field(default_factory=utcnow)


class StoryBand(SQLModel, table=True):
    """One MinHash band of a document's text (ingest.fingerprint): near-duplicates share a band."""

    band: int = Field(primary_key=True)
    value: int = Field(primary_key=True)
    document_id: int = Field(foreign_key="document.id", primary_key=True, ondelete="CASCADE")


class Entity(SQLModel, table=True):
    """A thing people browse by: an organization, a country, a rule..."""

    slug: str = Field(primary_key=True)
    name: str
    kind: str = Field(index=True)
    aliases: list = _json(list)
    country: str | None = None
    description: str = ""
    url: str | None = None
    wikidata: str | None = None
    merged_into: str | None = None


class Mention(SQLModel, table=True):
    """A document names an entity `count` times."""

    # an entity's documents from the index alone (the Entity page's counts)
    __table_args__ = (Index("ix_mention_entity_document", "entity_slug", "document_id"),)

    document_id: int = Field(foreign_key="document.id", primary_key=True, ondelete="CASCADE")
    entity_slug: str = Field(primary_key=True)
    count: int = 1


class CoMention(SQLModel, table=True):
    """`documents` name both `entity_slug` and `other_slug` (each pair is stored both ways): the
    Entity page's "named together with", kept by kb.entities wherever mentions are written or
    deleted, so that a common entity's page does not join its mentions to every other mention."""

    __tablename__ = "co_mention"

    entity_slug: str = Field(primary_key=True)
    other_slug: str = Field(primary_key=True)
    documents: int


class EntityMonth(SQLModel, table=True):
    """`documents` naming `entity_slug` were published in `month` (YYYY-MM; undated ones are not
    counted): the Entity page's mentions per month, kept by kb.entities like CoMention, and moved
    by kb.store when a stored document's publication date changes."""

    __tablename__ = "entity_month"

    entity_slug: str = Field(primary_key=True)
    month: str = Field(primary_key=True)
    documents: int


class Event(SQLModel, table=True):
    """A dated happening, with the reports that support it."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    date: dt.date = Field(index=True)
    precision: str = "day"  # day, month, year
    kind: str = Field(index=True)
    title: str
    summary: str = ""
    status: str | None = None
    origin: str = "extracted"  # federal_register, availability_diff, extracted, curated
    confidence: float = 1.0
    jurisdiction: str | None = None
    rule: str | None = Field(default=None, index=True)  # rule lifecycle id
    sources: list = _json(list)  # primary source URLs
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    updated_at: NaiveDatetime = Field(default_factory=utcnow)


class EventEntity(SQLModel, table=True):
    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    entity_slug: str = Field(primary_key=True, index=True)
    role: str = "subject"


class EventDocument(SQLModel, table=True):
    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    document_id: int = Field(foreign_key="document.id", primary_key=True, ondelete="CASCADE", index=True)
    sentence: str = ""


class Snapshot(SQLModel, table=True):
    """What a watched page said, from the first check that saw it to the last (see kb/snapshots.py).

    For a provider's availability page: the ISO codes it listed, each country as the page
    wrote it with any qualifier ("except Crimea, ..."), the page's own "last updated" date and
    the names it listed that map to no country. Checks that find the same list extend the
    snapshot (`last_seen_at`) instead of adding one. A page that could not be read as a list
    (a bot challenge, a changed structure, a list that shrank too much at once) is kept with its
    `parse_status` and warnings, and never compared."""

    __table_args__ = (Index("ix_snapshot_source_seen", "source_id", "fetched_at"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    fetched_at: NaiveDatetime = Field(default_factory=utcnow)  # first seen (or the saved copy's date)
    last_seen_at: NaiveDatetime = Field(default_factory=utcnow)  # last check that found the same list
    content_hash: str  # of the list as read, not of the whole page
    extracted: list = _json(list)  # sorted ISO 3166-1 alpha-2 codes
    entries: list = _json(list)  # [label as written, code or null, note or null], in page order
    parse_status: str = "ok"  # ok, challenge, restructured, empty, truncated, shrunk
    warnings: list = _json(list)
    page_updated: dt.date | None = None  # the page's own "last updated" date, when it gives one
    origin: str = "fetch"  # fetch, or "file:<name>" for a saved copy loaded as history


class Watch(SQLModel, table=True):
    """Something a person follows: a saved search, an entity, or a timeline filter (see kb/watches.py).

    Each watch is an Atom feed, counts what changed since it was last seen, and can
    send alerts (by webhook, by e-mail) when the writer stores something new for it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    kind: str = "search"  # search, entity, timeline
    query: str = ""  # the search words (search watches)
    filters: dict = _json()  # URL parameters of the matching page, e.g. {"entity": ["nvidia"], "since": "2025-01-01"}
    notify: dict = _json()  # {"webhook": "https://...", "email": ["a@example.org"]}
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    last_seen_at: NaiveDatetime = Field(default_factory=utcnow)
    alert_error: str | None = None  # the last alert that could not be sent, and why
    alert_failures: int = 0  # failed alert runs in a row
    next_alert_at: NaiveDatetime | None = None  # after failures: not before this time


class WatchDelivery(SQLModel, table=True):
    """An item (a document or an event, at one `updated` time) sent to a watch's channel:
    the record that keeps alerts to at most one per item."""

    watch_id: int = Field(foreign_key="watch.id", primary_key=True, ondelete="CASCADE")
    channel: str = Field(primary_key=True)  # webhook, email
    item: str = Field(primary_key=True)  # "document:12" or "event:7"
    updated: NaiveDatetime = Field(primary_key=True)
    sent_at: NaiveDatetime = Field(default_factory=utcnow)


class Meta(SQLModel, table=True):
    """Small facts about the store itself (e.g. which registry linked it)."""

    key: str = Field(primary_key=True)
    value: str = ""


class Lease(SQLModel, table=True):
    """Who works on something until when: `source:<id>` while a source is refreshed, `writer` for
    the resident writer. An expired lease is free again, so a killed worker's work lapses."""

    name: str = Field(primary_key=True)
    holder: str
    expires_at: NaiveDatetime = Field(index=True)
    acquired_at: NaiveDatetime = Field(default_factory=utcnow)


class WriterRequest(SQLModel, table=True):
    """Something the app or the CLI asks the writer to do (poll a source now, reindex, relink),
    with its progress and result for the one who asked."""

    id: int | None = Field(default=None, primary_key=True)
    action: str  # poll, poll_all, reindex, relink
    params: dict = _json()
    status: str = Field(default="pending", index=True)  # pending, running, done, failed
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    started_at: NaiveDatetime | None = None
    finished_at: NaiveDatetime | None = None
    holder: str | None = None
    result: str | None = None
    error: str | None = None


class IndexPending(SQLModel, table=True):
    """A document the search index still has to take in (or drop), committed in the same
    transaction as the document itself and cleared only after the index commit."""

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(index=True)  # no foreign key: a deleted document is removed from the index
    created_at: NaiveDatetime = Field(default_factory=utcnow)


class ListedParty(SQLModel, table=True):
    """A party on a screening list (a source of kind `csl`), from the first version of the list
    that showed it to the last; `removed_at` is set when a later version no longer does."""

    __table_args__ = (UniqueConstraint("source_id", "key", name="uq_listedparty_source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    key: str
    list_code: str = Field(index=True)  # EL, MEU, SDN...
    list_name: str
    name: str
    alt_names: list = _json(list)
    addresses: list = _json(list)
    countries: list = _json(list)
    country: str | None = Field(default=None, index=True)  # the first address's country
    start_date: dt.date | None = Field(default=None, index=True)
    federal_register_notice: str | None = None
    citation: str | None = None  # "90 FR 4617"
    citation_url: str | None = None
    license_requirement: str | None = None
    license_policy: str | None = None
    entity_slug: str | None = Field(default=None, index=True)  # the registry entity it is
    event_id: int | None = None  # the entity_listed event it belongs to
    removal_event_id: int | None = None
    first_seen_at: NaiveDatetime = Field(default_factory=utcnow)
    last_seen_at: NaiveDatetime = Field(default_factory=utcnow)
    removed_at: NaiveDatetime | None = None


class NameCandidate(SQLModel, table=True):
    """A name that documents use again and again but the registry does not know (kb.name_candidates):
    new until someone accepts it (it becomes a registry entry) or rejects it (remembered)."""

    name: str = Field(primary_key=True)
    kind: str = "organization"  # the kind its shape suggests; the one chosen on acceptance
    count: int = 0  # occurrences in the documents at the last scan
    documents: int = 0  # documents that use it
    examples: list = _json(list)  # up to three sentences that use it
    status: str = Field(default="new", index=True)  # new, accepted, rejected
    slug: str | None = None  # the registry entry it became
    decided_at: NaiveDatetime | None = None
    updated_at: NaiveDatetime = Field(default_factory=utcnow)
