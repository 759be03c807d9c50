"""A registry that grows: names that documents use again and again but the registry does not
know, collected with their counts and example sentences, for someone to accept (a registry
entry is written) or reject (the decision is remembered and the name is not proposed again).

What counts as a name, by its shape (no dictionary of names):
- runs of two to six capitalised words, with "of", "and", "for", "the", "de", "&" inside
  ("Semiconductor Industry Association", "Ministry of Commerce"), without a sentence's first
  word when that is an ordinary word ("The", "In", "After"...);
- acronyms of two to eight capitals and digits ("SIA", "CSIA", "NAC"), apart from everyday ones;
- model and chip designations ("L40S", "MI250", "3B993") and a capitalised word with a number
  ("Gaudi 2");
- Chinese organisation names ending in 公司, 集团, 研究院, 大学, 委员会, 协会 ...

A name that overlaps a mention the linker finds, or equals a registry name or alias, is known
already. A name is proposed once it occurs `MIN_COUNT` times.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlmodel import Session, col, select

from kb.context import KB
from kb.errors import NotFound, UserInputError
from kb.models import Document, NameCandidate, utcnow
from kb.registry import KINDS, RegistryError, load_registry, match_key, slugify

MIN_COUNT = 2
EXAMPLES = 3
ACCEPTED_FILE = "accepted.yaml"  # in the registry directory (KB_REGISTRY_DIR)

_SENTENCES = re.compile(r"(?<=[.!?。！？])\s+|\n+")
_WORD = re.compile(r"[A-Z][\w'’&.-]*[\w&]|[A-Z]")
_CONNECTORS = {"of", "and", "for", "the", "de", "&", "on", "in"}
_STARTERS = {
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "But",
    "And",
    "If",
    "As",
    "For",
    "This",
    "That",
    "These",
    "Those",
    "It",
    "He",
    "She",
    "They",
    "We",
    "When",
    "While",
    "After",
    "Before",
    "Under",
    "Since",
    "From",
    "According",
    "Its",
    "Their",
    "His",
    "Her",
    "Our",
    "Some",
    "Many",
    "Most",
    "Several",
    "Both",
    "Each",
    "Every",
    "Other",
    "Such",
    "With",
    "Without",
    "By",
    "To",
    "Of",
    "Last",
    "Next",
    "Earlier",
    "Later",
    "Meanwhile",
    "However",
    "Also",
    "Yet",
    "So",
    "Still",
    "Even",
    "Only",
    "Why",
    "How",
    "What",
    "Who",
    "Where",
    "There",
    "Here",
    "One",
    "Two",
    "New",
    "Officials",
    "Analysts",
    "Chinese",
    "American",
    "US",
    "U.S.",
}
_MONTHS = {
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
}
_COMMON_ACRONYMS = {
    "US",
    "USA",
    "UK",
    "EU",
    "AI",
    "API",
    "APIs",
    "CEO",
    "CFO",
    "CTO",
    "GPU",
    "GPUs",
    "CPU",
    "CPUs",
    "PRC",
    "FR",
    "EAR",
    "LLM",
    "LLMs",
    "IT",
    "TV",
    "PDF",
    "HTML",
    "OK",
    "PM",
    "AM",
    "GDP",
    "IPO",
    "ID",
    "FAQ",
    "UTC",
    "GMT",
    "NEW",
    "AND",
    "THE",
    "FOR",
    "RSS",
    "URL",
    "HTTP",
    "HTTPS",
    "JSON",
    "CSV",
    "SEO",
    "HQ",
    "R&D",
    "PR",
    "VPN",
    "IP",
    "OS",
    "UN",
    "HBM",
    "DRAM",
    "NAND",
    "SME",
    "TPP",
    "IFR",
    "FAQs",
    "II",
    "III",
    "IV",
    "VII",
    "USD",
    "EUR",
    "CNY",
    "RMB",
    "JPY",
}
_ACRONYM = re.compile(r"(?<![\w-])[A-Z][A-Z0-9&]{1,7}(?![\w-])")
_DESIGNATION = re.compile(r"(?<![\w-])(?:[A-Z]{1,4}\d{2,4}[A-Z]{0,3}|\d[A-Z]\d{3})(?![\w-])")
_NUMBERED = re.compile(r"(?<![\w-])([A-Z][a-z]{2,}) (\d{1,2})(?![\w:.,-]*\d)")
_CJK_ORG = re.compile(
    r"[\u4e00-\u9fff]{2,12}?(?:股份有限公司|有限公司|公司|集团|研究院|研究所|大学|委员会|协会|实验室|商会|银行)"
)
_ORG_WORDS = re.compile(
    r"\b(?:Inc|Corp|Corporation|Co|Ltd|Limited|Group|Holdings|Association|Council|Institute|University|Times|News|"
    r"Post|Journal|Daily|Agency|Lab|Labs|Technologies|Technology|Semiconductor|Systems|Capital|Partners)\b"
)
_GOVERNMENT_WORDS = re.compile(
    r"\b(?:Ministry|Bureau|Department|Embassy|Commission|Administration|Office|Parliament|Senate|Committee)\b"
)
_PERSON_TITLES = re.compile(
    r"\b(?:Secretary|Minister|Under Secretary|CEO|spokesperson|spokesman|spokeswoman|President|chairman|founder|"
    r"Senator|Representative|Ambassador|Commissioner)\s*$",
    re.IGNORECASE,
)


@dataclass
class Found:
    kind: str
    count: int = 0
    documents: set[int] = field(default_factory=set)
    examples: list[str] = field(default_factory=list)


def names_in(sentence: str) -> list[tuple[str, int, int, str]]:
    """(name, start, end, kind guess) of every name-shaped span in one sentence."""
    spans: list[tuple[str, int, int, str]] = []
    words = list(_WORD.finditer(sentence))
    run: list[re.Match] = []

    def close() -> None:
        while run and run[0].group() in _STARTERS | _MONTHS:
            run.pop(0)
        while run and run[-1].group() in _MONTHS:
            run.pop()
        if len(run) >= 2:
            start, end = run[0].start(), run[-1].end()
            name = sentence[start:end].rstrip(".")
            spans.append((name, start, start + len(name), _guess(name, sentence[:start])))
        run.clear()

    for word in words:
        if run:
            gap = sentence[run[-1].end() : word.start()]
            joined = gap == " " or (
                gap.startswith(" ") and gap.endswith(" ") and gap.strip().lower() in _CONNECTORS and len(gap) <= 6
            )
            if not joined:
                close()
        run.append(word)
    close()
    for match in _ACRONYM.finditer(sentence):
        text = match.group()
        if text not in _COMMON_ACRONYMS and sum(c.isupper() for c in text) >= 2 and not text.isdigit():
            spans.append((text, match.start(), match.end(), "organization"))
    for match in _DESIGNATION.finditer(sentence):
        spans.append((match.group(), match.start(), match.end(), "product"))
    for match in _NUMBERED.finditer(sentence):
        if match.group(1) not in _MONTHS | _STARTERS:
            spans.append((match.group(), match.start(), match.end(), "product"))
    for match in _CJK_ORG.finditer(sentence):
        spans.append((match.group(), match.start(), match.end(), "organization"))
    return spans


def _guess(name: str, before: str) -> str:
    if name.startswith(("License Exception", "Country Group", "ECCN")):
        return "regulation"
    if _GOVERNMENT_WORDS.search(name):
        return "government_body"
    if _ORG_WORDS.search(name):
        return "organization"
    if _PERSON_TITLES.search(before) and 2 <= len(name.split()) <= 3:
        return "person"
    return "organization"


def scan(kb: KB, session: Session) -> dict[str, Found]:
    """Every unknown name-shaped span in the documents, with counts and examples."""
    linker = kb.linker
    known = {match_key(n) for spec in linker.registry.entities.values() for n in spec.names()}
    found: dict[str, Found] = {}
    rows = session.exec(select(Document.id, Document.title, Document.body, Document.summary))
    for doc_id, title, body, summary in rows:
        text = f"{title}\n{body or summary}"
        for sentence in _SENTENCES.split(text):
            sentence = sentence.strip()
            if len(sentence) < 8:
                continue
            matches = linker.find(sentence)
            for name, start, end, kind in names_in(sentence):
                if match_key(name) in known or any(m.start < end and start < m.end for m in matches):
                    continue
                entry = found.setdefault(name, Found(kind))
                entry.count += 1
                if doc_id is not None:
                    entry.documents.add(doc_id)
                if len(entry.examples) < EXAMPLES and sentence[:300] not in entry.examples:
                    entry.examples.append(sentence[:300])
    return found


def refresh(kb: KB) -> int:
    """Scan the documents again and store the names that recur; decisions already taken stay.
    Returns how many names are proposed (status new)."""
    with kb.session() as session:
        found = {name: f for name, f in scan(kb, session).items() if f.count >= MIN_COUNT}
        stored = {c.name: c for c in session.exec(select(NameCandidate))}
        for name, f in found.items():
            row = stored.get(name) or NameCandidate(name=name, kind=f.kind)
            row.count, row.documents, row.examples, row.updated_at = f.count, len(f.documents), f.examples, utcnow()
            if row.status == "new":
                row.kind = f.kind
            session.add(row)
        for name, row in stored.items():  # no longer found: only undecided names go
            if name not in found and row.status == "new":
                session.delete(row)
        session.commit()
        return len([1 for name in found if (stored.get(name) is None or stored[name].status == "new")])


def candidates(session: Session, *, status: str = "new", limit: int = 100) -> list[NameCandidate]:
    query = select(NameCandidate).where(NameCandidate.status == status)
    query = query.order_by(
        col(NameCandidate.documents).desc(), col(NameCandidate.count).desc(), col(NameCandidate.name)
    )
    return list(session.exec(query.limit(limit)))


def accept(
    kb: KB, name: str, *, kind: str | None = None, slug: str | None = None, aliases: tuple[str, ...] = ()
) -> str:
    """Write a registry entry for the candidate (in KB_REGISTRY_DIR/accepted.yaml) and remember
    the decision; the new entry's slug. Documents link to it at the next relink (`kb link`)."""
    directory = kb.config.registry_dir
    with kb.session() as session:
        row = session.get(NameCandidate, name)
        if row is None:
            raise NotFound(f"no name candidate {name!r}; `kb entities candidates` lists them")
        kind = kind or row.kind
        if kind not in KINDS or kind == "country":
            raise UserInputError(f"kind must be one of {', '.join(k for k in KINDS if k != 'country')}, not {kind!r}")
        slug = slug or slugify(name)
        entry = {
            "slug": slug,
            "name": name,
            "kind": kind,
            "aliases": [a for a in aliases if a and a != name],
            "description": f"Accepted from names that recur in the documents ({row.documents} documents).",
        }
        _append_entry(Path(directory), entry)
        row.status, row.kind, row.slug, row.decided_at = "accepted", kind, slug, utcnow()
        session.commit()
    return slug


