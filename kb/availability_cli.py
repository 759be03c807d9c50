"""`kb availability`: the provider x country matrix on a day, saved copies loaded as history,
held-back lists accepted; `kb sources add-defaults`: subscribe the providers' own pages.

Registered in kb/cli.py with `cli.add_command(availability)` and `sources.add_command(add_defaults)`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from kb.cli_params import DATE
from kb.errors import UserInputError


@click.group("availability", invoke_without_command=True)
@click.option("--provider", help="Provider slug or name (openai, Anthropic...).")
@click.option("--service", help='Service name or entity slug ("OpenAI API", chatgpt...).')
@click.option("--country", help="ISO code, slug or name of a country (CN, china, China).")
@click.option("--as-of", "as_of", type=DATE, help="The day to answer for (default: today).")
@click.option("--changes-since", "since", type=DATE, help="Only the pairs whose state changed since this day.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write every cell here.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def availability(ctx, provider, service, country, as_of, since, csv_path, as_json):
    """Which provider serves which country on a day, and since when: from the providers' own
    pages first, news events second, "unknown" otherwise; each cell says which."""
    if ctx.invoked_subcommand is not None:
        return
    from kb import availability as av
    from kb.context import open_kb

    day = as_of or date.today()
    narrow = {"provider": provider, "service": service, "country": country}
    with open_kb(read_only=True).session() as session:
        result = av.matrix(session, day, **narrow)
        changes = av.diff(session, since, day, **narrow) if since else None
    _check_narrowing(result, narrow)
    if csv_path:
        csv_path.write_text(av.cells_csv(result), encoding="utf-8")
    if changes is not None:
        _echo_changes(result, changes, since, as_json)
    elif as_json:
        cells = [av.cell_dict(result, c) for c in av.all_cells(result)]
        click.echo(json.dumps({"as_of": day.isoformat(), "cells": cells}, indent=2, ensure_ascii=False))
    else:
        _echo_matrix(result)


def _check_narrowing(result, narrow: dict) -> None:
    if narrow["country"] and not result.countries:
        raise UserInputError(f"no country matches {narrow['country']!r} (try an ISO code such as CN)")
    if (narrow["provider"] or narrow["service"]) and not result.services:
        raise UserInputError("no provider or service matches; `kb availability --country US` lists them all")


def _echo_matrix(result) -> None:
    click.echo(f"as of {result.on.isoformat()}: {len(result.services)} services, {len(result.countries)} countries")
    for code in result.countries:
        click.echo(f"\n{result.name(code)} ({code}) · {result.region(code)}")
        for svc in result.services:
            click.echo(_cell_line(result.cell(svc, code)))


def _cell_line(cell) -> str:
    head = f"  {cell.service.label} ({cell.service.provider_name}): {cell.state}"
    if cell.since:
        head += f" {cell.since_text()}"
    if cell.note:
        head += f" [{cell.note}]"
    where = f"{cell.source} {cell.url or ''}".strip() if cell.origin != "none" else "nothing recorded"
    line = f"{head}\n      from {cell.origin}: {where}"
    return line + (f"\n      news {cell.news}" if cell.news else "")


def _echo_changes(result, changes, since: date, as_json: bool) -> None:
    from kb import availability as av

    if as_json:
        rows = [{"before": av.cell_dict(result, a), "after": av.cell_dict(result, b)} for a, b in changes]
        click.echo(json.dumps({"from": since.isoformat(), "to": result.on.isoformat(), "changes": rows}, indent=2))
        return
    click.echo(f"{len(changes)} changes from {since.isoformat()} to {result.on.isoformat()}")
    for old, new in changes:
        click.echo(f"  {result.name(new.country)} ({new.country}) · {new.service.label}: {old.state} -> {new.state}")
        click.echo(f"      {new.since_text()}, from {new.origin}: {new.source}")


@availability.command("load")
@click.argument("source_id", type=int)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--date", "day", type=DATE, help="The day of a single saved copy (default: the date in its name).")
def load(source_id, files, day):
    """Load saved copies of a source's page (say, from a web archive) as its history. Each file's
    date comes from its name (2024-07-10, 20240710, or an archive's 20240710123000) or --date."""
    from kb.context import open_kb
    from kb.snapshots import date_in_name, load_saved_copy
    from kb.store import get_source

    if day and len(files) > 1:
        raise UserInputError("--date names the day of one file; give the others their dates in their names")
    found = {path: day or date_in_name(path) for path in files}
    undated = [str(path) for path, when in found.items() if when is None]
    if undated:
        raise UserInputError(f"no date in the name of {', '.join(undated)}: rename it or give --date")
    dated = sorted((when, path) for path, when in found.items() if when is not None)
    kb = open_kb()
    with kb.session() as session:
        source = get_source(session, source_id)
        if source.kind != "availability":
            raise UserInputError(f"source {source_id} is a {source.kind} source, not an availability page")
        for when, path in dated:
            seen = load_saved_copy(
                session, source, path, when, max_shrink=kb.config.availability_max_shrink, registry=kb.linker.registry
            )
            state = seen.snapshot.parse_status
            click.echo(f"{when.isoformat()} {path.name}: {seen.how} snapshot ({state}), {seen.events} events changed")
            if seen.warning:
                click.echo(f"      warning: {seen.warning}")
        session.commit()


@availability.command("add")
@click.argument("url")
@click.option("--provider", required=True, help="Entity slug of the provider (openai, mistral-ai...).")
@click.option("--service", required=True, help='The service as people name it ("Le Chat").')
@click.option("--selector", required=True, help="CSS selector of the element that bounds the list of countries.")
@click.option("--after", help="The list is the first one after this text inside that element.")
@click.option("--service-entity", help="Entity slug of the service, linked to its events.")
@click.option("--no-poll", is_flag=True, help="Only subscribe; fetch at the next poll.")
def add(url, provider, service, selector, after, service_entity, no_poll):
    """Watch another provider's supported-countries page (the defaults: `kb sources add-defaults`)."""
    from kb.availability_sources import KIND
    from kb.context import open_kb
    from kb.pipeline import poll
    from kb.store import add_source

    settings = {"provider": provider, "service": service, "selector": selector}
    settings.update({k: v for k, v in (("after", after), ("service_entity", service_entity)) if v})
    kb = open_kb()
    with kb.session() as session:
        source = add_source(
            session,
            url=url,
            kind=KIND,
            title=f"{service}: supported countries",
            settings=settings,
            allow_private=kb.config.allow_private_addresses,
        )
        session.commit()
    click.echo(f"added source {source.id}: {source.title} {source.url}")
    if not no_poll and source.id is not None:
        outcome = poll(kb, [source.id]).outcomes[0]
        said = outcome.error or outcome.warning
        click.echo(f"{outcome.status}: {said}" if said else outcome.status)


@availability.command("accept")
@click.argument("source_id", type=int)
def accept(source_id):
    """Take a source's held-back list (it shrank more than KB_AVAILABILITY_MAX_SHRINK at once) as real."""
    from kb.context import open_kb
    from kb.snapshots import accept_held_back
    from kb.store import get_source

    kb = open_kb()
    with kb.session() as session:
        snapshot = accept_held_back(session, get_source(session, source_id), registry=kb.linker.registry)
        session.commit()
    click.echo(f"source {source_id}: the list of {len(snapshot.extracted)} countries is now its latest")


@click.command("add-defaults")
@click.option("--no-poll", is_flag=True, help="Only subscribe; fetch at the next poll.")
def add_defaults(no_poll):
    """Subscribe the providers' own availability pages (data/availability/sources.yaml) and the
    sites without feeds (data/sources/page_lists.yaml)."""
    from kb import page_list_sources
    from kb.availability_sources import add_defaults as subscribe
    from kb.context import open_kb
    from kb.pipeline import poll

    kb = open_kb()
    with kb.session() as session:
        added, updated = subscribe(session, allow_private=kb.config.allow_private_addresses)
        more, changed = page_list_sources.add_defaults(session, allow_private=kb.config.allow_private_addresses)
        added, updated = added + more, updated + changed
        session.commit()
    for source in added:
        click.echo(f"added source {source.id}: {source.title} {source.url}")
    for source in updated:
        click.echo(f"updated the settings of source {source.id}: {source.title}")
    click.echo(f"{len(added)} added, {len(updated)} updated")
    if added and not no_poll:
        summary = poll(kb, [s.id for s in added if s.id is not None])
        click.echo(summary.line())
