"""Vietnamese text primitives: normalization, diacritic folding, tokens and sentences."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
_WORD = re.compile(r"\w+", re.UNICODE)
# Sentence ends: . ! ? … followed by space and a capital, digit, quote or bracket.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s+(?=[\"“‘(\[]?(\w))")
# Tokens before a full stop that do not end a sentence ("TP. Hồ Chí Minh", "ThS. Lê").
_NON_TERMINAL = {"tp", "tt", "ths", "ts", "pgs", "gs", "bs", "st", "ks", "ls", "q", "p", "h", "tx", "no", "mr", "dr"}


def normalize(text: str) -> str:
    """NFC, no BOM or carriage returns, single spaces inside lines."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def fold_diacritics(text: str) -> str:
    """'Thái Bình' -> 'Thai Binh'; keeps case, maps đ/Đ to d/D."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Word tokens (syllables, numbers) with their original case and diacritics."""
    return _WORD.findall(unicodedata.normalize("NFC", text))


def folded_words(text: str) -> list[str]:
    """Lower-cased, diacritic-free syllables: the form every lexical comparison uses."""
    return _WORD.findall(fold_diacritics(text).lower())


def bigrams(tokens: list[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in zip(tokens, tokens[1:])]


def has_diacritics(text: str) -> bool:
    return fold_diacritics(text) != text


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations like 'TP.' attached."""
    sentences: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        start = 0
        for match in _SENTENCE_END.finditer(paragraph):
            following = match.group(1)
            if not (following.isupper() or following.isdigit()):
                continue
            before = paragraph[start:match.start()].rstrip(".!?…\"”’)")
            last = before.split(" ")[-1].lower() if before else ""
            if last in _NON_TERMINAL or (len(last) == 1 and last.isalpha()):
                continue
            piece = paragraph[start:match.start()].strip()
            if piece:
                sentences.append(piece + paragraph[match.start():match.end()].strip())
            start = match.end()
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences
