"""Article pages: the main text and metadata of one fetched HTML page (bytes in, record out, no network)."""

from __future__ import annotations

import calendar
import codecs
import copy
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urljoin, urlsplit

import htmldate
import lxml.html
import trafilatura
from lxml import etree

from ingest.errors import IngestError
from ingest.records import safe_link


@dataclass
class Article:
    """What one article page says about itself, as plain text."""

    url: str
    canonical_url: str | None = None
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None  # naive UTC
    updated: datetime | None = None  # naive UTC
    date_source: str | None = None  # "metadata", "url", "text", or None when undated
    language: str | None = None
    site_name: str | None = None
    description: str = ""
    text: str = ""  # paragraphs separated by one blank line


class ArticleNotReadable(IngestError):
    """The page has no main text that an extractor could find."""


def extract_article(content: bytes, url: str, headers: dict[str, str] | None = None) -> Article:
    """The article in an HTML page fetched from `url` (response `headers` give the charset)."""
    _refuse_non_html(content)
    page = decode_html(content, headers)
    tree = parse_html(page)
    if tree is None:
        raise ArticleNotReadable(f"no article text found in the page ({len(content)} bytes, not HTML)")
    meta = _Metadata(tree)
    title = meta.title()
    text = _main_text(tree, url, title)
    if not text:
        raise ArticleNotReadable(f"no article text found in the page ({len(page)} characters of HTML)")
    canonical = meta.canonical_url(url)
    published, updated = meta.dates()
    source: str | None = "metadata" if published else None
    if published is None:
        published, source = _date_from_urls(url, canonical)
    if published is None:
        published, source = _date_from_text(tree, text)
    return Article(
        url=url,
        canonical_url=canonical,
        title=title,
        authors=meta.authors(),
        published=published,
        updated=updated if updated != published else None,
        date_source=source,
        language=meta.language() or guess_language(text),
        site_name=meta.site_name(),
        description=meta.description(),
        text=text,
    )


# Decoding and parsing


def _refuse_non_html(content: bytes) -> None:
    head = content[:1024]
    if not content.strip():
        raise ArticleNotReadable("no article text found: the page is empty")
    if head.startswith(b"%PDF"):
        raise ArticleNotReadable("not an HTML page: the content is a PDF document")
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ArticleNotReadable("not an HTML page: the content is binary")


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# Labels that browsers read as a superset encoding (WHATWG Encoding Standard).
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}


