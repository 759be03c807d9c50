"""One event, many reports: attaching candidates to events in the store.

A candidate joins an event of the same kind, on the same or a near date
(WINDOW_DAYS for day precision; within the month for month precision), that
is about the same thing: the same rule lifecycle when both have one, else the
candidate's principal entity among the event's entities. Two happenings of
one day with different principals stay apart. Where several events qualify,
the closest in entity, then in date, then the most authoritative wins; a
curated event keeps its own title, date and entities whatever joins it.

Regulatory acts (a rule issued, a licence required, parties listed: `ACTS`) told by a report join
the curated or Federal Register event of that happening even under another kind or up to
STANDING_WINDOW days off ("informed on April 9" for the requirement disclosed on April 15), when the
report names the same product, rule or company, not only the agency; a report is evidence of a rule's
event only when it names that rule. A rule's day stated with its year matches that day only.

Two bridges between kinds, both on the exact day and for the same actor: a
report that "X said on D it would block..." is evidence of X's statement of
D; a report of a statement on D is evidence of the curated event of D whose
actor X is (the announcement of it), unless the statement is a reaction ("firmly opposes").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import overload

from sqlalchemy import delete
from sqlmodel import Session, col, select

from kb.batches import chunked
from kb.events.candidates import RULE_KINDS, Candidate, kind_group, origin_rank
from kb.events.dates import month_span
from kb.events.lexicon import CHINESE_COMMENT, CHINESE_LEXICON, ENGLISH_LEXICON, REACTION, sentence_announces
from kb.models import Event, EventDocument, EventEntity, utcnow

WINDOW_DAYS = 3
# A report that dates a regulatory action otherwise than the curated or Federal Register event of it
# ("informed on April 9" for the requirement Nvidia disclosed on April 15) joins it within this many
# days, when it names the same product, rule or company, not just the same agency.
STANDING_WINDOW = 7
# Events a report's event may join across kinds of one group: the timeline's own, not other reports'.
AUTHORITATIVE = ("curated", "federal_register")
# The regulatory acts one happening is told as: a rule issued, a licence required, parties listed. A rule's
# later dates (effective, deadlines, rescission, delay) are happenings of their own, whatever their day.
ACTS = ("rule_published", "license_required", "entity_listed")
MARGIN = timedelta(days=40)  # events loaded around the candidates' dates (month precision + window)
# Names reports use for the same actor: Commerce announces what its bureau, BIS, does; a
# president's executive orders are recorded with the White House as actor (data/events).
SAME_ACTOR = {"department-of-commerce": "bis", "donald-trump": "white-house", "joe-biden": "white-house"}
MAX_CONFIDENCE = 0.99  # for events from prose, however many reports


@overload
def same_actor(slug: str) -> str: ...
@overload
def same_actor(slug: None) -> None: ...
def same_actor(slug: str | None) -> str | None:
    return SAME_ACTOR.get(slug, slug) if slug else slug


@dataclass
class Slot:
    """An event with its entities, as matching needs them."""

    event: Event
    roles: dict[str, str] = field(default_factory=dict)  # slug -> role

    @property
    def event_id(self) -> int:
        """The event's id, which a new event has once the session is flushed."""
        assert self.event.id is not None, "the event is not flushed yet"
        return self.event.id

    @property
    def actors(self) -> set[str]:
        return {same_actor(s) for s, role in self.roles.items() if role == "actor"}

    @property
    def slugs(self) -> set[str]:
        return {same_actor(s) for s in self.roles}

    @property
    def principal(self) -> str | None:
        """For an event made from a candidate, the principal is the last part of its key."""
        key = self.event.key
        if key.startswith("x:"):
            tail = key.split(":")[3] if key.count(":") >= 3 else ""
            return tail if tail and tail != "-" else None
        return next((s for s, role in sorted(self.roles.items()) if role == "actor"), None)


