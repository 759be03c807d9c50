"""The curated timeline: data/events/*.yaml, checked entry by entry and upserted by id.

Strict, as seed data should be: an unknown field, a missing one, a kind,
status or role outside the vocabulary, a date that disagrees with the id or a
duplicate id is an error naming the file and the entry. Entity slugs the
registry does not know are reported, not refused (the registry may lag).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import delete
from sqlmodel import Session, col, select

from kb.errors import KBError
from kb.events.candidates import KINDS, ROLES, STATUSES
from kb.events.cluster import absorb_into_curated
from kb.events.dates import as_date
from kb.events.structured import assign_lifecycles, update_lifecycle_rules
from kb.models import Event, EventDocument, EventEntity, Meta, utcnow
from kb.settings import DATA_DIR

CURATED_DIR = DATA_DIR / "events"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster
FINGERPRINT_KEY = "curated_events_fingerprint"
REQUIRED = ("id", "date", "precision", "kind", "title", "summary", "jurisdiction", "entities", "sources")
OPTIONAL = ("rule", "status")
PRECISIONS = ("day", "month", "year")
_ID = re.compile(r"^\d{4}(?:-\d{2}){1,2}-[a-z0-9][a-z0-9-]*$")
_JURISDICTION = re.compile(r"^(?:[A-Z]{2}|GLOBAL)$")


class CuratedEventError(KBError):
    """A curated event file or entry that cannot be loaded."""


@dataclass
class CuratedEvent:
    id: str
    date: date
    precision: str
    kind: str
    title: str
    summary: str
    jurisdiction: str
    entities: list[tuple[str, str]]
    sources: list[str]
    rule: str | None = None
    status: str | None = None
    origin: str = ""  # "file.yaml: entry N (id)", for messages


@dataclass
class LoadReport:
    loaded: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0
    merged: int = 0  # events from reports merged into curated ones
    reread: list[int] = field(default_factory=list)  # documents that were evidence of removed events
    unknown_slugs: dict[str, list[str]] = field(default_factory=dict)  # slug -> event ids

    def line(self) -> str:
        text = (
            f"{self.loaded} curated events ({self.created} new, {self.updated} updated, {self.removed} removed); "
            f"{self.merged} events from reports merged into them"
        )
        if self.unknown_slugs:
            text += f"; entity slugs not in the registry: {', '.join(sorted(self.unknown_slugs))}"
        return text


def read_curated(directory: Path = CURATED_DIR) -> list[CuratedEvent]:
    """Every entry of every *.yaml file in `directory`, checked; CuratedEventError on the first problem."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise CuratedEventError(f"no curated event files (*.yaml) in {directory}")
    events: dict[str, CuratedEvent] = {}
    for path in files:
        for position, entry in enumerate(_read_file(path), start=1):
            event = _check(entry, f"{path.name}: entry {position}")
            if event.id in events:
                raise CuratedEventError(f"{event.origin}: duplicate id, already used by {events[event.id].origin}")
            events[event.id] = event
    return list(events.values())


def _read_file(path: Path) -> list:
    try:
        data = yaml.load(path.read_bytes(), Loader=_LOADER)  # a safe loader, in C when there is one
    except yaml.YAMLError as exc:
        raise CuratedEventError(f"{path.name}: not valid YAML: {exc}") from exc
    if data is None:
        return []
    if not isinstance(data, list):
        raise CuratedEventError(f"{path.name}: expected a list of events, got {type(data).__name__}")
    return data


def _check(entry, where: str) -> CuratedEvent:
    if not isinstance(entry, dict):
        raise CuratedEventError(f"{where}: expected a mapping, got {type(entry).__name__}")
    where = f"{where} ({entry.get('id', '?')})"
    missing = [k for k in REQUIRED if entry.get(k) in (None, "", [])]
    if missing:
        raise CuratedEventError(f"{where}: missing or empty {', '.join(missing)}")
    unknown = set(entry) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise CuratedEventError(f"{where}: unknown fields {', '.join(sorted(unknown))}")
    when = _date(entry["date"], where)
    _expect(
        isinstance(entry["id"], str) and _ID.match(entry["id"]),
        where,
        "id must be the date (YYYY-MM-DD or YYYY-MM) and a lowercase slug",
    )
    prefix = when.isoformat() if entry["precision"] == "day" else when.isoformat()[:7]
    _expect(entry["id"].startswith(prefix), where, f"id does not start with its date {prefix}")
    _expect(entry["precision"] in PRECISIONS, where, f"precision must be one of {', '.join(PRECISIONS)}")
    _expect(entry["precision"] == "day" or when.day == 1, where, "a month or year date must be the 1st")
    _expect(entry["kind"] in KINDS, where, f"unknown kind {entry['kind']!r}")
    _expect(entry.get("status") in (None, *STATUSES), where, f"unknown status {entry.get('status')!r}")
    _expect(
        isinstance(entry["jurisdiction"], str) and _JURISDICTION.match(entry["jurisdiction"]),
        where,
        "jurisdiction must be an ISO 3166-1 alpha-2 code or GLOBAL",
    )
    for name in ("title", "summary"):
        _expect(isinstance(entry[name], str), where, f"{name} must be text")
    _expect(entry.get("rule") is None or isinstance(entry["rule"], str), where, "rule must be a lifecycle id")
    return CuratedEvent(
        id=entry["id"],
        date=when,
        precision=entry["precision"],
        kind=entry["kind"],
        title=" ".join(entry["title"].split()),
        summary=" ".join(entry["summary"].split()),
        jurisdiction=entry["jurisdiction"],
        entities=_entities(entry["entities"], where),
        sources=_sources(entry["sources"], where),
        rule=entry.get("rule"),
        status=entry.get("status"),
        origin=where,
    )


