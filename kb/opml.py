"""OPML: a feed reader's subscription list in as sources, the feed sources out as OPML 2.0.

Import reads a file in two passes. The standard library's XML parser goes
first and is strict, so that a truncated download, an HTML page or a file
that is not OPML is refused whole: listparser on its own parses through
lxml's recovering HTML parser and would import half of a broken file. Then
listparser, the maintained OPML reader, says which outlines are feeds, what
they are called and which categories they carry; the strict tree gives each
feed the folder it sits in and its site link, which listparser does not
report.

Nothing is written until `apply_import`, which adds every new feed in the
caller's transaction: an import lands whole or not at all.
"""

from __future__ import annotations

import ipaddress
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

import listparser
from sqlmodel import Session, col, select

from ingest.errors import BadURL
from ingest.fetch import check_url, private_host_problem
from ingest.records import canonical_url, safe_link
from kb.errors import UserInputError
from kb.models import Source
from kb.store import add_source

MAX_BYTES = 5_000_000  # a list of ten thousand feeds is about 2 MB
MAX_DEPTH = 64  # folders inside folders; readers use one or two levels
TITLE_LIMIT = 500
EXPORT_TITLE = "AI policy knowledge base: feed subscriptions"
# FreshRSS exports the web pages it scrapes as outlines of these types, with
# the page's address in xmlUrl: they are not feeds, and polling them as feeds
# would only fail.
SCRAPER_TYPES = frozenset(
    {"html+xpath", "xml+xpath", "json+dotpath", "json+dotnotation", "html+xpath+json+dotnotation"}
)
NOTHING_DONE = "nothing was imported"
# XML 1.0 has no way to write these characters; feed titles can carry them.
_NOT_XML = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])


@dataclass(frozen=True)
class Outline:
    """One feed of an OPML file, as it would be subscribed (`note` says why it is a duplicate or skipped)."""

    url: str
    title: str = ""
    folder: str = ""  # the "/"-joined folder path, "" at the top level
    tags: tuple[str, ...] = ()
    site_url: str | None = None
    note: str = ""


@dataclass
class ImportPlan:
    """What importing a file would do: nothing in the store changes until `apply_import`."""

    new: list[Outline] = field(default_factory=list)
    duplicates: list[Outline] = field(default_factory=list)
    skipped: list[Outline] = field(default_factory=list)
    title: str = ""  # the file's own title, from its head

    def summary(self) -> str:
        return f"{len(self.new)} new, {len(self.duplicates)} duplicates, {len(self.skipped)} skipped"


@dataclass(frozen=True)
class _Found:
    """A feed outline as the strict tree sees it."""

    url: str
    folder: str
    site_url: str | None
    type: str


# ---- import ------------------------------------------------------------------------


def plan_import(session: Session, data: bytes, *, allow_private: bool = False) -> ImportPlan:
    """Read an OPML file and sort its feeds into new, duplicates (by normalised URL) and skipped.

    Raises UserInputError, with nothing changed, for a file that is not a
    well-formed OPML subscription list.
    """
    root = _strict_root(data)
    found = _feed_outlines(_body(root))
    parsed = listparser.parse(_canonical_bytes(root))
    if parsed.bozo and not parsed.feeds:
        raise UserInputError(f"listparser could not read the OPML file ({parsed.bozo_exception}); {NOTHING_DONE}")
    feeds = {feed.url: feed for feed in parsed.feeds}
    plan = ImportPlan(title=str(parsed.meta.get("title", "")))
    known: dict[str, int | None] = {
        canonical_url(url): source_id for source_id, url in session.exec(select(Source.id, Source.url))
    }
    for spot in found:
        if spot.url in feeds:  # else it points to another OPML file: listparser lists those apart
            _sort_into(plan, _outline(spot, feeds[spot.url]), _problem(spot, allow_private), known)
    note = "a link to another subscription list, not a feed: import that file on its own"
    plan.skipped += [Outline(url=listed.url, title=_title(listed), note=note) for listed in parsed.lists]
    return plan


