"""How well questions typed without diacritics get them back, for choosing the restorer's two settings.

Usage:
  python bench/restore_diacritics.py GOLD.jsonl[,GOLD2.jsonl…]@DATA_DIR … [--smoothing 1 10 30 100 300]
                                     [--question-weight 0 5 20 100]

Each gold file's questions are folded as `hoidap eval --without-diacritics` folds them, restored with the
index in DATA_DIR (its corpus's spellings), and compared syllable by syllable with the question as written.
Prints, per index and setting, the share of syllables and of whole questions restored as written.

Measured 2026-11-30 (news: news_dev and the four held-out news files over the 1,000 articles, 196 questions;
Wikipedia: xquad-vi-dev over its 24 articles, 624; seeds: qa.jsonl over the five articles, 22). Syllables /
whole questions right:
- before, the greedy reader (each pair's most frequent spelling, left to right): news 0.83 / 0.18 (162 of the
  questions), Wikipedia 0.943 / 0.511, seeds 0.866 / 0.455;
- the bigram reader, no question phrases, smoothing 1 / 10 / 30 / 100 / 300 / 1000: news 0.890 / 0.894 /
  0.897 / 0.899 / 0.897 / 0.891, Wikipedia 0.954 / 0.955 / 0.955 / 0.953 / 0.948 / 0.924;
- smoothing 30 with the question phrases at weight 0 / 5 / 20 / 100: news 0.897 / 0.897 / 0.897 / 0.899,
  Wikipedia 0.955 / 0.965 / 0.965 / 0.965, seeds 0.808 / 0.860 / 0.875 / 0.875 (whole questions: news
  0.515 / 0.520 / 0.520 / 0.541, Wikipedia 0.601 / 0.671 / 0.676 / 0.673, seeds 0.318 / 0.500 / 0.591 / 0.591).
Kept: smoothing 30, weight 20. `hoidap eval --without-diacritics` with them against the greedy reader
(committed selector, in-sample): news_dev fact 0.812 against 0.75, wrongly answered 0.017 against 0.033;
news_extra 0.889 / 0.048 against 0.833 / 0.071; xquad-vi-dev 0.764 / 0.050 against 0.769 / 0.051.
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
