"""The quote that answers: the chosen sentence, with a neighbour when the neighbour carries the answer.

Whether a neighbour joins is a fitted decision (the join model of index/data/selector.json, fitted by
bench/fit_selector.py): the features below describe what the neighbour adds, and the model says how likely
the sentence alone misses the answer that the pair holds. This module computes those features and builds
the quote; the decision itself is the selector's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .answering import MAX_ANSWER_CHARS, type_fit
from .models import Passage
from .question import Question
from .retrieval import Candidate, HybridRetriever
from .text import bigrams, folded_words

# Static: what the neighbour holds that the sentence lacks, whatever the sentence model says.
STATIC_JOIN_FEATURES = ("term_gain", "type_gain", "points_back", "before")
TYPE_GAIN = STATIC_JOIN_FEATURES.index("type_gain")
# Read from the sentence model at answer time: how the neighbour itself scored as an answer.
JOIN_FEATURES = ("neighbour_probability", "relative_probability", "sentence_probability", "sentence_novelty",
                 *STATIC_JOIN_FEATURES)

# Sentence openings that point back to the sentence before for their subject: a pronoun not followed by
# a name ("Ông cũng mô tả…", but not "Ông Nguyễn Văn A cho biết…"), or "con số này", "điều này"…
_ANAPHOR = re.compile(r"^\W*(?:Ông|Bà|Anh|Chị|Họ|Nó|Chúng|Đây|Đó|Điều này|Việc này|Con số này|Người này)"
                      r"(?:\s+(?:ấy|ta|này))?\s+(\w)")


def _points_back(sentence: str) -> bool:
    match = _ANAPHOR.match(sentence)
    return bool(match) and not match.group(1).isupper()


@dataclass(frozen=True)
class Neighbour:
    """A sentence next to the chosen one that could join the quote."""
    step: int  # -1 before, +1 after
    passage: Passage
    candidate: int | None  # its index among the question's candidates, when it is one
    static: tuple[float, ...]  # STATIC_JOIN_FEATURES


def neighbours(question: Question, terms: dict[str, float], chosen: Candidate, retriever: HybridRetriever,
               candidate_of: dict[int, int], budget: int = MAX_ANSWER_CHARS,
               skipped: frozenset[int] = frozenset()) -> list[Neighbour]:
    """The sentences before and after the chosen candidate's that fit the budget beside it, described.
    `candidate_of`: row -> index among the question's candidates."""
    passage = chosen.passage
    sentence_tokens = retriever.sentence_tokens(chosen.row)
    missing = {t: w for t, w in terms.items() if t not in sentence_tokens}
    total = sum(terms.values()) or 1.0
    own_fit = type_fit(question, passage.text) if question.kind != "other" else 1.0
    found = []
    for step in (-1, 1):
        row = retriever.neighbour_row(passage, step)
        if row is None or row in skipped:
            continue
        neighbour = retriever.passages[row]
        if len(neighbour.text) + len(passage.text) + 1 > budget:
            continue
        tokens = retriever.sentence_tokens(row)
        term_gain = sum(w for t, w in missing.items() if t in tokens) / total
        # Whether the neighbour holds the asked type better than the sentence: the quote gains it by its joining.
        type_gain = float(question.kind != "other" and type_fit(question, neighbour.text) > own_fit)
        points_back = float(step < 0 and _points_back(passage.text))  # "Ông cũng…": the subject is before
        found.append(Neighbour(step, neighbour, candidate_of.get(row),
                               (term_gain, type_gain, points_back, float(step < 0))))
    return found


def join_rows(options: list[tuple[int | None, tuple[float, ...]]], probabilities: np.ndarray, chosen: int,
              novelty: float) -> np.ndarray:
    """JOIN_FEATURES rows, one per neighbour given as (its candidate index or None, its static features)."""
    rows = []
    own = float(probabilities[chosen])
    for candidate, static in options:
        theirs = float(probabilities[candidate]) if candidate is not None else 0.0
        rows.append([theirs, theirs / own if own > 0 else 0.0, own, novelty, *static])
    return np.asarray(rows, dtype=float).reshape(len(rows), len(JOIN_FEATURES))


