"""Links between the app's pages, with escaped labels.

`st.page_link` navigates inside the app (no reload, same tab) but only to a
page registered in `st.navigation`. When the target is not registered (a
page file tested on its own with AppTest), the link falls back to a relative
Markdown link to its URL.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st
from streamlit.errors import StreamlitAPIException

from kb.ui import pages as app_pages
from kb.ui.render import escape_inline, internal_link

# name ("search") -> (page file, URL path), from the list of pages. The file
# is given as an absolute path: Streamlit reads a relative one from the entry
# script's folder, which is the checkout for app.py but kb/ for kb/webapp.py.
# The default (first) page is served at the app's root URL.
PAGES = {
    name.removesuffix(".py"): (str(app_pages.VIEWS / name), "" if i == 0 else url_path)
    for i, (name, _title, _icon, url_path) in enumerate(app_pages.PAGES)
}


def page_link(
    page: str,
    label: object,
    params: Mapping[str, str | list[str]] | None = None,
    *,
    icon: str | None = None,
    limit: int = 200,
    bold: bool = False,
) -> None:
    """A link to one of the app's pages; `label` may be untrusted (it is escaped).

    A page link does not wrap, so a label longer than `limit` characters is
    shortened, and then shown whole in the link's tooltip."""
    path, url_path = PAGES[page]
    text = escape_inline(label, limit) or "(untitled)"
    whole = escape_inline(label, 500) if text.endswith("…") else ""
    text = f"**{text}**" if bold else text
    try:
        st.page_link(path, label=text, query_params=params or None, icon=icon, help=whole)
    except StreamlitAPIException:
        st.markdown(internal_link(label or "(untitled)", url_path or ".", params))


def entity_links(entities: list[tuple[str, str]], label: str | None = None) -> None:
    """A row of links to entity pages, from `(slug, display name)` pairs, after an optional label."""
    if not entities:
        return
    path, url_path = PAGES["entities"]
    slot = st.empty()
    try:
        with slot.container(horizontal=True, gap="small", vertical_alignment="center"):
            if label:
                st.caption(label, width="content")
            for slug, name in entities:
                st.page_link(
                    path,
                    label=escape_inline(name or slug, 80),
                    query_params={"id": slug},
                    icon=":material/label:",
                    help="",
                )
    except StreamlitAPIException:  # the Entities page is not registered (AppTest): plain relative links
        parts = [internal_link(name or slug, url_path, {"id": slug}) for slug, name in entities]
        slot.markdown(f"{label or ':material/label:'} " + " · ".join(parts))
