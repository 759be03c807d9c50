"""The availability matrix: which provider's service is offered in which country on a date.

Every (provider, service) x country pair has one state on a date, taken from the service's own
page first (the snapshots of its availability source), from news events second (service
events of any other origin: curated, extracted from reports), and "unknown" where neither says
anything: never a guess. Each cell says where its state comes from and since when it holds:
a day, or the span between the last check that saw the old state and the first that saw the
new one. When the page decides a cell, the latest news on the same pair rides along.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import pycountry
import yaml
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from ingest.availability import country_name
from kb.availability_sources import KIND, PageSettings
from kb.csv_safe import safe_cell
from kb.events.candidates import ORIGINS
from kb.models import Entity, Event, EventEntity, Snapshot, Source
from kb.settings import DATA_DIR

SERVED, NOT_SERVED, UNKNOWN = "served", "not served", "unknown"
SERVICE_STATES = {"service_available": SERVED, "service_restricted": NOT_SERVED}
COUNTRY_ROLES = ("target", "beneficiary")  # the country side of a service event
NEWS_ORIGINS = tuple(o for o in ORIGINS if o != "availability_diff")
MAX_EVENT_ROWS = 20_000
REGIONS_FILE = DATA_DIR / "availability" / "regions.yaml"
ANY_SERVICE = "any service"


@dataclass(frozen=True)
class Service:
    """A column of the matrix: one provider's service, watched on its page or known from news."""

    provider: str  # entity slug
    provider_name: str
    name: str  # "OpenAI API", or ANY_SERVICE for news that names no service
    source_id: int | None = None  # the availability source that watches its page
    page_url: str | None = None
    entity: str | None = None  # the service's entity slug

    @property
    def label(self) -> str:
        return self.name if self.name != ANY_SERVICE else f"{self.provider_name} ({ANY_SERVICE})"


@dataclass
class Cell:
    """One pair's state on the matrix's date, with its origin and since when it holds."""

    service: Service
    country: str  # ISO 3166-1 alpha-2 (XK for Kosovo)
    state: str = UNKNOWN
    since: date | None = None  # the first check (or the event) that showed this state
    after: date | None = None  # the last check before that showed otherwise: the state began after it
    origin: str = "none"  # page, news or none
    source: str = ""  # where the state comes from, in words
    url: str | None = None
    note: str | None = None  # the page's qualifier ("except Crimea, ...")
    news: str | None = None  # the latest news on the pair, when the page decided the cell

    def since_text(self) -> str:
        if self.since is None:
            return ""
        if self.after is not None:
            return f"between {self.after.isoformat()} and {self.since.isoformat()}"
        return f"since {'at least ' if self.origin == 'page' else ''}{self.since.isoformat()}"


@dataclass
class Matrix:
    on: date
    services: list[Service] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO codes, by region then name
    cells: dict[tuple[Service, str], Cell] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # code -> country name
    slugs: dict[str, str] = field(default_factory=dict)  # code -> country entity slug
    truncated: bool = False  # more news events than one read takes

    def cell(self, service: Service, country: str) -> Cell:
        return self.cells.get((service, country)) or Cell(service, country)

    def name(self, code: str) -> str:
        return self.names.get(code) or country_name(code)

    def region(self, code: str) -> str:
        return regions().get(code, "Other")


# ---- reading the matrix ---------------------------------------------------------------


def matrix(
    session: Session,
    on: date,
    *,
    provider: str | None = None,
    service: str | None = None,
    country: str | None = None,
) -> Matrix:
    """The state of every pair on `on`, narrowed to a provider, a service or a country when asked
    (a slug, a name or an ISO code, in any case)."""
    names, slugs = country_directory(session)
    result = Matrix(on=on, names=names, slugs=slugs)
    watched = watched_services(session)
    for svc, snapshots in watched.items():
        _page_cells(result, svc, [s for s in snapshots if s.fetched_at.date() <= on])
    news, result.truncated = _news(session, list(watched), slugs)
    for (svc, code), told in news.items():
        known = [item for item in told if item[1] <= on]
        if not known:
            continue
        state, when, title, url = known[-1]
        cell = result.cells.get((svc, code))
        if cell is not None:
            cell.news = f"{when.isoformat()}: {title}"
        else:
            result.cells[(svc, code)] = Cell(svc, code, state, when, None, "news", title, url)
    services = {svc for svc, _ in news} | set(watched)
    result.services = sorted(_matching_services(services, provider, service), key=lambda s: (s.provider_name, s.name))
    codes = set(every_country()) | {code for _, code in result.cells}
    wanted = _matching_countries(codes, country, names, slugs)
    result.countries = sorted(wanted, key=lambda c: (result.region(c), result.name(c)))
    return result


