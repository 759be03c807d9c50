"""Refreshing sources: one recipe per source, and a poll over every due source."""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from ingest.errors import HTTPStatusError, IngestError
from ingest.fetch import FetchResult
from kb import articles, federal_register, leases, listings, pending, snapshots
from kb.collect import Collected, Collector
from kb.context import KB
from kb.db import begin_write
from kb.entities import link_hook
from kb.errors import KBError
from kb.events.stage import events_hook
from kb.models import Source, utcnow
from kb.store import get_source, upsert_items

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(days=1)
# A refresh holds its source this long at most; a killed worker's lease lapses sooner (leases.py).
LEASE_TTL = 15 * 60


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
    "feed": articles.collect_feed_articles,
    "article": articles.collect_article,
    "page_list": articles.collect_page_list,
    "csl": listings.collect,
    "federal_register": federal_register.collect,
    "availability": snapshots.collect,
}

Stage = Callable[[KB, Session, list[int]], Iterable[int]]
# Stages run in this order on the ids of new or changed documents (entity
# linking, then event extraction); each returns the ids whose index entry changed.
AFTER_UPSERT: list[Stage] = [link_hook, events_hook]


def collector_for(kind: str) -> Collector:
    if kind not in COLLECTORS:
        raise IngestError(f"sources of kind {kind!r} cannot be polled yet")
    return COLLECTORS[kind]


def refresh_source(
    kb: KB, session: Session, source_id: int, *, force: bool = False, index: bool = True, holder: str | None = None
) -> Outcome:
    """Refresh one source under its lease: fetch, parse, store, link, extract events, index.

    Every failure, of any type, is stored on the source's row and returned as a failed outcome;
    a source another worker is refreshing is skipped. With `index=False` the caller flushes the
    pending index records itself (the writer does, once per round).
    """
    holder = holder or leases.new_holder()
    name = f"source:{source_id}"
    if not leases.acquire(kb.engine, name, holder, LEASE_TTL):
        return Outcome(source_id, "skipped", warning="another worker is refreshing this source")
    try:
        outcome = _refresh(kb, session, source_id, force)
    finally:
        _release(kb, name, holder)
    if index and outcome.status == "ok":
        outcome.warning = pending.flush(kb).error or outcome.warning
    return outcome


def _refresh(kb: KB, session: Session, source_id: int, force: bool) -> Outcome:
    source = get_source(session, source_id)
    session.commit()  # nothing is held in the database while the network is asked
    try:
        collected = collector_for(source.kind)(kb, source, force)
    except Exception as exc:  # every failure is data: stored on the row, and the poll goes on
        return _record_failure(kb, session, source_id, exc)
    try:
        begin_write(session)
        source = get_source(session, source_id)
        if collected.not_modified:
            if source.kind == "availability":
                snapshots.confirm_unchanged(session, source)
            _succeeded(kb, source, collected)
            session.commit()
            return Outcome(source_id, "not_modified")
        stored = upsert_items(session, source=source, items=collected.items)
        pending.mark(session, run_stages(kb, session, stored.changed))
        source.title = source.title or collected.title
        source.warning = collected.warning
        if source.kind == "availability":  # the list read (or why none was) becomes a snapshot, its changes events
            source.warning = snapshots.record(kb, session, source, collected)
        if source.kind == "csl":  # the parties listed, and the list's changes as events
            source.warning = listings.record(kb, session, source, collected)
        _succeeded(kb, source, collected)
        session.commit()  # documents, mentions, events, index records and validators: all or nothing
    except Exception as exc:
        # Nothing of this refresh is kept, validators included, so the next check fetches
        # everything again instead of being told "not modified" about content never stored.
        return _record_failure(kb, session, source_id, exc, forget_validators=True)
    return Outcome(source_id, "ok", new=len(stored.new), updated=len(stored.updated), warning=source.warning)


def run_stages(kb: KB, session: Session, doc_ids: list[int]) -> list[int]:
    """Run the after-upsert stages in order; the ids whose index entry changed. A stage's
    failure propagates: the caller rolls back the whole refresh."""
    to_index = set(doc_ids)
    for stage in AFTER_UPSERT:
        to_index.update(stage(kb, session, doc_ids) or ())
    return sorted(to_index)


