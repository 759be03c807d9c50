"""Find registry names in text, in one pass of an Aho-Corasick automaton.

Rules: whole words only (Chinese names match anywhere, having no word
breaks); short all-capital acronyms match case-sensitively; an alias listed
as ambiguous links only when one of its context words occurs within
CONTEXT_CHARS of it; overlapping matches keep the longest.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick

from kb.registry import ContextRule, Registry, fingerprint, is_acronym, load_registry, registry_dir

CONTEXT_CHARS = 250
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Pattern:
    slug: str
    alias: str
    case_sensitive: bool
    cjk: bool
    context: re.Pattern | None  # set for ambiguous aliases


@dataclass(frozen=True)
class Match:
    slug: str
    alias: str
    start: int
    end: int


def _lower(text: str) -> str:
    """Lower-case without changing the length, so offsets stay valid."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)  # e.g. "İ" grows


def _context_regex(rule: ContextRule) -> re.Pattern:
    words = sorted(rule.context, key=len, reverse=True)
    latin = "|".join(re.escape(w) for w in words if not _CJK.search(w))
    parts = [rf"(?<!\w)(?:{latin})(?!\w)"] if latin else []
    parts += [re.escape(w) for w in words if _CJK.search(w)]
    return re.compile("|".join(parts), re.IGNORECASE)


class Linker:
    def __init__(self, registry: Registry):
        self.registry = registry
        self.automaton = ahocorasick.Automaton()
        table: dict[str, list[Pattern]] = {}
        for spec in registry.entities.values():
            slug = registry.resolve(spec.slug)  # a merged entity's names lead to the survivor
            for alias in spec.names():
                rule = spec.rule_for(alias)
                pattern = Pattern(
                    slug, alias, is_acronym(alias), bool(_CJK.search(alias)), _context_regex(rule) if rule else None
                )
                table.setdefault(_lower(alias), []).append(pattern)
        for key, patterns in table.items():
            self.automaton.add_word(key, tuple(patterns))
        self.automaton.make_automaton()

    def find(self, text: str) -> list[Match]:
        """Every accepted mention in `text`, longest first where they overlap."""
        if not text:
            return []
        candidates = []
        for end_index, patterns in self.automaton.iter(_lower(text)):
            end = end_index + 1
            for p in patterns:
                start = end - len(p.alias)
                accepted = self._accepts(p, text, start, end)
                if accepted is not None:
                    # a name that fits but lacks its context words still covers its words: "Ministry of
                    # Commerce" without a Chinese marker is no mention, and its "Commerce" is not the US one
                    candidates.append(Match(p.slug if accepted else "", p.alias, start, end))
        return [m for m in _longest(candidates) if m.slug]

    def link(self, text: str) -> Counter:
        """Mention counts per entity slug."""
        return Counter(m.slug for m in self.find(text))

    @staticmethod
    def _accepts(p: Pattern, text: str, start: int, end: int) -> bool | None:
        """True: a mention; False: the name, but without the context words it needs; None: not the name."""
        if p.case_sensitive and text[start:end] != p.alias:
            return None
        if not p.cjk and not _is_word_edge(text, start, end):
            return None
        if p.context is not None:
            window = text[max(0, start - CONTEXT_CHARS) : start] + " " + text[end : end + CONTEXT_CHARS]
            return p.context.search(window) is not None
        return True


def _is_word_edge(text: str, start: int, end: int) -> bool:
    """No letter or digit right before or after; CJK characters count as breaks."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not _is_word_char(before) and not _is_word_char(after)


def _is_word_char(c: str) -> bool:
    return (c.isalnum() or c == "_") and not _CJK.match(c)


def _longest(candidates: list[Match]) -> list[Match]:
    chosen: list[Match] = []
    taken_until = -1
    for m in sorted(candidates, key=lambda m: (m.start, -(m.end - m.start))):
        if m.start >= taken_until:
            chosen.append(m)
            taken_until = m.end
        elif chosen and (m.start, m.end) == (chosen[-1].start, chosen[-1].end) and m.slug != chosen[-1].slug:
            chosen.append(m)  # one ambiguous name that two entities accept
    return chosen


@lru_cache(maxsize=4)
def _linker_for(directory: str, fingerprint: str) -> Linker:
    return Linker(load_registry(Path(directory)))


def current_linker(directory: Path | None = None) -> Linker:
    """The linker for the registry as it is on disk now (rebuilt when a file changes)."""
    directory = directory or registry_dir()
    return _linker_for(str(directory), fingerprint(directory))
