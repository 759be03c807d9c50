"""Federal Register ingestor: the parser on a real API response, the collector on a loopback server."""

from __future__ import annotations

import copy
import itertools
import json
from collections import Counter
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import func, select

import kb.federal_register as collector
from ingest.errors import IngestError
from ingest.federal_register import (
    FIELDS,
    IGNORED,
    BadQuery,
    MalformedResponse,
    build_query_url,
    parse_documents_page,
    query_window,
    window_url,
)
from kb.models import Document, Source, utcnow
from kb.pipeline import refresh_source
from kb.search import SearchRequest, search
from kb.store import add_source
from tests.helpers import FIXTURES, Route, fixture_file

FIXTURE = FIXTURES / "federal-register" / "fr-toolbelt" / "documents.json"


def _fixture_bytes() -> bytes:
    return fixture_file(FIXTURE).read_bytes()


BIS = "industry-and-security-bureau"
BIS_NUMBERS = ["2024-00190", "2024-00359", "2024-00422", "2024-00582"]
API_PATH = "/api/v1/documents.json"


@pytest.fixture(scope="module")
def fixture_data() -> dict:
    return json.loads(_fixture_bytes())


@pytest.fixture(scope="module")
def fixture_page():
    return parse_documents_page(_fixture_bytes())


@pytest.fixture
def kb(loaded_kb):
    """The collector's tests are about reading the API: each store starts with the registry and the curated
    timeline loaded (conftest's `loaded_kb`), so that a test's first poll does not spend a
    second loading them."""
    return loaded_kb


def _by_number(page, number):
    return next(i for i in page.items if i.document_number == number)


def _page_bytes(data: dict, **changes) -> bytes:
    return json.dumps(dict(data, **changes)).encode()


# ---- the parser, on the real response ---------------------------------------------------


def test_fixture_page_is_read_whole(fixture_page):
    assert len(fixture_page.items) == 1000
    assert (fixture_page.count, fixture_page.total_pages) == (1893, 2)
    assert fixture_page.next_page_url.startswith("https://www.federalregister.gov/api/v1/documents?")
    assert fixture_page.unmapped == set() and fixture_page.skipped == [] and fixture_page.notes == []
    assert Counter(i.kind for i in fixture_page.items) == {
        "notice": 814,
        "rule": 120,
        "proposed_rule": 58,
        "presidential_document": 8,
    }
    assert len({i.key for i in fixture_page.items}) == 1000


def test_bis_documents(fixture_page):
    bis = [i for i in fixture_page.items if BIS in i.fields["agencies"]]
    assert [i.document_number for i in bis] == BIS_NUMBERS
    assert {i.kind for i in bis} == {"notice"} and {i.fields["type"] for i in bis} == {"Notice"}
    assert [i.published for i in bis] == [datetime(2024, 1, d) for d in (9, 10, 11, 12)]
    assert all(i.fields["effective_on"] is None and i.fields["comments_close_on"] is None for i in bis)
    assert all(i.fields["rins"] == [] and i.fields["cfr_references"] == [] for i in bis)
    pecsea = bis[0]
    assert pecsea.guid == "fr:2024-00190" and pecsea.key == "guid:fr:2024-00190"
    assert pecsea.url.startswith("https://www.federalregister.gov/documents/2024/01/09/2024-00190/")
    assert pecsea.fields["docket_ids"] == ["Docket No. 231222-9999"]
    assert pecsea.fields["agency_names"] == ["Commerce Department", "Industry and Security Bureau"]
    assert pecsea.fields["citation"] == "89 FR 1064" and pecsea.fields["jurisdictions"] == ["US"]
    assert pecsea.summary.startswith("Pursuant to provisions of the Federal Advisory Committee Act")
    assert "Action: Notice." in pecsea.body and "Dates: Nominations for members" in pecsea.body
    assert bis[1].summary == "" and bis[1].title.startswith("Agency Information Collection Activities")


def test_rule_fields(fixture_page):
    rule = _by_number(fixture_page, "2023-27783")
    assert rule.kind == "rule" and rule.title == "Carrier Automated Tariffs"
    assert rule.fields["effective_on"] == "2024-02-01" and rule.fields["action"] == "Final rule."
    assert rule.fields["rins"] == ["3072-AC86"]
    assert rule.fields["rin_titles"] == {"3072-AC86": "Carrier Automated Tariffs"}
    assert rule.fields["cfr_references"] == ["46 CFR 520"] and rule.fields["significant"] is True
    assert rule.fields["pdf_url"] == "https://www.govinfo.gov/content/pkg/FR-2024-01-02/pdf/2023-27783.pdf"
    assert rule.body.endswith("Dates: This final rule is effective on February 1, 2024.")
    assert "<" not in "".join(i.body for i in fixture_page.items)  # plain text only
    json.dumps([i.fields for i in fixture_page.items])  # JSON-ready for the fields column


def test_proposed_rules_have_comment_deadlines_and_cfr_parts(fixture_page):
    proposed = [i for i in fixture_page.items if i.kind == "proposed_rule"]
    assert len(proposed) == 58
    with_deadline = [i for i in proposed if i.fields["comments_close_on"]]
    assert with_deadline and all(date.fromisoformat(i.fields["comments_close_on"]) for i in with_deadline)
    refs = {r for i in fixture_page.items for r in i.fields["cfr_references"]}
    assert all(r.split(" CFR ")[0].isdigit() for r in refs) and "46 CFR 520" in refs


def test_corrections_and_presidential_documents(fixture_page):
    correction = _by_number(fixture_page, "C1-2023-27742")
    assert correction.fields["correction_of"] == "2023-27742"
    assert _by_number(fixture_page, "2023-28853").fields["corrections"] == ["R1-2023-28853", "R2-2023-28853"]
    presidential = [i for i in fixture_page.items if i.kind == "presidential_document"]
    assert len(presidential) == 8 and all(i.fields["signing_date"] for i in presidential)
    assert {i.fields["subtype"] for i in presidential} >= {"Proclamation"}


def test_requested_fields_exist_in_the_real_response(fixture_data):
    keys = set(fixture_data["results"][0])
    assert set(FIELDS) <= keys and not set(FIELDS) & IGNORED
    assert keys <= set(FIELDS) | IGNORED  # every field of the response is mapped or ignored on purpose


def test_unmapped_fields_are_reported(fixture_data):
    data = copy.deepcopy(fixture_data)
    data["results"][3]["ai_diffusion_tier"] = 2
    data["results"][7]["agency_slugs"] = ["x"]
    page = parse_documents_page(_page_bytes(data))
    assert page.unmapped == {"ai_diffusion_tier", "agency_slugs"} and len(page.items) == 1000


@pytest.mark.parametrize(
    "content, message",
    [
        (b'{"count": 3, "results": [', "not valid JSON"),
        (b"", "not valid JSON"),
        (b"<html>Service Unavailable</html>", "not valid JSON"),
        (b"[1, 2]", "JSON list, not an object"),
        (b'{"count": 2, "results": {"a": 1}}', "no list of results"),
        (b'{"count": 2}', "no list of results"),
        (b'{"errors": {"per_page": "is invalid"}}', "API reported errors"),
    ],
)
def test_malformed_pages_raise_a_clear_error(content, message):
    with pytest.raises(MalformedResponse, match=message) as caught:
        parse_documents_page(content)
    assert isinstance(caught.value, IngestError)


def test_empty_result_has_no_results_key():
    page = parse_documents_page(b'{"count": 0, "description": "Documents matching \\"nothing\\"", "total_pages": 0}')
    assert page.items == [] and page.count == 0 and page.next_page_url is None


def test_documents_missing_required_fields_are_skipped(fixture_data):
    data = copy.deepcopy(fixture_data)
    del data["results"][0]["document_number"]
    data["results"][1]["publication_date"] = None
    data["results"][2]["publication_date"] = "January 2, 2024"
    data["results"][3] = "not a document"
    page = parse_documents_page(_page_bytes(data))
    assert len(page.items) == 996 and len(page.skipped) == 4
    assert "result 1: missing document_number" in page.skipped[0]
    assert "(2023-27901)" in page.skipped[2] and "publication_date" in page.skipped[2]
    assert "not a document" in page.skipped[3]


