"""Listing pages of sites without feeds (ingest/page_list.py): the source definitions in
kb/data/sources/page_lists.yaml on the project's fixture pages, the settings check, links,
dates, charsets, and pages that are not what the rules expect."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml

from ingest.errors import IngestError
from ingest.page_list import (
    SETTING_NAMES,
    ListingRules,
    NotHTML,
    parse_date,
    parse_listing,
    rules_from_settings,
)

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "kb" / "data" / "sources" / "page_lists.yaml"
PAGES = Path(__file__).resolve().parent / "data" / "page_lists"
HOST = "http://127.0.0.1:8000"

ENTRIES = yaml.safe_load(DEFINITIONS.read_text(encoding="utf-8"))
BY_KEY = {entry["key"]: entry for entry in ENTRIES}


def _rules(key: str) -> ListingRules:
    return rules_from_settings(BY_KEY[key]["listing"])


def _routes(key: str) -> dict:
    return yaml.safe_load((PAGES / key / "routes.yaml").read_text(encoding="utf-8"))


def _page(key: str, name: str) -> bytes:
    return (PAGES / key / name).read_bytes()


def _listing_url(key: str) -> str:
    return HOST + _routes(key)["listing"]


def _html(body: str, head: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()


# --- the definitions ---------------------------------------------------------------------------------------------


def test_the_definitions_cover_an_agency_a_provider_and_a_chinese_ministry():
    assert {"bis-news-updates", "anthropic-news", "mofcom-announcements"} <= set(BY_KEY)
    assert len(BY_KEY) == len(ENTRIES), "keys must be unique"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["key"])
def test_every_definition_loads_and_has_its_fixture_pages(entry):
    assert set(entry) == {"key", "title", "url", "kind", "listing"}
    assert entry["url"].startswith("https://") and entry["title"] and entry["kind"]
    rules = rules_from_settings(entry["listing"])
    assert set(entry["listing"]) <= set(SETTING_NAMES)
    assert 1 <= rules.max_pages <= 20
    routes = _routes(entry["key"])
    assert routes["routes"][routes["listing"]] == "page-1.html"
    for name in routes["routes"].values():
        assert (PAGES / entry["key"] / name).is_file(), name


EXPECTED_FIRST_PAGES = {
    "bis-news-updates": (
        [
            (
                "/press-release/commerce-adds-25-entities-entity-list-diverting-advanced-computing-chips",
                "Commerce Adds 25 Entities to the Entity List for Diverting Advanced Computing Chips",
                datetime(2025, 1, 15, 12),  # <time datetime="2025-01-15T12:00:00Z"> wins over "January 15, 2025"
                "January 15, 2025",
            ),
            (
                "/press-release/bis-publishes-due-diligence-guidance-data-center-validated-end-users",
                "BIS Publishes Due Diligence Guidance for Data Center Validated End Users",
                datetime(2025, 1, 13, 12),
                "January 13, 2025",
            ),
            (
                "/federal-register-notices/revisions-license-exception-aca-advanced-computing",
                "Revisions to License Exception ACA for Advanced Computing Items",
                datetime(2025, 1, 10, 12),
                "January 10, 2025",
            ),
            (
                "/speech/under-secretary-remarks-export-control-conference",
                "Under Secretary Remarks at the Winter Export Control Conference",
                datetime(2025, 1, 8, 12),
                "January 8, 2025",
            ),
        ],
        "/news-updates?page=1",
    ),
    "anthropic-news": (
        [
            (
                "/news/strengthening-restrictions-unsupported-regions",
                "Strengthening restrictions on access from unsupported regions",
                datetime(2025, 9, 5),
                "Sep 5, 2025",
            ),
            (
                "/news/submission-american-ai-technology-stack",
                "Our submission on exporting the American AI technology stack",
                datetime(2025, 8, 21),
                "Aug 21, 2025",
            ),
            (
                "/news/claude-government-agencies-allied-countries",
                "Claude for government agencies in allied countries",
                datetime(2025, 7, 29),
                "Jul 29, 2025",
            ),
            (
                "/news/comments-rescission-ai-diffusion-framework",
                "Comments on the rescission of the AI diffusion framework",
                datetime(2025, 6, 12),
                "Jun 12, 2025",
            ),
        ],
        "/news?page=2",
    ),
    "mofcom-announcements": (
        [
            (
                "/article/b/c/202412/20241203550146.shtml",
                "商务部公告2024年第46号 关于加强相关两用物项对美国出口管制的公告",  # whole, from the title attribute
                datetime(2024, 12, 3),
                "[2024-12-03]",
            ),
            (
                "/article/b/c/202412/20241202550031.shtml",
                "商务部新闻发言人就美方发布对华半导体出口管制措施答记者问",
                datetime(2024, 12, 2),
                "[2024-12-02]",
            ),
            (
                "/article/b/c/202411/20241122547718.shtml",
                "商务部公告2024年第41号 关于公布两用物项出口管制配套文件的公告",
                datetime(2024, 11, 22),
                "[2024-11-22]",
            ),
            (
                "/article/b/c/202410/20241031544210.shtml",
                "商务部令2024年第6号 出口管制管控名单管理办法",
                datetime(2024, 10, 31),
                "[2024-10-31]",
            ),
            (
                "/article/b/c/202408/20240815533308.shtml",
                "商务部 海关总署公告2024年第33号 关于对锑等物项实施出口管制的公告",
                datetime(2024, 8, 15),
                "[2024-08-15]",
            ),
            (
                "/article/b/c/202407/20240726529954.shtml",
                "商务部公告2024年第29号 关于调整两用物项出口许可证申领事项的公告",
                datetime(2024, 7, 26),
                "[2024-07-26]",
            ),
        ],
        "/article/b/c/?2",
    ),
}


@pytest.mark.parametrize("key", sorted(EXPECTED_FIRST_PAGES))
def test_each_definition_reads_its_first_page(key):
    page = parse_listing(_page(key, "page-1.html"), _listing_url(key), _rules(key))
    expected, next_path = EXPECTED_FIRST_PAGES[key]
    got = [(item.url, item.title, item.published, item.date_text) for item in page.items]
    assert got == [(HOST + path, title, published, text) for path, title, published, text in expected]
    assert page.next_url == HOST + next_path
    assert page.warning is None


def test_the_bis_summaries_and_the_featured_card_that_repeats_a_post():
    bis = parse_listing(
        _page("bis-news-updates", "page-1.html"), _listing_url("bis-news-updates"), _rules("bis-news-updates")
    )
    assert bis.items[0].summary.startswith("The additions name trading companies in three countries")
    # The featured card and the list both hold the first post; it is one item, with the card's summary.
    news = parse_listing(
        _page("anthropic-news", "page-1.html"), _listing_url("anthropic-news"), _rules("anthropic-news")
    )
    assert [i.url for i in news.items].count(HOST + "/news/strengthening-restrictions-unsupported-regions") == 1
    assert news.items[0].summary.startswith("We are extending our restrictions")
    assert news.items[1].summary == ""


@pytest.mark.parametrize("key", sorted(BY_KEY))
def test_the_last_page_has_no_next_link(key):
    names = sorted(p.name for p in (PAGES / key).glob("page-*.html"))
    assert len(names) >= 2
    page = parse_listing(_page(key, names[-1]), _listing_url(key) + "?last", _rules(key))
    assert page.items and page.next_url is None and page.warning is None


def _follow(key: str, max_pages: int) -> tuple[list[str], list[str]]:
    """What a collector does: read pages through their next links, up to max_pages."""
    routes = _routes(key)["routes"]
    rules = _rules(key)
    url: str | None = _listing_url(key)
    files, urls = [], []
    while url is not None and len(files) < max_pages:
        name = routes[url.removeprefix(HOST)]
        page = parse_listing(_page(key, name), url, rules)
        files.append(name)
        urls += [item.url for item in page.items]
        url = page.next_url
    return files, urls


def test_pagination_stops_at_max_pages_and_at_the_last_page():
    assert _rules("bis-news-updates").max_pages == 2
    assert _follow("bis-news-updates", 2)[0] == ["page-1.html", "page-2.html"]  # page 3 exists, but the limit is 2
    files, urls = _follow("bis-news-updates", 20)
    assert files == ["page-1.html", "page-2.html", "page-3.html"] and len(urls) == len(set(urls)) == 10
    assert _follow("mofcom-announcements", 3)[0] == ["page-1.html", "page-2.html"]
    assert _follow("anthropic-news", 2)[0] == ["page-1.html", "page-2.html"]


@pytest.mark.parametrize("key", sorted(BY_KEY))
def test_every_article_page_is_linked_from_a_listing(key):
    routes = _routes(key)["routes"]
    _files, urls = _follow(key, 20)
    articles = {path for path, name in routes.items() if name.startswith("article-")}
    assert len(articles) >= 2
    assert articles <= {url.removeprefix(HOST) for url in urls}


# --- the settings ------------------------------------------------------------------------------------------------


def test_settings_with_defaults():
    rules = rules_from_settings({"item": "li.news", "date": None})
    assert rules == ListingRules(item="li.news")
    assert (rules.link, rules.title, rules.next, rules.max_pages) == ("a[href]", None, None, 3)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"item": "li", "selector": "a"}, "unknown page_list setting(s): selector"),
        ({"item": "li", "Title": "h3", "datum": "time"}, "unknown page_list setting(s): Title, datum"),
        ({"link": "a"}, "need 'item'"),
        ({"item": ""}, "need 'item'"),
        ({"item": "li[", "link": "a"}, "page_list setting 'item': 'li[' is not a valid CSS selector"),
        ({"item": "li", "date": "span:nth-child(x)"}, "page_list setting 'date'"),
        ({"item": "li", "next": "a::after"}, "page_list setting 'next'"),
        ({"item": "li", "title": 3}, "page_list setting 'title' must be a CSS selector"),
        ({"item": "li", "max_pages": 0}, "max_pages must be from 1 to 20, not 0"),
        ({"item": "li", "max_pages": 50}, "max_pages must be from 1 to 20, not 50"),
        ({"item": "li", "max_pages": "3"}, "max_pages must be a whole number"),
        ({"item": "li", "max_pages": True}, "max_pages must be a whole number"),
        ({"item": "li", "language": "Chinese please"}, "language must be a language code"),
        (["li"], "must be a mapping"),
    ],
)
def test_bad_settings_are_refused_naming_the_key(settings, message):
    with pytest.raises(IngestError) as caught:
        rules_from_settings(settings)
    assert message in str(caught.value)


# --- links, titles, duplicates -----------------------------------------------------------------------------------

LINKS = """
<ul class="news">
  <li><a href="2024/one.html">One</a></li>
  <li><a href="/two">Two</a></li>
  <li><a href="../three#section">Three</a></li>
  <li><a href="https://other.example/four">Four</a></li>
  <li><a href="javascript:void(0)">Script</a></li>
  <li><a href="mailto:press@example.gov">Mail</a></li>
  <li><a href=" /two ">Two again</a></li>
  <li><a href="2024/one.html#comments">One, comments</a></li>
  <li><span>No link at all</span></li>
  <li><a href="//cdn.example/five">Five</a></li>
  <li><a href="ftp://files.example/six">Six</a></li>
