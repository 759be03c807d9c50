"""Starting up on a damaged, read-only, full or half-migrated KB_HOME: the real `kb` CLI in a
subprocess says in one line what to do, read-only commands work on a read-only KB_HOME, and an
interrupted migration is run again cleanly.

The read-only and full-disk cases need a mount namespace (`unshare -m`, as root): a chmod does
not stop root, a read-only bind mount does, and a tiny tmpfs fills up like a real disk. Without
one they skip, unless KB_REQUIRE_ROOT_TESTS=1 (CI) makes them fail.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from kb import db, settings
from kb.context import open_kb

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_ROOT_TESTS = os.environ.get("KB_REQUIRE_ROOT_TESTS") == "1"
READ_COMMANDS = {
    "search": ["search", "export controls"],
    "timeline": ["timeline", "--limit", "2"],
    "entity": ["entity", "nvidia", "--limit", "2"],
    "entities": ["entities", "--limit", "3"],
    "sources-list": ["sources", "list"],
    "check": ["check"],
}
KB = [sys.executable, "-m", "kb.cli"]
# Each test runs whole `kb` processes: left out of the quick loop (`-m "not slow"`).
pytestmark = pytest.mark.slow


# ---- helpers --------------------------------------------------------------------------


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_HOME=str(home), KB_HTTP_TIMEOUT="2", KB_INDEX_LOCK_TIMEOUT="2", **extra)
    return env


def kb(home: Path, *args: str, argv: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(argv or KB), *args], cwd=ROOT, env=_env(home), capture_output=True, text=True, timeout=300)


def assert_one_error_line(proc: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Exit code 1, and stderr is a single `error: ...` line containing every `expected` text."""
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for text_ in expected:
        assert text_ in lines[0], lines[0]
    return lines[0]


def snapshot(home: Path) -> dict[str, tuple[str, int]]:
    """Every file under `home` with its content hash and modification time."""
    files = {}
    for path in sorted(home.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[str(path.relative_to(home))] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                path.stat().st_mtime_ns,
            )
    return files


def revision_and_tables(database: Path) -> tuple[str | None, set[str]]:
    conn = sqlite3.connect(database)
    try:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = (
            conn.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in tables else None
        )
        return (revision[0] if revision else None), tables
    finally:
        conn.close()


def upgrade_to(database: Path, revision: str) -> None:
    """A database whose schema stops at `revision` (as an older kb left it)."""
    engine = db.make_engine(f"sqlite:///{database}")
    cfg = db._alembic_config(str(engine.url))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Path:
    """A KB_HOME loaded with the demo corpus, built once; tests work on copies."""
    home = tmp_path_factory.mktemp("demo") / "kbhome"
    proc = kb(home, "demo")
    assert proc.returncode == 0, proc.stderr
    return home


def copy_of(demo_home: Path, target: Path) -> Path:
    shutil.copytree(demo_home, target, symlinks=True)  # the index is a relative link to its generation
    return target


def mount_namespace_or_skip(probe_dir: Path) -> None:
    """Skip (or fail, under KB_REQUIRE_ROOT_TESTS=1) when no mount namespace can be made."""
    probe_dir.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run(
            ["unshare", "-m", "sh", "-c", f'mount -t tmpfs -o size=64k tmpfs "{probe_dir}"'],
            capture_output=True,
            text=True,
            timeout=30,
        )
        reason = proc.stderr.strip() if proc.returncode else ""
    except FileNotFoundError as exc:
        reason = str(exc)
    if reason:
        message = f"needs `unshare -m` and mount (root): {reason}"
        if REQUIRE_ROOT_TESTS:
            pytest.fail(f"{message} (KB_REQUIRE_ROOT_TESTS=1)")
        pytest.skip(message)


def in_namespace(home: Path, out: Path, script: str, **extra_env: str) -> dict[str, subprocess.CompletedProcess[str]]:
    """Run `script` (sh) in a private mount namespace. In it, `run NAME kb ARGS...` runs the CLI
    and records its exit code and output under NAME; those come back as CompletedProcess objects."""
    out.mkdir(parents=True, exist_ok=True)
    prelude = (
        "set -e\n"
        'run() { name=$1; shift; [ "$1" = kb ] && shift && set -- $KB_CLI "$@"; '
        'if "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; then echo 0 >"$OUT/$name.rc"; '
        'else echo $? >"$OUT/$name.rc"; fi; }\n'
    )
    env = _env(home, OUT=str(out), KB_CLI=" ".join(KB), **extra_env)
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", prelude + script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr
    return {
        rc.stem: subprocess.CompletedProcess(
            rc.stem, int(rc.read_text()), (out / f"{rc.stem}.out").read_text(), (out / f"{rc.stem}.err").read_text()
        )
        for rc in out.glob("*.rc")
    }


# ---- no knowledge base, an old or newer schema, a damaged file ---------------------------


