"""OPML import and export: the readers' formats in, OPML 2.0 out, a round trip, and broken files refused whole.

The three sample files under tests/data/opml/ were written for this project
in the shape each reader's export has (Miniflux: OPML 2.0, a namespace of its
own, every feed in a category; FreshRSS: OPML 2.0, the frss namespace, a
scraped page among the feeds; NetNewsWire: OPML 1.1, folders, one feed in
two folders). The real files from other projects are read from the shared
fixtures, never copied here.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import listparser
import pytest
from sqlmodel import col, select
from streamlit.testing.v1 import AppTest

from kb import settings
from kb.cli import main
from kb.context import open_kb
from kb.errors import UserInputError
from kb.models import Source
from kb.opml import apply_import, export_opml, left_out_note, plan_import
from kb.store import add_source
from tests.helpers import FIXTURES, ROOT, fixture_file

SAMPLES = ROOT / "tests" / "data" / "opml"
SHARED = FIXTURES / "opml"
BIS_FEED = (
    "https://www.federalregister.gov/api/v1/documents.rss?conditions%5Bagencies%5D%5B%5D=industry-and-security-bureau"
    "&order=newest"
)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def opml(*outlines: str, head: str = "<head><title>Test list</title></head>") -> bytes:
    body = "\n".join(outlines)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">{head}<body>{body}</body></opml>'.encode()


def import_into(kb, data: bytes):
    with kb.session() as session:
        plan = plan_import(session, data, allow_private=True)
        apply_import(session, plan)
        session.commit()
    return plan


def subscriptions(kb) -> list[tuple]:
    """(url, title, folder, tags, site) of every source, by URL."""
    with kb.session() as session:
        rows = session.exec(select(Source).order_by(col(Source.url))).all()
    return [
        (s.url, s.title, s.settings.get("folder", ""), s.settings.get("tags", []), s.settings.get("site_url"))
        for s in rows
    ]


def exported(kb) -> bytes:
    with kb.session() as session:
        return export_opml(session)


def without_date(document: bytes) -> bytes:
    return re.sub(rb"<dateCreated>[^<]*</dateCreated>", b"", document)


@pytest.fixture
def second_kb(kb_env, tmp_path):
    """Another, empty store beside the `kb` fixture's."""
    instance = open_kb(settings.load({"KB_HOME": str(tmp_path / "second"), "KB_ALLOW_PRIVATE_ADDRESSES": "1"}))
    yield instance
    instance.reopen_index()
    instance.engine.dispose()


# ---- the round trip and the export's shape ----------------------------------------


@pytest.mark.both_databases
def test_round_trip_export_import_export_gives_the_same_subscriptions(kb, second_kb):
    for name in ("netnewswire.opml", "freshrss.opml", "miniflux.opml"):
        import_into(kb, sample(name))
    with kb.session() as session:
        add_source(session, url="https://example.org/untitled.xml", settings={"folder": "Policy/US/Congress"})
        session.commit()
    first = exported(kb)
    plan = import_into(second_kb, first)
    assert plan.summary() == f"{len(subscriptions(kb))} new, 0 duplicates, 0 skipped"
    assert subscriptions(second_kb) == subscriptions(kb)
    assert without_date(exported(second_kb)) == without_date(first)


