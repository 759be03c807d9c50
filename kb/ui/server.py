"""HTTP routes served by the same server as the UI (`st.App(..., routes=ROUTES)` in app.py).

Streamlit 1.67's `st.App` accepts extra Starlette routes; `streamlit run
app.py` finds the `app = st.App(...)` assignment and serves it with uvicorn.
The feeds and JSON API of the subscriptions issue go here.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kb.ui import queries
from kb.ui.resources import get_kb

log = logging.getLogger(__name__)


def health_kb(request: Request) -> JSONResponse:
    """GET /api/health-kb: the store answers, with its document and source counts."""
    try:
        kb = get_kb()
        with kb.session() as session:
            body = {"status": "ok", **queries.counts(session)}
    except Exception as exc:
        log.warning("health check failed: %s", exc)
        return JSONResponse({"status": "error", "error": type(exc).__name__}, status_code=503)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


ROUTES = [Route("/api/health-kb", health_kb, methods=["GET"])]
