"""Province digests, extractive: what the corpus says about a province, every line cited.

The digest has four kinds of lines, each quoting or naming what the articles say:
an overview (how many articles, which dates, former provinces labeled), the headline figures
(sentences counting things: models, households, communes, criteria), the named models and
programmes (“Dân vận khéo”, “Tổ liên gia an toàn PCCC”), and the officials quoted.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from prompts import text as message

from .catalog import ArticleInfo
from .gazetteer import Gazetteer
from .models import Citation, Passage
from .question import person_names
from .text import fold_diacritics, folded_words

MAX_SUMMARY_CHARS = 1500
MAX_FIGURE_LINES = 5
MAX_FIGURE_CHARS = 260
MAX_NAMED = 6
MAX_OFFICIALS = 3
SIMILAR = 0.5  # word-set overlap above which two lines say the same thing

# A number that counts something: "59 mô hình", "43/118 xã", "98.268 người", "90%". Not dates or times.
_COUNT = re.compile(r"(?<![\w/.,:])(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?(?:/\d+)?)\s*(%|[^\W\d_]+)")
_DATE_LIKE = re.compile(r"\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?|\d{1,2}:\d{2}")
# Words before a number that make it a date, a year or a document number rather than a count.
_NOT_A_COUNT_BEFORE = {"nam", "ngay", "thang", "so", "dinh", "tu", "quyet", "thi", "hoach", "luat", "khoa", "lan",
                       "doan", "trang", "dieu", "khoan", "muc", "dao", "bcd", "phuong", "quan", "khu", "to", "doi"}
_NOT_A_UNIT = {"nam", "thang", "ngay", "gio", "phut", "va", "den", "tu"}
_QUOTED = re.compile(r"[“\"]([^”\"]{3,90})[”\"]")
_TITLE = re.compile(
    r"(?<!\w)(?:Đại tướng|Thượng tướng|Trung tướng|Thiếu tướng|Đại tá|Thượng tá|Trung tá|Thiếu tá|Đại úy|"
    r"Bộ trưởng|Thứ trưởng|Phó Chủ tịch|Chủ tịch|Phó Bí thư|Bí thư|Phó Giám đốc|Giám đốc|Trưởng ban|"
    r"Đồng chí|đồng chí|ông|bà)(?!\w)")
_SPEECH = re.compile(r"(?<!\w)(?:cho biết|nhấn mạnh|khẳng định|chia sẻ|phát biểu|đề nghị|yêu cầu|chỉ đạo|nói|"
                     r"thông tin|báo cáo|ghi nhận|biểu dương|đánh giá)(?!\w)")
# Where an office title stops and the sentence goes on: "…, Chủ tịch HĐND tỉnh cho rằng: …".
_OFFICE_END = re.compile(r"\s*[:(;]|\s+(?=(?:cho|dự|tại|về|đã|trao|tặng|khi|trong|với|khẳng|nhấn|phát)(?!\w))")
# Figures about the whole place: "toàn tỉnh có…", "trên địa bàn…" (matched on folded text).
_LOCAL = re.compile(r"(?<!\w)(?:toan tinh|toan huyen|tren dia ban|toan dia ban|dia phuong)(?!\w)")
_ADMIN_PLACE = re.compile(r"(?<!\w)(?:xã|phường|thị trấn|thị xã|huyện|quận|thành phố|TP\.?)\s+")
@dataclass(frozen=True)
class Summary:
    query: str
    province: str | None
    found: bool
    summary: str
    citations: tuple[Citation, ...] = ()
    articles: int = 0
    suggestions: tuple[str, ...] = ()

    def to_json(self) -> dict:
        from dataclasses import asdict

        return {"query": self.query, "province": self.province, "found": self.found, "summary": self.summary,
                "citations": [asdict(c) for c in self.citations], "articles": self.articles}


@dataclass(frozen=True)
class _Sentence:
    passage: Passage
    label: str | None  # the former province, when the digest covers several
    figures: int
    weight: float  # how much of a headline it is: figures, and whether they are about this place


class _Citations:
    """Numbers passages in the order the digest first cites them."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self.items: list[Citation] = []

    def cite(self, passage: Passage) -> str:
        if passage.node_id not in self._numbers:
            n = len(self.items) + 1
            self._numbers[passage.node_id] = n
            self.items.append(Citation(n, passage.doc_id, passage.title, passage.date, passage.source,
                                       passage.province, passage.text, 1.0))
        return f"[{self._numbers[passage.node_id]}]"


