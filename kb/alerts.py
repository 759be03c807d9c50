"""Alerts: each watch with a webhook or e-mail addresses hears of its new items, once.

The writer calls `send_alerts` after it commits new or changed documents (and
after relinking or loading the demo), at its start, and again when a watch's
backoff ends. A run looks at every watch that has a channel and is not backing
off, finds the items that changed since the watch was created and have no
WatchDelivery row for that channel at that `updated` time, and sends them: one
JSON POST and one digest e-mail per watch and run, whatever the count.

What went out is recorded after it went out, so a crash before sending sends
again at the next run and a crash after recording sends nothing twice. The one
gap is a crash (or a database failure) between a receiver's answer and the
commit of its record: that set is sent again. A webhook receiver can drop such
a repeat by its `delivery` id (also the X-KB-Delivery header), which is the
same for the same watch, channel and items.

A failure after the run's retries stays on the watch (alert_error, alert_failures)
and the watch waits (next_alert_at, doubling from a minute to six hours); its
items stay unsent and go with its next successful alert.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from kb import leases, watches
from kb.alert_channels import Alert, Attempt, Retry, post_webhook, send_digest
from kb.context import KB
from kb.errors import KBError
from kb.models import Watch, WatchDelivery, utcnow
from kb.pipeline import describe
from kb.watches import Item

log = logging.getLogger(__name__)
CHANNELS = ("webhook", "email")
MAX_ITEMS = 100  # items in one alert; the rest go in the next run, which comes at once
WINDOW = watches.NEW_LIMIT  # the newest changes of a watch looked at; an older backlog is not sent
FIRST_BACKOFF = 60.0  # seconds a watch waits after its first failed run; doubled after each further one
MAX_BACKOFF = 6 * 3600.0
RUN_BUDGET = 120.0  # seconds after which a run leaves the remaining watches to the next run
LEASE = "alerts"  # one sender at a time (the writer, or `kb watch send-alerts` when none runs)
LEASE_TTL = 600.0  # renewed before each watch; one watch's sending is bounded well below this


@dataclass
class Sent:
    watch_id: int
    channel: str
    items: int = 0
    error: str | None = None


@dataclass
class AlertSummary:
    """What one run sent and what failed; `again_at`: when the next run has work (None: on new items)."""

    sent: list[Sent] = field(default_factory=list)
    failed: list[Sent] = field(default_factory=list)
    waiting: int = 0  # watches backing off after failures
    busy: bool = False  # another process was sending alerts
    again_at: datetime | None = None

    def later(self, at: datetime) -> None:
        self.again_at = at if self.again_at is None else min(self.again_at, at)

    def line(self) -> str:
        if self.busy:
            return "another process is sending alerts"
        items = sum(s.items for s in self.sent)
        parts = [f"{len(self.sent)} alerts sent ({items} items)", f"{len(self.failed)} failed"]
        if self.waiting:
            parts.append(f"{self.waiting} watches waiting after failures")
        notes = [f"watch {f.watch_id} {f.channel}: {f.error}" for f in self.failed]
        return "; ".join([", ".join(parts), *notes])


def channels(watch: Watch) -> list[str]:
    """The channels a watch alerts on."""
    notify = watch.notify or {}
    return [c for c in CHANNELS if notify.get(c)]


def send_alerts(kb: KB, *, retry: Retry | None = None, budget: float = RUN_BUDGET) -> AlertSummary:
    """Send every due watch its unsent items (one POST, one e-mail per watch); failures stay on the watch."""
    summary = AlertSummary()
    with kb.session() as session:
        alerting = [w for w in watches.all_watches(session) if channels(w)]
    if not alerting:
        return summary
    holder = leases.new_holder()
    if not leases.acquire(kb.engine, LEASE, holder, LEASE_TTL):
        summary.busy = True
        return summary
    started = time.monotonic()
    try:
        for watch in alerting:
            assert watch.id is not None  # read from the store
            if watch.next_alert_at is not None and watch.next_alert_at > utcnow():
                summary.waiting += 1
                summary.later(watch.next_alert_at)
                continue
            if time.monotonic() - started > budget:
                summary.later(utcnow())
                break
            leases.acquire(kb.engine, LEASE, holder, LEASE_TTL)
            try:
                alert_watch(kb, watch.id, retry or Retry(), summary)
            except Exception as exc:  # one watch's failure (a bug, the database) never stops the others
                log.exception("alerts of watch %s failed", watch.id)
                summary.failed.append(Sent(watch.id, "alerts", error=describe(exc)))
    finally:
        leases.release(kb.engine, LEASE, holder)
    return summary


def alert_watch(kb: KB, watch_id: int, retry: Retry, summary: AlertSummary) -> None:
    """Send one watch's unsent items on each of its channels, record what went out and what failed."""
    with kb.session() as session:
        watch = session.get(Watch, watch_id)
        if watch is None:  # removed since the run began
            return
        attempts: dict[str, Attempt] = {}
        try:
            waiting = unsent(kb, session, watch, summary)
        except KBError as exc:  # a saved search the engine can no longer read
            waiting, attempts["search"] = {}, Attempt(error=str(exc))
            tally(summary, watch_id, "search", 0, attempts["search"])
        for channel, items in waiting.items():
            # The previous channel's record is committed before the next send, and no
            # transaction stays open while a server is slow to answer.
            session.commit()
            alert = Alert(watch, items, channel, kb.config.public_url)
            attempts[channel] = attempt = send(kb, alert, retry)
            if attempt.error is None:
                session.add_all(
                    WatchDelivery(
                        watch_id=watch_id, channel=channel, item=i.key, updated=i.updated, sent_at=alert.sent_at
                    )
                    for i in items
                )
            tally(summary, watch_id, channel, len(items), attempt)
        if attempts:
            record(watch, attempts, summary)
            session.add(watch)
        session.commit()


