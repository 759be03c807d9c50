"""The `kb` command line: a thin layer of calls into the library."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from kb import settings
from kb.availability_cli import add_defaults, availability
from kb.cli_params import DATE
from kb.context import explain, open_kb
from kb.db import storage_errors
from kb.entities_cli import entities, link_registry
from kb.errors import KBError, UserInputError
from kb.listings_cli import listings
from kb.timeline_cli import timeline
from kb.watch_cli import watch


def _kb(*, read_only: bool = False):
    """The knowledge base; read-only commands open it without migrating or creating anything
    (they work on a read-only KB_HOME), every other command for writing."""
    return open_kb(read_only=read_only)


def _link_registry(kb) -> None:
    """Bring the entity links up to date with the registry before reading them."""
    link_registry(kb)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """AI policy knowledge base: follow export rules and AI provider changes."""


@cli.command()
def init():
    """Create or upgrade the database and the search index under KB_HOME."""
    kb = _kb()
    kb.index  # noqa: B018  (opening creates an empty index)
    click.echo(f"knowledge base ready in {kb.config.home}")


@cli.command("settings")
@click.option("--markdown", is_flag=True, help="The README's table of settings and their defaults.")
def show_settings(markdown):
    """List every setting with its environment variable and current value."""
    if markdown:
        click.echo(settings.markdown_table())
        return
    config = settings.load()
    for env, default, help_ in settings.describe():
        name = next(s.name for s in settings.SETTINGS if s.env == env)
        click.echo(f"{env}={getattr(config, name)}\n    {help_} (default: {default or 'derived'})")


@cli.group()
def sources():
    """Manage subscriptions."""


@sources.command("add")
@click.argument("url")
@click.option("--title", default="", help="A title; by default the feed's own.")
@click.option(
    "--kind",
    type=click.Choice(["feed", "article", "page_list", "federal_register", "availability"]),
    default="feed",
    show_default=True,
    help="feed; article (one page, followed); page_list (a listing page read with --rule selectors).",
)
@click.option("--full-text", is_flag=True, help="feed: fetch each new item's page for its whole text.")
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="NAME=VALUE",
    help="page_list: item, link, title, date, summary, next (CSS selectors), max_pages, language (repeatable).",
)
@click.option("--doc-kind", help="The kind of its documents (article and page_list): news, press_release, notice...")
@click.option("--no-poll", is_flag=True, help="Only subscribe; fetch at the next poll.")
def sources_add(url, title, kind, full_text, rules, doc_kind, no_poll):
    """Subscribe to URL (and fetch it once; exits non-zero when that fetch fails)."""
    from kb.pipeline import poll
    from kb.store import add_source

    settings = _source_settings(kind, full_text, rules, doc_kind)
    kb = _kb()
    with kb.session() as session:
        source = add_source(
            session, url=url, kind=kind, title=title, settings=settings, allow_private=kb.config.allow_private_addresses
        )
        session.commit()
        click.echo(f"added source {source.id}: {source.url}")
    if not no_poll and source.id is not None:
        summary = poll(kb, [source.id])
        _echo_outcomes(summary)
        if summary.count("failed"):
            raise KBError(
                f"source {source.id} was added, but its first fetch failed; it will be tried again at each poll"
            )


def _source_settings(kind: str, full_text: bool, rules: tuple[str, ...], doc_kind: str | None) -> dict:
    """A new source's settings from the command line, checked before anything is saved."""
    from kb.articles import listing_settings

    settings: dict = {}
    if full_text:
        if kind != "feed":
            raise UserInputError("--full-text is for feeds (article and page_list sources always read pages)")
        settings["full_text"] = True
    if rules and kind != "page_list":
        raise UserInputError("--rule is for page_list sources")
    if kind == "page_list":
        settings["listing"] = listing_settings(rules, "--rule")
    if doc_kind:
        settings["kind"] = doc_kind
    return settings


