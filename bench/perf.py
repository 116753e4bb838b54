"""The engine's speed, each figure beside a baseline measured in the same run.

    python bench/perf.py --index5k DIR [--json] [--ann] [--skip ingest,bytes,cold,warm]

- ingest: `newsdesk index` (a new process: start-up, model load, reading, chunking,
  embedding, commits) on a news-5k sample, in passages/s, beside the bare encoder on the
  same passage texts (model already loaded), and their ratio;
- bytes written per passage (the process's write_bytes from /proc) while an index grows
  from empty to 10k passages, and for 2k more passages added at 10k and at 50k. Only bytes
  are measured here, so the vectors come from a stand-in encoder (seeded random unit
  vectors, the real model's size): embedding 50k passages takes the better part of an
  hour on two cores and would not change a byte;
- cold `ask` (a new process each time, OS cache warm), median of 5, on the demo index and
  on the news-5k index, beside the bare interpreter start and the old torch encoder path;
  and of a question asking for a person, with the entity recogniser and without;
- warm hybrid search p50/p95 over the quiz questions (as `newsdesk eval` times them), beside
  the bare encoder on the same questions (every hybrid search embeds its question first);
- with --ann, the 1M-passage approximate-search figures of bench/ann_scale.py.
Machines here are noisy: compare the ratios, not the absolute times.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (NEWS5K, ROOT, news5k_articles, news5k_or_exit,  # noqa: E402
                          news5k_sample_file, timed_run, unit_vectors)

BIN = Path(sys.executable).parent
QUESTION = "What did Lavrov say?"
# a question that asks for a person: its answer reads names with the entity recogniser,
# timed with it (the default) and without it (NEWSDESK_ENTITIES=off)
WHO_QUESTION = "Who won the election?"


def _median_run(argv: list[str], times: int, env: dict | None = None) -> float:
    walls = []
    for _ in range(times):
        wall, done = timed_run(argv, env)
        if done.returncode not in (0, 3):
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-800:]}")
        walls.append(wall)
    return statistics.median(walls)


# ingest --------------------------------------------------------------------------------------
def ingest(articles: int, work: Path) -> dict:
    from embeddings import Index
    from embeddings.encoder import Encoder
    from embeddings.index import embed_text

    sample = news5k_sample_file(work, articles)
    target = work / "ingest-index"
    wall, done = timed_run([str(BIN / "newsdesk"), "index", str(sample), "--index", str(target),
                       "--json"])
    if done.returncode != 0:
        raise SystemExit(f"newsdesk index failed: {done.stderr[-800:]}")
    passages = json.loads(done.stdout)["chunks"]
    with Index.open(target) as index:
        texts = [embed_text(article, article.body[s:e])
                 for article in index.articles()
                 for s, e in index.store.db.execute(
                     'SELECT start, "end" FROM chunks WHERE article_id = ? ORDER BY ordinal',
                     (article.id,))]
    encoder = Encoder().load()
    encoder.encode(texts[:16])  # warm
    t0 = time.perf_counter()
    encoder.encode(texts)
    bare = time.perf_counter() - t0
    return {"articles": articles, "passages": passages, "encoder": encoder.backend,
            "newsdesk_index_s": round(wall, 2), "newsdesk_passages_per_s": round(passages / wall, 2),
            "bare_encode_s": round(bare, 2), "bare_passages_per_s": round(len(texts) / bare, 2),
            "ratio": round((passages / wall) / (len(texts) / bare), 3)}


# bytes written -------------------------------------------------------------------------------
def _write_bytes() -> int:
    with open("/proc/self/io") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("write_bytes"))


class _StandInEncoder:
    """Seeded random unit vectors of the model's size: for counting bytes, not meaning."""

    def __init__(self, dim: int = 384):
        import numpy as np

        self.dim, self.rng = dim, np.random.default_rng(0)
        self.model_id, self.backend = "all-MiniLM-L6-v2", "stand-in"

    def load(self):
        return self

    def encode(self, texts):
        return unit_vectors(self.rng, len(texts), self.dim)


def _articles_for(passages: int):
    """news-5k articles, repeated under new URLs, until about `passages` passages."""
    from dataclasses import replace

    from embeddings.records import article_id_for

    base = news5k_articles()
    copy = 0
    while True:
        for article in base:
            if not copy:
                yield article
                continue
            url = f"{article.url}#copy-{copy}"
            yield replace(article, url=url, id=article_id_for(url, article.body))
        copy += 1


def bytes_written(work: Path, small: int = 10_000, large: int = 50_000, step: int = 2_000) -> dict:
    from embeddings import Index

    index = Index.open(work / "bytes-index")
    index.encoder = _StandInEncoder()
    stream = _articles_for(large + step)
    out: dict[str, float] = {}

    def grow_to(n: int) -> tuple[int, int]:
        start_chunks, start_bytes = index.store.count_chunks(), _write_bytes()
        batch = []
        while index.store.count_chunks() + _estimate(batch) < n:
            batch.append(next(stream))
            if len(batch) >= 200:
                if not index.add(batch).chunks:
                    raise RuntimeError("the stand-in corpus stopped growing")
                batch = []
        if batch:
            index.add(batch)
        return index.store.count_chunks() - start_chunks, _write_bytes() - start_bytes

    passages, written = grow_to(small)
    out["empty_to_10k_bytes_per_passage"] = round(written / passages)
    passages, written = grow_to(small + step)
    out["plus_2k_at_10k_bytes_per_passage"] = round(written / passages)
    grow_to(large)
    passages, written = grow_to(large + step)
    out["plus_2k_at_50k_bytes_per_passage"] = round(written / passages)
    out["vector_bytes_per_passage"] = 384 * 4
    out["passages_at_end"] = index.store.count_chunks()
    index.close()
    return out


