"""The themes a province digest sorts articles into: a fixed, named list with a lexicon (data/themes.toml)."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .text import fold_diacritics

THEMES_FILE = Path(__file__).parent / "data" / "themes.toml"


@dataclass(frozen=True)
class Theme:
    key: str  # short ASCII, for button data
    name: str
    pattern: re.Pattern  # any of its phrases, at word boundaries, on lower-cased NFC text


@dataclass(frozen=True)
class ThemeLexicon:
    themes: tuple[Theme, ...]
    title_weight: int
    min_score: int

    def classify(self, title: str, text: str) -> Theme | None:
        """The article's theme: most phrase hits (a title hit counts title_weight times), if enough."""
        title, text = _lowered(title), _lowered(text)
        best, best_score = None, 0
        for theme in self.themes:
            score = self.title_weight * len(theme.pattern.findall(title)) + len(theme.pattern.findall(text))
            if score > best_score:
                best, best_score = theme, score
        return best if best_score >= self.min_score else None

    def by_key(self, key: str) -> Theme | None:
        return next((t for t in self.themes if t.key == key), None)

    def find(self, words: str) -> tuple[Theme | None, str]:
        """The theme a user's words name ('an ninh', 'tai nan giao thong', 'y te'), accents optional, and the
        words left over (a keyword filter). The longest theme name, or its leading words, found in them wins."""
        folded = " ".join(re.findall(r"\w+", fold_diacritics(words).lower()))
        best: tuple[int, Theme, str] | None = None
        for theme in self.themes:
            name_words = re.findall(r"\w+", fold_diacritics(theme.name.split(",")[0]).lower())
            for size in range(len(name_words), 1 if len(name_words) > 1 else 0, -1):
                phrase = " ".join(name_words[:size])
                match = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", folded)
                if match and (best is None or size > best[0]):
                    rest = (folded[:match.start()] + " " + folded[match.end():]).split()
                    best = (size, theme, " ".join(rest))
                    break
            if folded == theme.key:
                best = (99, theme, "")
        if best is None:
            return None, " ".join(words.split())
        return best[1], best[2]


def _lowered(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


@lru_cache(maxsize=1)
def default_themes() -> ThemeLexicon:
    data = tomllib.loads(THEMES_FILE.read_text(encoding="utf-8"))
    themes = []
    for entry in data["theme"]:
        phrases = sorted({_lowered(p) for p in entry["phrases"]}, key=len, reverse=True)
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases) + r")(?!\w)")
        themes.append(Theme(entry["key"], entry["name"], pattern))
    return ThemeLexicon(tuple(themes), int(data["title_weight"]), int(data["min_score"]))