@cli.command("ingest-url")
@click.argument("url")
@click.option("--doc-kind", default="news", show_default=True, help="The document's kind.")
def ingest_url(url, doc_kind):
    """Read one article page into the knowledge base, once (not followed; run again to re-read it)."""
    from sqlmodel import select

    from kb.articles import once_source
    from kb.models import Document
    from kb.pipeline import poll

    kb = _kb()
    with kb.session() as session:
        source_id = once_source(session, url, doc_kind=doc_kind, allow_private=kb.config.allow_private_addresses)
        session.commit()
    [outcome] = poll(kb, [source_id], force=True).outcomes
    with kb.session() as session:
        doc = session.exec(select(Document).where(Document.source_id == source_id)).first()
    if outcome.status == "failed" or doc is None:
        raise KBError(f"could not ingest {url}: {outcome.error or 'no document came of it'}")
    when = doc.published_at.date().isoformat() if doc.published_at else "undated"
    origin = f", date from the {doc.date_source}" if doc.date_source else ""
    click.echo(f"document {doc.id}: {doc.title} ({when}{origin}); {len(doc.body.split())} words")


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def sources_list(as_json):
    """List subscriptions with status, last check and last error."""
    from kb.store import document_counts, list_sources

    kb = _kb(read_only=True)
    with kb.session() as session:
        rows, counts = list_sources(session), document_counts(session)
    if as_json:
        click.echo(
            json.dumps([dict(s.model_dump(mode="json"), documents=counts.get(s.id or 0, 0)) for s in rows], indent=2)
        )
        return
    if not rows:
        click.echo("no sources yet: `kb sources add URL` or `kb demo`")
    for s in rows:
        checked = s.checked_at.strftime("%Y-%m-%d %H:%M") if s.checked_at else "never"
        state = s.status if s.enabled else "disabled"
        click.echo(f"{s.id:>4}  {state:<9} {counts.get(s.id or 0, 0):>6} docs  checked {checked}  {s.title or s.url}")
        if s.title:
            click.echo(f"      {s.url}")
        if s.last_error:
            click.echo(f"      last error ({s.error_count}x): {s.last_error}")
        if s.warning:
            click.echo(f"      warning: {s.warning}")


@sources.command("enable")
@click.argument("source_id", type=int)
def sources_enable(source_id):
    """Poll this source again."""
    _set_enabled(source_id, True)


@sources.command("disable")
@click.argument("source_id", type=int)
def sources_disable(source_id):
    """Stop polling this source (its documents stay)."""
    _set_enabled(source_id, False)


def _set_enabled(source_id: int, enabled: bool) -> None:
    from kb.store import get_source

    kb = _kb()
    with kb.session() as session:
        source = get_source(session, source_id)
        source.enabled = enabled
        session.commit()
    click.echo(f"source {source_id} {'enabled' if enabled else 'disabled'}")


@sources.command("remove")
@click.argument("source_id", type=int)
@click.option("--keep-documents", is_flag=True, help="Keep its documents (the source is only unsubscribed).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def sources_remove(source_id, keep_documents, yes):
    """Remove a source and its documents (also from the search index), or unsubscribe and keep them."""
    from kb import writer
    from kb.store import document_counts, get_source

    kb = _kb()
    with kb.session() as session:
        source = get_source(session, source_id)
        name, count = source.title or source.url, document_counts(session).get(source_id, 0)
    what = "keep its documents" if keep_documents else f"delete its {count} documents"
    if not yes and not click.confirm(f"remove source {source_id} ({name}) and {what}?"):
        raise UserInputError("nothing removed")
    if writer.writer_running(kb):
        request = writer.request(kb, "remove_source", source_id=source_id, keep_documents=keep_documents)
        answer = writer.wait_for(kb, request, timeout=600)
        if answer is None or answer.status != "done":
            raise KBError(f"the writer could not remove source {source_id}: {answer.error if answer else 'no answer'}")
        click.echo(answer.result)
        return
    click.echo(writer.remove_source(kb, source_id, keep_documents=keep_documents))


@sources.command("rename")
@click.argument("source_id", type=int)
@click.argument("title")
def sources_rename(source_id, title):
    """Give a source a title of your own ("" goes back to showing its URL)."""
    from kb.store import rename_source

    kb = _kb()
    with kb.session() as session:
        source = rename_source(session, source_id, title)
        session.commit()
        click.echo(f"source {source_id} is now called {source.title or source.url}")


@sources.command("set-interval")
@click.argument("source_id", type=int)
@click.argument("interval")
def sources_set_interval(source_id, interval):
    """Poll a source every INTERVAL (30m, 6h, 2d, seconds, or "default" for KB_POLL_INTERVAL)."""
    from kb.store import set_interval

    seconds = _parse_interval(interval)
    kb = _kb()
    with kb.session() as session:
        source = set_interval(session, source_id, seconds)
        session.commit()
        when = source.next_check_at.strftime("%Y-%m-%d %H:%M") if source.next_check_at else "not scheduled"
    every = "the default interval" if seconds is None else f"every {interval_label(seconds)}"
    click.echo(f"source {source_id} is polled {every}; next check {when}")


def _parse_interval(text: str) -> int | None:
    """30m, 6h, 2d or a number of seconds; "default" gives None."""
    text = text.strip().lower()
    if text in ("default", "none", ""):
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    try:
        return int(float(number) * units[unit])
    except ValueError:
        raise UserInputError(f"interval {text!r}: expected e.g. 30m, 6h, 2d or a number of seconds") from None


def interval_label(seconds: int) -> str:
    """6 hours, 30 minutes, 2 days."""
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} seconds"


