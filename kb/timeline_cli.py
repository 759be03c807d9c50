"""`kb timeline`: the event timeline, rules as of a day, upcoming deadlines; CSV and iCalendar exports.

Registered in kb/cli.py with `cli.add_command(timeline)`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from kb.cli_params import DATE
from kb.errors import RegistryError, UserInputError


@click.command("timeline")
@click.option("--entity", "entities", multiple=True, help="Entity slug or rule lifecycle id (repeatable: any of them).")
@click.option(
    "--kind", "kinds", multiple=True, help="Event kind, or a group: rule, deadline, service (repeatable: any of them)."
)
@click.option("--jurisdiction", help="ISO country code of the acting government (US, CN...) or GLOBAL.")
@click.option(
    "--status",
    help="Rule status: proposed, interim_final, final, pending_compliance, in_force "
    "(also matches pending_compliance), delayed, rescinded.",
)
@click.option("--since", type=DATE, help="Events on or after this day (YYYY-MM-DD).")
@click.option("--until", type=DATE, help="Events on or before this day (YYYY-MM-DD).")
@click.option("--as-of", "as_of", type=DATE, help="Show each rule lifecycle's status on this day instead.")
@click.option(
    "--upcoming",
    is_flag=True,
    help="Only deadlines (comments, compliance, effective dates) from "
    "--since, or today, on; rescinded rules' deadlines left out.",
)
@click.option("--order", type=click.Choice(["newest", "oldest"]), default="newest", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Events per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write every matching event (or rule, with --as-of) to this CSV file.",
)
@click.option(
    "--ics",
    "ics_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the matching deadlines (after --as-of, with it) to this iCalendar file.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def timeline(
    entities,
    kinds,
    jurisdiction,
    status,
    since,
    until,
    as_of,
    upcoming,
    order,
    limit,
    page,
    csv_path,
    ics_path,
    as_json,
):
    """Dated events with their reports and sources; or, with --as-of, the rules in force and their status."""
    from kb import timeline as tl
    from kb.context import bring_up_to_date, open_kb
    from kb.entities import ensure_registry
    from kb.events import ensure_events

    if as_of and upcoming:
        raise UserInputError("--as-of and --upcoming do not go together: --as-of lists the next deadline of each rule")
    if upcoming and (kinds or status):
        raise UserInputError("--upcoming lists deadlines of every kind; leave out --kind and --status")
    kb = open_kb(read_only=True)  # works on a read-only KB_HOME; creates and migrates nothing

    def update(session) -> None:  # entity links and events made with today's registry and curated files
        ensure_registry(session, kb.config.registry_dir)
        ensure_events(session, linker=kb.linker)

    try:
        reason = bring_up_to_date(kb, update)
    except RegistryError as exc:  # answer from the events as they are, and say why
        reason = str(exc)
    if reason:
        click.echo(f"warning: events not brought up to date: {reason}", err=True)
    with kb.session() as session:
        if as_of:
            _as_of(session, as_of, kinds, entities, jurisdiction, status, csv_path, ics_path, as_json)
            return
        if upcoming:
            query = tl.deadlines_query(
                session,
                since or date.today(),
                until=until,
                entities=entities,
                jurisdiction=jurisdiction,
                limit=limit,
                page=page,
            )
        else:
            query = tl.TimelineQuery(
                entities=entities,
                kinds=kinds,
                jurisdiction=jurisdiction,
                status=status,
                since=since,
                until=until,
                order=order,
                limit=limit,
                page=page,
            )
        result = tl.timeline(session, query)
        exported = tl.all_events(session, query) if (csv_path or ics_path) else []
    _export(
        csv_path,
        tl.events_csv(exported) if csv_path else None,
        ics_path,
        _calendar(session, exported) if ics_path else None,
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    _echo_page(result, upcoming)


def _calendar(session, events) -> bytes:
    """The deadlines among `events` as the app's calendar has them (kb/feeds_out.py): short titles,
    the event's page in the app (KB_PUBLIC_URL) and its primary sources."""
    from sqlmodel import col, select

    from kb.events import DEADLINE_KINDS
    from kb.feeds_out import CalendarInfo, deadlines_calendar
    from kb.models import Entity
    from kb.settings import load

    deadlines = [e for e in events if e.kind in DEADLINE_KINDS]
    rules = sorted({e.rule for e in deadlines if e.rule})
    names = {e.slug: e.name for e in session.exec(select(Entity).where(col(Entity.slug).in_(rules)))}
    info = CalendarInfo(
        name="AI policy deadlines", description="Deadlines from the AI policy knowledge base", path="calendar.ics"
    )
    base = load().public_url
    return deadlines_calendar(info, deadlines, names, f"{base}/" if base else "")