def _sort_into(plan: ImportPlan, outline: Outline, problem: str | None, known: dict[str, int | None]) -> None:
    """File one feed outline under new, duplicates or skipped.

    `known` maps normalised URLs to the id of the source that has them, or
    to None for a feed found earlier in this file; new feeds are added to it.
    """
    if problem:
        plan.skipped.append(replace(outline, note=problem))
        return
    key = canonical_url(outline.url)
    if key not in known:
        known[key] = None
        plan.new.append(outline)
        return
    source_id = known[key]
    note = "listed earlier in this file" if source_id is None else f"already subscribed as source {source_id}"
    plan.duplicates.append(replace(outline, note=note))


def apply_import(session: Session, plan: ImportPlan) -> list[Source]:
    """Subscribe to the plan's new feeds in the session's transaction; the caller commits, so all land or none.

    Make the plan just before applying it: a feed someone subscribed to in
    between makes `add_source` refuse, and the whole import with it.
    """
    # The plan refused the private addresses it could see without a name lookup; every fetch
    # checks the address it connects to.
    return [
        add_source(session, url=o.url, kind="feed", title=o.title, settings=_settings(o), allow_private=True)
        for o in plan.new
    ]


def _strict_root(data: bytes) -> ET.Element:
    """The root of a well-formed OPML document, else UserInputError."""
    if len(data) > MAX_BYTES:
        raise UserInputError(
            f"the file is larger than {MAX_BYTES // 1_000_000} MB, too large for an OPML list; {NOTHING_DONE}"
        )
    if not data.strip():
        raise UserInputError(f"the file is empty, not an OPML subscription list; {NOTHING_DONE}")
    if b"<!ENTITY" in data:  # no OPML file needs them, and they are how XML bombs are built
        raise UserInputError(f"the file declares XML entities, which an OPML file never needs; {NOTHING_DONE}")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise UserInputError(f"not a well-formed XML file ({exc}); {NOTHING_DONE}") from exc
    if _local(root.tag) != "opml":
        raise UserInputError(f"not an OPML file: its root element is <{_local(root.tag)}>, not <opml>; {NOTHING_DONE}")
    return root


def _body(root: ET.Element) -> ET.Element:
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise UserInputError(f"not an OPML subscription list: it has no <body>; {NOTHING_DONE}")
    return body


def _canonical_bytes(root: ET.Element) -> bytes:
    """The checked document again, as UTF-8 with a declaration saying so.

    listparser hands bytes to lxml's HTML parser, which reads bytes without an
    XML declaration as Latin-1 (so "出口管制" arrives garbled) and does not
    honour every declared encoding; re-encoding the strict tree avoids both.
    """
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8")


def _feed_outlines(body: ET.Element) -> list[_Found]:
    """Every outline with an xmlUrl, in document order, with the folder path around it."""
    found: list[_Found] = []

    def walk(element: ET.Element, path: tuple[str, ...]) -> None:
        if len(path) > MAX_DEPTH:
            raise UserInputError(f"folders nested more than {MAX_DEPTH} deep: not a subscription list; {NOTHING_DONE}")
        for child in element:
            if _local(child.tag) != "outline":
                continue
            attributes = _attributes(child)
            url = attributes.get("xmlurl", "").strip()
            if url:
                site = safe_link(attributes.get("htmlurl"))
                found.append(_Found(url, "/".join(path), site, attributes.get("type", "").strip()))
                walk(child, path)
            else:
                name = attributes.get("text", "").strip() or attributes.get("title", "").strip()
                walk(child, (*path, name) if name else path)

    walk(body, ())
    return found


def _attributes(element: ET.Element) -> dict[str, str]:
    """The element's own (un-namespaced) attributes by lower-case name: exporters differ on "xmlUrl"."""
    return {name.lower(): value for name, value in element.attrib.items() if not name.startswith("{")}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _outline(spot: _Found, feed) -> Outline:
    """The feed as it would be subscribed: listparser's title and categories, the strict tree's folder and site."""
    paths = ("/".join(part for part in category if part) for category in feed.get("categories", []))
    tags = tuple(dict.fromkeys(path for path in paths if path and path != spot.folder))
    return Outline(url=spot.url, title=_title(feed), folder=spot.folder, tags=tags, site_url=spot.site_url)


def _title(entry) -> str:
    """The outline's title; one that only repeats the URL counts as none (the feed's own title then)."""
    title = str(entry.get("title", "")).strip()
    return "" if title == entry.get("url") else title[:TITLE_LIMIT]