@sources.command("import-opml")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Only say what would be imported.")
def sources_import_opml(file, dry_run):
    """Subscribe to the feeds of an OPML file (a feed reader's export); duplicates are left out."""
    from kb.opml import apply_import, plan_import

    data = file.read()
    kb = _kb(read_only=dry_run)
    with kb.session() as session:
        plan = plan_import(session, data, allow_private=kb.config.allow_private_addresses)
        if not dry_run:
            apply_import(session, plan)
            session.commit()
    click.echo(f"{plan.summary()}{' (dry run: nothing imported)' if dry_run else ''}")
    for outline in plan.skipped:
        click.echo(f"  skipped {outline.url}: {outline.note}")


@sources.command("export-opml")
@click.option("-o", "--output", type=click.File("wb"), default="-", help="Write to this file instead of stdout.")
def sources_export_opml(output):
    """Write the feed sources as OPML 2.0, for Miniflux, FreshRSS, NetNewsWire and other readers."""
    from kb.opml import export_opml, left_out_note

    kb = _kb(read_only=True)
    with kb.session() as session:
        document, note = export_opml(session), left_out_note(session)
    output.write(document)
    if note:
        click.echo(note, err=True)


@cli.command("run")
@click.option("--once", is_flag=True, help="One full round (every due source, every request), then stop.")
@click.option("--exit-with", "parent", type=int, hidden=True, help="Stop when this process ends (the app's child).")
def run_writer(once, parent):
    """Run the writer: poll due sources on their schedule and answer the app's requests, until stopped."""
    import signal

    from kb.writer import Writer

    kb = _kb()
    writer = Writer(kb, on_outcome=_echo_outcome, parent_pid=parent)
    if once:
        writer.run_until_idle()
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: writer.stop())
    click.echo(f"writer running for {kb.config.home} (stop with Ctrl-C)", err=True)
    writer.run()
    click.echo("writer stopped", err=True)


def _echo_outcome(o) -> None:
    detail = o.error or o.warning or (f"{o.new} new, {o.updated} updated" if o.status == "ok" else "")
    click.echo(f"source {o.source_id}: {o.status}{': ' + detail if detail else ''}")


@cli.command()
@click.option("--all", "everything", is_flag=True, help="Check every enabled source, due or not.")
@click.option("--source", "source_ids", type=int, multiple=True, help="Only this source id (repeatable).")
def poll(everything, source_ids):
    """Check every due source for new and updated documents."""
    from kb.pipeline import due_sources
    from kb.pipeline import poll as run_poll
    from kb.store import get_source

    kb = _kb()
    with kb.session() as session:
        for source_id in source_ids:
            get_source(session, source_id)
        ids = list(source_ids) or due_sources(session, include_all=everything)
    with click.progressbar(length=len(ids), label="polling", file=sys.stderr) as bar:
        summary = run_poll(kb, ids, force=False, progress=lambda _o: bar.update(1))
    _echo_outcomes(summary)
    if summary.new or summary.updated:  # as the writer does after it stores something
        from kb.alerts import send_alerts

        sent = send_alerts(kb)
        if sent.sent or sent.failed or sent.busy:
            click.echo(sent.line())


