"""Keyword search with bm25s over diacritic-folded syllables, syllable pairs and abbreviation concepts."""
from __future__ import annotations

import math
from collections import Counter

import logging

import bm25s
import numpy as np

from .glossary import Glossary
from .text import bigrams, folded_words

# bm25s logs every index build at DEBUG through its own handler.
logging.getLogger("bm25s").setLevel(logging.WARNING)


def keyword_tokens(text: str, glossary: Glossary) -> list[str]:
    """Folded syllables, adjacent pairs ('chau_hung') and concepts ('§pccc'): diacritics never matter."""
    syllables = folded_words(text)
    concepts, expansion_words = glossary.concepts_and_expansion_words(text)
    return syllables + bigrams(syllables) + concepts + expansion_words


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
        """Smoothed inverse document frequency; unseen tokens weigh the most."""
        df = self._document_frequency.get(token, 0)
        return math.log(1 + (self._size - df + 0.5) / (df + 0.5))

    def knows(self, token: str) -> bool:
        return token in self._vocabulary

    def search(self, query_tokens: list[str], k: int) -> list[tuple[int, float]]:
        """(document index, BM25 score), best first, only documents that share a token."""
        known = [t for t in query_tokens if t in self._vocabulary]
        if not known or not self._size:
            return []
        scores = self._bm25.get_scores(known)
        top = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
