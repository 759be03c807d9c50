"""The entities closest to a mistyped slug or name, for "did you mean" on the Entities page and in `kb entity`."""

from __future__ import annotations

import difflib
import re

from sqlmodel import Session, col, select

from kb.models import Entity

_NOT_WORD = re.compile(r"[^\w]+")


def _folded(text: str) -> str:
    """Lower case, every run of non-word characters one hyphen: "Alibaba Cloud" -> "alibaba-cloud"."""
    return _NOT_WORD.sub("-", text.casefold()).strip("-")


def closest_entities(session: Session, text: str, limit: int = 5) -> list[tuple[str, str]]:
    """(slug, name) of the entities whose slug, name or alias is closest to `text`, best first."""
    wanted = _folded(text)
    if not wanted:
        return []
    rows = session.exec(select(Entity.slug, Entity.name, Entity.aliases).where(col(Entity.merged_into).is_(None))).all()
    best: dict[str, float] = {}
    names: dict[str, str] = {}
    for slug, name, aliases in rows:
        names[slug] = name
        for label in [slug, name, *(aliases or [])]:
            folded = _folded(str(label))
            score = difflib.SequenceMatcher(None, wanted, folded).ratio()
            if folded.startswith(wanted) or wanted in folded.split("-"):
                score = max(score, 0.8)
            best[slug] = max(best.get(slug, 0.0), score)
    ranked = sorted((s for s, score in best.items() if score >= 0.6), key=lambda s: (-best[s], s))
    return [(slug, names[slug]) for slug in ranked[:limit]]


def suggestion_line(session: Session, text: str) -> str:
    """ "; did you mean nvidia (Nvidia), ...?" or "" when nothing is close."""
    close = closest_entities(session, text)
    return "; did you mean " + ", ".join(f"{slug} ({name})" for slug, name in close) + "?" if close else ""
