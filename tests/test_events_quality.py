"""The failures issue 13 saw on real reports, each on short reports of our own, through the pipeline's stages."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import yaml
from icalendar import Calendar
from sqlmodel import select

from ingest.records import Item
from kb.entities import current_linker
from kb.events import curated as curated_module
from kb.events import extract_events
from kb.events.dates import Context, Reference, find_dates
from kb.models import Event, EventDocument
from kb.pipeline import run_stages
from kb.rules import rule_card
from kb.store import add_source, upsert_items
from kb.timeline import TimelineQuery, all_events, date_label, deadlines_ics, events_csv
from tests.helpers import ROOT

CURATED = ROOT / "kb" / "data" / "events"


def _item(guid: str, text: str, published: date | None, url: str | None = None) -> Item:
    return Item(
        guid=guid,
        title="",
        body=text,
        url=url or f"https://example.org/{guid}",
        published=datetime.combine(published, datetime.min.time()) if published else None,
        language="en",
    )


def _ingest(kb, items: list[Item]) -> list[int]:
    with kb.session() as session:
        source = add_source(session, url="https://example.org/quality.xml", kind="feed")
        stored = upsert_items(session, source=source, items=items)
        run_stages(kb, session, stored.changed)
        session.commit()
        return stored.changed


def _events_of(kb, doc_id: int) -> list[Event]:
    with kb.session() as session:
        query = select(Event).join(EventDocument, EventDocument.event_id == Event.id)  # type: ignore[arg-type]
        return list(session.exec(query.where(EventDocument.document_id == doc_id)))


def _reports(kb, event_id: int) -> list[int]:
    with kb.session() as session:
        return sorted(session.exec(select(EventDocument.document_id).where(EventDocument.event_id == event_id)))


def _kinds_and_labels(text: str, published: date | None) -> set[tuple[str, str]]:
    """(kind, date as the timeline labels it: "2023-10", "2023-10-17") of what the text states."""
    return {(c.kind, date_label(c.date, c.precision)) for c in extract_events(text, published, linker=current_linker())}


@pytest.fixture
def curated_dir(tmp_path, monkeypatch):
    """A curated timeline of our own, made of entries copied from the project's."""
    directory = tmp_path / "events"
    directory.mkdir()
    (directory / "timeline.yaml").write_text("[]\n")
    monkeypatch.setattr(curated_module, "CURATED_DIR", directory)
    return directory


def _curated(directory, *ids: str) -> None:
    entries = [e for path in sorted(CURATED.glob("*.yaml")) for e in yaml.safe_load(path.read_text()) or []]
    chosen = [e for e in entries if e["id"] in ids]
    assert len(chosen) == len(ids)
    (directory / "timeline.yaml").write_text(yaml.safe_dump(chosen, sort_keys=False))


# ---- an undated report ------------------------------------------------------------------------


def test_an_undated_report_is_not_read_against_the_day_it_was_fetched(registry_kb, curated_dir):
    """ "from July 9" in a 2024 guide fetched in 2026 is no event of 2026; the URL's day, or a year the
    report states, dates it; with neither, the day without a year is not guessed."""
    text = "OpenAI said it would block API traffic from unsupported regions from July 9."
    nothing, from_url, from_text = _ingest(
        registry_kb,
        [
            _item("undated", text, None, "https://example.org/guide/openai-api"),
            _item(
                "url-dated",
                "Developers in China were told that OpenAI would cut off their API access from July 9.",
                None,
                "https://example.org/2024/06/25/openai-api",
            ),
            _item(
                "text-dated",
                "OpenAI emailed developers on June 25, 2024. Its block on API traffic from unsupported "
                "regions takes effect from July 9.",
                None,
            ),
        ],
    )
    assert _events_of(registry_kb, nothing) == []
    assert [(e.kind, e.date) for e in _events_of(registry_kb, from_url)] == [("service_restricted", date(2024, 7, 9))]
    assert ("service_restricted", date(2024, 7, 9)) in {(e.kind, e.date) for e in _events_of(registry_kb, from_text)}


def test_relative_dates_need_the_reports_own_day():
    assert find_dates("BIS added the firms on Tuesday.", Reference(date(2024, 12, 3), "text")) == []
    assert find_dates("BIS added the firms on 14 April.", Reference(None, "none")) == []
    [found] = find_dates("BIS added the firms on Tuesday.", Reference(date(2024, 12, 4), "url"))
    assert found.value == date(2024, 12, 3)


def test_a_date_after_the_report_is_suspicious_unless_planned():
    published = date(2024, 7, 1)
    [told] = find_dates("BIS announced the rule on August 20, 2024.", published)
    [planned] = find_dates("The rule will take effect on August 20, 2024.", published)
    assert told.suspicious and not planned.suspicious
    [yearless] = find_dates("BIS announced the rule on December 20.", published)  # not put in the future
    assert yearless.value == date(2023, 12, 20) and not yearless.suspicious


# ---- dates known to the month or the year -----------------------------------------------------


@pytest.mark.parametrize(
    "sentence, published, expected",
    [
        ("Exports of the A100 have needed a license since October 2022.", None, (date(2022, 10, 1), "month")),
        (
            "The cost of April's H20 license requirement was $4.5 billion.",
            date(2025, 5, 29),
            (date(2025, 4, 1), "month"),
        ),
        ("Hygon has been on the Entity List since 2019.", None, (date(2019, 1, 1), "year")),
        ("2023年10月，美国更新了出口管制规则。", None, (date(2023, 10, 1), "month")),
    ],
)
def test_months_and_years_are_dates(sentence, published, expected):
    [found] = find_dates(sentence, published)
    assert (found.value, found.precision) == expected


def test_a_month_event_is_stored_and_shown_as_a_month(registry_kb, curated_dir):
    [doc] = _ingest(
        registry_kb,
        [_item("month", "Nvidia's A100 and H100 have needed an export license since October 2022.", None)],
    )
    [event] = _events_of(registry_kb, doc)
    assert (event.kind, event.date, event.precision) == ("license_required", date(2022, 10, 1), "month")
    with registry_kb.session() as session:
        [shown] = all_events(session, TimelineQuery(entities=("a100",)))
    assert date_label(shown.date, shown.precision) == "2022-10" and shown.to_dict()["date"] == "2022-10"
    assert events_csv([shown]).splitlines()[1].startswith("2022-10,month,")


def test_a_month_deadline_spans_its_month_in_a_calendar(registry_kb, curated_dir):
    _ingest(registry_kb, [_item("due", "Comments on the AI Diffusion rule are due in May 2025.", None)])
    with registry_kb.session() as session:
        events = all_events(session, TimelineQuery(kinds=("comment_deadline",)))
    [item] = Calendar.from_ical(deadlines_ics(events)).walk("VEVENT")
    assert (item["dtstart"].dt, item["dtend"].dt) == (date(2025, 5, 1), date(2025, 6, 1))


def test_a_month_event_joins_a_day_event_of_that_month_only_when_the_rest_matches(registry_kb, curated_dir):
    _curated(curated_dir, "2025-04-09-nvidia-h20-license-required")
    h20, amd = _ingest(
        registry_kb,
        [
            _item("h20", "Exports of Nvidia's H20 to China have needed a license since April.", date(2025, 5, 20)),
            _item("mi250", "Exports of AMD's MI308 to China have needed a license since April.", date(2025, 5, 20)),
        ],
    )
    [joined] = _events_of(registry_kb, h20)
    assert joined.key == "2025-04-09-nvidia-h20-license-required"
    assert all(e.key != joined.key for e in _events_of(registry_kb, amd))


# ---- two dates in one sentence, and reported speech ------------------------------------------------


def test_two_dates_in_one_sentence_date_the_announcement_and_the_later_act():
    [said, blocked] = extract_events(
        "OpenAI announced on June 25 that it would block API traffic from unsupported regions starting July 9.",
        date(2024, 6, 26),
        linker=current_linker(),
    )
    assert (said.date, blocked.kind, blocked.date) == (date(2024, 6, 25), "service_restricted", date(2024, 7, 9))
    assert blocked.principal == "openai"


def test_a_rule_released_and_published_on_two_days_gives_two_events():
    found = extract_events(
        "On January 13, 2025, BIS released an interim final rule, which was published in the Federal Register "
        "on January 15, 2025, and comments are due 120 days after publication.",
        date(2025, 1, 17),
        linker=current_linker(),
    )
    assert {(c.kind, c.date) for c in found} >= {
        ("rule_published", date(2025, 1, 13)),
        ("rule_published", date(2025, 1, 15)),
        ("comment_deadline", date(2025, 5, 15)),
    }


@pytest.mark.parametrize(
    "text",
    [
        "Reuters reported on Tuesday that Nvidia needs a license to ship its H20 chips to China.",
        "Nvidia said on Tuesday it expects a charge after the US government told it that H20 exports need a license.",
        "Nvidia said on Tuesday that it was informed on April 9 that H20 exports to China need a license.",
    ],
)
def test_reported_speech_dates_the_report_not_the_action(text):
    found = extract_events(text, date(2025, 4, 16), linker=current_linker())
    assert all(c.date != date(2025, 4, 15) for c in found)


def test_a_company_disclosing_what_was_done_to_it_dates_the_act_when_nothing_else_does():
    [found] = extract_events(
        "Nvidia disclosed on Tuesday that US officials now require a license for H20 exports to China.",
        date(2025, 4, 16),
        linker=current_linker(),
    )
    assert (found.kind, found.date) == ("license_required", date(2025, 4, 15))


def test_a_government_telling_of_its_own_act_dates_the_act():
    [probe] = extract_events(
        "China's market regulator said on Monday it had opened an investigation into Nvidia.",
        date(2024, 12, 10),
        linker=current_linker(),
    )
    assert (probe.kind, probe.date) == ("investigation", date(2024, 12, 9))


# ---- one happening, one event ---------------------------------------------------------------------


def test_four_h20_reports_become_one_event_with_four_reports(registry_kb, curated_dir):
    _curated(curated_dir, "2025-04-09-nvidia-h20-license-required", "2025-04-16-amd-mi308-license-required")
    ids = _ingest(
        registry_kb,
        [
            _item(
                "a",
                "The US government informed Nvidia on April 9 that H20 exports to China need a license.",
                date(2025, 4, 16),
            ),
            _item(
                "b",
                "Nvidia said on Tuesday it would book a $5.5 billion charge because H20 exports to China "
                "now require a license.",
                date(2025, 4, 16),
            ),
            _item(
                "c",
                "Nvidia was told on April 14 that the H20 license requirement would last indefinitely.",
                date(2025, 4, 20),
            ),
            _item("d", "Nvidia's H20 has needed an export license since April.", date(2025, 5, 20)),
        ],
    )
    with registry_kb.session() as session:
        [event] = session.exec(select(Event).where(Event.key == "2025-04-09-nvidia-h20-license-required")).all()
        regulatory = all_events(session, TimelineQuery(entities=("h20",), kinds=("rule",)))
    assert _reports(registry_kb, event.id) == sorted(ids)
    assert [e.key for e in regulatory] == [event.key]  # no second, third or fourth entry


def test_a_report_is_evidence_only_of_the_rule_it_names(registry_kb, curated_dir):
    _curated(
        curated_dir,
        "2025-01-15-foundry-due-diligence-rule-released",
        "2025-01-15-ai-diffusion-framework-federal-register",
    )
    named, unnamed = _ingest(
        registry_kb,
        [
            _item(
                "foundry",
                "BIS released the foundry due diligence rule on January 15, 2025. It complements the AI Diffusion "
                "rule, which caps exports of the finished chips themselves.",
                date(2025, 1, 20),
            ),
            _item(
                "vague", "BIS published a rule on January 15, 2025 about chips made by foundries.", date(2025, 1, 20)
            ),
        ],
    )
    assert [e.key for e in _events_of(registry_kb, named)] == ["2025-01-15-foundry-due-diligence-rule-released"]
    assert "2025-01-15-ai-diffusion-framework-federal-register" not in {e.key for e in _events_of(registry_kb, unnamed)}


def test_a_date_that_continues_an_act_takes_its_kind():
    found = extract_events(
        "Cambricon was added to the Entity List on 15 December 2022. Biren and Moore Threads followed on "
        "17 October 2023. The rule takes effect in stages, some provisions on November 1, 2023 and others "
        "on November 17, 2023.",
        date(2024, 1, 5),
        linker=current_linker(),
    )
    assert {(c.kind, c.date) for c in found} >= {
        ("entity_listed", date(2022, 12, 15)),
        ("entity_listed", date(2023, 10, 17)),
        ("rule_effective", date(2023, 11, 17)),
    }


# ---- triggers in other words, and second actions ----------------------------------------------------


def _kinds_dates(text: str, published: date | None) -> set[tuple[str, date, str]]:
    return {(c.kind, c.date, c.precision) for c in extract_events(text, published, linker=current_linker())}


