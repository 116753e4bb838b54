"""Which FAISS index serves the vector cache, and how to build and search it.

A minimal flat-only version of the interface the vector cache codes against: exact inner
product at every size. The approximate kinds (and the measured size at which they take
over) come with the full module; until then `kind_for` always answers "flat".
"""
from __future__ import annotations

import numpy as np

FLAT = "flat"


def kind_for(n: int) -> str:
    """The index kind for a cache of `n` vectors."""
    return FLAT


def empty(kind: str, dim: int):
    """An empty index of `kind`, or None for a kind that must be trained on data first."""
    import faiss

    if kind != FLAT:
        raise ValueError(f"unknown vector index kind {kind!r}")
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def build(kind: str, dim: int, ids: np.ndarray, vectors: np.ndarray):
    """An index of `kind` holding `vectors` under `ids`, trained where the kind needs it."""
    index = empty(kind, dim)
    if len(ids):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                           np.asarray(ids, dtype=np.int64))
    return index


def search(index, query: np.ndarray, k: int, allowed_ids: np.ndarray | None):
    """(scores, ids) of the `k` nearest; `allowed_ids` filters inside the search."""
    import faiss

    k = min(k, int(index.ntotal))
    if k <= 0 or (allowed_ids is not None and not len(allowed_ids)):
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    if allowed_ids is None:
        scores, ids = index.search(q, k)
    else:
        selector = faiss.IDSelectorBatch(np.asarray(allowed_ids, dtype=np.int64))
        scores, ids = index.search(q, k, params=faiss.SearchParameters(sel=selector))
    keep = ids[0] >= 0
    return scores[0][keep], ids[0][keep]
