"""Provider availability: the page parser on the project's pages and Google's real one, snapshots
and their events through a real poll of a loopback server, the false-alarm guards, history from
saved copies, and the matrix (`kb availability`) on the demo corpus."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlmodel import col, select

from ingest.availability import ALIASES, PageNotUnderstood, normalise_country, parse_availability
from kb import availability as av
from kb import snapshots
from kb.availability_sources import KIND, default_pages
from kb.cli import cli, main
from kb.demo import PAGES_DIR
from kb.models import Event, EventEntity, Snapshot, Source
from kb.pipeline import poll
from kb.store import add_source
from tests.helpers import FIXTURES, fixture_file, needs_fixtures
from tests.test_ui_pages import app, assert_clean

DATA = Path(__file__).resolve().parent / "data" / "availability"
GEMINI = FIXTURES / "availability/google-gemini-documentation/html_docs/gemini-api/docs/available-regions/index.html"
DEFAULTS = {page.key: page for page in default_pages()}
FIRST, SECOND = "2024-03-01", "2024-07-10"


def page(name: str) -> bytes:
    return (DATA / f"{name}.html").read_bytes()


def parse(content: bytes, key: str):
    settings = DEFAULTS[key].settings
    return parse_availability(content, selector=settings["selector"], after=settings.get("after"))


# ---- the parser ----------------------------------------------------------------------


@needs_fixtures(GEMINI)
def test_google_page_gives_its_223_regions_and_its_date():
    found = parse(fixture_file(GEMINI).read_bytes(), "gemini-api")
    assert len(found.countries) == 223 and not found.warnings
    assert found.updated == date(2025, 8, 1)
    codes = set(found.codes)
    assert {"TW", "VE", "UA", "TR"} <= codes
    assert not {"CN", "HK", "MO", "RU", "IR", "BY", "CU", "KP"} & codes
    labels = {c.label for c in found.countries}
    assert "Türkiye" in labels and not {"Gemini API", "Get started", "Models"} & labels, "no navigation items"
    assert len(codes) == 222, "Bosnia and Herzegovina are two items of one country"


def test_qualifiers_are_notes_and_other_names_are_not():
    ukraine = normalise_country("Ukraine (except Crimea, Donetsk, and Luhansk regions)")
    assert (ukraine.code, ukraine.note) == ("UA", "except Crimea, Donetsk, and Luhansk regions")
    assert normalise_country("Georgia, except Abkhazia").note == "except Abkhazia"
    for label, code in [
        ("Czechia (Czech Republic)", "CZ"),
        ("Eswatini (Swaziland)", "SZ"),
        ("Hong Kong SAR", "HK"),
        ("Korea, Republic of", "KR"),
        ("Türkiye", "TR"),
        ("Côte d’Ivoire", "CI"),
        ("Taiwan*", "TW"),
        ("The Gambia", "GM"),
        ("São Tomé and Príncipe", "ST"),
    ]:
        found = normalise_country(label)
        assert (found.code, found.note) == (code, None), label
    assert normalise_country("Narnia").code is None


def test_a_name_that_maps_to_no_country_is_a_warning_not_a_silent_drop():
    content = page("claude-ai-2024-07-10").replace(b"<li>Zambia</li>", b"<li>Zambia</li><li>Atlantis</li>")
    found = parse(content, "claude-ai")
    assert any("Atlantis" in w for w in found.warnings)
    assert "Atlantis" in [c.label for c in found.countries if c.code is None]


def project_pages() -> list[tuple[Path, str]]:
    """Every page the project wrote (tests and demo) that holds a list, with its source key."""
    out = []
    for path in sorted(DATA.glob("*.html")):
        key = next((k for k in DEFAULTS if path.name.startswith(k)), None)
        if key and re.search(r"\d{4}-\d{2}-\d{2}", path.name):
            out.append((path, key))
    out += [(path, path.parent.name) for path in sorted(PAGES_DIR.glob("*/*.html"))]
    return out


def test_every_name_on_the_pages_maps_and_these_forms_needed_an_alias():
    pages = [(path.read_bytes(), key) for path, key in project_pages()]
    if GEMINI.exists():
        pages.append((GEMINI.read_bytes(), "gemini-api"))
    read = [parse(content, key) for content, key in pages]
    assert len(read) >= 20
    assert [w for found in read for w in found.warnings] == []
    aliased = sorted({c.label for found in read for c in found.countries if c.via == "alias"})
    assert aliased == [
        "Bosnia",
        "Brunei",
        "Caribbean Netherlands",
        "Congo (Brazzaville)",
        "Congo (DRC)",
        "Congo, Republic of the",
        "Democratic Republic of the Congo",
        "Falkland Islands (Islas Malvinas)",
        "Herzegovina",
        "Holy See (Vatican City)",
        "Kosovo",
        "Micronesia",
        "Palestine",
        "Pitcairn Islands",
        "Timor-Leste, Democratic Republic of",
        "Turkey",
        "U.S. Virgin Islands",
    ]
    assert all(label.casefold() in ALIASES for label in aliased)


@pytest.mark.parametrize(
    "name, key, status",
    [
        ("challenge", "openai-api", "challenge"),
        ("openai-api-restructured", "openai-api", "restructured"),
        ("claude-ai-empty", "claude-ai", "empty"),
    ],
)
def test_pages_that_hold_no_list_say_why(name, key, status):
    with pytest.raises(PageNotUnderstood) as raised:
        parse(page(name), key)
    assert raised.value.status == status


def test_a_page_cut_short_is_refused():
    whole = page(f"openai-api-{SECOND}")
    with pytest.raises(PageNotUnderstood) as raised:
        parse(whole[: len(whole) // 2], "openai-api")
    assert raised.value.status == "truncated"


def test_regions_cover_every_code_once():
    data = yaml.safe_load(av.REGIONS_FILE.read_bytes())
    codes = [code for listed in data.values() for code in listed]
    assert len(codes) == len(set(codes))
    assert set(codes) == set(av.every_country()) and "XK" in codes and "NO" in codes


# ---- snapshots and events through a real poll ---------------------------------------------


class Clock:
    now = datetime(2024, 3, 1, 9)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The checks' time: the events are dated by the checks, and the test needs them in 2024."""
    clock = Clock()
    monkeypatch.setattr(snapshots, "utcnow", lambda: clock.now)
    return clock


