"""Hybrid retrieval: dense (exact over a snapshot's vectors, else Chroma) and keyword (bm25s) passages fused by
reciprocal rank."""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from dataclasses import dataclass, replace

import numpy as np

from llama_index.core.base.embeddings.base import BaseEmbedding

from .dense import ExactDense, unit_rows
from .embeddings import EmbeddingServiceError
from .glossary import Glossary
from .keyword import KeywordIndex, LayeredKeywordIndex, context_text, keyword_tokens
from .models import Passage
from .snapshot import Snapshot
from .store import PassageStore, StoredPassages
from .spelling import layered_restorer
from .text import bigrams, folded_words
from .view import IndexView

logger = logging.getLogger(__name__)
RRF_K = 60
# A province whose passages are at least this share of the corpus is searched without Chroma's article filter.
WIDE_PROVINCE_SHARE = 0.05


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    row: int  # the passage's row in the retriever's view (sentence_tokens, neighbour_row)
    fused: float
    dense: float
    # 0-based ranks in each list; MISSING_RANK when the passage was not in that list's pool.
    fused_rank: int = 0
    dense_rank: int = 0
    keyword_rank: int = 0
    # With exact dense search: the more similar of the sentences just before and after it in its article (0 when
    # it has none), and the most similar sentence of its article. None when Chroma's index searched.
    neighbour_dense: float | None = None
    article_dense: float | None = None


MISSING_RANK = 1000


class _Lazy:
    """A bounded memo of one function: values made on first use, the least recently used dropped."""

    def __init__(self, make, size: int = 50_000) -> None:
        self._get = lru_cache(maxsize=size)(make)

    def __getitem__(self, key):
        return self._get(key)


