"""HTTP fetching with validators, timeouts, a redirect limit and a size cap."""

from __future__ import annotations

import contextlib
import email.utils
import functools
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpcore
import httpx

from ingest.errors import (
    BadURL,
    ConnectionFailed,
    FetchTimeout,
    HTTPStatusError,
    PrivateAddress,
    TooLarge,
    TooManyRedirects,
)

MAX_REDIRECTS = 5


@dataclass
class FetchOptions:
    timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    user_agent: str = "ai-policy-kb/0.1"
    allow_file: bool = False  # file:// URLs, for the bundled demo corpus only
    allow_private: bool = False  # True: also fetch from loopback, private, link-local ... addresses
    deadline: float = 60.0  # seconds for the whole fetch: connects, redirects, headers and body


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
    deadline = _Deadline(options.deadline)
    with (
        _errors_named(url, options, deadline),
        _client(options, headers, deadline) as client,
        client.stream("GET", url) as response,
    ):
        return _read_response(response, options)


def post_json(
    url: str, body: bytes, *, options: FetchOptions | None = None, headers: dict[str, str] | None = None
) -> int:
    """POST `body` (JSON) to `url` under fetch's rules (address check, timeouts, deadline); the 2xx status.

    Redirects are not followed: most of them would turn the POST into a GET and lose
    the body. Any other status raises HTTPStatusError (with Retry-After); the answer's
    body is not read.
    """
    options = options or FetchOptions()
    url = check_url(url)
    sent = {"User-Agent": options.user_agent, "Content-Type": "application/json", **(headers or {})}
    deadline = _Deadline(options.deadline)
    with (
        _errors_named(url, options, deadline),
        _client(options, sent, deadline, redirects=False) as client,
        client.stream("POST", url, content=body) as response,
    ):
        if not 200 <= response.status_code < 300:
            raise HTTPStatusError(response.status_code, url, parse_retry_after(response.headers.get("retry-after")))
        return response.status_code


@contextlib.contextmanager
def _errors_named(url: str, options: FetchOptions, deadline: _Deadline) -> Iterator[None]:
    """httpx's exceptions, turned into ours with a message that names the URL."""
    try:
        yield
    except httpx.TimeoutException as exc:
        if deadline.reached:
            raise FetchTimeout(f"gave up after {options.deadline:g}s: {url} did not answer in full by then") from exc
        raise FetchTimeout(f"timed out after {options.timeout:g}s: {url}") from exc
    except httpx.TooManyRedirects as exc:
        raise TooManyRedirects(f"more than {MAX_REDIRECTS} redirects: {url}") from exc
    except (httpx.TransportError, httpx.InvalidURL) as exc:
        if isinstance(exc.__cause__, _Refused):
            raise PrivateAddress(_refused_message(exc, url)) from exc
        raise ConnectionFailed(f"could not connect to {url}: {exc}") from exc


def _refused_message(exc: httpx.TransportError | httpx.InvalidURL, url: str) -> str:
    """The refusal, naming the redirect hop that was refused when it was not `url` itself."""
    try:
        hop = str(exc.request.url) if isinstance(exc, httpx.RequestError) else url
    except RuntimeError:  # httpx raises this when the error carries no request
        hop = url
    where = url if hop == url else f"{hop} (redirected from {url})"
    return f"refused {where}: {exc}; only public addresses are allowed"


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Carrier-grade NAT space: `ipaddress` calls it neither private nor global, and it is not public.
_SHARED = ipaddress.ip_network("100.64.0.0/10")
# The well-known NAT64 prefix carries an IPv4 address in its last 32 bits.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# Checked in order, so that each address gets its most telling name.
_KINDS: tuple[tuple[str, str], ...] = (
    ("is_unspecified", "an unspecified address"),
    ("is_loopback", "a loopback address"),
    ("is_link_local", "a link-local address"),
    ("is_multicast", "a multicast address"),
    ("is_reserved", "a reserved address"),
    ("is_site_local", "a site-local address"),
    ("is_private", "a private address"),
)


