"""Metadata of article pages read from one lxml tree: <meta>, JSON-LD, <link>, <time> and <html lang>."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urljoin

import lxml.html

from ingest.article_dates import parse_datetimes, time_element_date
from ingest.records import safe_link


class PageMetadata:
    """Page metadata read from one lxml tree: <meta>, JSON-LD, <link>, <time> and <html lang>."""

    def __init__(self, tree: lxml.html.HtmlElement):
        self.tree = tree
        self.meta: dict[str, str] = {}
        for element in tree.iter("meta"):
            key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
            value = (element.get("content") or "").strip()
            if key and value and key not in self.meta:
                self.meta[key] = value
        self.json_ld = list(_json_ld_objects(tree))

    def first(self, *keys: str) -> str | None:
        return next((self.meta[k] for k in keys if self.meta.get(k)), None)

    def ld(self, key: str) -> object:
        return next((obj[key] for obj in self.json_ld if obj.get(key)), None)

    def title(self) -> str:
        headline = self.ld("headline")
        candidates = [
            headline if isinstance(headline, str) else None,
            self.first("og:title", "twitter:title", "dc.title", "citation_title"),
            _first_text(self.tree, "//article//h1|//main//h1|//h1"),
        ]
        for candidate in candidates:
            if candidate and candidate.strip():
                return _strip_site(_plain(candidate), self.site_name())
        return _strip_site(_plain(_first_text(self.tree, "//title") or ""), self.site_name(), always=True)

    def site_name(self) -> str | None:
        publisher = self.ld("publisher")
        name = self.first("og:site_name", "application-name", "twitter:site")
        if not name and isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            name = publisher["name"]
        return _plain(name).lstrip("@") if name else None

    def description(self) -> str:
        text = self.first("description", "og:description", "twitter:description", "dc.description")
        return _plain(text) if text else ""

    def canonical_url(self, base: str) -> str | None:
        hrefs = [e.get("href") for e in self.tree.xpath("//link[@href]") if "canonical" in (e.get("rel") or "").lower()]
        for href in [*hrefs, self.first("og:url")]:
            link = safe_link(urljoin(base, href.strip())) if href else None
            if link:
                return link
        return None

    def authors(self) -> list[str]:
        names = _ld_names(self.ld("author"))
        if not names:
            for key in ("author", "article:author", "dc.creator", "citation_author", "parsely-author"):
                value = self.meta.get(key)
                if value and not value.startswith(("http://", "https://")):
                    names = _split_names(value)
                    break
        if not names:
            found = _first_text(self.tree, "//*[@rel='author']|//*[@itemprop='author']")
            names = _split_names(found) if found else []
        return list(dict.fromkeys(names))

    def language(self) -> str | None:
        html_lang = self.tree.get("lang") or self.tree.get("{http://www.w3.org/XML/1998/namespace}lang")
        http_lang = next(
            (
                e.get("content")
                for e in self.tree.iter("meta")
                if (e.get("http-equiv") or "").lower() == "content-language"
            ),
            None,
        )
        in_language = self.ld("inLanguage")
        for value in (
            html_lang,
            http_lang,
            in_language if isinstance(in_language, str) else None,
            self.first("og:locale"),
        ):
            if value and (code := re.match(r"[A-Za-z]{2,3}(?=$|[-_])", value.strip())):
                return code.group(0).lower()
        return None

    def dates(self) -> tuple[datetime | None, datetime | None]:
        """Publication and update dates the page declares (JSON-LD, <meta>, then a <time> element)."""
        published = parse_datetimes(
            self.ld("datePublished"),
            self.ld("dateCreated"),
            *(self.meta.get(k) for k in _PUBLISHED_KEYS),
        )
        updated = parse_datetimes(self.ld("dateModified"), *(self.meta.get(k) for k in _MODIFIED_KEYS))
        if published is None:
            published = time_element_date(self.tree)
        return published, updated


_PUBLISHED_KEYS = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "publication_date",
    "pubdate",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "dcterms.issued",
    "citation_publication_date",
    "citation_date",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "published_time",
    "pubtime",  # Chinese government sites
    "firstpublishedtime",
)
_MODIFIED_KEYS = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dcterms.modified",
    "last-modified",
    "lastmod",
)


def _json_ld_objects(tree: lxml.html.HtmlElement) -> Iterator[dict]:
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        yield from _flatten_ld(data)


def _flatten_ld(data: object) -> Iterator[dict]:
    if isinstance(data, list):
        for entry in data:
            yield from _flatten_ld(entry)
    elif isinstance(data, dict):
        if "@graph" in data:
            yield from _flatten_ld(data["@graph"])
        types = data.get("@type")
        types = types if isinstance(types, list) else [types]
        if "@graph" not in data or any(isinstance(t, str) and t.endswith("Article") for t in types):
            yield data


def _ld_names(value: object) -> list[str]:
    if isinstance(value, str):
        return _split_names(value)
    if isinstance(value, dict):
        return _ld_names(value.get("name"))
    if isinstance(value, list):
        return [name for entry in value for name in _ld_names(entry)]
    return []


def _split_names(text: str) -> list[str]:
    text = re.sub(r"^\s*(by|作者[:：]?|记者[:：]?)\s+", "", _plain(text), flags=re.IGNORECASE)
    parts = re.split(r"\s*(?:;|,|、|\band\b|&)\s*", text)
    return [p for p in (p.strip() for p in parts) if p and len(p) <= 80 and not _NOT_A_NAME.search(p)]


# Author fields that hold a link, a domain or a placeholder rather than a person or a desk.
_NOT_A_NAME = re.compile(r"^(https?:|www\.)|^[\w-]+(\.[\w-]+)+$|^(unknown|admin|administrator|anonymous)$", re.I)


def _plain(text: str) -> str:
    """Metadata text on one line; entities decoded once more (pages often escape them twice)."""
    return _squeeze(html.unescape(text))


def _strip_site(title: str, site: str | None, always: bool = False) -> str:
    """The title without a " | Site" or "Site - " part (always for <title>, else only when it names the site)."""
    parts = re.split(r"\s+[|–—-]\s+|\s*[|_]\s*", title)
    if len(parts) < 2:
        return title
    site_key = re.sub(r"\W+", "", site or "").lower()
    keep = [p for p in parts if not site_key or re.sub(r"\W+", "", p).lower() != site_key]
    if len(keep) < len(parts):
        return " - ".join(keep) if len(keep) > 1 else keep[0]
    return max(parts, key=len) if always else title


def _first_text(tree: lxml.html.HtmlElement, xpath: str) -> str | None:
    for element in tree.xpath(xpath):
        text = _squeeze(" ".join(element.itertext()))
        if text:
            return text
    return None


# Language

CJK = re.compile(r"[\u3400-\u9fff]")
_ENGLISH = re.compile(r"\b(the|and|of|to|in|that|is|for)\b", re.IGNORECASE)


def guess_language(text: str) -> str | None:
    """The language ("zh" or "en") when the text plainly is that language; None otherwise (declared languages come first)."""
    sample = text[:2000]
    if not sample:
        return None
    if len(CJK.findall(sample)) > 0.3 * len(re.sub(r"\s", "", sample)):
        return "zh"
    words = re.findall(r"[A-Za-z]+", sample)
    return "en" if words and len(_ENGLISH.findall(sample)) > 0.1 * len(words) else None


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
