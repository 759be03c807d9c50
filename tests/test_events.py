"""Event extraction, clustering, curated events and Federal Register lifecycles, on real files and a real store."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from ingest.records import Item
from kb.entities import current_linker
from kb.events import CuratedEventError, events_hook, extract_events, load_curated, read_curated, split_sentences
from kb.events import curated as curated_module
from kb.events.dates import find_dates
from kb.events.lexicon import CHINESE_LEXICON, ENGLISH_LEXICON, Lexicon, required_words
from kb.models import Document, Event, EventDocument, EventEntity, Source
from kb.pipeline import refresh_source, run_stages
from kb.store import add_source, upsert_items
from kb.timeline import rules_as_of
from tests.helpers import FIXTURES, ROOT

GOLD = ROOT / "tests" / "data" / "events_gold.yaml"
FR_FIXTURE = FIXTURES / "federal-register" / "fr-toolbelt" / "documents.json"
# Floors for the gold corpus; the figures are printed by the test (pytest -s).
PRECISION_FLOOR, RECALL_FLOOR, DATE_FLOOR, ENTITY_F1_FLOOR = 0.9, 0.8, 0.9, 0.6


# ---- helpers ------------------------------------------------------------------------------


def _item(guid: str, text: str, published: date, *, title: str = "", language: str = "en", **kwargs) -> Item:
    return Item(
        guid=guid,
        title=title or text[:60],
        body=text,
        summary=text,
        url=f"https://example.org/{guid}",
        published=datetime.combine(published, datetime.min.time()),
        language=language,
        **kwargs,
    )


def _ingest(kb, items: list[Item], url: str = "https://example.org/feed.xml", kind: str = "feed") -> list[int]:
    """Store items as a source's documents and run the after-upsert stages, as a poll does."""
    with kb.session() as session:
        source = session.exec(select(Source).where(Source.url == url)).first()
        source = source or add_source(session, url=url, kind=kind)
        stored = upsert_items(session, source=source, items=items)
        run_stages(kb, session, stored.changed)
        session.commit()
        return stored.changed


def _events(kb, **where) -> list[Event]:
    with kb.session() as session:
        query = select(Event).order_by(Event.date, Event.id)
        for name, value in where.items():
            query = query.where(getattr(Event, name) == value)
        return list(session.exec(query))


def _reports(kb, event_id: int) -> list[int]:
    with kb.session() as session:
        return sorted(session.exec(select(EventDocument.document_id).where(EventDocument.event_id == event_id)))


def _entities(kb, event_id: int) -> dict[str, str]:
    with kb.session() as session:
        return {
            r.entity_slug: r.role for r in session.exec(select(EventEntity).where(EventEntity.event_id == event_id))
        }


@pytest.fixture
def kb(registry_kb):
    """These tests are about events: each store starts with the registry's entities loaded (conftest's
    `registry_kb`), so that a test's first pipeline run does not spend half a second loading them; the
    curated timeline (the project's or a test's own) is loaded by the test, as a first poll does."""
    return registry_kb


@pytest.fixture
def curated_dir(tmp_path, monkeypatch):
    """A curated timeline of our own (empty unless a test writes to it), in place of data/events."""
    directory = tmp_path / "events"
    directory.mkdir()
    (directory / "timeline.yaml").write_text("[]\n")
    monkeypatch.setattr(curated_module, "CURATED_DIR", directory)
    return directory


CUT_OFF = {
    "id": "2024-07-09-openai-blocks-api",
    "date": date(2024, 7, 9),
    "precision": "day",
    "kind": "service_restricted",
    "title": "OpenAI starts blocking API access from unsupported regions",
    "summary": "OpenAI began blocking API traffic from regions outside its supported list.",
    "jurisdiction": "GLOBAL",
    "entities": [{"slug": "openai", "role": "actor"}, {"slug": "china", "role": "target"}],
    "sources": ["https://platform.openai.com/docs/supported-countries"],
}


def _write_curated(directory: Path, *entries: dict, name: str = "timeline.yaml") -> None:
    (directory / name).write_text(yaml.safe_dump(list(entries), sort_keys=False))


# ---- sentences and dates -------------------------------------------------------------------