def address_problem(address: IPAddress) -> str | None:
    """What kind of non-public address this is ("a loopback address"), or None for a public one."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        problem = address_problem(inner)
        return f"{problem} ({inner} inside an IPv6 address)" if problem else None
    if address in _SHARED:
        return "a shared (carrier-grade NAT) address"
    for attribute, kind in _KINDS:
        if getattr(address, attribute, False):
            return kind
    return None if address.is_global else "a special-purpose address"


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), whose own kind decides."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (an IP literal resolves to itself); OSError when none."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        if isinstance(sockaddr[0], str):  # IPv4 and IPv6 give strings; other families are not connectable here
            address = ipaddress.ip_address(sockaddr[0].split("%")[0])
            if address not in addresses:
                addresses.append(address)
    if not addresses:
        raise OSError(f"no IP address for {host}")
    return addresses


def refusal(host: str, addresses: list[IPAddress]) -> str | None:
    """Why `host` may not be fetched when only public addresses are allowed, or None.

    Every address counts, not only the first: a name that also resolves to an
    internal address could be steered there.
    """
    for address in addresses:
        problem = address_problem(address)
        if problem is None:
            continue
        if host.strip("[]") == str(address):
            return f"{address} is {problem}"
        return f"{host} resolves to {address}, {problem}"
    return None


def private_host_problem(url: str) -> str | None:
    """For an http(s) URL whose host is not public: why ("127.0.0.1 is a loopback address"), else None.

    A name that does not resolve passes: the connect-time check still holds
    when it does resolve later.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = resolve(parts.hostname, port)
    except (OSError, ValueError, UnicodeError):
        return None
    return refusal(parts.hostname, addresses)


class _Refused(httpcore.ConnectError):
    """A connection refused by the address check, told apart from network failures."""


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
            addresses = resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        why = refusal(host, addresses)
        if why:
            raise _Refused(why)
        return super().connect_tcp(str(addresses[0]), port, timeout, local_address, socket_options)


class _Deadline:
    """The time one whole fetch may take: each connect, read and write gets at most what is left.

    A per-read timeout alone lets a server that sends a byte every few seconds
    hold a fetch for hours.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.reached = False  # the last wait was cut to the time left, so its timeout is the deadline's

    def limit(self, timeout: float | None, error: type[httpcore.TimeoutException]) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            self.reached = True
            raise error(f"deadline of {self.seconds:g}s reached")
        if timeout is not None and timeout <= left:
            self.reached = False
            return timeout
        self.reached = True
        return left


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: _Deadline):
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.limit(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.limit(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        limit = self._deadline.limit(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, limit), self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """Wraps another backend (the public-only one, say) so that its streams obey the deadline."""

    def __init__(self, inner: httpcore.NetworkBackend, deadline: _Deadline):
        self._inner = inner
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        limit = self._deadline.limit(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, limit, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.NetworkStream:
        limit = self._deadline.limit(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, limit, socket_options), self._deadline)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes about 0.1 s: once per process, not once per fetch (a
    # context is safe to share between threads and clients).
    return httpx.create_ssl_context()


def _client(
    options: FetchOptions, headers: dict[str, str], deadline: _Deadline, *, redirects: bool = True
) -> httpx.Client:
    """A client whose every connection, proxied ones included, obeys the deadline and the address rule."""
    client = httpx.Client(
        verify=_tls_context(),
        timeout=options.timeout,
        follow_redirects=redirects,
        max_redirects=MAX_REDIRECTS,
        headers=headers,
        # A proxy would resolve and connect on our behalf, out of the address check's sight.
        trust_env=options.allow_private,
    )
    inner = httpcore.SyncBackend() if options.allow_private else _PublicOnlyBackend()
    for transport in (client._transport, *client._mounts.values()):  # httpx has no public hook for this
        if isinstance(transport, httpx.HTTPTransport):
            transport._pool._network_backend = _DeadlineBackend(inner, deadline)
    return client


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
