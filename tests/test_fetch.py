"""Fetching over a real loopback HTTP server: validators, redirects, limits, errors."""

from __future__ import annotations

import pytest

from ingest import errors
from ingest.fetch import FetchOptions, fetch, parse_retry_after
from tests.helpers import rss

FEED = rss(("a", "First", "alpha"))


def test_etag_gives_304_and_no_body(server):
    url = server.add("/f.xml", FEED, etag='"v1"')
    first = fetch(url)
    assert first.status == 200 and first.etag == '"v1"' and b"First" in first.content
    second = fetch(url, etag=first.etag)
    assert second.not_modified and second.content == b""
    assert server.requests[-1][1]["if-none-match"] == '"v1"'


def test_last_modified_gives_304(server):
    stamp = "Tue, 09 Jul 2024 10:00:00 GMT"
    url = server.add("/f.xml", FEED, last_modified=stamp)
    first = fetch(url)
    assert first.last_modified == stamp
    assert fetch(url, last_modified=stamp).not_modified
    assert server.requests[-1][1]["if-modified-since"] == stamp


def test_redirect_is_followed(server):
    target = server.add("/new.xml", FEED)
    url = server.add("/old.xml", status=301, headers={"Location": target})
    result = fetch(url)
    assert result.url == target and b"First" in result.content


def test_redirect_loop_is_refused(server):
    for i in range(8):
        server.add(f"/r{i}", status=302, headers={"Location": server.url(f"/r{i + 1}")})
    with pytest.raises(errors.TooManyRedirects):
        fetch(server.url("/r0"))


def test_timeout(server):
    url = server.add("/slow.xml", FEED, delay=1.5)
    with pytest.raises(errors.FetchTimeout):
        fetch(url, options=FetchOptions(timeout=0.3))


def test_body_over_cap(server):
    url = server.add("/big.xml", b"x" * 5000)
    with pytest.raises(errors.TooLarge):
        fetch(url, options=FetchOptions(max_bytes=1000))


def test_gzip_body_over_cap_after_decoding(server):
    url = server.add("/bomb.xml", b"<rss>" + b" " * 200_000 + b"</rss>", gzip=True)
    with pytest.raises(errors.TooLarge, match="decoded"):
        fetch(url, options=FetchOptions(max_bytes=100_000))


def test_gzip_body_under_cap_is_decoded(server):
    url = server.add("/small.xml", FEED, gzip=True)
    assert b"First" in fetch(url).content


@pytest.mark.parametrize("status", [404, 500, 410])
def test_error_status(server, status):
    url = server.add("/x", status=status)
    with pytest.raises(errors.HTTPStatusError) as info:
        fetch(url)
    assert info.value.status == status


def test_retry_after_is_read(server):
    url = server.add("/busy", status=429, headers={"Retry-After": "120"})
    with pytest.raises(errors.HTTPStatusError) as info:
        fetch(url)
    assert info.value.retry_after == 120


def test_retry_after_http_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/f", "file:///etc/passwd", "example.org/feed", ""]
)
def test_only_http_urls(url):
    with pytest.raises(errors.BadURL):
        fetch(url)


def test_connection_refused():
    with pytest.raises(errors.ConnectionFailed):
        fetch("http://127.0.0.1:9/feed.xml", options=FetchOptions(timeout=1))


def test_private_addresses_can_be_refused_at_connect_time(server):
    url = server.add("/f.xml", FEED)
    assert b"First" in fetch(url, options=FetchOptions(allow_private=True)).content
    with pytest.raises(errors.ConnectionFailed, match="not a public address"):
        fetch(url, options=FetchOptions(allow_private=False))
    with pytest.raises(errors.ConnectionFailed, match="not a public address"):
        fetch(url.replace("127.0.0.1", "localhost"), options=FetchOptions(allow_private=False))
