"""Dates in a sentence, to the precision the sentence gives them, read against the report's reference date.

What is found: calendar days ("July 9", "9 July 2024", "May 13, 2025", "2025-05-13",
"2024年7月9日"), months ("in October 2022", "the January rule", "April's requirement"),
years ("since 2023", "in early 2024"), and relative dates ("on Tuesday", "yesterday",
"last month", "this week", "a day after", "two days later", "120 days after publication").

The reference (`Reference`) is the day the report speaks from: its publication date,
else the day its URL names, else the latest day it states itself with a year (see
`reference_from_text`), else none. Against it:
- a day or month without a year takes the year written elsewhere in the sentence
  ("In 2023 ... effective 1 August"), else that of a full date or month told before it in
  the sentence ("announced on July 3, 2023, to apply from August 1"; the next year when that
  puts it half a year or more earlier), else the year nearest to the reference, except
  that a date the sentence does not say is planned is not put in the reference's
  future when the previous year fits (a report tells what happened);
- without a reference, a day or month without a year is dropped, not guessed: a guide
  undated and without dates of its own gives no way to tell 2024 from 2025;
- on an undated page, a year alone as a heading ("2020.") gives its year to what follows it;
- a weekday, "yesterday" or "last month" needs the report's own day (its publication
  date or its URL's): a date the report states elsewhere is not the day it was written;
- a date after the reference that the sentence does not say is planned ("will take
  effect", "starting", "from ... on", "due") is marked `suspicious`; the extractor
  drops it (a wrong publication date, or a misread).
Parsing is by regular expressions of our own: dateparser's search read the same
forms at a tenth of the speed and knew nothing of months alone or of the reference.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

_MONTH_WORDS = (
    r"Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
# Month names are capitalised ("may" is a verb); "Sept." and "Jan." are abbreviations.
_M = rf"(?P<month>{_MONTH_WORDS})\b\.?"
_YEAR_WORD = r"(?:19|20)\d{2}"
_ORD = r"(?:st|nd|rd|th)?"
_NOT_AMOUNT = r"(?!\s*(?:%|percent|per cent|million|billion|nm\b|nanomet))"
_DAY_FIRST = re.compile(rf"\b(?P<day>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_M}(?:,?\s+(?P<year>{_YEAR_WORD})\b)?")
_MONTH_FIRST = re.compile(
    rf"\b{_M}\s+(?P<day>\d{{1,2}}){_ORD}\b{_NOT_AMOUNT}"
    rf"(?:\s*(?:and|to|-|–|through)\s*\d{{1,2}}{_ORD}\b)?(?:,?\s+(?P<year>{_YEAR_WORD})\b)?"
)
_ISO = re.compile(rf"\b(?P<year>{_YEAR_WORD})-(?P<mm>\d{{2}})-(?P<day>\d{{2}})\b")
_SLASHED = re.compile(r"\b(?P<mm>\d{1,2})/(?P<day>\d{1,2})/(?P<year>(?:19|20)\d{2})\b")
_CHINESE_DAY = re.compile(r"(?:(?P<year>\d{4})\s*年\s*)?(?P<mm>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]")
_CHINESE_MONTH = re.compile(r"(?P<year>\d{4})\s*年\s*(?P<mm>\d{1,2})\s*月(?!\s*\d)")
# A month without a year, told by its part: "6月下旬" (late June), "3月初" (early March), "5月份" (in May).
# "6月下旬", "6月份"; a month alone after 在/于 ("相继在6月推出"), not a day's ("6月25日")
_CHINESE_MONTH_PART = re.compile(
    r"(?<![年\d])(?P<mm>\d{1,2})\s*月\s*(?:上旬|中旬|下旬|初|底|末|份|中)|(?<=[在于])(?P<alone>\d{1,2})\s*月(?![\d日号])"
)
# the same month as the date told before: in the sentence ("suspended from November 10, and China paused its
# measures the same month"), else in an earlier one
_SAME_MONTH = re.compile(
    r"同月|当月|\b(?:the|that) same month\b|\blater (?:that|the same) month\b|\bbefore (?:the|that) month was out\b"
    # "On September 5, Anthropic changed its terms. Within days, Zhipu offered ...": that month, at least
    r"|^\s*within (?:a few )?days(?=,)",
    re.I,
)
_PART = r"(?:(?i:early(?: in)?|mid|late(?: in)?|the end of|end of|the start of|the beginning of|the middle of)[\s-]+)"
_MONTH_YEAR = re.compile(rf"\b{_PART}?{_M},?\s+(?P<year>{_YEAR_WORD})\b(?!\s*[-/]\d)")
_LEAD = r"in|since|from|until|till|by|during|through|throughout|before|after|the|of|this|that|last|next|early|mid|late"
# A month alone is a date after a preposition or determiner ("in January", "the January rule") or with
# a possessive ("April's requirement"): found from the month word, then looked at behind and ahead
# (one pattern with both alternatives tried at every word was a tenth of the stage's time).
_ANY_MONTH = re.compile(rf"\b(?:{_MONTH_WORDS})\b|\d\s*月|\d{{4}}-\d\d-\d\d|\d/\d")
_MONTH_ALONE = re.compile(rf"\b{_M}(?!\s*\d)")
_LEAD_BEFORE = re.compile(rf"\b(?P<lead>(?i:{_LEAD}))[\s-]+{_PART}?$")
_POSSESSIVE = re.compile(r"['’]s\b")
# An owner before the month ("Washington's October restrictions", "its May changes"): a month told as past, like
# "the October rules".
_OWNER_BEFORE = re.compile(r"(?:\b(?i:its|their)|\b[A-Z][\w.-]*['’]s)\s+$")
_YEAR_ALONE = re.compile(
    rf"\b(?:(?i:in|since|during|throughout|until|by|from|before|after)[\s-]+{_PART}?|{_PART})"
    rf"(?P<year>{_YEAR_WORD})\b(?!\s*(?:[-/年]|\d|,\s*\d))"
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(
    r"\b(?:(next|last|this|by|until|before|coming|following|a week ago)\s+)?(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    r"\b(yesterday|today|tomorrow|(?:earlier |later )?(?:this|last|next) (?:week|month|year)|"
    r"(?:the )?(?:previous|following) (?:month|year)|this (?:spring|summer|autumn|fall|winter))\b"
    r"(?!['’]s\s+publication\b)",  # "within 21 days of today's publication": a day counted from it, not it
    re.IGNORECASE,
)
_NUMBER = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "ten": 10,
    "fifteen": 15,
    "thirty": 30,
    "forty-five": 45,
    "sixty": 60,
    "ninety": 90,
}
# Not a count that is no count ("less than three months after", "more than a year later"): no day of its own.
_INEXACT = r"(?<!less than )(?<!more than )(?<!nearly )(?<!almost )(?<!at least )(?<!fewer than )(?<!under )(?<!over )"
_COUNT = _INEXACT + r"(?P<n>\d{1,3}|a|one|two|three|four|five|six|seven|ten|fifteen|thirty|forty-five|sixty|ninety)"
# "a day after Washington announced ...": the other happening was a day before the one in context.
_BEFORE_CONTEXT = re.compile(
    rf"\b{_COUNT}[\s-]+(?P<unit>day|week|month)s?\s+after\b(?![^,;.]{{0,24}}\b(?:publication|appears?|published)\b)"
    r"(?=\s+[\w'’])",
    re.I,
)
_APPOSITION = re.compile(r"\s*,\s*")
_SAME_AS = re.compile(r"\s+as\s+(?:the|its|his|her|their|that)\b", re.I)
# "unveiled on Monday, two days before it was published": what follows is two days after the date before.
_BEFORE_IT = re.compile(rf"\b{_COUNT}[\s-]+(?P<unit>day|week)s?\s+before\b(?=\s+[\w'’])", re.I)
# "published two days later": a day after the date before it.
_LATER = re.compile(rf"\b{_COUNT}[\s-]+(?P<unit>day|week|month|year)s?\s+later\b", re.I)
# "the government informed it a day earlier": a day before the day told before it.
_EARLIER = re.compile(rf"\b{_COUNT}[\s-]+(?P<unit>day|week)s?\s+earlier\b", re.I)
# "30 days after publication in the Federal Register": counted from the rule's publication.
_AFTER_PUBLICATION = re.compile(
    rf"\b(?:for\s+|within\s+)?{_COUNT}[\s-]+days?\s+(?:after|from|following|of)\s+(?:the\s+)?(?:date\s+of\s+)?"
    r"(?:its\s+|their\s+|(?P<today>today['’]s)\s+)?publication\b",  # "within 21 days of today's publication"
    re.I,
)
# A sentence without a date of its own that happened with the one before it.
_SAME_DAY = re.compile(
    r"\b(?:in a companion action|alongside the (?:[\w-]+\s+){0,4}?rule|at the same time|in parallel|(?:on )?(?:the|that) same day|"
    r"(?:in|as part of|with) the same (?:action|package|notice|announcement|rule|release)|"
    r"in a (?:separate|second|further|parallel) (?:statement|notice|announcement|decision|move|action|document))\b"
    r"|当[天日]|同[日天]|同一天",
    re.I,
)
# "Alongside the rescission, BIS issued guidance": on the day of that act, told before
_ALONGSIDE = re.compile(
    r"\balongside (?:the|its|this|that) (?P<act>rescission|repeal|suspension|listings?|additions?|removals?|delay)\b",
    re.I,
)
_ALONGSIDE_KINDS = {
    "rescission": "rule_rescinded",
    "repeal": "rule_rescinded",
    "suspension": "rule_delayed",
    "delay": "rule_delayed",
    "listing": "entity_listed",
    "addition": "entity_listed",
    "removal": "entity_removed",
}
_COMPANION = re.compile(
    r"companion|alongside the rule|\bthe same (?:action|package|notice|announcement|rule|release)\b", re.I
)
# "appeared in the Federal Register the next day": the day after the day before it.
# a month as the subject opening a sentence: "April brought the H20 and MI308 licence requirements"
_MONTH_SUBJECT = re.compile(r"\s+(?:brought|saw|delivered|opened with)\b", re.I)
_CHINESE_DAYS_BEFORE = re.compile(r"(?P<n>[一二两三四五六七八九十]|\d{1,2})天之?前")
_CHINESE_COUNT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NEXT_DAY = re.compile(r"\b(?:the )?(?:next|following) day\b|次日|翌日", re.I)
_DAY_BEFORE = re.compile(r"前一天|前一日|\bthe (?:previous|preceding) day\b|\bthe day before\b(?!\s+\w)", re.I)
RELEASED = re.compile(r"\b(?:releas|issu|unveil|announc)\w*", re.I)
TOOK_EFFECT = re.compile(r"\b(?:took|takes|take|taking) effect\b|\b(?:entered|came) into (?:force|effect)\b", re.I)
# "自公布之日" (the day of its publication): the day a Chinese announcement applies from
FROM_ITS_DAY = r"自(?:公布|发布|印发)之日"
_IMMEDIATELY = re.compile(
    # "upon publication in the Federal Register": a day the report does not give, not the report's
    r"\b(?:(?<!not )immediately|(?<=apply )at once|(?<=applies )at once|with immediate effect"
    r"|upon publication(?! in the Federal Register)|(?:on|upon) (?:release|issuance)"
    r"|when (?:it|they) (?:was|were) (?:issued|released)"
    r"|with effect from the (?:date|day) of (?:the |its |their )?(?:announcement|publication|issuance)"
    r"|on the day (?:it|they) (?:was|were) (?:released|issued|published|announced|adopted|passed|promulgated))\b"
    rf"|{FROM_ITS_DAY}起",  # "from the day of its publication"
    re.I,
)
# Words that make a date after the reference a planned one, not a misread.
PLANNED = re.compile(
    r"\b(?:will|would|shall|to take effect|takes? effect|comes? into (?:force|effect)|goes? into effect|"
    r"enters? into force|starting|starts?|begin(?:s|ning)?|as of|effective|due|deadline|until|"
    # "from" of a start ("from July 9", "from Saturday"), not of a source ("rules from the outgoing administration")
    r"from(?=\s+(?:the\s+)?(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)|\d|today|tomorrow|now|then|next\b|"
    r"(?:early|mid|late)[\s-]|(?:date|day|end|start|beginning)\b|(?:mon|tues|wednes|thurs|fri|satur|sun)day\b))|"
    # "by" of a deadline ("by May 15", "by the end of June"), not of an agent ("followed by the foundry rule")
    r"by(?=\s+(?:the\s+)?(?:end\b|(?:early|mid|late)[\s-]|next\b|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)|\d|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day\b))|"
    # a plan to do something ("plans to", "planned for"), not a plan written ("to draw up an AI action plan")
    r"no later than|scheduled|slated|set to|plans?(?=\s+(?:to|for)\b)|planned|expected|intends?|upcoming|compl(?:y|iance)|kicks? in|"
    r"apply|applies|comments?|expires?|next|remaining|in stages|phased|ahead of|cut-?off)\b|将|起",  # "ahead of July 9 cutoff"  # 将: will; 起: from (7月9日起)
    re.I,
)
# A past that did not happen is no plan: "January's rule would have capped their imports".
_COUNTERFACTUAL = re.compile(r"\bwould have\b", re.I)
_HAD_DONE_BY = re.compile(r"^\s*By\s+\w+\b[^,;]*?\bhad\s+(?:already\s+)?\w+(?:ed|en)\b")
# Words of a sentence about what is to come (narrower than PLANNED: "from" and "by" also tell the past).
FUTURE = re.compile(
    r"\b(?:will|would|shall|scheduled|slated|set to|plans?|planned|expected|intends?|upcoming|due|deadline)\b", re.I
)
FUTURE_MARGIN = timedelta(days=2)  # a report's clock and time zone: a day or two ahead is not the future
EXACT_SOURCES = ("published", "url")


@dataclass(frozen=True)
class Reference:
    """The day a report speaks from and where it came from: published (its publication date),
    url (a day its URL names), text (the latest day it states with a year), or none."""

    day: date | None
    source: str = "published"

    @property
    def exact(self) -> bool:
        """The report's own day, against which "on Tuesday" and "yesterday" can be read."""
        return self.day is not None and self.source in EXACT_SOURCES


