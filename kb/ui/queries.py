"""Read queries the pages need beyond `kb.store` and `kb.search` (bounded: nothing loads a whole table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists as sa_exists
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from kb import timeline as tl
from kb.availability import service_sides
from kb.entities import co_mentioned, mentioned_share
from kb.entity_counts import kept_mentions_per_month
from kb.errors import NotFound
from kb.models import Document, Entity, Event, EventDocument, EventEntity, Mention, Source
from kb.timeline import TimelineQuery

SERVICE_KINDS = {"service_restricted": "restricted", "service_available": "available"}


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
    rows = session.exec(select(Source.id, Source.title, Source.url).where(col(Source.id).in_(wanted)))
    return {str(i): title or url for i, title, url in rows}


def entity_names(session: Session, slugs: list[str]) -> dict[str, str]:
    """Registry names of the given slugs (an unknown slug is simply absent)."""
    if not slugs:
        return {}
    return dict(session.exec(select(Entity.slug, Entity.name).where(col(Entity.slug).in_(set(slugs)))).all())


def document_entities(session: Session, document_id: int, limit: int = 60) -> list[tuple[str, str, int]]:
    """(slug, name, count) of the entities a document mentions, most mentioned first."""
    rows = session.exec(
        select(Mention.entity_slug, Entity.name, Mention.count)
        .join(Entity, col(Entity.slug) == Mention.entity_slug, isouter=True)
        .where(Mention.document_id == document_id)
        .order_by(col(Mention.count).desc(), col(Mention.entity_slug))
        .limit(limit)
    )
    return [(slug, name or slug, n) for slug, name, n in rows]


def document_events(session: Session, document_id: int, limit: int = 50) -> list[dict]:
    """The events a document is evidence for, newest first."""
    # SQLAlchemy's select: SQLModel's is typed for at most four columns.
    rows = session.execute(
        sa_select(
            col(Event.id),
            col(Event.date),
            col(Event.kind),
            col(Event.title),
            col(Event.status),
            col(EventDocument.sentence),
        )
        .join(EventDocument, col(EventDocument.event_id) == Event.id)
        .where(col(EventDocument.document_id) == document_id)
        .order_by(col(Event.date).desc(), col(Event.id))
        .limit(limit)
    )
    return [
        {"id": i, "date": d, "kind": k, "event": t, "status": s or "", "supporting sentence": sentence}
        for i, d, k, t, s, sentence in rows
    ]


def source_page(session: Session, *, offset: int = 0, limit: int = 50) -> tuple[list[Source], dict[int, int], int]:
    """One page of sources, their document counts, and the number of sources."""
    total = session.exec(select(func.count()).select_from(Source)).one()
    sources = list(session.exec(select(Source).order_by(col(Source.id)).offset(offset).limit(limit)))
    ids = [s.id for s in sources]
    per_source = (
        dict(
            session.exec(
                select(Document.source_id, func.count(col(Document.id)))
                .where(col(Document.source_id).in_(ids))
                .group_by(col(Document.source_id))
            ).all()
        )
        if ids
        else {}
    )
    return sources, per_source, int(total)


@dataclass
class ServiceChange:
    """One service event from the point of view of one entity (its availability history)."""

    date: date
    state: str  # available or restricted
    title: str
    providers: list[tuple[str, str]]  # (slug, name)
    countries: list[tuple[str, str]]


def availability_history(session: Session, slug: str, limit: int = 200) -> list[ServiceChange]:
    """The service_restricted/service_available events that name `slug`, newest first."""
    rows = session.exec(
        select(col(Event.id), col(Event.date), col(Event.kind), col(Event.title))
        .join(EventEntity, col(EventEntity.event_id) == Event.id)
        .where(EventEntity.entity_slug == slug, col(Event.kind).in_(SERVICE_KINDS))
        .order_by(col(Event.date).desc(), col(Event.id).desc())
        .limit(limit)
    ).all()
    events = [(i, when, kind, title) for i, when, kind, title in rows if i is not None]  # a stored event has an id
    links: dict[int, list[tuple[str, str]]] = {event_id: [] for event_id, *_ in events}
    if links:
        for event_id, other, role in session.exec(
            select(EventEntity.event_id, EventEntity.entity_slug, EventEntity.role).where(
                col(EventEntity.event_id).in_(list(links))
            )
        ):
            links[event_id].append((other, role))
    names = entity_names(session, sorted({s for pairs in links.values() for s, _ in pairs}))
    changes = []
    for event_id, when, kind, title in events:
        providers, countries = service_sides(links[event_id])
        changes.append(
            ServiceChange(
                when,
                SERVICE_KINDS[kind],
                title,
                [(p, names.get(p, p)) for p in providers],
                [(c, names.get(c, c)) for c in countries],
            )
        )
    return changes


# ---- timeline ----------------------------------------------------------------------


def timeline_points(session: Session, query: TimelineQuery, cap: int) -> list[dict]:
    """Date, kind, title and status of the newest `cap` + 1 events matching `query` (for the chart)."""
    query = query.checked()
    # kb.timeline's own filter, so that the chart and the list always agree on what matches.
    stmt = (
        tl.filtered_events(session, query)
        .with_only_columns(Event.date, Event.kind, Event.title, Event.status)
        .order_by(col(Event.date).desc(), col(Event.id).desc())
        .limit(cap + 1)
    )
    rows = session.execute(stmt).all()  # rows, not scalars: SQLModel's exec would keep only the first column
    return [{"date": d, "kind": k, "title": t, "status": s or ""} for d, k, t, s in rows]


def timeline_event(session: Session, event_id: int) -> tl.TimelineEvent | None:
    """One event as the timeline shows it (entities, reports, sources); None when there is none."""
    event = session.get(Event, event_id)
    return tl.hydrate(session, [event])[0] if event is not None else None


def event_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Event)).one())


def event_entities(session: Session, limit: int = 300) -> list[tuple[str, str, int]]:
    """(slug, name, events) of the entities named by most events, for the timeline's entity filter."""
    count = func.count(col(EventEntity.event_id))
    rows = session.exec(
        select(EventEntity.entity_slug, Entity.name, count)
        .join(Entity, col(Entity.slug) == EventEntity.entity_slug, isouter=True)
        # Entity.name is one value per slug (slug is its key), but PostgreSQL wants every selected column grouped.
        .group_by(col(EventEntity.entity_slug), col(Entity.name))
        .order_by(count.desc(), col(EventEntity.entity_slug))
        .limit(limit)
    )
    return [(slug, name or slug, int(n)) for slug, name, n in rows]


