"""How well questions typed without diacritics get them back, for choosing the restorer's two settings.

Usage:
  python bench/restore_diacritics.py GOLD.jsonl[,GOLD2.jsonl…]@DATA_DIR … [--smoothing 1 10 30 100 300]
                                     [--question-weight 0 5 20 100]

Each gold file's questions are folded as `hoidap eval --without-diacritics` folds them, restored with the
index in DATA_DIR (its corpus's spellings), and compared syllable by syllable with the question as written.
Prints, per index and setting, the share of syllables and of whole questions restored as written.

Measured 2026-11-30 (news: news_dev and the three held-out news files over the 1,000 articles, 196 questions;
Wikipedia: xquad-vi-dev over its 24 articles, 624; seeds: qa.jsonl over the five articles, 22). Syllables
restored as written, then whole questions, news / Wikipedia / seeds:
- before, the greedy reader (each pair's most frequent spelling, left to right): 0.83 (162 of the news
  questions) / 0.943 / 0.866; whole questions 0.18 / 0.511 / 0.455;
- the bigram reader without the question phrases, smoothing 1 / 10 / 30 / 100 / 300: news 0.890 / 0.894 /
  0.897 / 0.899 / 0.897, Wikipedia 0.960 / 0.955 / 0.955 / 0.953 / 0.948, seeds 0.854 / 0.810 / 0.810 /
  0.808 / 0.805;
- with the question phrases at weight 20: news 0.890 / 0.896 / 0.897 / 0.899 / 0.897, Wikipedia 0.965 / 0.965
  / 0.965 / 0.963 / 0.959, seeds 0.878 for all but 300 (0.872); whole questions at smoothing 30: 0.520 / 0.676
  / 0.636 (0.515 / 0.601 / 0.318 without the phrases).
Kept: smoothing 30 (news, the product's kind of text, is best from 30 to 300; Wikipedia falls past 30) and
weight 20. `hoidap eval --without-diacritics` with them against the greedy reader (the selector of that
morning, in-sample): news_dev fact 0.812 against 0.75, wrongly answered 0.017 against 0.033; news_extra
0.889 / 0.048 against 0.833 / 0.071; xquad-vi-dev 0.764 / 0.050 against 0.769 / 0.051.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index import Engine, load_settings  # noqa: E402
from index.evaluation import load_gold, without_diacritics  # noqa: E402
from index.spelling import BIGRAM_SMOOTHING, QUESTION_PHRASE_WEIGHT, DiacriticRestorer  # noqa: E402
from index.text import words  # noqa: E402


def agreement(restorer: DiacriticRestorer, questions: list[str]) -> tuple[float, float]:
    """(share of syllables restored as written, share of questions restored whole)."""
    syllables = right = whole = 0
    for question in questions:
        written = [t.lower() for t in words(question)]
        restored = restorer.restore(without_diacritics(question)).split()
        same = sum(a == b for a, b in zip(written, restored)) if len(restored) == len(written) else 0
        syllables, right, whole = syllables + len(written), right + same, whole + (same == len(written))
    return right / max(syllables, 1), whole / max(len(questions), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="GOLD.jsonl[,GOLD2.jsonl…]@DATA_DIR")
    parser.add_argument("--smoothing", type=float, nargs="+", default=[BIGRAM_SMOOTHING])
    parser.add_argument("--question-weight", type=float, nargs="+", default=[QUESTION_PHRASE_WEIGHT])
    args = parser.parse_args()
    for spec in args.sets:
        golds, _, data = spec.rpartition("@")
        engine = Engine(load_settings(_env_file=None, data_dir=Path(data), corpus_dir=Path(data) / "unused"))
        questions = [engine.clean_question(item.question) for gold in golds.split(",")
                     for item in load_gold(Path(gold))]
        corpus = engine.retriever.restorer
        for smoothing in args.smoothing:
            for weight in args.question_weight:
                restorer = DiacriticRestorer(corpus.corpus_spellings, corpus.corpus_syllables, smoothing, weight)
                syllables, whole = agreement(restorer, questions)
                print(f"{data}  smoothing {smoothing:g}  question phrases ×{weight:g}  "
                      f"syllables {syllables:.3f}  whole questions {whole:.3f}  ({len(questions)} questions)")


if __name__ == "__main__":
    main()
