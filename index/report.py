"""The evaluators' HTML report: one self-contained file (inline SVG charts, inline style and script, nothing
fetched) with the metrics, the risk-coverage curve, accuracy per kind, latencies, and every failure."""
from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

import prompts

from .comparison import Comparison
from .evaluation import EvalRow, SummaryRow, missing_facts
from .selection_metrics import risk_coverage

FAILURE_GROUPS = {"wrong": "Trả lời sai (thiếu ý đúng)", "refused": "Từ chối câu hỏi có trả lời",
                  "answered_unanswerable": "Trả lời câu hỏi không có trong kho"}


@dataclass(frozen=True)
class Failure:
    id: str
    file: str
    kind: str
    group: str  # a FAILURE_GROUPS key
    question: str
    expected: str
    answer: Markup  # the answer given, or the quote withheld, expected facts highlighted
    passages: tuple[Markup, ...]  # cited passages, expected facts highlighted
    confidence: float | None
    reason: str


@dataclass(frozen=True)
class FileReport:
    name: str
    metrics: dict[str, dict]
    qa_rows: tuple[EvalRow, ...] = ()
    summary_rows: tuple[SummaryRow, ...] = ()


def _highlight(text: str, facts: tuple[tuple[str, ...], ...]) -> Markup:
    """The passage, escaped, with every occurrence of an expected fact marked (matched case-insensitively)."""
    alternatives = sorted({alt for group in facts for alt in group if alt.strip()}, key=len, reverse=True)
    escaped = html.escape(text)
    if not alternatives:
        return Markup(escaped)
    pattern = re.compile("|".join(re.escape(html.escape(a)) for a in alternatives), re.IGNORECASE)
    return Markup(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))


def _qa_failure(file: str, row: EvalRow) -> Failure | None:
    if row.correct:
        return None
    answer = row.answer
    if answer.found and row.expects_answer:
        group = "wrong"
    elif answer.found:
        group = "answered_unanswerable"
    else:
        group = "refused"
    facts = row.item.answer_facts
    return Failure(row.item.id, file, row.item.kind, group, row.item.question,
                   " · ".join(" / ".join(g) for g in facts) or "(kho không có: phải từ chối)",
                   _highlight(answer.answer if answer.found else (answer.withheld or ""), facts),
                   tuple(_highlight(c.quote, facts) for c in answer.citations),
                   answer.confidence, answer.note or answer.fallback or "")


def _summary_failure(file: str, row: SummaryRow) -> Failure | None:
    if row.passed:
        return None
    missing = missing_facts(row.summary.summary, row.item.facts)
    reason = []
    if missing:
        reason.append("thiếu: " + "; ".join(" / ".join(g) for g in missing))
    if not row.sources_ok:
        reason.append("thiếu nguồn: " + ", ".join(sorted(set(row.item.source_docs) -
                                                          {c.doc_id for c in row.summary.citations})))
    return Failure(row.item.id, file, "summary", "refused" if not row.summary.found else
                   ("answered_unanswerable" if not row.item.source_docs else "wrong"),
                   f"/tinh {row.item.province}", " · ".join(" / ".join(g) for g in row.item.facts),
                   _highlight(row.summary.summary, row.item.facts),
                   tuple(_highlight(c.quote, row.item.facts) for c in row.summary.citations),
                   None, "; ".join(reason))


def _pyplot():
    """matplotlib, loaded only when a report is drawn (it costs the command line a second otherwise)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: charts are drawn to SVG text
    matplotlib.rcParams["svg.fonttype"] = "none"  # text as text: smaller, and no glyph ids shared by two charts
    import matplotlib.pyplot as plt

    return plt


def _svg(figure) -> Markup:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    _pyplot().close(figure)
    text = buffer.getvalue()
    return Markup(text[text.index("<svg"):])  # drop the XML prolog and doctype: inline in HTML


def _risk_coverage_chart(files: list[FileReport]) -> Markup:
    figure, axes = _pyplot().subplots(figsize=(6, 3.6))
    for report in files:
        rows = [r for r in report.qa_rows if r.expects_answer or not r.deleted]
        curve = risk_coverage([r.answer.confidence or 0.0 for r in rows], [r.right_if_answered for r in rows])
        if curve:
            points = sorted((c, r) for _, r, c in curve)
            axes.plot([c for c, _ in points], [r for _, r in points], label=report.name)
    for level in (0.02, 0.05, 0.10):
        axes.axhline(level, color="grey", linewidth=0.6, linestyle=":")
    axes.set_xlabel("coverage (share of questions answered)")
    axes.set_ylabel("risk (share of answers wrong)")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, None)
    axes.legend(fontsize=7)
    axes.set_title("Risk–coverage")
    return _svg(figure)


def _accuracy_chart(files: list[FileReport]) -> Markup:
    labels, values = [], []
    for report in files:
        for kind, metrics in report.metrics.items():
            value = metrics.get("fact_accuracy", metrics.get("refusal_accuracy"))
            if kind != "all" and value is not None:
                labels.append(f"{report.name}: {kind}")
                values.append(value)
    figure, axes = _pyplot().subplots(figsize=(6, 0.35 * len(labels) + 1))
    axes.barh(labels, values, color="#4477aa")
    axes.set_xlim(0, 1)
    axes.set_xlabel("fact accuracy (refusal accuracy for unanswerable kinds)")
    axes.set_title("Accuracy per kind")
    axes.invert_yaxis()
    return _svg(figure)


def _latency_chart(files: list[FileReport]) -> Markup:
    latencies = [r.answer.latency_ms for report in files for r in report.qa_rows]
    figure, axes = _pyplot().subplots(figsize=(6, 3))
    axes.hist(latencies or [0], bins=30, color="#228833")
    axes.set_xlabel("latency per question (ms)")
    axes.set_ylabel("questions")
    axes.set_title("Latency")
    return _svg(figure)


# The page template sits with the other Vietnamese texts in prompts/.
_TEMPLATES = Environment(loader=FileSystemLoader(Path(prompts.__file__).parent),
                         autoescape=select_autoescape(["html", "j2"]))


def render_report(files: list[FileReport], comparison: Comparison | None = None, threshold: float | None = None,
                  title: str = "hoidap — đánh giá") -> str:
    failures = [f for report in files for f in
                [*(_qa_failure(report.name, r) for r in report.qa_rows),
                 *(_summary_failure(report.name, r) for r in report.summary_rows)] if f is not None]
    charts = {"risk": _risk_coverage_chart(files), "accuracy": _accuracy_chart(files),
              "latency": _latency_chart(files)}
    return _TEMPLATES.get_template("report.html.j2").render(
        title=title, files=files, failures=failures, groups=FAILURE_GROUPS, charts=charts,
        comparison=comparison, threshold=threshold)
