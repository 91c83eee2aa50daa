"""Turn one cleaned news file into articles with title, date, source, byline and provinces."""
from __future__ import annotations

import re
from collections import Counter

from .cleaning import clean_lines
from .gazetteer import Gazetteer, default_gazetteer, primary_province
from .models import Article

_CONTINUED = re.compile(r"^\(?\s*Tiếp theo trang \d+\s*\)?$", re.IGNORECASE)
_FULL_DATE = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2})?(?!\d)")
_HEADER_DATE_PREFIX = re.compile(r"^date\s+\d{4}-\d{2}\s*", re.IGNORECASE)
_STATED_DAY = re.compile(
    r"(?:^|[\s,(])(?:sáng|chiều|tối|trưa|đêm)?\s*(?:ngày|hôm)\s+(\d{1,2})[-/](\d{1,2})(?:[-/](\d{4}))?(?!\d)",
    re.IGNORECASE,
)
_SOURCE_TAG = re.compile(r"^\(([^()\s]{2,40})\)\s*[-–—]\s*")
_TITLE_MAX = 200
_FALLBACK_TITLE = 120


def _is_upper_word(word: str) -> bool:
    return len(word) >= 2 and word.isalpha() and word.isupper()


def _is_all_caps_line(line: str) -> bool:
    words = line.replace("...", "").replace("…", "").split()
    return bool(words) and all(_is_upper_word(w.strip("“”\"'.,:")) for w in words)


def _is_byline(line: str) -> bool:
    """'MINH HƯƠNG', 'TRẦN TUẤN': two to four capitalised words and nothing else."""
    words = line.split()
    return 2 <= len(words) <= 4 and len(line) <= 30 and _is_all_caps_line(line) and not line.endswith(("...", "…"))


def _is_final_byline(line: str) -> bool:
    """'Văn Tùng' on the last line of a file."""
    words = line.split()
    return 2 <= len(words) <= 4 and len(line) <= 30 and all(w[:1].isupper() and w.isalpha() for w in words)


def _looks_like_headline(line: str) -> bool:
    return len(line) <= _TITLE_MAX and not line.endswith((".", ";", ":", ",", "?", "!")) or line.endswith(("...", "…"))


def _starts_with_caps_kicker(line: str) -> bool:
    """'TIỀN HẢI Quy hoạch …': a place kicker in capitals opens a new article."""
    words = line.split()
    caps = 0
    for word in words:
        if _is_upper_word(word.strip("“”\"'")):
            caps += 1
        else:
            break
    return caps >= 2 and _looks_like_headline(line)


def _format_date(day: str, month: str, year: str | None) -> str | None:
    d, m = int(day), int(month)
    if not (1 <= d <= 31 and 1 <= m <= 12):
        return None
    return f"{int(year):04d}-{m:02d}-{d:02d}" if year else f"{d}/{m}"


def find_date(header: str, body: str) -> str | None:
    """A stated publication date: a dated header first, else the first 'ngày 24-10' in the opening."""
    match = _FULL_DATE.search(header)
    if match:
        return _format_date(*match.groups())
    match = _STATED_DAY.search(body[:600])
    if match:
        return _format_date(*match.groups())
    return None


class _Draft:
    def __init__(self) -> None:
        self.title: str | None = None
        self.header: str = ""
        self.author: str | None = None
        self.source: str | None = None
        self.paragraphs: list[str] = []


def _split_drafts(lines: list[str]) -> list[_Draft]:
    drafts = [_Draft()]
    previous_was_byline = False
    for index, line in enumerate(lines):
        current = drafts[-1]
        next_line = lines[index + 1] if index + 1 < len(lines) else ""
        if _CONTINUED.match(line):
            continue
        if _is_byline(line) or (index == len(lines) - 1 and _is_final_byline(line) and current.paragraphs):
            current.author = line.title() if line.isupper() else line
            previous_was_byline = True
            continue
        opens_article = _looks_like_headline(line) and (
            _CONTINUED.match(next_line) or previous_was_byline or _starts_with_caps_kicker(line)
        )
        previous_was_byline = False
        if opens_article and (current.paragraphs or current.author):
            current = _Draft()
            drafts.append(current)
        if current.title is None and not current.paragraphs and _looks_like_headline(line):
            header = _HEADER_DATE_PREFIX.sub("", line)
            current.header = line
            title = _FULL_DATE.sub("", header).strip(" -|")
            # A lone tag such as 'CTTĐT' is a section label, not a title.
            if len(title.split()) >= 3:
                current.title = title.rstrip(".… ")
            continue
        source = _SOURCE_TAG.match(line)
        if source:
            current.source = current.source or source.group(1)
            line = line[source.end():]
        current.paragraphs.append(line)
    return [d for d in drafts if d.paragraphs]


def parse_articles(doc_id: str, raw: str, gazetteer: Gazetteer | None = None) -> list[Article]:
    """Articles of one file, numbered from 1, in reading order."""
    gazetteer = gazetteer or default_gazetteer()
    articles = []
    for number, draft in enumerate(_split_drafts(clean_lines(raw)), start=1):
        body = "\n".join(draft.paragraphs)
        title = draft.title or _fallback_title(draft.paragraphs[0])
        mentions = gazetteer.mentions(body)
        title_mentions = gazetteer.mentions(title) if draft.title else Counter()
        provinces = tuple(name for name, _ in (mentions + title_mentions).most_common())
        articles.append(Article(
            doc_id=doc_id,
            number=number,
            title=title,
            date=find_date(draft.header, body),
            source=draft.source,
            author=draft.author,
            paragraphs=tuple(draft.paragraphs),
            provinces=provinces,
            primary_province=primary_province(mentions, title_mentions),
        ))
    return articles


def _fallback_title(first_paragraph: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s", first_paragraph, maxsplit=1)[0]
    if len(sentence) <= _FALLBACK_TITLE:
        return sentence.rstrip(".")
    return sentence[:_FALLBACK_TITLE].rsplit(" ", 1)[0] + "…"