class EventIndex:
    """Events near some dates, in memory, so that one run matches without a query per candidate.
    Slots are found by key, by (kind, date) bucket and by date."""

    def __init__(
        self,
        session: Session,
        start: date | None = None,
        end: date | None = None,
        *,
        curated_only: bool = False,
        events: list[Event] | None = None,
    ):
        self.session = session
        self.keys: dict[str, Slot] = {}
        self.buckets: dict[tuple[str, date], list[Slot]] = defaultdict(list)
        self.by_date: dict[date, list[Slot]] = defaultdict(list)
        self.missing: set[str] = set()  # keys known not to be in the store
        if events is None:
            assert start is not None and end is not None, "an index is given its events, or the dates to load"
            events = _events_near(session, start, end, curated_only=curated_only)
        self._load(events)

    @classmethod
    def around(cls, session: Session, candidates: list[Candidate], **kwargs) -> EventIndex:
        days = [c.date for c in candidates] or [date.today()]
        index = cls(session, min(days), max(days), **kwargs)
        index.preload([c.key for c in candidates if c.key])
        return index

    def _load(self, events: list[Event]) -> list[Slot]:
        slots: dict[int, Slot] = {}
        for event in events:
            if event.key not in self.keys:
                slot = self._add(Slot(event))
                slots[slot.event_id] = slot
        for chunk in chunked(slots):
            for row in self.session.exec(select(EventEntity).where(col(EventEntity.event_id).in_(chunk))):
                slots[row.event_id].roles[row.entity_slug] = row.role
        return list(slots.values())

    def _add(self, slot: Slot) -> Slot:
        self.keys[slot.event.key] = slot
        self.buckets[(slot.event.kind, slot.event.date)].append(slot)
        self.by_date[slot.event.date].append(slot)
        return slot

    def move(self, slot: Slot, old_date: date) -> None:
        """Re-file a slot whose event changed date."""
        self.buckets[(slot.event.kind, old_date)].remove(slot)
        self.by_date[old_date].remove(slot)
        self.buckets[(slot.event.kind, slot.event.date)].append(slot)
        self.by_date[slot.event.date].append(slot)

    def preload(self, keys: list[str]) -> None:
        """Fetch the events with these keys in one query (Federal Register events are found by key)."""
        wanted = [k for k in keys if k not in self.keys]
        for chunk in chunked(wanted):
            self._load(list(self.session.exec(select(Event).where(col(Event.key).in_(chunk)))))
        self.missing.update(k for k in wanted if k not in self.keys)

    def by_key(self, key: str) -> Slot | None:
        """The event with this key, in the index or (outside its dates) in the store."""
        if key not in self.keys and key not in self.missing:
            self.preload([key])
        return self.keys.get(key)

    def nearby(self, kind: str, day: date, precision: str, window: int = WINDOW_DAYS):
        """Slots of `kind` that could be within the window of `day` (month and year events included)."""
        if precision == "day":
            days = [day + timedelta(days=n) for n in range(-window, window + 1)]
            starts = {d.replace(day=1) for d in days} | {d.replace(month=1, day=1) for d in days}
            keys = [*days, *sorted(starts - set(days))]
            return self._slots(kind, keys)
        # A month or a year: scan the index's days of this kind (a few hundred) rather than list every day.
        first, last = (
            (day.replace(month=1, day=1), day.replace(month=12, day=31)) if precision == "year" else month_span(day)
        )
        low, high = first - timedelta(days=window), last + timedelta(days=window)
        keys = sorted(d for k, d in self.buckets if k == kind and (low <= d <= high or d == first.replace(month=1)))
        return self._slots(kind, keys)

    def _slots(self, kind: str, keys: list[date]):
        seen = set()
        for d in keys:
            for slot in self.buckets.get((kind, d), ()):
                if id(slot) not in seen:
                    seen.add(id(slot))
                    yield slot

    def match(self, cand: Candidate) -> Slot | None:
        """The event this candidate reports, if there is one: of its kind, on a near date, about the
        same thing; else (a regulatory action from a report) a curated or Federal Register event of the
        same group about the same product, rule or company, within STANDING_WINDOW days."""
        options = []
        for slot in self.nearby(cand.kind, cand.date, cand.precision, _window(cand)):
            days, rank = day_gap(slot.event, cand, _window(cand)), entity_rank(slot, cand)
            if days is not None and rank is not None:
                options.append(((0, rank, days, -origin_rank(slot.event.origin), slot.event.key), slot))
        if not options and cand.origin == "extracted" and kind_group(cand.kind):
            options = self._standing_options(cand)
        if options:
            return min(options, key=lambda o: o[0])[1]
        return self._bridge(cand) or self._only_one(cand)

    def _standing_options(self, cand: Candidate) -> list:
        options = []
        if cand.kind not in ACTS:
            return []
        window = 0 if _window(cand) == 0 else STANDING_WINDOW  # a rule's stated day is that day
        for kind in ACTS:
            for slot in self.nearby(kind, cand.date, cand.precision, window):
                if slot.event.origin not in AUTHORITATIVE or not _same_subject(slot, cand):
                    continue
                days = day_gap(slot.event, cand, window)
                if kind != cand.kind and (days or cand.precision != "day"):
                    continue  # another kind of act on another day is another happening (a rule's publication
                    # three days after the same package's Entity List additions)
                rank = entity_rank(slot, cand)
                if days is not None and rank is not None:
                    options.append(
                        ((kind != cand.kind, rank, days, -origin_rank(slot.event.origin), slot.event.key), slot)
                    )
        return options

    def _bridge(self, cand: Candidate) -> Slot | None:
        if cand.precision != "day" or not cand.principal or not (cand.announces or cand.kind == "statement"):
            return None
        principal = same_actor(cand.principal)
        for slot in sorted(self.by_date.get(cand.date, ()), key=lambda s: -origin_rank(s.event.origin)):
            event = slot.event
            if event.date != cand.date or event.precision != "day":
                continue
            if cand.announces and event.kind == "statement" and principal in slot.actors:
                return slot
            if (
                cand.kind == "statement"
                and event.origin == "curated"
                and principal in slot.slugs
                and not REACTION.search(cand.sentence)  # "the ministry firmly opposed ...": a reaction of its own
                and not CHINESE_COMMENT.search(cand.sentence)  # "发言人……答记者问时表示": a comment of its own
            ):
                return slot
        return None

    def _only_one(self, cand: Candidate) -> Slot | None:
        """A report that names nobody ("the measures took effect on August 15") is evidence of
        the one event of its kind on that exact day, when there is exactly one."""
        if cand.principal or cand.rule or cand.precision != "day":
            return None
        same = [s for s in self.by_date.get(cand.date, ()) if s.event.kind == cand.kind and s.event.precision == "day"]
        return same[0] if len(same) == 1 else None