def describe(exc: BaseException) -> str:
    """A one-line account of a failure for the source's row."""
    if isinstance(exc, IngestError | KBError):
        return str(exc)
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig  # the database's own words, without the SQL statement
    return f"{type(exc).__name__}: {exc}"[:500]


def _record_failure(
    kb: KB, session: Session, source_id: int, exc: Exception, *, forget_validators: bool = False
) -> Outcome:
    if not isinstance(exc, IngestError | KBError):
        log.warning("source %s failed: %s", source_id, describe(exc))
        log.debug("the failure in full", exc_info=exc)  # a bug's traceback, for a server log at DEBUG
    try:
        session.rollback()
        begin_write(session)
        source = get_source(session, source_id)
        _failed(kb, source, exc)
        if forget_validators:
            source.etag = source.last_modified = None
        session.commit()
    except Exception as again:  # the database itself fails (a full disk): say so, lose nothing more
        session.rollback()
        log.error("could not record the failure of source %s: %s", source_id, describe(again))
        return Outcome(source_id, "failed", error=f"{describe(exc)} (not recorded: {describe(again)})")
    return Outcome(source_id, "failed", error=source.last_error)


def _release(kb: KB, name: str, holder: str) -> None:
    try:
        leases.release(kb.engine, name, holder)
    except Exception as exc:  # the lease lapses at its expiry, or when this process ends
        log.warning("could not release %s: %s", name, describe(exc))


def _succeeded(kb: KB, source: Source, collected: Collected) -> None:
    now = utcnow()
    response = collected.response
    source.etag = response.etag or source.etag
    source.last_modified = response.last_modified or source.last_modified
    source.checked_at = now
    source.status, source.error_count, source.last_error = "ok", 0, None
    source.next_check_at = now + timedelta(
        seconds=next_interval(kb, response, collected.ttl, source.settings.get("interval"))
    )
    _read_once(source)


def _read_once(source: Source) -> None:
    """A page ingested once (`kb ingest-url`, the Sources page) is not followed after its check."""
    if source.settings.get("once"):
        source.enabled, source.next_check_at = False, None


def next_interval(kb: KB, response: FetchResult, ttl_minutes: int | None = None, own: object = None) -> float:
    """Seconds until the next check: the source's own interval (`own`, Source.settings["interval"]) or
    the configured one, or longer when the server asks (Cache-Control max-age, Expires, the feed's
    TTL), never longer than KB_MAX_POLL_INTERVAL (nor than the source's own interval, when longer)."""
    base = own if isinstance(own, int | float) and own > 0 else kb.config.poll_interval
    asked = [base, response.max_age or 0, (ttl_minutes or 0) * 60, _expires_in(response)]
    return float(min(max(asked), max(kb.config.max_poll_interval, base)))


def _expires_in(response: FetchResult) -> float:
    value = response.headers.get("expires")
    if not value or response.max_age is not None:
        return 0.0  # max-age wins over Expires (RFC 9111)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    if when.tzinfo is None:
        return 0.0
    return max(0.0, when.timestamp() - time.time())


def _failed(kb: KB, source: Source, exc: Exception) -> None:
    now = utcnow()
    source.checked_at = now
    source.error_count += 1
    source.last_error = describe(exc)
    if isinstance(exc, HTTPStatusError) and exc.status == 410:
        source.status, source.next_check_at, source.enabled = "gone", None, False
        source.last_error = f"{source.last_error}: the publisher removed this feed; polling stopped"
        return
    source.status = "failing"
    _read_once(source)
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
    """Refresh the given sources (default: every due one), one after another, each under its
    lease; one failure never stops the rest. What the index still lacks is indexed first."""
    summary = PollSummary()
    pending.flush(kb)
    with kb.session() as session:
        ids = source_ids if source_ids is not None else due_sources(session, include_all=force)
    holder = leases.new_holder()
    for source_id in ids:
        with kb.session() as session:
            outcome = refresh_source(kb, session, source_id, force=force, holder=holder)
        summary.outcomes.append(outcome)
        if progress:
            progress(outcome)
    return summary