def serve(server, key: str, body: bytes, etag: str) -> str:
    return server.add(f"/{key}", body, etag=etag, headers={"Content-Type": "text/html; charset=utf-8"})


def subscribe(kb, server, keys) -> dict[str, int]:
    ids = {}
    with kb.session() as session:
        for key in keys:
            url = serve(server, key, page(f"{key}-{FIRST}"), '"1"')
            source = add_source(session, url=url, kind=KIND, settings=DEFAULTS[key].settings, allow_private=True)
            assert source.id is not None
            ids[key] = source.id
        session.commit()
    return ids


def check(kb, clock, ids, when: str):
    clock.now = datetime.fromisoformat(when) + (datetime(2000, 1, 1, 9) - datetime(2000, 1, 1))
    summary = poll(kb, list(ids.values()))
    assert summary.count("failed") == 0, summary.outcomes
    return summary


def diff_events(kb) -> dict[str, Event]:
    with kb.session() as session:
        rows = session.exec(select(Event).where(Event.origin == "availability_diff"))
        return {e.key.split(":", 2)[2]: e for e in rows}


def links(kb, event: Event) -> set[tuple[str, str]]:
    with kb.session() as session:
        rows = session.exec(select(EventEntity).where(EventEntity.event_id == event.id))
        return {(r.entity_slug, r.role) for r in rows}


