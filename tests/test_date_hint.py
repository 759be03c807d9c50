"""The quick screen in front of the date expressions answers as the expressions do.

`has_date_hint` decides whether a sentence is read for dates or only carried, so a screen that
let a sentence with a date form slip would change the events. The expressions themselves are the
oracle here, on every sentence of the project's corpora and on sentences built to hold each form.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
import yaml

from kb.events import dates
from kb.events.extract import split_sentences

DATA = Path(__file__).parent / "data"


def oracle(sentence: str) -> bool:
    return bool(
        dates._HINT.search(sentence)
        or dates._WEEKDAY.search(sentence)
        or dates._RELATIVE.search(sentence)
        or dates._YEARS_AGO.search(sentence)
        or dates._AFTER_PUBLICATION.search(sentence)
    )


def corpus_sentences() -> list[str]:
    """Sentences of the regression gold set and the development halves (not the test half)."""
    paths = [DATA / "events_gold.yaml", *sorted((DATA / "events_unseen").glob("dev*.yaml"))]
    out: list[str] = []
    for path in paths:
        for report in yaml.safe_load(path.read_text(encoding="utf-8")):
            out += split_sentences(report["text"])
    return out


def test_screen_agrees_with_the_expressions_on_the_corpora():
    sentences = corpus_sentences()
    assert len(sentences) > 2000
    disagree = [s for s in sentences if dates.has_date_hint(s) != oracle(s)]
    assert disagree == []
    # the corpora hold both kinds, and plenty of ASCII sentences that the screen turns away
    assert sum(map(oracle, sentences)) > 500
    assert sum(1 for s in sentences if s.isascii() and not dates._may_hint(s)) > 200


# Every form the three expressions know, in the case they are written and in others.
FORMS = [
    "January", "Jan.", "Feb", "March", "Mar", "April", "May", "June", "Jul", "August", "Sept", "Sep",
    "October", "Nov.", "December", "2024", "1999", "7月", "9 日", "immediately", "Immediate", "LATER", "after",
    "the same", "alongside", "companion", "separate", "second notice", "issuance", "next day", "following day",
    "Before", "previous day", "preceding day", "days earlier", "a week earlier", "weeks earlier", "on release",
    "when it was issued", "when they were released", "on the day it was", "upon publication", "upon release",
    "with effect from the date", "with effect from the day", "Monday", "TUESDAY", "next wednesday",
    "a week ago Friday", "saturday", "Sunday", "Thursday", "yesterday", "Today", "tomorrow", "earlier this week",
    "later this month", "last year", "next Month", "the previous month", "following year", "this spring",
    "this summer", "this autumn", "this fall", "This Winter",
]  # fmt: skip
PLAIN = ["the", "rule", "export", "controls", "ministry", "said", "chips", "in", "on", "of", "a", "new", "licence"]


@pytest.mark.parametrize("form", FORMS)
def test_each_form_passes_the_screen(form):
    sentence = f"The ministry said {form} that the controls stand."
    assert oracle(sentence), form  # the list holds only forms the expressions know
    assert dates.has_date_hint(sentence)


def test_screen_agrees_on_built_sentences():
    rng = random.Random(20241202)
    words = PLAIN + FORMS + [f.upper() for f in FORMS] + [f.lower() for f in FORMS] + ["Mayor", "dayton", "2", "x9"]
    built = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 8))) for _ in range(5000)]
    built += [" ".join(pair) for pair in itertools.product(PLAIN[:4], PLAIN[4:8])]
    disagree = [s for s in built if dates.has_date_hint(s) != oracle(s)]
    assert disagree == []
    assert any(not oracle(s) for s in built) and any(oracle(s) for s in built)


def test_sentences_outside_ascii_always_take_the_expressions():
    # case-insensitive matching knows more than str.lower(): a dotless "ı" matches "i"
    sentence = "The ministry acted ımmediately."
    assert oracle(sentence) == dates.has_date_hint(sentence)
    assert dates.has_date_hint("商务部7月3日发布公告")
    assert not dates.has_date_hint("商务部发布公告")
