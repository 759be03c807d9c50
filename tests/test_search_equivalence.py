"""Search answers the same before and after each speed-up (issue 14).

A fixed corpus (generated reports, Chinese reports, an undated one, entity
mentions) is indexed and a fixed list of searches is run; their totals, hit
ids in order and facet counts must equal those recorded in
tests/data/search/equivalence.json. An intended change of results (a new
stemmer) is recorded again on purpose:

    KB_RECORD_SEARCH_EQUIVALENCE=1 python -m pytest tests/test_search_equivalence.py
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import pytest

from bench.corpus import Generator
from kb import index as kb_index
from kb.models import Document, Mention, Source
from kb.search import SearchRequest, search

RECORDED = Path(__file__).parent / "data" / "search" / "equivalence.json"
GENERATED = 120
CHINESE = [
    ("百度推出迁移计划", "百度为开发者提供免费额度，帮助他们离开OpenAI。", datetime(2024, 7, 9, 8)),
    ("阿里云提供免费令牌", "阿里云向开发者提供免费的通义千问令牌。", datetime(2024, 7, 10, 9)),
    ("美国更新芯片出口管制", "美国商务部更新了先进计算芯片的出口管制规则。", datetime(2023, 10, 17, 12)),
]

SEARCHES: dict[str, dict] = {
    "word": {"query": "rule"},
    "word by date": {"query": "rule", "sort": "date"},
    "word oldest, page 2": {"query": "rule", "sort": "oldest", "page": 2, "per_page": 5},
    "two words": {"query": "export controls"},
    "phrase": {"query": '"export controls"'},
    "phrase by date": {"query": '"model weights"', "sort": "date"},
    "phrase, page 2": {"query": '"export controls"', "page": 2, "per_page": 3},
    "phrase and a word": {"query": '"export controls" rule'},
    "phrase in a date range": {"query": '"export controls" date:[2021-01-01 to 2024-12-31]'},
    "phrase and filters": {"query": '"export controls"', "kinds": ["news", "rule"], "since": "2020-01-01"},
    "phrase, entity filter": {"query": '"export controls"', "entities": ["21vianet"]},
    "two words, page 2": {"query": "export controls", "page": 2, "per_page": 3},
    "chinese phrase": {"query": '"出口管制"'},
    "or": {"query": "celebrating OR personalization"},
    "negation": {"query": "rule -semiconductor"},
    "inflected form": {"query": "celebrated"},
    "another form": {"query": "chipped"},
    "title field": {"query": "title:semiconductor"},
    "kind field": {"query": "kind:rule"},
    "source field": {"query": "source:3 license"},
    "entity field": {"query": "entity:01-ai"},
    "entity filter": {"query": "rule", "entities": ["21vianet"]},
    "kind and source filters": {"query": "", "kinds": ["news"], "sources": ["1", "2", "3"]},
    "date range in the query": {"query": "rule date:[2021-01-01 to 2022-12-31]"},
    "open date range": {"query": "date:>2025"},
    "month": {"query": "date:2024-07"},
    "date filters": {"query": "license", "since": "2020-03-01", "until": "2023-09-30"},
    "since only, by date": {"query": "", "since": "2026-01-01", "sort": "date"},
    "everything by date": {"query": "", "sort": "date"},
    "everything oldest, page 3": {"query": "", "sort": "oldest", "page": 3},
    "chinese": {"query": "百度"},
    "chinese two characters": {"query": "免费"},
    "chinese and a date": {"query": "芯片 date:2023"},
    "chinese, none": {"query": "腾讯"},
    "nothing matches": {"query": "zzzqqq"},
    "unreadable": {"query": "AND OR ("},
    "only ids": {"query": "", "only_ids": [3, 5, 8, 13, 21, 34, 55, 89]},
    "only ids and a word": {"query": "rule", "only_ids": [149, 31, 40, 2, 3]},
    "page past the end": {"query": "rule", "page": 40},
}


@pytest.fixture
def fixed_corpus(kb):
    gen = Generator()
    with kb.session() as session:
        sources = [Source(url=f"https://bench.invalid/s{n}", title=f"Desk {n}") for n in range(5)]
        session.add_all(sources)
        session.flush()
        docs, mentions = [], []
        for n, d in enumerate(gen.documents(GENERATED)):
            body = " ".join(d.body.split()[:60])  # short: the test must stay quick
            doc = Document(
                source_id=sources[d.source % 5].id, key=d.key, title=d.title, summary=d.summary[:120], body=body
            )
            doc.published_at, doc.kind = (None if n == 7 else d.published), d.kind
            docs.append(doc)
            mentions.append(d.entities)
        for n, (title, body, when) in enumerate(CHINESE):
            docs.append(Document(source_id=sources[n].id, key=f"zh{n}", title=title, body=body, published_at=when))
            mentions.append(())
        session.add_all(docs)
        session.flush()
        session.add_all(
            Mention(document_id=doc.id, entity_slug=slug, count=1)
            for doc, slugs in zip(docs, mentions, strict=True)
            for slug in slugs
        )
        session.commit()
        kb_index.index_documents(kb.index, session, [doc.id for doc in docs if doc.id is not None])
    return kb


def answer(kb, fields: dict) -> dict:
    fields = dict(fields)
    for name in ("since", "until"):
        if name in fields:
            fields[name] = date.fromisoformat(fields[name])
    with kb.session() as session:
        result = search(kb.index, session, SearchRequest(**fields))
    return {
        "total": result.total,
        "hits": [h.id for h in result.hits],
        "facets": {name: [list(pair) for pair in pairs] for name, pairs in result.facets.items()},
        "note": bool(result.note),
        "suggestion": result.suggestion,
    }


def test_search_answers_as_recorded(fixed_corpus):
    answers = {name: answer(fixed_corpus, fields) for name, fields in SEARCHES.items()}
    if os.environ.get("KB_RECORD_SEARCH_EQUIVALENCE") == "1":
        RECORDED.write_text(json.dumps(answers, indent=1, ensure_ascii=False) + "\n")
        pytest.skip("recorded")
    recorded = json.loads(RECORDED.read_text())
    assert set(recorded) == set(answers)
    for name, expected in recorded.items():
        assert answers[name] == expected, f"{name}: {SEARCHES[name]}"


def test_the_recorded_searches_cover_the_language():
    """The list keeps its coverage: Chinese, date ranges in the query and as filters, each sort."""
    requests = [SearchRequest(**{k: v for k, v in f.items() if k not in ("since", "until")}) for f in SEARCHES.values()]
    assert any(any("\u4e00" <= c <= "\u9fff" for c in r.query) for r in requests)
    assert any("date:[" in r.query for r in requests) and any("since" in f for f in SEARCHES.values())
    assert {r.sort for r in requests} == {"relevance", "date", "oldest"}
    assert all(asdict(r) for r in requests)
