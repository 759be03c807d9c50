"""Dates in a sentence, resolved against the report's publication date.

Calendar dates ("July 9", "May 13, 2025", "2025-05-13") go through dateparser's
`search_dates` with the settings DESIGN.md asks for; a month and day without
a year take the year that puts the date nearest to the publication date.
Relative dates the reports use ("on Tuesday", "yesterday", "next month") are
resolved here: a bare weekday is the most recent such day on or before
publication (news writes "on Tuesday" for this week's Tuesday), "next
Tuesday" or "by Friday" the next one. Years alone ("founded in 2019") and
months alone ("in January 2025") are not dates of an action.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from dateparser.search import search_dates

MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
# A calendar date worth asking dateparser about (month names are capitalised: "may" is a verb).
CALENDAR_HINT = re.compile(
    rf"\b(?:{MONTHS})\.?\s+{_DAY}\b|\b{_DAY}\s+(?:of\s+)?(?:{MONTHS})\b"
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
)
_ABBREVIATED_MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# ", 2025" after "May 13", or after a range: "August 10 and 11, 2025".
_TRAILING_YEAR = re.compile(r"(?:\s*(?:and|to|-|–)\s*\d{1,2}\b)?,?\s*((?:19|20)\d{2})\b")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(
    r"\b(?:(next|last|this|by|until|before|coming)\s+)?"
    r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
    re.IGNORECASE,
)
_RELATIVE = re.compile(r"\b(yesterday|today|tomorrow|(?:next|last|this) month)\b", re.IGNORECASE)
_CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


@dataclass(frozen=True)
class FoundDate:
    start: int
    end: int
    value: date
    precision: str = "day"
    certainty: float = 1.0  # how sure the resolution is (a weekday is a guess of the week)
    explicit_year: bool = False


def find_dates(sentence: str, published: date) -> list[FoundDate]:
    """Every dated expression in `sentence`, in order, resolved against `published`."""
    found = _calendar_dates(sentence, published) + _chinese_dates(sentence)
    for extra in _weekdays(sentence, published) + _relative(sentence, published):
        if not any(f.start - 3 <= extra.end and extra.start <= f.end + 3 for f in found):
            found.append(extra)  # "Tuesday, July 9": the calendar date already covers it
    return sorted(found, key=lambda f: f.start)


def has_date_hint(sentence: str) -> bool:
    """A cheap test before the slower resolution."""
    return bool(
        CALENDAR_HINT.search(sentence)
        or _WEEKDAY.search(sentence)
        or _RELATIVE.search(sentence)
        or _CHINESE_DATE.search(sentence)
    )


def _calendar_dates(sentence: str, published: date) -> list[FoundDate]:
    text = _ABBREVIATED_MONTH.sub(lambda m: m.group(1) + " ", sentence)  # "Sept." -> "Sept ": same length
    hints = list(CALENDAR_HINT.finditer(text))
    if not hints:
        return []
    found, used = [], set()
    for matched, value in _search(text, published) or ():
        span = _locate(text, matched)
        # dateparser's match may reach into a neighbour ("2025 and on Jan 13"), or be no
        # calendar date at all ("now", "one year"): anchor each one on a date-looking hint.
        hint = next(
            (h for h in hints if span and h.start() < span[1] and span[0] < h.end() and h.start() not in used), None
        )
        if hint is None:
            continue
        used.add(hint.start())
        found.append(_resolve(text, hint, value.date(), published))
    for hint in hints:  # dateparser sometimes reads past a date ("November 11 after a ...") and drops it
        if hint.start() not in used:
            alone = _search(hint.group(0), published)
            if alone:
                found.append(_resolve(text, hint, alone[0][1].date(), published))
    return sorted((f for f in found if f is not None), key=lambda f: f.start)


def _search(text: str, published: date):
    settings = {
        "REQUIRE_PARTS": ["day", "month"],
        "PREFER_DATES_FROM": "current_period",
        "RELATIVE_BASE": datetime.combine(published, datetime.min.time()),
    }
    return search_dates(text, languages=["en"], settings=settings)


def _locate(text: str, matched: str) -> tuple[int, int] | None:
    """Where dateparser's match is (it may have collapsed spaces)."""
    pattern = re.compile(r"\s+".join(re.escape(word) for word in matched.split()))
    m = pattern.search(text)
    return (m.start(), m.end()) if m else None


def _resolve(text: str, hint: re.Match, value: date, published: date) -> FoundDate | None:
    """The year written with the date, else the year that puts it nearest to `published`."""
    inside = _YEAR.search(hint.group(0))  # 2025-05-13, 5/13/2025
    trailing = _TRAILING_YEAR.match(text, hint.end())  # "May 13, 2025"
    year = int(trailing.group(1)) if trailing else int(inside.group(0)) if inside else None
    end = trailing.end() if trailing else hint.end()
    if year is not None:
        resolved = _replace_year(value, year)
        return FoundDate(hint.start(), end, resolved, explicit_year=True) if resolved else None
    options = [d for d in (_replace_year(value, published.year + k) for k in (-1, 0, 1)) if d]
    if not options:
        return None
    return FoundDate(hint.start(), end, min(options, key=lambda d: abs((d - published).days)))


def _replace_year(value: date, year: int) -> date | None:
    try:
        return value.replace(year=year)
    except ValueError:  # February 29
        return None


def _weekdays(sentence: str, published: date) -> list[FoundDate]:
    found = []
    for m in _WEEKDAY.finditer(sentence):
        qualifier, weekday = (m.group(1) or "").lower(), WEEKDAYS.index(m.group(2).lower())
        back = (published.weekday() - weekday) % 7
        if qualifier in ("next", "by", "until", "before", "coming"):
            value = published + timedelta(days=(weekday - published.weekday()) % 7 or 7)
        elif qualifier == "last":
            value = published - timedelta(days=back or 7)
        else:
            value = published - timedelta(days=back)
        found.append(FoundDate(m.start(), m.end(), value, certainty=0.85))
    return found


def _relative(sentence: str, published: date) -> list[FoundDate]:
    found = []
    for m in _RELATIVE.finditer(sentence):
        word = m.group(1).lower()
        if word.endswith("month"):
            first = published.replace(day=1)
            if word.startswith("next"):
                first = (first + timedelta(days=32)).replace(day=1)
            elif word.startswith("last"):
                first = (first - timedelta(days=1)).replace(day=1)
            found.append(FoundDate(m.start(), m.end(), first, "month", certainty=0.8))
        else:
            shift = {"yesterday": -1, "today": 0, "tomorrow": 1}[word]
            found.append(FoundDate(m.start(), m.end(), published + timedelta(days=shift), certainty=0.9))
    return found


def _chinese_dates(sentence: str) -> list[FoundDate]:
    found = []
    for m in _CHINESE_DATE.finditer(sentence):
        try:
            value = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
        found.append(FoundDate(m.start(), m.end(), value, explicit_year=True))
    return found


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


@lru_cache(maxsize=1)
def warm_up() -> None:
    """dateparser loads its language data on first use (about a second); do it once, up front."""
    _search("on July 9, 2024", date(2024, 7, 1))
