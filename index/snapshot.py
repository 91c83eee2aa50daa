"""What loading an index needs, saved beside the manifest so that a new process does not rebuild it.

A snapshot is a folder under DATA/snapshots/ holding, for one set of committed document versions:
- `passages.sqlite`: every passage (sentence, window, article metadata) in article order, the articles with
  their row ranges, the keyword vocabulary with document frequencies, and the corpus's diacritic spellings;
- `bm25/`: the bm25s index over the passages' keyword tokens, memory-mapped when loaded;
- `tokens.npy` / `token_offsets.npy`: each passage's keyword token ids, so the next snapshot reuses them
  instead of tokenizing the corpus again;
- `vectors.f32`: each passage's embedding scaled to length 1, float32 in row order, memory-mapped for exact
  dense search (see `dense.py`); left out above `dense.MAX_ROWS` passages.

Loading reads the article table and maps the rest: passages are fetched from SQLite when a question needs
them. A snapshot is written to a temporary folder and renamed into place, so a reader sees whole ones only.
It records the versions it holds; what was committed since (see `view.py`) is read from Chroma and layered
on top, and the indexer writes a new snapshot once that layer grows (`needs_snapshot`).
"""
from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np

from .catalog import ArticleInfo
from . import glossary as glossary_module, text as text_module
from .dense import MAX_ROWS as MAX_VECTOR_ROWS, unit_rows
from .glossary import Glossary
from .keyword import B, K1, context_text, keyword_tokens, length_norm, lucene_idf
from .models import Passage, split_provinces
from .spelling import spelling_counts
from .store import PassageStore

logger = logging.getLogger(__name__)
SNAPSHOT_FORMAT = 2  # 2: vectors.f32
FOLDER = "snapshots"
# Passages committed since the last snapshot, as a share of it, above which the indexer writes a new one:
# below it, loading reads them from Chroma in well under a second.
LAYER_SHARE = 0.05
LAYER_MIN_PASSAGES = 2000
_PARAMETERS = 500  # bound parameters per SQLite statement (old SQLite builds allow 999)
EMPTY_TOKEN = "∅"  # bm25s needs at least one token per document
_READ_DOCUMENTS = 200  # files read from Chroma and tokenized at a time: bounds the writer's memory
_KEEP = 2  # the newest snapshots kept: a running bot may still be reading the one before


