"""The engine's verbs — build, search, answer, stats — over one Chroma store and one embedder."""
from __future__ import annotations

import time
from collections import Counter

from llama_index.core.base.embeddings.base import BaseEmbedding

from prompts import text as message

from .answering import MAX_ANSWER_CHARS, decide, focus, question_terms, score_candidates
from .embeddings import embedding_fingerprint, load_embedding
from .gazetteer import default_gazetteer
from .glossary import default_glossary
from .indexing import Manifest, Progress, build_index
from .keyword import keyword_tokens
from .models import Answer, Citation, IndexReport, IndexStats, Passage
from .question import analyse
from .retrieval import HybridRetriever
from .settings import Settings
from .store import PassageStore
from .text import normalize


class QuestionError(ValueError):
    """A question that cannot be searched (empty, too long, no words); the message is for the user."""


class Engine:
    def __init__(self, settings: Settings, embedding: BaseEmbedding | None = None) -> None:
        self.settings = settings
        self.embedding = embedding or load_embedding(settings)
        self.glossary = default_glossary()
        self.gazetteer = default_gazetteer()
        self.store = PassageStore(settings.chroma_path, settings.collection, embedding_fingerprint(self.embedding))
        self._retriever: HybridRetriever | None = None

    @property
    def retriever(self) -> HybridRetriever:
        if self._retriever is None:
            self._retriever = HybridRetriever(self.store, self.embedding, self.glossary)
        return self._retriever

    def build(self, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
        """Index new and changed files of the corpus folder, drop deleted ones (all of it with rebuild)."""
        report = build_index(self.settings.corpus_dir, self.store, self.settings.manifest_path, self.embedding,
                             self.settings.max_file_bytes, rebuild=rebuild, progress=progress)
        if not report.unchanged:
            self._retriever = None
        return report

    def clean_question(self, question: str) -> str:
        text = normalize(question or "").replace("\n", " ").strip()
        if not text:
            raise QuestionError(message("empty_question"))
        if len(text) > self.settings.max_question_chars:
            raise QuestionError(message("question_too_long", length=len(text), limit=self.settings.max_question_chars))
        if not any(ch.isalnum() for ch in text):
            raise QuestionError(message("no_words"))
        return text

    def search(self, question: str, k: int = 10) -> list[Passage]:
        """The k passages hybrid retrieval ranks highest, province filter applied."""
        text = self.clean_question(question)
        allowed = self._allowed_articles(text)
        if allowed is not None and not allowed:
            return []
        tokens = keyword_tokens(text, self.glossary)
        return [c.passage for c in self.retriever.retrieve(text, tokens, k, allowed)]

    def _allowed_articles(self, text: str) -> set[str] | None:
        provinces = self.gazetteer.in_question(text)
        return self.retriever.articles_mentioning(provinces) if provinces else None

    def answer(self, question: str) -> Answer:
        """A short quoted answer with numbered citations, or found=False when the corpus does not say.

        Raises:
            QuestionError: the question is empty, too long or has no words.
        """
        started = time.perf_counter()
        text = self.clean_question(question)

        def not_found(reason: str) -> Answer:
            return Answer(text, False, "", (), (time.perf_counter() - started) * 1000, note=reason)

        if not len(self.retriever):
            return not_found("the index is empty")
        allowed = self._allowed_articles(text)
        if allowed is not None and not allowed:
            return not_found("no article mentions the province asked about")
        parsed = analyse(text, self.glossary, self.gazetteer)
        tokens = keyword_tokens(text, self.glossary)
        candidates = self.retriever.retrieve(text, tokens, self.settings.retrieval_top_k, allowed)
        terms = question_terms(parsed, self.retriever.keywords)
        scored = score_candidates(parsed, terms, candidates, self.retriever)
        decision = decide(parsed, scored, self.retriever)
        if not decision.parts:
            return not_found(decision.reason or "nothing matched")
        budget = MAX_ANSWER_CHARS // len(decision.parts) - 6
        pieces, citations = [], []
        for n, part in enumerate(decision.parts, start=1):
            passage = part.candidate.passage
            excerpt = focus(passage.text, terms, budget)
            # "Những tỉnh nào…": the province is the answer, even when the quoted sentence only says "tỉnh".
            if parsed.asks_province and passage.province and passage.province not in excerpt:
                excerpt = f"{passage.province}: {excerpt}"
            pieces.append(f"{excerpt} [{n}]")
            citations.append(Citation(n, passage.doc_id, passage.title, passage.date, passage.source,
                                      passage.province, passage.text, round(part.score, 4)))
        return Answer(text, True, " ".join(pieces), tuple(citations), (time.perf_counter() - started) * 1000)

    def stats(self) -> IndexStats:
        manifest = Manifest.load(self.settings.manifest_path)
        provinces: Counter = Counter()
        seen = set()
        for passage in self.retriever.passages:
            if passage.article_id not in seen:
                seen.add(passage.article_id)
                provinces[passage.province or message("no_province")] += 1
        return IndexStats(
            articles=len(seen),
            documents=len(manifest.documents),
            chunks=len(self.retriever),
            provinces=dict(provinces.most_common()),
            indexed_at=manifest.indexed_at,
            embedding=manifest.embedding,
        )
