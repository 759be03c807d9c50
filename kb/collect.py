"""What one check of a source brings, and the collector for plain feeds.

A collector takes the KB, the source row and whether to ignore validators,
and returns a `Collected`. Collectors of other kinds (the Federal Register's
paged queries) live in their own modules; `kb.pipeline.COLLECTORS` lists
them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ingest import feeds
from ingest.availability import AvailabilityPage, PageNotUnderstood
from ingest.csl import ScreeningList
from ingest.fetch import FetchResult, fetch
from ingest.records import Item
from kb.context import KB
from kb.models import Source


@dataclass
class Collected:
    """What one check of a source brought: items, or word that nothing changed."""

    response: FetchResult  # the last response, for validators and caching headers
    items: list[Item] = field(default_factory=list)
    title: str = ""
    warning: str | None = None
    ttl: int | None = None  # minutes the feed asks readers to wait (RSS <ttl>)
    # An availability page (kind `availability`): the list read, or why none could be read.
    # The pipeline records either as a snapshot (kb.snapshots.record).
    page: AvailabilityPage | None = None
    page_failure: PageNotUnderstood | None = None
    # A screening list (kind `csl`): the parties it lists; kb.listings.record stores them.
    listings: ScreeningList | None = None

    @property
    def not_modified(self) -> bool:
        return self.response.not_modified


Collector = Callable[[KB, Source, bool], Collected]


def conditional_get(kb: KB, source: Source, force: bool) -> FetchResult:
    """GET the source's URL with its validators (none when forced); a local file only for a
    source marked `local` (the demo's)."""
    options = replace(kb.fetch_options, allow_file=bool(source.settings.get("local")))
    return fetch(
        source.url,
        etag=None if force else source.etag,
        last_modified=None if force else source.last_modified,
        options=options,
    )


def collect_feed(kb: KB, source: Source, force: bool) -> Collected:
    """One conditional GET, then the feed parser."""
    response = conditional_get(kb, source, force)
    if response.not_modified:
        return Collected(response)
    parsed = feeds.parse_feed(response.content, response.url, response.headers)
    return Collected(response, parsed.items, parsed.title, parsed.warning, parsed.ttl)
