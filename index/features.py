"""What the answer selector knows of each candidate sentence: a fixed, named feature vector.

The features describe how a sentence relates to the question (lexical coverage, dense similarity, ranks,
the asked type, names, numbers and periods) and to the other candidates (gaps to the best); the weights
that combine them are fitted on the development sets (bench/fit_selector.py), never set here.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .answering import type_fit
from .periods import Period, article_years, other_period, years_in
from .question import Question, proper_noun_runs
from .retrieval import MISSING_RANK, Candidate, HybridRetriever
from .text import bigrams, fold_diacritics, folded_words, words

KINDS = ("number", "date", "person", "place", "other")
FEATURES = (
    "coverage", "coverage_gap", "window_coverage", "focus_coverage", "context_coverage", "context_gap",
    "title_coverage", "neighbour_gain", "article_coverage", "article_gap",
    "dense", "dense_gap", "neighbour_dense_gain", "article_dense", "article_dense_gap",
    "dense_rank", "keyword_rank", "fused_rank", "in_both_lists",
    *(f"fit_{kind}" for kind in KINDS), "article_fit_gap",
    "new_number", "new_year", "new_name", "novel_share", "slot_filled",
    "names_in_sentence", "names_in_article", "numbers_in_sentence",
    "asks_year", "year_in_sentence", "year_of_article", "other_year_only",
    "position", "length", "article_share", "article_best", "fit_with_context",
    "answer_context",
)
# Columns only the confidence model reads (index/selector.py _BEST). answer_context also in the sentence model
# made it choose worse quotes on news (best quote holds 0.821 against 0.875 cross-validated, bench/fit_selector.py
# of 2026-11-29); read only by the confidence model it tells a right quote from a wrong one (see selector.py).
CONFIDENCE_ONLY = ("answer_context",)
SENTENCE_FEATURES = tuple(name for name in FEATURES if name not in CONFIDENCE_ONLY)
SENTENCE_COLUMNS = np.asarray([FEATURES.index(name) for name in SENTENCE_FEATURES])
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class _SentenceFacts:
    """What the features read of a sentence alone, whatever the question: computed once per sentence."""
    syllables: tuple[str, ...]
    numbers: frozenset[str]
    years: frozenset[int]
    proper_runs: tuple[str, ...]
    written: tuple[str, ...]  # its words as written, and the same words folded (answer_context)
    written_folded: tuple[str, ...]
    # Where answer_context's things stand among the written words: figures, and capitalised words after the first
    figures: tuple[int, ...]
    capitalised: tuple[int, ...]


@lru_cache(maxsize=50_000)
def _sentence_facts(text: str) -> _SentenceFacts:
    written = tuple(words(text))
    return _SentenceFacts(tuple(folded_words(text)), frozenset(_DIGITS.findall(text)), years_in(text),
                          tuple(proper_noun_runs(text)), written, tuple(fold_diacritics(w).lower() for w in written),
                          tuple(i for i, t in enumerate(written) if t[:1].isdigit()),
                          tuple(i for i, t in enumerate(written) if i and t[:1].isupper()))


@lru_cache(maxsize=4096)
def _title_tokens(title: str) -> frozenset[str]:
    syllables = folded_words(title)
    return frozenset(syllables + bigrams(syllables))


def _slot_filled(slot: tuple[str, ...], syllables: tuple[str, ...], asked: set[str]) -> float:
    """The sentence names the asked noun followed by something the question does not say: "khu công
    nghiệp nào" answered by "Khu Công nghiệp Châu Sơn". The longest end of the noun found, as a share."""
    for size in range(len(slot), 0, -1):
        tail = slot[-size:]
        for index in range(len(syllables) - size):
            if syllables[index:index + size] == tail and syllables[index + size] not in asked:
                return size / len(slot)
    return 0.0


