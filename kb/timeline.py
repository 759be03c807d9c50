"""Timeline queries: events by entity, kind, jurisdiction, status and date; rules as of a day;
upcoming deadlines; CSV and iCalendar exports.

Every event comes with its entities (and roles), its reports (documents and the
sentence each one supports it with) and its primary sources. A rule's status
on a day is the status of its latest event with a status on or before that
day; on one day, the later stage of the lifecycle wins (released and
effective the same day: in force).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from kb.batches import chunked
from kb.csv_safe import safe_cell
from kb.entities import surviving_entity
from kb.errors import NotFound, UserInputError
from kb.events.candidates import DEADLINE_KINDS, IN_FORCE, KIND_GROUPS, KINDS, STATUS_LABELS, STATUSES, origin_rank
from kb.models import Document, Entity, Event, EventDocument, EventEntity, Source

ORDERS = ("newest", "oldest")
MAX_LIMIT = 1000
EXPORT_LIMIT = 20_000  # events in one CSV or iCalendar export
MAX_REPORTS = 50  # reports listed per event
CALENDAR_PRODID = "-//ai-policy-kb//timeline//EN"


def date_label(day: date, precision: str = "day") -> str:
    """A date to the precision it is known, as ISO 8601 writes it: 2025-05-13, 2022-10 or 2022 (a month
    known only as a month is never shown as its first day)."""
    return day.isoformat()[: {"month": 7, "year": 4}.get(precision, 10)]


def date_span(day: date, precision: str = "day") -> tuple[date, date]:
    """The days an event of this precision may fall on, as a calendar's start and (exclusive) end."""
    if precision == "year":
        return day.replace(month=1, day=1), day.replace(year=day.year + 1, month=1, day=1)
    if precision == "month":
        first = day.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1)
    return day, day + timedelta(days=1)


@dataclass
class TimelineQuery:
    entities: tuple[str, ...] = ()  # any of them (an entity slug, or a rule lifecycle id)
    kinds: tuple[str, ...] = ()  # any of them; "rule", "deadline" and "service" name groups
    jurisdiction: str | None = None
    status: str | None = None  # "in_force" also matches "pending_compliance"
    since: date | None = None
    until: date | None = None
    order: str = "newest"
    limit: int = 20
    page: int = 1
    exclude_rules: tuple[str, ...] = ()  # e.g. deadlines of rules already rescinded

    def checked(self) -> TimelineQuery:
        """The query with kinds expanded; UserInputError for a value that cannot be used."""
        if self.order not in ORDERS:
            raise UserInputError(f"order must be newest or oldest, not {self.order!r}")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise UserInputError(f"limit must be between 1 and {MAX_LIMIT}")
        if self.page < 1:
            raise UserInputError("page must be 1 or more")
        if self.since and self.until and self.since > self.until:
            raise UserInputError(f"since {self.since} is after until {self.until}")
        if self.status and self.status not in STATUSES:
            raise UserInputError(f"unknown status {self.status!r}; expected one of {', '.join(STATUSES)}")
        return TimelineQuery(
            tuple(self.entities),
            expand_kinds(self.kinds),
            self.jurisdiction.upper() if self.jurisdiction else None,
            self.status,
            self.since,
            self.until,
            self.order,
            self.limit,
            self.page,
            tuple(self.exclude_rules),
        )


def expand_kinds(kinds) -> tuple[str, ...]:
    out: list[str] = []
    for kind in kinds or ():
        if kind in KIND_GROUPS:
            out += KIND_GROUPS[kind]
        elif kind in KINDS:
            out.append(kind)
        else:
            names = ", ".join([*KIND_GROUPS, *KINDS])
            raise UserInputError(f"unknown event kind {kind!r}; expected one of {names}")
    return tuple(dict.fromkeys(out))


@dataclass
class Report:
    document_id: int
    title: str
    url: str | None
    published: datetime | None
    source: str
    sentence: str


@dataclass
class EntityRole:
    slug: str
    name: str
    role: str


