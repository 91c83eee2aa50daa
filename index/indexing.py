"""Corpus folder -> Chroma: incremental, crash-safe, one indexer at a time.

How a crash can never leave a half-indexed article visible:
- every passage carries its document's content `version`; questions only see passages whose
  version the manifest names (the manifest is replaced atomically with os.replace);
- a batch of changed documents is written in three steps, the manifest saved between them:
  (1) mark the new versions `pending` and add their passages, (2) commit: the manifest names the new
  versions and lists the old ones as `garbage`, (3) delete the garbage;
- a run first finishes what a killed run left: pending versions never committed and garbage never
  deleted are removed. So a kill at any moment leaves the previous index answering.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock, Timeout
from llama_index.core.base.embeddings.base import BaseEmbedding

from .articles import parse_articles
from .chunking import passages_for
from .duplicates import SketchIndex, sketch
from .models import IndexReport
from .reading import UnreadableFile, check_size, corpus_files, read_text
from .snapshot import drop_snapshots
from .store import PassageStore

Progress = Callable[[int, int, str], None]
MANIFEST_FORMAT = 2
# Documents embedded between two manifest commits: bounds the work a crash throws away.
BATCH_DOCUMENTS = 32
BATCH_PASSAGES = 2000
EMBED_CHUNK = 64
STORE_CHUNK = 1000


class EmbeddingMismatch(RuntimeError):
    """The index holds vectors from another embedding model."""


class IndexBusy(RuntimeError):
    """Another process or thread is indexing the same data folder."""


@dataclass
class Manifest:
    """doc_id -> file state, content version and counts; the source of truth for what questions see."""
    path: Path
    documents: dict = field(default_factory=dict)
    embedding: str | None = None
    indexed_at: str | None = None
    pending: dict = field(default_factory=dict)  # doc_id -> version being written
    garbage: dict = field(default_factory=dict)  # doc_id -> [versions to delete]
    format: int = MANIFEST_FORMAT

    @classmethod
    def load(cls, path: Path) -> "Manifest":
        if not path.exists():
            return cls(path)
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(path, data.get("documents", {}), data.get("embedding"), data.get("indexed_at"),
                   data.get("pending", {}), data.get("garbage", {}), data.get("format", 1))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(f".tmp{os.getpid()}")
        payload = {"format": self.format, "documents": self.documents, "embedding": self.embedding,
                   "indexed_at": self.indexed_at, "pending": self.pending, "garbage": self.garbage}
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def copies(self) -> dict[str, tuple[str, ...]]:
        """article_id -> doc_ids of the files whose article tells the same story and was not indexed again."""
        found: dict[str, list[str]] = {}
        for doc_id, entry in self.documents.items():
            for duplicate in entry.get("duplicates", {}).values():
                found.setdefault(duplicate["of"], []).append(doc_id)
        return {article: tuple(dict.fromkeys(docs)) for article, docs in found.items()}

    def stamps(self) -> dict[str, str]:
        """doc_id -> its committed version and when it was written: a file indexed again with the same content
        (a copy that becomes the original) may hold other passages, so the version alone does not say."""
        return {doc_id: f"{entry['version']}@{entry.get('indexed', entry.get('chunks'))}"
                for doc_id, entry in self.documents.items() if "version" in entry}

    def versions(self) -> dict[str, str]:
        """doc_id -> the committed version: the passages questions may see."""
        return {doc_id: entry["version"] for doc_id, entry in self.documents.items() if "version" in entry}


# What a file's passages are made by: cleaning, article splitting and sentence chunking. Raise it when a change
# there gives other passages for the same bytes, so that the next `hoidap index` re-reads every indexed file
# (each one replaced atomically, as for an edited file) instead of keeping passages made the old way.
# 2: photo credits and inline links to other stories are dropped from news paragraphs (2026-11-29).
PASSAGES_VERSION = 2


def content_version(data: bytes) -> str:
    """A file's version: its bytes, as read by this PASSAGES_VERSION."""
    return hashlib.sha256(f"passages-{PASSAGES_VERSION}\n".encode() + data).hexdigest()[:16]


def index_lock(data_dir: Path) -> FileLock:
    data_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(data_dir / "index.lock"))