def test_the_export_is_opml_2_with_nested_folders_and_feed_outlines(kb):
    import_into(kb, sample("netnewswire.opml"))
    with kb.session() as session:
        add_source(session, url="https://example.org/us.xml", title="US desk", settings={"folder": "Policy/US"})
        session.commit()
    document = exported(kb)
    root = ET.fromstring(document)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title")
    assert parsedate_to_datetime(root.findtext("head/dateCreated") or "").tzinfo is not None
    us = root.find("body/outline[@text='Policy']/outline[@text='US']/outline")
    assert us is not None
    assert us.attrib == {"type": "rss", "text": "US desk", "title": "US desk", "xmlUrl": "https://example.org/us.xml"}
    bis = root.find(f"body/outline[@text='China']/outline[@xmlUrl='{BIS_FEED}']")
    assert (
        bis is not None
        and bis.get("htmlUrl") == "https://www.federalregister.gov/agencies/industry-and-security-bureau"
    )
    assert bis.get("category") == "Export controls"  # its second folder in NetNewsWire, kept as a tag
    assert all(o.get("text") for o in root.iter("outline"))  # OPML 2.0 requires it; FreshRSS refuses outlines without
    parsed = listparser.parse(document)
    assert parsed.version == "opml2" and not parsed.bozo and len(parsed.feeds) == 10


def test_the_export_is_sorted_by_folder_then_title(kb):
    with kb.session() as session:
        for url, title, folder in [
            ("https://b.example/z", "Zeta", "B"),
            ("https://b.example/a", "alpha", "B"),
            ("https://a.example/1", "Mid", ""),
            ("https://a.example/2", "Mid", ""),
            ("https://c.example/x", "x", "A/Sub"),
            ("https://c.example/y", "y", "A"),
        ]:
            add_source(session, url=url, title=title, settings={"folder": folder} if folder else {})
        session.commit()
    root = ET.fromstring(exported(kb))
    order = [o.get("xmlUrl") or f"[{o.get('text')}]" for o in root.iter("outline")]
    expected = ["https://a.example/1", "https://a.example/2", "[A]", "https://c.example/y", "[Sub]"]
    assert order == [*expected, "https://c.example/x", "[B]", "https://b.example/a", "https://b.example/z"]


def test_the_export_leaves_out_sources_that_are_not_feeds_and_says_so(kb, tmp_path):
    local = tmp_path / "local.xml"
    local.write_text("<rss/>")
    with kb.session() as session:
        add_source(session, url="https://www.federalregister.gov/api/v1/documents.json", kind="federal_register")
        add_source(session, url=local.as_uri(), allow_file=True)
        add_source(session, url="https://openai.com/news/rss.xml", title="OpenAI News")
        session.commit()
        note = left_out_note(session)
    assert [o.get("xmlUrl") for o in ET.fromstring(exported(kb)).iter("outline")] == ["https://openai.com/news/rss.xml"]
    assert note == "2 sources left out, not being feeds another reader can follow (federal register: 1, local file: 1)"


def test_the_export_escapes_text_and_drops_characters_xml_cannot_hold(kb):
    hostile = "<b>\"Chips\" & 'AI'</b>\x0b\x01 ]]> 出口管制"
    with kb.session() as session:
        add_source(session, url="https://example.org/feed?a=1&b=2", title=hostile, settings={"folder": "R&D <x>"})
        session.commit()
    feed = ET.fromstring(exported(kb)).find("body/outline/outline")
    assert feed is not None
    assert feed.get("title") == "<b>\"Chips\" & 'AI'</b> ]]> 出口管制"
    assert feed.get("xmlUrl") == "https://example.org/feed?a=1&b=2"


def test_an_empty_store_exports_an_empty_list(kb):
    root = ET.fromstring(exported(kb))
    assert root.find("body") is not None and not list(root.iter("outline"))


# ---- the readers' files ------------------------------------------------------------


