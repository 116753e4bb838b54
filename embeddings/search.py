"""Hybrid retrieval: dense (FAISS) and keyword (FTS5 BM25) candidates, fused and re-scored.

Filters are applied inside both searches (an id selector for FAISS, a join for FTS5), so
a filter never empties a result that exists. The SQL lives in `store.SearchQueries`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from .query import MAX_QUERY_CHARS, MODES, Filters, Query, fts_query, keyword_words
from .ranking import PLAIN, Candidate, QuestionFeatures, Weights, diversified, rescore
from .readers.common import valid_text
from .records import Article, Copy, Hit
from .workers import beside

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .encoder import Encoder
    from .keywords import KeywordIndex
    from .store import SearchQueries
    from .vectors import VectorFile

# taken from each of the two searches. Chosen on the even quiz questions (news-5k, 180):
# 60 gave Hits@5 0.939 and MRR@10 0.853 against 0.933 and 0.852 for 100 (and for 50, 70
# and 80), and Hits@10 drops below 60; the odd questions then gave 0.956 / 0.849, as with
# 100 (0.950 / 0.848). Fewer rows to read and re-score: a warm search 17.1 -> 15.5 ms
# (questions alternating, one process).
CANDIDATES = 60
MAX_CANDIDATES = 1000  # at most, when wire copies crowd the first ones
KEPT_VECTORS = 8  # query vectors a retriever keeps
__all__ = ["ArticleHit", "CANDIDATES", "Filters", "MODES", "Query", "Retriever", "with_weights"]


@dataclass
class ArticleHit:
    """An article with its best passages, for article-level results, and its other copies
    (the wire copies it stands for)."""

    article: Article
    score: float
    passages: list[Hit]

    @property
    def copies(self) -> tuple[Copy, ...]:
        return self.passages[0].copies if self.passages else ()

    def to_dict(self) -> dict:
        return {**self.article.meta_dict(), "score": self.score,
                "passages": [h.passage_dict() for h in self.passages],
                "copies": [c.to_dict() for c in self.copies]}


class Retriever:
    """Search over one index's parts: its SQL (`store`), its vectors and its encoder, and
    where a warm index holds them, its keyword postings in memory (`keywords`: the same
    bm25 as the store's FTS5 query, faster)."""

    def __init__(self, store: "SearchQueries", vectors: "VectorFile", encoder: "Encoder",
                 weights: Weights | None = None, keywords: "KeywordIndex | None" = None):
        self.store = store
        self.vectors = vectors
        self.encoder = encoder
        self.weights = weights or Weights()
        self.keywords = keywords
        self._df: dict[str, int] = {}
        self._vectors: dict[str, np.ndarray] = {}  # the last few texts' vectors

    def with_weights(self, weights: Weights) -> "Retriever":
        """A retriever over the same parts, ranking with other weights."""
        return Retriever(self.store, self.vectors, self.encoder, weights, self.keywords)

    # the two candidate generators --------------------------------------------------------
    def allowed(self, filters: Filters) -> np.ndarray | None:
        """The ids of the chunks `filters` admit (None: no filter)."""
        if not filters.active:
            return None
        return np.fromiter(self.store.chunk_ids_where(filters), dtype=np.int64)

    def dense(self, text: str, n: int, filters: Filters,
              allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The `n` nearest chunks to `text`'s vector, best first, with their scores."""
        if allowed is None:
            allowed = self.allowed(filters)
        return _pairs(self._nearest(text, n, allowed))

    def _nearest(self, text: str, n: int, allowed: np.ndarray | None):
        return self.vectors.search(self._vector(text), n, allowed)

    def _vector(self, text: str) -> np.ndarray:
        """The text's vector; the last few are kept, as one question is searched more than
        once (a follow-up: its story's articles, then all of them)."""
        text = text[:MAX_QUERY_CHARS]
        vector = self._vectors.get(text)
        if vector is None:
            vector = self.encoder.encode([text])[0]
            if len(self._vectors) >= KEPT_VECTORS:  # (two threads may both evict)
                self._vectors.pop(next(iter(self._vectors), None), None)
            self._vectors[text] = vector
        return vector

    def keyword(self, text: str, n: int, filters: Filters, title_weight: float | None = None,
                allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        tw = self.weights.title_bm25 if title_weight is None else title_weight
        if self.keywords is not None:
            if allowed is None:
                allowed = self.allowed(filters)
            found = self.keywords.search(keyword_words(text), n, tw, allowed)
            if found is not None:
                return found
        match = fts_query(text)
        return self.store.keyword(match, n, tw, filters) if match else []

    def _allowed_for(self, query: Query) -> np.ndarray | None:
        """The chunk ids a search for `query` may return (None: any), where its searches
        need them as ids (the dense one always; the keywords' when held in memory)."""
        if query.mode != "keyword" or self.keywords:
            return self.allowed(query.filters)
        return None

    def candidates(self, query: Query, n: int = CANDIDATES,
                   title_weight: float | None = None,
                   allowed: np.ndarray | None = None) -> list[Candidate]:
        """Dense and keyword candidates merged, each with its ranks and article facts.

        In a hybrid search the vectors are searched on a worker while this thread searches
        the keywords and reads their candidates' rows. Where the encoder is loaded, the
        question is embedded first, alone: ONNX Runtime runs it on every core, and beside
        other work its threads wait for each other at each of the graph's ~250 steps (on
        news-5k, 2 cores, ~3 ms a query more than embedding first). Where the model is
        still loading (a one-shot command), the worker embeds the question once it can, and
        the keywords are searched meanwhile. `allowed`: the filters' chunk ids, where the
        caller has them already (`_allowed_for`)."""
        text, filters, mode = query.text, query.filters, query.mode
        if allowed is None:  # (where it is None, finding that again reads nothing)
            allowed = self._allowed_for(query)
        dense: list[tuple[int, float]] = []
        keyword: list[tuple[int, float]] = []
        if mode == "dense":
            dense = self.dense(text, n, filters, allowed)
        # the worker runs the search alone: turning its arrays into pairs here keeps it from
        # waiting for the GIL this thread holds
        nearest = None
        if mode == "hybrid":
            nearest = _beside(self.vectors.search, self._vector(text), n, allowed) \
                if self.encoder.loaded else _beside(self._nearest, text, n, allowed)
        try:
            if mode in ("hybrid", "keyword"):
                keyword = self.keyword(text, n, filters, title_weight, allowed)
            rows = self.store.candidate_rows(cid for cid, _ in keyword)
        finally:  # never return (or raise) with the vector search still reading the index
            if nearest is not None:
                dense = _pairs(nearest.result())
        by_id: dict[int, dict] = {}
        for rank, (cid, s) in enumerate(keyword, start=1):
            by_id[cid] = {"keyword": s, "keyword_rank": rank}
        rows += self.store.candidate_rows(cid for cid, _ in dense if cid not in by_id)
        for rank, (cid, s) in enumerate(dense, start=1):
            by_id.setdefault(cid, {}).update(dense=s, dense_rank=rank)
        rows.sort()  # by chunk id, as one query would give them: ties keep one order
        return [Candidate(cid, aid, date.fromisoformat(published) if published else None,
                          title, text, **by_id[cid])
                for cid, aid, published, title, text in rows]

    def ranked(self, query: Query) -> list[Candidate]:
        text = valid_text(query.text or "")
        if query.k <= 0 or not text or not text.strip() or len(self.vectors) == 0:
            return []
        weights = self.weights
        if query.mode != "hybrid":  # a single plain system, ranked by its own order: a baseline
            weights = replace(PLAIN, dense=float(query.mode == "dense"),
                              keyword=float(query.mode == "keyword"),
                              per_article=weights.per_article)
        features = QuestionFeatures.of(text, query.as_of)
        n = max(CANDIDATES, query.k)
        query = replace(query, text=text)
        allowed = self._allowed_for(query)  # once, however often the pool is widened
        for _ in range(3):
            cands = self.candidates(query, n, weights.title_bm25, allowed)
            rescore(cands, features, weights)
            if query.filters.all_copies:
                return cands
            kept = self._one_copy_each(cands)
            # a story many outlets ran fills the pool with its copies: widen it by what
            # they took, so that the other stories are still found
            dropped = len(cands) - len(kept)
            if not dropped or n >= MAX_CANDIDATES:
                break
            n = min(n + 2 * dropped, MAX_CANDIDATES)
        return kept

    def _one_copy_each(self, cands: list[Candidate]) -> list[Candidate]:
        """The candidates of one article per story cluster: the earliest copy among those
        found (the wire's own, most often), then the best-scored."""
        clusters = self.store.clusters_of({c.article_id for c in cands})
        if not clusters:
            return cands
        best: dict[str, float] = {}
        day: dict[str, date | None] = {}
        for c in cands:
            best[c.article_id] = max(best.get(c.article_id, c.score), c.score)
            day[c.article_id] = c.published
        kept: dict[str, str] = {}  # cluster -> the article shown for it
        for aid in sorted(clusters, key=lambda a: (day[a] is None, day[a] or date.min,
                                                   -best[a], a)):
            kept.setdefault(clusters[aid], aid)
        return [c for c in cands
                if c.article_id not in clusters or kept[clusters[c.article_id]] == c.article_id]

    def term_weights(self, words: list[str]) -> dict[str, float]:
        """BM25 idf of each word over the chunks: rare words weigh more."""
        n = max(len(self.vectors), 1)
        out = {}
        for word in words:
            if word not in self._df:
                clean = word.replace('"', "")
                try:
                    self._df[word] = self.store.document_frequency(f'"{clean}"') \
                        if clean.strip() else 0
                except Exception:  # a token FTS5 cannot parse counts as unseen
                    self._df[word] = 0
            df = self._df[word]
            out[word] = math.log((n - df + 0.5) / (df + 0.5) + 1.0)
        return out

    def unseen(self, words: list[str]) -> set[str]:
        """The words no passage of the index holds."""
        self.term_weights(words)
        return {w for w in words if self._df[w] == 0}

    # results -------------------------------------------------------------------------------
    def search(self, query: Query) -> list[Hit]:
        """The best `query.k` chunks, at most `per_article` of any one article."""
        cands = diversified(self.ranked(query), self.weights.per_article)[:query.k]
        self._measure_closeness(query, cands)
        return self._hits(cands, not query.filters.all_copies)

    def search_articles(self, query: Query, passages: int = 2) -> list[ArticleHit]:
        """The best `query.k` distinct articles, each with its best `passages` chunks."""
        cands = self.ranked(query)
        groups: dict[str, list[Candidate]] = {}
        for c in sorted(cands, key=lambda c: -c.score):
            if c.article_id in groups or len(groups) < query.k:
                groups.setdefault(c.article_id, []).append(c)
        chosen = [c for g in groups.values() for c in g[:passages]]
        self._measure_closeness(query, chosen)
        hits = {h.chunk_id: h for h in self._hits(chosen, not query.filters.all_copies)}
        return [ArticleHit(hits[g[0].chunk_id].article, g[0].score,
                           [hits[c.chunk_id] for c in g[:passages]]) for g in groups.values()]

    def _measure_closeness(self, query: Query, cands: list[Candidate]) -> None:
        """Give the chunks the keywords alone found (beyond the vector search's first
        CANDIDATES) their dense similarity too: how close a passage comes in meaning is
        evidence of its own (an answer's "found" reads it), and a missing score read as 0
        would say "far" of a passage that may be the closest of all. Ranking is done:
        only the scores shown change. (Not in a keyword-only search: no vectors wanted;
        nor where the vectors cannot be read back as stored: an IVF index.)"""
        unmeasured = [c for c in cands if "dense" not in c.scores]
        if not unmeasured or query.mode == "keyword" or not self.vectors.stored_exactly:
            return
        vector = self._vector(valid_text(query.text or ""))
        for c in unmeasured:
            try:
                c.scores["dense"] = float(np.dot(self.vectors.reconstruct(c.chunk_id), vector))
            except RuntimeError:  # not (yet) among the vectors: no measure
                continue

    def _hits(self, cands: list[Candidate], with_copies: bool = True) -> list[Hit]:
        """The hits of these candidates; `with_copies`: each names its article's copies."""
        rows = self.store.chunk_rows(c.chunk_id for c in cands)
        articles = self.store.articles(c.article_id for c in cands)
        copies = self.store.copies_of(articles) if with_copies else {}
        hits = []
        for c in cands:
            if c.chunk_id not in rows:
                continue
            _, s, e = rows[c.chunk_id]
            article = articles[c.article_id]
            hits.append(Hit(c.chunk_id, article, s, e, article.body[s:e], c.score, dict(c.scores),
                            tuple(copies.get(c.article_id, ()))))
        return hits


def _pairs(found: tuple[np.ndarray, np.ndarray]) -> list[tuple[int, float]]:
    """(chunk id, score) pairs of a vector search's (scores, ids)."""
    scores, ids = found
    return list(zip(ids.tolist(), scores.tolist()))


def _beside(fn, *args) -> Future:
    """`fn(*args)` started on a search worker thread; its future."""
    return beside("vector-search", 2, fn, *args)


def with_weights(retriever: Retriever, **changes) -> Retriever:
    """A retriever over the same index with some weights changed."""
    return retriever.with_weights(replace(retriever.weights, **changes))