@dataclass(frozen=True)
class FoundDate:
    start: int
    end: int
    value: date
    precision: str = "day"
    certainty: float = 1.0  # how sure the resolution is (a weekday is a guess of the week)
    explicit_year: bool = False
    suspicious: bool = False  # after the reference, and the sentence does not say it is planned
    forward: bool = False  # the date of what follows it ("a week after the US widened restrictions")
    anaphor: bool = False  # "the same day" told after a day of the sentence: that day again, for the verbs near it
    recalled: bool = False  # "the previous day": a day before the one the report is telling, not that one
    gloss: bool = False  # counted in apposition to the date before it: only its own clause's act takes it
    retold: bool = (
        False  # "Two days after the rule took effect": its span covers that act, told before, not of this day
    )


@dataclass
class Context:
    """What earlier sentences of the same report said: the latest day stated, and the day the rule
    was published in the Federal Register ("30 days after publication")."""

    last: date | None = None
    released: date | None = None  # the day a sentence says the rule was released or issued ("on release")
    effective: date | None = None  # the day a sentence says a rule took effect ("It took effect on January 13")
    told: date | None = None  # the latest day of a sentence that speaks of no plan: when things happened
    publication: date | None = None
    recent_years: tuple[int, ...] = ()  # the years of the full dates the sentence before stated
    coarse: date | None = None  # the latest month or year earlier sentences stated ("in October 2022. A year later")
    month: date | None = None  # the month of the last date earlier sentences stated ("6月下旬 ...；腾讯云同月")
    heading: int | None = None  # the year of the latest heading that is a year alone ("2020."), on an undated page
    acts: dict[str, date] = field(
        default_factory=dict
    )  # the day of the latest act of each kind told ("the rescission")


