"""Run the scale benchmark and write its JSON and table (see bench/README.md).

python -m bench.run --docs 100000 [--ingest 5000] [--repeat 15] [--work DIR] [--label NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import feedparser
from sqlalchemy import insert

from bench import fts5
from bench.corpus import FUNCTION_WORDS, SOURCES, GeneratedDoc, Generator, rss_feed
from kb import settings
from kb.context import KB, open_kb
from kb.models import Document, Mention, Source

ROOT = Path(__file__).resolve().parent.parent
# The `kb` of the checkout this file is in (not whichever one is installed).
KB_COMMAND = [
    sys.executable,
    "-c",
    "import sys; sys.path.insert(0, sys.argv.pop(1)); from kb.cli import main; main()",
    str(ROOT),
]
CHUNK = 5000


@dataclass
class Case:
    """One query class: the project's request and the same search on FTS5."""

    name: str
    request: dict  # SearchRequest fields
    fts: fts5.Query
    times: dict[str, list[float]] = field(default_factory=lambda: {"project": [], "fts5": []})


# ---- the corpus, in the knowledge base and in FTS5 ---------------------------------------


def build_corpus(work: Path, docs: int, gen: Generator) -> dict:
    """Store `docs` generated documents in a KB (as the pipeline would have) and in FTS5."""
    home = work / "kb"
    kb = open_kb(settings.load({"KB_HOME": str(home)}))
    conn = fts5.create(work / "fts5.sqlite")
    started = time.perf_counter()
    with kb.session() as session:
        session.execute(
            insert(Source),
            [{"id": s + 1, "url": f"https://bench.invalid/source/{s}", "kind": "feed", "title": f"Desk {s}",
              "settings": {}, "enabled": True, "error_count": 0, "status": "ok"} for s in range(SOURCES)],
        )  # fmt: skip
        session.commit()
        for first in range(0, docs, CHUNK):
            batch = list(gen.documents(min(CHUNK, docs - first), first))
            session.execute(insert(Document), [_document_row(first + n + 1, d) for n, d in enumerate(batch)])
            session.execute(
                insert(Mention),
                [
                    {"document_id": first + n + 1, "entity_slug": slug, "count": 1}
                    for n, d in enumerate(batch)
                    for slug in d.entities
                ],
            )
            session.commit()
            fts5.add(conn, first + 1, batch)
            conn.commit()
        _mark_derived_rows_current(kb, session)
    fts5.finish(conn)
    conn.close()
    kb.engine.dispose()
    return {"documents": docs, "store_seconds": round(time.perf_counter() - started, 1)}


def _document_row(doc_id: int, d: GeneratedDoc) -> dict:
    return {
        "id": doc_id,
        "source_id": d.source + 1,
        "key": d.key,
        "url": f"https://bench.invalid/{d.key}",
        "title": d.title,
        "summary": d.summary,
        "body": d.body,
        "published_at": d.published,
        "fetched_at": d.published,
        "kind": d.kind,
        "language": "en",
        "content_hash": d.content_hash,
        "fields": {},
    }


def _mark_derived_rows_current(kb: KB, session) -> None:
    """The mentions were stored with the documents; the events stage is measured by the ingest
    run, so the bulk-stored corpus is marked as read by the current registry and extractor
    (otherwise the first page view would extract events from every document)."""
    from kb.entities import sync_registry
    from kb.events.stage import EXTRACTOR_VERSION, STATE_KEY, ensure_curated
    from kb.store import set_meta

    linker = kb.linker
    sync_registry(session, linker.registry)
    ensure_curated(session, linker=linker)
    set_meta(session, STATE_KEY, f"{EXTRACTOR_VERSION}:{linker.registry.fingerprint}")
    session.commit()


# ---- timed steps ----------------------------------------------------------------------------


def run_command(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB, stdout) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {err.decode()[-2000:]}")
    return wall, peak // 1024, out.decode()


# Linux carries the forking process's peak into the child's ru_maxrss at exec (the
# benchmark's own few hundred MB): the child reports its own memory's high-water mark.
_REPORT_PEAK = (
    "import atexit, sys; atexit.register(lambda: sys.stderr.write(''.join("
    "'\\nkb-peak-kb ' + line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM'))))"
)


