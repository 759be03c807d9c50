"""Changes in a provider's list of countries, as events: one per country added or removed.

Each pair of consecutive good snapshots of a source gives, for every country that appeared,
a `service_available` event and, for every one that disappeared, a `service_restricted`
event, linked to the provider (actor), the service (subject) and the country (beneficiary or
target), citing the page. The event is dated by the snapshot that first saw the change (or by
the page's own "last updated" date when it falls between the two checks); the check before it
is the earliest possible date, and the summary gives both. Events are keyed by source, date,
kind and country, so that rebuilding them from the snapshots changes only what differs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from ingest.availability import country_name
from kb.availability_sources import PageSettings
from kb.models import Event, EventEntity, Snapshot, Source, utcnow
from kb.registry import Registry

ORIGIN = "availability_diff"


def key_prefix(source_id: int) -> str:
    return f"avail:{source_id}:"


@dataclass
class Change:
    """One country added to or removed from one page's list, between two checks."""

    key: str
    kind: str  # service_available or service_restricted
    date: dt.date
    earliest: dt.date  # the last check that still saw the old state
    title: str
    summary: str
    entities: list[tuple[str, str]] = field(default_factory=list)  # (slug, role)
    sources: list[str] = field(default_factory=list)


def rebuild(session: Session, source: Source, *, registry: Registry) -> int:
    """Bring the source's availability events in line with its good snapshots; return how many
    events were created, changed or removed."""
    assert source.id is not None, "rebuild needs a saved source"
    settings = PageSettings.of(source)
    goods = list(
        session.exec(
            select(Snapshot)
            .where(Snapshot.source_id == source.id, Snapshot.parse_status == "ok")
            .order_by(col(Snapshot.fetched_at), col(Snapshot.id))
        )
    )
    wanted = {c.key: c for prev, cur in pairwise(goods) for c in changes(prev, cur, source.id, settings, registry)}
    existing = {e.key: e for e in session.exec(select(Event).where(col(Event.key).startswith(key_prefix(source.id))))}
    stale = [e.id for key, e in existing.items() if key not in wanted and e.id is not None]
    if stale:
        session.exec(delete(EventEntity).where(col(EventEntity.event_id).in_(stale)))
        session.exec(delete(Event).where(col(Event.id).in_(stale)))
    touched = len(stale)
    for key, change in wanted.items():
        touched += _upsert(session, existing.get(key), change)
    session.flush()
    return touched


def changes(prev: Snapshot, cur: Snapshot, source_id: int, settings: PageSettings, registry: Registry) -> list[Change]:
    """The events that the step from snapshot `prev` to snapshot `cur` stands for."""
    before, after = set(prev.extracted), set(cur.extracted)
    earliest, seen = prev.last_seen_at.date(), cur.fetched_at.date()
    day = cur.page_updated if cur.page_updated and earliest < cur.page_updated <= seen else seen
    countries = country_entities(registry)
    provider = _name(registry, settings.provider)
    notes = {code: note for _, code, note in cur.entries if code and note}
    out = []
    for code in sorted(after - before) + sorted(before - after):
        added = code in after
        slug, name = countries.get(code, (None, country_name(code)))
        kind = "service_available" if added else "service_restricted"
        entities = [(settings.provider, "actor")]
        if settings.service_entity:
            entities.append((settings.service_entity, "subject"))
        if slug:
            entities.append((slug, "beneficiary" if added else "target"))
        out.append(
            Change(
                key=f"{key_prefix(source_id)}{day.isoformat()}:{kind}:{code}",
                kind=kind,
                date=day,
                earliest=earliest,
                title=(
                    f"{settings.service} adds {name} to its supported countries"
                    if added
                    else f"{settings.service} no longer lists {name} among its supported countries"
                ),
                summary=_summary(provider, settings, name, added, earliest, seen, cur.page_updated, notes.get(code)),
                entities=entities,
                sources=[settings.page_url],
            )
        )
    return out


def _summary(
    provider: str,
    settings: PageSettings,
    name: str,
    added: bool,
    earliest: dt.date,
    seen: dt.date,
    updated: dt.date | None,
    note: str | None,
) -> str:
    was, now = ("did not list", "lists") if added else ("listed", "no longer lists")
    text = (
        f"{provider}'s page of the countries where {settings.service} is offered {was} {name} at the check of "
        f"{earliest.isoformat()} and {now} it at the check of {seen.isoformat()}: the change happened between "
        "these dates."
    )
    if updated and earliest < updated <= seen:
        text += f" The page gives {updated.isoformat()} as the date of its last update."
    if note:
        text += f" The page qualifies it: {note}."
    return text


def _upsert(session: Session, event: Event | None, change: Change) -> int:
    fields: dict[str, Any] = {
        "date": change.date,
        "precision": "day",
        "kind": change.kind,
        "title": change.title,
        "summary": change.summary,
        "origin": ORIGIN,
        "confidence": 1.0,
        "jurisdiction": "GLOBAL",
        "sources": change.sources,
    }
    if event is None:
        event = Event(key=change.key, **fields)
        session.add(event)
        session.flush()
        assert event.id is not None  # the flush gave it one
        for slug, role in change.entities:
            session.add(EventEntity(event_id=event.id, entity_slug=slug, role=role))
        return 1
    if all(getattr(event, name) == value for name, value in fields.items()):
        return 0
    for name, value in fields.items():
        setattr(event, name, value)
    event.updated_at = utcnow()
    session.add(event)
    return 1


def country_entities(registry: Registry) -> dict[str, tuple[str, str]]:
    """ISO code -> (slug, name) of the registry's country entities."""
    return {
        spec.country: (spec.slug, spec.name)
        for spec in registry.entities.values()
        if spec.kind == "country" and spec.country and not spec.merged_into
    }


def _name(registry: Registry, slug: str) -> str:
    spec = registry.entities.get(slug)
    return spec.name if spec else slug
