"""Events from Federal Register documents, and the rule lifecycles that tie them together.

Each document yields its publication event, an effective-date event and a
comment-deadline event when it has those dates, linked to its agencies
(actors) and the entities it names (subjects). Documents of one rulemaking
share a lifecycle id (`Event.rule`): documents are joined when they share a
RIN or a rule's docket, when one corrects another, and when a rule document
cites another by document number or FR page (a rescission or delay cites the
rule it undoes). A RIN or docket shared by many documents is an umbrella
(the FAA files every airworthiness directive under one RIN), not a
rulemaking, and joins nothing. A lifecycle that a curated event cites takes
the curated rule id, so curated and Federal Register events of one rule meet.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import partial

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from kb.events.candidates import Candidate
from kb.events.dates import as_date
from kb.events.extract import DOCUMENT_NUMBER, EntityInfo
from kb.linker import Linker
from kb.models import Document, Event, EventDocument

FR_KINDS = ("rule", "proposed_rule", "notice", "presidential_document")
RULE_DOCUMENTS = ("rule", "proposed_rule")
UMBRELLA = 10  # a RIN or docket on more documents than this is not one rulemaking
MAX_SUBJECTS = 12  # entities named by a document, most mentioned first
FR_LINK = re.compile(r"federalregister\.gov/(?:d|documents/\d{4}/\d{2}/\d{2}|api/v1/documents)/([\w-]+)")
CITATION = re.compile(r"\b(\d{1,3}) FR (\d{1,6})\b")
# Federal Register agency slugs -> registry slugs; agencies not listed are looked up by name.
AGENCY_ENTITIES = {
    "industry-and-security-bureau": "bis",
    "commerce-department": "department-of-commerce",
    "treasury-department": "treasury",
    "foreign-assets-control-office": "ofac",
    "state-department": "state-department",
    "executive-office-of-the-president": "white-house",
    "science-and-technology-policy-office": "ostp",
    "national-institute-of-standards-and-technology": "nist",
    "trade-representative-office-of-united-states": "ustr",
    "defense-department": "department-of-defense",
    "justice-department": "doj",
}
_RESCINDS = re.compile(r"\b(?:rescission|rescind\w*|revocation|revok\w*|removal of|withdrawal|withdrawn)\b", re.I)
_DELAYS = re.compile(
    r"\b(?:delay(?:ed|s)? of (?:the )?(?:effective|compliance)|postpone\w*|suspension|suspend\w*|"
    r"stay of|extension of (?:the )?(?:effective|compliance) date)\b",
    re.I,
)
_CORRECTS = re.compile(r"\bcorrect\w*\b", re.I)
_COMMENT_ONLY = re.compile(r"\b(?:extension of (?:the )?comment period|reopening of (?:the )?comment period)\b", re.I)


def is_federal_register(doc: Document) -> bool:
    return doc.kind in FR_KINDS and bool(doc.document_number)


def fr_link(number: str) -> str:
    return f"https://www.federalregister.gov/d/{number}"


@dataclass(frozen=True)
class Classified:
    kind: str  # of the publication event
    status: str | None  # of the rule after publication
    effective_status: str | None  # of the rule from the effective date


def classify(doc: Document) -> Classified:
    """What a document does to its rule, from its type, action line and title."""
    fields = doc.fields or {}
    action = str(fields.get("action") or "")
    words = f"{action} {doc.title}"
    if doc.kind == "presidential_document":
        subtype = str(fields.get("subtype") or "")
        return Classified(
            "executive_order" if "executive order" in subtype.lower() else "presidential_document", None, None
        )
    if doc.kind not in RULE_DOCUMENTS:
        return Classified("notice_published", None, None)
    if fields.get("correction_of") or _CORRECTS.search(action):
        return Classified("rule_published", None, None)
    if _RESCINDS.search(words):
        return Classified("rule_rescinded", "rescinded", "rescinded")
    if _DELAYS.search(words):
        return Classified("rule_delayed", "delayed", None)
    if _COMMENT_ONLY.search(words):
        return Classified("rule_published", None, None)
    if doc.kind == "proposed_rule":
        return Classified("rule_published", "proposed", None)
    if re.search(r"\binterim (?:final )?rule\b", words, re.I):
        return Classified("rule_published", "interim_final", "in_force")
    return Classified("rule_published", "final", "in_force")


def fr_candidates(
    doc: Document, *, rule: str | None, mentions: list[str], linker: Linker | None, info: dict[str, EntityInfo]
) -> list[Candidate]:
    """The dated events of one Federal Register document."""
    fields = doc.fields or {}
    number = doc.document_number
    assert number is not None, "only Federal Register documents (see is_federal_register) have these events"
    what = classify(doc)
    agencies = _agencies(fields, linker, info)
    entities = [(slug, "actor") for slug in agencies]
    named = [s for s in mentions if s not in agencies and s != rule][:MAX_SUBJECTS]
    entities += [(slug, "subject") for slug in ([rule] if rule and rule in info else []) + named]
    summary = " ".join(p for p in (fields.get("action"), fields.get("dates")) if p)
    candidate = partial(
        Candidate,
        entities=entities,
        # The API lists the department before its bureau: the bureau is the one acting.
        principal=agencies[-1] if agencies else None,
        confidence=1.0,
        rule=rule,
        origin="federal_register",
        jurisdiction=_jurisdiction(fields),
        sources=[fr_link(number)],
        summary=summary,
    )
    out = []
    published = doc.published_at.date() if doc.published_at else None
    signed = _day(fields.get("signing_date")) if doc.kind == "presidential_document" else None
    if signed:  # an executive order happens when it is signed; the Federal Register prints it later
        out.append(
            candidate(
                kind=what.kind,
                date=signed,
                key=f"fr:{number}:signed",
                status=what.status,
                title=f"{doc.title} (FR doc {number})",
                sentence=f"Signed on {signed.isoformat()}; published in the Federal Register as "
                f"document {number} on {published.isoformat() if published else 'an unknown day'}.",
            )
        )
    elif published:
        out.append(
            candidate(
                kind=what.kind,
                date=published,
                key=f"fr:{number}:published",
                status=what.status,
                title=f"{doc.title} (FR doc {number})",
                sentence=f"{fields.get('type') or 'Document'} {number} published in the Federal "
                f"Register on {published.isoformat()}. {fields.get('action') or ''}".strip(),
            )
        )
    effective = _day(fields.get("effective_on"))
    if effective and what.kind not in ("notice_published", "presidential_document"):
        out.append(
            candidate(
                kind="rule_effective",
                date=effective,
                key=f"fr:{number}:effective",
                status=what.effective_status,
                title=f"Takes effect: {doc.title}",
                sentence=_dates_sentence(fields, f"Effective on {effective.isoformat()}."),
            )
        )
    closes = _day(fields.get("comments_close_on"))
    if closes:
        out.append(
            candidate(
                kind="comment_deadline",
                date=closes,
                key=f"fr:{number}:comments",
                status=None,
                title=f"Comments due: {doc.title}",
                sentence=_dates_sentence(fields, f"Comments close on {closes.isoformat()}."),
            )
        )
    return out


def _agencies(fields: dict, linker: Linker | None, info: dict[str, EntityInfo]) -> list[str]:
    slugs = [AGENCY_ENTITIES[a] for a in fields.get("agencies") or [] if a in AGENCY_ENTITIES]
    if linker is not None:
        for name in fields.get("agency_names") or []:
            found = linker.find(str(name))
            if found and found[0].end - found[0].start >= len(str(name)) - 2:  # the whole name, not a word of it
                slugs.append(found[0].slug)
    return [s for s in dict.fromkeys(slugs) if s in info]


def _jurisdiction(fields: dict) -> str:
    found = fields.get("jurisdictions") or ["US"]
    return str(found[0]) if isinstance(found, list) and found else "US"


def _dates_sentence(fields: dict, fallback: str) -> str:
    text = " ".join(str(fields.get("dates") or "").split())
    return text[:600] if text else fallback


def _day(value: object) -> date | None:
    """A date field of the Federal Register API; the text may carry a time after the day."""
    if not value:
        return None
    return as_date(value if isinstance(value, date) else str(value)[:10])


# ---- rule lifecycles ------------------------------------------------------------------


class _Groups:
    """Union-find over document numbers."""

    def __init__(self, items):
        self.parent = {i: i for i in items}

    def find(self, item):
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, a, b):
        if a in self.parent and b in self.parent:
            self.parent[self.find(a)] = self.find(b)

    def members(self) -> dict[str, list[str]]:
        out = defaultdict(list)
        for item in self.parent:
            out[self.find(item)].append(item)
        return out


@dataclass
class _FRDoc:
    number: str
    kind: str
    fields: dict
    text: str
    published: date | None


def assign_lifecycles(session: Session) -> dict[str, str | None]:
    """Document number -> rule lifecycle id, for every Federal Register document in the store."""
    docs = {d.number: d for d in _fr_documents(session)}
    cited = curated_citations(session)
    groups = _Groups(docs)
    shared: dict[str, set[str]] = defaultdict(set)
    pages = _page_index(docs.values())
    for doc in docs.values():
        for rin in _list(doc.fields, "rins", "regulation_id_numbers"):
            shared["rin:" + rin].add(doc.number)
        if doc.kind in RULE_DOCUMENTS:
            for docket in _list(doc.fields, "docket_ids"):
                shared["docket:" + docket].add(doc.number)
            for other in _cited_documents(doc, docs, pages):
                groups.join(doc.number, other)
        for fixed in [doc.fields.get("correction_of"), *_list(doc.fields, "corrections")]:
            if fixed:
                groups.join(doc.number, str(fixed))
    umbrellas = {key[4:] for key, members in shared.items() if key.startswith("rin:") and len(members) > UMBRELLA}
    for members in shared.values():
        if 1 < len(members) <= UMBRELLA:
            first, *rest = sorted(members)
            for other in rest:
                groups.join(first, other)
    out: dict[str, str | None] = {}
    for group in groups.members().values():
        rule = _lifecycle_id([docs[m] for m in group], cited, umbrellas)
        out.update(dict.fromkeys(group, rule))
    return out


def _lifecycle_id(members: list[_FRDoc], cited: dict[str, str], umbrellas: set[str]) -> str | None:
    curated = sorted({cited[m.number] for m in members if m.number in cited})
    if curated:
        return curated[0]
    rules = [m for m in members if m.kind in RULE_DOCUMENTS]
    orders = [m for m in members if m.fields.get("executive_order_number")]
    if not rules and not orders:
        return None  # notices alone are not a rulemaking
    if not rules:
        return f"fr-eo-{orders[0].fields['executive_order_number']}"
    rins = sorted({r for m in members for r in _list(m.fields, "rins", "regulation_id_numbers")} - umbrellas)
    if rins:
        return "fr-rin-" + rins[0].lower()
    first = min(rules, key=lambda m: (m.published or date.max, m.number))
    return "fr-" + first.number


def _fr_documents(session: Session) -> list[_FRDoc]:
    # SQLModel's select() is typed for up to four columns; SQLAlchemy's types all six.
    rows = session.execute(
        sa_select(
            col(Document.document_number),
            col(Document.kind),
            col(Document.fields),
            col(Document.summary),
            col(Document.body),
            col(Document.published_at),
        ).where(col(Document.document_number).is_not(None), col(Document.kind).in_(FR_KINDS))
    )
    return [
        _FRDoc(n, k, f or {}, f"{s or ''} {b or ''}" if k in RULE_DOCUMENTS else "", p.date() if p else None)
        for n, k, f, s, b, p in rows
        if n is not None  # the query asks for numbered documents
    ]


def _page_index(docs) -> dict[int, list[tuple[int, int, str]]]:
    pages: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for doc in docs:
        volume, start = doc.fields.get("volume"), doc.fields.get("start_page")
        if isinstance(volume, int) and isinstance(start, int):
            end = doc.fields.get("end_page") if isinstance(doc.fields.get("end_page"), int) else start
            pages[volume].append((start, end, doc.number))
    return pages


def _cited_documents(doc: _FRDoc, docs: dict[str, _FRDoc], pages) -> list[str]:
    """Other documents a rule document cites, by number or by FR page ("90 FR 4544")."""
    found = [n for n in DOCUMENT_NUMBER.findall(doc.text) if n in docs and n != doc.number]
    for volume, page in CITATION.findall(doc.text):
        for start, end, number in pages.get(int(volume), ()):
            if start <= int(page) <= end and number != doc.number:
                found.append(number)
    return found


def curated_citations(session: Session) -> dict[str, str]:
    """Document number -> rule id, for Federal Register documents that curated events cite.

    A document cited by two lifecycles (the foundry rule also moved the December 2024 rule's
    comment deadline) belongs to the one whose publication event cites it first."""
    ranked: dict[str, tuple[tuple[int, int], str]] = {}
    for rule, kind, sources in session.exec(
        select(Event.rule, Event.kind, Event.sources).where(Event.origin == "curated", col(Event.rule).is_not(None))
    ):
        assert rule is not None  # the query asks for events of a rule
        for position, url in enumerate(sources or []):
            m = FR_LINK.search(str(url))
            if m:
                rank = (0 if kind == "rule_published" else 1, position)
                if m.group(1) not in ranked or rank < ranked[m.group(1)][0]:
                    ranked[m.group(1)] = (rank, rule)
    return {number: rule for number, (_, rule) in ranked.items()}


def known_documents(session: Session) -> dict[str, str]:
    """Document number -> rule id, for documents that prose may cite ("as document 2025-00636")."""
    rows = session.exec(
        select(Document.document_number, Event.rule)
        .join(EventDocument, col(EventDocument.document_id) == col(Document.id))
        .join(Event, col(Event.id) == col(EventDocument.event_id))
        .where(col(Document.document_number).is_not(None), col(Event.rule).is_not(None))
    )
    found = {number: rule for number, rule in rows if number is not None and rule is not None}
    found.update(curated_citations(session))
    return found


def update_lifecycle_rules(session: Session, lifecycles: dict[str, str | None]) -> int:
    """Give Federal Register events the rule id of their document's lifecycle (it changes when a
    new document joins two lifecycles); return how many events changed."""
    changed = 0
    rows = session.exec(
        select(Event, Document.document_number)
        .join(EventDocument, col(EventDocument.event_id) == col(Event.id))
        .join(Document, col(Document.id) == col(EventDocument.document_id))
        .where(Event.origin == "federal_register", col(Document.document_number).is_not(None))
    )
    for event, number in rows.all():
        if number in lifecycles and event.rule != lifecycles[number] and event.key.startswith(f"fr:{number}:"):
            event.rule = lifecycles[number]
            session.add(event)
            changed += 1
    return changed


def _list(fields: dict, *names: str) -> list[str]:
    for name in names:
        value = fields.get(name)
        if isinstance(value, list) and value:
            return [str(v) for v in value if v]
    return []
