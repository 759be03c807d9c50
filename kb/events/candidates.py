"""What every event source produces before clustering: a Candidate, plus the shared vocabularies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Event kinds (data/events/README.md), plus `notice_published` and
# `presidential_document` for Federal Register documents that are not rules.
KINDS = (
    "rule_published",
    "rule_effective",
    "comment_deadline",
    "compliance_date",
    "rule_rescinded",
    "rule_delayed",
    "entity_listed",
    "entity_removed",  # a screening list no longer names a party (kb.listings)
    "license_required",
    "guidance_issued",
    "service_restricted",
    "service_available",
    "migration_offer",
    "statement",
    "executive_order",
    "investigation",
    "retaliation",
    "notice_published",
    "presidential_document",
)
RULE_KINDS = (
    "rule_published",
    "rule_effective",
    "comment_deadline",
    "compliance_date",
    "rule_rescinded",
    "rule_delayed",
)
# Regulatory actions: what a rule, a license requirement ("is informed" letters) or an Entity List
# action does. One group: the timeline's "rule" view, and a report's event may join a curated or
# Federal Register event of another kind of this group (one happening, told in other words).
REGULATORY_KINDS = (*RULE_KINDS, "license_required", "entity_listed", "entity_removed")
DEADLINE_KINDS = ("comment_deadline", "compliance_date", "rule_effective")
SERVICE_KINDS = ("service_restricted", "service_available", "migration_offer")
# A name for several kinds at once, accepted wherever kinds are filtered.
KIND_GROUPS = {"rule": REGULATORY_KINDS, "deadline": DEADLINE_KINDS, "service": SERVICE_KINDS}


def kind_group(kind: str) -> str | None:
    """The group a kind belongs to for matching events of one happening (regulatory actions), or None."""
    return "rule" if kind in REGULATORY_KINDS else None


# Rule lifecycle states, in the order a rule usually passes through them; on one
# day, the later state wins (a rule released and effective the same day is in force).
STATUSES = ("proposed", "interim_final", "final", "pending_compliance", "in_force", "delayed", "rescinded")
STATUS_LABELS = {
    "proposed": "proposed",
    "interim_final": "interim final rule",
    "final": "final rule",
    "pending_compliance": "in force, pending compliance",
    "in_force": "in force",
    "delayed": "delayed",
    "rescinded": "rescinded",
}
IN_FORCE = ("in_force", "pending_compliance")

ROLES = ("actor", "target", "subject", "beneficiary")
ORIGINS = ("extracted", "availability_diff", "federal_register", "curated")  # weakest first


def origin_rank(origin: str) -> int:
    """How authoritative an origin is: a curated event beats a Federal Register one beats prose."""
    return ORIGINS.index(origin) if origin in ORIGINS else 0


@dataclass
class Candidate:
    """One dated happening found in one document, before it is matched to an event."""

    kind: str
    date: date
    sentence: str
    precision: str = "day"  # day, month, year
    entities: list[tuple[str, str]] = field(default_factory=list)  # (slug, role), principal first
    principal: str | None = None  # the entity the happening is about, for clustering
    also: list[str] = field(default_factory=list)  # weaker principals (the report title's), for clustering
    confidence: float = 0.5
    rule: str | None = None  # rule lifecycle id
    status: str | None = None
    title: str = ""
    summary: str = ""
    jurisdiction: str | None = None
    origin: str = "extracted"
    key: str | None = None  # a fixed event key (Federal Register events)
    sources: list[str] = field(default_factory=list)
    announces: bool = False  # "X said on D that it would ...": the statement of a later action
    exact: bool = False  # a day stated by its month and day ("December 5, 2024", "12月2日"), not a weekday or a count
    kinds_of: dict[str, str] = field(default_factory=dict)  # entity kinds of the slugs, where known
    distinct: bool = False  # "in a second notice, ...": another act than the same report's of that kind and day

    @property
    def slugs(self) -> list[str]:
        return [slug for slug, _ in self.entities]
