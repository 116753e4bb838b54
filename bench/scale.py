"""The figures behind docs/SCALE.md, measured on this machine in one run.

    python bench/scale.py [--passages 1000] [--writer-articles 2000] [--index DIR] [--json]

1. The encoder stage: passages/s of the bundled model under ONNX Runtime on 1 CPU thread
   (what one encoder actor of `--ray` does per CPU) and on all of this machine's threads,
   on real news-5k passages, as indexing embeds them.
2. The writer: passages/s and articles/s that one writer commits (articles, chunks, FTS
   postings, vectors and MinHash signatures, one transaction a batch, as `--ray`'s writer
   commits what the cluster sends), with vectors made up (the writer never embeds), in
   rounds as the index grows, then the times of the write's last steps over everything written: the story
   clusters, and the caches (the ANN index built, the keyword postings saved).
3. The served index per passage, from a built index (`--index`, e.g. a news-5k build):
   bytes of meta.sqlite, of vectors.cache and of keywords.cache.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import news5k_articles, news5k_or_exit, unit_vectors  # noqa: E402


def encoder_rates(sample: list, passages: int) -> dict:
    from embeddings.chunking import chunk_article
    from embeddings.onnx_encoder import OnnxEncoder
    from embeddings.writing import embed_text

    texts = [embed_text(a, c.text) for a in sample for c in chunk_article(a)][:passages]
    out = {"passages": len(texts)}
    for threads in (1, os.cpu_count() or 1):
        encoder = OnnxEncoder("fp32", threads)
        encoder.encode(texts[:64])  # warm
        t0 = time.perf_counter()
        encoder.encode(texts)
        out[f"threads_{threads}_passages_per_s"] = round(len(texts) / (time.perf_counter() - t0), 2)
    return out


def writer_rates(sample: list, rounds: int) -> dict:
    """The sample committed `rounds` times over (each time as new articles, at new URLs),
    so that the rate is seen as the index grows; then the write's last step."""
    from dataclasses import replace

    import numpy as np

    from embeddings import Index
    from embeddings.chunking import chunk_article
    from embeddings.duplicates import signature
    from embeddings.records import article_id_for
    from embeddings.ingest import batched
    from embeddings.writing import BATCH_CHUNKS, AddReport

    rng = np.random.default_rng(0)
    base = [(a, chunk_article(a), signature(a.body)) for a in sample]
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-writer-"))
    try:
        index = Index.open(folder / "index")
        report = AddReport()
        known: dict = {}
        rates = []
        with index._writing():
            for k in range(rounds):
                copies = []
                for a, chunks, sig in base:
                    url = f"{a.url}/copy-{k}"
                    aid = article_id_for(url, a.body)
                    copies.append((replace(a, url=url, id=aid),
                                   [replace(c, article_id=aid) for c in chunks], sig))
                signatures = {a.id: sig for a, _, sig in copies}
                passages = sum(len(c) for _, c, _ in copies)
                t0 = time.perf_counter()
                for batch in batched([(a, chunks) for a, chunks, _ in copies],
                                     lambda item: len(item[1]), BATCH_CHUNKS):
                    _commit(index, batch, sum(len(c) for _, c in batch), rng, known, report,
                            signatures)
                rates.append(passages / (time.perf_counter() - t0))
            t1 = time.perf_counter()
            index._recluster()
            t2 = time.perf_counter()
            index._save_caches()
            t3 = time.perf_counter()
        total = len(index)
        stored = index.stats()["chunks"]
        index_kind = index.stats().get("vector_index")
        index.close()
        return {"articles": total, "passages": stored,
                "passages_per_s_first_round": round(rates[0], 1),
                "passages_per_s_last_round": round(rates[-1], 1),
                "passages_per_s_mean": round(len(rates) / sum(1 / r for r in rates), 1),
                "articles_per_s_mean": round(
                    len(rates) / sum(1 / r for r in rates) * len(base) / (stored / rounds), 1),
                "story_clusters_s": round(t2 - t1, 2), "caches_s": round(t3 - t2, 2),
                "vector_cache_kind": index_kind}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _commit(index, batch, size, rng, known, report, signatures) -> None:
    index._commit_batch(batch, unit_vectors(rng, size, index.encoder.dim), known, report,
                        signatures)


def served_sizes(path: Path) -> dict:
    import sqlite3

    db = sqlite3.connect(f"file:{path / 'meta.sqlite'}?mode=ro", uri=True)
    passages, = db.execute("SELECT count(*) FROM chunks").fetchone()
    articles_n, = db.execute("SELECT count(*) FROM articles").fetchone()
    db.close()
    out = {"index": str(path), "articles": articles_n, "passages": passages}
    for name in ("meta.sqlite", "vectors.cache", "keywords.cache"):
        file = path / name
        if file.exists():
            out[f"{name}_bytes_per_passage"] = round(file.stat().st_size / passages, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1000)
    parser.add_argument("--writer-articles", type=int, default=2000)
    parser.add_argument("--writer-rounds", type=int, default=10,
                        help="times the writer's sample is committed (as new articles)")
    parser.add_argument("--index", type=Path, help="a built index to measure per passage")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    news5k_or_exit()
    sample = news5k_articles(max(args.writer_articles, 200))
    figures = {"encoder": encoder_rates(sample[:200], args.passages),
               "writer": writer_rates(sample[:args.writer_articles], args.writer_rounds)}
    if args.index:
        figures["served"] = served_sizes(args.index)
    print(json.dumps(figures, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