def _estimate(batch) -> int:
    return sum(max(1, len(a.body) // 900) for a in batch)


# cold ask ------------------------------------------------------------------------------------
def cold_ask(index5k: Path | None, work: Path, times: int = 5) -> dict:
    demo = work / "demo-index"
    _, done = timed_run([str(BIN / "newsdesk"), "index", str(ROOT / "examples"),
                         "--index", str(demo)])
    if done.returncode != 0:
        raise SystemExit(f"indexing the demo failed: {done.stderr[-800:]}")
    ask = [str(BIN / "ask"), QUESTION]
    out = {"python_start_s": round(_median_run([sys.executable, "-c", "pass"], times), 3),
           "demo_ask_s": round(_median_run(ask + ["--index", str(demo)], times), 3),
           "demo_ask_torch_encoder_s": round(_median_run(ask + ["--index", str(demo)], 3,
                                                         {"NEWSDESK_ENCODER": "torch"}), 3)}
    who = [str(BIN / "ask"), WHO_QUESTION]
    for name, index in (("demo", demo), ("news5k", index5k)):
        if index:
            out[f"{name}_who_ask_s"] = round(_median_run(who + ["--index", str(index)], times), 3)
            out[f"{name}_who_ask_entities_off_s"] = round(_median_run(
                who + ["--index", str(index)], times, {"NEWSDESK_ENTITIES": "off"}), 3)
    if index5k:
        out["news5k_ask_s"] = round(_median_run(ask + ["--index", str(index5k)], times), 3)
        out["news5k_ask_torch_encoder_s"] = round(_median_run(
            ask + ["--index", str(index5k)], 3, {"NEWSDESK_ENCODER": "torch"}), 3)
    return out


# warm search ---------------------------------------------------------------------------------
def warm_search(index5k: Path, limit: int) -> dict:
    from embeddings import Index
    from embeddings.evaluation import evaluate, load_questions
    from embeddings.query import MAX_QUERY_CHARS

    questions = load_questions(NEWS5K / "questions.jsonl")[:limit]
    with Index.open(index5k) as index:
        report = evaluate(index, questions, systems=("hybrid",))
        # the baseline: embedding the question alone, which every hybrid search does first
        encode = []
        for q in questions:
            t0 = time.perf_counter()
            index.encoder.encode([q.question[:MAX_QUERY_CHARS]])  # as a search embeds it
            encode.append((time.perf_counter() - t0) * 1000)
    return {"questions": len(questions), **{k: round(v, 1) for k, v in report.latency_ms.items()},
            "bare_question_encode_p50": round(statistics.median(encode or [0.0]), 1),
            "hits@5": round(report.systems["hybrid"]["hits@5"], 3)}


# main ----------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index5k", type=Path, help="a built news-5k index (cold ask, warm search)")
    parser.add_argument("--articles", type=int, default=400,
                        help="news-5k articles in the ingest sample (default 400)")
    parser.add_argument("--questions", type=int, default=360, help="quiz questions timed warm")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: "
                        "ingest,bytes,cold,warm")
    parser.add_argument("--ann", action="store_true", help="run the 1M-passage ANN bench too")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    news5k_or_exit()
    skip = set(filter(None, args.skip.split(",")))
    work = Path(tempfile.mkdtemp(prefix="newsdesk-perf-"))
    figures: dict[str, object] = {"cpus": os.cpu_count()}
    try:
        if "ingest" not in skip:
            figures["ingest"] = ingest(args.articles, work)
            _show("ingest", figures["ingest"], args.json)
        if "bytes" not in skip:
            figures["bytes_written"] = bytes_written(work)
            _show("bytes written", figures["bytes_written"], args.json)
        if "cold" not in skip:
            figures["cold_ask"] = cold_ask(args.index5k, work)
            _show("cold ask", figures["cold_ask"], args.json)
        if "warm" not in skip and args.index5k:
            figures["warm_search_ms"] = warm_search(args.index5k, args.questions)
            _show("warm search (ms)", figures["warm_search_ms"], args.json)
        if args.ann:
            _, done = timed_run([sys.executable, str(ROOT / "bench" / "ann_scale.py"), "--json"])
            figures["ann_1m"] = json.loads(done.stdout) if done.returncode == 0 else done.stderr
            _show("ANN at 1M", figures["ann_1m"], args.json)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(figures, indent=2))


def _show(title: str, values, as_json: bool) -> None:
    if as_json:  # the figures so far, should a later part fail
        print(f"{title}: {json.dumps(values)}", file=sys.stderr, flush=True)
        return
    print(f"== {title}")
    if isinstance(values, dict):
        for key, value in values.items():
            print(f"  {key:>34}: {value}")
    else:
        print(f"  {values}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
