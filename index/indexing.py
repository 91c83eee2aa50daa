"""Corpus folder -> Chroma: parse, chunk, embed and store new or changed files; drop deleted ones."""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding

from .articles import parse_articles
from .chunking import passages_for
from .models import IndexReport
from .reading import UnreadableFile, corpus_files, read_source
from .store import PassageStore

Progress = Callable[[int, int, str], None]


class EmbeddingMismatch(RuntimeError):
    """The index holds vectors from another embedding model."""


@dataclass
class Manifest:
    """doc_id -> content hash and counts; written after the store, so a crash re-indexes, never skips."""
    path: Path
    documents: dict
    embedding: str | None
    indexed_at: str | None

    @classmethod
    def load(cls, path: Path) -> "Manifest":
        if not path.exists():
            return cls(path, {}, None, None)
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(path, data.get("documents", {}), data.get("embedding"), data.get("indexed_at"))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        payload = {"documents": self.documents, "embedding": self.embedding, "indexed_at": self.indexed_at}
        temporary.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temporary, self.path)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_index(corpus_dir: Path, store: PassageStore, manifest_path: Path, embedding: BaseEmbedding,
                max_file_bytes: int, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
    """Bring the store in line with the corpus folder; returns what changed and what was skipped."""
    started = time.perf_counter()
    manifest = Manifest.load(manifest_path)
    if rebuild:
        store.reset()
        manifest.documents = {}
    elif manifest.documents and manifest.embedding not in (None, store.fingerprint):
        raise EmbeddingMismatch(
            f"The index was built with {manifest.embedding}, but the settings now select {store.fingerprint}. "
            "Run 'hoidap index --rebuild' to re-embed the corpus with the new model."
        )
    skipped: list[tuple[str, str]] = []
    sources = {}
    for path in corpus_files(corpus_dir):
        try:
            source = read_source(path, max_file_bytes)
        except (UnreadableFile, OSError) as error:
            skipped.append((path.name, str(error)))
            continue
        if source.doc_id in sources:
            skipped.append((path.name, f"{path.name}: another file already has the doc_id {source.doc_id}"))
            continue
        sources[source.doc_id] = source
    unreadable = {name.rsplit(".", 1)[0] for name, _ in skipped}
    removed = [d for d in manifest.documents if d not in sources and d not in unreadable]
    changed = [d for d, s in sources.items() if manifest.documents.get(d, {}).get("hash") != _hash(s.text)]
    added = [d for d in changed if d not in manifest.documents]
    updated = [d for d in changed if d in manifest.documents]
    if removed:
        store.delete_documents(removed)
        for doc_id in removed:
            manifest.documents.pop(doc_id)
    for done, doc_id in enumerate(changed):
        if progress:
            progress(done, len(changed), doc_id)
        source = sources[doc_id]
        articles = parse_articles(doc_id, source.text)
        passages = passages_for(articles)
        if not passages:
            skipped.append((source.path.name, f"{source.path.name}: no sentences to index after cleaning"))
            continue
        ids, texts, metadatas = zip(*passages)
        vectors = embedding.get_text_embedding_batch(list(texts))
        store.delete_documents([doc_id])
        store.add(list(ids), list(texts), vectors, list(metadatas))
        manifest.documents[doc_id] = {"hash": _hash(source.text), "file": source.path.name,
                                      "articles": len(articles), "chunks": len(passages)}
        manifest.embedding = store.fingerprint
        manifest.save()
    if progress:
        progress(len(changed), len(changed), "")
    unchanged = not (changed or removed or rebuild)
    if not unchanged or manifest.indexed_at is None:
        manifest.embedding = store.fingerprint
        manifest.indexed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        manifest.save()
    return IndexReport(
        articles=sum(d["articles"] for d in manifest.documents.values()),
        chunks=sum(d["chunks"] for d in manifest.documents.values()),
        added=tuple(added), updated=tuple(updated), removed=tuple(removed), skipped=tuple(skipped),
        seconds=time.perf_counter() - started, unchanged=unchanged,
    )