@pytest.mark.both_databases
def test_each_page_read_in_turn_gives_the_changes_with_their_dates_and_ranges(loaded_kb, server, clock):
    kb = loaded_kb  # the registry and the curated timeline are loaded already, as after a first poll (conftest)
    ids = subscribe(kb, server, DEFAULTS)
    summary = check(kb, clock, ids, FIRST)
    assert not any(o.warning for o in summary.outcomes), [o.warning for o in summary.outcomes]
    assert diff_events(kb) == {}, "a first list is where the history starts, not a change"
    for key in DEFAULTS:
        serve(server, key, page(f"{key}-{SECOND}"), '"2"')
    check(kb, clock, ids, SECOND)
    found = {key: (e.kind, e.date) for key, e in diff_events(kb).items()}
    july, june = date(2024, 7, 10), date(2024, 6, 20)
    assert found == {
        f"{SECOND}:service_available:UA": ("service_available", july),
        f"{SECOND}:service_available:LY": ("service_available", july),
        f"{SECOND}:service_restricted:MM": ("service_restricted", july),
        "2024-07-02:service_available:AF": ("service_available", date(2024, 7, 2)),  # the page's own date
        f"{SECOND}:service_restricted:TM": ("service_restricted", july),
        f"{SECOND}:service_available:CA": ("service_available", july),
        f"{SECOND}:service_available:BR": ("service_available", july),
        "2024-06-20:service_available:TR": ("service_available", june),  # Gemini's "Last updated"
    }
    events = diff_events(kb)
    libya, myanmar = events[f"{SECOND}:service_available:LY"], events[f"{SECOND}:service_restricted:MM"]
    assert libya.title == "OpenAI API adds Libya to its supported countries"
    assert "between these dates" in libya.summary and FIRST in libya.summary and SECOND in libya.summary
    assert libya.sources == [DEFAULTS["openai-api"].url] or libya.sources[0].startswith("http://127.0.0.1")
    assert links(kb, libya) == {("openai", "actor"), ("openai-api", "subject"), ("libya", "beneficiary")}
    assert links(kb, myanmar) == {("openai", "actor"), ("openai-api", "subject"), ("myanmar", "target")}
    assert "with certain exceptions" in events[f"{SECOND}:service_available:UA"].summary
    assert "2024-06-20 as the date of its last update" in events["2024-06-20:service_available:TR"].summary


def test_a_304_creates_nothing(loaded_kb, server, clock):
    kb = loaded_kb  # the registry and the curated timeline are loaded already, as after a first poll (conftest)
    ids = subscribe(kb, server, ["claude-ai"])
    check(kb, clock, ids, FIRST)
    summary = check(kb, clock, ids, "2024-04-01")
    assert summary.count("not_modified") == 1
    with kb.session() as session:
        rows = list(session.exec(select(Snapshot)))
    assert len(rows) == 1 and rows[0].last_seen_at.date() == date(2024, 4, 1), "the 304 confirms the list"
    assert diff_events(kb) == {}


def shrunk_page() -> bytes:
    content = page(f"claude-ai-{FIRST}").decode()
    names = re.findall(r"<li>[^<]*</li>", content)
    return content.replace("\n        ".join(names), "\n        ".join(names[:40])).encode()


BAD_PAGES = {
    "challenge": ("openai-api", lambda: page("challenge")),
    "truncated": ("openai-api", lambda: page(f"openai-api-{SECOND}")[:3000]),
    "restructured": ("openai-api", lambda: page("openai-api-restructured")),
    "empty": ("claude-ai", lambda: page("claude-ai-empty")),
    "shrunk": ("claude-ai", shrunk_page),
}


