"""`kb watch`: follow a search, an entity or a timeline filter; see what is new in it.

Registered in kb/cli.py with `cli.add_command(watch)`. A watch is a configuration
row, like a source: these commands write it themselves; documents and events are
only ever written by the writer.
"""

from __future__ import annotations

import json
import sys

import click

from kb.cli_params import DATE
from kb.context import open_kb
from kb.errors import KBError, UserInputError


@click.group("watch")
def watch():
    """Follow searches, entities and timeline filters (each one is also an Atom feed)."""


@watch.command("add")
@click.argument("kind", type=click.Choice(["search", "entity", "timeline"]))
@click.argument("text", required=False, default="")
@click.option("--source", "sources", multiple=True, help="search: a source id (repeatable).")
@click.option("--kind", "kinds", multiple=True, help="search: a document kind; timeline: an event kind or group.")
@click.option("--entity", "entities", multiple=True, help="search, timeline: an entity slug (repeatable).")
@click.option("--jurisdiction", help="timeline: the acting government's ISO code (US, CN...).")
@click.option("--status", help="timeline: a rule status (final, in_force, rescinded...).")
@click.option("--since", type=DATE, help="On or after this day (YYYY-MM-DD).")
@click.option("--until", type=DATE, help="On or before this day (YYYY-MM-DD).")
@click.option("--name", help="A name; by default one made from what is followed.")
@click.option("--webhook", help="POST new items as JSON to this http(s) URL.")
@click.option("--email", "emails", multiple=True, help="Send a digest of new items to this address (repeatable).")
def watch_add(kind, text, sources, kinds, entities, jurisdiction, status, since, until, name, webhook, emails):
    """Follow KIND: `search "WORDS"`, `entity SLUG` or `timeline` (with filters).

    \b
    kb watch add search "H20 license" --since 2025-01-01
    kb watch add entity nvidia --webhook https://example.org/hook
    kb watch add timeline --kind rule --jurisdiction US --email analyst@example.org
    """
    from kb import watches

    params: dict[str, list[str]] = {
        "source": list(sources),
        "kind": list(kinds),
        "entity": list(entities),
        "jurisdiction": [jurisdiction] if jurisdiction else [],
        "status": [status] if status else [],
        "since": [since.isoformat()] if since else [],
        "until": [until.isoformat()] if until else [],
    }
    if kind == "search":
        params["q"] = [text] if text else []
    elif kind == "entity":
        if not text:
            raise UserInputError("kb watch add entity SLUG: name the entity (see `kb entities`)")
        params["id"] = [text]
    elif text:
        raise UserInputError("a timeline watch takes filters (--entity, --kind...), not words")
    unused = sorted(k for k, v in params.items() if v and k not in watches.PARAMS[kind])
    if unused:
        raise UserInputError(f"a {kind} watch does not take --{', --'.join(unused)}")
    kb = open_kb()
    with kb.session() as session:
        if watches.find(session, kind, params) is not None and not (webhook or emails):
            existing = watches.find(session, kind, params)
            assert existing is not None
            click.echo(f"already followed: watch {existing.id} ({existing.name})")
            return
        row = watches.add(
            session, kind, params, name=name, notify={"webhook": webhook, "email": list(emails) if emails else None}
        )
    click.echo(f"added watch {row.id}: {row.name}")
    click.echo(f"    feed: /{watches.feed_path(row)}")


@watch.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def watch_list(as_json):
    """Every watch, with the number of items new since it was last seen."""
    from kb import watches

    kb = open_kb(read_only=True)
    with kb.session() as session:
        rows = [(w, watches.new_count(kb, session, w)) for w in watches.all_watches(session)]
    if as_json:
        click.echo(json.dumps([watches.as_json(w, new=n) for w, n in rows], indent=2))
        return
    if not rows:
        click.echo('no watches yet: `kb watch add search "WORDS"`, `kb watch add entity SLUG`')
    for w, n in rows:
        new = f"{n}+" if n >= watches.NEW_LIMIT else str(n)
        click.echo(f"{w.id:>4}  {w.kind:<8} {new:>5} new  {w.name}")
        if w.alert_error:
            click.echo(f"      alerts failing ({w.alert_failures}x): {w.alert_error}")


@watch.command("show")
@click.argument("watch_id", type=int)
@click.option("--all", "show_all", is_flag=True, help="The latest items, not only the new ones.")
@click.option("--keep-unseen", is_flag=True, help="Do not mark the new items as seen.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def watch_show(watch_id, show_all, keep_unseen, as_json):
    """What is new in a watch since it was last seen (then marked seen)."""
    from kb import watches

    kb = open_kb(read_only=keep_unseen)
    with kb.session() as session:
        row = watches.get(session, watch_id)
        seen_before = row.last_seen_at
        found = watches.items(kb, session, row) if show_all else watches.new_items(kb, session, row)
        if not keep_unseen:
            watches.mark_seen(session, watch_id)
    if as_json:
        click.echo(
            json.dumps({"watch": watches.as_json(row), "items": [watches.item_json(i) for i in found]}, indent=2)
        )
        return
    what = "latest" if show_all else "new since " + seen_before.strftime("%Y-%m-%d %H:%M")
    click.echo(f"watch {row.id}: {row.name} ({len(found)} {what})")
    for item in found:
        click.echo(f"  {item.updated:%Y-%m-%d %H:%M}  {item.kind:<8} {item.title}")
        if item.source_url:
            click.echo(f"      {item.source_url}")


@watch.command("remove")
@click.argument("watch_id", type=int)
def watch_remove(watch_id):
    """Stop following (its feed URL stops answering)."""
    from kb import watches

    kb = open_kb()
    with kb.session() as session:
        watches.remove(session, watch_id)
    click.echo(f"removed watch {watch_id}")


@watch.command("send-alerts")
def watch_send_alerts():
    """Send the watches' unsent alerts now (the writer sends them after every poll that stores news).

    A running writer is asked to do it; without one it is done here. Exit code 1
    when a watch's alerts are failing.
    """
    from kb import alerts, watches, writer

    kb = open_kb()
    if writer.writer_running(kb):
        click.echo("a writer is running: asked it to send the alerts", err=True)
        answer = writer.wait_for(kb, writer.request(kb, "alerts"), timeout=900)
        if answer is None or answer.status not in ("done", "failed"):
            raise KBError("the writer has not sent the alerts yet; `kb watch list` shows failing ones")
        if answer.status == "failed":
            raise KBError(f"the writer could not send the alerts: {answer.error}")
        click.echo(answer.result)
    else:
        click.echo(alerts.send_alerts(kb).line())
    with kb.session() as session:
        failing = [w for w in watches.all_watches(session) if w.alert_failures]
    for w in failing:
        click.echo(f"watch {w.id} ({w.name}): alerts failing ({w.alert_failures}x): {w.alert_error}", err=True)
    if failing:
        sys.exit(1)
