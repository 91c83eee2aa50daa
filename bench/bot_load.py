"""Load benchmark for the Telegram bot: 50 simulated users each send 2 questions at once.

Runs the production Application against the test Bot API server on 127.0.0.1 and reports, in one run:
every question answered once (none lost, none duplicated), end-to-end latency p50/p95 (update queued →
answer delivered), throughput and peak memory, against one user asking alone (the baseline). It runs the
load twice: with python-telegram-bot's AIORateLimiter (Telegram's ~30 messages/s flood limit, as deployed)
and without it (what the engine and the handlers can do).

    .venv/bin/python bench/bot_load.py [--users 50] [--questions 2] [--out bench/results/bot_load.json]
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from bot.audit import AuditLog  # noqa: E402
from fake_bot_api import TOKEN, FakeBotApi, RunningBot  # noqa: E402
from index import Engine, load_settings  # noqa: E402


def _questions() -> list[str]:
    gold = REPO / "tests" / "data" / "seed_qa.jsonl"
    if gold.exists():
        return [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    return ["Bình Dương có bao nhiêu mô hình tự quản về ANTT?", "Thái Bình có bao nhiêu điểm chữa cháy công cộng?",
            "Ai là Phó Giám đốc Công an tỉnh Bạc Liêu?", "Giá vàng hôm nay là bao nhiêu?"]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_load(engine: Engine, root: Path, users: int, per_user: int, flood_limiter: bool, label: str) -> dict:
    questions = _questions()
    data = root / label
    settings = load_settings(_env_file=None, corpus_dir=engine.settings.corpus_dir, data_dir=data,
                             telegram_token=TOKEN, rate_limit_per_minute=0, flood_limiter=flood_limiter)
    audit = AuditLog(settings.audit_path)
    with FakeBotApi() as api:
        running = RunningBot(settings.model_copy(update={"telegram_base_url": api.base_url}), engine, audit).start(api)
        try:
            user_ids = [10_000 + n for n in range(users)]
            asked: dict[int, list[str]] = {}
            started = time.monotonic()
            for n, user in enumerate(user_ids):  # all queued at once; the bot fetches them in batches
                asked[user] = [questions[(n * per_user + k) % len(questions)] for k in range(per_user)]
                for question in asked[user]:
                    api.send_text(user, question)
            expected = users * per_user
            api.wait_for(lambda: sum(len(api.sent_to(u)) for u in user_ids) >= expected, timeout=600)
            finished = time.monotonic()
            api.quiet(1.0)  # anything more would be a duplicate
        finally:
            running.stop()
    latencies = [(call.at - started) * 1000 for call in api.calls_of("sendMessage")
                 if int(call.params["chat_id"]) in asked]
    per_user_counts = [len(api.sent_to(u)) for u in user_ids]
    recorded = audit._db.execute("SELECT user_id, question FROM questions").fetchall()
    audit.close()
    answered = {(u, q) for u, q in recorded}
    wanted = {(u, q) for u, qs in asked.items() for q in qs}
    return {
        "label": label,
        "users": users,
        "questions": expected,
        "answered": len(latencies),
        "lost": len(wanted - answered) + sum(max(0, per_user - c) for c in per_user_counts),
        "duplicated": sum(max(0, c - per_user) for c in per_user_counts) + (len(recorded) - len(answered)),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "seconds": round(finished - started, 2),
        "questions_per_second": round(expected / (finished - started), 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--questions", type=int, default=2, help="questions per user, sent at once")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "bot_load.json"))
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hoidap-bot-bench-"))
    try:
        corpus = root / "corpus"
        shutil.copytree(REPO / "corpus", corpus)
        engine = Engine(load_settings(_env_file=None, corpus_dir=corpus, data_dir=root / "index"))
        engine.build()
        rss_engine = _peak_rss_mb()
        results = [run_load(engine, root, 1, args.questions, True, "baseline: 1 user alone"),
                   run_load(engine, root, args.users, args.questions, True, "load, flood limiter on"),
                   run_load(engine, root, args.users, args.questions, False, "load, flood limiter off")]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    base = results[0]
    print(f"engine loaded: peak RSS {rss_engine:.0f} MB")
    print(f"{'run':<26}{'asked':>7}{'answered':>9}{'lost':>6}{'dup':>5}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'q/s':>7}{'RSS MB':>8}{'p50×':>7}{'p95×':>7}")
    for r in results:
        print(f"{r['label']:<26}{r['questions']:>7}{r['answered']:>9}{r['lost']:>6}{r['duplicated']:>5}"
              f"{r['p50_ms']:>9}{r['p95_ms']:>9}{r['questions_per_second']:>7}{r['peak_rss_mb']:>8}"
              f"{r['p50_ms'] / base['p50_ms']:>7.1f}{r['p95_ms'] / base['p95_ms']:>7.1f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"engine_rss_mb": rss_engine, "runs": results}, ensure_ascii=False, indent=2))
    return 0 if all(r["lost"] == 0 and r["duplicated"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
