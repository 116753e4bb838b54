"""Shared helpers of the benchmark scripts: where the news-5k data and the question sets
lie, and how a quiz answer is checked against its gold articles."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS5K = Path(os.environ.get("NEWSDESK_NEWS5K", ROOT.parent / "shared" / "data" / "news-5k"))
UNANSWERABLE = ROOT / "bench" / "unanswerable.jsonl"  # the set the found rule was tuned on
HELD_OUT = ROOT / "bench" / "unanswerable-heldout.jsonl"  # never used to choose it
# issue 11: tune, report, fresh, tune2-4, fresh2, tune5-8
DEV_ANSWERS = ROOT / "bench" / "devset-answers.jsonl"
DEV_NEAR_MISS = ROOT / "bench" / "devset-nearmiss.jsonl"
# the dev set's parts; every one but the held-out ones ("fresh", "fresh2") may be tuned on
# (check_devset.py, which imports nothing of the project, keeps its own list)
DEV_SPLITS = ("tune", "report", "fresh", "tune2", "tune3", "tune4", "fresh2", "tune5", "tune6",
              "tune7", "tune8")
HELD_OUT_SPLITS = ("fresh", "fresh2")
TUNABLE_SPLITS = tuple(s for s in DEV_SPLITS if s not in HELD_OUT_SPLITS)


def news5k_or_exit() -> Path:
    """The data folder, or exit 0 with a message when it is absent (benchmarks skip)."""
    if not (NEWS5K / "articles.jsonl.gz").exists():
        print(f"skip: {NEWS5K} is absent; nothing to measure")
        sys.exit(0)
    return NEWS5K


def news5k_sample_file(folder: Path, articles: int) -> Path:
    """The first `articles` news-5k records, written as a JSON Lines file in `folder`."""
    import gzip

    path = folder / "sample.jsonl"
    with gzip.open(NEWS5K / "articles.jsonl.gz", "rt", encoding="utf-8") as src, \
            open(path, "w", encoding="utf-8") as out:
        for n, line in enumerate(src):
            if n >= articles:
                break
            out.write(line)
    return path


def news5k_articles(limit: int | None = None) -> list:
    """news-5k's articles (the first `limit`), read as `newsdesk index` reads them."""
    from embeddings import read_paths

    out = []
    for item in read_paths([NEWS5K / "articles.jsonl.gz"]):
        if hasattr(item, "body"):  # not a Skipped record
            out.append(item)
            if limit is not None and len(out) >= limit:
                break
    return out


def unit_vectors(rng, n: int, dim: int):
    """`n` seeded random unit vectors: a stand-in for embeddings where only sizes count."""
    import numpy as np

    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def timed_run(argv: list[str], env: dict | None = None):
    """(wall seconds, the finished process) of a command, offline as every run here is."""
    import subprocess
    import time

    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})})
    return time.perf_counter() - t0, done


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def gold_bodies(index) -> dict[str, str]:
    """Normalised URL -> lower-cased body of every indexed article, for answer containment."""
    from embeddings.evaluation import normalise_url

    return {normalise_url(u): b.lower() for u, b in index.store.db.execute(
        "SELECT url, body FROM articles WHERE url IS NOT NULL")}


def holds_sentence(sentence: str, text: str) -> bool:
    """Whether `text` holds a dev set's must-quote `sentence`, or is a long part of it (the
    two sentence splitters may cut it differently); case and spacing aside."""
    must, text = " ".join(sentence.split()).lower(), " ".join(text.split()).lower()
    return must in text or (len(text) >= 40 and text in must)
