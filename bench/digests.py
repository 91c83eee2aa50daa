"""Province digests on a real corpus: for every province with at least --min-articles articles filed under it,
the share of the digest's citations about the province, the articles and themes it covers, and its time
beyond a plain answer measured in the same run.

    HOIDAP_DATA_DIR=/tmp/news_data python bench/digests.py [--min-articles 10] [--json OUT.json]

"About the province" is checked by a rule independent of the digest's own: the cited sentence or its
article's title names the province, the post-2025 province it belongs to, or a province merged into it
(a plain substring test on lower-cased text without diacritics, full names only); the figure in parentheses
also counts the gazetteer's aliases ("TP.HCM", "Sài Gòn"). Targets (issue 13): at least 0.9 of the
citations about the province, at least 3 articles cited, at most 1 s beyond an answer.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index import Engine, load_settings  # noqa: E402
from index.text import fold_diacritics  # noqa: E402

ANSWER_QUESTIONS = ("Tình hình an ninh trật tự ở {p} thế nào?", "{p} có bao nhiêu vụ tai nạn giao thông?",
                    "Ai là Chủ tịch UBND {p}?")


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold_diacritics(text).lower()))


def names_province(text: str, names: list[str]) -> bool:
    plain = f" {_plain(text)} "
    return any(f" {name} " in plain for name in names)


def measure(engine: Engine, province: str) -> dict:
    resolved = engine.gazetteer.resolve(province)
    canonical, covered = resolved
    names = sorted({_plain(re.sub(r"^(TP\.?|Thành phố|Tỉnh)\s+", "", n)) for n in (canonical, *covered)})
    answer_ms = []
    for question in ANSWER_QUESTIONS:
        started = time.perf_counter()
        engine.answer(question.format(p=province))
        answer_ms.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    digest = engine.summarize(province)
    digest_ms = (time.perf_counter() - started) * 1000
    about = [names_province(c.quote, names) or names_province(c.title, names) for c in digest.citations]
    # The same with the gazetteer's aliases ("TP.HCM", "Sài Gòn") counted: the digest's own reading.
    aliased = [ok or bool((engine.gazetteer.named_in(c.quote) | engine.gazetteer.named_in(c.title)) & set(covered))
               for ok, c in zip(about, digest.citations)]
    return {"province": province, "covered": list(covered), "articles": digest.articles,
            "citations": len(digest.citations), "about": sum(about),
            "about_share": round(sum(about) / len(about), 3) if about else None,
            "about_with_aliases": round(sum(aliased) / len(aliased), 3) if aliased else None,
            "articles_cited": len({c.doc_id for c in digest.citations}),
            "themes": len(digest.themes), "theme_lines": digest.summary.count(" bài) — "),
            "chars": len(digest.summary), "digest_ms": round(digest_ms), "answer_ms": round(statistics.median(answer_ms)),
            "beyond_answer_ms": round(digest_ms - statistics.median(answer_ms)),
            "not_about": [c.quote[:120] for c, ok in zip(digest.citations, about) if not ok]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-articles", type=int, default=10)
    parser.add_argument("--json", help="write every row, with the citations not about the province")
    args = parser.parse_args(argv)
    engine = Engine(load_settings())
    engine.answer("khởi động")
    counts = Counter(a.province for a in engine.catalog.articles if a.province)
    provinces = [p for p, n in counts.most_common() if n >= args.min_articles]
    if not provinces:
        print(f"No province has {args.min_articles} articles in {engine.settings.data_dir}", file=sys.stderr)
        return 2
    rows = [measure(engine, province) for province in provinces]
    print(f"{len(engine.catalog)} articles in {engine.settings.data_dir}; provinces with ≥ {args.min_articles}")
    print("| province | articles | citations | about the province (with aliases) | articles cited | themes | chars "
          "| digest ms | answer ms | beyond answer ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['province']} | {r['articles']} | {r['citations']} | {r['about_share']} ({r['about_with_aliases']}) "
              f"| {r['articles_cited']} "
              f"| {r['themes']} ({r['theme_lines']} shown) | {r['chars']} | {r['digest_ms']} | {r['answer_ms']} "
              f"| {r['beyond_answer_ms']} |")
    cited = sum(r["citations"] for r in rows)
    print(f"\nall: {sum(r['about'] for r in rows)}/{cited} citations about the province "
          f"({sum(r['about'] for r in rows) / max(cited, 1):.3f}); lowest share "
          f"{min(r['about_share'] or 0 for r in rows)}; fewest articles cited {min(r['articles_cited'] for r in rows)}; "
          f"most time beyond an answer {max(r['beyond_answer_ms'] for r in rows)} ms")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
