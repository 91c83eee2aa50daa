"""The corpus's own spellings: diacritics put back on questions typed without them."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from .text import fold_diacritics, folded_words, has_diacritics, words

# Question words are rare in news prose, so restoring them cannot rely on the corpus alone.
_QUESTION_WORDS = {"bao nhieu": "bao nhiêu", "o dau": "ở đâu", "khi nao": "khi nào", "ngay nao": "ngày nào",
                   "nao": "nào", "ai": "ai", "gi": "gì", "la": "là", "co": "có", "khong": "không",
                   "nhung": "những", "cac": "các", "duoc": "được"}


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


def most_frequent_spellings(counts: Counter) -> dict[tuple[str, str], str]:
    """(kind, folded) -> its most frequent spelling."""
    best: dict[tuple[str, str], tuple[int, str]] = {}
    for (kind, folded, spelled), n in counts.items():
        if n > best.get((kind, folded), (0, ""))[0]:
            best[kind, folded] = (n, spelled)
    return {key: spelled for key, (_, spelled) in best.items()}


class DiacriticRestorer:
    """Puts diacritics back on 'thi tran chau hung' using the corpus's own most frequent spellings.

    `spelling(kind, folded)` gives that spelling of a syllable ('unigram') or syllable pair ('pair'), or None."""

    def __init__(self, spelling: Callable[[str, str], str | None]) -> None:
        self._spelling = spelling

    def restore(self, text: str) -> str:
        if has_diacritics(text):
            return text
        tokens = [t.lower() for t in words(text)]
        out, index = [], 0
        while index < len(tokens):
            pair = " ".join(tokens[index:index + 2])
            if index + 1 < len(tokens):
                spelled = _QUESTION_WORDS.get(pair) or self._spelling("pair", pair)
                if spelled:
                    out.append(spelled)
                    index += 2
                    continue
            token = tokens[index]
            out.append(_QUESTION_WORDS.get(token) or self._spelling("unigram", token) or token)
            index += 1
        return " ".join(out)
