"""The engine's verbs — build, search, answer, stats — over one Chroma store and one embedder."""
from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

import numpy as np

from llama_index.core.base.embeddings.base import BaseEmbedding

from prompts import text as message

from .answering import MAX_ANSWER_CHARS, MAX_LIST_PARTS, question_terms
from .catalog import Catalog, display_date
from .embeddings import embedding_fingerprint, load_embedding
from .features import FEATURES, agreement_with, candidate_features
from .followup import resolve_followup
from .gazetteer import default_gazetteer
from .generation import Verdict, disagreement, lacks_asked
from .glossary import GLOSSARY_FILE, default_glossary
from .indexing import Manifest, Progress, build_index
from .keyword import keyword_tokens
from .models import Answer, Citation, IndexReport, IndexStats, Passage
from .periods import (Period, article_year, article_years, asked_months, asked_period, other_period, predates,
                      years_told)
from .question import Question, analyse
from .quoting import PARTNER_SEPARATOR, Neighbour, Sentences, neighbours, quote
from .retrieval import Candidate, HybridRetriever
from .selector import Selection, Selector, load_selector
from .settings import Settings
from .snapshot import Snapshot, latest_snapshot, recipe, refresh_snapshot
from .store import PassageStore
from .summary import MAX_SUMMARY_CHARS, Summary, summarize
from .text import fold_diacritics, normalize


RELOAD_CHECK_SECONDS = 2.0
logger = logging.getLogger(__name__)


class QuestionError(ValueError):
    """A question that cannot be searched (empty, too long, no words); the message is for the user."""


@dataclass(frozen=True)
class Considered:
    """Everything the selector saw for one question: the candidates, their features and its choice."""
    question: Question
    period: Period
    terms: dict[str, float]
    candidates: list[Candidate]
    features: np.ndarray
    selection: Selection
    # neighbours(i, budget): candidate i's neighbours that could join its quote, described once per question
    # (the confidence, the quote and the fit all read them).
    neighbours: Callable[..., list[Neighbour]]
    # agreement(i): how far each candidate says what candidate i says beyond the question (features.agreement_with)
    agreement: Callable[[int], np.ndarray]
    # each candidate's article and sentence length: what the partner rule reads (Selector.partner)
    sentences: Sentences
    # conflict(i): why candidate i cannot answer for the period asked, or None (Engine.period_conflict), read
    # once per candidate: the selector, the answer and the fit all ask
    conflict: Callable[[int], str | None]


