"""`kb listings`: the parties of a screening list (a `csl` source), and the lines `kb entity`
prints about an entity's own listings.

Registered in kb/cli.py with `cli.add_command(listings)`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # only named in annotations: `kb search` imports this module but needs no models
    from kb.models import ListedParty


def listing_line(party: ListedParty) -> str:
    """ "Entity List since 2025-01-16 (90 FR 4617)", with the removal when there was one."""
    from kb.listings import LIST_NAMES

    where = LIST_NAMES.get(party.list_code, party.list_name).removeprefix("the ")
    since = f" since {party.start_date.isoformat()}" if party.start_date else ""
    cite = f" ({party.citation})" if party.citation else ""
    removed = f", removed (seen {party.removed_at.date().isoformat()})" if party.removed_at else ""
    return f"{where}{since}{cite}{removed}: {party.name}"


def party_json(party: ListedParty) -> dict:
    return party.model_dump(mode="json", exclude={"id", "source_id", "event_id", "removal_event_id"})


@click.command("listings")
@click.option("--list", "list_code", default="EL", show_default=True, help="List code: EL, MEU, UVL...")
@click.option("--country", help="Only parties with an address in this country (ISO code, e.g. CN).")
@click.option("--removed", is_flag=True, help="Also the parties a later version no longer lists.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def listings(list_code, country, removed, as_json):
    """The parties of a screening list with counts by country and month (a `csl` source's data)."""
    from kb.context import open_kb
    from kb.listings import roster

    with open_kb(read_only=True).session() as session:
        result = roster(session, list_code.upper(), include_removed=removed)
    parties = [p for p in result.parties if not country or country.upper() in p.countries]
    if as_json:
        out = {
            "list": result.list_code,
            "by_country": dict(result.by_country),
            "by_month": dict(result.by_month),
            "parties": [party_json(p) for p in parties],
        }
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if not result.parties:
        click.echo(f"no parties of list {list_code.upper()}: subscribe the list with `kb sources add URL --kind csl`")
        return
    click.echo(f"{len(parties)} parties · by country: " + ", ".join(f"{c} {n}" for c, n in result.by_country))
    for p in parties:
        since = p.start_date.isoformat() if p.start_date else "          "
        entity = f"  [{p.entity_slug}]" if p.entity_slug else ""
        gone = "  (removed)" if p.removed_at else ""
        click.echo(f"  {since}  {p.country or '--'}  {p.name}{entity}  {p.citation or ''}{gone}")