def _events_near(session: Session, start: date, end: date, *, curated_only: bool) -> list[Event]:
    query = select(Event).where(Event.date >= start - MARGIN, Event.date <= end + MARGIN)
    if curated_only:
        query = query.where(Event.origin == "curated")
    return list(session.exec(query))


_PRECISIONS = ("year", "month", "day")


def _finer(precision: str, than: str) -> bool:
    return _PRECISIONS.index(precision) > _PRECISIONS.index(than)


def _window(cand: Candidate) -> int:
    """A rule's day stated by its month and day is that day: the Federal Register publication three days
    after a rule's release is another happening."""
    if cand.origin == "extracted" and cand.kind == "statement" and cand.precision == "day":
        return 0  # a telling is of its day: "said on Thursday" is not the filing of the Wednesday before
    return 0 if cand.exact and cand.kind in RULE_KINDS and cand.origin == "extracted" else WINDOW_DAYS


# Entity kinds too broad to say two regulatory actions are one: every rule names a country and an agency.
_BROAD = frozenset({"country", "government_body"})
_BROAD_SLUGS = frozenset({"entity-list", "unverified-list", "federal-register", "ear", "united-states", "china"})


def _same_subject(slot: Slot, cand: Candidate) -> bool:
    """The candidate names the event's rule, or a product, company or rule the event names."""
    if slot.event.rule and (slot.event.rule == cand.rule or slot.event.rule in cand.slugs):
        return True
    specific = [s for s in cand.slugs if cand.kinds_of.get(s) not in _BROAD and s not in _BROAD_SLUGS]
    return any(same_actor(s) in slot.slugs for s in specific)