@pytest.mark.parametrize("name", ["search", "timeline"])
def test_read_command_without_a_knowledge_base_creates_nothing(tmp_path, name):
    home = tmp_path / "kbhome"
    proc = kb(home, *READ_COMMANDS[name])
    assert_one_error_line(proc, f"no knowledge base in KB_HOME={home}", "run `kb init`")
    assert not home.exists()


def test_read_command_on_an_older_schema_asks_for_kb_init(tmp_path):
    home = tmp_path / "kbhome"
    home.mkdir()
    upgrade_to(home / "kb.sqlite3", "0002")
    before = snapshot(home)
    assert_one_error_line(kb(home, "search", "export"), "the database needs an upgrade: run `kb init`")
    assert snapshot(home) == before  # not migrated behind the user's back
    assert kb(home, "init").returncode == 0
    assert revision_and_tables(home / "kb.sqlite3")[0] == db.head_revision()


def test_database_from_a_newer_kb_is_named_not_migrated(tmp_path):
    home = tmp_path / "kbhome"
    home.mkdir()
    upgrade_to(home / "kb.sqlite3", "head")
    conn = sqlite3.connect(home / "kb.sqlite3")
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    for args in (["search", "x"], ["init"]):
        assert_one_error_line(kb(home, *args), "schema revision 9999", "newer kb")


@pytest.mark.parametrize("args", [["init"], ["search", "export"]], ids=["init", "search"])
def test_a_file_that_is_not_a_database_is_named_and_left_alone(tmp_path, args):
    home = tmp_path / "kbhome"
    home.mkdir()
    junk = os.urandom(64 * 1024)
    (home / "kb.sqlite3").write_bytes(junk)
    assert_one_error_line(
        kb(home, *args), f"the database at {home / 'kb.sqlite3'} is not a SQLite database or is damaged", "kb init"
    )
    assert (home / "kb.sqlite3").read_bytes() == junk


# ---- an interrupted migration ------------------------------------------------------------

# The real CLI, with its migrations taken from another directory (the one the test breaks).
PATCHED_CLI = (
    "import sys, pathlib, kb.db; kb.db.MIGRATIONS = pathlib.Path(sys.argv[1]); "
    "from kb.cli import main; sys.exit(main(sys.argv[2:]))"
)
FAILURES = {
    # the disk fills up half-way through the migration
    "enospc": "raise OSError(errno.ENOSPC, 'No space left on device')",
    # the process is killed half-way through the migration
    "killed": "os.kill(os.getpid(), signal.SIGKILL)",
}


def broken_migrations(tmp_path: Path, failure: str) -> Path:
    """A copy of kb/migrations where 0002 does its work, then fails before it can finish."""
    copy = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (version,) = copy.glob("versions/0002_*.py")
    version.write_text(
        version.read_text()
        + "\n\nimport errno, os, signal\n_upgrade = upgrade\n\n\ndef upgrade() -> None:  # noqa: F811\n"
        + f"    _upgrade()\n    {FAILURES[failure]}\n"
    )
    return copy


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_an_interrupted_migration_is_run_again_cleanly(tmp_path, failure):
    home = tmp_path / "kbhome"
    home.mkdir()
    database = home / "kb.sqlite3"
    reference = tmp_path / "at-0001.sqlite3"
    upgrade_to(reference, "0001")
    upgrade_to(database, "0001")

    proc = kb(home, "init", argv=[sys.executable, "-c", PATCHED_CLI, str(broken_migrations(tmp_path, failure))])
    if failure == "killed":
        assert proc.returncode == -signal.SIGKILL, proc.stderr
    else:
        assert_one_error_line(proc, "the disk holding KB_HOME", "is full", "nothing was lost")
    # Nothing of 0002 stayed: the schema is exactly the one at 0001.
    assert revision_and_tables(database) == revision_and_tables(reference)

    proc = kb(home, "init")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert revision_and_tables(database)[0] == db.head_revision()
    assert kb(home, "search", "anything").returncode == 0


# ---- read-only commands never write ---------------------------------------------------------


def test_read_only_opening_refuses_writes_and_creates_nothing(demo_home, tmp_path):
    home = copy_of(demo_home, tmp_path / "kbhome")
    before = snapshot(home)
    kb_ = open_kb(settings.load({"KB_HOME": str(home)}), read_only=True)
    try:
        with kb_.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM document")).scalar() == 61
            with pytest.raises(OperationalError, match="readonly database"):
                conn.execute(text("INSERT INTO meta (key, value) VALUES ('x', 'y')"))
        kb_.index.doc_count()
    finally:
        kb_.reopen_index()
        kb_.engine.dispose()
    assert snapshot(home) == before