def find_dates(sentence: str, reference: Reference | date | None, context: Context | None = None) -> list[FoundDate]:
    """Every dated expression in `sentence`, in order, resolved against `reference` (a bare date is a
    publication date) and, for "a day after" or "after publication", the report's `context`."""
    if not isinstance(reference, Reference):
        reference = Reference(reference, "published" if reference else "none")
    context = context or Context()
    planned = (
        bool(PLANNED.search(sentence))
        and not _COUNTERFACTUAL.search(sentence)
        # a story told in the past perfect is no plan: "By July the story had reversed, with Nvidia saying ... would"
        and not _HAD_DONE_BY.search(sentence)
    )
    found: list[FoundDate] = []
    months = bool(_ANY_MONTH.search(sentence))  # most sentences with a date hint name no month
    for finder in (_explicit_days, _months_with_year) if months else ():
        _add(found, finder(sentence))
    _add(found, _years_alone(sentence))
    # "In 2023 ..., effective 1 August"; not the year that names a rule ("the October 17 rules, which closed gaps
    # in the 2022 controls", in a 2023 report: October 17 is of the report's year)
    years = [f.value.year for f in found if f.precision == "year" and not _YEAR_OF_RULE.match(sentence, f.start)]
    if months:
        if reference.source == "text":
            # An undated page: a day without a year takes the year this sentence or the one before states
            # ("announced the controls on 15 August 2024, and they applied from 15 September"), else none:
            # the year is not guessed from a date told elsewhere on the page.
            stated = (
                {f.value.year for f in found if f.explicit_year}
                or set(context.recent_years)
                or ({context.heading} if context.heading else set())
            )
            reference = reference if len(stated) == 1 else Reference(None, "none")
            years = years or sorted(stated)
        stated_years = tuple((f.start, f.value.year) for f in found if f.explicit_year)
        # "It answered with chips trimmed to pass the rules of that October": the year told the sentence before
        told_before = context.recent_years[-1:] or ((context.coarse.year,) if context.coarse else ())
        stated_years = tuple((-1, year) for year in told_before) + stated_years
        full = tuple(
            (f.start, f.value)
            for f in found
            if f.explicit_year and f.precision in ("day", "month") and not NAMED_RULE_AFTER.match(sentence, f.end)
        )
        yearless = _yearless(sentence, reference, years, planned, stated_years, full)
        took_year = any(f.precision == "day" for f in yearless) or (reference.day is None and yearless)
        if len(set(years)) == 1 and took_year:
            # "In 2023 Beijing began requiring licences, effective 1 August", "in 2025: published in January and
            # rescinded in May": the year dates the day or month, not an act
            found = [f for f in found if f.precision != "year"]
        _add(found, yearless)
    if reference.exact:
        assert reference.day is not None
        _add(found, _weekdays(sentence, reference.day) + _relative(sentence, reference.day), slack=3)
        _add(found, _chinese_relative(sentence, reference.day, found))
    own_day = reference.day if reference.exact else None
    _add(found, _counted(sentence, sorted(found, key=lambda f: f.start), context, own_day))
    found = _distinct(sorted((f for f in found if not _dateline(sentence, f)), key=lambda f: f.start))
    found = _day_of_counted_month(sentence, found)
    if reference.exact and not planned:
        found = [_suspect(f, reference) for f in found]
    return found


_ON_DAY = re.compile(r",?\s*(?:on\s+)?")


def _day_of_counted_month(sentence: str, found: list[FoundDate]) -> list[FoundDate]:
    """ "Three months later, on August 17": the day names the counted month's day, in its year; one date."""
    out: list[FoundDate] = []
    for f in found:
        month = out[-1] if out else None
        if (
            month is not None
            and month.precision == "month"
            and f.precision == "day"
            and not f.explicit_year
            and f.value.month == month.value.month
            and _ON_DAY.fullmatch(sentence, month.end, f.start)
        ):
            day = _make(month.value.year, f.value.month, f.value.day)
            if day is not None:
                out[-1] = replace(f, start=month.start, value=day)
                continue
        out.append(f)
    return out