class Engine:
    def __init__(self, settings: Settings, embedding: BaseEmbedding | None = None) -> None:
        self.settings = settings
        self.embedding = embedding or load_embedding(settings)
        self.glossary = default_glossary()
        self.gazetteer = default_gazetteer()
        self.store = PassageStore(settings.chroma_path, settings.collection, embedding_fingerprint(self.embedding),
                                  host=settings.chroma_host, port=settings.chroma_port)
        # Retriever and catalog are swapped together, so a question never sees one from each index version.
        self._loaded: tuple[HybridRetriever, Catalog] | None = None
        self._loaded_manifest: float | None = None  # mtime of the manifest the loaded index reflects
        self._copies: dict[str, tuple[str, ...]] = {}  # article_id -> doc_ids of its near-duplicates
        self._recipe = recipe(GLOSSARY_FILE.read_text(encoding="utf-8"))  # what a usable snapshot was made with
        self._opened_snapshot: Snapshot | None = None
        self._checked_at = 0.0
        self._reloading = False
        self._load_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self.generator = None
        if settings.llm_base_url:
            from .generation import Generator

            self.generator = Generator(settings)

    def _manifest_mtime(self) -> float | None:
        try:
            return self.settings.manifest_path.stat().st_mtime
        except OSError:
            return None

    def _load(self) -> tuple[HybridRetriever, Catalog]:
        mtime = self._manifest_mtime()
        manifest = Manifest.load(self.settings.manifest_path)
        snapshot = self._snapshot()
        if snapshot is None and manifest.documents:
            # After an upgrade that changed the snapshot's format or tokenizing, or a snapshot write that failed.
            logger.warning("No usable snapshot under %s: loading reads every passage from Chroma and dense search "
                           "is approximate; run 'hoidap index' once to write one", self.settings.data_dir)
        retriever = HybridRetriever(self.store, self.embedding, self.glossary, manifest.versions(), snapshot,
                                    manifest.stamps())
        self._copies = manifest.copies()
        self._loaded_manifest = mtime
        return retriever, Catalog(retriever.passages.articles())

    def _snapshot(self) -> Snapshot | None:
        """The newest snapshot; the one already open when it is still the newest (its caches stay warm)."""
        self._opened_snapshot = latest_snapshot(self.settings.data_dir, self._recipe, self._opened_snapshot)
        return self._opened_snapshot

    def _current(self) -> tuple[HybridRetriever, Catalog]:
        loaded = self._loaded
        if loaded is None:
            with self._load_lock:  # several bot workers may ask the first question at once
                if self._loaded is None:
                    self._loaded = self._load()
                loaded = self._loaded
        else:
            self._reload_if_reindexed_elsewhere()
        return loaded

    def _reload_if_reindexed_elsewhere(self) -> None:
        """Another process (`hoidap index` beside the bot) committed a new index: load it in the
        background and switch when ready; questions keep the current one meanwhile."""
        now = time.monotonic()
        if now - self._checked_at < RELOAD_CHECK_SECONDS or self._reloading:
            return
        self._checked_at = now
        if self._manifest_mtime() == self._loaded_manifest or self._build_lock.locked():
            return
        self._reloading = True

        def reload() -> None:
            try:
                self._loaded = self._load()
            finally:
                self._reloading = False

        threading.Thread(target=reload, name="hoidap-reload", daemon=True).start()

    @property
    def selector(self) -> Selector:
        return load_selector()  # cached; loaded on first use so that bench/fit_selector.py can run without one

    @cached_property
    def threshold(self) -> float:
        """The refusal threshold for the configured risk: read once, the selector file and settings are fixed."""
        return self.selector.threshold(self.settings.answer_risk)

    @cached_property
    def read_from(self) -> float:
        """The lowest confidence at which, in LLM mode, the model reads the passages of a question the quote alone
        is not sure enough to answer (settings.llm_read_confidence); the refusal threshold when it never does."""
        if self.generator is None:
            return self.threshold
        return min(self.threshold, self.settings.llm_read_confidence)

    @property
    def retriever(self) -> HybridRetriever:
        return self._current()[0]

    @property
    def catalog(self) -> Catalog:
        return self._current()[1]

    def build(self, rebuild: bool = False, progress: Progress | None = None, wait_seconds: float = 0) -> IndexReport:
        """Index new and changed files of the corpus folder, drop deleted ones (all of it with rebuild).

        Safe to call while other threads answer: they keep the previous in-memory index until the new
        one is loaded, then switch to it at once. Concurrent builds run one after the other.
        """
        with self._build_lock:
            report = build_index(self.settings.corpus_dir, self.store, self.settings.manifest_path, self.embedding,
                                 self.settings.max_file_bytes, rebuild=rebuild, progress=progress,
                                 wait_seconds=wait_seconds, after_commit=self._refresh_snapshot)
            if self._loaded is not None and (not report.unchanged or self._manifest_mtime() != self._loaded_manifest):
                self._loaded = self._load()
            return report

    def _refresh_snapshot(self, manifest: Manifest) -> None:
        """Save what loading needs once enough was committed since the last snapshot. A failure here loses
        nothing (the commit stands, loading reads the passages from Chroma): it is logged, not raised."""
        chunks = {doc_id: entry.get("chunks", 0) for doc_id, entry in manifest.documents.items()}
        try:
            refresh_snapshot(self.settings.data_dir, manifest.versions(), manifest.stamps(), chunks, self.store,
                             self.glossary, self._recipe)
        except Exception as error:  # noqa: BLE001 — best effort after the commit: never fail the run that committed
            logger.warning("Snapshot not written (loading reads the passages from Chroma instead): %s: %s",
                           type(error).__name__, error)

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
        retriever = self.retriever
        allowed = self._allowed_articles(text, retriever)
        if allowed is not None and not allowed:
            return []
        tokens = keyword_tokens(text, self.glossary)
        return [c.passage for c in retriever.retrieve(text, tokens, k, allowed)]

    def _allowed_articles(self, text: str, retriever: HybridRetriever) -> set[str] | None:
        provinces = self.gazetteer.asked_provinces(text)
        return retriever.articles_mentioning(provinces) if provinces else None

    def describe(self, text: str, retriever: HybridRetriever, allowed: set[str] | None = None,
                 excluded: frozenset[str] = frozenset(), excluded_rows: frozenset[int] = frozenset()) -> Considered:
        """Retrieve the candidates for a cleaned question and describe them (no selection yet)."""
        parsed = analyse(text, self.glossary, self.gazetteer)
        period = asked_period(text)
        tokens = keyword_tokens(text, self.glossary)
        candidates = retriever.retrieve(text, tokens, self.settings.retrieval_top_k, allowed, excluded, excluded_rows)
        terms = question_terms(parsed, retriever.keywords)
        features = candidate_features(parsed, terms, candidates, retriever, period, excluded_rows)
        candidate_of = {c.row: i for i, c in enumerate(candidates)}

        @lru_cache(maxsize=None)
        def neighbours_of(index: int, budget: int = MAX_ANSWER_CHARS) -> list[Neighbour]:
            return neighbours(parsed, terms, candidates[index], retriever, candidate_of, budget, excluded_rows)

        @lru_cache(maxsize=None)
        def agreement_of(index: int) -> np.ndarray:
            return agreement_with(parsed, candidates, index)

        @lru_cache(maxsize=None)
        def conflict_of(index: int) -> str | None:
            return self.period_conflict(period, candidates[index], retriever)
        sentences = Sentences([c.passage.article_id for c in candidates], [len(c.passage.text) for c in candidates])
        return Considered(parsed, period, terms, candidates, features, Selection(None, np.zeros(0), 0.0),
                          neighbours_of, agreement_of, sentences, conflict_of)

    def consider(self, text: str, retriever: HybridRetriever, allowed: set[str] | None = None,
                 excluded: frozenset[str] = frozenset(), excluded_rows: frozenset[int] = frozenset()) -> Considered:
        """describe(), then the fitted selector's ranking and confidence."""
        seen = self.describe(text, retriever, allowed, excluded, excluded_rows)
        return replace(seen, selection=self.selector.select(
            seen.features, seen.question.kind, seen.neighbours, seen.agreement, seen.sentences,
            lambda index: seen.conflict(index) is not None))

    def excluded_articles(self, doc_ids: tuple[str, ...] | list[str]) -> frozenset[str]:
        """The indexed articles of these files, and of files whose near-duplicates they are (also_in)."""
        wanted = set(doc_ids)
        return frozenset(a.article_id for a in self.catalog.articles
                         if a.doc_id in wanted or wanted & set(self._copies.get(a.article_id, ())))

    def answer(self, question: str, on_progress: Callable[[int], None] | None = None,
               without: tuple[str, ...] = (), without_rows: frozenset[int] = frozenset()) -> Answer:
        """A short quoted answer with numbered citations, or found=False when the corpus does not say.

        In LLM mode `on_progress(characters)` follows the model's reply as it streams (never its text:
        nothing is shown before it is verified). `without`: doc_ids to leave out of the search, as if
        never indexed (evaluation's deletion mode); `without_rows`: passage rows to leave out, and never to quote
        (evaluation's answer-deletion mode: evaluation.sentences_answering).

        Raises:
            QuestionError: the question is empty, too long or has no words.
        """
        started = time.perf_counter()
        text = self.clean_question(question)

        def not_found(reason: str, confidence: float = 0.0, told: str = "", withheld: str | None = None) -> Answer:
            """`told`: what the user should hear instead of the plain "không tìm thấy", when there is more."""
            return Answer(text, False, told, (), (time.perf_counter() - started) * 1000, note=reason,
                          confidence=round(confidence, 4), withheld=withheld)

        retriever = self.retriever  # one index version for the whole answer, even if a reindex swaps it
        if not len(retriever):
            return not_found("the index is empty")
        allowed = self._allowed_articles(text, retriever)
        if allowed is not None and not allowed:
            return not_found("no article mentions the province asked about")
        seen = self.consider(text, retriever, allowed, self.excluded_articles(without) if without else frozenset(),
                             without_rows)
        selection = seen.selection
        if selection.best is None:
            return not_found("no passage shares a word with the question")
        chosen, confidence = [selection.best], selection.confidence
        if seen.period.recent:  # read as of now: older articles are superseded, not rivals (_confidence_of)
            newest, confidence = self._most_recent_answering(seen)
            chosen = [newest]
        conflict = seen.conflict(chosen[0])
        likeliest = int(np.argmax(selection.probabilities))
        if (conflict is None and confidence < self.threshold and chosen[0] != likeliest
                and not (seen.period.years and seen.period.years & self._years_told(seen.candidates[chosen[0]],
                                                                                     retriever))):
            # The likeliest candidate was passed over for the period asked, and the other is not sure enough
            # either: the refusal says which periods the corpus covers, as it would have for the likeliest.
            # Not when the other one tells of the year asked: the corpus covers it ("… năm 2013 …" asked of a
            # 2017 article whose lead is the trial and whose body tells the 2013 event).
            conflict = seen.conflict(likeliest)
            chosen = [likeliest] if conflict else chosen
        if conflict == OTHER_YEARS:  # what the corpus says is about other years: say which, sure or not
            return not_found("the passages that answer are about other periods", confidence, _other_periods(seen),
                             self._quote(seen, chosen[0])[0])
        if conflict == EARLIER_MONTH:  # "tháng 6/2017" answered by an article of May 2017
            return not_found("the passages that answer were published before the month asked about", confidence,
                             _earlier_articles(seen), self._quote(seen, chosen[0])[0])
        if confidence < self.threshold:
            refusal = not_found(_refusal_reason(seen, chosen[0], confidence, self.threshold), confidence,
                                withheld=self._quote(seen, chosen[0])[0])
            return self._read(seen, refusal, started, on_progress) if confidence >= self.read_from else refusal
        if seen.question.wants_list:
            chosen += self._more_articles(seen, chosen[0])
        budget = MAX_ANSWER_CHARS // len(chosen) - 6
        pieces, citations, shown = [], [], []
        for n, index in enumerate(chosen, start=1):
            passage = seen.candidates[index].passage
            excerpt, quoted_passages = self._quote(seen, index, budget)
            # The model is shown each quoted sentence with its neighbours (its window), and the partner sentence.
            shown += [passage, *(p for p in quoted_passages if p.text not in passage.window)]
            # "Những tỉnh nào…": the province is the answer, even when the quoted sentence only says "tỉnh".
            if seen.question.asks_province and passage.province and passage.province not in excerpt:
                excerpt = f"{passage.province}: {excerpt}"
            if seen.period.recent and n == 1 and passage.date:
                excerpt = message("as_of_article", date=display_date(passage.date) or passage.date) + excerpt
            pieces.append(f"{excerpt} [{n}]")
            citations.append(self._citation(n, passage, float(selection.probabilities[index]),
                                            " ".join(p.text for p in quoted_passages)))
        extractive = Answer(text, True, " ".join(pieces), tuple(citations), (time.perf_counter() - started) * 1000,
                            confidence=round(confidence, 4))
        if self.generator is None:
            return extractive
        # The extractive checks decided that the quote answers; the model words it, or finds it does not.
        order = np.argsort(-selection.probabilities)
        shown = list(dict.fromkeys(shown))  # always given, then the likeliest others up to llm_passages
        given = list(dict.fromkeys(shown + [seen.candidates[i].passage for i in order]))[
            :max(len(shown), self.settings.llm_passages)]
        verdict, problem, elapsed = self._model_answer(
            text, given, started, on_progress,
            lambda worded: disagreement(seen.question.kind, worded, extractive.answer))
        if verdict.refused and self.settings.llm_refusal_stands:
            # The model read the passages and found no answer in them: the detail asked may be missing from a
            # story the quote tells, which the extractive checks do not see (README, LLM mode).
            return Answer(text, False, "", (), elapsed, note=f"the model read the passages: {problem}",
                          confidence=round(confidence, 4), withheld=extractive.answer)
        if problem:
            return replace(extractive, latency_ms=elapsed, fallback=problem)
        worded, cited = self._renumbered(verdict, given)
        return Answer(text, True, worded, cited, elapsed, note=verdict.problem, mode="generated",
                      confidence=round(confidence, 4))

    def _read(self, seen: Considered, refusal: Answer, started: float,
              on_progress: Callable[[int], None] | None) -> Answer:
        """LLM mode, a question the quote alone was not sure enough to answer: the model reads the likeliest
        passages and answers from them, verified as any generated answer (index/generation.py), or the refusal
        stands with the reason the model's answer was not used."""
        order = np.argsort(-seen.selection.probabilities, kind="stable")
        given = list(dict.fromkeys(seen.candidates[i].passage for i in order))[:self.settings.llm_passages]
        verdict, problem, elapsed = self._model_answer(refusal.question, given, started, on_progress,
                                                       lambda read: lacks_asked(seen.question.kind, read))
        if problem:
            return replace(refusal, latency_ms=elapsed, note=f"{refusal.note}; the model read the passages: {problem}")
        worded, cited = self._renumbered(verdict, given)
        note = f"read by the model: {refusal.note}" + (f"; {verdict.problem}" if verdict.problem else "")
        return Answer(refusal.question, True, worded, cited, elapsed, note=note, mode="read",
                      confidence=refusal.confidence)

    def _model_answer(self, question: str, given: list[Passage], started: float,
                      on_progress: Callable[[int], None] | None,
                      check: Callable[[str], str | None]) -> tuple[Verdict, str | None, float]:
        """The model's answer from the passages `given`, why it cannot be used (None when it can: it passed
        generation.verify, fits MAX_ANSWER_CHARS and `check` of its text), and the milliseconds since `started`."""
        verdict, _ = self.generator.answer(question, given, on_progress)
        elapsed = (time.perf_counter() - started) * 1000
        if not verdict.ok:
            return verdict, verdict.problem, elapsed
        if len(verdict.text) > MAX_ANSWER_CHARS:
            return verdict, f"too long ({len(verdict.text)} characters; officials need a short answer)", elapsed
        return verdict, check(verdict.text), elapsed

    def period_conflict(self, period: Period, candidate: Candidate, retriever: HybridRetriever) -> str | None:
        """Why a candidate cannot answer for the period the question names, whatever the confidence:
        OTHER_YEARS, it is about other years (what the sentence is about, periods.years_told, else its article's
        years); EARLIER_MONTH, its article was stored before the month asked about (_reported_before); else None.
        Read through Considered.conflict; bench/fit_selector.py refuses the same answers, so that the fitted
        threshold sees what users get."""
        passage = candidate.passage
        if period.years and other_period(period.years, self._years_told(candidate, retriever),
                                         article_years(passage.title, passage.date)):
            return OTHER_YEARS
        return EARLIER_MONTH if _reported_before(period, passage) else None

    def _quote(self, seen: Considered, index: int, budget: int = MAX_ANSWER_CHARS) -> tuple[str, tuple[Passage, ...]]:
        """Candidate `index`'s sentence, with the neighbours the join model adds and the partner sentence of
        its article the fit lets join (quoting.partner_joins), within the budget."""
        probabilities = seen.selection.probabilities
        passage = seen.candidates[index].passage
        options = seen.neighbours(index, budget)
        joined = self.selector.neighbours_to_join(options, probabilities, index, seen.features)
        text, passages = quote(passage, joined, seen.terms, budget)
        partner = self.selector.partner(probabilities, index, joined, seen.sentences, budget)
        if partner is None:
            return text, passages
        other = seen.candidates[partner].passage
        if other.position < passage.position:  # in reading order
            return other.text + PARTNER_SEPARATOR + text, (other, *passages)
        return text + PARTNER_SEPARATOR + other.text, (*passages, other)

    @staticmethod
    def _years_told(candidate: Candidate, retriever: HybridRetriever) -> frozenset[int]:
        """periods.years_told of a candidate's sentence, reading its article backwards from it. A neighbour
        after the sentence does not count: it may move on to another event ("… cơn bão Fay năm 2008")."""
        def sentence_then_earlier():
            for step in range(candidate.passage.position + 1):
                row = candidate.row if step == 0 else retriever.neighbour_row(candidate.passage, -step)
                if row is None:
                    return
                yield retriever.passages[row].text
        return years_told(sentence_then_earlier())

    def _confidence_of(self, seen: Considered, index: int) -> float:
        probabilities = seen.selection.probabilities
        if seen.period.recent:
            # A question about now: what older articles said is superseded, not a rival answer (the confidence
            # reads the candidates close behind, and one like it with another figure weighs against it).
            probabilities = np.where(_older_than(seen.candidates, index), 0.0, probabilities)
        return self.selector.confidence_of(probabilities, seen.features, index, seen.question.kind,
                                           seen.neighbours(index), seen.agreement(index), seen.sentences)

    def _most_recent_answering(self, seen: Considered) -> tuple[int, float]:
        """'Hiện nay', 'mới nhất': among candidates sure enough to answer, the one in the newest dated article
        (else the best candidate), with its confidence."""
        dated = {i: self._confidence_of(seen, i) for i, c in enumerate(seen.candidates)
                 if article_year(c.passage.date) is not None}
        sure = [i for i, confidence in dated.items() if confidence >= self.threshold]
        if not sure:
            best = seen.selection.best
            return best, dated[best] if best in dated else self._confidence_of(seen, best)
        newest = max(sure, key=lambda i: (seen.candidates[i].passage.date, seen.selection.probabilities[i]))
        return newest, dated[newest]

    def _more_articles(self, seen: Considered, first: int) -> list[int]:
        """A list question ('những tỉnh nào'): one more sentence per other article, each sure enough alone."""
        order = [int(i) for i in np.argsort(-seen.selection.probabilities)]
        articles = {seen.candidates[first].passage.article_id}
        more = []
        for i in order:
            article = seen.candidates[i].passage.article_id
            if len(more) + 1 == MAX_LIST_PARTS:
                break
            if article not in articles and self._confidence_of(seen, i) >= self.threshold:
                more.append(i)
                articles.add(article)
        return more

    def _renumbered(self, verdict: Verdict, given: list[Passage]) -> tuple[str, tuple[Citation, ...]]:
        """The generated text with its citations numbered 1, 2… in order of first use, and those citations."""
        return verdict.renumbered(), tuple(self._citation(new, given[old - 1], 1.0)
                                           for new, old in enumerate(verdict.cited, start=1))

    def _citation(self, n: int, passage: Passage, score: float, quote: str | None = None) -> Citation:
        return Citation(n, passage.doc_id, passage.title, passage.date, passage.source, passage.province,
                        quote or passage.text, round(score, 4), self._copies.get(passage.article_id, ()))

    def standalone(self, question: str, previous: str | None) -> str:
        """The question to search, reading a follow-up against the chat's previous question.

        The rules (index/followup.py) go first; when they leave a short or referring question as it is
        and an LLM is configured, the LLM rewrites it. Callers show the reading when it differs.
        """
        resolved = resolve_followup(question, previous, self.gazetteer)
        if resolved != question or not previous or self.generator is None or not _leans_on_context(question):
            return resolved
        return self.generator.rewrite_followup(question, previous) or question

    def summarize(self, province: str, topic: str | None = None) -> Summary:
        """The cited digest of what the corpus says about one province (any spelling, either era), narrowed to
        a theme and/or keywords when `topic` is given."""
        retriever, catalog = self._current()
        digest = summarize(province, retriever.passages.of_articles, catalog.articles, self.gazetteer, topic)
        if self.generator is None or not digest.found:
            return digest
        cited_articles = {a.article_id for a in catalog.articles if a.doc_id in {c.doc_id for c in digest.citations}}
        by_quote = {(p.doc_id, p.text): p for p in retriever.passages.of_articles(cited_articles)}
        given = [by_quote[(c.doc_id, c.quote)] for c in digest.citations if (c.doc_id, c.quote) in by_quote]
        verdict, _ = self.generator.summarize(digest.province, given)
        if not verdict.ok or len(verdict.text) > MAX_SUMMARY_CHARS:
            return digest  # the extractive digest, every line already cited
        worded, cited = self._renumbered(verdict, given)
        return replace(digest, summary=worded, citations=cited)

    def stats(self) -> IndexStats:
        manifest = Manifest.load(self.settings.manifest_path)
        provinces: Counter = Counter(article.province or message("no_province") for article in self.catalog.articles)
        return IndexStats(
            articles=len(self.catalog),
            documents=len(manifest.documents),
            chunks=len(self.retriever),
            provinces=dict(provinces.most_common()),
            indexed_at=manifest.indexed_at,
            embedding=manifest.embedding,
        )


