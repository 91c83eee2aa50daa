"""Domain abbreviations (ANTT, PCCC, UBND…) and their expansions, matched both ways."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from .text import fold_diacritics, folded_words

GLOSSARY_FILE = Path(__file__).parent / "data" / "glossary.tsv"
# Two-letter abbreviations such as "CA" or "DN" are also ordinary syllables once folded
# ("cá", "đến"), so they only count when written in capitals.
_MIN_CASELESS_LENGTH = 3
_ALNUM_ONLY = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class GlossaryEntry:
    abbreviation: str
    expansions: tuple[str, ...]
    # " an ninh trat tu " — padded, folded forms, precomputed because matching runs per sentence.
    folded_expansions: tuple[str, ...] = ()

    # Read for every entry on every passage at load: computed once (cached_property writes the instance's
    # __dict__ directly, so it works on a frozen dataclass).
    @cached_property
    def concept(self) -> str:
        """A token no real word can produce, shared by the abbreviation and its expansions."""
        return "§" + self.abbreviation_token

    @cached_property
    def abbreviation_token(self) -> str:
        return "".join(folded_words(self.abbreviation))

    @cached_property
    def upper_token(self) -> str:
        return self.abbreviation_token.upper()


@dataclass(frozen=True)
class Glossary:
    entries: tuple[GlossaryEntry, ...]

    def abbreviations_in(self, text: str) -> list[GlossaryEntry]:
        """Entries whose abbreviation (not expansion) is written in `text`."""
        return self._written(text, _padded(folded_words(text)))

    def _written(self, text: str, folded: str) -> list[GlossaryEntry]:
        # Only a word with a capital (or no letter at all) can be a written abbreviation: most are skipped.
        upper_tokens = {_ALNUM_ONLY.sub("", fold_diacritics(t)) for t in text.replace("-", "").split() if not t.islower()}
        return [e for e in self.entries
                if e.upper_token in upper_tokens
                or (len(e.abbreviation_token) >= _MIN_CASELESS_LENGTH and f" {e.abbreviation_token} " in folded)]

    def concepts(self, text: str) -> list[str]:
        """Concept tokens for every abbreviation or expansion that occurs in `text`."""
        return self.concepts_and_expansion_words(text)[0]

    def concepts_and_expansion_words(self, text: str, syllables: list[str] | None = None) -> tuple[list[str], list[str]]:
        """Concept tokens, and the folded expansion words of written abbreviations ('PGĐ' -> 'pho giam doc').

        One scan of `text` for both, since keyword tokenization needs both for every passage; `syllables`:
        the text's folded_words when the caller has them.
        """
        folded = _padded(folded_words(text) if syllables is None else syllables)
        written = self._written(text, folded)
        written_concepts = {e.concept for e in written}
        concepts = [e.concept for e in self.entries
                    if e.concept in written_concepts or any(x in folded for x in e.folded_expansions)]
        return concepts, [w for e in written for w in e.folded_expansions[0].split()]

    def expand(self, text: str) -> str:
        """Append the expansions of abbreviations found in `text` (for dense queries)."""
        found = set(self.concepts(text))
        folded = " " + " ".join(folded_words(text)) + " "
        extra = [e.expansions[0] for e in self.entries
                 if e.concept in found and e.folded_expansions[0] not in folded]
        return text if not extra else f"{text} ({'; '.join(extra)})"


def _padded(syllables: list[str]) -> str:
    return " " + " ".join(syllables) + " "


def parse_glossary(lines: list[str], source: str = "glossary") -> Glossary:
    entries = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ValueError(
                f"{source} line {number}: expected 'ABBREVIATION<TAB>expansion[|expansion]', got {line!r}"
            )
        expansions = tuple(e.strip() for e in parts[1].split("|") if e.strip())
        folded = tuple(f" {' '.join(folded_words(e))} " for e in expansions)
        entries.append(GlossaryEntry(parts[0].strip(), expansions, folded))
    return Glossary(tuple(entries))


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    return parse_glossary(GLOSSARY_FILE.read_text(encoding="utf-8").splitlines(), str(GLOSSARY_FILE))
