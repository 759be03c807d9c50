"""A page's widget state kept in the URL, so that a reload or a shared link shows the same view.

Every page that keeps state in its URL declares its parameters once, as a
`UrlState`, calls `restore()` before drawing its widgets and `save()` after
them. `restore` loads the URL into the widgets whenever the URL is not the
one this session last wrote (a reload, a shared link, a link from another
page); `save` writes the widgets back, leaving out every value at its
default to keep links short. Widget keys carry a page prefix (`tl_kind`,
`search_kind`) because `st.session_state` is shared by every page of a
session; the URL names stay short (`kind`).

Every value read from the URL is checked: an unknown choice is dropped, a
date that cannot be read or lies outside the date pickers' range is ignored,
a page number is clamped to 1..MAX_PAGE.
"""

# Why not `bind="query-params"` (new in Streamlit 1.67) on the widgets? A
# bound select widget stores its *formatted* option in the URL: "Newest
# first", or for a facet "AI Policy KB demo: chips (14)", whose count changes
# with every search, so a shared link would stop matching its own options.
# Binding also checks nothing and cannot leave defaults out; one mechanism
# for every page keeps those rules in one place.

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

import streamlit as st

from kb.ui.render import escape_inline

MIN_DATE, MAX_DATE = date(1990, 1, 1), date(2100, 12, 31)  # the date pickers' range
MAX_PAGE = 500  # a pager past this is no help; Whoosh also scores every page before the one asked for
MAX_VALUES = 50  # values of one repeatable parameter
FLAG_ON = ("1", "true", "yes", "on")

ParamKind = Literal["text", "list", "date", "flag", "page"]
Value = str | int | bool | date | list[str] | None
Default = str | int | bool | date | tuple[str, ...] | Callable[[], date] | None


class QueryParams(Protocol):
    """What a parameter needs of `st.query_params` (tests pass a dict with `get_all`)."""

    def get(self, key: str, /) -> str | None: ...

    def get_all(self, key: str, /) -> list[str]: ...


@dataclass(frozen=True)
class Param:
    """One URL parameter: `kind` is "text", "list", "date", "flag" (a checkbox: `1` or absent) or "page"."""

    name: str
    kind: ParamKind = "text"
    default: Default = None  # a callable is called each time (e.g. `date.today`)
    choices: tuple[str, ...] | None = None  # allowed values, when not free text
    limit: int = 200  # characters of a text value

    def initial(self) -> Value:
        value = self.default() if callable(self.default) else self.default
        return list(value) if isinstance(value, tuple) else value

    def read(self, params: QueryParams) -> Value:
        """The checked value of this parameter in `params`."""
        if self.kind == "list":
            return self._read_list(params.get_all(self.name))
        raw = (params.get(self.name) or "").strip()
        if not raw:
            return self.initial()
        if self.kind == "date":
            return parse_date(raw) or self.initial()
        if self.kind == "flag":
            return raw.lower() in FLAG_ON
        if self.kind == "page":
            return parse_page(raw)
        value = raw[: self.limit]
        return value if self._allowed(value) else self.initial()

    def _read_list(self, raw: list[str]) -> Value:
        values = [v.strip()[: self.limit] for v in raw if v.strip()]
        values = [v for v in dict.fromkeys(values) if self._allowed(v)]
        return values[:MAX_VALUES] or self.initial()

    def _allowed(self, value: str) -> bool:
        return self.choices is None or value in self.choices

    def problem(self, params: QueryParams) -> str | None:
        """Why the URL's value of this parameter was not used as written; None when it was (or is absent)."""
        raws = [v.strip() for v in params.get_all(self.name) if v.strip()] if self.kind == "list" else []
        raw = (params.get(self.name) or "").strip() if self.kind != "list" else ""
        if self.kind == "date" and raw and parse_date(raw) is None:
            return f"“{escape_inline(raw, 40)}” is not a date between {MIN_DATE} and {MAX_DATE} (YYYY-MM-DD), so {self.name} is left out"
        if self.kind == "page" and raw and not (raw.isdigit() and 1 <= int(raw) <= MAX_PAGE):
            return f"page “{escape_inline(raw, 20)}” is not a page number from 1 to {MAX_PAGE}"
        if self.choices is not None:
            wrong = [v for v in raws or [raw] if v and v[: self.limit] not in self.choices]
            if wrong:
                shown = ", ".join(f"“{escape_inline(v, 40)}”" for v in wrong[:3])
                return f"{shown} is not a known {self.name}, so it is left out"
        return None

    def dump(self, value: Value) -> list[str] | str | None:
        """What goes into the URL for `value`; None leaves the parameter out."""
        if value is None or value == "" or value == [] or value == self.initial():
            return None
        if self.kind == "flag":
            return "1" if value else None
        if isinstance(value, list):
            return [str(v) for v in value]
        return value.isoformat() if isinstance(value, date) else str(value)


