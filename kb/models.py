"""The data model, in one module: sources, documents, entities, events."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from pydantic import NaiveDatetime
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _json(default: Any = None) -> Any:
    factory = (lambda: {}) if default is None else default
    return Field(default_factory=factory, sa_column=Column(JSON, nullable=False))


class Source(SQLModel, table=True):
    """A subscription: something polled for documents."""

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(default="feed", index=True)  # feed, article, federal_register, availability
    url: str = Field(unique=True)
    title: str = ""
    enabled: bool = True
    settings: dict = _json()
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    checked_at: Optional[NaiveDatetime] = None
    next_check_at: Optional[NaiveDatetime] = Field(default=None, index=True)
    status: str = "new"  # new, ok, failing, gone
    error_count: int = 0
    last_error: Optional[str] = None
    warning: Optional[str] = None  # a recoverable problem in the last parse


class Document(SQLModel, table=True):
    """One report, rule or page snapshot, keyed stably within its source."""

    __table_args__ = (
        UniqueConstraint("source_id", "key", name="uq_document_source_key"),
        Index("ix_document_published", "published_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    key: str
    url: Optional[str] = None
    title: str = ""
    summary: str = ""
    body: str = ""
    author: Optional[str] = None
    published_at: Optional[NaiveDatetime] = None
    updated_at: Optional[NaiveDatetime] = None
    fetched_at: NaiveDatetime = Field(default_factory=utcnow)
    kind: str = Field(default="news", index=True)
    language: Optional[str] = None
    content_hash: str = Field(default="", index=True)
    document_number: Optional[str] = Field(default=None, index=True)
    fields: dict = _json()  # structured fields (Federal Register and others)


class Entity(SQLModel, table=True):
    """A thing people browse by: an organization, a country, a rule..."""

    slug: str = Field(primary_key=True)
    name: str
    kind: str = Field(index=True)
    aliases: list = _json(list)
    country: Optional[str] = None
    description: str = ""
    url: Optional[str] = None
    wikidata: Optional[str] = None
    merged_into: Optional[str] = None


class Mention(SQLModel, table=True):
    """A document names an entity `count` times."""

    document_id: int = Field(foreign_key="document.id", primary_key=True, ondelete="CASCADE")
    entity_slug: str = Field(primary_key=True, index=True)
    count: int = 1


class Event(SQLModel, table=True):
    """A dated happening, with the reports that support it."""

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    date: dt.date = Field(index=True)
    precision: str = "day"  # day, month, year
    kind: str = Field(index=True)
    title: str
    summary: str = ""
    status: Optional[str] = None
    origin: str = "extracted"  # federal_register, availability_diff, extracted, curated
    confidence: float = 1.0
    jurisdiction: Optional[str] = None
    rule: Optional[str] = Field(default=None, index=True)  # rule lifecycle id
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
    """What a watched page said when it was fetched (e.g. a country set)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    fetched_at: NaiveDatetime = Field(default_factory=utcnow)
    content_hash: str
    extracted: list = _json(list)
    parse_status: str = "ok"


class Watch(SQLModel, table=True):
    """A saved search or followed entity; each one is an Atom feed."""

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    query: str = ""
    filters: dict = _json()
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    last_seen_at: Optional[NaiveDatetime] = None


class Meta(SQLModel, table=True):
    """Small facts about the store itself (e.g. which registry linked it)."""

    key: str = Field(primary_key=True)
    value: str = ""
