"""Read queries the pages need beyond `kb.store` and `kb.search` (bounded: nothing loads a whole table)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from kb.models import Document, Entity, Event, EventDocument, EventEntity, Mention, Source

SERVICE_KINDS = {"service_restricted": "restricted", "service_available": "available"}
MAX_EVENT_ROWS = 20_000


def counts(session: Session) -> dict[str, int]:
    """Number of documents and sources."""
    documents = session.exec(select(func.count()).select_from(Document)).one()
    sources = session.exec(select(func.count()).select_from(Source)).one()
    return {"documents": int(documents), "sources": int(sources)}


def is_demo_only(session: Session) -> bool:
    """True when there are sources and every one of them is a bundled demo feed."""
    flags = [bool((s or {}).get("demo")) for s in session.exec(select(Source.settings).limit(1000))]
    return bool(flags) and all(flags)


def source_titles(session: Session, ids: list[str | int]) -> dict[str, str]:
    """Display title (or URL) of the given source ids, keyed by the id as a string."""
    wanted = {int(i) for i in ids if str(i).isdigit()}
    if not wanted:
        return {}
    rows = session.exec(select(Source.id, Source.title, Source.url).where(Source.id.in_(wanted)))
    return {str(i): title or url for i, title, url in rows}


def entity_names(session: Session, slugs: list[str]) -> dict[str, str]:
    """Registry names of the given slugs (an unknown slug is simply absent)."""
    if not slugs:
        return {}
    return dict(session.exec(select(Entity.slug, Entity.name).where(Entity.slug.in_(set(slugs)))).all())


def document_entities(session: Session, document_id: int, limit: int = 60) -> list[tuple[str, str, int]]:
    """(slug, name, count) of the entities a document mentions, most mentioned first."""
    rows = session.exec(
        select(Mention.entity_slug, Entity.name, Mention.count)
        .join(Entity, Entity.slug == Mention.entity_slug, isouter=True)
        .where(Mention.document_id == document_id)
        .order_by(Mention.count.desc(), Mention.entity_slug).limit(limit))
    return [(slug, name or slug, n) for slug, name, n in rows]


def document_events(session: Session, document_id: int, limit: int = 50) -> list[dict]:
    """The events a document is evidence for, newest first."""
    rows = session.exec(
        select(Event.date, Event.kind, Event.title, Event.status, EventDocument.sentence)
        .join(EventDocument, EventDocument.event_id == Event.id)
        .where(EventDocument.document_id == document_id)
        .order_by(Event.date.desc(), Event.id).limit(limit))
    return [{"date": d, "kind": k, "event": t, "status": s or "", "supporting sentence": sentence}
            for d, k, t, s, sentence in rows]


def source_page(session: Session, *, offset: int = 0, limit: int = 50) -> tuple[list[Source], dict[int, int], int]:
    """One page of sources, their document counts, and the number of sources."""
    total = session.exec(select(func.count()).select_from(Source)).one()
    sources = list(session.exec(select(Source).order_by(Source.id).offset(offset).limit(limit)))
    ids = [s.id for s in sources]
    per_source = dict(session.exec(
        select(Document.source_id, func.count(Document.id)).where(Document.source_id.in_(ids))
        .group_by(Document.source_id)).all()) if ids else {}
    return sources, per_source, int(total)


@dataclass
class Availability:
    """Who serves whom on a date: the latest service event per (provider, country)."""

    on: date
    status: dict[tuple[str, str], tuple[str, date, str]] = field(default_factory=dict)  # -> (state, since, title)
    names: dict[str, str] = field(default_factory=dict)
    truncated: bool = False

    @property
    def providers(self) -> list[str]:
        return sorted({p for p, _ in self.status}, key=self.name)

    @property
    def countries(self) -> list[str]:
        return sorted({c for _, c in self.status}, key=self.name)

    def name(self, slug: str) -> str:
        return self.names.get(slug, slug)


def service_event_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Event).where(Event.kind.in_(SERVICE_KINDS))).one())


def availability(session: Session, on: date) -> Availability:
    """The provider x country matrix as of `on`, from service_restricted/service_available events."""
    result = Availability(on=on)
    rows = session.exec(
        select(Event.id, Event.date, Event.kind, Event.title, EventEntity.entity_slug, EventEntity.role)
        .join(EventEntity, EventEntity.event_id == Event.id)
        .where(Event.kind.in_(SERVICE_KINDS), Event.date <= on)
        .order_by(Event.date, Event.id).limit(MAX_EVENT_ROWS + 1)).all()
    result.truncated = len(rows) > MAX_EVENT_ROWS
    events: dict[int, dict] = {}
    for event_id, when, kind, title, slug, role in rows[:MAX_EVENT_ROWS]:
        event = events.setdefault(event_id, {"date": when, "kind": kind, "title": title, "targets": [], "providers": []})
        event["targets" if role == "target" else "providers"].append(slug)
    for event in events.values():  # in date order: a later event overrides an earlier one
        for provider in event["providers"]:
            for country in event["targets"]:
                result.status[(provider, country)] = (SERVICE_KINDS[event["kind"]], event["date"], event["title"])
    result.names = entity_names(session, [s for pair in result.status for s in pair])
    return result
