"""What the bot says, as text for either front end: Telegram HTML or the terminal's plain text.

Every piece of corpus or user text passes through `Markup.text`, which escapes it for HTML.
"""
from __future__ import annotations

from index.catalog import ArticleInfo, Catalog
from index.gazetteer import default_gazetteer
from index.models import Answer, Citation, IndexReport, IndexStats
from index.summary import Summary
from prompts import text as message

from .audit import Usage
from .markup import Markup

LATEST_COUNT = 10



def _source_parts(title: str, source: str | None, date: str | None, province: str | None) -> list[str]:
    return [p for p in (title, source, date, province) if p]


def source_line(citation: Citation, m: Markup) -> str:
    # "Bạc Liêu (nay thuộc Cà Mau)": articles keep the names of their day, readers need today's too.
    province = default_gazetteer().label(citation.province) if citation.province else None
    parts = _source_parts(citation.title, citation.source, citation.date, province)
    line = f"[{citation.n}] " + " — ".join(m.text(p) for p in parts)
    if citation.also_in:
        line += " " + m.text(message("also_in", docs=", ".join(citation.also_in)))
    # The terminal is for staff, who look files up by doc_id; Telegram users need the outlet and date.
    return line if m.html else f"{line} ({citation.doc_id})"


def answer_view(answer: Answer, m: Markup, interpreted: str | None = None) -> str:
    lines = []
    if interpreted:
        lines += [m.italic(f"{message('interpreted_as')} {interpreted}"), ""]
    if not answer.found:
        # A refusal that knows more ("only other years are covered") says it; otherwise the plain one.
        lines += [m.text(answer.answer or message("not_found")), m.text(message("not_found_hint"))]
        return "\n".join(lines)
    lines += [m.text(answer.answer)]
    if answer.fallback:  # LLM mode, but the generated answer failed its checks: say this one is quoted
        lines.append(m.italic(message("extractive_marker")))
    if answer.mode == "read":  # LLM mode: no quote was sure enough alone, the model read the passages
        lines.append(m.italic(message("read_marker")))
    lines += ["", m.bold(message("sources_heading"))]
    lines += [source_line(c, m) for c in answer.citations]
    return "\n".join(lines)


def passage_view(citation: Citation, m: Markup) -> str:
    parts = _source_parts(citation.title, citation.source, citation.date, citation.province)
    return "\n".join([m.bold(f"[{citation.n}] {parts[0]}"), m.text(" — ".join(parts[1:] + [citation.doc_id])),
                      "", m.quote(citation.quote)])


def article_line(article: ArticleInfo, m: Markup) -> str:
    details = [p for p in (article.source, article.date, article.province) if p]
    return f"• {m.text(article.title)}" + (f" — {m.text(' — '.join(details))}" if details else "")


def help_view(catalog: Catalog, m: Markup) -> str:
    lines = [m.bold(message("help_heading")), m.text(message("help_articles", articles=len(catalog)))]
    dates = catalog.date_range()
    if dates:
        lines.append(m.text(message("help_dates", first=dates[0], last=dates[1])))
    provinces = catalog.province_counts()
    if provinces:
        lines.append(m.text(message("help_provinces", provinces=", ".join(sorted(provinces)))))
    return "\n".join(lines + ["", m.text(message("help_howto"))])


def provinces_view(catalog: Catalog, m: Markup, listed: bool = True) -> str:
    """The provinces that have articles; the bot shows them as buttons instead (listed=False)."""
    counts = catalog.province_counts()
    if not counts:
        return m.text(message("no_articles"))
    lines = [m.bold(message("provinces_heading"))]
    if listed:
        lines += [f"• {m.text(name)} ({count})" for name, count in sorted(counts.items())]
    return "\n".join(lines + ["", m.text(message("provinces_usage"))])


def summary_view(summary: Summary, m: Markup) -> str:
    """/tinh PROVINCE: the cited digest, then its sources; or why there is none (with suggestions)."""
    if not summary.found:
        return m.text(summary.summary)
    lines = [m.bold(summary.province), m.text(summary.summary), "", m.bold(message("sources_heading"))]
    # A digest cites many sentences of few articles: one source line per article, "[1][2][5] title — …".
    groups: dict[str, list[Citation]] = {}
    for citation in summary.citations:
        groups.setdefault(f"{citation.doc_id}|{citation.title}", []).append(citation)
    for cited in groups.values():
        line = source_line(cited[0], m)
        lines.append("".join(f"[{c.n}]" for c in cited) + line[line.index("]") + 1:])
    return "\n".join(lines)


def latest_view(catalog: Catalog, m: Markup) -> str:
    """/moi: the newest articles."""
    articles = catalog.latest(LATEST_COUNT)
    if not articles:
        return m.text(message("no_articles"))
    return "\n".join([m.bold(message("latest_heading"))] + [article_line(a, m) for a in articles])


def stats_view(stats: IndexStats, usage: Usage | None, m: Markup) -> str:
    lines = [m.bold(message("stats_heading")),
             m.text(message("stats_index", articles=stats.articles, documents=stats.documents, chunks=stats.chunks,
                            indexed_at=stats.indexed_at or "—"))]
    if usage is not None:
        found_rate = f"{usage.found / usage.questions:.0%}" if usage.questions else "—"
        lines.append(m.text(message("stats_usage", questions=usage.questions, today=usage.today, users=usage.users,
                                    found_rate=found_rate, latency=round(usage.mean_latency_ms))))
        lines.append(m.text(message("stats_feedback", up=usage.thumbs_up, down=usage.thumbs_down)))
    return "\n".join(lines)


def reindex_view(report: IndexReport, m: Markup) -> str:
    if report.unchanged:
        lines = [message("reindex_unchanged", articles=report.articles, chunks=report.chunks)]
    else:
        lines = [message("reindex_done", seconds=round(report.seconds, 1), articles=report.articles,
                         chunks=report.chunks, added=len(report.added), updated=len(report.updated),
                         removed=len(report.removed))]
    lines += [message("reindex_skipped", name=name, reason=reason) for name, reason in report.skipped]
    return "\n".join(m.text(line) for line in lines)
