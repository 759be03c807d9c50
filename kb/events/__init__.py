"""Dated events: from Federal Register fields, from report prose, and the curated timeline.

Modules, in pipeline order: `dates` and `lexicon` (what a dated action looks
like), `extract` (prose -> candidates), `structured` (Federal Register
documents -> candidates, rule lifecycles), `curated` (data/events/*.yaml),
`cluster` (candidates -> events, many reports per event), `stage` (the
pipeline hook that runs them). Queries over events live in `kb.timeline`.
"""

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
from kb.events.stage import candidates_of, ensure_curated, ensure_events, events_hook, extract_documents, load_curated

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
