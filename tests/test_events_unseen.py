"""Events and entity links on the unseen-report gold corpus (tests/data/events_unseen), as the pipeline makes them.

Each half (dev.yaml, dev2.yaml, test.yaml; README.md there) is stored as the documents of one feed
source, with each report's publication date (or none) and URL, into a store holding the registry and the
project's curated timeline, and read by the pipeline's stages (entity linking, then events). A
report's predicted events are the events it is evidence of, as a reader sees them on the timeline.

Scoring, one report at a time:
- a gold event is found when one predicted event has the same kind and the same date at the gold
  precision (a predicted date may be finer than the gold one, never coarser: "October 2022" is not
  found by an event dated 2022 only); each predicted event finds at most one gold event;
- events precision = predicted events that found a gold event / predicted events; recall = gold
  events found / gold events;
- entity linking: the slugs the linker stored for the document against the slugs of the report's
  `mentions` (names annotated with no slug count for neither recall nor precision; a linked slug
  not among the report's mention slugs counts against precision).

The test half is never used for tuning: only the figures this test prints are looked at. The floors
are the issue's targets where the test half meets them, else just below what it measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
import yaml
from sqlmodel import col, select

from ingest.records import Item
from kb.events import curated as curated_module
from kb.models import Event, EventDocument, Mention
from kb.pipeline import run_stages
from kb.registry import match_key
from kb.store import add_source, upsert_items
from tests.helpers import ROOT

UNSEEN = ROOT / "tests" / "data" / "events_unseen"
# (events precision, events recall, linking precision, linking recall) each half must reach. Test half:
# the targets where it meets them (linking), else just below what it measures (events: P 0.80 /
# R 0.62 at the close of issue 13, P 0.86 / R 0.72 as a reader sees them after the failure-class work on
# dev2, 0.83 / 0.70 without the curated timeline; the targets, 0.9 / 0.8, are not met; P 0.85 (50/59) / R 0.70
# once the curated timeline dated the H20 and A100 licence requirements by the day Nvidia was told, which
# mended three dev reports and cost the test half one; floors now just under its latest figures). dev2, written
# blind after dev had been tuned on: P 0.81 / R 0.54 when it arrived (0.79 / 0.53 without the curated
# timeline), then tuned on; dev3, written blind after dev2 had been tuned on: P 0.82 / R 0.59 when it arrived
# (0.79 / 0.56 without), then tuned on; dev4, written blind after dev3 had been tuned on: P 0.76 / R 0.61
# when it arrived (0.75 / 0.62 without), then tuned on; dev5 likewise: P 0.81 / R 0.63 when it arrived (0.81 /
# 0.62 without). The test half after the work on dev3, dev4 and dev5: P 0.87 (53/61) / R 0.75 (53/71), 0.85 / 0.75
# without the curated timeline. dev6 and dev7, written blind at the same time after that work: P 0.82 / R 0.60
# and P 0.81 / R 0.64 when they arrived (0.80 / 0.59 and 0.81 / 0.64 without); after tuning on their failure
# classes dev6 is at P 0.95 / R 0.84 (0.95 / 0.86 without) and dev7 at P 0.97 / R 0.90 (0.97 / 0.91 without).
# dev8, written blind meanwhile and kept out of the repository until that tuning was over, measured first on it:
# P 0.83 / R 0.73 (0.85 / 0.75 without); on the code before the tuning it gives P 0.79 / R 0.68 (0.81 / 0.71).
# Not tuned on yet. The test half after the tuning on dev6 and dev7: P 0.87 (54/62) / R 0.76 (54/71), 0.86 / 0.76
# without the curated timeline.
# dev8 after tuning on its failure classes: P 0.91 (106/117) / R 0.82 (106/130), 0.93 / 0.84 without the curated timeline.
# dev9 and dev10, written blind at the same time by two annotators after the tuning on dev8 (dev9 on the
# happenings of 2019-2023, dev10 on those of 2024-2025), measured before anyone tuned on them: dev9 P 0.78
# (85/109) / R 0.67 (85/127), 0.80 / 0.69 without the curated timeline; dev10 P 0.67 (62/93) / R 0.48 (62/128),
# 0.63 / 0.47 without.
# dev10 after tuning on its failure classes: P 0.86 (89/103) / R 0.70 (89/128), 0.83 / 0.68 without the curated
# timeline; the same work moved dev9 to P 0.78 (87/111) / R 0.69 (0.80 / 0.70 without). dev9, tuned on at the same
# time on a branch of its own (which moved dev10 to 0.68 / 0.49): P 0.89 (107/120) / R 0.84 (107/127), 0.91 / 0.86
# without. Both together: dev9 0.89 / 0.84 (0.91 / 0.86), dev10 0.87 (89/102) / 0.70 (0.84 / 0.68).
# dev11, written blind while dev9 and dev10 were tuned on and kept outside the repository until that work was
# over: P 0.71 (91/128) / R 0.63 (91/144) on the code before it (0.71 / 0.64 without the curated timeline), P 0.70
# (93/132) / R 0.65 after the dev10 work alone, P 0.71 (94/132) / R 0.65 (94/144) after both (0.71 / 0.66
# without). Not tuned on. The test half after both: P 0.87 (54/62) / R 0.76 (54/71), unchanged.
# dev11 after tuning on its failure classes: P 0.86 (112/130) / R 0.78 (112/144), 0.85 / 0.78 without the curated
# timeline. dev12, written blind by a fourth annotator during that tuning and kept outside the repository until it was
# measured: P 0.77 (92/120) / R 0.69 (92/134) on the code after it (0.73 / 0.65 without the curated timeline), P 0.73
# (88/120) / R 0.66 on the code before it (0.71 / 0.64 without). The test half after the dev11 work: P 0.87 (54/62) /
# R 0.76 (54/71), unchanged (0.87 / 0.76 without).
# The work on dev11 and dev12 (about 40 commits), all figures with the curated timeline: dev11 0.86 / 0.78 -> 0.89
# (116/130) / 0.81 (116/144), dev12 0.77 / 0.69 -> 0.85 (105/123) / 0.78 (105/134); the curated timeline was corrected
# where blind halves pointed at it and the record agreed (Anthropic's restriction on September 5, SAMR's preliminary
# finding a statement, EO 14148 signed the day EO 14110 was revoked). dev13, written blind by a fifth annotator while
# that work went on and kept outside the repository, measured and never looked into (held out like the test half):
# P 0.75 (80/106) / R 0.60 (80/133) on the code before the work, 0.79 / 0.63 midway, 0.81 (87/107) / 0.65 (87/133)
# after it (0.80 / 0.65 without the curated timeline). The test half after it: P 0.89 (54/61) / R 0.76 (54/71),
# one wrong event fewer (0.89 / 0.76 without the curated timeline).
# dev14 and dev15, written blind by two more annotators at the start of the next session's work (on dev13, looked
# into once dev15 took its held-out place): dev14 measured P 0.75 (70/93) / R 0.56 (70/124) on the code before that
# work (0.72 / 0.55 without the curated timeline) and 0.76 / 0.57 on arrival, then tuned on. dev15, held out (only
# its summary lines looked at) while dev13 and dev14 were tuned on: P 0.71 (62/87) / R 0.62 (62/100) on the code before
# that work, 0.75 (66/88) / 0.66 after it (0.75 / 0.67 without the curated timeline); then tuned on, its held-out place
# taken by dev16, written blind by an eighth annotator meanwhile and kept outside the repository.
# The work on dev13, dev14 and dev15 (about 45 commits), all figures with the curated timeline: dev13 0.81 / 0.65 ->
# 0.92 (103/112) / 0.77 (103/133), dev14 0.76 / 0.57 -> 0.90 (95/106) / 0.77 (95/124), dev15 0.75 / 0.66 -> 0.85
# (83/98) / 0.83 (83/100). dev16, held out and never looked into: P 0.74 (60/81) / R 0.60 (60/100) on the code before
# that work, 0.76 (64/84) / 0.64 (64/100) after it (0.75 / 0.64 without the curated timeline). The test half after it:
# P 0.89 (55/62) / R 0.77 (55/71), from 54/61 and 54/71 (one more event found).
# dev17 and dev18, written blind by two more annotators at the start of the next session: dev18 measured P 0.79
# (84/107) / R 0.72 (84/117) on the code before that session's work and on arrival, then tuned on, with dev16 (looked
# into once dev17 took its held-out place). dev17, kept outside the repository and only measured (its summary lines)
# while the others were tuned on: P 0.80 (86/108) / R 0.63 (86/136) before the work, 0.81 (88/109) / 0.65 (88/136)
# after it (0.78 / 0.62 -> 0.79 / 0.64 without the curated timeline); now the held-out half beside the test half.
# The work (about 55 commits), with the curated timeline: dev16 0.76 (64/84) / 0.64 -> 0.91 (85/93) / 0.85, dev18
# 0.79 / 0.72 -> 0.95 (104/109) / 0.89 (104/117), dev13 0.92 / 0.77 -> 0.95 (112/118) / 0.84; the test half did not
# move: P 0.89 (55/62) / R 0.77 (55/71).
# dev19, dev20 and dev21, written blind by three more annotators at the start of the next session: on the code before
# that session's work (913ad5c) dev19 P 0.84 (97/115) / R 0.73, dev20 0.86 (85/99) / 0.71, dev21 0.78 (75/96) / 0.66.
# dev19 and dev20 were tuned on from their arrival; dev21 was kept outside the repository and only measured (still
# 0.78 / 0.66 after the first 30 commits) until dev22, written blind midway, took its held-out place; dev17 was looked
# into and tuned on. End of that work (about 40 commits): dev17 0.89 (109/122) / 0.80, dev19 0.93 (113/122) / 0.85,
# dev20 0.97 (104/107) / 0.87, dev21 0.90 (88/98) / 0.77. dev22, never looked into: 0.87 (90/103) / 0.77 (90/117)
# both before and after the work (0.87 / 0.77 -> 0.88 / 0.78 without the curated timeline). The test half: P 0.89
# (55/62) / R 0.77 -> 0.90 (56/62) / 0.79 (the timeline-entry work) -> 0.92 (57/62) / 0.80 (57/71) with the last
# change (an extracted statement with a day no longer joins a curated statement days away, found on dev21); without
# the curated timeline 0.90 (56/62) / 0.79. Its curated floors are now the targets.
# The development halves: just below their figures, as regression guards.
FLOORS = {
    ("dev", "curated"): (0.97, 0.97, 0.95, 0.95),
    ("dev", "none"): (0.99, 0.99, 0.9, 0.95),
    ("dev2", "curated"): (0.97, 0.95, 0.95, 0.9),
    ("dev2", "none"): (0.97, 0.95, 0.95, 0.9),
    ("dev3", "curated"): (0.94, 0.9, 0.95, 0.95),
    ("dev3", "none"): (0.95, 0.91, 0.95, 0.95),
    ("dev4", "curated"): (0.95, 0.92, 0.95, 0.95),
    ("dev4", "none"): (0.94, 0.91, 0.95, 0.95),
    ("dev5", "curated"): (0.95, 0.87, 0.95, 0.95),
    ("dev5", "none"): (0.93, 0.84, 0.95, 0.95),
    ("dev6", "curated"): (0.95, 0.86, 0.95, 0.95),
    ("dev6", "none"): (0.94, 0.86, 0.95, 0.95),
    ("dev7", "curated"): (0.97, 0.91, 0.95, 0.95),
    ("dev7", "none"): (0.95, 0.9, 0.95, 0.95),
    ("dev8", "curated"): (0.94, 0.89, 0.95, 0.95),
    ("dev8", "none"): (0.94, 0.89, 0.95, 0.95),
    ("dev9", "curated"): (0.92, 0.89, 0.95, 0.95),
    ("dev9", "none"): (0.93, 0.91, 0.95, 0.95),
    ("dev10", "curated"): (0.93, 0.81, 0.95, 0.95),
    ("dev10", "none"): (0.89, 0.77, 0.95, 0.95),
    ("dev11", "curated"): (0.92, 0.84, 0.95, 0.95),
    ("dev11", "none"): (0.91, 0.84, 0.95, 0.95),
    ("dev12", "curated"): (0.88, 0.84, 0.95, 0.95),
    ("dev12", "none"): (0.83, 0.79, 0.95, 0.95),
    ("dev13", "curated"): (0.93, 0.83, 0.95, 0.95),
    ("dev13", "none"): (0.91, 0.82, 0.95, 0.95),
    ("dev14", "curated"): (0.9, 0.78, 0.95, 0.95),
    ("dev14", "none"): (0.88, 0.78, 0.95, 0.95),
    ("dev15", "curated"): (0.86, 0.84, 0.95, 0.95),
    ("dev15", "none"): (0.86, 0.85, 0.95, 0.95),
    ("dev16", "curated"): (0.89, 0.84, 0.95, 0.95),
    ("dev16", "none"): (0.89, 0.85, 0.95, 0.95),
    ("dev17", "curated"): (0.88, 0.79, 0.95, 0.95),
    ("dev17", "none"): (0.86, 0.78, 0.95, 0.95),
    ("dev18", "curated"): (0.94, 0.87, 0.95, 0.95),
    ("dev18", "none"): (0.95, 0.87, 0.95, 0.95),
    ("dev19", "curated"): (0.91, 0.83, 0.95, 0.95),
    ("dev19", "none"): (0.9, 0.83, 0.95, 0.95),
    ("dev20", "curated"): (0.96, 0.85, 0.95, 0.95),
    ("dev20", "none"): (0.95, 0.85, 0.95, 0.95),
    ("dev21", "curated"): (0.88, 0.76, 0.95, 0.95),
    ("dev21", "none"): (0.87, 0.75, 0.95, 0.95),
    ("dev22", "curated"): (0.86, 0.75, 0.95, 0.95),
    ("dev22", "none"): (0.87, 0.76, 0.95, 0.95),
    ("test", "curated"): (0.9, 0.8, 0.95, 0.9),
    ("test", "none"): (0.89, 0.77, 0.95, 0.9),
}
TARGETS = (0.9, 0.8, 0.95, 0.9)  # issue 13


@dataclass
class Tally:
    """Counts over some reports: events predicted, gold and matched; slugs linked, gold and right."""

    predicted: int = 0
    gold: int = 0
    matched: int = 0
    linked: int = 0
    gold_slugs: int = 0
    right_slugs: int = 0

    def add(self, other: Tally) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def figures(self) -> tuple[float, float, float, float]:
        return (
            _ratio(self.matched, self.predicted),
            _ratio(self.matched, self.gold),
            _ratio(self.right_slugs, self.linked),
            _ratio(self.right_slugs, self.gold_slugs),
        )

    def line(self) -> str:
        p, r, lp, lr = self.figures
        return (
            f"events P {p:.2f} ({self.matched}/{self.predicted}) R {r:.2f} ({self.matched}/{self.gold}); "
            f"linking P {lp:.2f} ({self.right_slugs}/{self.linked}) R {lr:.2f} ({self.right_slugs}/{self.gold_slugs})"
        )


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def same_date(gold: dict, event: Event) -> bool:
    """The predicted date agrees with the gold one at the gold precision, and is not coarser."""
    order = ("year", "month", "day")
    if order.index(event.precision) < order.index(gold["precision"]):
        return False
    width = {"year": 4, "month": 7, "day": 10}[gold["precision"]]
    return event.date.isoformat()[:width] == gold["date"].isoformat()[:width]


def score_events(gold: list[dict], predicted: list[Event]) -> int:
    """How many gold events one predicted event each matches (same kind, same date)."""
    left, matched = list(predicted), 0
    for g in gold:
        hit = next((e for e in left if e.kind == g["kind"] and same_date(g, e)), None)
        if hit is not None:
            left.remove(hit)
            matched += 1
    return matched


def _item(report: dict) -> Item:
    published = report.get("published")
    return Item(
        guid=f"unseen-{report['id']}",
        url=report.get("url"),
        body=report["text"],
        summary="",
        language="en",
        published=datetime.combine(published, datetime.min.time()) if published else None,
    )


def _run(kb, reports: list[dict]) -> dict[str, tuple[list[Event], set[str]]]:
    """Store the reports as one source's documents, run the stages; per report, its events and linked slugs."""
    with kb.session() as session:
        source = add_source(session, url="https://example.org/unseen.xml", kind="feed")
        items = [_item(r) for r in reports]
        stored = upsert_items(session, source=source, items=items)
        run_stages(kb, session, stored.changed)
        session.commit()
        ids = dict(zip([r["id"] for r in reports], stored.changed, strict=True))
        out = {}
        for report_id, doc_id in ids.items():
            events = session.exec(
                select(Event)
                .join(EventDocument, col(EventDocument.event_id) == col(Event.id))
                .where(EventDocument.document_id == doc_id)
            ).all()
            slugs = set(session.exec(select(Mention.entity_slug).where(Mention.document_id == doc_id)))
            out[report_id] = (list(events), slugs)
    return out


