"""The writer: leases, requests, failures as data, crash safety, concurrency, hostile sources.

Crash tests run the real `kb` in a subprocess and kill it with SIGKILL at a
chosen point (a one-line patch in that child only), then start it again and
compare with a clean run: same documents, no duplicates, `kb check` clean.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlmodel import func, select

from kb import leases, pending
from kb.models import Document, IndexPending, Source, WriterRequest
from kb.pipeline import poll
from kb.search import SearchRequest, search
from kb.store import add_source
from kb.writer import Writer, WriterRunning, request, writer_running
from tests.helpers import ROOT, LoopbackServer, rss

pytestmark = pytest.mark.both_databases


@pytest.fixture
def kb(loaded_kb):
    """These tests are about the writer's polling: each store starts with the registry and the curated
    timeline loaded (conftest's `loaded_kb`), so that a test's first poll does not spend a
    second loading them."""
    return loaded_kb


def big_feed(n: int, prefix: str = "item") -> str:
    return rss(
        *((f"{prefix}-{i}", f"Report {i} on H20 export licences", f"OpenAI and Nvidia, part {i}.") for i in range(n))
    )


def subscribe(kb, *urls: str) -> list[int]:
    with kb.session() as session:
        ids = [add_source(session, url=u, allow_private=True).id for u in urls]
        session.commit()
    return ids


def doc_count(kb) -> int:
    with kb.session() as session:
        return int(session.exec(select(func.count(Document.id))).one())


def duplicate_keys(kb) -> int:
    with kb.session() as session:
        rows = session.exec(
            select(Document.source_id, Document.key, func.count()).group_by(Document.source_id, Document.key)
        )
        return sum(1 for *_, n in rows if n > 1)


# ---- leases ---------------------------------------------------------------------------------


def test_a_lease_has_one_holder_and_lapses(kb):
    assert leases.acquire(kb.engine, "source:1", "a", 60)
    assert not leases.acquire(kb.engine, "source:1", "b", 60)
    assert leases.acquire(kb.engine, "source:1", "a", 60)  # the holder extends it
    leases.release(kb.engine, "source:1", "a")
    assert leases.acquire(kb.engine, "source:1", "b", 0.0)  # free again; held until now only
    assert leases.acquire(kb.engine, "source:1", "c", 60)  # b's expired: c takes it over


def test_a_lease_of_a_dead_process_on_this_machine_lapses_at_once(kb):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert leases.acquire(kb.engine, "writer", f"{leases.HOST}:{dead.pid}:x", 3600)
    assert leases.acquire(kb.engine, "writer", leases.new_holder(), 60)


def test_two_threads_race_for_one_lease_and_one_wins(kb):
    wins: list[str] = []
    barrier = threading.Barrier(8)

    def race(name: str) -> None:
        barrier.wait()
        if leases.acquire(kb.engine, "source:9", name, 60):
            wins.append(name)

    threads = [threading.Thread(target=race, args=(f"h{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1


# ---- the writer's rounds and requests ----------------------------------------------------


def test_one_round_polls_every_due_source_and_indexes_it(kb, server):
    ids = subscribe(kb, server.add("/a.xml", big_feed(30, "a")), server.add("/b.xml", big_feed(20, "b")))
    Writer(kb).run_until_idle()
    assert doc_count(kb) == 50
    with kb.session() as session:
        assert all(session.get(Source, i).status == "ok" for i in ids)
        assert search(kb.index, session, SearchRequest(query="H20")).total == 50
        assert pending.count(session) == 0


def test_requests_from_the_app_are_answered_with_a_result(kb, server):
    [sid] = subscribe(kb, server.add("/a.xml", big_feed(3)))
    with kb.session() as session:  # not due: only the request makes the writer poll it
        from kb.models import utcnow

        session.get(Source, sid).next_check_at = utcnow().replace(year=2100)
        session.commit()
    poll_id = request(kb, "poll", source_ids=[sid])
    reindex_id = request(kb, "reindex")
    Writer(kb).run_until_idle()
    with kb.session() as session:
        done = session.get(WriterRequest, poll_id)
        assert done.status == "done" and done.result.startswith("1 sources checked") and "3 new" in done.result
        rebuilt = session.get(WriterRequest, reindex_id)
        assert rebuilt.status == "done" and rebuilt.result.startswith("indexed")
    assert doc_count(kb) == 3


def test_a_second_writer_is_refused_while_one_runs(kb):
    first = Writer(kb)
    assert leases.acquire(kb.engine, "writer", first.holder, 60)
    assert writer_running(kb)
    with pytest.raises(WriterRunning, match="another writer is running"):
        Writer(kb).run_until_idle()


def test_every_failure_is_stored_on_its_source_and_the_others_are_polled(kb, server, monkeypatch):
    """Not only fetch errors: any exception in a collector fails its own source only."""
    from kb import pipeline

    good = server.add("/good.xml", big_feed(5))
    boom_url = server.add("/boom.xml", big_feed(1))
    ids = subscribe(kb, boom_url, good)
    real = pipeline.COLLECTORS["feed"]

    def collector(kb_, source, force):
        if source.url == boom_url:
            raise OverflowError("date value out of range")
        return real(kb_, source, force)

    monkeypatch.setitem(pipeline.COLLECTORS, "feed", collector)
    summary = poll(kb, ids)
    assert [o.status for o in summary.outcomes] == ["failed", "ok"]
    with kb.session() as session:
        bad = session.get(Source, ids[0])
        assert (bad.status, bad.last_error) == ("failing", "OverflowError: date value out of range")
        assert bad.next_check_at is not None and bad.error_count == 1
    assert doc_count(kb) == 5


@pytest.mark.parametrize(
    "body",
    [
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": [{"id": "1", "title": "t",'
        b' "date_published": "9999-12-31T23:59:59-05:00", "content_text": "c"}]}',
        b'{"version": "https://jsonfeed.org/version/1.1", "title": ["x"], "items": [{"id": 7, "title": {"a": 1},'
        b' "url": 12, "content_text": ["c"], "tags": "t", "authors": [{"name": 3}]}]}',
        b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b"[1, 2, 3]",
    ],
    ids=["overflowing-date", "wrong-types", "deep-nesting", "not-an-object"],
)
def test_hostile_json_feeds_fail_only_their_own_source(kb, server, body):
    hostile = server.add("/hostile.json", body, headers={"Content-Type": "application/feed+json"})
    ids = subscribe(kb, hostile, server.add("/good.xml", big_feed(4)))
    summary = poll(kb, ids)  # nothing escapes
    bad, ok = summary.outcomes
    assert ok.status == "ok" and ok.new == 4
    with kb.session() as session:
        source = session.get(Source, ids[0])
        # Either refused with a stored error, or read leniently with a warning: never an escape.
        assert (bad.status == "failed" and source.last_error) or (bad.status == "ok")
    assert doc_count(kb) >= 4


def test_a_trickling_server_is_cut_off_while_another_host_is_polled_on_time(kb_env, monkeypatch, request):
    monkeypatch.setenv("KB_FETCH_DEADLINE", "1")
    monkeypatch.setenv("KB_HTTP_TIMEOUT", "5")
    slow, fast = LoopbackServer(), LoopbackServer()

    def trickle(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.end_headers()
        try:
            for _ in range(150):
                h.wfile.write(b" ")
                h.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass

    from tests.helpers import Route

    slow.routes["/slow.xml"] = Route(handler=trickle)
    kb = request.getfixturevalue("kb")  # opened now, with the settings above
    try:
        # Two hosts: 127.0.0.1 and localhost, so the writer may fetch them at the same time.
        fast_url = fast.add("/fast.xml", big_feed(3)).replace("127.0.0.1", "localhost")
        slow_id, fast_id = subscribe(kb, slow.url("/slow.xml"), fast_url)
        started = time.monotonic()
        Writer(kb).run_until_idle()
        elapsed = time.monotonic() - started
        with kb.session() as session:
            slow_row, fast_row = session.get(Source, slow_id), session.get(Source, fast_id)
            assert slow_row.status == "failing" and "gave up after 1s" in slow_row.last_error
            assert fast_row.status == "ok"
        assert elapsed < 7  # the deadline, not the 30 s the server would take
    finally:
        slow.close()
        fast.close()


@pytest.mark.slow
def test_searches_from_several_threads_while_the_writer_writes_have_no_error(kb, server):
    subscribe(kb, *(server.add(f"/f{i}.xml", big_feed(40, f"f{i}")) for i in range(6)))
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        deadline = time.monotonic() + 30
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                with kb.session() as session:
                    search(kb.index, session, SearchRequest(query="H20 export"))
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        Writer(kb).run_until_idle()
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == [] and doc_count(kb) == 240


# ---- processes: two pollers, SIGKILL, a rebuild under an open app ------------------------------


def run_kb(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb.cli", *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def child_env(kb) -> dict[str, str]:
    env = dict(os.environ)
    env["KB_DATABASE_URL"] = kb.config.database_url
    env["KB_HOME"] = str(kb.config.home)
    env["KB_INDEX_LOCK_TIMEOUT"] = "10"  # the default: processes take turns at the index
    return env


@pytest.mark.slow
def test_a_poll_from_the_app_and_one_from_the_cli_at_once_give_no_error_and_no_duplicate(kb, server):
    subscribe(kb, *(server.add(f"/f{i}.xml", big_feed(400, f"f{i}")) for i in range(3)))
    env = child_env(kb)
    first = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "poll", "--all"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    second = run_kb(env, "poll", "--all")  # the app's Poll now records a request; the CLI polls itself
    out, err = first.communicate(timeout=300)
    for code, text in ((first.returncode, out + err), (second.returncode, second.stdout + second.stderr)):
        assert code == 0 and "Traceback" not in text and "database is locked" not in text, text
    assert doc_count(kb) == 1200 and duplicate_keys(kb) == 0
    assert run_kb(env, "check").returncode == 0


# A child that runs one round of the writer and kills itself with SIGKILL at a chosen point.
KILLER = """
import os, signal, sys
from kb import index, pending, pipeline
point = sys.argv[1]
def die(*_a, **_k):
    os.kill(os.getpid(), signal.SIGKILL)
if point == "before-commit":
    pipeline.pending.mark = die
elif point == "after-commit":
    # The first flush is the writer's catch-up at start; the second follows the round's
    # commits: dying there leaves documents in the database that the index has not seen.
    real, calls = pending.flush, []
    def flush(kb, **kw):
        calls.append(1)
        if len(calls) > 1:
            die()
        return real(kb, **kw)
    pending.flush = flush
elif point == "during-rebuild":
    index._point = die  # the new generation is built but not swapped in
from kb.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("point", ["before-commit", "after-commit", "during-rebuild"])
def test_sigkill_at_any_point_then_restart_loses_nothing(kb, server, point):
    subscribe(kb, server.add("/a.xml", big_feed(300, "a")), server.add("/b.xml", big_feed(200, "b")))
    env = child_env(kb)
    if point == "during-rebuild":
        assert run_kb(env, "run", "--once").returncode == 0
        args = ["reindex"]
    else:
        args = ["run", "--once"]
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, point, *args], env=env, cwd=ROOT, timeout=300, capture_output=True, text=True
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    restarted = run_kb(env, "run", "--once")
    assert restarted.returncode == 0, restarted.stderr
    assert doc_count(kb) == 500 and duplicate_keys(kb) == 0
    check = run_kb(env, "check")
    assert check.returncode == 0, check.stdout
    with kb.session() as session:
        assert session.exec(select(func.count(IndexPending.id))).one() == 0
    index_dir = kb.config.index_dir
    leftovers = [p for p in index_dir.parent.glob(f"{index_dir.name}-*") if p != index_dir.resolve()]
    assert leftovers == []  # a killed rebuild leaves no directory behind once the writer starts


