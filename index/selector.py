"""The fitted answer selector: which candidate sentence answers, and how sure we are that it does.

Three logistic models fitted by bench/fit_selector.py on the development sets and kept, with the hashes of
the data and the scores they reached, in index/data/selector.json:
- the sentence model scores each candidate (SENTENCE_FEATURES of index/features.py) as the one holding the answer;
- the join model says whether a neighbour of the chosen sentence joins the quote (index/quoting.py): the
  probability that the sentence alone misses the answer that it and the neighbour hold; the likelier one
  joins at one cut, the other one too at a second;
- the confidence model turns the best candidate's score, its lead over the runner-up, how much the likeliest
  other candidate repeats it, its coverage and the join model's need into the probability that the quoted
  answer is right, calibrated on cross-validated predictions; of the sentence model's two best candidates,
  the quote it rates likelier right is the one given, when the fit found that better (choose_among).
The refusal threshold comes from the same file: the lowest confidence whose answered questions were
wrong at most `risk` of the time on the development data.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .features import FEATURES, KINDS, SENTENCE_COLUMNS, SENTENCE_FEATURES
from .answering import MAX_ANSWER_CHARS
from .quoting import JOIN_FEATURES, TYPE_GAIN, Neighbour, Sentences, join_rows, partner_for
from .selection_metrics import threshold_at

SELECTOR_PATH = Path(__file__).resolve().parent / "data" / "selector.json"
NEVER = 1.01  # a cut no probability reaches: a threshold that refuses everything, a join or partner that never comes
# What the best candidate's row adds to its score. More of its features made the cross-validated
# risk-coverage curve worse (the fit report of 2026-11-28): the confidence model stays small.
# names_in_article (every name the question says is in the sentence's article): added 2026-11-29 with the
# deletion askings weighing half (bench/fit_selector.py DELETION_WEIGHT), pooled area 0.0476 against 0.0492
# over five deals; a question naming what no article names ("Thủ tướng Nhật Bản") is then refused.
# article_coverage (how much of the question the best sentence's whole article holds): added 2026-11-29, pooled
# area 0.0448 against 0.0459 over five deals (better in 76 % of 500 paired resamples, and in every deal), news
# 0.122 against 0.127; Wikipedia 0.0515 against 0.0487 (worse in every resample: there every question is
# written on its article). At the 5 % risk threshold (0.768, was 0.776) cross-validated fact accuracy rose on
# news from 0.575 to 0.617 and on Wikipedia from 0.644 to 0.678, wrongly answered from 0.047 to 0.053 and from
# 0.044 to 0.054; near-misses refused 58 of 60 (was 56), news deletion askings refused 0.971 (was 0.950).
# slot_filled (the best sentence names the asked noun with something new after it: "khu công nghiệp nào" and
# "Khu Công nghiệp Châu Sơn"): added the same day, pooled area 0.0444 against 0.0448 (better in 83 %), news
# 0.118 against 0.122 (92 %), Wikipedia 0.0508 against 0.0514 (79 %). Threshold 0.748; CV fact accuracy news
# 0.633 (wrongly answered 0.050), Wikipedia 0.687 (0.055), seeds 0.937 (two askings of one deal fell under it).
# Eight other features of the best sentence tried beside them left the pooled area no better: window and focus
# coverage, novel share, a new name, the question's numbers present, title coverage, the article's gap and its
# dense similarity.
# answer_context (the words beside what the question asks stand beside a figure or a name of the asked kind in
# the best sentence: features.answer_context), read by this model only: added 2026-11-29, pooled area 0.0333
# against 0.0344 over five deals (better in 89 % of 500 paired resamples), Wikipedia 0.0470 against 0.0503
# (98 %), news 0.0809 against 0.0822 (57 %). CV fact accuracy news 0.717 (was 0.704), Wikipedia 0.734 (0.723),
# wrongly answered the same; held out, news_extra2 fact 0.815 (0.704) and news_more 0.80 (0.76), wrongly
# answered the same or lower. Its reach was fitted: 6 words left the area at 0.0340; left out for questions
# of no asked kind, 0.0343.
# dense_rank, keyword_rank, fused_rank, in_both_lists (where each retrieval list ranked the best sentence):
# added 2026-11-30. How many sentences of the corpus the dense search puts before the quoted one tells a right
# quote from a topical one, as its similarity alone does not. Pooled area 0.0304 against 0.0333 over five deals
# (better in 80 % of 1,000 paired resamples), Wikipedia 0.0364 against 0.0470 (100 %), news 0.0814 against
# 0.0807 (50 %); CV fact accuracy Wikipedia 0.766 (was 0.734), news 0.733 (0.717), wrongly answered 0.052
# (0.056) and 0.047 (the same). Dense rank alone gave most of it (0.0306); the gaps to the best candidate's
# coverage and similarity tried beside them made it worse (0.0319). Its cost: a story the corpus tells sits
# high in both lists even when the detail asked is missing. Askings without their answer sentences refused,
# CV: Wikipedia 0.458 against 0.505, news 0.367 against 0.388; held out, near-misses refused 19 of 31 against
# 20, while right answers rose from 119 to 121 of 140 and wrong ones fell from 19 to 17 of 171 questions.
# Learning from those askings at a small weight (0.15, 0.3) refused more of them but fewer news near-misses
# (56 and 55 of 60) with a worse news area (0.091, 0.093).
_BEST = ("coverage", "context_coverage", "dense", "names_in_article", "article_coverage", "slot_filled",
         "dense_rank", "keyword_rank", "fused_rank", "in_both_lists", "answer_context")
# best_type_fit: how well the best sentence holds what the question asks for (a number with the asked unit, a
# person's name, a date: features.fit_<kind>). Added 2026-11-29: pooled cross-validated risk-coverage area
# 0.0477 against 0.0496 without it (better in 90 % of 300 paired bootstrap resamples); news 0.096 against
# 0.102, but Wikipedia 0.064 against 0.059 (worse in every resample): the pool is the measure.
# type_fit_<kind>: best_type_fit again in the column of the asked kind, so that the fit weighs a missing person
# apart from a missing unit. Added 2026-11-29 with the sentence features article_fit_gap and fit_with_context:
# the three together against the fit before them, pooled area 0.0373 against 0.0438 over five deals (better in
# 96 % of 500 paired resamples), news 0.099 against 0.114 (90 %), Wikipedia 0.0514 against 0.0513. On its own
# type_fit_<kind> left the area as it was (0.0373 against 0.0377, 65 %); it is kept because at the 5 % risk
# threshold the seeds' near-miss "Ai là Giám đốc Công an tỉnh Bình Dương?" (the article names only the deputy)
# was answered in two of five deals without it, and in none with it.
# partnered: the partner sentence of the article joined the quote (Selector.partner); the quote's type fit
# counts the partner's too. Added 2026-11-29 with the partner (bench/fit_selector.py PARTNER_GRID).
CONFIDENCE_FEATURES = ("top", "lead", "corroboration", "top_logit", *(f"best_{name}" for name in _BEST),
                       "best_type_fit", *(f"kind_{kind}" for kind in KINDS),
                       *(f"type_fit_{kind}" for kind in KINDS if kind != "other"), "join_need", "joined", "partnered")


class SelectorFileError(RuntimeError):
    """index/data/selector.json is missing or does not match the features this code computes."""


@dataclass(frozen=True)
class LinearModel:
    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_json(cls, data: dict) -> "LinearModel":
        return cls(tuple(data["features"]), np.asarray(data["mean"], float), np.asarray(data["scale"], float),
                   np.asarray(data["coef"], float), float(data["intercept"]))

    def to_json(self) -> dict:
        return {"features": list(self.names), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist(),
                "intercept": round(self.intercept, 6)}

    def logit(self, rows: np.ndarray) -> np.ndarray:
        return ((rows - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(rows)))


def confidence_row(probabilities: np.ndarray, features: np.ndarray, best: int, kind: str, need: float,
                   join_at: float, agreement: np.ndarray | None = None, type_gain: float = 0.0,
                   partner: int | None = None) -> np.ndarray:
    """What the confidence model reads of one question's ranked candidates.

    `need`: the join model's probability that the best sentence misses the answer a neighbour holds; the
    quote is then less sure, more so when that neighbour did not join (need under `join_at`).
    The lead over the best sentence of another article was tried beside the lead over any other sentence
    (a news story repeats its figure in title, lead and body): the cross-validated curve got worse.
    `agreement` (features.agreement_with the best): corroboration is the likeliest other candidate's
    probability times how much of what the best sentence says beyond the question it says too. I added it
    expecting a repeated fact to be surer; the fit weighs it against the answer instead: with the lead held,
    a likely sentence much like the best one is a doubt (the same story with another figure, "120 camera" and
    "300 camera"). Fit of 2026-11-29: pooled cross-validated risk-coverage area 0.0505 against 0.0524 without
    it (the new model better in 87 % of 300 paired bootstrap resamples); discounting agreeing sentences from
    the lead instead gave 0.0526.
    `type_gain`: 1 when a neighbour joined to the quote holds the asked type better than the best sentence
    (quoting.TYPE_GAIN), else 0; `partner`: the candidate whose sentence joined the quote as its partner
    (Selector.partner), or None. best_type_fit is the quote's, not only the best sentence's (with the
    partner's own fit), since a caption or a lead that echoes the question is quoted with the sentence after it
    that names the person or the figure; partnered says whether a partner joined."""
    top = float(probabilities[best])
    others = np.delete(probabilities, best)
    runner_up = float(others.max()) if others.size else 0.0
    agreeing = np.zeros(len(probabilities)) if agreement is None else agreement
    corroboration = float(np.delete(probabilities * agreeing, best).max(initial=0.0))
    row = features[best]
    type_fit = min(1.0, row[FEATURES.index(f"fit_{kind}")] + type_gain) if kind in KINDS else 0.0
    if partner is not None and kind in KINDS:  # the quote holds the asked type as well as its partner does
        type_fit = max(type_fit, features[partner, FEATURES.index(f"fit_{kind}")])
    return np.asarray([top, top - runner_up, corroboration, _logit(top),
                       *(row[FEATURES.index(name)] for name in _BEST),
                       type_fit, *(float(kind == k) for k in KINDS),
                       *(type_fit * (kind == k) for k in KINDS if k != "other"),
                       need, float(need >= join_at), float(partner is not None)])


def joined_options(need: np.ndarray, join_at: float, also_at: float) -> list[int]:
    """Which neighbours join the quote, given each one's need, likelier first: the likelier when it reaches
    `join_at`, and the other one too when its own need reaches `also_at` (see Selector)."""
    if not len(need):
        return []
    order = [int(i) for i in np.argsort(-need, kind="stable")]
    if need[order[0]] < join_at:
        return []
    return [order[0], *(i for i in order[1:] if need[i] >= also_at)]


def joined_type_gain(joined: list[tuple[float, ...]]) -> float:
    """What the joining neighbours (their static join features) add to the quote's type fit. Both are counted
    even where the budget leaves the second out of the quote (quoting.quote): the fit reads it the same way."""
    return max((static[TYPE_GAIN] for static in joined), default=0.0)


def novelty_of(features: np.ndarray, index: int) -> float:
    """How much of the sentence the question does not say: an echo of the question has its answer elsewhere."""
    return float(features[index][FEATURES.index("novel_share")])


def _logit(p: float) -> float:
    clipped = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(clipped / (1 - clipped))


@dataclass(frozen=True)
class Selection:
    best: int | None  # index into the candidates; None when there are none
    probabilities: np.ndarray
    confidence: float


class Selector:
    def __init__(self, data: dict) -> None:
        self.sentence = LinearModel.from_json(data["sentence_model"])
        self.confidence = LinearModel.from_json(data["confidence_model"])
        self.join = LinearModel.from_json(data["join_model"])
        # A neighbour joins when the join model's need reaches this cut: the one of even odds, the base rate
        # of needed neighbours, or 0 (always) whose cross-validated risk-coverage area was smallest in the fit.
        self.join_at = float(data["join_model"]["join_at"])
        # The other neighbour joins too (the sentence between its two) when its own need reaches this cut: even
        # odds, the base rate of needed neighbours, or never, whichever the fit's curve preferred. Never
        # "always": the answer stays short (a third sentence is for a subject before and a figure after).
        self.also_join_at = float(data["join_model"]["also_join_at"])
        # The likeliest other sentence of the best one's article joins the quote too (after " … ") when the
        # sentence model rates it at least this, and both fit the budget (quoting.partner_joins): never, or
        # the cut whose cross-validated risk-coverage area was smallest in the fit.
        self.partner_at = float(data["join_model"]["partner_at"])
        # The quote is chosen among the sentence model's best this many candidates: the one whose quote the
        # confidence model rates likeliest right (1: the likeliest candidate's). Fitted (bench/fit_selector.py
        # CHOOSE_GRID).
        self.choose_among = int(data["confidence_model"]["choose_among"])
        if (self.sentence.names != SENTENCE_FEATURES or self.confidence.names != CONFIDENCE_FEATURES
                or self.join.names != JOIN_FEATURES):
            raise SelectorFileError(
                f"{SELECTOR_PATH} was fitted on other features than this code computes; "
                "refit it with: python bench/fit_selector.py")
        # (confidence threshold, risk, coverage) on the development data, threshold ascending.
        self.curve = [tuple(point) for point in data["risk_coverage"]]
        self.report = data.get("report", {})

    def select(self, features: np.ndarray, kind: str,
               neighbours_of: Callable[[int], list[Neighbour]] = lambda index: [],
               agreement_of: Callable[[int], np.ndarray] | None = None,
               sentences: Sentences | None = None,
               refused: Callable[[int], bool] = lambda index: False) -> Selection:
        """The candidate whose quote answers, and the confidence in it: of the sentence model's `choose_among`
        best candidates, the one whose quote the confidence model rates likeliest right (the likelier candidate
        on a tie). `neighbours_of(i)`: candidate i's neighbours that could join its quote (index/quoting.py);
        `agreement_of(i)`: features.agreement_with(i); `sentences`: each candidate's article and length, for
        the partner sentence (None: no partner); `refused(i)`: the engine refuses candidate i's quote whatever
        its confidence (Engine.period_conflict), so it counts 0 here."""
        if not len(features):
            return Selection(None, np.zeros(0), 0.0)
        probabilities = self.sentence.probability(features[:, SENTENCE_COLUMNS])
        ranked = likeliest(probabilities, self.choose_among)

        def sure(index: int) -> float:
            if len(ranked) > 1 and refused(index):
                return 0.0
            return self.confidence_of(probabilities, features, index, kind, neighbours_of(index),
                                      None if agreement_of is None else agreement_of(index), sentences)
        confidences = [sure(index) for index in ranked]
        pick = int(np.argmax(confidences))
        return Selection(ranked[pick], probabilities, confidences[pick])

    def confidence_of(self, probabilities: np.ndarray, features: np.ndarray, index: int, kind: str,
                      options: list[Neighbour], agreement: np.ndarray | None = None,
                      sentences: Sentences | None = None) -> float:
        """Confidence that candidate `index`'s quote answers (the confidence model read from its place in the
        ranking, from the candidates that say otherwise, from its neighbours and its partner sentence)."""
        needs, joined = self._joining(options, probabilities, index, features)
        partner = None if sentences is None else self.partner(probabilities, index, joined, sentences)
        row = confidence_row(probabilities, features, index, kind, float(needs.max(initial=0.0)), self.join_at,
                             agreement, joined_type_gain([n.static for n in joined]), partner)
        return float(self.confidence.probability(row[None, :])[0])

    def partner(self, probabilities: np.ndarray, index: int, joined: tuple[Neighbour, ...], sentences: Sentences,
                budget: int = MAX_ANSWER_CHARS) -> int | None:
        """The candidate whose sentence joins candidate `index`'s quote as its partner (quoting.partner_for), or
        None."""
        return partner_for(probabilities, sentences, index, {n.candidate for n in joined if n.candidate is not None},
                           [len(n.passage.text) for n in joined], self.partner_at, budget)

    def join_need(self, options: list[Neighbour], probabilities: np.ndarray, chosen: int,
                  features: np.ndarray) -> np.ndarray:
        """Per neighbour: the probability that the chosen sentence alone misses the answer that it and this
        neighbour hold."""
        if not options:
            return np.zeros(0)
        return self.join.probability(join_rows([(o.candidate, o.static) for o in options], probabilities, chosen,
                                               novelty_of(features, chosen)))

    def neighbours_to_join(self, options: list[Neighbour], probabilities: np.ndarray, chosen: int,
                           features: np.ndarray) -> tuple[Neighbour, ...]:
        """The neighbours that join the chosen sentence's quote, likelier first (none, one or both)."""
        return self._joining(options, probabilities, chosen, features)[1]

    def _joining(self, options: list[Neighbour], probabilities: np.ndarray, chosen: int,
                 features: np.ndarray) -> tuple[np.ndarray, tuple[Neighbour, ...]]:
        """Each neighbour's join need, and the neighbours that join."""
        need = self.join_need(options, probabilities, chosen, features)
        return need, tuple(options[i] for i in joined_options(need, self.join_at, self.also_join_at))

    def threshold(self, risk: float) -> float:
        """The lowest confidence at which answered dev questions were wrong at most `risk` of the time."""
        return threshold_at(self.curve, risk, NEVER)  # no threshold reaches that risk: refuse everything


def likeliest(probabilities: np.ndarray, count: int) -> list[int]:
    """The `count` candidates the sentence model rates likeliest, likeliest first (the earlier on a tie): those
    Selector.select chooses the quote among, and bench/fit_selector.py with it."""
    return [int(i) for i in np.argsort(-probabilities, kind="stable")[:count]]


def load_selector(path: Path = SELECTOR_PATH) -> Selector:
    try:
        return _cached(str(path))
    except (OSError, ValueError, KeyError) as error:
        raise SelectorFileError(f"Cannot load the answer selector {path} ({error.__class__.__name__}: {error}); "
                                "restore it from git or refit it with: python bench/fit_selector.py") from None


@lru_cache(maxsize=4)
def _cached(path: str) -> Selector:
    return Selector(json.loads(Path(path).read_text(encoding="utf-8")))