# A wire story's dateline: "KUALA LUMPUR, July 15 - ...", "BEIJING (Feb 4) - ...": the day it was filed,
# no date of what it tells (the story says "on Monday" for that).
# "SANTA CLARA, Calif., Oct 24 - ": a place with its state or country
_DATELINE_BEFORE = re.compile(r"[A-Z][A-Z.'’ -]{1,40}(?:,\s*[A-Z][\w.]{1,12}(?:\s[A-Z][\w.]{1,12})?)?(?:,\s*|\s*\(\s*)")
_DATELINE_AFTER = re.compile(r"\s*(?:\([^()]{1,30}\))?\s*\)?\s*[-–—]")  # "July 15 (Meridian Wire) -"


def _dateline(sentence: str, found: FoundDate) -> bool:
    return bool(_DATELINE_BEFORE.fullmatch(sentence, 0, found.start) and _DATELINE_AFTER.match(sentence, found.end))


def _distinct(found: list[FoundDate]) -> list[FoundDate]:
    """One date per day in a sentence ("told it on Monday that the requirements apply immediately"):
    the first way it is written takes the triggers."""
    first: dict[tuple[date, str], int] = {}
    out: list[FoundDate] = []
    for f in found:
        key = (f.value, f.precision)
        if f.anaphor:
            out.append(f)
        elif key not in first:
            first[key] = len(out)
            out.append(f)
        elif out[first[key]].forward and not f.forward:  # "two months after ... was rescinded in May": "in May"
            out[first[key]] = f
    return out


def _add(found: list[FoundDate], more: list[FoundDate], slack: int = 0) -> None:
    """Add dates that do not overlap one already found (longer, more explicit forms are found first);
    `slack` joins neighbours ("Tuesday, July 9" is one date)."""
    for extra in more:
        if not any(f.start - slack < extra.end and extra.start < f.end + slack for f in found):
            found.append(extra)


def _suspect(found: FoundDate, reference: Reference) -> FoundDate:
    """Mark a date after the report's own day (a month or year that starts after it)."""
    assert reference.day is not None
    limit = reference.day + FUTURE_MARGIN if found.precision == "day" else reference.day
    return replace(found, suspicious=True) if found.value > limit else found


def has_date_hint(sentence: str) -> bool:
    """A cheap test before the slower resolution."""
    if sentence.isascii() and not _may_hint(sentence):
        return False
    return bool(
        _HINT.search(sentence)
        or _WEEKDAY.search(sentence)
        or _RELATIVE.search(sentence)
        or _YEARS_AGO.search(sentence)
        or _AFTER_PUBLICATION.search(sentence)  # "within 21 days of today's publication"
    )


# Every match of _HINT, _WEEKDAY or _RELATIVE in an ASCII sentence contains one of these: a digit,
# a month's first three letters as written, or one of the words in lower case (each weekday ends
# in "day"). Most sentences of a report hold none, and looking for these costs about a tenth of
# running the three expressions. Outside ASCII, case-insensitive matching has more forms ("ı"
# matches "i"), so other sentences always take the expressions.
_HINT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HINT_WORDS = (
    "day", "week", "month", "year", "tomorrow", "spring", "summer", "autumn", "fall", "winter", "immediate",
    "later", "after", "same", "alongside", "companion", "separate", "second notice", "issuance", "before",
    "release", "issued", "publication", "effect", "parallel", "at once",
)  # fmt: skip
_HINT_DIGIT = re.compile(r"[0-9]")


def _may_hint(sentence: str) -> bool:
    if _HINT_DIGIT.search(sentence):
        return True
    for month in _HINT_MONTHS:  # plain loops: a quarter faster than any() over a generator
        if month in sentence:
            return True
    lower = sentence.lower()
    for word in _HINT_WORDS:  # noqa: SIM110
        if word in lower:
            return True
    return False


_HINT = re.compile(
    rf"\b(?:{_MONTH_WORDS})\b|\b{_YEAR_WORD}\b|\d\s*月|\b(?i:immediate(?:ly)?|later|after|same|alongside|companion|separate|second notice|issuance|next day|following day|before|previous day|preceding day|within (?:a few )?days|days? earlier|weeks? earlier|in parallel|at once)\b|即日|之日起|今[起天日]|昨[天日]|当[天日]|同[日天月]|当月|同一天|近日|次日|翌日|前一[天日]|天之?前|\d\s*日"
    r"|\bon release\b|\bwhen (?:it|they) (?:was|were) (?:issued|released)\b"
    # the rest of _IMMEDIATELY's forms: "took effect on the day it was issued", "upon publication"
    r"|\b(?:on|upon) (?:the day (?:it|they) (?:was|were)|publication|release)\b|\bwith effect from the (?:date|day)\b",
)


# ---- explicit forms -------------------------------------------------------------------------


def _month_number(word: str) -> int:
    return ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec").index(
        word[:3].lower()
    ) + 1


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _explicit_days(sentence: str) -> list[FoundDate]:
    """Days written with their year."""
    found = []
    for pattern in (_ISO, _SLASHED, _MONTH_FIRST, _DAY_FIRST, _CHINESE_DAY):
        for m in pattern.finditer(sentence):
            if not m.group("year"):
                continue
            month = int(m.group("mm")) if "mm" in m.groupdict() else _month_number(m.group("month"))
            value = _make(int(m.group("year")), month, int(m.group("day")))
            if value:
                found.append(FoundDate(m.start(), m.end(), value, explicit_year=True))
    return found


def _months_with_year(sentence: str) -> list[FoundDate]:
    found = []
    for pattern in (_MONTH_YEAR, _CHINESE_MONTH):
        for m in pattern.finditer(sentence):
            month = int(m.group("mm")) if "mm" in m.groupdict() else _month_number(m.group("month"))
            value = _make(int(m.group("year")), month, 1)
            if value:
                found.append(FoundDate(m.start(), m.end(), value, "month", 0.95, explicit_year=True))
    return found


# A rule named by its year: "the 2023 rules", "after the 2023 tightening".
_YEAR_OF_RULE = re.compile(
    rf"\bthe (?P<year>{_YEAR_WORD}) (?=(?:export\s+)?(?:rules|controls|curbs|tightening|restrictions)\b)", re.I
)


def _years_alone(sentence: str) -> list[FoundDate]:
    found = []
    for m in [*_YEAR_ALONE.finditer(sentence), *_YEAR_OF_RULE.finditer(sentence)]:
        year = int(m.group("year"))
        found.append(FoundDate(m.start(), m.end(), date(year, 1, 1), "year", 0.85, explicit_year=True))
    return found


# ---- days and months without a year --------------------------------------------------------


