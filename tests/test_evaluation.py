"""The dev gold set, scored with the targets of the engine issue, and the eval command's contract."""
import json
import re

import pytest

from bot.cli import main
from index.evaluation import (GoldFileError, load_gold, missing_facts, run_eval, some_diacritics, summarize,
                              without_diacritics)
from index.selector import load_selector
from index.significance import flips_p_value, share_interval
from index.text import fold_diacritics, has_diacritics
from tests.conftest import CORPUS, DEV_GOLD, UNSEEN_GOLD


@pytest.fixture(scope="module")
def dev_metrics(default_engine):
    return summarize(list(run_eval(load_gold(DEV_GOLD), default_engine.answer)))


def _fitted(dataset: str) -> dict:
    """The in-sample figures the selector reached on a development set when it was fitted."""
    return load_selector().report["in_sample"][dataset]


def test_seed_dev_set_holds_the_figures_of_the_fit(dev_metrics):
    overall, fitted = dev_metrics["all"], _fitted("seeds")
    assert overall["fact_accuracy"] >= fitted["fact_accuracy"] - 0.05
    assert overall["wrongly_answered"] <= fitted["wrongly_answered"] + 0.05
    assert overall["refusal_accuracy"] == 1.0  # the corpus does not say: refused, every time
    assert 0 <= overall["aurc"] <= 1 and 0 <= overall["coverage_at_5pct_risk"] <= overall["coverage_at_10pct_risk"]


