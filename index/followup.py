"""Turning a follow-up ("còn Ninh Bình thì sao?", "tỉnh này…") into a standalone question.

Only two safe moves are made, both visible to the user, who is shown the rewritten question:
a place reference ("tỉnh này", "ở đó") takes the previous question's province, and an
elliptical "còn X (thì sao)?" reuses the previous question with its province or year replaced by X.
Anything else is taken as a new question, as typed.
"""
from __future__ import annotations

import re

from .gazetteer import Gazetteer
from .text import fold_diacritics

# On the folded, lower-cased question (folding keeps character offsets for NFC text).
_LEAD = re.compile(r"^\s*(?:(?:the|vay|va|con)\s+)?con\s+")
_TAIL = re.compile(r"(?:(?<!\w)(?:thi\s+sao|the\s+nao|nua|nhi|a))?\s*[?.!…]*\s*$")
_ELLIPSIS_TAIL = re.compile(r"(?<!\w)thi\s+sao\s*[?.!…]*\s*$")
_PLACE_REFERENCE = re.compile(
    r"(?<!\w)(?P<head>tinh|thanh pho|dia phuong|dia ban|o|tai|cua)\s+(?:nay|do|ay|kia|tren)(?!\w)")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# Words an elliptical follow-up may hold besides the place or year: "tỉnh", "ở", "năm", "trong"…
_MAX_EXTRA_WORDS = 2
_PLACE_HEADS = {"tinh": "tỉnh", "thanh pho": "thành phố", "o": "ở", "tai": "tại", "cua": "của"}


def resolve_followup(question: str, previous: str | None, gazetteer: Gazetteer) -> str:
    """The question to search: `question` itself unless it leans on `previous` (the last standalone question)."""
    if not previous:
        return question
    folded = fold_diacritics(question).lower()
    if len(folded) != len(question):
        return question
    previous_places = [previous[a:b] for a, b in gazetteer.question_spans(previous)]
    reference = _PLACE_REFERENCE.search(folded)
    if reference and previous_places and not gazetteer.question_spans(question):
        head = _PLACE_HEADS.get(reference.group("head"), "")
        place = f"{head} {previous_places[0]}".strip()
        return question[:reference.start()] + place + question[reference.end():]
    lead = _LEAD.match(folded)
    if lead is None and not _ELLIPSIS_TAIL.search(folded):
        return question
    tail = _TAIL.search(folded, lead.end() if lead else 0)
    core = question[lead.end() if lead else 0: tail.start()].strip(" ,")
    return _substitute(previous, core, gazetteer) or question


def _substitute(previous: str, core: str, gazetteer: Gazetteer) -> str | None:
    """The previous question with its place (or year) swapped for the one the follow-up names."""
    new_places = gazetteer.question_spans(core)
    new_year = _YEAR.search(core)
    named = new_places[:1] or ([new_year.span()] if new_year else [])
    if not named or len(core.split()) - len(core[named[0][0]:named[0][1]].split()) > _MAX_EXTRA_WORDS:
        return None  # "còn X" where X is more than a place or a year: a new question
    old_places = gazetteer.question_spans(previous)
    if new_places:
        place = core[new_places[0][0]:new_places[0][1]]
        if old_places:
            start, end = old_places[0]
            return previous[:start] + place + previous[end:]
        return f"{previous.rstrip(' ?')} ở {place}?"
    if new_year:
        old_year = _YEAR.search(previous)
        if old_year:
            return previous[:old_year.start()] + new_year.group() + previous[old_year.end():]
        return f"{previous.rstrip(' ?')} năm {new_year.group()}?"
    return None
