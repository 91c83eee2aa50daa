"""What the index holds, article by article: for /help, /tinh and /moi."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from .models import Passage


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def display_date(iso: str | None) -> str:
    """'2017-05-12' -> '12/05/2017', as officials write dates; '' when it is not a full date."""
    if iso and _ISO_DATE.match(iso):
        year, month, day = iso.split("-")
        return f"{day}/{month}/{year}"
    return ""


@dataclass(frozen=True)
class ArticleInfo:
    article_id: str
    doc_id: str
    title: str
    date: str | None
    source: str | None
    province: str | None
    provinces: tuple[str, ...]

    @classmethod
    def of(cls, passage: Passage) -> "ArticleInfo":
        """The article a passage belongs to, as its metadata describes it."""
        return cls(passage.article_id, passage.doc_id, passage.title, passage.date, passage.source, passage.province,
                   passage.provinces)


class Catalog:
    """The indexed articles, newest first (articles with a full date before those without)."""

    def __init__(self, articles: Iterable[ArticleInfo]) -> None:
        self.articles = sorted(articles, key=_newest_first)

    def __len__(self) -> int:
        return len(self.articles)

    def latest(self, n: int) -> list[ArticleInfo]:
        return self.articles[:n]

    def in_province(self, names: Iterable[str]) -> list[ArticleInfo]:
        """Articles about one of these provinces first (their main province), then those that mention it."""
        wanted = set(names)
        main = [a for a in self.articles if a.province in wanted]
        mentioning = [a for a in self.articles if a.province not in wanted and wanted & set(a.provinces)]
        return main + mentioning

    def province_counts(self) -> Counter:
        """Main province -> number of articles."""
        return Counter(a.province for a in self.articles if a.province)

    def date_range(self) -> tuple[str, str] | None:
        dates = sorted(a.date for a in self.articles if a.date and _ISO_DATE.match(a.date))
        return (dates[0], dates[-1]) if dates else None


def _newest_first(article: ArticleInfo) -> tuple:
    full = bool(article.date and _ISO_DATE.match(article.date))
    # Negative ordinal of the date string: sort descending by date while keeping doc order stable.
    return (not full, [-ord(c) for c in article.date] if full else [], article.doc_id, article.article_id)
