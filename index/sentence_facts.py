"""What a sentence of news states, read without a model: counted figures, quoted officials, places named."""
from __future__ import annotations

import re

from .question import person_names
from .text import fold_diacritics, folded_words

# A number that counts something: "59 mô hình", "43/118 xã", "98.268 người", "90%". Not dates or times.
_COUNT = re.compile(r"(?<![\w/.,:])(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?(?:/\d+)?)\s*(%|[^\W\d_]+)")
_DATE_LIKE = re.compile(r"\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?|\d{1,2}:\d{2}")
# Words before a number that make it a date, a year or a document number rather than a count.
_NOT_A_COUNT_BEFORE = {"nam", "ngay", "thang", "so", "dinh", "tu", "quyet", "thi", "hoach", "luat", "khoa", "lan",
                       "doan", "trang", "dieu", "khoan", "muc", "dao", "bcd", "phuong", "quan", "khu", "to", "doi"}
_NOT_A_UNIT = {"nam", "thang", "ngay", "gio", "phut", "va", "den", "tu"}
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
# Words that introduce a named model, movement, campaign or programme (matched on folded text).
# Building, rolling out or replicating a named thing is how such names are introduced ("xây dựng “Khu dân cư
# an toàn”"); speech and awards ("danh hiệu “…”") are not.
_PROGRAMME = re.compile(r"(?<!\w)(?:mo hinh|phong trao|cuoc van dong|van dong|chien dich|chuong trinh|de an|"
                        r"xay dung|trien khai|nhan rong)(?!\w)")
_ADMIN_PLACE = re.compile(r"(?<!\w)(?:xã|phường|thị trấn|thị xã|huyện|quận|thành phố|TP\.?)\s+")

def figure_count(sentence: str) -> int:
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


def quoted_official(sentence: str) -> tuple[str, str] | None:
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


def admin_places(sentence: str) -> list[str]:
    """'thị trấn Châu Hưng', 'xã Vũ Lăng': administrative places a sentence names."""
    places = []
    for match in _ADMIN_PLACE.finditer(sentence):
        name = _capitalised_run(sentence[match.end():]) or re.match(r"\d*", sentence[match.end():]).group()
        if name:
            places.append(f"{match.group().strip()} {name}")
    return places


def trim(sentence: str, limit: int) -> str:
    """The sentence, or its clauses up to the limit starting at the first one with a figure."""
    if len(sentence) <= limit:
        return sentence
    clauses = re.split(r"(?<=[;,:])\s+", sentence)
    start = next((i for i, c in enumerate(clauses) if figure_count(c)), 0)
    text = ""
    for clause in clauses[start:]:
        if len(text) + len(clause) + 1 > limit - 2:
            break
        text = f"{text} {clause}".strip()
    text = text or sentence[:limit - 2].rsplit(" ", 1)[0]
    return ("…" if start else "") + text.rstrip(",;:") + "…"


def speaks_locally(sentence: str) -> bool:
    """Whether a sentence speaks of the whole place: "toàn tỉnh có…", "trên địa bàn…"."""
    return bool(_LOCAL.search(fold_diacritics(sentence).lower()))


def introduces_programme(sentence: str, start: int) -> bool:
    """Whether the quoted name starting at `start` is introduced as a model, movement, campaign or programme:
    "mô hình “Camera an ninh”", "phong trào “Toàn dân…”", "cuộc vận động “…”"."""
    before = folded_words(sentence[max(0, start - 40):start])[-4:]
    return bool(_PROGRAMME.search(" ".join(before)))


def looks_like_table(sentence: str) -> bool:
    """A row of a table flattened into text ("Chư Sê (Gia Lai) 72.000 0 Châu Đức 75.000 +1.000 …"): many
    numbers, and numbers a large share of its words."""
    tokens = sentence.split()
    numbers = sum(1 for t in tokens if any(ch.isdigit() for ch in t))
    return numbers >= 6 and numbers > 0.25 * len(tokens)