def known_services(session: Session) -> list[Service]:
    """Every column the matrix can have: the watched services, and those only news speaks of."""
    watched = list(watched_services(session))
    _, slugs = country_directory(session)
    news, _ = _news(session, watched, slugs)
    return sorted(set(watched) | {svc for svc, _ in news}, key=lambda s: (s.provider_name, s.name))


def watched_services(session: Session) -> dict[Service, list[Snapshot]]:
    """Each availability source as a service, with its well-read snapshots, oldest first."""
    sources = list(session.exec(select(Source).where(Source.kind == KIND).order_by(col(Source.id))))
    entity_names = _entity_names(session, [str((s.settings or {}).get("provider", "")) for s in sources])
    out: dict[Service, list[Snapshot]] = {}
    for source in sources:
        try:
            settings = PageSettings.of(source)
        except Exception:  # a source without its settings has no column; the Sources page says why
            continue
        svc = Service(
            settings.provider,
            entity_names.get(settings.provider, settings.provider),
            settings.service,
            source.id,
            settings.page_url,
            settings.service_entity,
        )
        out[svc] = list(
            session.exec(
                select(Snapshot)
                .where(Snapshot.source_id == source.id, Snapshot.parse_status == "ok")
                .order_by(col(Snapshot.fetched_at), col(Snapshot.id))
            )
        )
    return out


def _page_cells(result: Matrix, svc: Service, snapshots: list[Snapshot]) -> None:
    """Every country's cell for a watched service, from its snapshots up to the matrix's date."""
    if not snapshots:
        return
    states: dict[str, tuple[bool, date, date | None]] = {}  # code -> (listed, since, after)
    previous: Snapshot | None = None
    for snap in snapshots:
        shown = set(snap.extracted)
        first = snap.fetched_at.date()
        after = previous.last_seen_at.date() if previous else None
        day = snap.page_updated if snap.page_updated and after and after < snap.page_updated <= first else first
        for code in shown | set(states):
            known = states.get(code)
            if known is None:
                states[code] = (code in shown, day if previous else first, after)
            elif known[0] != (code in shown):
                states[code] = (code in shown, day, after)
        previous = snap
    latest = snapshots[-1]
    checked = min(latest.last_seen_at.date(), result.on)
    copy = " (a saved copy)" if latest.origin.startswith("file:") else ""
    source = f"{svc.name} page as read on {checked.isoformat()}{copy}"
    first_day = snapshots[0].fetched_at.date()
    notes = {code: note for _, code, note in latest.entries if code and note}
    for code in set(every_country()) | set(states):
        listed, since, after = states.get(code, (False, first_day, None))
        state = SERVED if listed else NOT_SERVED
        result.cells[(svc, code)] = Cell(svc, code, state, since, after, "page", source, svc.page_url, notes.get(code))


NewsItem = tuple[str, date, str, str | None]  # (state, date, title, first source URL)


def _news(
    session: Session, watched: list[Service], slugs: dict[str, str]
) -> tuple[dict[tuple[Service, str], list[NewsItem]], bool]:
    """The news events on each pair, oldest first; and whether there were more than one read takes."""
    codes = {slug: code for code, slug in slugs.items()}
    rows = session.execute(
        sa_select(
            col(Event.id),
            col(Event.date),
            col(Event.kind),
            col(Event.title),
            col(Event.sources),
            col(EventEntity.entity_slug),
            col(EventEntity.role),
        )
        .join(EventEntity, col(EventEntity.event_id) == Event.id)
        .where(col(Event.kind).in_(SERVICE_STATES), col(Event.origin).in_(NEWS_ORIGINS))
        .order_by(col(Event.date), col(Event.id))
        .limit(MAX_EVENT_ROWS + 1)
    ).all()
    events: dict[int, dict] = {}
    for event_id, when, kind, title, sources, slug, role in rows[:MAX_EVENT_ROWS]:
        event = events.setdefault(
            event_id, {"date": when, "kind": kind, "title": title, "sources": sources, "links": []}
        )
        event["links"].append((slug, role))
    names = _entity_names(session, sorted({slug for e in events.values() for slug, _ in e["links"]}))
    out: dict[tuple[Service, str], list[NewsItem]] = {}
    for event in events.values():  # in date order
        providers, countries = service_sides(event["links"])
        subjects = [s for s, role in event["links"] if role == "subject" and s not in providers]
        url = (event["sources"] or [None])[0]
        for svc in _services_of(providers, subjects, watched, names):
            for slug in countries:
                if slug in codes:
                    item = (SERVICE_STATES[event["kind"]], event["date"], event["title"], url)
                    out.setdefault((svc, codes[slug]), []).append(item)
    return out, len(rows) > MAX_EVENT_ROWS


