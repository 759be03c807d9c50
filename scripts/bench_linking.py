"""Benchmark: entity linking alone, in documents per second.

Builds a corpus of N documents (default 10,000) by recombining the
sentences of the demo corpus, then links each one with the project's
registry. Prints the corpus size, the time and the rate.

    python scripts/bench_linking.py [--documents 10000]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.text import html_to_text
from kb.demo import demo_files
from kb.linker import Linker
from kb.registry import load_registry


def sentences() -> list[str]:
    out = []
    for path in demo_files():
        for entry in feedparser.parse(path.read_bytes()).entries:
            text = html_to_text(entry.get("summary", "")) + " " + entry.get("title", "")
            out += [s.strip() for s in re.split(r"(?<=[.!?。])\s*", text) if len(s.strip()) > 20]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = sentences()
    docs = [" ".join(rng.choices(pool, k=rng.randint(5, 15))) for _ in range(args.documents)]
    started = time.perf_counter()
    linker = Linker(load_registry())
    built = time.perf_counter() - started
    started = time.perf_counter()
    mentions = sum(sum(linker.link(d).values()) for d in docs)
    elapsed = time.perf_counter() - started
    chars = sum(map(len, docs))
    print(f"registry: {len(linker.registry.entities)} entities, automaton built in {built * 1000:.0f} ms")
    print(f"corpus: {len(docs)} documents, {chars / 1e6:.1f} M characters, {mentions} mentions found")
    print(f"linking: {elapsed:.2f} s, {len(docs) / elapsed:,.0f} documents/s, {chars / elapsed / 1e6:.1f} M chars/s")


if __name__ == "__main__":
    main()
