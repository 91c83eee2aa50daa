"""Vietnamese provinces before and after the 2025 mergers, their aliases, and finding them in text."""
from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .text import fold_diacritics

PROVINCES_FILE = Path(__file__).parent / "data" / "provinces.json"
# Weight of a district mention relative to a province name when choosing the primary province.
_DISTRICT_WEIGHT = 0.5


def _strip_prefix(name: str) -> str:
    return re.sub(r"^(TP\.?|Thành phố|Tỉnh)\s+", "", name, flags=re.IGNORECASE)


@dataclass(frozen=True)
class Province:
    name: str
    aliases: tuple[str, ...]
    districts: tuple[str, ...]
    now_part_of: str


@dataclass(frozen=True)
class Place:
    province: str  # pre-2025 province
    district: str | None = None  # the district named, when it was a district


# eq=False: hashed by identity, so the compiled patterns can be cached per gazetteer.
@dataclass(frozen=True, eq=False)
class Gazetteer:
    provinces: tuple[Province, ...]
    new_provinces: dict[str, tuple[str, ...]]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.provinces]

    def former_provinces(self, new_name: str) -> tuple[str, ...]:
        return self.new_provinces.get(new_name, ())

    @property
    def _article_patterns(self) -> _Names:
        return _compile_article_patterns(self)

    def mentions(self, text: str) -> Counter:
        """Province -> weighted mention count, matching capitalized names only (so 'bình dương' the phrase is not a province)."""
        counts: Counter = Counter()
        for place in self.places(text):
            counts[place.province] += 1.0 if place.district is None else _DISTRICT_WEIGHT
        return counts

    def places(self, text: str, provinces: tuple[str, ...] | None = None) -> list["Place"]:
        """The provinces and districts a text names (capitalized), longest names first, no two overlapping;
        only those of `provinces` when given (a province digest looks for its own, and fast)."""
        folded = fold_diacritics(text)
        lowered = folded.lower()
        found: list[Place] = []
        taken: list[tuple[int, int]] = []
        patterns = self._article_patterns if provinces is None else _patterns_of(self, provinces)
        for pattern, province, district, _ in patterns.worth_trying(lowered):
            for match in pattern.finditer(folded):
                if any(match.start() < end and start < match.end() for start, end in taken):
                    continue
                taken.append(match.span())
                found.append(Place(province, district))
        return found

    def named_in(self, text: str) -> set[str]:
        """The provinces a text names by their own name or alias (districts not counted); one regular
        expression over all names, so it is cheap enough for every sentence of a digest."""
        pattern, by_name = _names_pattern(self)
        return {by_name[_key(m.group())] for m in pattern.finditer(fold_diacritics(text))}

    def in_question(self, question: str) -> list[str]:
        """Old-era provinces a question names, in any case or spelling; a new-era name brings its former provinces."""
        folded = " " + " ".join(re.findall(r"\w+", fold_diacritics(question).lower())) + " "
        found: list[str] = []
        for key, provinces in _question_keys(self):
            if f" {key} " in folded:
                folded = folded.replace(f" {key} ", " # ")
                for province in provinces:
                    # "Cà Mau" is also the name of the merged province: include what it absorbed.
                    merged = _formers_by_key(self).get(_key(_strip_prefix(province)), (province,))
                    found.extend(p for p in (province, *merged) if p not in found)
        return found

    def asked_provinces(self, question: str) -> list[str]:
        """The provinces a question is about: those it names (in_question), and the province of a district or
        city it names after its administrative word ("TP Đà Lạt", "huyện Thạch Hà"; the lists leave out the
        names several provinces share)."""
        found = self.in_question(question)
        found.extend(dict.fromkeys(p.province for p in self.places(question)
                                   if p.district is not None and p.province not in found))
        return found

    def resolve(self, name: str) -> tuple[str, tuple[str, ...]] | None:
        """A province as someone names it -> (canonical name, the pre-2025 provinces it covers).

        'Hưng Yên' -> ('Hưng Yên', ('Hưng Yên', 'Thái Bình')); 'binh duong' -> ('Bình Dương', ('Bình Dương',)).
        None when no province is named.
        """
        provinces = self.in_question(name)
        if not provinces:
            return None
        key = _key(_strip_prefix(name.strip()))
        for new_name, formers in self.new_provinces.items():
            if _key(_strip_prefix(new_name)) == key:
                return new_name, tuple(dict.fromkeys((*provinces, *formers)))
        return provinces[0], tuple(provinces)

    def label(self, province: str) -> str:
        """'Bạc Liêu' -> 'Bạc Liêu (nay thuộc Cà Mau)'; unchanged for provinces that kept their name."""
        old = self._by_name.get(province)
        if old is None or _key(_strip_prefix(old.now_part_of)) == _key(_strip_prefix(province)):
            return province
        if self.new_provinces.get(old.now_part_of) == (province,):
            return f"{province} (nay là {old.now_part_of})"
        return f"{province} (nay thuộc {old.now_part_of})"

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Province names closest to a misspelled one, accents ignored ('Binh Duongg' -> ['Bình Dương'])."""
        key = _key(_strip_prefix(name.strip()))
        canonical: dict[str, str] = {}
        for province in self.provinces:
            for alias in (province.name, _strip_prefix(province.name), *province.aliases):
                canonical.setdefault(_key(alias), province.name)
        for new_name in self.new_provinces:
            canonical.setdefault(_key(_strip_prefix(new_name)), new_name)
        close = difflib.get_close_matches(key, list(canonical), n=n * 3, cutoff=0.7)
        return list(dict.fromkeys(canonical[k] for k in close))[:n]

    @property
    def _by_name(self) -> dict[str, Province]:
        return _provinces_by_name(self)

    def question_spans(self, question: str) -> list[tuple[int, int]]:
        """Where province names sit in a question, as (start, end) character offsets, longest names first."""
        folded = fold_diacritics(question).lower()
        if len(folded) != len(question):  # folding must keep offsets; NFC Vietnamese always does
            return []
        spans: list[tuple[int, int]] = []
        for pattern, _ in _question_patterns(self).worth_trying(folded):
            for match in pattern.finditer(folded):
                if not any(match.start() < end and start < match.end() for start, end in spans):
                    spans.append(match.span())
        return sorted(spans)


@lru_cache(maxsize=4)
def _provinces_by_name(gazetteer: Gazetteer) -> dict[str, Province]:
    return {p.name: p for p in gazetteer.provinces}


def _key(name: str) -> str:
    return " ".join(re.findall(r"\w+", fold_diacritics(name).lower()))


@lru_cache(maxsize=4)
def _question_keys(gazetteer: Gazetteer) -> list[tuple[str, tuple[str, ...]]]:
    keys: dict[str, list[str]] = {}
    for province in gazetteer.provinces:
        for name in (province.name, _strip_prefix(province.name), *province.aliases):
            keys.setdefault(_key(name), []).append(province.name)
    keys.setdefault("ho chi minh", []).append("TP Hồ Chí Minh")
    for new_name, formers in gazetteer.new_provinces.items():
        for name in (new_name, _strip_prefix(new_name)):
            keys.setdefault(_key(name), list(formers))
    # Longest first, so "ba ria vung tau" wins over "vung tau".
    return sorted(((k, tuple(v)) for k, v in keys.items() if k), key=lambda kv: -len(kv[0]))


@lru_cache(maxsize=4)
def _formers_by_key(gazetteer: Gazetteer) -> dict[str, tuple[str, ...]]:
    """A new province's name (folded, without its prefix) -> the provinces it absorbed; the first of names
    that fold alike."""
    found: dict[str, tuple[str, ...]] = {}
    for new, formers in gazetteer.new_provinces.items():
        found.setdefault(_key(_strip_prefix(new)), formers)
    return found


@lru_cache(maxsize=4)
def _question_patterns(gazetteer: Gazetteer) -> _Names:
    """(pattern, needle) of each question key, longest first: the key's words with anything but word
    characters between them, as whole words."""
    return _Names([(re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, key.split())) + r"(?!\w)"), _needle(key))
                   for key, _ in _question_keys(gazetteer)])


# A district name counts only after its administrative word or inside brackets, as in
# "huyện Tiền Hải" or "(Hưng Hà)": bare, "Đông Hải" is as likely a person's given name.
_DISTRICT_CONTEXT = r"(?:(?:[Hh]uyen|[Qq]uan|[Tt]hi xa|TP\.?|[Tt]hanh pho)\s+|\()"


def _name_regex(name: str) -> str:
    return re.escape(fold_diacritics(name)).replace(r"\ ", r"\s+")


def _written_names(province: Province) -> set[str]:
    """How an article names a province: its name, its aliases, and its name without "TP"/"Tỉnh" — except
    the bare "Hồ Chí Minh", which in news is usually the president: the city needs its prefix."""
    names = {province.name, *province.aliases}
    if province.name != "TP Hồ Chí Minh":
        names.add(_strip_prefix(province.name))
    return names


@lru_cache(maxsize=4)
def _compile_article_patterns(gazetteer: Gazetteer) -> _Names:
    """(pattern, province, district or None, needle), longest names first."""
    patterns = []
    for province in gazetteer.provinces:
        for name in _written_names(province):
            source = f"{_name_regex(name)}|{_name_regex(name.upper())}"
            patterns.append((len(name), rf"(?<!\w)(?:{source})(?!\w)", province.name, None, _needle(name)))
        for district in province.districts:
            source = rf"{_DISTRICT_CONTEXT}{_name_regex(district)}|{_name_regex(district.upper())}"
            patterns.append((len(district), rf"(?<!\w)(?:{source})(?!\w)", province.name, district,
                             _needle(district)))
    return _Names([(re.compile(source), province, district, needle)
                   for _, source, province, district, needle in sorted(patterns, key=lambda p: -p[0])])


@lru_cache(maxsize=4)
def _names_pattern(gazetteer: Gazetteer) -> tuple[re.Pattern, dict[str, str]]:
    """Every province name and alias, capitalized as in `places` (so 'bình dương' the phrase is not a
    province), longest first; and each folded name's province."""
    by_name: dict[str, str] = {}
    for province in gazetteer.provinces:
        for name in _written_names(province):
            by_name.setdefault(_key(name), province.name)
    sources = []
    for name in sorted({n for p in gazetteer.provinces for n in _written_names(p)}, key=len, reverse=True):
        sources += [_name_regex(name), _name_regex(name.upper())]
    return re.compile(r"(?<!\w)(?:" + "|".join(sources) + r")(?!\w)"), by_name


