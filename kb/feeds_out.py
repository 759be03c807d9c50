"""Feeds out: Atom 1.0 documents from watch items, an iCalendar feed from deadlines.

Pure builders: they take items or events already read from the store and the
app's absolute base URL (`https://kb.example.org/`), and return bytes. The
HTTP side (conditional GET, parameters, errors) is in kb/ui/server.py.

Identity: every id is a `tag:` URI (RFC 4151) under one fixed authority, made
from the item's key ("document:12", "event:7") or the feed's canonical path,
never from the host a request came through, so a feed read through a proxy,
an IP address or a renamed host keeps its entries (readers deduplicate on
these ids). The same key gives the calendar UIDs (as `kb timeline --ics`).

Untrusted text (titles, summaries from feeds) goes into the tree as text
nodes, so the serializer escapes it; characters XML 1.0 cannot carry
(control characters, lone surrogates, U+FFFE/U+FFFF) are removed first,
since no escape exists for them and a reader would reject the document.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from icalendar import Calendar, vDuration
from icalendar import Event as CalendarEvent

from kb.timeline import CALENDAR_PRODID, TimelineEvent, date_span
from kb.watches import Item

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
TAG = "tag:ai-policy-kb,2024:"  # fixed authority and date of every id (see the module docstring)
GENERATOR = "ai-policy-kb"
AUTHOR = "AI policy knowledge base"
# The `updated` of a feed with no entries. It has to be stable (the ETag and Last-Modified of an
# unchanged empty feed must not move), and "nothing has happened yet" is honestly the epoch.
EMPTY_UPDATED = datetime(1970, 1, 1)
CALENDAR_REFRESH = timedelta(hours=1)  # the writer polls hourly by default (KB_POLL_INTERVAL)
CALENDAR_SUMMARY_MAX = 80

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ET.register_namespace("", ATOM_NS)


def xml_text(value: object) -> str:
    """`value` as text that XML 1.0 can carry: the characters it forbids are dropped."""
    return _NOT_XML.sub("", str(value or ""))


def tag_id(key: str) -> str:
    """The stable id of an item ("document:12") or a feed ("feeds/entity/nvidia.atom")."""
    return TAG + xml_text(key)


def rfc3339(when: datetime) -> str:
    """A naive UTC time as RFC 3339 (`2025-01-15T10:00:00Z`); an aware one is converted to UTC."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.replace(microsecond=0).isoformat() + "Z"


@dataclass(frozen=True)
class FeedInfo:
    """What a feed says about itself; `path` and `page` are relative to the app's root."""

    path: str  # its canonical address: "feeds/entity/nvidia.atom", "feeds/search.atom?q=H20"
    title: str
    page: str  # the app page it follows: "entities?id=nvidia"
    subtitle: str = ""


def feed_updated(items: Sequence[Item]) -> datetime:
    """The feed's `updated` (and Last-Modified): its latest entry's, or EMPTY_UPDATED."""
    return max((i.updated for i in items), default=EMPTY_UPDATED)


def atom_feed(info: FeedInfo, items: Sequence[Item], base_url: str, *, self_url: str) -> bytes:
    """An Atom 1.0 feed document of `items` (in the order given), absolute links under `base_url`."""
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _text(feed, "id", tag_id(info.path))
    _text(feed, "title", info.title, type="text")
    if info.subtitle:
        _text(feed, "subtitle", info.subtitle, type="text")
    _text(feed, "updated", rfc3339(feed_updated(items)))
    _text(ET.SubElement(feed, f"{{{ATOM_NS}}}author"), "name", AUTHOR)
    _text(feed, "generator", GENERATOR)
    _link(feed, "self", self_url, ATOM_TYPE)
    _link(feed, "alternate", base_url + info.page, "text/html")
    for item in items:
        _entry(feed, item, base_url)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _entry(feed: ET.Element, item: Item, base_url: str) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
    _text(entry, "id", tag_id(item.key))
    _text(entry, "title", item.title or "(untitled)", type="text")
    _text(entry, "updated", rfc3339(item.updated))
    # An event's date can lie ahead (a deadline); as `published` it would pin the entry above
    # everything in readers that sort by it, so a date after the entry's last change is left out.
    if item.published is not None and item.published <= item.updated:
        _text(entry, "published", rfc3339(item.published))
    _link(entry, "alternate", base_url + item.app_path, "text/html")
    if item.source_url:
        _link(entry, "related", item.source_url)
    if item.label:
        ET.SubElement(entry, f"{{{ATOM_NS}}}category", term=xml_text(item.label))
    if item.summary.strip():
        _text(entry, "summary", item.summary, type="text")


