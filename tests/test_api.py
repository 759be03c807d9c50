"""The JSON API (kb/api.py), called in-process on the demo corpus: each route answers what the
matching page's query answers, bad parameters get a 400 JSON error, unknown ids and paths a 404."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Route

from kb import timeline as tl
from kb import watches
from kb.api import OPENAPI
from kb.entities import entity_page
from kb.search import SearchRequest, search
from kb.store import document_counts, list_sources
from kb.ui import queries
from kb.ui.server import ROUTES, not_found
from tests.routes_client import routes_client


@pytest.fixture
def client(demo_kb):
    with routes_client() as test_client:
        yield test_client


def get_json(client, path: str, status: int = 200):
    response = client.get(path)
    assert response.status_code == status, (path, response.text[:300])
    assert response.headers["content-type"] == "application/json"
    return response.json()


def same_json(data):
    """`data` as it reads after a JSON round trip (tuples become lists)."""
    import json

    return json.loads(json.dumps(data))


def test_search_answers_as_the_search_page(client, demo_kb):
    with demo_kb.session() as session:
        expected = search(demo_kb.index, session, SearchRequest(query="H20")).to_dict()
        paged = search(
            demo_kb.index,
            session,
            SearchRequest(query="H20", kinds=["news"], sort="date", page=2, per_page=3),
        ).to_dict()
    assert get_json(client, "/api/search?q=H20") == same_json(expected)
    assert expected["total"] > 3 and expected["facets"]["kind"]
    assert get_json(client, "/api/search?q=H20&kind=news&sort=date&page=2&per_page=3") == same_json(paged)


def test_search_entity_filters_are_resolved_and_lower_case(client, demo_kb):
    with demo_kb.session() as session:
        expected = search(demo_kb.index, session, SearchRequest(entities=["nvidia"])).to_dict()
    assert get_json(client, "/api/search?entity=NVIDIA")["hits"] == same_json(expected["hits"])


def test_a_query_the_parser_cannot_read_is_a_note_not_an_error(client):
    body = get_json(client, "/api/search?q=H20 date:2026-99")
    assert body["note"] and body["hits"]


def test_timeline_answers_as_the_timeline_page(client, demo_kb):
    with demo_kb.session() as session:
        everything = tl.timeline(session, tl.TimelineQuery()).to_dict()
        filtered = tl.timeline(
            session, tl.TimelineQuery(entities=("bis",), kinds=("rule",), order="oldest", limit=3, page=2)
        ).to_dict()
    assert get_json(client, "/api/timeline") == same_json(everything)
    assert get_json(client, "/api/timeline?entity=bis&kind=rule&order=oldest&limit=3&page=2") == same_json(filtered)
    assert filtered["total"] > 3


def test_entity_answers_what_its_page_shows(client, demo_kb):
    body = get_json(client, "/api/entities/nvidia")
    with demo_kb.session() as session:
        data = entity_page(session, "nvidia", per_page=10)
        events = tl.timeline(session, tl.TimelineQuery(entities=("nvidia",), limit=8))
    assert (body["slug"], body["name"], body["kind"]) == ("nvidia", "Nvidia", "organization")
    assert body["aliases"] == data.entity.aliases
    assert body["documents_total"] == data.total_documents and body["events_total"] == events.total
    assert [d["id"] for d in body["documents"]] == [d.id for d in data.documents]
    assert body["events"] == same_json([e.to_dict() for e in events.events])
    assert [n["slug"] for n in body["named_with"]] == [e.slug for e, _ in data.co_mentions]
    assert (body["page"], body["feed"]) == ("entities?id=nvidia", "feeds/entity/nvidia.atom")


def test_document_answers_what_its_page_shows(client, demo_kb):
    with demo_kb.session() as session:
        doc_id = search(demo_kb.index, session, SearchRequest(query="H20")).hits[0].id
        linked = queries.document_entities(session, doc_id)
        supported = queries.document_events(session, doc_id)
    body = get_json(client, f"/api/documents/{doc_id}")
    assert body["id"] == doc_id and body["title"] and body["source"]["url"]
    assert [(e["slug"], e["count"]) for e in body["entities"]] == [(s, c) for s, _, c in linked]
    assert [e["title"] for e in body["events"]] == [e["event"] for e in supported]


def test_sources_answer_as_the_cli(client, demo_kb):
    body = get_json(client, "/api/sources")
    with demo_kb.session() as session:
        rows, counts = list_sources(session), document_counts(session)
    assert [(s["id"], s["url"], s["documents"]) for s in body] == [
        (s.id, s.url, counts.get(s.id or 0, 0)) for s in rows
    ]


def test_watches_with_new_counts_items_and_no_webhook_secret(client, demo_kb):
    with demo_kb.session() as session:
        watch = watches.add(
            session, "entity", {"id": "nvidia"}, notify={"webhook": "https://hooks.example.org/T000/secret-token"}
        )
        expected = [i.key for i in watches.items(demo_kb, session, watch)]
        new = watches.new_count(demo_kb, session, watch)
    listed = get_json(client, "/api/watches")
    assert [w["id"] for w in listed] == [watch.id] and listed[0]["new"] == new
    assert listed[0]["notify"] == {"webhook": "https://hooks.example.org/…"}
    one = get_json(client, f"/api/watches/{watch.id}")
    assert [i["key"] for i in one["items"]] == expected and one["feed"] == f"feeds/watch/{watch.id}.atom"
    assert "secret-token" not in str(one)


BAD = [
    ("/api/search?page=x", "page must be a whole number"),
    ("/api/search?page=0", "page must be a whole number from 1 to 500"),
    ("/api/search?per_page=101", "per_page must be a whole number from 1 to 100"),
    ("/api/search?per_page=-1", "per_page"),
    ("/api/search?sort=sideways", "sort must be one of relevance, date, oldest"),
    ("/api/search?since=2026-99-01", "since must be a day"),
    ("/api/search?since=2025-02-01&until=2025-01-01", "is after until"),
    ("/api/search?entity=nobody-at-all", "nobody-at-all"),
    ("/api/timeline?limit=1000", "limit must be a whole number from 1 to 100"),
    ("/api/timeline?order=sideways", "order must be one of newest, oldest"),
    ("/api/timeline?status=asleep", "unknown status"),
    ("/api/timeline?kind=party", "unknown event kind"),
    ("/api/timeline?entity=nobody-at-all", "nobody-at-all"),
    ("/api/timeline?until=2025-13-01", "until must be a day"),
]


def test_bad_parameters_get_a_400_json_error(client):
    for path, message in BAD:  # one store for all of them: none of them writes
        body = get_json(client, path, 400)
        assert body["status"] == 400 and message in body["error"], (path, body)


@pytest.mark.parametrize(
    "path",
    ["/api/nothing", "/api/documents/999999", "/api/documents/abc", "/api/entities/nobody-at-all", "/api/watches/9"],
)
def test_unknown_ids_and_paths_get_a_404_json_error(client, path):
    assert get_json(client, path, 404)["status"] == 404


def test_other_methods_get_a_405_json_error(client):
    response = client.post("/api/search", json={"q": "H20"})
    assert response.status_code == 405 and response.json()["status"] == 405


def test_an_unusable_store_is_a_503_json_error(tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("KB_HOME", str(tmp_path / "a-file" / "home"))  # cannot be created
    with routes_client() as client:
        for path in ("/api/search?q=H20", "/api/sources", "/feeds/entity/nvidia.atom", "/calendar.ics"):
            body = get_json(client, path, 503)
            assert body["status"] == 503 and "cannot be used" in body["error"]


def openapi_path(route: Route) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", route.path)


def test_the_openapi_description_covers_every_route_and_its_path_parameters(client):
    served = get_json(client, "/api/openapi.json")
    assert served["openapi"].startswith("3.1") and served == same_json(OPENAPI)
    routes = {openapi_path(r): r for r in ROUTES if isinstance(r, Route) and r.endpoint is not not_found}
    assert set(routes) == set(OPENAPI["paths"])
    for path, operations in OPENAPI["paths"].items():
        declared = {p["name"] for p in operations["get"]["parameters"] if p["in"] == "path"}
        assert declared == set(re.findall(r"\{(\w+)\}", path)), path
        assert {"200", "400"} <= set(operations["get"]["responses"]), path
    search_params = {p["name"] for p in OPENAPI["paths"]["/api/search"]["get"]["parameters"]}
    assert search_params == {*watches.PARAMS["search"], "page", "per_page", "sort"}
    timeline_params = {p["name"] for p in OPENAPI["paths"]["/api/timeline"]["get"]["parameters"]}
    assert timeline_params == {*watches.PARAMS["timeline"], "page", "limit", "order"}
