"""The `hoidap` command line: index, ask, eval, stats and chat over the engine."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from index import Engine, QuestionError, SettingsError, load_settings
from index.embeddings import EmbeddingLoadError
from index.comparison import compare, load_results
from index.report import FileReport, render_report
from index.evaluation import (GoldFileError, is_summary_gold, load_gold, load_summary_gold, run_eval,
                              run_summary_eval, sentences_answering, summarize, summary_metrics)
from index.summary import MAX_SUMMARY_CHARS
from index.indexing import EmbeddingMismatch, IndexBusy
from index.store import ChromaUnavailable

from .markup import PLAIN
from .views import answer_view, summary_view

EXIT_USAGE = 2


def _engine() -> Engine:
    return Engine(load_settings())


class _ProgressBar:
    """Articles done / total with ETA on a terminal (tqdm); silent when stderr is not one."""

    def __init__(self) -> None:
        self._bar = None

    def __call__(self, done: int, total: int, doc_id: str) -> None:
        if not total or not sys.stderr.isatty():
            return
        if self._bar is None:
            self._bar = tqdm(total=total, unit="tệp", desc="Lập chỉ mục", file=sys.stderr, dynamic_ncols=True)
        self._bar.update(done - self._bar.n)
        self._bar.set_postfix_str(doc_id[:40])
        if done >= total:
            self._bar.close()


def cmd_index(args: argparse.Namespace) -> int:
    report = _engine().build(rebuild=args.rebuild, progress=_ProgressBar())
    if report.unchanged:
        print(f"Unchanged: {report.articles} articles, {report.chunks} chunks already indexed ({report.seconds:.1f} s).")
    else:
        print(f"Indexed {report.articles} articles, {report.chunks} chunks in {report.seconds:.1f} s "
              f"(added {len(report.added)}, updated {len(report.updated)}, removed {len(report.removed)}).")
    for name, reason in report.skipped:
        print(f"Skipped {name}: {reason}", file=sys.stderr)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    engine = _engine()
    try:
        answer = engine.answer(args.question)
    except QuestionError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2) if args.json else answer_view(answer, PLAIN))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """One or more gold files over the configured index: QA files scored by the gold rule, summaries files
    by the summaries rule; metrics per file and per kind."""
    try:
        files = [(Path(g), is_summary_gold(Path(g))) for g in args.gold]
        loaded = [(path, load_summary_gold(path) if summaries else load_gold(path), summaries)
                  for path, summaries in files]
        previous = load_results(Path(args.compare)) if args.compare else None
    except (GoldFileError, OSError) as error:
        print(f"Cannot evaluate: {error}", file=sys.stderr)
        return EXIT_USAGE
    engine = _engine()

    def ask(question: str, without: tuple[str, ...] = (), answer_of=None):
        """`answer_of`: a gold item whose sentences holding its facts are left out (--without-answer)."""
        try:
            rows = frozenset() if answer_of is None else sentences_answering(
                answer_of, engine.excluded_articles(answer_of.source_docs), engine.retriever.passages)
            return engine.answer(question, without=without, without_rows=rows)
        except QuestionError as error:
            from index.models import Answer
            return Answer(question, False, "", (), 0.0, note=str(error))

    records, all_metrics, reports = [], {}, []
    for path, items, summaries in loaded:
        if summaries:
            rows = run_summary_eval(items, engine.summarize, MAX_SUMMARY_CHARS)
            records += [{"id": row.item.id, "kind": "summary", **row.summary.to_json(), "correct": row.passed}
                        for row in rows]
            for row in rows:
                print(f"{row.item.id:<8}{row.item.province:<24}{'pass' if row.passed else 'FAIL':<6}"
                      f"found={row.summary.found} facts={row.facts_ok} sources={row.sources_ok}")
            metrics = {"summary": summary_metrics(rows)}
            print("  ".join(f"{k}={'-' if v is None else v}" for k, v in metrics["summary"].items()))
            reports.append(FileReport(path.name, metrics, summary_rows=tuple(rows)))
        else:
            deleting = args.without_source or args.without_answer
            asked = [i for i in items if i.answerable] if deleting else items
            # A progress bar on a terminal (the XQuAD set takes a minute); nothing in logs or pipes.
            rows = list(tqdm(run_eval(items, ask, without_source=args.without_source, folded=args.without_diacritics,
                                      without_answer=args.without_answer, partly_folded=args.some_diacritics),
                             total=len(asked),
                             desc=path.name, unit="q", disable=not sys.stderr.isatty(), leave=False))
            records += [row.to_json() for row in rows]
            metrics = summarize(rows)
            _print_table(path, metrics, args.without_source, args.without_diacritics, engine.threshold,
                         args.without_answer, args.some_diacritics)
            made = Counter(row.answer.mode for row in rows if row.answer.found)
            if set(made) - {"extractive"}:  # LLM mode: say how many answers the model wrote, and read
                print("answers: " + ", ".join(f"{count} {_MADE[mode]}" for mode, count in sorted(made.items())))
            # The report says how the questions were asked: the same file asked two ways is two runs to compare.
            asked_as = "".join(note for flag, note in ((args.without_source, " — without their sources"),
                                                       (args.without_answer, " — without their answer sentences"),
                                                       (args.without_diacritics, " — typed without diacritics"),
                                                       (args.some_diacritics, " — typed with some diacritics left off"))
                               if flag)
            reports.append(FileReport(path.name + asked_as, metrics, qa_rows=tuple(rows)))
        all_metrics[str(path)] = metrics
    if args.out:
        _write_jsonl(args.out, records)
    comparison = compare(previous, records) if previous is not None else None
    if comparison is not None:
        _print_comparison(comparison, args.compare)
    if args.html:
        Path(args.html).write_text(render_report(reports, comparison, engine.threshold), encoding="utf-8")
        print(f"Report: {args.html}")
    if args.json:
        print(json.dumps(all_metrics if len(loaded) > 1 else next(iter(all_metrics.values())), ensure_ascii=False))
    return 0


_TABLE = ("n", "fact_accuracy", "citation_hit", "refusal_accuracy", "false_refusal_rate", "wrongly_answered",
          "mean_latency_ms")
_SELECTIVE = ("wrong_among_answered", "coverage_at_2pct_risk", "coverage_at_5pct_risk", "coverage_at_10pct_risk",
              "aurc")


_MADE = {"extractive": "quoted", "generated": "worded by the model from the quote",
         "read": "read by the model where no quote was sure enough alone"}


def _print_table(path: Path, metrics: dict, without_source: bool, folded: bool, threshold: float,
                 without_answer: bool = False, partly_folded: bool = False) -> None:
    mode = " (each question asked without its source articles: all should be refused)" if without_source else ""
    mode += (" (each question asked with the sentences of its sources that hold its facts left out: all should be"
             " refused)") if without_answer else ""
    mode += " (each question typed without diacritics, in lower case)" if folded else ""
    mode += " (each question typed with the diacritics of about a quarter of its words left off)" if partly_folded else ""
    print(f"{path}{mode} — refusal below confidence {threshold:.3f}")
    for names in (_TABLE, _SELECTIVE):
        print(f"{'kind':<15}" + "".join(f"{n:>23}" for n in names))
        for kind, values in metrics.items():
            print(f"{kind:<15}" + "".join(f"{'-' if values[n] is None else values[n]:>23}" for n in names))
    overall = metrics.get("all", {})
    if overall.get("fact_accuracy_interval") or overall.get("wrongly_answered_interval"):
        print(_chance_line(overall))
    if without_source or without_answer:
        print(f"answered with the facts from another article (look at these by hand): "
              f"{metrics['all']['answered_right_elsewhere']}")


def _chance_line(overall: dict) -> str:
    """The 90 % intervals of the file's headline figures: a run that moves them less may differ by chance."""
    parts = []
    for name in ("fact_accuracy", "wrongly_answered"):
        if overall.get(f"{name}_interval"):
            low, high = overall[f"{name}_interval"]
            parts.append(f"{name.replace('_', ' ')} {overall[name]} ({low}–{high})")
    return (f"90 % intervals over this file's questions: {', '.join(parts)}; "
            "another run that moves a figure less than its interval may differ by chance")


