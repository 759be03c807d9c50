"""Refreshing sources: one recipe per source, and a poll over every due source."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from ingest.errors import HTTPStatusError, IngestError
from ingest.fetch import FetchResult
from kb import federal_register
from kb import index as kb_index
from kb.collect import Collector, collect_feed
from kb.context import KB
from kb.entities import link_hook
from kb.errors import KBError
from kb.events.stage import events_hook
from kb.models import Source, utcnow
from kb.store import get_meta, get_source, set_meta, upsert_items

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(days=1)


@dataclass
class Outcome:
    source_id: int
    status: str  # ok, not_modified, failed, skipped
    new: int = 0
    updated: int = 0
    error: str | None = None
    warning: str | None = None


@dataclass
class PollSummary:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def new(self) -> int:
        return sum(o.new for o in self.outcomes)

    @property
    def updated(self) -> int:
        return sum(o.updated for o in self.outcomes)

    def line(self) -> str:
        checked = len([o for o in self.outcomes if o.status != "skipped"])
        return (
            f"{checked} sources checked, {self.count('not_modified')} not modified, "
            f"{self.new} new and {self.updated} updated documents, {self.count('failed')} failed"
        )


# Source kind -> its collector.
COLLECTORS: dict[str, Collector] = {
    "feed": collect_feed,
    "federal_register": federal_register.collect,
}

Stage = Callable[[KB, Session, list[int]], Iterable[int]]
# Stages run in this order on the ids of new or changed documents (entity
# linking, then event extraction); each returns the ids whose index entry changed.
AFTER_UPSERT: list[Stage] = [link_hook, events_hook]


def collector_for(kind: str) -> Collector:
    if kind not in COLLECTORS:
        raise IngestError(f"sources of kind {kind!r} cannot be polled yet")
    return COLLECTORS[kind]


def refresh_source(kb: KB, session: Session, source_id: int, *, force: bool = False) -> Outcome:
    """Fetch, parse, store, link and index one source; failures are stored on its row."""
    source = get_source(session, source_id)
    try:
        collected = collector_for(source.kind)(kb, source, force)
    except IngestError as exc:
        _failed(kb, source, exc)
        session.commit()
        return Outcome(source_id, "failed", error=source.last_error)
    if collected.not_modified:
        _succeeded(kb, source, collected.response)
        session.commit()
        return Outcome(source_id, "not_modified")
    stored = upsert_items(session, source=source, items=collected.items)
    to_index, hook_warning = run_stages(kb, session, stored.changed)
    source.title = source.title or collected.title
    source.warning = collected.warning or hook_warning
    _succeeded(kb, source, collected.response)
    session.commit()  # the database first: the index can always be rebuilt from it
    warning = index_changes(kb, session, to_index) or source.warning
    return Outcome(source_id, "ok", new=len(stored.new), updated=len(stored.updated), warning=warning)


def run_stages(kb: KB, session: Session, doc_ids: list[int]) -> tuple[list[int], str | None]:
    """Run the after-upsert stages; a stage's failure is reported, and the documents stay stored."""
    to_index, warning = set(doc_ids), None
    for stage in AFTER_UPSERT:
        name = stage.__name__
        try:
            with session.begin_nested():  # a failing stage rolls back only its own writes
                to_index.update(stage(kb, session, doc_ids) or ())
        except KBError as exc:
            warning = f"{name} failed: {exc}"
        except Exception as exc:  # a bug in one stage must not lose the stored documents
            log.exception("stage %s failed", name)
            warning = f"{name} failed unexpectedly: {type(exc).__name__}: {exc}"
    return sorted(to_index), warning


INDEX_PENDING = "index_pending"  # Meta key: some stored documents may be missing from the index


def index_changes(kb: KB, session: Session, doc_ids: list[int]) -> str | None:
    """Index the changed documents; a busy index is reported, not fatal, and the next poll catches up."""
    try:
        kb_index.index_documents(kb.index, session, doc_ids, timeout=kb.config.index_lock_timeout)
    except KBError as exc:  # busy or outdated: the documents are safe in the database
        set_meta(session, INDEX_PENDING, "1")
        session.commit()
        return f"{exc}; the documents are stored and the next poll (or `kb reindex`) will index them"
    return None


def catch_up_index(kb: KB) -> int | None:
    """After an indexing failure, index what the database has and the index lacks.

    Returns the number of documents re-indexed, or None when nothing was pending
    or the index is still unavailable (the flag then stays for the next poll).
    """
    with kb.session() as session:
        if get_meta(session, INDEX_PENDING) != "1":
            return None
        try:
            report = kb_index.check(kb.index, session)
            kb_index.index_documents(
                kb.index, session, report.missing + report.stale, timeout=kb.config.index_lock_timeout
            )
            if report.orphans:
                kb_index.remove_documents(kb.index, report.orphans, timeout=kb.config.index_lock_timeout)
        except KBError as exc:
            log.warning("index still unavailable: %s", exc)
            return None
        set_meta(session, INDEX_PENDING, "0")
        session.commit()
        return len(report.missing) + len(report.stale)


def _succeeded(kb: KB, source: Source, response: FetchResult) -> None:
    now = utcnow()
    source.etag = response.etag or source.etag
    source.last_modified = response.last_modified or source.last_modified
    source.checked_at = now
    source.status, source.error_count, source.last_error = "ok", 0, None
    wait = max(kb.config.poll_interval, response.max_age or 0)
    source.next_check_at = now + timedelta(seconds=wait)


def _failed(kb: KB, source: Source, exc: IngestError) -> None:
    now = utcnow()
    source.checked_at = now
    source.error_count += 1
    source.last_error = str(exc)
    if isinstance(exc, HTTPStatusError) and exc.status == 410:
        source.status, source.next_check_at = "gone", None  # never polled again
        return
    source.status = "failing"
    backoff = timedelta(seconds=kb.config.poll_interval * 2 ** min(source.error_count - 1, 10))
    backoff = min(backoff, MAX_BACKOFF) * random.uniform(0.8, 1.2)
    if isinstance(exc, HTTPStatusError) and exc.retry_after:
        backoff = max(backoff, timedelta(seconds=exc.retry_after))
    source.next_check_at = now + backoff


def due_sources(session: Session, *, now: datetime | None = None, include_all: bool = False) -> list[int]:
    """Ids of enabled sources whose next check is due (or all enabled ones)."""
    now = now or utcnow()
    query = select(col(Source.id)).where(Source.enabled, Source.status != "gone").order_by(col(Source.id))
    if not include_all:
        query = query.where(col(Source.next_check_at).is_(None) | (col(Source.next_check_at) <= now))
    return [source_id for source_id in session.exec(query) if source_id is not None]


def poll(
    kb: KB,
    source_ids: list[int] | None = None,
    *,
    force: bool = False,
    progress: Callable[[Outcome], None] | None = None,
) -> PollSummary:
    """Refresh the given sources (default: every due one); one failure never stops the rest."""
    summary = PollSummary()
    catch_up_index(kb)
    with kb.session() as session:
        ids = source_ids if source_ids is not None else due_sources(session, include_all=force)
    for source_id in ids:
        with kb.session() as session:
            outcome = refresh_source(kb, session, source_id, force=force)
        summary.outcomes.append(outcome)
        if progress:
            progress(outcome)
    return summary
