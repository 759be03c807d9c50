"""Downloads of the current search results: JSON (as the CLI's `--json`) and CSV."""

from __future__ import annotations

import csv
import io
import json

from kb.search import SearchResult

CSV_COLUMNS = ("id", "title", "published", "kind", "source_id", "source_title", "url", "entities", "snippet", "score")
# A cell starting with one of these is a formula to spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def result_json(result: SearchResult) -> bytes:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False).encode("utf-8")


def result_csv(result: SearchResult) -> bytes:
    """One row per hit; cells that a spreadsheet would run as formulas are quoted with a '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for hit in result.to_dict()["hits"]:
        row = dict(hit, entities="; ".join(hit["entities"]), snippet=" ".join(hit["snippet"].split()))
        writer.writerow([_cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