def test_sentences_do_not_end_at_abbreviations():
    text = "The U.S. government told Nvidia on April 9. It is No. 46 of 2024. 百度宣布迁移方案。阿里云跟进。"
    assert split_sentences(text) == [
        "The U.S. government told Nvidia on April 9.",
        "It is No. 46 of 2024.",
        "百度宣布迁移方案。",
        "阿里云跟进。",
    ]


@pytest.mark.parametrize(
    "sentence, published, expected",
    [
        ("it will begin blocking API traffic from July 9.", date(2024, 6, 25), [date(2024, 7, 9)]),
        ("comments are now due January 17.", date(2023, 12, 15), [date(2024, 1, 17)]),  # nearest year
        ("the rule took effect on Tuesday.", date(2024, 7, 10), [date(2024, 7, 9)]),  # most recent Tuesday
        ("the regulator summoned Nvidia yesterday.", date(2025, 8, 1), [date(2025, 7, 31)]),
        (
            "effective on January 13, 2025, but comply by May 15, 2025, 120 days after.",
            date(2025, 1, 15),
            [date(2025, 1, 13), date(2025, 5, 15)],
        ),  # the year written after dateparser's match
        ("Reports on August 10 and 11, 2025 said", date(2025, 8, 12), [date(2025, 8, 10)]),
        ("issued on Sept. 29, 2025.", date(2025, 10, 1), [date(2025, 9, 29)]),
        ("2024年7月9日，OpenAI 开始限制", date(2024, 7, 9), [date(2024, 7, 9)]),
        # months and years are dates too (issue 13): an event only where a trigger takes them
        (
            "founded in 2019, it published its 2024 annual report in late January.",
            date(2025, 3, 1),
            [date(2019, 1, 1), date(2025, 1, 1)],
        ),
        ("the licensing requirement is now in place for one year.", date(2025, 3, 1), []),
    ],
)
def test_dates_are_resolved_against_the_publication_date(sentence, published, expected):
    assert [f.value for f in find_dates(sentence, published)] == expected


def test_next_month_has_month_precision():
    [found] = find_dates("The rules take effect next month.", date(2024, 12, 20))
    assert (found.value, found.precision) == (date(2025, 1, 1), "month")


# ---- the gold corpus ------------------------------------------------------------------------


def _pair(gold: list[dict], predicted: list) -> list[tuple[dict, object]]:
    """Gold and predicted events of one report matched by kind, the nearest dates first."""
    pairs, left = [], list(predicted)
    for g in sorted(gold, key=lambda g: g["kind"]):
        same = [p for p in left if p.kind == g["kind"]]
        if same:
            best = min(same, key=lambda p: abs((p.date - g["date"]).days))
            pairs.append((g, best))
            left.remove(best)
    return pairs


def test_gold_corpus_precision_recall_and_date_accuracy():
    reports = yaml.safe_load(GOLD.read_text())
    assert len(reports) >= 30
    linker = current_linker()
    extract_events("warm-up on July 9, 2024.", date(2024, 7, 1), linker=linker)  # dateparser loads its data once
    gold_total = predicted_total = matched = dated = 0
    entity_hits = entity_predicted = entity_gold = 0
    started = time.perf_counter()
    for report in reports:
        predicted = extract_events(report["text"], report["published"], linker=linker)
        pairs = _pair(report["events"], predicted)
        gold_total, predicted_total, matched = (
            gold_total + len(report["events"]),
            predicted_total + len(predicted),
            matched + len(pairs),
        )
        for g, p in pairs:
            dated += p.date == g["date"] and p.precision == g.get("precision", "day")
            entity_hits += len(set(g["entities"]) & set(p.slugs))
            entity_predicted, entity_gold = entity_predicted + len(p.slugs), entity_gold + len(g["entities"])
    elapsed = time.perf_counter() - started
    precision, recall = matched / predicted_total, matched / gold_total
    date_accuracy = dated / matched
    e_precision, e_recall = entity_hits / entity_predicted, entity_hits / entity_gold
    entity_f1 = 2 * e_precision * e_recall / (e_precision + e_recall)
    print(
        f"\nevent extraction on {len(reports)} gold reports: precision {precision:.3f} ({matched}/{predicted_total}), "
        f"recall {recall:.3f} ({matched}/{gold_total}), date accuracy {date_accuracy:.3f} ({dated}/{matched}), "
        f"entity precision {e_precision:.3f} recall {e_recall:.3f} F1 {entity_f1:.3f}; "
        f"{elapsed / len(reports) * 1000:.1f} ms per report"
    )
    assert precision >= PRECISION_FLOOR and recall >= RECALL_FLOOR
    assert date_accuracy >= DATE_FLOOR and entity_f1 >= ENTITY_F1_FLOOR


