"""Keyword search with bm25s over diacritic-folded syllables, syllable pairs and abbreviation concepts."""
from __future__ import annotations

from collections import Counter

import logging
import math

import bm25s
import numpy as np

from .glossary import Glossary
from .models import Passage
from .text import bigrams, folded_words

# bm25s logs every index build at DEBUG through its own handler.
logging.getLogger("bm25s").setLevel(logging.WARNING)


def keyword_tokens(text: str, glossary: Glossary) -> list[str]:
    """Folded syllables, adjacent pairs ('chau_hung') and concepts ('§pccc'): diacritics never matter."""
    syllables = folded_words(text)
    concepts, expansion_words = glossary.concepts_and_expansion_words(text, syllables)
    return syllables + bigrams(syllables) + concepts + expansion_words


# bm25s's defaults (method "lucene"): the layer above a snapshot is scored with the same formula.
K1, B = 1.5, 0.75


def lucene_idf(size: int, df):
    """Smoothed inverse document frequency (bm25s's "lucene" idf) of a count or an array of counts; unseen
    tokens weigh the most. The snapshot's saved index and the layer above it both score with it."""
    ratio = 1 + (size - df + 0.5) / (df + 0.5)
    return np.log(ratio) if isinstance(ratio, np.ndarray) else math.log(ratio)


def length_norm(lengths: np.ndarray, average_length: float) -> np.ndarray:
    """BM25's document-length normalisation, k1·(1 − b + b·length / average length), per row."""
    return K1 * ((1 - B) + B * lengths / max(average_length, 1e-9))


def top_scores(scores: np.ndarray, k: int, searchable: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The k best (row, score) with a positive score among `searchable` rows, best first; a partial sort."""
    if searchable is not None:
        scores = np.where(searchable, scores, 0.0)
    if k < len(scores):
        candidates = np.argpartition(-scores, k)[:k]
    else:
        candidates = np.arange(len(scores))
    top = candidates[np.argsort(-scores[candidates], kind="stable")]
    return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def context_text(p: Passage) -> str:
    """What keyword search indexes for a sentence: its neighbours (window), its article's title and date."""
    return f"{p.title} {p.date or ''}\n{p.window}"


class KeywordIndex:
    def __init__(self, documents: list[list[str]]) -> None:
        self._size = len(documents)
        self._document_frequency: Counter = Counter()
        for tokens in documents:
            self._document_frequency.update(set(tokens))
        self._bm25 = bm25s.BM25()
        if documents:
            self._bm25.index([tokens or ["∅"] for tokens in documents], show_progress=False)
        self._vocabulary = set(self._document_frequency)

    def idf(self, token: str) -> float:
        return lucene_idf(self._size, self._document_frequency.get(token, 0))

    def knows(self, token: str) -> bool:
        return token in self._vocabulary

    def search(self, query_tokens: list[str], k: int, searchable: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(document index, BM25 score), best first, only documents that share a token (and are `searchable`)."""
        known = [t for t in query_tokens if t in self._vocabulary]
        if not known or not self._size:
            return []
        return top_scores(self._bm25.get_scores(known), k, searchable)


def _token_frequencies(snapshot, rows: np.ndarray) -> np.ndarray:
    """How many of these snapshot rows hold each token id (indexed by id; ids past its end: none), in one pass
    over their tokens however many rows."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    ids, offsets = snapshot.token_ids_of_rows()
    starts, lengths = offsets[rows], offsets[rows + 1] - offsets[rows]
    positions = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths) + np.arange(lengths.sum())
    tokens = np.asarray(ids[positions], dtype=np.int64)
    owners = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    span = int(tokens.max(initial=0)) + 1
    keys = owners * span + tokens
    keys.sort()  # then each (row, token) once; np.unique took 5 s on 6 million keys, sorting 0.03 s
    distinct = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
    return np.bincount(distinct % span, minlength=span)


class LayeredKeywordIndex:
    """A snapshot's saved bm25s index, minus the rows of documents changed since (`hidden`), plus the passages
    committed since (`layer`, rows after the snapshot's). The layer is scored by the same BM25 formula with
    the snapshot's statistics, so its scores rank with the snapshot's: it is small, and N and the average
    length barely move until the indexer writes the next snapshot."""

    def __init__(self, snapshot, hidden: np.ndarray, layer: list[list[str]]) -> None:
        self._snapshot = snapshot
        self._hidden = hidden
        self._layer = [Counter(tokens) for tokens in layer]
        self._layer_lengths = np.array([len(tokens) for tokens in layer], dtype=np.float32)
        self._layer_frequency: Counter = Counter()
        self._postings: dict[str, list[int]] = {}
        for row, counts in enumerate(self._layer):
            self._layer_frequency.update(counts.keys())
            for token in counts:
                self._postings.setdefault(token, []).append(row)
        self._size = snapshot.size - int(hidden.sum()) + len(layer)
        # The saved frequencies still count the hidden rows: take them out. Left in, a corpus whose files all
        # changed since the snapshot (an upgrade re-reads every file) counted each token twice against the rows
        # that hold it, and the question's term weights went negative.
        self._hidden_frequency = _token_frequencies(snapshot, np.flatnonzero(hidden))
        self._known: dict[str, tuple[int, int] | None] = {}

    def _lookup(self, tokens: list[str]) -> None:
        unknown = [t for t in dict.fromkeys(tokens) if t not in self._known]
        if unknown:
            found = self._snapshot.vocabulary(unknown)
            for token in unknown:
                self._known[token] = found.get(token)

    def _frequency(self, token: str) -> int:
        self._lookup([token])
        saved = self._known[token]
        kept = 0
        if saved:
            token_id, frequency = saved
            hidden = self._hidden_frequency  # indexed by token id, as far as the hidden rows' largest
            kept = frequency - (int(hidden[token_id]) if token_id < len(hidden) else 0)
        return kept + self._layer_frequency.get(token, 0)

    def idf(self, token: str) -> float:
        return lucene_idf(self._size, self._frequency(token))

    def knows(self, token: str) -> bool:
        return self._frequency(token) > 0

    def search(self, query_tokens: list[str], k: int, searchable: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row, BM25 score), best first, only rows that share a token (and are `searchable`)."""
        self._lookup(query_tokens)
        ids = [self._known[t][0] for t in query_tokens if self._known.get(t)]
        base = np.where(self._hidden, 0.0, self._snapshot.scores(ids))
        layer = np.zeros(len(self._layer), dtype=np.float32)
        if self._layer:
            norm = length_norm(self._layer_lengths, self._snapshot.average_length)
            for token in query_tokens:
                rows = self._postings.get(token)
                if not rows:
                    continue
                weight = lucene_idf(self._snapshot.size, self._frequency(token))
                tf = np.array([self._layer[r][token] for r in rows], dtype=np.float32)
                layer[rows] += weight * tf / (norm[rows] + tf)
        return top_scores(np.concatenate([base, layer]), k, searchable)
