"""Fit the hybrid ranking weights on news-5k's questions, and show they generalise.

    python bench/tune_retrieval.py --index DIR [--folds 2]

Candidates (dense and keyword ranks, exact-name share, dates) are collected once per
question; the weights are then fitted by coordinate descent on article-level
MRR@10 + Hits@5. With folds, each fold is scored with weights fitted on the others, so the
printed cross-validated figures are not fitted to the questions they are measured on.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import news5k_or_exit  # noqa: E402

GRID = {
    "rrf_k": [5, 10, 20, 40, 60, 100],
    "dense": [0.5, 0.75, 1.0, 1.25, 1.5, 2.0],
    "names": [0.0, 0.05, 0.1, 0.2, 0.3, 0.5],
    "window": [0.0, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2],
    "window_tau": [1.0, 3.0, 7.0, 14.0, 30.0],
    "recency": [0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8],
    "recency_tau": [3.0, 7.0, 14.0, 30.0, 90.0, 365.0],
    "future": [0.0, 0.2, 1.0],
}


class Table:
    """All candidates of all questions as flat arrays, grouped by (question, article)."""

    def __init__(self, rows: list[dict], n_questions: int):
        rows.sort(key=lambda r: (r["q"], r["article"]))
        col = lambda k, dt=float: np.array([r[k] for r in rows], dtype=dt)  # noqa: E731
        self.q = col("q", np.int64)
        self.dense_rank = col("dense_rank")
        self.keyword_rank = col("keyword_rank")
        self.names = col("names")
        self.undated = col("undated", bool)
        self.future = col("future", bool)
        self.has_window = col("has_window", bool)
        self.days_out = col("days_out")
        self.days_before = col("days_before")
        keys = [(r["q"], r["article"]) for r in rows]
        starts = [0] + [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]]
        self.starts = np.array(starts, dtype=np.int64)
        self.art_q = self.q[self.starts]
        self.art_gold = col("gold", bool)[self.starts]
        self.n_questions = n_questions

    def ranks(self, w) -> np.ndarray:
        k = w.rrf_k
        fused = (w.dense / (k + self.dense_rank) + w.keyword / (k + self.keyword_rank)) / (
            (w.dense + w.keyword) / (k + 1))
        when = np.where(self.has_window, w.window * np.exp(-self.days_out / w.window_tau),
                        w.recency * np.exp(-self.days_before / w.recency_tau))
        when = np.where(self.future, -w.future, when)
        when = np.where(self.undated, 0.0, when)
        total = fused + w.names * self.names + when
        art = np.maximum.reduceat(total, self.starts)
        gold_score = np.full(self.n_questions, np.inf)
        np.minimum.at(gold_score, self.art_q[self.art_gold], -art[self.art_gold])
        gold_score = -gold_score  # best gold article's score per question (-inf: none found)
        better = (art > gold_score[self.art_q]) & ~self.art_gold
        rank = np.bincount(self.art_q[better], minlength=self.n_questions) + 1.0
        rank[~np.isfinite(gold_score)] = np.inf
        return rank


def figures(rank: np.ndarray, mask: np.ndarray | None = None) -> dict[str, float]:
    """evaluation.metrics of the (masked) gold ranks; beyond 10 counts as a miss."""
    from embeddings.evaluation import metrics

    r = rank if mask is None else rank[mask]
    return metrics([int(x) if x <= 10 else None for x in r])


def objective(rank, mask) -> float:
    f = figures(rank, mask)
    return f["mrr@10"] + f["hits@5"]


def fit(table: Table, mask: np.ndarray, start, passes: int = 3):
    best = start
    best_score = objective(table.ranks(best), mask)
    for _ in range(passes):
        improved = False
        for name, values in GRID.items():
            for value in values:
                trial = replace(best, **{name: value})
                score = objective(table.ranks(trial), mask)
                if score > best_score + 1e-9:
                    best, best_score, improved = trial, score, True
        if not improved:
            break
    return best, best_score


def collect(index, questions, title_weight: float) -> Table:
    from embeddings.evaluation import normalise_url
    from embeddings.ranking import QuestionFeatures, exact_share
    from embeddings import Query
    from embeddings.search import with_weights
    from embeddings.timeframe import days_outside

    retriever = with_weights(index.retriever, title_bm25=title_weight)
    urls = dict(index.store.db.execute("SELECT id, url FROM articles"))
    rows = []
    for qi, q in enumerate(questions):
        feats = QuestionFeatures.of(q.question, q.as_of)
        for c in retriever.candidates(Query(q.question)):
            p = c.published
            rows.append({
                "q": qi, "article": c.article_id,
                "dense_rank": c.dense_rank or np.inf, "keyword_rank": c.keyword_rank or np.inf,
                "names": exact_share(c, feats),
                "undated": p is None or q.as_of is None,
                "future": bool(p and q.as_of and p > q.as_of),
                "has_window": feats.window is not None,
                "days_out": days_outside(p, feats.window) if p and feats.window else 0.0,
                "days_before": max((q.as_of - p).days, 0) if p and q.as_of else 0.0,
                "gold": normalise_url(urls[c.article_id] or "") in q.gold,
            })
    return Table(rows, len(questions))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--folds", type=int, default=2)
    args = parser.parse_args()
    data = news5k_or_exit()

    from embeddings import Index
    from embeddings.evaluation import load_questions
    from embeddings.ranking import PLAIN

    questions = load_questions(data / "questions.jsonl")
    index = Index.open(args.index, create=False)
    everyone = np.ones(len(questions), dtype=bool)
    fold_of = np.arange(len(questions)) % args.folds
    results = []
    for title_weight in (0.0, 0.5, 1.0, 2.0):
        table = collect(index, questions, title_weight)
        start = replace(PLAIN, title_bm25=title_weight)
        print(f"title weight {title_weight}: plain RRF {figures(table.ranks(start))}", flush=True)
        cv_rank = np.full(len(questions), np.inf)
        for fold in range(args.folds):
            w, _ = fit(table, fold_of != fold, start)
            cv_rank[fold_of == fold] = table.ranks(w)[fold_of == fold]
        w_all, score = fit(table, everyone, start)
        results.append((score, title_weight, w_all, figures(table.ranks(w_all)), figures(cv_rank)))
        print(f"  fitted on all:   {results[-1][3]}", flush=True)
        print(f"  {args.folds}-fold held-out: {results[-1][4]}", flush=True)
    _, _, w, fitted, held_out = max(results, key=lambda r: r[0])
    print("\nchosen weights:", asdict(w))
    print("fitted on all 360:", fitted)
    print(f"{args.folds}-fold held-out:", held_out)


if __name__ == "__main__":
    main()
