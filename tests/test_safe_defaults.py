"""Safe by default: only public sources, a deadline per fetch, the app on loopback, a read-only mode."""

from __future__ import annotations

import ipaddress
import re
import tomllib

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ingest import fetch as fetch_module
from ingest.fetch import FetchOptions
from kb import settings
from kb.errors import UserInputError
from kb.store import add_source, list_sources
from tests.helpers import ROOT, rss

SOURCES_PAGE = str(ROOT / "kb/views/sources.py")
HINT = "set KB_ALLOW_PRIVATE_ADDRESSES=1 to allow private sources"


@pytest.fixture(autouse=True)
def fresh_caches():
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def test_the_defaults_are_the_safe_ones():
    config = settings.load({})
    assert config.allow_private_addresses is False and config.read_only is False
    assert config.fetch_deadline == 60
    options = FetchOptions()
    assert options.allow_private is False and options.deadline == 60


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:{port}/feed.xml", "127.0.0.1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
        ("http://[::1]:{port}/", "::1 is a loopback address"),
        ("http://localhost:{port}/feed.xml", "localhost resolves to"),
        ("http://10.0.0.7/feed.xml", "10.0.0.7 is a private address"),
        ("http://100.64.1.1/feed.xml", "carrier-grade NAT"),
        ("http://[::ffff:127.0.0.1]/feed.xml", "loopback address"),
        ("http://0.0.0.0:{port}/", "unspecified address"),
    ],
)
def test_adding_a_private_source_is_refused(kb, server, url, why):
    url = url.format(port=server.httpd.server_address[1])
    with kb.session() as session:
        with pytest.raises(UserInputError) as info:
            add_source(session, url=url)
        assert list_sources(session) == []
    message = str(info.value)
    assert message.startswith("refused: ") and why in message and message.endswith(HINT)
    assert "\n" not in message and server.requests == []


def test_a_name_with_one_private_address_among_public_ones_is_refused(kb, monkeypatch):
    answers = [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("10.1.2.3")]
    monkeypatch.setattr(fetch_module, "resolve", lambda host, port: answers)
    with kb.session() as session, pytest.raises(UserInputError, match=r"feeds\.example\.com resolves to 10\.1\.2\.3"):
        add_source(session, url="https://feeds.example.com/rss")


def test_public_and_unresolvable_sources_are_accepted(kb, monkeypatch):
    monkeypatch.setattr(fetch_module, "resolve", lambda host, port: [ipaddress.ip_address("93.184.215.14")])
    with kb.session() as session:
        assert add_source(session, url="https://feeds.example.com/rss").id

    def unresolvable(host, port):
        raise OSError("no such name")

    # the name may resolve by the time of the fetch, which checks the address it connects to again
    monkeypatch.setattr(fetch_module, "resolve", unresolvable)
    with kb.session() as session:
        assert add_source(session, url="https://not-yet.example.com/rss").id


def test_private_sources_when_allowed_and_local_files(kb, server, tmp_path):
    feed = tmp_path / "demo.xml"
    feed.write_text(rss(("a", "A", "alpha")), encoding="utf-8")
    with kb.session() as session:
        assert add_source(session, url=server.url("/feed.xml"), allow_private=True).id
        assert add_source(session, url=feed.as_uri(), allow_file=True).id  # the demo corpus: no network


def test_the_sources_page_refuses_a_private_source_by_default(kb_env, server, monkeypatch):
    monkeypatch.setenv("KB_ALLOW_PRIVATE_ADDRESSES", "0")
    at = AppTest.from_file(SOURCES_PAGE, default_timeout=30).run()
    at.text_input(key="new_url").input(server.url("/feed.xml"))
    next(b for b in at.button if b.label == "Add source").click().run()
    assert not at.exception
    errors = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]  # as shown: Markdown escapes removed
    assert any("127.0.0.1 is a loopback address" in e and HINT in e for e in errors), errors
    assert server.requests == []


def _sources_page(kb, monkeypatch, read_only: str) -> AppTest:
    monkeypatch.setenv("KB_READ_ONLY", read_only)
    with kb.session() as session:
        add_source(session, url="https://feeds.example.org/rss.xml", allow_private=True)
        session.commit()
    at = AppTest.from_file(SOURCES_PAGE, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


WRITE_BUTTONS = {"Add source", "Poll now", "Disable", "Poll all due sources", "Check every source now"}


def test_read_only_the_sources_page_has_no_write_actions(kb, monkeypatch):
    at = _sources_page(kb, monkeypatch, "1")
    assert not WRITE_BUTTONS & {b.label for b in at.button}
    assert not at.get("form") and not at.text_input
    assert any("Writes are turned off" in i.value for i in at.info)
    assert list(at.dataframe[0].value["url"]) == ["https://feeds.example.org/rss.xml"]  # reading still works


def test_writable_the_sources_page_has_its_write_actions(kb, monkeypatch):
    at = _sources_page(kb, monkeypatch, "0")
    assert {b.label for b in at.button} >= WRITE_BUTTONS
    assert not any("Writes are turned off" in i.value for i in at.info)


def test_read_only_the_app_does_not_load_the_demo_corpus(kb, monkeypatch):
    from kb.demo import is_empty
    from kb.ui.resources import ensure_demo

    monkeypatch.setenv("KB_READ_ONLY", "1")
    assert ensure_demo(kb) is None and is_empty(kb)


def test_the_app_listens_on_loopback_only():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