def _yearless(
    sentence: str,
    reference: Reference,
    years: list[int],
    planned: bool,
    stated: tuple[tuple[int, int], ...] = (),
    full: tuple[tuple[int, date], ...] = (),
) -> list[FoundDate]:
    """Days and months written without a year: the sentence's own year, else the reference's nearest
    year (not put in the future unless planned), else nothing (no reference: no guess)."""
    found = []

    def of_year_after(end: int) -> bool:
        return _OF_YEAR.match(sentence, end) is not None or _YEAR_TOLD_AFTER.match(sentence, end) is not None

    def prior_year(at: int) -> list[date]:
        """The full dates told before `at` with no other year named between ("今年8月", "this year")."""
        # nor across a semicolon ("... the first round of controls in October 2022; the rest still takes effect on
        # Nov. 17": a clause of its own, of the report's time)
        return [
            when
            for start, when in full
            if start < at and not _OTHER_YEAR.search(sentence, start, at) and ";" not in sentence[start:at]
        ]

    for pattern in (_MONTH_FIRST, _DAY_FIRST, _CHINESE_DAY):
        for m in pattern.finditer(sentence):
            if m.group("year"):
                continue
            month = int(m.group("mm")) if "mm" in m.groupdict() else _month_number(m.group("month"))
            day = int(m.group("day"))
            value = _with_year(month, day, reference, years, planned)
            prior = prior_year(m.start())
            if prior and len(set(years)) != 1 and not NAMED_RULE_AFTER.match(sentence, m.end()):
                # "announced on July 3, 2023, to apply from August 1": the year of the full date told before it, or
                # the next when that puts it half a year or more before it ("on December 3, 2024 ..., from January
                # 5"), not when it tells of a little earlier ("filed on April 15, 2025, ... informed it on April 9")
                value = _after_told(prior[-1], month, day)
            end = m.end()
            that_year = _DAY_THAT_YEAR.match(sentence, end)
            if that_year:  # "began on August 1 that year": the year told before it in the sentence, else none
                earlier = [year for at, year in stated if at < m.start()]
                value = _make(earlier[-1], month, day) if earlier else None
                end = that_year.end()
            elif cn_year := _CN_YEAR_WORD.search(sentence, max(0, m.start() - 2), m.start()):  # "今年1月10日"
                year = _year_of(_CN_YEAR_WORDS[cn_year.group(0)], reference, years)
                value = _make(year, month, day) if year else None
            elif of_year := _OF_YEAR.match(sentence, end):  # "on 3 March last year"
                year = _year_of(of_year.group(1).lower(), reference, years)
                value = _make(year, month, day) if year else None
                end = of_year.end()
            if value:
                certainty = 1.0 if years or reference.exact else 0.8
                found.append(FoundDate(m.start(), end, value, certainty=certainty))
    told_before = [year for at, year in stated if at < 0]
    for m in _MONTH_ALONE.finditer(sentence):
        before = _LEAD_BEFORE.search(sentence, max(0, m.start() - 40), m.start())
        owner = before is None and _OWNER_BEFORE.search(sentence, max(0, m.start() - 40), m.start())
        subject = not sentence[: m.start()].strip() and _MONTH_SUBJECT.match(sentence, m.end())
        if before is None and not owner and not _POSSESSIVE.match(sentence, m.end()) and not subject:
            continue
        month = _month_number(m.group("month"))
        lead = before["lead"].lower() if before else "the" if owner else ""
        # An undated page: the sentence's own year ("in 2025: published in January and rescinded in May").
        sentence_year = years[0] if reference.day is None and len(set(years)) == 1 else None
        # "a reversal from April, when the US told it ...": a month that a clause in the past describes
        # or a month that owns a thing already there: "from April's licence requirement to ..."
        told_past = _PAST_WHEN.match(sentence, m.end()) is not None or _POSSESSIVE.match(sentence, m.end()) is not None
        when = (
            date(sentence_year, month, 1)
            if sentence_year
            else _month_with_year(month, lead, reference, planned and not told_past)
        )
        prior = prior_year(m.start())
        if prior and not sentence_year and lead not in ("last", "next", "this", "that") and not of_year_after(m.end()):
            # "began enforcing in July 2023 and the Netherlands followed in September": the year told before it in
            # the sentence, or the next when that puts it half a year or more before it
            when = _after_told(prior[-1], month)
        elif told_before and not sentence_year and lead == "before" and WAS_OUT.match(sentence, m.end()):
            # "OpenAI began blocking on July 9, 2024. Before June was out, ...": the story's year, told the
            # sentence before, not the report's
            story = date(told_before[-1], month, 1)
            when = story if reference.day is None or story <= reference.day else when
        if lead == "that":  # "graphite followed that October": the month of the year told before it, else none
            earlier = [year for at, year in stated if at < m.start()]
            when = date(earlier[-1], month, 1) if earlier else None
        end = m.end()
        of_year = _OF_YEAR.match(sentence, m.end())
        if of_year:  # "in July of last year", "in December of that year"
            year = _year_of(of_year.group(1).lower(), reference, years)
            when = date(year, month, 1) if year else None
            end = of_year.end()
        if when:
            found.append(FoundDate(before.start() if before else m.start(), end, when, "month", 0.85))
    for m in _CHINESE_MONTH_PART.finditer(sentence):
        sentence_year = years[0] if len(set(years)) == 1 else None
        month = int(m.group("mm") or m.group("alone"))
        when = date(sentence_year, month, 1) if sentence_year else _month_with_year(month, "in", reference, planned)
        if when and 1 <= month <= 12:
            found.append(FoundDate(m.start(), m.end(), when, "month", 0.85))
    return found


# After a day, the rule it names: "January 13, 2025 AI Diffusion rule", "the December 2 rules": a rule's name, not
# a day the story is at (nor one to count from, nor the year of the days after it).
NAMED_RULE_AFTER = re.compile(
    r",?\s+(?:\d{4}\s+)?(?-i:(?:[A-Z][\w-]*\s+){0,3})(?:rules?|framework|regulations?|controls|package)\b", re.I
)


def _after_told(told: date, month: int, day: int = 1) -> date | None:
    """A day or month without a year told after `told` in the sentence: of `told`'s year, or of the next when that
    would put it half a year or more before `told` ("on December 3, 2024 ..., from January 5")."""
    value = _make(told.year, month, day)
    if value and (told - value).days > 183:
        value = _make(told.year + 1, month, day)
    return value


WAS_OUT = re.compile(r"\s+was\s+out\b", re.I)  # "Before June was out": within that month
_CN_YEAR_WORD = re.compile(r"(?:今年|去年|明年)$")  # this, last, next year, before a Chinese day
_CN_YEAR_WORDS = {"今年": "this", "去年": "last", "明年": "next"}  # in the words `_year_of` reads
_YEAR_TOLD_AFTER = re.compile(r"\s+(?:this|last|next|that|the same|the previous|the following) year\b", re.I)
_OTHER_YEAR = re.compile(r"今年|去年|明年|\b(?:this|last|next) year\b", re.I)
_DAY_THAT_YEAR = re.compile(r",?\s+(?:of\s+)?(?:that|the same) year\b", re.I)
# "in July of last year", "in August last year"
_OF_YEAR = re.compile(r",?\s+(?:of\s+)?(last|this|that|the same|the previous|the following|next) year\b", re.I)


