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

import numpy as np

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
    """article_id -> sketch of every indexed article, persisted beside the manifest.

    Sketches loaded from disk sit in one numpy matrix, searched in a single vectorised pass; those added
    during this run go to a small inverted index. Loading 10k sketches therefore costs a JSON parse, not
    the 640k set insertions a full inverted index would.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sketches: dict[str, list[int]] = {}
        if path.exists():
            try:
                self.sketches = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, OSError):
                self.sketches = {}  # advisory data: losing it only misses duplicates until reindex
        self._by_doc: dict[str, set[str]] = defaultdict(set)
        for article_id in self.sketches:
            self._by_doc[article_id.split("#")[0]].add(article_id)
        self._loaded_ids = list(self.sketches)
        rows = [(_split(v)[0] + [0] * SKETCH_SIZE)[:SKETCH_SIZE] for v in self.sketches.values()]
        self._loaded = np.array(rows, dtype=np.int64).reshape(len(rows), SKETCH_SIZE)
        self._postings: dict[int, set[str]] = defaultdict(set)  # sketches added during this run

    def same_story(self, values: list[int], exclude_doc: str) -> str | None:
        """The indexed article (of another file) that tells this story, if any."""
        shingles = _split(values)[0]
        shared: Counter = Counter()
        if len(self._loaded_ids):
            hits = np.isin(self._loaded, np.array(shingles, dtype=np.int64)).sum(axis=1)
            for row in np.nonzero(hits >= _MIN_SHARED)[0]:
                shared[self._loaded_ids[row]] = int(hits[row])
        for value in shingles:
            for article_id in self._postings.get(value, ()):
                shared[article_id] += 1
        best, best_score = None, SAME_STORY
        for article_id, count in shared.most_common(20):
            if count < _MIN_SHARED or article_id not in self.sketches or article_id.split("#")[0] == exclude_doc:
                continue
            score = similarity(values, self.sketches[article_id])
            if score >= best_score:
                best, best_score = article_id, score
        return best

    def add(self, article_id: str, values: list[int]) -> None:
        self.sketches[article_id] = values
        self._by_doc[article_id.split("#")[0]].add(article_id)
        for value in _split(values)[0]:
            self._postings[value].add(article_id)

    def remove_document(self, doc_id: str) -> None:
        # Rows of the loaded matrix stay; same_story skips ids no longer in self.sketches.
        for article_id in self._by_doc.pop(doc_id, set()):
            for value in _split(self.sketches.pop(article_id, []))[0]:
                self._postings.get(value, set()).discard(article_id)

    def save(self) -> None:
        temporary = self.path.with_suffix(f".tmp{os.getpid()}")
        temporary.write_text(json.dumps(self.sketches, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, self.path)
