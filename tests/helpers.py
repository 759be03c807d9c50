"""Test helpers: a real loopback HTTP server whose routes tests define, and store templates."""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

try:
    import fcntl
except ImportError:  # not on Windows: there each xdist worker builds its own templates
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from kb.context import KB

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = (ROOT.parent / "shared" / "fixtures").resolve()
# CI sets KB_REQUIRE_FIXTURES=1: there a missing shared fixture fails its tests instead of skipping them.
REQUIRE_FIXTURES = os.environ.get("KB_REQUIRE_FIXTURES") == "1"
# How often a test server's loop checks whether it was asked to stop (its shutdown waits this long at most).
POLL_INTERVAL = 0.02


def fixture_file(path: Path) -> Path:
    """`path` among the shared fixtures; when it is missing the test skips, or fails under KB_REQUIRE_FIXTURES=1."""
    if not path.exists():
        message = f"shared fixture not found at {path}"
        if REQUIRE_FIXTURES:
            pytest.fail(f"{message} (KB_REQUIRE_FIXTURES=1)")
        pytest.skip(message)
    return path


def needs_fixtures(path: Path) -> pytest.MarkDecorator:
    """A mark that skips tests when `path` is missing, unless KB_REQUIRE_FIXTURES=1 makes them run (and fail)."""
    return pytest.mark.skipif(not path.exists() and not REQUIRE_FIXTURES, reason=f"fixtures not found at {path}")


def build_template(home: Path, build: Callable[[KB], T]) -> T:
    """Open a new SQLite store in `home`, run `build` on it and close it: a template that tests copy
    (with `use_template`) instead of building the same store again. Loopback sources are allowed."""
    from kb import settings
    from kb.context import open_kb

    instance = open_kb(settings.load({"KB_HOME": str(home), "KB_ALLOW_PRIVATE_ADDRESSES": "1"}))
    try:
        return build(instance)
    finally:
        instance.reopen_index()
        instance.engine.dispose()


def shared_template(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[KB], object]) -> Path:
    """The KB_HOME of the template `name`, built by `build_template(home, build)` once per run.

    Under pytest-xdist the workers share it: the first worker that needs it builds it while the
    others wait for it (a file lock), instead of each worker building its own (the demo corpus
    takes seconds). A build that fails leaves no template behind: the next worker to need it
    builds it again, and fails the same way. Without xdist, or without fcntl, the run has its own."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER") and fcntl is not None:
        base = base.parent  # the run's directory, above each worker's own
    folder = base / f"{name}-template"
    home, done = folder / "kbhome", folder / "built"
    with _locked(base / f"{name}-template.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
            folder.mkdir(parents=True)
            build_template(home, build)
            done.touch()
    return home


@contextlib.contextmanager
def _locked(path: Path):
    """Hold an exclusive lock on `path` (created when missing); nothing when fcntl is missing."""
    if fcntl is None:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def use_template(kb: KB, template: Path) -> None:
    """Replace the SQLite store of `kb` (the test's own KB_HOME) with a copy of `template`.

    The KB stays usable: its connections and its index are closed first and open again on next use."""
    assert kb.config.database_url.startswith("sqlite:"), "a template is a SQLite store"
    kb.reopen_index()
    kb.engine.dispose()
    shutil.rmtree(kb.config.home)
    shutil.copytree(template, kb.config.home, symlinks=True)  # the index is a relative link to its generation


@dataclass
class Route:
    """A canned answer: body plus headers, with optional validators and behaviour."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    gzip: bool = False
    handler: Callable | None = None  # (request_handler) -> None, for anything custom


class LoopbackServer:
    """A ThreadingHTTPServer on a loopback address (127.0.0.1 unless told) with a route table and a request log."""

    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                if route is None:
                    self.send_error(404)
                    return
                server._answer(self, route)

        self.host = host
        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        # shutdown() waits for the serving loop to look at its flag: every 0.5 s by default, which
        # made closing a server (once per test) cost half a second.
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(POLL_INTERVAL,), daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str = b"", **kwargs) -> str:
        self.routes[path] = Route(body=body.encode() if isinstance(body, str) else body, **kwargs)
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def _answer(self, h: BaseHTTPRequestHandler, route: Route) -> None:
        if route.handler:
            route.handler(h)
            return
        if route.delay:
            time.sleep(route.delay)
        inm, ims = h.headers.get("If-None-Match"), h.headers.get("If-Modified-Since")
        if (route.etag and inm == route.etag) or (
            route.last_modified and not route.etag and ims == route.last_modified
        ):
            h.send_response(304)
            h.end_headers()
            return
        body = gzip.compress(route.body) if route.gzip else route.body
        h.send_response(route.status)
        for k, v in route.headers.items():
            h.send_header(k, v)
        if route.etag:
            h.send_header("ETag", route.etag)
        if route.last_modified:
            h.send_header("Last-Modified", route.last_modified)
        if route.gzip:
            h.send_header("Content-Encoding", "gzip")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            h.wfile.write(body)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def rss(*items: tuple[str, str, str], title: str = "Test feed") -> str:
    """A small RSS 2.0 document from (guid, title, description) triples."""
    entries = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><title>{t}</title><link>https://example.org/{g}</link>"
        f"<pubDate>Tue, 09 Jul 2024 10:00:00 GMT</pubDate><description>{d}</description></item>"
        for g, t, d in items
    )
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>{title}</title>"
        f"<link>https://example.org/</link><description>d</description>{entries}</channel></rss>"
    )