def test_the_unseen_seed_questions_are_answered_by_their_articles():
    """The gold set written after the fit (tests/data/README.md) stays true of the corpus it is about: every
    expected fact is in its source article, and the unanswerable ones name no source."""
    items = load_gold(UNSEEN_GOLD)
    assert len(items) >= 30 and any(not item.answerable for item in items)
    for item in items:
        for doc_id in item.source_docs:
            text = (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")
            assert not missing_facts(text, item.answer_facts), (item.id, doc_id)


def test_questions_asked_without_their_source_are_refused(default_engine):
    rows = list(run_eval(load_gold(DEV_GOLD), default_engine.answer, without_source=True))
    assert rows and all(row.deleted for row in rows)
    refused = sum(not row.answer.found for row in rows) / len(rows)
    assert refused >= load_selector().report["in_sample"]["seeds"]["deletion_refused"] - 0.05
    assert all(row.answer.note for row in rows if not row.answer.found)  # every refusal says why


def test_questions_typed_without_diacritics_hold_the_figures_of_the_fit(default_engine):
    """Officials often type without diacritics: the fit asks every dev question that way too and keeps the
    figures it reached, which the seeds, asked folded here, must hold."""
    rows = list(run_eval(load_gold(DEV_GOLD), default_engine.answer, folded=True))
    assert len(rows) == 22 and all(not has_diacritics(row.answer.question) for row in rows)
    assert all(row.answer.question == row.answer.question.lower() for row in rows)
    overall, fitted = summarize(rows)["all"], _fitted("seeds")["without_diacritics"]
    assert overall["fact_accuracy"] >= fitted["fact_accuracy"] - 0.05
    assert overall["wrongly_answered"] <= fitted["wrongly_answered"] + 0.05
    assert overall["refusal_accuracy"] == 1.0


def test_some_diacritics_leaves_off_the_marks_of_some_words_the_same_way_every_run():
    question = "Huyện Bàu Bàng có bao nhiêu camera an ninh kết nối với Công an huyện, tính đến tháng 6/2024?"
    typed = some_diacritics(question)
    assert typed == some_diacritics(question) and typed != question
    assert without_diacritics(typed) == without_diacritics(question)  # only marks differ: case, words, commas kept
    assert typed.endswith("6/2024?") and typed[0] == "H"
    words = re.findall(r"\w+", question)
    left_off = sum(a != b for a, b in zip(words, re.findall(r"\w+", typed)))
    assert 0 < left_off < sum(fold_diacritics(w) != w for w in words)


def test_without_diacritics_folds_marks_and_case():
    assert without_diacritics("Huyện Bàu Bàng có bao nhiêu camera?") == "huyen bau bang co bao nhieu camera?"
    assert without_diacritics("ĐẮK LẮK") == "dak lak"


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
    gold.write_text(json.dumps({"id": "X1", "kind": "factoid", "question": "Ai là Chủ tịch UBND thị trấn Châu Hưng?",
                                "answer_facts": [["Uông Văn Thịnh"]], "source_docs": ["001_891a798d6ddd07e4"]}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    out = tmp_path / "results.jsonl"
    assert main(["eval", str(gold), "--out", str(out)]) == 0
    row = json.loads(out.read_text(encoding="utf-8"))
    assert row["id"] == "X1" and row["found"] and row["citations"][0]["doc_id"] == "001_891a798d6ddd07e4"
    assert set(row) == {"id", "kind", "question", "answer_facts", "source_docs", "found", "answer", "citations",
                        "latency_ms", "mode", "fallback", "confidence", "reason", "withheld", "deleted", "correct"}
    assert 0 <= row["confidence"] <= 1 and row["correct"] == (row["found"] and "Uông Văn Thịnh" in row["answer"])
    assert "fact_accuracy" in capsys.readouterr().out
    gold.write_text("nonsense\n", encoding="utf-8")
    assert main(["eval", str(gold)]) == 2
    assert "line 1" in capsys.readouterr().err


def test_ask_command_json_contract(tmp_path, monkeypatch, capsys, seed_engine):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(seed_engine.settings.data_dir))
    assert main(["ask", "Ai là Chủ tịch UBND thị trấn Châu Hưng?", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["found"] and "Uông Văn Thịnh" in data["answer"] and 0 < data["confidence"] <= 1
    assert set(data["citations"][0]) == {"n", "doc_id", "title", "date", "source", "province", "quote", "score",
                                         "also_in"}
    assert main(["ask", "   "]) == 2


def test_eval_takes_several_gold_files_and_a_deletion_run(tmp_path, monkeypatch, capsys, seed_engine):
    from tests.conftest import SUMMARY_GOLD

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(seed_engine.settings.data_dir))
    out = tmp_path / "results.jsonl"
    assert main(["eval", str(DEV_GOLD), str(SUMMARY_GOLD), "--out", str(out), "--json"]) == 0
    printed = capsys.readouterr().out
    metrics = json.loads(printed.strip().splitlines()[-1])
    assert set(metrics) == {str(DEV_GOLD), str(SUMMARY_GOLD)}
    overall = metrics[str(DEV_GOLD)]["all"]
    assert {"coverage_at_2pct_risk", "coverage_at_5pct_risk", "coverage_at_10pct_risk", "aurc",
            "wrongly_answered"} <= set(overall)
    assert metrics[str(SUMMARY_GOLD)]["summary"]["passed"] == 1.0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 22 + 4 and all("correct" in row for row in rows)
    assert all(row["reason"] for row in rows if row.get("kind") != "summary" and not row["found"])
    given = [row for row in rows if row.get("kind") != "summary" and row["found"]]
    assert overall["wrong_among_answered"] == round(sum(not row["correct"] for row in given) / len(given), 3)
    assert main(["eval", str(DEV_GOLD), "--without-source", "--json"]) == 0
    deleted = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["all"]
    assert deleted["n"] == 19 and deleted["refusal_accuracy"] >= 0.9
    # The story kept, the sentences holding the facts left out: what the fit measures as answer_deletion_refused.
    assert main(["eval", str(DEV_GOLD), "--without-answer", "--out", str(out), "--json"]) == 0
    printed = capsys.readouterr().out
    kept = json.loads(printed.strip().splitlines()[-1])["all"]
    assert "hold its facts left out" in printed and kept["n"] == 19
    assert abs(kept["refusal_accuracy"] - _fitted("seeds")["answer_deletion_refused"]) <= 0.05
    answers = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(row["deleted"] for row in answers) and any(row["found"] for row in answers)
    # No quote from a source article holds a fact any more: those sentences are out of the search and the quotes.
    assert not [c for row in answers for c in row["citations"] if c["doc_id"] in row["source_docs"]
                and any(not missing_facts(c["quote"], [group]) for group in row["answer_facts"])]
    page = tmp_path / "report.html"
    assert main(["eval", str(DEV_GOLD), "--without-diacritics", "--out", str(out), "--json", "--html", str(page)]) == 0
    printed = capsys.readouterr().out
    overall = json.loads(printed.strip().splitlines()[-1])["all"]
    assert "typed without diacritics" in printed and overall["n"] == 22
    low, high = overall["fact_accuracy_interval"]  # 19 answerable questions: wide, whatever the run
    assert low <= overall["fact_accuracy"] <= high and high - low > 0.1
    assert f"{DEV_GOLD.name} — typed without diacritics" in page.read_text(encoding="utf-8")  # the report says so
    asked = [json.loads(line)["question"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(asked) == 22 and not any(has_diacritics(q) for q in asked)  # each row says how it was asked
    assert main(["eval", str(DEV_GOLD), "--some-diacritics", "--out", str(out)]) == 0
    assert "diacritics of about a quarter of its words left off" in capsys.readouterr().out
    asked = [json.loads(line)["question"] for line in out.read_text(encoding="utf-8").splitlines()]
    written = [item.question for item in load_gold(DEV_GOLD)]
    assert asked == [some_diacritics(q) for q in written] and asked != written
    with pytest.raises(SystemExit):  # one way of typing at a time
        main(["eval", str(DEV_GOLD), "--some-diacritics", "--without-diacritics"])


def test_compare_lists_exactly_the_questions_that_flipped(tmp_path, monkeypatch, capsys, seed_engine):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(seed_engine.settings.data_dir))
    now = tmp_path / "now.jsonl"
    assert main(["eval", str(DEV_GOLD), "--out", str(now)]) == 0
    assert "90 % intervals over this file's questions: fact accuracy" in capsys.readouterr().out
    rows = [json.loads(line) for line in now.read_text(encoding="utf-8").splitlines()]
    right = [r for r in rows if r["correct"]]
    assert len(right) >= 2
    # An earlier run, crafted: two questions right now were wrong then; nothing else differs.
    earlier = []
    for row in rows:
        if row["id"] in (right[0]["id"], right[1]["id"]):
            row = {**row, "correct": False, "answer": "một câu trả lời cũ sai"}
        earlier.append(row)
    previous = tmp_path / "previous.jsonl"
    previous.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in earlier), encoding="utf-8")
    capsys.readouterr()
    assert main(["eval", str(DEV_GOLD), "--compare", str(previous)]) == 0
    printed = capsys.readouterr().out
    assert "2 fixed, 0 broken (exact sign test: p = 0.5, could be chance)" in printed
    fixed = {line.split()[1] for line in printed.splitlines() if line.startswith("FIXED ")}
    assert fixed == {right[0]["id"], right[1]["id"]} and "một câu trả lời cũ sai" in printed
    previous.write_text("not json\n", encoding="utf-8")
    assert main(["eval", str(DEV_GOLD), "--compare", str(previous)]) == 2
    assert "line 1" in capsys.readouterr().err


def test_intervals_and_the_sign_test_read_the_binomial():
    low, high = share_interval(37, 48)  # news_dev's 37 right answers of 48
    assert (low, high) == (0.658, 0.855) and low < 37 / 48 < high
    assert share_interval(0, 0) is None and share_interval(0, 10)[0] == 0.0 and share_interval(10, 10)[1] == 1.0
    assert flips_p_value(2, 0) == 0.5 and flips_p_value(0, 2) == 0.5  # two flips one way: a coin's odds
    assert flips_p_value(5, 5) == 1.0 and flips_p_value(0, 0) is None
    assert flips_p_value(10, 0) == 0.002  # ten fixed and none broken is no chance
    assert flips_p_value(7, 1) == 0.0703  # seven against one is not yet below 0.05