def _year_of(which: str, reference: Reference, years: list[int]) -> int | None:
    """The year of "of last year" (the reference's year before), "of that year" (the year the sentence states)."""
    if which in ("that", "the same"):
        return years[-1] if years else None
    if reference.day is None:
        return None
    step = {"last": -1, "the previous": -1, "next": 1, "the following": 1}.get(which, 0)
    return reference.day.year + step


_PAST_WHEN = re.compile(r",?\s+when\b(?![^,;.]*\b(?:will|shall|takes?|comes?|enters?|begins?|starts?)\b)", re.I)


def _with_year(month: int, day: int, reference: Reference, years: list[int], planned: bool) -> date | None:
    if len(set(years)) == 1:  # "In 2023 Beijing began requiring licences, effective 1 August"
        return _make(years[0], month, day)
    if reference.day is None:
        return None
    anchor = reference.day
    options = [d for d in (_make(anchor.year + k, month, day) for k in (-1, 0, 1)) if d]
    if not options:
        return None
    best = min(options, key=lambda d: abs((d - anchor).days))
    if best > anchor + FUTURE_MARGIN and not planned:  # a report tells what happened
        earlier = _make(best.year - 1, month, day)
        return earlier or best
    return best


def _month_with_year(month: int, lead: str, reference: Reference, planned: bool) -> date | None:
    if reference.day is None:
        return None
    anchor = reference.day.replace(day=1)
    this_year = date(anchor.year, month, 1)
    if lead == "of" and planned:  # "on the last day of June", "by the end of June": the nearest June
        options = [date(anchor.year + k, month, 1) for k in (-1, 0, 1)]
        return min(options, key=lambda d: abs((d - anchor).days))
    if lead == "next" or (planned and lead not in ("last", "since", "in", "the")):
        return this_year if this_year >= anchor else date(anchor.year + 1, month, 1)
    if lead == "last":
        return this_year if this_year < anchor else date(anchor.year - 1, month, 1)
    return this_year if this_year <= anchor else date(anchor.year - 1, month, 1)


# ---- relative dates ---------------------------------------------------------------------------


# A weekday told of what is to come is the next such day: "is scheduled to appear in the Federal Register
# on Thursday", "the rule will be published on Friday".
# So is one a rule "takes effect" on, told in the present ("The listing takes effect on Wednesday").
_AHEAD = re.compile(
    r"\b(?:will|shall|(?:is|are) (?:scheduled|slated|set|due|expected) (?:to|for)|takes effect|take effect|"
    r"comes into (?:force|effect)|enters into force|goes into effect|kicks? in)\b[^,;]*$",
    re.I,
)


def _weekdays(sentence: str, published: date) -> list[FoundDate]:
    found = []
    for m in _WEEKDAY.finditer(sentence):
        qualifier, weekday = (m.group(1) or "").lower(), WEEKDAYS.index(m.group(2).lower())
        if qualifier == "following":
            continue  # "printed the following Tuesday": after the day told before it (`_counted`)
        back = (published.weekday() - weekday) % 7
        if not qualifier and _AHEAD.search(sentence, max(0, m.start() - 60), m.start()):
            value = published + timedelta(days=(weekday - published.weekday()) % 7)
        elif qualifier in ("next", "by", "until", "before", "coming"):
            value = published + timedelta(days=(weekday - published.weekday()) % 7 or 7)
        elif qualifier == "last":
            value = published - timedelta(days=back or 7)
        elif qualifier == "a week ago":  # "released a week ago Friday": the Friday a week before the last one
            value = published - timedelta(days=back + 7)
        else:
            value = published - timedelta(days=back)
        found.append(FoundDate(m.start(), m.end(), value, certainty=0.85))
    return found


# "Five years ago this week", "two years ago": the report's year less that many, to its month when told with "this
# week" or "this month", else to the year.
_YEARS_AGO = re.compile(rf"\b{_COUNT}\s+years?\s+ago\b(?P<this>,?\s+this\s+(?:week|month)\b)?", re.I)


def _relative(sentence: str, published: date) -> list[FoundDate]:
    found = []
    for m in _YEARS_AGO.finditer(sentence):
        year = published.year - _count(m)
        if m.group("this"):
            found.append(FoundDate(m.start(), m.end(), date(year, published.month, 1), "month", certainty=0.8))
        else:
            found.append(FoundDate(m.start(), m.end(), date(year, 1, 1), "year", certainty=0.8))
    for m in _RELATIVE.finditer(sentence):
        words = m.group(1).lower().split()
        unit, which = words[-1], words[-2] if len(words) > 1 else ""
        if unit in ("yesterday", "today", "tomorrow"):
            shift = {"yesterday": -1, "today": 0, "tomorrow": 1}[unit]
            found.append(FoundDate(m.start(), m.end(), published + timedelta(days=shift), certainty=0.9))
            continue
        step = {"last": -1, "previous": -1, "next": 1, "following": 1}.get(which, 0)
        if unit == "week":  # a week is told to the month it falls in (mostly)
            value, precision = (published + timedelta(days=7 * step - 3 * (step == 0))).replace(day=1), "month"
        elif unit == "month":
            value, precision = _shift_month(published.replace(day=1), step), "month"
        elif unit in _SEASONS:  # "this spring": a season is told to its year
            value, precision = date(published.year, 1, 1), "year"
        else:
            value, precision = date(published.year + step, 1, 1), "year"
        found.append(FoundDate(m.start(), m.end(), value, precision, certainty=0.8))
    return found


_SEASONS = ("spring", "summer", "autumn", "fall", "winter")
# Chinese relative days: 今天/今日/今起/即日起 (today, from today), 昨天/昨日 (yesterday).
_LATELY = re.compile(r"近日")
_CHINESE_RELATIVE = re.compile(r"(?:自)?(?:即日起|今起|今[天日](?:起)?)|昨[天日]")
_CHINESE_DAY_ONLY = re.compile(r"(?<![月\d年今昨当次翌即])(?P<day>\d{1,2})\s*日")


