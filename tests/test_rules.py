"""Rules you can ask about: the rules and regulatory actions that touched an entity or what it
makes, and a rule's summary card (status and since when, dates, citation, interim final rule)."""

from __future__ import annotations

from datetime import date

from kb.cli import main
from kb.models import Entity, Event
from kb.rules import rule_card, rules_touching


def test_the_rules_that_touched_a_maker_include_those_that_name_its_products(demo_kb):
    kb = demo_kb
    with kb.session() as session:
        rows = rules_touching(session, kb.linker.registry, "nvidia")
        by_rule = {row.rule: row for row in rows if row.rule}
        assert {"ai-diffusion-framework", "oct-2022-advanced-computing-rule"} <= set(by_rule)
        h20 = [row for row in rows if "h20" in row.via]
        assert h20 and h20[0].latest.kind in ("license_required", "statement", "rule_published")
        # The product's own page lists what names it; nothing about other chips.
        assert all("a100" not in row.via for row in rules_touching(session, kb.linker.registry, "h20"))
        assert rows == sorted(rows, key=lambda r: (r.latest.date, r.name), reverse=True)


def test_the_rule_card_says_the_status_since_it_held_the_dates_and_the_citation(demo_kb):
    with demo_kb.session() as session:
        early = rule_card(session, "ai-diffusion-framework", date(2025, 3, 1))
        now = rule_card(session, "ai-diffusion-framework", date(2026, 11, 28))
    assert early is not None and now is not None
    assert (early.status, early.since, early.interim_final_in_force) == ("pending_compliance", date(2025, 1, 13), True)
    assert (early.published, early.effective, early.compliance_date) == (
        date(2025, 1, 13),
        date(2025, 1, 13),
        date(2025, 5, 15),
    )
    assert (early.citation, early.document_number) == ("90 FR 4544", "2025-00636")
    assert (now.status, now.since, now.interim_final_in_force) == ("rescinded", date(2025, 5, 13), False)


def test_since_is_when_the_status_began_not_its_latest_event(registry_kb):
    kb = registry_kb
    with kb.session() as session:
        session.add(Entity(slug="test-rule", name="A test rule", kind="regulation"))
        for day, kind, status in (
            (date(2024, 1, 5), "rule_published", "interim_final"),
            (date(2024, 2, 1), "rule_published", "interim_final"),  # a correction: the same status again
            (date(2024, 3, 1), "rule_effective", "in_force"),
            (date(2024, 4, 1), "statement", "in_force"),
        ):
            session.add(
                Event(key=f"t:{day}", date=day, kind=kind, title=f"{kind} {day}", status=status, rule="test-rule")
            )
        session.commit()
        card = rule_card(session, "test-rule", date(2024, 2, 15))
        assert card is not None and (card.status, card.since, card.interim_final_in_force) == (
            "interim_final",
            date(2024, 1, 5),
            True,
        )
        card = rule_card(session, "test-rule", date(2024, 5, 1))
        assert card is not None and (card.status, card.since) == ("in_force", date(2024, 3, 1))
        assert rule_card(session, "no-such-rule", date(2024, 5, 1)) is None


def test_the_entity_page_and_kb_entity_show_the_card_and_the_rules(demo_kb, capsys):
    from tests.test_ui_pages import app, assert_clean, shown

    at = app("kb/views/entities.py", id="ai-diffusion-framework")
    assert_clean(at)
    text = shown(at)
    assert "Rule summary" in text and "rescinded" in text and "90 FR 4544" in text
    at = app("kb/views/entities.py", id="nvidia")
    assert_clean(at)
    assert "Rules and regulatory actions" in shown(at) and "through h20" in shown(at)
    capsys.readouterr()
    assert main(["entity", "ai-diffusion-framework"]) == 0
    out = capsys.readouterr().out
    assert "rule: status: rescinded since 2025-05-13" in out and "90 FR 4544 2025-00636" in out