def _date(value, where: str) -> date:
    day = as_date(value)
    if day is None:
        raise CuratedEventError(f"{where}: date {value!r} is not an ISO date (YYYY-MM-DD)")
    return day


def _entities(value, where: str) -> list[tuple[str, str]]:
    _expect(isinstance(value, list), where, "entities must be a list of {slug, role}")
    out: list[tuple[str, str]] = []
    for item in value:
        _expect(
            isinstance(item, dict) and isinstance(item.get("slug"), str) and item.get("slug"),
            where,
            f"each entity needs a slug: {item!r}",
        )
        _expect(item.get("role") in ROLES, where, f"entity {item.get('slug')}: role must be one of {', '.join(ROLES)}")
        _expect(set(item) <= {"slug", "role"}, where, f"entity {item['slug']}: only slug and role are allowed")
        if item["slug"] not in dict(out):
            out.append((item["slug"], item["role"]))
    return out


def _sources(value, where: str) -> list[str]:
    _expect(isinstance(value, list), where, "sources must be a list of URLs")
    for url in value:
        _expect(
            isinstance(url, str) and url.startswith(("https://", "http://")),
            where,
            f"source {url!r} is not an http(s) URL",
        )
    return list(value)


def _expect(condition, where: str, message: str) -> None:
    if not condition:
        raise CuratedEventError(f"{where}: {message}")


# ---- loading into the store --------------------------------------------------------------


def upsert_curated(session: Session, directory: Path = CURATED_DIR, *, known_slugs=None, resolve=None) -> LoadReport:
    """Upsert the curated events (key = id, origin curated, confidence 1); remove ones no longer
    in the files; merge events from reports into them; relink rule lifecycles. Idempotent."""
    entries = read_curated(directory)
    report = LoadReport(loaded=len(entries))
    existing = {e.key: e for e in session.exec(select(Event).where(Event.origin == "curated"))}
    for entry in entries:
        event = existing.pop(entry.id, None) or session.exec(select(Event).where(Event.key == entry.id)).first()
        report.created += event is None
        report.updated += event is not None and _differs(event, entry)
        _upsert(session, event, entry, resolve)
        for slug, _ in entry.entities:
            if known_slugs is not None and slug not in known_slugs:
                report.unknown_slugs.setdefault(slug, []).append(entry.id)
    report.removed, report.reread = _remove(session, list(existing.values()))
    session.flush()
    report.merged = absorb_into_curated(session)
    update_lifecycle_rules(session, assign_lifecycles(session))
    set_fingerprint(session, fingerprint(directory))
    session.flush()
    return report


def _upsert(session: Session, event: Event | None, entry: CuratedEvent, resolve) -> Event:
    event = event or Event(key=entry.id, date=entry.date, kind=entry.kind, title=entry.title)
    changed = event.id is None or _differs(event, entry)
    event.date, event.precision, event.kind, event.title = entry.date, entry.precision, entry.kind, entry.title
    event.summary, event.status, event.rule, event.jurisdiction = (
        entry.summary,
        entry.status,
        entry.rule,
        entry.jurisdiction,
    )
    event.origin, event.confidence, event.sources = "curated", 1.0, list(entry.sources)
    if changed:
        event.updated_at = utcnow()
    session.add(event)
    session.flush()
    assert event.id is not None  # the flush gave it one
    session.exec(delete(EventEntity).where(col(EventEntity.event_id) == event.id))
    roles: dict[str, str] = {}
    for slug, role in entry.entities:
        roles.setdefault(resolve(slug) if resolve else slug, role)  # a merged slug leads to the survivor
    for slug, role in roles.items():
        session.add(EventEntity(event_id=event.id, entity_slug=slug, role=role))
    return event


def _differs(event: Event, entry: CuratedEvent) -> bool:
    return (
        event.date,
        event.precision,
        event.kind,
        event.title,
        event.summary,
        event.status,
        event.rule,
        event.jurisdiction,
        list(event.sources or []),
        event.origin,
    ) != (
        entry.date,
        entry.precision,
        entry.kind,
        entry.title,
        entry.summary,
        entry.status,
        entry.rule,
        entry.jurisdiction,
        entry.sources,
        "curated",
    )


def _remove(session: Session, gone: list[Event]) -> tuple[int, list[int]]:
    """Delete curated events whose entries were removed; return how many, and the documents
    that were their evidence (to be read again)."""
    if not gone:
        return 0, []
    ids = [e.id for e in gone]
    evidence = select(EventDocument.document_id).where(col(EventDocument.event_id).in_(ids))
    orphaned = sorted(set(session.exec(evidence)))
    session.exec(delete(EventDocument).where(col(EventDocument.event_id).in_(ids)))
    session.exec(delete(EventEntity).where(col(EventEntity.event_id).in_(ids)))
    session.exec(delete(Event).where(col(Event.id).in_(ids)))
    return len(ids), orphaned


def fingerprint(directory: Path = CURATED_DIR) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def is_current(session: Session, directory: Path = CURATED_DIR) -> bool:
    row = session.get(Meta, FINGERPRINT_KEY)
    return row is not None and row.value == fingerprint(directory)


def set_fingerprint(session: Session, value: str) -> None:
    row = session.get(Meta, FINGERPRINT_KEY) or Meta(key=FINGERPRINT_KEY)
    row.value = value
    session.add(row)
