"""A provider's "supported countries" page -> the countries it lists, as ISO 3166-1 codes.

Pure: bytes in, an `AvailabilityPage` out. A source names a CSS `selector` that bounds
the list (and may name an `after` text: the list is then the first one after it, for pages
whose content area holds other lists too). Each list item becomes a `Country`: the label as
the page writes it, its ISO code (pycountry's names, or the alias table below for the forms
these pages use), and a qualifier kept as a note ("Ukraine (except Crimea, ...)"). A name
that maps to no country is a warning on the page, never dropped in silence.

What cannot be a list of countries raises `PageNotUnderstood` with a status the store keeps:
a bot challenge or error page, a page cut short, a selector (or anchor text) the page no
longer matches, an empty list.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

import pycountry
from bs4 import BeautifulSoup, Tag

from ingest.errors import IngestError

# Forms the providers' pages use that pycountry does not know (compared after `fold`).
# Kosovo has no ISO 3166-1 code; XK is the user-assigned code in common use.
ALIASES: dict[str, str] = {
    "bosnia": "BA",
    "herzegovina": "BA",
    "brunei": "BN",
    "caribbean netherlands": "BQ",
    "congo (brazzaville)": "CG",
    "congo, republic of the": "CG",
    "republic of the congo": "CG",
    "congo (drc)": "CD",
    "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "czech republic": "CZ",
    "east timor": "TL",
    "falkland islands": "FK",
    "falkland islands (islas malvinas)": "FK",
    "micronesia": "FM",
    "hong kong sar": "HK",
    "hong kong sar china": "HK",
    "kosovo": "XK",
    "macau": "MO",
    "macau sar": "MO",
    "macao sar": "MO",
    "palestine": "PS",
    "pitcairn islands": "PN",
    "russia": "RU",
    "swaziland": "SZ",
    "timor-leste, democratic republic of": "TL",
    "turkey": "TR",
    "u.s. virgin islands": "VI",
    "virgin islands (us)": "VI",
    "virgin islands (uk)": "VG",
    "holy see (vatican city)": "VA",
    "vatican city": "VA",
    "ivory coast": "CI",
    "cape verde": "CV",
    "burma": "MM",
    "south korea": "KR",
    "north korea": "KP",
    "united states of america": "US",
}
EXTRA_NAMES = {"XK": "Kosovo"}  # codes outside pycountry, with their names

_QUALIFIER = re.compile(
    r"^(?P<name>.+?)\s*(?:\((?P<paren>[^()]*)\)|[,;:\u2013\u2014-]\s*(?P<tail>(?:except|excluding|only|not)\b.*))$"
)
_FOOTNOTE = re.compile(r"(?:\s*(?:[*\u2020\u2021\u00b9\u00b2\u00b3]+|\[\d+\]))+$")
_UPDATED = re.compile(
    r"\b(?:last\s+updated|updated|last\s+modified)\s*(?:on|:)?\s*"
    r"(?P<date>\d{4}-\d{2}-\d{2}|[A-Z][a-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+[A-Z][a-z]+\.?\s+\d{4})",
    re.IGNORECASE,
)
# Signs of a bot challenge or an error page served in place of the content.
CHALLENGE_MARKERS = (
    "cf-chl",
    "challenge-platform",
    "cf_chl_opt",
    "px-captcha",
    "g-recaptcha",
    "h-captcha",
    "checking your browser",
    "enable javascript and cookies to continue",
    "verify you are human",
)
ERROR_TITLES = (
    "just a moment",
    "access denied",
    "attention required",
    "forbidden",
    "not found",
    "too many requests",
    "service unavailable",
    "bad gateway",
    "internal server error",
    "are you a robot",
    "security check",
)


class PageNotUnderstood(IngestError):
    """The page cannot be read as a list of countries; `status` says why (kept on the snapshot)."""

    def __init__(self, status: str, message: str):
        self.status = status
        super().__init__(message)


@dataclass
class Country:
    """One item of the list."""

    label: str  # as the page writes it
    code: str | None  # ISO 3166-1 alpha-2 (XK for Kosovo); None when no country matches
    note: str | None = None  # a qualifier the page attaches to it
    via: str = "iso"  # iso (pycountry's names), alias (the table above), or unknown


@dataclass
class AvailabilityPage:
    countries: list[Country] = field(default_factory=list)
    title: str = ""
    updated: date | None = None  # the page's own "last updated" date
    content_hash: str = ""  # of the list as read: unchanged pages with new scripts or ads hash the same
    warnings: list[str] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return sorted({c.code for c in self.countries if c.code})

    @property
    def notes(self) -> dict[str, str]:
        return {c.code: c.note for c in self.countries if c.code and c.note}


def parse_availability(content: bytes, url: str = "", *, selector: str, after: str | None = None) -> AvailabilityPage:
    """The countries a supported-countries page lists; PageNotUnderstood when it lists none."""
    soup = BeautifulSoup(content, "lxml")
    title = " ".join(soup.title.get_text(" ").split()) if soup.title else ""
    _refuse_error_page(title)
    _refuse_truncated(content)
    try:
        items = _list_items(soup, selector, after, url)
    except PageNotUnderstood:
        _refuse_challenge(content)  # a challenge says so, rather than "the structure changed"
        raise
    if not items:
        _refuse_challenge(content)
        raise PageNotUnderstood("empty", f"the list of countries on {url or 'the page'} is empty")
    labels = [label for label in (_item_text(li) for li in items) if label]
    countries = [normalise_country(label) for label in labels]
    warnings = [f"no country matches {c.label!r} (left out of the list)" for c in countries if c.code is None]
    digest = hashlib.sha256("\n".join(labels).encode("utf-8")).hexdigest()[:32]
    return AvailabilityPage(countries, title, page_updated(soup), digest, warnings)


def _refuse_error_page(title: str) -> None:
    error = next((m for m in ERROR_TITLES if m in title.lower()), None)
    if error:
        raise PageNotUnderstood(
            "challenge", f"a bot challenge or error page came instead of the list (title {title!r})"
        )


def _refuse_challenge(content: bytes) -> None:
    head = content[:200_000].decode("utf-8", "replace").lower()
    marker = next((m for m in CHALLENGE_MARKERS if m in head), None)
    if marker:
        raise PageNotUnderstood("challenge", f"a bot challenge came instead of the list (the page contains {marker!r})")


def _refuse_truncated(content: bytes) -> None:
    text = content.lower()
    if b"<html" in text[:4096] and b"</html>" not in text[-4096:]:
        raise PageNotUnderstood("truncated", "the page ends before its closing </html> tag: it was cut short")


def _list_items(soup: BeautifulSoup, selector: str, after: str | None, url: str) -> list[Tag]:
    roots: list[Tag] = list(soup.select(selector))
    if not roots:
        raise PageNotUnderstood(
            "restructured", f"nothing on {url or 'the page'} matches the selector {selector!r}: its structure changed"
        )
    if after:
        roots = [_list_after(roots[0], after, url)]
    items: list[Tag] = []
    for root in roots:
        items += root.find_all("li", recursive=False) if root.name in ("ul", "ol") else root.select("li")
    return items


def _list_after(root: Tag, text: str, url: str) -> Tag:
    wanted = " ".join(text.split()).lower()
    holders = [el for el in root.find_all(True) if wanted in " ".join(el.get_text(" ").split()).lower()]
    if holders:
        anchor = holders[0]
        for inner in holders[1:]:  # document order: the innermost element around the first occurrence
            if anchor not in inner.parents:
                break
            anchor = inner
        found = anchor.find_next(["ul", "ol"])
        if isinstance(found, Tag) and root in found.parents:
            return found
    raise PageNotUnderstood("restructured", f"no list follows the text {text!r} on {url or 'the page'} any more")


def _item_text(li: Tag) -> str:
    """The item's own words, without those of a list nested in it."""
    parts = [s for s in li.find_all(string=True) if s.find_parent("li") is li]
    return " ".join(" ".join(parts).split())


