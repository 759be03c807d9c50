"""The entity page's rule sections: the summary card of a rule, and the rules and regulatory
actions that touched an entity or the products it makes (kb/rules.py)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from kb.rules import RuleCard, RuleRow, rule_card, rules_touching
from kb.timeline import date_label
from kb.ui.links import page_link
from kb.ui.render import escape_inline, md_link


def card_facts(card: RuleCard) -> list[tuple[str, str]]:
    """(label, Markdown) rows of the card, only those known."""
    rows: list[tuple[str, str]] = []
    if card.status:
        since = f" since {card.since.isoformat()}" if card.since else ""
        rows.append(("Status", f"**{escape_inline(card.status_label)}**{since}"))
    if card.interim_final_in_force:
        rows.append(("Interim final rule", "in force (issued without prior notice and comment)"))
    for label, day in (
        ("Published", card.published),
        ("Effective", card.effective),
        ("Comments due", card.comment_deadline),
        ("Compliance date", card.compliance_date),
    ):
        if day:
            rows.append((label, day.isoformat()))
    if card.citation or card.document_number:
        text = " · ".join(
            escape_inline(x) for x in (card.citation, card.document_number and f"doc {card.document_number}") if x
        )
        rows.append(("Federal Register", md_link(text, card.document_url) if card.document_url else text))
    return rows


def rule_card_section(kb, rule: str) -> None:
    """The card of the rule this entity is, when events belong to it."""
    with kb.session() as session:
        card = rule_card(session, rule, date.today())
    if card is None:
        return
    with st.container(border=True):
        st.markdown(f"**Rule summary** · {len(card.events)} events in its lifecycle")
        st.markdown("  \n".join(f"{label}: {value}" for label, value in card_facts(card)))
        page_link("timeline", "Its timeline", {"entity": rule}, icon=":material/timeline:")


def rules_section(kb, slug: str) -> None:
    """The rules and regulatory actions that name this entity or the products it makes."""
    with kb.session() as session:
        rows = rules_touching(session, kb.linker.registry, slug)
    if not rows:
        return
    st.subheader("Rules and regulatory actions")
    for row in rows[:15]:
        st.markdown(row_markdown(row))


def row_markdown(row: RuleRow) -> str:
    event = row.latest
    when = date_label(event.date, event.precision)
    via = f" · through {escape_inline(', '.join(row.via))}" if row.via else ""
    status = f" · {escape_inline(event.status)}" if event.status else ""
    more = f" · {row.events} events" if row.events > 1 else ""
    return f"- {when} · **{escape_inline(row.name, 160)}**{status}{more}{via}"
