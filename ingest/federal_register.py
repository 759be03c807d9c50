"""Federal Register API v1 `documents.json` pages -> Items, and query URLs for that API.

Strict with this structured API: every top-level field of a document is
either mapped, or deliberately ignored (IGNORED), or reported in
`FRPage.unmapped`, so that upstream schema drift is visible.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ingest.errors import IngestError
from ingest.records import Item, safe_link
from ingest.text import html_to_text

API_URL = "https://www.federalregister.gov/api/v1/documents.json"
DEFAULT_AGENCY = "industry-and-security-bureau"
DOCUMENT_TYPES = ("RULE", "PRORULE", "NOTICE", "PRESDOCU")
MAX_PER_PAGE = 1000  # the API clamps larger values silently
RESULT_CAP = 10_000  # the API silently starts over past this many results of one query

# Document fields asked for with fields[]: what the timeline needs, and no more.
FIELDS = (
    "abstract",
    "action",
    "agencies",
    "agency_names",
    "body_html_url",
    "cfr_references",
    "citation",
    "comment_url",
    "comments_close_on",
    "correction_of",
    "corrections",
    "dates",
    "disposition_notes",
    "docket_ids",
    "document_number",
    "effective_on",
    "end_page",
    "executive_order_notes",
    "executive_order_number",
    "full_text_xml_url",
    "html_url",
    "json_url",
    "page_length",
    "pdf_url",
    "president",
    "presidential_document_number",
    "proclamation_number",
    "public_inspection_pdf_url",
    "publication_date",
    "raw_text_url",
    "regulation_id_number_info",
    "regulation_id_numbers",
    "regulations_dot_gov_url",
    "significant",
    "signing_date",
    "start_page",
    "subtype",
    "title",
    "topics",
    "type",
    "volume",
)

# Known fields that are deliberately dropped: volatile counters (they would make every
# poll an update), duplicates of mapped fields, images and table-of-contents headings.
IGNORED = frozenset(
    {
        "page_views",
        "regulations_dot_gov_info",
        "dockets",
        "docket_id",
        "excerpts",
        "images",
        "images_metadata",
        "mods_url",
        "toc_doc",
        "toc_subject",
    }
)

KINDS = {
    "Rule": "rule",
    "Proposed Rule": "proposed_rule",
    "Notice": "notice",
    "Presidential Document": "presidential_document",
}

_URL_FIELDS = (
    "pdf_url",
    "raw_text_url",
    "full_text_xml_url",
    "body_html_url",
    "json_url",
    "public_inspection_pdf_url",
    "comment_url",
    "regulations_dot_gov_url",
)
_TEXT_FIELDS = (
    "subtype",
    "citation",
    "executive_order_number",
    "presidential_document_number",
    "proclamation_number",
    "disposition_notes",
    "executive_order_notes",
)
_INT_FIELDS = ("volume", "start_page", "end_page", "page_length")
_DATE_FIELDS = ("effective_on", "comments_close_on", "signing_date")
_PUBLISHED = "conditions[publication_date]"


class FederalRegisterError(IngestError):
    """A Federal Register API answer or query that cannot be used."""


class MalformedResponse(FederalRegisterError):
    """The answer is not a documents.json page (invalid JSON, wrong shape, API errors)."""


class MissingField(FederalRegisterError):
    """A document lacks a field without which it cannot be stored."""


class BadQuery(FederalRegisterError):
    """A query parameter (date, document type, page size) that the API would not accept."""


@dataclass
class FRPage:
    items: list[Item] = field(default_factory=list)
    count: int | None = None  # results of the whole query, not of this page
    total_pages: int | None = None
    next_page_url: str | None = None
    description: str = ""
    unmapped: set[str] = field(default_factory=set)  # document fields this parser does not know
    skipped: list[str] = field(default_factory=list)  # documents left out, each with the reason
    notes: list[str] = field(default_factory=list)  # values read leniently (odd type, bad optional date)


# ---- parsing ------------------------------------------------------------------------


def parse_documents_page(content: bytes) -> FRPage:
    """Parse one documents.json page; raise MalformedResponse when it is not one."""
    data = _load(content)
    results = data.get("results")
    if results is None and not data.get("count"):
        results = []  # the API leaves `results` out when nothing matched
    if not isinstance(results, list):
        raise MalformedResponse("Federal Register answer has no list of results")
    page = FRPage(
        count=_int(data.get("count")),
        total_pages=_int(data.get("total_pages")),
        next_page_url=safe_link(_str(data.get("next_page_url"))),
        description=_str(data.get("description")) or "",
    )
    for position, raw in enumerate(results, start=1):
        _add_document(page, position, raw)
    return page


def _load(content: bytes) -> dict:
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedResponse(f"Federal Register answer is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise MalformedResponse(f"Federal Register answer is a JSON {type(data).__name__}, not an object")
    if data.get("errors"):
        raise MalformedResponse(f"Federal Register API reported errors: {json.dumps(data['errors'])[:300]}")
    return data


def _add_document(page: FRPage, position: int, raw: object) -> None:
    if not isinstance(raw, dict):
        page.skipped.append(f"result {position}: a JSON {type(raw).__name__}, not a document")
        return
    try:
        item, leftovers = parse_document(raw, page.notes)
    except MissingField as exc:
        number = _str(raw.get("document_number"))
        page.skipped.append(f"result {position}{f' ({number})' if number else ''}: {exc}")
        return
    page.items.append(item)
    page.unmapped |= leftovers


def parse_document(raw: dict, notes: list[str] | None = None) -> tuple[Item, set[str]]:
    """One API document -> (Item, names of the fields left unmapped)."""
    notes = [] if notes is None else notes
    doc = dict(raw)  # mapped fields are popped: what remains is reported
    number = _str(doc.pop("document_number", None))
    if not number:
        raise MissingField("missing document_number")
    published = _day(doc.pop("publication_date", None))
    if published is None:
        raise MissingField(f"missing or invalid publication_date ({raw.get('publication_date')!r})")
    fr_type = _str(doc.pop("type", None)) or ""
    kind = KINDS.get(fr_type)
    if kind is None:
        _note(notes, f"unknown document type {fr_type!r} read as a notice")
    title = html_to_text(_str(doc.pop("title", None)))
    abstract = html_to_text(_str(doc.pop("abstract", None)))
    fields = {"type": fr_type or None, **_structured(doc, number, notes)}
    for name in IGNORED:
        doc.pop(name, None)
    item = Item(
        title=title or f"Federal Register document {number}",
        url=safe_link(_str(doc.pop("html_url", None))),
        guid="fr:" + number,
        summary=abstract,
        body=_body(abstract, fields["action"], fields["dates"]),
        author="; ".join(fields["agency_names"]) or None,
        published=datetime.combine(published, datetime.min.time()),
        language="en",
        kind=kind or "notice",
        document_number=number,
        fields=fields,
    )
    return item, set(doc)


def _structured(doc: dict, number: str, notes: list[str]) -> dict:
    """The structured fields kept on the Document (JSON-ready: dates as ISO strings)."""
    agencies = _agencies(doc.pop("agencies", None))
    names = _strings(doc.pop("agency_names", None)) or [a["name"] for a in agencies if a["name"]]
    fields: dict = {
        "action": html_to_text(_str(doc.pop("action", None))) or None,
        "dates": html_to_text(_str(doc.pop("dates", None))) or None,
        "rins": _strings(doc.pop("regulation_id_numbers", None)),
        "rin_titles": _rin_titles(doc.pop("regulation_id_number_info", None)),
        "docket_ids": _strings(doc.pop("docket_ids", None)),
        "cfr_references": _cfr_references(doc.pop("cfr_references", None)),
        "agencies": [a["slug"] for a in agencies if a["slug"]],
        "agency_names": names,
        "correction_of": _document_number(_str(doc.pop("correction_of", None))),
        "corrections": [n for n in map(_document_number, _strings(doc.pop("corrections", None))) if n],
        "significant": _bool(doc.pop("significant", None)),
        "topics": _strings(doc.pop("topics", None)),
        "president": _president(doc.pop("president", None)),
        "jurisdictions": ["US"],
    }
    for name in _DATE_FIELDS:
        fields[name] = _optional_day(doc.pop(name, None), name, number, notes)
    for name in _TEXT_FIELDS:
        fields[name] = _str(doc.pop(name, None))
    for name in _INT_FIELDS:
        fields[name] = _int(doc.pop(name, None))
    for name in _URL_FIELDS:
        fields[name] = safe_link(_str(doc.pop(name, None)))
    return fields


def _body(abstract: str, action: str | None, dates: str | None) -> str:
    parts = [abstract, f"Action: {action}" if action else "", f"Dates: {dates}" if dates else ""]
    return "\n\n".join(p for p in parts if p)


def _agencies(value: object) -> list[dict]:
    out = []
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, dict):
            name = _str(entry.get("name")) or _str(entry.get("raw_name"))
            out.append({"slug": _str(entry.get("slug")), "name": name})
    return out


def _cfr_references(value: object) -> list[str]:
    """CFR references as "15 CFR 744" (or "15 CFR chapter VII" when no part is given)."""
    out: list[str] = []
    for ref in value if isinstance(value, list) else []:
        if not isinstance(ref, dict) or ref.get("title") in (None, ""):
            continue
        text = f"{ref['title']} CFR"
        if ref.get("part") not in (None, ""):
            text += f" {ref['part']}"
        elif ref.get("chapter") not in (None, ""):
            text += f" chapter {ref['chapter']}"
        if text not in out:
            out.append(text)
    return out


def _rin_titles(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(rin): str(info["title"]) for rin, info in value.items() if isinstance(info, dict) and info.get("title")}


def _president(value: object) -> str | None:
    return _str(value.get("identifier")) if isinstance(value, dict) else _str(value)


def _document_number(value: str | None) -> str | None:
    """The document number at the end of an API document URL ("https://.../documents/2023-27742")."""
    if not value:
        return None
    return urlsplit(value).path.rstrip("/").rsplit("/", 1)[-1] or value


def _optional_day(value: object, name: str, number: str, notes: list[str]) -> str | None:
    if value in (None, ""):
        return None
    day = _day(value)
    if day is None:
        _note(notes, f"document {number}: {name} {value!r} is not a date, left out")
        return None
    return day.isoformat()


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _note(notes: list[str], text: str) -> None:
    if text not in notes:
        notes.append(text)


def _str(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _strings(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [s for s in (_str(v) for v in value) if s]


def _int(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or value == "":
        return None  # JSON null, true/false, objects and arrays are not counts
    try:
        return int(value)
    except ValueError:
        return None


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


# ---- query URLs -----------------------------------------------------------------------


def build_query_url(
    *,
    agencies: tuple[str, ...] | list[str] = (DEFAULT_AGENCY,),
    term: str | None = None,
    types: tuple[str, ...] | list[str] = (),
    since: date | str | None = None,
    until: date | str | None = None,
    per_page: int = MAX_PER_PAGE,
    base: str = API_URL,
) -> str:
    """The documents.json URL for a query, asking for FIELDS, oldest first."""
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadQuery(f"per_page must be between 1 and {MAX_PER_PAGE}, not {per_page}")
    unknown = [t for t in types if t.upper() not in DOCUMENT_TYPES]
    if unknown:
        raise BadQuery(f"unknown document type {unknown[0]!r}; expected one of {', '.join(DOCUMENT_TYPES)}")
    params: list[tuple[str, str]] = [("conditions[agencies][]", a) for a in agencies]
    if term:
        params.append(("conditions[term]", term))
    params += [("conditions[type][]", t.upper()) for t in types]
    params += _window_params(parse_date(since), parse_date(until))
    params += [("fields[]", f) for f in FIELDS]
    params += [("order", "oldest"), ("per_page", str(per_page))]
    return f"{base}?{urlencode(params)}"


def window_url(url: str, since: date | None, until: date | None) -> str:
    """`url` restricted to publication dates since..until, oldest first, page 1.

    Other conditions are kept; fields[] and per_page are added when the query lacks them.
    """
    parts = urlsplit(url)
    params = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.startswith(_PUBLISHED) and k not in ("page", "order")
    ]
    params += [*_window_params(since, until), ("order", "oldest")]
    if not any(k == "fields[]" for k, _ in params):
        params += [("fields[]", f) for f in FIELDS]
    if not any(k == "per_page" for k, _ in params):
        params.append(("per_page", str(MAX_PER_PAGE)))
    return urlunsplit(parts._replace(query=urlencode(params)))


def query_window(url: str) -> tuple[date | None, date | None]:
    """The publication date range a query URL asks for (gte/lte, is, or year)."""
    params = dict(parse_qsl(urlsplit(url).query))
    exact = parse_date(params.get(f"{_PUBLISHED}[is]"))
    if exact:
        return exact, exact
    year = params.get(f"{_PUBLISHED}[year]", "")
    if year.isdigit():
        return date(int(year), 1, 1), date(int(year), 12, 31)
    return parse_date(params.get(f"{_PUBLISHED}[gte]")), parse_date(params.get(f"{_PUBLISHED}[lte]"))


def query_agencies(url: str) -> list[str]:
    return [v for k, v in parse_qsl(urlsplit(url).query) if k == "conditions[agencies][]"]


def parse_date(value: date | str | None) -> date | None:
    """A date from a date or "YYYY-MM-DD"; BadQuery for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise BadQuery(f"not a date (expected YYYY-MM-DD): {value!r}") from exc


def _window_params(since: date | None, until: date | None) -> list[tuple[str, str]]:
    params = []
    if since:
        params.append((f"{_PUBLISHED}[gte]", since.isoformat()))
    if until:
        params.append((f"{_PUBLISHED}[lte]", until.isoformat()))
    return params