def _chinese_relative(sentence: str, published: date, before: list[FoundDate]) -> list[FoundDate]:
    """今天, 昨天 and "15日" read against the report's day; 即日起 ("from this very day") in a sentence that
    dated its act ("商务部3日发布公告……即日起不予许可") is that act's day, not the report's."""
    found: list[FoundDate] = []
    for m in _CHINESE_DAY_ONLY.finditer(sentence):  # "15日发布": the 15th of the report's month, or of the month before
        day = int(m.group("day"))
        value = _make(published.year, published.month, day) if day <= published.day else None
        if value is None and day > published.day:
            last_month = _shift_month(published.replace(day=1), -1)
            value = _make(last_month.year, last_month.month, day)
        if value:
            found.append(FoundDate(m.start(), m.end(), value, certainty=0.95))
    for m in _LATELY.finditer(sentence):  # 近日 ("in recent days"): the report's month, as a week is
        found.append(FoundDate(m.start(), m.end(), published.replace(day=1), "month", certainty=0.8))
    for m in _CHINESE_RELATIVE.finditer(sentence):
        value = published - timedelta(days=m.group(0).startswith("昨"))
        if "即日" in m.group(0):
            value = _day_before(sorted(before + found, key=lambda f: f.start), m.start()) or value
        found.append(FoundDate(m.start(), m.end(), value, certainty=0.9))
    return sorted(found, key=lambda f: f.start)


