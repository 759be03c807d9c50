"""The counts the writer keeps for the Entity page: the documents naming each pair of entities
(CoMention) and each entity's documents per month of publication (EntityMonth).

They change wherever mentions do: kb.entities.link_documents replaces a document's mentions,
kb.store deletes documents (`forget_mentions`) and changes a stored document's publication date
(`redate_mentions`). `counted_*` compute them from the mention and document tables, which
`kb check` compares them with; `rebuild` (a relink of everything) counts them afresh.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from kb.batches import chunked
from kb.models import CoMention, Document, EntityMonth, Mention

Change = Counter[tuple[str, str]]  # (slug, other slug or month) -> documents to add


def forget_mentions(session: Session, doc_ids: list[int]) -> None:
    """Delete the mentions of documents about to be deleted, with their counts."""
    for chunk in chunked(doc_ids):
        dated = session.exec(select(Document.id, Document.published_at).where(col(Document.id).in_(chunk)))
        pairs, per_month = forget(session, chunk, {i: month_of(when) for i, when in dated if i is not None})
        add(session, CoMention, "other_slug", pairs)
        add(session, EntityMonth, "month", per_month)


def redate_mentions(session: Session, doc_id: int, before: datetime | None, after: datetime | None) -> None:
    """A stored document's publication date changed: move its mentions to the new month's counts."""
    old, new = month_of(before), month_of(after)
    if old == new:
        return
    change: Change = Counter()
    for slug in session.exec(select(Mention.entity_slug).where(Mention.document_id == doc_id)):
        if old:
            change[(slug, old)] -= 1
        if new:
            change[(slug, new)] += 1
    add(session, EntityMonth, "month", change)


def month_of(when: datetime | None) -> str | None:
    """YYYY-MM of a publication date, as the database's own month of the stored value."""
    return f"{when.year:04d}-{when.month:02d}" if when is not None else None


def forget(session: Session, doc_ids: list[int], months: dict[int, str | None]) -> tuple[Change, Change]:
    """Delete the documents' mentions; the changes to the co-mention and month counts, to apply."""
    old = session.exec(
        select(Mention.document_id, Mention.entity_slug).where(col(Mention.document_id).in_(doc_ids))
    ).all()
    if old:
        session.exec(delete(Mention).where(col(Mention.document_id).in_(doc_ids)))
    pairs: Change = Counter()
    pairs.subtract(pairs_of(old))
    per_month: Change = Counter()
    per_month.subtract(months_of(old, months))
    return pairs, per_month


def pairs_of(mentions: Iterable[tuple[int, str]]) -> Change:
    """(slug, other slug) -> documents naming both, both ways, from (document id, slug) rows."""
    named: defaultdict[int, list[str]] = defaultdict(list)
    for doc_id, slug in mentions:
        named[doc_id].append(slug)
    pairs: Change = Counter()
    for slugs in named.values():
        pairs.update((a, b) for a in slugs for b in slugs if a != b)
    return pairs


def months_of(mentions: Iterable[tuple[int, str]], months: dict[int, str | None]) -> Change:
    """(slug, YYYY-MM) -> dated documents naming the entity, from (document id, slug) rows."""
    dated = ((slug, months.get(doc_id)) for doc_id, slug in mentions)
    return Counter((slug, month) for slug, month in dated if month)


def add(session: Session, table: type[CoMention] | type[EntityMonth], key: str, change: Change) -> None:
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
    month = sql_month(session, Document.published_at)
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


def rebuild(session: Session) -> int:
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


def sql_month(session: Session, column):
    """YYYY-MM of a datetime column, in the database's own dialect."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite stores a datetime as text that starts YYYY-MM- (SQLAlchemy writes every one):
        # its first seven characters are strftime's %Y-%m, without parsing the date
        return func.substr(column, 1, 7)
    return func.to_char(column, "YYYY-MM")  # PostgreSQL
