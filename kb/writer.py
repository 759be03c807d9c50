"""The writer: `kb run`, the one long-running process that writes documents and the index.

Each round it takes the requests the app and the CLI recorded (poll a source
now, poll everything, reindex, relink), refreshes every due source (several
at once, never two from the same host at once, each under its lease), and
indexes what the round stored. It holds the `writer` lease while it runs, so
the app can tell whether one is running, and stops cleanly when asked.
After a round that stored new or changed documents it sends the watches'
alerts (kb/alerts.py); an alert that cannot be sent never stops it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlmodel import col, select

from kb import alerts, leases, pending
from kb.alert_channels import Retry
from kb.context import KB
from kb.errors import IndexOutdated, KBError
from kb.models import Source, WriterRequest, utcnow
from kb.pipeline import Outcome, PollSummary, describe, due_sources, refresh_source

log = logging.getLogger(__name__)
WRITER_LEASE = "writer"
LEASE_TTL = 60.0  # renewed every round; a writer gone for a minute is gone
ACTIONS = ("poll", "poll_all", "reindex", "relink", "demo", "alerts", "remove_source")
ALERTS_BUSY_WAIT = 10.0  # seconds before trying again when another process was sending alerts


class WriterRunning(KBError):
    """Another writer holds the writer lease."""


@dataclass
class Job:
    source_id: int
    host: str
    request_id: int | None = None
    force: bool = False


@dataclass
class Writer:
    kb: KB
    tick: float = 1.0
    holder: str = field(default_factory=leases.new_holder)
    on_outcome: Callable[[Outcome], None] | None = None
    parent_pid: int | None = None  # a writer started by the app stops when the app is gone
    alert_retry: Retry | None = None  # how webhooks are retried within a run (tests make it fast)
    _stop: threading.Event = field(default_factory=threading.Event)
    _running: dict[Future[Outcome], Job] = field(default_factory=dict)
    _waiting: list[Job] = field(default_factory=list)  # asked for, not started (host busy)
    _open_requests: dict[int, set[int]] = field(default_factory=dict)  # request id -> source ids left
    _answers: dict[int, list[Outcome]] = field(default_factory=dict)  # request id -> outcomes so far
    _alerts_due: bool = False  # something was stored since the last alert run
    _alerts_at: datetime | None = None  # a watch's backoff ends, or more items wait: run again then

    def stop(self) -> None:
        self._stop.set()

    def run(self, *, rounds: int | None = None) -> None:
        """Work until stopped (or for `rounds` rounds, for tests and benchmarks)."""
        if not leases.acquire(self.kb.engine, WRITER_LEASE, self.holder, LEASE_TTL):
            who = leases.holder_of(self.kb.engine, WRITER_LEASE)
            raise WriterRunning(f"another writer is running ({who}); stop it first or let it do the work")
        pool = ThreadPoolExecutor(max_workers=self.kb.config.writer_concurrency, thread_name_prefix="kb-fetch")
        try:
            self._catch_up()
            done = 0
            while not self._stop.is_set() and (rounds is None or done < rounds) and self._parent_alive():
                self.round(pool)
                done += 1
                if rounds is None or done < rounds:
                    self._stop.wait(self.tick)
            self._drain(pool, wait=True)
            self._send_alerts_if_due()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            self._flush()
            leases.release(self.kb.engine, WRITER_LEASE, self.holder)

    def _parent_alive(self) -> bool:
        return self.parent_pid is None or leases.process_alive(self.parent_pid)

    def round(self, pool: ThreadPoolExecutor) -> None:
        """One round: renew the lease, take requests, start due sources, collect finished ones."""
        if not leases.acquire(self.kb.engine, WRITER_LEASE, self.holder, LEASE_TTL):
            raise WriterRunning("the writer lease was taken over; stopping")
        self._take_requests()
        self._schedule(pool)
        self._drain(pool, wait=False)
        self._send_alerts_if_due()

    def run_until_idle(self, *, timeout: float = 300.0) -> None:
        """Refresh every due source and answer every request, then return (one full round)."""
        if not leases.acquire(self.kb.engine, WRITER_LEASE, self.holder, LEASE_TTL):
            raise WriterRunning("another writer is running")
        deadline = time.monotonic() + timeout
        pool = ThreadPoolExecutor(max_workers=self.kb.config.writer_concurrency, thread_name_prefix="kb-fetch")
        try:
            self._catch_up()
            self.round(pool)
            while (self._running or self._waiting) and time.monotonic() < deadline:
                self._drain(pool, wait=True, first_only=True)
                self._schedule(pool, due=False)
            self._send_alerts_if_due()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            self._flush()
            leases.release(self.kb.engine, WRITER_LEASE, self.holder)

    # ---- requests ------------------------------------------------------------------------

    def _take_requests(self) -> None:
        with self.kb.session() as session:
            waiting = session.exec(
                select(WriterRequest).where(WriterRequest.status == "pending").order_by(col(WriterRequest.id))
            ).all()
        for request in waiting:
            assert request.id is not None
            if self._claim(request.id):
                self._start_request(request)

    def _claim(self, request_id: int) -> bool:
        with self.kb.engine.begin() as conn:
            claimed = conn.execute(
                update(WriterRequest)
                .where(col(WriterRequest.id) == request_id, col(WriterRequest.status) == "pending")
                .values(status="running", started_at=utcnow(), holder=self.holder)
            )
        return claimed.rowcount == 1

    def _start_request(self, request: WriterRequest) -> None:
        assert request.id is not None
        try:
            if request.action in ("poll", "poll_all"):
                ids = [int(i) for i in request.params.get("source_ids", [])] if request.action == "poll" else None
                self._queue_sources(request.id, ids)
            elif request.action == "reindex":
                self._finish(request.id, result=f"indexed {pending.rebuild(self.kb)} documents")
            elif request.action == "relink":
                self._alerts_due = True  # events may have changed
                self._finish(request.id, result=self._relink())
            elif request.action == "demo":
                from kb.demo import load_demo

                self._alerts_due = True
                self._finish(request.id, result=load_demo(self.kb).line())
            elif request.action == "alerts":
                self._finish(request.id, result=self._send_alerts().line())
            elif request.action == "remove_source":
                source_id = int(str(request.params.get("source_id")))
                self._waiting = [j for j in self._waiting if j.source_id != source_id]
                keep = bool(request.params.get("keep_documents"))
                self._finish(
                    request.id, result=remove_source(self.kb, source_id, keep_documents=keep, holder=self.holder)
                )
            else:
                self._finish(request.id, error=f"unknown action {request.action!r}")
        except Exception as exc:  # a request's failure is recorded on it; the writer goes on
            log.exception("request %s failed", request.id)
            self._finish(request.id, error=describe(exc))

    def _queue_sources(self, request_id: int, ids: list[int] | None) -> None:
        with self.kb.session() as session:
            wanted = ids if ids is not None else due_sources(session, include_all=True)
            rows = session.exec(select(Source).where(col(Source.id).in_(wanted))).all()
        jobs = [Job(s.id, _host(s.url), request_id) for s in rows if s.id is not None]
        if not jobs:
            self._finish(request_id, result="no source to poll")
            return
        self._open_requests[request_id] = {j.source_id for j in jobs}
        busy = {j.source_id for j in [*self._running.values(), *self._waiting]}
        self._waiting.extend(j for j in jobs if j.source_id not in busy)
        for job in [*self._running.values(), *self._waiting]:  # already under way: it answers this request too
            if job.source_id in self._open_requests[request_id] and job.request_id is None:
                job.request_id = request_id

    def _finish(self, request_id: int, *, result: str | None = None, error: str | None = None) -> None:
        with self.kb.engine.begin() as conn:
            conn.execute(
                update(WriterRequest)
                .where(col(WriterRequest.id) == request_id)
                .values(status="failed" if error else "done", finished_at=utcnow(), result=result, error=error)
            )

    def _relink(self) -> str:
        from kb.entities import relink_all
        from kb.events import ensure_events

        with self.kb.session() as session:
            entities, mentions = relink_all(session, self.kb.config.registry_dir)
            ensure_events(session, linker=self.kb.linker)
            session.commit()
        count = pending.rebuild(self.kb)
        return f"{entities} entities; {mentions} document-entity links; {count} documents re-indexed"

    # ---- sources -------------------------------------------------------------------------

    def _schedule(self, pool: ThreadPoolExecutor, *, due: bool = True) -> None:
        """Start waiting and due sources, at most one per host at a time."""
        if due:
            with self.kb.session() as session:
                ids = due_sources(session)
                rows = session.exec(select(Source).where(col(Source.id).in_(ids))).all() if ids else []
            known = {j.source_id for j in [*self._running.values(), *self._waiting]}
            self._waiting.extend(Job(s.id, _host(s.url)) for s in rows if s.id is not None and s.id not in known)
        hosts = {j.host for j in self._running.values()}
        room = self.kb.config.writer_concurrency - len(self._running)
        still: list[Job] = []
        for job in self._waiting:
            if room > 0 and job.host not in hosts:
                self._running[pool.submit(self._refresh, job)] = job
                hosts.add(job.host)
                room -= 1
            else:
                still.append(job)
        self._waiting = still

    def _refresh(self, job: Job) -> Outcome:
        with self.kb.session() as session:
            return refresh_source(self.kb, session, job.source_id, force=job.force, index=False, holder=self.holder)

    def _drain(self, pool: ThreadPoolExecutor, *, wait: bool, first_only: bool = False) -> None:
        """Collect finished refreshes (waiting for them with `wait`), index what they stored."""
        from concurrent.futures import FIRST_COMPLETED
        from concurrent.futures import wait as wait_for

        if not self._running:
            return
        if wait:
            wait_for(list(self._running), return_when=FIRST_COMPLETED if first_only else "ALL_COMPLETED")
        finished = [f for f in self._running if f.done()]
        if not finished:
            return
        results: list[tuple[Job, Outcome]] = []
        for future in finished:
            job = self._running.pop(future)
            try:
                results.append((job, future.result()))
            except Exception as exc:  # refresh_source stores failures itself; this is a last guard
                log.exception("refresh of source %s crashed", job.source_id)
                results.append((job, Outcome(job.source_id, "failed", error=describe(exc))))
        index_problem = self._flush()
        for job, outcome in results:
            if index_problem and outcome.status == "ok":
                outcome.warning = outcome.warning or index_problem
            self._report(job, outcome)
        self._schedule(pool, due=False)

    def _report(self, job: Job, outcome: Outcome) -> None:
        if self.on_outcome:
            self.on_outcome(outcome)
        for request_id, left in list(self._open_requests.items()):
            if job.source_id not in left:
                continue
            left.discard(job.source_id)
            self._answers.setdefault(request_id, []).append(outcome)
            if not left:
                del self._open_requests[request_id]
                self._finish(request_id, result=_summary(self._answers.pop(request_id)))

    # ---- the index ----------------------------------------------------------------------

    def _catch_up(self) -> None:
        """At start: drop generations a killed rebuild left, index what a killed writer stored."""
        from kb import index as kb_index

        kb_index.sweep_generations(self.kb.config.index_dir)
        try:
            self.kb.index  # noqa: B018  (opening checks how the index was built)
        except IndexOutdated:  # built by an older version (another schema or stemmer): searches fail until rebuilt
            log.warning("the search index was built by an older version; rebuilding it from the database")
            log.warning("rebuilt the search index: %s documents", pending.rebuild(self.kb))
        self._flush()
        self._alerts_due = True  # a writer killed before it sent its alerts left them unsent

    def _flush(self) -> str | None:
        """Index what the finished refreshes stored; the problem, when the index could not take it."""
        flushed = pending.flush(self.kb)
        if flushed.error:
            log.warning("%s", flushed.error)
        if flushed.indexed or flushed.removed:  # new or changed documents, now findable by saved searches too
            self._alerts_due = True
        return flushed.error

    # ---- alerts ------------------------------------------------------------------------------

    def _send_alerts_if_due(self) -> None:
        """Send alerts when documents were stored, or when a watch's wait is over."""
        if not self._alerts_due and (self._alerts_at is None or self._alerts_at > utcnow()):
            return
        try:
            self._send_alerts()
        except Exception:  # alerts never stop the writer; the next stored document tries again
            log.exception("alerts could not be sent")

    def _send_alerts(self) -> alerts.AlertSummary:
        self._alerts_due = False
        summary = alerts.send_alerts(self.kb, retry=self.alert_retry)
        self._alerts_at = summary.again_at
        if summary.busy:
            self._alerts_at = utcnow() + timedelta(seconds=ALERTS_BUSY_WAIT)
        if summary.sent or summary.failed:
            log.info("alerts: %s", summary.line())
        return summary


