"""Re-scoring of fused candidates with what a news question needs.

Kept apart from the search plumbing so that `bench/tune_retrieval.py` can fit the weights
on cached candidates. The defaults below are the values that script chose on news-5k.
"""
from __future__ import annotations

import bisect
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


def fused(c: Candidate, w: Weights) -> float:
    """Weighted reciprocal-rank fusion, scaled so a double first place is 1."""
    s = 0.0
    if c.dense_rank is not None:
        s += w.dense / (w.rrf_k + c.dense_rank)
    if c.keyword_rank is not None:
        s += w.keyword / (w.rrf_k + c.keyword_rank)
    return s / ((w.dense + w.keyword) / (w.rrf_k + 1))


_WORD_CHAR = re.compile(r"\w")


def exact_shares(cands: list[Candidate], q: QuestionFeatures) -> list[float]:
    """The share of the question's names and numbers that each candidate's title or text
    holds as whole words. One search of each name through all candidates, joined, rather
    than one of each name in each (a warm search re-scores ~150: 1.9 -> 1.1 ms)."""
    if not q.exact or not cands:
        return [0.0] * len(cands)
    hays = [f"{c.title}\n{c.text}".lower() for c in cands]
    starts, at = [], 0
    for hay in hays:
        starts.append(at)
        at += len(hay) + 1
    text = "\n".join(hays)  # "\n" is no word character: no name spans two candidates
    found = [0] * len(cands)
    for name in q.exact:
        last, i = -1, text.find(name)
        while i >= 0:
            k = bisect.bisect_right(starts, i) - 1
            if k != last and not (i and _WORD_CHAR.match(text, i - 1)) \
                    and not _WORD_CHAR.match(text, i + len(name)):
                found[k] += 1
                last = k
            i = text.find(name, i + 1)
    return [f / len(q.exact) for f in found]


def exact_share(c: Candidate, q: QuestionFeatures) -> float:
    return exact_shares([c], q)[0]


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
    shares = exact_shares(cands, q) if w.names else [0.0] * len(cands)
    for c, names in zip(cands, shares):
        f = fused(c, w)
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