def test_odd_values_are_read_leniently(fixture_data):
    doc = dict(
        fixture_data["results"][0],
        type="Sunshine Act Document",
        effective_on="soon",
        html_url="javascript:alert(1)",
        title="<b>Bold</b> &amp; title",
    )
    page = parse_documents_page(_page_bytes({"count": 1, "results": [doc]}))
    [item] = page.items
    assert item.kind == "notice" and item.fields["type"] == "Sunshine Act Document"
    assert item.fields["effective_on"] is None and item.url is None and item.title == "Bold & title"
    assert any("Sunshine Act Document" in n for n in page.notes) and any("effective_on" in n for n in page.notes)


# ---- query URLs ------------------------------------------------------------------------


def test_build_query_url():
    url = build_query_url(
        term="artificial intelligence", types=["rule", "PRORULE"], since=date(2024, 1, 1), until="2025-01-31"
    )
    params = parse_qs(urlsplit(url).query)
    assert url.startswith("https://www.federalregister.gov/api/v1/documents.json?")
    assert params["conditions[agencies][]"] == [BIS] and params["conditions[term]"] == ["artificial intelligence"]
    assert params["conditions[type][]"] == ["RULE", "PRORULE"]
    assert params["conditions[publication_date][gte]"] == ["2024-01-01"]
    assert params["conditions[publication_date][lte]"] == ["2025-01-31"]
    assert params["fields[]"] == list(FIELDS) and params["order"] == ["oldest"] and params["per_page"] == ["1000"]
    assert query_window(url) == (date(2024, 1, 1), date(2025, 1, 31))


@pytest.mark.parametrize("kwargs", [{"per_page": 1001}, {"per_page": 0}, {"types": ["FINAL"]}, {"since": "2024-13-01"}])
def test_build_query_url_refuses_what_the_api_would_not_take(kwargs):
    with pytest.raises(BadQuery):
        build_query_url(**kwargs)


def test_window_url_replaces_the_date_conditions_only():
    url = (
        "https://www.federalregister.gov/api/v1/documents.json?conditions[agencies][]=x"
        "&conditions[publication_date][year]=2023&order=newest&page=3"
    )
    assert query_window(url) == (date(2023, 1, 1), date(2023, 12, 31))
    params = parse_qs(urlsplit(window_url(url, date(2023, 2, 1), date(2023, 2, 28))).query)
    assert params["conditions[agencies][]"] == ["x"] and "conditions[publication_date][year]" not in params
    assert params["conditions[publication_date][gte]"] == ["2023-02-01"] and params["order"] == ["oldest"]
    assert "page" not in params and params["fields[]"] == list(FIELDS) and params["per_page"] == ["1000"]


def test_date_windows_cover_the_range_without_gaps():
    windows = collector.date_windows(date(2022, 6, 1), date(2024, 1, 31), 365)
    assert windows[0] == (date(2022, 6, 1), date(2023, 5, 31)) and windows[-1][1] == date(2024, 1, 31)
    assert all(b[0] - a[1] == timedelta(days=1) for a, b in itertools.pairwise(windows))


class FakeTime:
    """A clock that only moves when slept on."""

    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_pacing_stays_under_five_requests_per_second():
    clock = FakeTime()
    pacing = collector.Pacing(sleep=clock.sleep, clock=lambda: clock.now)
    starts = []
    for _ in range(12):
        pacing.wait()
        starts.append(clock.now)
    assert all(sum(1 for t in starts if s <= t < s + 1) <= 4 for s in starts)


# ---- the collector, through the pipeline, on a loopback server ---------------------------


@pytest.fixture
def fake_time(monkeypatch):
    """Real pacing rules on a fake clock, so that tests do not sleep."""
    clock = FakeTime()
    monkeypatch.setattr(collector, "PACING", collector.Pacing(sleep=clock.sleep, clock=lambda: clock.now))
    return clock