# The words that ask ("bao nhiêu", "ai", "gì", "nào", "mấy", "đâu", "sao"), folded, and how many words on
# each side of the first of them say what is asked: "xử phạt bao nhiêu tiền", "qua đời tại bệnh viện nào".
# Folded, "đầu" and "máy" read as asking words too. Read accented, as question.py reads the asked kind, the
# fit was worse (pooled area 0.0337 against 0.0333, Wikipedia 0.0481 against 0.0470, worse in 98 % of 500
# paired resamples; CV fact accuracy news 0.704, Wikipedia 0.726), so the folded reading stays.
_ASKING = frozenset({"ai", "gi", "nao", "nhieu", "may", "dau", "sao"})
ASKING_REACH = 4


def asking_context(question: Question, terms: dict[str, float]) -> dict[str, float]:
    """The question's terms within ASKING_REACH words of its first asking word, with their weights: the
    words the answer sits beside ("xử phạt … tiền" beside a fine, "bệnh viện" beside a hospital's name)."""
    tokens = folded_words(question.text)
    for index, token in enumerate(tokens):
        if token in _ASKING:
            near = tokens[max(0, index - ASKING_REACH):index] + tokens[index + 1:index + 1 + ASKING_REACH]
            return {t: terms[t] for t in near if t in terms}
    return {}


def answer_context(asking: dict[str, float], sentence: str, kind: str, asked: set[str]) -> float:
    """How much of the asking context stands within ASKING_REACH words of a thing of the asked kind in the
    sentence (a figure for a number or a date, else a capitalised word the question does not say), the best
    such thing counted. A sentence that tells the story but not the detail asked holds its figures and names
    beside other words: "… bán Paypal cho eBay, Musk đã khởi sự SpaceX (… vào năm 2002)" asked when Paypal
    was sold."""
    if not asking:
        return 0.0
    facts = _sentence_facts(sentence)
    folded = facts.written_folded
    if kind in ("number", "date"):
        things = facts.figures
    else:
        things = tuple(i for i in facts.capitalised if folded[i] not in asked)
    if not things:
        return 0.0
    # Where the asking words stand: a sentence holds few of them, so each thing looks them up instead of
    # reading the words around it (a question's features read forty sentences).
    at = [(j, t) for j, t in enumerate(folded) if t in asking]
    if not at:
        return 0.0
    total = sum(asking.values())
    best = 0.0
    for i in things:
        near = {t for j, t in at if j != i and abs(j - i) <= ASKING_REACH}
        best = max(best, sum(w for t, w in asking.items() if t in near) / total)
    return best


def coverage(terms: dict[str, float], tokens: set[str] | frozenset[str]) -> float:
    total = sum(terms.values())
    return sum(w for t, w in terms.items() if t in tokens) / total if total else 0.0


# Syllables in a run, about one clause. Fitted: the pooled cross-validated area over five deals was 0.0502,
# 0.0492 and 0.0507 at 8, 12 and 16 (0.0534 without the feature), bench/fit_selector.py of 2026-11-29.
WINDOW = 12


@lru_cache(maxsize=50_000)
def _pairs(syllables: tuple[str, ...]) -> tuple[str, ...]:
    """Each syllable's pair with the next ("" for the last): computed once per sentence, not per question."""
    return tuple(f"{a}_{b}" for a, b in zip(syllables, syllables[1:])) + ("",)