@pytest.mark.parametrize(
    "text, published, expected",
    [
        (
            "Beijing hit back on Wednesday, barring shipments of rare metals to the United States.",
            date(2024, 12, 5),
            ("retaliation", date(2024, 12, 4), "day"),
        ),
        (
            "Two weeks on, China barred exports of the three minerals to the United States on 3 December 2024.",
            None,
            ("retaliation", date(2024, 12, 3), "day"),
        ),
        (
            "SenseTime and iFlytek followed with offers of their own in July 2024.",
            None,
            ("migration_offer", date(2024, 7, 1), "month"),
        ),
        ("Tencent Cloud rolled out a rival offer in July 2024.", None, ("migration_offer", date(2024, 7, 1), "month")),
        (
            "Since Monday, developers in Hong Kong can no longer access the Claude API.",
            date(2025, 9, 10),
            ("service_restricted", date(2025, 9, 8), "day"),
        ),
        # a rule named by its day is that rule's publication, also where it "required licences"
        (
            "The plan builds on the March 4 rules, which already required licences for most shipments.",
            date(2025, 6, 2),
            ("rule_published", date(2025, 3, 4), "day"),
        ),
        (
            "Industry groups still cite Seoul's controls of 12 February as the model.",
            date(2025, 6, 2),
            ("rule_published", date(2025, 2, 12), "day"),
        ),
        # a government saying that exporters will need a licence publishes a rule that day
        (
            "Thailand will require firms to obtain a permit before re-exporting US accelerators, its commerce "
            "ministry said on Tuesday.",
            date(2025, 8, 7),
            ("rule_published", date(2025, 8, 5), "day"),
        ),
        # US parties put on a Chinese list
        (
            "Beijing's commerce ministry said on Monday that it had added 12 US firms, mostly drone makers, to its "
            "export control list.",
            date(2025, 3, 4),
            ("retaliation", date(2025, 3, 3), "day"),
        ),
        (
            "The order implements Executive Order 14117 on bulk data, issued on February 28, 2024.",
            date(2024, 3, 5),
            ("executive_order", date(2024, 2, 28), "day"),
        ),
        (
            "The new thresholds apply from March 1, and the public may comment until April 30.",
            date(2025, 2, 1),
            ("comment_deadline", date(2025, 4, 30), "day"),
        ),
        (
            "Three Chinese server makers were put on a US trade blacklist on Wednesday.",
            date(2025, 3, 27),
            ("entity_listed", date(2025, 3, 26), "day"),
        ),
        (
            "Beijing on Thursday restricted exports of two battery minerals to all destinations.",
            date(2025, 4, 4),
            ("rule_published", date(2025, 4, 3), "day"),
        ),
        # a weekday told of what is to come is the next such day
        (
            "The rule is scheduled to appear in the Federal Register on Friday.",
            date(2025, 1, 14),
            ("rule_published", date(2025, 1, 17), "day"),
        ),
        # a relative clause parts the release from the publication
        (
            "On March 3, 2025, the agency released a rule that was published in the Federal Register on March 6, 2025.",
            None,
            ("rule_published", date(2025, 3, 3), "day"),
        ),
        # a date that opens the sentence is its verb's, though a relative clause brings another date nearer
        (
            "On May 5, 2025, the Bureau of Industry and Security released an interim final rule that was published "
            "in the Federal Register on May 8, 2025.",
            date(2025, 5, 12),
            ("rule_published", date(2025, 5, 5), "day"),
        ),
        # a start date far after its verb, with a list of models in between
        (
            "The Dutch government on Friday said ASML will need export licences for its NXT:2000i and NXT:2100i "
            "scanners and their spare parts, starting Saturday, March 8.",
            date(2025, 3, 10),
            ("rule_effective", date(2025, 3, 8), "day"),
        ),
        # the act a government tells takes the day it is told, however long the telling
        (
            "Vietnam will require exporters of US-made accelerators and of servers that contain them to obtain a "
            "licence for each shipment to third countries, its industry and trade ministry said on Monday.",
            date(2025, 7, 15),
            ("rule_published", date(2025, 7, 14), "day"),
        ),
        (
            "Beijing on Tuesday issued an announcement tightening export controls on dual-use items bound for the "
            "United States.",
            date(2024, 12, 4),
            ("retaliation", date(2024, 12, 3), "day"),
        ),
        (
            "The ministry today issued Announcement No. 12 of 2025, placing export controls on indium.",
            date(2025, 2, 4),
            ("rule_published", date(2025, 2, 4), "day"),
        ),
        # "a day after" the other act: that act is dated too, when the report has not told it yet
        (
            "Beijing acted on Tuesday, a day after Washington announced new chip export restrictions and added 140 entities to "
            "its Entity List.",
            date(2024, 12, 4),
            ("rule_published", date(2024, 12, 2), "day"),
        ),
        # a weak word on the date does not keep it from continuing the act before it
        (
            "Some restrictions took effect on October 12, and the remaining requirements on October 21, 2022.",
            date(2022, 10, 25),
            ("rule_effective", date(2022, 10, 21), "day"),
        ),
        # the date's own words: "with immediate effect" dates the measures' start, not a licence requirement
        (
            "The ministry on Friday restricted exports of seven rare earths. The measures, issued by the ministry "
            "with immediate effect, require exporters to obtain licences.",
            date(2025, 4, 5),
            ("rule_effective", date(2025, 4, 4), "day"),
        ),
        # a sibling's day does not swallow another company's month
        (
            "Alibaba Cloud offered free tokens on June 25. SenseTime and iFlytek rolled out their own token "
            "giveaways in late June.",
            date(2024, 7, 9),
            ("migration_offer", date(2024, 6, 1), "month"),
        ),
        # a company told by the government: a licence requirement, not a rule the company publishes
        (
            "Nvidia said on Tuesday that the US government had informed it on April 9 that its H20 chips would "
            "require a license for export to China.",
            date(2025, 4, 16),
            ("license_required", date(2025, 4, 9), "day"),
        ),
        # a company's disclosure of a notice, dated by the disclosure when the text gives no other day
        (
            "Intel disclosed on May 2 that it had received a similar notice covering its Gaudi accelerators.",
            date(2025, 5, 5),
            ("license_required", date(2025, 5, 2), "day"),
        ),
        # counted from a publication the sentence states after the count
        (
            "Comments must be received within 60 days of publication in the Federal Register, which occurred on "
            "January 15.",
            date(2025, 1, 20),
            ("comment_deadline", date(2025, 3, 16), "day"),
        ),
        # "two days before it was published": the publication is two days after the date before
        (
            "The agency unveiled the framework on Monday, two days before it was published.",
            date(2025, 1, 17),
            ("rule_published", date(2025, 1, 15), "day"),
        ),
        # an official reaction in other words
        (
            "China's foreign ministry on Wednesday criticised the listings as a breach of market principles.",
            date(2025, 1, 17),
            ("statement", date(2025, 1, 15), "day"),
        ),
        # another country's licensing regime is a rule of that country, not a licence requirement on a firm
        (
            "China began requiring export licences for graphite on December 1, 2023.",
            date(2024, 5, 1),
            ("rule_effective", date(2023, 12, 1), "day"),
        ),
    ],
)
def test_an_act_told_in_other_words_is_found(text, published, expected):
    assert expected in _kinds_dates(text, published)


def test_a_second_action_of_a_sentence_is_dated():
    assert _kinds_dates("Washington tightened the curbs in October 2023 and again in December 2024.", None) >= {
        ("rule_published", date(2023, 10, 1), "month"),
        ("rule_published", date(2024, 12, 1), "month"),
    }
    assert _kinds_dates(
        "The chip controls Washington first imposed in October 2022 were tightened a year later.", None
    ) == {
        ("rule_published", date(2022, 10, 1), "month"),
        ("rule_published", date(2023, 1, 1), "year"),
    }


def test_a_year_later_is_not_read_where_the_sentence_gives_the_day():
    text = (
        "Beijing required licences for gallium from 1 August 2023. Antimony followed a year later: the ministry "
        "announced the controls on 15 August 2024."
    )
    assert all(precision == "day" for _, _, precision in _kinds_dates(text, None))


def test_a_verb_across_a_semicolon_does_not_take_the_date():
    found = _kinds_dates(
        "The agency announced the rule last Thursday; it takes effect 30 days after publication in the Federal Register.",
        date(2025, 1, 20),
    )
    assert found == {("rule_published", date(2025, 1, 16), "day")}


@pytest.mark.parametrize(
    "text",
    [
        "BIS said on Monday it was rescinding the rule, which had been due to take effect on May 15.",
        "The curbs would have taken effect on May 15 had the agency not withdrawn them on Monday.",
    ],
)
def test_an_expectation_that_did_not_come_true_is_no_event(text):
    assert not any(kind == "rule_effective" for kind, _, _ in _kinds_dates(text, date(2025, 5, 14)))


def test_a_ministry_announcing_a_licence_regime_publishes_a_rule():
    found = _kinds_dates(
        "The ministry announced on Aug. 15 that antimony exports would need licences from Sept. 15.", date(2024, 8, 20)
    )
    assert found >= {("rule_published", date(2024, 8, 15), "day"), ("rule_effective", date(2024, 9, 15), "day")}


def test_a_date_told_by_the_sentences_before_dates_a_sentence_without_one():
    found = _kinds_dates(
        "The ministry issued the rules on Friday. The measures apply with immediate effect to gallium. In a "
        "separate statement, the market regulator said it had opened an investigation "
        "into a US chip designer. The rule appeared in the Federal Register the next day.",
        date(2025, 4, 12),
    )
    assert found >= {
        ("rule_effective", date(2025, 4, 11), "day"),
        ("investigation", date(2025, 4, 11), "day"),
        ("rule_published", date(2025, 4, 12), "day"),
    }


def test_a_government_announcement_dates_the_rule_and_its_start():
    found = _kinds_dates(
        "The Korean government on Friday said Samsung will need Korean export licences for two etching tools, "
        "starting Monday, March 10.",
        date(2025, 3, 8),
    )
    assert found == {("rule_published", date(2025, 3, 7), "day"), ("rule_effective", date(2025, 3, 10), "day")}


def test_a_government_announcing_it_will_not_enforce_a_rule_rescinds_it():
    assert ("rule_rescinded", date(2025, 5, 13), "day") in _kinds_dates(
        "The department announced on May 13 that it would not enforce the rule.", date(2025, 5, 20)
    )


def test_acts_told_in_coordinated_clauses_share_their_date():
    found = _kinds_dates(
        "China on Friday announced export controls on scandium, placed two US drone makers on its unreliable "
        "entity list, and said its market regulator had opened an antitrust investigation into a US chip firm.",
        date(2025, 4, 5),
    )
    assert {k for k, d, _ in found if d == date(2025, 4, 4)} >= {"rule_published", "retaliation", "investigation"}


def test_a_date_left_to_be_understood_continues_the_act_before_it():
    found = _kinds_dates(
        "Some limits took effect on June 2, and the remaining provisions on June 30. SMIC was listed in "
        "December 2020. Cambricon followed in December 2022, and Biren and Moore Threads in October 2023.",
        date(2025, 7, 1),
    )
    assert found >= {
        ("rule_effective", date(2025, 6, 30), "day"),
        ("entity_listed", date(2022, 12, 1), "month"),
        ("entity_listed", date(2023, 10, 1), "month"),
    }


def test_a_headline_month_gives_way_to_the_day_the_report_states():
    found = _kinds_dates(
        "Seoul to require licences for some helium exports from March. The trade ministry said on Monday that "
        "exporters will need licences from March 1.",
        date(2025, 1, 21),
    )
    assert not any(precision == "month" for _, _, precision in found)
    assert ("rule_effective", date(2025, 3, 1), "day") in found


def test_that_same_day_is_the_day_told_before():
    found = _kinds_dates(
        "The department announced on May 13 that it would not enforce the rule. What followed that same day "
        "was guidance on foreign accelerators.",
        date(2025, 6, 1),
    )
    assert ("guidance_issued", date(2025, 5, 13), "day") in found


def test_a_federal_register_publication_the_next_day_is_an_event_of_its_own(registry_kb, curated_dir):
    [doc] = _ingest(
        registry_kb,
        [
            _item(
                "next-day",
                "On September 29, 2025, BIS issued the affiliates rule. The rule took effect on issuance and "
                "appeared in the Federal Register the next day.",
                date(2025, 10, 3),
            )
        ],
    )
    found = {(e.kind, e.date) for e in _events_of(registry_kb, doc)}
    assert found >= {
        ("rule_published", date(2025, 9, 29)),
        ("rule_effective", date(2025, 9, 29)),
        ("rule_published", date(2025, 9, 30)),
    }


def test_a_dateline_is_no_date_of_an_act():
    found = _kinds_dates(
        "SEOUL, March 4 - South Korea will require a licence for exports of HBM to China, its trade ministry "
        "said on Monday.",
        date(2025, 3, 4),
    )
    assert found == {("rule_published", date(2025, 3, 3), "day")}


def test_the_name_of_a_law_is_no_investigation():
    found = _kinds_dates(
        "The regulator said on Monday that a review had found the chipmaker violated the anti-monopoly law.",
        date(2025, 9, 16),
    )
    assert not any(kind == "investigation" for kind, _, _ in found)


def test_effective_immediately_before_an_act_dates_that_act():
    found = _kinds_dates(
        "Effective immediately, we will no longer sell to companies controlled from unsupported regions.",
        date(2025, 9, 5),
    )
    assert found == {("service_restricted", date(2025, 9, 5), "day")}


def test_a_measure_and_its_licences_are_not_a_licence_requirement_of_their_own():
    found = _kinds_dates(
        "The ministry on Friday restricted exports of seven rare earths. The measures, issued by the ministry "
        "with immediate effect, require exporters to obtain licences.",
        date(2025, 4, 5),
    )
    assert "license_required" not in {kind for kind, _, _ in found}


def test_a_rule_requiring_licences_is_published_not_a_licence_requirement():
    found = _kinds_dates(
        "On March 2, 2025, the Korean government published a regulation requiring licences for etching tools.",
        date(2025, 3, 5),
    )
    assert found == {("rule_published", date(2025, 3, 2), "day")}


def test_immediately_is_the_day_the_report_told_last():
    found = _kinds_dates(
        "Vietnam will require a licence for US-made accelerators, its trade ministry said on Monday. The ministry "
        "said the requirement took effect immediately.",
        date(2025, 7, 15),
    )
    assert ("rule_effective", date(2025, 7, 14), "day") in found


def test_acts_after_a_sentence_whose_other_day_took_an_act_take_the_idle_day():
    found = extract_events(
        "OpenAI's block starts on July 9, and Chinese model makers moved quickly yesterday to court the developers. "
        "Alibaba Cloud said it would give them free tokens. Baidu offered new users free ERNIE tokens.",
        date(2024, 6, 26),
        linker=current_linker(),
    )
    offers = [c for c in found if c.kind == "migration_offer"]
    assert [(c.date, c.principal) for c in offers] == [
        (date(2024, 6, 25), "alibaba-cloud"),
        (date(2024, 6, 25), "baidu"),
    ]


@pytest.mark.parametrize(
    "text, published, kind, day",
    [
        (
            "The rule takes effect on Jan. 15, but compliance is not required until May 15.",
            date(2025, 1, 14),
            "compliance_date",
            date(2025, 5, 15),
        ),
        (
            "The new limits apply from May 15, with some reporting obligations starting on January 15, 2026.",
            date(2025, 1, 14),
            "compliance_date",
            date(2026, 1, 15),
        ),
        (
            "Starting Monday, users in Macau will no longer be able to sign up for the chatbot.",
            date(2025, 8, 20),
            "service_restricted",
            date(2025, 8, 18),
        ),
    ],
)
def test_deadlines_and_restrictions_in_other_words(text, published, kind, day):
    assert (kind, day, "day") in _kinds_dates(text, published)


