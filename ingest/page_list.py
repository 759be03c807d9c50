"""Listing pages of sites without feeds -> items, through CSS selectors (the scraper rules of feed readers).

A `page_list` source is a listing page (press releases, announcements, a news
index) plus selectors: one for each item's container, and inside it the link,
title, date and summary; one for the next-page link. This module is pure: it
takes the bytes of one listing page and returns the items on it and the next
page's URL; fetching and following pages is the caller's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from urllib.parse import urldefrag, urljoin

import soupsieve
from bs4 import BeautifulSoup, Tag

from ingest.article import decode_html as article_page_text
from ingest.errors import IngestError
from ingest.records import canonical_url, safe_link


class InvalidRules(IngestError):
    """A page_list source's settings cannot be used (unknown key, bad selector, out-of-range limit)."""


class NotHTML(IngestError):
    """The content is not an HTML page at all."""


MAX_PAGES_LIMIT = 20


@dataclass(frozen=True)
class ListingRules:
    """Where a listing page keeps its items; selectors are CSS (soupsieve)."""

    item: str  # each item's container on the listing page
    link: str = "a[href]"  # inside the item: the link to the article (the item itself when it matches)
    title: str | None = None  # inside the item: the title text (default: the link's text)
    date: str | None = None  # inside the item: the date (a <time datetime> attribute wins over text)
    summary: str | None = None  # inside the item: a line of summary
    next: str | None = None  # on the whole page: the next page's link
    max_pages: int = 3  # pages followed at most, 1..MAX_PAGES_LIMIT
    language: str | None = None  # hint for dates in words, e.g. "zh"

    def __post_init__(self) -> None:
        for name in ("item", "link", "title", "date", "summary", "next"):
            _check_selector(name, getattr(self, name), required=name in ("item", "link"))
        if isinstance(self.max_pages, bool) or not isinstance(self.max_pages, int):
            raise InvalidRules(f"max_pages must be a whole number from 1 to {MAX_PAGES_LIMIT}, not {self.max_pages!r}")
        if not 1 <= self.max_pages <= MAX_PAGES_LIMIT:
            raise InvalidRules(f"max_pages must be from 1 to {MAX_PAGES_LIMIT}, not {self.max_pages}")
        if self.language is not None and not (
            isinstance(self.language, str) and re.fullmatch(r"[A-Za-z-]{2,8}", self.language)
        ):
            raise InvalidRules(f"language must be a language code such as 'en' or 'zh', not {self.language!r}")


# The keys of a source's settings that rules_from_settings reads (all of ListingRules' fields).
SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ListingRules))


@dataclass
class ListedItem:
    """One item of a listing page."""

    url: str  # absolute http(s) URL, without fragment
    title: str
    published: datetime | None  # naive UTC; midnight for date-only values
    date_text: str | None  # the date as found on the page (the element's text, else its datetime attribute)
    summary: str = ""


@dataclass
class ListingPage:
    """The items of one listing page and the link to the next one."""

    items: list[ListedItem] = field(default_factory=list)
    next_url: str | None = None  # absolute http(s), never the page's own URL
    warning: str | None = None  # the page was read, but not all of it made sense


def rules_from_settings(settings: dict) -> ListingRules:
    """A source's settings dict -> ListingRules; InvalidRules names the bad key."""
    if not isinstance(settings, dict):
        raise InvalidRules(f"page_list settings must be a mapping of selector names, not {type(settings).__name__}")
    unknown = sorted(str(k) for k in settings if k not in SETTING_NAMES)
    if unknown:
        raise InvalidRules(f"unknown page_list setting(s): {', '.join(unknown)} (known: {', '.join(SETTING_NAMES)})")
    if not settings.get("item"):
        raise InvalidRules("page_list settings need 'item': a CSS selector for each item on the listing page")
    values = {k: v for k, v in settings.items() if v is not None}
    return ListingRules(**values)


def parse_listing(
    content: bytes, base_url: str, rules: ListingRules, headers: dict[str, str] | None = None
) -> ListingPage:
    """Read one listing page: its items (deduplicated by URL) and the next page's URL."""
    text = decode_html(content, headers)
    soup = BeautifulSoup(text, "lxml")
    for tag in soup(["script", "style", "template"]):  # their text is no title; <noscript> may hold the list
        tag.decompose()
    page_url = _page_base(soup, base_url)
    containers = soup.select(rules.item)
    if not containers:
        return ListingPage(items=[], next_url=None, warning=f"the item selector {rules.item!r} matched nothing")
    own = {canonical_url(urldefrag(url)[0]) for url in (base_url, page_url)}
    items: list[ListedItem] = []
    seen: set[str] = set()
    problems = dict.fromkeys(_PROBLEMS, 0)
    for container in containers:
        item = _read_item(container, page_url, rules, problems)
        key = canonical_url(item.url) if item is not None else ""
        if item is not None and key in own:  # "#", "./": a placeholder, not an article
            problems["a link to the listing itself"] += 1
        elif item is not None and key not in seen:
            seen.add(key)
            items.append(item)
    return ListingPage(items=items, next_url=_next_url(soup, page_url, own, rules), warning=_warning(problems))


