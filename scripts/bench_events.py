"""Benchmark: event extraction, in documents per second.

Reads the demo corpus through the feed parser and repeats it to N documents
(default 2,000), then measures two things:

1. extraction alone: `kb.events.extract_events` on each document (sentence
   splitting, trigger lexicon, dateparser, entity linking), no database;
2. the pipeline stage: the documents stored in a throwaway KB_HOME and read
   by `kb.events.extract_documents` (extraction, clustering onto events,
   evidence rows), timed on its own.

    python scripts/bench_events.py [--documents 2000] [--home DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.feeds import parse_feed
from kb.demo import demo_files


def corpus(count: int) -> list:
    """The demo items, repeated (with new guids) to `count` documents."""
    items = [item for path in demo_files() for item in parse_feed(path.read_bytes(), path.as_uri()).items]
    return [replace(items[n % len(items)], guid=f"bench-{n}") for n in range(count)]


def bench_extraction(items: list) -> tuple[float, int]:
    from kb.entities import current_linker
    from kb.events import extract_events
    from kb.events.dates import warm_up

    linker = current_linker()
    warm_up()
    started, found = time.perf_counter(), 0
    for item in items:
        published = (item.published or item.updated).date()
        found += len(extract_events(item.body, published, linker=linker, language=item.language, title=item.title))
    return time.perf_counter() - started, found


def bench_stage(items: list, home: Path) -> tuple[float, int, int]:
    os.environ["KB_HOME"] = str(home)
    from sqlmodel import func, select

    from kb import settings
    from kb.context import open_kb
    from kb.entities import link_documents
    from kb.events import extract_documents, load_curated
    from kb.models import Event
    from kb.store import add_source, upsert_items

    kb = open_kb(settings.load())
    with kb.session() as session:
        source = add_source(session, url="https://example.org/bench.xml", kind="feed")
        ids = upsert_items(session, source=source, items=items).new
        link_documents(session, ids)
        load_curated(session)
        session.commit()
        started = time.perf_counter()
        found = extract_documents(session, ids)
        session.commit()
        elapsed = time.perf_counter() - started
        events = session.exec(select(func.count()).select_from(Event)).one()
    return elapsed, found, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--home", type=Path, help="KB_HOME to fill (default: a temporary directory)")
    args = parser.parse_args()
    items = corpus(args.documents)
    print(f"corpus: {len(items)} documents (the demo corpus repeated)")
    for run in ("first", "second"):  # dateparser fills internal caches during the first pass
        elapsed, found = bench_extraction(items)
        print(
            f"extraction alone, {run} pass: {elapsed:.2f} s, {len(items) / elapsed:,.0f} documents/s, "
            f"{found} candidate events ({found / len(items):.2f} per document)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, found, events = bench_stage(items, args.home or Path(tmp) / "kbhome")
    print(
        f"pipeline stage (extract + cluster + store): {elapsed:.2f} s, {len(items) / elapsed:,.0f} documents/s, "
        f"{found} candidates onto {events} events"
    )


if __name__ == "__main__":
    main()
