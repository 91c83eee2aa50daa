"""Answer-quality evaluation on gold question sets (schema of shared/eval/qa.jsonl)."""
from __future__ import annotations

import json
import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .answering import MAX_ANSWER_CHARS
from .models import Answer
from .selection_metrics import selective_summary
from .significance import share_interval
from .summary import Summary
from .text import fold_diacritics

if TYPE_CHECKING:  # only for the annotation: evaluation needs no index to load
    from .view import IndexView


class GoldFileError(ValueError):
    """A gold file line that does not follow the schema; the message names the line."""


@dataclass(frozen=True)
class GoldItem:
    id: str
    kind: str
    question: str
    answer_facts: tuple[tuple[str, ...], ...]
    source_docs: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        return bool(self.source_docs)


def match_key(text: str) -> str:
    """NFC, lower case, collapsed whitespace: the gold set's matching rule."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).lower()).strip()


def missing_facts(answer: str, facts: tuple[tuple[str, ...], ...]) -> list[tuple[str, ...]]:
    """The fact groups none of whose alternatives the answer holds."""
    key = match_key(answer)
    return [group for group in facts if not any(match_key(alt) in key for alt in group)]


def facts_present(answer: str, facts: tuple[tuple[str, ...], ...], limit: int = MAX_ANSWER_CHARS) -> bool:
    """Every fact group has an alternative in the answer, and the answer is short enough to count."""
    return len(answer) <= limit and not missing_facts(answer, facts)


def _gold_lines(path: Path) -> Iterator[tuple[int, dict]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            raise GoldFileError(f"{path} line {number}: not JSON ({error})") from None


def is_summary_gold(path: Path) -> bool:
    """Summary gold files (shared/eval/summaries.jsonl) name a 'province' instead of a 'question'."""
    first = next(_gold_lines(path), None)
    return first is not None and isinstance(first[1], dict) and "province" in first[1]


def load_gold(path: Path) -> list[GoldItem]:
    items = []
    for number, data in _gold_lines(path):
        try:
            facts = tuple(tuple(str(alt) for alt in group) for group in data.get("answer_facts", []))
            item = GoldItem(str(data.get("id", f"line{number}")), str(data.get("kind", "unknown")),
                            str(data["question"]), facts, tuple(str(d) for d in data.get("source_docs", [])))
        except (KeyError, TypeError, AttributeError) as error:
            raise GoldFileError(f"{path} line {number}: not a gold item ({error.__class__.__name__}: {error}); "
                                "each line needs a JSON object with 'question', 'answer_facts', 'source_docs'") from None
        if item.answerable and not item.answer_facts:
            raise GoldFileError(f"{path} line {number}: 'source_docs' is set but 'answer_facts' is empty")
        items.append(item)
    if not items:
        raise GoldFileError(f"{path}: holds no questions")
    return items


@dataclass(frozen=True)
class EvalRow:
    item: GoldItem
    answer: Answer
    deleted: bool = False  # asked with its source articles left out of the search: must be refused

    @property
    def expects_answer(self) -> bool:
        return self.item.answerable and not self.deleted

    @property
    def holds_facts(self) -> bool:
        """The answer given, or the one withheld for want of confidence, holds every fact group."""
        text = self.answer.answer if self.answer.found else (self.answer.withheld or "")
        return bool(self.item.answer_facts) and bool(text) and facts_present(text, self.item.answer_facts)

    @property
    def correct(self) -> bool:
        """The gold rule: every fact group in a short answer; for a question the corpus does not answer
        (or asked without its sources), a refusal."""
        if not self.expects_answer:
            return not self.answer.found
        return self.answer.found and self.holds_facts

    @property
    def right_if_answered(self) -> bool:
        """For the risk-coverage curve: would answering at any threshold have been right?"""
        return self.expects_answer and self.holds_facts

    def to_json(self) -> dict:
        return {"id": self.item.id, "kind": self.item.kind, "question": self.item.question,
                "answer_facts": [list(g) for g in self.item.answer_facts], "source_docs": list(self.item.source_docs),
                **self.answer.to_json(), "withheld": self.answer.withheld, "deleted": self.deleted,
                "correct": self.correct}


@dataclass
class Tally:
    answerable: int = 0
    facts_hit: int = 0
    cited_right: int = 0
    false_refusals: int = 0
    unanswerable: int = 0
    refused_right: int = 0
    wrongly_answered: int = 0
    answered: int = 0
    right_elsewhere: int = 0  # asked without its sources, answered, and the facts are there all the same
    latencies: list[float] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    right_if_answered: list[bool] = field(default_factory=list)

    def add(self, row: EvalRow) -> None:
        item, answer = row.item, row.answer
        self.latencies.append(answer.latency_ms)
        self.confidences.append(answer.confidence or 0.0)
        self.right_if_answered.append(row.right_if_answered)
        self.wrongly_answered += answer.found and not row.correct
        self.answered += answer.found
        if not row.expects_answer:
            self.unanswerable += 1
            self.refused_right += not answer.found
            self.right_elsewhere += row.deleted and answer.found and row.holds_facts
            return
        self.answerable += 1
        self.facts_hit += row.correct
        self.cited_right += any(doc in item.source_docs for c in answer.citations for doc in (c.doc_id, *c.also_in))
        self.false_refusals += not answer.found

    def metrics(self) -> dict[str, float | int | None]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None
        n = self.answerable + self.unanswerable
        return {
            "n": n,
            "fact_accuracy": ratio(self.facts_hit, self.answerable),
            "citation_hit": ratio(self.cited_right, self.answerable),
            "refusal_accuracy": ratio(self.refused_right, self.unanswerable),
            "false_refusal_rate": ratio(self.false_refusals, self.answerable),
            "wrongly_answered": ratio(self.wrongly_answered, n),
            # How far chance alone could move the two figures above on a file this size (significance.py).
            "fact_accuracy_interval": share_interval(self.facts_hit, self.answerable),
            "wrongly_answered_interval": share_interval(self.wrongly_answered, n),
            # The risk HOIDAP_ANSWER_RISK sets, as it turned out on this file: wrong answers among those given.
            "wrong_among_answered": ratio(self.wrongly_answered, self.answered),
            "answered_right_elsewhere": self.right_elsewhere,
            "mean_latency_ms": round(sum(self.latencies) / len(self.latencies), 1) if self.latencies else None,
            # Risk-coverage needs questions that should be answered; without any, every answer is wrong.
            **(selective_summary(self.confidences, self.right_if_answered) if self.answerable
               else dict.fromkeys(selective_summary([], []), None)),
        }


def without_diacritics(question: str) -> str:
    """A question as officials often type it: without diacritics, in lower case."""
    return fold_diacritics(question).lower()


# The share of syllables typed without their marks in `some_diacritics`: a hurried phone typist's question.
SOME_DIACRITICS_LEFT_OFF = 0.25
_WORD = re.compile(r"\w+")


def some_diacritics(question: str, share: float = SOME_DIACRITICS_LEFT_OFF) -> str:
    """The question with the marks of about `share` of its words left off, the same words every run (drawn from
    the question itself); case and punctuation as written."""
    draw = random.Random(question)
    return _WORD.sub(lambda m: fold_diacritics(m.group()) if draw.random() < share else m.group(), question)


def sentences_answering(item: GoldItem, articles: frozenset[str], passages: IndexView) -> frozenset[int]:
    """The rows of these articles (an item's sources) whose sentence holds one of the
    item's fact groups: left out of the search, they ask the question with its story kept but not the detail."""
    found = set()
    for article in articles:
        rows = passages.article_rows(article)
        found |= {row for row in range(rows.start, rows.stop)
                  if any(facts_present(passages[row].text, [group], limit=len(passages[row].text))
                         for group in item.answer_facts)}
    return frozenset(found)


def run_eval(items: list[GoldItem], ask: Callable[..., Answer], without_source: bool = False,
             folded: bool = False, without_answer: bool = False, partly_folded: bool = False) -> Iterator[EvalRow]:
    """Each question asked as it is; with `without_source`, each answerable one asked with its source
    articles (and their near-duplicate copies) left out, as `ask(question, without=doc_ids)`; with
    `without_answer`, each answerable one asked with its source articles kept but their sentences that hold a
    fact left out, as `ask(question, answer_of=item)` (sentences_answering); either must be refused. With
    `folded`, each typed without diacritics (see without_diacritics); with `partly_folded`, with some of them
    left off (see some_diacritics)."""
    for item in items:
        question = (without_diacritics(item.question) if folded
                    else some_diacritics(item.question) if partly_folded else item.question)
        if without_source or without_answer:
            if item.answerable:
                asked = ask(question, without=item.source_docs) if without_source else ask(question, answer_of=item)
                yield EvalRow(item, asked, deleted=True)
        else:
            yield EvalRow(item, ask(question))


def summarize(rows: list[EvalRow]) -> dict[str, dict]:
    """Metrics per kind and overall ('all')."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for row in rows:
        tallies[row.item.kind].add(row)
        tallies["all"].add(row)
    return {kind: tally.metrics() for kind, tally in sorted(tallies.items(), key=lambda kv: kv[0] == "all")}


@dataclass(frozen=True)
class SummaryGoldItem:
    id: str
    province: str
    facts: tuple[tuple[str, ...], ...]
    source_docs: tuple[str, ...]


def load_summary_gold(path: Path) -> list[SummaryGoldItem]:
    items = []
    for number, data in _gold_lines(path):
        try:
            items.append(SummaryGoldItem(str(data.get("id", f"line{number}")), str(data["province"]),
                                         tuple(tuple(str(a) for a in group) for group in data.get("facts", [])),
                                         tuple(str(d) for d in data.get("source_docs", []))))
        except (KeyError, TypeError, AttributeError) as error:
            raise GoldFileError(f"{path} line {number}: not a summary gold item ({error.__class__.__name__}: "
                                f"{error}); each line needs 'province', 'facts', 'source_docs'") from None
    if not items:
        raise GoldFileError(f"{path}: holds no provinces")
    return items


@dataclass(frozen=True)
class SummaryRow:
    item: SummaryGoldItem
    summary: Summary
    facts_ok: bool
    sources_ok: bool

    @property
    def passed(self) -> bool:
        if not self.item.source_docs:
            return not self.summary.found
        return self.summary.found and self.facts_ok and self.sources_ok


def run_summary_eval(items: list[SummaryGoldItem], summarize: Callable[[str], Summary],
                     limit: int) -> list[SummaryRow]:
    rows = []
    for item in items:
        summary = summarize(item.province)
        cited = {c.doc_id for c in summary.citations}
        rows.append(SummaryRow(item, summary, facts_present(summary.summary, item.facts, limit),
                               set(item.source_docs) <= cited))
    return rows


def summary_metrics(rows: list[SummaryRow]) -> dict[str, float | int | None]:
    answerable = [r for r in rows if r.item.source_docs]
    empty = [r for r in rows if not r.item.source_docs]

    def ratio(hits: int, total: int) -> float | None:
        return round(hits / total, 3) if total else None
    return {
        "n": len(rows),
        "fact_accuracy": ratio(sum(r.summary.found and r.facts_ok for r in answerable), len(answerable)),
        "source_coverage": ratio(sum(r.summary.found and r.sources_ok for r in answerable), len(answerable)),
        "refusal_accuracy": ratio(sum(not r.summary.found for r in empty), len(empty)),
        "passed": ratio(sum(r.passed for r in rows), len(rows)),
        "mean_chars": round(sum(len(r.summary.summary) for r in answerable) / len(answerable), 1) if answerable else None,
    }