def summarize(query: str, passages_of: Callable[[set[str]], list[Passage]], articles: list[ArticleInfo],
              gazetteer: Gazetteer) -> Summary:
    """The digest of one province over the indexed articles; `passages_of(article_ids)` reads their passages."""
    query = " ".join(query.split())
    resolved = gazetteer.resolve(query) if query else None
    if resolved is None:
        suggestions = tuple(gazetteer.suggest(query)) if query else ()
        text = message("province_unknown", name=query[:100])
        if suggestions:
            text += " " + message("did_you_mean", names=", ".join(suggestions))
        return Summary(query, None, False, text, suggestions=suggestions)
    province, covered = resolved
    chosen = [a for a in articles if a.province in covered]
    # Articles filed under another province count only through their sentences naming this one.
    mentioning = {a.article_id for a in articles if a.province not in covered and set(covered) & set(a.provinces)}
    if not chosen and not mentioning:
        return Summary(query, province, False, message("province_empty", name=gazetteer.label(province)))
    several = len({a.province for a in chosen}) > 1 or any(a.province != province for a in chosen)
    passages = passages_of({a.article_id for a in chosen} | mentioning)
    sentences = _sentences(passages, {a.article_id for a in chosen}, mentioning, covered, several)
    citations = _Citations()
    lines = [_overview(province, chosen or [a for a in articles if a.article_id in mentioning], passages,
                       citations, gazetteer)]
    lines += _figure_lines(sentences, citations)
    named = _named_line(sentences, citations)
    if named:
        lines.append(named)
    officials = _officials_line(sentences, citations)
    if officials:
        lines.append(officials)
    text = _fit(lines, MAX_SUMMARY_CHARS)
    kept = [c for c in citations.items if f"[{c.n}]" in text]
    return Summary(query, province, True, text, tuple(kept), articles=len(chosen) or len(mentioning))


def _sentences(passages: list[Passage], chosen: set[str], mentioning: set[str], covered: tuple[str, ...],
               several: bool) -> list[_Sentence]:
    names = [fold_diacritics(p).lower() for p in covered]
    out = []
    for passage in passages:
        if passage.article_id not in chosen and passage.article_id not in mentioning:
            continue
        folded = fold_diacritics(passage.text).lower()
        names_place = any(n in folded for n in names)
        if passage.article_id not in chosen and not names_place:
            continue  # an article filed elsewhere counts only through sentences naming this province
        figures = _figure_count(passage.text)
        local = names_place or bool(_places(passage.text)) or bool(_LOCAL.search(folded))
        weight = min(figures, 3) + (1.0 if local and figures else 0.0)
        out.append(_Sentence(passage, passage.province if several else None, figures, weight))
    return out


def _figure_count(sentence: str) -> int:
    """How many counted quantities a sentence states ("59 mô hình", "43/118 xã"); dates and years do not count."""
    count = 0
    cleaned = _DATE_LIKE.sub(" ", sentence)
    for match in _COUNT.finditer(cleaned):
        before = folded_words(cleaned[max(0, match.start() - 20):match.start()])[-2:]
        unit = fold_diacritics(match.group(2)).lower()
        number = match.group(1)
        # "số 19", "Thông tư 124", "năm 2023" are labels; "tổng số 59" is a count.
        if before and before[-1] in _NOT_A_COUNT_BEFORE and before[-2:] != ["tong", "so"]:
            continue
        if unit in _NOT_A_UNIT or (len(number) == 4 and number.startswith(("19", "20"))):
            continue
        count += 1
    return count


