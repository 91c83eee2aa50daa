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


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# One translate table for Latin letters with marks and the combining marks themselves: folding runs
# over every passage at index time, and str.translate does it in C.
_FOLD_TABLE = {code: _fold_char(chr(code)) for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00), 0x110, 0x111]
               if _fold_char(chr(code)) != chr(code)}
_FOLD_TABLE.update({code: None for code in range(0x300, 0x370)})


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def fold_diacritics(text: str) -> str:
    """'Thái Bình' -> 'Thai Binh'; keeps case, maps đ/Đ to d/D."""
    folded = text.translate(_FOLD_TABLE)
    if folded.isascii():
        return folded
    # Characters outside the table: news punctuation ("–", "“", "…"), which folds to itself, and rare letters
    # of other scripts. Each is folded the slow, general way once and learnt into the table; folding them
    # character by character every time made a text with a dash cost ten times one without.
    unseen = {ch for ch in _NON_ASCII.findall(folded) if ord(ch) not in _FOLD_TABLE}
    if not unseen:
        return folded
    _FOLD_TABLE.update({ord(ch): _fold_char(ch) for ch in unseen})
    return folded.translate(_FOLD_TABLE)


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