def _serve_two_pages(
    server, data: dict, results: list | None = None, split: int = 600, overlap: int = 50, page2: Route | None = None
) -> str:
    """Page 1 at the query URL, page 2 at another URL; `overlap` documents appear on both."""
    results = data["results"] if results is None else results
    page2_url = server.url("/page2.json?page=2")
    server.add(API_PATH, _page_bytes(data, results=results[:split], next_page_url=page2_url))
    server.routes["/page2.json"] = page2 or Route(
        body=_page_bytes(data, results=results[split - overlap :], next_page_url=None)
    )
    return server.url(API_PATH + f"?conditions[agencies][]={BIS}")


def _small(data: dict) -> dict:
    """Page 1 with 40 documents of two days (2024-01-02 and -03), page 2 with the next 20 (and 10
    of page 1 again, as `_small_page2` serves them)."""
    return {"results": data["results"][45:105], "split": 40, "overlap": 10}


def _small_page2(data: dict) -> bytes:
    return _page_bytes(data, results=data["results"][75:105], next_page_url=None)


def _quiet(warning: str | None) -> bool:
    """No problem reported by the collector (later pipeline stages may add their own)."""
    text = (warning or "").lower()
    return not any(p in text for p in ("stopped early", "not mapped", "skipped", "rate limited"))


def _subscribe(kb, url: str, **settings) -> int:
    settings = {"since": "2024-01-01", "until": "2024-01-31", **settings}
    with kb.session() as session:
        source = add_source(session, allow_private=True, url=url, kind="federal_register", settings=settings)
        session.commit()
        return source.id


def _refresh(kb, source_id: int):
    with kb.session() as session:
        return refresh_source(kb, session, source_id)


def _source(kb, source_id: int) -> Source:
    with kb.session() as session:
        return session.get(Source, source_id)


def _doc_count(kb) -> int:
    with kb.session() as session:
        return session.exec(select(func.count(Document.id))).one()


def _query(path: str) -> dict:
    return parse_qs(urlsplit(path).query)


@pytest.mark.slow
def test_paging_and_deduplication(kb, server, fixture_data, fake_time):
    sid = _subscribe(kb, _serve_two_pages(server, fixture_data))
    outcome = _refresh(kb, sid)
    assert (outcome.status, outcome.new) == ("ok", 1000) and _quiet(outcome.warning)
    assert _doc_count(kb) == 1000 and server.hits("/page2.json?page=2") == 1
    first = _query(server.requests[0][0])
    assert first["conditions[publication_date][gte]"] == ["2024-01-01"] and first["order"] == ["oldest"]
    assert first["conditions[agencies][]"] == [BIS] and "document_number" in first["fields[]"]
    assert fake_time.sleeps == [pytest.approx(0.25)]  # the second request waited its turn
    source = _source(kb, sid)
    assert source.status == "ok" and source.title == f"Federal Register: {BIS}"
    assert source.settings["newest_seen"] == "2024-01-17" and source.settings["resume_from"] == "2024-01-10"

    again = _refresh(kb, sid)
    assert (again.status, again.new, again.updated) == ("ok", 0, 0) and _doc_count(kb) == 1000
    assert _query(server.requests[-2][0])["conditions[publication_date][gte]"] == ["2024-01-10"]


@pytest.mark.slow
def test_stored_documents_keep_their_fields_and_are_searchable(kb, server, fixture_data, fake_time):
    sid = _refresh(kb, _subscribe(kb, _serve_two_pages(server, fixture_data))).source_id
    with kb.session() as session:
        doc = session.exec(select(Document).where(Document.document_number == "2023-27783")).one()
        assert doc.source_id == sid and doc.kind == "rule" and doc.key == "guid:fr:2023-27783"
        assert doc.published_at == datetime(2024, 1, 2)
        assert doc.fields["cfr_references"] == ["46 CFR 520"] and doc.fields["effective_on"] == "2024-02-01"
        rules = search(kb.index, session, SearchRequest(query="carrier tariffs", kinds=["rule"]))
        assert [h.title for h in rules.hits][:1] == ["Carrier Automated Tariffs"]
        all_rules = search(kb.index, session, SearchRequest(kinds=["rule"], per_page=200, facets=False))
        assert all_rules.total == 120 and {h.kind for h in all_rules.hits} == {"rule"}
        # The fixture's four BIS documents are notices: found as notices, not as rules.
        bis = search(kb.index, session, SearchRequest(query='"Export Administration"', kinds=["notice"]))
        assert "2024-00190" in {session.get(Document, h.id).document_number for h in bis.hits}
        assert search(kb.index, session, SearchRequest(query='"Export Administration"', kinds=["rule"])).total == 0
        advisory = search(kb.index, session, SearchRequest(query="Sensors Instrumentation Technical Advisory"))
        assert session.get(Document, advisory.hits[0].id).document_number == "2024-00422"


