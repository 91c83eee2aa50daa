"""The dev gold set, scored with the targets of the engine issue, and the eval command's contract."""
import json

import pytest

from bot.cli import main
from index.evaluation import GoldFileError, load_gold, run_eval, summarize
from tests.conftest import DEV_GOLD


@pytest.fixture(scope="module")
def dev_metrics(seed_engine):
    if not DEV_GOLD.exists():
        pytest.skip(f"the development gold set is not at {DEV_GOLD}")
    return summarize(list(run_eval(load_gold(DEV_GOLD), seed_engine.answer)))


def test_dev_gold_targets(dev_metrics):
    overall = dev_metrics["all"]
    assert overall["fact_accuracy"] >= 0.90
    assert overall["citation_hit"] >= 0.95
    assert overall["refusal_accuracy"] == 1.0
    assert overall["false_refusal_rate"] <= 0.05


def test_no_diacritics_and_abbreviations_keep_up_with_factoids(dev_metrics):
    factoid = dev_metrics["factoid"]["fact_accuracy"]
    assert dev_metrics["no_diacritics"]["fact_accuracy"] >= factoid - 0.05
    assert dev_metrics["abbreviation"]["fact_accuracy"] >= factoid - 0.05


def test_malformed_gold_file_names_the_line(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"question": "a", "answer_facts": [["x"]], "source_docs": ["d"]}\n{not json}\n', encoding="utf-8")
    with pytest.raises(GoldFileError, match="line 2"):
        load_gold(gold)


def test_eval_command_writes_results_and_fails_on_bad_gold(tmp_path, monkeypatch, capsys, seed_engine):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(seed_engine.settings.data_dir))
    monkeypatch.setenv("HOIDAP_CORPUS_DIR", str(seed_engine.settings.corpus_dir))
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "X1", "kind": "factoid", "question": "Bình Dương có bao nhiêu mô hình tự quản?",
                                "answer_facts": [["59"]], "source_docs": ["004_0105c699471a6aab"]}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    out = tmp_path / "results.jsonl"
    assert main(["eval", str(gold), "--out", str(out)]) == 0
    row = json.loads(out.read_text(encoding="utf-8"))
    assert row["id"] == "X1" and row["found"] and row["citations"][0]["doc_id"] == "004_0105c699471a6aab"
    assert set(row) == {"id", "question", "found", "answer", "citations", "latency_ms", "mode", "fallback"}
    assert "fact_accuracy" in capsys.readouterr().out
    gold.write_text("nonsense\n", encoding="utf-8")
    assert main(["eval", str(gold)]) == 2
    assert "line 1" in capsys.readouterr().err


def test_ask_command_json_contract(tmp_path, monkeypatch, capsys, seed_engine):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(seed_engine.settings.data_dir))
    assert main(["ask", "Ai là Chủ tịch UBND thị trấn Châu Hưng?", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["found"] and "Uông Văn Thịnh" in data["answer"]
    assert set(data["citations"][0]) == {"n", "doc_id", "title", "date", "source", "province", "quote", "score",
                                         "also_in"}
    assert main(["ask", "   "]) == 2
