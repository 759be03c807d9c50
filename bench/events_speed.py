"""The speed of the events stage, in documents per second.

    python -m bench.events_speed [--copies 10] [--rounds 3]

Loads the demo corpus into a knowledge base in a temporary KB_HOME (as `kb demo`
does), stores `--copies` more copies of each of its documents (under new keys,
straight into the store: `upsert_items` would keep near-duplicates as copies of
the first, and the stage would read only those), then times the events stage
(`extract_documents`: extraction and clustering) over all of them, `--rounds`
times (the stage reads every document again from scratch, as after a registry
change), and extraction alone (`candidates_of`, no store). Prints the documents
per second of the median round. scripts/bench_events.py measures extraction
on the feed items themselves.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description="The speed of the events stage, in documents per second.")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["KB_HOME"] = str(Path(home) / "kbhome")
        os.environ.pop("KB_DATABASE_URL", None)
        count, stage, alone, cpu = measure(args.copies, args.rounds)
    print(f"events stage over {count} documents: median {statistics.median(stage):.0f} docs/s ({_rounds(stage)})")
    print(f"  the same per second of CPU time (less sensitive to a busy machine): {statistics.median(cpu):.0f} docs/s")
    print(f"extraction alone (candidates_of): median {statistics.median(alone):.0f} docs/s ({_rounds(alone)})")


def _rounds(rates: list[float]) -> str:
    return "rounds: " + ", ".join(f"{r:.0f}" for r in rates)


def measure(copies: int, rounds: int) -> tuple[int, list[float], list[float], list[float]]:
    from sqlmodel import select

    from kb import settings
    from kb.context import open_kb
    from kb.demo import load_demo
    from kb.events.extract import entity_info
    from kb.events.stage import candidates_of, extract_documents
    from kb.models import Document

    kb = open_kb(settings.load())
    load_demo(kb)
    stage, alone, cpu = [], [], []
    with kb.session() as session:
        originals = list(session.exec(select(Document)))
        for n in range(copies):
            for doc in originals:
                data = doc.model_dump(exclude={"id"})
                session.add(Document(**{**data, "key": f"{doc.key}#copy{n}"}))
        session.flush()
        docs = list(session.exec(select(Document)))
        ids = [d.id for d in docs if d.id is not None]
        for _ in range(rounds):
            started, cpu_started = time.perf_counter(), time.process_time()
            extract_documents(session, ids, linker=kb.linker)
            session.flush()
            stage.append(len(ids) / (time.perf_counter() - started))
            cpu.append(len(ids) / (time.process_time() - cpu_started))
        info = entity_info(kb.linker)
        for _ in range(rounds):
            started = time.perf_counter()
            for doc in docs:
                candidates_of(doc, linker=kb.linker, info=info)
            alone.append(len(docs) / (time.perf_counter() - started))
        session.rollback()
    return len(ids), stage, alone, cpu


if __name__ == "__main__":
    main()
