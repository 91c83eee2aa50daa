"""Selective question answering: the risk-coverage view of answers that carry a confidence.

An answer is given when its confidence reaches the threshold; it is wrong when a fact group is missing or
the corpus does not answer the question at all. Risk is the share of given answers that are wrong;
coverage the share of all questions answered. AURC is the mean risk over the curve (lower is better).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# One ranking of the questions: each one's confidence and whether its answer was right.
Ranking = tuple[Sequence[float], Sequence[bool]]

RISK_LEVELS = (0.02, 0.05, 0.10)


def risk_coverage(confidence: Sequence[float], correct: Sequence[bool],
                  weights: Sequence[float] | None = None) -> list[tuple[float, float, float]]:
    """(threshold, risk, coverage) for each distinct confidence, threshold ascending.

    `correct`: the answer given would hold every fact (for a question the corpus does not answer, never).
    `weights`: how much each question counts (default 1 each)."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    weight = np.ones(len(confidence)) if weights is None else np.asarray(weights, dtype=float)
    if not len(confidence):
        return []
    order = np.argsort(-confidence, kind="stable")
    wrong_so_far = np.cumsum(weight[order] * ~correct[order])
    answered = np.cumsum(weight[order])
    total = answered[-1]
    points = []
    for position in range(len(order)):
        is_last_of_value = position + 1 == len(order) or confidence[order[position + 1]] < confidence[order[position]]
        if is_last_of_value:
            points.append((float(confidence[order[position]]), float(wrong_so_far[position] / answered[position]),
                           float(answered[position] / total)))
    return sorted(points)


def coverage_at(curve: list[tuple[float, float, float]], risk: float) -> float:
    """The largest share of questions answered with at most `risk` of them wrong."""
    return max([c for _, r, c in curve if r <= risk], default=0.0)


def aurc(curve: list[tuple[float, float, float]]) -> float:
    """Area under the risk-coverage curve, by the trapezoid rule over coverage (0 is perfect)."""
    if not curve:
        return 0.0
    points = sorted((c, r) for _, r, c in curve)
    area, last_c, last_r = 0.0, 0.0, points[0][1]
    for c, r in points:
        area += (c - last_c) * (r + last_r) / 2
        last_c, last_r = c, r
    return area / last_c if last_c else 0.0


def selective_summary(confidence: Sequence[float], correct: Sequence[bool]) -> dict[str, float]:
    curve = risk_coverage(confidence, correct)
    summary = {f"coverage_at_{int(round(r * 100))}pct_risk": round(coverage_at(curve, r), 3) for r in RISK_LEVELS}
    summary["aurc"] = round(aurc(curve), 4)
    return summary


def selective_metrics(asked: Sequence, confidence: np.ndarray, correct: np.ndarray, threshold: float) -> dict:
    """The issue's table for one development set: askings with `mode` ('with'/'without') and `answerable`."""
    answered = confidence >= threshold
    normal = np.asarray([a.mode == "with" for a in asked])
    answerable = np.asarray([a.answerable for a in asked])
    unanswerable = normal & ~answerable
    deleted = np.asarray([a.mode == "without" for a in asked])
    answer_deleted = np.asarray([a.mode == "without_answer" for a in asked])

    def share(mask_hit, mask_all) -> float | None:
        total = int(mask_all.sum())
        return round(float((mask_hit & mask_all).sum()) / total, 3) if total else None
    return {
        "questions": int(normal.sum()),
        "fact_accuracy": share(answered & correct, answerable),
        "wrongly_answered": share(answered & ~correct, normal),
        "wrong_among_answered": share(~correct, answered & normal),
        "refused_answerable": share(~answered, answerable),
        "near_misses_refused": f"{int((~answered & unanswerable).sum())} of {int(unanswerable.sum())}",
        "deletion_refused": share(~answered, deleted),
        "deletion_answered_right_elsewhere": share(answered & correct, deleted),
        "answer_deletion_refused": share(~answered, answer_deleted),
        **selective_summary(confidence[normal], correct[normal]),
    }


@dataclass(frozen=True)
class AreaComparison:
    """Two confidence rankings of the same questions, compared by their risk-coverage areas."""
    before: float
    after: float
    after_better: float  # share of the bootstrap resamples where `after` has the smaller area
    after_worse: float  # … the larger one (the rest are ties: the change moved none of the questions drawn)
    low: float  # 5th and 95th percentiles of (after - before) over the resamples
    high: float