READERS = {
    "miniflux.opml": (
        "8 new, 0 duplicates, 0 skipped",
        {
            ("Import AI", "All"),
            ("Federal Register: Industry and Security Bureau", "Export controls"),
            ("BIS press releases", "Export controls"),
            ("Commerce Department news", "Export controls"),
            ("Google: AI", "Providers"),
            ("OpenAI News", "Providers"),
            ("CSET", "Think tanks"),
            ("MIT Technology Review: AI", "Think tanks"),
        },
    ),
    "freshrss.opml": (
        "5 new, 0 duplicates, 1 skipped",
        {
            ("ChinaTalk", "Uncategorized"),
            ("Federal Register: Export controls", "Export controls"),
            ("Ars Technica: Tech policy", "Export controls"),
            ("OpenAI News", "AI labs"),
            ("Google DeepMind blog", "AI labs"),
        },
    ),
    "netnewswire.opml": (
        "9 new, 1 duplicates, 0 skipped",
        {
            ("ChinaTalk", ""),
            ("Import AI", ""),
            ("Federal Register: Industry and Security Bureau", "China"),
            ("SCMP: China technology", "China"),
            ("新华网 科技", "China"),
            ("BIS press releases", "Export controls"),
            ("Lawfare: Cybersecurity & Tech", "Export controls"),
            ("Google: AI", "Providers"),
            ("OpenAI News", "Providers"),
        },
    ),
}


@pytest.mark.parametrize("name", sorted(READERS))
def test_each_readers_export_imports_with_its_titles_and_folders(kb, name):
    summary, expected = READERS[name]
    plan = import_into(kb, sample(name))
    assert plan.summary() == summary
    assert {(title, folder) for _, title, folder, _, _ in subscriptions(kb)} == expected
    assert all(site and site.startswith(("https://", "http://")) for *_, site in subscriptions(kb))


def test_freshrss_scraped_pages_are_skipped_not_subscribed(kb):
    plan = import_into(kb, sample("freshrss.opml"))
    [skipped] = plan.skipped
    assert skipped.url == "https://www.bis.gov/entity-list"
    assert skipped.note == "a web page scraped by the reader (type HTML+XPath), not a feed"


def test_a_feed_in_two_netnewswire_folders_is_subscribed_once_with_the_other_folder_as_a_tag(kb):
    plan = import_into(kb, sample("netnewswire.opml"))
    [duplicate] = plan.duplicates
    assert duplicate.url == BIS_FEED and duplicate.note == "listed earlier in this file"
    assert (BIS_FEED, "Federal Register: Industry and Security Bureau", "China", ["Export controls"]) in [
        row[:4] for row in subscriptions(kb)
    ]


def test_reimporting_a_readers_file_adds_nothing(kb):
    import_into(kb, sample("miniflux.opml"))
    plan = import_into(kb, sample("netnewswire.opml"))
    assert plan.summary() == "4 new, 6 duplicates, 0 skipped"
    assert all(o.note.startswith("already subscribed as source ") for o in plan.duplicates)
    assert import_into(kb, sample("netnewswire.opml")).summary() == "0 new, 10 duplicates, 0 skipped"


# ---- real files from other projects (shared fixtures) -----------------------------


@pytest.mark.parametrize(
    "path, summary",
    [
        ("NetNewsWire/Modules/RSParser/Tests/RSParserTests/Resources/Subs.opml", "206 new, 1 duplicates, 0 skipped"),
        ("NetNewsWire/Shared/Importers/DefaultFeeds.opml", "10 new, 0 duplicates, 0 skipped"),
        ("newsboat/test/data/example.opml", "7 new, 0 duplicates, 0 skipped"),
        ("newsboat/test/data/piped.opml", "1 new, 0 duplicates, 1 skipped"),
        ("listparser/feeds.opml", "2 new, 0 duplicates, 0 skipped"),
    ],
)
def test_real_opml_files_import(kb, path, summary):
    plan = import_into(kb, fixture_file(SHARED / path).read_bytes())
    assert plan.summary() == summary
    assert len(subscriptions(kb)) == len(plan.new)


def test_netnewswire_duplicate_differs_only_by_a_trailing_slash(kb):
    """Subs.opml lists http://feed.katiefloyd.com twice, once with a "/": the same feed."""
    data = fixture_file(SHARED / "NetNewsWire/Modules/RSParser/Tests/RSParserTests/Resources/Subs.opml").read_bytes()
    with kb.session() as session:
        [duplicate] = plan_import(session, data).duplicates
    assert duplicate.url.rstrip("/") == "http://feed.katiefloyd.com"


