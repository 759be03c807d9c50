"""`kb entities`: the entity directory, and the names the registry does not know yet.

`kb entities [QUERY]` lists entities (as `kb entities list [QUERY]`); `kb entities candidates`,
`accept` and `reject` review the names that recur in documents (kb/name_candidates.py).
Registered in kb/cli.py with `cli.add_command(entities)`.
"""

from __future__ import annotations

import json

import click

KIND_HELP = "organization, government_body, country, person, ai_model, product, regulation, program"


def link_registry(kb) -> None:
    """Bring the entity links up to date with the registry before reading them."""
    from kb.context import bring_up_to_date
    from kb.entities import ensure_registry

    reason = bring_up_to_date(kb, lambda session: ensure_registry(session, kb.config.registry_dir))
    if reason:
        click.echo(f"warning: entity links not brought up to date with the registry: {reason}", err=True)


class _DirectoryByDefault(click.Group):
    """A group whose arguments, when they do not name a subcommand, go to `list`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@click.group("entities", cls=_DirectoryByDefault)
def entities():
    """The entity directory (`kb entities [QUERY]`), and names to add to the registry."""


@entities.command("list")
@click.argument("query", required=False, default="")
@click.option("--kind", help=KIND_HELP)
@click.option("--all", "include_unmentioned", is_flag=True, help="Include entities no document mentions.")
@click.option("--limit", type=click.IntRange(1, 1000), default=30, show_default=True)
def list_entities_cmd(query, kind, include_unmentioned, limit):
    """The entity directory, most-mentioned first."""
    from kb.context import open_kb
    from kb.entities import list_entities

    kb = open_kb(read_only=True)
    link_registry(kb)
    with kb.session() as session:
        rows, total = list_entities(
            session, query=query, kind=kind, with_documents=not include_unmentioned, limit=limit
        )
    click.echo(f"{total} entities")
    for e in rows:
        click.echo(f"{e.documents:>6} docs  {e.slug:<32} {e.name} ({e.kind})")


@entities.command("candidates")
@click.option("--refresh/--no-refresh", default=True, show_default=True, help="Scan the documents again first.")
@click.option("--status", type=click.Choice(["new", "accepted", "rejected"]), default="new", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def candidates_cmd(refresh, status, limit, as_json):
    """Names that recur in the documents but the registry does not know, most used first."""
    from kb import name_candidates as nc
    from kb.context import open_kb

    kb = open_kb()
    if refresh:
        nc.refresh(kb)
    with kb.session() as session:
        rows = nc.candidates(session, status=status, limit=limit)
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"no {status} name candidates")
    for r in rows:
        click.echo(f"{r.documents:>5} docs {r.count:>5}x  {r.kind:<16} {r.name}" + (f"  -> {r.slug}" if r.slug else ""))
        if r.examples:
            click.echo(f"      e.g. {r.examples[0][:160]}")


@entities.command("accept")
@click.argument("name")
@click.option("--kind", help=f"The entry's kind ({KIND_HELP}); by default the one its shape suggests.")
@click.option("--slug", help="The entry's slug; by default made from the name.")
@click.option("--alias", "aliases", multiple=True, help="Another name it goes by (repeatable).")
def accept_cmd(name, kind, slug, aliases):
    """Add a candidate name to the registry (KB_REGISTRY_DIR/accepted.yaml); `kb link` then links it."""
    from kb import name_candidates as nc
    from kb.context import open_kb

    slug = nc.accept(open_kb(), name, kind=kind, slug=slug, aliases=tuple(aliases))
    click.echo(f"added {slug} to the registry; run `kb link` to link the documents that name it")


@entities.command("reject")
@click.argument("name")
def reject_cmd(name):
    """Remember that a candidate name is not an entity: it is not proposed again."""
    from kb import name_candidates as nc
    from kb.context import open_kb

    nc.reject(open_kb(), name)
    click.echo(f"{name}: rejected")