def _shift_month(first: date, step: int) -> date:
    index = first.year * 12 + first.month - 1 + step
    return date(index // 12, index % 12 + 1, 1)


def _counted(sentence: str, found: list[FoundDate], context: Context, own_day: date | None = None) -> list[FoundDate]:
    """ "two days later", "a day after ...", "120 days after publication", "immediately": counted from
    the date before them in the sentence, else from the latest day earlier sentences stated."""
    out = []
    for m in _LATER.finditer(sentence):
        if m.group("unit").lower() in ("month", "year"):
            out += _later_coarse(m, found, context)
            continue
        anchor = _day_before(found, m.start()) or context.last
        if anchor:
            out.append(FoundDate(m.start(), m.end(), anchor + _span(m), certainty=0.9))
    for m in _EARLIER.finditer(sentence):
        # not a day to come ("from April 10, matching the duty announced two days earlier"): the day told as past
        past = [f for f in found if own_day is None or f.value <= own_day]
        anchor = _day_before(past, m.start()) or context.told or context.last
        if anchor:
            out.append(FoundDate(m.start(), m.end(), anchor - _span(m), certainty=0.85, recalled=True))
    for m in _WEEKDAY.finditer(sentence):
        if (m.group(1) or "").lower() != "following":
            continue
        anchor = _day_before(found, m.start()) or context.told or context.last
        if anchor:
            ahead = (WEEKDAYS.index(m.group(2).lower()) - anchor.weekday()) % 7 or 7
            out.append(FoundDate(m.start(), m.end(), anchor + timedelta(days=ahead), certainty=0.85))
    found = sorted(found + out, key=lambda f: f.start)  # "published ... two days later" dates the publication
    for m in _BEFORE_CONTEXT.finditer(sentence):
        clause = sentence[m.end() : (sentence.find(",", m.end()) + 1 or len(sentence) + 1) - 1]
        after = [f.value for f in found if f.precision == "day" and f.start >= m.end() + len(clause)]
        if not sentence[: m.start()].strip() and after and m.group("unit").lower() != "month":
            # "Two days after the AI Diffusion rule was unveiled, BIS on January 15 released ...": counted back
            # from the day of the main clause
            out.append(FoundDate(m.start(), m.end(), after[0] - _span(m), certainty=0.85, forward=True))
            continue
        if not sentence[: m.start()].strip() and context.released and RELEASED.search(clause):
            # "Two days after the rule was released, BIS issued ...": counted from the release told before
            out.append(FoundDate(m.start(), m.end(), context.released + _span(m), certainty=0.85))
            continue
        if not sentence[: m.start()].strip() and context.effective and TOOK_EFFECT.search(clause):
            # "Two days after the framework took effect, BIS followed with ...": from the day told for that
            end = m.end() + len(clause)
            out.append(FoundDate(m.start(), end, context.effective + _span(m), certainty=0.85, retold=True))
            continue
        # without a day told before, the report's own: "A week after OpenAI's API went dark, ..." leads a story
        # (not a day that names a rule: "a week after the December 2 rules ..., and six days after Beijing banned")
        told_days = [f for f in found if not NAMED_RULE_AFTER.match(sentence, f.end)]
        anchor = _day_before(told_days, m.start()) or context.told or context.last or own_day
        # "In May, four months after its release, BIS dropped the rule": a gloss of the date before it, counted
        # from it, whose act is the one its own clause tells (the release), not the main clause's
        glossed = [f for f in found if f.precision != "year" and _APPOSITION.fullmatch(sentence, f.end, m.start())]
        if glossed and glossed[-1].precision == "month":
            anchor = glossed[-1].value
        gloss = bool(glossed)
        if m.group("unit").lower() == "month":  # "comes two months after X rescinded the rule": X's month
            if anchor is None:
                continue
            value = _shift_month(anchor.replace(day=1), -_count(m))
            out.append(FoundDate(m.start(), m.end(), value, "month", certainty=0.8, forward=True, gloss=gloss))
        elif anchor:
            out.append(FoundDate(m.start(), m.end(), anchor - _span(m), certainty=0.85, forward=True, gloss=gloss))
    for m in _BEFORE_IT.finditer(sentence):
        anchor = _day_before(found, m.start())
        if anchor:
            out.append(FoundDate(m.start(), m.end(), anchor + _span(m), certainty=0.85, forward=True))
    for m in _AFTER_PUBLICATION.finditer(sentence):
        published = (own_day if m.group("today") else None) or _published_in(sentence, found) or context.publication
        if published:
            out.append(FoundDate(m.start(), m.end(), published + _span(m), certainty=0.95))
    for m in _ALONGSIDE.finditer(sentence):
        act = context.acts.get(_ALONGSIDE_KINDS[m.group("act").lower().removesuffix("s")])
        if act is not None:
            out.append(FoundDate(m.start(), m.end(), act, certainty=0.8, retold=True))
    for m in _SAME_DAY.finditer(sentence):
        # the day told before it, counted ones too ("a day after Baidu said ..., and Alibaba the same day")
        before = _day_before(sorted(found + out, key=lambda f: f.start), m.start())
        if before is not None and "same" in m.group(0).lower():
            # "the public may comment until the same day", "on Oct. 17, the same day Washington widened the controls"
            out.append(FoundDate(m.start(), m.end(), before, certainty=0.85, anaphor=True))
            continue
        if _SAME_AS.match(sentence, m.end()) and context.last and "same" in m.group(0).lower():
            # "published a notice the same day as the order": the day told last, the order's
            out.append(FoundDate(m.start(), m.end(), context.last, certainty=0.8))
            continue
        # "in a companion action the same day": the rule's, when a rule was told released
        companion = _COMPANION.search(sentence) or RELEASED.search(sentence)
        anchor = (context.released if companion else None) or context.told or context.last
        # the day of what comes before it too, also when it opens a sentence that goes on to a later day ("The
        # same day, the regulator opened a review, and on May 21 it ...")
        # ("came on the same day that BIS released its rule, two days after ...": a day counted back is no day told)
        if anchor and (all(f.forward for f in found) or not sentence[: m.start()].strip()):
            out.append(FoundDate(m.start(), m.end(), anchor, certainty=0.8))
    for m in _IMMEDIATELY.finditer(sentence):
        on_release = m.group(0).lower().split()[-1] in (
            "release",
            "issuance",
            "issued",
            "released",
            "published",
            "announced",
        )
        on_release = on_release and context.released is not None
        # "Effective immediately, we will no longer sell": else the report's own day. Not a day to come before it
        # ("some provisions take effect on December 1, others immediately"); a rule told released on one day and
        # printed on another applies from its release.
        before = _day_before([f for f in found if own_day is None or f.value <= own_day], m.start())
        # nor a day to come told in an earlier sentence ("will levy a tariff from April 10. ... placed controls on
        # rare earths with immediate effect"): what is done at once is done by the report's own day
        earlier = [
            d for d in (context.released, context.told, context.last) if own_day is None or d is None or d <= own_day
        ]
        anchor = context.released if on_release else before or next((d for d in earlier if d), None) or own_day
        if m.group(0).lower() == "at once" and not (before or any(earlier)):
            anchor = None  # "has been told the requirement applies at once" with no day told: no day of its own
        if anchor:
            out.append(FoundDate(m.start(), m.end(), anchor, certainty=0.9))
    for m in _DAY_BEFORE.finditer(sentence):
        # "on October 24 Nvidia disclosed that it had been informed the previous day": the day before the one told
        # before it in the sentence, else before the day of the sentences before
        anchor = _day_before(found, m.start()) or (None if found else context.told or context.last)
        if anchor:
            out.append(
                FoundDate(
                    m.start(), m.end(), anchor - timedelta(days=1), certainty=0.85, explicit_year=True, recalled=True
                )
            )
    for m in _CHINESE_DAYS_BEFORE.finditer(sentence):  # "在……发布上述消息的两天前": counted back from that day
        anchor = context.told or context.last
        count = _CHINESE_COUNT.get(m.group("n")) or (int(m.group("n")) if m.group("n").isdigit() else None)
        if anchor and count and not found:
            out.append(FoundDate(m.start(), m.end(), anchor - timedelta(days=count), certainty=0.85, recalled=True))
    for m in _SAME_MONTH.finditer(sentence):
        before_it = [f.value for f in found if f.end <= m.start() and f.precision != "year"]
        month = context.month if not found else before_it[-1].replace(day=1) if before_it else None
        if month:
            out.append(FoundDate(m.start(), m.end(), month, "month", certainty=0.8))
    for m in _NEXT_DAY.finditer(sentence):
        # the day after the latest day told as past, not after a deadline told since ("set December 31 as the
        # compliance date. The association said the following day ...")
        anchor = _day_before(sorted(found + out, key=lambda f: f.start), m.start()) or context.told or context.last
        if anchor:
            out.append(FoundDate(m.start(), m.end(), anchor + timedelta(days=1), certainty=0.85, explicit_year=True))
    # "次日, 商务部发布公告 ..., 公告自公布之日起实施": from its publication, the day told before it in the sentence
    for i, f in enumerate(out):
        if sentence.startswith("自", f.start):
            others = found + [g for j, g in enumerate(out) if j != i]
            # not another clause's start ("部分条款自2025年12月1日起实施，其余条款自公布之日起实施")
            others = [g for g in others if not sentence.startswith("自", g.start - 1) or g.start == 0]
            told = _day_before(sorted(others, key=lambda g: g.start), f.start)
            if told is not None and told != f.value:
                out[i] = replace(f, value=told)
    return out


def _later_coarse(m: re.Match, found: list[FoundDate], context: Context) -> list[FoundDate]:
    """ "a year later" after "in October 2022" is 2023, "two months later" a month: counted from the date
    before it in the sentence (at any precision), else the latest day earlier sentences stated. Not
    when the sentence gives the day itself ("followed a year later: ... announced on 15 August 2024")."""
    before = [f for f in found if f.end <= m.start()]
    anchor, precision = (before[-1].value, before[-1].precision) if before else (context.last, "day")
    if anchor is None and context.coarse is not None:
        anchor, precision = context.coarse, "month"
    if anchor is None:
        return []
    count = _count(m)
    if m.group("unit").lower() == "year":
        value, precision = date(anchor.year + count, 1, 1), "year"
    elif precision == "year":
        return []
    else:
        value, precision = _shift_month(anchor.replace(day=1), count), "month"
    width = 4 if precision == "year" else 7
    if any(f.start >= m.end() and f.value.isoformat()[:width] == value.isoformat()[:width] for f in found):
        return []
    return [FoundDate(m.start(), m.end(), value, precision, certainty=0.8)]


def _count(m: re.Match) -> int:
    n = m.group("n").lower()
    return int(n) if n.isdigit() else _NUMBER.get(n, 1)


def _span(m: re.Match) -> timedelta:
    return timedelta(days=_count(m) * (7 if m.groupdict().get("unit", "day").lower() == "week" else 1))


def _day_before(found: list[FoundDate], position: int) -> date | None:
    days = [f.value for f in found if f.precision == "day" and f.end <= position]
    return days[-1] if days else None


_FR_PUBLISHED = re.compile(r"\bpublish\w*\b|\bFederal Register\b", re.I)


def _published_in(sentence: str, found: list[FoundDate]) -> date | None:
    """The day a sentence says the rule was published ("published in the Federal Register on ...")."""
    for f in found:
        if f.precision == "day" and _FR_PUBLISHED.search(sentence[max(0, f.start - 60) : f.start]):
            return f.value
    return None


def publication_day(sentence: str, found: list[FoundDate]) -> date | None:
    """The Federal Register publication day a sentence states, for the sentences after it."""
    if "Federal Register" not in sentence or re.search(r"\bwill be published\b", sentence, re.I):
        return None
    return _published_in(sentence, found)


def reference_from_text(sentences: list[str]) -> date | None:
    """The latest day a report states with its year, preferring sentences that do not speak of plans
    (a report is written after what it tells, and before what it announces); None when it states none."""
    told: list[date] = []
    planned: list[date] = []
    for sentence in sentences:
        days = [f.value for f in _explicit_days(sentence)]
        (planned if FUTURE.search(sentence) else told).extend(days)
    return max(told or planned, default=None)


def as_date(value: object) -> date | None:
    """A date stored as a date or as ISO text (YYYY-MM-DD); None for anything else."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def month_span(day: date) -> tuple[date, date]:
    """The first and last day of `day`'s month."""
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def warm_up() -> None:
    """Nothing to load any more (dateparser was); kept for the callers that prepare a run."""