def _tally(report: dict, events: list[Event], slugs: set[str], names: dict[str, str]) -> Tally:
    """`names`: the registry's names and aliases (match keys) to their slugs. A mention annotated
    with no slug because the registry lacked it when the corpus was written counts as the entry the
    registry has since gained under exactly that name (the registry grows; the gold did not guess)."""
    gold_slugs = {m.get("slug") or names.get(match_key(m["name"]), "") for m in report.get("mentions") or []} - {""}
    return Tally(
        predicted=len(events),
        gold=len(report["events"]),
        matched=score_events(report["events"], events),
        linked=len(slugs),
        gold_slugs=len(gold_slugs),
        right_slugs=len(slugs & gold_slugs),
    )


@pytest.mark.slow  # three whole corpora read twice each: CI runs it, the quick loop does not
@pytest.mark.parametrize("timeline", ["curated", "none"])
@pytest.mark.parametrize(
    "half",
    [
        "dev",
        "dev2",
        "dev3",
        "dev4",
        "dev5",
        "dev6",
        "dev7",
        "dev8",
        "dev9",
        "dev10",
        "dev11",
        "dev12",
        "dev13",
        "dev14",
        "dev15",
        "dev16",
        "dev17",
        "dev18",
        "dev19",
        "dev20",
        "dev21",
        "dev22",
        "test",
    ],
)
def test_unseen_reports_events_and_links(request, tmp_path, monkeypatch, half, timeline):
    """`curated`: as a reader sees the timeline (a report's event that joins a curated event shows the curated
    date, which may be the day a requirement was disclosed rather than the day it was imposed); `none`:
    the same stages with an empty curated timeline, the extractor and clustering alone."""
    path = UNSEEN / f"{half}.yaml"
    if not path.exists():
        pytest.skip(f"{path.name} is not written yet")
    if timeline == "none":
        (tmp_path / "events").mkdir()
        (tmp_path / "events" / "timeline.yaml").write_text("[]\n")
        monkeypatch.setattr(curated_module, "CURATED_DIR", tmp_path / "events")
    kb = request.getfixturevalue("loaded_kb" if timeline == "curated" else "registry_kb")
    reports = yaml.safe_load(path.read_text(encoding="utf-8"))
    results = _run(kb, reports)
    registry = kb.linker.registry
    claims: dict[str, set[str]] = {}
    for spec in registry.entities.values():
        for name in spec.names():
            claims.setdefault(match_key(name), set()).add(registry.resolve(spec.slug))
    names = {key: next(iter(slugs)) for key, slugs in claims.items() if len(slugs) == 1}
    total, dated, undated = Tally(), Tally(), Tally()
    for report in reports:
        tally = _tally(report, *results[report["id"]], names)
        total.add(tally)
        (dated if report.get("published") else undated).add(tally)
    print(f"\n{half}, curated timeline: {timeline} ({len(reports)} reports): {total.line()}")
    print(f"  with a publication date: {dated.line()}")
    print(f"  without one: {undated.line()}")
    floors = FLOORS[(half, timeline)]
    assert all(m >= f for m, f in zip(total.figures, floors, strict=True)), (total.figures, floors)


def test_dates_match_at_the_gold_precision():
    event = Event(key="k", date=date(2022, 10, 7), precision="day", kind="rule_published", title="t")
    assert same_date({"date": date(2022, 10, 1), "precision": "month"}, event)
    assert not same_date({"date": date(2022, 10, 1), "precision": "day"}, event)
    coarse = Event(key="k", date=date(2022, 10, 1), precision="year", kind="rule_published", title="t")
    assert not same_date({"date": date(2022, 10, 1), "precision": "month"}, coarse)
