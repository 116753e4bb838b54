"""Hybrid retrieval: dense (FAISS) and keyword (FTS5 BM25) candidates, fused and re-scored."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from .query import MAX_QUERY_CHARS, fts_query
from .records import Hit

if TYPE_CHECKING:
    from .index import Index

CANDIDATES = 100  # taken from each of the two searches before fusion
RRF_K = 60


@dataclass(frozen=True)
class Filters:
    outlet: str | None = None
    author: str | None = None
    since: date | None = None
    until: date | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.outlet, self.author, self.since, self.until))

    def sql(self) -> tuple[str, list]:
        """A WHERE fragment over `articles a`."""
        where, args = [], []
        if self.outlet:
            where.append("a.outlet = ? COLLATE NOCASE")
            args.append(self.outlet)
        if self.author:
            where.append("a.authors LIKE ? ESCAPE '\\'")
            escaped = self.author.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            args.append(f"%{escaped}%")
        if self.since:
            where.append("a.published >= ?")
            args.append(self.since.isoformat())
        if self.until:
            where.append("a.published <= ?")
            args.append(self.until.isoformat())
        return (" AND ".join(where) or "1"), args


class Retriever:
    def __init__(self, index: "Index"):
        self.index = index
        self.db = index.store.db

    # the two candidate generators --------------------------------------------------------
    def dense(self, query: str, n: int, filters: Filters) -> list[tuple[int, float]]:
        allowed = None
        if filters.active:
            where, args = filters.sql()
            allowed = np.fromiter((r[0] for r in self.db.execute(
                f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {where}",
                args)), dtype=np.int64)
        qvec = self.index.encoder.encode([query[:MAX_QUERY_CHARS]])[0]
        scores, ids = self.index.vectors.search(qvec, n, allowed)
        return [(int(i), float(s)) for i, s in zip(ids, scores)]

    def keyword(self, query: str, n: int, filters: Filters) -> list[tuple[int, float]]:
        match = fts_query(query)
        if not match:
            return []
        where, args = filters.sql()
        if filters.active:
            sql = (f"SELECT f.rowid, bm25(chunks_fts, 0.5, 1.0) AS s FROM chunks_fts f "
                   f"JOIN chunks c ON c.id = f.rowid JOIN articles a ON a.id = c.article_id "
                   f"WHERE chunks_fts MATCH ? AND {where} ORDER BY s LIMIT ?")
        else:
            sql = ("SELECT rowid, bm25(chunks_fts, 0.5, 1.0) AS s FROM chunks_fts "
                   "WHERE chunks_fts MATCH ? ORDER BY s LIMIT ?")
            args = []
        rows = self.db.execute(sql, [match, *args, n]).fetchall()
        return [(int(r[0]), -float(r[1])) for r in rows]

    # fusion --------------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, outlet: str | None = None,
               since: date | None = None, until: date | None = None,
               author: str | None = None, as_of: date | None = None,
               mode: str = "hybrid") -> list[Hit]:
        if mode not in ("hybrid", "dense", "keyword"):
            raise ValueError(f"unknown search mode {mode!r}")
        if k <= 0 or not query or not query.strip() or len(self.index.vectors) == 0:
            return []
        filters = Filters(outlet, author, since, until)
        n = max(CANDIDATES, k)
        dense = self.dense(query, n, filters) if mode in ("hybrid", "dense") else []
        keyword = self.keyword(query, n, filters) if mode in ("hybrid", "keyword") else []
        scores: dict[int, dict[str, float]] = {}
        for name, ranked in (("dense", dense), ("keyword", keyword)):
            for rank, (cid, s) in enumerate(ranked, start=1):
                entry = scores.setdefault(cid, {})
                entry[name] = s
                entry[f"{name}_rank"] = rank
                entry["fused"] = entry.get("fused", 0.0) + 1.0 / (RRF_K + rank)
        ranked_ids = sorted(scores, key=lambda c: -scores[c]["fused"])[:k]
        return self._hits(ranked_ids, scores)

    def _hits(self, chunk_ids: list[int], scores: dict[int, dict[str, float]]) -> list[Hit]:
        rows = self.index.store.chunk_rows(chunk_ids)
        articles = self.index.store.get_articles(r[0] for r in rows.values())
        hits = []
        for cid in chunk_ids:
            if cid not in rows:
                continue
            aid, s, e = rows[cid]
            article = articles[aid]
            hits.append(Hit(cid, article, s, e, article.body[s:e], scores[cid]["fused"],
                            dict(scores[cid])))
        return hits
