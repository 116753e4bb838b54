"""Checks shared by the tests of the durable vectors and their cache."""
from __future__ import annotations

import numpy as np


def stored_vectors(index) -> dict[int, np.ndarray]:
    return {cid: np.frombuffer(blob, dtype="<f4")
            for cid, blob in index.store.db.execute("SELECT chunk_id, vec FROM vectors")}


def assert_consistent(index) -> None:
    """Cache ids == SQLite chunk ids == durable vector ids; each cached vector is its stored one."""
    stored = stored_vectors(index)
    assert set(index.vectors.ids().tolist()) == index.store.all_chunk_ids() == set(stored)
    assert len(index.vectors) == len(stored)
    for cid, vec in stored.items():
        assert np.array_equal(index.vectors.reconstruct(cid), vec)