@pytest.mark.slow
def test_a_rebuild_by_another_process_is_picked_up_by_an_open_kb(kb, server):
    """`kb reindex` while the app is open: the app's KB reopens the new index on its next use."""
    subscribe(kb, server.add("/a.xml", big_feed(10)))
    poll(kb)
    with kb.session() as session:
        assert search(kb.index, session, SearchRequest(query="H20")).total == 10
    assert run_kb(child_env(kb), "reindex").returncode == 0
    with kb.session() as session:
        assert search(kb.index, session, SearchRequest(query="H20")).total == 10
    [sid] = subscribe(kb, server.add("/b.xml", big_feed(5, "b")))
    assert poll(kb, [sid]).outcomes[0].status == "ok"  # writes to the new generation, no FileNotFoundError
    assert run_kb(child_env(kb), "check").returncode == 0


@pytest.mark.slow
def test_kb_run_stops_cleanly_on_sigterm(kb, server):
    subscribe(kb, server.add("/a.xml", big_feed(5)))
    env = child_env(kb)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "run"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while doc_count(kb) < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "writer stopped" in err and "Traceback" not in err
    assert not writer_running(kb)  # the lease was released
    assert json.loads(run_kb(env, "search", "H20", "--json").stdout)["total"] == 5


def test_poll_requests_survive_until_a_writer_takes_them(kb, server):
    [sid] = subscribe(kb, server.add("/a.xml", big_feed(2)))
    request_id = request(kb, "poll", source_ids=[sid])
    with kb.session() as session:
        assert session.get(WriterRequest, request_id).status == "pending"
    Writer(kb).run_until_idle()
    with kb.session() as session:
        assert session.get(WriterRequest, request_id).status == "done"