@pytest.mark.parametrize(
    "text",
    [
        "In a note to clients on Wednesday, analysts at Bernstein said the rule would hit Nvidia hardest.",
        "The US will require licences for AI chip exports to Thailand, according to a draft rule seen by Bloomberg "
        "on Friday.",
    ],
)
def test_what_onlookers_and_the_press_say_is_no_event(text):
    assert _kinds_dates(text, date(2025, 7, 6)) == set()


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # months counted back from the report's own day
        (
            "The step comes two months after the department rescinded the AI Diffusion rule.",
            date(2025, 7, 15),
            ("rule_rescinded", date(2025, 5, 1), "month"),
        ),
        # a season is told to its year
        (
            "This spring, Beijing imposed new export controls on rare earths.",
            date(2025, 11, 12),
            ("rule_published", date(2025, 1, 1), "year"),
        ),
        (
            "Starting today, people in Brazil can use the assistant on the web.",
            date(2024, 5, 14),
            ("service_available", date(2024, 5, 14), "day"),
        ),
        # a regime told by how long it has held
        (
            "The order widens the national regulation that has covered the most advanced scanners since "
            "September 2023.",
            date(2024, 9, 9),
            ("rule_effective", date(2023, 9, 1), "month"),
        ),
    ],
)
def test_dates_counted_back_seasons_and_regimes_that_hold(text, published, expected):
    assert expected in _kinds_dates(text, published)


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # Chinese sentences in a report filed as English are read with the Chinese words too
        (
            "2024年12月3日，商务部发布公告，加强相关两用物项对美国出口管制。",
            date(2024, 12, 4),
            ("retaliation", date(2024, 12, 3), "day"),
        ),
        (
            "国家市场监督管理总局12月9日宣布，对英伟达公司开展立案调查。",
            date(2024, 12, 10),
            ("investigation", date(2024, 12, 9), "day"),
        ),
        # 将 (will) and 起 (from) make a later day planned, not last year's
        (
            "OpenAI将于7月9日起停止向中国大陆提供API服务。",
            date(2024, 6, 26),
            ("service_restricted", date(2024, 7, 9), "day"),
        ),
        # 即日起: from today
        (
            "智谱宣布，即日起为OpenAI用户提供免费tokens和搬家服务。",
            date(2024, 6, 25),
            ("migration_offer", date(2024, 6, 25), "day"),
        ),
        # a year the sentence states dates its months
        (
            "What changed in 2025: the AI Diffusion rule was published in January and rescinded in May.",
            None,
            ("rule_rescinded", date(2025, 5, 1), "month"),
        ),
    ],
)
def test_chinese_words_and_a_sentence_year(text, published, expected):
    assert expected in _kinds_dates(text, published)


def test_a_chinese_report_of_the_press_dates_the_telling_only():
    assert (
        _kinds_dates("据路透社4月16日报道，英伟达表示，向中国出口H20芯片需要获得许可证。", date(2025, 4, 17)) == set()
    )


def test_a_products_service_change_is_its_makers_act():
    [found] = extract_events("OpenAI API 今起停止服务。", date(2024, 7, 9), linker=current_linker())
    assert (found.kind, found.date, found.principal) == ("service_restricted", date(2024, 7, 9), "openai")


def test_a_second_actors_act_far_after_a_year_shares_it():
    found = _kinds_dates(
        "Late last year Washington widened its controls on chipmaking tools and memory, and Beijing answered within "
        "a day by banning gallium and germanium shipments to the United States.",
        date(2025, 11, 12),
    )
    assert found >= {("rule_published", date(2024, 1, 1), "year"), ("retaliation", date(2024, 1, 1), "year")}


def test_the_owner_of_a_decision_is_the_one_acting():
    found = extract_events(
        "Zhipu AI announced on June 26 a migration plan for developers affected by OpenAI's decision to block API "
        "access starting July 9.",
        date(2024, 6, 27),
        linker=current_linker(),
    )
    assert {(c.kind, c.date, c.principal) for c in found} == {
        ("migration_offer", date(2024, 6, 26), "zhipu-ai"),
        ("service_restricted", date(2024, 7, 9), "openai"),
    }


def test_an_act_told_as_a_separate_one_stays_its_own_event(registry_kb, curated_dir):
    [doc] = _ingest(
        registry_kb,
        [
            _item(
                "two-probes",
                "China's Ministry of Commerce on Saturday opened an anti-dumping investigation into US analog chips. "
                "In a second notice the ministry opened an anti-discrimination investigation into US chip policy.",
                date(2025, 9, 14),
            )
        ],
    )
    probes = [e for e in _events_of(registry_kb, doc) if e.kind == "investigation"]
    assert [e.date for e in probes] == [date(2025, 9, 13), date(2025, 9, 13)]


def test_a_schedule_of_stages_is_planned_though_told_in_the_past():
    found = _kinds_dates(
        "The first limits took effect on October 12, and the remaining requirements on October 21, 2022.",
        date(2022, 10, 14),
    )
    assert ("rule_effective", date(2022, 10, 21), "day") in found


def test_an_undated_page_does_not_give_a_year_to_a_day_from_a_date_told_far_from_it():
    far = _kinds_dates(
        "Guide to the controls. BIS updated the rules on October 17, 2023. Readers often ask about the H20. "
        "Since the license requirement announced on 14 April, the H20 can no longer be sold there.",
        None,
    )
    assert far == {("rule_published", date(2023, 10, 17), "day")}
    chained = _kinds_dates(
        "The ministry announced the controls on 15 August 2024. They applied from 15 September.", None
    )
    assert ("rule_effective", date(2024, 9, 15), "day") in chained


def test_companies_named_together_each_make_their_own_offer():
    found = extract_events(
        "Zhipu AI, SenseTime and 01.AI rolled out their own token giveaways in the last week of June.",
        date(2024, 7, 9),
        linker=current_linker(),
    )
    assert sorted(c.principal or "" for c in found if c.kind == "migration_offer") == ["01-ai", "sensetime", "zhipu-ai"]


# ---- acts of one package on different days stay apart ---------------------------------------------


def test_a_rule_due_in_the_federal_register_days_later_is_not_the_entity_list_addition(registry_kb, curated_dir):
    """The same package listed companies on Monday and its rules reach the Federal Register on Thursday:
    the later publication is a rule event of its own, not evidence of Monday's additions."""
    _curated(curated_dir, "2024-12-02-entity-list-140-additions")
    [doc] = _ingest(
        registry_kb,
        [
            _item(
                "pkg",
                "On Monday the Commerce Department put 140 entities, among them Piotech and SiCarrier, on the "
                "Entity List. The rules are scheduled to appear in the Federal Register on Thursday.",
                date(2024, 12, 3),
            )
        ],
    )
    found = {(e.kind, e.date) for e in _events_of(registry_kb, doc)}
    assert ("rule_published", date(2024, 12, 5)) in found
    assert ("entity_listed", date(2024, 12, 2)) in found


def test_a_rule_day_stated_without_its_year_is_not_merged_with_another_day(registry_kb, curated_dir):
    """ "released on December 2" and "published in the Federal Register on December 5" in two reports are
    two happenings, although neither report writes the year."""
    first, second = _ingest(
        registry_kb,
        [
            _item(
                "fr",
                "The Commerce Department's new rules were published in the Federal Register on December 5.",
                date(2024, 12, 6),
            ),
            _item("rel", "The Commerce Department released its new chip rules on December 2.", date(2024, 12, 3)),
        ],
    )
    assert [(e.kind, e.date) for e in _events_of(registry_kb, first)] == [("rule_published", date(2024, 12, 5))]
    assert [(e.kind, e.date) for e in _events_of(registry_kb, second)] == [("rule_published", date(2024, 12, 2))]


# ---- acts told in other words (found on the third blind development half) -------------------------


@pytest.mark.parametrize(
    "text, published, expected",
    [
        (
            "The new export rules are slated for publication in the Federal Register on March 3, and most "
            "provisions kick in on April 2.",
            date(2025, 2, 27),
            {("rule_published", date(2025, 3, 3)), ("rule_effective", date(2025, 4, 2))},
        ),
        ("BIS issued the rule on Friday. Parts of the regulation apply as of today.", date(2025, 2, 28), None),
        (
            "Firms need not comply with the reporting provisions until June 30, 2025, which is also the last day "
            "for public comments.",
            date(2025, 2, 27),
            {("compliance_date", date(2025, 6, 30)), ("comment_deadline", date(2025, 6, 30))},
        ),
        ("The agency asked for comments by June 30.", date(2025, 2, 27), {("comment_deadline", date(2025, 6, 30))}),
        (
            "The package, unveiled on Monday by the Commerce Department, tightens sales of memory chips.",
            date(2024, 12, 4),
            {("rule_published", date(2024, 12, 2))},
        ),
        (
            "Commerce released new chip rules on Tuesday. The department also put Biren Technology on the "
            "Entity List the same day.",
            date(2023, 10, 18),
            {("rule_published", date(2023, 10, 17)), ("entity_listed", date(2023, 10, 17))},
        ),
        (
            "Anthropic tightened its terms last week: Claude is now off limits to companies majority-owned from China.",
            date(2025, 9, 12),
            {("service_restricted", date(2025, 9, 1))},
        ),
        (
            "百度智能云6月25日推出替代方案, 为开发者提供免费迁移.",
            date(2024, 6, 26),
            {("migration_offer", date(2024, 6, 25))},
        ),
        (
            "OpenAI将从2024年7月9日起阻止来自中国的API流量.",
            date(2024, 6, 26),
            {("service_restricted", date(2024, 7, 9))},
        ),
    ],
)
def test_acts_told_in_other_words(text, published, expected):
    expected = expected or {("rule_published", published), ("rule_effective", published)}
    assert {(c.kind, c.date) for c in extract_events(text, published, linker=current_linker())} >= expected


@pytest.mark.parametrize(
    "text, published, expected",
    [
        (
            "The move follows the March 2025 designations of Inspur units.",
            date(2025, 5, 1),
            ("entity_listed", "2025-03"),
        ),
        (
            "Nvidia could sell the H20 in China after the 2023 tightening.",
            date(2025, 4, 16),
            ("rule_published", "2023"),
        ),
    ],
)
def test_acts_named_by_their_month_or_year(text, published, expected):
    assert expected in _kinds_and_labels(text, published)


def test_a_date_that_would_have_applied_is_no_event():
    """A compliance date the rescission cancelled is not a compliance date."""
    found = extract_events(
        "When BIS scrapped the rule on May 13, exporters would have had to comply two days later.",
        date(2025, 6, 1),
        linker=current_linker(),
    )
    assert [(c.kind, c.date) for c in found] == [("rule_rescinded", date(2025, 5, 13))]


def test_one_report_telling_two_days_of_one_kind_gives_two_events(registry_kb, curated_dir):
    """Released on Monday and due in the Federal Register on Thursday: within three days, yet the report
    itself tells them apart."""
    [doc] = _ingest(
        registry_kb,
        [
            _item(
                "two-days",
                "The Commerce Department unveiled its new chip rules on Monday. The rules are scheduled to appear "
                "in the Federal Register on Thursday.",
                date(2024, 12, 4),
            )
        ],
    )
    found = sorted((e.kind, e.date) for e in _events_of(registry_kb, doc))
    assert found == [("rule_published", date(2024, 12, 2)), ("rule_published", date(2024, 12, 5))]


@pytest.mark.parametrize(
    "text, published, expected",
    [
        (
            "On January 13 BIS issued the interim final rule. The rule took effect when it was issued.",
            date(2025, 1, 17),
            {("rule_effective", date(2025, 1, 13))},
        ),
        (
            "Nvidia said on Monday that licences will be granted, a reversal from April, when the US government "
            "told it that the H20 required a licence.",
            date(2025, 7, 15),
            {("statement", date(2025, 7, 14))},
        ),
        (
            "The move builds on April's controls on rare earths and on the graphite licensing regime in place "
            "since December 2023.",
            date(2025, 10, 10),
            {("rule_published", date(2025, 4, 1)), ("rule_effective", date(2023, 12, 1))},
        ),
        (
            "美国商务部12月2日发布新一轮半导体出口管制措施. 商务部新闻发言人当天表示, 中方对此坚决反对. "
            "次日, 商务部发布公告, 决定禁止两用物项对美国军事用户出口.",
            date(2024, 12, 4),
            {
                ("rule_published", date(2024, 12, 2)),
                ("statement", date(2024, 12, 2)),
                ("retaliation", date(2024, 12, 3)),
            },
        ),
        (
            "市场监管总局15日发布消息称, 英伟达违反反垄断法. 此前, 商务部13日宣布对原产于美国的模拟芯片发起反倾销调查.",
            date(2025, 9, 16),
            {("statement", date(2025, 9, 15)), ("investigation", date(2025, 9, 13))},
        ),
        (
            "Beijing has required export licences for gallium and germanium since August 2023.",
            date(2024, 12, 4),
            {("rule_effective", date(2023, 8, 1))},
        ),
    ],
)
def test_dates_told_by_reference_to_others(text, published, expected):
    """Days told as "when it was issued", "当天", "次日", "15日"; a month a past clause describes; a capital
    as the subject of a national regime."""
    found = {(c.kind, c.date) for c in extract_events(text, published, linker=current_linker())}
    assert found >= expected
    assert all(c.date.year < 2026 for c in extract_events(text, published, linker=current_linker()))


