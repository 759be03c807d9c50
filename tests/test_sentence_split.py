"""The word before a sentence's full stop (kb.events.extract._word_before_stop), which decides
whether an abbreviation ("U.S.", "No.") ends a sentence, is looked for after the text's last
space only: it must be the word a search of the whole text finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bench.corpus import Generator
from kb.events import extract

DATA = Path(__file__).parent / "data"


def searched_whole(text: str) -> str | None:
    found = re.search(r"([\w.]+)\.$", text)
    return found.group(1) if found else None


EDGES = [
    "The U.S.", "(U.S.", "said the Commerce Dept.", "Acme Inc.", "Fig. 3 and Sec.", "a_b.", "c.d.", "word.",
    "...", ". .", "“Quoted.”", "tab\tended.", "line\nended.", "商务部发布公告。", "2024.", "", "   ", "no stop",
    "non\u00a0breaking space.", "ends with dots..", "e.g.",
]  # fmt: skip


@pytest.mark.parametrize("text", EDGES)
def test_the_word_before_the_stop_as_a_whole_search_finds_it(text):
    assert extract._word_before_stop(text) == searched_whole(text)


def test_every_sentence_head_of_the_corpora():
    """Each text up to each boundary the splitter meets (what it asks about), in the benchmark's reports
    and the gold corpora."""
    texts = [d.body for d in Generator().documents(200, 200_000)]
    for path in [DATA / "events_gold.yaml", *sorted((DATA / "events_unseen").glob("dev*.yaml"))]:
        texts += [report["text"] for report in yaml.safe_load(path.read_text(encoding="utf-8"))]
    heads = [text[: m.start()].rstrip() for text in texts for m in extract._BOUNDARY.finditer(text)]
    assert len(heads) > 5_000
    assert [extract._word_before_stop(h) for h in heads] == [searched_whole(h) for h in heads]
    assert sum(1 for h in heads if searched_whole(h) is not None) > 2_000


def test_abbreviations_do_not_end_a_sentence():
    assert extract.split_sentences("The U.S. Commerce Dept. said so. Beijing replied.") == [
        "The U.S. Commerce Dept. said so.",
        "Beijing replied.",
    ]