def _as_of(session, day, kinds, entities, jurisdiction, status, csv_path, ics_path, as_json) -> None:
    from kb import timeline as tl

    states = tl.rules_as_of(session, day, kinds=kinds, entities=entities, jurisdiction=jurisdiction, status=status)
    deadlines = (
        tl.upcoming_deadlines(session, day, entities=entities, jurisdiction=jurisdiction, limit=1000)
        if ics_path
        else []
    )
    _export(
        csv_path,
        tl.rules_csv(states) if csv_path else None,
        ics_path,
        _calendar(session, deadlines) if ics_path else None,
    )
    if as_json:
        click.echo(
            json.dumps({"as_of": day.isoformat(), "rules": [s.to_dict() for s in states]}, indent=2, ensure_ascii=False)
        )
        return
    click.echo(f"{len(states)} rules as of {day.isoformat()}")
    for s in states:
        click.echo("")
        click.echo(f"{click.style(s.rule, bold=True)}  {s.label}  (since {s.since.isoformat()})  {s.name}")
        click.echo(f"    {tl.date_label(s.event.date, s.event.precision)}  {s.event.kind}  {s.event.title}")
        if s.event.sources:
            click.echo(f"    source: {s.event.sources[0]}")
        if s.next_deadline:
            n = s.next_deadline
            click.echo(f"    next: {tl.date_label(n.date, n.precision)}  {n.kind}  {n.title}")


def _export(csv_path: Path | None, csv_text: str | None, ics_path: Path | None, ics_bytes: bytes | None) -> None:
    try:
        if csv_path:
            csv_path.write_text(csv_text or "", encoding="utf-8")
            click.echo(f"wrote {csv_path}", err=True)
        if ics_path:
            ics_path.write_bytes(ics_bytes or b"")
            click.echo(f"wrote {ics_path}", err=True)
    except OSError as exc:
        raise UserInputError(f"cannot write {exc.filename}: {exc.strerror}") from exc


def _echo_page(result, upcoming: bool) -> None:
    from kb import timeline as tl

    what = "upcoming deadlines" if upcoming else "events"
    order = "oldest first" if result.query.order == "oldest" else "newest first"
    click.echo(f"{result.total} {what} (page {result.query.page} of {result.pages}, {order})")
    for e in result.events:
        click.echo("")
        when = tl.date_label(e.date, e.precision)
        status = f"  [{e.status_label}]" if e.status_label else ""
        click.echo(f"{when}  {e.kind:<18} {click.style(e.title, bold=True)}{status}")
        confidence = f"confidence {e.confidence:.2f}" if e.origin != "curated" else ""
        meta = [e.origin, e.jurisdiction or "", e.rule or "", confidence]
        click.echo("    " + "  ".join(m for m in meta if m))
        if e.entities:
            click.echo("    entities: " + ", ".join(f"{r.slug} ({r.role})" for r in e.entities))
        for url in e.sources[:3]:
            click.echo(f"    source: {url}")
        if e.report_count:
            click.echo(f"    reports ({e.report_count}):")
        for r in e.reports[:10]:
            published = r.published.strftime("%Y-%m-%d") if r.published else "undated"
            click.echo(f"      {published}  {r.title}  #{r.document_id}")
            click.echo(f'          "{_short(r.sentence)}"')


def _short(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
