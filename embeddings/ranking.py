"""Re-scoring of fused candidates with what a news question needs.

Kept apart from the search plumbing so that `bench/tune_retrieval.py` can fit the weights
on cached candidates. The defaults below are the values that script chose on news-5k.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from datetime import date

from .query import names_and_numbers
from .timeframe import days_outside, time_window


@dataclass(frozen=True)
class Weights:
    """Fitted by bench/tune_retrieval.py on news-5k's 360 questions (2-fold held-out
    figures within 0.01 of the fitted ones); `Weights(names=0, window=0, recency=0,
    future=0, rrf_k=60, title_bm25=0.5)` is plain reciprocal-rank fusion."""

    rrf_k: int = 10
    dense: float = 1.0
    keyword: float = 1.0
    title_bm25: float = 2.0  # weight of the title column in FTS5 bm25 (text is 1.0)
    names: float = 0.3  # share of the question's names and numbers found verbatim
    window: float = 0.8  # published inside the question's time window ("this week")
    window_tau: float = 1.0  # days: how fast the window bonus fades outside it
    recency: float = 0.8  # no time words: closeness to as_of
    recency_tau: float = 14.0
    future: float = 1.0  # published after as_of: cannot be what the question knows
    per_article: int = 2  # chunks of one article in a result list


# Plain reciprocal-rank fusion of dense and BM25 over the chunk text: the baseline.
PLAIN = Weights(rrf_k=60, title_bm25=0.0, names=0.0, window=0.0, recency=0.0, future=0.0)


@dataclass
class Candidate:
    chunk_id: int
    article_id: str
    published: date | None
    title: str
    text: str
    dense: float | None = None
    dense_rank: int | None = None
    keyword: float | None = None
    keyword_rank: int | None = None
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return self.scores.get("total", 0.0)


@dataclass(frozen=True)
class QuestionFeatures:
    exact: tuple[str, ...]  # names and numbers, lower-cased
    window: tuple[date, date] | None
    as_of: date | None

    @classmethod
    def of(cls, query: str, as_of: date | None) -> "QuestionFeatures":
        exact = tuple(n.lower() for n in names_and_numbers(query) if len(n) > 1)
        return cls(exact, time_window(query, as_of) if as_of else None, as_of)

    @functools.cached_property
    def exact_patterns(self) -> tuple[tuple[str, re.Pattern], ...]:
        """Each name or number with its whole-word pattern, compiled once per question."""
        return tuple((n, re.compile(r"(?<!\w)" + re.escape(n) + r"(?!\w)")) for n in self.exact)


def fused(c: Candidate, w: Weights) -> float:
    """Weighted reciprocal-rank fusion, scaled so a double first place is 1."""
    s = 0.0
    if c.dense_rank is not None:
        s += w.dense / (w.rrf_k + c.dense_rank)
    if c.keyword_rank is not None:
        s += w.keyword / (w.rrf_k + c.keyword_rank)
    return s / ((w.dense + w.keyword) / (w.rrf_k + 1))


def exact_share(c: Candidate, q: QuestionFeatures) -> float:
    if not q.exact:
        return 0.0
    hay = (c.title + "\n" + c.text).lower()
    # the substring test first: it is much cheaper, and most names are in few candidates
    return sum(1 for n, whole_word in q.exact_patterns
               if n in hay and whole_word.search(hay)) / len(q.exact)


def date_score(c: Candidate, q: QuestionFeatures, w: Weights) -> float:
    if q.as_of is None or c.published is None:
        return 0.0
    if c.published > q.as_of:
        return -w.future
    if q.window:
        return w.window * math.exp(-days_outside(c.published, q.window) / w.window_tau)
    return w.recency * math.exp(-(q.as_of - c.published).days / w.recency_tau)


def rescore(cands: list[Candidate], q: QuestionFeatures, w: Weights) -> None:
    """Fill `scores` of each candidate; `total` ranks them."""
    for c in cands:
        f = fused(c, w)
        names = exact_share(c, q) if w.names else 0.0
        when = date_score(c, q, w)
        c.scores = {"fused": f, "names": names, "date": when,
                    "total": f + w.names * names + when}
        if c.dense is not None:
            c.scores["dense"] = c.dense
        if c.keyword is not None:
            c.scores["keyword"] = c.keyword


def diversified(cands: list[Candidate], per_article: int) -> list[Candidate]:
    """Best first, with at most `per_article` chunks of any one article."""
    taken: dict[str, int] = {}
    out = []
    for c in sorted(cands, key=lambda c: -c.score):
        if taken.get(c.article_id, 0) < per_article:
            taken[c.article_id] = taken.get(c.article_id, 0) + 1
            out.append(c)
    return out
