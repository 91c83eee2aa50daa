"""Line-level clean-up of news files: boilerplate out, broken paragraphs rejoined."""
from __future__ import annotations

import re

from .text import has_diacritics, normalize

_MEDIA_PLAYER = re.compile(r"^\d{1,2}:\d{2}(\s*/\s*\d{1,2}:\d{2})?$")
_SEPARATOR = re.compile(r"^[|\-_=*•·#~]+$")
# A related-news block runs from its heading to the end of the page.
_RELATED_NEWS = re.compile(
    r"^(tin cùng chuyên mục|đọc thêm|tin liên quan|bài liên quan|xem thêm|tin khác|"
    r"có thể bạn quan tâm|tin mới nhất|tin nổi bật|tin mới)\s*:?$",
    re.IGNORECASE,
)
# Image alt text that a CMS copied without diacritics: "… tai tinh Ninh Binh - Anh 1".
_ALT_TEXT = re.compile(r"[-–]\s*(Anh|Ảnh)\s*\d+$")
_TERMINAL = tuple(".!?…:;\"”’)»")
_LONG_LINE = 80
# A photo credit the CMS leaves inside the paragraph, after the caption: "Hiện trường vụ tai nạn. (Ảnh: Mạnh
# Tú/TTXVN) Ngày 3/6, …", "… (Nguồn Sina) Tuy nhiên …". Left in, it glues the caption to the next sentence, and
# when that sentence repeats the lead (news sites open the body with it) the two no longer read as one.
# With a colon, or capitalised and then a capitalised name or "minh họa": "(nguồn vốn ngân sách tỉnh)" is the
# text's own words.
_CREDIT = re.compile(r"\s*\((?:(?:[ảẢ]nh|[nN]guồn|Photo|Source)\s*:[^()\n]{1,60}"
                     r"|(?:Ảnh|Nguồn)(?:\s+(?:[A-ZĐ]|minh họa)[^()\n]{0,60})?|ảnh minh họa)\)")
# The same credit as a sentence of its own: "… tư thế bào thai. Ảnh: Pinterest. Theo người dân …", or without
# its full stop when it ends in an agency's tag: "… phân công. Ảnh: Nguyễn Dân/TTXVN Trước đó, …".
# The tagged form is tried first: "Ảnh: X/TTXVN Khách về lúc 9 giờ." is not a credit up to the full stop.
_BARE_CREDIT = re.compile(r"(?:^|(?<=[.!?…\"”]))\s*(?:Ảnh|Nguồn)\s*:\s*(?:[^.!?()/\n]{1,40}/)+[A-ZĐ][A-ZĐ+]+(?=\s|$)\.?"
                          r"|(?<=[.!?…])\s+(?:[ảẢ]nh|[nN]guồn)\s*:\s*[^.!?()\n]{1,40}\.(?=\s|$)")
# A caption's bare label after a sentence: "… tại các BV công lập. Ảnh minh họa Cụ thể, Bộ sẽ …" (dropped when
# the next sentence's capital follows it, or nothing).
_CAPTION_LABEL = re.compile(r"(?<=[.!?…\"”])\s+Ảnh minh họa\.?(?=\s+(\S)|\s*$)")
# An inline link to another story, its headline in brackets between two sentences: "… cho người dân.
# [Thủ tướng Ireland quan ngại về liên minh …] Trước đó, …". Its words are another article's.
_RELATED_LINK = re.compile(r"(?:^|(?<=[.!?…\"”’)]))\s*\[(?P<headline>[^\[\]\n]{10,200})\](?=\s+\S|\s*$)")


def without_inline_furniture(line: str) -> str:
    """The line without photo credits and related-story links set inside its paragraph, the sentences
    around them kept apart (a caption without a full stop gets one)."""
    line = _RELATED_LINK.sub(_drop_related_link, line)
    line = _BARE_CREDIT.sub("", line)
    line = _CAPTION_LABEL.sub(lambda m: "" if m.group(1) is None or m.group(1).isupper() else m.group(0), line)
    return " ".join(_CREDIT.sub(_drop_credit, line).split())


def _drop_related_link(match: re.Match) -> str:
    headline = match.group("headline").strip()
    # A headline starts with a capital and has a few words; "[không phải loại ICBM-ND]" is the editor's aside.
    if not headline[:1].isupper() or len(headline.split()) < 4:
        return match.group(0)
    return " "


def _drop_credit(match: re.Match) -> str:
    before = match.string[:match.start()].rstrip()
    after = match.string[match.end():].lstrip()
    if not before or not after or not (after[0].isupper() or after[0].isdigit()):
        return ""  # "… Olympic Rio 2016 (Ảnh: Getty). Sau …": the sentence's own stop follows
    # "… tốt hơn (Ảnh: AP) Ông gọi …": the caption had no full stop; the credit was its end.
    return "" if before.endswith(_TERMINAL) else "."


def is_boilerplate(line: str) -> bool:
    return bool(_MEDIA_PLAYER.match(line) or _SEPARATOR.match(line) or _ALT_TEXT.search(line))


def _is_undiacritized_copy(line: str) -> bool:
    """A long line with no Vietnamese diacritics at all is alt text, not prose."""
    return len(line.split()) >= 6 and not has_diacritics(line) and line.isascii()


def clean_lines(raw: str) -> list[str]:
    """Normalized, non-empty lines with boilerplate and related-news teasers removed."""
    lines: list[str] = []
    raw_lines = [line for line in normalize(raw).split("\n") if line]
    # Undiacritized lines are alt-text copies only in a text written with diacritics; a text typed
    # without them (or a PDF whose font lost them) is all such lines, and is the article itself.
    prose = [line for line in raw_lines if len(line.split()) >= 6]
    written_with_diacritics = sum(has_diacritics(line) for line in prose) * 2 >= len(prose)
    for line in raw_lines:
        if _RELATED_NEWS.match(line):
            break
        line = without_inline_furniture(line)
        if not line:
            continue
        if is_boilerplate(line) or (written_with_diacritics and _is_undiacritized_copy(line)):
            continue
        # Photo captions repeat on the next line; long passages repeat anywhere.
        if lines and line == lines[-1]:
            continue
        if len(line) > _LONG_LINE and line in lines:
            continue
        lines.append(line)
    return rejoin_broken_paragraphs(lines)


def rejoin_broken_paragraphs(lines: list[str]) -> list[str]:
    """Join 'Cơ chế phối' + 'hợp trong …': a line cut by a page break before its sentence ended."""
    joined: list[str] = []
    for line in lines:
        if joined and _continues(joined[-1], line):
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    return joined


def _continues(previous: str, line: str) -> bool:
    if previous.endswith(_TERMINAL) or line.startswith("("):
        return False
    # Only a lower-case start proves a cut sentence: a capital after a comma is as often a new paragraph.
    return line[0].islower()
