"""Availability snapshots: what a provider's page listed at each check, kept with the guards
that stop a bad read from passing for a change of policy.

collect (one conditional GET, then the page parser) -> record: a page that is no list (a
challenge, a page cut short, a changed structure, an empty list), or a list that shrank by
more than KB_AVAILABILITY_MAX_SHRINK at once, is kept with its status and a warning and is
compared with nothing; the same list as the snapshot before it extends that snapshot; a new
list is a new snapshot, and the source's events are brought in line with its snapshots
(kb.availability_events). Saved copies of a page (files with their dates) go through the same
parser and the same record, so that history from before the first check can be filled in.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlmodel import Session, col, select

from ingest.availability import AvailabilityPage, PageNotUnderstood, parse_availability
from kb import availability_events
from kb.availability_sources import PageSettings
from kb.collect import Collected, conditional_get
from kb.context import KB
from kb.errors import UserInputError
from kb.models import Snapshot, Source, utcnow
from kb.registry import Registry

_FILE_DATE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})")


@dataclass
class Observation:
    """What recording one reading did: `new` snapshot, `extended` (same list as before), `moved`
    (a saved copy older than the snapshot with its list), and the source's warning."""

    snapshot: Snapshot
    how: str
    warning: str | None
    events: int = 0


def collect(kb: KB, source: Source, force: bool) -> Collected:
    """One conditional GET of the page, then the list parser; a page that is no list comes back
    as `page_failure`, for the record, not as an error."""
    settings = PageSettings.of(source)
    response = conditional_get(kb, source, force)
    if response.not_modified:
        return Collected(response)
    reading = read_page(response.content, response.url, settings)
    if isinstance(reading, PageNotUnderstood):
        return Collected(response, page_failure=reading)
    return Collected(response, title=reading.title, page=reading)


def read_page(content: bytes, url: str, settings: PageSettings) -> AvailabilityPage | PageNotUnderstood:
    try:
        return parse_availability(content, url, selector=settings.selector, after=settings.after)
    except PageNotUnderstood as failure:
        return failure


def record(kb: KB, session: Session, source: Source, collected: Collected) -> str | None:
    """Pipeline step for a checked availability page: store the reading; the source's warning."""
    reading = collected.page or collected.page_failure
    if reading is None:
        return None
    day = saved_copy_day(source.url)
    found = observe(
        session,
        source,
        reading,
        seen=datetime.combine(day, time(12)) if day else utcnow(),
        origin=f"file:{Path(urlsplit(source.url).path).name}" if day else "fetch",
        raw=collected.response.content,
        max_shrink=kb.config.availability_max_shrink,
        registry=kb.linker.registry,
    )
    return found.warning


def confirm_unchanged(session: Session, source: Source) -> None:
    """A 304 for the page: its latest list, when it was read well, is still what it says."""
    seen = utcnow()
    assert source.id is not None, "a checked source is a saved one"
    latest = latest_snapshot(session, source.id)
    if latest is not None and latest.parse_status == "ok" and latest.last_seen_at < seen:
        latest.last_seen_at = seen
        session.add(latest)


def observe(
    session: Session,
    source: Source,
    reading: AvailabilityPage | PageNotUnderstood,
    *,
    seen: datetime,
    max_shrink: float,
    registry: Registry,
    origin: str = "fetch",
    raw: bytes = b"",
) -> Observation:
    """Record one reading of the page as seen at `seen` (now, or a saved copy's date)."""
    assert source.id is not None, "observe needs a saved source"
    snapshot = _as_snapshot(source.id, reading, seen, origin, raw)
    if snapshot.parse_status == "ok":
        _hold_back_if_shrunk(session, snapshot, max_shrink)
    before, after = _neighbours(session, source.id, seen)
    if before is not None and _same(before, snapshot):
        before.last_seen_at = max(before.last_seen_at, seen)
        before.page_updated = before.page_updated or snapshot.page_updated
        kept, how = before, "extended"
    elif after is not None and _same(after, snapshot):
        after.fetched_at = seen
        kept, how = after, "moved"
    else:
        kept, how = snapshot, "new"
    session.add(kept)
    session.flush()
    events = availability_events.rebuild(session, source, registry=registry) if kept.parse_status == "ok" else 0
    return Observation(kept, how, warning_for(kept), events)


def _as_snapshot(
    source_id: int, reading: AvailabilityPage | PageNotUnderstood, seen: datetime, origin: str, raw: bytes
) -> Snapshot:
    if isinstance(reading, PageNotUnderstood):
        digest = hashlib.sha256(raw).hexdigest()[:32]
        return Snapshot(
            source_id=source_id,
            fetched_at=seen,
            last_seen_at=seen,
            content_hash=digest,
            parse_status=reading.status,
            warnings=[str(reading)],
            origin=origin,
        )
    return Snapshot(
        source_id=source_id,
        fetched_at=seen,
        last_seen_at=seen,
        content_hash=reading.content_hash,
        extracted=reading.codes,
        entries=[[c.label, c.code, c.note] for c in reading.countries],
        warnings=list(reading.warnings),
        page_updated=reading.updated,
        origin=origin,
    )