def child_peak_mb(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of this one child (its VmHWM where /proc has it)."""
    if args[:2] == [sys.executable, "-c"] and Path("/proc/self/status").exists():
        args = [*args[:2], f"{_REPORT_PEAK}; {args[2]}", *args[3:]]
    started = time.perf_counter()
    proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode() if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed: {err[-2000:]}")
    reported = [int(line.split()[1]) for line in err.splitlines() if line.startswith("kb-peak-kb ")]
    return wall, (reported[-1] if reported else usage.ru_maxrss) // 1024


def reindex(work: Path) -> dict:
    wall, _, out = run_command([*KB_COMMAND, "reindex"], {"KB_HOME": str(work / "kb")})
    size = sum(f.stat().st_size for f in (work / "kb" / "index").resolve().rglob("*") if f.is_file())
    return {"seconds": round(wall, 1), "output": out.strip(), "index_mb": round(size / 2**20, 1)}


def ingest(work: Path, gen: Generator, count: int, first: int) -> dict:
    """`kb poll` of one `count`-item feed on loopback, next to feedparser + SQLite + FTS5 on the same bytes."""
    from kb.entities import ensure_registry
    from kb.events.stage import ensure_events
    from kb.store import add_source
    from tests.helpers import LoopbackServer

    docs = list(gen.documents(count, first))
    feed = rss_feed(docs)
    home = work / "ingest"
    shutil.rmtree(home, ignore_errors=True)
    kb = open_kb(settings.load({"KB_HOME": str(home), "KB_ALLOW_PRIVATE_ADDRESSES": "1"}))
    server = LoopbackServer()
    try:
        with kb.session() as session:  # one-off work of a new store, not part of the throughput
            ensure_registry(session)
            ensure_events(session)
            source = add_source(session, url=server.add("/wire.xml", feed), allow_private=True)
            session.commit()
        wall, _, out = run_command(
            [*KB_COMMAND, "poll", "--source", str(source.id)],
            # a 5,000-item feed is 18 MB, above the default cap on a response (10 MB)
            {"KB_HOME": str(home), "KB_ALLOW_PRIVATE_ADDRESSES": "1", "KB_FETCH_DEADLINE": "600",
             "KB_MAX_RESPONSE_BYTES": str(2 * len(feed))},
        )  # fmt: skip
    finally:
        server.close()
    if f"{count} new" not in out:
        raise SystemExit(f"kb poll did not store the feed's {count} documents: {out.strip()}")
    index_only = _index_only(kb, work / "index-only")
    kb.engine.dispose()
    baseline = _baseline_ingest(work / "ingest-fts5.sqlite", feed)
    return {
        "items": count,
        "feed_mb": round(len(feed) / 2**20, 1),
        "poll_seconds": round(wall, 2),
        "docs_per_second": round(count / wall),
        "poll_output": out.strip(),
        "index_only_docs_per_second": index_only,
        "fts5_docs_per_second": baseline,
    }


def _index_only(kb: KB, directory: Path) -> int:
    """kb.index.index_documents (what a poll's flush runs) over the ingested documents, into a new index."""
    from sqlmodel import select

    from kb import index as kb_index

    shutil.rmtree(directory, ignore_errors=True)
    ix = kb_index.open_index(directory)
    with kb.session() as session:
        ids = [i for i in session.exec(select(Document.id)) if i is not None]
        started = time.perf_counter()
        kb_index.index_documents(ix, session, ids)
        elapsed = time.perf_counter() - started
    ix.close()
    shutil.rmtree(directory.resolve(), ignore_errors=True)
    return round(len(ids) / elapsed)


def _baseline_ingest(path: Path, feed: bytes) -> int:
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    entries = feedparser.parse(feed).entries
    conn = sqlite3.connect(path)
    conn.executescript(
        "PRAGMA journal_mode=WAL; CREATE TABLE docs (id INTEGER PRIMARY KEY, key TEXT UNIQUE, title TEXT, body TEXT);"
        "CREATE VIRTUAL TABLE fts USING fts5(title, body, content='docs', content_rowid='id', tokenize='porter');"
    )
    for n, e in enumerate(entries, 1):
        conn.execute("INSERT INTO docs VALUES (?, ?, ?, ?)", (n, e.get("id"), e.get("title"), e.get("summary")))
        conn.execute("INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)", (n, e.get("title"), e.get("summary")))
    conn.commit()
    conn.close()
    return round(len(entries) / (time.perf_counter() - started))


# ---- queries ----------------------------------------------------------------------------------


def pick_terms(conn: sqlite3.Connection, docs: int, vocabulary: set[str]) -> dict[str, str]:
    """Words (their own stem, so both engines read them alike) with the wanted document frequencies."""
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab('fts', 'row')")
    rows = [(t, n) for t, n in conn.execute("SELECT term, doc FROM vocab") if t in vocabulary and t.isalpha()]

    def nearest(share: float, skip: set[str] = frozenset()) -> str:  # type: ignore[assignment]
        return min((r for r in rows if r[0] not in skip), key=lambda r: (abs(r[1] - share * docs), r[0]))[0]

    rare, common = nearest(0.001), nearest(0.37)
    mid = nearest(0.10, {rare, common})
    other = nearest(0.10, {rare, common, mid})
    third = nearest(0.10, {rare, common, mid, other})
    return {"rare": rare, "common": common, "mid": mid, "other": other, "third": third}


def cases(terms: dict[str, str], entity: str) -> list[Case]:
    rare, common, mid, other, third = (terms[k] for k in ("rare", "common", "mid", "other", "third"))
    since, until = date(2022, 1, 1), date(2022, 6, 30)
    q = fts5.Query
    return [
        Case("rare term", {"query": rare}, q(rare)),
        Case("common term", {"query": common}, q(common)),
        Case("two terms AND", {"query": f"{mid} {other}"}, q(f"{mid} {other}")),
        Case("three terms AND", {"query": f"{mid} {other} {third}"}, q(f"{mid} {other} {third}")),
        Case("three terms OR", {"query": f"{mid} OR {other} OR {third}"}, q(f"{mid} OR {other} OR {third}")),
        Case("phrase", {"query": '"model weights"'}, q('"model weights"')),
        Case(
            "term + date range",
            {"query": f"{mid} date:[{since} to {until}]"},
            q(mid, since=since, until=until),
        ),
        Case("term + entity filter", {"query": mid, "entities": [entity]}, q(mid, entity=entity)),
        Case("term + facet counts", {"query": common, "facets": True}, q(common, facets=True)),
        Case("term by date, page 50", {"query": common, "sort": "date", "page": 50}, q(common, by_date=True, page=50)),
        Case("everything by date", {"query": "", "sort": "date"}, q("", by_date=True)),
        Case("common term, page 2", {"query": common, "page": 2}, q(common, page=2)),
    ]


def time_queries(kb: KB, conn: sqlite3.Connection, all_cases: list[Case], repeat: int) -> dict:
    """Each case on both engines, interleaved query by query; totals compared, top-10 overlap."""
    from kb.search import SearchRequest, search

    checks = {}
    for rep in range(repeat + 1):  # the first round warms both up and is not timed
        for case in all_cases:
            request = SearchRequest(**{"facets": False, **case.request})
            started = time.perf_counter()
            with kb.session() as session:
                result = search(kb.index, session, request)
            project = time.perf_counter() - started
            started = time.perf_counter()
            total, ids, _ = fts5.run(conn, case.fts)
            baseline = time.perf_counter() - started
            if rep == 0:
                ours = [h.id for h in result.hits]
                checks[case.name] = {
                    "total": result.total,
                    "fts5_total": total,
                    "top10_overlap": round(len(set(ours[:10]) & set(ids[:10])) / max(1, min(10, len(ids))), 2),
                }
                continue
            case.times["project"].append(project)
            case.times["fts5"].append(baseline)
    out = {}
    for case in all_cases:
        p, f = _stats(case.times["project"]), _stats(case.times["fts5"])
        out[case.name] = {
            "request": case.request,
            "project_ms": p,
            "fts5_ms": f,
            "p95_ratio": round(p["p95"] / max(f["p95"], 0.01), 1),
            **checks[case.name],
        }
    return out


def _stats(times: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return {"p50": round(statistics.median(ms), 1), "p95": round(p95, 1), "max": round(ms[-1], 1)}


def cold_search(work: Path, term: str, runs: int = 3) -> dict:
    """A new `kb search` process, as an installed copy runs it: with the project's bytecode compiled
    (pip compiles an installed package; the checkout's editable install has none, and a shell with
    PYTHONDONTWRITEBYTECODE set would compile every module on every run). The bytecode goes to a cache
    in the working directory, written by one run that is not counted."""
    env = {"KB_HOME": str(work / "kb"), "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(work / "pycache")}
    command = [*KB_COMMAND, "search", term, "--limit", "10"]
    child_peak_mb(command, env)
    measured = [child_peak_mb(command, env) for _ in range(runs)]
    return {
        "query": term,
        "seconds": round(statistics.median(w for w, _ in measured), 2),
        "peak_mb": max(m for _, m in measured),
    }


def page_render(work: Path, term: str, entity: str, runs: int = 3) -> dict:
    """AppTest run of the Search page (a query with facets) and of one entity's page.

    `ms`: a new AppTest per run, as the tests use it. Each new AppTest also scans every installed
    package for Streamlit components (190-280 ms on this machine), which a running server does once
    at start-up; `page_ms` hands each run the scan of the first, so it is the page's own render with
    the data cache cleared, which is what a reader waits for. An empty page is timed both ways too."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["KB_HOME"] = str(work / "kb")
    empty = work / "empty_page.py"
    empty.write_text("import streamlit as st\n\nst.title('empty')\n")
    out = {}
    for name, script, params in (
        ("search", ROOT / "kb/views/search.py", {"q": term}),
        ("entity", ROOT / "kb/views/entities.py", {"id": entity}),
        ("empty", empty, {}),
    ):
        fresh: list[float] = []
        warm: list[float] = []
        components = None
        for _ in range(runs + 1):  # the first run imports and opens the KB: not counted
            for timings, reuse in ((fresh, False), (warm, True)):
                st.cache_data.clear()
                at = AppTest.from_file(str(script), default_timeout=600)
                if reuse and components is not None:
                    at._bidi_component_manager = components  # the scan a server does once
                for key, value in params.items():
                    at.query_params[key] = value
                started = time.perf_counter()
                at.run()
                timings.append(time.perf_counter() - started)
                components = at._bidi_component_manager
                if at.exception:
                    raise SystemExit(f"{script} failed: {at.exception}")
        out[name] = {
            "first_ms": round(fresh[0] * 1000),
            "ms": round(statistics.median(fresh[1:]) * 1000),
            "page_ms": round(statistics.median(warm[1:]) * 1000),
        }
    return out


# ---- the report --------------------------------------------------------------------------------


def table(result: dict) -> str:
    lines = [
        f"## {result['label']}: {result['corpus']['documents']:,} documents ({result['when']})",
        "",
        "| query class | project p50 | p95 | max | FTS5 p50 | p95 | p95 ratio | totals (project / FTS5) | top-10 overlap |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in result["queries"].items():
        p, f = r["project_ms"], r["fts5_ms"]
        same = "" if r["total"] == r["fts5_total"] else " ≠"
        lines.append(
            f"| {name} | {p['p50']} | {p['p95']} | {p['max']} | {f['p50']} | {f['p95']} | {r['p95_ratio']}x "
            f"| {r['total']:,} / {r['fts5_total']:,}{same} | {r['top10_overlap']} |"
        )
    lines += ["", "| measure | project | target / baseline |", "|---|---|---|"]
    ing, rx, cold, pages = (result.get(k) or {} for k in ("ingest", "reindex", "cold_search", "pages"))
    if ing:
        lines += [
            f"| full-pipeline ingest (`kb poll`, {ing['items']:,}-item loopback feed) | {ing['docs_per_second']} docs/s "
            f"| ≥ 500; feedparser+SQLite+FTS5 {ing['fts5_docs_per_second']} docs/s |",
            f"| index only (`index_documents`) | {ing['index_only_docs_per_second']} docs/s | |",
        ]
    if rx.get("seconds"):
        lines += [f"| `kb reindex` | {rx['seconds']} s | < 120 s |", f"| index size on disk | {rx['index_mb']} MB | |"]
    if cold:
        lines.append(
            f"| cold `kb search {cold['query']}` | {cold['seconds']} s, {cold['peak_mb']} MB peak | < 0.6 s, < 150 MB |"
        )
    for name in ("search", "entity", "empty") if pages else ():
        page = pages.get(name)
        if page is None:
            continue
        own = f"; the page's own render {page['page_ms']} ms" if "page_ms" in page else ""
        target = "< 300 ms" if name != "empty" else "(the harness alone)"
        lines.append(
            f"| {name.title()} page (AppTest) | {page['ms']} ms a new AppTest (first {page['first_ms']} ms){own} "
            f"| {target} |"
        )
    lines += ["", f"Load average at start/end: {result['load'][0]} / {result['load'][1]} (2 cores, shared machine)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The scale benchmark of issue 14 (see bench/README.md).")
    parser.add_argument("--docs", type=int, default=10_000, help="documents in the search corpus")
    parser.add_argument("--ingest", type=int, default=5_000, help="items in the feed `kb poll` ingests")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs of each query class")
    parser.add_argument("--work", type=Path, help="working directory (default: a new temporary one, removed)")
    parser.add_argument("--reuse", action="store_true", help="reuse the corpus already in --work")
    parser.add_argument("--label", default="run", help="name of the JSON and table written to bench/results/")
    parser.add_argument("--skip", nargs="*", default=[], choices=["ingest", "reindex", "pages", "cold"])
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="kb-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    gen = Generator()
    load_start = os.getloadavg()[0]
    started = time.perf_counter()
    result: dict = {"label": args.label, "when": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.node()}
    if args.reuse and (work / "fts5.sqlite").exists():
        result["corpus"] = {"documents": args.docs, "reused": True}
    else:
        shutil.rmtree(work / "kb", ignore_errors=True)
        (work / "fts5.sqlite").unlink(missing_ok=True)
        result["corpus"] = build_corpus(work, args.docs, gen)
    log = lambda step: print(f"[{time.perf_counter() - started:6.0f} s] {step}", flush=True)  # noqa: E731
    log("corpus stored")
    skip = set(args.skip)
    result["reindex"] = reindex(work) if "reindex" not in skip else {"seconds": 0, "index_mb": 0}
    log(f"reindexed: {result['reindex']}")
    conn = sqlite3.connect(work / "fts5.sqlite")
    terms = pick_terms(conn, args.docs, set(gen.words.tolist()) - set(FUNCTION_WORDS))
    entity = conn.execute("SELECT slug FROM ents GROUP BY slug ORDER BY count(*) DESC, slug LIMIT 1").fetchone()[0]
    result["terms"] = {**terms, "entity": entity}
    kb = open_kb(settings.load({"KB_HOME": str(work / "kb")}))
    result["queries"] = time_queries(kb, conn, cases(terms, entity), args.repeat)
    log("queries timed")
    result["cold_search"] = cold_search(work, terms["common"]) if "cold" not in skip else {}
    log(f"cold search: {result['cold_search']}")
    result["pages"] = page_render(work, terms["common"], entity) if "pages" not in skip else {}
    log(f"pages: {result['pages']}")
    result["ingest"] = ingest(work, gen, args.ingest, args.docs) if "ingest" not in skip else {}
    log(f"ingest: {result['ingest']}")
    result["load"] = [round(load_start, 2), round(os.getloadavg()[0], 2)]
    result["total_seconds"] = round(time.perf_counter() - started)
    _write(result)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


def _write(result: dict) -> None:
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{result['label']}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    text = table(result)
    (out / f"{result['label']}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
