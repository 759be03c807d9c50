"""The helpers that make untrusted text inert before Streamlit renders it as Markdown."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

import pytest

from kb.search import Hit, SearchRequest, SearchResult
from kb.ui import exports
from kb.ui.render import escape_inline, escape_md, highlight_snippet, internal_href, internal_link, md_link, safe_url

ZW = "\u200b"
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    "[click](javascript:alert(1))",
    "![x](http://127.0.0.1:9/pixel.png)",
    ":orange[red] :material/home: $x^2$ **bold** _it_ ~~s~~ `code`",
    "# heading\n- item\n1. item\n> quote\n    code\n| a | b |\n|---|---|",
    "&lt;b&gt; &amp; &#60;script&#62;",
    "<https://example.org> www.example.org mail@example.org",
]


def unescaped(markdown: str) -> str:
    """The characters CommonMark would treat as markup: those not preceded by a backslash."""
    return re.sub(r"\\.", "", markdown)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escaped_text_has_no_live_markup(payload):
    for out in (escape_inline(payload), escape_md(payload)):
        live = unescaped(out)
        for char in "<>&![]()*_`~:$#|@":
            assert char not in live, (char, out)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escaping_keeps_the_visible_text(payload):
    shown = re.sub(r"\\(.)", r"\1", escape_inline(payload)).replace(ZW, "")
    assert shown == " ".join(payload.split())


def test_autolinks_are_broken_with_a_zero_width_space():
    out = escape_inline("see http://evil.example/x, www.evil.example and a@b.example")
    assert "http\\:" + ZW + "\\/\\/" in out
    assert "www" + ZW + "\\." in out
    assert ZW + "\\@" in out


def test_escape_inline_collapses_whitespace_and_limits_length():
    assert escape_inline("a\n\n   b\tc") == "a b c"
    assert escape_inline("x" * 50, limit=10) == "x" * 9 + "…"
    assert escape_inline(None) == ""


def test_escape_md_keeps_paragraphs_and_line_breaks_without_code_blocks():
    out = escape_md("first\n        indented\n\n\n\nsecond")
    assert out == "first  \nindented\n\nsecond"


def test_control_and_bidi_characters_are_dropped():
    assert escape_inline("a\x00b\x1bc\u202ed") == "abcd"


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://example.org/a?b=c", "https://example.org/a?b=c"),
        ("  http://example.org/  ", "http://example.org/"),
        ("HTTPS://EXAMPLE.ORG", "HTTPS://EXAMPLE.ORG"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("file:///etc/passwd", None),
        ("//example.org/x", None),
        ("http://", None),
        ("http://exa mple.org", None),
        ('http://example.org/"onmouseover=', None),
        ("http://example.org/\nx", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url_accepts_only_http_and_https(url, expected):
    assert safe_url(url) == expected


def test_md_link_only_links_safe_urls_and_escapes_the_label():
    assert md_link("a [b]", "https://example.org/x_(y)") == "[a \\[b\\]](https://example.org/x_%28y%29)"
    assert md_link("click", "javascript:alert(1)") == "click"
    assert md_link("![img](http://x)", None) == escape_inline("![img](http://x)")


def test_internal_links_encode_their_parameters():
    assert internal_href("document", {"id": "5"}) == "document?id=5"
    assert internal_href("entities", {"id": "a b)&c"}) == "entities?id=a+b%29%26c"
    assert (
        internal_link("<b>Nvidia</b>", "entities", {"id": "nvidia"}) == "[\\<b\\>Nvidia\\<\\/b\\>](entities?id=nvidia)"
    )


def test_highlight_snippet_marks_matches_around_escaped_text():
    out = highlight_snippet([("sales of the ", False), ("H20", True), (" <chip>!", False)])
    assert out == "sales of the :orange-background[**H20**] \\<chip\\>\\!"


def test_highlight_snippet_cannot_be_closed_early_by_its_text():
    out = highlight_snippet([("x] ![y](http://h/p.png) [", True)])
    assert out.startswith(":orange-background[**") and out.endswith("**]")
    assert "]" not in unescaped(out[len(":orange-background[**") : -3])


def test_highlight_snippet_is_bounded():
    out = highlight_snippet([("word " * 400, False), ("late", True)], limit=100)
    assert len(out) < 130 and out.endswith("…") and "late" not in out


def _result(*titles: str) -> SearchResult:
    hits = [
        Hit(
            id=i,
            title=t,
            url="https://example.org",
            source_id=1,
            source_title="S",
            kind="news",
            published=datetime(2025, 1, 2),
            snippet=[("a ", False), ("b", True)],
            entities=["nvidia", "bis"],
        )
        for i, t in enumerate(titles, 1)
    ]
    return SearchResult(request=SearchRequest(query="b"), hits=hits, total=len(hits))


def test_csv_export_neutralises_spreadsheet_formulas():
    data = exports.result_csv(_result('=HYPERLINK("http://x")', "+1", "plain")).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert [r["title"] for r in rows] == ['\'=HYPERLINK("http://x")', "'+1", "plain"]
    assert rows[0]["entities"] == "nvidia; bis" and rows[0]["snippet"] == "a b"
    assert rows[0]["published"] == "2025-01-02T00:00:00"


def test_json_export_is_the_result_dict():
    data = json.loads(exports.result_json(_result("one")))
    assert data["total"] == 1 and data["hits"][0]["title"] == "one" and data["hits"][0]["snippet"] == "a b"