@pytest.mark.both_databases
def test_pages_that_are_no_good_list_raise_nothing_and_mark_the_source(loaded_kb, server, clock):
    kb = loaded_kb  # the registry and the curated timeline are loaded already, as after a first poll (conftest)
    ids = subscribe(kb, server, ["openai-api", "claude-ai"])
    check(kb, clock, ids, FIRST)
    for day, (status, (key, bad)) in enumerate(BAD_PAGES.items(), start=2):
        serve(server, key, bad(), f'"{status}"')
        summary = check(kb, clock, {key: ids[key]}, f"2024-04-{day:02}")
        assert status in (summary.outcomes[0].warning or ""), (status, summary.outcomes)
        with kb.session() as session:
            source = session.get(Source, ids[key])
            latest = snapshots.latest_snapshot(session, ids[key])
        assert source is not None and source.warning and status in source.warning, (status, source)
        assert "no events raised" in source.warning
        assert latest is not None and latest.parse_status == status
        assert diff_events(kb) == {}, status
    for key in ids:  # the real next version: compared with the last good list, not with the bad pages
        serve(server, key, page(f"{key}-{SECOND}"), '"2"')
    check(kb, clock, ids, SECOND)
    with kb.session() as session:
        assert [s.warning for s in session.exec(select(Source))] == [None, None]
    events = diff_events(kb)
    assert len(events) == 5 and all(f"at the check of {FIRST}" in e.summary for e in events.values())


def test_a_held_back_list_can_be_accepted(loaded_kb, server, clock, capsys):
    kb = loaded_kb  # the registry and the curated timeline are loaded already, as after a first poll (conftest)
    ids = subscribe(kb, server, ["claude-ai"])
    check(kb, clock, ids, FIRST)
    serve(server, "claude-ai", shrunk_page(), '"small"')
    check(kb, clock, ids, "2024-05-01")
    result = CliRunner().invoke(cli, ["availability", "accept", str(ids["claude-ai"])])
    assert result.exit_code == 0, result.output
    events = diff_events(kb)
    assert len(events) == 173 - 40 and all(e.kind == "service_restricted" for e in events.values())
    assert main(["availability", "accept", str(ids["claude-ai"])]) != 0
    assert "no held-back list" in capsys.readouterr().err


# ---- history from saved copies ----------------------------------------------------------


@pytest.mark.both_databases
def test_saved_copies_load_as_history_in_any_order(kb_env, kb, server, tmp_path, capsys):
    ids = subscribe(kb, server, ["openai-api"])
    copies = tmp_path / "copies"
    copies.mkdir()
    newer = shutil.copy(DATA / f"openai-api-{SECOND}.html", copies / "20240710093000.html")  # a web archive's name
    older = shutil.copy(DATA / f"openai-api-{FIRST}.html", copies / "openai-api-2024-03-01.html")
    runner = CliRunner()
    source = str(ids["openai-api"])
    first = runner.invoke(cli, ["availability", "load", source, str(newer)])
    assert first.exit_code == 0 and "new snapshot (ok)" in first.output, first.output
    second = runner.invoke(cli, ["availability", "load", source, str(older)])
    assert second.exit_code == 0 and "3 events changed" in second.output, second.output
    assert set(diff_events(kb)) == {
        f"{SECOND}:service_available:UA",
        f"{SECOND}:service_available:LY",
        f"{SECOND}:service_restricted:MM",
    }
    again = runner.invoke(cli, ["availability", "load", source, str(older), str(newer)])
    assert again.exit_code == 0 and "0 events changed" in again.output
    with kb.session() as session:
        rows = list(session.exec(select(Snapshot).order_by(col(Snapshot.fetched_at))))
    assert [r.origin for r in rows] == ["file:openai-api-2024-03-01.html", "file:20240710093000.html"]
    code = main(["availability", "load", source, str(DATA / "challenge.html")])
    assert code != 0 and "no date in the name" in capsys.readouterr().err


