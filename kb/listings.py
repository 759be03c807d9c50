"""Screening lists as data: a source of kind `csl` reads the Consolidated Screening List's JSON
download, keeps each listed party (ListedParty) and turns the list's changes into events.

- Parties are kept for the lists in the source's `settings["lists"]` (default: the Entity List
  and the Military End User list, the two that touch AI chips); a party missing from a later
  version is marked removed, and listed again if it comes back.
- A party is matched to the registry entity its name (or an alternative name) names, through
  the entity linker: organisations and government bodies only, the longest name found.
- One happening, one event: the parties of one list added by one Federal Register notice (or
  on one day when the row gives no notice) are one `entity_listed` event, dated by their start
  date and citing the notice. When the curated timeline already has an `entity_listed` event
  within a week that names one of those parties, the parties belong to it instead. Removals
  seen at one check are one `entity_removed` event, dated by that check.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from sqlalchemy import delete
from sqlmodel import Session, col, select

from ingest.csl import Listing, ScreeningList, parse_csl
from ingest.fetch import fetch
from kb.collect import Collected
from kb.context import KB
from kb.linker import Linker
from kb.models import Event, EventEntity, ListedParty, Source, utcnow

KIND = "csl"
ORIGIN = "listing"
DEFAULT_LISTS = ("EL", "MEU")
LIST_ENTITIES = {"EL": "entity-list", "MEU": "meu-list", "UVL": "unverified-list", "SDN": "sdn-list"}
LIST_NAMES = {"EL": "the Entity List", "MEU": "the Military End User List", "UVL": "the Unverified List"}
JOIN_DAYS = 7  # a curated listing event this near, naming one of the parties, is the same happening
MAX_BYTES = 80 * 1024 * 1024  # the full download is tens of megabytes
LINKABLE = ("organization", "government_body")


def lists_of(source: Source) -> set[str]:
    chosen = source.settings.get("lists") or DEFAULT_LISTS
    return {str(code).upper() for code in chosen}


def collect(kb: KB, source: Source, force: bool) -> Collected:
    """One conditional GET of the download (with a larger size limit), then the list reader."""
    options = replace(kb.fetch_options, max_bytes=max(kb.fetch_options.max_bytes, MAX_BYTES))
    options.allow_file = bool(source.settings.get("local"))
    response = fetch(
        source.url,
        etag=None if force else source.etag,
        last_modified=None if force else source.last_modified,
        options=options,
    )
    if response.not_modified:
        return Collected(response)
    return Collected(response, listings=parse_csl(response.content, lists_of(source)))


def record(kb: KB, session: Session, source: Source, collected: Collected) -> str | None:
    """Store what this version of the list says and rebuild the source's events; a warning
    naming the rows that could not be read, if any."""
    screening: ScreeningList | None = collected.listings
    if screening is None:
        return None
    assert source.id is not None
    now = utcnow()
    stored = {p.key: p for p in session.exec(select(ListedParty).where(ListedParty.source_id == source.id))}
    linker = kb.linker
    seen = set()
    for listing in screening.listings:
        seen.add(listing.key)
        party = stored.get(listing.key)
        if party is None:
            party = ListedParty(
                source_id=source.id, key=listing.key, list_code=listing.list_code, list_name="", name=""
            )
            session.add(party)
            stored[listing.key] = party
        _apply(party, listing, linker)
        party.last_seen_at, party.removed_at, party.removal_event_id = now, None, None
    for key, party in stored.items():
        if key not in seen and party.removed_at is None:
            party.removed_at = now
    session.flush()
    rebuild_events(session, source)
    if screening.problems:
        shown = "; ".join(screening.problems[:3])
        more = f" and {len(screening.problems) - 3} more" if len(screening.problems) > 3 else ""
        return f"{len(screening.problems)} rows could not be read ({shown}{more})"
    return None


def _apply(party: ListedParty, listing: Listing, linker: Linker) -> None:
    party.list_code, party.list_name, party.name = listing.list_code, listing.list_name, listing.name
    party.alt_names, party.addresses, party.countries = (
        list(listing.alt_names),
        list(listing.addresses),
        list(listing.countries),
    )
    party.country = listing.countries[0] if listing.countries else None
    party.start_date = listing.start_date
    party.federal_register_notice = listing.federal_register_notice
    party.citation, party.citation_url = listing.citation, listing.citation_url
    party.license_requirement, party.license_policy = listing.license_requirement, listing.license_policy
    party.entity_slug = match_entity(linker, [listing.name, *listing.alt_names])


def match_entity(linker: Linker, names: list[str]) -> str | None:
    """The registry organisation that a party's names name: the longest match over all names."""
    best: tuple[int, str] | None = None
    for name in names:
        for match in linker.find(name):
            spec = linker.registry.entities.get(match.slug)
            if spec is None or spec.kind not in LINKABLE:
                continue
            length = match.end - match.start
            if length >= 3 and (best is None or length > best[0]):
                best = (length, match.slug)
    return best[1] if best else None


@dataclass
class _Group:
    key: str
    kind: str
    date: dt.date
    parties: list[ListedParty]


