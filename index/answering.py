"""Extractive answers: score candidate sentences against what the question asks, quote the best, or refuse."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .keyword import KeywordIndex
from .question import Question, person_names
from .retrieval import Candidate, HybridRetriever
from .text import bigrams, fold_diacritics, folded_words, words

MAX_ANSWER_CHARS = 600
# Below this share of the question's (IDF-weighted) terms, the passages do not answer it.
MIN_COVERAGE = 0.55
LIST_SCORE_RATIO = 0.8
MAX_LIST_PARTS = 3
_NUMBER_WORDS = frozenset("một hai ba bốn năm sáu bảy tám chín mười mươi trăm nghìn ngàn triệu tỷ tỉ".split())
_DATE = re.compile(r"(?<!\d)\d{1,2}\s*[/-]\s*\d{1,2}(?:\s*[/-]\s*\d{2,4})?(?!\d)|\b(?:ngày|tháng)\s+\d{1,2}\b", re.IGNORECASE)
_PLACE = re.compile(r"\b(?:xã|phường|thị trấn|huyện|quận|thôn|tỉnh|thành phố|TP|ấp|khu phố|thị xã|tổ dân phố|xóm)\s+(?:[A-ZĐÀ-Ỹ0-9][\wÀ-ỹ]*)", re.UNICODE)
# Abbreviated titles written inside sentences ("PGĐ Công an tỉnh").
_TITLE_ABBREVIATIONS = {"pgd": ["pho", "giam", "doc"], "gd": ["giam", "doc"], "pct": ["pho", "chu", "tich"],
                        "ct": ["chu", "tich"], "pbt": ["pho", "bi", "thu"], "bt": ["bi", "thu"]}
_NAME_DISTANCE = 8


@dataclass(frozen=True)
class ScoredSentence:
    candidate: Candidate
    score: float
    coverage: float
    context_coverage: float
    type_fit: float


@dataclass(frozen=True)
class Decision:
    parts: tuple[ScoredSentence, ...]
    reason: str | None  # why nothing was found, for logs and evaluation


def question_terms(question: Question, keywords: KeywordIndex) -> dict[str, float]:
    """IDF weight of each term the answer should share with the question."""
    abbreviations = {c.lstrip("§") for c in question.concepts}
    terms = {t: keywords.idf(t) for t in question.content if t not in abbreviations}
    for pair in bigrams(list(question.content)):
        if keywords.knows(pair):
            terms[pair] = 0.5 * keywords.idf(pair)
    for concept in question.concepts:
        terms[concept] = keywords.idf(concept)
    return terms


def _coverage(terms: dict[str, float], tokens: set[str]) -> float:
    total = sum(terms.values())
    return sum(w for t, w in terms.items() if t in tokens) / total if total else 0.0


def _number_fit(question: Question, sentence: str) -> float:
    lowered = [w.lower() for w in words(sentence)]
    folded = [fold_diacritics(w) for w in lowered]
    question_numbers = set(re.findall(r"\d+", question.folded))
    best = 0.0
    for index, token in enumerate(lowered):
        if not (token.isdigit() or token in _NUMBER_WORDS) or token in question_numbers:
            continue
        # A spelled-out number counts only before the asked unit: "một" is mostly "một cách", "một số".
        if token.isdigit() or (not question.unit and token != "một"):
            best = max(best, 0.4)
        following = folded[index + 1:index + 1 + len(question.unit)]
        if question.unit and following[:1] == list(question.unit[:1]):
            matched = sum(1 for a, b in zip(following, question.unit) if a == b)
            best = max(best, 0.7 + 0.3 * matched / len(question.unit) + _count_kind(folded[max(0, index - 3):index],
                                                                                 question))
    return best


# "có bao nhiêu" asks for a standing total: "tổng số 59", "toàn tỉnh có 48", "hiện có 7" answer it better
# than a count of what was "xây dựng mới" in one year, unless the question itself asks about new ones.
_TOTAL_CUES = ({"tong", "so"}, {"tong", "cong"}, {"hien", "co"}, {"toan", "tinh"}, {"den", "nay"})


def _count_kind(before: list[str], question: Question) -> float:
    words_before = set(before)
    if "moi" in words_before and "moi" not in question.folded.split():
        return -0.2
    if any(cue <= words_before for cue in _TOTAL_CUES):
        return 0.1
    return 0.0


_LEVELS = ("thi tran", "thanh pho", "thi xa", "tinh", "huyen", "xa", "phuong", "quan", "thon", "trung uong")
_ROLE_TOKEN = re.compile(r"\w+|[^\w\s]")


def _role_tokens(sentence: str) -> list[str]:
    """Folded words and punctuation, abbreviated offices spelled out ('PGĐ' -> 'pho giam doc')."""
    tokens: list[str] = []
    for token in _ROLE_TOKEN.findall(sentence):
        key = fold_diacritics(token).lower()
        tokens += _TITLE_ABBREVIATIONS.get(key, [key]) if token.isupper() and len(token) > 1 else [key]
    return tokens


def _level(words_after: list[str] | tuple[str, ...]) -> str | None:
    text = " " + " ".join(words_after) + " "
    found = [(text.find(f" {level} "), level) for level in _LEVELS if f" {level} " in text]
    return min(found)[1] if found else None


def _same_office(question: Question, after: list[str], name_follows: bool) -> bool:
    """'Chủ tịch UBND tỉnh' is not 'Chủ tịch UBND thị trấn'; 'Giám đốc Công an' is not 'Giám đốc Nhà máy'."""
    if not question.role_org or not after or name_follows:
        return True
    expected = _role_tokens(" ".join(question.role_org))
    if after[0] != expected[0] and after[0] not in expected[:2]:
        return False
    asked, found = _level(expected), _level(after)
    return asked is None or found is None or asked == found


def _person_fit(question: Question, sentence: str) -> float:
    asked = set(question.names)
    names = [n for n in person_names(sentence) if " ".join(folded_words(n)) not in asked]
    if not names:
        return 0.0
    if not question.role:
        return 1.0
    tokens = _role_tokens(sentence)
    name_spans = []
    for name in names:
        syllables = folded_words(name)
        for index in range(len(tokens) - len(syllables) + 1):
            if tokens[index:index + len(syllables)] == syllables:
                name_spans.append((index, index + len(syllables)))
    size = len(question.role)
    for position in range(len(tokens) - size + 1):
        if tuple(tokens[position:position + size]) != question.role:
            continue
        if (position > 0 and tokens[position - 1] == "pho") != question.deputy:
            continue  # a deputy does not answer for the head, nor the head for a deputy
        end = position + size
        after = []
        for token in tokens[end:end + 6]:
            if not token.isalnum():
                break
            after.append(token)
        name_follows = any(start == end for start, _ in name_spans)
        if not _same_office(question, after, name_follows):
            continue
        for start, stop in name_spans:
            if -_NAME_DISTANCE <= start - end <= _NAME_DISTANCE or 0 <= position - stop <= _NAME_DISTANCE:
                return 1.0
    return 0.0


def type_fit(question: Question, sentence: str) -> float:
    """1.0 when the sentence holds the kind of thing asked for (a number of the right unit, a person…)."""
    if question.kind == "number":
        return _number_fit(question, sentence)
    if question.kind == "person":
        return _person_fit(question, sentence)
    if question.kind == "date":
        asked = set(_DATE.findall(question.text))
        return 1.0 if [d for d in _DATE.findall(sentence) if d not in asked] else 0.0
    if question.kind == "place":
        asked = fold_diacritics(question.text).lower()
        places = [p for p in _PLACE.findall(sentence) if fold_diacritics(p).lower() not in asked]
        return 1.0 if places else 0.3
    return 1.0


# Units a sentence often writes as a symbol or not at all ("90%", "43/118 xã").
_LOOSE_UNITS = {"phan", "ti", "ty", "lan", "nam", "ngay", "thang", "gio", "tuoi"}


def _required_fit(question: Question) -> float:
    if question.kind == "number" and question.unit and question.unit[0] not in _LOOSE_UNITS:
        # "bao nhiêu mô hình": some number of mô hình, not any number in a sentence about mô hình.
        return 0.7
    return {"number": 0.4, "person": 1.0, "date": 1.0, "place": 0.3}.get(question.kind, 0.0)


def score_candidates(question: Question, terms: dict[str, float], candidates: list[Candidate],
                     retriever: HybridRetriever) -> list[ScoredSentence]:
    """Candidates best first; `terms` are the question's weighted terms (question_terms)."""
    if not candidates:
        return []
    dense = [c.dense for c in candidates]
    low, high = min(dense), max(dense)
    scored = []
    for candidate in candidates:
        index = retriever.index_of(candidate.passage)
        sentence_tokens = retriever.sentence_tokens[index]
        coverage = _coverage(terms, sentence_tokens)
        context = _coverage(terms, sentence_tokens | retriever.context_tokens[index])
        fit = type_fit(question, candidate.passage.text)
        dense_norm = (candidate.dense - low) / (high - low) if high > low else 0.0
        score = 0.5 * coverage + 0.3 * context + 0.2 * dense_norm
        if question.kind != "other":
            score += 0.35 * fit
        scored.append(ScoredSentence(candidate, score, coverage, context, fit))
    return sorted(scored, key=lambda s: s.score, reverse=True)