@dataclass
class TimelineEvent:
    id: int
    key: str
    date: date
    precision: str
    kind: str
    title: str
    summary: str
    status: str | None
    origin: str
    confidence: float
    jurisdiction: str | None
    rule: str | None
    sources: list[str]
    updated_at: datetime
    entities: list[EntityRole] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    report_count: int = 0

    @property
    def status_label(self) -> str | None:
        return STATUS_LABELS.get(self.status) if self.status else None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["date"] = date_label(self.date, self.precision)
        data["updated_at"] = self.updated_at.isoformat()
        data["status_label"] = self.status_label
        for report in data["reports"]:
            report["published"] = report["published"].isoformat() if report["published"] else None
        return data


@dataclass
class TimelinePage:
    query: TimelineQuery
    events: list[TimelineEvent]
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.limit))

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "page": self.query.page,
            "pages": self.pages,
            "events": [e.to_dict() for e in self.events],
        }


def timeline(session: Session, query: TimelineQuery) -> TimelinePage:
    """One page of events matching the query, newest or oldest first."""
    query = query.checked()
    stmt = filtered_events(session, query)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(_ordered(stmt, query.order).offset((query.page - 1) * query.limit).limit(query.limit))
    return TimelinePage(query, hydrate(session, list(rows)), total)


def all_events(session: Session, query: TimelineQuery, *, limit: int = EXPORT_LIMIT) -> list[TimelineEvent]:
    """Every event matching the query (up to `limit`), for exports."""
    query = query.checked()
    return hydrate(session, list(session.exec(_ordered(filtered_events(session, query), query.order).limit(limit))))


def filtered_events(session: Session, query: TimelineQuery):
    stmt = select(Event)
    if query.entities:
        slugs = resolve_entities(session, query.entities)
        stmt = stmt.where(_about(slugs))
    if query.kinds:
        stmt = stmt.where(col(Event.kind).in_(query.kinds))
    if query.jurisdiction:
        stmt = stmt.where(Event.jurisdiction == query.jurisdiction)
    if query.status:
        stmt = stmt.where(col(Event.status).in_(IN_FORCE if query.status == "in_force" else (query.status,)))
    if query.since:
        stmt = stmt.where(Event.date >= query.since)
    if query.until:
        stmt = stmt.where(Event.date <= query.until)
    if query.exclude_rules:
        stmt = stmt.where(or_(col(Event.rule).is_(None), col(Event.rule).not_in(query.exclude_rules)))
    return stmt


def _about(slugs: list[str]) -> ColumnElement[bool]:
    """Events naming one of the entities, or in the lifecycle of one of the rules."""
    tagged = select(EventEntity.event_id).where(col(EventEntity.entity_slug).in_(slugs))
    return or_(col(Event.id).in_(tagged), col(Event.rule).in_(slugs))


_OLDEST_FIRST = (col(Event.date), col(Event.id))


def _ordered(stmt, order: str):
    if order == "oldest":
        return stmt.order_by(*_OLDEST_FIRST)
    return stmt.order_by(col(Event.date).desc(), col(Event.id).desc())


def resolve_entities(session: Session, slugs) -> list[str]:
    """Entity slugs (following merges) or rule lifecycle ids; NotFound for anything else."""
    out = []
    for slug in slugs:
        entity = surviving_entity(session, slug)
        if entity is not None:
            out.append(entity.slug)
        elif session.exec(select(Event.id).where(Event.rule == slug).limit(1)).first() is not None:
            out.append(slug)
        elif session.exec(select(EventEntity.event_id).where(EventEntity.entity_slug == slug).limit(1)).first():
            out.append(slug)  # named by events, not (yet) in the registry
        else:
            raise NotFound(f"no entity or rule lifecycle {slug!r} (see `kb entities`)")
    return out


