"""Events from prose: sentences that state a dated action.

For each sentence with a date: every trigger word (kind) is attached to the
nearest date, each date takes the highest-ranked kind attached to it, and the
entities the linker finds in the sentence become the event's entities, the
principal one chosen by kind (a regulation for rule events, an organization
for service changes). Pure: text in, candidates out; the linker is passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kb.events.candidates import RULE_KINDS, Candidate
from kb.events.dates import FoundDate, find_dates, has_date_hint
from kb.events.lexicon import Lexicon, Trigger, announces, lexicon_for
from kb.linker import Linker, Match

MIN_CONFIDENCE = 0.35
MAX_SENTENCE = 600  # longer "sentences" are tables or lists run together: cut for evidence

# Entity kinds tried, in order, for the principal entity of an event kind.
_RULE_ORDER = ("regulation", "program", "government_body", "organization", "product", "ai_model", "country")
_STATE_ORDER = ("government_body", "organization", "regulation", "program", "person", "country")
_COMPANY_ORDER = ("organization", "product", "ai_model", "government_body", "person", "program", "regulation",
                  "country")
PRINCIPAL_ORDER = {
    **{kind: _RULE_ORDER for kind in RULE_KINDS},
    "executive_order": ("regulation", "program", "government_body", "person"),
    "entity_listed": _STATE_ORDER, "guidance_issued": _STATE_ORDER, "investigation": _STATE_ORDER,
    "retaliation": _STATE_ORDER,
}
# Named in reports but never the one acting: the journal that prints the rule.
NEVER_PRINCIPAL = frozenset({"federal-register"})
# Kinds in which a country named is on the receiving end.
RESTRICTIVE = frozenset({"service_restricted", "license_required", "entity_listed", "retaliation",
                         "rule_published", "rule_effective", "investigation"})

_ABBREVIATIONS = frozenset({"u.s", "u.k", "e.u", "no", "inc", "corp", "co", "ltd", "mr", "ms", "mrs", "dr",
                            "st", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
                            "dec", "gov", "dept", "e.g", "i.e", "vs", "fig", "art", "sec"})
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|(?<=[。！？；])|\n+")


def split_sentences(text: str) -> list[str]:
    """Sentences of English or Chinese text; "U.S." and "No." do not end one."""
    sentences, start = [], 0
    for m in _BOUNDARY.finditer(text):
        head = text[start:m.start()].rstrip()
        last_word = re.search(r"([\w.]+)\.$", head)
        if last_word and last_word.group(1).lower() in _ABBREVIATIONS and m.group(0) != "\n":
            continue
        if head.strip():
            sentences.append(head.strip())
        start = m.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


@dataclass
class EntityInfo:
    """What the extractor needs to know about an entity: its kind and country."""

    kind: str
    country: str | None = None


def entity_info(linker: Linker) -> dict[str, EntityInfo]:
    return {slug: EntityInfo(spec.kind, spec.country) for slug, spec in linker.registry.entities.items()}


def extract_events(text: str, published: date, *, linker: Linker, language: str | None = None,
                   known_rules: frozenset[str] = frozenset(), info: dict[str, EntityInfo] | None = None,
                   context: list[str] | None = None) -> list[Candidate]:
    """Candidates for every sentence of `text` that states a dated action."""
    info = info if info is not None else entity_info(linker)
    lexicon = lexicon_for(language)
    out: list[Candidate] = []
    previous: list[str] = list(context or [])  # entities of earlier sentences ("The company said...")
    for sentence in split_sentences(text):
        matches = linker.find(sentence)
        if has_date_hint(sentence):
            out += sentence_events(sentence, published, matches, lexicon, info, known_rules, previous)
        previous = [m.slug for m in matches] or previous
    return out


def sentence_events(sentence: str, published: date, matches: list[Match], lexicon: Lexicon,
                    info: dict[str, EntityInfo], known_rules: frozenset[str],
                    previous: list[str]) -> list[Candidate]:
    """One candidate per date in the sentence that a trigger word attaches to."""
    dates = find_dates(sentence, published)
    if not dates:
        return []
    by_date: dict[int, list[Trigger]] = {}
    for trigger in lexicon.triggers(sentence):
        by_date.setdefault(_nearest(trigger, dates, sentence), []).append(trigger)
    out, seen = [], set()
    for index, triggers in sorted(by_date.items()):
        found = dates[index]
        best = min(triggers, key=lambda t: (t.rank, _distance(t, found, sentence)))
        if (best.kind, found.value) in seen:
            continue
        seen.add((best.kind, found.value))
        first = min((t for t in triggers if t.kind == best.kind), key=lambda t: t.start)  # the verb, for the subject
        candidate = _candidate(sentence, found, best, first.start, matches, info, known_rules, previous)
        if candidate.confidence >= MIN_CONFIDENCE:
            out.append(candidate)
    return out


def _nearest(trigger: Trigger, dates: list[FoundDate], sentence: str) -> int:
    return min(range(len(dates)), key=lambda i: _distance(trigger, dates[i], sentence))


def _distance(trigger: Trigger, found: FoundDate, sentence: str) -> float:
    """Characters between a trigger and a date; a date after its verb is closer than one
    before it, and a clause boundary (", but", ";") between them pushes them apart."""
    if trigger.start < found.end and found.start < trigger.end:
        return 0.0
    if trigger.end <= found.start:
        gap, weight = sentence[trigger.end:found.start], 1.0
    else:
        gap, weight = sentence[found.end:trigger.start], 1.5
    return len(gap) * weight + 20 * len(re.findall(r"[,;:]|\bbut\b|\bwhile\b", gap))


def _candidate(sentence: str, found: FoundDate, trigger: Trigger, verb_at: int, matches: list[Match],
               info: dict[str, EntityInfo], known_rules: frozenset[str], previous: list[str]) -> Candidate:
    slugs = list(dict.fromkeys(m.slug for m in matches))
    principal = _principal(trigger.kind, verb_at, matches, info) or _principal_from(previous, trigger.kind, info)
    rule = next((s for s in slugs if s in known_rules), None) if trigger.kind in RULE_KINDS else None
    entities = [(s, _role(s, principal, trigger.kind, info)) for s in _principal_first(slugs, principal)]
    confidence = trigger.strength * found.certainty * (1.0 if slugs else 0.75)
    return Candidate(
        kind=trigger.kind, date=found.value, precision=found.precision, sentence=_clip(sentence),
        entities=entities, principal=principal, confidence=round(confidence, 3), rule=rule,
        title=_clip(sentence, 160), jurisdiction=_jurisdiction(principal, trigger.kind, slugs, info),
        announces=announces(sentence, found.start, found.end))


def _principal(kind: str, verb_at: int, matches: list[Match], info: dict[str, EntityInfo]) -> str | None:
    """The entity of the preferred kind nearest before the trigger (the subject), else the first after it."""
    order = PRINCIPAL_ORDER.get(kind, _COMPANY_ORDER)
    ranked = []
    for m in matches:
        entity_kind = info[m.slug].kind if m.slug in info else None
        if entity_kind not in order or m.slug in NEVER_PRINCIPAL:
            continue
        distance = verb_at - m.end if m.end <= verb_at else 10_000 + m.start - verb_at
        ranked.append((order.index(kind), distance, m.slug))
    return min(ranked)[2] if ranked else None


def _principal_from(slugs: list[str], kind: str, info: dict[str, EntityInfo]) -> str | None:
    order = PRINCIPAL_ORDER.get(kind, _COMPANY_ORDER)
    ranked = [(order.index(info[s].kind), i, s) for i, s in enumerate(slugs)
              if s in info and info[s].kind in order and s not in NEVER_PRINCIPAL]
    return min(ranked)[2] if ranked else None


def _principal_first(slugs: list[str], principal: str | None) -> list[str]:
    return ([principal] if principal else []) + [s for s in slugs if s != principal]


def _role(slug: str, principal: str | None, kind: str, info: dict[str, EntityInfo]) -> str:
    if slug == principal:
        return "actor" if info.get(slug, EntityInfo("")).kind in ("organization", "government_body", "person") \
            else "subject"
    entity_kind = info.get(slug, EntityInfo("")).kind
    if entity_kind == "country":
        return "beneficiary" if kind == "service_available" else "target" if kind in RESTRICTIVE else "subject"
    if kind == "entity_listed" and entity_kind == "organization":
        return "target"
    return "subject"


def _jurisdiction(principal: str | None, kind: str, slugs: list[str], info: dict[str, EntityInfo]) -> str | None:
    """A government's own country; a company's own action is GLOBAL (data/events/README.md)."""
    governments = [s for s in ([principal] if principal else []) + slugs
                   if s in info and info[s].kind == "government_body" and info[s].country]
    if governments:
        return info[governments[0]].country
    if principal and principal in info and info[principal].kind == "organization":
        return "GLOBAL"
    return None


def _clip(text: str, limit: int = MAX_SENTENCE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + "…"
