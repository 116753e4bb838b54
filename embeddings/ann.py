"""Which index holds the vectors at a given size, and how to build and search it.

Below `EXACT_MAX` passages the vectors are a numpy matrix (`Matrix`), read from SQLite when
the index opens: no FAISS import (~45 ms of a one-shot `ask`), no cache file. Up to
`ANN_THRESHOLD` the index is exact too: flat inner product in a FAISS `IndexIDMap2`.
At and above it, an inverted file with 8-bit scalar-quantised codes ("IVF<nlist>,SQ8"):
384 bytes a passage instead of 1,536, and a search that scans `NPROBE` of the lists.
IVF rather than HNSW because the index must remove ids (replaced and deleted articles).

The constants were chosen with `bench/ann_scale.py` on this 2-core machine, on 1M vectors
(news-5k passages embedded by all-MiniLM-L6-v2 plus generated ones of the same density),
queries generated around held-out passages and the news-5k quiz questions:
IVF4096,SQ8 with nprobe 32 gives recall@10 0.98 against exact search at 1.4 ms CPU a
query (flat: 105 ms), 380 MiB serialized (flat: 1,472 MiB).

`import faiss` stays inside the functions: it costs start-up time on the one-shot path.
"""
from __future__ import annotations

import contextlib
import math
import os

import numpy as np

from .workers import beside

EXACT = "exact"
FLAT = "flat"
# Reading n vectors from SQLite at open costs ~5 us each (2,000: 10 ms, 5,000: 25 ms, on the
# 2-core benchmark machine), against ~45 ms to import FAISS plus ~1 ms a thousand to read
# the cache file: the two meet near 8,000. Kept below that, so a search of the matrix
# (numpy, 0.2 ms at 5,000) is never the slower one either.
EXACT_MAX = 5_000
# Flat single-query search stops fitting a 5 ms budget here: CPU p50 with one faiss thread
# 4.9 ms at 40k passages, 5.5 ms at 50k, 11.9 ms at 100k (bench/ann_scale.py, flat by size).
ANN_THRESHOLD = 50_000
# nlist = the power of two nearest NLIST_PER_SQRT * sqrt(n), faiss's usual 4*sqrt(n): at 1M,
# IVF4096 against IVF2048 (2*sqrt(n)): same recall at nprobe 32 (0.980 / 0.979), 1.4 against
# 1.7 ms CPU a query, 4.4 against 7.4 ms with a 10% filter, but 2.5x the build time.
NLIST_PER_SQRT = 4
# Lists scanned a query. At 1M (IVF4096) the tuning queries gave recall@10 0.965 at 16,
# 0.982 at 32, 0.986 at 64 (1.0 / 1.3 / 2.4 ms CPU); 32 keeps a margin above 0.95 for
# lists that grow until the next rebuild. Held-out queries at 32: 0.980, questions 0.980.
NPROBE = 32
# ...and at least enough lists to compare this many passages per result asked for: small
# indexes have short lists, and the 100 dense candidates of embeddings.search need more
# than 32 of them (at 50k passages, IVF1024: recall@100 0.93 with 32 lists).
SCANNED_PER_RESULT = 64
TRAIN_PER_LIST = 40  # k-means sample: 40 vectors a centroid (faiss warns below 39)
TRAIN_SEED = 1234
KMEANS_ITERATIONS = 10
# A half-precision search (HalfCopy) reads this many more than asked, re-scored exactly;
# its bound on the error of a half-precision inner product, for unit vectors (2 * 2^-11)
HALF_MARGIN = 32
HALF_ERROR = 2.0 ** -10
# ...scanned in up to this many parts at once, one a core, each this many vectors at least
# (below that a thread's hand-off costs about what it saves)
HALF_PARTS = 4
HALF_PART_MIN = 8192
BITMAP_MAX_ID = 1 << 24  # allowed ids below this are a bitmap (2 MiB at most), else a hash set


