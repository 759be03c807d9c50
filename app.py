"""The Streamlit app's router: `streamlit run app.py`.

This file plays two parts. `streamlit run` finds the `app = st.App(...)`
below and serves it with uvicorn: that server carries the UI and our own
HTTP routes (`kb.ui.server.ROUTES`). Streamlit then runs this same file as
`__main__` on every rerun, and there it only builds the navigation.
"""

import streamlit as st

from kb.ui.server import ROUTES

# (page file, title, Material icon, URL path); the first one is the default page.
PAGES = [
    ("pages/search.py", "Search", ":material/search:", "search"),
    # phase 2: ("pages/timeline.py", "Timeline", ":material/timeline:", "timeline"),
    # phase 2: ("pages/entities.py", "Entities", ":material/label:", "entities"),
    ("pages/providers.py", "Providers", ":material/public:", "providers"),
    ("pages/sources.py", "Sources", ":material/rss_feed:", "sources"),
    ("pages/document.py", "Document", ":material/article:", "document"),
]
HIDDEN = {"pages/document.py"}  # reached through links, not from the menu

if __name__ == "__main__":
    from kb.ui.resources import ensure_demo, get_kb, page_edge

    st.set_page_config(page_title="AI policy KB", page_icon=":material/policy:", layout="wide")
    pages = [st.Page(path, title=title, icon=icon, url_path=url_path, default=(i == 0),
                     visibility="hidden" if path in HIDDEN else "visible")
             for i, (path, title, icon, url_path) in enumerate(PAGES)]
    with page_edge():
        ensure_demo(get_kb())
    st.navigation(pages).run()
else:
    from streamlit.runtime.pages_manager import PagesManager

    # With a pages/ directory beside app.py, Streamlit runs pages/x.py on its own
    # (old "pages directory" mode, no router) for a deep link such as /document?id=3
    # until some session has called st.navigation. Our pages are always routed.
    PagesManager.uses_pages_directory = False
    app = st.App("app.py", routes=ROUTES)
