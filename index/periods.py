"""Periods: the year (and part of it) a question asks about, the years a sentence or an article is about."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .text import fold_diacritics

_YEAR = r"((?:19|20)\d{2})"
# "năm 2023", "năm học 2023-2024", "quý I/2024", "tháng 2/2024", "6 tháng đầu năm 2024", "2/2024", "12/7/2017".
_ASKED_YEAR = re.compile(rf"(?<!\d)(?:nam(?:\s+hoc)?|quy\s+[ivx\d]+\s*/|thang\s+\d{{1,2}}\s*/|nam\s+tai\s+chinh|"
                         rf"mua(?:\s+giai)?|\d{{1,2}}\s*/\s*\d{{1,2}}\s*/|\d{{1,2}}\s*/)\s*{_YEAR}(?!\d)")
# A year, not part of a bigger number ("1.2023", "2023,5").
_ANY_YEAR = re.compile(rf"(?<!\d)(?<!\d[.,]){_YEAR}(?!\d|[.,]\d)")
_DATED_YEAR = re.compile(rf"(?<!\d)\d{{1,2}}\s*[/-]\s*{_YEAR}(?!\d)")
_RECENT = re.compile(r"(?<!\w)(?:hien nay|moi nhat|gan day|hom nay|hien tai|tuan nay|thang nay|nam nay)(?!\w)")


@dataclass(frozen=True)
class Period:
    years: frozenset[int]  # the period the question asks about; empty when it names none
    recent: bool  # "hiện nay", "mới nhất", "gần đây", "hôm nay": the latest article that answers
    # Every year the question names as a time, bounds included ("trước năm 2000"): what the selector's
    # features match against sentences and articles. Only `years` can make an answer "about another period".
    named: frozenset[int] = frozenset()
    # The first month, as (year, month), of each month or quarter the question asks about ("tháng 6/2017",
    # "ngày 1/6/2017", "quý III/2023"), bounds left out: an article stored before it cannot report it.
    months: frozenset[tuple[int, int]] = frozenset()
    # How the question names those months and quarters, for the refusal: "tháng 6/2017", "quý III/2023".
    month_labels: tuple[str, ...] = ()


# "trước năm 2000", "sau năm 2015", "từ năm 2020", "đến năm 2025": a bound, not the period asked about.
_BOUND = re.compile(r"(?:truoc|sau|tu|den|toi)\s+$")
# "tính đến tháng 9/2017": the state as of that month, which an article stored before it cannot report, as
# "tính đến ngày 30/9/2017" (no bound: "ngày" stands between) already counts. "Đến tháng 9/2017" alone stays a
# bound: it is as often a plan's deadline, which an earlier article does report.
_AS_OF = re.compile(r"tinh\s+den\s+(?:het\s+)?$")


# "tháng 6/2017", "tháng 6 năm 2017", "1/6/2017", "ngày 1 tháng 6 năm 2017", "quý III/2023", folded.
_ASKED_MONTH = re.compile(rf"(?<![\d/])(?:thang\s+(\d{{1,2}})\s*(?:/|\s+nam\s+)|\d{{1,2}}\s*/\s*(\d{{1,2}})\s*/\s*|"
                          rf"quy\s+(iv|i{{1,3}}|[1-4])\s*/\s*){_YEAR}(?!\d)")
_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _asked_months_named(folded: str) -> dict[tuple[int, int], str]:
    """(year, first month) of each month or quarter a folded text names, bounds ("từ tháng 6/2017") left out,
    with the words that name it ("tháng 6/2017", "quý III/2023")."""
    found = {}
    for match in _ASKED_MONTH.finditer(folded):
        month, day_month, quarter, year = match.groups()
        first = int(month or day_month) if quarter is None else 3 * _QUARTERS[quarter] - 2
        before = folded[:match.start()]
        if 1 <= first <= 12 and (not _BOUND.search(before) or _AS_OF.search(before)):
            found[(int(year), first)] = (f"tháng {first}/{year}" if quarter is None
                                         else f"quý {_ROMAN[_QUARTERS[quarter]]}/{year}")
    return found


def asked_months(folded: str) -> frozenset[tuple[int, int]]:
    """(year, first month) of each month or quarter a folded text names, bounds ("từ tháng 6/2017") left out."""
    return frozenset(_asked_months_named(folded))


def predates(months: frozenset[tuple[int, int]], date: str | None) -> bool:
    """The article's stated date ('2017-05-08') is before the first month asked: it cannot report on that
    month. A crawler stores a story on or after the day it is published, so the stored date errs the safe way.
    Undated articles, and dates without a year, never predate."""
    if not months or not date or not re.match(r"^\d{4}-\d{2}", date):
        return False
    return (int(date[:4]), int(date[5:7])) < min(months)


def asked_period(question: str) -> Period:
    folded = fold_diacritics(question).lower()
    named, years = set(), set()
    for match in _ASKED_YEAR.finditer(folded):
        named.add(int(match.group(1)))
        if not _BOUND.search(folded[:match.start()]):
            years.add(int(match.group(1)))
    # "năm học 2023-2024", "mùa 2014-2015": the second year too.
    for first, second in re.findall(rf"{_YEAR}\s*[-–]\s*{_YEAR}", folded):
        for found in (named, years):
            if int(first) in found:
                found.add(int(second))
    months = _asked_months_named(folded)
    return Period(frozenset(years), bool(_RECENT.search(folded)), frozenset(named), frozenset(months),
                  tuple(months[key] for key in sorted(months)))


def years_in(text: str) -> frozenset[int]:
    """Years a sentence names: '2023', 'năm 2019', '12/7/2017', 'quý III/2023'."""
    return frozenset(int(y) for y in _ANY_YEAR.findall(text)) | frozenset(int(y) for y in _DATED_YEAR.findall(text))


# A day and month without a year ("ngày 17/5", "sáng 6/6", "ngày 2 tháng 6"): the article's own year.
_DAY_MONTH = re.compile(r"(?<![\d/.,])(?:[12]?\d|3[01])\s*/\s*(?:0?[1-9]|1[0-2])(?![\d/])|"
                        r"\bngày\s+\d{1,2}\s+tháng\s+\d{1,2}\b(?!\s+năm)", re.IGNORECASE)


def years_told(sentence_then_earlier: Iterable[str]) -> frozenset[int]:
    """The years a sentence is about: those it names, else those of the nearest earlier sentence of its
    article that names one — the story's time ("Chiều 22/5/2013, anh Thảo lái xe cẩu…", then "Sự cố làm mất
    điện 22 tỉnh…"). Empty when a day and month without a year come first (the article's year), or nothing
    names a year: the article's date decides. Read lazily, nearest first: the scan stops at the first answer."""
    for text in sentence_then_earlier:
        years = years_in(text)
        if years:
            return years
        if _DAY_MONTH.search(text):
            return frozenset()
    return frozenset()


def article_year(date: str | None) -> int | None:
    """The year of an article's stated date ('2017-07-01'); None when undated or given without a year."""
    if date and re.match(r"^\d{4}-", date):
        return int(date[:4])
    return None


@lru_cache(maxsize=4096)
def _title_years(title: str) -> frozenset[int]:
    return years_in(title)


def article_years(title: str, date: str | None) -> frozenset[int]:
    """The years an article is about: those its title names ("… năm 2024"), else its stated date's year
    and the year before (an article of April 2024 reports on 2023: "tổng kết năm 2023")."""
    named = _title_years(title)
    if named:
        return named
    year = article_year(date)
    return frozenset({year, year - 1}) if year else frozenset()


def other_period(asked: frozenset[int], text_years: frozenset[int], of_article: frozenset[int]) -> bool:
    """The text is about other years than those asked: it names only others, or names none and its
    article is about others. Neither: unknown, which is not a conflict."""
    if not asked:
        return False
    known = text_years or of_article
    return bool(known) and not (asked & (text_years | of_article))
