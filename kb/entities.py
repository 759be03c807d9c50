"""Entities in the store: registry sync, linking documents, and entity page data."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
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
        months = {doc.id: month_of(doc.published_at) for doc in docs if doc.id is not None}
        pairs, per_month = _forget_mentions(session, chunk, months)
        rows = [
            {"document_id": doc.id, "entity_slug": slug, "count": count}
            for doc in docs
            for slug, count in linker.link(document_text(doc)).items()
        ]
        if rows:  # one statement: a Mention object costs pydantic a fraction of a millisecond
            session.execute(insert(Mention), rows)
        new = [(row["document_id"], row["entity_slug"]) for row in rows]
        pairs.update(_pairs(new))
        per_month.update(_months(new, months))
        _add_counts(session, CoMention, "other_slug", pairs)
        _add_counts(session, EntityMonth, "month", per_month)
        stored += len(rows)
    session.flush()
    return stored


def forget_mentions(session: Session, doc_ids: list[int]) -> None:
    """Delete the mentions of documents about to be deleted, with their counts."""
    for chunk in chunked(doc_ids):
        dated = session.exec(select(Document.id, Document.published_at).where(col(Document.id).in_(chunk)))
        pairs, per_month = _forget_mentions(session, chunk, {i: month_of(when) for i, when in dated if i is not None})
        _add_counts(session, CoMention, "other_slug", pairs)
        _add_counts(session, EntityMonth, "month", per_month)


def redate_mentions(session: Session, doc_id: int, before: datetime | None, after: datetime | None) -> None:
    """A stored document's publication date changed: move its mentions to the new month's counts."""
    old, new = month_of(before), month_of(after)
    if old == new:
        return
    change: Counter[tuple[str, str]] = Counter()
    for slug in session.exec(select(Mention.entity_slug).where(Mention.document_id == doc_id)):
        if old:
            change[(slug, old)] -= 1
        if new:
            change[(slug, new)] += 1
    _add_counts(session, EntityMonth, "month", change)


def month_of(when: datetime | None) -> str | None:
    """YYYY-MM of a publication date, as the database's own month of the stored value."""
    return f"{when.year:04d}-{when.month:02d}" if when is not None else None


Change = Counter[tuple[str, str]]  # (slug, other slug or month) -> documents to add


def _forget_mentions(session: Session, doc_ids: list[int], months: dict[int, str | None]) -> tuple[Change, Change]:
    """Delete the documents' mentions; the changes to the co-mention and month counts, to apply."""
    old = session.exec(
        select(Mention.document_id, Mention.entity_slug).where(col(Mention.document_id).in_(doc_ids))
    ).all()
    if old:
        session.exec(delete(Mention).where(col(Mention.document_id).in_(doc_ids)))
    pairs: Change = Counter()
    pairs.subtract(_pairs(old))
    per_month: Change = Counter()
    per_month.subtract(_months(old, months))
    return pairs, per_month


def _pairs(mentions: Iterable[tuple[int, str]]) -> Change:
    """(slug, other slug) -> documents naming both, both ways, from (document id, slug) rows."""
    named: defaultdict[int, list[str]] = defaultdict(list)
    for doc_id, slug in mentions:
        named[doc_id].append(slug)
    pairs: Change = Counter()
    for slugs in named.values():
        pairs.update((a, b) for a in slugs for b in slugs if a != b)
    return pairs


def _months(mentions: Iterable[tuple[int, str]], months: dict[int, str | None]) -> Change:
    """(slug, YYYY-MM) -> dated documents naming the entity, from (document id, slug) rows."""
    dated = ((slug, months.get(doc_id)) for doc_id, slug in mentions)
    return Counter((slug, month) for slug, month in dated if month)


def _add_counts(session: Session, table: type[CoMention] | type[EntityMonth], key: str, change: Change) -> None:
    """Add `change` to a table of counts keyed by (entity_slug, `key`); a count down to 0 goes."""
    rows = [{"entity_slug": a, key: b, "documents": n} for (a, b), n in change.items() if n]
    if not rows:
        return
    upsert = (postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["entity_slug", key],
            set_={"documents": col(table.documents) + upsert.excluded.documents},
        ),
        rows,
    )
    fewer = [{"slug": a, "other": b} for (a, b), n in change.items() if n < 0]
    if fewer:  # one statement, run for each key: on the connection, as the ORM runs no such delete
        session.connection().execute(
            delete(table).where(
                col(table.entity_slug) == bindparam("slug"),
                getattr(table, key) == bindparam("other"),
                col(table.documents) <= 0,
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


def counted_months(session: Session) -> dict[tuple[str, str], int]:
    """The month counts computed from the mention and document tables: what the kept ones must equal."""
    month = _month(session, Document.published_at)
    rows = session.exec(
        select(col(Mention.entity_slug), month, func.count())
        .join(Document, col(Document.id) == col(Mention.document_id))
        .where(col(Document.published_at).is_not(None))
        .group_by(col(Mention.entity_slug), month)
    )
    return {(slug, m): int(n) for slug, m, n in rows}


def kept_months(session: Session) -> dict[tuple[str, str], int]:
    """The month counts as kept in their table."""
    rows = session.exec(select(EntityMonth.entity_slug, EntityMonth.month, EntityMonth.documents))
    return {(a, b): int(n) for a, b, n in rows}


def kept_mentions_per_month(session: Session, slug: str) -> list[tuple[str, int]]:
    """`mentions_per_month`, read from the counts the writer keeps."""
    rows = session.exec(
        select(EntityMonth.month, EntityMonth.documents)
        .where(EntityMonth.entity_slug == slug)
        .order_by(col(EntityMonth.month))
    )
    return [(m, int(n)) for m, n in rows]


def rebuild_entity_counts(session: Session) -> int:
    """Count the co-mentions and months again from the mentions; return the number of pairs (both ways)."""
    session.exec(delete(CoMention))
    session.exec(delete(EntityMonth))
    rows = [{"entity_slug": a, "other_slug": b, "documents": n} for (a, b), n in counted_co_mentions(session).items()]
    for chunk in chunked(rows, 5000):
        session.execute(insert(CoMention), chunk)
    months = [{"entity_slug": a, "month": b, "documents": n} for (a, b), n in counted_months(session).items()]
    for chunk in chunked(months, 5000):
        session.execute(insert(EntityMonth), chunk)
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
    rebuild_entity_counts(session)  # counted afresh: whatever the kept counts were, they are right again
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