def test_short_retry_after_is_waited_and_retried(kb, server, fixture_data, fake_time):
    answers = iter([429, 200])
    page2 = _small_page2(fixture_data)

    def handler(h):
        status = next(answers)
        h.send_response(status)
        h.send_header("Retry-After", "3")
        body = page2 if status == 200 else b"slow down"
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    sid = _subscribe(kb, _serve_two_pages(server, fixture_data, **_small(fixture_data), page2=Route(handler=handler)))
    outcome = _refresh(kb, sid)
    assert (outcome.status, outcome.new) == ("ok", 60) and _quiet(outcome.warning)
    assert server.hits("/page2.json?page=2") == 2 and 3.0 in fake_time.sleeps


def test_long_retry_after_keeps_what_was_read(kb, server, fixture_data, fake_time):
    limited = Route(body=b"slow down", status=429, headers={"Retry-After": "3600"})
    sid = _subscribe(kb, _serve_two_pages(server, fixture_data, **_small(fixture_data), page2=limited))
    outcome = _refresh(kb, sid)
    assert outcome.status == "ok" and outcome.new == 40 and _doc_count(kb) == 40
    assert "rate limited: HTTP 429" in outcome.warning and "Retry-After 3600 s" in outcome.warning
    assert 3600 not in fake_time.sleeps and server.hits("/page2.json?page=2") == 1
    source = _source(kb, sid)
    assert source.next_check_at >= utcnow() + timedelta(seconds=3500)
    newest_on_page1 = fixture_data["results"][84]["publication_date"]
    assert newest_on_page1 > fixture_data["results"][45]["publication_date"]  # page 1 holds two days
    assert source.settings["resume_from"] == newest_on_page1 and source.warning == outcome.warning

    server.add("/page2.json", _small_page2(fixture_data))
    resumed = _refresh(kb, sid)
    assert resumed.new == 20 and _doc_count(kb) == 60 and _quiet(resumed.warning)
    assert _query(server.requests[-2][0])["conditions[publication_date][gte]"] == [newest_on_page1]


def test_rate_limited_first_page_is_a_failure_with_backoff(kb, server, fake_time):
    server.add(API_PATH, b"slow down", status=429, headers={"Retry-After": "600"})
    sid = _subscribe(kb, server.url(API_PATH))
    outcome = _refresh(kb, sid)
    assert outcome.status == "failed" and "HTTP 429" in outcome.error
    source = _source(kb, sid)
    assert source.status == "failing" and source.next_check_at >= utcnow() + timedelta(seconds=590)
    assert "resume_from" not in source.settings and _doc_count(kb) == 0


def test_page_limit_keeps_the_documents_read(kb, server, fixture_data, fake_time):
    sid = _subscribe(kb, _serve_two_pages(server, fixture_data, **_small(fixture_data)), max_pages=1)
    outcome = _refresh(kb, sid)
    assert outcome.status == "ok" and outcome.new == 40 and server.hits("/page2.json?page=2") == 0
    assert "page limit of 1 reached" in outcome.warning and "Kept 40 documents" in outcome.warning


def test_malformed_second_page_keeps_the_first(kb, server, fixture_data, fake_time):
    broken = Route(body=b'{"count": 1893, "resu')
    sid = _subscribe(kb, _serve_two_pages(server, fixture_data, **_small(fixture_data), page2=broken))
    outcome = _refresh(kb, sid)
    assert outcome.status == "ok" and outcome.new == 40 and _doc_count(kb) == 40
    assert "Stopped early: page 2 (" in outcome.warning and "not valid JSON" in outcome.warning
    assert _source(kb, sid).warning == outcome.warning


