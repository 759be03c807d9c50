"""The bundled demo corpus, loaded through the same feed ingestor as live feeds."""

from __future__ import annotations

from pathlib import Path

from kb.context import KB
from kb.errors import KBError
from kb.pipeline import PollSummary, poll
from kb.settings import DATA_DIR
from kb.store import add_source, find_source_by_url

DEMO_DIR = DATA_DIR / "demo"
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
        session.commit()
    summary = poll(kb, ids, force=True, progress=progress)
    with kb.session() as session:
        load_curated(session, linker=kb.linker)
        session.commit()
    return summary


def is_empty(kb: KB) -> bool:
    from sqlmodel import select

    from kb.models import Source

    with kb.session() as session:
        return session.exec(select(Source.id).limit(1)).first() is None
