"""Results the engine returns: small frozen dataclasses, never dicts."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Article:
    """One newspaper article; a file may hold several, numbered from 1."""
    doc_id: str
    number: int
    title: str
    date: str | None
    source: str | None
    author: str | None
    paragraphs: tuple[str, ...]
    provinces: tuple[str, ...]
    primary_province: str | None

    @property
    def article_id(self) -> str:
        return f"{self.doc_id}#{self.number}"

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def split_provinces(joined: str) -> tuple[str, ...]:
    """Provinces as stored ('Bình Dương|Hà Nội': Chroma and SQLite keep strings) -> a tuple."""
    return tuple(p for p in joined.split("|") if p)


@dataclass(frozen=True)
class Passage:
    """One indexed sentence with its neighbours and its article's metadata."""
    node_id: str
    doc_id: str
    article_id: str
    title: str
    date: str | None
    source: str | None
    province: str | None
    provinces: tuple[str, ...]
    text: str
    window: str
    position: int
    score: float = 0.0

    @classmethod
    def from_stored(cls, passage_id: str, text: str, meta: dict) -> "Passage":
        """The passage Chroma stores as (id, sentence, metadata of `chunking.passages_for`)."""
        return cls(node_id=passage_id, doc_id=meta["doc_id"], article_id=meta["article_id"],
                   title=meta.get("title", ""), date=meta.get("date") or None, source=meta.get("source") or None,
                   province=meta.get("province") or None,
                   provinces=split_provinces(meta.get("provinces", "")),
                   text=text, window=meta.get("window", text), position=int(meta.get("position", 0)))


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    title: str
    date: str | None
    source: str | None
    province: str | None
    quote: str
    score: float
    also_in: tuple[str, ...] = ()  # doc_ids of files carrying the same story (indexed once)


@dataclass(frozen=True)
class Answer:
    question: str
    found: bool
    answer: str
    citations: tuple[Citation, ...] = ()
    latency_ms: float = 0.0
    note: str | None = None
    # or "generated" (LLM mode: the model words what the quote answers, verified), or "read" (LLM mode: the
    # quote alone was not sure enough, the model read the passages and answered from them, verified)
    mode: str = "extractive"
    fallback: str | None = None  # why a generated answer was not used, when the LLM was asked
    confidence: float | None = None  # calibrated probability that the answer is right (index/selector.py)
    # A refusal for want of confidence: the quote that would have been given (evaluation's risk-coverage
    # curve needs it; never shown to users).
    withheld: str | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        data["citations"] = [asdict(c) for c in self.citations]
        data["reason"] = data.pop("note")  # why nothing was found (every refusal has one), or a generation note
        data.pop("withheld")
        return data


@dataclass(frozen=True)
class IndexReport:
    articles: int
    chunks: int
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    unchanged: bool = False


@dataclass(frozen=True)
class IndexStats:
    articles: int
    documents: int
    chunks: int
    provinces: dict[str, int] = field(default_factory=dict)
    indexed_at: str | None = None
    embedding: str | None = None
