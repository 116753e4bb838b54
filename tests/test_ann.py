"""The approximate vector index: which kind at which size, recall, filters, removals."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from embeddings import ann

DIM = 384
IVF = "IVF128,SQ8"


def clustered(n: int, seed: int, clusters: int = 100) -> np.ndarray:
    """Normalised vectors around random centres: neighbours exist, as in real embeddings."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, DIM)).astype(np.float32)
    x = centres[rng.integers(clusters, size=n)] + 0.8 * rng.standard_normal((n, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact_top(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    return ids[np.argsort(-(vectors @ query), kind="stable")[:k]]


@pytest.fixture(scope="module")
def data():
    vectors = clustered(12_000, seed=1)
    ids = np.arange(12_000, dtype=np.int64) * 3 + 5  # chunk ids need not be positions
    return ids, vectors


@pytest.fixture(scope="module")
def ivf(data):
    ids, vectors = data
    return ann.build(IVF, DIM, ids, vectors)


@pytest.fixture(scope="module")
def flat(data):
    return ann.build(ann.FLAT, DIM, *data)


@pytest.fixture(scope="module")
def queries():
    return clustered(40, seed=2)


def test_kind_for_is_exact_then_flat_below_the_threshold_and_ivf_at_and_above():
    assert ann.kind_for(0) == ann.kind_for(ann.EXACT_MAX - 1) == ann.EXACT
    assert ann.kind_for(ann.EXACT_MAX) == ann.FLAT
    assert ann.kind_for(ann.ANN_THRESHOLD - 1) == ann.FLAT
    kind = ann.kind_for(ann.ANN_THRESHOLD)
    assert kind.startswith("IVF") and kind.endswith(",SQ8")


def test_nlist_is_a_power_of_two_that_grows_with_n():
    sizes = [ann.ANN_THRESHOLD, 400_000, 1_000_000, 4_000_000, 20_000_000]
    lists = [ann.params(ann.kind_for(n))["nlist"] for n in sizes]
    assert all(n & (n - 1) == 0 for n in lists)
    assert lists == sorted(lists) and lists[0] < lists[-1]
    assert ann.kind_for(1_000_000) == "IVF4096,SQ8"


def test_params_and_unsupported_kinds():
    assert ann.params(ann.FLAT) == ann.params(ann.EXACT) == {}
    assert ann.params("IVF4096,SQ8") == {"nlist": 4096, "nprobe": ann.NPROBE}
    with pytest.raises(ValueError):
        ann.params("HNSW32")  # cannot remove ids
    with pytest.raises(ValueError):
        ann.empty("HNSW32", DIM)


def test_lists_scanned_grow_with_k_and_with_a_narrow_filter():
    assert ann.nprobe_for(4096, 1_000_000, 10) == ann.NPROBE
    wide = ann.nprobe_for(1024, 50_000, 100)  # lists of ~49: 100 results need more of them
    assert wide > ann.NPROBE and wide * 50_000 / 1024 >= ann.SCANNED_PER_RESULT * 100
    assert ann.nprobe_for(4096, 1_000_000, 10, share=0.1) == 10 * ann.NPROBE
    assert ann.nprobe_for(4096, 1_000_000, 10, share=0.001) == 4096
    assert ann.nprobe_for(64, 100, 10) == 64


def test_empty_flat_is_an_id_map_and_trained_kinds_have_none():
    import faiss

    index = ann.empty(ann.FLAT, DIM)
    assert isinstance(index, faiss.IndexIDMap2) and index.ntotal == 0 and index.d == DIM
    assert ann.empty(IVF, DIM) is None
    scores, ids = ann.search(index, np.ones(DIM, dtype=np.float32), 5)
    assert len(scores) == len(ids) == 0


def test_build_rejects_mismatched_shapes_and_too_few_vectors():
    with pytest.raises(ValueError):
        ann.build(ann.FLAT, DIM, np.arange(3), np.zeros((4, DIM), dtype=np.float32))
    with pytest.raises(ValueError):
        ann.build(IVF, DIM, np.arange(10), clustered(10, seed=3))


def test_ivf_finds_the_true_nearest(data, ivf, queries):
    ids, vectors = data
    assert ivf.ntotal == len(ids)
    hits = 0
    for q in queries:
        scores, found = ann.search(ivf, q, 10)
        assert len(found) == 10 and np.all(np.diff(scores) <= 1e-6)
        hits += len(set(found) & set(exact_top(vectors, ids, q, 10)))
    assert hits / (10 * len(queries)) >= 0.9


@pytest.fixture(scope="module")
def matrix(data):
    return ann.build(ann.EXACT, DIM, *data)


def test_the_numpy_matrix_searches_as_the_flat_index_does(data, flat, matrix, queries):
    """The EXACT kind (numpy, no FAISS) against FAISS's flat index: the same ids in the
    same order and the same scores to float rounding, filtered or not."""
    ids, _ = data
    assert matrix.ntotal == flat.ntotal and sorted(ann.ids(matrix)) == sorted(ann.ids(flat))
    allowed = np.random.default_rng(8).choice(ids, 300, replace=False)
    for q in queries:
        for filter_ in (None, allowed):
            scores, found = ann.search(matrix, q, 100, allowed_ids=filter_)
            faiss_scores, faiss_found = ann.search(flat, q, 100, allowed_ids=filter_)
            assert found.tolist() == faiss_found.tolist()
            assert np.allclose(scores, faiss_scores, atol=1e-5)
    assert np.array_equal(ann.reconstruct(matrix, int(ids[9])), ann.reconstruct(flat, int(ids[9])))


def test_the_numpy_matrix_adds_removes_and_ranks_ties_by_id():
    index = ann.empty(ann.EXACT, 4)
    same = np.tile(np.array([[1, 0, 0, 0]], dtype=np.float32), (5, 1))
    index.add_with_ids(same, np.array([50, 10, 40, 20, 30]))
    index.add_with_ids(np.array([[0, 1, 0, 0]], dtype=np.float32), np.array([60]))
    query = np.array([1, 0, 0, 0], dtype=np.float32)
    assert ann.search(index, query, 3)[1].tolist() == [10, 20, 30]
    assert ann.search(index, query, 3, allowed_ids=np.array([60, 40]))[1].tolist() == [40, 60]
    assert ann.remove(index, np.array([10, 30, 99])) == 2
    assert ann.search(index, query, 10)[1].tolist() == [20, 40, 50, 60]
    with pytest.raises(RuntimeError):
        ann.reconstruct(index, 10)


def test_flat_build_is_exact(data, flat, queries):
    ids, vectors = data
    for q in queries[:5]:
        _, found = ann.search(flat, q, 10)
        assert list(found) == list(exact_top(vectors, ids, q, 10))


@pytest.mark.parametrize("share", [0.2, 0.01, 0.0005])
def test_ivf_filter_applies_inside_the_search(data, ivf, queries, share):
    ids, vectors = data
    rng = np.random.default_rng(4)
    allowed = rng.choice(ids, max(3, int(len(ids) * share)), replace=False)
    allowed_set = set(allowed.tolist())
    mask = np.isin(ids, allowed)
    hits = 0
    for q in queries[:20]:
        _, found = ann.search(ivf, q, 10, allowed_ids=allowed)
        assert set(found.tolist()) <= allowed_set
        assert len(found) == min(10, len(allowed))
        hits += len(set(found) & set(exact_top(vectors[mask], ids[mask], q, 10)))
    assert hits / (20 * min(10, len(allowed))) >= 0.9


@settings(max_examples=30, deadline=None)
@given(picks=st.lists(st.integers(0, 11_999), max_size=40), k=st.integers(1, 15),
       kind=st.sampled_from(["ivf", "flat", "exact"]), query=st.integers(0, 39))
def test_filtered_search_returns_only_allowed_ids_and_k_when_k_exist(data, ivf, flat, matrix,
                                                                      queries, picks, k, kind,
                                                                      query):
    ids, _ = data
    allowed = ids[picks]  # repeats allowed: a filter may name an id twice
    index = {"ivf": ivf, "flat": flat, "exact": matrix}[kind]
    _, found = ann.search(index, queries[query], k, allowed_ids=allowed)
    assert set(found.tolist()) <= set(allowed.tolist())
    assert len(found) == len(set(found.tolist())) == min(k, len(set(picks)))


def test_filter_with_ids_beyond_the_bitmap_range(data, ivf, queries):
    ids, _ = data
    allowed = np.array([ids[7], ids[70], 1 << 40], dtype=np.int64)  # last one is not indexed
    _, found = ann.search(ivf, queries[0], 10, allowed_ids=allowed)
    assert sorted(found.tolist()) == sorted([int(ids[7]), int(ids[70])])


@pytest.mark.parametrize("kind", [ann.FLAT, "IVF32,SQ8"])
def test_remove_ids(kind):
    vectors = clustered(3000, seed=5)
    ids = np.arange(100, 3100, dtype=np.int64)
    index = ann.build(kind, DIM, ids, vectors)
    import faiss

    gone = ids[:1500:3]
    assert index.remove_ids(faiss.IDSelectorBatch(gone)) == len(gone)
    assert index.ntotal == len(ids) - len(gone)
    for q in vectors[:12]:  # the removed ones are their own nearest before removal
        _, found = ann.search(index, q, 10)
        assert len(found) == 10 and not set(found.tolist()) & set(gone.tolist())


def test_extending_a_trained_index(data, queries):
    ids, vectors = data
    index = ann.build("IVF32,SQ8", DIM, ids[:2000], vectors[:2000])
    index.add_with_ids(vectors[2000:6000], ids[2000:6000])
    assert index.ntotal == 6000
    for q in queries[:5]:
        _, found = ann.search(index, q, 10)
        assert len(set(found) & set(exact_top(vectors[:6000], ids[:6000], q, 10))) >= 8


def test_real_embeddings_find_their_passage(encoder, data):
    """Real model vectors among clustered ones: a paraphrase finds its passage first."""
    ids, vectors = data
    passages = ["The city council banned single-use plastic bags from March.",
                "Heavy snow closed every school in the county on Monday.",
                "A sixteen-year-old won the national chess championship.",
                "The central bank raised interest rates by half a point."]
    questions = ["Which city banned plastic bags?", "Why were the schools closed?",
                 "Who won the chess title?", "Did the bank raise rates?"]
    real = encoder.encode(passages)
    index = ann.build("IVF32,SQ8", DIM, ids[:3000], vectors[:3000])
    index.add_with_ids(real, np.arange(10**6, 10**6 + len(real), dtype=np.int64))
    for i, q in enumerate(encoder.encode(questions)):
        _, found = ann.search(index, q, 3)
        assert found[0] == 10**6 + i


@pytest.mark.parametrize("parts", [1, 3])
def test_a_half_precision_copy_gives_the_exact_search_bit_for_bit(data, flat, queries, parts):
    half = ann.HalfCopy(flat, parts)
    assert len(half.parts) == parts
    for q in queries:
        found = half.search(q, 100)
        assert found is not None
        scores, ids = found
        exact_scores, exact_ids = ann.search(flat, q, 100)
        assert ids.tolist() == exact_ids.tolist()
        assert scores.tobytes() == exact_scores.tobytes()


def test_a_half_precision_copy_refuses_what_it_cannot_prove():
    # 300 vectors a hair apart: half precision cannot order them, so beyond the k it
    # reads again exactly, a better one may hide; it says so and the exact search serves
    rng = np.random.default_rng(7)
    base = rng.standard_normal(DIM).astype(np.float32)
    vectors = base + 1e-4 * rng.standard_normal((300, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(300, dtype=np.int64) + 10
    index = ann.build(ann.FLAT, DIM, ids, vectors)
    query = base / np.linalg.norm(base)
    for parts in (1, 2):
        half = ann.HalfCopy(index, parts)
        assert half.search(query, 10) is None
        assert half.search(query, 250) is None  # many score alike: a tie across the cut
        everything = half.search(query, 300)  # nothing left out, nothing to prove
        assert everything is not None
        assert everything[1].tolist() == ann.search(index, query, 300)[1].tolist()


@pytest.mark.parametrize("parts", [1, 3])
def test_a_half_precision_copy_is_silent_on_a_query_it_cannot_score(data, flat, parts):
    # FAISS finds nothing for NaNs (-1 ids): no made-up passage, the exact search decides
    query = np.full(DIM, np.nan, dtype=np.float32)
    assert ann.HalfCopy(flat, parts).search(query, 10) is None


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 400), k=st.integers(1, 150), seed=st.integers(0, 10_000),
       parts=st.integers(1, 4))
def test_a_half_precision_copy_is_exact_or_silent(n, k, seed, parts):
    vectors = clustered(n, seed, clusters=max(1, n // 20))
    ids = np.random.default_rng(seed).permutation(n).astype(np.int64) * 2 + 1
    index = ann.build(ann.FLAT, DIM, ids, vectors)
    query = clustered(1, seed + 1)[0]
    found = ann.HalfCopy(index, parts).search(query, k)  # (parts beyond n: one a vector)
    if found is not None:
        assert found[1].tolist() == ann.search(index, query, k)[1].tolist()


@pytest.mark.parametrize("length", [1e-7, 1e-6, 1e-4])
def test_a_half_precision_copy_of_very_short_vectors_is_exact_or_silent(length):
    # components below half precision's normal range round by an absolute amount
    rng = np.random.default_rng(11)
    vectors = clustered(400, seed=3) * np.float32(length)
    ids = np.arange(400, dtype=np.int64)
    index = ann.build(ann.FLAT, DIM, ids, vectors)
    half = ann.HalfCopy(index)
    for q in clustered(20, seed=int(rng.integers(1000))):
        found = half.search(q, 10)
        if found is not None:
            assert found[1].tolist() == ann.search(index, q, 10)[1].tolist()