def test_malformed_only_page_is_a_failure(kb, server, fake_time):
    server.add(API_PATH, b"<html>We are down for maintenance</html>")
    sid = _subscribe(kb, server.url(API_PATH))
    outcome = _refresh(kb, sid)
    assert outcome.status == "failed" and "not valid JSON" in outcome.error
    assert _source(kb, sid).last_error == outcome.error


def test_unmapped_fields_and_skipped_documents_are_reported(kb, server, fixture_data, fake_time):
    results = copy.deepcopy(fixture_data["results"][:20])
    results[0]["ai_diffusion_tier"] = 2
    del results[1]["publication_date"]
    server.add(API_PATH, _page_bytes(fixture_data, results=results, next_page_url=None))
    sid = _subscribe(kb, server.url(API_PATH))
    outcome = _refresh(kb, sid)
    assert outcome.status == "ok" and outcome.new == 19
    assert "Fields not mapped (API schema changed?): ai_diffusion_tier" in outcome.warning
    assert "1 document skipped: page 1, result 2 (2023-27783): missing or invalid publication_date" in outcome.warning
    assert _source(kb, sid).warning == outcome.warning


class FakeAPI:
    """Answers like documents.json: the fixture's documents within the asked dates.

    Windows of `max_days` or more that hold documents claim more results than the API
    can page through; `answered` lists the windows answered in full.
    """

    def __init__(self, data: dict, max_days: int):
        self.data, self.max_days, self.windows, self.answered = data, max_days, [], []

    def __call__(self, h):
        query = _query(h.path)
        gte = date.fromisoformat(query["conditions[publication_date][gte]"][0])
        lte = date.fromisoformat(query["conditions[publication_date][lte]"][0])
        self.windows.append((gte, lte))
        docs = [d for d in self.data["results"] if gte <= date.fromisoformat(d["publication_date"]) <= lte]
        count = 10_001 if docs and (lte - gte).days >= self.max_days else len(docs)
        if count <= 10_000:
            self.answered.append((gte, lte))
        else:
            docs = docs[:50]  # the first page of many
        body = _page_bytes(self.data, results=docs, count=count, next_page_url=None)
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)


@pytest.mark.slow
def test_long_ranges_are_read_in_windows_under_the_result_cap(kb, server, fixture_data, fake_time):
    api = FakeAPI(fixture_data, max_days=7)
    server.routes[API_PATH] = Route(handler=api)
    sid = _subscribe(kb, server.url(API_PATH), since="2022-06-01", until="2024-01-31")
    outcome = _refresh(kb, sid)
    assert (outcome.status, outcome.new) == ("ok", 1000) and _doc_count(kb) == 1000
    assert api.windows[:2] == [(date(2022, 6, 1), date(2023, 5, 31)), (date(2023, 6, 1), date(2024, 1, 31))]
    read = api.answered
    assert read[0][0] == date(2022, 6, 1) and read[-1][1] == date(2024, 1, 31)
    assert all(b[0] - a[1] == timedelta(days=1) for a, b in itertools.pairwise(read))  # no gap, in order
    days = {date.fromisoformat(d["publication_date"]) for d in fixture_data["results"]}
    assert all((w[1] - w[0]).days < 7 for w in read if any(w[0] <= d <= w[1] for d in days))
    assert _source(kb, sid).settings["resume_from"] == "2024-01-10"


def test_bad_settings_fail_the_source_clearly(kb, server, fake_time):
    sid = _subscribe(kb, server.add(API_PATH, b"{}"), window_days=0)
    outcome = _refresh(kb, sid)
    assert outcome.status == "failed" and "window_days must be a positive whole number" in outcome.error


def test_local_file_is_read_once_without_windows(kb, tmp_path, fixture_data, fake_time):
    path = tmp_path / "documents.json"
    path.write_bytes(_page_bytes(fixture_data, results=fixture_data["results"][:30]))
    with kb.session() as session:
        sid = add_source(
            session, url=path.as_uri(), kind="federal_register", settings={"local": True}, allow_file=True
        ).id
        session.commit()
    outcome = _refresh(kb, sid)
    assert (outcome.status, outcome.new) == ("ok", 30) and _quiet(outcome.warning)
    assert fake_time.sleeps == []  # one read; the page's next_page_url (federalregister.gov) is not followed
