"""The app's navigation: every page file of `kb/views/` with its title, icon and URL path.

Both entry scripts (`app.py` in a checkout, `kb/webapp.py` in an installed
package, started by `kb app`) call `run()` on every rerun.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

VIEWS = Path(__file__).resolve().parent.parent / "views"

# (page file, title, Material icon, URL path); the first one is the default page.
PAGES = [
    ("search.py", "Search", ":material/search:", "search"),
    ("timeline.py", "Timeline", ":material/timeline:", "timeline"),
    ("entities.py", "Entities", ":material/label:", "entities"),
    ("providers.py", "Providers", ":material/public:", "providers"),
    ("sources.py", "Sources", ":material/rss_feed:", "sources"),
    ("document.py", "Document", ":material/article:", "document"),
]
HIDDEN = {"document.py"}  # reached through links, not from the menu


def run() -> None:
    """Build the navigation (loading the demo corpus into an empty store first) and run the page."""
    from kb.ui.resources import ensure_demo, get_kb, page_edge

    st.set_page_config(page_title="AI policy KB", page_icon=":material/policy:", layout="wide")
    pages = [
        st.Page(
            VIEWS / name,
            title=title,
            icon=icon,
            url_path=url_path,
            default=(i == 0),
            visibility="hidden" if name in HIDDEN else "visible",
        )
        for i, (name, title, icon, url_path) in enumerate(PAGES)
    ]
    with page_edge():
        ensure_demo(get_kb())
    st.navigation(pages).run()