# ---- a disk that fills during a poll ------------------------------------------------------------


@pytest.mark.slow
def test_a_disk_that_fills_during_a_poll_loses_nothing_the_source_still_serves(tmp_path, server):
    """On a small tmpfs, a poll of 3,000 documents runs out of space part-way: nothing of it is
    kept (validators included) and no traceback escapes; once there is room, the next poll stores
    every document and the index matches the database."""
    from tests.test_startup import in_namespace, mount_namespace_or_skip

    url = server.add("/big.xml", big_feed(3000), etag='"big"')
    home = tmp_path / "kbhome"
    home.mkdir()
    mount_namespace_or_skip(tmp_path / "probe")
    script = f"""
mount -t tmpfs -o size=48m tmpfs "$KB_HOME"
run init kb init
run add kb sources add {url} --no-poll
dd if=/dev/zero of="$KB_HOME/filler" bs=64k 2>/dev/null || true
truncate -s -600K "$KB_HOME/filler"
run poll-full kb poll --all
run list-full kb sources list --json
rm "$KB_HOME/filler"
run poll-after kb poll --all
run check-after kb check
"""
    results = in_namespace(home, tmp_path / "out", script, KB_ALLOW_PRIVATE_ADDRESSES="1")
    assert results["init"].returncode == 0 and results["add"].returncode == 0, results["add"].stderr
    full = results["poll-full"]
    assert "Traceback" not in full.stderr + full.stdout
    [source] = json.loads(results["list-full"].stdout)
    assert source["documents"] == 0 and source["etag"] is None  # all or nothing, no validator kept
    assert source["status"] == "failing" or full.returncode == 1, (full.stdout, full.stderr)
    after = results["poll-after"]
    assert after.returncode == 0 and "3000 new" in after.stdout, (after.stdout, after.stderr)
    assert results["check-after"].returncode == 0, results["check-after"].stdout
    assert "3000 documents in the database, 3000 in the index" in results["check-after"].stdout


