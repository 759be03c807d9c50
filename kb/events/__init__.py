"""Dated events: from Federal Register fields, from report prose, and the curated timeline.

Modules, in pipeline order: `dates` and `lexicon` (what a dated action looks
like), `extract` (prose -> candidates), `structured` (Federal Register
documents -> candidates, rule lifecycles), `curated` (data/events/*.yaml),
`cluster` (candidates -> events, many reports per event), `stage` (the
pipeline hook that runs them). Queries over events live in `kb.timeline`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.events.candidates import (
        DEADLINE_KINDS,
        IN_FORCE,
        KIND_GROUPS,
        KINDS,
        ROLES,
        RULE_KINDS,
        STATUS_LABELS,
        STATUSES,
        Candidate,
    )
    from kb.events.curated import CURATED_DIR, CuratedEventError, LoadReport, read_curated
    from kb.events.extract import extract_events, split_sentences
    from kb.events.stage import (
        candidates_of,
        ensure_curated,
        ensure_events,
        events_hook,
        extract_documents,
        load_curated,
    )

# Each name is imported from its module when first asked for: a process that needs only the
# extractor (a process reading events apart, kb.events.stage) does not import the store, the
# curated timeline's loader and what they bring (two seconds of start-up).
_FROM = {
    **dict.fromkeys(
        ["DEADLINE_KINDS", "IN_FORCE", "KIND_GROUPS", "KINDS", "ROLES", "RULE_KINDS", "STATUS_LABELS", "STATUSES"],
        "candidates",
    ),
    "Candidate": "candidates",
    **dict.fromkeys(["CURATED_DIR", "CuratedEventError", "LoadReport", "read_curated"], "curated"),
    **dict.fromkeys(["extract_events", "split_sentences"], "extract"),
    **dict.fromkeys(
        ["candidates_of", "ensure_curated", "ensure_events", "events_hook", "extract_documents", "load_curated"],
        "stage",
    ),
}


def __getattr__(name: str) -> Any:
    module = _FROM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CURATED_DIR",
    "DEADLINE_KINDS",
    "IN_FORCE",
    "KINDS",
    "KIND_GROUPS",
    "ROLES",
    "RULE_KINDS",
    "STATUSES",
    "STATUS_LABELS",
    "Candidate",
    "CuratedEventError",
    "LoadReport",
    "candidates_of",
    "ensure_curated",
    "ensure_events",
    "events_hook",
    "extract_documents",
    "extract_events",
    "load_curated",
    "read_curated",
    "split_sentences",
]