def _names_present(question: Question, article_tokens: set[str]) -> bool:
    for name in question.names:
        syllables = name.split()
        if len(syllables) == 1:
            if syllables[0] not in article_tokens:
                return False
        elif not all(f"{a}_{b}" in article_tokens for a, b in zip(syllables, syllables[1:])):
            return False
    return True


def decide(question: Question, scored: list[ScoredSentence], retriever: HybridRetriever) -> Decision:
    """Pick the sentence(s) that answer, or say why none does."""
    eligible = [s for s in scored if s.context_coverage >= MIN_COVERAGE]
    if not eligible:
        return Decision((), "the passages share too little with the question")
    eligible = [s for s in eligible if _names_present(question, retriever.article_tokens[s.candidate.passage.article_id])]
    if not eligible:
        return Decision((), "a name in the question is not in the matching articles")
    typed = [s for s in eligible if s.type_fit >= _required_fit(question)]
    if not typed:
        return Decision((), f"no passage holds the {question.kind} the question asks for")
    best = typed[0]
    parts = [best]
    if question.wants_list:
        articles = {best.candidate.passage.article_id}
        for other in typed[1:]:
            if len(parts) == MAX_LIST_PARTS or other.score < LIST_SCORE_RATIO * best.score:
                break
            if other.candidate.passage.article_id not in articles:
                parts.append(other)
                articles.add(other.candidate.passage.article_id)
    return Decision(tuple(parts), None)


def focus(sentence: str, terms: dict[str, float], budget: int) -> str:
    """The sentence itself, or the run of its clauses that best covers the question within the budget."""
    if len(sentence) <= budget:
        return sentence
    clauses = re.split(r"(?<=[;,:])\s+", sentence)
    weights = []
    for clause in clauses:
        tokens = folded_words(clause)
        present = set(tokens) | set(bigrams(tokens))
        weights.append(sum(w for t, w in terms.items() if t in present))
    best_text, best_weight = clauses[0][:budget], -1.0
    for start in range(len(clauses)):
        length, weight = -1, 0.0
        for end in range(start, len(clauses)):
            length += len(clauses[end]) + 1
            if length + 2 > budget:
                break
            weight += weights[end]
            if weight > best_weight:
                best_weight = weight
                best_text = " ".join(clauses[start:end + 1])
    prefix = "" if sentence.startswith(best_text) else "…"
    suffix = "" if sentence.endswith(best_text) else "…"
    return f"{prefix}{best_text}{suffix}"
