"""What a question asks for: its type, the unit after 'bao nhiêu', the role in 'ai là …', its names."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .gazetteer import Gazetteer
from .glossary import Glossary
from .text import fold_diacritics, folded_words, has_diacritics, words

# Words that carry no topic (accented forms, and their folded forms for undiacritized questions).
STOPWORDS = frozenset("""
là có không được các những của và thì mà đã đang sẽ bị cho với trong tại về ở này đó nào gì ai bao nhiêu
sao thế như khi hãy biết hỏi bài viết nhắc đến được một hiện nay còn rồi nữa vậy ạ nhé đâu mấy tới để
""".split())
# Without diacritics many stopwords collide with content syllables ("bi" is bị and bí, "co" có
# and cờ, "viet" viết and Việt): only the unambiguous ones are dropped from undiacritized text.
FOLDED_STOPWORDS = frozenset("la khong duoc cac nhung cua va nay nao gi ai bao nhieu sao hay hoi mot roi nua vay dau may".split())

_DATE_CUES = ("khi nao", "ngay nao", "ngay bao nhieu", "thoi gian nao", "nam nao", "thang nao", "luc nao",
              "bao gio", "thoi diem nao", "vao ngay", "hom nao")
_PERSON_CUES = ("ai", "nguoi nao", "ong nao", "ba nao", "dong chi nao", "vi nao", "can bo nao")
_PLACE_CUES = ("o dau", "tai dau", "noi nao", "xa nao", "phuong nao", "huyen nao", "tinh nao", "thon nao",
               "dia phuong nao", "dia ban nao", "quan nao", "thi tran nao", "thanh pho nao", "khu vuc nao",
               "nhung tinh", "cac tinh", "cho nao")
_NUMBER_CUES = ("bao nhieu", "may", "so luong", "ty le", "bao nhieu phan tram")
_LIST_CUES = re.compile(r"\b(nhung|cac)\b(?:\s+\w+){1,4}\s+nao\b|\bgom nhung\b|\bnhung gi\b|\bcac\b.*\bnao\b")
# Office titles, folded. "Phó" makes a different office: a deputy does not answer for the head.
TITLES = tuple(sorted("""
chu tich|giam doc|bi thu|truong ban|bo truong|thu truong|thu tuong|chu nhiem|truong phong|tong bi thu
chanh an|vien truong|tu lenh|chinh uy|truong thon|to truong|hieu truong|tong giam doc|truong cong an
chanh van phong|cuc truong|truong doan|chi huy truong|tham muu truong|truong khoa|chu tri
""".replace("\n", "|").strip("|").split("|"), key=len, reverse=True))


@dataclass(frozen=True)
class Question:
    text: str
    folded: str
    kind: str  # number | date | person | place | other
    wants_list: bool
    unit: tuple[str, ...]
    role: tuple[str, ...]
    deputy: bool
    role_org: tuple[str, ...]  # folded words after the office: 'cong an tinh' in 'Giám đốc Công an tỉnh'

    content: tuple[str, ...]  # folded content syllables, in order
    concepts: tuple[str, ...]
    names: tuple[str, ...]  # folded person names, unknown acronyms and document numbers the question mentions
    # The noun the asked word qualifies: "khu công nghiệp nào" -> ('khu', 'cong', 'nghiep'), "chất gì" -> ('chat',)
    slot: tuple[str, ...] = ()
    # Folded syllables of the clause that asks, when the question has several: a news question sets the
    # scene ("Theo khung viện phí mới áp dụng từ 1/6, …") before what it asks ("… giá bao nhiêu?").
    focus: tuple[str, ...] = ()

    @property
    def asks_province(self) -> bool:
        return bool(re.search(r"\b(tinh|tinh thanh|dia phuong)\s+nao\b|\bnhung tinh\b|\bcac tinh\b", self.folded))


def _has_cue(folded: str, cues: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(cue)}(?!\w)", folded) for cue in cues)


# What a syllable of a name stands as among the cue tokens: no cue matches it.
_NAME_SYLLABLE = "_"


def _cue_token(folded: str, written: list[str], index: int, undiacritized: bool) -> str:
    """The token cues are matched on: the folded word, so that a question typed without diacritics has its cues
    too, except where the written word says it is no cue. With diacritics, "máy" (machine) and "may" (luck,
    sewing) are not "mấy" (how many). "Ai Cập" (Egypt) and "Ai Len" (Ireland), written capitalised before a
    capitalised syllable, or "ai cập" in lower case (its diacritics tell it from "ai cấp", who issues), are
    names, not "ai" (who): officials ask about trade with Egypt."""
    word = written[index]
    if word.lower() == "ai" and index + 1 < len(written):
        following = written[index + 1]
        if (word == "Ai" and following[:1].isupper()) or following.lower() == "cập":
            return _NAME_SYLLABLE
    if folded == "may" and not undiacritized and word.lower() != "mấy":
        return "máy"
    return folded


def _unit_after_quantity(folded_tokens: list[str], is_stopword: list[bool]) -> tuple[str, ...]:
    """'bao nhiêu điểm chữa cháy công cộng' -> ('diem', 'chua', 'chay')."""
    for index, token in enumerate(folded_tokens):
        if token == "nhieu" and index and folded_tokens[index - 1] == "bao" or token == "may":
            following = zip(folded_tokens[index + 1:index + 4], is_stopword[index + 1:index + 4])
            unit = []
            for folded, stop in following:
                if stop:
                    break
                unit.append(folded)
            return tuple(unit)
    return ()


def _words_after(role: tuple[str, ...], folded_tokens: list[str], is_stopword: list[bool]) -> tuple[str, ...]:
    for index in range(len(folded_tokens) - len(role) + 1):
        if tuple(folded_tokens[index:index + len(role)]) == role:
            after = []
            for token, stop in zip(folded_tokens[index + len(role):], is_stopword[index + len(role):]):
                if stop or len(after) == 5:
                    break
                after.append(token)
            return tuple(after)
    return ()


def _role(folded: str) -> tuple[tuple[str, ...], bool]:
    """The office a question asks about. One that only owns something ("Tổ công tác của Thủ tướng … do ai dẫn
    đầu?") is not it."""
    for title in TITLES:
        for match in re.finditer(rf"(?<!\w)(pho\s+)?{title}(?!\w)", folded):
            if not folded[:match.start()].endswith("cua "):
                return tuple(title.split()), bool(match.group(1))
    return (), False


_SURNAMES = frozenset(fold_diacritics(s).lower() for s in """
Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Uông Tô Mai Đinh Lâm Trịnh Đoàn Lại Cao
Lưu Tạ Chu Hà Kiều Quách Thái Tăng Lương La Triệu Châu Doãn Khổng Mạc Nông Lò Hứa Văn Thân Giang Kim Tôn Đàm
Lục Âu Vương Thạch Phùng Quan Khúc Tống Bạch Trương Diệp Tôn Ông Từ Viên Vi Đào Hầu Lã Nghiêm Trình Ninh
""".split())


# "xã Châu Hưng", "tỉnh Hà Nam", "thành phố Hồ Chí Minh": after these words a capitalised run (even one that
# starts with a surname-like syllable) names a place, not a person.
PLACE_WORDS = frozenset("tỉnh huyện xã phường trấn thôn tp phố quận ấp xóm bản làng khu cầu sông đường thành".split())
FOLDED_PLACE_WORDS = frozenset(fold_diacritics(w) for w in PLACE_WORDS)


_CAPITALISED = re.compile(r"[^\W\d_]+")


def person_names(text: str) -> list[str]:
    """Runs of two to four capitalised syllables, separated by spaces only, that start with a surname."""
    return list(_person_names(text))


@lru_cache(maxsize=50_000)  # every candidate sentence is read for names on every question it comes up for
def _person_names(text: str) -> tuple[str, ...]:
    tokens = list(_CAPITALISED.finditer(text))
    names, index = [], 0
    while index < len(tokens):
        token = tokens[index].group()
        after_place_word = index > 0 and tokens[index - 1].group().lower() in PLACE_WORDS
        if token[:1].isupper() and not after_place_word and fold_diacritics(token).lower() in _SURNAMES:
            end = index + 1
            while end < len(tokens) and end - index < 4:
                word = tokens[end].group()
                gap = text[tokens[end - 1].end():tokens[end].start()]
                # 'PGĐ' or a comma ends a name.
                if gap.strip() or not word[:1].isupper() or (len(word) > 1 and word.isupper()):
                    break
                end += 1
            start, stop = index, end
            # "Ông Nguyễn Văn Để": the honorific is not part of the name.
            if stop - start >= 3 and tokens[start].group().lower() in _HONORIFICS:
                start += 1
            # "Vị Bí thư …", "Tổng Giám đốc …": an office written with its first syllable capitalised ends the run.
            if stop - start >= 2 and _opens_office(text, tokens, stop - 1):
                stop -= 1
            if stop - start >= 2:
                names.append(" ".join(t.group() for t in tokens[start:stop]))
                index = end
                continue
        index += 1
    return tuple(names)


_HONORIFICS = frozenset({"ông", "bà"})


_TITLE_OPENINGS = frozenset(" ".join(title.split()[:2]) for title in TITLES)


def _opens_office(text: str, tokens: list[re.Match], at: int) -> bool:
    """The capitalised word at `at` and the lower-case word after it open an office ("Bí thư", "Giám đốc",
    "Chủ tịch"), so a name run ends before it. "Phong phát" opens none: "Lê Quốc Phong phát biểu" keeps its name."""
    if at + 1 >= len(tokens):
        return False
    word, following = tokens[at], tokens[at + 1]
    return (not text[word.end():following.start()].strip() and following.group()[:1].islower()
            and " ".join(folded_words(f"{word.group()} {following.group()}")) in _TITLE_OPENINGS)


# Capitalised words of offices and institutions: a run of only these names no particular thing.
_INSTITUTION_WORDS = frozenset("""
phó giám đốc chủ tịch bí thư thủ tướng trưởng bộ công an ban tỉnh ủy uỷ hội đồng nhân dân chính phủ trung ương
quốc sở cục viện tòa toà đại tá thượng thiếu ông bà đảng nhà nước tổ mặt trận thường vụ chấp hành kế hoạch
thông tri nghị quyết chỉ thị luật phong trào toàn bảo vệ an ninh ngày năm hội nghị xã huyện phường thị trấn
""".split())


def _touching(text: str, left: re.Match, right: re.Match) -> bool:
    """Two words with only spaces between them: one name ("Nhật Bản"), where "Young-moo" or "Lee, Kim" is two."""
    return not text[left.end():right.start()].strip()


def proper_noun_runs(text: str) -> list[str]:
    """Folded runs of two or more capitalised words ('Nhật Bản'), offices and the first word left out."""
    return list(_proper_noun_runs(text))


@lru_cache(maxsize=50_000)
def _proper_noun_runs(text: str) -> tuple[str, ...]:
    tokens = list(_CAPITALISED.finditer(text))
    runs, current = [], []
    for index, match in enumerate(tokens):
        word = match.group()
        joined = current and _touching(text, tokens[index - 1], match)
        if index > 0 and word[:1].isupper() and not word.isupper():
            if not joined:
                runs.append(current)
                current = []
            current.append(word)
        else:
            runs.append(current)
            current = []
    runs.append(current)
    names = []
    for run in runs:
        kept = [w for w in run if w.lower() not in _INSTITUTION_WORDS]
        if len(run) == 2 and kept:
            # "Ninh Bình", "Đồng Nai", "Hàn Quốc": a place whose syllable is also an office word ("an ninh",
            # "hội đồng", "quốc hội") is named by both; one of them alone ("binh") names nothing in particular.
            names.append(" ".join(folded_words(" ".join(run))))
        elif len(kept) >= 2:
            names.append(" ".join(folded_words(" ".join(kept))))
    return tuple(names)


# A document's number and sign: "Kế hoạch số 111-KH/TU", "Quyết định 1938/QĐ-BCT", "Nghị định 100/2019/NĐ-CP".
# Digits, then a sign of capital letters after "-" or "/", more parts after it. A date ("30/6/2016"), a score
# ("1-4") or a plate ("29A-494.63") has no sign after its first digits.
_DOCUMENT_NUMBER = re.compile(r"(?<![\w/-])\d+(?:/\d{4})?[-/][A-ZĐ]{1,8}(?:[-/][A-ZĐ0-9]{1,8})*(?![\w/-])")


def document_numbers(text: str) -> list[str]:
    """Folded numbers of the documents a text cites ("111 kh tu"): an identifier, which an article that
    answers repeats as it is, the way it repeats a name."""
    return [" ".join(folded_words(m.group())) for m in _DOCUMENT_NUMBER.finditer(text)]


def single_names(text: str) -> list[str]:
    """Folded capitalised words standing alone inside a sentence ("Newton", "Edison"): foreign names of one
    word. Not a sentence's first word, an acronym, an office or institution word, nor part of a longer run."""
    return list(_single_names(text))


@lru_cache(maxsize=50_000)
def _single_names(text: str) -> tuple[str, ...]:
    tokens = list(_CAPITALISED.finditer(text))
    names = []
    for index, match in enumerate(tokens):
        word = match.group()
        if index == 0 or len(word) < 3 or not word[0].isupper() or not word[1:].islower():
            continue
        before = text[:match.start()].rstrip()
        if not before or before[-1] in ".!?:;\"“(" or word.lower() in _INSTITUTION_WORDS:
            continue
        previous, following = tokens[index - 1], tokens[index + 1] if index + 1 < len(tokens) else None
        joined_before = previous.group()[:1].isupper() and _touching(text, previous, match)
        joined_after = following is not None and following.group()[:1].isupper() and _touching(text, match, following)
        if not joined_before and not joined_after:
            names.append(" ".join(folded_words(word)))
    return tuple(names)


def _acronyms(text: str, glossary: Glossary, gazetteer: Gazetteer) -> list[str]:
    """Upper-case words neither the glossary nor the gazetteer knows: "HCM" in "TP.HCM" is a province, which an
    article may write "Thành phố Hồ Chí Minh"."""
    known = {e.abbreviation_token for e in glossary.entries}
    provinces = gazetteer.question_spans(text)
    return [m.group() for m in re.finditer(r"\w+", text)
            if len(m.group()) >= 3 and m.group().isupper() and m.group().isalpha()
            and "".join(folded_words(m.group())) not in known
            and not any(start <= m.start() and m.end() <= end for start, end in provinces)]


# Filler that questions wrap around the topic; removed whole, since "bai viet" alone is ambiguous.
_FILLER = re.compile(r"\b(?:duoc nhac den|duoc de cap|trong bai viet|theo bai viet|trong bai bao|theo bai bao|"
                     r"trong bai|cho biet|hay cho biet|xin cho biet|nhu the nao|la gi)\b")


def _slot(folded_tokens: list[str], is_stopword: list[bool]) -> tuple[str, ...]:
    """Up to three content words right before 'nào'/'gì': what the answer will be an instance of."""
    for index, token in enumerate(folded_tokens):
        if token in ("nao", "gi") and index:
            before = []
            for word, stop in zip(reversed(folded_tokens[:index]), reversed(is_stopword[:index])):
                if stop or len(before) == 3:
                    break
                before.insert(0, word)
            return tuple(before)
    return ()


# The words that ask, accented (a folded "dau" is as often "đầu" as "đâu") and, for undiacritized questions, folded.
_ASKING_WORDS = frozenset("ai gì nào nhiêu mấy đâu sao".split())
_FOLDED_ASKING_WORDS = frozenset("ai gi nao nhieu".split())
_CLAUSE_BREAK = re.compile(r"[,;:?]")


def _focus(text: str) -> tuple[str, ...]:
    """The folded syllables of the first clause holding an asking word, or of the whole question."""
    clauses = [c for c in _CLAUSE_BREAK.split(text) if c.strip()]
    asking = _FOLDED_ASKING_WORDS if not has_diacritics(text) else _ASKING_WORDS
    for clause in clauses if len(clauses) > 1 else ():
        if any(w.lower() in asking for w in words(clause)):
            return tuple(folded_words(clause))
    return tuple(folded_words(text))


def analyse(text: str, glossary: Glossary, gazetteer: Gazetteer) -> Question:
    folded_tokens = folded_words(text)
    for match in _FILLER.finditer(" ".join(folded_tokens)):
        start = len(" ".join(folded_tokens)[:match.start()].split())
        for index in range(start, start + len(match.group().split())):
            folded_tokens[index] = ""
    keep = [bool(token) for token in folded_tokens]
    accented = [w.lower() for w, k in zip(words(text), keep) if k]
    folded_tokens = [t for t in folded_tokens if t]
    folded = " ".join(folded_tokens)
    undiacritized = not has_diacritics(text)
    is_stopword = [a in STOPWORDS if not undiacritized else f in FOLDED_STOPWORDS
                   for f, a in zip(folded_tokens, accented)]
    content = tuple(f for f, stop in zip(folded_tokens, is_stopword) if not stop)
    written = [w for w, k in zip(words(text), keep) if k]
    cue_tokens = [_cue_token(f, written, index, undiacritized) for index, f in enumerate(folded_tokens)]
    cues = " ".join(cue_tokens)
    if _has_cue(cues, _DATE_CUES):
        kind = "date"
    elif _has_cue(cues, _PERSON_CUES) or (_role(folded)[0] and re.search(r"\bnao\b", folded)):
        kind = "person"
    elif _has_cue(cues, _PLACE_CUES):
        kind = "place"
    elif _has_cue(cues, _NUMBER_CUES):
        kind = "number"
    else:
        kind = "other"
    role, deputy = _role(folded) if kind == "person" else ((), False)
    role_org = _words_after(role, folded_tokens, is_stopword) if role else ()
    names = [" ".join(folded_words(n)) for n in person_names(text) if not gazetteer.in_question(n)]
    names += [" ".join(folded_words(a)) for a in _acronyms(text, glossary, gazetteer)]
    names += proper_noun_runs(text)
    names += document_numbers(text)
    return Question(
        text=text,
        folded=folded,
        kind=kind,
        wants_list=bool(_LIST_CUES.search(folded)),
        slot=_slot(folded_tokens, is_stopword),
        focus=_focus(text),
        unit=_unit_after_quantity(cue_tokens, is_stopword) if kind == "number" else (),
        role=role,
        deputy=deputy,
        role_org=role_org,
        content=content,
        concepts=tuple(glossary.concepts(text)),
        names=tuple(dict.fromkeys(names)),
    )
