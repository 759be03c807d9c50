"""Benchmark: the writer's rounds over many feeds served from loopback.

Serves N feeds (default 200, 20 items each, with ETags) from one or more
loopback HTTP servers, subscribes a throwaway KB_HOME to all of them, then
times two full rounds of the writer (`Writer.run_until_idle`): the first
stores and indexes everything, the second finds every feed unchanged (each
answered 304 to its conditional request). Prints both wall times.

    python scripts/bench_writer.py [--feeds 200] [--items 20] [--hosts 4] [--home DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import func, select

from kb import settings
from kb.context import open_kb
from kb.models import Document, Source
from kb.store import add_source
from kb.writer import Writer
from tests.helpers import LoopbackServer, rss


def feed(n: int, items: int) -> str:
    return rss(
        *(
            (f"f{n}-{i}", f"Feed {n} report {i} on chip export rules", f"Nvidia H20 licences, part {i}.")
            for i in range(items)
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=4, help="loopback hosts (127.0.0.1, .2, ...) to spread feeds over")
    parser.add_argument("--home", type=Path, help="KB_HOME to use (default: a temporary directory)")
    args = parser.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="kb-bench-writer-"))
    env = {
        "KB_HOME": str(home),
        "KB_ALLOW_PRIVATE_ADDRESSES": "1",
        "KB_REGISTRY_DIR": os.environ.get("KB_REGISTRY_DIR", ""),
    }
    kb = open_kb(settings.load({k: v for k, v in env.items() if v}))
    servers = [LoopbackServer(f"127.0.0.{i + 1}") for i in range(args.hosts)]  # distinct hosts
    try:
        with kb.session() as session:
            for n in range(args.feeds):
                server = servers[n % len(servers)]
                url = server.add(f"/feed{n}.xml", feed(n, args.items), etag=f'"{n}"')
                add_source(session, url=url, allow_private=True)
            session.commit()
        print(f"{args.feeds} feeds x {args.items} items on {len(servers)} loopback servers; KB_HOME={home}")
        for label in ("first round (everything new)", "second round (everything unchanged)"):
            with kb.session() as session:  # make every source due again
                for source in session.exec(select(Source)):
                    source.next_check_at = None
                session.commit()
            started = time.perf_counter()
            Writer(kb).run_until_idle(timeout=3600)
            elapsed = time.perf_counter() - started
            with kb.session() as session:
                docs = session.exec(select(func.count(Document.id))).one()
                ok = session.exec(select(func.count(Source.id)).where(Source.status == "ok")).one()
            print(f"{label}: {elapsed:.2f} s wall; {docs} documents stored; {ok}/{args.feeds} sources ok")
    finally:
        for server in servers:
            server.close()
        kb.engine.dispose()


if __name__ == "__main__":
    main()