def jurisdictions(session: Session, limit: int = 100) -> list[str]:
    """The jurisdictions events are recorded under (ISO codes, GLOBAL)."""
    rows = session.exec(
        select(Event.jurisdiction)
        .where(col(Event.jurisdiction).is_not(None))
        .distinct()
        .order_by(col(Event.jurisdiction))
        .limit(limit)
    )
    return [j for j in rows if j]


def known_timeline_entities(session: Session, slugs: list[str]) -> tuple[list[str], list[str]]:
    """(usable, unknown): slugs the timeline can filter by (entities, merged ones, rule ids), and the rest."""
    usable, unknown = [], []
    for slug in slugs:
        try:
            tl.resolve_entities(session, [slug])
            usable.append(slug)
        except NotFound:
            unknown.append(slug)
    return usable, unknown


def country_pages(session: Session, codes: list[str]) -> dict[str, tuple[str, str]]:
    """ISO code -> (slug, name) of the country entities, for linking codes such as "US"."""
    wanted = {c.upper() for c in codes if c}
    if not wanted:
        return {}
    rows = session.exec(
        select(Entity.country, Entity.slug, Entity.name).where(
            Entity.kind == "country", col(Entity.country).in_(wanted), col(Entity.merged_into).is_(None)
        )
    )
    return {code: (slug, name) for code, slug, name in rows if code is not None}  # never None: matched `wanted`


# ---- entities ----------------------------------------------------------------------


def has_entities(session: Session) -> bool:
    """True once the registry has been loaded into the store."""
    return session.exec(select(Entity.slug).limit(1)).first() is not None


@dataclass
class EntityOverview:
    """What an entity's page shows of its documents: the number, one page of them (the few
    columns the list shows), the entities named with it and the documents per month."""

    total_documents: int
    documents: list  # rows of id, title, published_at, source_id, kind; newest first
    co_mentions: list[tuple[str, str, int]]  # (slug, name, documents), most first
    per_month: list[tuple[str, int]]  # (YYYY-MM, documents)


def entity_overview(session: Session, slug: str, *, page: int = 1, per_page: int = 20) -> EntityOverview:
    """The documents part of `kb.entities.entity_page` (the same answers), without loading whole
    documents, in plans that stay fast when the entity is named in a large share of them."""
    total, documents = entity_documents(session, slug, page=page, per_page=per_page)
    co_mentions, per_month = entity_counts(session, slug)
    return EntityOverview(total, documents, co_mentions, per_month)


def entity_documents(session: Session, slug: str, *, page: int = 1, per_page: int = 20) -> tuple[int, list]:
    """The number of documents naming `slug`, and one page of them, newest first (rows of id,
    title, published_at, source_id, kind).

    For a common entity, walking the publication date index newest first and keeping the
    documents that name it stops after a few rows; for a rare one, sorting its few documents
    is quicker."""
    total, newest = mentioned_share(session, slug)
    offset = (max(page, 1) - 1) * per_page
    # A walk down the date index reads about (offset + per_page) * newest / total rows; the
    # other plan reads every mentioned document: take the walk when it is shorter.
    walk = total > 0 and (offset + per_page) * newest < 16 * total * total
    names_it = (
        sa_exists().where(col(Mention.document_id) == col(Document.id), col(Mention.entity_slug) == slug)
        if walk
        else col(Document.id).in_(select(Mention.document_id).where(Mention.entity_slug == slug))
    )
    documents = session.execute(
        sa_select(
            col(Document.id),
            col(Document.title),
            col(Document.published_at),
            col(Document.source_id),
            col(Document.kind),
        )
        .where(names_it)
        .order_by(col(Document.published_at).desc().nulls_last(), col(Document.id).desc())
        .offset(offset)
        .limit(per_page)
    ).all()
    return total, list(documents)


def entity_counts(session: Session, slug: str) -> tuple[list[tuple[str, str, int]], list[tuple[str, int]]]:
    """The entities named with `slug` as (slug, name, documents), most first, and its documents
    per month: both from the counts the writer keeps."""
    co_mentions = [(entity.slug, entity.name, n) for entity, n in co_mentioned(session, slug)]
    return co_mentions, kept_mentions_per_month(session, slug)