def _text(parent: ET.Element, name: str, value: object, **attrs: str) -> None:
    ET.SubElement(parent, f"{{{ATOM_NS}}}{name}", attrs).text = xml_text(value)


def _link(parent: ET.Element, rel: str, href: str, media_type: str | None = None) -> None:
    attrs = {"rel": rel, "href": xml_text(href)}
    if media_type:
        attrs["type"] = media_type
    ET.SubElement(parent, f"{{{ATOM_NS}}}link", attrs)


# ---- the calendar --------------------------------------------------------------------------

KIND_TITLES = {
    "comment_deadline": "Comments due",
    "compliance_date": "Compliance date",
    "rule_effective": "Takes effect",
}


def event_page(day: date, event_id: int | None = None) -> str:
    """The app page of an event (the timeline on its day, the event itself on top), relative to the app's root."""
    params: dict[str, str | int] = {"since": day.isoformat(), "until": day.isoformat()}
    if event_id is not None:
        params["event"] = event_id
    return "timeline?" + urlencode(params)


def short_summary(event: TimelineEvent, rule_names: Mapping[str, str]) -> str:
    """A calendar title of a few words: the deadline's kind and the rule's name
    (or the start of the event's title when it belongs to no named rule)."""
    kind = KIND_TITLES.get(event.kind, event.kind.replace("_", " ").capitalize())
    name = rule_names.get(event.rule or "") or event.title
    return _shorten(f"{kind}: {' '.join(xml_text(name).split())}", CALENDAR_SUMMARY_MAX)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut).rstrip(" ,;:.") + "…"


@dataclass(frozen=True)
class CalendarInfo:
    name: str
    description: str
    path: str  # the calendar's own address, relative to the app's root ("calendar.ics?entity=nvidia")


def deadlines_calendar(
    info: CalendarInfo, events: Sequence[TimelineEvent], rule_names: Mapping[str, str], base_url: str
) -> bytes:
    """An iCalendar feed for subscription: one all-day event per deadline, UIDs from event keys,
    short titles, the app page as URL and the primary sources in the description."""
    calendar = Calendar()
    calendar.add("prodid", CALENDAR_PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", info.name)
    calendar.add("x-wr-calname", info.name)
    calendar.add("description", info.description)
    calendar.add("x-wr-caldesc", info.description)
    calendar.add("source", base_url + info.path, parameters={"VALUE": "URI"})
    calendar.add("refresh-interval", vDuration(CALENDAR_REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(CALENDAR_REFRESH))
    for event in events:
        calendar.add_component(_calendar_event(event, rule_names, base_url))
    return calendar.to_ical()


def _calendar_event(e: TimelineEvent, rule_names: Mapping[str, str], base_url: str) -> CalendarEvent:
    page = base_url + event_page(e.date, e.id)
    changed = e.updated_at.replace(tzinfo=UTC)
    item = CalendarEvent()
    item.add("uid", f"{e.key}@ai-policy-kb")
    item.add("summary", short_summary(e, rule_names))
    start, end = date_span(e.date, e.precision)  # a month known only as a month spans it
    item.add("dtstart", start)
    item.add("dtend", end)
    # Without a METHOD, DTSTAMP is when the event last changed in the store (RFC 5545 3.8.7.2):
    # the same on every fetch, so an unchanged calendar keeps its ETag.
    item.add("dtstamp", changed)
    item.add("last-modified", changed)
    item.add("url", page, parameters={"VALUE": "URI"})
    item.add("description", _calendar_description(e, rule_names, page))
    item.add("categories", [e.kind])
    item.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    return item


def _calendar_description(e: TimelineEvent, rule_names: Mapping[str, str], page: str) -> str:
    parts = [xml_text(e.title)]
    if e.summary and e.summary != e.title:
        parts.append(xml_text(e.summary))
    if e.precision != "day":
        parts.append(f"Date known to the {e.precision} only.")
    if e.rule:
        status = f" ({e.status_label})" if e.status_label else ""
        parts.append(f"Rule: {xml_text(rule_names.get(e.rule, e.rule))}{status}")
    parts.append(f"In the knowledge base: {page}")
    parts += [f"Primary source: {url}" for url in e.sources[:3]]
    return "\n".join(parts)