def _hold_back_if_shrunk(session: Session, snapshot: Snapshot, max_shrink: float) -> None:
    previous = latest_snapshot(session, snapshot.source_id, good_only=True, until=snapshot.fetched_at)
    if previous is None or not previous.extracted:
        return
    gone = set(previous.extracted) - set(snapshot.extracted)
    if len(gone) / len(previous.extracted) > max_shrink:
        snapshot.parse_status = "shrunk"
        snapshot.warnings = [
            f"the list shrank from {len(previous.extracted)} to {len(snapshot.extracted)} countries at once "
            f"({len(gone)} gone; KB_AVAILABILITY_MAX_SHRINK allows {max_shrink:.0%}): held back as a likely "
            "parse failure; `kb availability accept` takes it if the change is real",
            *snapshot.warnings,
        ]


def _neighbours(session: Session, source_id: int, seen: datetime) -> tuple[Snapshot | None, Snapshot | None]:
    """The snapshot last seen at or before `seen`, and the first one after it."""
    after = session.exec(
        select(Snapshot)
        .where(Snapshot.source_id == source_id, col(Snapshot.fetched_at) > seen)
        .order_by(col(Snapshot.fetched_at), col(Snapshot.id))
        .limit(1)
    ).first()
    return latest_snapshot(session, source_id, until=seen), after


def latest_snapshot(
    session: Session, source_id: int, *, good_only: bool = False, until: datetime | None = None
) -> Snapshot | None:
    """The source's newest snapshot (first seen at or before `until`; only well-read lists if asked)."""
    query = select(Snapshot).where(Snapshot.source_id == source_id)
    if good_only:
        query = query.where(Snapshot.parse_status == "ok")
    if until is not None:
        query = query.where(col(Snapshot.fetched_at) <= until)
    return session.exec(query.order_by(col(Snapshot.fetched_at).desc(), col(Snapshot.id).desc()).limit(1)).first()


def _same(a: Snapshot, b: Snapshot) -> bool:
    """The same reading: the same status and, for a list, the same countries with the same notes."""
    if a.parse_status != b.parse_status:
        return False
    return a.parse_status not in ("ok", "shrunk") or (a.extracted == b.extracted and notes(a) == notes(b))


def notes(snapshot: Snapshot) -> dict[str, str]:
    """Country code -> the qualifier the page attached to it."""
    return {code: note for _, code, note in snapshot.entries if code and note}


def warning_for(snapshot: Snapshot) -> str | None:
    """The source's warning after this reading (None when the list was read in full)."""
    if snapshot.parse_status != "ok":
        first = snapshot.warnings[0] if snapshot.warnings else "unreadable"
        return f"parse failure ({snapshot.parse_status}): {first}; no events raised, the last good list stands"
    if snapshot.warnings:
        names = [label for label, code, _ in snapshot.entries if not code]
        return f"{len(names)} name(s) on the page match no country: {', '.join(map(repr, names[:10]))}"
    return None


def accept_held_back(session: Session, source: Source, *, registry: Registry) -> Snapshot:
    """Take the source's latest held-back (shrunk) list as real: it becomes a good snapshot and
    its changes become events."""
    assert source.id is not None, "a subscribed source is a saved one"
    latest = latest_snapshot(session, source.id)
    if latest is None or latest.parse_status != "shrunk":
        raise UserInputError(f"source {source.id} has no held-back list to accept (its latest snapshot is not one)")
    latest.parse_status = "ok"
    latest.warnings = latest.warnings[1:]
    session.add(latest)
    session.flush()
    availability_events.rebuild(session, source, registry=registry)
    source.warning = warning_for(latest)
    session.add(source)
    return latest


# ---- saved copies -------------------------------------------------------------------


def saved_copy_day(url: str) -> date | None:
    """The day of a local saved copy polled as a source (the demo's pages): the date in its name."""
    parts = urlsplit(url)
    return date_in_name(Path(unquote(parts.path))) if parts.scheme == "file" else None


def date_in_name(path: Path) -> date | None:
    """The date a saved copy's file name carries: 2024-07-10, 20240710, or a web archive's
    timestamp (20240710123000)."""
    match = _FILE_DATE.search(path.name)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def load_saved_copy(
    session: Session, source: Source, path: Path, day: date, *, max_shrink: float, registry: Registry
) -> Observation:
    """Record a saved copy of the source's page as the reading of `day`."""
    content = path.read_bytes()
    settings = PageSettings.of(source)
    reading = read_page(content, settings.page_url, settings)
    return observe(
        session,
        source,
        reading,
        seen=datetime.combine(day, time(12)),
        max_shrink=max_shrink,
        registry=registry,
        origin=f"file:{path.name}",
        raw=content,
    )
