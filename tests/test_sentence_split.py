"""Sentences split as the plain reading does: an abbreviation's full stop is found by looking at
the last word of the sentence so far (kb.events.extract.split_sentences), which must give the same
sentences as searching the whole of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bench.corpus import Generator
from kb.events import extract

DATA = Path(__file__).parent / "data"


def plain_split(text: str) -> list[str]:
    sentences, start = [], 0
    for m in extract._BOUNDARY.finditer(text):
        head = text[start : m.start()].rstrip()
        last = re.search(r"([\w.]+)\.$", head)
        if last and last.group(1).lower() in extract._ABBREVIATIONS and m.group(0) != "\n":
            continue
        if head.strip():
            sentences.append(head.strip())
        start = m.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


@pytest.mark.parametrize(
    "text",
    [
        "The U.S. Commerce Dept. said so. Beijing replied on Monday.",
        "Shipments fell (U.S. data showed). Prices rose.",
        "See Fig. 3 and Sec. 4. Then No. 5 follows.",
        "It ended.\nA new line starts. Another\tone ends.   ",
        "Acme Inc. Acme said.",
        "...  . Oddities. e.g. This one. i.e. That one.",
        "商务部发布公告。自8月1日起实施！海关总署配合；The U.S. rule. 2024 was busy.",
        "“Quoted.” (Bracketed.) [Square.] Done",
        "",
        "   ",
        "word.",
        "a_b. c.d. E",
    ],
)
def test_abbreviations_and_boundaries_as_before(text):
    assert extract.split_sentences(text) == plain_split(text)


def test_the_corpora_split_as_before():
    texts = [d.body for d in Generator().documents(200, 200_000)]
    for path in [DATA / "events_gold.yaml", *sorted((DATA / "events_unseen").glob("dev*.yaml"))]:
        texts += [report["text"] for report in yaml.safe_load(path.read_text(encoding="utf-8"))]
    assert len(texts) > 600
    assert [extract.split_sentences(t) for t in texts] == [plain_split(t) for t in texts]
