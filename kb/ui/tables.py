"""Tables that fit: rows as an HTML table in the page itself, with escaped text.

A data grid (`st.dataframe`) draws on a canvas: long titles are cut at the
column's width, and at 1400 px a table of seven columns needs a horizontal
scroll. These tables wrap long text instead, put the key columns first with
set widths, and below 640 px (kb/ui/static/app.css) turn each row into a
card whose cells carry their column's name. Every text is escaped with
`html.escape`; links are http(s) (`safe_url`) or our own relative page paths.
`st.html` sanitizes what it shows as well.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from kb.ui.render import internal_href, safe_url


@dataclass(frozen=True)
class Link:
    """A cell that links: to an http(s) address, or to one of the app's pages (`page` + `params`)."""

    text: str
    url: str | None = None
    page: str | None = None
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Badge:
    """A short coloured label (rule status, served / not served); `tone` is one of app.css's."""

    text: str
    tone: str = "gray"


Cell = str | int | float | Link | Badge | None
TONES = ("gray", "green", "red", "orange", "blue")


@dataclass(frozen=True)
class Column:
    name: str
    width: str = ""  # a CSS width ("40%", "7em"); empty: what is left
    nowrap: bool = False  # dates and codes stay on one line


def _cell_html(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Badge):
        tone = value.tone if value.tone in TONES else "gray"
        return f'<span class="kb-badge kb-{tone}">{html.escape(value.text)}</span>'
    if isinstance(value, Link):
        target = safe_url(value.url) if value.url else None
        if value.page is not None:
            target = internal_href(value.page, dict(value.params))
        text = html.escape(value.text or "(untitled)")
        if not target:
            return text
        external = ' target="_blank" rel="noopener noreferrer"' if value.url else ' target="_self"'
        return f'<a href="{html.escape(target, quote=True)}"{external}>{text}</a>'
    return html.escape(str(value))


def table_html(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], *, caption: str = "", cards: bool = False
) -> str:
    """The HTML of a table (escaped); `rows` hold one cell per column; `cards`: one card per row at any width."""
    cols = "".join(f'<col style="width:{html.escape(c.width)}">' if c.width else "<col>" for c in columns)
    head = "".join(f"<th scope='col'>{html.escape(c.name)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = "".join(
            f'<td data-label="{html.escape(c.name, quote=True)}"{" class=kb-nowrap" if c.nowrap else ""}>'
            f"{_cell_html(v)}</td>"
            for c, v in zip(columns, row, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="kb-table-wrap"><table class="kb-table{" kb-cards" if cards else ""}">{cap}<colgroup>{cols}</colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def show_table(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], *, caption: str = "", cards: bool = False
) -> None:
    """Draw the table (nothing for no rows); `cards` for a narrow column, where columns would not fit."""
    if rows:
        st.html(table_html(columns, rows, caption=caption, cards=cards))
