"""What the pages share across sessions: the open knowledge base, the demo load, the error edge.

DESIGN.md: the engine and the index are cached resources; a Whoosh
Searcher is never shared (`kb.search.search` opens one per query).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from kb import settings, writer
from kb.context import KB, open_kb
from kb.errors import IndexBusy, KBError
from kb.models import WriterRequest
from kb.ui.render import escape_inline

log = logging.getLogger(__name__)
_REOPEN = threading.Lock()


@st.cache_resource(show_spinner=False)
def _open(home: str, database_url: str, index_dir: str, _config: settings.Config) -> KB:
    kb = open_kb(_config)
    kb.index  # noqa: B018  (open or create the index once, under the cache's lock)
    return kb


def get_kb() -> KB:
    """The knowledge base under KB_HOME (read from the environment, as the CLI does)."""
    config = settings.load()
    return _open(str(config.home), config.database_url, str(config.index_dir), config)


def current_index(kb: KB):
    """The open index, reopened when `kb reindex` has swapped in a new generation."""
    ix = kb.index
    opened = Path(getattr(ix.storage, "folder", "")).resolve()
    if opened != kb.config.index_dir.resolve():
        with _REOPEN:
            if Path(getattr(kb.index.storage, "folder", "")).resolve() != kb.config.index_dir.resolve():
                kb.reopen_index()
        ix = kb.index  # an index of another schema raises IndexOutdated (a KBError) here
    return ix


def index_version(kb: KB) -> str:
    """Changes whenever the index does: a cache key for search results."""
    ix = current_index(kb)
    return f"{ix.storage.folder}:{ix.latest_generation()}"


@st.cache_resource(show_spinner=False)
def _load_demo_once(home: str, _kb: KB) -> tuple[str | None, str | None]:
    """(summary line, error): tried once per KB_HOME and process, failure included."""
    try:
        answer = ask_writer(_kb, "demo", wait=600)
        if answer is None or answer.status != "done":
            return None, (answer.error if answer else None) or "the writer did not answer in time"
        return answer.result, None
    except (OSError, KBError) as exc:
        log.warning("could not load the demo corpus: %s", exc)
        return None, str(exc)


def writes_allowed() -> bool:
    """False in a read-only deployment (KB_READ_ONLY=1): pages then offer nothing that writes.

    Read from the environment on every run, like `get_kb`, so that every page
    asks the same question in the same way.
    """
    return not settings.load().read_only


def writes_off_note() -> None:
    """What a page says in place of its write actions in a read-only deployment."""
    st.info(
        "Writes are turned off in this deployment (`KB_READ_ONLY=1`): sources are added and polled "
        "by whoever runs the knowledge base, with `kb sources add` and `kb run`.",
        icon=":material/lock:",
    )


def ensure_demo(kb: KB) -> str | None:
    """On a first start (no sources at all) have the writer load the bundled demo corpus, once per process."""
    from kb.demo import is_empty

    if not writes_allowed() or not is_empty(kb):  # loading the demo writes documents
        return None
    with st.spinner("First start: loading the bundled demo corpus…"):
        line, error = _load_demo_once(str(kb.config.home), kb)
    if error:
        st.warning(f"The demo corpus could not be loaded: {escape_inline(error)}", icon=":material/warning:")
    return line


def ask_writer(kb: KB, action: str, *, wait: float = 60.0, **params: object) -> WriterRequest | None:
    """Record a request for the writer, make sure one is there to take it, and wait up to `wait`
    seconds for its answer (the request row, done, failed or still under way)."""
    request_id = writer.request(kb, action, **params)
    mode = kb.config.app_writer
    if mode == "inline":  # one process (tests): the same writer code, run here and now
        writer.Writer(kb).run_until_idle()
    elif mode == "child":
        ensure_writer(kb)
    return writer.wait_for(kb, request_id, timeout=wait)


_CHILDREN: dict[str, subprocess.Popen[bytes]] = {}
_SPAWN = threading.Lock()


def ensure_writer(kb: KB) -> None:
    """Start `kb run` as a child of the app when no writer holds the writer lease.

    The child stops when the app's process ends (`--exit-with`); its log is KB_HOME/writer.log.
    """
    home = str(kb.config.home)
    with _SPAWN:
        child = _CHILDREN.get(home)
        if (child is not None and child.poll() is None) or writer.writer_running(kb):
            return
        env = dict(os.environ, KB_HOME=home, KB_DATABASE_URL=kb.config.database_url)
        log_file = open(kb.config.home / "writer.log", "ab")  # noqa: SIM115  (the child keeps it open)
        _CHILDREN[home] = subprocess.Popen(
            [sys.executable, "-m", "kb.cli", "run", "--exit-with", str(os.getpid())],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log_file.close()
    deadline = time.monotonic() + 15  # until the child holds the lease, so a second page does not start another
    while time.monotonic() < deadline and not writer.writer_running(kb) and _CHILDREN[home].poll() is None:
        time.sleep(0.1)


def sentence(message: object) -> str:
    """A message from the library (lower-case, like the CLI's) as an escaped sentence."""
    text = escape_inline(message)
    return text[:1].upper() + text[1:]


@contextmanager
def page_edge() -> Iterator[None]:
    """Turn errors into messages at the edge of a page: never a traceback on screen."""
    try:
        yield
    except IndexBusy as exc:
        st.error(
            f"The search index is busy (another process is writing to it): {escape_inline(exc)}. "
            "Wait a moment and try again.",
            icon=":material/hourglass_top:",
        )
    except KBError as exc:
        st.error(sentence(exc), icon=":material/error:")
    except Exception:  # a bug: logged in full, shown as one friendly line
        log.exception("page failed")
        st.error(
            "Something went wrong while showing this page. The details are in the server log.", icon=":material/error:"
        )
