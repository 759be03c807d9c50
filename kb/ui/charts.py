"""Altair charts of the Timeline and Entities pages (pure: data in, chart out).

Tooltips show event titles, which can come from untrusted reports. Vega's
tooltip handler writes HTML, escaping `&` and `<` in every key and value,
but it treats two keys specially: `title` becomes a heading and `image` an
`<img src>` that the browser fetches. So tooltip fields always carry fixed
titles of our own ("Event", "Date"...), values are plain one-line text
without control characters, and no chart uses the `href` channel.
"""

from __future__ import annotations

import re
from datetime import date

import altair as alt
import pandas as pd  # type: ignore[import-untyped]  # pandas ships no types; pandas-stubs is not a dependency

from kb.ui.render import kind_label

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
ROW_HEIGHT = 26


def plain(text: object, limit: int = 160) -> str:
    """One line of plain text for a tooltip or an axis label."""
    line = " ".join(_CONTROL.sub(" ", "" if text is None else str(text)).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def events_chart(points: list[dict]) -> alt.Chart:
    """Events as dots over time, one row and one colour per kind."""
    frame = pd.DataFrame(
        [
            {
                "date": pd.Timestamp(p["date"]),
                "kind": plain(kind_label(p["kind"])),
                "event": plain(p["title"]),
                "status": plain(p.get("status", "")).replace("_", " "),
            }
            for p in points
        ]
    )
    kinds = sorted(frame["kind"].unique())
    return (
        alt.Chart(frame)
        .mark_circle(size=80, opacity=0.75)
        .encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%Y-%m", labelOverlap=True)),
            y=alt.Y("kind:N", title=None, sort=kinds, axis=alt.Axis(labelLimit=180)),
            color=alt.Color("kind:N", legend=None, sort=kinds, scale=alt.Scale(scheme="tableau20")),
            tooltip=[
                alt.Tooltip("event:N", title="Event"),
                alt.Tooltip("date:T", title="Date", format="%Y-%m-%d"),
                alt.Tooltip("kind:N", title="Kind"),
                alt.Tooltip("status:N", title="Rule status"),
            ],
        )
        .properties(height=ROW_HEIGHT * len(kinds) + 40)
    )


def mentions_chart(per_month: list[tuple[str, int]]) -> alt.Chart:
    """Documents naming an entity, per month of publication (one bar spanning each month)."""
    rows = []
    for month, n in per_month:
        start = date.fromisoformat(f"{month}-01")
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        rows.append({"month": pd.Timestamp(start), "end": pd.Timestamp(end), "label": month, "documents": int(n)})
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_rect(x2Offset=-1, cornerRadiusTopLeft=2, cornerRadiusTopRight=2)
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m", labelOverlap=True)),
            x2="end:T",
            y=alt.Y("documents:Q", title="documents", axis=alt.Axis(tickMinStep=1, format="d")),
            y2=alt.datum(0),
            tooltip=[alt.Tooltip("label:N", title="Month"), alt.Tooltip("documents:Q", title="Documents")],
        )
        .properties(height=200)
    )