def _echo_outcomes(summary) -> None:
    for o in summary.outcomes:
        if o.error:
            click.echo(f"source {o.source_id}: failed: {o.error}")
        elif o.warning:
            click.echo(f"source {o.source_id}: warning: {o.warning}")
    click.echo(summary.line())


@cli.command()
@click.argument("query", required=False, default="")
@click.option("--since", type=DATE, help="Published on or after (YYYY-MM-DD).")
@click.option("--until", type=DATE, help="Published on or before (YYYY-MM-DD).")
@click.option("--source", "sources_", multiple=True, help="Source id (repeatable).")
@click.option("--kind", "kinds", multiple=True, help="Document kind: news, rule, notice... (repeatable).")
@click.option("--entity", "entities", multiple=True, help="Entity slug (repeatable).")
@click.option("--sort", type=click.Choice(["relevance", "date", "oldest"]), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="Hits per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def search(query, since, until, sources_, kinds, entities, sort, limit, page, as_json):
    """Search the knowledge base (words, "phrases", OR, -word, entity:, kind:, date:)."""
    with _no_blas_threads():  # numpy is first imported by kb.search
        from kb.search import SearchRequest
        from kb.search import search as run_search

    if since and until and since > until:
        raise UserInputError(f"--since {since} is after --until {until}")
    kb = _kb(read_only=True)
    request = SearchRequest(
        query=query,
        sources=list(sources_),
        kinds=list(kinds),
        entities=list(entities),
        since=since,
        until=until,
        sort=sort,
        page=page,
        per_page=limit,
        facets=as_json,  # only the JSON shows them
    )
    with kb.reading() as conn:  # no ORM session, no SQLAlchemy: search reads its rows with plain SQL
        result = run_search(kb.index, conn, request)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    _echo_result(result)


@contextmanager
def _no_blas_threads() -> Iterator[None]:
    """While numpy is first imported: ask its OpenBLAS for no thread pool, unless
    OPENBLAS_NUM_THREADS is set already.

    Searching does no linear algebra, and OpenBLAS starts a thread per core when it is loaded,
    which spins on a core for a while: on a busy two-core machine a cold `kb search` took
    0.65 s with the pool and 0.50 s without. OpenBLAS reads the setting once, when loaded; it
    is taken back after, so that nothing this process starts inherits it."""
    if "numpy" in sys.modules or "OPENBLAS_NUM_THREADS" in os.environ:
        yield
        return
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        os.environ.pop("OPENBLAS_NUM_THREADS", None)


def _echo_result(result) -> None:
    if result.note:
        click.echo(f"note: {result.note}")
    click.echo(f"{result.total} results (page {result.request.page} of {result.pages})")
    if result.suggestion:
        click.echo(f"did you mean: {result.suggestion}")
    if result.entities:
        click.echo("entity pages: " + ", ".join(f"{name} (kb entity {slug})" for slug, name, _ in result.entities))
    for hit in result.hits:
        when = hit.published.strftime("%Y-%m-%d") if hit.published else "undated"
        click.echo("")
        click.echo(f"{when}  {click.style(hit.title, bold=True)}  [{hit.source_title}] #{hit.id}")
        snippet = "".join(click.style(t, fg="yellow", bold=True) if m else t for t, m in hit.snippet)
        click.echo("    " + " ".join(snippet.split()))
        if hit.entities:
            click.echo("    entities: " + ", ".join(hit.entities))
        if hit.url:
            click.echo(f"    {hit.url}")


@cli.command()
def reindex():
    """Rebuild the search index from the database (swapped in atomically)."""
    from kb import pending

    kb = _kb()
    if _asked_the_writer(kb, "reindex"):
        return
    count = pending.rebuild(kb)
    click.echo(f"indexed {count} documents into {kb.config.index_dir}")


def _asked_the_writer(kb, action: str) -> bool:
    """When a writer runs, hand it `action` and print its answer (True); else False: do it here."""
    from kb import writer

    if not writer.writer_running(kb):
        return False
    click.echo(f"a writer is running: asked it to {action}", err=True)
    answer = writer.wait_for(kb, writer.request(kb, action), timeout=3600)
    if answer is None or answer.status not in ("done", "failed"):
        raise KBError(f"the writer has not finished the {action} yet; `kb sources list` and the app show its progress")
    if answer.status == "failed":
        raise KBError(f"the writer could not {action}: {answer.error}")
    click.echo(answer.result or "done")
    return True


@cli.command()
def check():
    """Compare the search index with the database, and the entity counts with the mentions."""
    from kb import index as kb_index
    from kb.entity_counts import counted_co_mentions, counted_months, kept_co_mentions, kept_months

    kb = _kb(read_only=True)
    with kb.session() as session:
        report = kb_index.check(kb.index, session)
        kept = {"co-mention": kept_co_mentions(session), "month": kept_months(session)}
        counted = {"co-mention": counted_co_mentions(session), "month": counted_months(session)}
    for name, ours in kept.items():
        truth = counted[name]
        wrong = sorted({key for key in ours.keys() | truth.keys() if ours.get(key) != truth.get(key)})
        if wrong:
            click.echo(
                f"{len(wrong)} {name} counts differ from the mentions, e.g. {' '.join(map('/'.join, wrong[:5]))}"
            )
            click.echo(f"{name} counts inconsistent: run `kb link`")
    click.echo(f"{report.documents} documents in the database, {report.indexed} in the index")
    if report.pending:
        click.echo(
            f"{len(report.pending)} stored and waiting to be indexed: the next poll (or the running writer) indexes them"
        )
    if report.consistent:
        click.echo("index consistent")
        if kept == counted:
            return
        sys.exit(1)
    for label, ids in (
        ("missing from the index", report.missing),
        ("stale in the index", report.stale),
        ("in the index but not the database", report.orphans),
    ):
        if ids:
            click.echo(f"{len(ids)} {label}: {', '.join(map(str, ids[:20]))}{' ...' if len(ids) > 20 else ''}")
    click.echo("index inconsistent: run `kb reindex`")
    sys.exit(1)


@cli.command()
def link():
    """Reload the entity registry, relink every document and rebuild the index."""
    from kb import pending
    from kb.entities import relink_all
    from kb.events import ensure_events

    kb = _kb()
    if _asked_the_writer(kb, "relink"):
        return
    with kb.session() as session:
        entities, mentions = relink_all(session, kb.config.registry_dir)
        ensure_events(session, linker=kb.linker)
        session.commit()
    count = pending.rebuild(kb)
    click.echo(f"{entities} entities; {mentions} document-entity links; {count} documents re-indexed")


@cli.command()
@click.argument("slug")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--limit", type=click.IntRange(1, 200), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def entity(slug, page, limit, as_json):
    """One entity: profile, its documents, co-mentioned entities, mentions per month."""
    from kb.entities import entity_page

    kb = _kb(read_only=True)
    _link_registry(kb)
    from kb.entity_suggest import suggestion_line
    from kb.errors import NotFound

    with kb.session() as session:
        try:
            data = entity_page(session, slug, page=page, per_page=limit)
        except NotFound as exc:
            raise NotFound(f"{exc}{suggestion_line(session, slug)}") from None
    if as_json:
        click.echo(json.dumps(_entity_json(data), indent=2, ensure_ascii=False, default=str))
        return
    e = data.entity
    if e.slug != slug:
        click.echo(f"({slug} was merged into {e.slug})")
    click.echo(click.style(f"{e.name}", bold=True) + f"  [{e.kind}{', ' + e.country if e.country else ''}]  {e.slug}")
    if e.description:
        click.echo(e.description)
    if e.aliases:
        click.echo("aliases: " + ", ".join(e.aliases))
    for label, value in (("site", e.url), ("wikidata", e.wikidata)):
        if value:
            click.echo(f"{label}: {value}")
    _echo_listings(kb, e.slug)
    _echo_rules(kb, e)
    if data.events:
        click.echo(f"\nevents ({len(data.events)}):")
        for ev in data.events[:20]:
            click.echo(f"  {ev.date}  {ev.kind:<18} {ev.title}")
    click.echo(f"\ndocuments ({data.total_documents}, newest first):")
    for doc in data.documents:
        when = doc.published_at.strftime("%Y-%m-%d") if doc.published_at else "undated"
        click.echo(f"  {when}  {doc.title}  #{doc.id}")
    if data.co_mentions:
        click.echo("\nmentioned with: " + ", ".join(f"{o.slug} ({n})" for o, n in data.co_mentions))
    if data.per_month:
        click.echo("\nper month: " + ", ".join(f"{m}: {n}" for m, n in data.per_month))


def _echo_rules(kb, entity) -> None:
    """A rule's summary card, and the rules and regulatory actions that touched the entity."""
    from datetime import date

    from kb.rules import rule_card, rules_touching
    from kb.timeline import date_label

    with kb.session() as session:
        card = rule_card(session, entity.slug, date.today()) if entity.kind in ("regulation", "program") else None
        rows = rules_touching(session, kb.linker.registry, entity.slug)
    if card is not None:
        facts = [f"status: {card.status_label} since {card.since}" if card.status else ""]
        facts += [
            f"{label}: {day}"
            for label, day in (
                ("published", card.published),
                ("effective", card.effective),
                ("comments due", card.comment_deadline),
                ("compliance", card.compliance_date),
            )
            if day
        ]
        facts += (
            [f"Federal Register: {' '.join(x for x in (card.citation, card.document_number) if x)}"]
            if card.citation or card.document_number
            else []
        )
        facts += ["interim final rule in force"] if card.interim_final_in_force else []
        click.echo("rule: " + "; ".join(f for f in facts if f))
    if rows:
        click.echo(f"\nrules and regulatory actions ({len(rows)}):")
        for row in rows[:20]:
            via = f"  (through {', '.join(row.via)})" if row.via else ""
            click.echo(f"  {date_label(row.latest.date, row.latest.precision):<10}  {row.name}{via}")


def _echo_listings(kb, slug: str) -> None:
    """The screening lists that name the entity (from a `csl` source), with their citations."""
    from kb.listings import listings_of
    from kb.listings_cli import listing_line

    with kb.session() as session:
        parties = listings_of(session, slug)
    for party in parties:
        click.echo("listed: " + listing_line(party))


def _entity_json(data) -> dict:
    return {
        "entity": data.entity.model_dump(mode="json"),
        "total_documents": data.total_documents,
        "documents": [
            {
                "id": d.id,
                "title": d.title,
                "url": d.url,
                "kind": d.kind,
                "published": d.published_at.isoformat() if d.published_at else None,
            }
            for d in data.documents
        ],
        "co_mentions": [{"slug": o.slug, "name": o.name, "documents": n} for o, n in data.co_mentions],
        "per_month": [{"month": m, "documents": n} for m, n in data.per_month],
        "events": [ev.model_dump(mode="json") for ev in data.events],
    }


@cli.command()
def demo():
    """Load the bundled demo corpus (no network needed)."""
    from kb.demo import load_demo

    kb = _kb()
    summary = load_demo(kb)
    _echo_outcomes(summary)


cli.add_command(timeline)
cli.add_command(availability)
sources.add_command(add_defaults)
cli.add_command(listings)
cli.add_command(entities)
cli.add_command(watch)


# The checkout's .streamlit/config.toml, as flags: an installed package has no such file.
APP_FLAGS = (
    "--server.headless=true",
    "--server.fileWatcherType=none",
    "--browser.gatherUsageStats=false",
    "--client.toolbarMode=viewer",
    "--client.showErrorDetails=none",
)


@cli.command("app")
@click.option("--address", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True)
def app_cmd(address, port):
    """Start the web app (the same one as `streamlit run app.py` in a checkout)."""
    from importlib import resources

    script = str(resources.files("kb") / "webapp.py")
    argv = [sys.executable, "-m", "streamlit", "run", script, f"--server.address={address}", f"--server.port={port}"]
    click.echo(f"starting the app at http://{address}:{port}", err=True)
    sys.stderr.flush()
    os.execv(sys.executable, [*argv, *APP_FLAGS])  # streamlit takes over this process and its signals


def main(argv: list[str] | None = None) -> int:
    """Entry point: user mistakes become one line on stderr and exit code 1 or 2."""
    try:
        cli.main(args=argv, prog_name="kb", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return exc.exit_code
    except KBError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except storage_errors() as exc:  # a full disk, a read-only KB_HOME, a damaged database file
        problem = explain(exc)
        if problem is None:
            raise
        click.echo(f"error: {problem}", err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
