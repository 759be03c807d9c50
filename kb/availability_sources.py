"""Availability sources: what a source's settings say about its page, and the default pages
(data/availability/sources.yaml) that `kb sources add-defaults` subscribes."""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from sqlmodel import Session

from ingest.errors import IngestError
from kb.errors import KBError
from kb.models import Source
from kb.settings import DATA_DIR
from kb.store import add_source, find_source_by_url

DEFAULTS_FILE = DATA_DIR / "availability" / "sources.yaml"
KIND = "availability"
SETTING_NAMES = ("provider", "service", "service_entity", "selector", "after")


@dataclass(frozen=True)
class PageSettings:
    """What an availability source's settings say about its page."""

    provider: str
    service: str
    selector: str
    after: str | None = None
    service_entity: str | None = None
    page_url: str = ""  # the page the events cite (a demo source reads a local copy of it)

    @classmethod
    def of(cls, source: Source) -> PageSettings:
        settings = source.settings or {}
        missing = [name for name in ("provider", "service", "selector") if not settings.get(name)]
        if missing:
            raise IngestError(f"this availability source lacks {', '.join(missing)} in its settings")
        return cls(
            provider=str(settings["provider"]),
            service=str(settings["service"]),
            selector=str(settings["selector"]),
            after=settings.get("after") or None,
            service_entity=settings.get("service_entity") or None,
            page_url=str(settings.get("page_url") or source.url),
        )


@dataclass(frozen=True)
class DefaultPage:
    key: str
    url: str
    settings: dict

    @property
    def title(self) -> str:
        return f"{self.settings['service']}: supported countries"


def default_pages() -> list[DefaultPage]:
    """The entries of data/availability/sources.yaml."""
    try:
        entries = yaml.safe_load(DEFAULTS_FILE.read_bytes()) or []
    except (OSError, yaml.YAMLError) as exc:
        raise KBError(f"cannot read the default availability sources {DEFAULTS_FILE}: {exc}") from exc
    pages = []
    for entry in entries:
        settings = {name: entry[name] for name in SETTING_NAMES if entry.get(name)}
        pages.append(DefaultPage(key=entry["key"], url=entry["url"], settings=settings))
    return pages


def add_defaults(session: Session, *, allow_private: bool = False) -> tuple[list[Source], list[Source]]:
    """Subscribe every default page not yet subscribed; refresh the settings of those that are
    (a corrected selector reaches them). Returns (added, updated)."""
    added, updated = [], []
    for page in default_pages():
        source = find_source_by_url(session, page.url)
        if source is None:
            source = add_source(
                session, url=page.url, kind=KIND, title=page.title, settings=page.settings, allow_private=allow_private
            )
            added.append(source)
        elif {k: source.settings.get(k) for k in page.settings} != page.settings:
            source.settings = {**source.settings, **page.settings}  # a new dict: JSON columns miss mutation
            session.add(source)
            updated.append(source)
    session.flush()
    return added, updated