@lru_cache(maxsize=64)
def _patterns_of(gazetteer: Gazetteer, provinces: tuple[str, ...]) -> _Names:
    return _Names([entry for entry in _compile_article_patterns(gazetteer).entries if entry[1] in provinces])


def _needle(name: str) -> str:
    """The name's last word, folded and lower-cased: a pattern ends on it (then no word character), so where
    it is not a whole word of a text, the pattern cannot match there."""
    return re.findall(r"\w+", fold_diacritics(name).lower())[-1]


class _Names:
    """Name patterns, longest first, each entry ending with its needle; a question is matched against
    hundreds of names, and trying each regex (or even a substring test each) cost a millisecond a question,
    so only those whose needle is a word of the text are tried."""

    def __init__(self, entries: list[tuple]) -> None:
        self.entries = entries
        self._by_needle: dict[str, list[int]] = {}
        for index, entry in enumerate(entries):
            self._by_needle.setdefault(entry[-1], []).append(index)

    def worth_trying(self, lowered: str) -> list[tuple]:
        """The entries whose needle is a word of the folded, lower-cased text, in their order."""
        words = set(re.findall(r"\w+", lowered))
        return [self.entries[i] for i in sorted({i for w in words for i in self._by_needle.get(w, ())})]


def primary_province(mentions: Counter, title_mentions: Counter | None = None) -> str | None:
    """The most mentioned province, title mentions counting again; None when nothing is named.

    Ties keep the province named first (Counter.most_common preserves insertion order).
    """
    total = Counter(mentions)
    total.update(title_mentions or Counter())
    return total.most_common(1)[0][0] if total else None


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    data = json.loads(PROVINCES_FILE.read_text(encoding="utf-8"))
    provinces = tuple(
        Province(p["name"], tuple(p["aliases"]), tuple(p["districts"]), p["now_part_of"])
        for p in data["old_provinces"]
    )
    new = {p["name"]: tuple(p["formed_from"]) for p in data["new_provinces"]}
    return Gazetteer(provinces, new)