def _settings(outline: Outline) -> dict:
    settings: dict = {}
    if outline.folder:
        settings["folder"] = outline.folder
    if outline.tags:
        settings["tags"] = list(outline.tags)
    if outline.site_url:
        settings["site_url"] = outline.site_url
    return settings


def _problem(spot: _Found, allow_private: bool) -> str | None:
    """Why a feed outline cannot be subscribed, or None."""
    if spot.type.lower() in SCRAPER_TYPES:
        return f"a web page scraped by the reader (type {spot.type}), not a feed"
    try:
        url = check_url(spot.url)
        host = urlsplit(url).hostname or ""
    except (BadURL, ValueError):
        return "not an http(s) URL"
    # Only addresses written as such, and localhost, are looked at here: a name lookup per
    # feed would make a long list slow to plan. Every fetch checks the address it connects
    # to, and stores the refusal on the source.
    if allow_private or not (_is_address(host) or host == "localhost" or host.endswith(".localhost")):
        return None
    problem = private_host_problem(url)
    return f"refused: {problem}" if problem else None


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# ---- export ------------------------------------------------------------------------


def export_opml(session: Session) -> bytes:
    """The feed sources as an OPML 2.0 document, one outline per folder, sorted so that exports compare.

    Only sources of kind "feed" with an http(s) URL go in: the other kinds
    (Federal Register searches, provider pages, articles) and the demo's
    local files are not feeds another reader could follow (`left_out_note`
    says how many were left out).
    """
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = EXPORT_TITLE
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC), usegmt=True)
    body = ET.SubElement(opml, "body")
    folders: dict[tuple[str, ...], ET.Element] = {(): body}
    for source in sorted(_exported(session), key=_export_order):
        parent = _folder_outline(folders, _folder_parts(source))
        ET.SubElement(parent, "outline", _feed_attributes(source))
    ET.indent(opml, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(opml, encoding="unicode").encode("utf-8") + b"\n"


def left_out_note(session: Session) -> str | None:
    """Which sources an export leaves out, and why, in a sentence; None when it leaves none out."""
    counts = Counter(_left_out_reasons(session))
    if not counts:
        return None
    total = sum(counts.values())
    details = ", ".join(f"{reason}: {count}" for reason, count in sorted(counts.items()))
    plural = "s" if total != 1 else ""
    return f"{total} source{plural} left out, not being feeds another reader can follow ({details})"


def _exported(session: Session) -> Iterator[Source]:
    for source in session.exec(select(Source).where(col(Source.kind) == "feed")):
        if safe_link(source.url):
            yield source


def _left_out_reasons(session: Session) -> Iterator[str]:
    for kind, url in session.exec(select(Source.kind, Source.url)):
        if kind != "feed":
            yield kind.replace("_", " ")
        elif not safe_link(url):
            yield "local file" if url.startswith("file:") else "not http(s)"


def _folder_parts(source: Source) -> tuple[str, ...]:
    folder = str((source.settings or {}).get("folder") or "")
    return tuple(part for part in (p.strip() for p in folder.split("/")) if part)


def _export_order(source: Source) -> tuple:
    parts = _folder_parts(source)
    title = source.title or source.url
    return tuple(p.casefold() for p in parts), parts, title.casefold(), title, source.url


def _folder_outline(folders: dict[tuple[str, ...], ET.Element], parts: tuple[str, ...]) -> ET.Element:
    """The outline of folder `parts`, made (with its parents) on first use."""
    if parts not in folders:
        parent = _folder_outline(folders, parts[:-1])
        name = _xml_text(parts[-1])
        folders[parts] = ET.SubElement(parent, "outline", {"text": name, "title": name})
    return folders[parts]


def _feed_attributes(source: Source) -> dict[str, str]:
    title = _xml_text(source.title or source.url)
    attributes = {"type": "rss", "text": title, "title": title, "xmlUrl": _xml_text(source.url)}
    settings = source.settings or {}
    site = safe_link(settings.get("site_url"))
    if site:
        attributes["htmlUrl"] = _xml_text(site)
    tags = [_xml_text(str(tag)).replace(",", " ") for tag in settings.get("tags") or []]
    if tags:
        attributes["category"] = ",".join(tags)
    return attributes


def _xml_text(text: str) -> str:
    return text.translate(_NOT_XML)
