"""Near-duplicate articles: the same story from two outlets, or the same file added twice.

Each article gets a bottom-k sketch of its four-word shingles (diacritics folded); two articles whose
estimated Jaccard similarity reaches the threshold are the same story. Candidates are found through
the sketches' shared values, so checking one article costs the same with 10 or 10,000 indexed.
"""
from __future__ import annotations

import json
import os
import zlib
from collections import Counter, defaultdict
from pathlib import Path

from .text import folded_words

SKETCH_SIZE = 64
SHINGLE_WORDS = 4
MIN_SHINGLES = 30  # shorter articles are not compared: too little text to call two of them the same
SAME_STORY = 0.75
_MIN_SHARED = 16  # sketch values two articles must share before their similarity is computed


def sketch(text: str) -> list[int] | None:
    """The article's bottom-k shingle hashes, then (after a 0 separator) the hashes of its numbers.

    Numbers are kept whole because two reports of one event that disagree on a figure are two sources
    to keep, not one story to merge.
    """
    words = folded_words(text)
    shingles = {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}
    if len(shingles) < MIN_SHINGLES:
        return None
    numbers = sorted({zlib.crc32(w.encode()) | 1 for w in words if w.isdigit()})
    return sorted({zlib.crc32(s.encode()) or 1 for s in shingles})[:SKETCH_SIZE] + [0] + numbers


def _split(values: list[int]) -> tuple[list[int], set[int]]:
    if 0 in values:
        cut = values.index(0)
        return values[:cut], set(values[cut + 1:])
    return values, set()


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of the two shingle sets; 0 when their figures disagree
    (one article's numbers must all appear in the other: an outlet may drop a paragraph, not change one)."""
    (a, a_numbers), (b, b_numbers) = _split(a), _split(b)
    if not (a_numbers <= b_numbers or b_numbers <= a_numbers):
        return 0.0
    union = sorted(set(a) | set(b))[:SKETCH_SIZE]
    both = set(a) & set(b)
    return sum(value in both for value in union) / len(union)


class SketchIndex:
    """article_id -> sketch of every indexed article, persisted beside the manifest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sketches: dict[str, list[int]] = {}
        if path.exists():
            try:
                self.sketches = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, OSError):
                self.sketches = {}  # advisory data: losing it only misses duplicates until reindex
        self._postings: dict[int, set[str]] = defaultdict(set)
        for article_id, values in self.sketches.items():
            for value in _split(values)[0]:
                self._postings[value].add(article_id)

    def same_story(self, values: list[int], exclude_doc: str) -> str | None:
        """The indexed article (of another file) that tells this story, if any."""
        shared = Counter(a for value in _split(values)[0] for a in self._postings.get(value, ()))
        best, best_score = None, SAME_STORY
        for article_id, count in shared.most_common(20):
            if count < _MIN_SHARED or article_id.split("#")[0] == exclude_doc:
                continue
            score = similarity(values, self.sketches[article_id])
            if score >= best_score:
                best, best_score = article_id, score
        return best

    def add(self, article_id: str, values: list[int]) -> None:
        self.sketches[article_id] = values
        for value in _split(values)[0]:
            self._postings[value].add(article_id)

    def remove_document(self, doc_id: str) -> None:
        for article_id in [a for a in self.sketches if a.split("#")[0] == doc_id]:
            for value in _split(self.sketches.pop(article_id))[0]:
                self._postings[value].discard(article_id)

    def save(self) -> None:
        temporary = self.path.with_suffix(f".tmp{os.getpid()}")
        temporary.write_text(json.dumps(self.sketches, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, self.path)
