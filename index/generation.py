"""Optional generated answers through any OpenAI-compatible endpoint, verified against their passages.

The model sees numbered, fenced passages and must cite them. Before an answer is shown it is checked:
every [n] must name a passage it was given (others are dropped), every quoted phrase must occur in a
cited passage, every number and every person's name must occur in the passages it cites. An answer that
fails, an unreachable or slow endpoint, or garbage lead back to the extractive answer (for a question the model
read, to the refusal), with the reason kept; the model's own refusal stands (Settings.llm_refusal_stands).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from prompts import llm_templates

from .models import Passage
from .question import person_names
from .settings import Settings
from .text import fold_diacritics

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]
_MARKER = re.compile(r"\[(\d{1,3})\]")
_QUOTED = re.compile(r"[“\"«]([^”\"»]{6,})[”\"»]")
_NUMBER = re.compile(r"(?<![\w\[])\d[\d.,/]*\d(?![\w\]])|(?<![\w\[.,/])\d(?![\w\].,/])")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    text: str  # the answer, repaired (bad markers dropped) when ok
    cited: tuple[int, ...]  # passage numbers the answer cites, in order of first use
    problem: str | None = None
    refused: bool = False

    def renumbered(self) -> str:
        """The text with its markers numbered 1, 2… in order of first use (the order of `cited`)."""
        new = {old: n for n, old in enumerate(self.cited, start=1)}
        return _MARKER.sub(lambda m: f"[{new[int(m.group(1))]}]", self.text)


def _digits(number: str) -> str:
    return re.sub(r"[.,]", "", number)


def _numbers(text: str) -> set[str]:
    """The numbers an answer states, citation markers aside, as bare digits ('98.268' -> '98268')."""
    return {_digits(n) for n in _NUMBER.findall(_MARKER.sub(" ", text))}


def _squash(text: str) -> str:
    return " ".join(fold_diacritics(text).lower().split())


def verify(text: str, passages: list[Passage], refusal: str) -> Verdict:
    """Check a generated answer against the passages it was given (numbered from 1)."""
    text = (text or "").strip()
    if not text:
        return Verdict(False, "", (), "empty reply")
    if _squash(refusal) in _squash(text) and len(text) <= len(refusal) + 40:
        return Verdict(False, "", (), "the model said the passages do not answer", refused=True)
    given = range(1, len(passages) + 1)
    wrong = sorted({int(n) for n in _MARKER.findall(text) if int(n) not in given})
    if wrong:  # repair: a marker for a passage that was never given is dropped, not trusted
        text = _MARKER.sub(lambda m: m.group() if int(m.group(1)) in given else "", text).strip()
    cited = tuple(dict.fromkeys(int(n) for n in _MARKER.findall(text)))
    if not cited:
        return Verdict(False, "", (), "no citation to a given passage" + (f" (cited {wrong})" if wrong else ""))
    sources = " ".join(passages[n - 1].window for n in cited)
    for quote in _QUOTED.findall(text):
        if _squash(quote) not in _squash(sources):
            return Verdict(False, "", cited, f"quoted phrase not in the cited passages: {quote[:60]!r}")
    source_numbers = _numbers(sources)
    for number in _NUMBER.findall(_MARKER.sub(" ", text)):
        if _digits(number) not in source_numbers:
            return Verdict(False, "", cited, f"number {number} is not in the cited passages")
    for name in person_names(_MARKER.sub(" ", text)):
        if _squash(name) not in _squash(sources):
            return Verdict(False, "", cited, f"name {name} is not in the cited passages")
    problem = f"dropped citations to passages not given: {wrong}" if wrong else None
    return Verdict(True, " ".join(text.split()), cited, problem)


def disagreement(kind: str, generated: str, extractive: str) -> str | None:
    """The generated answer must carry the fact the extractive checks found: for a number or date question
    one of its numbers, for a person question one of its names. Wording may differ; the fact may not."""
    if kind in ("number", "date"):
        wanted = _numbers(extractive)
        if wanted and not wanted & _numbers(generated):
            return "disagrees with the extractive answer: none of its figures"
    if kind == "person":
        names = person_names(extractive)
        if names and not any(name in generated for name in names):
            return "disagrees with the extractive answer: none of its names"
    return None


def lacks_asked(kind: str, generated: str) -> str | None:
    """A read answer (no extractive answer to agree with) must at least hold a figure when the question asks for
    a number or a date: "Các đoạn trích không nêu con số này [1]" is a refusal in other words, however well
    cited. Names are not checked so: person_names knows Vietnamese names only, and the news names many others."""
    if kind in ("number", "date") and not _numbers(generated):
        return "holds no figure, and the question asks for one"
    return None


class Generator:
    """llama-index's OpenAILike client for the configured endpoint, with the prompts of prompts/llm.toml."""

    def __init__(self, settings: Settings) -> None:
        from llama_index.llms.openai_like import OpenAILike

        self.templates = llm_templates()  # fails at start-up, naming the file, when a template is broken
        self.refusal = self.templates["refusal"]
        self.timeout = settings.llm_timeout_seconds
        self.llm = OpenAILike(
            model=settings.llm_model, api_base=settings.llm_base_url.rstrip("/"),
            api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed",
            timeout=settings.llm_timeout_seconds, max_retries=settings.llm_max_retries,
            temperature=settings.llm_temperature, max_tokens=settings.llm_max_tokens,
            is_chat_model=True, is_function_calling_model=False,
        )

    def _fenced(self, passages: list[Passage]) -> str:
        # The closing fence inside an article would let it escape its data block: neutralise it.
        return "\n".join(self.templates["passage"].format(
            n=n, source=(p.source or p.title or p.doc_id).replace('"', "'"),
            text=p.window.replace("</doan_trich>", "</ doan_trich>")) for n, p in enumerate(passages, start=1))

    def _chat(self, user: str, on_progress: Progress | None = None) -> str:
        from llama_index.core.llms import ChatMessage

        system = self.templates["answer_system"].format(refusal=self.refusal)
        messages = [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]
        if on_progress is None:
            return self.llm.chat(messages).message.content or ""
        text = ""
        for chunk in self.llm.stream_chat(messages):  # streamed only to report progress; verified when whole
            text = chunk.message.content or ""
            on_progress(len(text))
        return text

    def answer(self, question: str, passages: list[Passage],
               on_progress: Progress | None = None) -> tuple[Verdict, str | None]:
        """(verdict, error): error names why the endpoint gave nothing usable (timeout, HTTP error, garbage).

        `on_progress(characters so far)` is called while the reply streams in, when given.
        """
        user = self.templates["answer_user"].format(passages=self._fenced(passages), question=question)
        return self._ask(user, passages, on_progress)

    def summarize(self, province: str, passages: list[Passage]) -> tuple[Verdict, str | None]:
        user = self.templates["summary_user"].format(province=province, passages=self._fenced(passages))
        return self._ask(user, passages)

    def rewrite_followup(self, question: str, previous: str) -> str | None:
        """The follow-up as a standalone question, or None when the endpoint fails or answers oddly."""
        from llama_index.core.llms import ChatMessage

        prompt = self.templates["followup"].format(previous=previous, question=question)
        try:
            reply = self.llm.chat([ChatMessage(role="user", content=prompt)]).message.content or ""
        except Exception as error:  # any client failure: the rule-based reading stands
            logger.warning("LLM follow-up rewrite failed: %s", error.__class__.__name__)
            return None
        rewritten = " ".join(reply.strip().strip('"“”').split())
        # One question, not an essay or an answer: otherwise keep the rule-based reading.
        if not rewritten or "\n" in reply.strip() or len(rewritten) > max(300, 3 * len(question)):
            return None
        return rewritten

    def _ask(self, user: str, passages: list[Passage],
             on_progress: Progress | None = None) -> tuple[Verdict, str | None]:
        try:
            text = self._chat(user, on_progress)
        except Exception as error:  # the OpenAI client raises many kinds: timeouts, HTTP status, bad JSON
            logger.warning("LLM call failed: %s: %s", error.__class__.__name__, str(error)[:200])
            return Verdict(False, "", (), f"LLM unavailable: {error.__class__.__name__}"), error.__class__.__name__
        return verify(text, passages, self.refusal), None