def hydrate(session: Session, events: list[Event]) -> list[TimelineEvent]:
    """Events with their entities (and names), reports (documents and sentences) and sources."""
    ids = [e.id for e in events if e.id is not None]  # every one: the events come from the store
    entities = _entity_roles(session, ids)
    reports, counts = _reports(session, ids)
    return [_timeline_event(e, entities, reports, counts) for e in events]


_ROLE_ORDER = {"actor": 0, "subject": 1, "target": 2, "beneficiary": 3}


def _entity_roles(session: Session, ids: list[int]) -> dict[int, list[EntityRole]]:
    roles: dict[int, list[EntityRole]] = defaultdict(list)
    for chunk in chunked(ids):
        for row, name in session.exec(
            select(EventEntity, Entity.name)
            .join(Entity, col(Entity.slug) == col(EventEntity.entity_slug), isouter=True)
            .where(col(EventEntity.event_id).in_(chunk))
        ):
            roles[row.event_id].append(EntityRole(row.entity_slug, name or row.entity_slug, row.role))
    return roles


def _reports(session: Session, ids: list[int]) -> tuple[dict[int, list[Report]], dict[int, int]]:
    """The first MAX_REPORTS reports of each event, oldest first, and how many it has in all."""
    reports: dict[int, list[Report]] = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    for chunk in chunked(ids):
        for link, doc, source_title, source_url in session.exec(
            select(EventDocument, Document, Source.title, Source.url)
            .join(Document, col(Document.id) == col(EventDocument.document_id))
            .join(Source, col(Source.id) == col(Document.source_id))
            .where(col(EventDocument.event_id).in_(chunk))
            .order_by(col(Document.published_at).nulls_last(), col(Document.id))
        ):
            counts[link.event_id] += 1
            shown = reports[link.event_id]
            if len(shown) < MAX_REPORTS:
                source = source_title or source_url
                shown.append(Report(link.document_id, doc.title, doc.url, doc.published_at, source, link.sentence))
    return reports, counts


def _timeline_event(
    e: Event, entities: dict[int, list[EntityRole]], reports: dict[int, list[Report]], counts: dict[int, int]
) -> TimelineEvent:
    assert e.id is not None, "only stored events are hydrated"
    return TimelineEvent(
        id=e.id,
        key=e.key,
        date=e.date,
        precision=e.precision,
        kind=e.kind,
        title=e.title,
        summary=e.summary,
        status=e.status,
        origin=e.origin,
        confidence=e.confidence,
        jurisdiction=e.jurisdiction,
        rule=e.rule,
        sources=list(e.sources or []),
        updated_at=e.updated_at,
        entities=sorted(entities[e.id], key=lambda r: (_ROLE_ORDER.get(r.role, 9), r.slug)),
        reports=reports[e.id],
        report_count=counts[e.id],
    )


# ---- rules as of a day ------------------------------------------------------------------


@dataclass
class RuleState:
    """A rule lifecycle's state on a day."""

    rule: str
    name: str
    status: str
    since: date  # the day of the event that set the status
    event: TimelineEvent  # that event
    jurisdiction: str | None
    next_deadline: TimelineEvent | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "name": self.name,
            "status": self.status,
            "label": self.label,
            "since": self.since.isoformat(),
            "jurisdiction": self.jurisdiction,
            "event": self.event.to_dict(),
            "next_deadline": self.next_deadline.to_dict() if self.next_deadline else None,
        }


def rules_as_of(
    session: Session, day: date, *, kinds=(), entities=(), jurisdiction: str | None = None, status: str | None = None
) -> list[RuleState]:
    """Each rule lifecycle's status on `day`, from its latest event with a status on or before it.

    `kinds` keeps the lifecycles with an event of those kinds by then ("rule": any rule event);
    `status` "in_force" also matches "pending_compliance"."""
    query = TimelineQuery(
        entities=tuple(entities), kinds=tuple(kinds), jurisdiction=jurisdiction, status=status
    ).checked()
    latest = _latest_with_status(session, day)
    chosen = sorted(_rules_matching(session, query, day, latest))
    shown = hydrate(session, [latest[r] for r in chosen])
    names = _rule_names(session, chosen)
    states = [_rule_state(r, names.get(r, r), latest[r], e) for r, e in zip(chosen, shown, strict=True)]
    for state in states:
        state.next_deadline = _next_deadline(session, state.rule, day)
    return sorted(states, key=lambda s: (-s.since.toordinal(), s.rule))


