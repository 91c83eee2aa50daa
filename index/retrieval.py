"""Hybrid retrieval: dense (Chroma) and keyword (bm25s) passages fused by reciprocal rank."""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from functools import lru_cache
from dataclasses import dataclass, replace

from llama_index.core.base.embeddings.base import BaseEmbedding

from .embeddings import EmbeddingServiceError
from .glossary import Glossary
from .keyword import KeywordIndex, keyword_tokens
from .models import Passage
from .store import PassageStore
from .text import bigrams, fold_diacritics, folded_words, has_diacritics, words

logger = logging.getLogger(__name__)
RRF_K = 60
# Question words are rare in news prose, so restoring them cannot rely on the corpus alone.
_QUESTION_WORDS = {"bao nhieu": "bao nhiêu", "o dau": "ở đâu", "khi nao": "khi nào", "ngay nao": "ngày nào",
                   "nao": "nào", "ai": "ai", "gi": "gì", "la": "là", "co": "có", "khong": "không",
                   "nhung": "những", "cac": "các", "duoc": "được"}


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    fused: float
    dense: float
    # 0-based ranks in each list; MISSING_RANK when the passage was not in that list's pool.
    fused_rank: int = 0
    dense_rank: int = 0
    keyword_rank: int = 0


MISSING_RANK = 1000


def _passage(passage_id: str, text: str, meta: dict) -> Passage:
    return Passage(
        node_id=passage_id,
        doc_id=meta["doc_id"],
        article_id=meta["article_id"],
        title=meta.get("title", ""),
        date=meta.get("date") or None,
        source=meta.get("source") or None,
        province=meta.get("province") or None,
        provinces=tuple(p for p in meta.get("provinces", "").split("|") if p),
        text=text,
        window=meta.get("window", text),
        position=int(meta.get("position", 0)),
    )


class DiacriticRestorer:
    """Puts diacritics back on 'thi tran chau hung' using the corpus's own most frequent spellings."""

    def __init__(self, texts: list[str]) -> None:
        unigrams: dict[str, Counter] = defaultdict(Counter)
        pairs: dict[str, Counter] = defaultdict(Counter)
        for text in dict.fromkeys(texts):  # titles repeat once per sentence: count each text once
            lowered = [t.lower() for t in words(text)]
            folded = folded_words(text)
            if len(folded) != len(lowered):  # folding changed the word count (rare letters): word by word
                folded = [fold_diacritics(t) for t in lowered]
            for key, token in zip(folded, lowered):
                unigrams[key][token] += 1
            for index in range(len(lowered) - 1):
                pairs[f"{folded[index]} {folded[index + 1]}"][f"{lowered[index]} {lowered[index + 1]}"] += 1
        self._unigrams = {k: c.most_common(1)[0][0] for k, c in unigrams.items()}
        self._pairs = {k: c.most_common(1)[0][0] for k, c in pairs.items()}

    def restore(self, text: str) -> str:
        if has_diacritics(text):
            return text
        tokens = [t.lower() for t in words(text)]
        out, index = [], 0
        while index < len(tokens):
            pair = " ".join(tokens[index:index + 2])
            if index + 1 < len(tokens) and (pair in _QUESTION_WORDS or pair in self._pairs):
                out.append(_QUESTION_WORDS.get(pair) or self._pairs[pair])
                index += 2
                continue
            token = tokens[index]
            out.append(_QUESTION_WORDS.get(token) or self._unigrams.get(token, token))
            index += 1
        return " ".join(out)


class _Lazy:
    """A bounded memo of one function: values made on first use, the least recently used dropped."""

    def __init__(self, make, size: int = 50_000) -> None:
        self._get = lru_cache(maxsize=size)(make)

    def __getitem__(self, key):
        return self._get(key)


