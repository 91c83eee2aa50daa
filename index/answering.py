"""Extractive answers: what a question asks for, and whether a sentence holds it (quoting.py quotes it)."""
from __future__ import annotations

import re
from functools import lru_cache
from .keyword import KeywordIndex
from .question import FOLDED_PLACE_WORDS, Question, person_names, proper_noun_runs, single_names
from .text import bigrams, fold_diacritics, folded_words, words

MAX_ANSWER_CHARS = 600
MAX_LIST_PARTS = 3
_NUMBER_WORDS = frozenset("một hai ba bốn năm sáu bảy tám chín mười mươi trăm nghìn ngàn triệu tỷ tỉ".split())
# A date with its lead word, longest first, so that nothing of it is left to read as a count: a day and month
# however written ("27/5", "27-5", "ngày 27/5", "ngày 27 tháng 5"), or a day or a month alone. Its groups are
# what _dates reads.
_DATE = re.compile(r"(?:\b(?:ngày|tháng)\s+)?(?<!\d)(\d{1,2})\s*[/-]\s*(\d{1,2})(?:\s*[/-]\s*\d{2,4})?(?!\d)|"
                   r"\bngày\s+(\d{1,2})(?:\s+tháng\s+(\d{1,2}))?\b|\btháng\s+(\d{1,2})\b", re.IGNORECASE)
_PLACE = re.compile(r"\b(?:xã|phường|thị trấn|huyện|quận|thôn|tỉnh|thành phố|TP|ấp|khu phố|thị xã|tổ dân phố|xóm)\s+(?:[A-ZĐÀ-Ỹ0-9][\wÀ-ỹ]*)", re.UNICODE)
# Abbreviated titles written inside sentences ("PGĐ Công an tỉnh").
_TITLE_ABBREVIATIONS = {"pgd": ["pho", "giam", "doc"], "gd": ["giam", "doc"], "pct": ["pho", "chu", "tich"],
                        "ct": ["chu", "tich"], "pbt": ["pho", "bi", "thu"], "bt": ["bi", "thu"]}
_NAME_DISTANCE = 8


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


# A unit written against its figure ("10km", "5ha", "100kg") is a word of its own.
_GLUED_UNIT = re.compile(r"(\d)(?=[^\W\d_])")