def _latest_with_status(session: Session, day: date) -> dict[str, Event]:
    """Each rule lifecycle's event that sets its status on `day`."""
    latest: dict[str, Event] = {}
    stmt = select(Event).where(col(Event.rule).is_not(None), col(Event.status).is_not(None), Event.date <= day)
    for event in session.exec(stmt):
        rule = event.rule
        assert rule is not None  # the query asks for events of a rule
        current = latest.get(rule)
        if current is None or _lifecycle_order(event) > _lifecycle_order(current):
            latest[rule] = event
    return latest


def _rules_matching(session: Session, query: TimelineQuery, day: date, latest: dict[str, Event]) -> set[str]:
    rules = set(latest)
    if query.kinds:
        rules &= set(session.exec(select(Event.rule).where(col(Event.kind).in_(query.kinds), Event.date <= day)))
    if query.entities:
        rules &= set(session.exec(select(Event.rule).where(_about(resolve_entities(session, query.entities)))))
    if query.jurisdiction:
        rules = {r for r in rules if latest[r].jurisdiction == query.jurisdiction}
    if query.status:
        wanted = IN_FORCE if query.status == "in_force" else (query.status,)
        rules = {r for r in rules if latest[r].status in wanted}
    return rules


def _rule_state(rule: str, name: str, event: Event, shown: TimelineEvent) -> RuleState:
    assert event.status is not None  # only an event with a status sets a rule's state
    return RuleState(rule, name, event.status, event.date, shown, event.jurisdiction)


def _lifecycle_order(event: Event) -> tuple:
    """Later day first; on one day, the later stage; then the more authoritative origin."""
    stage = STATUSES.index(event.status) if event.status in STATUSES else -1
    return event.date, stage, origin_rank(event.origin), event.id or 0


def _rule_names(session: Session, rules: list[str]) -> dict[str, str]:
    found = select(Entity.slug, Entity.name).where(col(Entity.slug).in_(rules))
    names = dict(session.exec(found).all()) if rules else {}
    for rule in rules:
        if rule not in names:
            first = session.exec(select(Event.title).where(Event.rule == rule).order_by(*_OLDEST_FIRST)).first()
            names[rule] = first or rule
    return names


def _next_deadline(session: Session, rule: str, day: date) -> TimelineEvent | None:
    event = session.exec(
        select(Event)
        .where(Event.rule == rule, col(Event.kind).in_(DEADLINE_KINDS), Event.date > day)
        .order_by(*_OLDEST_FIRST)
        .limit(1)
    ).first()
    return hydrate(session, [event])[0] if event else None


# ---- upcoming deadlines ---------------------------------------------------------------


def upcoming_deadlines(
    session: Session,
    after: date,
    *,
    until: date | None = None,
    entities=(),
    jurisdiction: str | None = None,
    limit: int = 100,
    include_moot: bool = False,
) -> list[TimelineEvent]:
    """Comment deadlines, compliance dates and effective dates on or after `after`, soonest first.
    Deadlines of a rule already rescinded by then are left out unless `include_moot`."""
    return all_events(
        session,
        deadlines_query(
            session, after, until=until, entities=entities, jurisdiction=jurisdiction, include_moot=include_moot
        ),
        limit=limit,
    )


def deadlines_query(
    session: Session,
    after: date,
    *,
    until: date | None = None,
    entities=(),
    jurisdiction: str | None = None,
    include_moot: bool = False,
    limit: int = 20,
    page: int = 1,
) -> TimelineQuery:
    moot = () if include_moot else tuple(s.rule for s in rules_as_of(session, after, status="rescinded"))
    return TimelineQuery(
        entities=tuple(entities),
        kinds=DEADLINE_KINDS,
        jurisdiction=jurisdiction,
        since=after,
        until=until,
        order="oldest",
        limit=limit,
        page=page,
        exclude_rules=moot,
    )


