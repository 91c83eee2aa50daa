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