def parse_date(raw: object) -> date | None:
    """A YYYY-MM-DD date (or a date) within the date pickers' range, else None."""
    if isinstance(raw, date):
        day = raw
    else:
        try:
            day = date.fromisoformat(str(raw).strip())
        except ValueError:
            return None
    return day if MIN_DATE <= day <= MAX_DATE else None


def parse_page(raw: object) -> int:
    try:
        return min(max(1, int(str(raw))), MAX_PAGE)
    except ValueError:
        return 1


class UrlState:
    """The URL parameters of one page, mirrored into widgets keyed `{prefix}_{name}`."""

    def __init__(self, prefix: str, *params: Param):
        self.prefix = prefix
        self.params = {p.name: p for p in params}

    def key(self, name: str) -> str:
        """The widget (session state) key of a parameter."""
        return f"{self.prefix}_{name}"

    def from_url(self) -> dict[str, Value]:
        return {name: param.read(st.query_params) for name, param in self.params.items()}

    def restore(self) -> bool:
        """Load the URL into the widgets unless this session wrote it; True when it did."""
        url = self.from_url()
        written = st.session_state.get(self.key("_written"))
        if written == url and not self._widgets_gone():
            return False
        for name, value in url.items():
            self.set(name, value)
        st.session_state[self.key("_written")] = url
        st.session_state[self.key("_notes")] = self.problems()
        self._new_pager()
        return True

    def problems(self) -> list[str]:
        """What in the URL could not be used (an unreadable date, an unknown choice, a bad page number)."""
        found = (param.problem(st.query_params) for param in self.params.values())
        return [p for p in found if p]

    def add_note(self, note: str) -> None:
        """A note for `show_notes`, such as a page number past the last page."""
        st.session_state.setdefault(self.key("_notes"), []).append(note)

    def show_notes(self) -> None:
        """The notes of the last restore from the URL, once: a link that asked for something this
        page cannot show says so, instead of dropping it silently."""
        notes = st.session_state.pop(self.key("_notes"), None)
        if notes:
            st.warning(
                "This link asked for something the page cannot show: " + "; ".join(notes) + ".",
                icon=":material/link_off:",
            )

    def _widgets_gone(self) -> bool:
        # Streamlit drops a widget's state when a run does not draw it (another
        # page was open). The pager is drawn only when there are several pages,
        # and the page number is not a widget's, so it is not looked for.
        return any(self.key(name) not in st.session_state for name, p in self.params.items() if p.kind != "page")

    def save(self) -> None:
        """Write the widgets' values to the URL; defaults are left out to keep links short."""
        for name, param in self.params.items():
            out = param.dump(self.value(name))
            if out is None:
                st.query_params.pop(name, None)
            else:
                st.query_params[name] = out
        st.session_state[self.key("_written")] = self.from_url()

    def value(self, name: str) -> Value:
        """The current value of a parameter (the widget's, else the default)."""
        value: Value = st.session_state.get(self.key(name), self.params[name].initial())
        return value

    # Typed views of `value`, for the page code: a widget may hold a value of
    # another type than its parameter's (a cleared picker holds None).
    def text(self, name: str) -> str | None:
        """A text or choice parameter; None when it is unset or blank."""
        value = self.value(name)
        return value if isinstance(value, str) and value.strip() else None

    def items(self, name: str) -> list[str]:
        """A list parameter's values."""
        value = self.value(name)
        return [str(v) for v in value] if isinstance(value, list) else []

    def day(self, name: str) -> date | None:
        value = self.value(name)
        return value if isinstance(value, date) else None

    def flag(self, name: str) -> bool:
        return bool(self.value(name))

    def page(self) -> int:
        return parse_page(self.value("page"))

    def set(self, name: str, value: Value) -> None:
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
        """A pager over `pages` pages (at most MAX_PAGE), bound to the `page` parameter; none for one page."""
        pages = min(pages, MAX_PAGE)
        if pages > 1:
            st.pagination(
                pages, default=min(self.page(), pages), key=self._pager_key(), on_change=self._take_pager_page
            )

    def _pager_key(self) -> str:
        return self.key(f"pager_{st.session_state.get(self.key('_pager'), 0)}")

    def _new_pager(self) -> None:
        st.session_state[self.key("_pager")] = st.session_state.get(self.key("_pager"), 0) + 1

    def _take_pager_page(self) -> None:
        self.set("page", st.session_state[self._pager_key()])
        st.session_state[self.key("_scroll")] = st.session_state.get(self.key("_scroll"), 0) + 1

    def top_of_results(self) -> None:
        """Mark the top of the results; after a pager click, scroll the page back up to it (the pager
        sits below the results, and a rerun keeps the scroll position)."""
        anchor = f"kb-top-{self.prefix}"
        turns = st.session_state.pop(self.key("_scroll"), 0)
        if not turns:
            return
        # Our own script, with no outside input; each page turn writes a new element, so it runs again.
        st.html(
            f'<div id="{anchor}-{turns}"></div><script>'
            f'document.getElementById("{anchor}-{turns}")?.scrollIntoView({{block: "start"}});</script>',
            unsafe_allow_javascript=True,
        )