class HybridRetriever:
    """Keyword search and scoring over the committed passages (a snapshot's rows, read from SQLite when needed,
    plus the layer committed since, in memory); dense search over the snapshot's vectors, else Chroma's."""

    def __init__(self, store: PassageStore, embedding: BaseEmbedding, glossary: Glossary,
                 visible: dict[str, str] | None = None, snapshot: Snapshot | None = None,
                 stamps: dict[str, str] | None = None) -> None:
        """`visible`: doc_id -> committed version; passages of other versions (a reindex in flight, or
        leftovers of a killed one) are not loaded. None loads everything.
        `snapshot`: the saved passages and keyword index of an earlier committed version; only what was
        committed since is read from Chroma. Used only with `visible` and the manifest's `stamps`."""
        self._store = store
        self._embedding = embedding
        self._glossary = glossary
        if snapshot is not None and visible is not None and stamps is not None:
            since = {d: v for d, v in visible.items() if snapshot.versions.get(d) != stamps.get(d)}
            stored = store.of_documents(since, with_embeddings=snapshot.vectors is not None)
        else:
            snapshot = None
            stored = store.all()
        kept = [k for k, m in enumerate(stored.metadatas)
                if visible is None or visible.get(m.get("doc_id")) == m.get("version")]
        layer = [Passage.from_stored(stored.ids[k], stored.texts[k], stored.metadatas[k]) for k in kept]
        self.passages = IndexView(snapshot, layer, stamps)
        self._exact = self._exact_dense(snapshot, stored, kept)
        # Keyword search indexes each sentence's context: its neighbours, the article's title and date.
        layer_tokens = [keyword_tokens(context_text(p), glossary) for p in self.passages.layer]
        # Diacritics come back from the spellings of the snapshot's texts and the layer's together.
        self.restorer = layered_restorer([p.text for p in self.passages.layer] + [p.title for p in self.passages.layer],
                                         snapshot.spellings if snapshot else None,
                                         snapshot.syllables() if snapshot else 0)
        if snapshot is None:
            self.keywords = KeywordIndex(layer_tokens)
        else:
            self.keywords = LayeredKeywordIndex(snapshot, self.passages.hidden, layer_tokens)
        # The first query pays the embedder's start-up; pay it here, at load, instead.
        self._query_vector("khởi động")
        self._article_provinces = {a.article_id: set(a.provinces) for a in self.passages.articles()}
        # Token sets for scoring are made when a passage first comes up as a candidate, not for every
        # passage at load: a question reads forty of them, and most passages are never candidates.
        self._sentence_tokens = _Lazy(lambda i: frozenset(keyword_tokens(self.passages[i].text, glossary)))
        self._context_tokens = _Lazy(lambda i: frozenset(keyword_tokens(context_text(self.passages[i]),
                                                                        glossary)))
        self._article_tokens = _Lazy(self._tokens_of_article)

    def _exact_dense(self, snapshot: Snapshot | None, stored: StoredPassages, kept: list[int]) -> ExactDense | None:
        """Exact search over the snapshot's vectors and the layer's, or None (Chroma's index answers) when the
        snapshot saved none."""
        if snapshot is None or snapshot.vectors is None or stored.embeddings is None:
            return None
        by_id = {stored.ids[k]: stored.embeddings[k] for k in kept}
        dimension = snapshot.vectors.shape[1]
        layer = (unit_rows([by_id[p.node_id] for p in self.passages.layer]) if self.passages.layer
                 else np.zeros((0, dimension), dtype=np.float32))
        if layer.shape[1] != dimension:
            logger.warning("Passages committed since the snapshot have %d-dimension vectors, the snapshot %d: "
                           "dense search goes through Chroma", layer.shape[1], dimension)
            return None
        return ExactDense(snapshot.vectors, self.passages.hidden, layer)

    def _tokens_of_article(self, article_id: str) -> frozenset[str]:
        return _tokens_of(self.passages.of_rows(self.passages.article_rows(article_id)))

    def sentence_tokens(self, index: int) -> frozenset[str]:
        """Folded syllables, pairs and concepts of passage `index`'s sentence."""
        return self._sentence_tokens[index]

    def context_tokens(self, index: int, excluded_rows: frozenset[int] = frozenset()) -> frozenset[str]:
        """The same of its context: neighbours, article title and date. `excluded_rows`: sentences read as never
        written (evaluation's answer-deletion mode): their text is taken out of the neighbours, or the answer
        left out would still be read beside the sentence before and after it."""
        if not excluded_rows:  # every question but the evaluation's: no passage to read for it
            return self._context_tokens[index]
        passage = self.passages[index]
        gone = _rows_of(self.passages.article_rows(passage.article_id), excluded_rows)
        if not gone:
            return self._context_tokens[index]
        window = passage.window
        for row in gone:
            window = window.replace(self.passages[row].text, " ")
        return frozenset(keyword_tokens(context_text(replace(passage, window=window)), self._glossary))

    def article_tokens(self, article_id: str, excluded_rows: frozenset[int] = frozenset()) -> frozenset[str]:
        """Folded syllables and pairs of a whole article (title and sentences), without `excluded_rows`."""
        rows = self.passages.article_rows(article_id)
        if not _rows_of(rows, excluded_rows):
            return self._article_tokens[article_id]
        return _tokens_of(p for row, p in zip(rows, self.passages.of_rows(rows)) if row not in excluded_rows)

    def __len__(self) -> int:
        return len(self.passages)

    def dense_query_text(self, question: str) -> str:
        return self._glossary.expand(self.restorer.restore(question))

    def retrieve(self, question: str, query_tokens: list[str], k: int,
                 allowed_articles: set[str] | None = None,
                 excluded_articles: frozenset[str] = frozenset(),
                 excluded_rows: frozenset[int] = frozenset()) -> list[Candidate]:
        """Top-k passages by reciprocal-rank fusion, each with its cosine similarity to the question.

        `excluded_articles` are left out of the search (evaluation's deletion mode: the question asked
        as if its source article had never been indexed)."""
        if not self.passages:
            return []
        # A province question searches that province's articles only: both lists rank within them.
        pool = k * 4 + sum(len(self.passages.article_rows(a)) for a in excluded_articles) + len(excluded_rows)
        searchable = None
        if allowed_articles is not None or excluded_articles or excluded_rows:
            searchable = self.passages.row_mask(allowed_articles, excluded_articles, excluded_rows)
        query_embedding = self._query_vector(self.dense_query_text(question))
        scores = None
        if self._exact is not None and query_embedding is not None:
            scores = self._exact.similarities(query_embedding)
            dense_hits = self._exact.top(scores, pool, searchable)
        else:
            dense_hits = self._dense_hits(query_embedding, pool, allowed_articles, searchable)
        keyword_hits = self.keywords.search(query_tokens, pool, searchable)
        fused: dict[int, float] = defaultdict(float)
        dense_by_index: dict[int, float] = {}
        dense_rank: dict[int, int] = {}
        keyword_rank: dict[int, int] = {}
        for rank, (index, similarity) in enumerate(dense_hits):
            fused[index] += 1.0 / (RRF_K + rank)
            dense_by_index[index] = similarity
            dense_rank[index] = rank
        for rank, (index, _) in enumerate(keyword_hits):
            fused[index] += 1.0 / (RRF_K + rank)
            keyword_rank[index] = rank
        ranked = [i for i in sorted(fused, key=fused.get, reverse=True) if searchable is None or searchable[i]][:k]
        unscored = [i for i in ranked if i not in dense_by_index]  # found by keyword search alone
        if scores is not None:
            dense_by_index.update((i, float(scores[i])) for i in unscored)
        elif unscored and query_embedding is not None:
            vectors = self._store.embeddings([self.passages[i].node_id for i in unscored])
            for i in unscored:
                vector = vectors.get(self.passages[i].node_id)
                if vector is not None:
                    dense_by_index[i] = float(sum(a * b for a, b in zip(vector, query_embedding)))
        return [Candidate(replace(self.passages[i], score=fused[i]), i, fused[i], dense_by_index.get(i, 0.0),
                          fused_rank, dense_rank.get(i, MISSING_RANK), keyword_rank.get(i, MISSING_RANK),
                          *self._dense_context(i, scores, excluded_rows))
                for fused_rank, i in enumerate(ranked)]

    def _dense_context(self, row: int, scores: np.ndarray | None,
                       excluded_rows: frozenset[int] = frozenset()) -> tuple[float | None, float | None]:
        """(the better neighbour's similarity, the article's best) from exact search's scores of every row; an
        excluded row is read as never written: the sentence beyond it is the neighbour."""
        if scores is None:
            return None, None
        article = self.passages.article_rows(self.passages[row].article_id)
        if not _rows_of(article, excluded_rows):
            beside = [float(scores[r]) for r in (row - 1, row + 1) if r in article]
            return max(beside, default=0.0), float(scores[article.start:article.stop].max())
        kept = [r for r in article if r not in excluded_rows]
        at = kept.index(row)
        beside = [float(scores[kept[j]]) for j in (at - 1, at + 1) if 0 <= j < len(kept)]
        return max(beside, default=0.0), float(scores[kept].max())

    def _dense_hits(self, query_embedding: list[float] | None, pool: int, allowed_articles: set[str] | None,
                    searchable: np.ndarray | None) -> list[tuple[int, float]]:
        """Through Chroma's index (no snapshot vectors): (row, cosine similarity) of the nearest visible
        passages, within the allowed articles when given.
        Chroma filters a query by article slowly when the list is long (a big city's thousands of articles:
        125 ms at 200,000 passages), so a province holding a fair share of the corpus is searched unfiltered,
        deep enough to keep `pool` of its own, and the others dropped."""
        if query_embedding is None:
            return []
        if allowed_articles is None:
            hits = self._store.nearest(query_embedding, pool)
        else:
            share = float(searchable.sum()) / max(len(searchable), 1)
            if share < WIDE_PROVINCE_SHARE:
                hits = self._store.nearest(query_embedding, pool, allowed_articles)
            else:
                hits = self._store.nearest(query_embedding, min(int(2 * pool / share), len(searchable)))
        rows = self.passages.rows_of_ids([passage_id for passage_id, _ in hits])
        found = [(rows[i], s) for i, s in hits if i in rows]  # passages of uncommitted versions are not visible
        if allowed_articles is not None:
            found = [(row, s) for row, s in found if searchable[row]][:pool]
        return found

    def neighbour_row(self, passage: Passage, step: int) -> int | None:
        """The row of the sentence `step` places before (-1) or after (+1) this one in its article."""
        return self.passages.row_at(passage.article_id, passage.position + step)

    def _query_vector(self, text: str) -> list[float] | None:
        """The question's vector; None when the embeddings endpoint is down, and keyword search answers alone."""
        try:
            return self._embedding.get_query_embedding(text)
        except EmbeddingServiceError as error:
            logger.warning("Dense search skipped, keyword search only: %s", error)
            return None

    def articles_mentioning(self, provinces: list[str]) -> set[str]:
        wanted = set(provinces)
        return {article for article, named in self._article_provinces.items() if wanted & named}


def _rows_of(article: range, excluded_rows: frozenset[int]) -> list[int]:
    """The excluded rows that are sentences of this article."""
    return [row for row in excluded_rows if row in article] if excluded_rows else []


def _tokens_of(passages: Iterable[Passage]) -> frozenset[str]:
    """Folded syllables and pairs of these passages' titles and sentences."""
    tokens: set[str] = set()
    for p in passages:
        folded = folded_words(f"{p.title} {p.text}")
        tokens.update(folded + bigrams(folded))
    return frozenset(tokens)