def test_a_sentence_with_two_dates_gives_two_events():
    linker = current_linker()
    text = (
        "The rule was effective on January 13, 2025, but exporters did not have to comply with most of its "
        "requirements until May 15, 2025."
    )
    found = [(c.kind, c.date) for c in extract_events(text, date(2025, 1, 15), linker=linker)]
    assert found == [("rule_effective", date(2025, 1, 13)), ("compliance_date", date(2025, 5, 15))]


def test_chinese_reports_are_read():
    linker = current_linker()
    text = "2024年7月9日，OpenAI 开始限制来自中国内地、香港等不支持地区的 API 访问。"
    [event] = extract_events(text, date(2024, 7, 9), linker=linker, language="zh-CN")
    assert (event.kind, event.date, event.principal) == ("service_restricted", date(2024, 7, 9), "openai")
    assert {"china", "hong-kong"} <= set(event.slugs)


def test_the_subject_of_the_verb_is_the_principal_entity():
    linker = current_linker()
    [event] = extract_events(
        "Alibaba Cloud presented Qwen as a cheaper alternative after OpenAI said it would block "
        "API traffic from China starting on July 9, 2024.",
        date(2024, 6, 25),
        linker=linker,
    )
    assert (event.kind, event.principal) == ("service_restricted", "openai")
    assert dict(event.entities)["china"] == "target"


# ---- clustering -----------------------------------------------------------------------------

TEN_REPORTS = [  # one happening (OpenAI's cut-off), worded differently, published on different days
    ("OpenAI began blocking API traffic from mainland China on July 9, 2024.", date(2024, 7, 9), "en"),
    ("OpenAI's block on API traffic from China and Hong Kong took effect on Tuesday.", date(2024, 7, 10), "en"),
    ("Developers in China lost access to OpenAI's services yesterday, start-ups said.", date(2024, 7, 10), "en"),
    (
        "OpenAI cut off developers in mainland China on July 8, the company's support pages show.",
        date(2024, 7, 11),
        "en",
    ),  # one day off: still the same happening
    (
        "Since July 9, OpenAI has blocked requests from unsupported regions including China, Russia and Iran.",
        date(2024, 7, 12),
        "en",
    ),
    (
        "OpenAI stopped serving API customers in China on July 9, pushing start-ups toward local models.",
        date(2024, 7, 15),
        "en",
    ),
    ("OpenAI will block API access from China starting tomorrow.", date(2024, 7, 8), "en"),
    (
        "A week after OpenAI blocked API traffic from Hong Kong on July 9, developers say the switch is done.",
        date(2024, 7, 16),
        "en",
    ),
    (
        "OpenAI's cutoff of Chinese developers, which took effect on July 9, has benefited Baidu and Alibaba Cloud.",
        date(2024, 7, 20),
        "en",
    ),
    ("OpenAI 于2024年7月9日开始限制中国内地的 API 访问。", date(2024, 7, 10), "zh-CN"),
]


def test_ten_reports_of_one_happening_form_one_event(kb, curated_dir):
    items = [
        _item(f"cut-{n}", text, published, language=lang, title=f"Report {n}")
        for n, (text, published, lang) in enumerate(TEN_REPORTS)
    ]
    doc_ids = _ingest(kb, items)
    [event] = _events(kb, kind="service_restricted")
    assert event.date == date(2024, 7, 9) and event.origin == "extracted"
    assert _reports(kb, event.id) == sorted(doc_ids)
    assert _entities(kb, event.id)["openai"] == "actor"
    assert 0.9 < event.confidence <= 0.99  # many reports: surer than any one of them