def test_newsboat_folders_and_categories(kb):
    import_into(kb, fixture_file(SHARED / "newsboat/test/data/example.opml").read_bytes())
    folders = {title: folder for _, title, folder, _, _ in subscriptions(kb)}
    assert folders["John's musings"] == "Blogs"  # text wins over title, as in the outline's own reader
    assert folders["Notes by Mike"] == "Blogs/friends"
    assert folders["Fred on everything"] == "eloquent"
    import_into(kb, fixture_file(SHARED / "newsboat/test/data/category.opml").read_bytes())
    tagged = next(row for row in subscriptions(kb) if "bbci" in row[0])
    assert tagged[2:4] == ("", ["tag one", "tag_two", "tag/three"])


@pytest.mark.parametrize(
    "path, message",
    [
        ("newsboat/test/data/body-element-missing.opml", "it has no <body>"),
        ("newsboat/test/data/opml-element-missing.opml", "its root element is <not-opml>"),
        # listparser recovers from these; a half-read file is not imported here
        ("listparser/tests/files/malformed/end-element-missing.xml", "not a well-formed XML file"),
        ("listparser/tests/files/malformed/concatenated-documents.xml", "not a well-formed XML file"),
        ("listparser/tests/files/malformed/html-entity-attribute.xml", "not a well-formed XML file"),
    ],
)
def test_broken_real_files_are_refused(kb, path, message):
    with kb.session() as session, pytest.raises(UserInputError, match=re.escape(message)):
        plan_import(session, fixture_file(SHARED / path).read_bytes())


# ---- duplicates, refusals, skips ---------------------------------------------------


def test_duplicates_by_normalised_url_within_the_file_and_against_the_store(kb):
    data = opml(
        '<outline text="One" xmlUrl="https://example.org/feed"/>',
        '<outline text="Folder"><outline text="Again" xmlUrl="https://example.org/feed"/></outline>',
        '<outline text="Tracked" xmlUrl="HTTPS://Example.ORG/feed?utm_source=reader#top"/>',
    )
    plan = import_into(kb, data)
    assert plan.summary() == "1 new, 2 duplicates, 0 skipped"
    assert {o.note for o in plan.duplicates} == {"listed earlier in this file"}
    again = import_into(kb, data)
    assert again.summary() == "0 new, 3 duplicates, 0 skipped"
    assert {o.note for o in again.duplicates} == {"already subscribed as source 1"}
    assert len(subscriptions(kb)) == 1


HOSTILE = [
    pytest.param(lambda: sample("netnewswire.opml")[:900], "not a well-formed XML file", id="truncated"),
    pytest.param(lambda: b"", "the file is empty", id="empty"),
    pytest.param(lambda: b"  \n\t", "the file is empty", id="blank"),
    pytest.param(
        lambda: b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><p>Hello<br></body></html>",
        "not a well-formed XML file",
        id="html-page",
    ),
    pytest.param(
        lambda: b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Moved</p></body></html>',
        "its root element is <html>",
        id="xhtml-page",
    ),
    pytest.param(lambda: b'{"feeds": ["https://example.org/feed"]}', "not a well-formed XML file", id="json"),
    pytest.param(
        lambda: b'<rss version="2.0"><channel><title>A feed, not a list</title></channel></rss>',
        "its root element is <rss>",
        id="a-feed",
    ),
    pytest.param(
        lambda: (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<opml version="2.0"><body><outline text="&b;" xmlUrl="https://example.org/feed"/></body></opml>'
        ),
        "declares XML entities",
        id="entity-bomb",
    ),
    pytest.param(lambda: b"\x89PNG\r\n\x1a\n\x00\x00", "not a well-formed XML file", id="binary"),
    pytest.param(
        lambda: opml("<outline>" * 70 + '<outline xmlUrl="https://example.org/deep"/>' + "</outline>" * 70).replace(
            b"<outline>", b'<outline text="f">'
        ),
        "nested more than 64 deep",
        id="too-deep",
    ),
]


