"""Shared fixtures: a knowledge base in tmp_path and a loopback HTTP server."""

from __future__ import annotations

import pytest

from kb import settings
from kb.context import open_kb
from tests.helpers import LoopbackServer


@pytest.fixture
def kb_env(tmp_path, monkeypatch):
    """KB_HOME in a temporary directory, for code that reads the environment."""
    home = tmp_path / "kbhome"
    monkeypatch.setenv("KB_HOME", str(home))
    for name in ("KB_DATABASE_URL", "KB_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KB_HTTP_TIMEOUT", "2")
    monkeypatch.setenv("KB_INDEX_LOCK_TIMEOUT", "0.5")
    # The tests' HTTP servers live on loopback, which the default settings refuse.
    monkeypatch.setenv("KB_ALLOW_PRIVATE_ADDRESSES", "1")
    return home


@pytest.fixture
def kb(kb_env):
    """An initialised knowledge base: a real SQLite file and a real Whoosh index."""
    instance = open_kb(settings.load())
    yield instance
    instance.reopen_index()
    instance.engine.dispose()


@pytest.fixture
def server():
    srv = LoopbackServer()
    yield srv
    srv.close()
