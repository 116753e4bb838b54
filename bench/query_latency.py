"""Warm query latency on an index: hybrid search and `Assistant.ask`, beside their bare parts.

    python bench/query_latency.py --index DIR [--questions N] [--asks N]

Times, over news-5k's quiz questions and after a warm-up (`Index.warm`), what `newsdesk eval` times
(`search_articles`, hybrid, k=10, one passage, as_of the question's date), the chunk
search that `ask` runs, and `Assistant.ask` itself. Beside them, in the same run, the bare
parts every search needs: the encoder on the query, the FAISS search of its vector and
the FTS5 bm25 query (and the same bm25 from the postings held in memory), so the figures
show what the engine adds. Wall time and the calling
thread's CPU time are both printed: on a shared machine the second is the steadier one.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import news5k_or_exit  # noqa: E402


def timed(calls) -> tuple[list[float], list[float]]:
    """Wall and thread-CPU milliseconds of each call."""
    wall, cpu = [], []
    for call in calls:
        t0, c0 = time.perf_counter(), time.thread_time()
        call()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    return wall, cpu


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def line(name: str, wall: list[float], cpu: list[float]) -> None:
    print(f"  {name:34s} p50 {statistics.median(wall):8.1f}  p95 {p(wall, 0.95):8.1f}   "
          f"cpu p50 {statistics.median(cpu):8.1f}  p95 {p(cpu, 0.95):8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--questions", type=int, default=100, help="searches timed")
    parser.add_argument("--asks", type=int, default=30, help="asks timed")
    args = parser.parse_args()
    data = news5k_or_exit()

    from assistant import Assistant
    from embeddings import Index, Query
    from embeddings.evaluation import load_questions
    from embeddings.query import MAX_QUERY_CHARS, fts_query, keyword_words
    from embeddings.ranking import Weights

    questions = load_questions(data / "questions.jsonl")[: args.questions]
    index = Index.open(args.index, create=False)
    t0 = time.perf_counter()
    index.warm()  # as `newsdesk eval` and the chat: keyword postings in memory
    warm_s = time.perf_counter() - t0
    assistant = Assistant(index)
    first = questions[0]
    index.search_articles(Query(first.question, as_of=first.as_of), passages=1)  # warm-up
    assistant.ask(first.question, as_of=first.as_of)
    db, title_weight = index.store.db, Weights().title_bm25

    def bare_fts(text: str) -> None:
        match = fts_query(text)
        if match:
            db.execute(f"SELECT rowid, bm25(chunks_fts, {title_weight!r}, 1.0) AS s FROM "
                       "chunks_fts WHERE chunks_fts MATCH ? ORDER BY s LIMIT 100",
                       [match]).fetchall()

    vectors = {q.id: index.encoder.encode([q.question[:MAX_QUERY_CHARS]])[0] for q in questions}
    print(f"{index.path}: {index.stats()['chunks']} passages; {len(questions)} searches, "
          f"{min(args.asks, len(questions))} asks; load average {os.getloadavg()[0]:.1f}")
    print(f"warm-up (encoder, keyword postings): {warm_s:.2f} s")
    print("milliseconds, warm")
    print("bare parts:")
    line("encode the query", *timed(
        lambda q=q: index.encoder.encode([q.question[:MAX_QUERY_CHARS]]) for q in questions))
    line("FAISS search (k=100)", *timed(
        lambda q=q: index.vectors.search(vectors[q.id], 100) for q in questions))
    line("FTS5 bm25 top-100", *timed(lambda q=q: bare_fts(q.question) for q in questions))
    keywords = index.retriever.keywords
    line("same bm25, postings in memory", *timed(
        lambda q=q: keywords.search(keyword_words(q.question), 100, title_weight)
        for q in questions))
    print("engine:")
    line("search_articles (as eval)", *timed(
        lambda q=q: index.search_articles(Query(q.question, k=10, as_of=q.as_of), passages=1)
        for q in questions))
    line("search (chunks, k=8, as ask)", *timed(
        lambda q=q: index.search(Query(q.question, k=8, as_of=q.as_of)) for q in questions))
    line("Assistant.ask", *timed(
        lambda q=q: assistant.ask(q.question, as_of=q.as_of) for q in questions[: args.asks]))
    index.close()


if __name__ == "__main__":
    main()