def day_gap(event: Event, cand: Candidate, window: int = WINDOW_DAYS) -> int | None:
    """Days between an event and a candidate, or None when they are too far apart to be one."""
    if "year" in (event.precision, cand.precision):
        return 0 if event.date.year == cand.date.year else None
    if "month" in (event.precision, cand.precision):
        month, other = (event.date, cand.date) if event.precision == "month" else (cand.date, event.date)
        first, last = month_span(month)
        if cand.precision == event.precision:
            return 0 if (first, last) == month_span(other) else None
        outside = max((first - other).days, (other - last).days, 0)
        return outside if outside <= window else None
    gap = abs((event.date - cand.date).days)
    return gap if gap <= window else None


def entity_rank(slot: Slot, cand: Candidate) -> int | None:
    """How surely the candidate and the event are about the same thing (lower is surer), or None."""
    event = slot.event
    if cand.origin == "federal_register" and event.origin == "federal_register":
        return None  # two documents are two happenings; one document finds its events by key
    if cand.rule and event.rule:
        return 0 if cand.rule == event.rule else None
    if event.rule and cand.origin == "extracted" and event.rule not in cand.slugs:
        return None  # a report is evidence of a rule's event only when it names the rule
    principal = same_actor(cand.principal)
    if principal and principal in slot.actors:
        return 1
    if principal and principal in slot.slugs:
        return 2
    if any(same_actor(a) in slot.slugs for a in cand.also):
        return 3
    return None


# ---- writing --------------------------------------------------------------------------