def _services_of(providers: list[str], subjects: list[str], watched: list[Service], names: dict[str, str]):
    """The matrix columns a news event speaks of: the watched services of its provider that it
    names (all of them when it names none), else a column of its own."""
    for provider in providers:
        mine = [s for s in watched if s.provider == provider]
        named = [s for s in mine if s.entity in subjects]
        if named or (mine and not subjects):
            yield from named or mine
            continue
        provider_name = names.get(provider, provider)
        for subject in subjects or [""]:
            yield Service(provider, provider_name, names.get(subject, subject) if subject else ANY_SERVICE)


def service_sides(links: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """(providers, countries) of a service event from its (slug, role) links.

    Curated events name the countries served or cut off as `target` or
    `beneficiary`; the provider is the `actor` (OpenAI), and only when there is
    no actor the `subject`, so that a product named beside its maker
    (openai-api) is not counted as a provider of its own."""
    countries = sorted({slug for slug, role in links if role in COUNTRY_ROLES})
    actors = sorted({slug for slug, role in links if role == "actor"})
    subjects = sorted({slug for slug, role in links if role not in COUNTRY_ROLES and role != "actor"})
    return actors or subjects, countries


def diff(session: Session, start: date, end: date, **narrow) -> list[tuple[Cell, Cell]]:
    """The pairs whose state differs between two dates: (cell on `start`, cell on `end`)."""
    before, after = matrix(session, start, **narrow), matrix(session, end, **narrow)
    services = sorted(set(before.services) | set(after.services), key=lambda s: (s.provider_name, s.name))
    out = []
    for code in after.countries:
        for svc in services:
            old, new = before.cell(svc, code), after.cell(svc, code)
            if old.state != new.state:
                out.append((old, new))
    return out


# ---- countries: names, regions, and what a user may type ----------------------------------


@cache
def regions() -> dict[str, str]:
    """ISO code -> region (data/availability/regions.yaml)."""
    data = yaml.safe_load(REGIONS_FILE.read_bytes()) or {}
    return {str(code): region for region, codes in data.items() for code in codes}


def every_country() -> list[str]:
    """Every ISO 3166-1 code, plus the user-assigned codes the regions file names (Kosovo)."""
    return sorted({c.alpha_2 for c in pycountry.countries} | set(regions()))


def country_directory(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """(code -> name, code -> slug) of the country entities in the store."""
    rows = session.exec(
        select(Entity.country, Entity.name, Entity.slug).where(
            Entity.kind == "country", col(Entity.merged_into).is_(None)
        )
    )
    names, slugs = {}, {}
    for code, name, slug in rows:
        if code:
            names[code], slugs[code] = name, slug
    return names, slugs


def _matching_countries(codes: Iterable[str], wanted: str | None, names: dict, slugs: dict) -> list[str]:
    if not wanted:
        return list(codes)
    key = wanted.strip().casefold()
    return [
        c
        for c in codes
        if key in (c.casefold(), slugs.get(c, "").casefold(), (names.get(c) or country_name(c)).casefold())
    ]


def _matching_services(services: Iterable[Service], provider: str | None, service: str | None) -> list[Service]:
    out = []
    for svc in services:
        if provider and provider.strip().casefold() not in (svc.provider.casefold(), svc.provider_name.casefold()):
            continue
        if service and service.strip().casefold() not in (svc.name.casefold(), (svc.entity or "").casefold()):
            continue
        out.append(svc)
    return out


def _entity_names(session: Session, slugs: list[str]) -> dict[str, str]:
    wanted = {s for s in slugs if s}
    if not wanted:
        return {}
    return dict(session.exec(select(Entity.slug, Entity.name).where(col(Entity.slug).in_(wanted))).all())


# ---- exports ------------------------------------------------------------------------------

CSV_COLUMNS = (
    "provider",
    "provider_name",
    "service",
    "country",
    "country_name",
    "region",
    "state",
    "since",
    "after",
    "origin",
    "source",
    "url",
    "note",
    "news",
)


def cell_dict(result: Matrix, cell: Cell) -> dict:
    """One cell as plain values (JSON and CSV)."""
    return {
        "provider": cell.service.provider,
        "provider_name": cell.service.provider_name,
        "service": cell.service.name,
        "country": cell.country,
        "country_name": result.name(cell.country),
        "region": result.region(cell.country),
        "state": cell.state,
        "since": cell.since.isoformat() if cell.since else None,
        "after": cell.after.isoformat() if cell.after else None,
        "origin": cell.origin,
        "source": cell.source,
        "url": cell.url,
        "note": cell.note,
        "news": cell.news,
    }


def all_cells(result: Matrix) -> list[Cell]:
    """Every cell of the matrix, country by country."""
    return [result.cell(svc, code) for code in result.countries for svc in result.services]


def cells_csv(result: Matrix) -> str:
    """One row per (service, country) pair."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for cell in all_cells(result):
        row = cell_dict(result, cell)
        writer.writerow([safe_cell(row[name]) for name in CSV_COLUMNS])
    return out.getvalue()
