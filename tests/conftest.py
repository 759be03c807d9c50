"""Shared fixtures: a knowledge base in tmp_path and a loopback HTTP server.

The store runs on SQLite unless a test is marked `both_databases`: such a
test runs twice, `[sqlite]` and `[postgres]`. The PostgreSQL run gets a fresh
database on the server named by KB_TEST_POSTGRES_URL (scripts/ci_postgres.sh
starts one), and is skipped when that variable is unset, or fails instead
when KB_REQUIRE_POSTGRES=1 (as in CI). KB_TEST_BOTH_DATABASES=all doubles
every test that opens a store.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.helpers import LoopbackServer, shared_template

if TYPE_CHECKING:
    from kb.context import KB

# The kb modules (and psycopg) are imported where they are used: the process that hands the tests
# to xdist's workers reads this file too, and would otherwise spend seconds importing what it never runs.

BACKENDS = ("sqlite", "postgres")
# KB_TEST_BOTH_DATABASES=all doubles every test that opens a store, marked or not: a sweep for
# SQL that only SQLite accepts, too slow for every run.
EVERY_TEST_ON_BOTH = os.environ.get("KB_TEST_BOTH_DATABASES") == "all"


def pytest_generate_tests(metafunc):
    # Only marked tests are doubled; every other test reaches `database_url` unparametrised and gets SQLite.
    if "database_url" not in metafunc.fixturenames:
        return
    if EVERY_TEST_ON_BOTH or metafunc.definition.get_closest_marker("both_databases"):
        metafunc.parametrize("database_url", BACKENDS, indirect=True)


def pytest_collection_modifyitems(config, items):
    """A test on a copy of the whole demo corpus (`demo_kb`) is slow by the marker's definition: the
    corpus is built once per run (seconds) and such tests render whole pages over it. CI runs them;
    the quick loop (`-m "not browser and not slow"`) leaves them out."""
    for item in items:
        if "demo_kb" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def pytest_runtest_setup(item):
    _scan_streamlit_components_once()
    _compile_streamlit_scripts_once()


def _scan_streamlit_components_once() -> None:
    """Every new Streamlit AppTest scans all installed distributions for component manifests (about
    0.2 s, and the UI tests make a hundred AppTests); the installed packages do not change during a
    run, so after the first scan in a process its answer is reused. Nothing happens before Streamlit's
    scanner is imported, or when a Streamlit release no longer has it."""
    scanner = sys.modules.get("streamlit.components.v2.manifest_scanner")
    scan = getattr(scanner, "scan_component_manifests", None)
    if scan is None or getattr(scan, "scanned_once", False):
        return
    found: list = []

    def scan_once(max_workers=None):
        if not found:
            found.append(scan(max_workers))
        return list(found[0])

    scan_once.scanned_once = True  # type: ignore[attr-defined]
    scanner.scan_component_manifests = scan_once  # type: ignore[union-attr]


def _compile_streamlit_scripts_once() -> None:
    """Every run of a Streamlit AppTest makes a new script cache, so each run parses the page again,
    rewrites it for Streamlit's "magic" and compiles it (a tenth of a second for a page). The code
    of an unchanged file is the same every time: it is kept for the process, keyed by the file's
    path, size and modification time and the magic setting. Nothing happens before Streamlit's
    script cache is imported, or when a Streamlit release changes it."""
    module = sys.modules.get("streamlit.runtime.scriptrunner.script_cache")
    cache_class = getattr(module, "ScriptCache", None)
    compile_script = getattr(cache_class, "get_bytecode", None)
    if compile_script is None or getattr(compile_script, "compiled_once", False):
        return
    from streamlit import config

    compiled: dict[tuple, object] = {}

    def get_bytecode(self, script_path: str):
        path = os.path.abspath(script_path)
        try:
            stat = os.stat(path)
        except OSError:
            return compile_script(self, script_path)  # Streamlit's own error
        key = (path, stat.st_size, stat.st_mtime_ns, config.get_option("runner.magicEnabled"))
        if key not in compiled:
            compiled[key] = compile_script(self, script_path)
        return compiled[key]

    get_bytecode.compiled_once = True  # type: ignore[attr-defined]
    cache_class.get_bytecode = get_bytecode  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of the PostgreSQL server the tests may create databases on."""
    from tests import pg

    url = pg.server_url()
    if url is None:
        message = f"{pg.SERVER_ENV} is not set (start a server with scripts/ci_postgres.sh)"
        if pg.required():
            pytest.fail(f"{message}, and {pg.REQUIRE_ENV}=1 requires the PostgreSQL tests to run")
        pytest.skip(message)
    try:
        pg.check_server(url)
    except Exception as exc:  # a server that was named but cannot be used is a broken setup, never a skip
        pytest.fail(f"{pg.SERVER_ENV}={url} is not usable: {exc}")
    return url


