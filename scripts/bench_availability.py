"""Benchmark: one refresh of every default availability page, served from loopback.

Serves the newest demo copy of each page in data/availability/sources.yaml from a loopback
HTTP server (with an ETag), subscribes a throwaway KB_HOME to each with the page's own
selector, and times three polls of all of them: the first (the registry and curated timeline
loaded into a new store, then each list stored), a second with every page changed (a new list:
one country fewer, so each gives an event), and a third answered 304 everywhere. Then prints
how many bytes one snapshot takes: its row's values as stored (codes, entries, warnings, hash,
dates).

    python scripts/bench_availability.py [--home DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import func, select

from kb import settings
from kb.availability_sources import KIND, default_pages
from kb.context import open_kb
from kb.demo import PAGES_DIR
from kb.models import Event, Snapshot
from kb.pipeline import poll
from kb.store import add_source
from tests.helpers import LoopbackServer


def snapshot_bytes(snapshot: Snapshot) -> int:
    """The stored size of one snapshot row's values, JSON columns as the store writes them."""
    values = [
        json.dumps(snapshot.extracted),
        json.dumps(snapshot.entries),
        json.dumps(snapshot.warnings),
        snapshot.content_hash,
        snapshot.parse_status,
        snapshot.origin,
        snapshot.fetched_at.isoformat(),
        snapshot.last_seen_at.isoformat(),
        snapshot.page_updated.isoformat() if snapshot.page_updated else "",
    ]
    return sum(len(v.encode("utf-8")) for v in values) + 16  # + ids


def timed(kb, ids: list[int], label: str) -> None:
    started = time.perf_counter()
    summary = poll(kb, ids, force=False)
    elapsed = time.perf_counter() - started
    print(f"{label}: {elapsed:.2f} s wall ({summary.line()})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="KB_HOME to use (default: a temporary directory)")
    args = parser.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="kb-bench-availability-"))
    env = {
        "KB_HOME": str(home),
        "KB_ALLOW_PRIVATE_ADDRESSES": "1",
        "KB_REGISTRY_DIR": os.environ.get("KB_REGISTRY_DIR"),
    }
    kb = open_kb(settings.load({k: v for k, v in env.items() if v}))
    server = LoopbackServer()
    pages = default_pages()
    try:
        ids, bodies = [], {}
        with kb.session() as session:
            for page in pages:
                body = sorted((PAGES_DIR / page.key).glob("*.html"))[-1].read_bytes()
                bodies[page.key] = body
                url = server.add(f"/{page.key}", body, etag='"1"', headers={"Content-Type": "text/html"})
                source = add_source(session, url=url, kind=KIND, settings=page.settings, allow_private=True)
                assert source.id is not None
                ids.append(source.id)
            session.commit()
        total = sum(len(b) for b in bodies.values())
        print(f"{len(pages)} default pages ({total / 1024:.0f} KiB) on a loopback server; KB_HOME={home}")
        timed(kb, ids, "first refresh (new store: registry and curated timeline loaded, lists stored)")
        for page in pages:  # every page changes: Zimbabwe, on every list, goes
            changed = re.sub(rb"<li>(<p>)?Zimbabwe(</p>)?</li>", b"", bodies[page.key])
            server.add(f"/{page.key}", changed, etag='"2"', headers={"Content-Type": "text/html"})
        timed(kb, ids, "second refresh (every list changed)")
        timed(kb, ids, "third refresh (every page unchanged: 304)")
        with kb.session() as session:
            rows = list(session.exec(select(Snapshot)))
            events = session.exec(select(func.count(Event.id)).where(Event.origin == "availability_diff")).one()
        sizes = sorted(snapshot_bytes(s) for s in rows)
        print(f"{len(rows)} snapshots, {events} events from the changes")
        print(f"one snapshot stores {sizes[len(sizes) // 2]} bytes (median; {sizes[0]} to {sizes[-1]})")
    finally:
        server.close()
        kb.engine.dispose()


if __name__ == "__main__":
    main()