_REFERRING = re.compile(r"(?<!\w)(?:nay|do|ay|kia|con|the nao|thi sao|nua|ong|ba|ho)(?!\w)")


def _leans_on_context(question: str) -> bool:
    """Short, or pointing back ("này", "đó", "ấy", "còn…", "thì sao"): a question that may need the last one."""
    folded = fold_diacritics(question).lower()
    return len(question.split()) <= 6 or bool(_REFERRING.search(folded))


def _older_than(candidates: list[Candidate], index: int) -> np.ndarray:
    """Per candidate: its article is dated before candidate `index`'s (undated ones are never older)."""
    date = candidates[index].passage.date
    if article_year(date) is None:
        return np.zeros(len(candidates), dtype=bool)
    return np.asarray([article_year(c.passage.date) is not None and c.passage.date < date for c in candidates])


def _other_periods(seen: Considered) -> str:
    """'Không có thông tin về năm 2023; kho tài liệu có bài về năm 2017, 2019.' from the best candidates."""
    order = np.argsort(-seen.selection.probabilities)[:10]
    covered = sorted({year for i in order for year in [article_year(seen.candidates[i].passage.date)] if year})
    asked = ", ".join(str(y) for y in sorted(seen.period.years))
    if not covered:
        return message("period_not_covered", asked=asked)
    return message("other_periods", asked=asked, covered=", ".join(str(y) for y in covered))


