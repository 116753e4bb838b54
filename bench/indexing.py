"""Index news-5k and compare the pipeline's throughput with bare `model.encode`.

    python bench/indexing.py [--index DIR] [--limit N] [--encode-sample N]

Prints articles, chunks, wall time and chunks/s of `Index.add`, then, in the same run,
the bare `model.encode` throughput on the same chunk texts, and the ratio of the two.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import news5k_articles, news5k_or_exit  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", help="keep the index here (default: a temporary folder)")
    parser.add_argument("--limit", type=int, help="index only the first N articles")
    parser.add_argument("--encode-sample", type=int, default=0,
                        help="time bare encode on a random sample of N chunk texts (0: all)")
    args = parser.parse_args()
    news5k_or_exit()

    from embeddings import Index
    from embeddings.index import embed_text

    articles = news5k_articles(args.limit or None)
    target = Path(args.index) if args.index else Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))
    if args.index and target.exists():
        shutil.rmtree(target)
    index = Index.open(target)
    index.encoder.model  # load the model outside the timed part, as for bare encode
    print(f"indexing {len(articles)} articles into {target}", flush=True)

    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 30 or done == total:
            last[0] = time.perf_counter()
            print(f"  {done}/{total} articles", flush=True)

    t0 = time.perf_counter()
    report = index.add(articles, progress=progress)
    wall = time.perf_counter() - t0
    stats = index.stats()
    pipeline_rate = stats["chunks"] / wall

    by_id = {a.id: a for a in articles}
    texts = [embed_text(by_id[aid], body[s:e]) for aid, s, e, body in (
        (aid, s, e, by_id[aid].body) for aid, s, e in index.store.db.execute(
            'SELECT article_id, start, "end" FROM chunks ORDER BY id'))]
    sample = texts
    if args.encode_sample and args.encode_sample < len(texts):
        sample = random.Random(0).sample(texts, args.encode_sample)
    t1 = time.perf_counter()
    index.encoder.encode(sample)
    bare = time.perf_counter() - t1
    bare_rate = len(sample) / bare

    print(f"articles:          {stats['articles']} (added {report.added}, skipped {len(report.skipped)})")
    print(f"chunks:            {stats['chunks']}")
    print(f"index wall time:   {wall:.1f} s")
    print(f"index throughput:  {pipeline_rate:.1f} chunks/s")
    print(f"bare model.encode: {bare_rate:.1f} chunks/s over {len(sample)} of the same chunk texts "
          f"({bare:.1f} s)")
    print(f"ratio index/bare:  {pipeline_rate / bare_rate:.3f}")
    index.close()
    if not args.index:
        shutil.rmtree(target, ignore_errors=True)


if __name__ == "__main__":
    main()
