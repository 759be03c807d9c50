"""Fetching over a real loopback HTTP server: validators, redirects, limits, errors."""

from __future__ import annotations

import contextlib
import ipaddress
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingest import errors
from ingest import fetch as fetch_module
from ingest.fetch import FetchOptions, fetch, parse_retry_after
from tests.helpers import POLL_INTERVAL, rss

FEED = rss(("a", "First", "alpha"))
# The loopback server is a private address, which the default options refuse.
LOCAL = FetchOptions(allow_private=True)


def test_etag_gives_304_and_no_body(server):
    url = server.add("/f.xml", FEED, etag='"v1"')
    first = fetch(url, options=LOCAL)
    assert first.status == 200 and first.etag == '"v1"' and b"First" in first.content
    second = fetch(url, etag=first.etag, options=LOCAL)
    assert second.not_modified and second.content == b""
    assert server.requests[-1][1]["if-none-match"] == '"v1"'


def test_last_modified_gives_304(server):
    stamp = "Tue, 09 Jul 2024 10:00:00 GMT"
    url = server.add("/f.xml", FEED, last_modified=stamp)
    first = fetch(url, options=LOCAL)
    assert first.last_modified == stamp
    assert fetch(url, last_modified=stamp, options=LOCAL).not_modified
    assert server.requests[-1][1]["if-modified-since"] == stamp


def test_redirect_is_followed(server):
    target = server.add("/new.xml", FEED)
    url = server.add("/old.xml", status=301, headers={"Location": target})
    result = fetch(url, options=LOCAL)
    assert result.url == target and b"First" in result.content


def test_redirect_loop_is_refused(server):
    for i in range(8):
        server.add(f"/r{i}", status=302, headers={"Location": server.url(f"/r{i + 1}")})
    with pytest.raises(errors.TooManyRedirects):
        fetch(server.url("/r0"), options=LOCAL)


def test_timeout(server):
    url = server.add("/slow.xml", FEED, delay=1.5)
    with pytest.raises(errors.FetchTimeout):
        fetch(url, options=FetchOptions(timeout=0.3, allow_private=True))


def test_body_over_cap(server):
    url = server.add("/big.xml", b"x" * 5000)
    with pytest.raises(errors.TooLarge):
        fetch(url, options=FetchOptions(max_bytes=1000, allow_private=True))


def test_gzip_body_over_cap_after_decoding(server):
    url = server.add("/bomb.xml", b"<rss>" + b" " * 200_000 + b"</rss>", gzip=True)
    with pytest.raises(errors.TooLarge, match="decoded"):
        fetch(url, options=FetchOptions(max_bytes=100_000, allow_private=True))


def test_gzip_body_under_cap_is_decoded(server):
    url = server.add("/small.xml", FEED, gzip=True)
    assert b"First" in fetch(url, options=LOCAL).content


@pytest.mark.parametrize("status", [404, 500, 410])
def test_error_status(server, status):
    url = server.add("/x", status=status)
    with pytest.raises(errors.HTTPStatusError) as info:
        fetch(url, options=LOCAL)
    assert info.value.status == status


def test_retry_after_is_read(server):
    url = server.add("/busy", status=429, headers={"Retry-After": "120"})
    with pytest.raises(errors.HTTPStatusError) as info:
        fetch(url, options=LOCAL)
    assert info.value.retry_after == 120


def test_retry_after_http_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/f", "file:///etc/passwd", "example.org/feed", ""]
)
def test_only_http_urls(url):
    with pytest.raises(errors.BadURL):
        fetch(url, options=LOCAL)


def test_connection_refused():
    with pytest.raises(errors.ConnectionFailed):
        fetch("http://127.0.0.1:9/feed.xml", options=FetchOptions(timeout=1, allow_private=True))