_PROBLEMS = ("no link", "a link that is not http(s)", "a link to the listing itself", "no title", "no readable date")


# --- decoding -------------------------------------------------------------------------------------------------------

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def decode_html(content: bytes, headers: dict[str, str] | None = None) -> str:
    """The page as text (ingest.article.decode_html: byte-order mark, header charset, <meta> charset, then
    UTF-8); NotHTML if it is no HTML."""
    _refuse_binary(content, headers)
    text = article_page_text(content, headers)  # one charset reader for listings and articles
    _refuse_not_html(text)
    return text


def _refuse_binary(content: bytes, headers: dict[str, str] | None) -> None:
    head = content[:1024]
    if not content.strip():
        raise NotHTML("not an HTML page: the content is empty")
    if head.startswith(b"%PDF"):
        raise NotHTML("not an HTML page: the content is a PDF document")
    if b"\x00" in head and not any(content.startswith(bom) for bom, _ in _BOMS[1:]):
        raise NotHTML("not an HTML page: the content is binary")
    content_type = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), "").lower()
    if re.match(r"\s*(image|audio|video|font)/|\s*application/(pdf|zip|json)", content_type):
        raise NotHTML(f"not an HTML page: the server sent {content_type.split(';')[0].strip()}")


_HTML_TAG = re.compile(
    r"<(?:!doctype\s+html|html|head|body|div|p|a|ul|ol|li|table|article|section|main|span|h[1-6]|title|meta)[\s>/]",
    re.I,
)
_FEED_ROOT = re.compile(r"^\s*(?:<\?[^>]*>\s*|<!--.*?-->\s*)*<(?:[\w-]+:)?(rss|feed|RDF)[\s>]", re.S)


def _refuse_not_html(text: str) -> None:
    head = text[:65536]
    if head.lstrip()[:1] in ("{", "["):
        raise NotHTML("not an HTML page: the content is JSON")
    if _FEED_ROOT.match(head):
        raise NotHTML("not an HTML page: the content is a feed (subscribe to it as a feed instead)")
    if not _HTML_TAG.search(head):
        raise NotHTML("not an HTML page: no HTML elements in the content")


# --- items ----------------------------------------------------------------------------------------------------------


def _page_base(soup: BeautifulSoup, base_url: str) -> str:
    """The URL relative links resolve against: <base href> when it is http(s), else the page's URL."""
    base = soup.find("base", href=True)
    if isinstance(base, Tag):
        resolved = urljoin(base_url, _clean_href(str(base["href"])))
        if safe_link(resolved):
            return resolved
    return base_url


def _read_item(container: Tag, page_url: str, rules: ListingRules, problems: dict[str, int]) -> ListedItem | None:
    link = _link_element(container, rules.link)
    href = link.get("href") if link is not None else None
    if not isinstance(href, str) or not href.strip():
        problems["no link"] += 1
        return None
    url = _absolute(page_url, href)
    if url is None:
        problems["a link that is not http(s)"] += 1
        return None
    title = _title(container, link, rules.title)
    if not title:
        problems["no title"] += 1
    date_element = _select(container, rules.date) if rules.date else container.find("time")
    published, date_text = read_date(date_element, rules.language) if date_element is not None else (None, None)
    if rules.date and published is None:
        problems["no readable date"] += 1
    summary = _text(_select(container, rules.summary)) if rules.summary else ""
    return ListedItem(url=url, title=title, published=published, date_text=date_text, summary=summary)


def _select(container: Tag, selector: str) -> Tag | None:
    """The first match of the selector within the container, the container itself included."""
    if soupsieve.match(selector, container):
        return container
    return container.select_one(selector)


def _link_element(container: Tag, selector: str) -> Tag | None:
    element = _select(container, selector)
    if element is not None and not element.has_attr("href"):
        element = element.find("a", href=True)  # the selector named a heading or a wrapper around the link
    return element


