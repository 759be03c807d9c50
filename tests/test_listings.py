"""Screening lists as data: the CSL JSON download as a source of kind `csl`, its parties matched
to the registry, its additions and removals as events, and what the CLI shows of them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from ingest.csl import NotAScreeningList, parse_csl
from kb.cli import main
from kb.listings import roster
from kb.models import Event, EventEntity, ListedParty, Source
from kb.pipeline import poll
from kb.store import add_source

DATA = Path(__file__).parent / "data" / "csl"
DECEMBER, FEBRUARY = (
    (DATA / "consolidated-2024-12.json").read_bytes(),
    (DATA / "consolidated-2025-02.json").read_bytes(),
)


def test_the_download_is_read_into_listings_with_their_citations():
    everything = parse_csl(FEBRUARY)
    assert {item.list_code for item in everything.listings} == {"EL", "MEU", "SDN"}
    kept = parse_csl(FEBRUARY, {"EL"})
    zhipu = next(item for item in kept.listings if "Zhipu" in item.name)
    assert (zhipu.start_date, zhipu.citation, zhipu.countries) == (date(2025, 1, 16), "90 FR 4617", ["CN"])
    assert zhipu.citation_url == "https://www.federalregister.gov/citation/90-FR-4617"
    assert zhipu.alt_names == ["Zhipu AI"] and zhipu.license_policy == "Presumption of denial."
    assert not kept.problems


def test_rows_that_cannot_be_read_are_reported_and_the_others_kept():
    result = parse_csl((DATA / "consolidated-broken-rows.json").read_bytes())
    assert [item.name for item in result.listings] == ["Huawei Technologies Co., Ltd."]
    assert len(result.problems) == 3 and all(p.startswith("row ") for p in result.problems)
    with pytest.raises(NotAScreeningList, match="not JSON"):
        parse_csl(b"<html>no</html>")
    with pytest.raises(NotAScreeningList, match="results"):
        parse_csl(json.dumps({"total": 0}).encode())


def _subscribe(kb, url: str) -> int:
    with kb.session() as session:
        source = add_source(session, url=url, kind="csl", title="Consolidated Screening List", allow_private=True)
        session.commit()
        assert source.id is not None
        return source.id


def _parties(kb) -> dict[str, ListedParty]:
    with kb.session() as session:
        return {p.name: p for p in session.exec(select(ListedParty))}


def _event(kb, event_id: int | None) -> tuple[Event, set[str]]:
    with kb.session() as session:
        event = session.get(Event, event_id)
        assert event is not None
        slugs = set(session.exec(select(EventEntity.entity_slug).where(EventEntity.event_id == event_id)))
        return event, slugs


def test_a_csl_source_keeps_its_lists_parties_matches_them_and_turns_changes_into_events(loaded_kb, server):
    kb = loaded_kb
    server.add("/csl.json", DECEMBER, headers={"Content-Type": "application/json"})
    sid = _subscribe(kb, server.url("/csl.json"))
    assert poll(kb, [sid]).count("failed") == 0
    parties = _parties(kb)
    assert "Example Shipping Operator Ltd." not in parties  # an SDN row: not a list this source keeps
    assert {name: p.entity_slug for name, p in parties.items()} == {
        "Huawei Technologies Co., Ltd.": "huawei",
        "Semiconductor Manufacturing International Corporation": "smic",
        "Shanghai Biren Intelligent Technology Co., Ltd.": "biren",
        "Moore Threads Intelligent Technology (Beijing) Co., Ltd.": "moore-threads",
        "Bhabha Atomic Research Centre (BARC)": None,
        "Academy of Aerospace Solid Propulsion Technology (AASPT)": None,
    }
    # Biren and Moore Threads were listed by one notice that the curated timeline already has: one event.
    biren, moore = (
        parties["Shanghai Biren Intelligent Technology Co., Ltd."],
        parties["Moore Threads Intelligent Technology (Beijing) Co., Ltd."],
    )
    assert biren.event_id == moore.event_id
    event, slugs = _event(kb, biren.event_id)
    assert (event.origin, event.kind, event.date) == ("curated", "entity_listed", date(2023, 10, 17))
    # Huawei's 2019 listing is an event of its own, citing its notice.
    event, slugs = _event(kb, parties["Huawei Technologies Co., Ltd."].event_id)
    assert (event.origin, event.kind, event.date, event.jurisdiction) == (
        "listing",
        "entity_listed",
        date(2019, 5, 16),
        "US",
    )
    assert "84 FR 22961" in event.title and event.sources[0] == "https://www.federalregister.gov/citation/84-FR-22961"
    assert {"huawei", "entity-list", "bis"} <= slugs

    # The next version adds two parties and drops one.
    server.add("/csl.json", FEBRUARY, headers={"Content-Type": "application/json"})
    assert poll(kb, [sid]).count("failed") == 0
    parties = _parties(kb)
    zhipu = parties["Beijing Zhipu Huazhang Technology Co., Ltd."]
    assert (zhipu.entity_slug, zhipu.citation, zhipu.removed_at) == ("zhipu-ai", "90 FR 4617", None)
    barc = parties["Bhabha Atomic Research Centre (BARC)"]
    assert barc.removed_at is not None
    removal, _ = _event(kb, barc.removal_event_id)
    assert removal.kind == "entity_removed" and "removed from the Entity List" in removal.title
    with kb.session() as session:
        listing_events = session.exec(select(Event).where(Event.origin == "listing")).all()
    assert len({e.key for e in listing_events}) == len(listing_events)
    # Read again, nothing doubles.
    before = len(listing_events)
    poll(kb, [sid], force=True)
    with kb.session() as session:
        assert len(session.exec(select(Event).where(Event.origin == "listing")).all()) == before
        assert len(session.exec(select(ListedParty)).all()) == 8  # the removed party is kept, marked removed

    ros = roster(kb.session(), "EL")
    assert [p.name for p in ros.parties][:2] == [
        "Sophgo Technologies Ltd.",
        "Beijing Zhipu Huazhang Technology Co., Ltd.",
    ]
    assert dict(ros.by_country) == {"CN": 6} and dict(ros.by_month)["2025-01"] == 2


def test_kb_entity_shows_the_listing_with_its_citation_and_kb_listings_the_roster(loaded_kb, server, capsys):
    kb = loaded_kb
    server.add("/csl.json", FEBRUARY, headers={"Content-Type": "application/json"})
    poll(kb, [_subscribe(kb, server.url("/csl.json"))])
    capsys.readouterr()
    assert main(["entity", "zhipu-ai"]) == 0
    out = capsys.readouterr().out
    assert "listed: Entity List since 2025-01-16 (90 FR 4617): Beijing Zhipu Huazhang Technology Co., Ltd." in out
    assert main(["listings", "--country", "CN", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["by_country"] == {"CN": 6} and len(data["parties"]) == 6
    assert main(["listings", "--list", "MEU"]) == 0
    assert "Academy of Aerospace Solid Propulsion Technology" in capsys.readouterr().out


def test_a_download_that_is_not_a_list_fails_the_source_with_a_clear_error(loaded_kb, server):
    kb = loaded_kb
    server.add("/csl.json", b"<html>maintenance</html>", headers={"Content-Type": "text/html"})
    sid = _subscribe(kb, server.url("/csl.json"))
    assert poll(kb, [sid]).count("failed") == 1
    with kb.session() as session:
        source = session.get(Source, sid)
        assert source is not None and "not a screening list" in (source.last_error or "")


def test_the_entity_page_shows_the_listing_badge_and_the_entity_list_page_its_roster(loaded_kb, server):
    from tests.test_ui_pages import app, assert_clean, shown

    kb = loaded_kb
    server.add("/csl.json", FEBRUARY, headers={"Content-Type": "application/json"})
    poll(kb, [_subscribe(kb, server.url("/csl.json"))])
    at = app("kb/views/entities.py", id="zhipu-ai")
    assert_clean(at)
    [badge] = [w.value for w in at.warning if "Entity List" in w.value]
    assert "since 2025-01-16" in badge and "[90 FR 4617](https://www.federalregister.gov/citation/90-FR-4617)" in badge
    at = app("kb/views/listings.py")
    assert_clean(at)
    text = shown(at)
    assert "Entity List" in text and "CN 6" in text
    [roster_table] = [d for d in at.dataframe if "name" in d.value.columns]
    rows = roster_table.value
    assert len(rows) == 6 and rows.iloc[0]["name"] == "Sophgo Technologies Ltd."
    assert (
        dict(zip(rows["name"], rows["entity"], strict=True))["Beijing Zhipu Huazhang Technology Co., Ltd."]
        == "Zhipu AI"
    )
    at = app("kb/views/listings.py", list="MEU")
    assert_clean(at)
    assert "Military End User List" in shown(at)


def test_removing_a_csl_source_removes_its_parties_and_its_own_events(loaded_kb, server):
    from kb.store import remove_source

    kb = loaded_kb
    server.add("/csl.json", FEBRUARY, headers={"Content-Type": "application/json"})
    sid = _subscribe(kb, server.url("/csl.json"))
    poll(kb, [sid])
    with kb.session() as session:
        curated = session.exec(select(Event).where(Event.origin == "curated")).all()
        remove_source(session, sid, keep_documents=False)
        session.commit()
    with kb.session() as session:
        assert session.exec(select(ListedParty)).all() == []
        assert session.exec(select(Event).where(Event.origin == "listing")).all() == []
        assert len(session.exec(select(Event).where(Event.origin == "curated")).all()) == len(curated)
        assert session.get(Source, sid) is None