def build_index(corpus_dir: Path, store: PassageStore, manifest_path: Path, embedding: BaseEmbedding,
                max_file_bytes: int, rebuild: bool = False, progress: Progress | None = None,
                wait_seconds: float = 0, after_commit: Callable[[Manifest], None] | None = None) -> IndexReport:
    """Bring the store in line with the corpus folder; returns what changed and what was skipped.

    `after_commit(manifest)` runs once the last commit is saved, still holding the lock (the snapshot writer).

    Raises:
        IndexBusy: another indexer holds the data folder's lock for longer than `wait_seconds`.
        EmbeddingMismatch: the index was built with another embedding model (use rebuild).
    """
    lock = index_lock(manifest_path.parent)
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout:
        raise IndexBusy(f"Another indexer is running on {manifest_path.parent} (lock {lock.lock_file}); "
                        "wait for it to finish, then run again") from None
    try:
        report = _build(corpus_dir, store, manifest_path, embedding, max_file_bytes, rebuild, progress)
        if after_commit is not None:
            after_commit(Manifest.load(manifest_path))
        return report
    finally:
        lock.release()


def _build(corpus_dir: Path, store: PassageStore, manifest_path: Path, embedding: BaseEmbedding,
           max_file_bytes: int, rebuild: bool, progress: Progress | None) -> IndexReport:
    started = time.perf_counter()
    manifest = Manifest.load(manifest_path)
    if manifest.format < MANIFEST_FORMAT:
        rebuild = True  # passages without versions cannot be told apart: start over once
    sketches_path = manifest_path.parent / "sketches.json"
    if rebuild:
        store.reset()
        drop_snapshots(manifest_path.parent)
        manifest = Manifest(manifest_path)
        sketches_path.unlink(missing_ok=True)
    elif manifest.documents and manifest.embedding not in (None, store.fingerprint):
        raise EmbeddingMismatch(
            f"The index was built with {manifest.embedding}, but the settings now select {store.fingerprint}. "
            "Run 'hoidap index --rebuild' to re-embed the corpus with the new model."
        )
    _finish_interrupted_run(store, manifest)
    skipped: list[tuple[str, str]] = []
    files: dict[str, Path] = {}
    for path in corpus_files(corpus_dir):
        doc_id = path.stem
        if doc_id in files:
            skipped.append((path.name, f"{path.name}: {files[doc_id].name} already has the doc_id {doc_id}; "
                                       "rename one of them"))
            continue
        files[doc_id] = path
    removed = [d for d in manifest.documents if d not in files]
    to_index: list[tuple[str, Path, bytes, os.stat_result]] = []
    for doc_id, path in files.items():
        entry = manifest.documents.get(doc_id)
        try:
            stat = path.stat()
            if entry and entry.get("file") == path.name and entry.get("size") == stat.st_size \
                    and entry.get("mtime_ns") == stat.st_mtime_ns \
                    and entry.get("passages_version") == PASSAGES_VERSION:
                continue  # unchanged on disk and read the same way: not even read
            check_size(path.name, stat.st_size, max_file_bytes)
            data = path.read_bytes()
        except (UnreadableFile, OSError) as error:
            skipped.append((path.name, str(error)))
            continue
        if entry and entry.get("version") == content_version(data):
            entry.update(file=path.name, size=stat.st_size, mtime_ns=stat.st_mtime_ns)  # touched, not changed
            continue
        to_index.append((doc_id, path, data, stat))
    # A file indexed only as a copy of another must be indexed for real once that other changes or goes.
    leaving = set(removed) | {d for d, *_ in to_index}
    for doc_id, entry in manifest.documents.items():
        copies_of = {dup["of"].split("#")[0] for dup in entry.get("duplicates", {}).values()}
        if copies_of & leaving and doc_id not in leaving and doc_id in files:
            path = files[doc_id]
            try:
                to_index.append((doc_id, path, path.read_bytes(), path.stat()))
            except OSError as error:
                skipped.append((path.name, str(error)))
    # The duplicate sketches are read only when something changes: an unchanged corpus check stays cheap.
    sketches = SketchIndex(sketches_path) if to_index or removed else None
    added = [d for d, *_ in to_index if d not in manifest.documents]
    updated = [d for d, *_ in to_index if d in manifest.documents]
    if removed:
        for doc_id in removed:
            manifest.garbage.setdefault(doc_id, []).append(manifest.documents.pop(doc_id)["version"])
            sketches.remove_document(doc_id)
        manifest.save()  # questions stop seeing them now
        _collect_garbage(store, manifest)
    done = 0
    batch: list[tuple[str, dict, list]] = []
    for doc_id, path, data, stat in to_index:
        if progress:
            progress(done, len(to_index), doc_id)
        done += 1
        try:
            text = read_text(data, path.name)
        except UnreadableFile as error:
            skipped.append((path.name, str(error)))
            continue
        version = content_version(data)
        articles = parse_articles(doc_id, text)
        sketches.remove_document(doc_id)
        kept, duplicates = _drop_duplicates(articles, doc_id, sketches)
        passages = passages_for(kept, version)
        if not passages and not duplicates:
            skipped.append((path.name, f"{path.name}: no sentences to index after cleaning"))
            continue
        primary = articles[0] if articles else None
        entry = {"version": version, "passages_version": PASSAGES_VERSION, "indexed": time.time_ns(), "file": path.name,
                 "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                 "articles": len(kept), "chunks": len(passages),
                 "title": primary.title if primary else "", "date": primary.date if primary else None,
                 "province": primary.primary_province if primary else None}
        if duplicates:
            entry["duplicates"] = duplicates
        batch.append((doc_id, entry, passages))
        if len(batch) >= BATCH_DOCUMENTS or sum(len(p) for _, _, p in batch) >= BATCH_PASSAGES:
            _write_batch(batch, store, manifest, embedding)
            batch = []
    if batch:
        _write_batch(batch, store, manifest, embedding)
    if progress:
        progress(len(to_index), len(to_index), "")
    if sketches is not None:
        sketches.save()
    failed = {name.rsplit(".", 1)[0] for name, _ in skipped}
    unchanged = not (set(added) - failed or set(updated) - failed or removed or rebuild)
    manifest.embedding = store.fingerprint
    if not unchanged or manifest.indexed_at is None:
        manifest.indexed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    manifest.save()  # also keeps the stat of touched files, so the next check does not re-read them
    return IndexReport(
        articles=sum(d["articles"] for d in manifest.documents.values()),
        chunks=sum(d["chunks"] for d in manifest.documents.values()),
        added=tuple(d for d in added if d not in failed), updated=tuple(d for d in updated if d not in failed),
        removed=tuple(removed), skipped=tuple(skipped),
        seconds=time.perf_counter() - started, unchanged=unchanged,
    )