def test_two_happenings_on_the_same_day_do_not_merge(kb, curated_dir):
    day = date(2024, 6, 26)
    _ingest(
        kb,
        [
            _item("baidu-1", "Baidu on Tuesday offered developers switching from OpenAI 50 million free tokens.", day),
            _item("baidu-2", "Baidu said on June 25 it would give OpenAI users free ERNIE tokens.", day),
            _item("ali-1", "Alibaba Cloud on Tuesday offered free tokens to developers leaving OpenAI.", day),
            _item("ali-2", "Alibaba Cloud launched a migration plan for OpenAI users on June 25.", day),
            _item("bis-1", "BIS rescinded the AI Diffusion rule on May 13, 2025.", date(2025, 5, 14)),
            _item(
                "bis-2",
                "BIS also warned on Tuesday that using Huawei Ascend chips anywhere may breach export controls.",
                date(2025, 5, 14),
            ),
        ],
    )
    offers = _events(kb, kind="migration_offer")
    assert len(offers) == 2 and {e.date for e in offers} == {date(2024, 6, 25)}
    assert sorted(next(s for s, r in _entities(kb, e.id).items() if r == "actor") for e in offers) == [
        "alibaba-cloud",
        "baidu",
    ]
    assert all(len(_reports(kb, e.id)) == 2 for e in offers)
    assert {e.kind for e in _events(kb, date=date(2025, 5, 13))} == {"rule_rescinded", "guidance_issued"}


@pytest.mark.parametrize("curated_first", [False, True])
def test_curated_and_extracted_events_of_one_happening_merge(kb, curated_dir, curated_first):
    if curated_first:
        _write_curated(curated_dir, CUT_OFF)
    doc_ids = _ingest(
        kb,
        [_item(f"r{n}", text, published, language=lang) for n, (text, published, lang) in enumerate(TEN_REPORTS[:4])],
    )
    if not curated_first:  # the reports were read before the curated event existed
        assert [e.origin for e in _events(kb, kind="service_restricted")] == ["extracted"]
        _write_curated(curated_dir, CUT_OFF)
        with kb.session() as session:
            report = load_curated(session)
            session.commit()
        assert report.merged == 1
    [event] = _events(kb, kind="service_restricted")
    assert (event.key, event.origin, event.title) == (CUT_OFF["id"], "curated", CUT_OFF["title"])
    assert event.summary == CUT_OFF["summary"] and event.confidence == 1.0
    assert _reports(kb, event.id) == sorted(doc_ids)
    assert _entities(kb, event.id) == {"openai": "actor", "china": "target"}  # the curated roles, untouched


def test_an_announcement_is_evidence_of_the_statement_it_reports(kb, curated_dir):
    notice = dict(
        CUT_OFF,
        id="2024-06-25-openai-notice",
        date=date(2024, 6, 25),
        kind="statement",
        title="OpenAI warns developers that API traffic will be blocked",
    )
    _write_curated(curated_dir, CUT_OFF, notice)
    _ingest(
        kb,
        [
            _item(
                "confirm",
                "OpenAI confirmed on June 25, 2024 that it was taking additional steps to block "
                "API traffic from unsupported regions.",
                date(2024, 6, 25),
            )
        ],
    )
    [statement] = _events(kb, kind="statement")
    assert statement.key == notice["id"] and len(_reports(kb, statement.id)) == 1
    assert len(_events(kb)) == 2  # no third event "blocked on June 25"


def test_reading_a_changed_document_again_replaces_its_evidence(kb, curated_dir):
    first = _item("doc", "Zhipu AI launched a migration plan for OpenAI users on June 25, 2024.", date(2024, 6, 25))
    _ingest(kb, [first])
    [_offer] = _events(kb, kind="migration_offer")
    _ingest(kb, [_item("doc", "Zhipu AI was added to the Entity List on January 15, 2025 by BIS.", date(2025, 1, 16))])
    assert _events(kb, kind="migration_offer") == []  # nothing else supported it
    [listed] = _events(kb, kind="entity_listed")
    assert len(_reports(kb, listed.id)) == 1
    _ingest(
        kb,
        [
            _item(
                "doc",
                "Zhipu AI was added to the Entity List on January 15, 2025 by BIS.",
                date(2025, 1, 16),
                title="changed title",
            )
        ],
    )
    assert [e.key for e in _events(kb)] == [listed.key]  # read again: the same event, not a second


