"""Exact dense search: every committed passage's cosine similarity to the question, from the vectors a snapshot
saved (memory-mapped) and those of the passages committed since (read from Chroma at load).

Why not Chroma's own query: its HNSW index is approximate and, in embedded Chroma, rebuilt from the log by
several threads each time a process opens the collection (all of it below the sync threshold of 1,000
records, the tail past the last sync above it). Two processes then rank a question's passages differently
(chroma-core/chroma#2675). Measured on xquad-vi-dev (596 passages): between two loads, 200 of 624 questions'
160 nearest passages differed, and one question's answer flipped in 6 evaluation runs. Exact search answers the
same in every process and misses nothing; it costs about 1 ms at 30,000 passages and 8 ms at 200,000 on two
cores. Above MAX_ROWS a snapshot saves no vectors and Chroma's index answers (approximate).
"""
from __future__ import annotations

import numpy as np
from threadpoolctl import ThreadpoolController

# The product runs on one BLAS thread: OpenBLAS's threads spin after a product and starve the embedder's OpenMP
# threads, which doubled the next question's encoding (10 -> 21 ms on two cores; the search itself took 1.3 ms
# on one thread against 2.4 ms on two).
_BLAS = ThreadpoolController()
MAX_ROWS = 300_000  # ~12 ms a question and 460 MB of vectors on disk; beyond it Chroma's HNSW index is used


def unit_rows(vectors) -> np.ndarray:
    """float32 rows scaled to length 1 (a zero row stays zero)."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


class ExactDense:
    """Cosine similarities over rows [0, len(saved)) of a snapshot and the layer's rows after them."""

    def __init__(self, saved: np.ndarray, hidden: np.ndarray, layer: np.ndarray) -> None:
        """`saved`: the snapshot's unit vectors (row order); `hidden`: its rows no question may see;
        `layer`: the unit vectors of the rows committed since, in row order."""
        self._saved = saved
        self._layer = layer
        self._visible = np.concatenate([~hidden, np.ones(len(layer), dtype=bool)])

    def similarities(self, query: list[float]) -> np.ndarray:
        """Every row's cosine similarity to the query."""
        q = unit_rows(query)[0]
        with _BLAS.limit(limits=1, user_api="blas"):
            parts = [np.asarray(self._saved @ q)] if len(self._saved) else []
            if len(self._layer):
                parts.append(self._layer @ q)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def top(self, scores: np.ndarray, k: int, searchable: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row, similarity) of the k best visible rows of `similarities(query)` (within `searchable` when given),
        best first; ties in row order, so that every process ranks alike."""
        allowed = self._visible if searchable is None else self._visible & searchable
        candidates = np.flatnonzero(allowed)
        if not len(candidates) or k <= 0:
            return []
        if len(candidates) > k:
            # argpartition is not stable among equal scores: keep every row tied with the k-th, then sort.
            kth = np.partition(scores[candidates], len(candidates) - k)[len(candidates) - k]
            candidates = candidates[scores[candidates] >= kth]
        order = np.lexsort((candidates, -scores[candidates]))[:k]
        return [(int(candidates[i]), float(scores[candidates[i]])) for i in order]
