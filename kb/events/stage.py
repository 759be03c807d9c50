"""The events stage of the pipeline: documents in, events out, one recipe.

events_hook (after entity linking) -> curated timeline up to date ->
for each batch of documents: forget what they said before, read them
(Federal Register fields, or prose), attach each candidate to its event ->
rescore -> relink rule lifecycles.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from pathlib import Path

from sqlmodel import Session, col, select

from ingest.article import date_from_url
from kb.batches import chunked
from kb.context import KB
from kb.errors import RegistryError
from kb.events import cluster, curated, structured
from kb.events.candidates import Candidate
from kb.events.curated import CuratedEventError, LoadReport
from kb.events.dates import Reference, warm_up
from kb.events.extract import EntityInfo, Text, entity_info, extract_all, extract_held, hold
from kb.linker import Linker, current_linker
from kb.models import Document, Mention
from kb.store import get_meta, set_meta

log = logging.getLogger(__name__)
# Bump when the lexicon or the extractor changes: every document is read again.
EXTRACTOR_VERSION = "3"  # 2: month and year dates, reference chain, speech dates; 3: paraphrases, second actions
STATE_KEY = "events_extractor"  # extractor version + registry fingerprint the events were made with
BATCH = 200
SKIPPED_KINDS = ("page_snapshot",)  # availability snapshots get their events from the diff, not prose
# At least PARALLEL_DOCS documents at once (a large feed's first poll, every document after the
# extractor changed): their prose is read by EVENT_PROCS processes of their own, on both cores.
PARALLEL_DOCS = 2_000
EVENT_PROCS = min(2, os.cpu_count() or 1)


def events_hook(kb: KB, session: Session, doc_ids: list[int]) -> list[int]:
    """Pipeline stage: extract and cluster the events of new and changed documents (all of them
    after the registry or the extractor changed). Returns no ids: events are not in the index.

    A malformed curated file does not stop the documents' events (the stage's writes would be
    rolled back with its error); it is logged here and refused loudly by `kb timeline` and `kb demo`.
    """
    linker = kb.linker
    try:
        ensure_curated(session, linker=linker)
    except CuratedEventError as exc:
        log.warning("curated events not loaded: %s", exc)
    if not _refresh_if_stale(session, linker):
        extract_documents(session, doc_ids, linker=linker)
    return []


def ensure_events(session: Session, *, linker: Linker | None = None) -> bool:
    """Bring the events up to date with the curated files, the registry and the extractor
    (as `kb timeline` does before answering); True when something was redone."""
    linker = linker or current_linker()
    loaded = ensure_curated(session, linker=linker) is not None
    return _refresh_if_stale(session, linker) or loaded


def _refresh_if_stale(session: Session, linker: Linker) -> bool:
    """Read every document again when the events were made with another registry or extractor."""
    state = f"{EXTRACTOR_VERSION}:{linker.registry.fingerprint}"
    if get_meta(session, STATE_KEY) == state:
        return False
    every = [doc_id for doc_id in session.exec(select(Document.id)) if doc_id is not None]  # stored rows have ids
    extract_documents(session, every, linker=linker)
    set_meta(session, STATE_KEY, state)
    return True


def load_curated(session: Session, directory: Path | None = None, *, linker: Linker | None = None) -> LoadReport:
    """Load data/events/*.yaml (or `directory`) into the store, idempotently, and merge the events
    already extracted from reports into it. Raises CuratedEventError naming the file and entry
    of a malformed event."""
    directory = directory or curated.CURATED_DIR
    if linker is None:
        try:
            linker = current_linker()
        except RegistryError:
            linker = None  # slugs are then stored as written, unchecked
    registry = linker.registry if linker else None
    report = curated.upsert_curated(
        session,
        directory,
        known_slugs=registry.entities if registry else None,
        resolve=registry.resolve if registry else None,
    )
    if report.reread and linker is not None:  # without a registry they are read at the next poll
        extract_documents(session, report.reread, linker=linker)
    return report


def ensure_curated(
    session: Session, directory: Path | None = None, *, linker: Linker | None = None
) -> LoadReport | None:
    """Load the curated timeline when its files changed since the last load; None when current."""
    directory = directory or curated.CURATED_DIR
    if curated.is_current(session, directory):
        return None
    return load_curated(session, directory, linker=linker)


def extract_documents(session: Session, doc_ids: list[int], *, linker: Linker | None = None) -> int:
    """Read the documents again and attach their events; return the number of candidates."""
    if not doc_ids:
        return 0
    linker = linker or current_linker()
    info = entity_info(linker)
    warm_up()
    lifecycles = structured.assign_lifecycles(session) if _has_federal_register(session, doc_ids) else {}
    rules, documents = cluster.known_rules(session), structured.known_documents(session)
    total, touched = 0, set()
    with _ProseReader(linker, info, rules, documents, apart=len(doc_ids) >= PARALLEL_DOCS) as reader:
        for chunk in chunked(doc_ids, BATCH):
            batch = sorted(chunk)
            touched |= cluster.detach_documents(session, batch)
            pairs = list(_read(session, batch, reader, lifecycles))
            attacher = cluster.Attacher(session, cluster.EventIndex.around(session, [c for _, c in pairs]))
            attacher.expect(pairs)
            for doc_id, cand in pairs:
                attacher.attach(cand, doc_id)
            touched |= attacher.finish()
            total += len(pairs)
    cluster.rescore(session, touched)
    if lifecycles:
        structured.update_lifecycle_rules(session, lifecycles)
    session.flush()
    return total


def _read(
    session: Session, batch: list[int], reader: _ProseReader, lifecycles: dict[str, str | None]
) -> Iterator[tuple[int, Candidate]]:
    """Each document's candidates, as candidates_of gives them, in the order of their ids."""
    stmt = select(Document).where(col(Document.id).in_(batch)).order_by(col(Document.id))
    docs = [(d.id, d) for d in session.exec(stmt) if d.id is not None]  # a stored row always has an id
    mentions = _mentions(session, [i for i, d in docs if structured.is_federal_register(d)])
    plain = [
        (doc_id, doc)
        for doc_id, doc in docs
        if doc.kind not in SKIPPED_KINDS and not structured.is_federal_register(doc)
    ]
    read = dict(zip([doc_id for doc_id, _ in plain], reader.read([doc for _, doc in plain]), strict=True))
    for doc_id, doc in docs:
        found = read.get(doc_id)
        if found is None:
            found = candidates_of(
                doc,
                linker=reader.linker,
                info=reader.info,
                lifecycles=lifecycles,
                rules=reader.rules,
                documents=reader.documents,
                mentions=mentions.get(doc_id, []),
            )
        for cand in found:
            yield doc_id, cand


class _ProseReader:
    """extract_events over documents' prose (candidates_of's part for reports), here or, for a large
    run, in processes of their own: the linker and what extraction knows are sent to each once, then
    the texts, a batch at a time, split between them. Should no process start or one die, the rest
    is read here (logged)."""

    def __init__(
        self,
        linker: Linker,
        info: dict[str, EntityInfo],
        rules: frozenset[str],
        documents: dict[str, str],
        *,
        apart: bool,
    ) -> None:
        self.linker, self.info, self.rules, self.documents = linker, info, rules, documents
        self.apart = apart and EVENT_PROCS > 1
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _ProseReader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def read(self, docs: list[Document]) -> list[list[Candidate]]:
        texts = [_text(doc) for doc in docs]
        if self.apart and len(texts) > 1:
            try:
                return self._read_apart(texts)
            except (BrokenExecutor, OSError) as exc:
                log.warning("reading events in processes of their own failed (%s); reading them here", exc)
                self.apart = False
                self.__exit__()
        return extract_all(texts, self.linker, self.info, self.rules, self.documents)

    def _read_apart(self, texts: list[Text]) -> list[list[Candidate]]:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")  # no fork of a threaded process
            state = (self.linker, self.info, self.rules, self.documents)
            self._pool = ProcessPoolExecutor(EVENT_PROCS, mp_context=context, initializer=hold, initargs=state)
        size = -(-len(texts) // EVENT_PROCS)
        parts = [texts[at : at + size] for at in range(0, len(texts), size)]
        return [found for part in self._pool.map(extract_held, parts) for found in part]


def candidates_of(
    doc: Document,
    *,
    linker: Linker,
    info: dict[str, EntityInfo] | None = None,
    lifecycles: dict[str, str | None] | None = None,
    rules: frozenset[str] = frozenset(),
    documents: dict[str, str] | None = None,
    mentions: list[str] | None = None,
) -> list[Candidate]:
    """The dated events one document states: from its Federal Register fields, or from its prose."""
    info = info if info is not None else entity_info(linker)
    if doc.kind in SKIPPED_KINDS:
        return []
    if structured.is_federal_register(doc):
        assert doc.document_number is not None  # is_federal_register makes sure of it
        return structured.fr_candidates(
            doc, rule=(lifecycles or {}).get(doc.document_number), mentions=mentions or [], linker=linker, info=info
        )
    return extract_all([_text(doc)], linker, info, rules, documents or {})[0]


def _text(doc: Document) -> Text:
    """What extract_events reads of a report."""
    return prose(doc), reference_of(doc), doc.language, doc.title


def reference_of(doc: Document) -> Reference:
    """The day a report speaks from: its publication date (from its feed, listing, page metadata,
    URL or text: `Document.date_source`), else a day its URL names; without either, the text's own
    dates stand in (`extract_events`). Never the day it was fetched: a guide fetched today about a
    2024 rule would put "from July 9" in this year."""
    if doc.published_at is not None:
        return Reference(doc.published_at.date(), "published")
    day = date_from_url(doc.url) if doc.url else None
    return Reference(day, "url" if day else "none")


def prose(doc: Document) -> str:
    """Summary and body, without reading twice a summary that is the body's opening ("first words ...")."""
    body, summary = doc.body or "", doc.summary or ""
    opening = " ".join(summary.split()).removesuffix("...").removesuffix("…").strip()
    if not body or not opening or opening in " ".join(body.split()):
        return body or summary
    return f"{summary}\n{body}"


def _mentions(session: Session, doc_ids: list[int]) -> dict[int, list[str]]:
    """Entity slugs each document names, most mentioned first (from entity linking)."""
    out: dict[int, list[tuple[int, str]]] = {}
    if doc_ids:
        for row in session.exec(select(Mention).where(col(Mention.document_id).in_(doc_ids))):
            out.setdefault(row.document_id, []).append((-row.count, row.entity_slug))
    return {doc_id: [slug for _, slug in sorted(rows)] for doc_id, rows in out.items()}


def _has_federal_register(session: Session, doc_ids: list[int]) -> bool:
    for chunk in chunked(doc_ids):
        found = select(Document.id).where(
            col(Document.id).in_(chunk),
            col(Document.kind).in_(structured.FR_KINDS),
            col(Document.document_number).is_not(None),
        )
        if session.exec(found.limit(1)).first():
            return True
    return False