class Attacher:
    """Attaches the candidates of some documents to events, creating events where none matches.
    Rows are written in one flush at the end (`finish`), not one per event."""

    def __init__(self, session: Session, index: EventIndex):
        self.session, self.index = session, index
        self.evidence: dict[tuple[int, int], tuple[Slot, str]] = {}  # (slot identity, document) -> sentence
        self.new_roles: list[tuple[Slot, str, str]] = []
        self.slots: dict[int, Slot] = {}  # every slot touched, by identity
        self.days_told: dict[tuple[int, int | None], set[date]] = {}  # (slot identity, document) -> days it told
        self.slot_told: dict[tuple[int | None, str, date], Slot] = {}  # (document, kind, day) -> its first slot
        # (document, kind, day) -> the sentences that tell it, for every candidate about to be attached
        self.acts_told: dict[tuple[int | None, str, date], set[str]] = {}

    def expect(self, pairs: Iterable[tuple[int | None, Candidate]]) -> None:
        """The candidates about to be attached, so that each knows what else its document tells."""
        for doc, cand in pairs:
            self.acts_told.setdefault((doc, cand.kind, cand.date), set()).add(cand.sentence)

    def attach(self, cand: Candidate, document_id: int | None) -> Slot:
        slot = (self.index.by_key(cand.key) if cand.key else None) or self.index.match(cand)
        if slot is not None and cand.kind == "rule_published" and slot.event.kind != cand.kind:
            # a report telling a rule released in one sentence and Entity List additions of that day in another:
            # two acts, not the one curated act of the other kind (the foundry rule is not the Sophgo listing);
            # "in the same package BIS put Sophgo on the Entity List" is the listing
            others = self.acts_told.get((document_id, slot.event.kind, cand.date), set())
            if others - {cand.sentence}:
                slot = None
        if (
            slot is not None
            and cand.kind == "rule_published"
            and cand.precision == "day"
            and slot.event.date != cand.date
            and "Federal Register" in cand.sentence
            and "Federal Register" not in slot.event.title
        ):
            # "the rule will be published in the Federal Register tomorrow": its printing, a day apart from its
            # release (the curated timeline keeps both, each titled as what it is)
            slot = None
        told_here = self.slot_told.get((document_id, cand.kind, cand.date)) if cand.precision == "day" else None
        if told_here is not None and told_here is not slot and not cand.distinct and cand.kind in RULE_KINDS:
            rules = {s for s in cand.slugs if cand.kinds_of.get(s) == "regulation"} - {told_here.event.rule}
            if cand.rule in (None, told_here.event.rule) and not rules:
                # "a day after Washington rolled out its package ... The package, unveiled on Monday by BIS": one
                # report telling one release of that day twice, in other words; not a second rule it names
                slot = told_here
        told = self.days_told.get((id(slot), document_id)) if slot is not None else None
        if told is not None and (cand.distinct or (cand.precision == "day" and cand.date not in told)):
            # "in a separate decision the same day", or another day the same report states for its kind
            # (released on Monday, in the Federal Register on Thursday): not the act it told before
            slot = None
        if slot is None:
            slot = self._create(cand)
        else:
            before = slot.event.date
            self._merge(slot, cand)
            if slot.event.date != before:  # a more authoritative report corrected the date
                self.index.move(slot, before)
        if document_id is not None:
            self.slot_told.setdefault((document_id, cand.kind, cand.date), slot)
            self.evidence.setdefault((id(slot), document_id), (slot, cand.sentence))
            self.days_told.setdefault((id(slot), document_id), set()).add(cand.date)
        self.slots[id(slot)] = slot
        return slot

    def finish(self) -> set[int]:
        """Write the new events, entities and evidence; return the ids of the events touched."""
        self.session.flush()  # new events get their ids
        for slot, slug, role in self.new_roles:
            self.session.add(EventEntity(event_id=slot.event_id, entity_slug=slug, role=role))
        for (_, document_id), (slot, sentence) in self.evidence.items():
            self.session.add(EventDocument(event_id=slot.event_id, document_id=document_id, sentence=sentence))
        self.session.flush()
        touched = {slot.event_id for slot in self.slots.values()}
        self.new_roles, self.evidence, self.slots, self.days_told = [], {}, {}, {}
        return touched

    def _create(self, cand: Candidate) -> Slot:
        event = Event(
            key=cand.key or self._new_key(cand),
            date=cand.date,
            precision=cand.precision,
            kind=cand.kind,
            title=cand.title or cand.sentence[:160],
            summary=cand.summary,
            status=cand.status,
            origin=cand.origin,
            confidence=cand.confidence,
            jurisdiction=cand.jurisdiction,
            rule=cand.rule,
            sources=list(cand.sources),
        )
        self.session.add(event)
        slot = self.index._add(Slot(event))
        for slug, role in cand.entities:
            self._add_role(slot, slug, role)
        return slot

    def _merge(self, slot: Slot, cand: Candidate) -> None:
        """A candidate joins an event: a more authoritative one takes its facts over; entities add up."""
        event = slot.event
        if event.origin == "curated":
            return
        if origin_rank(cand.origin) > origin_rank(event.origin):
            event.date, event.precision, event.title, event.summary = (
                cand.date,
                cand.precision,
                cand.title,
                cand.summary,
            )
            event.status, event.rule, event.origin = cand.status, cand.rule, cand.origin
            event.confidence, event.jurisdiction, event.sources = cand.confidence, cand.jurisdiction, list(cand.sources)
        else:
            event.rule = event.rule or cand.rule
            event.jurisdiction = event.jurisdiction or cand.jurisdiction
            if origin_rank(cand.origin) == origin_rank(event.origin) and _finer(cand.precision, event.precision):
                event.date, event.precision = cand.date, cand.precision  # "this week" told to the day elsewhere
        for slug, role in cand.entities:
            self._add_role(slot, slug, role)
        event.updated_at = utcnow()
        self.session.add(event)

    def _add_role(self, slot: Slot, slug: str, role: str) -> None:
        if slug not in slot.roles:
            slot.roles[slug] = role
            self.new_roles.append((slot, slug, role))

    def _new_key(self, cand: Candidate) -> str:
        base = f"x:{cand.date.isoformat()}:{cand.kind}:{cand.principal or '-'}"
        key, n = base, 1
        while self.index.by_key(key):
            n += 1
            key = f"{base}:{n}"
        return key


# Events that stand without reports: the curated timeline, and the changes seen on providers'
# availability pages (rebuilt from the snapshots, one per country). Reports may add evidence
# to them; losing it never removes them, nor are they merged away into other events.
STANDING_ORIGINS = ("curated", "availability_diff")


def detach_documents(session: Session, doc_ids: list[int]) -> set[int]:
    """Forget what the documents said before they are read again: their evidence rows go, and
    the events only they supported (unless curated), so that those are rebuilt from scratch;
    return the ids of the surviving events that lost evidence."""
    touched: set[int] = set()
    for chunk in chunked(doc_ids):
        rows = session.exec(select(EventDocument.event_id).where(col(EventDocument.document_id).in_(chunk))).all()
        touched.update(rows)
        session.exec(delete(EventDocument).where(col(EventDocument.document_id).in_(chunk)))
    session.flush()
    removed = remove_unsupported(session, touched)
    return touched - removed