@pytest.mark.parametrize(
    "text, published, expected",
    [
        (
            "OpenAI has blocked API access from unsupported regions, including mainland China and Hong Kong, "
            "since July 2024.",
            date(2025, 9, 12),
            {("service_restricted", "2024-07")},
        ),
        (
            "The campaign began when Huawei was put on the Entity List in May 2019, followed by SMIC in December 2020.",
            date(2026, 1, 15),
            {("entity_listed", "2019-05"), ("entity_listed", "2020-12")},
        ),
        (
            "Malaysia's trade ministry said on Monday that anyone shipping US-made AI chips will need a "
            "strategic trade permit, effective immediately.",
            date(2025, 7, 15),
            {("rule_published", "2025-07-14"), ("rule_effective", "2025-07-14")},
        ),
    ],
)
def test_acts_whose_date_is_told_far_from_the_verb(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


def test_a_ministry_of_a_country_the_registry_lacks_acts_for_its_country():
    [rule, *_] = extract_events(
        "Malaysia's trade ministry said on Monday that AI chip exporters will need a permit, effective immediately.",
        date(2025, 7, 15),
        linker=current_linker(),
    )
    assert rule.principal == "malaysia"


def test_a_restriction_effective_immediately_is_one_act():
    found = extract_events(
        "Effective immediately, Anthropic will no longer sell to companies majority-owned from China, it said "
        "on Friday.",
        date(2025, 9, 6),
        linker=current_linker(),
    )
    assert "rule_effective" not in {c.kind for c in found}


def test_a_rule_with_effect_from_the_day_of_its_announcement():
    found = extract_events(
        "China's commerce ministry announced today that export controls will apply to tungsten items, with effect "
        "from the date of the announcement.",
        date(2025, 2, 4),
        linker=current_linker(),
    )
    assert {(c.kind, c.date) for c in found} >= {
        ("rule_published", date(2025, 2, 4)),
        ("rule_effective", date(2025, 2, 4)),
    }


# ---- found on the fourth blind development half ----------------------------------------------------


@pytest.mark.parametrize(
    "text, published, expected",
    [
        (
            "On January 15, two days after it released the AI Diffusion rule, BIS issued the foundry rule. The "
            "foundry rule appeared in the Federal Register the following day.",
            date(2025, 1, 17),
            {("rule_published", "2025-01-15"), ("rule_published", "2025-01-16")},
        ),
        (
            "商务部12月3日发布公告, 禁止两用物项对美国出口. 前一天, 美国商务部将140家中国实体列入实体清单.",
            date(2024, 12, 4),
            {("retaliation", "2024-12-03"), ("entity_listed", "2024-12-02")},
        ),
        (
            "Last Thursday China's Ministry of Commerce put out a cluster of announcements on rare earths.",
            date(2025, 10, 14),
            {("rule_published", "2025-10-09")},
        ),
        (
            "In April, Beijing had already placed seven rare earths under licensing.",
            date(2025, 10, 14),
            {("rule_published", "2025-04")},
        ),
        (
            "Yesterday's package from the Bureau of Industry and Security goes further than before.",
            date(2023, 10, 18),
            {("rule_published", "2023-10-17")},
        ),
        (
            "Beijing began licensing exports of gallium and germanium in August.",
            date(2023, 10, 20),
            {("rule_effective", "2023-08")},
        ),
        (
            "美国商务部12月2日发布新规. 次日, 中国半导体行业协会 issued statements urging caution.",
            date(2024, 12, 4),
            {("statement", "2024-12-03")},
        ),
        (
            "China on Friday said exporters of some graphite products will need permits from December 1.",
            date(2023, 10, 20),
            {("rule_published", "2023-10-20"), ("rule_effective", "2023-12-01")},
        ),
        (
            "On Monday President Trump revoked the order that President Biden had signed on October 30, 2023. "
            "Three days later Trump signed Executive Order 14179.",
            date(2025, 1, 22),
            {("executive_order", "2025-01-23")},
        ),
        (
            "January's rule would have capped both countries' imports.",
            date(2025, 7, 28),
            {("rule_published", "2025-01")},
        ),
        (
            "Compliance with several of the new requirements is deferred until December 31, 2024.",
            date(2024, 12, 9),
            {("compliance_date", "2024-12-31")},
        ),
        (
            "Beijing, for its part, said last week it would suspend for a year the rare-earth export controls.",
            date(2025, 11, 12),
            {("rule_delayed", "2025-11")},
        ),
        (
            "The Trump administration pulled the plug on the AI Diffusion rule in May.",
            date(2025, 7, 28),
            {("rule_rescinded", "2025-05")},
        ),
    ],
)
def test_acts_of_the_fourth_development_half(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


def test_a_compliance_date_the_rescission_cancelled_is_no_event():
    found = extract_events(
        "Today BIS announced that it will not enforce the AI Diffusion rule, whose compliance obligations were due "
        "to begin on May 15.",
        date(2025, 5, 13),
        linker=current_linker(),
    )
    assert [(c.kind, c.date) for c in found] == [("rule_rescinded", date(2025, 5, 13))]


def test_a_rule_named_by_its_year_does_not_join_an_act_of_another_kind(registry_kb, curated_dir):
    """ "The 2022 controls" is a rule of 2022, not evidence of the August 2022 licence requirement."""
    _curated(curated_dir, "2022-08-26-nvidia-a100-h100-license-required")
    [doc] = _ingest(
        registry_kb,
        [_item("y2022", "BIS replaced the bandwidth test of the 2022 controls on Nvidia chips.", date(2023, 10, 18))],
    )
    assert [(e.kind, e.origin) for e in _events_of(registry_kb, doc)] == [("rule_published", "extracted")]


@pytest.mark.parametrize(
    "text, published, expected",
    [
        (
            "On July 14 Malaysia's trade ministry said that anyone exporting AI chips of US origin must first obtain "
            "a permit, with immediate effect.",
            date(2025, 7, 28),
            {("rule_published", "2025-07-14"), ("rule_effective", "2025-07-14")},
        ),
        ("商务部7月3日发布公告, 自2023年8月1日起正式实施.", date(2023, 7, 4), {("rule_effective", "2023-08-01")}),
        (
            "Japan will begin controlling 23 types of chipmaking equipment on July 23.",
            date(2023, 7, 4),
            {("rule_effective", "2023-07-23")},
        ),
        (
            "BIS released a rule correcting its October 2023 export controls on March 29, 2024, and the Federal "
            "Register published it on April 4, 2024.",
            date(2024, 4, 8),
            {("rule_published", "2024-03-29"), ("rule_published", "2024-04-04")},
        ),
        (
            "Nvidia said on Tuesday that the US government had told it on April 9 that its H20 would henceforth "
            "need an export licence.",
            date(2025, 4, 16),
            {("license_required", "2025-04-09")},
        ),
    ],
)
def test_acts_of_the_fourth_development_half_told_at_length(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


def test_the_end_of_a_reporting_period_is_no_event_date():
    found = extract_events(
        "Nvidia said it expected $5.5 billion of charges in the quarter ending April 27.",
        date(2025, 4, 16),
        linker=current_linker(),
    )
    assert all(c.date != date(2025, 4, 27) for c in found)


@pytest.mark.parametrize(
    "text, published, expected",
    [
        (
            "The probe lands a week after Washington's Dec. 2 controls, and after Beijing's Dec. 3 ban on shipping "
            "gallium to the United States.",
            date(2024, 12, 10),
            {("retaliation", "2024-12-03")},
        ),
        ("Inspur's parent was itself listed in March 2023.", date(2025, 3, 27), {("entity_listed", "2023-03")}),
        (
            "A subsidiary of SMIC, listed in December 2020, was restricted only if named.",
            date(2025, 10, 2),
            {("entity_listed", "2020-12")},
        ),
        (
            "The Trump administration on Wednesday blacklisted Huawei Technologies.",
            date(2019, 5, 16),
            {("entity_listed", "2019-05-15")},
        ),
    ],
)
def test_listings_and_bans_in_other_words(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


def test_not_responding_immediately_is_no_date():
    assert (
        extract_events("Huawei did not immediately respond to a request.", date(2019, 5, 15), linker=current_linker())
        == []
    )


def test_a_spokesperson_answering_reporters_is_a_statement():
    found = extract_events(
        "商务部2025年10月9日发布公告. 商务部新闻发言人当天就有关问题答记者问.",
        date(2025, 10, 10),
        linker=current_linker(),
    )
    assert ("statement", date(2025, 10, 9)) in {(c.kind, c.date) for c in found}


# ---- found on the fifth blind development half -----------------------------------------------------


@pytest.mark.parametrize(
    "text, published, expected",
    [
        (
            "President Trump on Monday revoked the executive order that Joe Biden signed on Oct. 30, 2023.",
            date(2025, 1, 21),
            {("executive_order", "2023-10-30")},
        ),
        (
            "The repeal left in place the AI Diffusion rule issued last week.",
            date(2025, 1, 21),
            {("rule_published", "2025-01")},
        ),
        (
            "The move comes two months after the AI Diffusion rule was rescinded in May.",
            date(2025, 7, 16),
            {("rule_rescinded", "2025-05")},
        ),
        (
            "On January 13, 2025, BIS released the rule. Although the rule became effective on the day it was "
            "released, exporters have until May 15, 2025 to comply, and that same date is the deadline for written "
            "comments.",
            date(2025, 1, 17),
            {("rule_effective", "2025-01-13"), ("compliance_date", "2025-05-15"), ("comment_deadline", "2025-05-15")},
        ),
        (
            "Huawei has been on it since May 2019. In January 2025 the list grew to include Sophgo and Zhipu AI.",
            None,
            {("entity_listed", "2019-05"), ("entity_listed", "2025-01")},
        ),
        (
            "On Monday the U.S. had added 140 entities to the Entity List and restricted sales of high-bandwidth memory "
            "to China.",
            date(2024, 12, 3),
            {("entity_listed", "2024-12-02"), ("rule_published", "2024-12-02")},
        ),
        (
            "The draft, released for public comment on March 31, 2023, was finalised after the ministry reviewed "
            "comments.",
            date(2023, 5, 23),
            {("rule_published", "2023-03-31")},
        ),
        (
            "China will require exporters of some graphite products, a key battery material, to apply for permits "
            "from December 1, the commerce ministry said on Friday.",
            date(2023, 10, 20),
            {("rule_published", "2023-10-20"), ("rule_effective", "2023-12-01")},
        ),
        (
            "On Tuesday OpenAI began rejecting API requests from regions it does not support.",
            date(2024, 7, 10),
            {("service_restricted", "2024-07-09")},
        ),
        (
            "4月4日，商务部发布公告。同日，商务部宣布将11家美国实体列入不可靠实体清单。",
            date(2025, 4, 5),
            {("retaliation", "2025-04-04")},
        ),
        (
            "此前一周，美国商务部于12月2日宣布了新一轮对华半导体出口管制措施。",
            date(2024, 12, 10),
            {("rule_published", "2024-12-02")},
        ),
        (
            "The Netherlands first began licensing its most advanced DUV scanners in September 2023.",
            date(2024, 9, 9),
            {("rule_effective", "2023-09")},
        ),
    ],
)
def test_acts_of_the_fifth_development_half(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


def test_a_restriction_announced_for_later_dates_the_telling_as_a_statement():
    """ "X will start blocking from July 9, the company told developers on Tuesday": the block on July 9, the
    telling on Tuesday (a statement), and no block on Tuesday."""
    found = extract_events(
        "OpenAI will start blocking API traffic from unsupported regions from July 9, the company told developers "
        "in emails on Tuesday.",
        date(2024, 6, 25),
        linker=current_linker(),
    )
    assert sorted((c.kind, c.date) for c in found) == [
        ("service_restricted", date(2024, 7, 9)),
        ("statement", date(2024, 6, 25)),
    ]


@pytest.mark.parametrize(
    "text, published, expected",
    [
        (
            "The campaign began in October 2022. A year later it revised the thresholds, catching the A800.",
            date(2025, 6, 2),
            {("rule_published", "2023")},
        ),
        (
            "In March 2023 the Cyberspace Administration of China opened a security review of Micron.",
            date(2024, 8, 20),
            {("investigation", "2023-03")},
        ),
        (
            "From today, anyone in China can download the Ernie Bot app.",
            date(2023, 8, 31),
            {("service_available", "2023-08-31")},
        ),
    ],
)
def test_acts_of_the_fifth_development_half_in_recaps(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


def test_days_counted_from_a_release_told_before_date_the_act_after_them():
    found = extract_events(
        "On January 13, 2025, BIS released the AI Diffusion rule. Two days after the AI Diffusion rule was released, "
        "BIS issued a separate foundry due diligence rule.",
        date(2025, 1, 17),
        linker=current_linker(),
    )
    assert sorted((c.kind, c.date) for c in found) == [
        ("rule_published", date(2025, 1, 13)),
        ("rule_published", date(2025, 1, 15)),
    ]


# ---- failure classes of the sixth and seventh development halves ---------------------------------------


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # an act added with "also" to those of the sentence before is of their day
        (
            "The commerce ministry on Tuesday announced export controls on tungsten. The market regulator also said "
            "it had opened an investigation into Google.",
            date(2025, 2, 5),
            {("rule_published", "2025-02-04"), ("investigation", "2025-02-04")},
        ),
        (
            "Today BIS issued new rules on chipmaking tools. BIS also issued guidance warning that using Huawei "
            "Ascend chips may breach US export controls.",
            date(2025, 5, 13),
            {("rule_published", "2025-05-13"), ("guidance_issued", "2025-05-13")},
        ),
        (
            "The Commerce Department on Friday published new chip controls. The department also put 31 Chinese "
            "firms on its Unverified List.",
            date(2022, 10, 8),
            {("rule_published", "2022-10-07"), ("entity_listed", "2022-10-07")},
        ),
    ],
)
def test_an_act_told_as_also_done_takes_the_day_of_the_acts_before(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # deadlines told between the act and the "also" leave the act's day to it
        (
            "The Commerce Department on Friday published new chip controls. Some apply at once, while others take "
            "effect on October 21. The department also put 31 Chinese firms on its Unverified List.",
            date(2022, 10, 8),
            {("rule_published", "2022-10-07"), ("entity_listed", "2022-10-07")},
        ),
        # a letter imposing restrictions on a chipmaker the registry does not name
        (
            "The Commerce Department sent the memory maker a letter on Monday imposing export restrictions on its "
            "chips.",
            date(2024, 12, 4),
            {("license_required", "2024-12-02")},
        ),
    ],
)
def test_acts_of_the_seventh_half_told_after_deadlines_or_by_letter(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


def test_also_telling_more_of_the_same_act_is_no_second_act():
    found = extract_events(
        "The Commerce Department on Monday imposed new restrictions on memory chips. The rule also extends "
        "foreign direct product rules to tools made abroad.",
        date(2024, 12, 3),
        linker=current_linker(),
    )
    assert [(c.kind, c.date) for c in found] == [("rule_published", date(2024, 12, 2))]


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # a list added to its export blacklist
        (
            "Washington added two dozen Chinese firms to its export blacklist on Wednesday.",
            date(2025, 3, 27),
            {("entity_listed", "2025-03-26")},
        ),
        # stopping shipments, refusing traffic, barring any company, may no longer use: restrictions
        (
            "Samsung will stop shipping advanced memory to Chinese customers starting Monday, two people said.",
            date(2024, 12, 9),
            {("service_restricted", "2024-12-09")},
        ),
        (
            "The company drew its line on July 9, 2024, when it started refusing API calls from China.",
            date(2025, 5, 1),
            {("service_restricted", "2024-07-09")},
        ),
        (
            "Google tightened its rules last week, barring any firm majority-owned by Russian entities from Gemini.",
            date(2025, 3, 12),
            {("service_restricted", "2025-03")},
        ),
        # a compliance date "required by", a licence one "will have to obtain"
        (
            "The controls apply at once, with compliance for some provisions required by March 31, 2025.",
            date(2025, 1, 10),
            {("compliance_date", "2025-03-31")},
        ),
        # the Chinese words for guidance, for pausing a service, for licences not granted for the US
        ("美国商务部于3月4日发布相关指引。", date(2025, 3, 10), {("guidance_issued", "2025-03-04")}),
        ("某公司已于今日起暂停API服务注册。", date(2025, 2, 6), {("service_restricted", "2025-02-06")}),
        (
            "商务部于12月3日发布公告，原则上不予许可锑对美国出口。",
            date(2024, 12, 5),
            {("retaliation", "2024-12-03")},
        ),
    ],
)
def test_phrasings_of_acts_of_the_sixth_and_seventh_halves(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


@pytest.mark.parametrize(
    "text, published, kinds",
    [
        # a licence revoked is a decision on one export, no rule rescinded
        (
            "The company disclosed on March 3 that the government had revoked a licence to ship two scanners.",
            date(2024, 3, 10),
            set(),
        ),
        # a telling referred to ("as previously announced") is no telling of that day
        ("The discount for new users ends on March 8 as previously announced.", date(2025, 3, 1), set()),
        # a date something starts from is no day of a telling
        ("The tariff commission announced extra duties on some US goods from March 10.", date(2025, 3, 4), set()),
    ],
)
def test_dates_that_are_no_act_of_the_kind_the_words_suggest(text, published, kinds):
    assert {k for k, _ in _kinds_and_labels(text, published)} == kinds


def test_a_month_of_last_year_is_in_the_year_before_the_report():
    assert _kinds_and_labels(
        "Microsoft cut off Bing API access from Russia in March of last year.", date(2025, 6, 1)
    ) == {("service_restricted", "2024-03")}


def test_a_company_reacting_on_a_day_states_that_day_not_the_act_it_reacts_to():
    found = extract_events(
        "Moonshot AI said on Friday it firmly opposed Washington's decision to add it to the Entity List.",
        date(2025, 6, 7),
        linker=current_linker(),
    )
    assert [(c.kind, c.date) for c in found] == [("statement", date(2025, 6, 6))]


def test_a_company_speaking_after_a_government_act_is_no_government():
    """ "Washington required licences in April, and Nvidia said in mid-July ...": Nvidia's telling, no rule."""
    assert _kinds_and_labels(
        "Washington had required licences for the chip in April, and Nvidia said in mid-July it had been told "
        "those licences would be granted.",
        date(2025, 8, 12),
    ) == {("license_required", "2025-04"), ("statement", "2025-07")}


def test_a_letter_to_a_company_imposing_restrictions_is_a_licence_requirement():
    assert _kinds_and_labels(
        "The Commerce Department sent Samsung a letter on Monday imposing export restrictions on its HBM chips.",
        date(2024, 12, 4),
    ) == {("license_required", "2024-12-02")}


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # a list whose items leave out the verb: each item is an act of the kind of the first
        (
            "Hikvision was added in October 2019, Inspur in March 2023, and Sugon in June 2019.",
            date(2024, 1, 5),
            {("entity_listed", "2019-10"), ("entity_listed", "2023-03"), ("entity_listed", "2019-06")},
        ),
        # a national regime first requiring licences starts to apply then
        (
            "China first required licences for graphite in December 2023 and for antimony in September 2024.",
            date(2024, 12, 4),
            {("rule_effective", "2023-12"), ("rule_effective", "2024-09")},
        ),
        # items added to a control regime (no list, no party named) are the regime widened
        (
            "China's licensing now covers more metals: tungsten and indium were added in February 2025.",
            date(2025, 6, 1),
            {("rule_published", "2025-02")},
        ),
        # a rule in force "from that day", requirements met "from that same day"
        (
            "BIS's corrections to its chip rules, released on March 3 and in force from that day, change how the "
            "thresholds apply.",
            date(2024, 3, 8),
            {("rule_published", "2024-03-03"), ("rule_effective", "2024-03-03")},
        ),
        (
            "Comments are due by June 30, 2025, and most requirements must be met from that same day.",
            date(2025, 3, 1),
            {("comment_deadline", "2025-06-30"), ("compliance_date", "2025-06-30")},
        ),
        # a regime widened, an announcement issued by its number
        (
            "Beijing widened its graphite export regime on Thursday, publishing Announcement No. 12 of 2025.",
            date(2025, 3, 8),
            {("rule_published", "2025-03-06")},
        ),
    ],
)
def test_acts_of_lists_and_regimes_of_the_sixth_and_seventh_halves(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # "immediately" is not a day to come told before it in the sentence
        (
            "The ministry issued the rules on Thursday. Some provisions take effect on March 1, others immediately.",
            date(2025, 1, 10),
            {("rule_published", "2025-01-09"), ("rule_effective", "2025-01-09"), ("rule_effective", "2025-03-01")},
        ),
        # a rule released on one day and printed on another applies "immediately" from its release
        (
            "On March 3, 2025, BIS released two rules; they were published in the Federal Register on March 6. "
            "Most provisions take effect immediately.",
            date(2025, 3, 10),
            {("rule_published", "2025-03-03"), ("rule_published", "2025-03-06"), ("rule_effective", "2025-03-03")},
        ),
    ],
)
def test_immediately_is_the_day_the_rule_was_released(text, published, expected):
    found = _kinds_and_labels(text, published)
    assert found >= expected
    assert {label for kind, label in found if kind == "rule_effective"} == {
        label for kind, label in expected if kind == "rule_effective"
    }


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # a rule named by its month alone ("the March controls"), licensing named by its month and year
        (
            "The new measures build on the March controls on tungsten exports.",
            date(2025, 6, 10),
            {("rule_published", "2025-03")},
        ),
        (
            "These extend the February 2025 licensing of five minor metals.",
            date(2025, 6, 10),
            {("rule_published", "2025-02")},
        ),
        # a relocation plan is a migration offer
        (
            "Moonshot AI rolled out a relocation plan for OpenAI developers on Thursday.",
            date(2024, 6, 29),
            {("migration_offer", "2024-06-27")},
        ),
        # a ban on exports to the United States told in the passive
        (
            "The ministry said on Tuesday that exports of graphite to the United States are in principle not "
            "permitted.",
            date(2024, 12, 5),
            {("retaliation", "2024-12-03")},
        ),
        # the verb's own date wins over a date just before it in a relative clause
        (
            "The rules that BIS unveiled on October 3 took effect on Friday.",
            date(2024, 11, 4),
            {("rule_published", "2024-10-03"), ("rule_effective", "2024-11-01")},
        ),
    ],
)
def test_acts_of_the_sixth_and_seventh_halves_named_or_dated_by_their_own_words(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # a contrast in the past perfect tells what was done before that day
        (
            "The rules that BIS unveiled on October 3 took effect on Friday, but Nvidia had already stopped shipping "
            "the parts.",
            date(2024, 11, 4),
            {("rule_published", "2024-10-03"), ("rule_effective", "2024-11-01")},
        ),
        # what was only expected, or could happen, is no act
        (
            "Dealers now say the company is readying a new part, which was expected to be unveiled in mid-November; "
            "one dealer told us the launch could slip into next year.",
            date(2023, 11, 20),
            set(),
        ),
        # a letter imposing a requirement: the requirement, not a rule that also takes effect
        (
            "In a filing the company said the government told it on March 3 that licences were needed, with "
            "immediate effect, for its A30 and B30 parts.",
            date(2025, 3, 10),
            {("license_required", "2025-03-03")},
        ),
        # a month that names a rule a report dates to the day is the same rule
        (
            "Nvidia's line-up after the October rules. The rules that BIS unveiled on October 3 changed the thresholds.",
            date(2024, 11, 4),
            {("rule_published", "2024-10-03")},
        ),
    ],
)
def test_dates_of_the_sixth_and_seventh_halves_that_are_no_further_act(text, published, expected):
    assert _kinds_and_labels(text, published) == expected