</ul>
"""


def test_links_resolve_against_the_page_and_unusable_ones_are_counted():
    page = parse_listing(_html(LINKS), "http://127.0.0.1:8000/news/list.html", ListingRules(item="ul.news li"))
    assert [(i.url, i.title) for i in page.items] == [
        ("http://127.0.0.1:8000/news/2024/one.html", "One"),
        ("http://127.0.0.1:8000/two", "Two"),
        ("http://127.0.0.1:8000/three", "Three"),  # the fragment is no part of an article's address
        ("https://other.example/four", "Four"),
        ("http://cdn.example/five", "Five"),
    ]
    assert page.warning == "1 item had no link; 3 items had a link that is not http(s)"


def test_base_href_wins_over_the_page_url():
    body = '<div class="item"><a href="notice-1.html">Notice</a></div><a class="next" href="?p=2">next</a>'
    page = parse_listing(
        _html(body, head='<base href="http://127.0.0.1:8000/archive/2024/">'),
        "http://127.0.0.1:8000/list",
        ListingRules(item="div.item", next="a.next"),
    )
    assert page.items[0].url == "http://127.0.0.1:8000/archive/2024/notice-1.html"
    assert page.next_url == "http://127.0.0.1:8000/archive/2024/?p=2"
    # A relative <base href> resolves against the page; a javascript: one is ignored.
    relative = parse_listing(
        _html(body, head='<base href="/b/">'), "http://h.example/x/list", ListingRules(item="div.item")
    )
    assert relative.items[0].url == "http://h.example/b/notice-1.html"
    bogus = parse_listing(
        _html(body, head='<base href="javascript:alert(1)">'), "http://h.example/x/list", ListingRules(item="div.item")
    )
    assert bogus.items[0].url == "http://h.example/x/notice-1.html"


def test_the_next_link_is_never_the_page_itself_nor_a_script():
    rules = ListingRules(item="li", next="a.next")
    for href in ("#", "", "list?page=1", "javascript:next()", "mailto:x@example.org"):
        body = f'<ul><li><a href="/a">A</a></li></ul><a class="next" href="{href}">Next</a>'
        assert parse_listing(_html(body), "http://h.example/list?page=1", rules).next_url is None, href
    missing = parse_listing(_html("<ul><li><a href='/a'>A</a></li></ul>"), "http://h.example/list", rules)
    assert missing.next_url is None and missing.warning is None
    wrapped = '<ul><li><a href="/a">A</a></li></ul><li class="next"><a href="list?page=2">Next</a></li>'
    assert parse_listing(
        _html(wrapped), "http://h.example/list", ListingRules(item="ul li", next="li.next")
    ).next_url == ("http://h.example/list?page=2")


def test_titles_from_a_selector_the_link_or_its_title_attribute():
    body = """
    <article><h3>Chip rule <em>published</em></h3><a href="/1">Read more</a></article>
    <article><a href="/2" title="A title only in the attribute"><img src="x.png" alt=""></a></article>
    <article><a href="/3" title="关于对原产于美国的进口相关物项实施出口管制的公告">关于对原产于美国的进口相关...</a></article>
    <article><a href="/4" title="An older title">A newer title</a></article>
    <article><a href="/5"> </a></article>
    """
    rules = ListingRules(item="article")
    titles = [i.title for i in parse_listing(_html(body), "http://h.example/", rules).items]
    assert titles == [
        "Read more",
        "A title only in the attribute",
        "关于对原产于美国的进口相关物项实施出口管制的公告",
        "A newer title",
        "",
    ]
    assert parse_listing(_html(body), "http://h.example/", rules).warning == "1 item had no title"
    with_selector = parse_listing(_html(body), "http://h.example/", ListingRules(item="article", title="h3"))
    assert with_selector.items[0].title == "Chip rule published"


def test_the_item_itself_can_be_the_link():
    body = '<div class="grid"><a class="card" href="/p/1"><h3>First</h3><time datetime="2024-06-25">Jun 25</time></a></div>'
    page = parse_listing(_html(body), "http://h.example/", ListingRules(item="a.card", title="h3"))
    assert [(i.url, i.title, i.published) for i in page.items] == [
        ("http://h.example/p/1", "First", datetime(2024, 6, 25))
    ]


# --- dates -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("June 25, 2024", None, datetime(2024, 6, 25)),
        ("25 June 2024", None, datetime(2024, 6, 25)),
        ("Jun 25, 2024", None, datetime(2024, 6, 25)),
        ("Sept. 5, 2024", None, datetime(2024, 9, 5)),
        ("June 25th, 2024", None, datetime(2024, 6, 25)),
        ("Press Release | January 8, 2025 | Office of Public Affairs", None, datetime(2025, 1, 8)),
        ("2024-06-25", None, datetime(2024, 6, 25)),
        ("06/25/2024", None, datetime(2024, 6, 25)),  # US order
        ("07/04/2024", None, datetime(2024, 7, 4)),
        ("25/06/2024", None, datetime(2024, 6, 25)),  # day first when the first number cannot be a month
        ("Tuesday, 25 June 2024 at 10:00", None, datetime(2024, 6, 25)),
        ("2024/6/5", None, datetime(2024, 6, 5)),
        ("2017-7-20", "zh", datetime(2017, 7, 20)),
        ("2024年6月25日", "zh", datetime(2024, 6, 25)),
        ("[2024-06-25]", "zh", datetime(2024, 6, 25)),
        ("发布时间：2024-06-25 10:30", "zh", datetime(2024, 6, 25)),
        ("（2024年12月3日）", "zh", datetime(2024, 12, 3)),
        ("Updated 2025-01-02; first published June 25, 2024", None, datetime(2025, 1, 2)),  # the first date
        ("June 25, 2024 (updated 2025-01-02)", None, datetime(2024, 6, 25)),
        ("25 juin 2024", "fr", datetime(2024, 6, 25)),
        ("25. Juni 2024", "de", datetime(2024, 6, 25)),
    ],
)
def test_dates_in_the_forms_listings_use(text, language, expected):
    assert parse_date(text, language) == expected


@pytest.mark.parametrize(
    "text",
    [
        "June 2024",
        "June 25",
        "yesterday",
        "3 days ago",
        "Updated recently",
        "2024-13-45",
        "6月25日",
        "Q2 2024",
        "Read more",
        "",
    ],
)
def test_partial_or_relative_dates_are_not_completed_from_today(text):
    assert parse_date(text, "en") is None
    assert parse_date(text) is None


def test_time_datetime_wins_and_is_converted_to_utc():
    body = """
    <li><a href="/1">A</a><time datetime="2024-06-25T01:30:00+08:00">June 25, 2024</time></li>
    <li><a href="/2">B</a><span class="d">Posted <time datetime="2024-06-26">Wednesday</time></span></li>
    <li><a href="/3">C</a><time datetime="not a date">June 27, 2024</time></li>
    <li><a href="/4">D</a><span class="d">soon</span></li>
    <li><a href="/5">E</a></li>
    """
    page = parse_listing(_html(f"<ul>{body}</ul>"), "http://h.example/", ListingRules(item="li", date=".d, time"))
    assert [(i.published, i.date_text) for i in page.items] == [
        (datetime(2024, 6, 24, 17, 30), "June 25, 2024"),
        (datetime(2024, 6, 26), "Posted Wednesday"),
        (datetime(2024, 6, 27), "June 27, 2024"),
        (None, "soon"),
        (None, None),
    ]
    # Without a date selector a <time> inside the item is used; an empty one gives its attribute as the text.
    bare = parse_listing(
        _html('<ul><li><a href="/1">A</a><time datetime="2024-06-25"></time></li></ul>'),
        "http://h.example/",
        ListingRules(item="li"),
    )
    assert (bare.items[0].published, bare.items[0].date_text) == (datetime(2024, 6, 25), "2024-06-25")


# --- charsets ----------------------------------------------------------------------------------------------------


def _mofcom_as_gbk(declare_in_meta: bool) -> bytes:
    text = _page("mofcom-announcements", "page-1.html").decode("utf-8")
    replacement = "charset=gbk" if declare_in_meta else ""
    return text.replace("charset=utf-8", replacement).encode("gbk")


def test_a_gbk_listing_decodes_by_its_meta_charset():
    expected = parse_listing(
        _page("mofcom-announcements", "page-1.html"),
        _listing_url("mofcom-announcements"),
        _rules("mofcom-announcements"),
    )
    page = parse_listing(_mofcom_as_gbk(True), _listing_url("mofcom-announcements"), _rules("mofcom-announcements"))
    assert page.items == expected.items and page.next_url == expected.next_url
    assert page.items[0].title.startswith("商务部公告2024年第46号")


def test_the_header_charset_wins_over_meta_and_utf8():
    url, rules = _listing_url("mofcom-announcements"), _rules("mofcom-announcements")
    headers = {"Content-Type": "text/html; charset=GB2312"}
    page = parse_listing(_mofcom_as_gbk(False), url, rules, headers=headers)
    assert page.items[0].title.startswith("商务部公告2024年第46号") and page.next_url == HOST + "/article/b/c/?2"
    # A page that declares utf-8 in <meta> but is sent as GBK with a header that says so.
    mislabelled = _page("mofcom-announcements", "page-1.html").decode("utf-8").encode("gb18030")
    assert (
        parse_listing(mislabelled, url, rules, headers={"content-type": "text/html;charset=gbk"})
        .items[0]
        .title.startswith("商务部公告")
    )
    # Undeclared GBK is not valid UTF-8: the shared decoder (ingest.article.decode_html) guesses it.
    guessed = parse_listing(_mofcom_as_gbk(False), url, rules)
    assert guessed.items and guessed.items[0].title.startswith("商务部")


def test_an_unknown_charset_falls_back_to_utf8():
    page = parse_listing(
        _html("<li><a href='/a'>Übersicht</a></li>"),
        "http://h.example/",
        ListingRules(item="li"),
        headers={"Content-Type": "text/html; charset=x-nonsense"},
    )
    assert page.items[0].title == "Übersicht"


# --- pages that are not what the rules expect ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "headers", "message"),
    [
        (b"", None, "the content is empty"),
        (b"   \n", None, "the content is empty"),
        (b'{"items": [{"title": "A"}]}', None, "JSON"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", None, "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "binary"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>', None, "a feed"),
        (
            b'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>',
            None,
            "a feed",
        ),
        (
            b'<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="/rss.xsl"?>\n<!-- generated -->\n<rss version="2.0"></rss>',
            None,
            "a feed",
        ),
        (b"Just some plain text, no markup at all.\nSecond line.", None, "no HTML elements"),
        (b"<li>a</li>", {"Content-Type": "image/png"}, "image/png"),
        (b"<li>a</li>", {"content-type": "application/json; charset=utf-8"}, "application/json"),
    ],
)
def test_content_that_is_not_html_raises_a_clear_error(content, headers, message):
    with pytest.raises(NotHTML) as caught:
        parse_listing(content, "http://h.example/list", ListingRules(item="li"), headers=headers)
    assert message in str(caught.value) and str(caught.value).startswith("not an HTML page")
    assert isinstance(caught.value, IngestError)


def test_an_item_selector_that_matches_nothing_is_a_warning():
    page = parse_listing(
        _page("bis-news-updates", "page-1.html"),
        _listing_url("bis-news-updates"),
        ListingRules(item="div.views-row-redesigned", next="nav.usa-pagination a.usa-pagination__next-page"),
    )
    assert page.items == [] and page.next_url is None
    assert page.warning == "the item selector 'div.views-row-redesigned' matched nothing"


def test_a_fragment_or_a_bom_still_reads():
    page = parse_listing(
        b"\xef\xbb\xbf<ul><li><a href='/a'>A</a></li></ul>", "http://h.example/", ListingRules(item="li")
    )
    assert [i.url for i in page.items] == ["http://h.example/a"]
    utf16 = "<html><body><ul><li><a href='/b'>B</a></li></ul></body></html>".encode("utf-16")
    assert parse_listing(utf16, "http://h.example/", ListingRules(item="li")).items[0].title == "B"


def test_placeholder_links_and_unreadable_dates_are_named_in_the_warning():
    body = """
    <li><a href="#">Coming soon</a><span>2024-06-25</span></li>
    <li><a href="./">Back to the list</a><span>2024-06-25</span></li>
    <li><a href="/a">A</a><span>2024-06-25</span></li>
    <li><a href="/b">B</a><span>last week</span></li>
    <li><a href="/c">C</a></li>
    """
    page = parse_listing(_html(f"<ul>{body}</ul>"), "http://h.example/list/", ListingRules(item="li", date="span"))
    assert [i.url for i in page.items] == ["http://h.example/a", "http://h.example/b", "http://h.example/c"]
    assert page.warning == "2 items had a link to the listing itself; 2 items had no readable date"


def test_a_page_sent_as_octet_stream_is_still_read():
    headers = {"Content-Type": "application/octet-stream"}
    page = parse_listing(
        _html("<ul><li><a href='/a'>A</a></li></ul>"), "http://h.example/", ListingRules(item="li"), headers=headers
    )
    assert [i.title for i in page.items] == ["A"]


def test_duplicates_are_one_item_whatever_the_host_case_or_tracking_parameters():
    body = """
    <li><a href="https://News.Example/post?id=7">First copy</a></li>
    <li><a href="https://news.example/post?id=7&utm_source=list">Second copy</a></li>
    <li><a href="https://news.example/post?id=8">Another post</a></li>
    """
    page = parse_listing(_html(f"<ul>{body}</ul>"), "http://h.example/", ListingRules(item="li"))
    assert [(i.url, i.title) for i in page.items] == [
        ("https://News.Example/post?id=7", "First copy"),
        ("https://news.example/post?id=8", "Another post"),
    ]


def test_scripts_are_no_titles_and_an_empty_title_selector_falls_back_to_the_link():
    body = """
    <div class="card"><a href="/1"><script>track("card-1")</script>Chip rule published</a><h3></h3></div>
    <div class="card"><a href="/2">Entity List additions</a><h3>Additions to the Entity List</h3></div>
    """
    page = parse_listing(_html(body), "http://h.example/", ListingRules(item="div.card", title="h3"))
    assert [i.title for i in page.items] == ["Chip rule published", "Additions to the Entity List"]
    assert page.warning is None


@pytest.mark.parametrize("key", sorted(BY_KEY))
def test_article_pages_carry_the_title_and_date_their_listing_shows(key):
    """The fixtures agree with each other, so a collector's tests can compare listing and article."""
    from bs4 import BeautifulSoup

    routes = _routes(key)["routes"]
    listed = {}
    url: str | None = _listing_url(key)
    while url is not None:
        page = parse_listing(_page(key, routes[url.removeprefix(HOST)]), url, _rules(key))
        listed.update({item.url.removeprefix(HOST): item for item in page.items})
        url = page.next_url
    for path, name in routes.items():
        if not name.startswith("article-"):
            continue
        soup = BeautifulSoup(_page(key, name), "lxml")
        item = listed[path]
        assert soup.h1 is not None and " ".join(soup.h1.get_text(" ").split()) == item.title
        assert item.published is not None and item.date_text
        assert item.published.strftime("%Y-%m-%d") in str(soup) or item.date_text in soup.get_text()
