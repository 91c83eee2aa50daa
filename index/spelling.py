"""The corpus's own spellings: diacritics put back on questions typed without them."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping

from .text import fold_diacritics, folded_words, has_diacritics, words

# How many of a syllable's spellings are weighed (the corpus's most frequent first), and how much a
# syllable's own spelling shares count against how the previous syllable is followed (additive smoothing
# of the bigram model): measured on the dev questions, see bench/restore_diacritics.py.
MAX_SPELLINGS = 10
BIGRAM_SMOOTHING = 30.0

# Question words are rare in news prose, so the corpus alone reads "co bao nhieu" as "có báo nhiều": these
# phrases count as written `QUESTION_PHRASE_WEIGHT` times each besides the corpus.
QUESTION_PHRASES = ("bao nhiêu", "ở đâu", "khi nào", "ngày nào", "năm nào", "nào", "ai", "là gì", "là ai", "gì",
                    "mấy", "có", "không", "những", "các", "được", "vì sao", "tại sao", "như thế nào")
QUESTION_PHRASE_WEIGHT = 20
# How much likelier (log-probability) the restored reading of a question typed with some diacritics must be than
# the question as typed: at 10, none of 845 dev questions typed with care changed, and the syllables of the same
# questions with a quarter of their marks left off came back 0.98-0.99 as written, against 0.80-0.81 as typed
# (bench/restore_diacritics.py).
PARTIAL_MARGIN = 10.0


def spelling_counts(texts: list[str]) -> Counter:
    """(kind, folded, spelled) -> occurrences, for syllables ('unigram') and adjacent pairs ('pair')."""
    counts: Counter = Counter()
    for text in dict.fromkeys(texts):  # titles repeat once per sentence: count each text once
        lowered = [t.lower() for t in words(text)]
        folded = folded_words(text)
        if len(folded) != len(lowered):  # folding changed the word count (rare letters): word by word
            folded = [fold_diacritics(t) for t in lowered]
        for key, token in zip(folded, lowered):
            counts["unigram", key, token] += 1
        for index in range(len(lowered) - 1):
            counts["pair", f"{folded[index]} {folded[index + 1]}", f"{lowered[index]} {lowered[index + 1]}"] += 1
    return counts


def spellings_by_folded(counts: Counter) -> dict[tuple[str, str], dict[str, int]]:
    """(kind, folded) -> {spelling: occurrences}."""
    grouped: dict[tuple[str, str], dict[str, int]] = {}
    for (kind, folded, spelled), n in counts.items():
        grouped.setdefault((kind, folded), {})[spelled] = n
    return grouped


# (kind, folded syllables or pairs) -> {folded: {spelling: occurrences}} for those the corpus writes
Spellings = Callable[[str, list[str]], Mapping[str, Mapping[str, int]]]


class DiacriticRestorer:
    """Puts diacritics back on 'thi tran chau hung' with the corpus's own spellings.

    `spellings(kind, folded)` gives how often the corpus spells each folded syllable ('unigram') or adjacent
    pair ('pair') each way; `syllables` is how many syllables the corpus holds. The question is read as the
    likeliest sentence of a syllable bigram model (additively smoothed towards the syllable's own frequency),
    decoded whole: choosing pair by pair from the left read "lam bao nhieu" as "làm báo" + "nhiều", because
    "làm báo" (journalism) is the likelier pair on its own. QUESTION_PHRASES count besides the corpus."""

    def __init__(self, spellings: Spellings, syllables: int, smoothing: float = BIGRAM_SMOOTHING,
                 question_weight: float = QUESTION_PHRASE_WEIGHT, partial_margin: float = PARTIAL_MARGIN) -> None:
        self.corpus_spellings, self.corpus_syllables = spellings, syllables
        phrases = spelling_counts(list(QUESTION_PHRASES))
        self._phrases = {key: {s: n * question_weight for s, n in counts.items()}
                         for key, counts in spellings_by_folded(phrases).items()}
        self._syllables = max(syllables + question_weight * sum(n for (kind, _, _), n in phrases.items()
                                                                  if kind == "unigram"), 1)
        self._smoothing = smoothing
        self._partial_margin = partial_margin

    def _spellings(self, kind: str, folded: list[str]) -> dict[str, dict[str, float]]:
        found = self.corpus_spellings(kind, sorted(set(folded)))
        return {key: _added(found.get(key, {}), self._phrases.get((kind, key), {})) for key in folded}

    def restore(self, text: str) -> str:
        """The question with its diacritics back, as lower-case words; `text` itself when it needs none.

        Syllables typed with marks are kept as typed. A question typed with some marks and not others ("Thai
        Binh co bao nhiêu điểm chữa cháy") has its unmarked syllables restored only when the restored reading
        is at least `partial_margin` more likely (log-probability): most unmarked syllables of a question typed
        with care are right as they are ("ai", "an", "Chelsea")."""
        tokens = [t.lower() for t in words(text)]
        folded = [fold_diacritics(t) for t in tokens]
        if not tokens:
            return text if has_diacritics(text) else ""
        unigrams = self._spellings("unigram", folded)
        # a syllable typed with marks is one option: itself
        options = [{t: unigrams[f].get(t, 0)} if t != f else self._options(t, unigrams[f])
                   for t, f in zip(tokens, folded)]
        if tokens != folded and all(len(o) == 1 and t in o for t, o in zip(tokens, options)):
            return text  # every syllable is written the one way the corpus writes it
        pairs = self._spellings("pair", [f"{a} {b}" for a, b in zip(folded, folded[1:])])
        restored, likelihood = self._likeliest(folded, options, pairs)
        if tokens == folded:
            return " ".join(restored)
        if restored == tokens:
            return text
        typed = [{t: unigrams[f].get(t, 0)} for t, f in zip(tokens, folded)]
        return " ".join(restored) if likelihood - self._likeliest(folded, typed, pairs)[1] > self._partial_margin else text

    def _likeliest(self, folded: list[str], options: list[dict[str, float]],
                   pairs: dict[str, dict[str, float]]) -> tuple[list[str], float]:
        """The likeliest choice of one spelling per syllable among `options` (spelling -> occurrences), and its
        log-probability (Viterbi)."""
        # scores[s]: log-probability of the likeliest reading so far that ends in spelling s;
        # back[i][s]: the spelling before s on that reading
        scores = {s: math.log(self._unigram(n)) for s, n in options[0].items()}
        back: list[dict[str, str]] = []
        for index in range(1, len(folded)):
            # P(current | previous) = (pair count + smoothing * P(current)) / (previous's count + smoothing):
            # `bases` holds each previous reading's score less its denominator's log, so that only the
            # previous spellings the corpus writes before a current one need reading one by one.
            bases = {s: score - math.log(options[index - 1][s] + self._smoothing) for s, score in scores.items()}
            likeliest = max(bases, key=bases.__getitem__)
            following: dict[str, dict[str, float]] = {}
            for spelled, n in pairs[f"{folded[index - 1]} {folded[index]}"].items():
                first, _, second = spelled.partition(" ")
                if first in bases:
                    following.setdefault(second, {})[first] = n
            scores, back_here = {}, {}
            for current, occurrences in options[index].items():
                prior = self._smoothing * self._unigram(occurrences)
                best, before = bases[likeliest] + math.log(prior), likeliest
                for previous, n in following.get(current, {}).items():
                    if bases[previous] + math.log(n + prior) > best:
                        best, before = bases[previous] + math.log(n + prior), previous
                scores[current], back_here[current] = best, before
            back.append(back_here)
        last = max(scores, key=scores.__getitem__)
        spelled = [last]
        for back_here in reversed(back):
            spelled.append(back_here[spelled[-1]])
        return list(reversed(spelled)), scores[last]

    def _unigram(self, occurrences: float) -> float:
        # a syllable the corpus never writes counts as written once
        return max(occurrences, 1) / self._syllables

    @staticmethod
    def _options(token: str, counts: Mapping[str, float]) -> dict[str, float]:
        """The token's most frequent spellings with their occurrences; the token itself when the corpus never
        writes it."""
        return dict(sorted(counts.items(), key=lambda item: -item[1])[:MAX_SPELLINGS]) or {token: 0}


def layered_restorer(texts: list[str], below: Spellings | None = None, below_syllables: int = 0) -> DiacriticRestorer:
    """A restorer reading these texts' spellings, added to those `below` (a snapshot's) when given."""
    counts = spelling_counts(texts)
    layer = spellings_by_folded(counts)
    syllables = sum(n for (kind, _, _), n in counts.items() if kind == "unigram")

    def spellings(kind: str, folded: list[str]) -> dict[str, dict[str, int]]:
        found = below(kind, folded) if below else {}
        return {key: _added(found.get(key, {}), layer.get((kind, key), {})) for key in folded
                if key in found or (kind, key) in layer}
    return DiacriticRestorer(spellings, below_syllables + syllables)


def _added(ways: Mapping[str, float], more: Mapping[str, float]) -> dict[str, float]:
    """Two counts of spellings, added."""
    total = dict(ways)
    for spelled, n in more.items():
        total[spelled] = total.get(spelled, 0) + n
    return total
