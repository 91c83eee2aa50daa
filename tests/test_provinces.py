"""Provinces: the gazetteer's data, tagging of the seed articles, province filters, and summaries."""
from __future__ import annotations

import json

import pytest

from bot.cli import main
from conftest import SUMMARY_GOLD
from index.evaluation import load_summary_gold, run_summary_eval, summary_metrics
from index.gazetteer import default_gazetteer
from index.summary import MAX_SUMMARY_CHARS

UNMERGED = {"Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa", "Nghệ An",
            "Hà Tĩnh", "Cao Bằng"}


def test_gazetteer_has_63_old_and_34_new_provinces_each_old_in_exactly_one_new():
    gazetteer = default_gazetteer()
    assert len(gazetteer.provinces) == 63 and len(gazetteer.new_provinces) == 34
    formers = [old for olds in gazetteer.new_provinces.values() for old in olds]
    assert sorted(formers) == sorted(p.name for p in gazetteer.provinces)  # every old one, exactly once
    for province in gazetteer.provinces:
        assert province.name in gazetteer.new_provinces[province.now_part_of]
    merged = {new for new, olds in gazetteer.new_provinces.items() if len(olds) > 1}
    assert len(merged) == 23 and len(set(gazetteer.new_provinces) - merged) == 11
    assert {n.removeprefix("TP ") for n in set(gazetteer.new_provinces) - merged} == UNMERGED
    assert set(gazetteer.new_provinces["Hưng Yên"]) == {"Thái Bình", "Hưng Yên"}
    assert set(gazetteer.new_provinces["TP Hồ Chí Minh"]) == {"Bình Dương", "Bà Rịa - Vũng Tàu", "TP Hồ Chí Minh"}


@pytest.mark.parametrize("name, canonical, covers", [
    ("binh duong", "Bình Dương", {"Bình Dương"}),
    ("tỉnh Thái Bình", "Thái Bình", {"Thái Bình"}),
    ("TP.HCM", "TP Hồ Chí Minh", {"TP Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"}),
    ("Sài Gòn", "TP Hồ Chí Minh", {"TP Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"}),
    ("BR-VT", "Bà Rịa - Vũng Tàu", {"Bà Rịa - Vũng Tàu"}),
    ("Thừa Thiên Huế", "Thừa Thiên Huế", {"Thừa Thiên Huế"}),
    ("Hưng Yên", "Hưng Yên", {"Hưng Yên", "Thái Bình"}),
    ("Cà Mau", "Cà Mau", {"Cà Mau", "Bạc Liêu"}),
])
def test_aliases_resolve_in_either_era(name, canonical, covers):
    resolved = default_gazetteer().resolve(name)
    assert resolved[0] == canonical and set(resolved[1]) == covers


def test_labels_and_suggestions():
    gazetteer = default_gazetteer()
    assert gazetteer.label("Bạc Liêu") == "Bạc Liêu (nay thuộc Cà Mau)"
    assert gazetteer.label("Thừa Thiên Huế") == "Thừa Thiên Huế (nay là Huế)"
    assert gazetteer.label("Ninh Bình") == "Ninh Bình" and gazetteer.label("Hà Nội") == "Hà Nội"
    assert gazetteer.suggest("Binh Duogn")[0] == "Bình Dương"
    assert gazetteer.suggest("Thai Bnh")[0] == "Thái Bình"
    assert gazetteer.resolve("Atlantis") is None and gazetteer.suggest("Atlantis") == []


def test_seed_articles_are_tagged_with_their_primary_province(seed_engine):
    first = {a.doc_id: a.province for a in seed_engine.catalog.articles if a.article_id.endswith("#1")}
    assert first == {"000_f341a22eafc8bfc0": "Thái Bình", "001_891a798d6ddd07e4": "Bạc Liêu",
                     "002_f9807e427c47bfdc": None, "003_c4ad8019c1fcb4dd": "Ninh Bình",
                     "004_0105c699471a6aab": "Bình Dương"}


def test_question_about_a_merged_province_finds_its_former_provinces(seed_engine):
    answer = seed_engine.answer("Cà Mau có bao nhiêu khóm đăng ký đạt chuẩn An toàn về ANTT?")
    assert answer.found and answer.citations[0].doc_id == "001_891a798d6ddd07e4" and "7 khóm" in answer.answer
    assert [p.doc_id for p in seed_engine.search("Hưng Yên có bao nhiêu điểm chữa cháy công cộng?", k=5)] == \
        ["000_f341a22eafc8bfc0"] * 5


def test_dev_summaries_hold_their_facts_and_cite_their_sources(seed_engine):
    rows = run_summary_eval(load_summary_gold(SUMMARY_GOLD), seed_engine.summarize, MAX_SUMMARY_CHARS)
    assert summary_metrics(rows)["passed"] == 1.0, [(r.item.id, r.summary.summary) for r in rows if not r.passed]
    for row in rows:
        assert len(row.summary.summary) <= MAX_SUMMARY_CHARS


def test_summary_lines_are_cited_distinct_and_labeled(seed_engine):
    summary = seed_engine.summarize("Hưng Yên")  # new-era name: Thái Bình's articles, labeled
    assert summary.found and summary.province == "Hưng Yên" and summary.articles == 4
    lines = summary.summary.splitlines()
    assert "Thái Bình (nay thuộc Hưng Yên)" in lines[0]
    assert all(line.rstrip().endswith("]") for line in lines)  # every line cited
    assert len(set(lines)) == len(lines)
    numbers = {f"[{c.n}]" for c in summary.citations}
    assert all(any(mark in line for mark in numbers) for line in lines)
    assert all("Thái Bình:" in line for line in lines if line.startswith("•"))  # every fact placed


def test_summary_command_json_contract(seed_engine, monkeypatch, capsys):
    monkeypatch.setenv("HOIDAP_CORPUS_DIR", str(seed_engine.settings.corpus_dir))
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(seed_engine.settings.data_dir))
    assert main(["summary", "Ninh Bình", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"query", "province", "found", "summary", "citations", "articles", "topic", "themes"}
    assert data["province"] == "Ninh Bình" and data["found"] and "43/118" in data["summary"]
    assert data["citations"][0]["doc_id"] == "003_c4ad8019c1fcb4dd" and data["articles"] == 1
    assert main(["summary", "Kon Tum", "--json"]) == 0
    missing = json.loads(capsys.readouterr().out)
    assert missing["found"] is False and missing["citations"] == [] and "Kon Tum" in missing["summary"]
    assert main(["eval", str(SUMMARY_GOLD)]) == 0
    assert "passed=1.0" in capsys.readouterr().out