def test_a_reaction_on_the_day_of_a_curated_act_is_a_statement_of_its_own(registry_kb, curated_dir):
    """ "The ministry firmly opposed ...": a reaction, not the announcement of the curated act of that day."""
    _curated(curated_dir, "2024-12-03-cn-bans-gallium-germanium-antimony-exports-to-us")
    [doc] = _ingest(
        registry_kb,
        [
            _item(
                "reaction",
                "A spokesperson for the Ministry of Commerce said on Tuesday that China firmly opposed the US move.",
                date(2024, 12, 4),
            )
        ],
    )
    assert [(e.kind, e.origin) for e in _events_of(registry_kb, doc)] == [("statement", "extracted")]


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # a rule whose content is another rule's fate
        (
            "On March 3 the department issued a final rule suspending the export rule of January 15 for a year.",
            date(2025, 3, 5),
            {("rule_delayed", "2025-03-03"), ("rule_published", "2025-01-15")},
        ),
        # a licence requirement effective the same day
        (
            "The ministry said on Monday that exports of two metals will need a licence, effective the same day.",
            date(2025, 6, 3),
            {("rule_published", "2025-06-02"), ("rule_effective", "2025-06-02")},
        ),
        # a service gone dark a week before the report
        (
            "A week after Google's API went dark in Russia, rivals moved in.",
            date(2024, 3, 15),
            {("service_restricted", "2024-03-08")},
        ),
        # offering free tokens or credit
        (
            "MiniMax this month began offering new developers on its open platform a generous bundle of free tokens.",
            date(2024, 7, 20),
            {("migration_offer", "2024-07")},
        ),
    ],
)
def test_more_phrasings_of_the_sixth_and_seventh_halves(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


def test_a_block_of_tokens_blocks_nothing():
    kinds = {
        k for k, _ in _kinds_and_labels("MiniMax said on Monday new users get a block of credits.", date(2024, 7, 20))
    }
    assert "service_restricted" not in kinds


@pytest.mark.parametrize(
    "text, published, principals",
    [
        # providers in clauses of their own, each with its own offer
        (
            "MiniMax this month began offering new users a bundle of free tokens, while Baichuan said its models "
            "would come with free tokens for developers moving from overseas models.",
            date(2024, 7, 20),
            ["minimax", "baichuan"],
        ),
        # two lists the same day: two countermeasures
        (
            "On Friday the ministry added 11 US firms to the Unreliable Entity List and placed 16 others on its export "
            "control list.",
            date(2025, 4, 5),
            None,
        ),
    ],
)
def test_one_kind_twice_in_clauses_of_their_own_is_two_acts(text, published, principals):
    found = extract_events(text, published, linker=current_linker())
    kinds = [c.kind for c in found if c.kind in ("migration_offer", "retaliation")]
    assert len(kinds) == 2 and len(set(kinds)) == 1
    assert [c.distinct for c in found if c.kind == kinds[0]] == [False, True]
    if principals:
        assert [c.principal for c in found if c.kind == kinds[0]] == principals


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # "the same day" after a day of the sentence dates the act it closes
        (
            "BIS set June 30 as the compliance date; the public may comment until the same day.",
            date(2025, 3, 3),
            {("compliance_date", "2025-06-30"), ("comment_deadline", "2025-06-30")},
        ),
        # "N days after X" opening a sentence counts back from the day of the main clause
        (
            "Two days after the memory rule was unveiled, BIS on March 12 released a further rule on foundries.",
            date(2025, 3, 14),
            {("rule_published", "2025-03-10"), ("rule_published", "2025-03-12")},
        ),
        # "the previous day" is the day before the one the report is telling
        (
            "The ministry said on Tuesday that it had barred shipments of graphite to the United States. It said the "
            "decision followed Washington's addition of Chinese firms to its Entity List the previous day.",
            date(2024, 12, 4),
            {("retaliation", "2024-12-03"), ("entity_listed", "2024-12-02")},
        ),
        # "followed that October": the year told before it, and the sentence's first act
        (
            "In May 2023 the ministry announced licensing for indium, which took effect on June 1, 2023; bismuth "
            "followed that October.",
            date(2025, 4, 10),
            {("rule_published", "2023-05"), ("rule_effective", "2023-06-01"), ("rule_published", "2023-10")},
        ),
        # regimes that start to bite, licensing that began, items added to a licensing list, 实施出口管制
        (
            "Tokyo followed with a regulation that started to bite in September 2023.",
            date(2024, 2, 1),
            {("rule_effective", "2023-09")},
        ),
        (
            "The move follows licensing of indium that began on Feb. 4.",
            date(2025, 6, 1),
            {("rule_effective", "2025-02-04")},
        ),
        (
            "On February 4, 2025 it added tungsten and indium to its licensing list.",
            date(2025, 4, 10),
            {("rule_published", "2025-02-04")},
        ),
        ("2025年2月，商务部已对钨、碲等物项实施出口管制。", date(2025, 6, 1), {("rule_published", "2025-02")}),
        # a licence requirement on two makers' products named together: one each
        (
            "The March 2025 licence requirements for Nvidia's H20 and AMD's MI308 remain in force.",
            date(2025, 8, 14),
            {("license_required", "2025-03")},
        ),
    ],
)
def test_dates_and_acts_of_the_sixth_and_seventh_halves_told_by_reference(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


def test_a_licence_requirement_named_for_two_makers_is_one_each():
    found = extract_events(
        "The March 2025 licence requirements for Nvidia's H20 and AMD's MI308 remain in force.",
        date(2025, 8, 14),
        linker=current_linker(),
    )
    assert [(c.kind, c.principal, c.distinct) for c in found] == [
        ("license_required", "nvidia", False),
        ("license_required", "amd", True),
    ]


@pytest.mark.parametrize(
    "text, published",
    [
        # the end of a suspension is no act
        (
            "Last week the ministry suspended its ban on antimony sales to the US until November 2026.",
            date(2025, 11, 14),
        ),
        # a deadline counted from a publication not yet told is no date
        ("BIS will accept comments for 60 days after the rule appears in the Federal Register.", date(2025, 9, 29)),
    ],
)
def test_dates_the_sixth_and_seventh_halves_tell_that_are_no_act(text, published):
    assert all(c.date < published for c in extract_events(text, published, linker=current_linker()))
    assert all(
        c.date.month == published.month or c.kind != "rule_published"
        for c in extract_events(text, published, linker=current_linker())
    )


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # "also" reaches past a sentence that tells no act of a day of its own
        (
            "Today BIS announced the rescission of the rule. BIS will not enforce its compliance requirements. BIS "
            "also issued guidance warning that using Huawei Ascend chips anywhere may breach US export controls.",
            date(2025, 5, 13),
            {("rule_rescinded", "2025-05-13"), ("guidance_issued", "2025-05-13")},
        ),
        # an act "accompanied by" another: that other is of its day
        (
            "On Tuesday the department scrapped the rule. The framework, issued in January, had angered allies. Its "
            "withdrawal was accompanied by guidance saying that using Huawei's Ascend chips may breach US rules.",
            date(2025, 5, 16),
            {("rule_rescinded", "2025-05-13"), ("guidance_issued", "2025-05-13")},
        ),
    ],
)
def test_acts_told_as_also_done_a_sentence_or_two_later(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


def test_companies_that_moved_first_each_did_the_act_told_before():
    found = extract_events(
        "SenseTime this month began offering new developers a bundle of free tokens. Baidu and Zhipu AI had each "
        "moved first, in late June.",
        date(2024, 7, 15),
        linker=current_linker(),
    )
    assert sorted((c.kind, str(c.principal), date_label(c.date, c.precision)) for c in found) == [
        ("migration_offer", "baidu", "2024-06"),
        ("migration_offer", "sensetime", "2024-07"),
        ("migration_offer", "zhipu-ai", "2024-06"),
    ]


def test_a_provider_prohibiting_access_restricts_its_service():
    assert ("service_restricted", "2025-03-03") in _kinds_and_labels(
        "Effective today, we are updating our terms to prohibit access by companies controlled from unsupported "
        "regions.",
        date(2025, 3, 3),
    )


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # a second company told in a clause of its own ("and AMD received a similar notice") is a second requirement
        (
            "The rule formalises limits first sent by letter in late August, when Nvidia was told it needed licences "
            "to ship its H100 to China and AMD received a similar notice covering its MI308.",
            date(2022, 10, 7),
            [("license_required", "nvidia"), ("license_required", "amd")],
        ),
        # the government "made Nvidia obtain licences", counted back from the report's day; the company speaks after
        (
            "Three months after the government made Nvidia obtain licences for every H20 bound for China, the company "
            "said last week that it had been assured they would be granted.",
            date(2025, 7, 20),
            [("license_required", "nvidia"), ("statement", "nvidia")],
        ),
    ],
)
def test_licence_requirements_of_the_seventh_half(text, published, expected):
    found = extract_events(text, published, linker=current_linker())
    assert [(c.kind, c.principal) for c in found] == expected


