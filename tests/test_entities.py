"""Entities in the store: linking during ingest, entity pages, search by entity, merges."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlmodel import select

from kb.cli import main
from kb.entities import entity_page, list_entities, resolve, surviving_entity
from kb.errors import NotFound
from kb.models import Entity, Mention
from kb.registry import load_registry
from kb.search import SearchRequest, search


@pytest.fixture
def demo(demo_kb):
    return demo_kb


def cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ingest_links_documents(demo):
    with demo.session() as session:
        slugs = set(session.exec(select(Mention.entity_slug)))
        assert {"openai", "bis", "china", "alibaba-cloud", "baidu", "nvidia", "h20"} <= slugs
        assert session.exec(select(Entity).where(Entity.slug == "bis")).one().name == "Bureau of Industry and Security"


def test_openai_page_lists_documents_and_china_among_co_mentions(demo):
    with demo.session() as session:
        page = entity_page(session, "openai", per_page=5)
    assert page.total_documents >= 8 and len(page.documents) == 5
    dates = [d.published_at for d in page.documents]
    assert dates == sorted(dates, reverse=True)
    top = [e.slug for e, _ in page.co_mentions[:5]]
    assert "china" in top
    assert sum(n for _, n in page.per_month) == page.total_documents


def test_bis_page_lists_the_rules(demo):
    with demo.session() as session:
        page = entity_page(session, "bis", per_page=50)
    titles = " | ".join(d.title for d in page.documents)
    for needle in ("AI Diffusion", "Entity List", "advanced computing"):
        assert needle.lower() in titles.lower(), needle


def test_entity_search_finds_migration_offers(demo):
    with demo.session() as session:
        result = search(demo.index, session, SearchRequest(query="entity:alibaba-cloud"))
        assert result.total >= 2
        assert any("tokens" in h.title.lower() for h in result.hits)
        facet = dict(search(demo.index, session, SearchRequest(query="free tokens")).facets["entity"])
        assert facet.get("alibaba-cloud", 0) >= 1 and facet.get("openai", 0) >= 1


def test_query_naming_an_entity_offers_its_page(demo):
    with demo.session() as session:
        result = search(demo.index, session, SearchRequest(query="Baidu tokens"))
    assert ("baidu", "Baidu", "organization") in result.entities


def test_directory_counts_and_filters(demo):
    with demo.session() as session:
        rows, total = list_entities(session, with_documents=True, limit=5)
        assert rows[0].documents >= rows[-1].documents and total > 20
        people, _ = list_entities(session, kind="person")
        assert people and all(p.kind == "person" for p in people)
        found, _ = list_entities(session, query="alibaba")
        assert "alibaba-cloud" in {e.slug for e in found}


def test_merged_slug_leads_to_the_survivor(demo):
    registry = load_registry()
    merged = [e for e in registry.entities.values() if e.merged_into]
    assert merged
    with demo.session() as session:
        assert resolve(session, merged[0].slug).slug == merged[0].merged_into


def test_merges_in_the_store_are_followed_and_a_circle_ends(kb):
    rows = {"old": "middle", "middle": "new", "new": None, "ping": "pong", "pong": "ping", "lost": "nowhere"}
    with kb.session() as session:
        for slug, target in rows.items():
            session.add(Entity(slug=slug, name=slug.title(), kind="organization", merged_into=target))
        session.flush()
        assert resolve(session, "old").slug == "new"
        assert resolve(session, "ping").slug == "ping"
        assert surviving_entity(session, "lost") is None
        with pytest.raises(NotFound):
            resolve(session, "lost")


def test_cli_entity_commands(demo, capsys):
    code, out, _ = cli(capsys, "entity", "openai")
    assert code == 0 and "OpenAI" in out and "china (" in out
    data = json.loads(cli(capsys, "entity", "bis", "--json")[1])
    assert data["entity"]["slug"] == "bis" and data["total_documents"] >= 10
    code, out, _ = cli(capsys, "search", "entity:alibaba-cloud")
    assert code == 0 and "tokens" in out.lower()
    code, out, _ = cli(capsys, "entities", "--kind", "organization")
    assert code == 0 and "openai" in out
    code, _, err = cli(capsys, "entity", "no-such-thing")
    assert code == 1 and "no entity 'no-such-thing'" in err


def test_registry_change_relinks_and_bad_registry_is_rejected(demo, capsys, tmp_path, monkeypatch):
    from kb.registry import registry_dir

    copy = tmp_path / "registry"
    shutil.copytree(registry_dir(), copy)
    monkeypatch.setenv("KB_REGISTRY_DIR", str(copy))
    extra = "\n- slug: gallium\n  name: Gallium\n  kind: product\n  description: A metal used in chips.\n"
    with open(copy / "models_products.yaml", "a") as f:
        f.write(extra)
    code, out, _ = cli(capsys, "link")
    assert code == 0 and "re-indexed" in out
    code, out, _ = cli(capsys, "search", "entity:gallium")
    assert code == 0 and "gallium" in out.lower() and "0 results" not in out
    with open(copy / "models_products.yaml", "a") as f:
        f.write(extra)  # the same slug twice
    code, _, err = cli(capsys, "link")
    assert code == 1 and "models_products.yaml: entry" in err and "duplicate slug 'gallium'" in err
    assert len(err.strip().splitlines()) == 1


def test_directory_search_matches_aliases_in_any_script(demo):
    with demo.session() as session:
        assert "nvidia" in {e.slug for e in list_entities(session, query="英伟达")[0]}
        assert "nvidia" in {e.slug for e in list_entities(session, query="NVIDIA Corporation")[0]}


def test_a_rule_page_lists_its_lifecycle(demo):
    from datetime import date

    from kb.models import Event

    with demo.session() as session:
        # A lifecycle event that names no entities (as Federal Register corrections can be).
        session.add(
            Event(
                key="t-untagged",
                date=date(2025, 2, 1),
                kind="rule_published",
                origin="federal_register",
                title="Correction to the AI Diffusion rule",
                rule="ai-diffusion-framework",
            )
        )
        session.commit()
        titles = {e.title for e in entity_page(session, "ai-diffusion-framework").events}
    assert "Correction to the AI Diffusion rule" in titles