@lru_cache(maxsize=50_000)
def _count_tokens(sentence: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Lower-cased and folded words of a sentence, its dates removed ("ngày 12/3/2024" is not a count) and its
    per cent signs spelled out ("56,2%" answers "bao nhiêu phần trăm")."""
    spaced = _GLUED_UNIT.sub(r"\1 ", _DATE.sub(" ", sentence).replace("%", " phần trăm "))
    lowered = tuple(w.lower() for w in words(spaced))
    return lowered, tuple(fold_diacritics(w) for w in lowered)


# "thua … với tỉ số bao nhiêu?" is answered by a score ("0-4"), which the count reading takes for a day and month.
_ASKS_SCORE = re.compile(r"\bt[iy] so\b(?:\s+\w+){0,2}\s+bao nhieu\b")
_SCORE = re.compile(r"(?<![\d/.,])\d{1,2}\s*[-–]\s*\d{1,2}(?![\d/,]|\.\d)")


def _number_fit(question: Question, sentence: str) -> float:
    if _ASKS_SCORE.search(question.folded):
        asked = {re.sub(r"\s", "", s) for s in _SCORE.findall(question.text)}
        if any(re.sub(r"\s", "", s) not in asked for s in _SCORE.findall(sentence)):
            return 1.0
    lowered, folded = _count_tokens(sentence)
    question_numbers = set(re.findall(r"\d+", question.folded))
    best = 0.0
    for index, token in enumerate(lowered):
        if not (token.isdigit() or token in _NUMBER_WORDS) or token in question_numbers:
            continue
        # A spelled-out number counts only before the asked unit: "một" is mostly "một cách", "một số".
        if token.isdigit() or (not question.unit and token != "một"):
            best = max(best, 0.4)
        # Past the rest of the figure ("7,7 triệu khách hàng", "34.000 đồng") to the word it counts.
        start = index + 1
        while start < len(folded) and (folded[start].isdigit() or folded[start] in _MAGNITUDES):
            start += 1
        following = list(folded[start:start + len(question.unit)])
        if following[:1] and _CURRENCY.get(question.unit[0]) and following[0] in _CURRENCY[question.unit[0]]:
            following = list(question.unit[:1]) + following[1:]  # "bao nhiêu tiền" is answered in đồng
        if question.unit and following[:1] == list(question.unit[:1]):
            matched = sum(1 for a, b in zip(following, question.unit) if a == b)
            best = max(best, 0.7 + 0.3 * matched / len(question.unit) + _count_kind(list(folded[max(0, index - 3):index]),
                                                                                 question))
    return best


_MAGNITUDES = frozenset("nghin ngan trieu ty ti tram muoi".split())
# A question asks "bao nhiêu tiền"; the sentence names the currency.
_CURRENCY = {"tien": frozenset("dong usd euro bang yen nhan te vnd".split())}


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
    return list(_cached_role_tokens(sentence))


@lru_cache(maxsize=50_000)
def _cached_role_tokens(sentence: str) -> tuple[str, ...]:
    tokens: list[str] = []
    for token in _ROLE_TOKEN.findall(sentence):
        key = fold_diacritics(token).lower()
        tokens += _TITLE_ABBREVIATIONS.get(key, [key]) if token.isupper() and len(token) > 1 else [key]
    return tuple(tokens)


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


# How much a new capitalised run without a Vietnamese surname ("Peyton Manning", "Song Young-moo") shows a
# person: some evidence, less than a Vietnamese full name.
_FOREIGN_NAME_FIT = 0.5


# "đồng chí Ngô Đông Hải, Ủy viên Ban Chấp hành Trung ương Đảng, Bí thư Tỉnh ủy": a name, then its offices
# each after a comma. How many offices the list may hold before the asked one.
_OFFICES_BEFORE = 2


def _in_apposition(tokens: list[str], name_stop: int, office: int) -> bool:
    """Whether the office at `office` is one of the comma-separated offices that follow the name ending at
    `name_stop`: only words and commas between them, each office at most _NAME_DISTANCE words."""
    between = tokens[name_stop:office]
    if not between or between[0] != "," or between[-1] != ",":
        return False
    offices = " ".join(between).split(",")[1:-1]
    return (len(offices) <= _OFFICES_BEFORE and all(0 < len(o.split()) <= _NAME_DISTANCE for o in offices)
            and all(t == "," or t.isalnum() for t in between))


def _person_fit(question: Question, sentence: str) -> float:
    """1.0 for a Vietnamese full name the question does not hold, _FOREIGN_NAME_FIT for a foreign one; when the
    question names an office ("Bộ trưởng Ngoại giao"), only a name beside that office counts, whichever its kind:
    "Song Young-moo … làm Bộ trưởng Quốc phòng" does not answer who became Foreign Minister."""
    asked, asked_words = set(question.names), f" {question.folded} "

    def new(folded_name: str) -> bool:
        # A question typed in lower case has no names to read: its words tell what it already says.
        return folded_name not in asked and f" {folded_name} " not in asked_words
    names = [(n, 1.0) for n in person_names(sentence) if new(" ".join(folded_words(n)))]
    if not names:
        names = [(run, _FOREIGN_NAME_FIT) for run in proper_noun_runs(sentence) if new(run)]
    if not names:  # "Miller đã tước bóng từ Newton": foreign names of one word
        names = [(word, _FOREIGN_NAME_FIT) for word in single_names(sentence) if new(word)]
    if not names:
        return 0.0
    if not question.role:
        return max(fit for _, fit in names)
    tokens = _role_tokens(sentence)
    name_spans = []
    for name, fit in names:
        syllables = folded_words(name)
        for index in range(len(tokens) - len(syllables) + 1):
            # "Công an tỉnh Bình Dương": a capitalised run after a place word is the office's place, not a person.
            after_place_word = index > 0 and tokens[index - 1] in FOLDED_PLACE_WORDS
            if tokens[index:index + len(syllables)] == syllables and not (fit < 1.0 and after_place_word):
                name_spans.append((index, index + len(syllables), fit))
    size = len(question.role)
    best = 0.0
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
        name_follows = any(start == end for start, _, _ in name_spans)
        if not _same_office(question, after, name_follows):
            continue
        for start, stop, fit in name_spans:
            if (-_NAME_DISTANCE <= start - end <= _NAME_DISTANCE or 0 <= position - stop <= _NAME_DISTANCE
                    or _in_apposition(tokens, stop, position)):
                best = max(best, fit)
    return best


# "năm nào", "năm bao nhiêu": the question asks for a year, which a year alone answers.
_ASKS_YEAR = re.compile(r"\bnam (?:nao|bao nhieu|may)\b")
# A year alone answers "khi nào" partly: Wikipedia's answers are often a year, news answers a day.
_YEAR_ONLY_FIT = 0.5


# A year of any century for the date fit: periods.years_in reads only 19xx and 20xx, the years news is about,
# but a date question about history is answered by "năm 1654", "1773", "năm 938".
_HISTORICAL_YEAR = re.compile(r"(?<!\d)(?<!\d[.,])(1\d{3}|20\d{2})(?!\d|[.,]\d)|\bnăm\s+(\d{3})(?!\d|[.,]\d)",
                              re.IGNORECASE)


def _years(text: str) -> frozenset[int]:
    return frozenset(int(a or b) for a, b in _HISTORICAL_YEAR.findall(text))


def _dates(text: str) -> frozenset[tuple[int | None, int | None]]:
    """(day, month) of each date a text names, None where it leaves one out. After "tháng" two numbers are
    months ("tháng 3-4": March to April), of which the first is read."""
    found = set()
    for match in _DATE.finditer(text):
        day, month, day_word, month_word, month_alone = match.groups()
        if day and match.group().lower().startswith("tháng"):
            found.add((None, int(day)))
        elif day:
            found.add((int(day), int(month)))
        elif day_word:
            found.add((int(day_word), int(month_word) if month_word else None))
        else:
            found.add((None, int(month_alone)))
    return frozenset(found)


@lru_cache(maxsize=1024)
def _asked_dates(question: str) -> tuple[frozenset[tuple[int | None, int | None]], frozenset[int]]:
    """The days, months and years a question names: read once, not once per candidate sentence."""
    return _dates(question), _years(question)


def _date_fit(question: Question, sentence: str) -> float:
    """1.0 for a day or month the question does not name ("17/5", "ngày 2", "tháng 4"), or a year when it asks
    for one; _YEAR_ONLY_FIT for a new year when it asks "khi nào"; 0 otherwise."""
    asked_dates, asked_years = _asked_dates(question.text)
    if _dates(sentence) - asked_dates:
        return 1.0
    if _years(sentence) - asked_years:
        return 1.0 if _ASKS_YEAR.search(question.folded) else _YEAR_ONLY_FIT
    return 0.0


def type_fit(question: Question, sentence: str) -> float:
    """1.0 when the sentence holds the kind of thing asked for (a number of the right unit, a person…)."""
    if question.kind == "number":
        return _number_fit(question, sentence)
    if question.kind == "person":
        return _person_fit(question, sentence)
    if question.kind == "date":
        return _date_fit(question, sentence)
    if question.kind == "place":
        asked = fold_diacritics(question.text).lower()
        places = [p for p in _PLACE.findall(sentence) if fold_diacritics(p).lower() not in asked]
        return 1.0 if places else 0.3
    return 1.0