def window_coverage(terms: dict[str, float], syllables: tuple[str, ...], tokens: set[str] | frozenset[str]) -> float:
    """Coverage by the sentence's best run of WINDOW syllables: the answer holds the question's words together,
    in one clause, where a long sentence on the topic scatters them. Terms that are not syllables or pairs of
    them (the glossary's concepts) count wherever the sentence holds them."""
    total = sum(terms.values())
    if not total:
        return 0.0
    anywhere = sum(w for t, w in terms.items() if t in tokens and "_" not in t and t not in syllables)
    # Where the question's terms stand: (position, term) in reading order. Only runs that end on one of them
    # can be the best, so the run slides from one to the next (a question's features read forty sentences).
    at = [(i, t) for i, pair in enumerate(zip(syllables, _pairs(syllables))) for t in pair if t in terms]
    held: dict[str, int] = {}  # the terms of the run ending at position i, with how often the run holds each
    weight = best = 0.0
    left = 0  # the first of `at` still in the run

    def leave(before: int) -> None:
        nonlocal left, weight
        while left < len(at) and at[left][0] < before:
            term = at[left][1]
            held[term] -= 1
            weight -= terms[term] if not held[term] else 0.0
            left += 1
    k = 0
    while k < len(at):
        i = at[k][0]
        leave(i - WINDOW)  # the terms the run left before reaching i, in the order they left it
        while k < len(at) and at[k][0] == i:
            term = at[k][1]
            held[term] = held.get(term, 0) + 1
            weight += terms[term] if held[term] == 1 else 0.0
            k += 1
        leave(i - WINDOW + 1)  # the term at i - WINDOW leaves as i enters
        best = max(best, weight)
    return (best + anywhere) / total


def _rank(rank: int) -> float:
    return math.log1p(min(rank, MISSING_RANK))


def _article_dense(candidates: list[Candidate]) -> dict[str, float]:
    """Each candidate article's most similar sentence: from exact search when it gave one, else (Chroma's index
    searched) the best among the article's candidates."""
    best: dict[str, float] = {}
    for c in candidates:
        seen = c.dense if c.article_dense is None else c.article_dense
        best[c.passage.article_id] = max(seen, best.get(c.passage.article_id, seen))
    return best


def agreement_with(question: Question, candidates: list[Candidate], index: int) -> np.ndarray:
    """Per candidate: the share of what candidate `index` says beyond the question (its folded syllables the
    question does not hold) that this candidate says too; 1 when `index` says nothing more. A story's caption,
    lead and body repeating one fact agree fully, the same story with another figure mostly, another topic not."""
    asked = set(question.content)
    said = [set(_sentence_facts(c.passage.text).syllables) for c in candidates]
    beyond = said[index] - asked
    if not beyond:
        return np.ones(len(candidates))
    return np.asarray([len(beyond & other) / len(beyond) for other in said])


