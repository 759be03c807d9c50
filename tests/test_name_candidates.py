"""A registry that grows: recurring unknown names proposed with examples, accepted into the
registry (then linked) or rejected for good, from the CLI and the app."""

from __future__ import annotations

import shutil

import pytest
import yaml
from sqlmodel import select

from kb import name_candidates as nc
from kb.cli import main
from kb.models import Document, Mention, NameCandidate, Source
from kb.settings import DATA_DIR

REPORTS = [
    "The Semiconductor Industry Association said the rule would hurt US chipmakers. Nvidia declined to comment.",
    "Zhongke Lianxin Microelectronics said its sales fell. The Semiconductor Industry Association asked BIS to pause.",
    "Analysts at Harborview Capital Partners expect L20Z shipments to fall; the L20Z is a new Nvidia part.",
    "Harborview Capital Partners raised its forecast. 深圳芯联微电子有限公司 said it would appeal. The USD figure rose.",
    "深圳芯联微电子有限公司 was named in the notice with Zhongke Lianxin Microelectronics on Tuesday.",
]


@pytest.fixture
def registry_copy(tmp_path, monkeypatch):
    """A writable copy of the registry (accepting a name writes to it)."""
    directory = tmp_path / "registry"
    shutil.copytree(DATA_DIR / "entities", directory)
    monkeypatch.setenv("KB_REGISTRY_DIR", str(directory))
    return directory


@pytest.fixture
def store(registry_copy, registry_kb):
    kb = registry_kb
    with kb.session() as session:
        source = Source(url="https://example.org/feed.xml", title="Reports")
        session.add(source)
        session.flush()
        assert source.id is not None
        for n, text in enumerate(REPORTS):
            session.add(Document(source_id=source.id, key=f"k{n}", title=f"Report {n}", body=text))
        session.commit()
    return kb


def test_name_shapes_are_found_and_ordinary_words_are_not():
    found = {
        name: kind
        for name, _, _, kind in nc.names_in(
            "After the Ministry of Commerce spoke, Gaudi 2 and L40S sales fell in July 2024."
        )
    }
    assert found == {"Ministry of Commerce": "government_body", "Gaudi 2": "product", "L40S": "product"}
    assert [n for n, *_ in nc.names_in("The USD and the AI rule of the US.")] == []
    assert next(n for n, *_ in nc.names_in("商务部将深圳芯联微电子有限公司列入清单")).endswith("有限公司")


def test_recurring_unknown_names_are_proposed_with_examples_and_known_ones_are_not(store):
    assert nc.refresh(store) >= 4
    with store.session() as session:
        rows = {r.name: r for r in nc.candidates(session)}
    assert {"Zhongke Lianxin Microelectronics", "Harborview Capital Partners", "L20Z"} <= set(rows)
    assert any(name.endswith("芯联微电子有限公司") for name in rows)
    assert "Semiconductor Industry Association" not in rows  # the registry knows it
    assert "Nvidia" not in rows and "USD" not in rows
    partners = rows["Harborview Capital Partners"]
    assert (partners.documents, partners.count, partners.kind) == (2, 2, "organization")
    assert partners.examples and "Harborview Capital Partners" in partners.examples[0]


def test_accepting_writes_a_registry_entry_that_links_and_rejecting_is_remembered(store, registry_copy, capsys):
    nc.refresh(store)
    assert main(["entities", "accept", "Harborview Capital Partners", "--alias", "Harborview"]) == 0
    entries = yaml.safe_load((registry_copy / nc.ACCEPTED_FILE).read_text(encoding="utf-8"))
    assert entries[0]["slug"] == "harborview-capital-partners" and entries[0]["aliases"] == ["Harborview"]
    assert main(["entities", "reject", "L20Z"]) == 0
    assert main(["link"]) == 0
    with store.session() as session:
        linked = set(
            session.exec(select(Mention.document_id).where(Mention.entity_slug == "harborview-capital-partners"))
        )
        assert len(linked) == 2
    nc.refresh(store)  # decisions survive a new scan
    with store.session() as session:
        assert session.get(NameCandidate, "L20Z").status == "rejected"
        assert "L20Z" not in {r.name for r in nc.candidates(session)}
        assert session.get(NameCandidate, "Harborview Capital Partners").status == "accepted"
    capsys.readouterr()
    # A second entry under a taken slug is refused and leaves the registry as it was.
    assert main(["entities", "accept", "Zhongke Lianxin Microelectronics", "--slug", "nvidia"]) == 1
    assert "not added" in capsys.readouterr().err
    assert len(yaml.safe_load((registry_copy / nc.ACCEPTED_FILE).read_text(encoding="utf-8"))) == 1


def test_the_cli_lists_candidates_and_the_directory_still_answers_queries(store, capsys):
    assert main(["entities", "candidates"]) == 0
    out = capsys.readouterr().out
    assert "Harborview Capital Partners" in out and "e.g. " in out
    assert main(["entities", "--all", "nvidia"]) == 0
    assert "nvidia" in capsys.readouterr().out
    assert main(["entities", "list", "--all", "--kind", "product", "L40S"]) == 0
    assert "l40s" in capsys.readouterr().out


def test_the_new_names_page_accepts_and_rejects(store, registry_copy):
    from tests.test_ui_pages import app, assert_clean, shown

    nc.refresh(store)
    at = app("kb/views/candidates.py")
    assert_clean(at)
    assert "Zhongke Lianxin Microelectronics" in shown(at)
    at.selectbox(key="kind:Zhongke Lianxin Microelectronics").set_value("organization")
    at.button(key="accept:Zhongke Lianxin Microelectronics").click().run()
    assert_clean(at)
    assert any("registry entry zhongke-lianxin-microelectronics" in s.value.replace("\\", "") for s in at.success)
    at.button(key="reject:L20Z").click().run()
    assert_clean(at)
    with store.session() as session:
        assert session.get(NameCandidate, "L20Z").status == "rejected"
