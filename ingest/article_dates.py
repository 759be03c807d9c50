"""Dates of article pages: machine-readable dates, dates in URLs, bylines and the text (no network).

Dates are naive UTC datetimes; a day alone is midnight. Years outside 1990..2100 are not dates.
"""

from __future__ import annotations

import calendar
import copy
import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import htmldate
import lxml.html
from lxml import etree

_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?",
    re.IGNORECASE,
)


def parse_datetime(value: object) -> datetime | None:
    """A date from metadata (ISO 8601, RFC 822, 20240625, or written out), as naive UTC; None when it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    match = _ISO.match(text.replace("/", "-"))
    if match is None:
        return _parse_rfc822(text) or _parse_compact(text) or _parse_written(text)
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        found = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    if zone and zone.upper() != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        found = datetime.fromtimestamp(calendar.timegm(found.timetuple()) - offset * 60, UTC).replace(tzinfo=None)
    return found if _plausible(found.date()) else None


def _parse_rfc822(text: str) -> datetime | None:
    from email.utils import parsedate_to_datetime

    try:
        found = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if found.tzinfo is not None:
        found = found.astimezone(UTC).replace(tzinfo=None)
    return found if _plausible(found.date()) else None


def _parse_compact(text: str) -> datetime | None:
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})(?:\d{4,6})?", text)
    found = _make_date(*match.groups()) if match else None
    return datetime(found.year, found.month, found.day) if found else None


def _parse_written(text: str) -> datetime | None:
    """A date written for people in a metadata field ("June 25, 2024", "2024年6月25日")."""
    found = first_date_in(text[:80])
    return datetime(found.year, found.month, found.day) if found else None


def parse_datetimes(*values: object) -> datetime | None:
    return next((d for d in map(parse_datetime, values) if d is not None), None)


def _plausible(day: date) -> bool:
    return 1990 <= day.year <= 2100


def _make_date(year: str, month: str, day: str) -> date | None:
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if _plausible(found) else None


_URL_DATES = (
    re.compile(r"(?<!\d)((?:19|20|21)\d{2})/(\d{1,2})/(\d{1,2})(?=/|$|[^\d])"),  # /2024/06/25/
    re.compile(r"(?<!\d)((?:19|20|21)\d{2})-(\d{2})-(\d{2})(?!\d)"),  # /2024-06-25-title
    re.compile(r"(?<!\d)((?:19|20|21)\d{2})_(\d{2})_(\d{2})(?!\d)"),  # /2024_06_25
    re.compile(r"(?<![\d])((?:19|20|21)\d{2})(\d{2})(\d{2})(?![\d])"),  # /20240625/ or t20240625_123.html
    re.compile(r"(?<!\d)((?:19|20|21)\d{2})(\d{2})(\d{2})(?=\d{4,}|_)"),  # /202406251030_ (date then an id)
)


def date_from_url(url: str) -> date | None:
    """The day a URL's path names (/2024/06/25/, /20240625/, /2024-06-25-...); None for a month alone (/2024/06/):
    a first-of-month guess would look precise when it is not."""
    path = urlsplit(url).path
    for pattern in _URL_DATES:
        for match in pattern.finditer(path):
            if (found := _make_date(*match.groups())) is not None:
                return found
    return None


def date_from_urls(*urls: str | None) -> tuple[datetime | None, str | None]:
    for url in urls:
        found = date_from_url(url) if url else None
        if found is not None:
            return datetime(found.year, found.month, found.day), "url"
    return None, None


_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_TEXT_DATES = (
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{{2}})\b", re.IGNORECASE), (3, 1, 2)),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\s+((?:19|20)\d{{2}})\b", re.IGNORECASE), (3, 2, 1)),
    (re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), (1, 2, 3)),
    (re.compile(r"(?<!\d)((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), (1, 2, 3)),
)
_ANY_DATE = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _TEXT_DATES), re.IGNORECASE)
# A byline or dateline: "Published: June 25, 2024", "发布时间：2024-06-25", "Posted on 25 June 2024".
BYLINE = re.compile(
    r"\b(published|posted|issued|released|updated|dated?)\b|发布(时间|日期)?|日期|时间|来源",
    re.IGNORECASE,
)


def date_from_text(tree: lxml.html.HtmlElement, text: str) -> tuple[datetime | None, str | None]:
    """A byline date, a date opening the article or signing it off, else htmldate's search of the page
    without the parts that list other stories (related links, comments, navigation)."""
    found = _byline_date(tree) or first_date_in(text[:300]) or _signature_date(text)
    if found is None:
        found = _htmldate(_without_other_stories(tree))
    if found is None:
        return None, None
    return datetime(found.year, found.month, found.day), "text"


def _htmldate(tree: lxml.html.HtmlElement) -> date | None:
    """htmldate's search of the page. It fills a missing day or month with 1 (a year alone becomes January 1),
    which is not a day: a first of the month counts only when the page writes that date out."""
    found_text = htmldate.find_date(tree, extensive_search=False, original_date=True)
    found = date.fromisoformat(found_text) if found_text else None
    if found is not None and found.day == 1:
        page_text = " ".join(tree.itertext())
        if not any(first_date_in(m.group(0)) == found for m in _ANY_DATE.finditer(page_text)):
            return None
    return found


def _signature_date(text: str) -> date | None:
    """A date standing alone in one of the last paragraphs, as official notices sign off ("2025年2月4日")."""
    for paragraph in text.split("\n\n")[-3:]:
        if len(paragraph) <= 40 and (found := first_date_in(paragraph)):
            return found
    return None


# Containers whose dates belong to other stories or to readers, not to the article.
_OTHER_STORIES = re.compile(
    r"(?<![a-z])(related|recommend|comment|sidebar|most-?read|popular|trending|hot(?![a-z])|newsletter|subscribe"
    r"|share|breadcrumb|footer|nav(?![a-z])|menu|more-posts|read-?more)",
    re.IGNORECASE,
)


def _without_other_stories(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    pruned = copy.deepcopy(tree)
    doomed = [
        element
        for element in pruned.iter("aside", "nav", "footer", "section", "div", "ul", "ol")
        if element.tag in ("aside", "nav", "footer")
        or _OTHER_STORIES.search(f"{element.get('class', '')} {element.get('id', '')}")
    ]
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    return pruned


def _byline_date(tree: lxml.html.HtmlElement) -> date | None:
    """The first date in a short element that reads like a byline ("Published: ...", "发布时间：...") or is
    marked as one (class "dateline", "post-date", ...), outside navigation, related links and comments."""
    candidates = tree.xpath(
        "//body//*[self::p or self::span or self::div or self::li or self::time or self::small or self::em or self::td"
        " or self::font or self::strong or self::b][string-length(normalize-space(.)) < 160]"
    )
    for element in candidates:
        snippet = _squeeze(" ".join(element.itertext()))
        marked = _DATE_CLASS.search(f"{element.get('class', '')} {element.get('id', '')}")
        if (
            (marked or BYLINE.search(snippet))
            and (found := first_date_in(snippet))
            and not _about_other_stories(element)
        ):
            return found
    return None


_DATE_CLASS = re.compile(r"date|time|byline|posted|publish|meta|info", re.IGNORECASE)


def _about_other_stories(element: etree._Element) -> bool:
    return any(
        ancestor.tag in ("aside", "nav", "footer")
        or _OTHER_STORIES.search(f"{ancestor.get('class', '')} {ancestor.get('id', '')}")
        for ancestor in element.iterancestors()
    )


def first_date_in(text: str) -> date | None:
    """The first complete date written in `text` ("June 25, 2024", "25 June 2024", "2024年6月25日", "2024-06-25")."""
    found: list[tuple[int, date]] = []
    for pattern, (y, m, d) in _TEXT_DATES:
        for match in pattern.finditer(text):
            groups = match.groups()
            month = groups[m - 1]
            month_number = int(month) if month.isdigit() else _MONTHS.get(month.lower().rstrip("."), 0)
            if day := _make_date(groups[y - 1], str(month_number), groups[d - 1]):
                found.append((match.start(), day))
                break  # the first valid date of each form; the earliest of the forms wins
    return min(found)[1] if found else None


def time_element_date(tree: lxml.html.HtmlElement) -> datetime | None:
    """A <time datetime> that marks the publication (pubdate, itemprop) or the first one in the article."""
    marked = "//time[@datetime][@pubdate or @itemprop='datePublished' or contains(@class,'publish')]"
    for xpath in (marked, "//article//time[@datetime]", "//main//time[@datetime]", "//time[@datetime]"):
        for element in tree.xpath(xpath):
            if (found := parse_datetime(element.get("datetime"))) is not None:
                return found
    return None


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
