"""How well questions typed without diacritics get them back, for choosing the restorer's two settings.

Usage:
  python bench/restore_diacritics.py GOLD.jsonl[,GOLD2.jsonl…]@DATA_DIR … [--smoothing 1 10 30 100 300]
                                     [--question-weight 0 5 20 100] [--partial-margin 0 2 5 10 20]

Each gold file's questions written with diacritics are asked three ways and restored with the index in
DATA_DIR (its corpus's spellings): folded as `hoidap eval --without-diacritics` folds them; with the marks of
about a quarter of their words left off (evaluation.some_diacritics), as a hurried phone typist does; and as
written, which must come back unchanged. Prints, per index and setting, the share of syllables (and of whole
questions) restored as written, and how many questions typed with care were changed.

Measured 2026-11-30 (news: news_dev and the three held-out news files over the 1,000 articles, 172 questions
written with diacritics; Wikipedia: xquad-vi-dev over its 24 articles, 624; seeds: qa.jsonl and
seed_unseen_qa.jsonl over the five articles, 49). Typed without diacritics, syllables (whole questions)
restored as written, news / Wikipedia / seeds:
- before, the greedy reader (each pair's most frequent spelling, left to right): 0.895 (0.192) / 0.942
  (0.508) / 0.969 (0.673);
- the bigram reader without the question phrases, smoothing 1 / 10 / 30 / 100 / 300: news 0.963 / 0.968 /
  0.970 / 0.973 / 0.970, Wikipedia 0.960 / 0.955 / 0.955 / 0.953 / 0.948, seeds 0.955 / 0.898 / 0.898 / 0.895
  / 0.887;
- with the question phrases at weight 20: news 0.963 / 0.970 / 0.971 / 0.973 / 0.971, Wikipedia 0.965 / 0.965
  / 0.965 / 0.963 / 0.959, seeds 0.981 / 0.981 / 0.981 / 0.980 / 0.971; whole questions at smoothing 30:
  0.593 / 0.676 / 0.837 (0.587 / 0.601 / 0.408 without the phrases).
Kept: smoothing 30 (news best from 30 to 300, Wikipedia falling past 30) and weight 20. With them, a quarter of
the marks left off (evaluation.some_diacritics, as `hoidap eval --some-diacritics` asks: 0.805 / 0.800 / 0.807
of the syllables right as typed), partial margin 0 / 2 / 5 / 10 / 20: syllables right 0.990 / 0.990 / 0.990 /
0.989 / 0.983 (news), 0.989 / 0.989 / 0.986 / 0.976 / 0.930 (Wikipedia), 0.993 / 0.994 / 0.993 / 0.984 / 0.928
(seeds); questions typed with care changed: 15 / 6 / 2 / 0 / 0 of 172, 24 / 11 / 2 / 0 / 0 of 624, 2 / 0 / 0 /
0 / 0 of 49. Kept: 10, the smallest that changes none (a
question typed with care is the user's own words).
`hoidap eval --without-diacritics` with the bigram reader against the greedy one (the selector of that
morning, in-sample): news_dev fact 0.812 against 0.75, wrongly answered 0.017 against 0.033; news_extra 0.889
/ 0.048 against 0.833 / 0.071; xquad-vi-dev 0.764 / 0.050 against 0.769 / 0.051.
"""
from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index import Engine, load_settings  # noqa: E402
from index.evaluation import load_gold, some_diacritics, without_diacritics  # noqa: E402
from index.spelling import (BIGRAM_SMOOTHING, PARTIAL_MARGIN, QUESTION_PHRASE_WEIGHT,  # noqa: E402
                            DiacriticRestorer)
from index.text import has_diacritics, words  # noqa: E402


def agreement(restore: Callable[[str], str], questions: list[str]) -> tuple[float, float]:
    """(share of syllables of `restore(question)` as written, share of questions restored whole)."""
    syllables = right = whole = 0
    for question in questions:
        written = [t.lower() for t in words(question)]
        restored = [t.lower() for t in words(restore(question))]
        same = sum(a == b for a, b in zip(written, restored)) if len(restored) == len(written) else 0
        syllables, right, whole = syllables + len(written), right + same, whole + (same == len(written))
    return right / max(syllables, 1), whole / max(len(questions), 1)


def report(restorer: DiacriticRestorer, questions: list[str]) -> str:
    written = [q for q in questions if has_diacritics(q)]
    folded_syllables, folded_whole = agreement(lambda q: restorer.restore(without_diacritics(q)), written)
    quarter_syllables, _ = agreement(lambda q: restorer.restore(some_diacritics(q)), written)
    as_typed, _ = agreement(some_diacritics, written)
    changed = sum(restorer.restore(q) != q for q in written)
    return (f"typed without diacritics: syllables {folded_syllables:.3f}, whole questions {folded_whole:.3f}; "
            f"a quarter of the marks left off: syllables {quarter_syllables:.3f} (as typed {as_typed:.3f}); "
            f"typed with care: {changed} of {len(written)} questions changed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="GOLD.jsonl[,GOLD2.jsonl…]@DATA_DIR")
    parser.add_argument("--smoothing", type=float, nargs="+", default=[BIGRAM_SMOOTHING])
    parser.add_argument("--question-weight", type=float, nargs="+", default=[QUESTION_PHRASE_WEIGHT])
    parser.add_argument("--partial-margin", type=float, nargs="+", default=[PARTIAL_MARGIN])
    args = parser.parse_args()
    for spec in args.sets:
        golds, _, data = spec.rpartition("@")
        engine = Engine(load_settings(_env_file=None, data_dir=Path(data), corpus_dir=Path(data) / "unused"))
        questions = [engine.clean_question(item.question) for gold in golds.split(",")
                     for item in load_gold(Path(gold))]
        corpus = engine.retriever.restorer
        for smoothing, weight, margin in itertools.product(args.smoothing, args.question_weight, args.partial_margin):
            restorer = DiacriticRestorer(corpus.corpus_spellings, corpus.corpus_syllables, smoothing, weight, margin)
            print(f"{data}  smoothing {smoothing:g}  question phrases ×{weight:g}  partial margin {margin:g}  "
                  f"({len(questions)} questions)\n    {report(restorer, questions)}")


if __name__ == "__main__":
    main()