@pytest.mark.slow
def test_kb_reindex_hands_the_rebuild_to_a_running_writer(kb, server):
    subscribe(kb, server.add("/a.xml", big_feed(5)))
    env = child_env(kb)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "run"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not writer_running(kb) and time.monotonic() < deadline:
            time.sleep(0.2)
        done = run_kb(env, "reindex")
        assert done.returncode == 0 and "asked it to reindex" in done.stderr, done.stderr
        assert done.stdout.startswith("indexed")
        with kb.session() as session:
            [row] = session.exec(select(WriterRequest).where(WriterRequest.action == "reindex")).all()
            assert row.status == "done" and row.holder != ""  # the writer did it, not the command
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)


def test_a_writer_rebuilds_an_index_built_by_an_older_version_when_it_starts(kb, server):
    """A new version that analyses text otherwise makes the old index unusable: the writer (the app
    starts one) rebuilds it, so nobody has to know to run `kb reindex`."""
    import shutil

    from whoosh import fields
    from whoosh import index as whoosh_index

    from kb.errors import IndexOutdated
    from kb.search import SearchRequest, search

    subscribe(kb, server.add("/a.xml", big_feed(3)))
    Writer(kb).run_until_idle()
    target = kb.config.index_dir.resolve()
    kb.reopen_index()
    shutil.rmtree(target)
    target.mkdir()
    whoosh_index.create_in(str(target), fields.Schema(id=fields.ID(stored=True)))
    with pytest.raises(IndexOutdated):
        kb.index  # noqa: B018
    Writer(kb).run(rounds=1)
    with kb.session() as session:
        assert search(kb.index, session, SearchRequest(query="")).total == doc_count(kb) == 3