@pytest.mark.parametrize("make, message", HOSTILE)
def test_a_malformed_file_changes_nothing_and_says_why(kb, make, message):
    import_into(kb, opml('<outline text="Kept" xmlUrl="https://example.org/kept"/>'))
    before = subscriptions(kb)
    with kb.session() as session, pytest.raises(UserInputError) as raised:
        plan_import(session, make())
    assert message in str(raised.value) and str(raised.value).endswith("nothing was imported")
    assert subscriptions(kb) == before


def test_script_data_and_file_urls_are_skipped_and_nothing_is_subscribed(kb):
    data = opml(
        '<outline text="Click" type="rss" xmlUrl="javascript:alert(document.cookie)"/>',
        '<outline text="Inline" type="rss" xmlUrl="data:text/xml,&lt;rss/&gt;"/>',
        '<outline text="Local" type="rss" xmlUrl="file:///etc/passwd"/>',
        '<outline text="Broken" type="rss" xmlUrl="http://[::1"/>',
    )
    plan = import_into(kb, data)
    assert plan.summary() == "0 new, 0 duplicates, 4 skipped"
    assert {o.note for o in plan.skipped} == {"not an http(s) URL"}
    assert subscriptions(kb) == []


def test_private_addresses_are_skipped_unless_allowed(kb):
    data = opml('<outline text="Router" xmlUrl="http://192.168.1.1/feed"/>')
    with kb.session() as session:
        [skipped] = plan_import(session, data).skipped
        assert skipped.note == "refused: 192.168.1.1 is a private address"
        assert len(plan_import(session, data, allow_private=True).new) == 1


def test_links_to_other_lists_are_skipped(kb):
    data = opml('<outline text="More" type="include" url="https://example.org/more.opml"/>')
    with kb.session() as session:
        [skipped] = plan_import(session, data).skipped
    assert skipped.url == "https://example.org/more.opml" and "another subscription list" in skipped.note


@pytest.mark.parametrize(
    "data",
    [
        '<?xml version="1.0" encoding="ISO-8859-1"?><opml version="1.0"><body>'
        '<outline text="Caf\xe9 & export rules" xmlUrl="https://example.org/feed"/></body></opml>'.encode("latin-1"),
        '<opml version="2.0"><body><outline text="Caf\xe9 & export rules" xmlUrl="https://example.org/feed"/>'
        "</body></opml>".replace("&", "&amp;").encode(),
    ],
    ids=["latin-1-declared", "utf-8-without-declaration"],
)
def test_titles_survive_any_declared_encoding(kb, data):
    data = data.replace(b"& export", b"&amp; export")
    with kb.session() as session:
        [feed] = plan_import(session, data).new
    assert feed.title == "Café & export rules"


def test_a_title_that_only_repeats_the_url_leaves_the_feeds_own(kb):
    plan = import_into(kb, opml('<outline text="https://example.org/feed" xmlUrl="https://example.org/feed"/>'))
    assert plan.new[0].title == "" and subscriptions(kb)[0][1] == ""


@pytest.mark.both_databases
def test_an_import_lands_whole_or_not_at_all(kb):
    data = sample("miniflux.opml")
    with kb.session() as session:
        plan = plan_import(session, data)
    with kb.session() as session:  # someone subscribes to one of the planned feeds in between
        add_source(session, url="https://openai.com/news/rss.xml")
        session.commit()
    with kb.session() as session, pytest.raises(UserInputError, match="already subscribed"):
        apply_import(session, plan)
    assert [row[0] for row in subscriptions(kb)] == ["https://openai.com/news/rss.xml"]