def normalise_country(label: str) -> Country:
    """The country a list item names, with its qualifier as a note."""
    clean = _FOOTNOTE.sub("", " ".join(label.split())).strip()
    code, via = _lookup(clean)
    if code:
        return Country(label, code, None, via)
    match = _QUALIFIER.match(clean)
    if match:
        base, qualifier = match["name"].strip(), (match["paren"] or match["tail"] or "").strip()
        code, via = _lookup(base)
        if code:
            same = _lookup(qualifier)[0] == code  # "Czechia (Czech Republic)": another name, not a note
            return Country(label, code, None if same or not qualifier else qualifier, via)
    return Country(label, None, None, "unknown")


def _lookup(name: str) -> tuple[str | None, str]:
    key = fold(name)
    if key in _iso_names():
        return _iso_names()[key], "iso"
    if key in ALIASES:
        return ALIASES[key], "alias"
    return None, "unknown"


def fold(name: str) -> str:
    """A name compared without accents, case, curly quotes, extra spaces or a leading "the"."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("\u2019", "'").replace("\u2018", "'")
    text = " ".join(text.casefold().split()).rstrip(".")
    return text.removeprefix("the ")


@cache
def _iso_names() -> dict[str, str]:
    """pycountry's name, common name and official name of every country, folded -> code."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names.setdefault(fold(value), country.alpha_2)
    return names


def country_name(code: str) -> str:
    """A display name for an ISO code (pycountry's common name), or the code itself."""
    if code in EXTRA_NAMES:
        return EXTRA_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def page_updated(soup: BeautifulSoup) -> date | None:
    """The page's own "Last updated ..." date, when it states one."""
    for meta in ("article:modified_time", "og:updated_time", "dateModified"):
        tag = soup.find("meta", attrs={"property": meta}) or soup.find("meta", attrs={"itemprop": meta})
        found = _date(str(tag.get("content", ""))[:10]) if isinstance(tag, Tag) else None
        if found:
            return found
    match = _UPDATED.search(soup.get_text(" "))
    return _date(match["date"]) if match else None


def _date(text: str) -> date | None:
    text = " ".join(text.replace(",", " ").replace(".", " ").split())
    for pattern in ("%Y-%m-%d", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None