@pytest.fixture
def database_url(request, tmp_path):
    """The store's URL: the default SQLite file under KB_HOME, or a throwaway PostgreSQL database."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'kbhome' / 'kb.sqlite3'}"
        return
    from tests import pg

    server = request.getfixturevalue("postgres_server")
    url = pg.create_database(server)
    try:
        yield url
    finally:
        pg.drop_database(server, url)


@pytest.fixture
def kb_env(tmp_path, monkeypatch, database_url):
    """KB_HOME in a temporary directory, for code that reads the environment."""
    home = tmp_path / "kbhome"
    monkeypatch.setenv("KB_HOME", str(home))
    for name in ("KB_DATABASE_URL", "KB_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)
    if not database_url.startswith("sqlite:"):
        monkeypatch.setenv("KB_DATABASE_URL", database_url)
    monkeypatch.setenv("KB_HTTP_TIMEOUT", "2")
    monkeypatch.setenv("KB_INDEX_LOCK_TIMEOUT", "0.5")
    # The tests' HTTP servers live on loopback, which the default settings refuse.
    monkeypatch.setenv("KB_ALLOW_PRIVATE_ADDRESSES", "1")
    # Pages tested in-process run the writer's code in the test's process; the browser tests
    # start the real app, which starts a real writer (KB_APP_WRITER=child, the default).
    monkeypatch.setenv("KB_APP_WRITER", "inline")
    return home


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory) -> Path:
    """A KB_HOME with a new SQLite store migrated to the head revision, made once per run: `kb`
    copies it instead of running every migration again for each test (tests/test_db.py and
    every `kb_env` test that opens a store still migrate new stores). Shared by xdist's workers."""
    return shared_template(tmp_path_factory, "empty", lambda kb: None)


def _open_store(request, template: str) -> tuple[KB, bool]:
    """Open the test's store (under kb_env's KB_HOME): when it is the default SQLite file and does
    not exist yet, a copy of the session fixture `template`. Returns the KB and whether it was copied."""
    from kb import settings
    from kb.context import open_kb

    config = settings.load()
    path = config.home / "kb.sqlite3"
    copied = config.database_url == f"sqlite:///{path}" and not path.exists()
    if copied:
        shutil.copytree(request.getfixturevalue(template), config.home, symlinks=True, dirs_exist_ok=True)
    return open_kb(config), copied  # open_kb finds a copy's schema at the head revision, or migrates


@pytest.fixture
def kb(kb_env, request):
    """An initialised knowledge base: a real database (SQLite, or PostgreSQL when parametrised) and a real Whoosh index.

    On SQLite the new store is a copy of `empty_template`: the same file a first `open_kb` makes."""
    instance, _ = _open_store(request, "empty_template")
    yield instance
    instance.reopen_index()
    instance.engine.dispose()


def load_registry(kb: KB) -> None:
    """What the link stage's first run loads: the registry's entities."""
    from kb.entities import ensure_registry

    with kb.session() as session:
        ensure_registry(session, kb.config.registry_dir)
        session.commit()


def load_reference_data(kb: KB) -> None:
    """What a store's first poll loads before any document: the registry's entities and the curated timeline."""
    from kb.events.stage import ensure_events

    load_registry(kb)
    with kb.session() as session:
        ensure_events(session, linker=kb.linker)
        session.commit()


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory) -> Path:
    """A KB_HOME with a migrated SQLite store holding the registry's entities: `registry_kb` copies it.
    Made once per run, shared by xdist's workers."""
    return shared_template(tmp_path_factory, "registry", load_registry)


@pytest.fixture
def registry_kb(kb_env, request):
    """`kb` with the registry's entities loaded (`load_registry`) and nothing else: no curated timeline,
    sources or documents. For the events tests, which mostly bring a curated timeline of their own.
    On SQLite a copy of `registry_template`; on PostgreSQL loaded in place."""
    instance, copied = _open_store(request, "registry_template")
    if not copied:
        load_registry(instance)
    yield instance
    instance.reopen_index()
    instance.engine.dispose()


@pytest.fixture(scope="session")
def loaded_template(tmp_path_factory) -> Path:
    """A KB_HOME with a migrated SQLite store holding the reference data, made once per run (shared
    by xdist's workers): `loaded_kb` copies it."""
    return shared_template(tmp_path_factory, "loaded", load_reference_data)


@pytest.fixture
def loaded_kb(kb_env, request):
    """`kb` as after its first poll of nothing: the registry's entities and the curated timeline are
    loaded (`load_reference_data`), there are no sources and no documents.

    For tests about polling, fetching and scheduling, which otherwise spend most of their time on
    that one-off load (about a second each). The tests of other modules load it in their first poll,
    and tests/test_events.py loads curated timelines. On SQLite a copy of `loaded_template`; on
    PostgreSQL loaded in place."""
    instance, copied = _open_store(request, "loaded_template")
    if not copied:
        load_reference_data(instance)
    yield instance
    instance.reopen_index()
    instance.engine.dispose()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A KB_HOME (SQLite) with the demo corpus loaded, built once per run (shared by xdist's workers:
    it takes seconds): `demo_kb` copies it."""
    return shared_template(tmp_path_factory, "demo", load_whole_demo)


def load_whole_demo(kb: KB) -> None:
    """`kb demo`'s load, which must read every file without a failure or a warning."""
    from kb.demo import load_demo

    summary = load_demo(kb)
    assert summary.count("failed") == 0 and not any(o.warning for o in summary.outcomes), summary.line()


@pytest.fixture
def demo_kb(kb_env, demo_template, database_url):
    """The demo corpus in this test's own KB_HOME: a copy of the template, which tests may change."""
    if not database_url.startswith("sqlite:"):
        pytest.skip("the demo template is a SQLite store")
    from kb import settings
    from kb.context import open_kb

    shutil.copytree(demo_template, kb_env, symlinks=True)  # the index is a relative link to its generation
    instance = open_kb(settings.load())
    yield instance
    instance.reopen_index()
    instance.engine.dispose()


@pytest.fixture
def server():
    srv = LoopbackServer()
    yield srv
    srv.close()
