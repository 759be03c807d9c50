"""The HTTP side of the app: `streamlit run app.py` serves an `st.App` with our routes."""

from __future__ import annotations

import ast
import json

import pytest
import streamlit as st
from streamlit.web.server.app_discovery import discover_asgi_app

from kb.models import Document, Source
from kb.ui.server import ROUTES
from tests.helpers import ROOT


def get(path: str):
    """Call the route for GET `path` (the browser test calls it over real HTTP)."""
    route = next(r for r in ROUTES if r.path == path and "GET" in r.methods)
    response = route.endpoint(None)
    return response.status_code, json.loads(response.body), response.headers


@pytest.fixture(autouse=True)
def fresh_caches():
    yield
    st.cache_resource.clear()


def test_streamlit_run_finds_the_asgi_app_in_app_py():
    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app and found.import_string == "app:app"


@pytest.mark.parametrize("script", ["app.py", "kb/webapp.py"])
def test_both_entry_scripts_serve_the_routes_and_the_feed_discovery(script):
    """`streamlit run` and `kb app` get the same server: ROUTES and MIDDLEWARE passed to st.App."""
    tree = ast.parse((ROOT / script).read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == "st.App"]
    assert len(calls) == 1
    assert {k.arg: ast.unparse(k.value) for k in calls[0].keywords} == {"routes": "ROUTES", "middleware": "MIDDLEWARE"}
    assert discover_asgi_app(ROOT / script).is_asgi_app


def test_health_route_counts_documents_and_sources(kb):
    with kb.session() as session:
        source = Source(url="https://example.org/feed")
        session.add(source)
        session.flush()
        session.add_all([Document(source_id=source.id, key=f"k{i}") for i in range(3)])
        session.commit()
    status, body, headers = get("/api/health-kb")
    assert status == 200
    assert body == {"status": "ok", "documents": 3, "sources": 1}
    assert headers["cache-control"] == "no-store"


def test_health_route_reports_a_broken_store(tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("KB_HOME", str(tmp_path / "a-file" / "home"))  # cannot be created
    status, body, _ = get("/api/health-kb")
    assert status == 503 and body["status"] == "error"