def decode_html(content: bytes, headers: dict[str, str] | None = None) -> str:
    """The page as text: by its BOM, the Content-Type charset, a <meta> charset, else UTF-8 or a guess."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if content.startswith(bom):
            return content.decode(name, errors="replace").lstrip("\ufeff")
    for label in (_header_charset(headers), _meta_charset(content)):
        if label and (text := _decode_as(content, label)) is not None:
            return text
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return _guess_decode(content)


def _header_charset(headers: dict[str, str] | None) -> str | None:
    content_type = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), "")
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def _meta_charset(content: bytes) -> str | None:
    match = _META_CHARSET.search(content[:4096])
    return match.group(1).decode("ascii") if match else None


def _decode_as(content: bytes, name: str) -> str | None:
    name = _SUPERSETS.get(name.lower(), name.lower())
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    if name.replace("-", "").replace("_", "") == "utf8":
        return content.decode("utf-8", errors="replace")  # a declared UTF-8 page with a stray byte stays UTF-8
    try:
        return content.decode(name)
    except UnicodeDecodeError:
        return None


def _guess_decode(content: bytes) -> str:
    from charset_normalizer import from_bytes  # a dependency of trafilatura

    best = from_bytes(content[:65536]).best()
    if best is not None and best.encoding:
        return content.decode(best.encoding, errors="replace")
    return content.decode("utf-8", errors="replace")


_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, no_network=True)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)


def parse_html(page: str) -> lxml.html.HtmlElement | None:
    """One lxml tree of the page (an XML declaration would make lxml refuse the string)."""
    page = _XML_DECLARATION.sub("", page, count=1)
    if not page.strip():
        return None
    try:
        tree = lxml.html.document_fromstring(page, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    return tree if len(tree) else None


# Main text

# Paragraphs that are the site talking, not the article (extractors sometimes keep them).
_BOILERPLATE_STARTS = (  # a short paragraph that opens like this is the site talking
    r"share( this( article| story| page)?)?( on)?\b.{0,40}$",
    r"related( articles| stories| coverage| posts)?\s*[:：]",
    r"read (more|also)\s*[:：]|read more$",
    r"advertisement$",
    r"(sign up|subscribe|register)\b.{0,120}(newsletter|full story|edition|updates|inbox)",
    r"subscribe to (our|the)\b.{0,80}$",
    r"never miss\b.{0,100}(sign|subscrib)",
    r"follow (us|[\w .@&'’-]{1,60}) on (twitter|facebook|instagram|linkedin|youtube|x)\b",
    r"for the latest (stories|news)\b.{0,100}download",
    r"(we|this (site|website)) uses? cookies|accept (all )?cookies",
    r"leave a (comment|reply)|we want to hear what you think",
    r"\(?(additional |writing and )?(reporting|writing|editing) by\b.{0,200}$",
    r"(copyright|©|\(c\))\s.{0,160}$",
    r"category\s*:.{0,80}$",
    r"分享到|相关(新闻|阅读|文章)[:：]?$|责任编辑[:：]|【打印】|【关闭】|主办(单位)?[:：]",
)
_BOILERPLATE_ANYWHERE = (
    r"to (view|read) the full story|copyrighted property|written permission must be obtained",
    r"ICP备\d|网站标识码",
)
_BOILERPLATE = re.compile(
    "^(?:" + "|".join(_BOILERPLATE_STARTS) + ")|" + "|".join(_BOILERPLATE_ANYWHERE), re.IGNORECASE
)
# A short block that announces what follows is not the article: cut the text there.
_END_OF_ARTICLE = re.compile(
    r"(about the authors?|other stories|more (stories|news)|related (articles|stories|coverage|posts|reading|insights)"
    r"|you (may|might) also like|read next|recommended( for you)?|相关(新闻|阅读|文章|链接)|延伸阅读)\s*[:：]?",
    re.IGNORECASE,
)
_BYLINE_START = re.compile(r"^(by|posted|published|updated|written by|作者|记者)\b", re.IGNORECASE)
_BLOCK_TAGS = ("p", "head", "list", "quote", "code")


def _main_text(tree: lxml.html.HtmlElement, url: str, title: str) -> str:
    """The article body as paragraphs, by trafilatura (precision first, then its balanced mode)."""
    for precision in (True, False):
        document = trafilatura.bare_extraction(
            tree,
            url=url,
            favor_precision=precision,
            include_comments=False,
            include_tables=True,  # layout tables hold whole articles on older sites; see _blocks
            include_images=False,
            include_links=False,
            with_metadata=False,
            deduplicate=False,
        )
        body = getattr(document, "body", None)
        if body is not None:
            paragraphs = _paragraphs(body, title)
            if any(_is_prose(paragraph) for paragraph in paragraphs):
                return "\n\n".join(paragraphs)
    return ""


def _paragraphs(body: etree._Element, title: str) -> list[str]:
    """The body's blocks as plain paragraphs, without the headline, a leading byline and the site's own lines."""
    blocks = [text for element in body for text in _blocks(element)]
    blocks = [b for b in blocks if b and not (len(b) <= 300 and _BOILERPLATE.search(b))]
    if blocks and _same_text(blocks[0], title):
        blocks = blocks[1:]  # the headline is the title, not the body
    while blocks and _is_byline(blocks[0]):
        blocks = blocks[1:]
    for index, block in enumerate(blocks[1:], start=1):
        if len(block) <= 40 and _END_OF_ARTICLE.fullmatch(block):
            return blocks[:index]
    return blocks


def _is_prose(block: str) -> bool:
    """A sentence rather than a menu: eight words, or twenty CJK characters."""
    return len(re.findall(r"[^\W\d_]+", block)) >= 8 or len(_CJK.findall(block)) >= 20


def _is_byline(block: str) -> bool:
    return len(block) < 150 and bool(_BYLINE_START.match(block) or (_BYLINE.search(block) and _text_date(block)))


def _blocks(element: etree._Element) -> list[str]:
    if element.tag == "table":
        return _table_blocks(element)
    if element.tag == "list":
        return ["\n".join(_squeeze(" ".join(item.itertext())) for item in element.iter("item"))]
    if element.tag == "p":
        return _split_on_breaks(element)
    return [_squeeze(" ".join(element.itertext()))]


def _split_on_breaks(element: etree._Element) -> list[str]:
    """A paragraph's text; two line breaks in a row (<br><br>) start a new paragraph."""
    parts = [element.text or ""]
    for child in element:
        parts.append("\n" if child.tag == "lb" else "".join(child.itertext()))
        parts.append(child.tail or "")
    chunks = re.split(r"[ \t]*\n[ \t]*\n\s*", "".join(parts).strip())
    return [t for t in ("\n".join(_squeeze(line) for line in c.split("\n") if line.strip()) for c in chunks) if t]


def _table_blocks(table: etree._Element) -> list[str]:
    """A data table as rows of cells; a layout table (paragraphs in its cells, or one column) as its paragraphs."""
    cells = list(table.iter("cell"))
    rows = list(table.iter("row"))
    is_layout = any(len(list(row.iter("cell"))) <= 1 for row in rows) or any(
        child.tag in _BLOCK_TAGS for cell in cells for child in cell
    )
    if is_layout:
        return [text for cell in cells for child in cell if child.tag in _BLOCK_TAGS for text in _blocks(child)]
    lines = (" | ".join(_squeeze(" ".join(c.itertext())) for c in row.iter("cell")) for row in rows)
    return ["\n".join(line for line in lines if line.strip(" |"))]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _same_text(a: str, b: str) -> bool:
    return bool(b) and re.sub(r"\W+", "", a).lower() == re.sub(r"\W+", "", b).lower()