def reject(kb: KB, name: str) -> None:
    """Remember that the name is not an entity: it is not proposed again."""
    with kb.session() as session:
        row = session.get(NameCandidate, name)
        if row is None:
            raise NotFound(f"no name candidate {name!r}; `kb entities candidates` lists them")
        row.status, row.decided_at = "rejected", utcnow()
        session.commit()


def _append_entry(directory: Path, entry: dict) -> None:
    """Add the entry to accepted.yaml, then load the whole registry to check it; a registry that no
    longer loads (a slug or name taken) is put back as it was."""
    path = directory / ACCEPTED_FILE
    before = path.read_text(encoding="utf-8") if path.exists() else None
    existing = (yaml.safe_load(before) if before else None) or []
    text = "# Registry entries accepted from recurring names (kb entities accept, the app's New names page).\n"
    text += yaml.safe_dump([*existing, entry], allow_unicode=True, sort_keys=False)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserInputError(
            f"cannot write the registry file {path}: {exc}; set KB_REGISTRY_DIR to a writable copy"
        ) from exc
    try:
        load_registry(directory)
    except RegistryError as exc:
        if before is None:
            path.unlink()
        else:
            path.write_text(before, encoding="utf-8")
        raise UserInputError(f"the entry was not added: {exc}") from exc


def by_status(session: Session) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for status in session.exec(select(NameCandidate.status)):
        counts[status] += 1
    return dict(counts)
