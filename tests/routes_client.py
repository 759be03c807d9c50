"""An in-process client for the server's own routes (kb/ui/server.py): feeds, calendar, JSON API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from starlette.applications import Starlette
from starlette.testclient import TestClient

from kb.ui.server import ROUTES


@contextmanager
def routes_client() -> Iterator[TestClient]:
    """A TestClient (base URL http://testserver) of a Starlette app with ROUTES, which opens the
    KB_HOME of the environment: `get_kb()` is a cached resource, cleared before and after."""
    st.cache_resource.clear()
    try:
        with TestClient(Starlette(routes=ROUTES)) as client:
            yield client
    finally:
        st.cache_resource.clear()
