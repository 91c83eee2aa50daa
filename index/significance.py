"""How far an evaluation's figures can be trusted: an interval for a share, and whether two runs differ.

A gold file of 48 answerable questions puts 37 right answers (0.771) anywhere from 0.66 to 0.86 at 90 %, so
a change of a few points between two runs of it may be chance. Both are exact binomial readings (scipy).
"""
from __future__ import annotations

INTERVAL_LEVEL = 0.90
# A p-value below this says a difference between two runs is unlikely to be chance.
SIGNIFICANT_BELOW = 0.05


def share_interval(hits: int, total: int, level: float = INTERVAL_LEVEL) -> tuple[float, float] | None:
    """The Wilson score interval of hits / total at `level` (None without questions)."""
    if not total:
        return None
    from scipy.stats import binomtest  # read only by evaluation: the answering path does not pay the import

    interval = binomtest(hits, total).proportion_ci(confidence_level=level, method="wilson")
    return round(float(interval.low), 3), round(float(interval.high), 3)


def flips_p_value(fixed: int, broken: int) -> float | None:
    """Two runs over the same questions, of which `fixed` went from wrong to right and `broken` from right to
    wrong: the chance of a split at least this uneven if the change made no difference (the two-sided exact
    sign test, McNemar's exact test). None when no question changed."""
    if not fixed + broken:
        return None
    from scipy.stats import binomtest

    return round(float(binomtest(fixed, fixed + broken, 0.5).pvalue), 4)