def kind_for(n: int) -> str:
    """"exact" below EXACT_MAX, "flat" below ANN_THRESHOLD, else "IVF<nlist>,SQ8" with
    nlist ~ NLIST_PER_SQRT*sqrt(n).

    nlist is rounded to a power of two, so the kind changes only when n has grown or shrunk
    about fourfold (IVF4096 serves 0.52M to 2.1M): a rebuild, spread over the passages added
    since the last one, costs a small multiple of adding them.
    """
    if n < EXACT_MAX:
        return EXACT
    if n < ANN_THRESHOLD:
        return FLAT
    nlist = 2 ** round(math.log2(NLIST_PER_SQRT * math.sqrt(n)))
    return f"IVF{nlist},SQ8"


def params(kind: str) -> dict:
    """The search-time settings of a kind: {"nlist", "nprobe"} for IVF, {} for exact kinds."""
    if kind in (EXACT, FLAT):
        return {}
    nlist = _nlist(kind)
    return {"nlist": nlist, "nprobe": min(NPROBE, nlist)}


def _nlist(kind: str) -> int:
    head = kind.split(",", 1)[0]
    if not head.startswith("IVF"):
        raise ValueError(f"unsupported vector index kind {kind!r}: exact, flat or IVF<n>,... only")
    digits = head[3:].split("_", 1)[0]
    if not digits.isdigit():
        raise ValueError(f"unsupported vector index kind {kind!r}: no list count")
    return int(digits)


def empty(kind: str, dim: int):
    """An empty index to add to: exact kinds only; a trained kind needs vectors first (-> None)."""
    if kind == EXACT:
        return Matrix(dim)
    if kind != FLAT:
        _nlist(kind)
        return None
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def build(kind: str, dim: int, ids: np.ndarray, vectors: np.ndarray):
    """A filled index of `kind`; a trained kind learns its lists from a seeded sample."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if vectors.shape != (len(ids), dim):
        raise ValueError(f"vectors of shape {vectors.shape} for {len(ids)} ids of dim {dim}")
    if kind in (EXACT, FLAT):
        index = empty(kind, dim)
    else:
        import faiss

        nlist = _nlist(kind)
        if len(ids) < nlist:
            raise ValueError(f"{kind} needs at least {nlist} vectors to train, got {len(ids)}")
        index = faiss.index_factory(dim, kind, faiss.METRIC_INNER_PRODUCT)
        ivf = faiss.extract_index_ivf(index)
        ivf.cp.niter = KMEANS_ITERATIONS
        ivf.cp.seed = TRAIN_SEED
        size = min(len(ids), TRAIN_PER_LIST * nlist)
        sample = np.random.default_rng(TRAIN_SEED).choice(len(ids), size, replace=False)
        index.train(vectors[np.sort(sample)])
    if len(ids):
        index.add_with_ids(vectors, ids)
    return index


def _selector(allowed_ids: np.ndarray):
    """A faiss IDSelector for these ids, the buffer it reads (keep it alive), and how many
    distinct ids it admits."""
    import faiss

    top = int(allowed_ids.max())
    if int(allowed_ids.min()) >= 0 and top < BITMAP_MAX_ID:
        # A bitmap costs ~1 ms for 100k ids where an IDSelectorBatch costs ~27 ms.
        mask = np.zeros(top + 1, dtype=bool)
        mask[allowed_ids] = True
        bits = np.packbits(mask, bitorder="little")
        return faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bits)), bits, int(mask.sum())
    # Sorted by hand: numpy 2.4's np.unique hashes, 100x slower on 30k ids.
    ids = np.sort(allowed_ids)
    ids = ids[np.r_[True, ids[1:] != ids[:-1]]]
    return faiss.IDSelectorBatch(ids), None, len(ids)


def search(index, query: np.ndarray, k: int,
           allowed_ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids) of the k nearest, best first; `allowed_ids` filters inside the search.

    On an IVF index a search scans NPROBE lists, or more when k is large against the
    lists' length (SCANNED_PER_RESULT). A filter that admits a share f of the passages
    scans 1/f times as many (all of them when f is small), so about as many admitted
    passages are compared as an unfiltered search compares: recall holds, and a rare
    filter still finds its k.
    """
    empty_result = np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    total = int(index.ntotal)
    k = min(int(k), total)
    if allowed_ids is not None:
        allowed_ids = np.asarray(allowed_ids, dtype=np.int64).ravel()
        if not len(allowed_ids):
            return empty_result
    if k <= 0:
        return empty_result
    q = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(1, -1))
    if isinstance(index, Matrix):
        return index.search(q[0], k, allowed_ids)
    import faiss

    with _one_thread(faiss):
        return _search(faiss, index, q, k, total, allowed_ids)


