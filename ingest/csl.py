"""The US Consolidated Screening List (CSL) JSON download, read into plain listing records.

The file is one JSON object whose `results` list holds one entry per listed party, each naming
the list it comes from (`source`, e.g. "Entity List (EL) - Bureau of Industry and Security"),
its `name` and `alt_names`, `addresses` (objects with address, city, state, postal_code,
country), the Federal Register notice that listed it, its `start_date`, and for the Commerce
lists the `license_requirement` and `license_policy`. A row that cannot be read is reported and
skipped; the others are kept.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date

from ingest.errors import IngestError

# The short code in a list's name: "Entity List (EL) - Bureau of Industry and Security" -> EL.
_CODE = re.compile(r"\(([A-Z][A-Z0-9-]{1,12})\)")
_FR_CITATION = re.compile(r"\b(\d{1,3})\s*FR\s*(\d{1,6})\b")


class NotAScreeningList(IngestError):
    """The content is not a CSL JSON download."""


@dataclass
class Listing:
    """One listed party, as the list states it."""

    key: str  # stable within the list: the row's id, else a hash of list, name and start date
    list_code: str  # EL, MEU, SDN, UVL, DPL...
    list_name: str
    name: str
    alt_names: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2, in address order
    start_date: date | None = None
    federal_register_notice: str | None = None  # as written, e.g. "90 FR 4617"
    license_requirement: str | None = None
    license_policy: str | None = None
    programs: list[str] = field(default_factory=list)
    source_url: str | None = None  # the list's own page

    @property
    def citation(self) -> str | None:
        """The Federal Register citation in its usual form ("90 FR 4617"), when the notice has one."""
        match = _FR_CITATION.search(self.federal_register_notice or "")
        return f"{match.group(1)} FR {match.group(2)}" if match else None

    @property
    def citation_url(self) -> str | None:
        """The Federal Register's own address for the citation."""
        match = _FR_CITATION.search(self.federal_register_notice or "")
        return f"https://www.federalregister.gov/citation/{match.group(1)}-FR-{match.group(2)}" if match else None


@dataclass
class ScreeningList:
    listings: list[Listing]
    problems: list[str] = field(default_factory=list)  # one line per row that could not be read


def parse_csl(content: bytes, lists: set[str] | None = None) -> ScreeningList:
    """The listings of a CSL JSON download (only those of `lists`, by code, when given)."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAScreeningList(f"not a screening list: the content is not JSON ({exc})") from exc
    rows = data.get("results") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise NotAScreeningList("not a screening list: no 'results' list in the JSON")
    found, problems = [], []
    for number, row in enumerate(rows, 1):
        try:
            listing = _listing(row)
        except (TypeError, ValueError, KeyError) as exc:
            problems.append(f"row {number}: {exc}")
            continue
        if lists is None or listing.list_code in lists:
            found.append(listing)
    return ScreeningList(found, problems)


def _listing(row: object) -> Listing:
    if not isinstance(row, dict):
        raise TypeError("not an object")
    name = _text(row.get("name"))
    list_name = _text(row.get("source"))
    if not name or not list_name:
        raise ValueError("no name or no source list")
    match = _CODE.search(list_name)
    code = match.group(1) if match else list_name.split(" - ")[0].strip()
    start = _day(row.get("start_date"))
    key = _text(row.get("id")) or _text(row.get("entity_number"))
    if not key:
        key = hashlib.sha256(f"{code}|{name}|{start}".encode()).hexdigest()[:24]
    addresses, countries = _addresses(row.get("addresses"))
    return Listing(
        key=key,
        list_code=code,
        list_name=list_name,
        name=name,
        alt_names=_names(row.get("alt_names")),
        addresses=addresses,
        countries=countries,
        start_date=start,
        federal_register_notice=_text(row.get("federal_register_notice")) or None,
        license_requirement=_text(row.get("license_requirement")) or None,
        license_policy=_text(row.get("license_policy")) or None,
        programs=_names(row.get("programs")),
        source_url=_text(row.get("source_list_url")) or None,
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return " ".join(str(value).replace("\x92", "'").split())


def _names(value: object) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):  # the CSV form: "a; b"
        return [n.strip() for n in value.split(";") if n.strip()]
    if not isinstance(value, list):
        raise TypeError("alt_names or programs is neither a list nor text")
    return [t for t in (_text(v) for v in value) if t]


def _addresses(value: object) -> tuple[list[str], list[str]]:
    if value in (None, ""):
        return [], []
    if not isinstance(value, list):
        raise TypeError("addresses is not a list")
    lines, countries = [], []
    for entry in value:
        if not isinstance(entry, dict):
            raise TypeError("an address is not an object")
        parts = [_text(entry.get(k)) for k in ("address", "city", "state", "postal_code")]
        country = _text(entry.get("country")).upper()
        lines.append(", ".join(p for p in [*parts, country] if p))
        if re.fullmatch(r"[A-Z]{2}", country) and country not in countries:
            countries.append(country)
    return lines, countries


def _day(value: object) -> date | None:
    text = _text(value)
    if not text:
        return None
    return date.fromisoformat(text[:10])
