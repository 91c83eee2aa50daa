"""The committed passages a question may see, as rows: a snapshot's, then those committed since.

Rows [0, snapshot.size) are the snapshot's; rows of documents whose committed version differs from the
snapshot's are hidden. Rows from snapshot.size on are the layer: the passages of documents committed after
the snapshot was written, read from Chroma at load. Without a snapshot everything is layer (a data folder
indexed before snapshots existed, or a replica reading a Chroma server).
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .catalog import ArticleInfo
from .models import Passage
from .snapshot import Snapshot


class IndexView:
    def __init__(self, snapshot: Snapshot | None, layer: list[Passage], stamps: dict[str, str] | None) -> None:
        """`layer`: the passages committed since the snapshot; `stamps`: the manifest's doc_id -> stamp of the
        committed version (a snapshot row is visible when its document's stamp is the same)."""
        self.snapshot = snapshot
        self.offset = snapshot.size if snapshot else 0
        self.layer = sorted(layer, key=lambda p: (p.doc_id, p.article_id, p.position))
        self.hidden = np.zeros(self.offset, dtype=bool)
        self._articles: dict[str, tuple[ArticleInfo, range]] = {}
        for saved in snapshot.articles if snapshot else ():
            doc = saved.info.doc_id
            if stamps is not None and stamps.get(doc) != snapshot.versions.get(doc):
                self.hidden[saved.start:saved.stop] = True
            else:
                self._articles[saved.info.article_id] = (saved.info, range(saved.start, saved.stop))
        self._layer_rows = {p.node_id: self.offset + i for i, p in enumerate(self.layer)}
        self._layer_places = {(p.article_id, p.position): self.offset + i for i, p in enumerate(self.layer)}
        start = 0
        for i, p in enumerate(self.layer):
            if i + 1 == len(self.layer) or self.layer[i + 1].article_id != p.article_id:
                info = ArticleInfo.of(p)
                self._articles[p.article_id] = (info, range(self.offset + start, self.offset + i + 1))
                start = i + 1
        self._visible_count = self.offset - int(self.hidden.sum()) + len(self.layer)

    def __len__(self) -> int:
        return self._visible_count

    def __getitem__(self, row: int) -> Passage:
        if row >= self.offset:
            return self.layer[row - self.offset]
        return self.snapshot.passage(row)

    def __iter__(self) -> Iterator[Passage]:
        """Every visible passage, article by article."""
        for _, rows in self._articles.values():
            yield from self.of_rows(rows)

    def of_rows(self, rows: range) -> list[Passage]:
        if rows.start >= self.offset:
            return self.layer[rows.start - self.offset:rows.stop - self.offset]
        return self.snapshot.passages(rows.start, rows.stop)

    def articles(self) -> list[ArticleInfo]:
        return [info for info, _ in self._articles.values()]

    def article_rows(self, article_id: str) -> range:
        found = self._articles.get(article_id)
        return found[1] if found else range(0)

    def of_articles(self, article_ids: set[str]) -> list[Passage]:
        """The passages of these articles, in article order."""
        return [p for a in article_ids for p in self.of_rows(self.article_rows(a))]

    def row_mask(self, allowed: set[str] | None, excluded: frozenset[str],
                 excluded_rows: frozenset[int] = frozenset()) -> np.ndarray:
        """True for the rows of `allowed` articles (all when None) that are not `excluded`, nor `excluded_rows`."""
        mask = np.full(self.offset + len(self.layer), allowed is None, dtype=bool)
        for article in allowed or ():
            rows = self.article_rows(article)
            mask[rows.start:rows.stop] = True
        for article in excluded:
            rows = self.article_rows(article)
            mask[rows.start:rows.stop] = False
        mask[list(excluded_rows)] = False
        return mask

    def rows_of_ids(self, node_ids: list[str]) -> dict[str, int]:
        """Visible rows of these passage ids (ids of hidden or uncommitted versions are left out)."""
        found = {i: self._layer_rows[i] for i in node_ids if i in self._layer_rows}
        rest = [i for i in node_ids if i not in found]
        if rest and self.snapshot is not None:
            found.update((i, r) for i, r in self.snapshot.rows_of_ids(rest).items() if not self.hidden[r])
        return found

    def row_at(self, article_id: str, position: int) -> int | None:
        row = self._layer_places.get((article_id, position))
        if row is None and self.snapshot is not None and article_id in self._articles:
            row = self.snapshot.row_at(article_id, position)
            if row is not None and self.hidden[row]:
                row = None
        return row