class HybridRetriever:
    """Holds the passages in memory for keyword search and scoring; vectors stay in Chroma."""

    def __init__(self, store: PassageStore, embedding: BaseEmbedding, glossary: Glossary,
                 visible: dict[str, str] | None = None) -> None:
        """`visible`: doc_id -> committed version; passages of other versions (a reindex in flight, or
        leftovers of a killed one) are not loaded. None loads everything."""
        self._store = store
        self._embedding = embedding
        self._glossary = glossary
        stored = store.all()
        self.passages = [_passage(i, t, m) for i, t, m in zip(stored.ids, stored.texts, stored.metadatas)
                         if visible is None or visible.get(m.get("doc_id")) == m.get("version")]
        self._by_id = {p.node_id: index for index, p in enumerate(self.passages)}
        self._by_position = {(p.article_id, p.position): index for index, p in enumerate(self.passages)}
        # Keyword search indexes each sentence's context: its neighbours, the article's title and date.
        self.keywords = KeywordIndex([keyword_tokens(self._context_text(p), glossary) for p in self.passages])
        self.restorer = DiacriticRestorer([p.text for p in self.passages] + [p.title for p in self.passages])
        # The first query pays the embedder's start-up; pay it here, at load, instead.
        self._query_vector("khởi động")
        self._article_provinces = {p.article_id: set(p.provinces) for p in self.passages}
        self._article_passages: dict[str, list[int]] = defaultdict(list)
        for index, p in enumerate(self.passages):
            self._article_passages[p.article_id].append(index)
        self._article_sizes = Counter({a: len(members) for a, members in self._article_passages.items()})
        # Token sets for scoring are made when a passage first comes up as a candidate, not for every
        # passage at load: a question reads forty of them, and most passages are never candidates.
        self._sentence_tokens = _Lazy(lambda i: frozenset(keyword_tokens(self.passages[i].text, glossary)))
        self._context_tokens = _Lazy(lambda i: frozenset(keyword_tokens(self._context_text(self.passages[i]),
                                                                        glossary)))
        self._article_tokens = _Lazy(self._tokens_of_article)

    @staticmethod
    def _context_text(p: Passage) -> str:
        return f"{p.title} {p.date or ''}\n{p.window}"

    def _tokens_of_article(self, article_id: str) -> frozenset[str]:
        tokens: set[str] = set()
        for index in self._article_passages.get(article_id, ()):
            p = self.passages[index]
            folded = folded_words(f"{p.title} {p.text}")
            tokens.update(folded + bigrams(folded))
        return frozenset(tokens)

    def sentence_tokens(self, index: int) -> frozenset[str]:
        """Folded syllables, pairs and concepts of passage `index`'s sentence."""
        return self._sentence_tokens[index]

    def context_tokens(self, index: int) -> frozenset[str]:
        """The same of its context: neighbours, article title and date."""
        return self._context_tokens[index]

    def article_tokens(self, article_id: str) -> frozenset[str]:
        """Folded syllables and pairs of a whole article (title and sentences)."""
        return self._article_tokens[article_id]

    def __len__(self) -> int:
        return len(self.passages)

    def dense_query_text(self, question: str) -> str:
        return self._glossary.expand(self.restorer.restore(question))

    def retrieve(self, question: str, query_tokens: list[str], k: int,
                 allowed_articles: set[str] | None = None,
                 excluded_articles: frozenset[str] = frozenset()) -> list[Candidate]:
        """Top-k passages by reciprocal-rank fusion, each with its cosine similarity to the question.

        `excluded_articles` are left out of the search (evaluation's deletion mode: the question asked
        as if its source article had never been indexed)."""
        if not self.passages:
            return []
        if allowed_articles is not None:
            pool = len(self.passages)
        else:
            pool = k * 4 + sum(self._article_sizes.get(a, 0) for a in excluded_articles)
        query_embedding = self._query_vector(self.dense_query_text(question))
        dense_hits = self._store.nearest(query_embedding, pool) if query_embedding is not None else []
        keyword_hits = self.keywords.search(query_tokens, pool)
        fused: dict[int, float] = defaultdict(float)
        dense_by_index: dict[int, float] = {}
        dense_rank: dict[int, int] = {}
        keyword_rank: dict[int, int] = {}
        for rank, (passage_id, similarity) in enumerate(dense_hits):
            index = self._by_id.get(passage_id)
            if index is not None:
                fused[index] += 1.0 / (RRF_K + rank)
                dense_by_index[index] = similarity
                dense_rank[index] = rank
        for rank, (index, _) in enumerate(keyword_hits):
            fused[index] += 1.0 / (RRF_K + rank)
            keyword_rank[index] = rank
        ranked = [i for i in sorted(fused, key=fused.get, reverse=True)
                  if (allowed_articles is None or self.passages[i].article_id in allowed_articles)
                  and self.passages[i].article_id not in excluded_articles][:k]
        missing = [self.passages[i].node_id for i in ranked if i not in dense_by_index]
        if missing and query_embedding is not None:
            vectors = self._store.embeddings(missing)
            for i in ranked:
                vector = vectors.get(self.passages[i].node_id)
                if vector is not None:
                    dense_by_index[i] = float(sum(a * b for a, b in zip(vector, query_embedding)))
        return [Candidate(replace(self.passages[i], score=fused[i]), fused[i], dense_by_index.get(i, 0.0),
                          fused_rank, dense_rank.get(i, MISSING_RANK), keyword_rank.get(i, MISSING_RANK))
                for fused_rank, i in enumerate(ranked)]

    def neighbour(self, passage: Passage, step: int) -> Passage | None:
        """The sentence `step` places before (-1) or after (+1) this one in its article."""
        index = self._by_position.get((passage.article_id, passage.position + step))
        return None if index is None else self.passages[index]

    def _query_vector(self, text: str) -> list[float] | None:
        """The question's vector; None when the embeddings endpoint is down, and keyword search answers alone."""
        try:
            return self._embedding.get_query_embedding(text)
        except EmbeddingServiceError as error:
            logger.warning("Dense search skipped, keyword search only: %s", error)
            return None

    def index_of(self, passage: Passage) -> int:
        return self._by_id[passage.node_id]

    def articles_mentioning(self, provinces: list[str]) -> set[str]:
        wanted = set(provinces)
        return {article for article, named in self._article_provinces.items() if wanted & named}
