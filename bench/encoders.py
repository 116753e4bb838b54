"""One encoder backend beside another on the same news-5k index: speed, vectors, quiz figures.

    python bench/encoders.py --index DIR [--backend onnx-int8] [--work DIR] [--json]

Copies the index (built with one backend, fp32 ONNX by default), embeds every passage of
the copy again with `--backend` (timed: passages/s with the model loaded), stores those
vectors in place of the old ones, and lets the copy's FAISS cache be rebuilt from them.
Then it prints, for both indexes in one run: the quiz figures (Hits@1/5/10, MRR@10 of
hybrid and dense search over news-5k's questions), the cosine of each passage's new
vector to its old one, and the two encoders' speed on the same passages.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import NEWS5K, news5k_or_exit  # noqa: E402
from embeddings.index import CACHE_FILE  # noqa: E402

BATCH = 2048
SPEED_SAMPLE = 1000  # passages timed for the reference backend, beside the full re-embed


def passages(index) -> tuple[list[int], list[str]]:
    """Every chunk id of the index with the text its vector was made from, in id order."""
    from embeddings.index import embed_text

    ids, texts = [], []
    for article in index.articles():
        for cid, start, end in index.store.db.execute(
                'SELECT id, start, "end" FROM chunks WHERE article_id = ? ORDER BY id',
                (article.id,)):
            ids.append(cid)
            texts.append(embed_text(article, article.body[start:end]))
    order = np.argsort(ids)
    return [ids[i] for i in order], [texts[i] for i in order]


def reembed(source: Path, target: Path, backend: str) -> dict:
    from embeddings import Index
    from embeddings.encoder import Encoder

    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.cache", "*.faiss", "*.lock"))
    encoder = Encoder(backend=backend).load()
    with Index.open(target) as index:
        ids, texts = passages(index)
        db = index.store.db
        old = np.frombuffer(b"".join(r[0] for r in db.execute(
            "SELECT vec FROM vectors ORDER BY chunk_id")), dtype="<f4").reshape(len(ids), -1)
        encoder.encode(texts[:16])
        t0 = time.perf_counter()
        cosines = []
        for i in range(0, len(ids), BATCH):
            vectors = encoder.encode(texts[i:i + BATCH])
            cosines.append((vectors * old[i:i + BATCH]).sum(axis=1))
            db.execute("BEGIN IMMEDIATE")
            db.executemany("UPDATE vectors SET vec = ? WHERE chunk_id = ?",
                           [(v.astype("<f4").tobytes(), cid)
                            for v, cid in zip(vectors, ids[i:i + BATCH])])
            db.execute("COMMIT")
            print(f"  {min(i + BATCH, len(ids))}/{len(ids)} passages", file=sys.stderr, flush=True)
        seconds = time.perf_counter() - t0
    # opening the copy cached its old vectors; in-place updates are no deletions the cache
    # could follow, so it goes, to be rebuilt from the new vectors
    (target / CACHE_FILE).unlink(missing_ok=True)
    reference = Encoder().load()
    sample = texts[:: max(1, len(texts) // SPEED_SAMPLE)][:SPEED_SAMPLE]
    t1 = time.perf_counter()
    reference.encode(sample)
    reference_rate = len(sample) / (time.perf_counter() - t1)
    t2 = time.perf_counter()
    encoder.encode(sample)
    rate = len(sample) / (time.perf_counter() - t2)
    cos = np.concatenate(cosines)
    return {"passages": len(ids), "reembed_s": round(seconds, 1),
            "reembed_passages_per_s": round(len(ids) / seconds, 2),
            f"sample_{reference.backend}_passages_per_s": round(reference_rate, 2),
            f"sample_{backend}_passages_per_s": round(rate, 2),
            "speedup_on_sample": round(rate / reference_rate, 3),
            "cosine_to_source_min": round(float(cos.min()), 4),
            "cosine_to_source_mean": round(float(cos.mean()), 4)}


def quiz(path: Path, backend: str | None = None) -> dict:
    """The quiz figures of the index at `path`, its questions embedded by `backend`."""
    from embeddings import Index
    from embeddings.encoder import Encoder
    from embeddings.evaluation import evaluate, load_questions

    questions = load_questions(NEWS5K / "questions.jsonl")
    with Index.open(path) as index:
        index.encoder = Encoder(index.encoder.model_id, backend=backend)
        index._retriever = None
        report = evaluate(index, questions, systems=("hybrid", "dense"))
    return {s: {k: round(v, 3) for k, v in m.items()} for s, m in report.systems.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="the news-5k index to compare with")
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--work", type=Path, help="where the re-embedded copy goes "
                        "(default: beside the index)")
    parser.add_argument("--reuse", action="store_true",
                        help="the copy is already re-embedded: only compare the quiz figures")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    news5k_or_exit()
    target = args.work or args.index.with_name(f"{args.index.name}-{args.backend}")
    figures = {"backend": args.backend}
    if not args.reuse:
        figures["reembed"] = reembed(args.index, target, args.backend)
    figures["quiz"] = {"source": quiz(args.index),
                       args.backend: quiz(target, args.backend)}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(json.dumps(figures.get("reembed", {}), indent=2))
    print(f"{'':>12} {'system':>8} " + " ".join(f"{m:>8}" for m in
                                                   ("hits@1", "hits@5", "hits@10", "mrr@10")))
    for name, systems in figures["quiz"].items():
        for system, m in systems.items():
            print(f"{name:>12} {system:>8} " + " ".join(
                f"{m.get(k, float('nan')):>8.3f}" for k in ("hits@1", "hits@5", "hits@10", "mrr@10")))


if __name__ == "__main__":
    main()