def compare_areas(strata: Sequence[str], weights: Sequence[float], before: Ranking | Sequence[Ranking],
                  after: Ranking | Sequence[Ranking], resamples: int = 1000, seed: int = 0) -> AreaComparison:
    """Paired bootstrap of the weighted risk-coverage area of two (confidence, correct) rankings of the same
    questions: each resample draws the questions of every stratum (a development set) with replacement, as
    many as it has, and scores both rankings on the same draw. One confident answer that flips moves the area
    of a 60-question set by several thousandths; the share of resamples a change wins says whether it is more
    than that. `before` and `after` may each be a list of rankings of the same questions (cross-validated
    under several deals of the articles to the folds): the area is then their mean, so that the comparison
    does not rest on one deal."""
    strata = np.asarray(strata)
    weight = np.asarray(weights, dtype=float)

    def rankings(given) -> list[tuple[np.ndarray, np.ndarray]]:
        listed = [given] if isinstance(given, tuple) else list(given)
        return [(np.asarray(c, dtype=float), np.asarray(r, dtype=bool)) for c, r in listed]
    before_rankings, after_rankings = rankings(before), rankings(after)

    def area(ranked: list[tuple[np.ndarray, np.ndarray]], index: np.ndarray) -> float:
        return float(np.mean([aurc(risk_coverage(c[index], r[index], weight[index])) for c, r in ranked]))
    everything = np.arange(len(strata))
    members = [np.flatnonzero(strata == s) for s in dict.fromkeys(strata.tolist())]
    rng = np.random.default_rng(seed)
    differences = []
    for _ in range(resamples):
        index = np.concatenate([rng.choice(m, len(m)) for m in members])
        differences.append(area(after_rankings, index) - area(before_rankings, index))
    differences = np.asarray(differences)
    return AreaComparison(area(before_rankings, everything), area(after_rankings, everything),
                          float(np.mean(differences < 0)), float(np.mean(differences > 0)),
                          float(np.quantile(differences, 0.05)),
                          float(np.quantile(differences, 0.95)))


@dataclass(frozen=True)
class ThresholdSpread:
    """The refusal threshold a fit reads at one risk, and how far resampling the questions moves it."""
    threshold: float | None  # None: no threshold keeps the answers that sure
    p10: float | None
    p50: float | None
    p90: float | None


def threshold_at(curve: list[tuple[float, float, float]], risk: float,
                 otherwise: float | None = None) -> float | None:
    """The lowest confidence at which the answers above it are wrong at most `risk` of the time: the rule the
    fit (bench/fit_selector.py) and the engine (Selector.threshold) read the refusal threshold by; `otherwise`
    when no confidence is that sure."""
    return min([t for t, r, _ in curve if r <= risk], default=otherwise)


def threshold_spread(strata: Sequence[str], weights: Sequence[float], rankings: Sequence[Ranking], risk: float,
                     resamples: int = 300, seed: int = 0) -> ThresholdSpread:
    """The threshold read off every ranking's questions together (the deals of a cross-validated fit), and its
    10th, 50th and 90th percentiles over resamples that draw each stratum's questions with replacement. The
    fit of 2026-11-30 (third session; index/data/selector.json) has its 5 % threshold at 0.743, with 0.53 and
    0.90 at the 10th and 90th percentiles, where news_dev's cross-validated fact accuracy is 0.83 and 0.48: the fact
    accuracy read at one fit's threshold moves as much with the draw of the questions as with most changes,
    which the areas (compare_areas) do not."""
    strata = np.asarray(strata)
    weight = np.asarray(weights, dtype=float)
    ranked = [(np.asarray(c, dtype=float), np.asarray(r, dtype=bool)) for c, r in rankings]

    def read(index: np.ndarray) -> float | None:
        curve = risk_coverage(np.concatenate([c[index] for c, _ in ranked]),
                              np.concatenate([r[index] for _, r in ranked]), np.tile(weight[index], len(ranked)))
        return threshold_at(curve, risk)
    members = [np.flatnonzero(strata == s) for s in dict.fromkeys(strata.tolist())]
    rng = np.random.default_rng(seed)
    # A draw no threshold serves counts as refusing everything (above any confidence).
    drawn = [read(np.concatenate([rng.choice(m, len(m)) for m in members])) for _ in range(resamples)]
    values = np.asarray([np.inf if t is None else t for t in drawn])
    p10, p50, p90 = (None if not np.isfinite(q) else round(float(q), 3)
                     for q in np.quantile(values, [0.1, 0.5, 0.9], method="lower"))
    return ThresholdSpread(read(np.arange(len(strata))), p10, p50, p90)
