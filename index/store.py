"""Chroma persistence for passages: one collection, embedded under the data folder or on a Chroma server."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import chromadb
import chromadb.errors
from chromadb.config import Settings as ChromaSettings

_BATCH = 1000
logger = logging.getLogger(__name__)


class ChromaUnavailable(RuntimeError):
    """HOIDAP_CHROMA_HOST is set but no Chroma server answers there."""


@dataclass(frozen=True)
class StoredPassages:
    ids: list[str]
    texts: list[str]
    metadatas: list[dict]
    embeddings: list[list[float]] | None = None  # read only when asked for


class PassageStore:
    """Verbs over the passage collection; nothing outside this module touches chromadb."""

    def __init__(self, path: Path, collection: str, fingerprint: str, host: str | None = None,
                 port: int = 8000) -> None:
        """Embedded Chroma under `path`, or a Chroma server when `host` is given (`path` then unused)."""
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        if host:
            try:
                self._client = chromadb.HttpClient(host=host, port=port, settings=settings)
                self._client.heartbeat()
            except Exception as error:  # chromadb raises several kinds for an unreachable server
                raise ChromaUnavailable(
                    f"Cannot reach the Chroma server at {host}:{port} ({error.__class__.__name__}: {error}); "
                    "start it (chroma run --path DIR --port PORT) or check HOIDAP_CHROMA_HOST/HOIDAP_CHROMA_PORT"
                ) from None
        else:
            path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(path), settings=settings)
        self._name = collection
        self._collection = self._client.get_or_create_collection(
            collection, metadata={"hnsw:space": "cosine", "embedding": fingerprint}
        )
        self.fingerprint = fingerprint

    @property
    def stored_fingerprint(self) -> str | None:
        return (self._collection.metadata or {}).get("embedding")

    def reset(self) -> None:
        self._client.delete_collection(self._name)
        self._collection = self._client.get_or_create_collection(
            self._name, metadata={"hnsw:space": "cosine", "embedding": self.fingerprint}
        )

    def count(self) -> int:
        return self._collection.count()

    def add(self, ids: list[str], texts: list[str], embeddings: list[list[float]], metadatas: list[dict]) -> None:
        for start in range(0, len(ids), _BATCH):
            end = start + _BATCH
            self._collection.upsert(
                ids=ids[start:end], documents=texts[start:end],
                embeddings=embeddings[start:end], metadatas=metadatas[start:end],
            )

    def delete_version(self, doc_id: str, version: str) -> None:
        self._collection.delete(where={"$and": [{"doc_id": doc_id}, {"version": version}]})

    def all(self) -> StoredPassages:
        ids, texts, metadatas = [], [], []
        total = self.count()
        for offset in range(0, total, _BATCH):
            batch = self._collection.get(include=["documents", "metadatas"], limit=_BATCH, offset=offset)
            ids += batch["ids"]
            texts += batch["documents"]
            metadatas += batch["metadatas"]
        return StoredPassages(ids, texts, metadatas)

    def of_documents(self, versions: dict[str, str], with_embeddings: bool = False) -> StoredPassages:
        """The stored passages of these documents at these versions (other versions are left out), with their
        vectors when asked for."""
        ids, texts, metadatas, embeddings = [], [], [], []
        doc_ids = list(versions)
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        for start in range(0, len(doc_ids), 200):
            batch = self._collection.get(where={"doc_id": {"$in": doc_ids[start:start + 200]}}, include=include)
            vectors = batch["embeddings"] if with_embeddings else [None] * len(batch["ids"])
            for i, text, meta, vector in zip(batch["ids"], batch["documents"], batch["metadatas"], vectors):
                if versions.get(meta.get("doc_id")) == meta.get("version"):
                    ids.append(i)
                    texts.append(text)
                    metadatas.append(meta)
                    embeddings.append(vector)
        return StoredPassages(ids, texts, metadatas, embeddings if with_embeddings else None)

    def nearest(self, embedding: list[float], k: int, articles: set[str] | None = None) -> list[tuple[str, float]]:
        """(id, cosine similarity), best first; among the passages of `articles` when given (Chroma returns
        fewer than k when it holds fewer)."""
        if articles is not None and not articles:
            return []
        where = {"article_id": {"$in": sorted(articles)}} if articles is not None else None
        try:
            result = self._collection.query(query_embeddings=[embedding], n_results=max(k, 1), where=where,
                                            include=["distances"])
        except chromadb.errors.ChromaError as error:  # as in embeddings(): another process writing
            logger.warning("Dense search unreadable, keyword search only: %s", error)
            return []
        return [(i, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0])]

    def embeddings(self, ids: list[str]) -> dict[str, list[float]]:
        """Stored vectors by id; empty when Chroma cannot read them right now (another process is writing the
        collection: embedded Chroma then reports "Error finding id"), so a question is scored without them."""
        if not ids:
            return {}
        try:
            result = self._collection.get(ids=ids, include=["embeddings"])
        except chromadb.errors.ChromaError as error:
            logger.warning("Stored vectors unreadable for %d passages, scored without them: %s", len(ids), error)
            return {}
        return dict(zip(result["ids"], result["embeddings"]))
