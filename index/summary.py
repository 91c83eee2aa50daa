"""Province digests, extractive: what the corpus says about a province, organised by theme and time.

Every line quotes or names what the articles say and cites it. A line may only cite a sentence about the
province: the sentence names it (or a province merged into it), or the article's title does. An article
filed under another province lends only its sentences naming this one. The lines, in the order they are kept
within MAX_SUMMARY_CHARS:
- the overview: how many articles, their dates, the former provinces they came from;
- the newest articles, with their dates;
- one line per theme (data/themes.toml), with its article count and its most telling fact, dated;
- headline figures, dated and placed (the district when the sentence names one);
- the models, movements, campaigns and programmes the articles introduce by name;
- the officials quoted, with their office.
With a topic (a theme, and/or other words that articles must contain) the digest covers only those articles.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from prompts import text as message

from .catalog import ArticleInfo, display_date
from .gazetteer import Gazetteer
from .models import Citation, Passage
from .sentence_facts import (admin_places, figure_count, introduces_programme, looks_like_table, quoted_official,
                             speaks_locally, trim)
from .text import fold_diacritics, folded_words, has_diacritics
from .text import words as text_words
from .themes import Theme, ThemeLexicon, default_themes

MAX_SUMMARY_CHARS = 1500
# The newest articles of a province read for one digest (and of those only mentioning it): bounds its cost
# on a big corpus. The article count and dates cover all of them; themes and topics the newest, and say so.
MAX_READ_ARTICLES = 300
MAX_READ_MENTIONING = 60
THEME_SENTENCES = 12  # sentences of an article read, with its title, to find its theme
MAX_THEMES = 5
MAX_LATEST = 3
MAX_FIGURES = 3
MAX_FIGURES_ON_TOPIC = 5
FACT_CHARS = 160
MAX_NAMED = 5
MAX_OFFICIALS = 2
SIMILAR = 0.5  # word-set overlap above which two lines say the same thing
_QUOTED = re.compile(r"[“\"]([^”\"]{3,90})[”\"]")


@dataclass(frozen=True)
class ThemeCount:
    key: str
    name: str
    articles: int


@dataclass(frozen=True)
class Summary:
    query: str
    province: str | None
    found: bool
    summary: str
    citations: tuple[Citation, ...] = ()
    articles: int = 0
    suggestions: tuple[str, ...] = ()
    topic: str | None = None  # the theme name and/or keywords the digest was narrowed to
    themes: tuple[ThemeCount, ...] = ()  # the province's themes, for buttons (none when narrowed)

    def to_json(self) -> dict:
        from dataclasses import asdict

        return {"query": self.query, "province": self.province, "found": self.found, "summary": self.summary,
                "citations": [asdict(c) for c in self.citations], "articles": self.articles, "topic": self.topic,
                "themes": [asdict(t) for t in self.themes]}


@dataclass
class _Article:
    info: ArticleInfo
    passages: list[Passage]
    theme: Theme | None = None
    own: bool = True  # filed under the province (not only mentioning it): counts in its themes
    sentences: list["_Sentence"] = field(default_factory=list)  # those about the province


@dataclass(frozen=True)
class _Sentence:
    passage: Passage
    article: ArticleInfo
    place: str | None  # the district it names, or the former province when the digest covers several
    figures: int
    weight: float  # how telling: figures, and whether they are about the place as a whole
    by_name: bool  # the sentence or its title spells the province's name out (not an alias such as "TP.HCM")

    @property
    def rank(self) -> tuple:
        """Best first when sorted descending: named in full, most telling, newest article, earliest sentence."""
        return (self.by_name, self.weight, self.article.date or "", -self.passage.position)


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


def split_request(text: str, gazetteer: Gazetteer) -> tuple[str, str | None]:
    """'/tinh Đà Nẵng an ninh' -> ('Đà Nẵng', 'an ninh'): the first province named, and the words around it
    (a theme and/or keywords). Without a province name the whole text is the province asked (misspelled: the
    digest suggests names)."""
    text = " ".join(text.split())
    spans = gazetteer.question_spans(text)
    if not spans:
        return text, None
    start, end = spans[0]
    rest = re.sub(r"(?<!\w)(?:tỉnh|thành phố|TP\.?)(?!\w)", " ", text[:start], flags=re.IGNORECASE) + " " + text[end:]
    topic = " ".join(rest.replace(",", " ").split())
    return text[start:end], topic or None


def summarize(query: str, passages_of: Callable[[set[str]], list[Passage]], articles: list[ArticleInfo],
              gazetteer: Gazetteer, topic: str | None = None, lexicon: ThemeLexicon | None = None) -> Summary:
    """The digest of one province over the indexed articles (newest first, as the catalog keeps them);
    `passages_of(article_ids)` reads their passages; `topic` narrows it to a theme and/or keywords."""
    lexicon = lexicon or default_themes()
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
    mentioning = [a for a in articles if a.province not in covered and set(covered) & set(a.provinces)]
    if not chosen and not mentioning:
        return Summary(query, province, False, message("province_empty", name=gazetteer.label(province)))
    read = _read(chosen[:MAX_READ_ARTICLES] or mentioning[:MAX_READ_ARTICLES],
                 mentioning[:MAX_READ_MENTIONING] if chosen else [], passages_of, lexicon)
    own = {a.article_id for a in chosen}
    theme, words = lexicon.find(topic) if topic else (None, "")
    topic_label = " · ".join(x for x in (theme.name if theme else "", words) if x) or None
    if topic_label:
        read = [a for a in read if (theme is None or a.theme == theme) and _contains(a, words)]
        if not read:
            return Summary(query, province, False, message("summary_topic_empty", topic=topic_label,
                                                           name=gazetteer.label(province)), topic=topic_label)
    several = len({a.province for a in chosen}) > 1 or any(a.province != province for a in chosen)
    for article in read:
        filed_here = article.info.article_id in own
        article.own = filed_here or not own  # with no article filed here, those mentioning it count instead
        article.sentences = _about(article, covered, province, gazetteer, several, mentioning_only=not filed_here)
        if words:  # the facts of a keyword digest hold the keywords, when the article says them near the place
            article.sentences = [s for s in article.sentences if _holds(s.passage.text, words)] or article.sentences
    counted = [a.info for a in read if a.own] if topic_label else (chosen or mentioning)
    citations = _Citations()
    lines = [_overview(province, counted, read, citations, gazetteer, topic_label), _latest_line(read, citations)]
    used: list[set[str]] = []
    if topic_label is None:
        lines += _theme_lines(read, citations, used)
    lines += _figure_lines(read, citations, used, MAX_FIGURES_ON_TOPIC if topic_label else MAX_FIGURES)
    lines.append(_named_line(read, citations))
    lines.append(_officials_line(read, citations))
    text = _fit([line for line in lines if line], MAX_SUMMARY_CHARS)
    kept = [c for c in citations.items if f"[{c.n}]" in text]
    themes = () if topic_label else _theme_counts(read)
    return Summary(query, province, True, text, tuple(kept), articles=len(counted), topic=topic_label,
                   themes=themes)


def _read(own: list[ArticleInfo], mentioning: list[ArticleInfo], passages_of: Callable[[set[str]], list[Passage]],
          lexicon: ThemeLexicon) -> list[_Article]:
    """The articles' passages in order, and each article's theme; newest articles first."""
    infos = own + mentioning
    by_article: dict[str, list[Passage]] = {a.article_id: [] for a in infos}
    for passage in passages_of(set(by_article)):
        by_article[passage.article_id].append(passage)
    read = []
    for info in infos:
        passages = sorted(by_article[info.article_id], key=lambda p: p.position)
        opening = " ".join(p.text for p in passages[:THEME_SENTENCES])
        read.append(_Article(info, passages, _theme(lexicon, info.title, opening)))
    return read


@lru_cache(maxsize=4096)
def _theme(lexicon: ThemeLexicon, title: str, opening: str) -> Theme | None:
    return lexicon.classify(title, opening)


def _contains(article: _Article, words: str) -> bool:
    return not words or _holds(article.info.title + " " + " ".join(p.text for p in article.passages), words)


def _holds(text: str, words: str) -> bool:
    """Whether the text holds every word: with their accents when typed with accents (folded, "ma túy" would
    be "mà tùy" too), else without."""
    if has_diacritics(words):
        plain = f" {' '.join(w.lower() for w in text_words(text))} "
        return all(f" {w.lower()} " in plain for w in text_words(words))
    plain = _folded_padded(text)
    return all(f" {w} " in plain for w in folded_words(words))


def _about(article: _Article, covered: tuple[str, ...], province: str, gazetteer: Gazetteer, several: bool,
           mentioning_only: bool) -> list[_Sentence]:
    """The article's sentences a digest may cite: naming the province (or a merged one), or naming no other
    province in an article whose title names it; an article filed under another province lends only
    sentences naming this one. Tables (rows of figures) are left out: they state nothing by themselves."""
    title_names = [p.province for p in gazetteer.places(article.info.title, covered) if p.district is None]
    full_names = _full_names(province, covered)
    title_by_name = bool(title_names) and _spells(article.info.title, full_names)
    out = []
    for passage in article.passages:
        places = gazetteer.places(passage.text, covered)
        named = [p.province for p in places if p.district is None]
        if not named and (mentioning_only or not title_names):
            continue
        if not named and gazetteer.named_in(passage.text):
            continue  # under a title naming the province, a sentence about another one is not about it
        if looks_like_table(passage.text):
            continue
        district = next((p.district for p in places if p.district), None)
        former = (named or title_names or [article.info.province])[0]
        place = district or (former if several else None)
        figures = figure_count(passage.text)
        local = bool(named or district or admin_places(passage.text) or speaks_locally(passage.text))
        weight = min(figures, 3) + (1.0 if local and figures else 0.0)
        by_name = (bool(named) and _spells(passage.text, full_names)) or (title_by_name and not named)
        out.append(_Sentence(passage, article.info, place, figures, weight, by_name))
    # Sentences that spell the name out come first wherever the digest takes "the first sentence about it".
    return sorted(out, key=lambda s: not s.by_name)


@lru_cache(maxsize=256)
def _full_names(province: str, covered: tuple[str, ...]) -> tuple[str, ...]:
    """The names spelled out, folded: 'ho chi minh', 'binh duong', 'ba ria vung tau' (no 'tp' prefix)."""
    names = {re.sub(r"^(TP\.?|Thành phố|Tỉnh)\s+", "", n) for n in (province, *covered)}
    return tuple(" ".join(folded_words(n)) for n in names)


def _spells(text: str, names: tuple[str, ...]) -> bool:
    plain = _folded_padded(text)
    return any(f" {name} " in plain for name in names)


def _folded_padded(text: str) -> str:
    """The folded syllables between spaces: ' {word} ' in it finds whole words only."""
    return f" {' '.join(folded_words(text))} "


def _overview(province: str, articles: list[ArticleInfo], read: list[_Article], citations: _Citations,
              gazetteer: Gazetteer, topic: str | None) -> str:
    dated = sorted(a.date for a in articles if display_date(a.date))
    text = message("summary_overview", count=len(articles), province=gazetteer.label(province))
    if topic:
        text = message("summary_topic", topic=topic) + " " + text
    if dated:
        first, last = display_date(dated[0]), display_date(dated[-1])
        text += " " + (message("summary_date", date=first) if first == last
                       else message("summary_dates", first=first, last=last))
    by_province: dict[str, int] = {}
    for article in articles:
        if article.province:
            by_province[article.province] = by_province.get(article.province, 0) + 1
    former = [f"{gazetteer.label(name)}: {count}" for name, count in by_province.items() if name != province]
    if former:
        text += " " + message("summary_former", parts="; ".join(former))
    # Cited by the newest and the oldest article read that speak of the place: the two ends of the range.
    own = [a for a in read if a.own]
    speaking = ([a.sentences[0].passage for a in own if a.sentences]
                or [a.sentences[0].passage for a in read if a.sentences])
    if not topic and len(articles) > len(own):
        text += " " + message("summary_newest_read", count=len(own))
    marks = "".join(citations.cite(p) for p in {p.node_id: p for p in speaking[:1] + speaking[-1:]}.values())
    return f"{text}. {marks}".strip()


def _best(sentences: list[_Sentence]) -> _Sentence | None:
    """The most telling sentence (see _Sentence.rank)."""
    return max(sentences, key=lambda s: s.rank, default=None)


def _fact(sentence: _Sentence) -> str:
    """'12/05/2017, Hải Châu: the sentence' (date and place when known)."""
    context = ", ".join(x for x in (display_date(sentence.article.date), sentence.place) if x)
    text = trim(sentence.passage.text, FACT_CHARS)
    return f"{context}: {text}" if context else text


def _theme_counts(read: list[_Article]) -> tuple[ThemeCount, ...]:
    counts: dict[str, ThemeCount] = {}
    for article in read:
        if article.theme is not None and article.own:
            known = counts.get(article.theme.key)
            counts[article.theme.key] = ThemeCount(article.theme.key, article.theme.name,
                                                   (known.articles if known else 0) + 1)
    return tuple(sorted(counts.values(), key=lambda t: (-t.articles, t.name)))


def _theme_lines(read: list[_Article], citations: _Citations, used: list[set[str]]) -> list[str]:
    """One line per theme, the biggest first: its article count and its most telling fact."""
    lines = []
    for count in _theme_counts(read)[:MAX_THEMES]:
        sentences = [s for a in read if a.own and a.theme is not None and a.theme.key == count.key
                     for s in a.sentences]
        # The theme's fact speaks of the theme: a sentence holding one of its phrases, when there is one.
        theme = next(a.theme for a in read if a.theme is not None and a.theme.key == count.key)
        best = _best([s for s in sentences if theme.pattern.search(s.passage.text.lower())] or sentences)
        if best is None:
            continue
        used.append(set(folded_words(best.passage.text)))
        lines.append(f"• {message('summary_theme', name=count.name, count=count.articles)} — {_fact(best)} "
                     f"{citations.cite(best.passage)}")
    return lines


def _latest_line(read: list[_Article], citations: _Citations) -> str | None:
    """The newest articles (the catalog's order), dated, each cited by its first sentence about the place."""
    items = []
    for article in read:
        if article.sentences and len(items) < MAX_LATEST:
            date = display_date(article.info.date)
            title = trim(article.info.title, 110)
            items.append(f"{date} — {title} {citations.cite(article.sentences[0].passage)}" if date
                         else f"{title} {citations.cite(article.sentences[0].passage)}")
    return message("summary_latest", items="; ".join(items)) if items else None


def _figure_lines(read: list[_Article], citations: _Citations, used: list[set[str]], limit: int) -> list[str]:
    """Headline figures: each article's sentences stating figures, most telling first, taken in turn from the
    newest article on, none repeating another line; shown newest first."""
    ranked = [sorted((s for s in a.sentences if s.figures), key=lambda s: s.rank, reverse=True) for a in read]
    picked: list[_Sentence] = []
    for rank in range(max((len(r) for r in ranked), default=0)):
        for sentences in ranked:
            if len(picked) >= limit or rank >= len(sentences):
                continue
            words = set(folded_words(sentences[rank].passage.text))
            if all(_overlap(words, other) <= SIMILAR for other in used):
                used.append(words)
                picked.append(sentences[rank])
    picked.sort(key=_newest)
    return [f"• {_fact(s)} {citations.cite(s.passage)}" for s in picked]


def _newest(sentence: _Sentence) -> tuple:
    return tuple(-ord(c) for c in sentence.article.date or "")


def _named_line(read: list[_Article], citations: _Citations) -> str | None:
    """“Quoted” names the articles introduce as a model, movement, campaign or programme, cited where first seen."""
    found: dict[str, tuple[str, _Sentence]] = {}
    for sentence in (s for a in read for s in a.sentences):
        for match in _QUOTED.finditer(sentence.passage.text):
            name = match.group(1).strip(" .,;:…")
            key = " ".join(folded_words(name))
            if len(key.split()) >= 2 and name[:1].isupper() and key not in found \
                    and introduces_programme(sentence.passage.text, match.start()):
                found[key] = (name, sentence)
    if not found:
        return None
    items = []
    for name, sentence in list(found.values())[:MAX_NAMED]:
        # Where the model runs, when the sentence says: “Thị trấn điển hình…” (thị trấn Châu Hưng).
        places = [p for p in admin_places(sentence.passage.text)
                  if fold_diacritics(p).lower() not in fold_diacritics(name).lower()]
        where = f" ({', '.join(dict.fromkeys(places[:2]))})" if places else ""
        items.append(f"“{name}”{where} {citations.cite(sentence.passage)}")
    return message("summary_named", items=", ".join(items))


def _officials_line(read: list[_Article], citations: _Citations) -> str | None:
    """The officials the articles quote ("Đại tá Lê Thanh Hùng, PGĐ Công an tỉnh Bạc Liêu cho biết…")."""
    found: dict[str, str] = {}
    for sentence in (s for a in read for s in a.sentences):
        official = quoted_official(sentence.passage.text)
        if official and official[0] not in found and len(found) < MAX_OFFICIALS:
            found[official[0]] = f"{official[1]} {citations.cite(sentence.passage)}"
    return message("summary_officials", items="; ".join(found.values())) if found else None


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


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