def test_private_addresses_are_refused_at_connect_time_by_default(server):
    url = server.add("/f.xml", FEED)
    assert b"First" in fetch(url, options=LOCAL).content
    with pytest.raises(errors.PrivateAddress, match=r"127\.0\.0\.1 is a loopback address"):
        fetch(url)
    with pytest.raises(errors.PrivateAddress, match=r"localhost resolves to .*, a loopback address"):
        fetch(url.replace("127.0.0.1", "localhost"), options=FetchOptions(allow_private=False))
    assert server.requests == [("/f.xml", server.requests[0][1])]  # only the allowed fetch got through


class _RedirectToLoopback(BaseHTTPRequestHandler):
    target = ""

    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def public_looking(server, monkeypatch):
    """A server on 127.0.0.2 that the address check takes for a public host; it redirects to `server`."""
    try:
        httpd = ThreadingHTTPServer(("127.0.0.2", 0), _RedirectToLoopback)
    except OSError:
        pytest.skip("cannot bind 127.0.0.2 here")
    threading.Thread(target=httpd.serve_forever, args=(POLL_INTERVAL,), daemon=True).start()
    real = fetch_module.address_problem
    monkeypatch.setattr(fetch_module, "address_problem", lambda a: None if str(a) == "127.0.0.2" else real(a))
    yield f"http://127.0.0.2:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_redirect_to_loopback_is_refused(server, public_looking):
    _RedirectToLoopback.target = server.add("/internal", "secret")
    with pytest.raises(errors.PrivateAddress, match=r"127\.0\.0\.1 is a loopback address") as info:
        fetch(public_looking + "/feed.xml", options=FetchOptions(allow_private=False))
    assert "redirected from " + public_looking in str(info.value)
    assert server.hits("/internal") == 0


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fd00::1", "private"),
        ("fe80::1", "link-local"),
        ("ff0e::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:100.64.0.1", "carrier-grade NAT"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
    ],
)
def test_addresses_that_are_not_public(address, kind):
    assert kind in (fetch_module.address_problem(ipaddress.ip_address(address)) or "")


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::ffff:8.8.8.8"])
def test_public_addresses(address):
    assert fetch_module.address_problem(ipaddress.ip_address(address)) is None


def _trickle(handler, head: bytes, body: bytes) -> None:
    """Send `head` at once, then `body` one byte every 0.1 s (for up to ten seconds)."""
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        handler.wfile.write(head)
        for byte in body[:100]:
            time.sleep(0.1)
            handler.wfile.write(bytes([byte]))


def _slow_body(handler) -> None:
    _trickle(handler, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", b"x" * 1000)


def _slow_headers(handler) -> None:
    _trickle(handler, b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 1000)


@pytest.mark.parametrize("handler", [_slow_body, _slow_headers])
def test_a_trickling_server_is_given_up_on_at_the_deadline(server, handler):
    url = server.add("/trickle", handler=handler)
    # Every byte comes well within the read timeout; only the deadline for the whole fetch stops it.
    options = FetchOptions(timeout=5, deadline=0.6, allow_private=True)
    started = time.monotonic()
    with pytest.raises(errors.FetchTimeout, match=r"gave up after 0\.6s"):
        fetch(url, options=options)
    assert time.monotonic() - started < 0.6 + 0.5
    healthy = server.add("/f.xml", FEED)
    assert b"First" in fetch(healthy, options=options).content  # the next fetch has a deadline of its own


def test_the_deadline_covers_redirect_hops_together(server):
    # Each hop answers well within the deadline; the four together do not.
    server.add("/slow", FEED, delay=0.25)
    for i in range(3):
        server.add(f"/hop{i}", status=302, delay=0.25, headers={"Location": server.url(f"/hop{i + 1}")})
    server.routes["/hop3"] = server.routes["/slow"]
    started = time.monotonic()
    with pytest.raises(errors.FetchTimeout, match=r"gave up after 0\.6s"):
        fetch(server.url("/hop0"), options=FetchOptions(timeout=5, deadline=0.6, allow_private=True))
    assert time.monotonic() - started < 0.6 + 0.5
