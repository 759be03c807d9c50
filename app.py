"""The Streamlit app's entry in a checkout: `streamlit run app.py`.

This file plays two parts. `streamlit run` finds the `app = st.App(...)`
below and serves it with uvicorn: that server carries the UI, our own
HTTP routes (`kb.ui.server.ROUTES`: feeds, calendar, JSON API) and the
middleware that adds feed links to the pages (`kb.ui.server.MIDDLEWARE`). Streamlit then runs this same file as
`__main__` on every rerun, and there it only builds the navigation
(`kb.ui.router`). An installed package starts the same app with `kb app`
(entry script `kb/webapp.py`).
"""

import streamlit as st

from kb.ui.server import MIDDLEWARE, ROUTES

if __name__ == "__main__":
    from kb.ui.router import run

    run()
else:
    # Page files live in kb/views/, not pages/: a pages/ folder next to the
    # entry script would switch Streamlit to its old page-directory mode.
    app = st.App("app.py", routes=ROUTES, middleware=MIDDLEWARE)
