"""How far the LLM mode's reading band could take the answers: the gold scored with a model that reads perfectly.

No model is reachable from the development machines, so what a real one makes of the passages cannot be measured
here. This bounds it instead: the scripted OpenAI-compatible server of the tests (tests/fake_llm.py) plays a
reader that knows the gold. Given the passages of a question, it states the gold's facts that they hold, each
cited to its passage, when they are all there, and says the refusal phrase otherwise; so it never answers a
near-miss.
Everything else is the product's LLM mode: the same passages, the same verification, the same bands (a quote sure
enough is worded by the model and must keep its fact; under the threshold, from HOIDAP_LLM_READ_CONFIDENCE, the
model reads). The figures are an upper bound on reading, not a measurement of any model.

Usage: python bench/reading_bound.py GOLD.jsonl@DATA_DIR [...] [--read-confidence 0.3]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from fake_llm import FakeLLM, passages_in  # noqa: E402
from index import Engine, load_settings  # noqa: E402
from index.evaluation import GoldItem, load_gold, match_key, run_eval, summarize  # noqa: E402

def knowing_reader(facts: tuple[tuple[str, ...], ...]):
    """The reply of a model that reads perfectly and answers briefly: for each fact group, an alternative of it
    that a given passage holds, cited to the first such passage ("Uông Văn Thịnh [1]."); the refusal phrase when
    a group is in no passage."""
    def read(messages: list[dict]) -> str:
        given = passages_in(messages)
        stated = []
        for group in facts:
            found = next(((n, alternative) for n, text in given.items() for alternative in group
                          if match_key(alternative) in match_key(text)), None)
            if found is None:
                return "KHÔNG TÌM THẤY"
            stated.append(f"{found[1]} [{found[0]}].")
        return " ".join(stated) if stated else "KHÔNG TÌM THẤY"
    return read


def bound(gold: Path, data_dir: Path, read_confidence: float, server: FakeLLM) -> dict:
    settings = load_settings(_env_file=None, data_dir=data_dir, llm_base_url=server.base_url, llm_model="reader",
                             llm_max_retries=0, llm_read_confidence=read_confidence)
    engine = Engine(settings)
    current: list[GoldItem] = []

    def ask(question: str):
        server.behaviour = knowing_reader(current[0].answer_facts)
        return engine.answer(question)

    rows = []
    for item in load_gold(gold):
        current[:] = [item]
        rows.extend(run_eval([item], ask))
    metrics = summarize(rows)["all"]
    made = Counter(row.answer.mode for row in rows if row.answer.found)
    return {"threshold": round(engine.threshold, 3), "read_from": round(engine.read_from, 3), **{
        key: metrics[key] for key in ("n", "fact_accuracy", "wrongly_answered", "refusal_accuracy")},
        "answers": dict(made)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", metavar="GOLD.jsonl@DATA_DIR")
    parser.add_argument("--read-confidence", type=float, action="append",
                        help="HOIDAP_LLM_READ_CONFIDENCE values to try (default: the setting's default and 1, no reading)")
    args = parser.parse_args(argv)
    default = load_settings(_env_file=None).llm_read_confidence
    server = FakeLLM()
    try:
        for spec in args.sets:
            gold, data_dir = spec.split("@")
            for read_confidence in args.read_confidence or [1.0, default]:
                figures = bound(Path(gold), Path(data_dir), read_confidence, server)
                print(f"{Path(gold).name} read from {read_confidence}: {figures}", flush=True)
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
