"""Hybrid retrieval: dense (FAISS) and keyword (FTS5 BM25) candidates, fused and re-scored.

Filters are applied inside both searches (an id selector for FAISS, a join for FTS5), so
a filter never empties a result that exists.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from .query import MAX_QUERY_CHARS, fts_query
from .readers.common import valid_text
from .ranking import PLAIN, Candidate, QuestionFeatures, Weights, diversified, rescore
from .records import Article, Hit

if TYPE_CHECKING:
    from .index import Index

CANDIDATES = 100  # taken from each of the two searches
MODES = ("hybrid", "dense", "keyword")


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


@dataclass
class ArticleHit:
    """An article with its best passages, for article-level results."""

    article: Article
    score: float
    passages: list[Hit]

    def to_dict(self) -> dict:
        return {**self.article.meta_dict(), "score": self.score,
                "passages": [h.passage_dict() for h in self.passages]}


class Retriever:
    def __init__(self, index: "Index", weights: Weights | None = None):
        self.index = index
        self.db = index.store.db
        self.weights = weights or Weights()
        self._df: dict[str, int] = {}

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

    def keyword(self, query: str, n: int, filters: Filters,
                title_weight: float | None = None) -> list[tuple[int, float]]:
        match = fts_query(query)
        if not match:
            return []
        tw = self.weights.title_bm25 if title_weight is None else title_weight
        rank = f"bm25(chunks_fts, {float(tw)!r}, 1.0)"
        if filters.active:
            where, args = filters.sql()
            sql = (f"SELECT f.rowid, {rank} AS s FROM chunks_fts f "
                   f"JOIN chunks c ON c.id = f.rowid JOIN articles a ON a.id = c.article_id "
                   f"WHERE chunks_fts MATCH ? AND {where} ORDER BY s LIMIT ?")
        else:
            sql = f"SELECT rowid, {rank} AS s FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY s LIMIT ?"
            args = []
        rows = self.db.execute(sql, [match, *args, n]).fetchall()
        return [(int(r[0]), -float(r[1])) for r in rows]

    def candidates(self, query: str, filters: Filters, mode: str = "hybrid",
                   n: int = CANDIDATES, title_weight: float | None = None) -> list[Candidate]:
        """Dense and keyword candidates merged, each with its ranks and article facts."""
        dense = self.dense(query, n, filters) if mode in ("hybrid", "dense") else []
        keyword = self.keyword(query, n, filters, title_weight) \
            if mode in ("hybrid", "keyword") else []
        by_id: dict[int, dict] = {}
        for rank, (cid, s) in enumerate(dense, start=1):
            by_id.setdefault(cid, {}).update(dense=s, dense_rank=rank)
        for rank, (cid, s) in enumerate(keyword, start=1):
            by_id.setdefault(cid, {}).update(keyword=s, keyword_rank=rank)
        out = []
        ids = list(by_id)
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            rows = self.db.execute(
                'SELECT c.id, c.article_id, a.published, a.title, '
                'substr(a.body, c.start + 1, c."end" - c.start) FROM chunks c '
                f'JOIN articles a ON a.id = c.article_id WHERE c.id IN ({",".join("?" * len(part))})',
                part)
            for cid, aid, published, title, text in rows:
                out.append(Candidate(cid, aid, date.fromisoformat(published) if published else None,
                                     title, text, **by_id[cid]))
        return out

    def ranked(self, query: str, k: int, filters: Filters, as_of: date | None,
               mode: str) -> list[Candidate]:
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; choose one of {MODES}")
        query = valid_text(query or "")
        if k <= 0 or not query or not query.strip() or len(self.index.vectors) == 0:
            return []
        weights = self.weights
        if mode != "hybrid":  # a single plain system, ranked by its own order: a baseline
            weights = replace(PLAIN, dense=float(mode == "dense"), keyword=float(mode == "keyword"),
                              per_article=weights.per_article)
        cands = self.candidates(query, filters, mode, max(CANDIDATES, k), weights.title_bm25)
        rescore(cands, QuestionFeatures.of(query, as_of), weights)
        return cands

    def term_weights(self, words: list[str]) -> dict[str, float]:
        """BM25 idf of each word over the chunks: rare words weigh more."""
        n = max(len(self.index.vectors), 1)
        out = {}
        for word in words:
            if word not in self._df:
                clean = word.replace('"', "")
                try:
                    self._df[word] = self.db.execute(
                        "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?",
                        [f'"{clean}"']).fetchone()[0] if clean.strip() else 0
                except Exception:  # a token FTS5 cannot parse counts as unseen
                    self._df[word] = 0
            df = self._df[word]
            out[word] = math.log((n - df + 0.5) / (df + 0.5) + 1.0)
        return out

    # results -------------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, outlet: str | None = None,
               since: date | None = None, until: date | None = None,
               author: str | None = None, as_of: date | None = None,
               mode: str = "hybrid") -> list[Hit]:
        """The best `k` chunks, at most `per_article` of any one article."""
        cands = self.ranked(query, k, Filters(outlet, author, since, until), as_of, mode)
        return self._hits(diversified(cands, self.weights.per_article)[:k])

    def search_articles(self, query: str, k: int = 10, outlet: str | None = None,
                        since: date | None = None, until: date | None = None,
                        author: str | None = None, as_of: date | None = None,
                        mode: str = "hybrid", passages: int = 2) -> list[ArticleHit]:
        """The best `k` distinct articles, each with its best passages."""
        cands = self.ranked(query, k, Filters(outlet, author, since, until), as_of, mode)
        groups: dict[str, list[Candidate]] = {}
        for c in sorted(cands, key=lambda c: -c.score):
            if c.article_id in groups or len(groups) < k:
                groups.setdefault(c.article_id, []).append(c)
        chosen = [c for g in groups.values() for c in g[:passages]]
        hits = {h.chunk_id: h for h in self._hits(chosen)}
        return [ArticleHit(hits[g[0].chunk_id].article, g[0].score,
                           [hits[c.chunk_id] for c in g[:passages]]) for g in groups.values()]

    def _hits(self, cands: list[Candidate]) -> list[Hit]:
        rows = self.index.store.chunk_rows(c.chunk_id for c in cands)
        articles = self.index.store.get_articles(c.article_id for c in cands)
        hits = []
        for c in cands:
            if c.chunk_id not in rows:
                continue
            _, s, e = rows[c.chunk_id]
            article = articles[c.article_id]
            hits.append(Hit(c.chunk_id, article, s, e, article.body[s:e], c.score, dict(c.scores)))
        return hits


def with_weights(retriever: Retriever, **changes) -> Retriever:
    """A retriever over the same index with some weights changed."""
    return Retriever(retriever.index, replace(retriever.weights, **changes))
