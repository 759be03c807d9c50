"""Events from prose: sentences that state a dated action.

For each sentence with a date: every trigger word (kind) is attached to the
nearest date, each date takes the highest-ranked kind attached to it, and the
entities the linker finds in the sentence become the event's entities, the
principal one chosen by kind (a regulation for rule events, an organization
for service changes). Pure: text in, candidates out; the linker is passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from kb.events.candidates import DEADLINE_KINDS, REGULATORY_KINDS, RULE_KINDS, Candidate
from kb.events.dates import (
    FROM_ITS_DAY,
    FUTURE,
    NAMED_RULE_AFTER,
    RELEASED,
    TOOK_EFFECT,
    WAS_OUT,
    Context,
    FoundDate,
    Reference,
    find_dates,
    has_date_hint,
    publication_day,
    reference_from_text,
)
from kb.events.lexicon import (
    CHINESE_COMMENT,
    MADE_CLAUSE,
    MIXED_LEXICON,
    PROSPECTIVE,
    REACTION,
    SENTENCE_WIDE,
    SPEECH,
    STARTS,
    Lexicon,
    Trigger,
    announces,
    lexicon_for,
)
from kb.linker import Linker, Match

MIN_CONFIDENCE = 0.35
CARRY = 2  # sentences after a dated sentence without an act that may take its day
RULE_NAME = re.compile(
    r"\s*(?:['’]s\s+)?(?:new\s+)?(?:export\s+)?(?:rules?|controls|updates?|curbs|regulations|restrictions|package|framework|measures)\b",
    re.I,
)
NEAR_COARSE = 60  # a month or year date takes only a trigger this close
# Kinds a date may carry besides its best one: "a rule ... and a separate rule adding 140 entities to
# the Entity List on December 2", "compliance is not required until May 15, also the comment deadline".
ALSO_KINDS = frozenset({"entity_listed", "comment_deadline", "compliance_date", "rule_effective"})
ALSO_STRENGTH = 0.8
# A date told right after a verb of telling: "said on Tuesday", "reported the figures on Wednesday",
# "disclosed in a filing on Tuesday", "according to a Reuters report on April 16", "filed on April 15".
SPEECH_DATE = re.compile(
    r"\b(?P<verb>said|says|reported|reports|disclosed|discloses|wrote|filed|report|filing|seen by)\b"
    r"(?:\s+(?!that\b|\w+ed\b)[\w'’-]+){0,4}?\s+(?:on\s+)?$",
    re.IGNORECASE,
)
_CHINESE_REPORT = re.compile(r"\s*(?:的)?报道")
MEDIA_VERBS = frozenset({"reported", "reports", "report", "seen by"})  # "a draft seen by Bloomberg on Friday"
SUBORDINATE = re.compile(r"\b(?:after|because|following|as a result of)\b", re.I)
# A date continuing an act told before it.
# "some provisions apply immediately and others on October 21", "..., and the remaining requirements on
# October 21", "YMTC followed in December 2022, and Biren and Moore Threads in October 2023".
# A licence requirement right after the rule that makes it: "a regulation requiring licences", or in the
# rule's own relative clause: "an interim final rule that applies the licence requirements of the Entity List".
_RULE_CONTENT = re.compile(r",?\s*(?:(?:that|which)\s+(?:[\w-]+\s+){0,3}?)?", re.I)
# "the affiliates rule of September 29": a rule named by the day after it
_NAMED_OF = re.compile(r"\b(?:of|dated)\s+$", re.I)
# A verb a few words before the rule it acts on: "rescind the January 13 rules".
_GOVERNS = re.compile(r"\s*(?:[\w-]+\s+){0,4}")
# Speakers who are no actors of an event: analysts, lawyers, people familiar with the matter.
_ANALYSTS = re.compile(
    r"\b(?:analysts?|lawyers?|attorneys?|experts?|observers?|people familiar|sources?|investors?|traders?|"
    r"economists?|researchers?|consultants?|commentators?|executives? at)\b",
    re.I,
)
# A company told of a requirement: the government "informed it that the H20 would require a license" imposes
# a licence requirement, it does not publish a rule.
_INFORMED = re.compile(r"\b(?:informed|told|notified|letter)\b", re.I)
WEAK = 0.6  # a trigger this weak ("requirements") gives way to an act a date continues
# not a subject with its own verb: "the Ministry of Commerce and the General Administration of Customs said on Monday"
AND_OTHERS = re.compile(r"\band\s+(?:(?!said\b|says\b|announced\b|told\b)[\w'’-]+\s+){0,6}?(?:on|from|in)\s+$", re.I)
# A verb left out between list items: "Huawei was added in May 2019, SMIC in December 2020", "first required licences
# for gallium in August 2023 and for antimony in September 2024", "some take effect on March 1, others immediately"
# (no verb of its own between the comma and the date).
# the same with an aside: "Zhipu AI and Sophgo were added in January 2025, and BAAI, together with several Inspur
# subsidiaries, in March 2025"
_GAPPED_ASIDE = re.compile(
    r"\band\s+(?:[\w'’.&-]+\s+){0,6}?[\w'’.&-]+,\s*(?:including|together with|among them|along with|such as)\b"
    r"[^,;]{1,60},\s*(?:on|in|from|since)\s+$",
    re.I,
)
# a date joined to the date before it: "in August 2019 and August 2020", "on March 4 and March 6"
_AND_DATE = re.compile(
    r"\b(?:(?:19|20)\d{2}|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2})\s*(?:,\s*)?(?:and|or)\s+$",
    re.I,
)
_GAPPED = re.compile(
    r"(?:,|\band\b)\s*(?:(?!(?:\w+ed|said|says|is|are|was|were|has|have|had|which|who|that|when|while|but|it|they)\b)"
    r"[\w'’.&-]+\s+){1,5}?(?:(?:on|in|from|since)\s+|(?<=\bothers\s)|(?<=\brest\s))$",
    re.I,
)
# Acts a company is the object of: a company that "followed" one of them was listed (told) in its turn.
_OF_FIRMS = frozenset({"entity_listed", "license_required"})
_LEAD_IN = re.compile(r"(?:on|in|from|since)\s+", re.I)
FOLLOWED = re.compile(
    r"\bfollowed\s+(?:\w+\s+)?(?:onto|on to|into)\s+(?:the|its|that)\s+(?:[\w-]+\s+){0,2}?(?:list|blacklist)\s+$"
    r"|\b(?:followed(?: suit)?|did the same|(?:was|were) caught|(?:moved|went|acted) first,?)(?:\s+(?:on|in|from))?\s+$"
    r"|\bfollowed by\s+(?:[\w'’.&-]+\s+){1,5}?(?:on|in)\s+$",  # "..., followed by SMIC in December 2020"
    re.I,
)
GOVERNMENT_WORDS = re.compile(
    r"\b(?:ministry|regulator|department|bureau|government|commission|administration|agency|spokes\w+|"
    r"president|minister|secretary|premier)\b",
    re.I,
)
NEAR = 100  # a trigger farther than this (weighted characters) from its date is a last resort
ADJACENT = 6  # a trigger this close to its date is the date's own verb
DOCUMENT_NUMBER = re.compile(r"\b(?:19|20)\d{2}-\d{5}\b")
# Where a clause starts: its subject is the one acting ("..., after OpenAI said it would block").
_CLAUSE = re.compile(
    r"[,;:，；：]|\b(?:after|before|while|because|when|since|that|which|who|whose|where|although|"
    r"though|but)\b",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u3400-\u9fff]")
MAX_SENTENCE = 600  # longer "sentences" are tables or lists run together: cut for evidence

# Entity kinds tried, in order, for the principal entity of an event kind.
_RULE_ORDER = ("regulation", "program", "government_body", "organization", "product", "ai_model")
_STATE_ORDER = ("government_body", "organization", "regulation", "program", "person", "country")
_COMPANY_ORDER = (
    "organization",
    "product",
    "ai_model",
    "government_body",
    "person",
    "program",
    "regulation",
    "country",
)
PRINCIPAL_ORDER = {
    **dict.fromkeys(RULE_KINDS, _RULE_ORDER),
    "executive_order": ("person", "government_body", "regulation", "program"),
    "entity_listed": _STATE_ORDER,
    "guidance_issued": _STATE_ORDER,
    "investigation": _STATE_ORDER,
    "retaliation": _STATE_ORDER,
}
# Named in reports but never the one acting: the journal that prints the rule.
NEVER_PRINCIPAL = frozenset({"federal-register", "entity-list"})
# Kinds in which a country named is on the receiving end.
RESTRICTIVE = frozenset(
    {
        "service_restricted",
        "license_required",
        "entity_listed",
        "retaliation",
        "rule_published",
        "rule_effective",
        "investigation",
    }
)

_ABBREVIATIONS = frozenset(
    {
        "u.s",
        "u.k",
        "e.u",
        "no",
        "inc",
        "corp",
        "co",
        "ltd",
        "mr",
        "ms",
        "mrs",
        "dr",
        "st",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "gov",
        "dept",
        "e.g",
        "i.e",
        "vs",
        "fig",
        "art",
        "sec",
    }
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9\u3400-\u9fff])|(?<=[。！？；])|\n+")


_LAST_WORD = re.compile(r"([\w.]+)\.$")


def split_sentences(text: str) -> list[str]:
    """Sentences of English or Chinese text; "U.S." and "No." do not end one."""
    sentences, start = [], 0
    for m in _BOUNDARY.finditer(text):
        head = text[start : m.start()].rstrip()
        last_word = _word_before_stop(head)
        if last_word and last_word.lower() in _ABBREVIATIONS and m.group(0) != "\n":
            continue
        if head.strip():
            sentences.append(head.strip())
        start = m.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


def _word_before_stop(text: str) -> str | None:
    """The word (letters, digits and dots) that the full stop ending `text` closes: "U.S" of "the U.S.".
    No space lies within it, so it is looked for after the last one (searching the whole text cost
    a third of reading a long report)."""
    found = _LAST_WORD.search(text.rsplit(None, 1)[-1]) if text.strip() else None
    return found.group(1) if found else None


@dataclass
class EntityInfo:
    """What the extractor needs to know about an entity: its kind, country and (a product's) maker."""

    kind: str
    country: str | None = None
    maker: str | None = None


def entity_info(linker: Linker) -> dict[str, EntityInfo]:
    return {slug: EntityInfo(spec.kind, spec.country, spec.maker) for slug, spec in linker.registry.entities.items()}


def extract_events(
    text: str,
    published: date | Reference | None,
    *,
    linker: Linker,
    language: str | None = None,
    known_rules: frozenset[str] = frozenset(),
    known_documents: dict[str, str] | None = None,
    info: dict[str, EntityInfo] | None = None,
    title: str = "",
) -> list[Candidate]:
    """Candidates for every sentence of `title` and `text` that states a dated action.

    `known_rules` are rule lifecycle ids (an entity of that slug in a rule
    sentence sets the candidate's rule); `known_documents` maps Federal
    Register document numbers to their lifecycle ("published ... as document
    2025-00636"). Entities of the title stand in for a sentence that names none.

    `published` is the report's reference date (`kb.events.dates.Reference`; a bare date is
    its publication date); without one, the latest day the text states with its year stands
    in for it, and without that, days and months written without a year are not read.
    """
    sentences = split_sentences(text) + ([title] if title else [])
    reference = published if isinstance(published, Reference) else Reference(published, "published")
    if reference.day is None:
        reference = Reference(reference_from_text(sentences), "text")
    reader = _Reader(
        info if info is not None else entity_info(linker),
        lexicon_for(language),
        reference,
        known_rules,
        known_documents or {},
        title,
        linker.find(title) if title else [],
    )
    topic = [m.slug for m in reader.title_matches]
    reader.subject_list = _first_list(reader.title_matches)
    out: list[Candidate] = []
    earlier: list[str] = []  # entities of earlier sentences, the latest first ("The measures took effect...")
    named: set[str] = set()
    dateline: date | None = None  # the page's own day on a line of its own ("Client Alert | August 20, 2020")
    headline: list[Candidate] = []  # the acts of the line after it, dated by that day only
    for index, sentence in enumerate(sentences):
        matches = linker.find(sentence)
        if index == 0 and not reader.title_matches:  # what an explainer page is about: its first sentence's list
            reader.subject_list = _first_list(matches)
        heading = _YEAR_HEADING.fullmatch(sentence.strip())
        if heading:  # a year alone as a heading, "2020.", gives its year to what follows it, up to the next one
            reader.told.heading = int(heading.group(1))
        if has_date_hint(sentence):
            out += reader.sentence_events(sentence, matches, topic + earlier)
            pending = reader.pending[0] if reader.pending is not None else None
            if index < 2 and pending is not None and _page_day_line(sentence, pending):
                dateline = pending.value
        else:
            reader.told.recent_years = ()  # the year of "the sentence before" is a dated sentence's
            found = reader.carried(sentence, matches, topic + earlier)
            if dateline is not None and not headline:
                headline = [c for c in found if c.date == dateline]
            out += found
        earlier = list(dict.fromkeys([m.slug for m in matches] + earlier))
        named.update(m.slug for m in matches if m.slug in known_rules)
    if len(named) == 1:  # a report about one rule: its rule events are that rule's ("the rule took effect")
        rule = next(iter(named))
        country = reader.info[rule].country if rule in reader.info else None
        for cand in out:
            if cand.kind in RULE_KINDS and cand.rule is None and cand.jurisdiction in (None, country, "GLOBAL"):
                cand.rule = rule  # not another government's act ("MOFCOM paused its measures" beside a US rule)
    if dateline is not None and headline:
        _headline_day(headline, out, dateline)
    return _finest(out)


def _page_day_line(sentence: str, found: FoundDate) -> bool:
    """A line that is the page's day and a label at most: "Client Alert | August 20, 2020", "Posted March 3, 2025"."""
    return found.precision == "day" and all(
        _DATELINE_REST.fullmatch(part) for part in (sentence[: found.start], sentence[found.end :])
    )


def _headline_day(headline: list[Candidate], out: list[Candidate], dateline: date) -> None:
    """A headline under a dateline tells the happening its report tells first: when the report says that was some
    days before the page's day ("Client Alert | August 20, 2020 / BIS Expands ... / On Monday, August 17, 2020, BIS
    issued ..."), the headline's acts are of that earlier day, not of the day the alert went out."""
    first = next(
        (
            c
            for c in out
            if all(c is not h for h in headline)
            and c.precision == "day"
            and (c.exact or c.date == dateline)  # "Today BIS added ...": the page's own day
            and c.kind != "statement"
        ),
        None,
    )
    if first is None or not timedelta(0) < dateline - first.date <= _HEADLINE_LAG:
        return
    for cand in headline:
        cand.date = first.date


# ---- reading many reports, here or in a process of its own (kb.events.stage) ----------------

Text = tuple[str, Reference, str | None, str]  # prose, reference, language, title
_held: dict[str, Any] = {}  # in a reading process: what hold() was given


def extract_all(
    texts: list[Text], linker: Linker, info: dict[str, EntityInfo], rules: frozenset[str], documents: dict[str, str]
) -> list[list[Candidate]]:
    """extract_events for each text, with what every one of them shares."""
    return [
        extract_events(
            text,
            reference,
            linker=linker,
            language=language,
            known_rules=rules,
            known_documents=documents,
            info=info,
            title=title,
        )
        for text, reference, language, title in texts
    ]


def hold(linker: Linker, info: dict[str, EntityInfo], rules: frozenset[str], documents: dict[str, str]) -> None:
    """A reading process's start: keep what every text is read with (sent once, not with each batch)."""
    _held.update(linker=linker, info=info, rules=rules, documents=documents)


def extract_held(texts: list[Text]) -> list[list[Candidate]]:
    """extract_all in a reading process, with what hold() kept. It lives here, not in kb.events.stage,
    so that the process imports the extractor only."""
    return extract_all(texts, _held["linker"], _held["info"], _held["rules"], _held["documents"])


_WIDTH = {"year": 4, "month": 7, "day": 10}


def _finest(candidates: list[Candidate]) -> list[Candidate]:
    """A report that dates a happening to the day and elsewhere to its month or year ("from December" in
    the headline, "from December 1" below) tells one happening: the coarser candidate goes."""
    coarse = [c for c in candidates if c.precision != "day"]
    if not coarse:
        return candidates
    return [
        c
        for c in candidates
        if c.precision == "day"
        or not any(
            o.kind == c.kind
            # "after the October rules" with "unveiled on October 17": a rule named by its month alone is that one;
            # not another government's act of that month ("BIS suspended its rule on November 10, and Beijing
            # paused its measures early in November")
            and not _other_government(c, o)
            and (
                c.principal is None
                or o.principal in (None, c.principal)
                # not when it names a rule of its own ("the affiliates rule was suspended from November 10, and
                # China paused its rare-earth measures the same month")
                or (c.kind in RULE_KINDS and c.rule is None and c.kinds_of.get(c.principal) != "regulation")
            )
            and _WIDTH[o.precision] > _WIDTH[c.precision]
            and o.date.isoformat()[: _WIDTH[c.precision]] == c.date.isoformat()[: _WIDTH[c.precision]]
            for o in candidates
        )
    ]


def _other_government(one: Candidate, other: Candidate) -> bool:
    """Two candidates told of two governments (a company's act is GLOBAL, of no government)."""
    codes = {one.jurisdiction, other.jurisdiction}
    return len(codes) == 2 and not codes & {None, "GLOBAL"}


@dataclass
class _Reader:
    """Reads the sentences of one document."""

    info: dict[str, EntityInfo]
    lexicon: Lexicon
    reference: Reference
    known_rules: frozenset[str]
    known_documents: dict[str, str]
    title: str = ""
    title_matches: list[Match] = field(default_factory=list)
    told: Context = field(default_factory=Context)  # days earlier sentences stated
    title_triggers: list[Trigger] = field(default_factory=list)
    last_kind: str | None = None  # of the latest act told, for "X followed on D"
    last_acts: list[Candidate] = field(default_factory=list)  # the acts of the latest sentence that told any
    pending: tuple[FoundDate, int] | None = None  # a day no act took, for the next sentences
    told_acts: set[tuple[str, date]] = field(default_factory=set)  # (kind, day) of the acts told so far
    # the day of the acts a sentence told, for "X also did Y" in the next two sentences: (day, sentences left)
    acted: tuple[FoundDate, int] | None = None
    detailing: int = 0  # sentences left that may detail the measures a summary told ("a volley of measures")
    subject_list: str | None = None  # the list the first sentence names: what an explainer page is about

    def __post_init__(self) -> None:
        self.title_triggers = self._triggers(self.title) if self.title else []

    def _triggers(self, sentence: str) -> list[Trigger]:
        """The report's lexicon's triggers; both lexicons' in a sentence with Chinese characters."""
        return (MIXED_LEXICON if _CJK.search(sentence) else self.lexicon).triggers(sentence)

    def sentence_events(self, sentence: str, matches: list[Match], context: list[str]) -> list[Candidate]:
        """One candidate per date in the sentence that a trigger word attaches to; a date after the
        report's own day that the sentence does not say is planned is left out (see kb.events.dates)."""
        every = find_dates(sentence, self.reference, self.told)
        self._remember(sentence, every)
        # not a day the sentence says is not the one ("applied immediately rather than from mid-November")
        dates = [f for f in every if not f.suspicious and not _RATHER.search(sentence, max(0, f.start - 30), f.start)]
        if not dates:
            return self.carried(sentence, matches, context)
        every_trigger = self._triggers(sentence)
        found_triggers = _realised(sentence, every_trigger)
        # the act a day is counted from, told before ("Two days after the framework took effect, BIS ..."): not of it
        found_triggers = [
            t for t in found_triggers if not any(f.retold and f.start <= t.start and t.end <= f.end for f in dates)
        ]
        # a speech verb inside a date ("took effect on the day it was announced") is no telling
        found_triggers = [
            t
            for t in found_triggers
            if t.kind != "statement" or not any(f.start <= t.start and t.end <= f.end for f in dates)
        ]
        tellers = {i: self._teller(sentence, f, matches) for i, f in enumerate(dates)}
        silent = {
            i
            for i, f in enumerate(dates)
            if self._reported_speech(sentence, f, tellers[i], found_triggers)
            or _unrealised(sentence, f)
            or _PERIOD_END.search(sentence, max(0, f.start - 30), f.start)  # "the quarter ending April 27"
        }
        # a month or year that is part of a rule's name ("its October 2023 export controls") is that rule's date,
        # not the date of a verb that governs the name ("released a rule correcting its October 2023 controls")
        named = {
            i: t
            for i, f in enumerate(dates)
            for t in found_triggers
            if t.kind == "rule_published"
            and ((t.start <= f.start and f.end <= t.end) or (t.end == f.start and _NAMED_OF.search(sentence, 0, t.end)))
        }
        # the date of a reaction ("said on Thursday it firmly opposed the decision to put it on a blacklist") is
        # the reaction's: the acts it reacts to are not of that day
        reactions = {
            i: r
            for i, f in enumerate(dates)
            for r in found_triggers
            if r.kind == "statement"
            and REACTION.fullmatch(sentence, r.start, r.end)
            and 0 <= r.start - f.end <= 40
            and not _HARD_BOUNDARY.search(sentence, f.end, r.start)
        }
        silent -= set(reactions)
        attached: dict[int, list[tuple[Trigger, float]]] = {}
        later: dict[int, list[Trigger]] = {}  # far acts after a month or year ("in 2024 X did A, and Y did B")
        for trigger in found_triggers:
            options = [
                i
                for i in range(len(dates))
                if _may_attach(trigger, dates[i], sentence, i in silent)
                and (i not in reactions or trigger.start <= reactions[i].start)
            ]
            options = [
                i
                for i in options
                if i not in named
                or trigger is named[i]
                or (trigger.kind == "rule_published" and trigger.start <= dates[i].start < dates[i].end <= trigger.end)
                # a day in a name is kept from the verb that governs the name only ("would rescind the January 13,
                # 2025 AI Diffusion rule"), and from a verb whose words span the name ("the rule of September 29 was
                # suspended in November"): a farther act may still take it, and lose to the name
                or (
                    dates[i].precision == "day"
                    and trigger.end <= named[i].start
                    and not _GOVERNS.fullmatch(sentence, trigger.end, named[i].start)
                )
            ] or options
            if not options:
                before = [i for i, f in enumerate(dates) if f.end <= trigger.start and i not in silent]
                if before:
                    later.setdefault(before[-1], []).append(trigger)
                continue
            index = min(options, key=lambda i: _distance(trigger, dates[i], sentence))
            attached.setdefault(index, []).append((trigger, _distance(trigger, dates[index], sentence, 1.0)))
        out: list[Candidate] = []
        seen: set[tuple[str, date]] = set()
        for index, triggers in sorted(attached.items()):
            found = dates[index]
            if out and all(t.strength < WEAK for t, _ in triggers) and AND_OTHERS.search(sentence, 0, found.start):
                continue  # "..., and the remaining requirements on October 21": the act before it continues
            # A government telling dates what it tells, however long the telling ("Malaysia will require ..., its
            # trade ministry said on Monday"; "the regulator said on Monday it had opened an investigation").
            told = tellers[index] == "government"
            close = [
                (t, d)
                for t, d in triggers
                if d <= NEAR
                or (told and d < 2 * NEAR and t.kind not in SENTENCE_WIDE)
                # "Malaysia now requires a permit for ... chips of US origin, the ministry said on Monday": all of
                # the clause the government's "said" closes
                or (told and t.kind not in SENTENCE_WIDE and _closes_telling(sentence, t, found))
            ]
            acting = [t for t, _ in close if t.kind != "statement" and t.kind not in REGULATORY_KINDS]
            # "..., a move seen as retaliation" qualifies a sentence that states no other act near its date.
            wide = [(t, d) for t, d in triggers if t.kind in SENTENCE_WIDE and not acting]
            near = close + wide or triggers
            own = _own_triggers(near, found, acting=bool(acting))
            best = min(own or near, key=lambda pair: (pair[0].rank, pair[1]))[0]
            if best.kind == "rule_published" and best.strength < ALSO_STRENGTH:
                # "Guidelines on the scope of the obligations, issued on July 18": the participle of the guidance
                best = next((t for t in found_triggers if t.kind == "guidance_issued" and t.end <= best.start), best)
            if best.kind == "rule_published":  # "announced that it will not enforce the Framework": the fate it tells
                best = next(
                    (
                        t
                        for t in found_triggers
                        if t.kind in ("rule_rescinded", "rule_delayed") and best.start <= t.start and t.end <= best.end
                    ),
                    best,
                )
            if best.kind == "license_required":  # "published a regulation requiring licences": the rule's content
                best = next(
                    (
                        t
                        for t, _ in near
                        if t.kind == "rule_published" and _RULE_CONTENT.fullmatch(sentence, t.end, best.start)
                    ),
                    best,
                )
            ranked = sorted(triggers, key=lambda p: p[0].rank)
            also: dict[str, Trigger] = {}
            announced_rule = best.kind == "statement" and _requirement_to_come(sentence, best, found_triggers)
            for t, d in ranked:  # the first of each kind in the lexicon's order: its strongest words
                if t.kind == "rule_effective" and best.kind not in _RULE_LIKE and not announced_rule:
                    continue  # "Effective immediately, we will no longer sell": the restriction's own day (rule 8)
                if t.kind == "rule_effective" and best.kind == "license_required" and _INFORMED.search(sentence):
                    continue  # "told it on October 23 that licences were needed, with immediate effect": one letter
                at_once = _AT_ONCE.fullmatch(sentence, t.start, t.end)
                if _WHICH_HAD.search(sentence, max(0, t.start - 24), t.start):
                    continue  # "suspended its affiliates rule, which had extended Entity List restrictions"
                if t.kind in ALSO_KINDS and (d <= NEAR or t.kind == "entity_listed" or at_once):
                    also.setdefault(t.kind, t)
            for t, d in ranked:  # "listed on Tuesday as part of the department's update of its controls"
                if t.kind == "rule_published" and d <= NEAR and _AS_PART.match(sentence, t.start):
                    also.setdefault(t.kind, t)
            also = {k: t for k, t in also.items() if k != best.kind and t.strength >= ALSO_STRENGTH}
            listed = also.get("entity_listed")
            if (
                best.kind == "statement"
                and listed is not None
                and _ANNOUNCED_THAT.match(sentence, best.start)
                and listed.start > best.end
                and not _HARD_BOUNDARY.search(sentence, best.end, listed.start)
            ):
                # "BIS announced that it was adding 28 organizations to the Entity List": the telling is the listing
                best = also.pop("entity_listed")
            others = [t for t, _ in ranked] + later.get(index, [])
            for t in _coordinated(sentence, best, others, found, self.told_acts):
                also.setdefault(t.kind, t)
            said = next((t for t, _ in ranked if t.kind == "statement"), None)
            if best.kind == "rule_effective" and said and _requirement_to_come(sentence, said, found_triggers):
                # "the ministry said ... must obtain a permit, with immediate effect": published that day too
                also.setdefault("statement", said)
            if best.kind == "rule_effective" and _AT_ONCE.fullmatch(sentence, best.start, best.end):
                # "put exports of tungsten under licensing with immediate effect": the measure is of that day too
                issued = [
                    t
                    for t in found_triggers
                    if t.kind == "rule_published"
                    and t.end <= best.start
                    and not _HARD_BOUNDARY.search(sentence, t.end, best.start)
                    and not _CLAUSE.search(sentence, t.end, best.start)
                ]
                if issued:
                    also.setdefault("rule_published", issued[-1])
            spoke = next((t for t, _ in ranked if t.kind == "statement" and t.end <= best.start), None)
            if best.kind in _RULE_LIKE and spoke and CHINESE_COMMENT.search(sentence, 0, spoke.start):
                # "商务部新闻发言人当天就此答记者问时表示，对相关物项实施出口管制是国际通行做法": a spokesperson's comment
                best, also = spoke, {}
            in_force = next((t for t, _ in ranked if t.kind == "rule_effective"), None)
            if (
                in_force
                and _CHINESE_IN_FORCE.match(sentence, found.end)
                and not _FROM_ITS_DAY.match(sentence, found.start)  # "自发布之日起施行": issued and in force that day
                and "rule_published" in (best.kind, *also)
            ):
                # "对锑等物项实施出口管制 9月15日起施行", "石墨物项管制则于同年12月1日生效": in force that day, not issued
                also = {k: t for k, t in also.items() if k not in ("rule_published", "rule_effective")}
                best = in_force if best.kind == "rule_published" else best
            for trigger in [best, *also.values()]:
                kind = _kind(trigger.kind, sentence, found)
                if kind == "entity_listed" and _on_unreliable_list(matches, context, self.subject_list):
                    kind = "retaliation"  # the first names "were added in February 2023", on China's list (rule 11)
                if kind == "rule_published" and _from_a_chinese_day(sentence, found):
                    kind = "rule_effective"  # "宣布自2023年8月1日起对镓、锗实施出口管制": in force from that day
                if (
                    kind == "rule_rescinded"
                    and (
                        _ORDER_REVOKED.search(sentence)
                        # "Executive Order 14110 ... It lasted fifteen months. On January 20 President Trump revoked it"
                        or (_REVOKED_IT.search(sentence) and any(slug.startswith("eo-") for slug in context[:3]))
                    )
                ):
                    kind = "executive_order"  # "Trump revoked Executive Order 14110": an order signed that day
                if kind == "rule_published":  # "issued a final rule suspending the affiliates rule": a suspension
                    doing = _DOING.search(sentence, trigger.start, trigger.end + 20)
                    kind = _DOING_KIND[doing.group(1).lower()[:5]] if doing else kind
                    # "发布公告，自公告发布之日起……暂停实施……": an announcement whose content is a suspension
                    if _CN_DOING.match(sentence, trigger.start):
                        kind = "rule_delayed"
                if (
                    kind == "statement"
                    and tellers[index] == "company"
                    and index not in reactions
                    and not _OWN_SERVICE_TO_COME.match(sentence, trigger.end)
                ):
                    continue  # a company telling what it was told or expects is no event of its own; one telling
                    # that it will stop or start serving ("told developers that it will block") announces it (rule 8)
                if kind == "statement" and self._unnamed_speaker(sentence, trigger.start, matches):
                    continue  # "analysts at Bernstein said the rule would hit Nvidia": no actor speaks
                if (kind, found.value) in seen:
                    continue
                seen.add((kind, found.value))
                # the verb, for its subject
                verb_at = min((t.start for t, _ in triggers if t.kind == trigger.kind), default=trigger.start)
                government = tellers[index] == "government" or self._government_before(sentence, verb_at, matches)
                ahead = (
                    PROSPECTIVE.search(sentence, max(0, trigger.start - 30), trigger.start) is not None
                    or _NOW.search(sentence, max(0, trigger.start - 12), trigger.start) is not None
                )
                if (
                    government
                    and ahead
                    and kind == "license_required"
                    and not _INFORMED.search(sentence, 0, trigger.start)
                ):
                    kind = "rule_published"  # "Malaysia will require a permit ..., its trade ministry said on Monday"
                if kind == "statement" and government and _requirement_to_come(sentence, trigger, found_triggers):
                    kind = "rule_published"  # "China on Friday said exporters will need permits from December 1"
                if kind == "statement" and government and _ANNOUNCED_ACT.match(sentence, trigger.start):
                    kind = "rule_published"  # "BIS announced that it will remove three fabs from the VEU program"
                if (
                    kind == "statement"
                    and _INFORMED.fullmatch(sentence, trigger.start, trigger.end)
                    and any(t.kind == "license_required" and t.start > trigger.end for t in found_triggers)
                ):
                    kind = "license_required"  # "the government had told it on April 9 that ... would need a licence"
                if (
                    kind == "statement"
                    and government
                    and _IN_LETTERS.match(sentence, trigger.end)
                    and any(t.kind == "license_required" for t in found_triggers)
                ):
                    kind = "license_required"  # "vendors must apply for licences after Commerce warned in letters ..."
                if kind == "entity_listed" and not _LIST_WORD.search(sentence) and not self._names_a_party(matches):
                    kind = "rule_published"  # "Tungsten and indium were added in February 2025": items under control
                if kind == "statement" and government and _DIRECTIVE.match(sentence, trigger.start):
                    kind = "guidance_issued"  # "the regulator told the companies this week to halt tests": guidance
                if kind == "rule_published" and self._told_a_company(sentence, trigger.start, matches):
                    kind = "license_required"  # "Commerce sent TSMC a letter on Friday imposing restrictions": a letter
                if kind == "statement" and found.precision == "year":
                    continue  # "said last year that ...": a telling is dated to its day or month, not its year
                if kind == "statement" and (
                    STARTS.search(sentence, max(0, found.start - 30), found.start)
                    or _STARTS_AT.match(sentence, found.start)
                    or _CHINESE_FROM.match(sentence, found.start)  # "宣布，自2月10日起……": the day it starts
                ):
                    continue  # "announced additional tariffs from February 10": the day something starts, no telling
                if kind == "statement" and (
                    _TARIFFS.search(sentence, max(0, trigger.start - 30), trigger.end + 30)
                    or _TARIFFS.search(_said(sentence, trigger.end))  # "said on Friday he would raise tariffs"
                ):
                    continue  # "the tariffs announced two days earlier": tariffs fit no kind, nor does their telling
                if kind == "rule_effective" and _TARIFFS_APPLY.match(sentence):
                    continue  # "Tariffs of 15% on US coal ... will apply from February 10": no kind
                candidate = self._candidate(sentence, found, kind, trigger.strength, verb_at, matches, context)
                if (
                    candidate.kind == "statement"
                    and self.info.get(candidate.principal or "", EntityInfo("")).kind == "organization"
                    and _RELAYED.search(_said(sentence, trigger.end))  # in what it says
                ):
                    continue  # a company relaying a licence requirement or the charge it brings: the filing is
                    # the requirement's evidence, not a statement of its own (README of the unseen corpus, rule 7)
                acted = _kind_of_actor(candidate, self.info, regulatory=len(attached) > 1, government=government)
                since = _SINCE.search(sentence, 0, found.start) or _SINCE_AT.match(sentence, found.start)
                if acted == "license_required" and _national_regime(candidate, self.info):
                    acted = "rule_effective" if since or _BEGAN.search(sentence) else "rule_published"
                elif acted == "license_required" and since and self._licences_needed_since(candidate, sentence):
                    acted = "rule_effective"  # "gallium and germanium, which have needed export licences since August"
                if acted != candidate.kind:  # the principal of the kind it is
                    candidate = self._candidate(sentence, found, acted, trigger.strength, verb_at, matches, context)
                if (
                    _told_ahead(sentence, trigger, found, self.reference)
                    # a telling dated by its month only ("told developers in late June 2024 that it would block
                    # API traffic"): no day to join the act's own telling by, a statement of that month
                    or (candidate.announces and found.precision != "day")
                ) and not (government and candidate.kind in REGULATORY_KINDS):
                    candidate.kind, candidate.announces = "statement", True
                if candidate.confidence >= MIN_CONFIDENCE:
                    out += self._each_company(candidate, sentence, verb_at, matches)
                    if trigger is best:
                        # not an act that took another date of the sentence ("A barred it on February 4, and B told
                        # its agencies at the start of February to stop using it"): told there
                        unplaced = [
                            t
                            for t in found_triggers
                            if all(t is not o for i, ts in attached.items() if i != index for o, _ in ts)
                        ]
                        out += self._again(candidate, sentence, trigger, unplaced, found, matches, context)
        for index, found in enumerate(dates):  # a date no act took, or only a weak one ("the remaining requirements")
            if index not in silent and not any(c.date == found.value and c.precision == found.precision for c in out):
                out += self._continued(sentence, found, out, matches, context)
        # "The measure took effect on the day it was issued" after a countermeasure told on its own: that one act
        # in force at once, no rule of its own (rule 11)
        answered = {c.date for c in self.last_acts if c.kind == "retaliation"}
        if answered and all(c.kind == "retaliation" for c in self.last_acts) and _THE_MEASURE.match(sentence):
            out = [c for c in out if not (c.kind == "rule_effective" and c.date in answered)]
        # a plan set out ("America's AI Action Plan was released on July 23"), also beside another act ("released
        # America's AI Action Plan, and President Trump signed an order")
        for cand in out:
            if _plan_set_out(cand):
                cand.kind = "statement"
        self.told_acts.update((c.kind, c.date) for c in out)
        self.told.acts.update((c.kind, c.date) for c in out if c.precision == "day")
        # deadlines told after an act ("Some apply immediately, others on Oct. 21") leave its day for "also"
        acts = [c for c in out if c.kind != "statement" and c.kind not in DEADLINE_KINDS]
        if not acts and out and all(c.kind == "statement" for c in out) and _SUMMARY.search(sentence):
            # "当天，中国有关部门密集宣布多项措施": a telling of a burst of measures that the next sentences tell one by
            # one is no event of its own; it lends them its day
            acts, out = out, []
        acted_days = {c.date for c in acts if c.precision == "day"}
        if acted_days:
            day = next((f for f in dates if f.value in acted_days), None)
            acted_before = self.acted[0].value if self.acted is not None else None
            self.acted = (day, 2) if day is not None and len(acted_days) == 1 else None
            # "China hit back on Tuesday with a volley of measures": the sentences after it tell them one by one, some
            # with their own word for that day ("..., effective immediately")
            if self.acted is not None and _SUMMARY.search(sentence):
                self.detailing = 3
            elif self.acted is not None and self.acted[0].value == acted_before:
                self.detailing = max(0, self.detailing - 1)
            else:
                self.detailing = 0
        else:  # deadlines or background months told in between leave it, one sentence less
            self._age_acted()
        if out:
            self.last_kind = _lead_kind(out)
            self.last_acts = out
        # The one day no act took ("OpenAI's block starts on July 9, and Chinese model makers moved quickly
        # yesterday to court the developers"): the acts of the next sentences may be of that day.
        idle = [
            f
            for i, f in enumerate(dates)
            if f.precision == "day" and i not in silent and not any(c.date == f.value for c in out)
        ]
        if len(idle) == 1 and self.reference.day is not None and idle[0].value > self.reference.day:
            idle = []  # a day to come ("自2月10日起对……加征15%关税" in a report of February 5): nothing was done on it
        # not a day counted for the clause after it ("two days before the first obligations were due")
        # nor the day a product was released, an act of no kind ("R1, which DeepSeek released on January 20")
        released = any(_product_release(sentence, t) for t in every_trigger)
        self.pending = (idle[0], CARRY) if len(idle) == 1 and not idle[0].forward and not released else None
        return out

    def carried(self, sentence: str, matches: list[Match], context: list[str]) -> list[Candidate]:
        """Acts told without a date right after a sentence whose one day took no act: "Chinese model makers
        moved quickly yesterday to court the developers. Alibaba Cloud said it would give them free tokens."
        Strong triggers only, for the next CARRY sentences."""
        acted, self.acted = self.acted, None
        also = self.pending is None
        detailing = False
        if also:
            # "BIS issued the rules today. It also added 140 entities to the Entity List.": the act added to
            # those of a sentence before is of their day
            if acted is None:
                return []
            self.acted = acted
            self._age_acted()  # the next sentence may add to that day too ("The ministry also ... Separately, ...")
            detailing, self.detailing = self.detailing > 0, max(0, self.detailing - 1)
            if not (_ALSO.search(sentence) or _CONTINUES.match(sentence) or detailing):
                return []
            found, left = acted[0], 1
        else:
            assert self.pending is not None
            found, left = self.pending
        self.pending = (found, left - 1) if left > 1 and not also else None
        acts = [
            t
            for t in self._triggers(sentence)
            if t.strength >= (0.75 if also and detailing else 0.85)
            and t.kind != "statement"
            and not _EXPECTED.search(sentence, max(0, t.start - 30), t.start)  # "We expect further guidance"
            and not (t.kind == "rule_effective" and _ON_PUBLICATION.search(sentence, t.end))  # a day not told
        ]
        if also:  # "The rule also extends ...": the same act told on
            acts = [t for t in acts if (t.kind, found.value) not in self.told_acts]
        if _HAD_RECEIVED.search(sentence):  # "AMD said it had also received a similar notice": when, untold
            acts = [t for t in acts if t.kind != "license_required"]
        if not acts:
            return []
        best = min(acts, key=lambda t: t.rank)
        carried = replace(found, start=0, end=0, certainty=found.certainty * 0.8)
        candidate = self._candidate(sentence, carried, best.kind, best.strength, best.start, matches, context)
        if candidate.confidence < MIN_CONFIDENCE:
            return []
        # "The president signed an executive order, and hours later Commerce put Huawei on the Entity List": each act
        out = [candidate]
        for t in _coordinated(sentence, best, acts, carried, self.told_acts):
            other = self._candidate(sentence, carried, t.kind, t.strength, t.start, matches, context)
            out += [other] if other.confidence >= MIN_CONFIDENCE else []
        return out

    def _age_acted(self) -> None:
        if self.acted is not None:
            self.acted = (self.acted[0], self.acted[1] - 1) if self.acted[1] > 1 else None

    def _continued(
        self, sentence: str, found: FoundDate, out: list[Candidate], matches: list[Match], context: list[str]
    ) -> list[Candidate]:
        """A date no trigger takes that continues an act told before it: "some provisions apply
        immediately and others on October 21" (the act of the date before it in the sentence), "Biren
        and Moore Threads followed on 17 October 2023" (the act of the sentence before)."""
        # with the preposition a month alone is written with ("and the Dutch regulation in September")
        lead = _LEAD_IN.match(sentence, found.start)
        before = sentence[max(0, found.start - 40) : lead.end() if lead else found.start]
        kind = None
        wide = sentence[max(0, found.start - 120) : lead.end() if lead else found.start]
        if _AND_DATE.search(before) and out:
            kind = out[-1].kind  # "with more affiliates following in August 2019 and August 2020": that act again
        elif (AND_OTHERS.search(before) or _GAPPED.search(before) or _GAPPED_ASIDE.search(wide)) and out:
            kind = _lead_kind(out)
        elif (followed := FOLLOWED.search(before)) and _LIST_WORD.search(followed.group(0)):
            kind = "entity_listed"  # "SMIC followed onto the list that December"
        elif followed and (out or self.last_kind):
            # what another did first: the sentence's first act, else the act of the sentence before
            kind = out[0].kind if out else self._followed_kind(found, matches)
        if kind is None:
            return []
        candidate = self._candidate(sentence, found, kind, 0.7, found.start, matches, context)
        # "Baidu, Alibaba Cloud and Zhipu AI had each moved first, in late June": one act each
        return (
            self._each_company(candidate, sentence, found.start, matches)
            if candidate.confidence >= MIN_CONFIDENCE
            else []
        )

    def _followed_kind(self, found: FoundDate, matches: list[Match]) -> str | None:
        """The act a company "followed" in: one a company is the object of ("Huawei was added on 16 May 2019, and in
        August 2020 BIS widened the rule ... SMIC followed in December 2020": listed, like Huawei), else the latest."""
        follower = next((m.slug for m in reversed(matches) if m.end <= found.start), None)
        if follower is None or self.info.get(follower, EntityInfo("")).kind != "organization":
            return self.last_kind
        of_firms = [c for c in self.last_acts if c.kind in _OF_FIRMS]
        return of_firms[-1].kind if of_firms else self.last_kind

    def _again(
        self,
        cand: Candidate,
        sentence: str,
        first: Trigger,
        triggers: list[Trigger],
        found: FoundDate,
        matches: list[Match],
        context: list[str],
    ) -> list[Candidate]:
        """The same kind of act again in a clause of its own, by another actor ("SenseTime began offering free
        tokens this month, while Tencent Cloud said its models would come with free tokens") or on another list
        ("put 11 US firms on the unreliable entity list and 16 on its export control list"): one more event."""
        if cand.kind not in _AGAIN_KINDS:
            return []
        out: list[Candidate] = []
        last = first
        for t in sorted(triggers, key=lambda t: t.start):
            if t.kind != cand.kind or t.start < last.end or t.strength < ALSO_STRENGTH:
                continue
            between = sentence[last.end : t.start]
            if not _AGAIN_BOUNDARY.search(between) or _HARD_BOUNDARY.search(between):
                continue
            if t.kind == "retaliation" and not (
                RETALIATION_ACT.match(sentence, last.start, last.end)
                and RETALIATION_ACT.match(sentence, t.start, t.end)
            ):
                continue
            if t.kind == "investigation" and not all(
                (
                    _PROBE_NOUN.fullmatch(sentence, x.start, x.end)
                    and _A_PROBE.search(sentence, max(0, x.start - 40), x.start)
                )
                or _CHINESE_PROBE.search(sentence, max(0, x.start - 4), x.start)  # 反倾销调查, 反歧视调查
                for x in (last, t)
            ):
                continue  # two probes named as such, each with its own article and kind, not one told twice
            other = self._candidate(sentence, found, cand.kind, t.strength, t.start, matches, context)
            subject = next(  # the clause's own subject: "... and AMD received a similar notice"
                (
                    m.slug
                    for m in matches
                    if last.end <= m.start
                    and m.end <= t.start
                    and self.info.get(m.slug, EntityInfo("")).kind == "organization"
                ),
                None,
            )
            if subject and cand.kind not in _SAME_ACTOR_AGAIN:
                other = replace(
                    other,
                    principal=subject,
                    entities=[(subject, "actor"), *((s, r) for s, r in other.entities if s != subject)],
                )
            if cand.kind not in _SAME_ACTOR_AGAIN and other.principal in (None, cand.principal):
                continue  # the same provider's offer (the same company's requirement) told twice
            if cand.kind in _SAME_ACTOR_AGAIN and cand.principal and other.principal != cand.principal:
                principal = cand.principal  # "商务部……发起反倾销调查，同日又……发起反歧视调查": the same body's
                other = replace(
                    other,
                    principal=principal,
                    entities=[(principal, "actor"), *((s, r) for s, r in other.entities if s != principal)],
                )
            other.distinct = True
            if other.confidence >= MIN_CONFIDENCE:
                out.append(other)
                last = t
        return out

    def _unnamed_speaker(self, sentence: str, at: int, matches: list[Match]) -> bool:
        """Whether the one speaking at `at` is no actor the registry knows nor a government: nothing named
        or described as one before the verb in its clause."""
        clause_start = max((m.end() for m in _CLAUSE.finditer(sentence, 0, at)), default=0)
        if any(clause_start <= m.start and m.end <= at for m in matches):
            return False
        return not self._government_before(sentence, at, matches) and bool(_ANALYSTS.search(sentence, 0, at))

    def _each_company(self, cand: Candidate, sentence: str, verb_at: int, matches: list[Match]) -> list[Candidate]:
        """Companies named together as the subject of a service act each did their own ("Zhipu AI, SenseTime
        and 01.AI rolled out their own token giveaways"): one candidate each, the others kept as entities."""
        if cand.kind == "license_required":
            return self._each_maker(cand, matches)
        if cand.kind not in SERVICE_KINDS:
            return [cand]
        clause_start = max((m.end() for m in _SUBJECT_END.finditer(sentence, 0, verb_at)), default=0)
        subjects = [
            m.slug
            for m in matches
            if clause_start <= m.start
            and m.end <= verb_at
            and self.info.get(m.slug, EntityInfo("")).kind == "organization"
        ]
        subjects = list(dict.fromkeys(subjects))
        if len(subjects) < 2 or not _TOGETHER.fullmatch(sentence, clause_start, verb_at):
            return [cand]
        return [  # each its own act, though of one kind and day (data/events README: two companies' offers)
            replace(
                cand,
                principal=s,
                entities=[(s, "actor"), *((x, r) for x, r in cand.entities if x != s)],
                distinct=cand.distinct or i > 0,
            )
            for i, s in enumerate(subjects)
        ]

    def _names_a_party(self, matches: list[Match]) -> bool:
        """Whether the sentence names a company or body that a list could take."""
        return any(self.info.get(m.slug, EntityInfo("")).kind in ("organization", "government_body") for m in matches)

    def _licences_needed_since(self, cand: Candidate, sentence: str) -> bool:
        """Licences needed since a day, told of a regime ("gallium and germanium, which have needed export licences
        since August"), not of a company's letters nor of a named requirement ("the 3A090 licence requirement has
        applied there since October 2022")."""
        if _INFORMED.search(sentence) or _A_REQUIREMENT.search(sentence):
            return False
        return self.info.get(cand.principal or "", EntityInfo("")).kind not in _FIRMS

    def _told_a_company(self, sentence: str, at: int, matches: list[Match]) -> bool:
        """A government's letter or notice to a company before `at`: "the department sent TSMC a letter",
        "officials informed Nvidia": what it imposes is a licence requirement on that company (the "is
        informed" letters), not a rule."""
        told = _INFORMED.search(sentence, 0, at)
        if told is None or not self._government_before(sentence, told.start(), matches):
            return False
        return told.group(0).lower() == "letter" or any(
            self.info.get(m.slug, EntityInfo("")).kind == "organization"
            and m.start < at
            and (told.start() - 40 <= m.start)
            for m in matches
        )

    def _each_maker(self, cand: Candidate, matches: list[Match]) -> list[Candidate]:
        """A licence requirement on the products of two makers named together ("the April 2025 licence
        requirements for Nvidia's H20 and AMD's MI308"): each maker was told on its own, one requirement each."""
        makers: dict[str, list[str]] = {}
        at: list[int] = []
        for m in matches:
            spec = self.info.get(m.slug, EntityInfo(""))
            if spec.kind == "product" and spec.maker:
                makers.setdefault(spec.maker, []).append(m.slug)
                at.append(m.start)
        if (
            len(makers) < 2
            or max(at) - min(at) > _TOGETHER_SPAN
            or (cand.principal in self.info and self.info[cand.principal].kind == "government_body")
        ):
            return [cand]
        return [
            replace(
                cand,
                principal=maker,
                entities=[(maker, "target"), *((p, "subject") for p in products)],
                distinct=cand.distinct or i > 0,
            )
            for i, (maker, products) in enumerate(makers.items())
        ]

    def _government_before(self, sentence: str, at: int, matches: list[Match]) -> bool:
        """Whether a government body, named or described ("the ministry"), comes before position `at`; not when
        a company is the subject of the verb's own clause ("Washington required licences in April, and Nvidia
        said in mid-July ...")."""
        clause_start = max((m.end() for m in _CLAUSE.finditer(sentence, 0, at)), default=0)
        own = [m for m in matches if clause_start <= m.start and m.end <= at]
        if (
            own
            and self.info.get(own[0].slug, EntityInfo("")).kind in _FIRMS
            and _SUBJECT_GAP.fullmatch(sentence, own[0].end, at)
        ):
            return False
        firm = _FIRM_WORDS.search(sentence, clause_start, at)
        if firm and _SUBJECT_GAP.fullmatch(sentence, firm.end(), at):
            return False  # "..., the company said last week": a company speaks
        if GOVERNMENT_WORDS.search(sentence, 0, at):
            return True
        start = _subject_start(sentence)
        seat = _SEAT.match(sentence, start)
        if seat and seat.end() <= at:  # "Beijing, for its part, said ..."
            return True
        # "China on Friday said ...": a country at the head of the sentence speaks through its government
        return any(
            m.start == start and m.end <= at and self.info.get(m.slug, EntityInfo("")).kind == "country"
            for m in matches
        ) or any(m.end <= at and self.info.get(m.slug, EntityInfo("")).kind == "government_body" for m in matches)

    def _teller(self, sentence: str, found: FoundDate, matches: list[Match]) -> str | None:
        """Who tells, when the date is a telling's ("Nvidia said on Tuesday", "according to a Reuters report
        on April 16"): media, government or company; None when the date is not a telling's, or is that of
        an act announced ("X said on D it would ...")."""
        if _CHINESE_REPORT.match(sentence, found.end) and "据" in sentence[max(0, found.start - 12) : found.start]:
            return "media"  # 据路透社4月16日报道: "according to Reuters' report of April 16"
        speech = SPEECH_DATE.search(sentence, max(0, found.start - 60), found.start)
        if speech is None or announces(sentence, found.start, found.end):
            return None
        if speech.group("verb").lower() in MEDIA_VERBS:
            return "media"
        speaker = sentence[max(0, speech.start() - 60) : speech.start()]
        governments = [
            m
            for m in matches
            if m.end <= speech.start() and self.info.get(m.slug, EntityInfo("")).kind == "government_body"
        ]
        return "government" if governments or GOVERNMENT_WORDS.search(speaker) else "company"

    def _reported_speech(self, sentence: str, found: FoundDate, teller: str | None, triggers: list[Trigger]) -> bool:
        """Whether the date is the telling's alone: a media report's always; a company's when the act is told
        as the cause of something else ("said on Tuesday it expects a charge after the government told it
        ...") or not at all; a company telling what was done to it ("disclosed on Wednesday that officials
        now require a license") dates the act when nothing else does; a government telling of its own act
        ("the regulator said on Monday it had opened an investigation") dates it."""
        if teller in (None, "government"):
            return False
        if teller == "media":
            return True
        return bool(SUBORDINATE.search(sentence, found.end)) or not any(t.start >= found.end for t in triggers)

    def _remember(self, sentence: str, found: list[FoundDate]) -> None:
        # the years of the full dates it states, for a day without a year in the next sentence of an undated page
        # or the one year it states alone ("The list grew quickly in 2022. On 7 February BIS added ...")
        years = {f.value.year for f in found if f.explicit_year and f.precision == "day"}
        alone = {f.value.year for f in found if f.precision == "year" and not f.suspicious}
        self.told.recent_years = tuple(sorted(years or (alone if len(found) == 1 else set())))

        days = [f.value for f in found if f.precision == "day" and not f.suspicious and not f.recalled]
        coarse = [f.value for f in found if f.precision != "day" and not f.suspicious and not f.forward]
        if coarse:
            self.told.coarse = coarse[-1]
        told = [f for f in found if not f.suspicious and not f.forward]
        if told:
            self.told.month = max(told, key=lambda f: f.start).value.replace(day=1)
        if days and self.told.released is None and RELEASED.search(sentence):
            self.told.released = days[0]
        if (took := TOOK_EFFECT.search(sentence)) and (
            after := [f.value for f in found if f.precision == "day" and f.start >= took.end() and not f.recalled]
        ):
            self.told.effective = after[0]  # "It took effect on January 13, 2025, but ... May 15"
        # the day the sentence is about: not a day it dates only to count from ("two days after it released X")
        own = [
            f.value
            for f in found
            if f.precision == "day"
            and not f.suspicious
            and not f.forward
            and not f.recalled
            and not _BACKGROUND.search(sentence, 0, f.start)
            and not _names_an_order(sentence, f)  # "three days later" after "revoked the October 30, 2023 order"
            and not NAMED_RULE_AFTER.match(sentence, f.end)  # "would rescind the January 13, 2025 AI Diffusion rule"
        ] or [f.value for f in found if f.precision == "day" and not f.suspicious and not f.forward and not f.recalled]
        if own and not _ASIDE.fullmatch(sentence.strip()):  # an aside in brackets moves no story's day
            self.told.last = own[-1]
            reference = self.reference.day
            past = [d for d in own if reference is None or d <= reference]
            if past and (not FUTURE.search(sentence) or reference is not None):
                self.told.told = past[-1]
        self.told.publication = publication_day(sentence, found) or self.told.publication

    def _candidate(
        self,
        sentence: str,
        found: FoundDate,
        kind: str,
        strength: float,
        verb_at: int,
        matches: list[Match],
        context: list[str],
    ) -> Candidate:
        under = _UNDER_RULE.search(sentence)
        if (
            kind == "license_required"
            and under
            and any(m.start == under.end() and self._regulation(m.slug) for m in matches)
        ):
            kind = "rule_published"  # "Under the foundry due diligence rule, foundries must presume ... a licence"
        slugs = list(dict.fromkeys(m.slug for m in matches))
        principal = _principal(kind, verb_at, matches, self.info, sentence) or _principal_from(context, kind, self.info)
        seat = _SEAT.match(sentence, _subject_start(sentence))
        if seat and seat.end() <= verb_at and not any(m.start < verb_at for m in matches):
            # "Beijing has required licences since ...": a capital as the subject is its government (no mention)
            country = _SEATS[seat.group(1)]
            if country in self.info:
                principal, slugs = country, list(dict.fromkeys([country, *slugs]))
        if principal not in slugs:  # "Malaysia's trade ministry said ...": a ministry the registry does not name
            principal = next(
                (m.slug for m in matches if m.end <= verb_at and self._country_body(sentence, m)), principal
            )
        maker = self.info[principal].maker if principal in self.info else None
        if maker and kind in _MAKERS_ACT:  # "OpenAI API stops serving China": OpenAI's act, about its API
            slugs, principal = list(dict.fromkeys([*slugs, maker])), maker
        confidence = strength * found.certainty * (1.0 if slugs else 0.75)
        return Candidate(
            kind=kind,
            date=found.value,
            precision=found.precision,
            sentence=_clip(sentence),
            entities=[(s, _role(s, principal, kind, self.info)) for s in _principal_first(slugs, principal)],
            principal=principal,
            also=self._title_principal(kind, principal),
            confidence=round(confidence, 3),
            rule=self._rule(
                kind,
                sentence,
                [*self._rules_near(matches, verb_at), *slugs, *([principal] if principal else [])],
                principal,
            ),
            title=_clip(sentence, 160),
            jurisdiction=_jurisdiction(principal, kind, slugs, self.info),
            announces=announces(sentence, found.start, found.end),
            exact=found.precision == "day" and (found.explicit_year or found.certainty >= 1.0),
            distinct=bool(_ANOTHER_ACT.match(sentence)),
            kinds_of={s: self.info[s].kind for s in slugs if s in self.info},
        )

    def _country_body(self, sentence: str, match: Match) -> bool:
        """A country named as the owner of a government body: "Malaysia's trade ministry"."""
        return self.info.get(match.slug, EntityInfo("")).kind == "country" and bool(
            _COUNTRY_BODY.match(sentence, match.end)
        )

    def _title_principal(self, kind: str, principal: str | None) -> list[str]:
        """The title's own principal for this kind: what the whole report is about ("Baidu offers ...")."""
        verbs = [t.start for t in self.title_triggers if t.kind == kind]
        found = _principal(kind, min(verbs, default=len(self.title)), self.title_matches, self.info, self.title)
        return [found] if found and found != principal else []

    def _rules_near(self, matches: list[Match], verb_at: int) -> list[str]:
        """The rules the sentence names, the nearest to the verb first ("complements the Framework for AI
        Diffusion released on Monday": the framework's release, not the rule the sentence opens with)."""
        named = [m for m in matches if m.slug in self.known_rules]
        return [m.slug for m in sorted(named, key=lambda m: verb_at - m.end if m.end <= verb_at else m.start - verb_at)]

    def _rule(self, kind: str, sentence: str, slugs: list[str], principal: str | None = None) -> str | None:
        if kind not in RULE_KINDS and kind != "executive_order":
            return None
        cited = [self.known_documents[n] for n in DOCUMENT_NUMBER.findall(sentence) if n in self.known_documents]
        if not cited and principal not in self.known_rules and self._regulation(principal):
            return None  # "China paused its rare-earth measures": a rule with no lifecycle here, not another one named
        return next(iter(cited), None) or next((s for s in slugs if s in self.known_rules), None)

    def _regulation(self, slug: str | None) -> bool:
        return slug is not None and slug in self.info and self.info[slug].kind == "regulation"


# Words that are a date of their own, the day the sentence tells: "..., effective immediately".
_AT_ONCE = re.compile(
    r"effective immediately|with immediate effect|with effect from|effective (?:on )?(?:the|that) same day", re.I
)
_RULE_LIKE = frozenset({*RULE_KINDS, "license_required"})  # not a retaliation, which is one act (rule 11)
_COUNTRY_BODY = re.compile(
    r"['’]s\s+(?:[\w-]+\s+){0,2}?(?:ministry|government|regulator|department|commission|agency|cabinet)\b", re.I
)
# Capitals that stand for their governments at the head of a sentence, to the registry's country slugs.
_SEATS = {"Beijing": "china", "Washington": "united-states", "Tokyo": "japan", "The Hague": "netherlands"}
_SEAT = re.compile(rf"({'|'.join(_SEATS)})\b(?!['’])")


# Acts one subject may do on one day, each an event of its own when told in coordinated clauses: "China on
# Tuesday announced export controls on tungsten, placed PVH on its unreliable entity list, and said its
# regulator had opened an investigation into Google".
SEPARATE_ACTS = frozenset(
    {
        "rule_published",
        "investigation",
        "retaliation",
        "entity_listed",
        "migration_offer",
        "guidance_issued",
        "executive_order",
    }
)
# Retaliation named as an act of its own (a listing), not as what a measure is ("in retaliation", "hit back").
RETALIATION_ACT = re.compile(
    r"(?:ban|bar|prohibit)|.*?(?:unreliable|不可靠实体|control list|管控名单|列入)", re.I | re.S
)
_TOGETHER_SPAN = 40  # products this close are named together ("Nvidia's H20 and AMD's MI308")
_AGAIN_KINDS = frozenset(
    {"migration_offer", "service_restricted", "service_available", "retaliation", "license_required", "investigation"}
)
_SAME_ACTOR_AGAIN = frozenset({"retaliation", "investigation"})  # one body's two lists, two probes
# Probes of one body listed as nouns of their own: "an anti-dumping investigation ..., and an anti-discrimination inquiry".
_PROBE_NOUN = re.compile(r"(?:investigation|inquiry|probe|review)\b", re.I)
_CHINESE_PROBE = re.compile(r"(?:倾销|歧视|补贴|垄断)$")
_A_PROBE = re.compile(r"\ban?\s+(?:[\w-]+\s+){1,2}$", re.I)
# Between two clauses of their own: ", while", ", and", "and placing", "，并将".
_AGAIN_BOUNDARY = re.compile(
    r",\s*(?:while|whereas|and)\b|\band\s+(?:[\w'’.&-]+\s+){0,3}$|\band\s*$|，\s*并|并将|；"
    r"|，[^，。；]{1,12}?也"  # "，商汤科技也...": another subject "also" doing it
    r"|，\s*(?:同日|当天)?又",  # "，同日又宣布……发起反歧视调查": one more act that day
    re.I,
)
# Acts listed with semicolons, the last after "; and": "put metals under licensing; added PVH to its list; and said
# it had opened an investigation" (the semicolons part items of one list, not two statements).
_LIST_OF_ACTS = re.compile(r";[^;]+;\s+and\b")
_CHINESE_IN_FORCE = re.compile(r"\s*起?\s*(?:正式)?(?:生效|施行|实施)")
_WHICH_HAD = re.compile(r"\b(?:which|that) had (?:\w+ )?$", re.I)
_COORDINATION = re.compile(r",|\band\b|，|、")


def _lead_kind(out: list[Candidate]) -> str:
    """The kind of the act told first for the latest date (not of the other acts it took too)."""
    return next(c.kind for c in out if c.date == out[-1].date)


# Words that open a clause telling when something else happened ("the same day the rule was released").
_SUBORDINATE_CLAUSE = re.compile(r"\b(?:same day|when|after|before|since|as|while|because|following|until)\b", re.I)


def _coordinated(
    sentence: str, best: Trigger, triggers: list[Trigger], found: FoundDate, told: set[tuple[str, date]]
) -> list[Trigger]:
    """Triggers of other acts than `best`'s that a date takes too: strong, of SEPARATE_ACTS, in a clause
    of their own (a comma or "and" between them and `best`), not across a semicolon from the date.
    A measure told as retaliation ("in retaliation", "aimed at the US") is that one act, not a rule too.
    An act in a clause that tells when ("the same day the rule was released", "a day after Washington
    announced new rules") only when the report has not told that act of that day already (`told`)."""
    out: list[Trigger] = []
    qualifier = best.kind == "retaliation" and not RETALIATION_ACT.match(sentence, best.start, best.end)
    for t in triggers:
        if t.kind == best.kind or t.kind not in SEPARATE_ACTS or t.strength < ALSO_STRENGTH:
            continue
        if any(t.kind == o.kind for o in out) or (qualifier and t.kind in REGULATORY_KINDS):
            continue
        if t.kind == "retaliation" and not RETALIATION_ACT.match(sentence, t.start, t.end):
            continue
        if _WHICH_HAD.search(sentence, max(0, t.start - 24), t.start):
            continue  # "suspended its affiliates rule, which had extended Entity List restrictions": done before
        if t.start < best.end and best.start < t.end:
            continue
        between = sentence[min(t.end, best.end) : max(t.start, best.start)]
        span = sentence[min(t.end, found.end) : max(t.start, found.start)]
        listed = _LIST_OF_ACTS.search(sentence) is not None
        if not (_COORDINATION.search(between) or (listed and ";" in between)) or (
            _HARD_BOUNDARY.search(span) and not listed
        ):
            continue
        clause = sentence[max((m.end() for m in _COORDINATION.finditer(sentence, 0, t.start)), default=0) : t.start]
        if _SUBORDINATE_CLAUSE.search(clause) and (t.kind, found.value) in told:
            continue
        if not PROSPECTIVE.search(sentence, max(0, t.start - 25), t.start):
            out.append(t)
    return out


# A date the sentence tells as an expectation that did not come true: "which had been due to take effect
# on May 15", "would have taken effect", "had not been expected to face the controls until mid-November".
UNREALISED = re.compile(
    r"\bhad been (?:originally |initially )?(?:due|expected|scheduled|set|slated|supposed) to\b"
    r"|\bwould (?:otherwise )?have (?:taken|come|gone|entered|applied|had to|become)\b|\bnot (?:been )?expected to\b"
    r"|\b(?:was|were) (?:originally |initially )?(?:due|expected|scheduled|set|slated|supposed) to\b"
    # "one distributor said the launch could slip into next year"
    r"|\b(?:could|might)\s+(?:[\w-]+\s+){0,2}?(?:slip|come|arrive|happen|take|start|begin|be)\b"
    # "developers who are about to lose access": what is still to come, on no day told here
    r"|\b(?:is|are|was|were) about to\b|\bthreaten(?:s|ed|ing)? to\b",
    re.I,
)


def _own_triggers(near: list[tuple[Trigger, float]], found: FoundDate, *, acting: bool) -> list[tuple[Trigger, float]]:
    """The triggers that are the date's own words ("the October 7 rules", "with immediate effect"), else an act's
    verb right before the date ("that Joe Biden signed on Oct. 30, 2023", "the rule issued last week"), which
    wins over a higher-ranked kind further off; never a speech verb. Not "effective immediately" before another
    act: "Effective immediately, we will no longer sell"."""
    own = [(t, d) for t, d in near if t.start < found.end and found.start < t.end]
    if own:
        return [] if acting and all(t.kind == "rule_effective" for t, _ in own) else own
    adjacent = [(t, d) for t, d in near if d <= ADJACENT and t.end <= found.start and t.kind != "statement"]
    if acting and adjacent and all(t.kind == "rule_effective" for t, _ in adjacent):
        return []  # "Effective today, we are updating our terms to prohibit access": the act's own day
    kinds = {t.kind for t, _ in adjacent}
    farther = [d for t, d in near if t.kind not in kinds and t.kind != "statement"]
    return adjacent if adjacent and all(d > 4 * ADJACENT for d in farther) else []


def _requirement_to_come(sentence: str, said: Trigger, triggers: list[Trigger]) -> bool:
    """A government telling that a licence or permit will be needed: the telling publishes that rule."""
    told_after = [  # "China will require export licences for antimony ..., the commerce ministry said on Thursday"
        t
        for t in triggers
        if t.kind == "license_required"
        and t.end <= said.start
        and PROSPECTIVE.search(sentence, max(0, t.start - 30), t.start)
        and not _HARD_BOUNDARY.search(sentence, t.end, said.start)
        and "," in sentence[t.end : said.start]
    ]
    return bool(told_after) or any(
        t.kind == "license_required"
        and t.start > said.end
        and bool(
            PROSPECTIVE.search(sentence, max(said.end, t.start - 30), t.start)
            or _MUST.search(sentence, said.end, t.end)
            or _NOW.search(sentence, max(said.end, t.start - 12), t.start)  # "said that exports now require a permit"
        )
        and not _INFORMED.search(sentence, 0, t.start)
        for t in triggers
    )


_EXPECTED = re.compile(r"\b(?:expect\w*|if|unless|whether)\b", re.I)  # what may come, told without a day
_ON_PUBLICATION = re.compile(
    r"\b(?:upon|on|when)\s+(?:the\s+(?:date|day)\s+of\s+)?(?:its\s+)?(?:publication|(?:it|they) (?:is|are) published)\b",
    re.I,
)
_IN_LETTERS = re.compile(r"\s+(?:\w+\s+)?(?:in|by|via)\s+(?:a\s+|its\s+)?letters?\b", re.I)
_MUST = re.compile(r"\bmust\b", re.I)
_NOW = re.compile(r"\bnow\b", re.I)
# A rule or notice whose content is another rule's fate: "a final rule suspending the affiliates rule".
_DOING = re.compile(
    r"\b(?:rule|notice|order|regulation|announcement)\s+(suspending|delaying|postponing|rescinding|revoking|withdrawing)\b",
    re.I,
)
_DOING_KIND = dict.fromkeys(("suspe", "delay", "postp"), "rule_delayed") | dict.fromkeys(
    ("resci", "revok", "withd"), "rule_rescinded"
)
# A government telling companies what to do: "told the companies to halt tests", "urged firms to avoid".
_DIRECTIVE = re.compile(
    r"(?:told|urged|instructed|ordered|asked|advised)\s+(?:[\w'’-]+\s+){0,4}?"
    r"(?:companies|firms|operators|platforms|exporters|businesses|buyers)\b[^.;]{0,40}?\bto\s+(?!be\b)\w+",
    re.I,
)
_AS_PART = re.compile(r"as part of\b", re.I)
_LIST_WORD = re.compile(r"\blist|blacklist|清单|名单", re.I)
_FIRM_WORDS = re.compile(r"\b(?:the|its) (?:company|firm|chipmaker|chip designer|group|start-?up)\b", re.I)
# Between a company as subject and its verb: "Nvidia said", "Nvidia on Tuesday said", "Nvidia, the chipmaker, said".
_SUBJECT_GAP = re.compile(r"(?!['’]s)[^;:'’]{0,30}")
# An act told as one more of the acts before it: "The department also put 31 firms on its Unverified List".
_ALSO = re.compile(
    r"\b(?:also|alongside|in addition|at the same time|accompanied by|along with|separately)\b|还|同时", re.I
)
# A measure lifted or paused is no new measure: "suspended its ban on gallium sales to the US".
_LIFTED = re.compile(r"\b(?:suspend|paus|lift|delay|postpon|end|eas)\w*\s+(?:(?:its|the|their|a)\s+)?$", re.I)
# A product released is no telling: "Our Qwen2 models, released earlier this month, ...".
# "The reasoning model, which DeepSeek released with open weights on January 20": "R1, which DeepSeek released as
# an open-weights reasoning model on January 20"
_PRODUCTS = r"(?:models?|chips?|products?|versions?|apps?|GPUs?|processors?|parts?)"
_PRODUCT_RELEASED = re.compile(rf"\b{_PRODUCTS},?\s+(?:(?:which|that)\s+(?:[\w-]+\s+){{0,2}})?$", re.I)
_RELEASED_AS_PRODUCT = re.compile(rf"\s+as\s+(?:an?\s+)?(?:[\w-]+\s+){{0,3}}?{_PRODUCTS}\b", re.I)
_AS_TOLD = re.compile(r"\bas\s+(?:\w+\s+)?$", re.I)  # "as previously announced", "as announced"
_TARIFFS_APPLY = re.compile(r"\s*(?:The\s+|New\s+|Additional\s+)?(?:tariffs?|duties|levies)\b", re.I)
_TARIFFS = re.compile(r"\b(?:tariffs?|duty|duties|levies)\b|关税", re.I)
_PERIOD_END = re.compile(r"\b(?:quarter|period|year|month|week)s?\s+(?:ending|ended|that ends)\s+(?:on\s+)?$", re.I)
# "SEOUL, May 3 - ", "SEOUL (Wire) - ", "SEOUL, May 3 (Reuters) - ": the story's place, before its subject
_DATELINE_HEAD = re.compile(
    r"[A-Z][A-Z .'’-]{1,40}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:\([A-Z][^()]{0,30}\))?\s*[-–—]\s*"
)
# A day told as background in a past-perfect clause ("the order that Biden had signed on October 30, 2023")
# A time told before the subject: "In July 2023 Beijing announced", "On Friday, China said", "Last week Tokyo ..."
_FRONTED_TIME = re.compile(
    r"(?i:in|on|last|earlier|late|early|this|by)\s+(?:[\w.]+\s+){0,2}"
    r"(?:\d{1,4}|\w*day|week|month|year|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?),?\s+"
)


def _subject_start(sentence: str) -> int:
    """Where the sentence's subject can start: after a dateline and a time told before it."""
    head = _DATELINE_HEAD.match(sentence)
    start = head.end() if head else 0
    fronted = _FRONTED_TIME.match(sentence, start)
    return fronted.end() if fronted else start


_BACKGROUND = re.compile(r"\bhad\b[^,;.]{0,60}$", re.I)


def _unrealised(sentence: str, found: FoundDate) -> bool:
    """The date of what was only expected: within a clause after an UNREALISED phrase."""
    before = sentence[max(0, found.start - 80) : found.start]
    expected = UNREALISED.search(before)
    if _TELLING_DAY.search(before):
        return False  # "Companies could be violating the rules, the department warned on Tuesday": the telling's day
    if expected is not None and not _HARD_BOUNDARY.search(before, expected.end()):
        return True
    # any other act in the conditional perfect, in the date's own clause: "would have bound exporters from May 15"
    return _WOULD_HAVE.search(before) is not None


_TELLING_DAY = re.compile(rf",[^,;]{{0,60}}\b{SPEECH.pattern}\s+(?:on\s+)?$", re.I)
_WOULD_HAVE = re.compile(r"\bwould (?:otherwise |still )?have (?!to\b)[^,;:]*$", re.I)  # not "would have to comply"


_GRANTED = re.compile(r"(?:批准|发放)[^。，；]{0,12}$")


def _product_release(sentence: str, t: Trigger) -> bool:
    """A product released ("Our Qwen2 models, released earlier this month"): no telling, and no event."""
    return t.kind == "statement" and bool(
        _PRODUCT_RELEASED.search(sentence, max(0, t.start - 40), t.start) or _RELEASED_AS_PRODUCT.match(sentence, t.end)
    )


def _realised(sentence: str, triggers: list[Trigger]) -> list[Trigger]:
    """Triggers that are not the verb of an expectation ("had been due to take effect"), nor a telling
    told as a reference to an earlier one ("ends on February 8 as previously announced")."""
    triggers = [
        t
        for t in triggers
        if not (t.kind == "statement" and _AS_TOLD.search(sentence, max(0, t.start - 25), t.start))
        and not (t.kind == "retaliation" and _LIFTED.search(sentence, max(0, t.start - 25), t.start))
        and not _product_release(sentence, t)
        # licences to be granted are no licences required: "保证将批准H20对华出口许可"
        and not (t.kind == "license_required" and _GRANTED.search(sentence, max(0, t.start - 16), t.start))
        # "自公布之日起实施": the publication names the day the measure applies from, no publication told here
        and not (t.kind == "rule_published" and _FROM_ITS_DAY.match(sentence, max(0, t.start - 1)))
    ]
    spans = [m.span() for m in UNREALISED.finditer(sentence)]
    # a trigger that runs into the phrase is its verb too: "compliance obligations were due to begin"; a weak word
    # farther on is its object ("would have had to begin complying with most of the rule's requirements")
    return (
        [
            t
            for t in triggers
            if not any(a <= t.end and t.start <= b + (60 if t.strength < WEAK else 25) for a, b in spans)
        ]
        if spans
        else triggers
    )


def _told_ahead(sentence: str, trigger: Trigger, found: FoundDate, reference: Reference) -> bool:
    """ "OpenAI on Tuesday told developers that it will begin blocking traffic": the act is to come, told
    on that day; the day is the telling's (a statement). Not "it would take effect on July 9": a day
    after the report's own is the act's."""
    if trigger.kind == "statement" or STARTS.search(sentence[: found.start]):
        return False
    if reference.day is not None and found.value > reference.day:
        return False
    if not PROSPECTIVE.search(sentence[max(0, trigger.start - 30) : trigger.start]):
        return False
    if found.end <= trigger.start:
        return bool(SPEECH.search(sentence, found.end, trigger.start))
    return bool(SPEECH.search(sentence, 0, trigger.start) or SPEECH.search(sentence, trigger.end, found.start))


def _may_attach(trigger: Trigger, found: FoundDate, sentence: str, silent: bool) -> bool:
    """Whether a trigger may take this date: not the date of reported speech (save the telling itself),
    not a date that belongs to what follows it ("a week after X") from before it, and a month or a
    year only from close by ("a deal approved in 2020" is no date of the probe named earlier)."""
    if silent:
        return False
    if found.anaphor and (
        trigger.kind == "statement"
        or (trigger.end <= found.start and not _VERB_DATE.fullmatch(sentence, trigger.end, found.start))
    ):
        return False  # "the same day" dates the act it opens or closes ("comment until the same day"), no telling
    if found.forward and trigger.end <= found.start:
        return False
    if found.gloss and "," in sentence[found.end : trigger.start]:
        return False  # "In May, four months after its release, BIS dropped the rule": May's act, not the release's
    if (
        trigger.kind == "statement"
        and found.end <= trigger.start
        and _WHICH_CLAUSE.search(sentence, 0, found.start)
        and "," in sentence[found.end : trigger.start]
    ):
        return False  # "Qualcomm, which closed the deal in June, said ...": the clause's day, not the telling's
    if trigger.kind == "rule_published" and trigger.end <= found.start and _from_a_chinese_day(sentence, found):
        return False  # "宣布对镓、锗实施出口管制，自2023年8月1日起正式实施": the day it applies from, not of its publication
    if trigger.kind not in _UNTIL_KINDS and (
        _UNTIL.search(sentence, max(0, found.start - 12), found.start) or _UNTIL_AT.match(sentence, found.start)
    ):
        return False  # "suspended its ban until November 2026": when a state ends, no act (save deadlines)
    if (
        found.precision != "day"
        and (RULE_NAME.match(sentence, found.end) or NAMED_RULE_AFTER.match(sentence, found.end))
        and trigger.kind != "rule_published"
    ):
        return False  # "comments on the October 2023 updates are due ...": a rule's name, not a date of the act
    if (
        found.precision == "day"
        and trigger.kind not in ("rule_published", "executive_order")
        and _names_an_order(sentence, found)
    ):
        return False  # "revoked EO 14110, the Biden administration's October 30, 2023 order": the order's name
    done = _HAD_DONE.search(sentence, max(0, found.start - 50), found.start)
    if done and trigger.end <= done.start("clause" if done.group("clause") else 0):
        return False  # "suspended the rule it had introduced on September 29": the day of the earlier act only
    if (
        found.end <= trigger.start
        and _PAST_PERFECT.search(sentence, max(found.end, trigger.start - 30), trigger.start)
        and _CONTRAST.search(sentence, found.end, trigger.start)
    ):
        return False  # "took effect on Friday, but Nvidia had already stopped shipping": done before that day
    if found.precision == "day":
        return True
    # a month opening the sentence dates its main clause's verb past an aside ("In May, four months after its
    # release, the Commerce Department dropped the rule")
    opens = found.end <= trigger.start and bool(
        (
            _FRONTED.fullmatch(sentence[: found.start].lstrip(' "“'))
            # "Before June was out, Baidu and Alibaba ..."
            and sentence.startswith(",", (was.end() if (was := WAS_OUT.match(sentence, found.end)) else found.end))
        )
        # the date of an entry of a timeline, for the entry's act: "February 2025: five more metals, among them
        # tungsten and indium, put under licensing."
        or _timeline_entry(sentence, found)
        # a wave's month, for the clause that tells it: "The first wave came in October 2019, when SenseTime, Megvii,
        # iFlytek and Yitu were listed"
        or (
            _WAVE_CAME.search(sentence, 0, found.start) is not None
            and _WHEN_AFTER.match(sentence, found.end) is not None
        )
        # so does a month a telling is dated by, for what it tells: "Nvidia said in April that the government had
        # told it the H20 needs a licence"
        or (SPEECH_DATE.search(sentence, max(0, found.start - 60), found.start) and _THAT.match(sentence, found.end))
    )
    return _distance(trigger, found, sentence, 1.0) <= NEAR_COARSE * (2 if opens else 1)


def _closes_telling(sentence: str, trigger: Trigger, found: FoundDate) -> bool:
    """The date is of a "said" that closes the clause the trigger opens ("X now requires ..., the ministry said on
    Monday"), with no other clause or date between."""
    return (
        trigger.end <= found.start
        and SPEECH.search(sentence, max(trigger.end, found.start - 12), found.start) is not None
        and not _HARD_BOUNDARY.search(sentence, trigger.end, found.start)
        and 1 <= sentence.count(",", trigger.end, found.start) <= 2  # the teller's name may hold one
    )


def _timeline_entry(sentence: str, found: FoundDate) -> bool:
    """The date that heads an entry of a timeline or a list ("July 2023: ...", "- May 13, 2025: ...")."""
    return bool(_ENTRY_LEAD.fullmatch(sentence, 0, found.start) and _ENTRY_MARK.match(sentence, found.end))


_WAVE_CAME = re.compile(r"\b(?:came|followed|began|started|arrived)\s+(?:in\s+)?$", re.I)
_WHEN_AFTER = re.compile(r",\s+when\b", re.I)
_ENTRY_LEAD = re.compile(r"[\s\-•*–—]*")
_ENTRY_MARK = re.compile(r"\s*(?::|[–—]\s|\s-\s)")
# A day that names an order: "the Biden administration's October 30, 2023 order".
_NAME_LEAD = re.compile(r"(?:['’]s|\bthe)\s+$", re.I)
_ORDER_NAME = re.compile(r"\s*(?:executive\s+)?order\b", re.I)


def _names_an_order(sentence: str, found: FoundDate) -> bool:
    """A day that is part of an order's name ("the Biden administration's October 30, 2023 order")."""
    return bool(
        _NAME_LEAD.search(sentence, max(0, found.start - 12), found.start) and _ORDER_NAME.match(sentence, found.end)
    )


# A relative clause open before a date: "Qualcomm, which closed the Autotalks deal in".
_WHICH_CLAUSE = re.compile(r",\s+(?:which|who)\b[^,;]*$", re.I)
# A Chinese start: "自2023年8月1日起" (from August 1, 2023); the date may or may not include its 自.
_CHINESE_FROM = re.compile(r"(?<=自)|自")


def _from_a_chinese_day(sentence: str, found: FoundDate) -> bool:
    """A day a Chinese measure applies from ("自2023年8月1日起"), not "自发布之日起" (from its publication: that day)."""
    return bool(_CHINESE_FROM.match(sentence, found.start)) and not _FROM_ITS_DAY.match(sentence, found.start)


# A date right after its verb in the past perfect: "it had introduced on", "which had been released in".
_HAD_DONE = re.compile(
    r"\bhad\s+(?:been\s+)?(?:[\w-]+\s+)?[\w-]+\s+(?:on|in)\s+$"
    # a rule named by the clause of its making: "suspended the rare-earth measures MOFCOM announced on October 9"
    rf"|{MADE_CLAUSE}\s+(?:on|in)\s+$",
    re.I,
)
# A sentence wholly in brackets: "(Translation note: the ban follows the US move of December 2.)"
_ASIDE = re.compile(r"[(（][^()（）]*(?:[)）]\.?)?")  # the closing bracket may go with the split
# A sentence about the measure just told: "The measure took effect ...", "公告自公布之日起实施".
_THE_MEASURE = re.compile(
    r"\s*(?:(?:the|this|that|its) (?:measures?|ban|announcement|notice|decision|move|order)\b|(?:该|此)?(?:公告|措施|决定))",
    re.I,
)
_FROM_ITS_DAY = re.compile(FROM_ITS_DAY)
_CONTRAST = re.compile(r"\b(?:but|while|whereas|yet)\b|;", re.I)
_PAST_PERFECT = re.compile(r"\bhad\s+(?:already\s+|earlier\s+|previously\s+)?$", re.I)
_STARTS_AT = re.compile(
    r"(?:from|starting|beginning|as of|effective)\b", re.I
)  # "from December": the lead is the date's


# A sentence that tells another act than the one before: "In a second notice the ministry launched ...".
_ANOTHER_ACT = re.compile(
    r"\s*(?:in|with|under) (?:a|an) (?:separate|second|further|parallel|another|other) \w+|\s*separately\b", re.I
)
# Where a subject of several companies ends before the verb, and what may stand between them.
_SUBJECT_END = re.compile(r"[;:；：]|\b(?:after|before|while|because|when|since|that|which|who)\b", re.I)
_TOGETHER = re.compile(r"[^;:；：]*?(?:\b(?:and|as well as)\b|以及|、)[^;:；：]*", re.I)  # "百度、商汤……以及百川"
SERVICE_KINDS = frozenset({"service_restricted", "service_available", "migration_offer"})
# Kinds in which a product's change is its maker's act.
_MAKERS_ACT = frozenset({"service_restricted", "service_available", "migration_offer", "statement"})
_SINCE = re.compile(r"\b(?:since|from|starting|as of|effective)\s*$", re.I)
_SINCE_AT = re.compile(r"(?:since|from|starting|as of)\b", re.I)  # a date whose span starts with its lead
_A_REQUIREMENT = re.compile(r"\blicen[cs]e requirement\b", re.I)
_BEGAN = re.compile(r"\b(?:be(?:gan|gins?)|start(?:ed|s)?|first) (?:to )?(?:requir|licen[cs])", re.I)
_FIRMS = frozenset({"organization", "product", "ai_model"})


def _national_regime(cand: Candidate, info: dict[str, EntityInfo]) -> bool:
    """A licence requirement of another country's own regime ("graphite exports have needed a licence since
    December 2023" in China): a rule of that country (rule 11), not a US "is informed" requirement on a firm."""
    principal = info.get(cand.principal or "")
    if principal is None or principal.kind not in ("country", "government_body") or principal.country in (None, "US"):
        return False
    return not any(info.get(s, EntityInfo("")).kind in _FIRMS for s in cand.slugs)


def _kind(kind: str, sentence: str, found: FoundDate) -> str:
    """ "issues rules requiring labels from September 1": a publication verb with a start date is an effective
    date; so is a licence requirement "from August 1"."""
    if (
        kind in ("rule_published", "license_required")
        and (STARTS.search(sentence[: found.start]) or _STARTS_AT.match(sentence, found.start))
        and not _POSSESSED.match(sentence, found.end)  # "from April's licence requirement to the July decision"
        # "put export controls on tungsten, effective immediately": put on that day and in force from it
        and not (kind == "rule_published" and _IMMEDIATE_WORD.match(sentence, found.start))
    ):
        return "rule_effective"
    return kind


ANNOUNCED = re.compile(r"\bannounc\w*", re.I)
_COMPANY_KINDS = frozenset({"organization", "ai_model", "product"})
_REGULATORY_WORDS = re.compile(r"\b(?:licen[cs]\w*|rules?|regulations?|controls?|requirements?|law|act)\b", re.I)


def _first_list(matches: list[Match]) -> str | None:
    return next((m.slug for m in matches if m.slug.endswith("-list")), None)


def _on_unreliable_list(matches: list[Match], context: list[str], subject: str | None) -> bool:
    """A listing told where China's Unreliable Entity List is the only list the sentence names, or, where it names
    none, the list the report's first sentence names, else the one it named last: a countermeasure (rule 11)."""
    here = {m.slug for m in matches if m.slug.endswith("-list")}
    if here:  # not "the Treasury's NS-CMIC List, to which SenseTime was added", beside China's list
        return here == {"unreliable-entity-list"}
    named = [slug for slug in context if slug.endswith("-list")]
    # the list the report's first sentence is about ("What is China's Unreliable Entity List?"), else the last named
    return (subject or (named[0] if named else None)) == "unreliable-entity-list"


def _kind_of_actor(cand: Candidate, info: dict[str, EntityInfo], *, regulatory: bool, government: bool = False) -> str:
    """What an act is depends on who does it: a company's measures that take effect restrict its
    service ("the company said the measures would take effect on July 9"); a government announcing,
    in a sentence that dates a regulatory act too, publishes it ("announced on Monday that exports
    will require a licence from August 1"); `government`: the sentence names a government body
    before the verb in words the registry does not hold ("the ministry announced")."""
    principal = info.get(cand.principal or "", EntityInfo(""))
    names_rule = any(info.get(s, EntityInfo("")).kind == "regulation" for s in cand.slugs)
    if (
        cand.kind == "rule_effective"
        and principal.kind in _COMPANY_KINDS
        and not names_rule
        and not _REGULATORY_WORDS.search(cand.sentence)
    ):
        return "service_restricted"
    if (
        cand.kind == "statement"
        and (principal.kind == "government_body" or government)
        and regulatory
        and (ANNOUNCED.search(cand.sentence) or FUTURE.search(cand.sentence))
    ):
        return "rule_published"
    if cand.kind == "license_required" and government and _ANYONE_MUST.search(cand.sentence):
        return "rule_published"  # "the ministry said that anyone exporting AI chips must obtain a permit": its rule
    return cand.kind


def _plan_set_out(cand: Candidate) -> bool:
    """A plan published, which is no rule: its principal a programme, no regulation named, "plan" said."""
    return (
        cand.kind == "rule_published"
        and cand.kinds_of.get(cand.principal or "") == "program"
        and "regulation" not in cand.kinds_of.values()
        and _PLAN.search(cand.sentence) is not None
    )


_ANYONE_MUST = re.compile(r"\b(?:anyone|exporters|companies|firms)\b[^.;]{0,120}?\bmust\b", re.I)
_PLAN = re.compile(r"\b(?:action )?plan\b|行动计划", re.I)
_RATHER = re.compile(r"\b(?:rather than|instead of)(?:\s+(?:from|on|in|at|by|starting|until|the))?\s*$", re.I)
# what may stand beside the day on a dateline: a label of a few capitalised words and separators
_DATELINE_REST = re.compile(r"[\s|:,.\-–—]*(?:(?:[A-Z][\w.]*|of|and)\s*){0,3}[\s|:,.\-–—]*")
_HEADLINE_LAG = timedelta(days=14)  # a client alert or digest tells an act of the last two weeks
_YEAR_HEADING = re.compile(r"((?:19|20)\d{2})[.:]?")
_IMMEDIATE_WORD = re.compile(r"immediately\b", re.I)
_THAT = re.compile(r"\s+that\b", re.I)
_POSSESSED = re.compile(r"['’]s\s+(?:[\w-]+\s+){0,2}")
# A sentence that tells a set of measures the next ones detail: "hit back with a volley of measures of its own",
# "中方连续出台多项反制措施".
_SUMMARY = re.compile(
    r"\b(?:volley|series|raft|slew|string|battery|set|package|burst|flurry|wave|barrage) of (?:\w+\s+)?(?:counter-?)?measures\b"
    r"|(?:多项|一系列)[^。；]{0,6}?措施",
    re.I,
)
# A sentence that goes on telling the act before it: "The package (i) places HBM under new controls ... (iv) puts 140
# parties on the Entity List", "The same release added 140 entities to the Entity List".
_CONTINUES = re.compile(
    r"\s*(?:The|This|That|These|Its)\s+(?:same\s+|new\s+)?(?:package|action|release|announcement|notice)\b"
)
_HAD_RECEIVED = re.compile(r"\b(?:it|they)\s+had\s+(?:also\s+)?(?:received|been\s+(?:told|informed|notified))\b", re.I)
_UNDER_RULE = re.compile(r"\b(?:under|Under)\s+(?:the|its)\s+", re.I)
_OPENS_CLAUSE = re.compile(r",\s*(?:and|then)\s+(?:on\s+|in\s+)?$", re.I)  # ", and on May 21 it told"


def _distance(trigger: Trigger, found: FoundDate, sentence: str, before_weight: float = 1.5) -> float:
    """Characters between a trigger and a date, a clause boundary (", but") counting 20, a semicolon NEAR;
    to choose between two dates, one after the verb is nearer than one before it."""
    if trigger.start < found.end and found.start < trigger.end:
        return 0.0
    if trigger.end <= found.start:
        gap, weight = sentence[trigger.end : found.start], 1.0
        if _VERB_DATE.fullmatch(gap):  # "took effect on Friday": the verb's own date, however near one before it
            return 0.0
        starts = STARTS.search(sentence, max(trigger.end, found.start - 30), found.start) or _SINCE.search(
            sentence, max(trigger.end, found.start - 30), found.start
        )
        # not past a clause of its own ("struck back on Friday, announcing an extra levy from April 10": the levy's)
        if (
            starts
            and trigger.kind not in ("statement", "rule_published")
            and not _ING_CLAUSE.search(sentence, trigger.end, starts.start())
        ):
            # "would stop offering ... from October 21": the act's own date (not a telling's: "told developers on
            # Tuesday that it will block traffic from July 9" told on Tuesday; nor a publication's: "published the
            # regulation that will, from September 1, oblige ASML ...")
            gap = sentence[trigger.end : starts.start()]
            return len(gap) * 0.2 + NEAR * len(_HARD_BOUNDARY.findall(gap))
        if _OPENS_CLAUSE.search(gap):  # "revoked it, and three days later he signed ...": the date opens the next
            return NEAR + len(gap)
    else:
        gap, weight = sentence[found.end : trigger.start], before_weight
        if _POSSESSED.fullmatch(gap):
            return 0.0  # "from April's licence requirement to the July decision": the month owns the noun
        if _FRONTED.match(sentence[: found.start]):
            weight = 0.5  # "On October 7, 2022, the Bureau ... released a rule": the date opens the verb's clause
        if _timeline_entry(sentence, found):
            weight = 0.3  # "- 2 August 2027: the requirements for high-risk AI ... apply": the entry's date, its act
    return len(gap) * weight + 20 * len(_SOFT_BOUNDARY.findall(gap)) + NEAR * len(_HARD_BOUNDARY.findall(gap))


_ING_CLAUSE = re.compile(r",\s+(?!including\b|excluding\b|according\b)[a-z]+ing\b")
_CN_DOING = re.compile(r"发布(?:了)?公告[^。；]{0,40}?(?:暂停|暂缓|推迟)(?:实施|执行)")
_UNTIL = re.compile(r"\b(?:until|till)\s+(?:\w+\s+)?$|至$", re.I)  # 至: until
_UNTIL_AT = re.compile(r"(?:until|till)\b", re.I)
_UNTIL_KINDS = frozenset({"comment_deadline", "compliance_date"})
_VERB_DATE = re.compile(r"\s*(?:on|in|from|since|as of)?\s*", re.I)
_FRONTED = re.compile(r"\s*(?:(?:on|in|by|starting|beginning|from|as of)\s*)?$", re.I)


_SOFT_BOUNDARY = re.compile(r"[,，：]|:(?=\s)|\b(?:but|while|that|which)\b")
# A semicolon or a dash parts two statements: a verb across it is no near trigger of a date
# ("BIS announced the rule last Thursday; it takes effect 30 days after publication").
_HARD_BOUNDARY = re.compile(r"[;；]|\s[—–]\s")
# A telling whose object is the act itself: "announced that it was adding", "announced it would add".
# Where what is said ends: ", a reversal from April, when ...", ", which ...".
_SAID_ENDS = re.compile(r"[;:]|,\s+(?:a|an|the|when|which|while|after|before|as)\b", re.I)


def _said(sentence: str, start: int) -> str:
    """The words said after a verb of telling, up to an aside or a clause of another time."""
    end = _SAID_ENDS.search(sentence, start)
    return sentence[start : end.start() if end else len(sentence)]


# A company's own service change to come, in what it says: "that, starting July 9, it will block API traffic".
_OWN_SERVICE_TO_COME = re.compile(
    r"[^.;]{0,40}?\b(?:it|we|they)\s+(?:will|would|is going to|plans? to)\s+(?:[\w'’-]+\s+){0,4}?"
    r"(?:block|stop|cut|end|restrict|suspend|cease|begin|start)\w*",
    re.I,
)
# What a company relays of a requirement imposed on it: "the H20 now requires a licence", "$5.5 billion in charges".
_RELAYED = re.compile(
    r"\b(?:needs?|needed|requires?|required)\s+(?:an?\s+)?(?:export\s+)?licen[cs]e|\bcharges?\b|\bwrite[- ]?downs?\b",
    re.I,
)
# A presidential order revoked, which another order does: "revoked Executive Order 14110", "EO 14110 was revoked".
_ORDER_NAMED = r"(?:executive order|(?-i:EO|E\.O\.)\s*\d{5})"
_REVOKED_IT = re.compile(r"\b(?:revok|rescind)\w*\s+(?:it|them)\b", re.I)
_ORDER_REVOKED = re.compile(
    rf"\b(?:revok|rescind)\w*\s+(?:[\w'’.,-]+\s+){{0,4}}?{_ORDER_NAMED}"
    r"|\b(?:revok|rescind)\w*\s+(?:that|the|his predecessor['’]s|[A-Z]\w+['’]s)\s+(?:[\w-]+\s+)?orders?\b"
    # "signed an Executive Order that revokes the policies ...": the signing
    r"|\bsign\w*\s+(?:an?\s+)?(?:new\s+)?(?:executive\s+)?order\s+(?:that|which|to)\s+(?:revok|rescind)"
    rf"|{_ORDER_NAMED}(?:\s+\d{{5}})?(?:\s+[\w'’,-]+){{0,6}}?\s+(?:was|were|has been|had been|is)\s+(?:revoked|rescinded)\b",
    re.I,
)
# A government announcing a regulatory act of its own: "announced that it will remove three fabs from the program".
_ANNOUNCED_BY_ITSELF = r"announc\w*\s+(?:on\s+\w+\s+)?(?:that\s+)?(?:it|they)\b"
_ANNOUNCED_THAT = re.compile(_ANNOUNCED_BY_ITSELF, re.I)
_ANNOUNCED_ACT = re.compile(
    _ANNOUNCED_BY_ITSELF + r"\s+(?:will|would|was|were|is|are)\s+(?:going to\s+)?"
    r"(?:remov|revok|add|impos|restrict|requir|expand|tighten|extend|clos)\w*",
    re.I,
)


# Between a possessor and its verb: "OpenAI's decision to block", "Microsoft's plan to stop".
_OWNER_OF_VERB = re.compile(r"['’]s\s+(?:[\w-]+\s+){0,2}?(?:decision|plan|move|notice|announcement|bid)\s+to\s+", re.I)


_PASSIVE_AGENT = re.compile(r"\b(?:signed|issued|imposed|adopted)\s+by\s+", re.I)
_AGENT_TITLE = re.compile(r"(?:(?:US\s+|U\.S\.\s+)?President\s+|the\s+)?", re.I)
_NEXT_ITEM = re.compile(r",\s+and\b", re.I)


def _principal(kind: str, verb_at: int, matches: list[Match], info: dict[str, EntityInfo], sentence: str) -> str | None:
    """The subject of the verb: an entity of the preferred kind, first in the verb's own clause
    ("after OpenAI said it would block"), else nearest before the verb, else first after it.
    In Chinese, where modifiers come first ("受 OpenAI 限制影响的开发者"), the first entity of the clause."""
    order = PRINCIPAL_ORDER.get(kind, _COMPANY_ORDER)
    clause_start = max((m.end() for m in _CLAUSE.finditer(sentence, 0, verb_at)), default=0)
    # the agent of a passive verb: "Executive Order 14110 on AI, signed by President Biden on October 30, 2023"
    agent = _PASSIVE_AGENT.search(sentence, verb_at, verb_at + 90)
    if agent and _NEXT_ITEM.search(sentence, verb_at, agent.start()):
        agent = None  # not the next item's ("EO 13984, which Trump signed ..., and EO 14110, signed by Biden")
    ranked = []
    for m in matches:
        entity_kind = info[m.slug].kind if m.slug in info else None
        if entity_kind not in order or m.slug in NEVER_PRINCIPAL:
            continue
        if agent and m.start >= agent.end() and _AGENT_TITLE.fullmatch(sentence, agent.end(), m.start):
            place = (-2, 0)
        elif m.end <= verb_at and _OWNER_OF_VERB.fullmatch(sentence, m.end, verb_at):
            place = (-1, 0)  # "OpenAI's decision to block": the one whose act the noun names
        elif clause_start <= m.start and m.end <= verb_at:
            place = (0, m.start)
        elif m.end <= verb_at:
            place = (1, -m.end)
        elif entity_kind == "regulation" and clause_start > 0 and not _CLAUSE.search(sentence, verb_at, m.start):
            place = (0, m.start)  # "..., and China paused its rare-earth measures": the rule its clause acts on
        else:
            place = (2, m.start)
        rank = order.index(entity_kind)
        ranked.append((place, rank, m.slug) if _CJK.search(sentence) else (rank, place, m.slug))
    return min(ranked)[2] if ranked else None


def _principal_from(slugs: list[str], kind: str, info: dict[str, EntityInfo]) -> str | None:
    order = PRINCIPAL_ORDER.get(kind, _COMPANY_ORDER)
    ranked = [
        (order.index(info[s].kind), i, s)
        for i, s in enumerate(slugs)
        if s in info and info[s].kind in order and s not in NEVER_PRINCIPAL
    ]
    return min(ranked)[2] if ranked else None


def _principal_first(slugs: list[str], principal: str | None) -> list[str]:
    return ([principal] if principal else []) + [s for s in slugs if s != principal]


def _role(slug: str, principal: str | None, kind: str, info: dict[str, EntityInfo]) -> str:
    if slug == principal:
        return (
            "actor"
            if info.get(slug, EntityInfo("")).kind in ("organization", "government_body", "person")
            else "subject"
        )
    entity_kind = info.get(slug, EntityInfo("")).kind
    if entity_kind == "country":
        return "beneficiary" if kind == "service_available" else "target" if kind in RESTRICTIVE else "subject"
    if kind == "entity_listed" and entity_kind == "organization":
        return "target"
    return "subject"


def _jurisdiction(principal: str | None, kind: str, slugs: list[str], info: dict[str, EntityInfo]) -> str | None:
    """A government's own country; a company's own action is GLOBAL (data/events/README.md)."""
    governments = [
        s
        for s in ([principal] if principal else []) + slugs
        if s in info and info[s].kind == "government_body" and info[s].country
    ]
    if governments:
        return info[governments[0]].country
    if principal in info and info[principal].kind == "country" and info[principal].country:
        return info[principal].country  # "Beijing paused its measures": the country acting is its government
    if principal and principal in info and info[principal].kind == "organization":
        return "GLOBAL"
    return None


def _clip(text: str, limit: int = MAX_SENTENCE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