def test_acts_listed_with_semicolons_are_each_of_the_day():
    """ "A; B; and C": the semicolons part the items of one list of the day's acts, not statements."""
    found = _kinds_and_labels(
        "The commerce ministry put exports of five metals under licensing with immediate effect; the ministry added "
        "two US firms to its Unreliable Entity List; and the market regulator said it had opened an investigation "
        "into Intel.",
        date(2025, 3, 4),
    )
    assert found >= {
        ("rule_published", "2025-03-04"),
        ("rule_effective", "2025-03-04"),
        ("retaliation", "2025-03-04"),
        ("investigation", "2025-03-04"),
    }


@pytest.mark.parametrize(
    "text, published",
    [
        # a telling dated only to its year
        ("Baidu founder Robin Li said last year that foundation models will become infrastructure.", date(2024, 6, 25)),
        # a product released is no telling
        (
            "Our Qwen2 open-weight models, released earlier this month, can also be run on your own hardware.",
            date(2024, 6, 25),
        ),
        # a date tariffs are "to start on" is no telling
        ("Beijing also announced tariffs on US coal, to start on March 10.", date(2025, 3, 4)),
    ],
)
def test_no_statement_of_a_year_a_product_release_or_a_start(text, published):
    assert "statement" not in {k for k, _ in _kinds_and_labels(text, published)}


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # the Entity List widened to cover more parties is a rule changed, not a party listed
        (
            "When BIS widened the Entity List to cover majority-owned subsidiaries on March 3, exporters scrambled.",
            date(2025, 4, 1),
            {("rule_published", "2025-03-03")},
        ),
        # an outright ban to the United States answers a US rule
        (
            "In December 2024 Beijing answered the memory rule with an outright ban to the United States.",
            date(2025, 4, 1),
            {("retaliation", "2024-12")},
        ),
    ],
)
def test_regulatory_acts_of_the_sixth_half_in_an_analysis(text, published, expected):
    assert _kinds_and_labels(text, published) == expected


def test_the_same_day_after_a_day_counted_back_is_the_day_the_report_tells():
    """ "It came one day after Washington unveiled ...": that day is counted from, not told; "the same day" after it
    is the day of the act before."""
    found = _kinds_and_labels(
        "China's Ministry of Commerce on Tuesday banned exports of gallium to the United States. It came one day "
        "after Washington unveiled new chip curbs. A ministry spokesperson said on the same day that China firmly "
        "opposed the US move.",
        date(2024, 12, 4),
    )
    assert ("statement", "2024-12-03") in found and ("statement", "2024-12-02") not in found


def test_the_following_day_follows_the_day_told_not_a_deadline_told_since():
    found = _kinds_and_labels(
        "On December 2 BIS released new chip rules. BIS set December 31 as the compliance date. China's Ministry of "
        "Commerce said the following day that it firmly opposed the rules.",
        date(2024, 12, 6),
    )
    assert ("statement", "2024-12-03") in found


@pytest.mark.parametrize(
    "text, published, expected",
    [
        (
            "According to the newspaper, the Cyberspace Administration of China told the firms this week to stop "
            "buying the chip.",
            date(2025, 9, 18),
            {("guidance_issued", "2025-09")},
        ),
        (
            "The Ministry of Commerce on Monday urged Chinese companies to avoid the H20.",
            date(2025, 8, 13),
            {("guidance_issued", "2025-08-11")},
        ),
    ],
)
def test_a_government_telling_companies_what_to_do_issues_guidance(text, published, expected):
    assert _kinds_and_labels(text, published) == expected


def test_another_governments_act_in_a_report_about_one_rule_is_not_that_rules():
    """A digest about the affiliates rule that also tells MOFCOM pausing its own measures: the pause is not an event
    of the affiliates rule (and does not join its suspension)."""
    found = extract_events(
        "BIS suspended the affiliates rule for a year. Last week MOFCOM paused the rare earth measures it had "
        "announced in October.",
        date(2025, 11, 14),
        linker=current_linker(),
        known_rules=frozenset({"affiliates-rule"}),
    )
    [paused] = [c for c in found if "mofcom" in c.slugs and c.kind == "rule_delayed"]
    assert paused.rule is None and paused.principal != "affiliates-rule"


def test_a_listing_as_part_of_a_rules_update_dates_the_update_too():
    assert _kinds_and_labels(
        "Three Chinese GPU designers were added to the Entity List on Tuesday as part of the Commerce Department's "
        "update of its chip controls.",
        date(2023, 10, 19),
    ) == {("entity_listed", "2023-10-17"), ("rule_published", "2023-10-17")}


def test_two_probes_named_in_one_list_are_two_investigations():
    found = extract_events(
        "The ministry made two moves on Friday: an anti-dumping investigation into US memory chips, and an "
        "anti-subsidy inquiry into US chip policy.",
        date(2025, 9, 15),
        linker=current_linker(),
    )
    assert [(c.kind, c.date, c.distinct) for c in found] == [
        ("investigation", date(2025, 9, 12), False),
        ("investigation", date(2025, 9, 12), True),
    ]


def test_one_probe_told_twice_is_one_investigation():
    found = extract_events(
        "The regulator opened an investigation into Micron on Friday and said the probe would examine its sales.",
        date(2025, 9, 15),
        linker=current_linker(),
    )
    assert [c.kind for c in found] == ["investigation"]


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        # a day told with "that year" takes the year told before it in the sentence, not the report's
        (
            "Japan's trade ministry published its export regulation on 12 March 2022 and began requiring licences from May 2 "
            "that year.",
            date(2024, 11, 5),
            {("rule_published", "2022-03-12"), ("rule_effective", "2022-05-02")},
        ),
        # a rule told in the passive: announced in one month, begun on a day of the next
        (
            "The tungsten controls were announced in February 2021 and began on March 15 of that year.",
            date(2023, 6, 1),
            {("rule_published", "2021-02"), ("rule_effective", "2021-03-15")},
        ),
    ],
)
def test_a_day_of_that_year_and_a_rule_announced_then_begun(text, published, expected):
    assert _kinds_and_labels(text, published) >= expected


@pytest.mark.parametrize(
    ("text", "published"),
    [
        (
            "The new licence requirement takes effect on March 3, the economy minister told lawmakers.",
            date(2025, 1, 20),
        ),
        ("The new licence requirement comes into force on March 3.", date(2025, 1, 20)),
    ],
)
def test_a_licence_requirement_that_takes_effect_is_the_rule_taking_effect(text, published):
    """The requirement is the rule told by its content: its start is rule_effective, no requirement imposed."""
    kinds = {kind for kind, _ in _kinds_and_labels(text, published)}
    assert "rule_effective" in kinds and "license_required" not in kinds


def test_parties_of_the_united_states_named_with_an_including_list_are_a_countermeasure():
    """The parties named after the country ('entities of the United States, including A, B and C') and a list
    with 'and' between the verb and China's control list."""
    assert _kinds_and_labels(
        "The commerce ministry on Monday added 15 companies of the United States, including subsidiaries of Boeing, "
        "Textron and Anduril, to its export control list.",
        date(2025, 3, 5),
    ) == {("retaliation", "2025-03-03")}


def test_a_company_that_followed_was_listed_like_the_company_before():
    """A company that "followed" after a sentence telling a listing and a rule widened is listed in its turn."""
    assert ("entity_listed", "2024-12") in _kinds_and_labels(
        "Inspur was added on 2 March 2023, and in October 2023 BIS tightened the advanced computing rules to stop "
        "exports of chips to its units abroad. The memory maker YMTC followed in December 2024.",
        date(2025, 3, 1),
    )


def test_curbs_announced_on_a_day_are_published_that_day():
    """The rule before its verb, 'announced' as well as 'issued' or 'unveiled': no probe nor statement of that day."""
    assert ("rule_published", "2025-03-04") in _kinds_and_labels(
        "The inquiry comes after the broad American export curbs announced on March 4 and a ban on graphite "
        "shipments two days later.",
        date(2025, 3, 12),
    )


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        # 自公布之日起: from the day of its publication, not the later day of another announcement's clause
        (
            "商务部3月4日发布第18号公告。第18号公告自公布之日起实施，第17号公告自2025年5月1日起施行。",
            date(2025, 3, 5),
            {("rule_effective", "2025-03-04"), ("rule_effective", "2025-05-01")},
        ),
    ],
)
def test_a_chinese_announcement_in_force_from_its_publication(text, published, expected):
    labels = _kinds_and_labels(text, published)
    assert labels >= expected and ("rule_published", "2025-05-01") not in labels


def test_a_national_regime_with_licences_required_from_a_day_starts_then():
    """'..., with licences required from <day>': the day another country's regime starts to apply (rule 11)."""
    assert ("rule_effective", "2024-04-01") in _kinds_and_labels(
        "On 2 March 2024, the Ministry of Commerce brought tungsten into the regime, with licences required from "
        "1 April.",
        date(2024, 5, 2),
    )


def test_an_order_signed_by_its_abbreviation_is_an_executive_order():
    assert _kinds_and_labels("On Wednesday the president signed EO 14277 on AI education.", date(2025, 4, 25)) == {
        ("executive_order", "2025-04-23")
    }


def test_a_licence_requirement_in_the_rule_s_relative_clause_is_the_rule_s_content():
    """'issued a rule that extends the licence requirements ...': the rule is published, nothing else is told."""
    assert _kinds_and_labels(
        "On June 2, 2025, the bureau issued an interim final rule that extends the licence requirements of its "
        "military end-user list to subsidiaries of listed firms.",
        date(2025, 6, 4),
    ) == {("rule_published", "2025-06-02")}


def test_the_day_in_a_rule_s_name_is_not_the_day_of_the_verb_that_governs_it():
    """'would rescind the May 2, 2023 Chip Security rule': rescinded on the day told, the rule named by its day."""
    assert _kinds_and_labels(
        "On March 3, 2025, the ministry announced that it would rescind the May 2, 2023 Chip Security rule.",
        date(2025, 3, 10),
    ) == {("rule_rescinded", "2025-03-03"), ("rule_published", "2023-05-02")}


def test_a_weekday_a_week_ago_and_a_rule_printed_in_the_federal_register():
    """'released a week ago Friday' in a Friday report is the Friday before; 'printed in the Federal Register'."""
    assert _kinds_and_labels(
        "The export rules, released by the agency a week ago Friday and printed in the Federal Register yesterday, "
        "are broad. In short, they require licences for tools bound for fabs in China.",
        date(2022, 10, 14),
    ) == {("rule_published", "2022-10-07"), ("rule_published", "2022-10-13")}


def test_a_day_told_in_the_past_perfect_is_the_earlier_act_s_only():
    """'delaying ... the chip rule it had issued on March 3': the delay is of the report's Tuesday, the rule of
    March 3; the day is not the delay's."""
    labels = _kinds_and_labels(
        "On Tuesday, the agency published a final rule delaying for six months the chip rule it had issued on March 3.",
        date(2025, 4, 10),
    )
    assert labels == {("rule_delayed", "2025-04-08"), ("rule_published", "2025-03-03")}


def test_a_day_of_what_would_have_happened_is_no_act_s():
    """'..., which would have bound exporters from June 1': no act of June 1, the rescission of its own day."""
    assert _kinds_and_labels(
        "On March 3 the ministry said it was rescinding the chip rule, which would have bound exporters from June 1.",
        date(2025, 3, 10),
    ) == {("rule_rescinded", "2025-03-03")}


def test_acts_done_at_once_after_a_day_to_come_are_of_the_report_s_day():
    """A tariff 'from May 12' told before controls imposed 'with immediate effect': the controls are of the
    report's own day, not of the day still to come that the sentence before told."""
    labels = _kinds_and_labels(
        "Germany hit back at Washington on Tuesday with a set of measures. It will levy a 20% tariff on all goods "
        "from the United States from May 12, matching the duty announced by the White House two days earlier. The "
        "economy ministry placed export controls on four rare metals, including gallium, with immediate effect.",
        date(2025, 5, 6),
    )
    assert {("rule_published", "2025-05-06"), ("rule_effective", "2025-05-06")} <= labels
    assert not any(label == "2025-05-12" for _, label in labels)


