"""Parameter types shared by the `kb` commands (kb/cli.py and kb/timeline_cli.py)."""

from __future__ import annotations

from datetime import date

import click


class DateType(click.ParamType):
    """A day written YYYY-MM-DD."""

    name = "date"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)


DATE = DateType()
