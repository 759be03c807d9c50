"""Collecting a Federal Register query: date windows, paging, pacing and Retry-After.

A source of kind `federal_register` has a documents.json query URL; its
settings may hold `since`, `until` (YYYY-MM-DD), `window_days` and
`max_pages`. The collector remembers `newest_seen` and `resume_from` there,
so that the next poll asks only from a few days before the newest document.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlsplit

from ingest.errors import HTTPStatusError, IngestError
from ingest.federal_register import (
    RESULT_CAP,
    BadQuery,
    FRPage,
    MalformedResponse,
    parse_date,
    parse_documents_page,
    query_agencies,
    query_window,
    window_url,
)
from ingest.fetch import FetchOptions, FetchResult, fetch
from ingest.records import Item
from kb.collect import Collected
from kb.context import KB
from kb.models import Source, utcnow

FIRST_DAY = date(1994, 1, 1)  # the API covers the Federal Register from 1994 on
OVERLAP = timedelta(days=7)  # re-read a week: documents indexed late, weekends, holidays
DEFAULT_WINDOW_DAYS = 365
DEFAULT_MAX_PAGES = 200
DEFAULT_RETRY_WAIT = 2.0  # seconds, for a 429 without Retry-After


@dataclass
class Pacing:
    """How fast to ask and how long to wait, shared by every Federal Register source.

    Tests pass a fake clock and sleep.
    """

    min_interval: float = 0.25  # seconds between requests: under the API's 5 per second
    max_retry_wait: float = 30.0  # a longer Retry-After ends the run, keeping what was read
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    last: float | None = field(default=None, repr=False)  # when the last request was let through

    def wait(self) -> None:
        """Block until the next request may go out."""
        now = self.clock()
        if self.last is not None:
            delay = self.last + self.min_interval - now
            if delay > 0:
                self.sleep(delay)
                now += delay
        self.last = now


PACING = Pacing()  # one per process: polls of several sources share the API's budget


class _Stop(Exception):
    """The run ends early for a known reason (page limit); documents read are kept."""


def collect(kb: KB, source: Source, force: bool, *, pacing: Pacing | None = None) -> Collected:
    """Read the query window by window and page by page; keep what was read if a page fails."""
    settings = dict(source.settings or {})
    options = replace(kb.fetch_options, allow_file=bool(settings.get("local")))
    run = Run(options, pacing or PACING, _positive(settings, "max_pages", DEFAULT_MAX_PAGES))
    windows = plan_windows(source.url, settings, force=force)
    try:
        run.read(source.url, windows)
    except _Stop as exc:
        run.stopped = str(exc)
    except IngestError as exc:
        if not run.items:
            raise  # nothing to keep: the pipeline stores the failure and backs off
        run.stop_on(exc)
    source.settings = remember(settings, run, windows)  # a new dict: JSON columns miss mutation
    return Collected(
        run.response(source.url), list(run.items.values()), _title(source.url), run.warning(source.settings)
    )


def plan_windows(url: str, settings: dict, *, force: bool = False) -> list[tuple[date, date]] | None:
    """Publication date windows to ask for, oldest first; None for a local file (read as is)."""
    if urlsplit(url).scheme == "file":
        return None
    asked_since, asked_until = query_window(url)
    since = parse_date(settings.get("since")) or asked_since or FIRST_DAY
    resume = None if force else parse_date(settings.get("resume_from"))
    since = max(since, resume) if resume else since
    until = parse_date(settings.get("until")) or asked_until or utcnow().date()
    return date_windows(since, until, _positive(settings, "window_days", DEFAULT_WINDOW_DAYS))


def date_windows(since: date, until: date, days: int) -> list[tuple[date, date]]:
    """Consecutive inclusive windows of at most `days` days covering since..until."""
    windows, start = [], since
    while start <= until:
        end = min(start + timedelta(days=days - 1), until)
        windows.append((start, end))
        start = end + timedelta(days=1)
    return windows


def remember(settings: dict, run: Run, windows: list[tuple[date, date]] | None) -> dict:
    """Settings with the newest date seen and where the next poll starts."""
    out = dict(settings)
    newest = max((item.published.date() for item in run.items.values() if item.published), default=None)
    if newest:
        previous = parse_date(out.get("newest_seen"))
        out["newest_seen"] = max(newest, previous or newest).isoformat()
    if run.stopped:
        # Inclusive: the newest day may be half read; windows read in full are not read again.
        frontier = [d for d in (newest, run.done_until and run.done_until + timedelta(days=1)) if d]
        if frontier:
            out["resume_from"] = max(frontier).isoformat()
    elif windows:
        seen = parse_date(out.get("newest_seen"))
        # Nothing ever matched: no need to read the whole range again next time.
        anchor = seen or windows[-1][1]
        out["resume_from"] = (anchor - OVERLAP).isoformat()
    return out


class Run:
    """The state of one collection: documents by number, what went wrong, requests made."""

    def __init__(self, options: FetchOptions, pacing: Pacing, max_pages: int):
        self.options, self.pacing, self.max_pages = options, pacing, max_pages
        self.items: dict[str, Item] = {}
        self.unmapped: set[str] = set()
        self.skipped: list[str] = []
        self.notes: list[str] = []
        self.pages = 0
        self.stopped: str | None = None
        self.done_until: date | None = None  # end of the last window read in full
        self.retry_after: float | None = None

    def read(self, url: str, windows: list[tuple[date, date]] | None) -> None:
        if windows is None:
            self.keep(self.page(url))  # a local file: one page, nothing to follow
            return
        for since, until in windows:
            self.window(url, since, until)

    def window(self, url: str, since: date, until: date) -> None:
        """Read one window; split it when the API would not page through all of it."""
        first_url = window_url(url, since, until)
        page = self.page(first_url)
        if (page.count or 0) > RESULT_CAP and since < until:
            middle = since + (until - since) // 2
            self.keep(page)  # valid documents; the halves read them again, stored once
            self.window(url, since, middle)
            self.window(url, middle + timedelta(days=1), until)
            return
        if (page.count or 0) > RESULT_CAP:
            self.note(f"{page.count} documents published on {since}: only the first {RESULT_CAP} can be read")
        self.follow(first_url, page)
        self.done_until = until

    def follow(self, url: str, page: FRPage) -> None:
        """Keep `page` and the pages after it, up to the API's result cap."""
        seen, read = {url}, 0
        while True:
            self.keep(page)
            read += len(page.items)
            next_url = page.next_page_url
            if not next_url or next_url in seen or read >= RESULT_CAP:
                return
            if not _same_origin(next_url, url):
                self.note(f"next page on another site not followed: {next_url}")
                return
            seen.add(next_url)
            page = self.page(next_url)

    def page(self, url: str) -> FRPage:
        if self.pages >= self.max_pages:
            raise _Stop(f"page limit of {self.max_pages} reached")
        response = self.get(url)
        self.pages += 1
        try:
            page = parse_documents_page(response.content)
        except MalformedResponse as exc:
            raise MalformedResponse(f"page {self.pages} ({url}): {exc}") from exc
        page.skipped = [f"page {self.pages}, {reason}" for reason in page.skipped]
        return page

    def get(self, url: str) -> FetchResult:
        """GET at the paced rate; after a short Retry-After on HTTP 429, try once more."""
        for attempt in (1, 2):
            self.pacing.wait()
            try:
                return fetch(url, options=self.options)
            except HTTPStatusError as exc:
                wait = exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_WAIT
                if exc.status != 429 or attempt == 2 or wait > self.pacing.max_retry_wait:
                    raise
                self.pacing.sleep(wait)
        raise AssertionError("unreachable")

    def keep(self, page: FRPage) -> None:
        for item in page.items:
            assert item.document_number, "a page keeps only documents that have a number"
            self.items[item.document_number] = item  # one document per number across pages
        self.unmapped |= page.unmapped
        self.skipped += page.skipped
        for note in page.notes:
            self.note(note)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def stop_on(self, exc: IngestError) -> None:
        self.stopped = str(exc)
        if isinstance(exc, HTTPStatusError) and exc.status == 429:
            self.retry_after = exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_WAIT
            self.stopped = f"rate limited: {exc}, Retry-After {self.retry_after:g} s"

    def response(self, url: str) -> FetchResult:
        """What the pipeline reads for caching: no validators; a long Retry-After delays the next poll."""
        headers = {"cache-control": f"max-age={math.ceil(self.retry_after)}"} if self.retry_after else {}
        return FetchResult(url, 200, b"", headers)

    def warning(self, settings: dict) -> str | None:
        parts = []
        if self.stopped:
            resume = settings.get("resume_from") or "the start"
            parts.append(
                f"Stopped early: {self.stopped}. Kept {len(self.items)} documents "
                f"from {self.pages} pages; the next poll continues from {resume}"
            )
        if self.unmapped:
            parts.append("Fields not mapped (API schema changed?): " + ", ".join(sorted(self.unmapped)))
        if self.skipped:
            more = f", and {len(self.skipped) - 5} more" if len(self.skipped) > 5 else ""
            noun = "document" if len(self.skipped) == 1 else "documents"
            parts.append(f"{len(self.skipped)} {noun} skipped: " + "; ".join(self.skipped[:5]) + more)
        parts += self.notes[:5]
        return ". ".join(parts) or None


def _positive(settings: dict, name: str, default: int) -> int:
    value = settings.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadQuery(f"setting {name} must be a positive whole number, not {value!r}")
    return value


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _title(url: str) -> str:
    term = dict(parse_qsl(urlsplit(url).query)).get("conditions[term]")
    what = ", ".join(query_agencies(url)) or "all agencies"
    return f"Federal Register: {what}" + (f" ({term})" if term else "")