def rebuild_events(session: Session, source: Source) -> None:
    """Bring the source's events in line with its parties (see the module's notes)."""
    assert source.id is not None
    prefix = f"listing:{source.id}:"
    parties = list(session.exec(select(ListedParty).where(ListedParty.source_id == source.id)))
    groups: dict[str, _Group] = {}
    for party in parties:
        if party.start_date is not None:
            label = party.citation or party.start_date.isoformat()
            key = f"{prefix}listed:{party.list_code}:{label}"
            group = groups.setdefault(key, _Group(key, "entity_listed", party.start_date, []))
            group.date = min(group.date, party.start_date)
            group.parties.append(party)
        if party.removed_at is not None:
            key = f"{prefix}removed:{party.list_code}:{party.removed_at.date().isoformat()}"
            groups.setdefault(key, _Group(key, "entity_removed", party.removed_at.date(), [])).parties.append(party)
    existing = {e.key: e for e in session.exec(select(Event).where(col(Event.key).startswith(prefix)))}
    for party in parties:
        party.event_id = party.removal_event_id = None
    for key, group in groups.items():
        curated = _curated_twin(session, group) if group.kind == "entity_listed" else None
        event = curated or _upsert(session, existing.get(key), group, source)
        for party in group.parties:
            if group.kind == "entity_listed":
                party.event_id = event.id
            else:
                party.removal_event_id = event.id
    stale = [e.id for key, e in existing.items() if e.id is not None and (key not in groups or _joined(session, key))]
    if stale:
        session.exec(delete(EventEntity).where(col(EventEntity.event_id).in_(stale)))
        session.exec(delete(Event).where(col(Event.id).in_(stale)))
    session.flush()


def _joined(session: Session, key: str) -> bool:
    """Whether a group's own event gave way to a curated one (its parties point elsewhere)."""
    event = session.exec(select(Event).where(Event.key == key)).first()
    if event is None or event.id is None:
        return False
    column = ListedParty.event_id if ":listed:" in key else ListedParty.removal_event_id
    return session.exec(select(ListedParty.id).where(column == event.id).limit(1)).first() is None


def _curated_twin(session: Session, group: _Group) -> Event | None:
    slugs = {p.entity_slug for p in group.parties if p.entity_slug}
    if not slugs:
        return None
    window = dt.timedelta(days=JOIN_DAYS)
    query = (
        select(Event)
        .join(EventEntity, col(EventEntity.event_id) == col(Event.id))
        .where(
            Event.kind == "entity_listed",
            Event.origin == "curated",
            col(Event.date) >= group.date - window,
            col(Event.date) <= group.date + window,
            col(EventEntity.entity_slug).in_(slugs),
        )
        .order_by(col(Event.date))
    )
    return session.exec(query).first()


def _upsert(session: Session, event: Event | None, group: _Group, source: Source) -> Event:
    first = group.parties[0]
    where = LIST_NAMES.get(first.list_code, first.list_name)
    count = len(group.parties)
    names = ", ".join(p.name for p in group.parties[:3]) + (f" and {count - 3} more" if count > 3 else "")
    if group.kind == "entity_listed":
        cite = f" ({first.citation})" if first.citation else ""
        title = f"{count} {'party' if count == 1 else 'parties'} added to {where}{cite}"
        summary = f"Listed from {group.date.isoformat()}: {names}. Read from the Consolidated Screening List."
        sources = [u for u in (first.citation_url, source.url) if u]
    else:
        title = f"{count} {'party' if count == 1 else 'parties'} removed from {where}"
        last = max(p.last_seen_at for p in group.parties).date().isoformat()
        summary = (
            f"No longer listed: {names}. The list still showed them on {last}; the removal was first seen "
            f"on {group.date.isoformat()}."
        )
        sources = [source.url]
    if event is None:
        event = Event(key=group.key, date=group.date, kind=group.kind, title=title)
        session.add(event)
    event.date, event.kind, event.title, event.summary = group.date, group.kind, title, summary
    event.precision, event.origin, event.jurisdiction, event.sources = "day", ORIGIN, "US", sources
    event.updated_at = utcnow()
    session.flush()
    assert event.id is not None
    wanted = {"bis": "actor"}
    if first.list_code in LIST_ENTITIES:
        wanted[LIST_ENTITIES[first.list_code]] = "subject"
    for party in group.parties:
        if party.entity_slug:
            wanted[party.entity_slug] = "target"
    session.exec(delete(EventEntity).where(col(EventEntity.event_id) == event.id))
    session.add_all(EventEntity(event_id=event.id, entity_slug=slug, role=role) for slug, role in wanted.items())
    return event


# ---- reading ----------------------------------------------------------------------------------


def listings_of(session: Session, slug: str) -> list[ListedParty]:
    """The listings of one registry entity, current ones first."""
    rows = session.exec(select(ListedParty).where(ListedParty.entity_slug == slug))
    return sorted(rows, key=lambda p: (p.removed_at is not None, p.start_date or dt.date.min))


@dataclass
class Roster:
    list_code: str
    parties: list[ListedParty]
    by_country: list[tuple[str, int]]
    by_month: list[tuple[str, int]]  # "2025-01" -> parties listed that month


def roster(session: Session, list_code: str = "EL", *, include_removed: bool = False) -> Roster:
    """A list's parties with counts by country and by the month they were listed."""
    query = select(ListedParty).where(ListedParty.list_code == list_code)
    if not include_removed:
        query = query.where(col(ListedParty.removed_at).is_(None))
    parties = sorted(session.exec(query), key=lambda p: (p.start_date or dt.date.min, p.name), reverse=True)
    countries = Counter(p.country or "—" for p in parties)
    months: dict[str, int] = defaultdict(int)
    for p in parties:
        if p.start_date:
            months[p.start_date.strftime("%Y-%m")] += 1
    return Roster(list_code, parties, countries.most_common(), sorted(months.items()))