def _drop_duplicates(articles: list, doc_id: str, sketches: SketchIndex) -> tuple[list, dict]:
    """The articles to index, and {article_id: the indexed article telling the same story, with its source}."""
    kept, duplicates = [], {}
    for article in articles:
        values = sketch(article.text)
        canonical = sketches.same_story(values, doc_id) if values else None
        if canonical:
            duplicates[article.article_id] = {"of": canonical, "title": article.title, "source": article.source,
                                              "date": article.date}
            continue
        kept.append(article)
        if values:
            sketches.add(article.article_id, values)
    return kept, duplicates


def _write_batch(batch: list[tuple[str, dict, list]], store: PassageStore, manifest: Manifest,
                 embedding: BaseEmbedding) -> None:
    """Embed and add a batch invisibly, commit it in one manifest write, then drop the versions it replaced."""
    ids = [pid for _, _, passages in batch for pid, _, _ in passages]
    texts = [text for _, _, passages in batch for _, text, _ in passages]
    metadatas = [meta for _, _, passages in batch for _, _, meta in passages]
    manifest.pending.update({doc_id: entry["version"] for doc_id, entry, _ in batch})
    manifest.embedding = store.fingerprint
    manifest.save()
    vectors: list[list[float]] = []
    stored = 0
    for start in range(0, len(ids), EMBED_CHUNK):
        vectors += embedding.get_text_embedding_batch(texts[start:start + EMBED_CHUNK])
        # Chroma adds fastest in large batches; storing as we go keeps memory flat for big batches.
        if len(vectors) >= STORE_CHUNK or start + EMBED_CHUNK >= len(ids):
            end = stored + len(vectors)
            store.add(ids[stored:end], texts[stored:end], vectors, metadatas[stored:end])
            stored, vectors = end, []
    for doc_id, entry, _ in batch:
        old = manifest.documents.get(doc_id)
        if old and old.get("version") != entry["version"]:
            manifest.garbage.setdefault(doc_id, []).append(old["version"])
        manifest.documents[doc_id] = entry
        manifest.pending.pop(doc_id, None)
    manifest.save()  # the commit: from here questions see the new versions
    _collect_garbage(store, manifest)


def _finish_interrupted_run(store: PassageStore, manifest: Manifest) -> None:
    """Remove what a killed run wrote but never committed, and what it committed but never deleted."""
    if not manifest.pending and not manifest.garbage:
        return
    for doc_id, version in manifest.pending.items():
        if manifest.documents.get(doc_id, {}).get("version") != version:
            manifest.garbage.setdefault(doc_id, []).append(version)
    manifest.pending = {}
    manifest.save()
    _collect_garbage(store, manifest)


def _collect_garbage(store: PassageStore, manifest: Manifest) -> None:
    if not manifest.garbage:
        return
    for doc_id, versions in manifest.garbage.items():
        for version in set(versions) - {manifest.documents.get(doc_id, {}).get("version")}:
            store.delete_version(doc_id, version)
    manifest.garbage = {}
    manifest.save()