def unsent(kb: KB, session: Session, watch: Watch, summary: AlertSummary) -> dict[str, list[Item]]:
    """Per channel, the watch's items (oldest change first, at most MAX_ITEMS) not sent on it yet."""
    recent = watches.items_for(kb, session, watch.kind, watches.params_of(watch), limit=WINDOW, since=watch.created_at)
    if not recent:
        return {}
    oldest = min(i.updated for i in recent)
    waiting: dict[str, list[Item]] = {}
    for channel in channels(watch):
        sent = set(
            session.exec(
                select(WatchDelivery.item, WatchDelivery.updated).where(
                    WatchDelivery.watch_id == watch.id,
                    WatchDelivery.channel == channel,
                    col(WatchDelivery.updated) >= oldest,
                )
            )
        )
        items = [i for i in reversed(recent) if (i.key, i.updated) not in sent]
        if len(items) > MAX_ITEMS:
            summary.later(utcnow())
        if items:
            waiting[channel] = items[:MAX_ITEMS]
    return waiting


def send(kb: KB, alert: Alert, retry: Retry) -> Attempt:
    if alert.channel == "webhook":
        url = str((alert.watch.notify or {}).get("webhook"))
        return post_webhook(url, alert, options=kb.fetch_options, retry=retry)
    return send_digest(alert, kb.config)


def tally(summary: AlertSummary, watch_id: int, channel: str, items: int, attempt: Attempt) -> None:
    if attempt.error is None:
        summary.sent.append(Sent(watch_id, channel, items))
    else:
        summary.failed.append(Sent(watch_id, channel, items, attempt.error))


def record(watch: Watch, attempts: dict[str, Attempt], summary: AlertSummary) -> None:
    """The watch's alert state after a run: cleared when everything went, else the failure and the wait."""
    errors = [f"{channel}: {a.error}" for channel, a in attempts.items() if a.error]
    notes = [f"{channel}: {a.note}" for channel, a in attempts.items() if a.note]
    if not errors:
        watch.alert_error = "; ".join(notes)[:500] or None
        watch.alert_failures = 0
        watch.next_alert_at = None
        return
    watch.alert_error = "; ".join(errors + notes)[:500]
    watch.alert_failures = (watch.alert_failures or 0) + 1
    wait = min(FIRST_BACKOFF * 2 ** (watch.alert_failures - 1), MAX_BACKOFF)
    asked = max((a.retry_after or 0.0 for a in attempts.values()), default=0.0)
    watch.next_alert_at = utcnow() + timedelta(seconds=max(wait, min(asked, MAX_BACKOFF)))
    summary.later(watch.next_alert_at)
