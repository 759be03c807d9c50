"""Rules you can ask about: which rules and regulatory actions touched an entity (or one of the
products it makes), and a rule's summary card.

- `rules_touching`: the regulatory events (the timeline's "rule" kinds) that name the entity, or
  a product or model whose registry entry gives it as `maker`, one row per rule lifecycle (an
  event without a lifecycle is a row of its own), newest first.
- `rule_card`: a rule lifecycle's status now and since when it has held (the first event of the
  latest run of that status, not merely its latest event), its publication and effective dates,
  comment and compliance deadlines, the Federal Register citation and document number (from the
  Federal Register documents that are its evidence, else from the curated summary), and whether
  an interim final rule is in force.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from kb.events.candidates import IN_FORCE, KIND_GROUPS, STATUS_LABELS, STATUSES
from kb.models import Document, Entity, Event, EventDocument, EventEntity
from kb.registry import Registry

REGULATORY = KIND_GROUPS["rule"]
_CITATION = re.compile(r"\b(\d{2,3}) FR (\d{3,6})\b")
_DOCUMENT_NUMBER = re.compile(r"\b(?:doc(?:ument)?(?: number| no\.?)?|FR Doc\.?) ?(\d{4}-\d{5})\b", re.IGNORECASE)


@dataclass
class RuleRow:
    """One rule (or one regulatory action without a lifecycle) that touched an entity."""

    rule: str | None
    name: str
    latest: Event  # its newest event that names the entity or its products
    events: int
    via: list[str] = field(default_factory=list)  # the products through which it touches the maker


def rules_touching(session: Session, registry: Registry, slug: str) -> list[RuleRow]:
    """The rules and regulatory actions that name `slug` or what it makes, newest first."""
    made = {s.slug for s in registry.entities.values() if s.maker and registry.resolve(s.maker) == slug}
    slugs = {slug, *made}
    query = (
        select(Event, EventEntity.entity_slug)
        .join(EventEntity, col(EventEntity.event_id) == col(Event.id))
        .where(col(EventEntity.entity_slug).in_(slugs), col(Event.kind).in_(REGULATORY))
    )
    rows: dict[str, RuleRow] = {}
    for event, named in session.exec(query):
        key = event.rule or f"event:{event.id}"
        row = rows.get(key)
        if row is None:
            row = rows[key] = RuleRow(event.rule, event.title, event, 0)
        elif event.date > row.latest.date:
            row.latest = event
        row.events += 1
        if named in made and named not in row.via:
            row.via.append(named)
    names = _names(session, [r.rule for r in rows.values() if r.rule])
    for row in rows.values():
        if row.rule:
            row.name = names.get(row.rule, row.rule)
    return sorted(rows.values(), key=lambda r: (r.latest.date, r.name), reverse=True)


def _names(session: Session, rules: list[str]) -> dict[str, str]:
    return {e.slug: e.name for e in session.exec(select(Entity).where(col(Entity.slug).in_(rules)))}


@dataclass
class RuleCard:
    rule: str
    name: str
    status: str | None = None
    since: date | None = None
    published: date | None = None
    effective: date | None = None
    comment_deadline: date | None = None
    compliance_date: date | None = None
    citation: str | None = None
    document_number: str | None = None
    document_url: str | None = None
    interim_final_in_force: bool = False
    events: list[Event] = field(default_factory=list)

    @property
    def status_label(self) -> str | None:
        return STATUS_LABELS.get(self.status, self.status) if self.status else None


def rule_card(session: Session, rule: str, today: date) -> RuleCard | None:
    """The summary card of one rule lifecycle as of `today`, or None when no event belongs to it."""
    events = sorted(session.exec(select(Event).where(Event.rule == rule)), key=lambda e: (e.date, e.id or 0))
    if not events:
        return None
    card = RuleCard(rule, _names(session, [rule]).get(rule, rule), events=events)
    past = [e for e in events if e.date <= today]
    card.published = _first(past, "rule_published")
    card.effective = _first(events, "rule_effective")
    card.comment_deadline = _first(events, "comment_deadline")
    card.compliance_date = _first(events, "compliance_date")
    stated = sorted((e for e in past if e.status), key=_order)
    if stated:
        card.status = stated[-1].status
        since = stated[-1].date
        for event in reversed(stated):  # back to the first event of the latest run of that status
            if event.status != card.status:
                break
            since = event.date
        card.since = since
    card.interim_final_in_force = any(e.status == "interim_final" for e in stated) and card.status in (
        "interim_final",
        *IN_FORCE,
    )
    card.citation, card.document_number, card.document_url = _citation(session, events)
    return card


def _first(events: list[Event], kind: str) -> date | None:
    return next((e.date for e in events if e.kind == kind), None)


def _order(event: Event) -> tuple:
    return event.date, STATUSES.index(event.status) if event.status in STATUSES else -1, event.id or 0


def _citation(session: Session, events: list[Event]) -> tuple[str | None, str | None, str | None]:
    """Citation, document number and address of the rule's Federal Register document: from the
    Federal Register documents among its evidence first, then from the curated summaries."""
    ids = [e.id for e in events if e.id is not None]
    docs = session.exec(
        select(Document)
        .join(EventDocument, col(EventDocument.document_id) == col(Document.id))
        .where(col(EventDocument.event_id).in_(ids), col(Document.document_number).is_not(None))
        .order_by(col(Document.published_at))
    ).all()
    for doc in docs:
        citation = (doc.fields or {}).get("citation")
        return (str(citation) if citation else None), doc.document_number, doc.url
    for event in events:
        text = f"{event.title} {event.summary}"
        citation, number = _CITATION.search(text), _DOCUMENT_NUMBER.search(text)
        if citation or number:
            url = f"https://www.federalregister.gov/d/{number.group(1)}" if number else None
            return (
                (f"{citation.group(1)} FR {citation.group(2)}" if citation else None),
                (number.group(1) if number else None),
                url,
            )
    return None, None, None