def test_events_come_after_entity_linking_in_the_pipeline():
    from kb.entities import link_hook
    from kb.events.stage import events_hook
    from kb.pipeline import AFTER_UPSERT

    assert AFTER_UPSERT.index(events_hook) > AFTER_UPSERT.index(link_hook)


def test_the_hook_returns_no_documents_to_reindex(kb, curated_dir):
    ids = _ingest(kb, [_item("one", "OpenAI began blocking API traffic on July 9, 2024.", date(2024, 7, 9))])
    with kb.session() as session:
        assert events_hook(kb, session, ids) == []


# ---- the curated timeline -------------------------------------------------------------------


def test_the_project_timeline_loads_and_is_idempotent(kb):
    entries = read_curated()
    assert len(entries) >= 60 and all(e.sources for e in entries)
    with kb.session() as session:
        first = load_curated(session)
        session.commit()
        again = load_curated(session)
        session.commit()
    assert (first.loaded, first.created) == (len(entries), len(entries))
    assert (again.created, again.updated, again.removed) == (0, 0, 0)
    curated = _events(kb, origin="curated")
    assert len(curated) == len(entries) and {e.confidence for e in curated} == {1.0}
    diffusion = next(e for e in curated if e.key == "2025-05-13-ai-diffusion-rescinded")
    assert (diffusion.rule, diffusion.status, diffusion.kind) == (
        "ai-diffusion-framework",
        "rescinded",
        "rule_rescinded",
    )
    assert _entities(kb, diffusion.id)["bis"] == "actor"
    assert diffusion.sources[0].startswith("https://")


def test_a_removed_entry_is_removed_and_its_reports_read_again(kb, curated_dir):
    _write_curated(curated_dir, CUT_OFF)
    _ingest(kb, [_item("r", "OpenAI began blocking API traffic from China on July 9, 2024.", date(2024, 7, 9))])
    assert _events(kb)[0].origin == "curated"
    _write_curated(curated_dir)  # the entry is gone
    with kb.session() as session:
        report = load_curated(session)
        session.commit()
    assert report.removed == 1
    [event] = _events(kb)
    assert event.origin == "extracted" and len(_reports(kb, event.id)) == 1


@pytest.mark.parametrize(
    "content, message",
    [
        ("- id: 2024-07-09-x\n  date: [unclosed\n", "bad.yaml: not valid YAML"),
        ("id: 2024-07-09-x\n", "bad.yaml: expected a list of events"),
        ("- just a string\n", "bad.yaml: entry 1: expected a mapping"),
        (
            yaml.safe_dump([{**CUT_OFF, "kind": "blocked"}]),
            "bad.yaml: entry 1 (2024-07-09-openai-blocks-api): unknown kind",
        ),
        (
            yaml.safe_dump([{k: v for k, v in CUT_OFF.items() if k != "sources"}]),
            "bad.yaml: entry 1 (2024-07-09-openai-blocks-api): missing or empty sources",
        ),
        (
            yaml.safe_dump([CUT_OFF, {**CUT_OFF, "date": "2024-07-10"}]),
            "bad.yaml: entry 2 (2024-07-09-openai-blocks-api): id does not start with its date 2024-07-10",
        ),
        (yaml.safe_dump([CUT_OFF, CUT_OFF]), "bad.yaml: entry 2 (2024-07-09-openai-blocks-api): duplicate id"),
        (yaml.safe_dump([{**CUT_OFF, "entities": [{"slug": "openai", "role": "owner"}]}]), "role must be one of"),
        (yaml.safe_dump([{**CUT_OFF, "status": "maybe"}]), "unknown status 'maybe'"),
        (yaml.safe_dump([{**CUT_OFF, "date": "July 9"}]), "date 'July 9' is not an ISO date"),
        (yaml.safe_dump([{**CUT_OFF, "sources": ["javascript:alert(1)"]}]), "is not an http(s) URL"),
        (yaml.safe_dump([{**CUT_OFF, "colour": "red"}]), "unknown fields colour"),
    ],
)
def test_a_malformed_curated_entry_is_a_clear_error(kb, tmp_path, content, message):
    directory = tmp_path / "bad-events"
    directory.mkdir()
    (directory / "bad.yaml").write_text(content)
    with kb.session() as session, pytest.raises(CuratedEventError) as caught:
        load_curated(session, directory)
    assert message in str(caught.value)


