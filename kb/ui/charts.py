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
from typing import Literal

import altair as alt
import pandas as pd  # type: ignore[import-untyped]  # pandas ships no types; pandas-stubs is not a dependency

from kb.events import KINDS
from kb.ui.render import kind_label

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
ROW_HEIGHT = 26
Interval = Literal["day", "week", "month", "year"]


def plain(text: object, limit: int = 160) -> str:
    """One line of plain text for a tooltip or an axis label."""
    line = " ".join(_CONTROL.sub(" ", "" if text is None else str(text)).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


# One colour per event kind, the same in every view and under every filter: the scale's domain is
# every kind there is, not the kinds a view happens to show. Tableau 20 first, then more.
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
    "#bab0ac", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d", "#f1ce63", "#d4a6c8", "#fabfd2",
    "#d7b5a6", "#79706e", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
)  # fmt: skip


def kind_colors() -> tuple[list[str], list[str]]:
    """(domain, range) of the fixed colour scale: every event kind's label and its colour."""
    labels = [plain(kind_label(kind)) for kind in KINDS]
    return labels, [PALETTE[i % len(PALETTE)] for i in range(len(labels))]


def time_axis(first: date, last: date, title: str | None = None) -> alt.Axis:
    """An axis whose labels do not repeat: one tick per day, week, month, quarter or year (or
    several years), the format to match, chosen for the span shown."""
    interval, step, fmt = tick_plan(first, last)
    return alt.Axis(
        title=title,
        format=fmt,
        labelOverlap=True,
        tickCount=alt.TimeIntervalStep(interval=interval, step=step),
    )


def tick_plan(first: date, last: date) -> tuple[Interval, int, str]:
    """(interval, step, format) for ticks between two dates: about twelve labels at most, each once."""
    days = max(1, (last - first).days)
    if days <= 14:
        return "day", 1, "%Y-%m-%d"
    if days <= 90:
        return "week", max(1, days // 7 // 12 + 1), "%Y-%m-%d"
    months = days // 30
    if months <= 36:
        return "month", next(s for s in (1, 2, 3, 6, 12) if months / s <= 12), "%Y-%m"
    years = days // 365
    return "year", max(1, -(-years // 12)), "%Y"


def events_chart(points: list[dict]) -> alt.Chart:
    """Events as dots over time, one row per kind, each kind in its own fixed colour."""
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
    domain, colors = kind_colors()
    extra = [k for k in kinds if k not in domain]  # a kind newer than this list: after the fixed ones
    domain, colors = domain + extra, colors + [PALETTE[(len(domain) + i) % len(PALETTE)] for i in range(len(extra))]
    days = [p["date"] for p in points]
    return (
        alt.Chart(frame)
        .mark_circle(size=80, opacity=0.75)
        .encode(
            x=alt.X("date:T", title=None, axis=time_axis(min(days), max(days))),
            y=alt.Y("kind:N", title=None, sort=kinds, axis=alt.Axis(labelLimit=180)),
            color=alt.Color("kind:N", legend=None, scale=alt.Scale(domain=domain, range=colors)),
            tooltip=[
                alt.Tooltip("event:N", title="Event"),
                alt.Tooltip("date:T", title="Date", format="%Y-%m-%d"),
                alt.Tooltip("kind:N", title="Kind"),
                alt.Tooltip("status:N", title="Rule status"),
            ],
        )
        .properties(height=ROW_HEIGHT * len(kinds) + 40)
    )


def mentions_chart(per_month: list[tuple[str, int]]) -> tuple[pd.DataFrame, dict]:
    """Documents naming an entity, per month of publication (one bar spanning each month): the
    data and the Vega-Lite spec for `st.vega_lite_chart`. The spec is the one Altair makes of
    this chart, written out: building and validating Altair's objects for it took 15-40 ms of
    the Entity page."""
    rows = []
    for month, n in per_month:
        start = date.fromisoformat(f"{month}-01")
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        rows.append({"month": pd.Timestamp(start), "end": pd.Timestamp(end), "label": month, "documents": int(n)})
    interval, step, fmt = tick_plan(rows[0]["month"].date(), rows[-1]["end"].date())
    spec = {
        "config": {"view": {"continuousWidth": 300, "continuousHeight": 300}},
        "mark": {"type": "rect", "cornerRadiusTopLeft": 2, "cornerRadiusTopRight": 2, "x2Offset": -1},
        "encoding": {
            "tooltip": [
                {"field": "label", "title": "Month", "type": "nominal"},
                {"field": "documents", "title": "Documents", "type": "quantitative"},
            ],
            "x": {
                "axis": {
                    "format": fmt,
                    "labelOverlap": True,
                    "tickCount": {"interval": interval, "step": step},
                    "title": None,
                },
                "field": "month",
                "title": None,
                "type": "temporal",
            },
            "x2": {"field": "end"},
            "y": {
                "axis": {"format": "d", "tickMinStep": 1},
                "field": "documents",
                "title": "documents",
                "type": "quantitative",
            },
            "y2": {"datum": 0},
        },
        "height": 200,
        "$schema": alt.SCHEMA_URL,
    }
    return pd.DataFrame(rows), spec
