"""One error type per way a fetch or a parse can fail."""

from __future__ import annotations


class IngestError(Exception):
    """Base of fetch and parse failures; the message is meant for people."""


class BadURL(IngestError):
    """The URL is not an absolute http(s) URL."""


class FetchTimeout(IngestError):
    """The server did not answer in time."""


class TooLarge(IngestError):
    """The decoded body is larger than the configured cap."""


class TooManyRedirects(IngestError):
    """More redirects than allowed."""


class ConnectionFailed(IngestError):
    """The server could not be reached."""


class PrivateAddress(ConnectionFailed):
    """The host is, or resolves to, an address that is not public, and only public ones are allowed."""


class HTTPStatusError(IngestError):
    """The server answered with an error status."""

    def __init__(self, status: int, url: str, retry_after: float | None = None):
        self.status = status
        self.url = url
        self.retry_after = retry_after
        super().__init__(f"HTTP {status} from {url}")


class NotAFeed(IngestError):
    """The content is not a feed, or is malformed beyond recovery."""
