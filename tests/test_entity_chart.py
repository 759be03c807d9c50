"""The Entity page's mentions-per-month chart: its spec, written out, is the one Altair makes."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd  # type: ignore[import-untyped]
import pytest

from kb.ui.charts import mentions_chart, time_axis


def altair_mentions_chart(per_month: list[tuple[str, int]]) -> alt.Chart:
    """The chart as the page built it with Altair before: the reference."""
    rows = []
    for month, n in per_month:
        start = date.fromisoformat(f"{month}-01")
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        rows.append({"month": pd.Timestamp(start), "end": pd.Timestamp(end), "label": month, "documents": int(n)})
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_rect(x2Offset=-1, cornerRadiusTopLeft=2, cornerRadiusTopRight=2)
        .encode(
            x=alt.X("month:T", title=None, axis=time_axis(rows[0]["month"].date(), rows[-1]["end"].date())),
            x2="end:T",
            y=alt.Y("documents:Q", title="documents", axis=alt.Axis(tickMinStep=1, format="d")),
            y2=alt.datum(0),
            tooltip=[alt.Tooltip("label:N", title="Month"), alt.Tooltip("documents:Q", title="Documents")],
        )
        .properties(height=200)
    )


@pytest.mark.parametrize(
    "per_month",
    [
        [("2024-07", 1)],
        [("2023-12", 4), ("2024-01", 2), ("2024-03", 9)],
        [(f"{year}-{month:02}", year + month) for year in range(2016, 2027) for month in (1, 6, 12)],
    ],
)
def test_the_written_spec_is_altairs(per_month):
    frame, spec = mentions_chart(per_month)
    reference = altair_mentions_chart(per_month)
    expected = reference.to_dict()
    data = expected.pop("datasets")[expected.pop("data")["name"]]
    assert spec == expected
    alt.Chart.from_dict({**spec, "data": {"values": []}})  # valid Vega-Lite, as Altair checks it
    assert frame.equals(reference.data)
    assert [row["label"] for row in data] == list(frame["label"])
