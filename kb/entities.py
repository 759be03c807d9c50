"""Entities in the store: registry sync, linking documents, and entity page data."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import String, bindparam, cast, delete, func, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from kb.batches import chunked
from kb.context import KB
from kb.errors import NotFound
from kb.linker import Linker, current_linker
from kb.models import CoMention, Document, Entity, Event, EventEntity, Mention
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
        pairs = _forget_mentions(session, chunk)
        rows = [
            {"document_id": doc.id, "entity_slug": slug, "count": count}
            for doc in session.exec(select(Document).where(col(Document.id).in_(chunk)))
            for slug, count in linker.link(document_text(doc)).items()
        ]
        if rows:  # one statement: a Mention object costs pydantic a fraction of a millisecond
            session.execute(insert(Mention), rows)
        pairs.update(_pairs((row["document_id"], row["entity_slug"]) for row in rows))
        _add_co_mentions(session, pairs)
        stored += len(rows)
    session.flush()
    return stored


def forget_mentions(session: Session, doc_ids: list[int]) -> None:
    """Delete the mentions of documents about to be deleted, with their co-mention counts."""
    for chunk in chunked(doc_ids):
        _add_co_mentions(session, _forget_mentions(session, chunk))


def _forget_mentions(session: Session, doc_ids: list[int]) -> Counter[tuple[str, str]]:
    """Delete the documents' mentions; the change to the co-mention counts (negative), to apply."""
    old = session.exec(
        select(Mention.document_id, Mention.entity_slug).where(col(Mention.document_id).in_(doc_ids))
    ).all()
    if old:
        session.exec(delete(Mention).where(col(Mention.document_id).in_(doc_ids)))
    change: Counter[tuple[str, str]] = Counter()
    change.subtract(_pairs(old))
    return change


def _pairs(mentions: Iterable[tuple[int, str]]) -> Counter[tuple[str, str]]:
    """(slug, other slug) -> documents naming both, both ways, from (document id, slug) rows."""
    named: defaultdict[int, list[str]] = defaultdict(list)
    for doc_id, slug in mentions:
        named[doc_id].append(slug)
    pairs: Counter[tuple[str, str]] = Counter()
    for slugs in named.values():
        pairs.update((a, b) for a in slugs for b in slugs if a != b)
    return pairs


def _add_co_mentions(session: Session, change: Counter[tuple[str, str]]) -> None:
    """Add `change` to the co-mention counts; a pair no document names together any more goes."""
    rows = [{"entity_slug": a, "other_slug": b, "documents": n} for (a, b), n in change.items() if n]
    if not rows:
        return
    upsert = (postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(CoMention)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["entity_slug", "other_slug"],
            set_={"documents": col(CoMention.documents) + upsert.excluded.documents},
        ),
        rows,
    )
    fewer = [{"slug": a, "other": b} for (a, b), n in change.items() if n < 0]
    if fewer:  # one statement, run for each pair (by its key): on the connection, as the ORM runs no such delete
        session.connection().execute(
            delete(CoMention).where(
                col(CoMention.entity_slug) == bindparam("slug"),
                col(CoMention.other_slug) == bindparam("other"),
                col(CoMention.documents) <= 0,
            ),
            fewer,
        )


def counted_co_mentions(session: Session) -> dict[tuple[str, str], int]:
    """The co-mention counts computed from the mention table: what the kept counts must equal."""
    other = aliased(Mention)
    rows = session.exec(
        select(col(Mention.entity_slug), col(other.entity_slug), func.count())
        .join(other, col(other.document_id) == col(Mention.document_id))
        .where(col(other.entity_slug) != col(Mention.entity_slug))
        .group_by(col(Mention.entity_slug), col(other.entity_slug))
    )
    return {(a, b): int(n) for a, b, n in rows}


def kept_co_mentions(session: Session) -> dict[tuple[str, str], int]:
    """The co-mention counts as kept in their table."""
    rows = session.exec(select(CoMention.entity_slug, CoMention.other_slug, CoMention.documents))
    return {(a, b): int(n) for a, b, n in rows}


def rebuild_co_mentions(session: Session) -> int:
    """Count the co-mentions again from the mention table; return the number of pairs (both ways)."""
    session.exec(delete(CoMention))
    rows = [{"entity_slug": a, "other_slug": b, "documents": n} for (a, b), n in counted_co_mentions(session).items()]
    for chunk in chunked(rows, 5000):
        session.execute(insert(CoMention), chunk)
    session.flush()
    return len(rows)


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
    rebuild_co_mentions(session)  # counted afresh: whatever the kept counts were, they are right again
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


def _month(session: Session, column):
    """YYYY-MM of a datetime column, in the database's own dialect."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite stores a datetime as text that starts YYYY-MM- (SQLAlchemy writes every one):
        # its first seven characters are strftime's %Y-%m, without parsing the date
        return func.substr(column, 1, 7)
    return func.to_char(column, "YYYY-MM")  # PostgreSQL


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
    month = _month(session, Document.published_at)
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
