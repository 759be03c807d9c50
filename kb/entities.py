"""Entities in the store: registry sync, linking documents, and entity page data."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import String, cast, func, insert
from sqlmodel import Session, col, select

from kb import entity_counts as counts
from kb.batches import chunked
from kb.context import KB
from kb.entity_counts import sql_month
from kb.errors import NotFound
from kb.linker import Linker, current_linker
from kb.models import CoMention, Document, Entity, EntityMonth, Event, EventEntity, Mention
from kb.registry import Registry, follow_merges

REGISTRY_KEY = "registry_fingerprint"


def sync_registry(session: Session, registry: Registry) -> int:
    """Make the Entity table match the registry; return the number of entities."""
    # Here: the store brings the fetcher (httpx), which a search naming an entity does not need.
    from kb.store import set_meta

    existing = {e.slug: e for e in session.exec(select(Entity))}
    new: list[dict] = []  # inserted in one statement: an Entity object costs pydantic about half a millisecond
    for spec in registry.entities.values():
        values = {
            "name": spec.name,
            "kind": spec.kind,
            "aliases": list(spec.aliases),
            "country": spec.country,
            "description": spec.description,
            "url": spec.url,
            "wikidata": spec.wikidata,
            "merged_into": spec.merged_into,
        }
        row = existing.pop(spec.slug, None)
        if row is None:
            new.append({"slug": spec.slug, **values})
            continue
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
    for gone in existing.values():
        session.delete(gone)
    if new:
        session.execute(insert(Entity), new)
    set_meta(session, REGISTRY_KEY, registry.fingerprint)
    session.flush()
    return len(registry.entities)


def document_text(doc: Document) -> str:
    parts = [doc.title, doc.body]
    if doc.summary and doc.summary not in doc.body:
        parts.insert(1, doc.summary)
    return "\n".join(p for p in parts if p)


def link_documents(session: Session, doc_ids: list[int], linker: Linker | None = None) -> int:
    """Replace the mentions of the given documents; return how many mentions were stored."""
    linker = linker or ensure_registry(session)
    stored = 0
    for chunk in chunked(doc_ids):
        docs = list(session.exec(select(Document).where(col(Document.id).in_(chunk))))
        months = {doc.id: counts.month_of(doc.published_at) for doc in docs if doc.id is not None}
        pairs, per_month = counts.forget(session, chunk, months)
        rows = [
            {"document_id": doc.id, "entity_slug": slug, "count": count}
            for doc in docs
            for slug, count in linker.link(document_text(doc)).items()
        ]
        if rows:  # one statement: a Mention object costs pydantic a fraction of a millisecond
            session.execute(insert(Mention), rows)
        new = [(row["document_id"], row["entity_slug"]) for row in rows]
        pairs.update(counts.pairs_of(new))
        per_month.update(counts.months_of(new, months))
        counts.add(session, CoMention, "other_slug", pairs)
        counts.add(session, EntityMonth, "month", per_month)
        stored += len(rows)
    session.flush()
    return stored


def ensure_registry(session: Session, directory: Path | None = None) -> Linker:
    """The current linker; when the registry changed since the store was linked,
    sync the Entity table and relink every document."""
    linker = current_linker(directory)
    _relink_if_changed(session, linker)
    return linker


def _relink_if_changed(session: Session, linker: Linker) -> list[int] | None:
    """Relink every document when the store was linked with another registry; their ids, or None."""
    from kb.store import get_meta, lock_meta

    if get_meta(session, REGISTRY_KEY) == linker.registry.fingerprint:
        return None
    # Another process may be syncing the same registry now: take turns, then look again.
    if lock_meta(session, REGISTRY_KEY) == linker.registry.fingerprint:
        return None
    sync_registry(session, linker.registry)
    every = _every_document(session)
    link_documents(session, every, linker)
    return every


def _every_document(session: Session) -> list[int]:
    """The ids of all stored documents (a stored row always has one)."""
    return [doc_id for doc_id in session.exec(select(Document.id)) if doc_id is not None]


def link_hook(kb: KB, session: Session, doc_ids: list[int]) -> list[int]:
    """Pipeline stage: link new and changed documents with the KB's registry; after a registry
    change, every document is relinked, and all of them are returned for re-indexing."""
    linker = kb.linker
    relinked = _relink_if_changed(session, linker)
    if relinked is not None:
        return relinked
    link_documents(session, doc_ids, linker)
    return doc_ids


def relink_all(session: Session, directory: Path | None = None) -> tuple[int, int]:
    """Sync the registry and relink every document: (entities, mentions)."""
    linker = current_linker(directory)
    entities = sync_registry(session, linker.registry)
    mentions = link_documents(session, _every_document(session), linker)
    counts.rebuild(session)  # counted afresh: whatever the kept counts were, they are right again
    return entities, mentions


# ---- entity page data -------------------------------------------------------------


def resolve(session: Session, slug: str) -> Entity:
    """The entity for `slug`, following merges to the surviving one."""
    entity = surviving_entity(session, slug)
    if entity is None:
        raise NotFound(f"no entity {slug!r}")
    return entity


def surviving_entity(session: Session, slug: str) -> Entity | None:
    """The stored entity `slug` leads to through merges; None when the chain ends at no entity."""

    def merged_into(step: str) -> str | None:
        entity = session.get(Entity, step)
        return entity.merged_into if entity is not None else None

    return session.get(Entity, follow_merges(slug, merged_into))


@dataclass
class EntitySummary:
    slug: str
    name: str
    kind: str
    country: str | None
    documents: int


def list_entities(
    session: Session,
    *,
    query: str = "",
    kind: str | None = None,
    with_documents: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[EntitySummary], int]:
    """A page of the directory, most-mentioned first, and the total count."""
    docs = func.count(col(Mention.document_id))
    stmt = (
        select(Entity, docs)
        .join(Mention, col(Mention.entity_slug) == col(Entity.slug), isouter=not with_documents)
        .where(col(Entity.merged_into).is_(None))
        .group_by(Entity.slug)
    )
    if kind:
        stmt = stmt.where(Entity.kind == kind)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            func.lower(Entity.name).like(like)
            | func.lower(Entity.slug).like(like)
            | func.lower(cast(Entity.aliases, String)).like(like)
        )
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(docs.desc(), Entity.name).offset(offset).limit(limit))
    return [EntitySummary(e.slug, e.name, e.kind, e.country, n) for e, n in rows], total


@dataclass
class EntityPage:
    entity: Entity
    documents: list[Document] = field(default_factory=list)
    total_documents: int = 0
    co_mentions: list[tuple[Entity, int]] = field(default_factory=list)
    per_month: list[tuple[str, int]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def entity_page(session: Session, slug: str, *, page: int = 1, per_page: int = 20) -> EntityPage:
    """Profile, newest documents (paged), co-mentioned entities, mentions per month, events."""
    entity = resolve(session, slug)
    data = EntityPage(entity=entity)
    mentions = select(Mention.document_id).where(Mention.entity_slug == entity.slug)
    data.total_documents = session.exec(select(func.count()).select_from(mentions.subquery())).one()
    data.documents = list(
        session.exec(
            select(Document)
            .where(col(Document.id).in_(mentions))
            .order_by(col(Document.published_at).desc().nulls_last(), col(Document.id).desc())
            .offset((max(page, 1) - 1) * per_page)
            .limit(per_page)
        )
    )
    data.co_mentions = co_mentioned(session, entity.slug)
    data.per_month = mentions_per_month(session, entity.slug)
    tagged = select(EventEntity.event_id).where(EventEntity.entity_slug == entity.slug)
    data.events = list(
        session.exec(  # events naming the entity, and a rule's own lifecycle
            select(Event)
            .where(col(Event.id).in_(tagged) | (col(Event.rule) == entity.slug))
            .order_by(col(Event.date).desc(), col(Event.id).desc())
            .limit(200)
        )
    )
    return data


def co_mentioned(session: Session, slug: str, limit: int = 15) -> list[tuple[Entity, int]]:
    """Entities most often named in the same documents, with the number of documents: read from
    the counts the writer keeps (counting them from the mentions cost most of the Entity page of
    an entity named in a quarter of 100,000 documents)."""
    rows = session.exec(
        select(Entity, CoMention.documents)
        .join(CoMention, col(CoMention.other_slug) == col(Entity.slug))
        .where(col(CoMention.entity_slug) == slug)
        .order_by(col(CoMention.documents).desc(), col(Entity.name))
        .limit(limit)
    )
    return [(entity, int(n)) for entity, n in rows]


def mentioned_share(session: Session, slug: str) -> tuple[int, int]:
    """(documents naming `slug`, the highest document id): how large a share of them it is."""
    mentioned = select(Mention.document_id).where(Mention.entity_slug == slug)
    total = int(session.exec(select(func.count()).select_from(mentioned.subquery())).one())
    return total, int(session.exec(select(func.max(Document.id))).one() or 0)


def mentions_per_month(session: Session, slug: str, *, by_date_index: bool | None = None) -> list[tuple[str, int]]:
    """(YYYY-MM, documents) for the documents that name the entity.

    For a common entity the months are read from the date index (its documents' rows are large,
    the index small), for a rare one document by document; `by_date_index` None chooses by the
    entity's share of the documents."""
    if by_date_index is None:
        total, newest = mentioned_share(session, slug)
        by_date_index = total * 10 >= newest
    month = sql_month(session, Document.published_at)
    mentioned = select(Mention.document_id).where(Mention.entity_slug == slug)
    # `id + 0` keeps the database from looking the documents up by id: it reads the date index instead
    document_id = col(Document.id) + 0 if by_date_index else col(Document.id)
    rows = session.exec(
        select(month, func.count(col(Document.id)))
        .where(col(Document.published_at).is_not(None), document_id.in_(mentioned))
        .group_by(month)
        .order_by(month)
    )
    return [(m, int(n)) for m, n in rows]
