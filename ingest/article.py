"""Article pages: the main text and metadata of one fetched HTML page (bytes in, record out, no network).

The page is parsed once (lxml); trafilatura reads the main text from that tree, `article_meta` its metadata and
`article_dates` its dates (page metadata, then the URL, then the text).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from lxml import etree

from ingest.article_dates import BYLINE, date_from_text, date_from_url, date_from_urls, first_date_in
from ingest.article_meta import CJK, PageMetadata, guess_language
from ingest.errors import IngestError


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
    meta = PageMetadata(tree)
    title = meta.title()
    text = _main_text(tree, url, title, f"{meta.site_name() or ''} {urlsplit(url).hostname or ''}")
    if not text:
        raise ArticleNotReadable(f"no article text found in the page ({len(page)} characters of HTML)")
    canonical = meta.canonical_url(url)
    published, updated = meta.dates()
    source: str | None = "metadata" if published else None
    if published is None:
        published, source = date_from_urls(url, canonical)
    if published is None:
        published, source = date_from_text(tree, text)
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
    r"thanks for reading\b.{0,80}subscribe",
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
    r"|you (may|might) also like|read next|recommended( for you)?|相关(新闻|阅读|文章|链接)|延伸阅读"
    r"|(media|press) (contacts?|inquiries|enquiries)|forward-looking statements|safe harbou?r statement|###|-30-)\s*[:：]?",
    re.IGNORECASE,
)
_BYLINE_START = re.compile(r"^(by|posted|published|updated|written by|作者|记者)\b", re.IGNORECASE)
_BLOCK_TAGS = ("p", "head", "list", "quote", "code")


def _main_text(tree: lxml.html.HtmlElement, url: str, title: str, site: str) -> str:
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
            paragraphs = _paragraphs(body, title, site)
            if any(_is_prose(paragraph) for paragraph in paragraphs):
                return "\n\n".join(paragraphs)
    return ""


def _paragraphs(body: etree._Element, title: str, site: str) -> list[str]:
    """The body's blocks as plain paragraphs: from after the headline (and a byline) to the first block that
    announces something else (related links, "About <the site>", media contacts), without the site's own lines."""
    blocks = [text for element in body for text in _blocks(element)]
    blocks = [b for b in blocks if b and not (len(b) <= 300 and _BOILERPLATE.search(b))]
    headline = next((i for i, b in enumerate(blocks[:3]) if _same_text(b, title)), None)
    if headline is not None and all(len(b) < 80 for b in blocks[:headline]):
        blocks = blocks[headline + 1 :]  # the headline is the title; a kicker above it is not the body either
    while blocks and _is_byline(blocks[0]):
        blocks = blocks[1:]
    site_words = set(re.findall(r"\w+", site.lower()))
    for index, block in enumerate(blocks[1:], start=1):
        about = re.fullmatch(r"about (.{1,40})", block, re.IGNORECASE)
        if len(block) <= 40 and (
            _END_OF_ARTICLE.fullmatch(block) or (about and set(re.findall(r"\w+", about[1].lower())) <= site_words)
        ):
            return blocks[:index]
    return blocks


def _is_prose(block: str) -> bool:
    """A sentence rather than a menu: eight words, or twenty CJK characters."""
    return len(re.findall(r"[^\W\d_]+", block)) >= 8 or len(CJK.findall(block)) >= 20


def _is_byline(block: str) -> bool:
    return len(block) < 150 and bool(_BYLINE_START.match(block) or (BYLINE.search(block) and first_date_in(block)))


_CONTAINERS = ("div", "section", "article", "main")


def _blocks(element: etree._Element) -> list[str]:
    if element.tag in _CONTAINERS and any(child.tag in (*_BLOCK_TAGS, *_CONTAINERS, "table") for child in element):
        # trafilatura's fallback hands back the page's own containers: read their blocks one by one
        blocks = [_squeeze(element.text or "")]
        for child in element:
            blocks += [*_blocks(child), _squeeze(child.tail or "")]
        return [b for b in blocks if b]
    if element.tag == "table":
        return _table_blocks(element)
    if element.tag == "list":
        return ["\n".join(_squeeze(" ".join(item.itertext())) for item in element.iter("item"))]
    if element.tag == "p":
        return _split_on_breaks(element)
    return [_squeeze(" ".join(element.itertext()))]


def _split_on_breaks(element: etree._Element) -> list[str]:
    """A paragraph's text on one line; <br> starts a new line and <br><br> a new paragraph."""
    parts = [element.text or ""]
    for child in element:
        parts.append(_BREAK if child.tag == "lb" else "".join(child.itertext()))
        parts.append(child.tail or "")
    text = re.sub(r"\s+", " ", "".join(parts))  # newlines of the HTML source are spaces
    chunks = re.split(rf"\s*{_BREAK}\s*{_BREAK}[\s{_BREAK}]*", text)
    lines = (re.sub(rf"\s*{_BREAK}\s*", "\n", chunk).strip() for chunk in chunks)
    return [line for line in lines if line]


_BREAK = "\x00"  # stands for <lb/> until the text is split (a NUL cannot occur in parsed HTML text)
_SENTENCE_PUNCTUATION = re.compile(r"[.,;!?。，；！？]")


def _table_blocks(table: etree._Element) -> list[str]:
    """A data table as rows of cells; a layout table (paragraphs in its cells, or one column) as its paragraphs."""
    cells = list(table.iter("cell"))
    rows = list(table.iter("row"))
    is_layout = all(len(list(row.iter("cell"))) <= 1 for row in rows) or any(
        child.tag in _BLOCK_TAGS for cell in cells for child in cell
    )
    if not is_layout:
        lines = (" | ".join(_squeeze(" ".join(c.itertext())) for c in row.iter("cell")) for row in rows)
        return ["\n".join(line for line in lines if line.strip(" |"))]
    blocks: list[str] = []
    for cell in cells:
        children = [child for child in cell if child.tag in _BLOCK_TAGS]
        if children:
            blocks.extend(text for child in children for text in _blocks(child))
        elif _is_prose(text := _squeeze(" ".join(cell.itertext()))) and _SENTENCE_PUNCTUATION.search(text):
            blocks.extend(_split_on_breaks(cell))  # prose straight in a cell; menus and bylines are left out
    return blocks


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _same_text(a: str, b: str) -> bool:
    return bool(b) and re.sub(r"\W+", "", a).lower() == re.sub(r"\W+", "", b).lower()


__all__ = ["Article", "ArticleNotReadable", "date_from_url", "decode_html", "extract_article", "parse_html"]
