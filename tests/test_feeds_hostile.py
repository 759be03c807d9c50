"""Feeds written to break the parser: each is read leniently (with a warning) or refused with NotAFeed.

Never an OverflowError, TypeError, AttributeError or RecursionError: one
hostile source must fail as a source, not as a bug.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

import pytest

from ingest.errors import IngestError, NotAFeed
from ingest.feeds import parse_feed, parse_json_feed


def json_feed(*items: dict, **top: object) -> bytes:
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "Hostile", "items": list(items), **top}
    return json.dumps(document).encode()


GOOD = {"id": "good", "title": "A good item", "url": "https://example.org/good", "content_text": "Fine."}


def test_a_date_past_the_end_of_time_is_dropped_with_a_warning():
    feed = parse_json_feed(json_feed({**GOOD, "date_published": "9999-12-31T23:59:59-05:00"}))
    assert feed.items[0].published is None and feed.items[0].title == "A good item"
    assert "date_published" in (feed.warning or "") and "out of range" in (feed.warning or "")


def test_a_date_before_the_start_of_time_is_dropped_with_a_warning():
    feed = parse_json_feed(json_feed({**GOOD, "date_modified": "0001-01-01T00:00:00+05:00"}))
    assert feed.items[0].updated is None and "date_modified" in (feed.warning or "")


@pytest.mark.parametrize("key", ["title", "url", "content_html", "content_text", "summary", "language"])
@pytest.mark.parametrize("value", [5, 1.5, True, [1, "two"], {"a": "b"}])
def test_a_non_string_where_text_belongs_is_dropped(key, value):
    feed = parse_json_feed(json_feed({**GOOD, key: value}))
    item = feed.items[0]
    assert key in (feed.warning or "")
    for text in (item.title, item.summary, item.body, item.url or "", item.language or ""):
        assert isinstance(text, str) and str(value) not in text.replace("A good item", "")


@pytest.mark.parametrize("value", [[1], {"id": 1}, True])
def test_an_id_that_is_no_string_or_number_is_dropped(value):
    feed = parse_json_feed(json_feed({**GOOD, "id": value}))
    assert feed.items[0].guid is None and "id" in (feed.warning or "")


def test_a_numeric_id_is_read_as_text_as_the_spec_says():
    feed = parse_json_feed(json_feed({**GOOD, "id": 42}))
    assert feed.items[0].guid == "42" and feed.warning is None


@pytest.mark.parametrize(
    "authors",
    [
        {"authors": 5},
        {"authors": "Jane"},
        {"authors": {"name": "Jane"}},
        {"authors": [5, "x", None, {"name": 7}, {"name": ["Jane"]}]},
        {"author": "Jane"},
        {"author": {"name": {"first": "Jane"}}},
    ],
)
def test_authors_of_the_wrong_shape_give_no_author(authors):
    feed = parse_json_feed(json_feed({**GOOD, **authors}))
    assert feed.items[0].author is None and feed.items[0].title == "A good item"


def test_a_good_author_after_bad_ones_is_kept():
    feed = parse_json_feed(json_feed({**GOOD, "authors": [{"name": 7}, {"name": "Jane Doe"}]}))
    assert feed.items[0].author == "Jane Doe"


@pytest.mark.parametrize("tags", [5, "policy", [1, None, {"a": 1}, ["x"]], {"tag": "x"}])
def test_tags_of_any_shape_do_not_break_the_item(tags):
    assert parse_json_feed(json_feed({**GOOD, "tags": tags})).items[0].title == "A good item"


@pytest.mark.parametrize(("key", "value"), [("title", ["x"]), ("home_page_url", 5), ("version", {"v": 1})])
def test_bad_feed_level_fields_are_dropped(key, value):
    feed = parse_json_feed(json_feed(GOOD, **{key: value}))
    assert key in (feed.warning or "") and feed.items[0].title == "A good item"
    assert isinstance(feed.title, str) and isinstance(feed.version, str) and feed.link is None


def test_items_that_are_not_objects_are_skipped_with_a_warning():
    feed = parse_json_feed(json_feed(GOOD, 5, "x", [GOOD], None))  # type: ignore[arg-type]
    assert [i.title for i in feed.items] == ["A good item"] and "skipped 4" in (feed.warning or "")


def test_lone_surrogates_are_replaced_so_the_store_can_encode_them():
    content = json_feed(GOOD).replace(b"A good item", b"Bad \\ud800 text")
    title = parse_json_feed(content).items[0].title
    assert title.startswith("Bad") and title.encode("utf-8")


@pytest.mark.parametrize(
    "content",
    [
        b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"items": [{"title": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}]}",
    ],
    ids=["nested-items", "nested-top", "nested-title"],
)
def test_deep_nesting_is_not_a_feed(content):
    with pytest.raises(NotAFeed, match="nested too deeply"):
        parse_feed(content)


def test_deeply_nested_html_in_content_is_read():
    depth = 10 * sys.getrecursionlimit()  # far past any recursive walk of the tree
    html = "<div>" * depth + "deep text" + "</div>" * depth
    feed = parse_json_feed(json_feed({**GOOD, "content_text": None, "content_html": html}))
    assert isinstance(feed.items[0].body, str)


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b'[{"items": []}]', "a list"),
        (b"[]", "a list"),
        (b"42", "a number"),
        (b'"feed"', "text"),
        (b"null", "null"),
        (b'{"items": {"a": 1}}', "without an items list"),
        (b'{"title": "no items"}', "without an items list"),
    ],
)
def test_a_json_document_that_is_no_feed_object(content, found):
    with pytest.raises(NotAFeed, match=found):
        parse_json_feed(content)


@pytest.mark.parametrize("content", [b'[{"items": []}]', b"[1, 2]", b"42", b"-1e999"])
def test_parse_feed_refuses_top_level_non_objects(content):
    with pytest.raises(NotAFeed):
        parse_feed(content)


def test_huge_numbers_are_not_a_crash():
    with pytest.raises(IngestError):
        parse_json_feed(b'{"items": [], "n": ' + b"9" * 100_000 + b"}")


RSS_DATES = (
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
    b"<item><guid>1</guid><title>Far future</title><pubDate>Fri, 31 Dec 9999 23:59:59 -0500</pubDate></item>"
    b"<item><guid>2</guid><title>Normal</title><pubDate>Tue, 09 Jul 2024 10:00:00 GMT</pubDate></item>"
    b"</channel></rss>"
)
ATOM_DATES = (
    b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>"
    b"<entry><id>urn:x:1</id><title>Far future</title><updated>9999-12-31T23:59:59-05:00</updated>"
    b"<published>0001-01-01T00:00:00+05:00</published></entry>"
    b"<entry><id>urn:x:2</id><title>Normal</title><updated>2024-07-09T10:00:00Z</updated></entry></feed>"
)


@pytest.mark.parametrize("content", [RSS_DATES, ATOM_DATES], ids=["rss", "atom"])
def test_rss_and_atom_dates_out_of_range_are_dropped(content):
    feed = parse_feed(content)
    far, normal = feed.items
    assert far.title == "Far future" and (far.published is None or far.published.year < 9999)
    assert normal.published == datetime(2024, 7, 9, 10, 0)
    assert "dropped a date" in (feed.warning or "")
