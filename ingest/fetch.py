"""HTTP fetching with validators, timeouts, a redirect limit and a size cap."""

from __future__ import annotations

import email.utils
import ipaddress
import re
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpcore
import httpx

from ingest.errors import BadURL, ConnectionFailed, FetchTimeout, HTTPStatusError, TooLarge, TooManyRedirects

MAX_REDIRECTS = 5


@dataclass
class FetchOptions:
    timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    user_agent: str = "ai-policy-kb/0.1"
    allow_file: bool = False  # file:// URLs, for the bundled demo corpus only
    allow_private: bool = True  # False: refuse loopback, private and link-local addresses


@dataclass
class FetchResult:
    url: str  # final URL after redirects
    status: int
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def max_age(self) -> int | None:
        """Seconds the server says the response stays fresh, if it says."""
        match = re.search(r"max-age=(\d+)", self.headers.get("cache-control", ""))
        return int(match.group(1)) if match else None


def check_url(url: str, *, allow_file: bool = False) -> str:
    """Return `url` if it is an absolute http(s) URL, else raise BadURL."""
    parts = urlsplit(url.strip())
    if parts.scheme == "file" and allow_file:
        return url.strip()
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadURL(f"not an http(s) URL: {url!r}")
    return url.strip()


def fetch(
    url: str, *, etag: str | None = None, last_modified: str | None = None, options: FetchOptions | None = None
) -> FetchResult:
    """GET `url`, conditionally when validators are given."""
    options = options or FetchOptions()
    url = check_url(url, allow_file=options.allow_file)
    if url.startswith("file:"):
        return _read_file(url, options)
    headers = {"User-Agent": options.user_agent, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with (
            httpx.Client(
                timeout=options.timeout,
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                headers=headers,
                transport=_transport(options),
            ) as client,
            client.stream("GET", url) as response,
        ):
            return _read_response(response, options)
    except httpx.TimeoutException as exc:
        raise FetchTimeout(f"timed out after {options.timeout:g}s: {url}") from exc
    except httpx.TooManyRedirects as exc:
        raise TooManyRedirects(f"more than {MAX_REDIRECTS} redirects: {url}") from exc
    except (httpx.TransportError, httpx.InvalidURL) as exc:
        raise ConnectionFailed(f"could not connect to {url}: {exc}") from exc


class _PublicOnlyBackend(httpcore.SyncBackend):
    """Resolves the host itself and connects only to a public address.

    The check happens at connect time, for every hop of a redirect chain, on
    the very address connected to, so DNS answers cannot swap in an internal
    address between a check and the connection.
    """

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        hosts: list[str] = []
        for *_, sockaddr in infos:
            ip = sockaddr[0]
            if not isinstance(ip, str):  # IPv4 and IPv6 addresses are strings; nothing else is connectable here
                raise httpcore.ConnectError(f"refused to connect to {host}: not an IP address ({ip!r})")
            address = ipaddress.ip_address(ip.split("%")[0])
            if not address.is_global:
                raise httpcore.ConnectError(f"refused to connect to {host} ({address}): not a public address")
            hosts.append(ip)
        return super().connect_tcp(hosts[0], port, timeout, local_address, socket_options)


def _transport(options: FetchOptions) -> httpx.HTTPTransport | None:
    if options.allow_private:
        return None
    transport = httpx.HTTPTransport()
    transport._pool._network_backend = _PublicOnlyBackend()  # httpx has no public hook for this
    return transport


def _read_response(response: httpx.Response, options: FetchOptions) -> FetchResult:
    final_url = str(response.url)
    headers = {k.lower(): v for k, v in response.headers.items()}
    if response.status_code == 304:
        return FetchResult(final_url, 304, b"", headers)
    if response.status_code >= 400:
        raise HTTPStatusError(response.status_code, final_url, parse_retry_after(headers.get("retry-after")))
    declared = headers.get("content-length", "")
    if declared.isdigit() and "content-encoding" not in headers and int(declared) > options.max_bytes:
        raise TooLarge(f"body of {declared} bytes exceeds the cap of {options.max_bytes}: {final_url}")
    chunks, size = [], 0
    for chunk in response.iter_bytes():  # decoded: the cap holds for gzip bombs too
        size += len(chunk)
        if size > options.max_bytes:
            raise TooLarge(f"decoded body exceeds the cap of {options.max_bytes} bytes: {final_url}")
        chunks.append(chunk)
    return FetchResult(final_url, response.status_code, b"".join(chunks), headers)


def _read_file(url: str, options: FetchOptions) -> FetchResult:
    path = Path(unquote(urlsplit(url).path))
    try:
        size = path.stat().st_size
        if size > options.max_bytes:
            raise TooLarge(f"file of {size} bytes exceeds the cap of {options.max_bytes}: {path}")
        content = path.read_bytes()
    except OSError as exc:
        raise ConnectionFailed(f"cannot read {path}: {exc.strerror}") from exc
    return FetchResult(url, 200, content, {"content-location": url})


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
