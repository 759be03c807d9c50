"""The default sites without feeds (data/sources/page_lists.yaml), subscribed as sources of
kind `page_list` by `kb sources add-defaults` together with the providers' availability pages."""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from sqlmodel import Session

from ingest.errors import IngestError
from ingest.page_list import rules_from_settings
from kb.errors import KBError
from kb.models import Source
from kb.settings import DATA_DIR
from kb.store import add_source, find_source_by_url

DEFAULTS_FILE = DATA_DIR / "sources" / "page_lists.yaml"
KIND = "page_list"


@dataclass(frozen=True)
class DefaultListing:
    key: str
    title: str
    url: str
    settings: dict  # {"listing": {...selectors...}, "kind": document kind}


def default_listings() -> list[DefaultListing]:
    """The entries of data/sources/page_lists.yaml, each checked as a page_list source's rules."""
    try:
        entries = yaml.safe_load(DEFAULTS_FILE.read_bytes()) or []
        listings = []
        for entry in entries:
            rules_from_settings(entry["listing"])
            settings = {"listing": dict(entry["listing"]), "kind": entry.get("kind") or "news"}
            listings.append(DefaultListing(entry["key"], entry["title"], entry["url"], settings))
    except (OSError, yaml.YAMLError, KeyError, TypeError, IngestError) as exc:
        raise KBError(f"cannot read the default page_list sources {DEFAULTS_FILE}: {exc}") from exc
    return listings


def add_defaults(session: Session, *, allow_private: bool = False) -> tuple[list[Source], list[Source]]:
    """Subscribe every default listing not yet subscribed; bring the selectors of those that are
    up to date. Returns (added, updated)."""
    added, updated = [], []
    for listing in default_listings():
        source = find_source_by_url(session, listing.url)
        if source is None:
            source = add_source(
                session,
                url=listing.url,
                kind=KIND,
                title=listing.title,
                settings=listing.settings,
                allow_private=allow_private,
            )
            added.append(source)
        elif source.kind == KIND and {k: source.settings.get(k) for k in listing.settings} != listing.settings:
            source.settings = {**source.settings, **listing.settings}  # a new dict: JSON columns miss mutation
            session.add(source)
            updated.append(source)
    session.flush()
    return added, updated
