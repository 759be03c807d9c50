"""What the search index still has to take in: the IndexPending rows.

A refresh commits its documents and their IndexPending rows in one
transaction; `flush` indexes them and deletes the rows only after the index
commit. A process killed between the two, an index locked by another process
or a full disk leaves the rows in place, and the next flush (every poll, the
writer at start and after each round) catches up. No step needs `kb reindex`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from kb import index as kb_index
from kb.context import KB
from kb.errors import KBError
from kb.models import Document, IndexPending

log = logging.getLogger(__name__)
# Whoosh allows one writer per index; threads of one process take turns here,
# other processes wait on Whoosh's own lock (KB_INDEX_LOCK_TIMEOUT).
INDEX_LOCK = threading.Lock()


@dataclass
class Flushed:
    indexed: int = 0
    removed: int = 0
    error: str | None = None  # the index could not be written; the rows stay for the next flush


def mark(session: Session, doc_ids: Iterable[int]) -> None:
    """Record that these documents must be (re)indexed, in the caller's transaction."""
    session.add_all(IndexPending(document_id=doc_id) for doc_id in sorted(set(doc_ids)))


def count(session: Session) -> int:
    return int(session.exec(select(func.count(col(IndexPending.id)))).one())


def flush(kb: KB, *, limit: int = 20_000) -> Flushed:
    """Index every pending document (remove deleted ones), then clear what was indexed."""
    with INDEX_LOCK, kb.session() as session:
        rows = session.exec(
            select(IndexPending.id, IndexPending.document_id).order_by(col(IndexPending.id)).limit(limit)
        ).all()
        if not rows:
            return Flushed()
        last = max(row_id for row_id, _ in rows if row_id is not None)
        wanted = sorted({doc_id for _, doc_id in rows})
        present = set(session.exec(select(Document.id).where(col(Document.id).in_(wanted))))
        stored = [d for d in wanted if d in present]
        gone = [d for d in wanted if d not in present]
        timeout = kb.config.index_lock_timeout
        try:
            kb_index.index_documents(kb.index, session, stored, timeout=timeout)
            if gone:
                kb_index.remove_documents(kb.index, gone, timeout=timeout)
        except (KBError, OSError) as exc:  # busy, outdated or out of space: the rows stay
            log.warning("index not updated: %s", exc)
            return Flushed(error=f"{exc}; the documents are stored and will be indexed at the next poll")
        # A row added after this read (a newer change) has a larger id and stays for the next flush.
        session.exec(delete(IndexPending).where(col(IndexPending.id) <= last))
        session.commit()
    result = Flushed(indexed=len(stored), removed=len(gone))
    if len(rows) == limit:
        more = flush(kb, limit=limit)
        result = Flushed(result.indexed + more.indexed, result.removed + more.removed, more.error)
    return result


def clear_through(session: Session, last_id: int) -> None:
    """Forget the rows up to `last_id` (a rebuild read the whole database after they were written)."""
    session.exec(delete(IndexPending).where(col(IndexPending.id) <= last_id))


def last_id(session: Session) -> int:
    return int(session.exec(select(func.max(col(IndexPending.id)))).one() or 0)


def rebuild(kb: KB) -> int:
    """Rebuild the index from the database into a new directory and swap it in, holding the
    index's write lock so no flush runs meanwhile; then reopen it. Returns the documents indexed."""
    timeout = kb.config.index_lock_timeout
    with INDEX_LOCK, kb.session() as session:
        kb_index.sweep_generations(kb.config.index_dir)
        last = last_id(session)  # rows written after this are newer than the rebuild's read: kept
        lock = kb_index.lock(kb.config.index_dir, timeout)  # also when the index is outdated
        try:
            count = kb_index.rebuild(kb.config.index_dir, session)
        finally:
            with contextlib.suppress(Exception):  # the old generation is gone already on success
                lock.cancel()
        clear_through(session, last)
        session.commit()
    kb.reopen_index()
    return count
