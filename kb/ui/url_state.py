"""A page's widget state kept in the URL, for the Timeline and Entities pages.

The same pattern as `kb.ui.state` (the Search page's), declared once per
page: `restore()` before the widgets are drawn loads the URL into them
whenever the URL is not the one this session last wrote (a reload, a shared
link, a link from another page), `save()` after them writes them back, with
every value at its default left out. Widget keys carry a page prefix
(`tl_kind`), because `st.session_state` is shared by every page of a session
and the Search page already uses `kind`; the URL names stay short (`kind`).

Every value read from the URL is checked: an unknown choice is dropped, a
date that cannot be read or lies outside the date pickers' range is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

MIN_DATE, MAX_DATE = date(1990, 1, 1), date(2100, 12, 31)  # the date pickers' range
MAX_PAGE = 500
MAX_VALUES = 50  # values of one repeatable parameter


@dataclass(frozen=True)
class Param:
    """One URL parameter: `kind` is "text", "list", "date", "flag" (a checkbox: `1` or absent) or "page"."""

    name: str
    kind: str = "text"
    default: object = None  # a callable is called (e.g. `date.today`)
    choices: tuple | None = None  # allowed values, when not free text
    limit: int = 200  # characters of a text value

    def initial(self):
        value = self.default() if callable(self.default) else self.default
        return list(value) if self.kind == "list" else value

    def read(self, params):
        """The checked value of this parameter in `params` (st.query_params)."""
        allowed = self.choices
        if self.kind == "list":
            values = [v.strip()[: self.limit] for v in params.get_all(self.name) if v.strip()]
            values = [v for v in dict.fromkeys(values) if allowed is None or v in allowed]
            return values[:MAX_VALUES] or self.initial()
        raw = params.get(self.name)
        if raw is None or not raw.strip():
            return self.initial()
        if self.kind == "date":
            return parse_date(raw) or self.initial()
        if self.kind == "flag":
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if self.kind == "page":
            return parse_page(raw)
        value = raw.strip()[: self.limit]
        return value if allowed is None or value in allowed else self.initial()

    def dump(self, value) -> list[str] | str | None:
        """What goes into the URL for `value`; None leaves the parameter out."""
        if value in (None, "", []) or value == self.initial():
            return None
        if self.kind == "flag":
            return "1" if value else None
        if self.kind == "list":
            return [str(v) for v in value]
        return value.isoformat() if isinstance(value, date) else str(value)


def parse_date(raw) -> date | None:
    """A YYYY-MM-DD date within the date pickers' range, else None."""
    if isinstance(raw, date) or raw is None:
        day = raw
    else:
        try:
            day = date.fromisoformat(str(raw).strip())
        except ValueError:
            return None
    return day if day is None or MIN_DATE <= day <= MAX_DATE else None


def parse_page(raw) -> int:
    try:
        return min(max(1, int(raw)), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


class UrlState:
    """The URL parameters of one page, mirrored into widgets keyed `{prefix}_{name}`."""

    def __init__(self, prefix: str, *params: Param):
        self.prefix = prefix
        self.params = {p.name: p for p in params}

    def key(self, name: str) -> str:
        """The widget (session state) key of a parameter."""
        return f"{self.prefix}_{name}"

    def from_url(self) -> dict[str, object]:
        return {name: param.read(st.query_params) for name, param in self.params.items()}

    def restore(self) -> bool:
        """Load the URL into the widgets unless this session wrote it; True when it did."""
        url = self.from_url()
        written = st.session_state.get(self.key("_written"))
        # Streamlit drops a widget's state when a run does not draw it (another page was open).
        widgets_gone = any(
            self.key(name) not in st.session_state for name, p in self.params.items() if p.kind != "page"
        )
        if written == url and not widgets_gone:
            return False
        for name, value in url.items():
            st.session_state[self.key(name)] = value
        st.session_state[self.key("_written")] = url
        self._new_pager()
        return True

    def save(self) -> None:
        """Write the widgets' values to the URL; defaults are left out to keep links short."""
        for name, param in self.params.items():
            out = param.dump(self.value(name))
            if out is None:
                st.query_params.pop(name, None)
            else:
                st.query_params[name] = out
        st.session_state[self.key("_written")] = self.from_url()

    def value(self, name: str):
        """The current value of a parameter (the widget's, else the default)."""
        return st.session_state.get(self.key(name), self.params[name].initial())

    def set(self, name: str, value) -> None:
        st.session_state[self.key(name)] = value

    def reset(self, *names: str) -> None:
        """Callback: put the named parameters back to their defaults and start at page 1."""
        for name in names:
            self.set(name, self.params[name].initial())
        self.first_page()

    # The page number is plain session state, not a widget's: the pager widget
    # gets a new key whenever the page is set from code, so that Streamlit never
    # sees a widget both given a default and set through session state.
    def first_page(self) -> None:
        """Callback: a new filter starts again at page 1."""
        if "page" in self.params:
            self.set("page", 1)
        self._new_pager()

    def pager(self, pages: int) -> None:
        """A pager over `pages` pages, bound to the `page` parameter."""
        pages = min(pages, MAX_PAGE)
        if pages > 1:
            st.pagination(
                pages, default=min(self.value("page"), pages), key=self._pager_key(), on_change=self._take_pager_page
            )

    def _pager_key(self) -> str:
        return self.key(f"pager_{st.session_state.get(self.key('_pager'), 0)}")

    def _new_pager(self) -> None:
        st.session_state[self.key("_pager")] = st.session_state.get(self.key("_pager"), 0) + 1

    def _take_pager_page(self) -> None:
        self.set("page", st.session_state[self._pager_key()])
