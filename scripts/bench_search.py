"""Benchmark: search latency on a large synthetic corpus (default 100,000 documents).

Fills a throwaway KB_HOME with documents recombined from the demo corpus's
sentences, builds the index with `kb.index.rebuild`, then times typical
queries (each run several times; the median is printed): a very common
word, a phrase sorted by date, a faceted query, an entity filter, a
date-range filter, and a page deep into the results.

    python scripts/bench_search.py [--documents 100000] [--home DIR]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import func, select

from kb import index as kb_index
from kb import settings
from kb.context import open_kb
from kb.models import Document, Mention, Source
from kb.search import SearchRequest, search
from scripts.bench_linking import sentences

QUERIES = {
    "common word": SearchRequest(query="China", facets=False),
    "common word + facets": SearchRequest(query="China"),
    "phrase by date": SearchRequest(query='"export controls"', sort="date", facets=False),
    "phrase by date + facets": SearchRequest(query='"export controls"', sort="date"),
    "two words": SearchRequest(query="OpenAI API", facets=False),
    "entity filter": SearchRequest(query="entity:nvidia license", facets=False),
    "date range": SearchRequest(query="tokens date:[2024-06-01 to 2024-07-31]", facets=False),
    "everything by date, page 200": SearchRequest(query="", page=200, facets=False),
    "no match + suggestion": SearchRequest(query="Nvidai", facets=False),
}
SLUGS = ["china", "openai", "nvidia", "bis", "h20", "baidu", "alibaba-cloud", "united-states", "huawei", "entity-list"]


def fill(kb, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    pool = sentences()
    start = datetime(2022, 1, 1)
    with kb.session() as session:
        source = Source(url="https://bench.invalid/feed", title="bench")
        session.add(source)
        session.commit()
        for first in range(0, count, 5000):
            docs = []
            for i in range(first, min(count, first + 5000)):
                body = " ".join(rng.choices(pool, k=rng.randint(4, 12)))
                docs.append(
                    Document(
                        source_id=source.id,
                        key=f"k{i}",
                        title=rng.choice(pool)[:120],
                        body=body,
                        summary=body[:200],
                        published_at=start + timedelta(hours=rng.randint(0, 4 * 365 * 24)),
                        content_hash=str(i),
                    )
                )
            session.add_all(docs)
            session.flush()
            session.add_all(
                Mention(document_id=d.id, entity_slug=s, count=1) for d in docs for s in rng.sample(SLUGS, 3)
            )
            session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--home", type=Path, default=None, help="reuse a KB_HOME filled by an earlier run")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="kb-bench-"))
    kb = open_kb(settings.load({"KB_HOME": str(home)}))
    with kb.session() as session:
        have = session.exec(select(func.count(Document.id))).one()
    if have < args.documents:
        t = time.perf_counter()
        fill(kb, args.documents - have)
        print(f"stored {args.documents - have} documents in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        with kb.session() as session:
            kb_index.rebuild(kb.config.index_dir, session)
        kb.reopen_index()
        print(f"indexed in {time.perf_counter() - t:.1f} s ({home})")
    with kb.session() as session:
        print(f"corpus: {session.exec(select(func.count(Document.id))).one()} documents")
        for name, request in QUERIES.items():
            times, total = [], 0
            for _ in range(args.repeat):
                t = time.perf_counter()
                total = search(kb.index, session, request).total
                times.append(time.perf_counter() - t)
            print(
                f"{name:<32} {statistics.median(times) * 1000:8.0f} ms median   {max(times) * 1000:8.0f} ms max   {total} hits"
            )


if __name__ == "__main__":
    main()
