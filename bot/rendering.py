"""Plain-text rendering of answers for the terminal."""
from __future__ import annotations

from index.models import Answer, Citation
from prompts import text as message


def source_line(citation: Citation) -> str:
    parts = [citation.title, citation.source, citation.date, citation.province or message("no_province")]
    return f"[{citation.n}] " + " — ".join(p for p in parts if p) + f" ({citation.doc_id})"


def render_answer(answer: Answer) -> str:
    if not answer.found:
        return message("not_found")
    lines = [answer.answer, "", message("sources_heading")]
    lines += [source_line(c) for c in answer.citations]
    return "\n".join(lines)
