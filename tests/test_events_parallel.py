"""Events read in processes of their own (a large run: kb.events.stage.PARALLEL_DOCS) are the events
read here: the same candidates for every report, the same events once attached, and the same when
no process can be started."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlmodel import col, select

from kb.events import cluster, stage, structured
from kb.events.extract import entity_info
from kb.models import Document, Event, EventDocument
from tests.test_events_unseen import _run

UNSEEN = Path(__file__).parent / "data" / "events_unseen"


def _reports(*halves: str) -> list[dict]:
    return [r for half in halves for r in yaml.safe_load((UNSEEN / f"{half}.yaml").read_text(encoding="utf-8"))]


def _documents(reports: list[dict]) -> list[Document]:
    return [
        Document(
            source_id=1,
            key=str(r["id"]),
            url=r.get("url"),
            title=str(r.get("title") or ""),
            body=r["text"],
            language="en",
            published_at=datetime.combine(r["published"], datetime.min.time()) if r.get("published") else None,
        )
        for r in reports
    ]


@pytest.fixture
def two_processes(monkeypatch):
    monkeypatch.setattr(stage, "EVENT_PROCS", 2)  # whatever this machine's count


def test_reports_read_apart_give_the_candidates_read_here(registry_kb, two_processes):
    docs = _documents(_reports("dev9", "dev10", "dev11"))
    linker = registry_kb.linker
    with registry_kb.session() as session:
        rules, known = cluster.known_rules(session), structured.known_documents(session)
    info = entity_info(linker)
    with stage._ProseReader(linker, info, rules, known, apart=False) as here:
        expected = here.read(docs)
    with stage._ProseReader(linker, info, rules, known, apart=True) as apart:
        found = apart.read(docs[:70]) + apart.read(docs[70:])  # two batches, one pair of processes
        assert apart._pool is not None  # read apart indeed
    assert sum(map(len, expected)) > 150
    assert found == expected


def _events_by_report(session, doc_ids: list[int]) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = {}
    for doc_id in doc_ids:
        rows = session.exec(
            select(Event.key, Event.kind, Event.date, Event.precision)
            .join(EventDocument, col(EventDocument.event_id) == col(Event.id))
            .where(EventDocument.document_id == doc_id)
        ).all()
        out[doc_id] = sorted(tuple(row) for row in rows)
    return out


@pytest.mark.parametrize("processes", ["start", "cannot start"])
def test_the_stage_attaches_the_same_events_either_way(loaded_kb, two_processes, monkeypatch, processes, caplog):
    reports = _reports("dev11")
    _run(loaded_kb, reports)  # stored and read here (fewer than PARALLEL_DOCS)
    with loaded_kb.session() as session:
        ids = sorted(d for d in session.exec(select(Document.id)) if d is not None)
        before = _events_by_report(session, ids)
    assert sum(map(len, before.values())) > 100
    monkeypatch.setattr(stage, "PARALLEL_DOCS", 1)
    if processes == "cannot start":

        class NoProcesses:
            def __init__(self, *args, **kwargs):
                raise OSError("no processes here")

        monkeypatch.setattr(stage, "ProcessPoolExecutor", NoProcesses)
    with loaded_kb.session() as session:
        stage.extract_documents(session, ids, linker=loaded_kb.linker)  # read again: apart, or here after all
        session.commit()
        assert _events_by_report(session, ids) == before
    assert ("failed" in caplog.text) == (processes == "cannot start")


def test_every_name_of_kb_events_is_found_where_it_is_said_to_be():
    """kb.events imports its names on first use (what a reading process needs stays light): each one
    listed in __all__ has a module to come from, and is there."""
    import kb.events

    assert set(kb.events.__all__) == set(kb.events._FROM)
    for name in kb.events.__all__:
        assert getattr(kb.events, name) is not None, name