def test_a_malformed_curated_file_does_not_stop_extraction(kb, curated_dir):
    (curated_dir / "broken.yaml").write_text("- [unclosed\n")
    _ingest(kb, [_item("r", "OpenAI began blocking API traffic from China on July 9, 2024.", date(2024, 7, 9))])
    assert len(_events(kb, kind="service_restricted")) == 1


# ---- Federal Register documents ----------------------------------------------------------------


def _poll_fixture(kb) -> None:
    with kb.session() as session:
        source = add_source(
            session, url=FR_FIXTURE.as_uri(), kind="federal_register", settings={"local": True}, allow_file=True
        )
        session.commit()
        outcome = refresh_source(kb, session, source.id)
    assert outcome.status == "ok" and outcome.new == 1000 and outcome.warning is None


def _fr_event(kb, key: str) -> Event:
    [event] = _events(kb, key=key)
    return event


@pytest.mark.slow
def test_federal_register_documents_become_dated_events(kb, curated_dir):
    _poll_fixture(kb)
    for number, day in [("2024-00190", 9), ("2024-00359", 10), ("2024-00422", 11), ("2024-00582", 12)]:
        event = _fr_event(kb, f"fr:{number}:published")  # the fixture's four BIS documents
        assert (event.date, event.kind, event.origin, event.jurisdiction) == (
            date(2024, 1, day),
            "notice_published",
            "federal_register",
            "US",
        )
        assert _entities(kb, event.id)["bis"] == "actor"
        assert event.sources == [f"https://www.federalregister.gov/d/{number}"] and len(_reports(kb, event.id)) == 1
        assert _events(kb, key=f"fr:{number}:effective") == []  # BIS notices have no effective date
    published, effective = _fr_event(kb, "fr:2023-27783:published"), _fr_event(kb, "fr:2023-27783:effective")
    assert (published.date, published.kind, published.status) == (date(2024, 1, 2), "rule_published", "final")
    assert (effective.date, effective.kind, effective.status) == (date(2024, 2, 1), "rule_effective", "in_force")
    assert published.rule == effective.rule == "fr-rin-3072-ac86"
    proposed = [e for e in _events(kb, kind="comment_deadline") if e.origin == "federal_register"]
    assert len(proposed) > 50 and all(e.key.endswith(":comments") for e in proposed)


@pytest.mark.slow
def test_documents_of_one_rulemaking_share_a_lifecycle(kb, curated_dir):
    _poll_fixture(kb)
    rule, correction = _fr_event(kb, "fr:2024-00339:published"), _fr_event(kb, "fr:C1-2024-00339:published")
    assert rule.rule == correction.rule is not None and correction.status is None  # a correction changes no status
    airworthiness = {e.rule for e in _events(kb, kind="rule_published") if e.title.startswith("Airworthiness")}
    assert len(airworthiness) > 10  # one umbrella RIN (2120-AA64) is not one rulemaking
    counts = Counter(e.rule for e in _events(kb, origin="federal_register") if e.rule)
    assert max(counts.values()) <= 3 * 10


def _fr_item(number: str, published: date, *, kind="rule", action="Final rule.", rins=(), abstract="", **fields):
    return Item(
        guid=f"fr:{number}",
        title=f"Rule document {number}",
        url=f"https://www.federalregister.gov/d/{number}",
        summary=abstract,
        body=abstract,
        published=datetime.combine(published, datetime.min.time()),
        language="en",
        kind=kind,
        document_number=number,
        fields={
            "type": "Rule",
            "action": action,
            "rins": list(rins),
            "docket_ids": [],
            "agencies": ["industry-and-security-bureau"],
            "agency_names": ["Industry and Security Bureau"],
            "jurisdictions": ["US"],
            "volume": 90,
            **fields,
        },
    )