def test_add_defaults_subscribes_each_page_once(kb_env):
    runner = CliRunner()
    from kb.page_list_sources import default_listings

    listings = default_listings()
    first = runner.invoke(cli, ["sources", "add-defaults", "--no-poll"])
    assert first.exit_code == 0 and f"{len(DEFAULTS) + len(listings)} added, 0 updated" in first.output, first.output
    again = runner.invoke(cli, ["sources", "add-defaults", "--no-poll"])
    assert again.exit_code == 0 and "0 added, 0 updated" in again.output
    listed = json.loads(runner.invoke(cli, ["sources", "list", "--json"]).output)
    assert {s["url"] for s in listed if s["kind"] == "availability"} == {p.url for p in DEFAULTS.values()}
    assert {s["url"] for s in listed if s["kind"] == "page_list"} == {item.url for item in listings}


def test_another_providers_page_can_be_watched(loaded_kb, server, capsys):
    # the command opens the store in KB_HOME: a copy of the loaded template, as after a first poll (conftest)
    url = serve(server, "le-chat", page(f"claude-ai-{FIRST}"), '"1"')
    args = ["availability", "add", url, "--provider", "mistral-ai", "--service", "Le Chat", "--selector", "main"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "added source 1: Le Chat: supported countries" in out and "\nok" in out
    assert main(["availability", "--provider", "mistral-ai", "--country", "CA"]) == 0
    assert "Le Chat (Mistral AI): not served since at least" in capsys.readouterr().out


# ---- the matrix on the demo corpus --------------------------------------------------------


def test_kb_availability_for_china_from_the_demo_says_where_each_cell_comes_from(demo_kb):
    result = CliRunner().invoke(cli, ["availability", "--country", "CN", "--as-of", "2025-10-01", "--json"])
    assert result.exit_code == 0, result.output
    cells = {c["service"] + "/" + c["provider"]: c for c in json.loads(result.output)["cells"]}
    api = cells["OpenAI API/openai"]
    assert api["state"] == "not served" and api["origin"] == "page" and api["country_name"] == "China"
    assert api["url"] == "https://platform.openai.com/docs/supported-countries"
    assert "2024-07-09" in api["news"], "the news of the cut-off rides along"
    assert cells["Claude.ai/anthropic"]["state"] == "not served" and cells["Gemini API/google"]["origin"] == "page"
    assert cells["ERNIE/baidu"] == {**cells["ERNIE/baidu"], "state": "served", "origin": "news"}
    text = CliRunner().invoke(cli, ["availability", "--country", "CN"]).output
    assert "China (CN) · Asia" in text and "from page: OpenAI API page as read on" in text


def test_kb_availability_for_openai_in_july_2024_from_the_demo(demo_kb, tmp_path):
    out = tmp_path / "openai.csv"
    result = CliRunner().invoke(
        cli, ["availability", "--provider", "openai", "--as-of", "2024-07-10", "--csv", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("as of 2024-07-10: 2 services, 250 countries")
    china = result.output.split("China (CN) · Asia")[1].split("\n\n")[0]
    assert "OpenAI API (OpenAI): not served since at least 2024-05-01" in china
    assert "news 2024-07-09: OpenAI starts blocking API access from unsupported regions" in china
    assert "from page: OpenAI API page as read on 2024-07-10 (a saved copy)" in china
    rows = out.read_text().splitlines()
    assert len(rows) == 1 + 2 * 250 and rows[0].startswith("provider,provider_name,service,country")


def test_the_demo_shows_claude_reaching_europe_canada_and_brazil(demo_kb):
    with demo_kb.session() as session:
        changes = av.diff(session, date(2024, 5, 1), date(2024, 9, 1), service="Claude.ai")
        before = av.matrix(session, date(2024, 5, 10), service="Claude.ai", country="DE")
    assert len(changes) == 33 and all(new.state == "served" for _, new in changes)
    germany = next(new for old, new in changes if new.country == "DE")
    assert (germany.after, germany.since) == (date(2024, 5, 1), date(2024, 5, 14))
    assert germany.since_text() == "between 2024-05-01 and 2024-05-14"
    assert before.cell(before.services[0], "DE").state == "not served"


def test_before_the_first_snapshot_only_news_or_unknown(demo_kb):
    with demo_kb.session() as session:
        early = av.matrix(session, date(2023, 12, 31), provider="openai")
    api = next(s for s in early.services if s.name == "OpenAI API")
    assert early.cell(api, "CN").state == "unknown" and early.cell(api, "US").origin == "none"


# ---- the pages ------------------------------------------------------------------------------


def cells_of(at):
    """The one-country table of cells, its Markdown unescaped, indexed by service."""
    frame = at.table[0].value.map(
        lambda v: re.sub(r"\\(.)", r"\1", v).replace("\u200b", "") if isinstance(v, str) else v
    )
    return frame.set_index("service")


def region_table(at, region: str):
    """The matrix table under a region's heading, indexed by country."""
    headings = [h.value for h in at.subheader]
    position = next(i for i, h in enumerate(headings) if h.startswith(region))
    tables = [t for t in at.dataframe if "code" in t.value.columns]
    return tables[position].value.set_index("country")


def test_the_providers_page_shows_the_demo_matrix_by_region_with_its_sources(demo_kb):
    at = app("kb/views/providers.py", on="2024-07-10")
    assert_clean(at)
    asia = region_table(at, "Asia")
    assert asia.loc["China", "OpenAI API"] == "not served since at least 2024-05-01 · page"
    assert asia.loc["China", "ERNIE"] == "served since 2023-08-31 · news"
    assert asia.loc["Japan", "Claude.ai"] == "served since at least 2024-05-01 · page"
    assert asia.loc["Japan", "Gemini API"] == "unknown", "Gemini's first saved copy is from 2025"
    europe = region_table(at, "Europe")
    assert europe.loc["Germany", "Claude.ai"] == "served between 2024-05-01 and 2024-05-14 · page"
    assert any(h.value.startswith("Africa (") for h in at.subheader)


def test_a_search_narrows_the_matrix_and_shows_the_cells_sources(demo_kb):
    at = app("kb/views/providers.py", on="2024-07-10", q="china")
    assert_clean(at)
    assert [h.value for h in at.subheader] == ["Asia (1)"]
    cells = cells_of(at)
    assert cells.loc["OpenAI API", "from"] == "page" and "[not served]" in cells.loc["OpenAI API", "state"]
    assert cells.loc["OpenAI API", "source"] == (
        "[OpenAI API page as read on 2024-07-10 (a saved copy)](https://platform.openai.com/docs/supported-countries)"
    )
    assert cells.loc["OpenAI API", "news"].startswith("2024-07-09: OpenAI starts blocking")
    assert at.query_params["q"] == "china" and at.query_params["on"] == "2024-07-10"


def test_the_providers_page_keeps_its_day_and_view_in_the_url_and_shows_changes(demo_kb):
    at = app("kb/views/providers.py")
    assert_clean(at)
    assert "on" not in at.query_params, "today is left out"
    at.date_input(key="prov_on").set_value(date(2024, 9, 1)).run()
    at.radio(key="prov_view").set_value("changes").run()
    at.date_input(key="provch_from").set_value(date(2024, 5, 1)).run()
    assert_clean(at)
    assert at.query_params["view"] == "changes" and at.query_params["from"] == "2024-05-01"
    changes = at.dataframe[0].value
    claude = changes[changes["service"] == "Claude.ai"]
    assert len(claude) == 33 and set(claude["after"]) == {"served"} and set(claude["from"]) == {"page"}
    assert "between 2024-06-10 and 2024-08-01" in set(claude["when"])  # Brazil
    assert "Azure OpenAI Service" in set(changes["service"]), "news changes too: Azure OpenAI in China via 21Vianet"


def test_news_alone_fills_a_matrix_with_unknown_elsewhere(registry_kb):
    kb = registry_kb  # the registry's entities are loaded already, and no curated timeline (conftest)
    with kb.session() as session:
        for key, when, kind, countries in [
            ("a", date(2023, 3, 1), "service_available", ["china", "united-states"]),
            ("b", date(2024, 7, 9), "service_restricted", ["china"]),
        ]:
            event = Event(key=key, date=when, kind=kind, title=f"OpenAI {kind}", origin="curated")
            session.add(event)
            session.flush()
            session.add(EventEntity(event_id=event.id, entity_slug="openai", role="actor"))
            session.add(EventEntity(event_id=event.id, entity_slug="openai-api", role="subject"))
            for slug in countries:
                session.add(EventEntity(event_id=event.id, entity_slug=slug, role="target"))
        session.commit()
        result = av.matrix(session, date(2024, 8, 1))
    (api,) = result.services
    assert api.label == "OpenAI API" and api.page_url is None
    assert result.cell(api, "CN").state == "not served" and result.cell(api, "CN").since == date(2024, 7, 9)
    assert result.cell(api, "US").state == "served" and result.cell(api, "US").origin == "news"
    assert result.cell(api, "FR").state == "unknown"
    at = app("kb/views/providers.py", on="2020-01-01")
    assert_clean(at)
    assert region_table(at, "Asia").loc["China", "OpenAI API"] == "unknown"


def test_an_empty_store_explains_the_providers_page(kb):
    at = app("kb/views/providers.py")
    assert_clean(at)
    assert any("No provider availability" in i.value for i in at.info)


def test_country_and_provider_pages_show_who_serves_whom_now(demo_kb):
    at = app("kb/views/entities.py", id="china")
    assert_clean(at)
    assert "Who serves it now" in [h.value for h in at.subheader]
    cells = cells_of(at)
    assert "[not served]" in cells.loc["OpenAI API", "state"] and cells.loc["OpenAI API", "from"] == "page"
    at = app("kb/views/entities.py", id="openai")
    assert_clean(at)
    assert "Where it is offered now" in [h.value for h in at.subheader]
    text = "\n".join(m.value for m in at.markdown)
    assert "**OpenAI API**: offered in 188 countries and territories" in text and "**ChatGPT**" in text


def test_the_sources_page_subscribes_the_default_pages(kb):
    at = app("kb/views/sources.py")
    assert_clean(at)
    at.button(key="avail_add_defaults").click().run()
    assert_clean(at)
    assert any(f"{len(DEFAULTS)} added" in s.value for s in at.success)
    with kb.session() as session:
        assert len(list(session.exec(select(Source).where(Source.kind == KIND)))) == len(DEFAULTS)


def test_a_page_change_stands_without_reports_and_is_not_merged_away(loaded_kb, server, clock):
    """A report may add evidence to an availability event; reading the report again (or loading the
    curated timeline) must not remove the event the snapshots stand for."""
    from kb.events import cluster
    from kb.models import Document, EventDocument

    kb = loaded_kb  # the registry and the curated timeline are loaded already, as after a first poll (conftest)
    ids = subscribe(kb, server, ["claude-ai"])
    check(kb, clock, ids, FIRST)
    serve(server, "claude-ai", page(f"claude-ai-{SECOND}"), '"2"')
    check(kb, clock, ids, SECOND)
    canada = diff_events(kb)[f"{SECOND}:service_available:CA"]
    with kb.session() as session:
        report = Document(source_id=ids["claude-ai"], key="k", title="Claude reaches Canada")
        session.add(report)
        session.flush()
        session.add(EventDocument(event_id=canada.id, document_id=report.id, sentence="Claude is now in Canada."))
        session.flush()
        curated = Event(key="c", date=canada.date, kind=canada.kind, title="Claude in Canada", origin="curated")
        session.add(curated)
        session.flush()
        for slug, role in [("anthropic", "actor"), ("canada", "beneficiary")]:
            session.add(EventEntity(event_id=curated.id, entity_slug=slug, role=role))
        assert report.id is not None
        cluster.detach_documents(session, [report.id])
        assert cluster.absorb_into_curated(session) == 0
        session.commit()
    assert f"{SECOND}:service_available:CA" in diff_events(kb)
