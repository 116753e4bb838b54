"""The vector index at scale: approximate (embeddings.ann) against exact flat search.

    python bench/ann_scale.py [--n 1000000] [--real PATH.npy] [--sample 3500]
                              [--kind IVF4096,SQ8 ...] [--nprobes 8,16,32,64,128] [--json]

Builds a set of n passage vectors from real ones (news-5k passages embedded by the bundled
all-MiniLM-L6-v2, from `--real` or embedded here from a seeded sample) plus generated ones
(see `Generator`), then prints, beside exact flat search in the same run:
build time (train+add), extend time (+10k), single-query p50/p95, recall@10 against exact
search on held-out queries (nprobe swept on one query set, reported on another, and on the
news-5k quiz questions), recall@10 inside filters that admit 10%, 1% and 0.1% of the ids,
the index's serialized size and RSS growth, and flat p50 at several sizes (which sets
`ann.ANN_THRESHOLD`).
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import NEWS5K, news5k_articles, news5k_or_exit, read_jsonl  # noqa: E402

DIM = 384
K = 10
SEED = 7
FLAT_SIZES = (20_000, 30_000, 40_000, 50_000, 100_000, 200_000, 500_000)
FLAT_FILTERED_QUERIES = 20
K_APP = 100  # the candidates embeddings.search takes from the dense search
FLAT_TIMED_QUERIES = 100  # 30 above 100k passages, 20 with filters: flat is slow there
EXTEND = 10_000
FILTER_SHARES = (0.10, 0.01, 0.001)
RECALL_TARGET = 0.95
FLAT_BUDGET_MS = 5.0


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def normalise(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


# ---------------------------------------------------------------------------- real vectors

def embed_sample(size: int) -> np.ndarray:
    """`size` news-5k passages, chosen with a fixed seed, embedded as the index embeds them."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from embeddings.chunking import chunk_article
    from embeddings.encoder import Encoder
    from embeddings.index import embed_text

    articles = news5k_articles()
    texts = [embed_text(a, c.text) for a in articles for c in chunk_article(a)]
    sample = random.Random(SEED).sample(texts, min(size, len(texts)))
    print(f"embedding {len(sample)} of {len(texts)} news-5k passages ...", file=sys.stderr,
          flush=True)
    return Encoder().encode(sample)


def embed_questions() -> np.ndarray:
    from embeddings.encoder import Encoder

    questions = [q["question"] for q in read_jsonl(NEWS5K / "questions.jsonl")]
    return Encoder().encode(questions)


# ------------------------------------------------------------------------------- generator