OTHER_YEARS, EARLIER_MONTH = "other years", "earlier month"  # Engine.period_conflict


def _reported_before(period: Period, passage: Passage) -> bool:
    """The passage's article was stored before the month or quarter asked about, and the sentence does not name
    that month itself (a plan: "dự kiến khởi công vào tháng 7/2017")."""
    return predates(period.months, passage.date) and not (
        period.months & asked_months(fold_diacritics(passage.text).lower()))


def _earlier_articles(seen: Considered) -> str:
    """'Không tìm thấy thông tin này cho tháng 6/2017 …; các bài liên quan đăng trước đó (ngày 08/05/2017).'"""
    order = np.argsort(-seen.selection.probabilities)[:3]
    dates = sorted({seen.candidates[i].passage.date for i in order
                    if predates(seen.period.months, seen.candidates[i].passage.date)})
    asked = ", ".join(seen.period.month_labels)
    if not dates:
        return message("period_not_covered", asked=asked)
    return message("only_earlier_articles", asked=asked, dates=", ".join(display_date(d) or d for d in dates))


def _refusal_reason(seen: Considered, index: int, confidence: float, threshold: float) -> str:
    """Why the best candidate was not sure enough: the weakest of what the selector reads, and the scores."""
    row = seen.features[index]
    value = {name: row[FEATURES.index(name)] for name in FEATURES}
    if value["names_in_article"] < 1:
        why = "a name in the question is not in the matching articles"
    elif seen.question.kind != "other" and value[f"fit_{seen.question.kind}"] == 0:
        why = f"no passage holds the {seen.question.kind} the question asks for"
    elif value["context_coverage"] < 0.5:
        why = "the passages share too little with the question"
    else:
        why = "the best passage is not a sure answer"
    return f"{why} (confidence {confidence:.2f} < {threshold:.2f})"