def test_read_only_commands_on_a_read_only_kb_home(demo_home, tmp_path):
    home = copy_of(demo_home, tmp_path / "kbhome")
    mount_namespace_or_skip(tmp_path / "probe")
    registry = tmp_path / "registry"
    shutil.copytree(settings.load({}).registry_dir, registry)
    before = snapshot(home)
    script = "\n".join(
        [
            'mount --bind -o ro "$KB_HOME" "$KB_HOME"',
            *(f"run {name} kb {shlex.join(args)}" for name, args in READ_COMMANDS.items()),
            "run init kb init",
            "run add kb sources add https://example.org/feed.xml --no-poll",
            "run reindex kb reindex",
            # A KB_HOME still to be created, inside the read-only one
            'run init-new env KB_HOME="$KB_HOME/new" $KB_CLI init',
            # The registry changed since the links were made: they cannot be redone here
            f'for f in "{registry}"/*.yaml; do echo "# changed" >> "$f"; break; done',
            f'run entity-changed env KB_REGISTRY_DIR="{registry}" $KB_CLI entity nvidia --limit 2',
        ]
    )
    results = in_namespace(home, tmp_path / "out", script)
    for name in READ_COMMANDS:
        proc = results[name]
        assert proc.returncode == 0 and proc.stderr == "" and proc.stdout, (name, proc.stderr)
    assert "61 documents in the database, 61 in the index" in results["check"].stdout
    for name in ("init", "add", "reindex"):
        assert_one_error_line(results[name], f"KB_HOME={home} is read-only", "search, timeline")
    assert_one_error_line(results["init-new"], f"KB_HOME={home / 'new'} is read-only")
    changed = results["entity-changed"]
    assert changed.returncode == 0 and "Nvidia" in changed.stdout
    assert changed.stderr.strip() == (
        f"warning: entity links not brought up to date with the registry: KB_HOME={home} is read-only"
    )
    assert snapshot(home) == before


def test_a_read_only_wal_database_left_by_a_killed_writer(demo_home, tmp_path):
    """A writer killed after a commit leaves it in the -wal file: a read-only KB_HOME still reads it
    through the -shm; without the -shm it cannot, and says so."""
    home = copy_of(demo_home, tmp_path / "kbhome")
    mount_namespace_or_skip(tmp_path / "probe")
    writer = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute(\"UPDATE source SET title = 'Renamed after a crash' WHERE id = 1\"); c.commit(); os._exit(0)",
            str(home / "kb.sqlite3"),
        ],
        timeout=60,
    )
    assert writer.returncode == 0 and (home / "kb.sqlite3-wal").stat().st_size > 0
    results = in_namespace(
        home,
        tmp_path / "out",
        'mount --bind -o ro "$KB_HOME" "$KB_HOME"\nrun with-shm kb sources list\n'
        'mount -o remount,bind,rw "$KB_HOME"; mv "$KB_HOME/kb.sqlite3-shm" "$OUT/shm"\n'
        'mount -o remount,bind,ro "$KB_HOME"\nrun without-shm kb sources list',
    )
    assert results["with-shm"].returncode == 0 and "Renamed after a crash" in results["with-shm"].stdout
    assert_one_error_line(results["without-shm"], "kb.sqlite3-wal", "run any `kb` command once where it is")


# ---- a full disk --------------------------------------------------------------------------------


def test_a_full_disk(demo_home, tmp_path):
    """On a tiny tmpfs `kb init` fails in a migration, and succeeds once there is space; with the
    disk full, a writer stops with one line, searches still answer, and nothing is lost."""
    home = tmp_path / "kbhome"
    home.mkdir()
    mount_namespace_or_skip(tmp_path / "probe")
    script = f"""
mount -t tmpfs -o size=64k tmpfs "$KB_HOME"
run init-full kb init
mount -o remount,size=32m "$KB_HOME"
run init-again kb init
rm -rf "$KB_HOME"/*
cp -a "{demo_home}"/. "$KB_HOME"/
dd if=/dev/zero of="$KB_HOME/filler" bs=4k 2>/dev/null || true
run reindex-full kb reindex
run sources-add-full kb sources add https://example.org/feed.xml --no-poll
run search-full kb search "export controls"
run timeline-full kb timeline --limit 2
rm "$KB_HOME/filler"
run check-after kb check
run search-after kb search "export controls"
"""
    results = in_namespace(home, tmp_path / "out", script)
    full = "the disk holding KB_HOME", "is full: free space and run the command again; nothing was lost"
    assert_one_error_line(results["init-full"], *full)
    assert results["init-again"].returncode == 0 and results["init-again"].stderr == "", results["init-again"].stderr
    assert_one_error_line(results["reindex-full"], *full)
    assert_one_error_line(results["sources-add-full"], *full)
    for name in ("search-full", "timeline-full"):
        assert results[name].returncode == 0 and results[name].stderr == "", (name, results[name].stderr)
    assert "61 documents in the database, 61 in the index" in results["check-after"].stdout
    assert results["check-after"].returncode == 0
    assert results["search-after"].stdout == results["search-full"].stdout