def test_a_later_rescission_joins_the_lifecycle_and_sets_its_status(kb, curated_dir):
    _ingest(
        kb,
        [
            _fr_item(
                "2025-00001",
                date(2025, 1, 15),
                action="Interim final rule; request for comments.",
                rins=["0694-AJ99"],
                effective_on="2025-01-13",
                comments_close_on="2025-05-15",
                start_page=4544,
                end_page=4600,
            ),
            _fr_item(
                "2025-00002",
                date(2025, 3, 1),
                action="Interim final rule; delay of compliance date.",
                abstract="This rule delays compliance with the rule published on January 15, 2025 (90 FR 4560).",
                start_page=9000,
                end_page=9001,
            ),
            _fr_item(
                "2025-00003",
                date(2025, 5, 20),
                action="Final rule; rescission.",
                abstract="BIS rescinds the interim final rule 2025-00001.",
                start_page=20000,
                end_page=20002,
            ),
        ],
        url="https://www.federalregister.gov/api/v1/documents.json?x=1",
        kind="federal_register",
    )
    rules = {e.rule for e in _events(kb, origin="federal_register")}
    assert rules == {"fr-rin-0694-aj99"}
    with kb.session() as session:

        def status_on(day):
            return {s.rule: s.status for s in rules_as_of(session, day)}.get("fr-rin-0694-aj99")

        assert status_on(date(2025, 1, 14)) == "in_force"  # effective before its publication
        assert status_on(date(2025, 2, 1)) == "interim_final"
        assert status_on(date(2025, 3, 2)) == "delayed"
        assert status_on(date(2025, 6, 1)) == "rescinded"
    assert _fr_event(kb, "fr:2025-00003:published").kind == "rule_rescinded"


def test_federal_register_events_merge_into_the_curated_events_citing_them(kb, curated_dir):
    published = {
        **CUT_OFF,
        "id": "2025-01-15-diffusion-federal-register",
        "date": date(2025, 1, 15),
        "kind": "rule_published",
        "title": "AI Diffusion rule published",
        "jurisdiction": "US",
        "rule": "ai-diffusion-framework",
        "status": "pending_compliance",
        "entities": [{"slug": "bis", "role": "actor"}],
        "sources": ["https://www.federalregister.gov/d/2025-00636"],
    }
    _write_curated(curated_dir, published)
    _ingest(
        kb,
        [_fr_item("2025-00636", date(2025, 1, 15), action="Interim final rule.", effective_on="2025-01-13")],
        url="https://www.federalregister.gov/api/v1/documents.json?x=2",
        kind="federal_register",
    )
    [event] = _events(kb, kind="rule_published")
    assert (event.key, event.status) == (published["id"], "pending_compliance")  # the curated one wins
    assert len(_reports(kb, event.id)) == 1
    assert _fr_event(kb, "fr:2025-00636:effective").rule == "ai-diffusion-framework"


def test_documents_with_an_event_are_findable_from_it(kb, curated_dir):
    ids = _ingest(kb, [_item("r", "OpenAI began blocking API traffic from China on July 9, 2024.", date(2024, 7, 9))])
    with kb.session() as session:
        sentence = session.exec(select(EventDocument.sentence).where(EventDocument.document_id == ids[0])).one()
        assert sentence == "OpenAI began blocking API traffic from China on July 9, 2024."
        assert session.get(Document, ids[0]) is not None


def test_the_lexicon_runs_a_pattern_only_where_its_words_are():
    """The gates skip patterns whose words a sentence lacks; the triggers are those of every pattern run."""
    assert required_words(re.compile(r"\b(?:hit|struck) back\b|\btit-for-tat\b", re.I)) == {" back", "tit-for-tat"}
    assert required_words(re.compile(r"\bEntity List\b(?:\s+\w+){0,3}", re.I)) == {"entity list"}
    assert required_words(re.compile(r"\b\w+(?:ed)?\b")) is None
    sentences = [
        "Beijing Hit Back on Tuesday, barring shipments of gallium to the United States.",
        "BIS added Sophgo to the Entity List on January 15, 2025, and comments are due by March 17.",
        "OpenAI will block API traffic from July 9; Zhipu offered free tokens.",
        "商务部宣布对美国实施反制措施，自即日起生效。",
    ]
    for lexicon in (ENGLISH_LEXICON, CHINESE_LEXICON):
        everything = Lexicon(lexicon.entries, tuple(None for _ in lexicon.entries))
        for sentence in sentences:
            assert lexicon.triggers(sentence) == everything.triggers(sentence)
            assert lexicon.strength(sentence, "retaliation") == everything.strength(sentence, "retaliation")
