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
    ("views/search.py", "Search", ":material/search:", "search"),
    ("views/timeline.py", "Timeline", ":material/timeline:", "timeline"),
    ("views/entities.py", "Entities", ":material/label:", "entities"),
    ("views/providers.py", "Providers", ":material/public:", "providers"),
    ("views/sources.py", "Sources", ":material/rss_feed:", "sources"),
    ("views/document.py", "Document", ":material/article:", "document"),
]
HIDDEN = {"views/document.py"}  # reached through links, not from the menu

if __name__ == "__main__":
    from kb.ui.resources import ensure_demo, get_kb, page_edge

    st.set_page_config(page_title="AI policy KB", page_icon=":material/policy:", layout="wide")
    pages = [
        st.Page(
            path,
            title=title,
            icon=icon,
            url_path=url_path,
            default=(i == 0),
            visibility="hidden" if path in HIDDEN else "visible",
        )
        for i, (path, title, icon, url_path) in enumerate(PAGES)
    ]
    with page_edge():
        ensure_demo(get_kb())
    st.navigation(pages).run()
else:
    # Page files live in views/, not pages/: a pages/ folder would switch
    # Streamlit to its old page-directory mode for deep links.
    app = st.App("app.py", routes=ROUTES)