def recipe(glossary_text: str) -> str:
    """What the saved tokens depend on: the format, the glossary, the tokenizing functions and the text module.
    A snapshot made with another recipe is not used (its tokens would differ from a question's)."""
    digest = hashlib.sha256(f"{SNAPSHOT_FORMAT}\n{glossary_text}".encode())
    for source in (inspect.getsource(keyword_tokens), inspect.getsource(context_text),
                   inspect.getsource(text_module), inspect.getsource(glossary_module)):
        digest.update(source.encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class ArticleRows:
    """One article of a snapshot and its passages' rows [start, stop)."""
    info: ArticleInfo
    version: str  # the document's version in Chroma
    start: int
    stop: int


@dataclass(frozen=True)
class SnapshotPassage:
    """A passage as the snapshot writer needs it: where it comes from, and its keyword tokens."""
    passage: Passage
    version: str
    tokens: list[str]
    vector: Sequence[float] | None = None  # its embedding, as stored in Chroma


_PASSAGE_COLUMNS = "node_id, doc_id, article_id, title, date, source, province, provinces, text, window, position"

_SCHEMA = f"""
CREATE TABLE passage (row INTEGER PRIMARY KEY, {_PASSAGE_COLUMNS}, version TEXT);
CREATE TABLE article (article_id TEXT PRIMARY KEY, doc_id TEXT, version TEXT, title TEXT, date TEXT, source TEXT,
                      province TEXT, provinces TEXT, start INTEGER, stop INTEGER);
CREATE TABLE vocabulary (token TEXT PRIMARY KEY, id INTEGER, df INTEGER) WITHOUT ROWID;
CREATE TABLE spelling (kind TEXT, folded TEXT, spelled TEXT, count INTEGER, PRIMARY KEY (kind, folded, spelled))
    WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
"""
# How many syllables the corpus's texts hold: the writer stores it in meta; snapshots written before read it so.
_SYLLABLES = "SELECT COALESCE(SUM(count), 0) FROM spelling WHERE kind = 'unigram'"
_INDEXES = """
CREATE UNIQUE INDEX passage_node ON passage(node_id);
CREATE INDEX passage_place ON passage(article_id, position);
"""


class Snapshot:
    """A complete snapshot, opened read-only. Thread-safe: one connection behind a lock (reads take µs)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._db = sqlite3.connect(f"file:{folder / 'passages.sqlite'}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        meta = dict(self._rows("SELECT key, value FROM meta"))
        self.recipe: str = meta["recipe"]
        self.versions: dict[str, str] = json.loads(meta["versions"])  # doc_id -> the manifest's stamp
        self.size = int(meta["size"])
        self.average_length = float(meta["average_length"])
        self._syllables = int(meta["syllables"]) if "syllables" in meta else None  # snapshots before 2026-11-30: summed
        self.articles = [
            ArticleRows(ArticleInfo(a, d, t, dt or None, s or None, p or None, split_provinces(ps)), v, start, stop)
            for a, d, v, t, dt, s, p, ps, start, stop in self._rows(
                "SELECT article_id, doc_id, version, title, date, source, province, provinces, start, stop FROM article "
                "ORDER BY start")]
        self._bm25 = bm25s.BM25.load(folder / "bm25", mmap=True, load_vocab=False) if self.size else None
        dimension = int(meta.get("vector_dimension", 0))
        # Unit vectors of every row for exact dense search; None when the writer left them out.
        self.vectors: np.ndarray | None = (
            np.memmap(folder / "vectors.f32", dtype=np.float32, mode="r", shape=(self.size, dimension))
            if dimension and self.size else None)
        self.passage = lru_cache(maxsize=20_000)(self._passage)

    def _rows(self, sql: str, args: Sequence = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        self._db.close()

    def _passage(self, row: int) -> Passage:
        found = self._rows(f"SELECT {_PASSAGE_COLUMNS} FROM passage WHERE row = ?", (row,))
        if not found:
            raise IndexError(f"snapshot {self.folder.name} has no passage row {row}")
        return _passage_of(found[0])

    def passages(self, start: int, stop: int) -> list[Passage]:
        """Rows [start, stop) in one read: an article's passages."""
        return [_passage_of(r) for r in self._rows(
            f"SELECT {_PASSAGE_COLUMNS} FROM passage WHERE row >= ? AND row < ? ORDER BY row", (start, stop))]

    def _rows_in(self, sql: str, values: list) -> list[tuple]:
        """`sql` with its `{marks}` bound to `values`, a few hundred at a time (SQLite's parameter limit)."""
        rows: list[tuple] = []
        for start in range(0, len(values), _PARAMETERS):
            chunk = values[start:start + _PARAMETERS]
            rows += self._rows(sql.format(marks=",".join("?" * len(chunk))), chunk)
        return rows

    def rows_of_ids(self, node_ids: list[str]) -> dict[str, int]:
        return dict(self._rows_in("SELECT node_id, row FROM passage WHERE node_id IN ({marks})", node_ids))

    def row_at(self, article_id: str, position: int) -> int | None:
        found = self._rows("SELECT row FROM passage WHERE article_id = ? AND position = ?", (article_id, position))
        return found[0][0] if found else None

    def vocabulary(self, tokens: Iterable[str]) -> dict[str, tuple[int, int]]:
        """token -> (id, document frequency) for the tokens the snapshot knows."""
        return {t: (i, df) for t, i, df in self._rows_in(
            "SELECT token, id, df FROM vocabulary WHERE token IN ({marks})", list(dict.fromkeys(tokens)))}

    def scores(self, token_ids: list[int]) -> np.ndarray:
        """BM25 score of every row for these token ids (repeats count again, as in bm25s)."""
        if self._bm25 is None or not token_ids:
            return np.zeros(self.size, dtype=np.float32)
        return self._bm25.get_scores_from_ids(token_ids)

    def spellings(self, kind: str, folded: list[str]) -> dict[str, dict[str, int]]:
        """How often the corpus spells each folded syllable ('unigram') or syllable pair ('pair') each way."""
        if kind not in ("unigram", "pair"):
            raise ValueError(f"unknown spelling kind {kind!r}: 'unigram' or 'pair'")
        found: dict[str, dict[str, int]] = {}
        for key, spelled, n in self._rows_in(
                f"SELECT folded, spelled, count FROM spelling WHERE kind = '{kind}' AND folded IN ({{marks}})", folded):
            found.setdefault(key, {})[spelled] = n
        return found

    def syllables(self) -> int:
        """How many syllables the corpus's texts hold (each counted once, as the spellings are)."""
        if self._syllables is None:
            self._syllables = self._rows(_SYLLABLES)[0][0]
        return self._syllables

    def token_ids_of_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(token ids of all rows concatenated, offsets: row r is ids[offsets[r]:offsets[r + 1]])."""
        return (np.load(self.folder / "tokens.npy", mmap_mode="r"),
                np.load(self.folder / "token_offsets.npy", mmap_mode="r"))


def _passage_of(r: tuple) -> Passage:
    node_id, doc_id, article_id, title, date, source, province, provinces, text, window, position = r
    return Passage(node_id=node_id, doc_id=doc_id, article_id=article_id, title=title, date=date or None,
                   source=source or None, province=province or None,
                   provinces=split_provinces(provinces), text=text, window=window,
                   position=position)


def snapshot_root(data_dir: Path) -> Path:
    return data_dir / FOLDER


def latest_snapshot(data_dir: Path, wanted_recipe: str, opened: Snapshot | None = None) -> Snapshot | None:
    """The newest whole snapshot made with this recipe; None when there is none (or it cannot be read).
    `opened` (one made with this recipe) is returned as it is when it is still the newest: not read again."""
    root = snapshot_root(data_dir)
    if not root.is_dir():
        return None
    for folder in sorted((f for f in root.iterdir() if f.is_dir() and not f.name.startswith("tmp")), reverse=True):
        if opened is not None and folder == opened.folder:
            return opened
        try:
            snapshot = Snapshot(folder)
        except (sqlite3.Error, OSError, KeyError, ValueError) as error:
            logger.warning("Snapshot %s unreadable, skipped: %s", folder.name, error)
            continue
        if snapshot.recipe == wanted_recipe:
            return snapshot
        snapshot.close()
    return None


def needs_snapshot(snapshot: Snapshot | None, stamps: dict[str, str], chunks: dict[str, int]) -> bool:
    """Whether the passages committed since `snapshot` (`chunks`: doc_id -> passages) justify a new one."""
    if not stamps:
        return False
    if snapshot is None:
        return True
    changed = [d for d, v in stamps.items() if snapshot.versions.get(d) != v]
    gone = [d for d in snapshot.versions if d not in stamps]
    layer = sum(chunks.get(d, 0) for d in changed)
    return bool(changed or gone) and (layer + len(gone) >= max(LAYER_MIN_PASSAGES, LAYER_SHARE * snapshot.size))


def refresh_snapshot(data_dir: Path, versions: dict[str, str], stamps: dict[str, str], chunks: dict[str, int],
                     store: PassageStore, glossary: Glossary, wanted_recipe: str) -> Path | None:
    """Write a new snapshot when what was committed since the last one justifies it; its folder, or None.
    `versions`: doc_id -> committed version (as stored in Chroma); `stamps`: the manifest's stamps."""
    previous = latest_snapshot(data_dir, wanted_recipe)
    try:
        if not needs_snapshot(previous, stamps, chunks):
            return None
        since = sorted(d for d, stamp in stamps.items() if previous is None or previous.versions.get(d) != stamp)

        def batches() -> Iterator[list[SnapshotPassage]]:
            """The passages of the documents committed since, read and tokenized a few hundred files at a time."""
            for start in range(0, len(since), _READ_DOCUMENTS):
                stored = store.of_documents({d: versions[d] for d in since[start:start + _READ_DOCUMENTS]},
                                            with_embeddings=True)
                batch = []
                for i, text, meta, vector in zip(stored.ids, stored.texts, stored.metadatas, stored.embeddings):
                    passage = Passage.from_stored(i, text, meta)
                    batch.append(SnapshotPassage(passage, meta["version"],
                                                 keyword_tokens(context_text(passage), glossary), vector))
                yield batch

        return write_snapshot(data_dir, stamps, wanted_recipe, previous, batches())
    finally:
        if previous is not None:
            previous.close()


def write_snapshot(data_dir: Path, versions: dict[str, str], wanted_recipe: str, previous: Snapshot | None,
                   new_passages: Iterable[list[SnapshotPassage]]) -> Path:
    """Write the snapshot of `versions` (doc_id -> the manifest's stamp): the previous snapshot's rows of
    documents whose stamp is unchanged, plus `new_passages` (every passage of the other documents, in batches
    that each hold whole documents). Returns its folder."""
    root = snapshot_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob("tmp-*"):  # writers hold the index lock: any other temporary folder is a dead one's
        shutil.rmtree(stale, ignore_errors=True)
    temporary = root / f"tmp-{os.getpid()}-{time.time_ns()}"
    temporary.mkdir()
    try:
        writer = _Writer(temporary, previous)
        try:
            writer.write(versions, wanted_recipe, new_passages)
        finally:
            writer.close()  # a write that fails midway leaves no open file or connection behind
        final = root / f"{time.time_ns():020d}"
        os.rename(temporary, final)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    _drop_old(root)
    return final


class _Writer:
    """Fills one snapshot folder: rows are appended article by article, token ids kept as int32 arrays."""

    def __init__(self, folder: Path, previous: Snapshot | None) -> None:
        self.folder = folder
        self.previous = previous
        self.db = sqlite3.connect(folder / "passages.sqlite")
        self.db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
        self.vocabulary: dict[str, int] = {}
        self.document_ids: list[np.ndarray] = []
        self.next_id = 0
        self.articles: list[tuple[ArticleInfo, str, int, int]] = []
        self.row = 0
        # Vectors are appended row by row; dropped at the end when any row lacks one or there are too many.
        self.vectors = open(folder / "vectors.f32", "wb")
        self.dimension: int | None = None
        self.all_vectors = True

    def write(self, versions: dict[str, str], wanted_recipe: str,
              new_passages: Iterable[list[SnapshotPassage]]) -> None:
        if self.previous is not None:
            self._copy_unchanged(versions)
        for batch in new_passages:
            self._add(sorted(batch, key=lambda s: (s.passage.doc_id, s.passage.article_id, s.passage.position)))
        self._token_id(EMPTY_TOKEN)
        dimension = self._close_vectors()
        self.db.executemany("INSERT INTO article VALUES (?,?,?,?,?,?,?,?,?,?)",
                            [(a.article_id, a.doc_id, version, a.title, a.date or "", a.source or "",
                              a.province or "", "|".join(a.provinces), start, stop)
                             for a, version, start, stop in self.articles])
        frequencies, average_length = save_keyword_index(self.folder, self.next_id, self.document_ids)
        self.db.executemany("INSERT INTO vocabulary VALUES (?,?,?)",
                            [(t, i, int(frequencies[i])) for t, i in self.vocabulary.items() if frequencies[i]])
        # Summed here, once, rather than by every engine that opens the snapshot (70 ms at 1,000 articles).
        syllables = self.db.execute(_SYLLABLES).fetchone()[0]
        meta = {"recipe": wanted_recipe, "versions": json.dumps(versions, sort_keys=True), "size": str(self.row),
                "average_length": str(average_length), "format": str(SNAPSHOT_FORMAT),
                "vector_dimension": str(dimension), "syllables": str(syllables)}
        self.db.executemany("INSERT INTO meta VALUES (?,?)", meta.items())
        self.db.executescript(_INDEXES)
        self.db.commit()
        if self.previous is not None:
            self.db.execute("DETACH DATABASE old")
        self.db.close()

    def close(self) -> None:
        """Release the folder's files (again, after write() closed them: a no-op)."""
        self.vectors.close()
        self.db.close()

    def _write_vectors(self, vectors: np.ndarray | None) -> None:
        """Append rows' unit vectors; None (a row without one) means the snapshot saves none."""
        if vectors is None or not self.all_vectors or (self.dimension not in (None, vectors.shape[1])):
            self.all_vectors = False
            return
        self.dimension = vectors.shape[1]
        self.vectors.write(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())

    def _close_vectors(self) -> int:
        """The saved vectors' dimension; 0 (and no file) when they are incomplete or too many to search exactly."""
        self.vectors.close()
        if self.all_vectors and self.dimension and self.row <= MAX_VECTOR_ROWS:
            return self.dimension
        (self.folder / "vectors.f32").unlink()
        return 0

    def _copy_unchanged(self, versions: dict[str, str]) -> None:
        """The previous snapshot's articles whose document stamp is unchanged: rows, token ids, spellings."""
        previous = self.previous
        self.db.execute("ATTACH DATABASE ? AS old", (f"file:{previous.folder / 'passages.sqlite'}?mode=ro",))
        self.vocabulary = dict(self.db.execute("SELECT token, id FROM old.vocabulary"))
        # The old ids have gaps (tokens no row holds any more are not saved): new ids start past the highest.
        top = self.db.execute("SELECT max(id) FROM old.vocabulary").fetchone()[0]
        self.next_id = 0 if top is None else top + 1
        old_ids, old_offsets = previous.token_ids_of_rows()
        for article in previous.articles:
            if versions.get(article.info.doc_id) != previous.versions.get(article.info.doc_id):
                continue
            shift = self.row - article.start
            self.db.execute(f"INSERT INTO passage SELECT row + ?, {_PASSAGE_COLUMNS}, version FROM old.passage "
                            "WHERE row >= ? AND row < ?", (shift, article.start, article.stop))
            self.document_ids += [np.asarray(old_ids[old_offsets[r]:old_offsets[r + 1]])
                                  for r in range(article.start, article.stop)]
            self._write_vectors(None if previous.vectors is None else previous.vectors[article.start:article.stop])
            stop = self.row + article.stop - article.start
            self.articles.append((article.info, article.version, self.row, stop))
            self.row = stop
        # Counts of removed documents linger until a snapshot is written from scratch: they only break ties.
        self.db.execute("INSERT INTO spelling SELECT * FROM old.spelling")

    def _token_id(self, token: str) -> int:
        found = self.vocabulary.get(token)
        if found is None:
            found = self.vocabulary[token] = self.next_id
            self.next_id += 1
        return found

    def _add(self, batch: list[SnapshotPassage]) -> None:
        rows = []
        for item in batch:
            p = item.passage
            if not self.articles or self.articles[-1][0].article_id != p.article_id or self.articles[-1][3] != self.row:
                info = ArticleInfo.of(p)
                self.articles.append((info, item.version, self.row, self.row))
            rows.append((self.row, p.node_id, p.doc_id, p.article_id, p.title, p.date or "", p.source or "",
                         p.province or "", "|".join(p.provinces), p.text, p.window, p.position, item.version))
            self.document_ids.append(np.array([self._token_id(t) for t in item.tokens or [EMPTY_TOKEN]],
                                              dtype=np.int32))
            self.row += 1
            info, version, start, _ = self.articles[-1]
            self.articles[-1] = (info, version, start, self.row)
        if batch:
            vectors = [item.vector for item in batch]
            self._write_vectors(None if any(v is None for v in vectors) else unit_rows(vectors))
        self.db.executemany(f"INSERT INTO passage (row, {_PASSAGE_COLUMNS}, version) "
                            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        counts = spelling_counts([s.passage.text for s in batch] + [s.passage.title for s in batch])
        self.db.executemany("INSERT INTO spelling VALUES (?,?,?,?) ON CONFLICT (kind, folded, spelled) "
                            "DO UPDATE SET count = count + excluded.count",
                            [(kind, folded, spelled, n) for (kind, folded, spelled), n in counts.items()])


def save_keyword_index(folder: Path, vocabulary_size: int, document_ids: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """Save the rows' token ids and their bm25s index; returns each token id's document frequency and the
    average row length.

    The index is bm25s's own (method "lucene", its default k1 and b), computed here with numpy over all rows at
    once: bm25s's builder counts tokens row by row in Python, minutes and gigabytes at 200,000 rows. Queries go
    through bm25s (`get_scores_from_ids`); tests check the scores against an index bm25s builds itself."""
    lengths = np.array([len(ids) for ids in document_ids], dtype=np.int64)
    offsets = np.zeros(len(document_ids) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.concatenate(document_ids).astype(np.int32) if document_ids else np.zeros(0, dtype=np.int32)
    np.save(folder / "tokens.npy", flat)
    np.save(folder / "token_offsets.npy", offsets)
    size = len(document_ids)
    vocabulary_size = max(vocabulary_size, int(flat.max()) + 1 if len(flat) else 0)
    average_length = float(lengths.mean()) if size else 0.0
    # (token, row) pairs with their term frequency, sorted by token then row: the CSC layout bm25s reads.
    # One int64 key per occurrence (token * rows + row); every other array is freed or int32 as soon as it can be.
    keys = flat.astype(np.int64)
    keys *= max(size, 1)
    keys += np.repeat(np.arange(size, dtype=np.int64), lengths)
    pairs, tf = np.unique(keys, return_counts=True)
    del keys
    tokens = (pairs // max(size, 1)).astype(np.int32)
    doc = (pairs % max(size, 1)).astype(np.int32)
    del pairs
    frequencies = np.bincount(tokens, minlength=vocabulary_size)
    idf = lucene_idf(size, frequencies).astype(np.float32)
    norm = length_norm(lengths, average_length).astype(np.float32)
    tf = tf.astype(np.float32)
    data = idf[tokens] * tf / (norm[doc] + tf)
    del tokens, tf
    indptr = np.zeros(vocabulary_size + 1, dtype=np.int64)
    np.cumsum(frequencies, out=indptr[1:])
    bm25 = bm25s.BM25(k1=K1, b=B, method="lucene", idf_method="lucene")
    bm25.scores = {"data": data, "indices": doc, "indptr": indptr, "num_docs": size}
    bm25.vocab_dict = {}
    bm25.nonoccurrence_array = None  # only BM25L and BM25+ have one
    bm25.save(folder / "bm25")
    return frequencies, average_length


def _drop_old(root: Path) -> None:
    whole = sorted((f for f in root.iterdir() if f.is_dir() and not f.name.startswith("tmp")), reverse=True)
    for folder in whole[_KEEP:]:
        shutil.rmtree(folder, ignore_errors=True)


def drop_snapshots(data_dir: Path) -> None:
    """Forget every snapshot (a rebuild of the index)."""
    shutil.rmtree(snapshot_root(data_dir), ignore_errors=True)