# ---- the command line --------------------------------------------------------------


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_import_dry_run_then_import(kb, capsys):
    path = str(SAMPLES / "freshrss.opml")
    code, out, _ = run(capsys, "sources", "import-opml", path, "--dry-run")
    assert code == 0 and out.startswith("5 new, 0 duplicates, 1 skipped (dry run: nothing imported)")
    assert "skipped https://www.bis.gov/entity-list: a web page scraped" in out
    assert subscriptions(kb) == []
    code, out, _ = run(capsys, "sources", "import-opml", path)
    assert code == 0 and out.splitlines()[0] == "5 new, 0 duplicates, 1 skipped"
    assert len(subscriptions(kb)) == 5
    assert run(capsys, "sources", "import-opml", path)[1].splitlines()[0] == "0 new, 5 duplicates, 1 skipped"


def test_cli_refuses_an_invalid_file_with_one_line(kb, capsys, tmp_path):
    broken = tmp_path / "broken.opml"
    broken.write_bytes(sample("miniflux.opml")[:-40])
    code, out, err = run(capsys, "sources", "import-opml", str(broken))
    assert code == 1 and out == ""
    assert err.startswith("error: not a well-formed XML file (") and err.count("\n") == 1
    assert subscriptions(kb) == []


def test_cli_export_to_stdout_and_to_a_file(kb, capsys, tmp_path):
    import_into(kb, sample("netnewswire.opml"))
    with kb.session() as session:
        add_source(session, url="https://www.federalregister.gov/api/v1/documents.json", kind="federal_register")
        session.commit()
    code, out, err = run(capsys, "sources", "export-opml")
    assert code == 0 and out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert "1 source left out" in err and "federal register" in err
    target = tmp_path / "feeds.opml"
    assert run(capsys, "sources", "export-opml", "-o", str(target))[0] == 0
    assert without_date(target.read_bytes()) == without_date(out.encode())


# ---- the Sources page ---------------------------------------------------------------


def shown(markdown: str) -> str:
    """What escaped Markdown reads as: the escaping backslashes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def sources_page() -> AppTest:
    return AppTest.from_file(str(ROOT / "kb/views/sources.py"), default_timeout=30).run()


def test_sources_page_shows_the_plan_then_imports(kb_env):
    at = sources_page()
    at.file_uploader[0].set_value(("subs.opml", sample("netnewswire.opml"), "text/x-opml")).run()
    assert not at.exception and not at.error
    assert any("**9** new · **1** duplicates · **0** skipped" in m.value for m in at.markdown)
    plan_rows = at.dataframe[0].value
    assert list(plan_rows["import"]).count("new") == 9 and "新华网 科技" in list(plan_rows["title"])
    next(b for b in at.button if b.label == "Import 9 feeds").click().run()
    assert not at.exception
    assert any("Imported 9 feeds" in s.value for s in at.success), [s.value for s in at.success]
    assert at.file_uploader[0].value is None  # a fresh uploader for the next file
    assert len(at.dataframe[0].value) == 9  # the sources table, drawn after the import
    assert [b.label for b in at.get("download_button")] == ["Download OPML"]


def test_sources_page_refuses_a_broken_file_and_escapes_the_file_title(kb_env):
    at = sources_page()
    at.file_uploader[0].set_value(("page.opml", b"<html><body>Sign in</body></html>", "text/html")).run()
    assert [shown(e.value) for e in at.error] == [
        "Not an OPML file: its root element is <html>, not <opml>; nothing was imported"
    ]
    hostile = opml(
        '<outline text="[x](javascript:alert(1))" xmlUrl="https://example.org/feed"/>',
        head="<head><title>**Bold** ![img](https://tracker.example/p.png)</title></head>",
    )
    at.file_uploader[0].set_value(("list.opml", hostile, "text/x-opml")).run()
    [summary] = [m.value for m in at.markdown if "new ·" in m.value]
    assert "![img]" not in summary and "**Bold**" not in summary