def _title(container: Tag, link: Tag | None, selector: str | None) -> str:
    text = (_text(_select(container, selector)) if selector else "") or _text(link)
    whole = " ".join(str(link.get("title") or link.get("aria-label") or "").split()) if link is not None else ""
    # Listings shorten long titles ("关于对...的公告..."), keeping the whole one in the link's title attribute.
    if whole and (not text or (text.endswith(("...", "…")) and len(whole) > len(text.rstrip(".…")))):
        return whole
    return text


def _text(element: Tag | None) -> str:
    if element is None:
        return ""
    return " ".join(element.get_text(" ").split())


def _clean_href(href: str) -> str:
    # Browsers drop tabs and newlines anywhere in a URL and spaces at its ends.
    return re.sub(r"[\t\r\n]", "", href).strip()


def _absolute(page_url: str, href: str) -> str | None:
    url, _fragment = urldefrag(urljoin(page_url, _clean_href(href)))
    return url if safe_link(url) else None


def _next_url(soup: BeautifulSoup, page_url: str, own: set[str], rules: ListingRules) -> str | None:
    if not rules.next:
        return None
    element = soup.select_one(rules.next)
    if element is not None and not element.has_attr("href"):
        element = element.find("a", href=True)
    href = element.get("href") if element is not None else None
    if not isinstance(href, str) or not href.strip():
        return None
    url = _absolute(page_url, href)
    return url if url is not None and canonical_url(url) not in own else None


def _warning(problems: dict[str, int]) -> str | None:
    notes = [f"{n} item{'s' if n > 1 else ''} had {what}" for what, n in problems.items() if n]
    return "; ".join(notes) or None


# --- dates ----------------------------------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_DATE_PATTERNS = (
    re.compile(r"(?<!\d)" + _YEAR + r"\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"),
    re.compile(r"(?<!\d)" + _YEAR + r"[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<month>\d{1,2})/(?P<day>\d{1,2})/" + _YEAR + r"(?!\d)"),  # US order
    re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"(?!\d)", re.I),
    re.compile(r"(?<!\d)" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + r"(?!\d)", re.I),
)


def read_date(element: Tag, language: str | None = None) -> tuple[datetime | None, str | None]:
    """The date of a date element (or of a <time datetime> inside it) and the text it was read from."""
    time = element if element.name == "time" else element.find("time", attrs={"datetime": True})
    text = _text(element) or None
    if isinstance(time, Tag) and time.get("datetime"):
        attribute = str(time["datetime"]).strip()
        parsed = parse_iso(attribute)
        if parsed is not None:
            return parsed, text or attribute
    return (parse_date(text, language) if text else None), text


def parse_iso(value: str) -> datetime | None:
    """An ISO 8601 date or date-time -> naive UTC (midnight for a bare date)."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def parse_date(text: str, language: str | None = None) -> datetime | None:
    """The first complete date (day, month and year) in a listing's date text, as naive UTC midnight; else None."""
    found = [
        (match.start(), date)
        for pattern in _DATE_PATTERNS
        for match in pattern.finditer(text)
        if (date := _date_from(match)) is not None
    ]
    return min(found)[1] if found else _dateparser_fallback(text, language)


def _date_from(match: re.Match[str]) -> datetime | None:
    month = match.group("month")
    number = int(month) if month.isdigit() else _MONTHS[month.lower()]
    try:
        return datetime(int(match.group("year")), number, int(match.group("day")))
    except ValueError:
        return None


def _dateparser_fallback(text: str, language: str | None) -> datetime | None:
    """Dates in words of other languages; only absolute, complete dates (never resolved against today)."""
    if not re.search(r"(?<!\d)\d{4}(?!\d)", text):
        return None  # no year, so no complete date (and no need to load dateparser's languages)
    import dateparser  # slow to import; most listings never get here

    settings = {
        "STRICT_PARSING": True,  # day, month and year all required
        "PARSERS": ["absolute-time"],  # no "3 days ago", no bare timestamps
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    # Without a hint, English only: detecting among all languages costs seconds and guesses.
    languages = [language.split("-")[0].lower()] if language else ["en"]
    try:
        parsed = dateparser.parse(text[:200], languages=languages, settings=settings)
    except (ValueError, LookupError, OverflowError):
        return None
    return datetime(parsed.year, parsed.month, parsed.day) if parsed is not None else None


def _check_selector(name: str, value: object, *, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip():
        raise InvalidRules(f"page_list setting {name!r} must be a CSS selector (text), not {value!r}")
    try:
        soupsieve.compile(value)
    except (soupsieve.SelectorSyntaxError, NotImplementedError) as exc:  # pseudo-elements, @-rules: not implemented
        first_line = str(exc).splitlines()[0]
        raise InvalidRules(f"page_list setting {name!r}: {value!r} is not a valid CSS selector ({first_line})") from exc