# ---- exports ------------------------------------------------------------------------

CSV_COLUMNS = (
    "date",
    "precision",
    "kind",
    "title",
    "status",
    "rule",
    "jurisdiction",
    "origin",
    "confidence",
    "entities",
    "sources",
    "reports",
    "report_urls",
    "key",
    "id",
)
RULE_CSV_COLUMNS = (
    "rule",
    "name",
    "status",
    "label",
    "since",
    "jurisdiction",
    "event",
    "next_deadline",
    "next_deadline_kind",
    "sources",
)


def events_csv(events: list[TimelineEvent]) -> str:
    """One row per event; entities as slug:role, sources and report URLs space-separated."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in events:
        row = {
            "date": date_label(e.date, e.precision),
            "precision": e.precision,
            "kind": e.kind,
            "title": e.title,
            "status": e.status or "",
            "rule": e.rule or "",
            "jurisdiction": e.jurisdiction or "",
            "origin": e.origin,
            "confidence": f"{e.confidence:.2f}",
            "entities": "; ".join(f"{r.slug}:{r.role}" for r in e.entities),
            "sources": " ".join(e.sources),
            "reports": e.report_count,
            "report_urls": " ".join(r.url for r in e.reports if r.url),
            "key": e.key,
            "id": e.id,
        }
        writer.writerow([safe_cell(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def rules_csv(states: list[RuleState]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RULE_CSV_COLUMNS)
    for s in states:
        nxt = s.next_deadline
        row = {
            "rule": s.rule,
            "name": s.name,
            "status": s.status,
            "label": s.label,
            "since": date_label(s.since, s.event.precision if s.event.date == s.since else "day"),
            "jurisdiction": s.jurisdiction or "",
            "event": s.event.title,
            "next_deadline": date_label(nxt.date, nxt.precision) if nxt else "",
            "next_deadline_kind": nxt.kind if nxt else "",
            "sources": " ".join(s.event.sources),
        }
        writer.writerow([safe_cell(row[c]) for c in RULE_CSV_COLUMNS])
    return out.getvalue()


def deadlines_ics(events: list[TimelineEvent], *, name: str = "AI policy deadlines") -> bytes:
    """An iCalendar file with one all-day event per deadline (other kinds are left out).
    UIDs are the event keys, so a calendar that imports it again updates rather than duplicates."""
    calendar = Calendar()
    calendar.add("prodid", CALENDAR_PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for e in events:
        if e.kind not in DEADLINE_KINDS:
            continue
        item = CalendarEvent()
        item.add("uid", f"{e.key}@ai-policy-kb")
        item.add("summary", f"{_KIND_TITLES.get(e.kind, e.kind)}: {e.title}")
        start, end = date_span(e.date, e.precision)  # a month known only as a month spans it
        item.add("dtstart", start)
        item.add("dtend", end)
        item.add("dtstamp", e.updated_at.replace(tzinfo=UTC))
        item.add("last-modified", e.updated_at.replace(tzinfo=UTC))
        item.add("description", _description(e))
        item.add("categories", [e.kind])
        if e.sources:
            item.add("url", e.sources[0])
        calendar.add_component(item)
    return calendar.to_ical()


_KIND_TITLES = {
    "comment_deadline": "Comments due",
    "compliance_date": "Compliance date",
    "rule_effective": "Takes effect",
}


def _description(e: TimelineEvent) -> str:
    parts = [e.summary] if e.summary else []
    if e.precision != "day":
        parts.append(f"Date known to the {e.precision} only.")
    if e.rule:
        parts.append(f"Rule: {e.rule}" + (f" ({e.status_label})" if e.status_label else ""))
    if e.sources:
        parts.append("Sources: " + " ".join(e.sources))
    return "\n".join(parts)
