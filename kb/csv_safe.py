"""CSV cells that spreadsheet programs will not run as formulas."""

from __future__ import annotations

# Excel, LibreOffice and Sheets treat a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell's text; None is empty, and text a spreadsheet would evaluate is quoted with a '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