def _print_comparison(comparison, previous_path: str) -> None:
    if comparison.p_value is None:
        verdict = ""
    else:
        verdict = (f" (exact sign test: p = {comparison.p_value}, "
                   f"{'could be chance' if comparison.could_be_chance else 'unlikely to be chance'})")
    print(f"\nSince {previous_path}: {len(comparison.fixed)} fixed, {len(comparison.broken)} broken{verdict}")
    for title, flips in (("FIXED", comparison.fixed), ("BROKEN", comparison.broken)):
        for flip in flips:
            print(f"{title} {flip.id} [{flip.kind}] {flip.question}\n  before: {flip.before or '(refused)'}"
                  f"\n  now:    {flip.after or '(refused)'}")
    print(f"{'kind':<15}{'correct before':>16}{'now':>8}{'wrong before':>14}{'now':>8}")
    for kind, metrics in comparison.deltas.items():
        (c0, c1), (w0, w1) = metrics["correct"], metrics["wrongly_answered"]
        print(f"{kind:<15}{c0 if c0 is not None else '-':>16}{c1:>8}{w0 if w0 is not None else '-':>14}{w1:>8}")


def _write_jsonl(path: str, records) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def cmd_summary(args: argparse.Namespace) -> int:
    summary = _engine().summarize(args.province, args.topic)
    if args.json:
        print(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
    else:
        print(summary_view(summary, PLAIN))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    stats = _engine().stats()
    if args.json:
        print(json.dumps(stats.__dict__, ensure_ascii=False, indent=2))
        return 0
    print(f"Articles: {stats.articles} (from {stats.documents} files)\nChunks: {stats.chunks}\n"
          f"Indexed at: {stats.indexed_at or 'never'}\nEmbedding: {stats.embedding or '-'}\nProvinces:")
    for province, count in stats.provinces.items():
        print(f"  {province}: {count}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from .terminal import chat

    settings = load_settings()
    engine = Engine(settings)
    engine.build()
    chat(engine, context_minutes=settings.context_minutes)
    return 0


def cmd_bot(args: argparse.Namespace) -> int:
    from telegram.error import InvalidToken, NetworkError

    from .audit import AuditLog
    from .logs import configure_logging, redact
    from .telegram_app import run

    settings = load_settings()
    secrets = tuple(s.get_secret_value() for s in (settings.telegram_token, settings.webhook_secret,
                                                   settings.llm_api_key, settings.embedding_api_key) if s)
    configure_logging(logging.INFO, secrets)
    if settings.telegram_token is None:
        print("hoidap: HOIDAP_TELEGRAM_TOKEN is not set: get a token from @BotFather and put it in .env, "
              "or use `hoidap chat` for the terminal chat", file=sys.stderr)
        return EXIT_USAGE
    engine = Engine(settings)
    report = engine.build()
    logging.getLogger("hoidap").info("Index ready: %s articles, %s chunks", report.articles, report.chunks)
    audit = AuditLog(settings.audit_path)
    try:
        run(settings, engine, audit)
    except InvalidToken:
        print("hoidap: Telegram rejected HOIDAP_TELEGRAM_TOKEN; copy the token again from @BotFather",
              file=sys.stderr)
        return EXIT_USAGE
    except NetworkError as error:
        print(f"hoidap: cannot reach the Telegram Bot API at {settings.bot_api_urls()[0]} "
              f"({redact(str(error))}); check the network, or HOIDAP_TELEGRAM_BASE_URL for a local Bot API server",
              file=sys.stderr)
        return EXIT_USAGE
    finally:
        audit.close()
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from .audit import AuditLog

    settings = load_settings()
    if not settings.audit_path.exists():
        print(f"hoidap: no audit log at {settings.audit_path} yet; the bot writes it when it answers "
              "(check HOIDAP_DATA_DIR)", file=sys.stderr)
        return EXIT_USAGE
    audit = AuditLog(settings.audit_path)
    try:
        rows = audit.export_csv(Path(args.export))
    except OSError as error:
        print(f"hoidap: cannot write {args.export}: {error.strerror}; choose a writable path", file=sys.stderr)
        return EXIT_USAGE
    finally:
        audit.close()
    print(f"Exported {rows} questions with their feedback to {args.export}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hoidap", description="Hỏi đáp trên kho bài báo tiếng Việt.")
    commands = parser.add_subparsers(dest="command", required=True)
    index = commands.add_parser("index", help="build or refresh the index of the corpus folder")
    index.add_argument("--rebuild", action="store_true", help="drop the index and embed everything again")
    index.set_defaults(run=cmd_index)
    ask = commands.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(run=cmd_ask)
    evaluate = commands.add_parser("eval", help="score answers (or province summaries) on a gold JSONL file")
    evaluate.add_argument("gold", nargs="+", help="gold JSONL files (questions or province summaries)")
    evaluate.add_argument("--out", help="write one result per line: the question, its gold, the answer, "
                                        "confidence, reason and verdict")
    evaluate.add_argument("--html", metavar="REPORT.html",
                          help="write a self-contained report: metrics, charts, every failure (filterable)")
    evaluate.add_argument("--compare", metavar="PREVIOUS.jsonl",
                          help="an earlier --out file: list the questions fixed and broken since, and the change per kind")
    evaluate.add_argument("--without-source", action="store_true",
                          help="ask each answerable question with its source articles left out: all must be refused")
    evaluate.add_argument("--without-answer", action="store_true",
                          help="ask each answerable question with its source articles kept but their sentences that "
                               "hold its facts left out (the story is there, not the detail asked): all must be refused")
    typing = evaluate.add_mutually_exclusive_group()
    typing.add_argument("--without-diacritics", action="store_true",
                        help="ask each question typed without diacritics and in lower case, as officials often do")
    typing.add_argument("--some-diacritics", action="store_true",
                        help="ask each question with the diacritics of about a quarter of its words left off (the same "
                             "words every run), as a hurried phone typist does")
    evaluate.add_argument("--json", action="store_true", help="also print the metrics as JSON")
    evaluate.set_defaults(run=cmd_eval)
    summary = commands.add_parser("summary", help="cited digest of what the corpus says about a province")
    summary.add_argument("province", help="any spelling, old or post-2025 name, e.g. 'Bình Dương', 'binh duong'")
    summary.add_argument("--topic", help="only this theme (accents optional: 'an ninh', 'tai nan giao thong'; "
                                         "see index/data/themes.toml) and/or articles holding these words")
    summary.add_argument("--json", action="store_true",
                         help="JSON: query, province, found, summary, citations, articles, topic, themes")
    summary.set_defaults(run=cmd_summary)
    stats = commands.add_parser("stats", help="what the index holds")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(run=cmd_stats)
    chat = commands.add_parser("chat", help="index the corpus, then chat in the terminal")
    chat.set_defaults(run=cmd_chat)
    telegram = commands.add_parser("bot", help="index the corpus, then serve the Telegram bot "
                                              "(long polling, or webhook when HOIDAP_WEBHOOK_URL is set)")
    telegram.set_defaults(run=cmd_bot)
    feedback = commands.add_parser("feedback", help="export the bot's audit log (questions, answers, feedback)")
    feedback.add_argument("--export", required=True, metavar="FILE.csv", help="CSV file to write")
    feedback.set_defaults(run=cmd_feedback)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (SettingsError, EmbeddingMismatch, EmbeddingLoadError, FileNotFoundError, IndexBusy,
            ChromaUnavailable) as error:
        print(f"hoidap: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