def test_a_rule_named_by_the_day_after_of_is_suspended_on_the_verb_s_date():
    """'The chip rule of March 3 was paused in June': the rule of March 3, the pause of June."""
    assert _kinds_and_labels("The chip rule of March 3 was paused in June, after the summit.", date(2026, 1, 8)) == {
        ("rule_published", "2025-03-03"),
        ("rule_delayed", "2025-06"),
    }


def test_by_of_an_agent_is_no_plan_that_puts_a_day_without_a_year_ahead():
    """'followed two days later by ...' in a year-in-review published early in January: the January days told
    are of the year before, not of days still to come ('by May 15' would be a deadline)."""
    labels = _kinds_and_labels(
        "The year opened with a flurry: the chip rule on January 12, followed two days later by another round of "
        "Entity List additions.",
        date(2026, 1, 6),
    )
    assert ("entity_listed", "2025-01-14") in labels and not any(label.startswith("2026") for _, label in labels)


def test_a_framework_discarded_is_rescinded():
    assert ("rule_rescinded", "2025-03") in _kinds_and_labels(
        "The new government kept most export rules but discarded the chip framework in March.", date(2026, 1, 5)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Norway barred the chatbot from all government devices on Tuesday.", {("service_restricted", "2025-02-04")}),
        (
            "Canada told federal agencies on Monday not to use the app.",
            {("service_restricted", "2025-02-03")},
        ),
        ("Several Dutch ministries cut access to the chatbot this week.", {("service_restricted", "2025-02")}),
        (
            "Finland told its ministries on Monday to keep the chatbot off work phones.",
            {("service_restricted", "2025-02-03")},
        ),
        ("The army told personnel on Monday not to use it.", {("service_restricted", "2025-02-03")}),
        (
            "Chile followed on Monday with a ban across federal government systems.",
            {("service_restricted", "2025-02-03")},
        ),
        (
            "The privacy regulator halted new downloads of the app on Monday while it reviewed the terms.",
            {("service_restricted", "2025-02-03")},
        ),
        ("Downloads came back on Monday once the terms changed.", {("service_available", "2025-02-03")}),
    ],
)
def test_a_government_keeping_an_app_off_its_own_machines_restricts_it(text, expected):
    assert _kinds_and_labels(text, date(2025, 2, 6)) == expected


def test_an_act_that_took_a_date_of_its_own_is_not_told_again_on_the_other():
    """'A barred it on February 4, and B told its agencies at the start of February to stop using it': B's act is
    of February, not a second act of February 4."""
    assert _kinds_and_labels(
        "Canada barred the app from government phones on February 4, and Norway told public agencies at the start "
        "of February to stop using it.",
        date(2025, 2, 10),
    ) == {("service_restricted", "2025-02-04"), ("service_restricted", "2025-02")}


def test_a_warning_told_after_what_it_warns_of_is_guidance_of_the_telling_s_day():
    """'Firms that ... could be breaching the controls, the bureau warned on Monday': 'could' is what the warning
    says, not an expectation that makes the day no act's."""
    assert _kinds_and_labels(
        "Firms that ship the accelerators to data centres in the region could be breaching US export controls, the "
        "Bureau of Industry and Security warned on Monday.",
        date(2025, 6, 4),
    ) == {("guidance_issued", "2025-06-02")}


def test_a_chinese_month_told_by_its_part_and_the_same_month_after_it():
    """'5月中旬' (mid-May) without a year is a month of the report's year; '同月' (the same month) in the next
    clause is that month; '，X也...' (X also ...) is another provider's offer."""
    text = "早在5月中旬，百度智能云就宣布为开发者提供迁移方案；腾讯云同月推出迁移优惠，商汤科技也为新用户提供免费额度。"
    offers = list(extract_events(text, date(2024, 6, 12), linker=current_linker()))
    assert {(c.kind, date_label(c.date, c.precision)) for c in offers} == {("migration_offer", "2024-05")}
    assert len(offers) == 3 and {"tencent-cloud", "sensetime"} <= {c.principal for c in offers}


def test_chinese_clauses_starting_on_a_day_to_come_and_from_the_publication():
    """'部分条款自2025年8月1日起实施，其余条款自公布之日起实施': the rest applies from the day of publication told
    before, not from the other clause's later day; 公布 in 自公布之日起 tells no publication."""
    labels = _kinds_and_labels(
        "2025年6月3日，商务部发布公告，对部分钨制品实施出口管制。公告称，部分条款自2025年8月1日起实施，"
        "其余条款自公布之日起实施。",
        date(2025, 6, 4),
    )
    assert {("rule_effective", "2025-06-03"), ("rule_effective", "2025-08-01")} <= labels
    assert ("rule_published", "2025-08-01") not in labels


def test_a_statement_issued_the_same_day_after_an_aside_in_brackets():
    """'发表声明' (issued a statement) is a telling; 同日 (the same day) is the day of the story, not of a date an
    aside in brackets told in between."""
    labels = _kinds_and_labels(
        "2025年3月4日，商务部发布公告，将15家美国实体列入出口管制管控名单。(Editor's note: Washington had raised "
        "tariffs on March 1.) 同日，中国半导体行业协会发表声明，呼吁会员企业评估供应链风险。",
        date(2025, 3, 5),
    )
    assert ("statement", "2025-03-04") in labels and ("statement", "2025-03-01") not in labels


def test_a_rule_in_force_on_the_day_it_was_issued():
    """'took effect on the day it was issued': the day of the issue told in the sentence before."""
    assert ("rule_effective", "2025-03-03") in _kinds_and_labels(
        "On March 3, 2025, the agency issued an interim final rule on subsidiaries of listed firms. The subsidiaries "
        "rule took effect on the day it was issued.",
        date(2025, 3, 6),
    )


def test_a_countermeasure_in_force_on_its_day_is_one_act():
    """'The measure took effect immediately' after a ban aimed at the United States: the ban in force at once, no
    rule of its own (rule 11)."""
    assert _kinds_and_labels(
        "On March 4, 2025, the ministry banned exports of tungsten to the United States. The measure took effect "
        "immediately.",
        date(2025, 3, 6),
    ) == {("retaliation", "2025-03-04")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a country's own blacklist widened to cover a kind of company: its rules changed, no party listed
        (
            "Washington on Tuesday expanded its export blacklist to include subsidiaries of listed companies.",
            {("rule_published", "2025-09-30")},
        ),
        # a rule named by its weekday with a word between: "Wednesday's US rules"
        (
            "Wednesday's US rules bar the sale of advanced memory to China without a licence.",
            {("rule_published", "2025-10-01")},
        ),
    ],
)
def test_a_blacklist_widened_and_a_weekday_s_rules(text, expected):
    assert _kinds_and_labels(text, date(2025, 10, 3)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a package named by its day
        ("Beijing's answer, the March 12 package, reached goods made abroad.", ("rule_published", "2025-03-12")),
        # a rule frozen from a day: a suspension
        ("The ministry then froze the licensing rule from November 3 for a year.", ("rule_delayed", "2025-11-03")),
    ],
)
def test_a_package_named_by_its_day_and_a_rule_frozen(text, expected):
    assert expected in _kinds_and_labels(text, date(2025, 12, 15))


def test_a_month_that_owns_a_thing_is_past_even_after_from():
    """'from March's licence requirement to ...' in a December report: the March before, not the next one."""
    labels = _kinds_and_labels(
        "The story ran from March's licence requirement on the chip to the autumn reversal.", date(2025, 12, 15)
    )
    assert labels and not any(label.startswith("2026") for _, label in labels)


@pytest.mark.parametrize(
    "sentence",
    [
        "The agency's new licensing rule is scheduled for publication in the Federal Register on Friday.",
        "The agency's new licensing rule is slated for release on Friday.",
        "The agency's new licensing rule is due for publication on Friday.",
    ],
)
def test_a_weekday_planned_with_for_is_the_coming_one(sentence):
    """'is scheduled for publication ... on Friday' in a Tuesday report is the Friday to come, as 'is
    scheduled to be published on Friday' already was; not the Friday before."""
    published = date(2024, 3, 5)  # a Tuesday
    found = [f.value for f in find_dates(sentence, Reference(published, "published"))]
    assert found == [date(2024, 3, 8)]


def test_from_this_very_day_is_the_day_the_act_was_dated():
    """'商务部3日发布公告……即日起……' in a report of the 4th: the ban applies from the 3rd, and the spokesman who
    spoke '当天' (that day) spoke on the 3rd too, not on the report's day."""
    published = date(2024, 12, 4)
    found = find_dates("商务部3日发布公告，即日起原则上不予许可镓、锗相关两用物项对美国出口。", published)
    assert [f.value for f in found] == [date(2024, 12, 3)]  # one date per day in a sentence
    text = (
        "商务部3日发布公告，宣布加强两用物项对美国出口管制，即日起原则上不予许可镓、锗相关两用物项对美国出口。"
        "商务部新闻发言人当天表示，中方坚决反对。"
    )
    days = {d for _, d, _ in _kinds_dates(text, published)}
    assert days == {date(2024, 12, 3)}
    # without a day told before it, 即日起 is the report's own day
    assert [f.value for f in find_dates("即日起暂停相关服务。", published)] == [published]


def test_a_listing_on_an_owners_entity_list_and_one_announced_as_an_act():
    """'placed on the Commerce Department's Entity List on Wednesday' is a listing; 'announced that it was
    adding ... to the Entity List', however far the list from the day, is the listing and no telling besides."""
    assert ("entity_listed", date(2019, 5, 15), "day") in _kinds_dates(
        "Huawei and 68 of its affiliates were placed on the Commerce Department's Entity List on Wednesday.",
        date(2019, 5, 17),
    )
    assert _kinds_dates(
        "On Monday, October 7, 2019, the Bureau of Industry and Security (BIS) announced that it was adding 28 "
        "Chinese government and commercial organizations to the Entity List, citing their role in surveillance.",
        date(2019, 10, 10),
    ) == {("entity_listed", date(2019, 10, 7), "day")}


def test_a_chinese_measure_published_then_applied_and_a_spokesperson_s_comment():
    """'7月3日发布公告，宣布对镓、锗实施出口管制，自2023年8月1日起正式实施': published on the 3rd, in force from
    August 1 (no publication on the 1st); the spokesperson answering questions '当天' about the controls speaks
    on the 3rd: a statement, not the controls published again."""
    text = (
        "商务部、海关总署7月3日联合发布公告，宣布对镓、锗相关物项实施出口管制，自2023年8月1日起正式实施。"
        "商务部新闻发言人当天就此答记者问时表示，对相关物项实施出口管制是国际通行做法。"
    )
    assert _kinds_and_labels(text, date(2023, 7, 4)) == {
        ("rule_published", "2023-07-03"),
        ("rule_effective", "2023-08-01"),
        ("statement", "2023-07-03"),
    }


def test_a_spokesperson_s_comment_is_no_announcement_of_the_curated_act(registry_kb, curated_dir):
    """A Chinese spokesperson's answer on the day of a curated measure is a statement of its own, as a reaction is."""
    _curated(curated_dir, "2023-07-03-cn-gallium-germanium-export-controls-announced")
    [doc] = _ingest(
        registry_kb,
        [
            _item(
                "comment",
                "商务部新闻发言人3日就此答记者问时表示，对相关物项实施出口管制是国际通行做法。",
                date(2023, 7, 4),
            )
        ],
    )
    assert [(e.kind, e.origin) for e in _events_of(registry_kb, doc)] == [("statement", "extracted")]


def test_a_package_of_controls_rolled_out_is_published_whatever_it_requires():
    """'rolled out its package of chip controls on Monday, ...: memory now needs a licence' is the package published,
    not a licence requirement imposed on a firm."""
    assert _kinds_dates(
        "The Bureau of Industry and Security rolled out its third annual package of chip controls on Monday, and this "
        "time memory is in scope: stacks above a set density now need a licence for China, a change expected to weigh "
        "on Samsung Electronics.",
        date(2024, 12, 4),
    ) == {("rule_published", date(2024, 12, 2), "day")}


def test_a_rule_released_the_day_of_curated_listings_is_not_those_listings(registry_kb, curated_dir):
    """A report telling the foundry rule released on January 15 in one sentence and that day's Entity List additions
    in another: the rule is an act of its own, not evidence of the curated Sophgo listing of that day."""
    _curated(curated_dir, "2025-01-15-entity-list-sophgo")
    [doc] = _ingest(
        registry_kb,
        [
            _item(
                "foundry",
                "The Bureau of Industry and Security released on January 15, 2025 an interim final rule that puts new "
                "due diligence duties on foundries such as TSMC. On the same day, BIS also added Zhipu AI and Sophgo "
                "to the Entity List.",
                date(2025, 1, 17),
            )
        ],
    )
    found = {(e.kind, e.date.isoformat(), e.origin) for e in _events_of(registry_kb, doc)}
    assert found == {
        ("rule_published", "2025-01-15", "extracted"),
        ("entity_listed", "2025-01-15", "curated"),
    }


def test_one_release_told_twice_in_one_report_is_one_event(registry_kb, curated_dir):
    """'a day after Washington rolled out its package ... The U.S. package, unveiled on Monday by BIS': the same
    release of December 2, told twice in other words and by two names of its maker, is one event."""
    _curated(curated_dir, "2024-12-02-dec-2024-semiconductor-rules-released")
    [doc] = _ingest(
        registry_kb,
        [
            _item(
                "twice",
                "China on Tuesday barred shipments of gallium to the United States, hitting back a day after "
                "Washington rolled out its third broad package of semiconductor curbs. The U.S. package, unveiled on "
                "Monday by the Commerce Department's Bureau of Industry and Security, tightens sales of memory.",
                date(2024, 12, 4),
            )
        ],
    )
    published = [e for e in _events_of(registry_kb, doc) if e.kind == "rule_published"]
    assert [(e.date.isoformat(), e.origin) for e in published] == [("2024-12-02", "curated")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The export controls on tungsten and indium were announced in February 2025 and applied at once.",
            ("rule_published", "2025-02"),
        ),
        (
            "That changed in May 2020, when Commerce rewrote it to cover chips designed abroad.",
            ("rule_published", "2020-05"),
        ),
        ("The trade ministry put a draft out for comment in March 2023.", ("rule_published", "2023-03")),
    ],
)
def test_a_rule_told_by_its_month_in_the_passive_rewritten_or_drafted(text, expected):
    assert expected in _kinds_and_labels(text, date(2025, 6, 10))