def remove_unsupported(session: Session, event_ids: set[int]) -> set[int]:
    """Delete the events among `event_ids` left without evidence (standing ones stay); return their ids."""
    removed: set[int] = set()
    for chunk in chunked(sorted(event_ids)):
        supported = set(session.exec(select(EventDocument.event_id).where(col(EventDocument.event_id).in_(chunk))))
        removable = session.exec(
            select(Event.id).where(col(Event.id).in_(chunk), col(Event.origin).not_in(STANDING_ORIGINS))
        )
        orphans = [i for i in removable if i is not None and i not in supported]
        if orphans:
            session.exec(delete(EventEntity).where(col(EventEntity.event_id).in_(orphans)))
            session.exec(delete(Event).where(col(Event.id).in_(orphans)))
            removed.update(orphans)
    session.flush()
    return removed


def rescore(session: Session, event_ids: set[int]) -> None:
    """Confidence of events from prose: 1 - product(1 - s) over their reports' sentences, where
    s is the strength of the kind's trigger in the sentence (order-independent, recomputable)."""
    sentences: dict[int, list[str]] = defaultdict(list)
    for chunk in chunked(sorted(event_ids)):
        for event_id, sentence in session.exec(
            select(EventDocument.event_id, EventDocument.sentence).where(col(EventDocument.event_id).in_(chunk))
        ):
            sentences[event_id].append(sentence)
        for event in session.exec(select(Event).where(col(Event.id).in_(chunk), Event.origin == "extracted")):
            assert event.id is not None  # read from the store
            doubt = 1.0
            for sentence in sentences.get(event.id, []):
                strength = (
                    max(ENGLISH_LEXICON.strength(sentence, event.kind), CHINESE_LEXICON.strength(sentence, event.kind))
                    or 0.3
                )
                doubt *= 1 - strength
            event.confidence = round(min(MAX_CONFIDENCE, 1 - doubt), 3)
            session.add(event)


def absorb_into_curated(session: Session) -> int:
    """Merge events from prose or structured data into the curated events they report
    (curated events loaded after the reports were read); return how many were merged."""
    others = list(session.exec(select(Event).where(col(Event.origin).not_in(STANDING_ORIGINS))))
    if not others:
        return 0
    index = EventIndex(session, min(e.date for e in others), max(e.date for e in others), curated_only=True)
    if not index.keys:
        return 0
    merged = 0
    for slot in EventIndex(session, events=others).keys.values():
        target = index.match(_as_candidate(session, slot))
        if target is not None:
            _move(session, slot.event_id, target.event_id)
            merged += 1
    session.flush()
    return merged


def _as_candidate(session: Session, slot: Slot) -> Candidate:
    event = slot.event
    sentences = list(session.exec(select(EventDocument.sentence).where(EventDocument.event_id == event.id)))
    return Candidate(
        kind=event.kind,
        date=event.date,
        sentence="",
        precision=event.precision,
        entities=list(slot.roles.items()),
        principal=slot.principal,
        rule=event.rule,
        origin=event.origin,
        announces=bool(sentences) and all(map(sentence_announces, sentences)),
    )


def _move(session: Session, source_id: int, target_id: int) -> None:
    """Move an event's evidence onto another event and delete it."""
    taken = set(session.exec(select(EventDocument.document_id).where(EventDocument.event_id == target_id)))
    for row in session.exec(select(EventDocument).where(EventDocument.event_id == source_id)).all():
        if row.document_id not in taken:
            session.add(EventDocument(event_id=target_id, document_id=row.document_id, sentence=row.sentence))
    session.exec(delete(EventDocument).where(col(EventDocument.event_id) == source_id))
    session.exec(delete(EventEntity).where(col(EventEntity.event_id) == source_id))
    session.exec(delete(Event).where(col(Event.id) == source_id))


def known_rules(session: Session) -> frozenset[str]:
    return frozenset(r for r in session.exec(select(Event.rule).where(col(Event.rule).is_not(None)).distinct()) if r)
