"""The FAISS vector file, keyed by chunk id, written atomically."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np


class VectorFile:
    """`IndexIDMap2` over flat inner product (cosine on normalised vectors)."""

    def __init__(self, path: Path, dim: int):
        import faiss

        self.path = Path(path)
        self.dim = dim
        if self.path.exists():
            index = faiss.read_index(str(self.path))
            if index.d != dim:
                raise ValueError(f"{self.path} holds {index.d}-dimensional vectors, expected {dim}")
            self.index = index
        else:
            self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> np.ndarray:
        import faiss

        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                    np.asarray(ids, dtype=np.int64))

    def remove(self, ids) -> int:
        import faiss

        ids = np.asarray(list(ids), dtype=np.int64)
        if not len(ids):
            return 0
        return int(self.index.remove_ids(faiss.IDSelectorBatch(ids)))

    def search(self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None):
        """(scores, ids) of the k nearest; `allowed_ids` filters inside the search."""
        import faiss

        k = min(k, len(self))
        if k <= 0 or (allowed_ids is not None and not len(allowed_ids)):
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if allowed_ids is None:
            scores, ids = self.index.search(q, k)
        else:
            selector = faiss.IDSelectorBatch(np.asarray(allowed_ids, dtype=np.int64))
            scores, ids = self.index.search(q, k, params=faiss.SearchParameters(sel=selector))
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def reconstruct(self, chunk_id: int) -> np.ndarray:
        return self.index.reconstruct(int(chunk_id))

    def save(self) -> None:
        """Write beside the old file, make it durable, then rename over it."""
        import faiss

        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        faiss.write_index(self.index, str(tmp))
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
