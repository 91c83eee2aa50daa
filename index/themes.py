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
        """The theme a user's words name ('an ninh', 'tai nan giao thong', 'y te', or its key 'antt'), accents
        optional, and the words left over as typed (a keyword filter). The longest match wins; a theme is
        named by its whole name before the comma, or by its first words when that name is longer."""
        typed = re.findall(r"\w+", unicodedata.normalize("NFC", words))
        folded = [fold_diacritics(w).lower() for w in typed]
        best: tuple[int, Theme, int, int] | None = None  # (words matched, theme, start, end)
        for theme in self.themes:
            name = [fold_diacritics(w).lower() for w in re.findall(r"\w+", theme.name.split(",")[0])]
            shortest = 2 if len(name) > 1 else 1  # "an" alone names nothing
            for size in range(len(name), shortest - 1, -1):
                start = _find_run(folded, name[:size])
                if start is not None:
                    if best is None or size > best[0]:
                        best = (size, theme, start, start + size)
                    break
            start = _find_run(folded, [theme.key])
            if start is not None and (best is None or best[0] < 1):
                best = (1, theme, start, start + 1)
        if best is None:
            return None, " ".join(typed)
        _, theme, start, end = best
        return theme, " ".join(typed[:start] + typed[end:])


def _find_run(words: list[str], run: list[str]) -> int | None:
    """Where `run` starts as consecutive words of `words`, if it does."""
    for start in range(len(words) - len(run) + 1):
        if words[start:start + len(run)] == run:
            return start
    return None


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