def remove_source(kb: KB, source_id: int, *, keep_documents: bool, holder: str | None = None) -> str:
    """Remove a source, with its documents or keeping them (kb.store.remove_source), under the
    source's lease so that no refresh of it is under way; the index drops the deleted documents
    before this returns (their IndexPending rows are committed with the deletion)."""
    from kb.store import remove_source as remove

    holder = holder or leases.new_holder()
    name = f"source:{source_id}"
    if not leases.acquire(kb.engine, name, holder, 60.0):
        raise KBError(f"source {source_id} is being refreshed; try again in a moment")
    try:
        with kb.session() as session:
            removed = remove(session, source_id, keep_documents=keep_documents)
            pending.mark(session, removed.documents)
            session.commit()
    finally:
        leases.release(kb.engine, name, holder)
    flushed = pending.flush(kb)
    line = removed.line()
    return f"{line}; {flushed.error}" if flushed.error else line


def _summary(outcomes: list[Outcome]) -> str:
    """The poll's line, then each source's failure or warning."""
    notes = [
        f"source {o.source_id} failed: {o.error}" if o.error else f"source {o.source_id}: {o.warning}"
        for o in outcomes
        if o.error or o.warning
    ]
    return "; ".join([PollSummary(outcomes).line(), *notes])


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def request(kb: KB, action: str, **params: object) -> int:
    """Record a request for the writer; its id, to follow its progress."""
    if action not in ACTIONS:
        raise KBError(f"unknown writer action {action!r}")
    with kb.session() as session:
        row = WriterRequest(action=action, params=dict(params))
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def request_status(kb: KB, request_id: int) -> WriterRequest | None:
    with kb.session() as session:
        return session.get(WriterRequest, request_id)


def wait_for(kb: KB, request_id: int, *, timeout: float, interval: float = 0.3) -> WriterRequest | None:
    """The request once the writer has answered it, or as it stands after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        row = request_status(kb, request_id)
        if row is None or row.status in ("done", "failed") or time.monotonic() >= deadline:
            return row
        time.sleep(interval)


def writer_running(kb: KB) -> bool:
    return leases.holder_of(kb.engine, WRITER_LEASE) is not None