@contextlib.contextmanager
def _one_thread(faiss):
    """One query is searched on one thread: OpenMP's start and spin-waits cost more than
    they save at this size, several times more on a loaded machine (bench/ann_scale.py:
    flat at 50k, 38.5 ms of CPU a query on 2 threads against 5.5 ms on one)."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


def _search(faiss, index, q: np.ndarray, k: int, total: int, allowed_ids):
    ivf = faiss.try_extract_index_ivf(index)
    selector, bits, admitted = None, None, total
    if allowed_ids is not None:
        selector, bits, admitted = _selector(allowed_ids)
    if ivf is None:
        search_params = None if selector is None else faiss.SearchParameters(sel=selector)
        scores, ids = index.search(q, k, params=search_params)
    else:
        nprobe = nprobe_for(ivf.nlist, total, k, admitted / total)
        scores, ids = _search_ivf(index, q, k, nprobe, selector)
        wanted = min(k, admitted)
        if nprobe < ivf.nlist and int((ids[0] >= 0).sum()) < wanted:
            # The probed lists held fewer than k admitted passages: scan them all, so a
            # search returns k whenever k admitted passages exist.
            scores, ids = _search_ivf(index, q, k, ivf.nlist, selector)
    del bits  # the selector reads this buffer: it lives until the searches are done
    keep = ids[0] >= 0
    return scores[0][keep], ids[0][keep]


def nprobe_for(nlist: int, total: int, k: int, share: float = 1.0) -> int:
    """Lists to scan for k results among `total` passages when a share of them is admitted."""
    nprobe = max(NPROBE, math.ceil(SCANNED_PER_RESULT * k * nlist / max(total, 1)))
    return min(nlist, math.ceil(nprobe / min(1.0, max(share, 1e-12))))


def _search_ivf(index, q: np.ndarray, k: int, nprobe: int, selector):
    import faiss

    search_params = faiss.SearchParametersIVF(nprobe=nprobe)
    if selector is not None:
        search_params.sel = selector
    return index.search(q, k, params=search_params)


class HalfCopy:
    """The vectors of a flat index again in half precision, for unfiltered searches of a
    warm index (a chat, a server, an evaluation): half the bytes to read, the 100 dense
    candidates of a search in ~2.5 ms rather than ~4.5 on news-5k, and in parts scanned
    on as many threads (`HALF_PARTS`), ~1.8 ms on 2 cores.

    A search reads the `k + HALF_MARGIN` best of each part in half precision and scores
    them again exactly from the flat index. It returns only what it can prove is the exact
    top k: no passage left out can score above its k-th, since half precision moves a unit
    vector's inner product by at most 2^-11 (Cauchy-Schwarz; HALF_ERROR allows twice
    that); otherwise it returns None and the exact search serves.
    """

    def __init__(self, index, parts: int | None = None):
        """`parts`: how many pieces a search scans at once (None: one a core, up to
        HALF_PARTS, each of HALF_PART_MIN vectors at least)."""
        import faiss

        flat = faiss.downcast_index(index.index)
        n, dim = int(index.ntotal), int(index.d)
        vectors = faiss.rev_swig_ptr(flat.get_xb(), n * dim).reshape(n, dim)
        self.index, self.flat = index, flat  # the id map owns the flat index: keep both
        self.ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        if parts is None:
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
                else os.cpu_count() or 1
            parts = min(cores, HALF_PARTS, n // HALF_PART_MIN)
        bounds = np.linspace(0, n, max(1, min(parts, n)) + 1).astype(int)
        self.parts: list[tuple[int, object]] = []  # (first position, its codes)
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            codes = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16,
                                               faiss.METRIC_INNER_PRODUCT)
            codes.add(vectors[lo:hi])
            self.parts.append((int(lo), codes))
        self.total = n
        # the longest vector (1 for this model's): the error bound scales with it
        self.longest = float(np.sqrt(np.einsum("ij,ij->i", vectors, vectors).max())) if n else 0.0

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(scores, ids) of the exact k nearest, best first; None where not proven."""
        import faiss

        k = min(int(k), self.total)
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        q = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(1, -1))
        wide = k + HALF_MARGIN
        others = [beside("vector-scan", HALF_PARTS, _scan_part, part, q, wide)
                  for part in self.parts[1:]]
        scanned = [_scan_part(self.parts[0], q, wide)] + [f.result() for f in others]
        pos = np.ascontiguousarray(np.concatenate([p for p, _ in scanned]))
        if (pos < 0).any():
            return None  # FAISS found fewer than asked (a query of NaNs): nothing to prove
        # the best score a passage a part left out may have (half precision): its last read
        left_out = max((float(last) for _, last in scanned if last is not None), default=None)
        exact = np.zeros(len(pos), dtype=np.float32)  # by the kernel the flat search uses
        with _one_thread(faiss):
            self.flat.compute_distance_subset(1, faiss.swig_ptr(q), len(pos),
                                              faiss.swig_ptr(exact), faiss.swig_ptr(pos))
        ids = self.ids[pos]
        order = np.lexsort((-pos, -exact))  # ties as FAISS's heap orders them
        if len(order) > k and exact[order[k]] == exact[order[k - 1]]:
            return None  # a tie across the cut: which side each goes is FAISS's to say
        order = order[:k]
        # relative rounding for normal half floats; below their range (2^-14) a component is
        # off by up to 2^-25 however small it is: that part is bounded by sqrt(d) |q| 2^-25
        norm = float(np.linalg.norm(q))
        error = HALF_ERROR * self.longest * norm + 2.0 ** -24 * np.sqrt(q.shape[1]) * norm
        if not np.isfinite(exact[order]).all() or (
                left_out is not None and not left_out + error < float(exact[order[-1]])):
            return None  # a passage outside the wide lists might still rank inside k
        return exact[order], ids[order]