def candidate_features(question: Question, terms: dict[str, float], candidates: list[Candidate],
                       retriever: HybridRetriever, period: Period,
                       excluded_rows: frozenset[int] = frozenset()) -> np.ndarray:
    """One row per candidate, columns in FEATURES order. `excluded_rows`: sentences read as never written
    (evaluation's answer-deletion mode), in the contexts and articles of the others too."""
    if not candidates:
        return np.zeros((0, len(FEATURES)))
    question_numbers = set(_DIGITS.findall(question.text))
    question_tokens = set(question.content)
    question_names = [n.split() for n in question.names]
    focus = set(question.focus) | set(bigrams(list(question.focus)))
    focus_terms = {t: w for t, w in terms.items() if t in focus} or terms
    asked_runs = set(proper_noun_runs(question.text))
    asking = asking_context(question, terms)
    rows = []
    article_counts: dict[str, int] = {}
    for c in candidates:
        article_counts[c.passage.article_id] = article_counts.get(c.passage.article_id, 0) + 1
    # How much of the question the whole article holds: a news question names its story in many words,
    # spread over the lead and the sentence that answers.
    # Read once per article: without excluded rows a lookup, with them a fold of the article's sentences.
    article_tokens = {a: retriever.article_tokens(a, excluded_rows) for a in article_counts}
    article_coverage = {a: coverage(terms, tokens) for a, tokens in article_tokens.items()}
    best_rank_of_article: dict[str, int] = {}
    for c in candidates:
        best_rank_of_article.setdefault(c.passage.article_id, c.fused_rank)
    article_dense = _article_dense(candidates)
    for c in candidates:
        passage = c.passage
        sentence_tokens = retriever.sentence_tokens(c.row)
        context_tokens = sentence_tokens | retriever.context_tokens(c.row, excluded_rows)
        facts = _sentence_facts(passage.text)
        sentence_syllables, numbers, years = facts.syllables, facts.numbers, facts.years
        fit = type_fit(question, passage.text)
        names_here = [all(part in sentence_tokens for part in name) for name in question_names]
        in_article = article_tokens[passage.article_id]
        names_article = [all(f"{a}_{b}" in in_article for a, b in zip(n, n[1:])) if len(n) > 1
                         else n[0] in in_article
                         for n in question_names]
        of_article = article_years(passage.title, passage.date)
        asks_year = bool(period.named)
        content = [s for s in sentence_syllables if not s.isdigit()]
        by_sentence, by_context = coverage(terms, sentence_tokens), coverage(terms, context_tokens)
        rows.append([
            by_sentence,
            0.0,  # coverage_gap, filled below
            window_coverage(terms, sentence_syllables, sentence_tokens),
            coverage(focus_terms, sentence_tokens),
            by_context,
            0.0,  # context_gap
            coverage(terms, _title_tokens(passage.title)),
            by_context - by_sentence,
            article_coverage[passage.article_id],
            0.0,  # article_gap
            c.dense,
            0.0,  # dense_gap
            0.0 if c.neighbour_dense is None else c.neighbour_dense - c.dense,
            article_dense[passage.article_id],
            0.0,  # article_dense_gap
            _rank(c.dense_rank),
            _rank(c.keyword_rank),
            _rank(c.fused_rank),
            float(c.dense_rank < MISSING_RANK and c.keyword_rank < MISSING_RANK),
            *(fit if question.kind == kind else 0.0 for kind in KINDS),
            0.0,  # article_fit_gap
            float(bool(numbers - question_numbers)),
            float(any(str(y) not in question.text for y in years)),
            float(any(run not in asked_runs for run in facts.proper_runs)),
            sum(1 for s in content if s not in question_tokens) / len(content) if content else 0.0,
            _slot_filled(question.slot, sentence_syllables, question_tokens),
            sum(names_here) / len(names_here) if names_here else 1.0,
            float(all(names_article)),
            len(question_numbers & numbers) / len(question_numbers) if question_numbers else 1.0,
            float(asks_year),
            float(asks_year and bool(period.named & years)),
            float(asks_year and bool(of_article & period.named)),
            float(other_period(period.named, years, of_article)),
            math.log1p(passage.position),
            math.log(max(len(passage.text), 10)),
            article_counts[passage.article_id] / len(candidates),
            _rank(best_rank_of_article[passage.article_id]),
            # fit_with_context: the sentence holds the asked type and its neighbours hold the question's words
            # ("Sự cố làm mất điện … 7,7 triệu khách hàng" after the lead that tells the story). A linear model
            # cannot multiply two features; this product is what lifts the answer over the echoing lead.
            (fit if question.kind != "other" else 0.0) * (by_context - by_sentence),
            answer_context(asking, passage.text, question.kind, question_tokens),
        ])
    matrix = np.asarray(rows, dtype=float)
    for column, gap in (("coverage", "coverage_gap"), ("context_coverage", "context_gap"), ("dense", "dense_gap"),
                        ("article_coverage", "article_gap"), ("article_dense", "article_dense_gap")):
        source, target = FEATURES.index(column), FEATURES.index(gap)
        matrix[:, target] = matrix[:, source] - matrix[:, source].max()
    fits = matrix[:, [FEATURES.index(f"fit_{kind}") for kind in KINDS]].sum(axis=1)
    articles = [c.passage.article_id for c in candidates]
    best_fit: dict[str, float] = {}
    for article, value in zip(articles, fits):
        best_fit[article] = max(best_fit.get(article, 0.0), value)
    matrix[:, FEATURES.index("article_fit_gap")] = [value - best_fit[a] for a, value in zip(articles, fits)]
    return matrix
