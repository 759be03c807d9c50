"""The bundled demo corpus, loaded through the same ingestors as live sources: the feeds
through the feed parser, the providers' availability pages (dated copies written by the
project) through the page parser, oldest copies as history and the newest as the source."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from kb.availability_sources import default_pages
from kb.context import KB
from kb.errors import KBError
from kb.pipeline import PollSummary, poll
from kb.settings import DATA_DIR
from kb.snapshots import date_in_name, load_saved_copy
from kb.store import add_source, find_source_by_url

DEMO_DIR = DATA_DIR / "demo"
PAGES_DIR = DEMO_DIR / "availability"  # <key>/<YYYY-MM-DD>.html, one folder per default page
SCREENING_FILE = DEMO_DIR / "screening" / "consolidated.json"
DEMO_SUFFIXES = (".xml", ".atom", ".rss", ".json")


def demo_files() -> list[Path]:
    if not DEMO_DIR.is_dir():
        raise KBError(f"the demo corpus is missing: {DEMO_DIR} (reinstall the package)")
    return sorted(p for p in DEMO_DIR.iterdir() if p.suffix in DEMO_SUFFIXES)


def load_demo(kb: KB, progress=None) -> PollSummary:
    """Subscribe to every demo feed (as a local file), poll them now, then load the curated
    timeline (after the reports, so that their events merge into the curated ones)."""
    from kb.events import load_curated

    ids: list[int] = []
    with kb.session() as session:
        for path in demo_files():
            url = path.as_uri()
            source = find_source_by_url(session, url) or add_source(
                session, url=url, kind="feed", settings={"local": True, "demo": True}, allow_file=True
            )
            if source.id is not None:
                ids.append(source.id)
        ids += load_saved_pages(kb, session)
        session.commit()
    summary = poll(kb, ids, force=True, progress=progress)
    with kb.session() as session:
        load_curated(session, linker=kb.linker)
        lists = screening_list_source(session)
        session.commit()
    # The screening list after the curated timeline: a listing the timeline already has joins it.
    summary.outcomes += poll(kb, lists, force=True, progress=progress).outcomes
    return summary


def screening_list_source(session: Session) -> list[int]:
    """The demo's copy of the Consolidated Screening List (written by the project in the download's
    layout), subscribed as a local source of kind `csl`."""
    path = SCREENING_FILE
    if not path.is_file():
        return []
    url = path.as_uri()
    source = find_source_by_url(session, url) or add_source(
        session,
        url=url,
        kind="csl",
        title="Consolidated Screening List (demo copy)",
        settings={"local": True, "demo": True},
        allow_file=True,
    )
    return [source.id] if source.id is not None else []


def load_saved_pages(kb: KB, session: Session) -> list[int]:
    """Subscribe each default availability page whose dated copies the demo has: the newest copy
    is the source (polled like a live page), the older ones are loaded as its history."""
    ids = []
    for page in default_pages():
        copies = sorted((PAGES_DIR / page.key).glob("*.html"))
        if not copies:
            continue
        url = copies[-1].as_uri()
        settings = {**page.settings, "page_url": page.url, "local": True, "demo": True}
        source = find_source_by_url(session, url) or add_source(
            session, url=url, kind="availability", title=page.title, settings=settings, allow_file=True
        )
        for path in copies[:-1]:
            day = date_in_name(path)
            if day is not None:
                load_saved_copy(
                    session,
                    source,
                    path,
                    day,
                    max_shrink=kb.config.availability_max_shrink,
                    registry=kb.linker.registry,
                )
        if source.id is not None:
            ids.append(source.id)
    return ids


def is_empty(kb: KB) -> bool:
    from sqlmodel import select

    from kb.models import Source

    with kb.session() as session:
        return session.exec(select(Source.id).limit(1)).first() is None