def focus(sentence: str, terms: dict[str, float], budget: int) -> str:
    """The sentence itself, or the run of its clauses that best covers the question within the budget."""
    if len(sentence) <= budget:
        return sentence
    clauses = re.split(r"(?<=[;,:])\s+", sentence)
    weights = []
    for clause in clauses:
        tokens = folded_words(clause)
        present = set(tokens) | set(bigrams(tokens))
        weights.append(sum(w for t, w in terms.items() if t in present))
    best_text, best_weight = clauses[0][:budget], -1.0
    for start in range(len(clauses)):
        length, weight = -1, 0.0
        for end in range(start, len(clauses)):
            length += len(clauses[end]) + 1
            if length + 2 > budget:
                break
            weight += weights[end]
            if weight > best_weight:
                best_weight = weight
                best_text = " ".join(clauses[start:end + 1])
    prefix = "" if sentence.startswith(best_text) else "…"
    suffix = "" if sentence.endswith(best_text) else "…"
    return f"{prefix}{best_text}{suffix}"


def quote(passage: Passage, joined: tuple[Neighbour, ...], terms: dict[str, float],
          budget: int = MAX_ANSWER_CHARS) -> tuple[str, tuple[Passage, ...]]:
    """The sentence with its joined neighbours (likelier first) in reading order, or the sentence alone trimmed
    to the budget. A neighbour whose words the sentence all holds (a lead repeating the body's first words) is
    left out: it would only say the same thing twice. A second neighbour joins only if all three fit the budget
    (each one fits beside the sentence: see neighbours)."""
    if len(joined) > 1 and not fits_together(passage, list(joined), budget):
        joined = joined[:1]  # the fit scores this quote the same way (bench/fit_selector.py quote_holds)
    own = set(folded_words(passage.text))
    kept = [n for n in joined if not set(folded_words(n.passage.text)) <= own]
    if not kept:
        return focus(passage.text, terms, budget), (passage,)
    ordered = (*(n.passage for n in kept if n.step < 0), passage, *(n.passage for n in kept if n.step > 0))
    return " ".join(p.text for p in ordered), ordered


def fits_together(passage: Passage, options: list[Neighbour], budget: int = MAX_ANSWER_CHARS) -> bool:
    """Whether the sentence and both its neighbours fit the budget as one quote."""
    return len(options) == 2 and _joined_length(len(passage.text), [len(n.passage.text) for n in options]) <= budget


def _joined_length(sentence_length: int, joined_lengths: list[int]) -> int:
    """The sentence and its neighbours, one space between each."""
    return sentence_length + sum(joined_lengths) + len(joined_lengths)


# Between the quote and a sentence from further on (or back) in the same article.
PARTNER_SEPARATOR = " … "


def nominal_length(sentence_length: int, joined_lengths: list[int], budget: int = MAX_ANSWER_CHARS) -> int:
    """The length of the quote that `quote` gives for a sentence and the lengths of its joining neighbours
    (likelier first), before a neighbour that repeats the sentence is left out: what the partner rule reads,
    in the engine and in the fit alike. Two neighbours that do not fit together leave the likelier."""
    if len(joined_lengths) > 1 and _joined_length(sentence_length, joined_lengths) > budget:
        joined_lengths = joined_lengths[:1]
    if not joined_lengths:
        return min(sentence_length, budget)
    return _joined_length(sentence_length, joined_lengths)


def partner_of(probabilities: np.ndarray, article_of: list[str], best: int, quoted: set[int]) -> int | None:
    """The likeliest other candidate of the best one's article that the quote does not hold already: a news
    story tells its figure or name sentences after the lead that repeats the question."""
    same = [i for i in range(len(probabilities)) if i != best and i not in quoted and article_of[i] == article_of[best]]
    return max(same, key=lambda i: probabilities[i]) if same else None


def partner_joins(probability: float, partner_at: float, quote_length: int, partner_length: int,
                  budget: int = MAX_ANSWER_CHARS) -> bool:
    """The partner joins the quote when the sentence model rates it at least `partner_at` (fitted) and both
    fit the budget."""
    return probability >= partner_at and quote_length + len(PARTNER_SEPARATOR) + partner_length <= budget


@dataclass(frozen=True)
class Sentences:
    """Each candidate's article and sentence length: what the partner rule reads."""
    articles: list[str]
    lengths: list[int]


def partner_for(probabilities: np.ndarray, sentences: Sentences, best: int, quoted: set[int],
                joined_lengths: list[int], partner_at: float, budget: int = MAX_ANSWER_CHARS) -> int | None:
    """The candidate whose sentence joins the best one's quote as its partner, or None: the engine's rule
    (Selector.partner) and the fit's (bench/fit_selector.py quote_holds). `quoted`: the candidates the quote
    holds already (its joining neighbours); `joined_lengths`: their lengths, likelier first."""
    partner = partner_of(probabilities, sentences.articles, best, quoted)
    if partner is None or not partner_joins(float(probabilities[partner]), partner_at,
                                            nominal_length(sentences.lengths[best], joined_lengths, budget),
                                            sentences.lengths[partner], budget):
        return None
    return partner