# Metadata


class _Metadata:
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
        published = _parse_first(
            self.ld("datePublished"),
            self.ld("dateCreated"),
            *(self.meta.get(k) for k in _PUBLISHED_KEYS),
        )
        updated = _parse_first(self.ld("dateModified"), *(self.meta.get(k) for k in _MODIFIED_KEYS))
        if published is None:
            published = _time_element_date(self.tree)
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


def _time_element_date(tree: lxml.html.HtmlElement) -> datetime | None:
    """A <time datetime> that marks the publication (pubdate, itemprop) or the first one in the article."""
    marked = "//time[@datetime][@pubdate or @itemprop='datePublished' or contains(@class,'publish')]"
    for xpath in (marked, "//article//time[@datetime]", "//main//time[@datetime]", "//time[@datetime]"):
        for element in tree.xpath(xpath):
            if (found := parse_datetime(element.get("datetime"))) is not None:
                return found
    return None


# Dates

_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?",
    re.IGNORECASE,
)


def parse_datetime(value: object) -> datetime | None:
    """A machine-readable date (ISO 8601 or RFC 822), as naive UTC; None when it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    match = _ISO.match(text.replace("/", "-"))
    if match is None:
        return _parse_rfc822(text) or _parse_compact(text)
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


def _parse_first(*values: object) -> datetime | None:
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


def _date_from_urls(*urls: str | None) -> tuple[datetime | None, str | None]:
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
_BYLINE = re.compile(
    r"(published|posted|issued|released|updated|date|dated|发布(时间|日期)?|日期|时间|来源)\s*(on)?\s*[:：]?",
    re.IGNORECASE,
)


def _date_from_text(tree: lxml.html.HtmlElement, text: str) -> tuple[datetime | None, str | None]:
    """A byline date, a date opening the article or signing it off, else htmldate's search of the page
    without the parts that list other stories (related links, comments, navigation)."""
    found = _byline_date(tree) or _text_date(text[:300]) or _signature_date(text)
    if found is None:
        found = _htmldate(_without_other_stories(tree))
    if found is None:
        return None, None
    return datetime(found.year, found.month, found.day), "text"


def _htmldate(tree: lxml.html.HtmlElement) -> date | None:
    """htmldate's search of the page; its January 1 stands for a year alone, which is not a day, unless the page says so."""
    found_text = htmldate.find_date(tree, extensive_search=False, original_date=True)
    found = date.fromisoformat(found_text) if found_text else None
    if found is not None and (found.month, found.day) == (1, 1):
        page_text = " ".join(tree.itertext())
        if not any(_text_date(m.group(0)) == found for m in _ANY_DATE.finditer(page_text)):
            return None
    return found


def _signature_date(text: str) -> date | None:
    """A date standing alone in one of the last paragraphs, as official notices sign off ("2025年2月4日")."""
    for paragraph in text.split("\n\n")[-3:]:
        if len(paragraph) <= 40 and (found := _text_date(paragraph)):
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
        if (marked or _BYLINE.search(snippet)) and (found := _text_date(snippet)) and not _about_other_stories(element):
            return found
    return None


_DATE_CLASS = re.compile(r"date|time|byline|posted|publish|meta|info", re.IGNORECASE)


def _about_other_stories(element: etree._Element) -> bool:
    return any(
        ancestor.tag in ("aside", "nav", "footer")
        or _OTHER_STORIES.search(f"{ancestor.get('class', '')} {ancestor.get('id', '')}")
        for ancestor in element.iterancestors()
    )


def _text_date(text: str) -> date | None:
    best: tuple[int, date] | None = None
    for pattern, (y, m, d) in _TEXT_DATES:
        for match in pattern.finditer(text):
            groups = match.groups()
            month = groups[m - 1]
            month_number = _MONTHS.get(month.lower().rstrip("."), 0) if not month.isdigit() else int(month)
            found = _make_date(groups[y - 1], str(month_number), groups[d - 1])
            if found and (best is None or match.start() < best[0]):
                best = (match.start(), found)
            break
    return best[1] if best else None


# Language

_CJK = re.compile(r"[\u3400-\u9fff]")
_ENGLISH = re.compile(r"\b(the|and|of|to|in|that|is|for)\b", re.IGNORECASE)


def guess_language(text: str) -> str | None:
    """The language ("zh" or "en") when the text plainly is that language; None otherwise (declared languages come first)."""
    sample = text[:2000]
    if not sample:
        return None
    if len(_CJK.findall(sample)) > 0.3 * len(re.sub(r"\s", "", sample)):
        return "zh"
    words = re.findall(r"[A-Za-z]+", sample)
    return "en" if words and len(_ENGLISH.findall(sample)) > 0.1 * len(words) else None