def _scan_part(part: tuple[int, object], q: np.ndarray, wide: int):
    """The positions of the `wide` best of one part in half precision, and the score of
    the last of them (None where the part holds no more than that: none left out)."""
    import faiss

    first, codes = part
    size = int(codes.ntotal)
    with _one_thread(faiss):  # one query: OpenMP's team costs more than it saves
        rough, pos = codes.search(q, min(wide, size))
    found = pos[0].copy()
    found[found >= 0] += first  # -1: none found there, and so it stays
    return found, (rough[0][-1] if wide < size else None)


def ids(index) -> np.ndarray:
    """Every id the index holds: a flat index's id map, or an IVF index's inverted lists."""
    if isinstance(index, Matrix):
        return index.ids.copy()
    import faiss

    if hasattr(index, "id_map"):
        return faiss.vector_to_array(index.id_map).astype(np.int64)
    ivf = faiss.extract_index_ivf(index)
    parts = [np.zeros(0, dtype=np.int64)]
    for n in range(ivf.nlist):
        size = ivf.invlists.list_size(n)
        if size:
            parts.append(faiss.rev_swig_ptr(ivf.invlists.get_ids(n), size).astype(np.int64))
    return np.concatenate(parts)


def reconstruct(index, chunk_id: int) -> np.ndarray:
    """The vector stored under `chunk_id` (an IVF index's SQ8 codes give it approximately)."""
    if isinstance(index, Matrix):
        return index.reconstruct(int(chunk_id))
    import faiss

    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None and ivf.direct_map.type == faiss.DirectMap.NoMap:
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # built on first use only
    return index.reconstruct(int(chunk_id))