class Generator:
    """Passage-like vectors around real ones, so a small real set can stand for a large one.

    A generated vector is normalise(a*r + (1-a)*r' + s*e): r a real passage, r' one of its
    10 nearest real neighbours, a ~ U(0.5, 1), e gaussian with the covariance of the real
    vectors (it varies in the directions real embeddings vary in), scaled to unit expected
    norm. The scale s is calibrated so that c generated vectors are as dense as c real ones:
    the median similarity of each to its nearest other among c equals that of c real
    passages (c = min(m, 6000)). `density_curve` prints both at several sizes.

    Why this is not an easy benchmark: exact copies or tiny noise would make the set m
    tight clumps, where an IVF finds all 10 nearest in the one list it probes; isotropic
    noise in 384 dimensions would make all similarities alike (no neighbours worth finding).
    Here a sample of generated vectors has the nearest-neighbour similarity of a real sample
    of the same size, and the mixtures fill the space between related passages, so the 10
    nearest of a query come from several parents and often from several IVF lists.
    Queries are drawn the same way around held-out real passages, which no data vector
    was generated from.
    """

    def __init__(self, real: np.ndarray, seed: int = SEED):
        import faiss

        self.real = normalise(real)
        self.rng = np.random.default_rng(seed)
        self._flat = faiss.IndexFlatIP(DIM)
        self._flat.add(self.real)
        self.neighbours = self._flat.search(self.real, 11)[1][:, 1:]  # drop self
        centred = self.real - self.real.mean(axis=0)
        eigval, eigvec = np.linalg.eigh(np.cov(centred, rowvar=False))
        # e = z @ B has covariance B^T B = the real covariance, scaled to unit expected norm
        self.basis = ((eigvec * np.sqrt(np.clip(eigval, 0, None))).T
                      / math.sqrt(eigval.sum())).astype(np.float32)
        self.calibration_size = min(len(self.real), 6000)
        self.real_nn_median = self._real_nn_median(self.calibration_size)
        self.scale = self._calibrate()

    def _real_nn_median(self, size: int) -> float:
        pick = np.random.default_rng(SEED).permutation(len(self.real))[:size]
        return nn_median(self.real[pick])

    def _noise(self, n: int) -> np.ndarray:
        return self.rng.standard_normal((n, DIM), dtype=np.float32) @ self.basis

    def _mix(self, parents: np.ndarray, partners: np.ndarray, scale: float) -> np.ndarray:
        a = self.rng.uniform(0.5, 1.0, size=(len(parents), 1)).astype(np.float32)
        return normalise(a * parents + (1 - a) * partners + scale * self._noise(len(parents)))

    def _sample(self, n: int, scale: float) -> np.ndarray:
        parents = self.rng.integers(len(self.real), size=n)
        partners = self.neighbours[parents, self.rng.integers(self.neighbours.shape[1], size=n)]
        return self._mix(self.real[parents], self.real[partners], scale)

    def _calibrate(self) -> float:
        lo, hi = 0.0, 3.0
        for _ in range(12):
            mid = (lo + hi) / 2
            if nn_median(self._sample(self.calibration_size, mid)) > self.real_nn_median:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    def density_curve(self) -> list[dict]:
        """Median nearest-other similarity within c real and c generated vectors, by c."""
        sizes = sorted({max(100, self.calibration_size // 8), self.calibration_size // 4,
                        self.calibration_size // 2, self.calibration_size})
        return [{"size": c, "real": self._real_nn_median(c),
                 "generated": nn_median(self._sample(c, self.scale))} for c in sizes]

    def vectors(self, n: int) -> np.ndarray:
        out = np.empty((n, DIM), dtype=np.float32)
        for start in range(0, n, 100_000):
            stop = min(n, start + 100_000)
            out[start:stop] = self._sample(stop - start, self.scale)
        return out

    def around(self, held_out: np.ndarray) -> np.ndarray:
        """Queries: vectors generated around held-out real passages (not parents of any data)."""
        held_out = normalise(held_out)
        nbrs = self._flat.search(held_out, 10)[1]
        partners = nbrs[np.arange(len(held_out)), self.rng.integers(10, size=len(held_out))]
        return self._mix(held_out, self.real[partners], self.scale)


def nn_median(x: np.ndarray) -> float:
    """Median similarity of each vector to its nearest other one in x."""
    import faiss

    flat = faiss.IndexFlatIP(DIM)
    flat.add(x)
    return float(np.median(flat.search(x, 2)[0][:, 1]))


# ---------------------------------------------------------------------------- measurements

def timed_search(index, queries: np.ndarray, allowed=None, k: int = K) -> tuple[list, list]:
    from embeddings import ann

    results, times = [], []
    for q in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        _, ids = ann.search(index, q, k, allowed)
        times.append((time.perf_counter() - t0, time.process_time() - c0))
        results.append(ids)
    return results, times


def recall(results: list, truth: np.ndarray) -> float:
    hits = sum(len(set(r.tolist()) & set(t[t >= 0].tolist())) for r, t in zip(results, truth))
    return hits / sum(int((t >= 0).sum()) for t in truth)


def latency(times: list) -> dict:
    """Wall p50/p95 and CPU p50 in ms. On a shared machine a query that needs more than a
    scheduler slice of CPU waits for the other processes: wall then exceeds CPU."""
    wall, cpu = np.array(times).T * 1000
    return {"p50_ms": float(np.percentile(wall, 50)), "p95_ms": float(np.percentile(wall, 95)),
            "cpu_p50_ms": float(np.percentile(cpu, 50))}


def exact(vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """The true k nearest ids (batched flat search, which uses BLAS)."""
    import faiss

    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(DIM))
    flat.add_with_ids(vectors, ids)
    return flat.search(queries, K)[1]


def _faiss_threads() -> int:
    import faiss

    return int(faiss.omp_get_max_threads())


def serialized_size(index) -> int:
    import faiss

    return int(faiss.serialize_index(index).nbytes)


def flat_by_size(data: np.ndarray, ids: np.ndarray, queries: np.ndarray, sizes,
                 allowed_sets: list) -> tuple:
    """Flat p50/p95 at each size, growing one flat index; returns it filled to len(data).

    Also p50 with one faiss thread: on a shared 2-core machine two OpenMP threads can wait
    on each other (a busy core) longer than one thread takes alone.
    """
    import faiss

    from embeddings import ann

    index = ann.empty(ann.FLAT, DIM)
    rows, done = [], 0
    rss0 = rss_bytes()
    t_add = 0.0
    for size in [s for s in sizes if s < len(data)] + [len(data)]:
        t0 = time.perf_counter()
        index.add_with_ids(data[done:size], ids[done:size])
        t_add += time.perf_counter() - t0
        done = size
        timed = queries[:FLAT_TIMED_QUERIES if size <= 100_000 else 30]
        _, times = timed_search(index, timed)
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            _, one = timed_search(index, timed)
        finally:
            faiss.omp_set_num_threads(threads)
        rows.append({"n": size, **latency(times), "one_thread": latency(one)})
        print(f"  flat n={size:>9,}: {_lat(rows[-1])}; 1 thread: {_lat(rows[-1]['one_thread'])}",
              file=sys.stderr, flush=True)
    rss = rss_bytes() - rss0
    filtered = []
    for allowed in allowed_sets:
        _, times = timed_search(index, queries[:FLAT_FILTERED_QUERIES], allowed)
        filtered.append(latency(times))
    return index, rows, t_add, rss, filtered


def measure_kind(kind: str, data, ids, sets: dict, truth: dict, nprobes, extra, extra_ids,
                 filters) -> dict:
    import faiss

    from embeddings import ann

    out = {"kind": kind}
    gc.collect()
    rss0 = rss_bytes()
    t0 = time.perf_counter()
    index = ann.build(kind, DIM, ids, data)
    out["build_s"] = time.perf_counter() - t0
    gc.collect()
    out["rss_delta_bytes"] = rss_bytes() - rss0
    out["serialized_bytes"] = serialized_size(index)
    print(f"  {kind}: built in {out['build_s']:.1f} s", file=sys.stderr, flush=True)

    module_nprobe, module_scanned = ann.NPROBE, ann.SCANNED_PER_RESULT
    sweep = []
    try:
        ann.SCANNED_PER_RESULT = 0  # the sweep sets the lists scanned alone
        for nprobe in nprobes:
            ann.NPROBE = nprobe
            results, times = timed_search(index, sets["tune"])
            sweep.append({"nprobe": nprobe, "recall": recall(results, truth["tune"]),
                          **latency(times)})
    finally:
        ann.NPROBE, ann.SCANNED_PER_RESULT = module_nprobe, module_scanned
    out["sweep_tune"] = sweep
    good = [row["nprobe"] for row in sweep if row["recall"] >= RECALL_TARGET + 0.01]
    out["sweep_choice"] = min(good) if good else None

    ivf = faiss.extract_index_ivf(index)
    out["nprobe"] = ann.nprobe_for(ivf.nlist, int(ivf.ntotal), K)
    out["nprobe_k100"] = ann.nprobe_for(ivf.nlist, int(ivf.ntotal), K_APP)
    choice = out["sweep_choice"]
    if choice is not None and choice != out["nprobe"]:
        ann.NPROBE, ann.SCANNED_PER_RESULT = choice, 0
        try:
            results, times = timed_search(index, sets["test"])
        finally:
            ann.NPROBE, ann.SCANNED_PER_RESULT = module_nprobe, module_scanned
        out["test_at_sweep_choice"] = {"nprobe": choice, "recall": recall(results, truth["test"]),
                                       **latency(times)}
    for name in [s for s in sets if s != "tune"]:
        results, times = timed_search(index, sets[name])
        out[name] = {"queries": len(sets[name]), "recall": recall(results, truth[name]),
                     **latency(times)}
    results, times = timed_search(index, sets["test"], k=K_APP)
    out["test_k100"] = {"queries": len(sets["test"]), "recall": recall(results, truth["test_k100"]),
                        **latency(times)}

    out["filters"] = []
    for share, allowed, filter_truth in filters:
        results, times = timed_search(index, sets["test"], allowed)
        allowed_set = set(allowed.tolist())
        outside = sum(len(set(r.tolist()) - allowed_set) for r in results)
        short = sum(len(r) < K for r in results)
        out["filters"].append({"share": share, "allowed": len(allowed),
                               "recall": recall(results, filter_truth), **latency(times),
                               "outside_filter": outside, "short_results": short})

    t0 = time.perf_counter()
    index.add_with_ids(extra, extra_ids)
    out["extend_s"] = time.perf_counter() - t0
    del index
    gc.collect()
    return out


# ---------------------------------------------------------------------------------- report

def _lat(row: dict) -> str:
    return (f"p50 {row['p50_ms']:7.2f} ms  p95 {row['p95_ms']:7.2f} ms  "
            f"cpu p50 {row['cpu_p50_ms']:7.2f} ms")


def first_over_budget(rows: list, key) -> int | None:
    """The smallest measured size whose p50 (by `key`) exceeds FLAT_BUDGET_MS."""
    return next((row["n"] for row in rows if key(row) > FLAT_BUDGET_MS), None)


def report(result: dict) -> None:
    d = result["data"]
    print(f"data: {d['n']:,} vectors of dim {DIM}: {d['real_in_set']:,} real news-5k passages "
          f"+ generated; real vectors: {d['real_total']:,} from {d['real_source']}, "
          f"{d['real_total'] - d['real_in_set']:,} of them held out for queries")
    print(f"  generator noise scale {d['noise_scale']:.3f}; median similarity to the nearest "
          f"other vector within a sample of c (real / generated):")
    for row in d["density_curve"]:
        print(f"    c={row['size']:>6,}: {row['real']:.3f} / {row['generated']:.3f}")
    for name in d["top1_median"]:
        print(f"  {name} queries' exact top-1 / top-10 similarity, median: "
              f"{d['top1_median'][name]:.3f} / {d['top10_median'][name]:.3f}")
    print(f"queries: tune {d['queries']['tune']}, test {d['queries']['test']} (generated around "
          f"held-out real passages), questions {d['queries'].get('questions', 0)} (news-5k quiz)")
    load = result["load_average_1min"]
    print(f"machine: {os.cpu_count()} cores, faiss threads {result['faiss_threads']}, "
          f"1-min load average {load['start']:.1f} at start, {load['end']:.1f} at end; "
          f"wall times include waiting for other processes, cpu times do not")
    print()
    f = result["flat"]
    print("flat (exact) single-query latency by size (default threads; 1 thread):")
    for row in f["by_size"]:
        print(f"  n={row['n']:>9,}  {_lat(row)};  1 thread: p50 {row['one_thread']['p50_ms']:7.2f} ms"
              f"  cpu p50 {row['one_thread']['cpu_p50_ms']:7.2f} ms")
    rows = f["by_size"]
    print(f"  first size over a {FLAT_BUDGET_MS:g} ms p50: wall (default threads) "
          f"{first_over_budget(rows, lambda r: r['p50_ms'])}, wall (1 thread) "
          f"{first_over_budget(rows, lambda r: r['one_thread']['p50_ms'])}, cpu (1 thread) "
          f"{first_over_budget(rows, lambda r: r['one_thread']['cpu_p50_ms'])}")
    print(f"flat at n={d['n']:,}: add {f['build_s']:.1f} s, extend +{EXTEND:,} {f['extend_s']:.3f} s, "
          f"serialized {f['serialized_bytes'] / 2**20:.0f} MiB, RSS +{f['rss_delta_bytes'] / 2**20:.0f} MiB")
    print(f"ANN_THRESHOLD = {result['threshold']:,}; kind_for({d['n']:,}) = {result['kind_for_n']}")
    flat_top = rows[-1]
    for r in result["ann"]:
        print()
        print(f"{r['kind']} at n={d['n']:,} (module NPROBE {result['module_nprobe']}, "
              f"SCANNED_PER_RESULT {result['module_scanned_per_result']} -> nprobe {r['nprobe']} for k={K})")
        print(f"  build (train+add): {r['build_s']:.1f} s     extend +{EXTEND:,}: {r['extend_s']:.2f} s"
              f"     (flat: add {f['build_s']:.1f} s, extend {f['extend_s']:.2f} s)")
        print(f"  memory: serialized {r['serialized_bytes'] / 2**20:.0f} MiB, "
              f"RSS +{r['rss_delta_bytes'] / 2**20:.0f} MiB     (flat: serialized "
              f"{f['serialized_bytes'] / 2**20:.0f} MiB, RSS +{f['rss_delta_bytes'] / 2**20:.0f} MiB)")
        print("  nprobe sweep on the TUNE queries:")
        for row in r["sweep_tune"]:
            print(f"    nprobe {row['nprobe']:>4}: recall@10 {row['recall']:.4f}  {_lat(row)}")
        print(f"    smallest nprobe with recall@10 >= {RECALL_TARGET + 0.01:.2f}: {r['sweep_choice']}")
        print(f"  held-out queries with nprobe {r['nprobe']}      (flat at n={flat_top['n']:,}: "
              f"{_lat(flat_top)})")
        for name in ("test", "questions"):
            if name in r:
                s = r[name]
                print(f"    {name:<9} ({s['queries']}): recall@10 {s['recall']:.4f}  {_lat(s)}")
        if "test_at_sweep_choice" in r:
            s = r["test_at_sweep_choice"]
            print(f"    test at the sweep's nprobe {s['nprobe']}: recall@10 {s['recall']:.4f}  {_lat(s)}")
        s = r["test_k100"]
        print(f"    test, k={K_APP} (nprobe {r['nprobe_k100']}): recall@{K_APP} {s['recall']:.4f}  "
              f"{_lat(s)}  (k of embeddings.search's dense candidates)")
        print("  filters inside the search, test queries (recall against exact search within the filter):")
        for fr in r["filters"]:
            flat_f = f["filtered"][str(fr["share"])]
            print(f"    admitting {fr['share']:>6.1%} ({fr['allowed']:>7,} ids): recall@10 "
                  f"{fr['recall']:.4f}  {_lat(fr)}")
            print(f"    {'':>30} flat: {_lat(flat_f)};  results outside the filter "
                  f"{fr['outside_filter']}, results short of k {fr['short_results']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="vectors in the set")
    parser.add_argument("--real", type=Path, help="(m, 384) float32 .npy of real passage vectors")
    parser.add_argument("--sample", type=int, default=3500,
                        help="without --real: embed this many news-5k passages")
    parser.add_argument("--save-real", type=Path, help="keep the embedded sample here (.npy)")
    parser.add_argument("--queries", type=int, default=500, help="queries in each of tune/test")
    parser.add_argument("--no-questions", action="store_true",
                        help="skip the news-5k quiz questions as a third query set")
    parser.add_argument("--kind", action="append",
                        help="ANN kind(s) to measure (default: ann.kind_for(n))")
    parser.add_argument("--nprobes", default="4,8,16,32,64,128")
    parser.add_argument("--flat-sizes", default=",".join(map(str, FLAT_SIZES)))
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.add_argument("--json-out", type=Path, help="also write the JSON object here")
    args = parser.parse_args()

    from embeddings import ann

    load_start = os.getloadavg()[0]
    if args.real and args.real.exists():
        real, source = np.load(args.real).astype(np.float32), str(args.real)
    else:
        if args.real:
            print(f"{args.real} is absent; embedding a sample instead", file=sys.stderr)
        news5k_or_exit()
        real, source = embed_sample(args.sample), f"{args.sample} passages embedded here"
        if args.save_real:
            np.save(args.save_real, real)
    real = normalise(real)
    questions = None
    if not args.no_questions and (NEWS5K / "questions.jsonl").exists():
        questions = embed_questions()

    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(real))
    held = real[order[: 2 * args.queries]]
    base = real[order[2 * args.queries:]]
    if len(base) < 100:
        sys.exit(f"too few real vectors ({len(real)}) for {2 * args.queries} held-out queries")

    t0 = time.perf_counter()
    gen = Generator(base)
    n_real = min(len(base), args.n)
    data = np.empty((args.n, DIM), dtype=np.float32)
    data[:n_real] = base[:n_real]
    data[n_real:] = gen.vectors(args.n - n_real)
    data = data[rng.permutation(args.n)]  # real ones anywhere, as if indexed over time
    ids = np.arange(args.n, dtype=np.int64)
    extra = gen.vectors(EXTEND)
    extra_ids = np.arange(args.n, args.n + EXTEND, dtype=np.int64)
    sets = {"tune": gen.around(held[: args.queries]), "test": gen.around(held[args.queries:])}
    if questions is not None:
        sets["questions"] = questions
    print(f"generated {args.n - n_real:,} vectors in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr, flush=True)

    allowed_sets = [np.sort(rng.choice(args.n, max(K, int(args.n * share)), replace=False))
                    for share in FILTER_SHARES]
    sizes = [int(s) for s in args.flat_sizes.split(",") if s]
    flat, by_size, flat_add, flat_rss, flat_filtered = flat_by_size(
        data, ids, sets["test"], sizes, allowed_sets)
    truth = {}
    for name, queries in sets.items():
        truth[name] = flat.search(queries, K)[1]
    truth["test_k100"] = flat.search(sets["test"], K_APP)[1]
    top_scores = {name: flat.search(queries, K)[0] for name, queries in sets.items()
                  if name != "tune"}
    flat_result = {"by_size": by_size, "build_s": flat_add, "rss_delta_bytes": flat_rss,
                   "serialized_bytes": serialized_size(flat),
                   "filtered": dict(zip(map(str, FILTER_SHARES), flat_filtered))}
    t0 = time.perf_counter()
    flat.add_with_ids(extra, extra_ids)
    flat_result["extend_s"] = time.perf_counter() - t0
    del flat
    gc.collect()

    filters = [(share, allowed, exact(data[allowed], ids[allowed], sets["test"]))
               for share, allowed in zip(FILTER_SHARES, allowed_sets)]

    kinds = args.kind or [ann.kind_for(args.n)]
    if ann.FLAT in kinds:
        sys.exit("--kind flat is the baseline; give approximate kinds")
    nprobes = [int(x) for x in args.nprobes.split(",") if x]
    results = [measure_kind(kind, data, ids, sets, truth, nprobes, extra, extra_ids, filters)
               for kind in kinds]

    result = {
        "data": {"n": args.n, "real_in_set": n_real, "real_source": source,
                 "real_total": len(real), "density_curve": gen.density_curve(),
                 "noise_scale": gen.scale,
                 "top1_median": {n: float(np.median(v[:, 0])) for n, v in top_scores.items()},
                 "top10_median": {n: float(np.median(v[:, K - 1])) for n, v in top_scores.items()},
                 "queries": {name: len(q) for name, q in sets.items()}},
        "load_average_1min": {"start": load_start, "end": os.getloadavg()[0]},
        "faiss_threads": _faiss_threads(),
        "threshold": ann.ANN_THRESHOLD, "module_nprobe": ann.NPROBE,
        "module_scanned_per_result": ann.SCANNED_PER_RESULT, "kind_for_n": ann.kind_for(args.n),
        "flat": flat_result, "ann": results,
    }
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        report(result)


if __name__ == "__main__":
    main()
