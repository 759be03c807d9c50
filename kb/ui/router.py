"""The app's navigation: every page file of `kb/views/` with its title, icon and URL path.

Both entry scripts (`app.py` in a checkout, `kb/webapp.py` in an installed
package, started by `kb app`) call `run()` on every rerun.
"""

from __future__ import annotations

import logging

import streamlit as st

from kb.ui.pages import HIDDEN, PAGES, STATIC, VIEWS

log = logging.getLogger(__name__)


def run() -> None:
    """Build the navigation (loading the demo corpus into an empty store first) and run the page."""
    from kb.ui.resources import ensure_demo, get_kb, page_edge

    # A file of ours, served by the app itself: a `:material/...:` page icon is fetched by the
    # browser from a public font server (offline it breaks, online it tells that server who reads).
    st.set_page_config(page_title="AI policy KB", page_icon=STATIC / "icon.png", layout="wide")
    st.html(STATIC / "app.css")  # tables that fit, cards on phones (kb/ui/tables.py)
    with page_edge():
        ensure_demo(get_kb())
    titles = {"watches.py": watches_title()}  # after the demo load: it counts in the store
    pages = [
        st.Page(
            VIEWS / name,
            title=titles.get(name, title),
            icon=icon,
            url_path=url_path,
            default=(i == 0),
            visibility="hidden" if name in HIDDEN else "visible",
        )
        for i, (name, title, icon, url_path) in enumerate(PAGES)
    ]
    st.navigation(pages).run()


def watches_title() -> str:
    """The Watches page's menu title, with the number of new items in all watches: "Watches (3)"."""
    from sqlalchemy.exc import SQLAlchemyError

    from kb.errors import KBError
    from kb.ui.follow import count_label, total_new
    from kb.ui.resources import get_kb

    try:
        total = total_new(get_kb())
    except (KBError, SQLAlchemyError) as exc:  # the page itself says what is wrong; the menu just leaves the count out
        log.warning("could not count new items for the menu: %s", exc)
        return "Watches"
    return f"Watches ({count_label(total)})" if total else "Watches"