def remove(index, chunk_ids: np.ndarray) -> int:
    """Remove these ids; returns how many were there."""
    if isinstance(index, Matrix):
        return index.remove_ids(np.asarray(chunk_ids, dtype=np.int64))
    import faiss

    chunk_ids = np.ascontiguousarray(chunk_ids, dtype=np.int64)
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None and ivf.direct_map.type == faiss.DirectMap.Hashtable:
        # faiss removes through a hashtable direct map only by an explicit id array
        return int(index.remove_ids(faiss.IDSelectorArray(len(chunk_ids),
                                                          faiss.swig_ptr(chunk_ids))))
    return int(index.remove_ids(faiss.IDSelectorBatch(chunk_ids)))


class Matrix:
    """The EXACT kind: ids and their vectors in numpy arrays, searched by one matrix-vector
    product. It answers what FAISS's id map does (`ntotal`, `d`, `add_with_ids`,
    `remove_ids`, `reconstruct`) for the functions above; ties rank by id. Its arrays grow
    by doubling, so adding batch after batch costs time in proportion to what is added."""

    def __init__(self, dim: int):
        self.d = int(dim)
        self._ids = np.zeros(0, dtype=np.int64)
        self._vectors = np.zeros((0, self.d), dtype=np.float32)
        self._n = 0

    @property
    def ntotal(self) -> int:
        return self._n

    @property
    def ids(self) -> np.ndarray:
        return self._ids[:self._n]

    @property
    def vectors(self) -> np.ndarray:
        return self._vectors[:self._n]

    def add_with_ids(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.d)
        ids = np.asarray(ids, dtype=np.int64).ravel()
        end = self._n + len(ids)
        if end > len(self._ids):
            size = max(end, 2 * len(self._ids), 64)
            grown_ids = np.zeros(size, dtype=np.int64)
            grown = np.zeros((size, self.d), dtype=np.float32)
            grown_ids[:self._n], grown[:self._n] = self.ids, self.vectors
            self._ids, self._vectors = grown_ids, grown
        self._ids[self._n:end], self._vectors[self._n:end] = ids, vectors
        self._n = end

    def remove_ids(self, chunk_ids: np.ndarray) -> int:
        keep = ~np.isin(self.ids, chunk_ids)
        gone = self._n - int(keep.sum())
        if gone:
            ids, vectors = self.ids[keep], self.vectors[keep]
            self._n = len(ids)
            self._ids[:self._n], self._vectors[:self._n] = ids, vectors
        return gone

    def reconstruct(self, chunk_id: int) -> np.ndarray:
        where = np.flatnonzero(self.ids == chunk_id)
        if not len(where):
            raise RuntimeError(f"id {chunk_id} is not in the index")  # as FAISS raises
        return self.vectors[where[0]].copy()

    def search(self, query: np.ndarray, k: int,
               allowed_ids: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        ids, vectors = self.ids, self.vectors
        if allowed_ids is not None:
            admitted = np.isin(ids, allowed_ids)
            ids, vectors = ids[admitted], vectors[admitted]
        scores = vectors @ query
        pick = np.arange(len(ids))
        if len(ids) > k:  # the k best, and any tied with the k-th, then ordered
            pick = np.flatnonzero(scores >= np.partition(scores, len(ids) - k)[len(ids) - k])
        order = pick[np.lexsort((ids[pick], -scores[pick]))][:k]
        return scores[order], ids[order]
