"""The Streamlit app's entry in an installed package, started by `kb app`.

The same two parts as the checkout's `app.py`: `streamlit run` serves the
`st.App` below, and each rerun runs this file as `__main__` to build the
navigation.
"""

import streamlit as st

from kb.ui.server import MIDDLEWARE, ROUTES

if __name__ == "__main__":
    from kb.ui.router import run

    run()
else:
    app = st.App(__file__, routes=ROUTES, middleware=MIDDLEWARE)