def test_a_companion_action_the_same_day_is_of_the_rule_s_release():
    """'In a companion action the same day' after phased dates is the day the rule was released, not the latest
    phase told before it."""
    found = _kinds_and_labels(
        "On Friday, October 7, the Bureau of Industry and Security released a lengthy interim final rule. "
        "Its provisions phase in: most applied from October 7 and the rest from October 12. "
        "In a companion action the same day, BIS put 31 Chinese organisations on the Unverified List.",
        date(2022, 10, 14),
    )
    assert {label for kind, label in found if kind == "entity_listed"} == {"2022-10-07"}


def test_chinese_tariffs_from_a_day_and_a_measure_in_force_from_its_publication():
    """'宣布，自4月10日起……加征34%关税': tariffs fit no kind, and the day they start is no telling; a notice that
    '自发布之日起施行' (applies from the day it is published) is published on the day told before it."""
    assert (
        _kinds_and_labels(
            "国务院关税税则委员会宣布，自4月10日起对原产于美国的所有进口商品加征34%关税。", date(2025, 4, 5)
        )
        == set()
    )
    found = _kinds_and_labels(
        "中方4日出台反制措施。商务部、海关总署发布公告，对7类中重稀土相关物项实施出口管制，公告自发布之日起施行。",
        date(2025, 4, 5),
    )
    assert {("rule_published", "2025-04-04"), ("rule_effective", "2025-04-04")} <= found


def test_a_government_saying_a_permit_is_now_required_publishes_that_rule():
    assert ("rule_published", "2025-07-14") in _kinds_and_labels(
        "Malaysia's trade ministry said on Monday that exporting high-end AI chips of US origin now requires a permit.",
        date(2025, 7, 15),
    )


def test_no_telling_in_a_denial_nor_on_the_day_of_a_clause_about_the_speaker():
    """'the meeting has not been confirmed' tells nothing; 'Qualcomm, which closed the deal in June, said ...' is not a
    statement of June; 'had been warned in emails sent late last month' still is a telling of that month."""
    assert (
        _kinds_and_labels(
            "The president is due to meet his counterpart later this month, though the meeting has not been confirmed.",
            date(2025, 10, 10),
        )
        == set()
    )
    assert (
        _kinds_and_labels(
            "Qualcomm, which closed the Autotalks deal in June, said it was cooperating with the regulator.",
            date(2025, 10, 10),
        )
        == set()
    )
    assert ("statement", "2024-06") in _kinds_and_labels(
        "OpenAI's block took effect on Tuesday. Developers had been warned by OpenAI in emails sent late last month.",
        date(2024, 7, 10),
    )


def test_a_government_announcing_a_regulatory_act_of_its_own_publishes_it():
    assert _kinds_and_labels(
        "On Friday, August 29, the Bureau of Industry and Security announced that it will remove three fabs in China "
        "from the Validated End-User program.",
        date(2025, 9, 3),
    ) == {("rule_published", "2025-08-29")}


def test_an_act_in_the_same_action_is_of_the_rule_s_release():
    found = _kinds_and_labels(
        "BIS on January 15 released the foundry due diligence rule. It appears in the Federal Register on January 16. "
        "In the same action BIS is adding Sophgo and other entities to the Entity List.",
        date(2025, 1, 15),
    )
    assert ("entity_listed", "2025-01-15") in found and ("entity_listed", "2025-01-16") not in found


def test_a_day_that_names_an_order_is_neither_the_revocation_s_nor_an_anchor():
    """'revoked Executive Order 14110, the Biden administration's October 30, 2023 order' is an order of January 20;
    'three days later' counts from January 20, not from the day in the order's name. That day is the named order's
    own signing (as blind annotators of three halves record it), of no other act."""
    found = _kinds_and_labels(
        "Within hours of his inauguration on Monday, January 20, President Trump revoked Executive Order 14110, the "
        "Biden administration's October 30, 2023 order on AI. Three days later he signed Executive Order 14179.",
        date(2025, 1, 27),
    )
    assert ("executive_order", "2025-01-20") in found
    assert [kind for kind, label in found if label == "2023-10-30"] == ["executive_order"]
    assert ("executive_order", "2025-01-23") in found


def test_controls_imposed_from_a_chinese_start_day_take_effect_that_day():
    assert _kinds_and_labels(
        "商务部、海关总署7月3日联合发布公告，宣布自2023年8月1日起对镓、锗相关物项实施出口管制。", date(2023, 7, 4)
    ) == {("rule_published", "2023-07-03"), ("rule_effective", "2023-08-01")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The end-use controls applied on October 7, the rest from October 21.", ("rule_effective", "2022-10-07")),
        ("Comments may be submitted until December 12, 2022.", ("comment_deadline", "2022-12-12")),
        (
            "The rules take effect on November 17, with comments accepted until January 17.",
            ("comment_deadline", "2023-01-17"),
        ),
    ],
)
def test_a_part_applying_on_a_day_and_comments_taken_until_one(text, expected):
    assert expected in _kinds_and_labels(text, date(2022, 10, 11))


def test_announcing_a_rule_will_not_be_enforced_rescinds_it():
    assert _kinds_and_labels(
        "On Tuesday, May 13, the Bureau of Industry and Security announced that it will not enforce the Framework for "
        "Artificial Intelligence Diffusion and will publish a formal rescission in the Federal Register.",
        date(2025, 5, 15),
    ) == {("rule_rescinded", "2025-05-13")}


def test_letters_sent_telling_suppliers_they_need_licences_impose_the_requirement():
    assert ("license_required", "2020-09") in _kinds_and_labels(
        "The action goes further than the measures of September, when the Commerce Department sent letters telling "
        "SMIC's suppliers they would need licences to ship to the company.",
        date(2020, 12, 18),
    )


def test_a_rule_released_named_by_its_verb_and_a_printing_a_day_after_a_curated_release(registry_kb, curated_dir):
    """'complements the Framework for AI Diffusion released on Monday' is the framework's release, not the foundry
    rule's; 'will be published in the Federal Register tomorrow' is the printing of the 16th, not the curated release
    of the 15th."""
    _curated(
        curated_dir, "2025-01-15-foundry-due-diligence-rule-released", "2025-01-13-ai-diffusion-framework-released"
    )
    [doc] = _ingest(
        registry_kb,
        [
            _item(
                "foundry-release",
                "Today the Bureau of Industry and Security issued the foundry due diligence rule. The foundry due "
                "diligence rule complements the Framework for Artificial Intelligence Diffusion released on Monday. "
                "The rule will be published in the Federal Register tomorrow.",
                date(2025, 1, 15),
            )
        ],
    )
    days = {e.date.isoformat() for e in _events_of(registry_kb, doc) if e.kind == "rule_published"}
    assert {"2025-01-13", "2025-01-16"} <= days


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        (
            "Starting July 9, 2024, requests to the OpenAI API from countries and territories that are not on our "
            "supported list will be refused.",
            date(2024, 6, 25),
            ("service_restricted", "2024-07-09"),
        ),
        (
            "The regulator said it had ordered DeepSeek on Thursday to stop processing the data of Italian users.",
            date(2025, 1, 31),
            ("service_restricted", "2025-01-30"),
        ),
        (
            "Today we began emailing organisations whose traffic comes from such places.",
            date(2024, 6, 25),
            ("statement", "2024-06-25"),
        ),
    ],
)
def test_requests_refused_an_order_to_stop_serving_and_emails_sent(text, published, expected):
    assert expected in _kinds_and_labels(text, published)


def test_what_is_about_to_happen_has_no_day_and_the_same_day_after_a_counted_one():
    """'developers who are about to lose access' this week lose nothing this week; 'the same day' after 'a day after
    X' is X's day, not the day the sentence counts from."""
    assert (
        _kinds_and_labels(
            "Chinese AI companies moved quickly this week to win over developers who are about to lose access to the API.",
            date(2024, 6, 27),
        )
        == set()
    )
    found = find_dates(
        "That came a day after Baidu said it would give away tokens, and after Alibaba Cloud cut prices the same day.",
        Reference(date(2024, 6, 27), "published"),
        Context(last=date(2024, 6, 26), told=date(2024, 6, 26)),
    )
    assert {f.value for f in found} == {date(2024, 6, 25)}


def test_beijing_s_pause_in_a_report_about_a_us_rule_is_its_own_and_the_50_percent_rule_suspended():
    """In a report about the affiliates rule, 'BIS suspended the 50% rule for a year on November 10' is that rule
    delayed, and 'Beijing made a matching gesture early in November, pausing its rare-earth measures' is China's own
    act of that month: neither the US rule's, nor dropped for the finer US date."""
    found = extract_events(
        "The affiliates rule was issued on September 29. After Donald Trump and Xi Jinping met at the end of October, "
        "BIS suspended the 50% rule for a year on November 10. Beijing made a matching gesture early in November, "
        "pausing for a year the rare-earth measures it had announced on October 9.",
        date(2025, 11, 20),
        linker=current_linker(),
    )
    delayed = {(c.date.isoformat(), c.precision, c.jurisdiction) for c in found if c.kind == "rule_delayed"}
    assert delayed == {("2025-11-10", "day", "US"), ("2025-11-01", "month", "CN")}


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia told investors on Tuesday that it will book about $5.5 billion in charges for H20 inventory.",
        "On Tuesday the company disclosed that it had been informed on April 9 that the H20 now requires a licence.",
    ],
)
def test_a_company_relaying_a_requirement_or_its_charges_makes_no_statement(text):
    """The filing is the requirement's evidence (the corpus's rule 7), not a statement of the company's own."""
    assert not any(kind == "statement" for kind, _ in _kinds_and_labels(text, date(2025, 4, 16)))


def test_a_company_telling_what_it_was_assured_still_speaks():
    found = _kinds_and_labels(
        "Washington had required licences for the chip in April, and Nvidia said in mid-July it had been assured those "
        "licences would be granted.",
        date(2025, 8, 12),
    )
    assert any(kind in ("statement", "license_required") and label == "2025-07" for kind, label in found)


@pytest.mark.parametrize(
    "text",
    [
        "U.S. officials called the move an escalation, and the president said on Friday he would raise tariffs on "
        "Chinese goods in response.",
        "Today's actions follow consultations with the Department of State, whose Secretary has said the country "
        "will act against the company.",
    ],
)
def test_a_telling_of_tariffs_or_a_stance_held_is_no_event(text):
    assert not any(kind == "statement" for kind, _ in _kinds_and_labels(text, date(2025, 10, 10)))


def test_a_president_revoking_an_order_signs_one_and_the_revoked_order_s_lifecycle_is_rescinded(
    registry_kb, curated_dir
):
    """'Trump revoked Executive Order 14110' tells the order he signed that day (EO 14148, an executive_order); the
    curated rescission keeps EO 14110's lifecycle rescinded, and the report is evidence of the order signed."""
    _curated(curated_dir, "2025-01-20-eo-14110-revoked", "2025-01-20-eo-14148-signed")
    [doc] = _ingest(
        registry_kb,
        [_item("eo", "On Monday, January 20, President Trump revoked Executive Order 14110.", date(2025, 1, 22))],
    )
    assert [(e.kind, e.date.isoformat(), e.origin) for e in _events_of(registry_kb, doc)] == [
        ("executive_order", "2025-01-20", "curated")
    ]
    with registry_kb.session() as session:
        card = rule_card(session, "eo-14110", date(2025, 6, 1))
    assert card is not None and (card.status, card.since) == ("rescinded", date(2025, 1, 20))


@pytest.mark.parametrize(
    "text",
    [
        "OpenAI told developers on Tuesday that it will block API traffic from July 9.",
        "On Tuesday OpenAI told developers that, starting July 9, it will block API traffic from regions it does not "
        "support.",
        "OpenAI will start blocking API traffic from July 9, the company told developers in emails on Tuesday, a step "
        "that threatens to cut off users in China.",
    ],
)
def test_a_provider_telling_its_own_block_to_come_announces_it_on_the_day_it_tells(text):
    """The corpus's rule 8: the telling is a statement of its day, the block a restriction from its start."""
    assert _kinds_and_labels(text, date(2024, 6, 26)) == {
        ("statement", "2024-06-25"),
        ("service_restricted", "2024-07-09"),
    }


def test_acts_told_separately_after_the_story_s_day_are_of_that_day():
    """'China struck back on Friday ... The ministry also put 11 companies on its list. Separately, the regulator
    opened an antitrust investigation': each undated act added to the story's day is of that day."""
    found = _kinds_and_labels(
        "China struck back at Washington on Friday with a broad set of measures. The ministry also put 11 American "
        "companies on its Unreliable Entity List. Separately, the State Administration for Market Regulation opened "
        "an antitrust investigation into DuPont China.",
        date(2025, 4, 5),
    )
    assert ("investigation", "2025-04-04") in found


def test_controls_requiring_approval_and_parts_that_apply_at_once():
    """'tightened its grip on rare earths on Thursday, requiring foreign companies to obtain Chinese approval': a
    rule published that day; 'controls on refining technologies apply at once' are in force that day; 'has been told
    the requirement applies at once', with no day told, has none."""
    found = _kinds_and_labels(
        "China sharply tightened its grip on rare earths on Thursday, requiring foreign companies to obtain Chinese "
        "approval before exporting products that contain them. The ministry said other provisions will take effect on "
        "Dec. 1, while controls on refining technologies apply at once.",
        date(2025, 10, 10),
    )
    assert {
        ("rule_published", "2025-10-09"),
        ("rule_effective", "2025-10-09"),
        ("rule_effective", "2025-12-01"),
    } <= found
    assert (
        _kinds_and_labels("The company has already been told the requirement applies at once.", date(2023, 11, 6))
        == set()
    )


def test_guidance_published_in_parallel_is_of_the_day_told_not_of_a_rule_s_name():
    """'On May 13, 2025, BIS announced that it would rescind the January 13, 2025 AI Diffusion rule. In parallel, BIS
    published guidance ...': the guidance is of May 13; the day in the rule's name is no day the story is at."""
    found = _kinds_and_labels(
        "On May 13, 2025, BIS announced that it would rescind the January 13, 2025 AI Diffusion rule. In parallel, "
        "BIS published guidance that (1) states that using Huawei Ascend chips may violate the EAR.",
        date(2025, 5, 16),
    )
    assert ("guidance_issued", "2025-05-13") in found and ("guidance_issued", "2025-01-13") not in found