def _overview(province: str, articles: list[ArticleInfo], passages: list[Passage], citations: _Citations,
              gazetteer: Gazetteer) -> str:
    dates = sorted(a.date for a in articles if a.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", a.date))
    by_province: dict[str, int] = {}
    for article in articles:
        if article.province:
            by_province[article.province] = by_province.get(article.province, 0) + 1
    text = message("summary_overview", count=len(articles), province=province)
    if dates:
        text += " " + (message("summary_date", date=dates[0]) if dates[0] == dates[-1]
                       else message("summary_dates", first=dates[0], last=dates[-1]))
    former = [f"{gazetteer.label(name)}: {count}" for name, count in by_province.items() if name != province]
    if former:
        text += " " + message("summary_former", parts="; ".join(former))
    first_sentences = {}
    for passage in passages:
        if passage.article_id in {a.article_id for a in articles}:
            current = first_sentences.get(passage.article_id)
            if current is None or passage.position < current.position:
                first_sentences[passage.article_id] = passage
    marks = "".join(citations.cite(first_sentences[a.article_id]) for a in articles[:5]
                    if a.article_id in first_sentences)
    return f"{text}. {marks}".strip()


def _figure_lines(sentences: list[_Sentence], citations: _Citations) -> list[str]:
    """The sentences stating the most figures, taken in turn from each article, none repeating another."""
    by_article: dict[str, list[_Sentence]] = {}
    for sentence in sentences:
        if sentence.figures:
            by_article.setdefault(sentence.passage.article_id, []).append(sentence)
    for items in by_article.values():
        items.sort(key=lambda s: (-s.weight, s.passage.position))
    picked: list[_Sentence] = []
    seen: list[set[str]] = []
    rank = 0
    while len(picked) < MAX_FIGURE_LINES and any(rank < len(items) for items in by_article.values()):
        for items in by_article.values():
            if rank < len(items) and len(picked) < MAX_FIGURE_LINES:
                words = set(folded_words(items[rank].passage.text))
                if all(_overlap(words, other) <= SIMILAR for other in seen):
                    picked.append(items[rank])
                    seen.append(words)
        rank += 1
    lines = []
    for sentence in picked:
        label = f"({sentence.label}) " if sentence.label else ""
        lines.append(f"• {label}{_trim(sentence.passage.text, MAX_FIGURE_CHARS)} {citations.cite(sentence.passage)}")
    return lines


def _named_line(sentences: list[_Sentence], citations: _Citations) -> str | None:
    """“Quoted” names of models and programmes, each cited where it first appears."""
    found: dict[str, tuple[str, Passage]] = {}
    for sentence in sentences:
        for match in _QUOTED.finditer(sentence.passage.text):
            name = match.group(1).strip(" .,;:…")
            key = " ".join(folded_words(name))
            if len(key.split()) >= 2 and name[:1].isupper() and key not in found:
                found[key] = (name, sentence.passage)
    if not found:
        return None
    items = []
    for name, passage in list(found.values())[:MAX_NAMED]:
        # Where the model runs, when the sentence says: “Thị trấn điển hình…” (thị trấn Châu Hưng).
        places = [p for p in _places(passage.text) if fold_diacritics(p).lower() not in fold_diacritics(name).lower()]
        where = f" ({', '.join(dict.fromkeys(places[:2]))})" if places else ""
        items.append(f"“{name}”{where} {citations.cite(passage)}")
    return message("summary_named", items=", ".join(items))


def _officials_line(sentences: list[_Sentence], citations: _Citations) -> str | None:
    """The officials the articles quote ("Đại tá Lê Thanh Hùng, PGĐ Công an tỉnh Bạc Liêu cho biết…")."""
    found: dict[str, str] = {}
    for sentence in sentences:
        official = _quoted_official(sentence.passage.text)
        if official and official[0] not in found and len(found) < MAX_OFFICIALS:
            found[official[0]] = f"{official[1]} {citations.cite(sentence.passage)}"
    return message("summary_officials", items="; ".join(found.values())) if found else None


def _quoted_official(sentence: str) -> tuple[str, str] | None:
    """(name, 'title name, office') of the first person a sentence quotes, if any."""
    for speech in _SPEECH.finditer(sentence):
        before = sentence[max(0, speech.start() - 160):speech.start()]
        # The nearest title followed by a name: in "đồng chí Nguyễn Khắc Thận, Phó Bí thư Tỉnh ủy, Chủ tịch
        # UBND tỉnh phát biểu", "Chủ tịch" and "Phó Bí thư" belong to the office, "đồng chí" to the name.
        for title in reversed(list(_TITLE.finditer(before))):
            rest = before[title.end():]
            names = person_names(rest)
            name = names[0] if names and rest.lstrip().startswith(names[0]) else ""
            if not name:
                continue
            office = rest[rest.index(name) + len(name):].strip()
            office = office[1:].strip() if office.startswith(",") else ""
            office = _OFFICE_END.split(office, 1)[0].rstrip(" ,")
            office = office if len(office) <= 90 else ""
            who = f"{title.group()} {name}"
            return " ".join(folded_words(name)), who + (f", {office}" if office else "")
    return None


def _capitalised_run(text: str) -> str:
    """The capitalised words that open `text`: 'Châu Hưng (huyện Vĩnh Lợi)…' -> 'Châu Hưng'."""
    run = []
    for word in text.split():
        bare = word.strip(",.;:()")
        if not bare or not bare[0].isupper() or (len(bare) > 1 and not bare[1:].islower()):
            break
        run.append(bare)
        if bare != word:  # punctuation ends the name
            break
    return " ".join(run)


def _places(sentence: str) -> list[str]:
    """'thị trấn Châu Hưng', 'xã Vũ Lăng': administrative places a sentence names."""
    places = []
    for match in _ADMIN_PLACE.finditer(sentence):
        name = _capitalised_run(sentence[match.end():]) or re.match(r"\d*", sentence[match.end():]).group()
        if name:
            places.append(f"{match.group().strip()} {name}")
    return places


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _trim(sentence: str, limit: int) -> str:
    """The sentence, or its clauses up to the limit starting at the first one with a figure."""
    if len(sentence) <= limit:
        return sentence
    clauses = re.split(r"(?<=[;,:])\s+", sentence)
    start = next((i for i, c in enumerate(clauses) if _figure_count(c)), 0)
    text = ""
    for clause in clauses[start:]:
        if len(text) + len(clause) + 1 > limit - 2:
            break
        text = f"{text} {clause}".strip()
    text = text or sentence[:limit - 2].rsplit(" ", 1)[0]
    return ("…" if start else "") + text.rstrip(",;:") + "…"


def _fit(lines: list[str], limit: int) -> str:
    """Whole lines, in order, while they fit within the limit."""
    kept: list[str] = []
    length = 0
    for line in lines:
        if length + len(line) + 1 > limit and kept:
            continue
        kept.append(line)
        length += len(line) + 1
    return "\n".join(kept)
