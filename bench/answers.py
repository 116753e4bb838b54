"""Measure extractive answers on news-5k, with the naive baseline beside them.

    python bench/answers.py --index DIR [--limit N]

Figures (top-3 quotes): answer containment on the questions whose answer string occurs in
a gold article; gold article among the cited sources (all questions); found=true on the
quiz questions and found=false on bench/unanswerable.jsonl (the set the found rule was
tuned on) and on bench/unanswerable-heldout.jsonl (written after the rule was fixed and
never used to choose it). The naive baseline, measured in the same run: plain RRF of
dense and BM25, top-5 chunks, the 3 sentences sharing most words with the question (it
always answers).
"""
from __future__ import annotations

import argparse
from dataclasses import replace
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (HELD_OUT, UNANSWERABLE, gold_bodies, news5k_or_exit,  # noqa: E402
                          read_jsonl)


def naive_quotes(retriever, question: str) -> list[tuple[str, str]]:
    """(quote text, article url) of the 3 sentences sharing most words with the question."""
    from embeddings.query import Query, terms
    from embeddings.sentences import sentence_spans

    hits = retriever.search(Query(question, k=5))
    wanted = set(terms(question))
    scored = []
    for hit in hits:
        for s, e in sentence_spans(hit.text):
            text = hit.text[s:e]
            scored.append((len(wanted & set(terms(text))), text, hit.article.url))
    scored.sort(key=lambda x: -x[0])
    return [(t, u) for _, t, u in scored[:3]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    data = news5k_or_exit()

    from assistant import Assistant
    from embeddings import Index
    from embeddings.evaluation import normalise_url
    from embeddings.ranking import PLAIN
    from embeddings.readers.common import parse_date

    index = Index.open(args.index, create=False)
    bodies = gold_bodies(index)
    quiz = read_jsonl(data / "questions.jsonl")
    unanswerable, held_out = read_jsonl(UNANSWERABLE), read_jsonl(HELD_OUT)
    if args.limit:
        quiz, unanswerable, held_out = (x[: args.limit] for x in (quiz, unanswerable, held_out))
    for u in unanswerable + held_out:  # the sets must stay unanswerable for this corpus
        terms = [t.lower() for t in u["absent"]]
        assert not any(all(t in b for t in terms) for b in bodies.values()), u

    assistant = Assistant(index)
    naive = index.retriever.with_weights(replace(PLAIN, per_article=1000))
    rows = []
    t0 = time.perf_counter()
    for n, q in enumerate(quiz, start=1):
        gold = {normalise_url(u) for u in q["gold_urls"]}
        answer_text = q["answer"].lower()
        answerable = any(answer_text in bodies.get(g, "") for g in gold)
        a = assistant.ask(q["question"], as_of=parse_date(q["date"]))
        quoted = " ".join(x.text for x in a.quotes).lower()
        cited = {normalise_url(s.url) for s in a.sources if s.url}
        nq = naive_quotes(naive, q["question"])
        rows.append({
            "answerable": answerable, "found": a.found, "strength": a.strength,
            "contains": answer_text in quoted, "gold_cited": bool(cited & gold),
            "naive_contains": answer_text in " ".join(t for t, _ in nq).lower(),
            "naive_gold_cited": bool({normalise_url(u) for _, u in nq if u} & gold),
        })
        if n % 60 == 0:
            print(f"  {n}/{len(quiz)} quiz questions ({time.perf_counter() - t0:.0f} s)", flush=True)
    un = [assistant.ask(u["question"]) for u in unanswerable]
    un_held = [assistant.ask(u["question"]) for u in held_out]

    answerable = [r for r in rows if r["answerable"]]
    share = lambda rs, key: sum(r[key] for r in rs) / max(len(rs), 1)  # noqa: E731
    print(f"\nquiz questions: {len(rows)}, answer in a gold article: {len(answerable)}, "
          f"unanswerable set: {len(un)}")
    print(f"{'figure':44} {'newsdesk':>9} {'naive':>9}")
    print(f"{'answer containment (of %d)' % len(answerable):44} "
          f"{share(answerable, 'contains'):9.3f} {share(answerable, 'naive_contains'):9.3f}")
    print(f"{'gold article among cited sources (of %d)' % len(rows):44} "
          f"{share(rows, 'gold_cited'):9.3f} {share(rows, 'naive_gold_cited'):9.3f}")
    print(f"{'found=true on quiz questions (of %d)' % len(rows):44} "
          f"{share(rows, 'found'):9.3f} {1.0:9.3f}")
    for label, answers in (("unanswerable", un), ("held-out unanswerable", un_held),
                           ("both sets", un + un_held)):
        refused = sum(not a.found for a in answers) / max(len(answers), 1)
        print(f"{'found=false on %s (of %d)' % (label, len(answers)):44} "
              f"{refused:9.3f} {0.0:9.3f}")
    print(f"seconds per answer: "
          f"{(time.perf_counter() - t0) / (len(rows) + len(un) + len(un_held)):.2f}")

    print("\nthreshold calibration on evidence strength (found when strength >= t):")
    quiz_s = sorted(r["strength"] for r in rows)
    un_s = sorted(a.strength for a in un)
    for t in [x / 100 for x in range(30, 76, 2)]:
        print(f"  t={t:.2f}  quiz found {sum(s >= t for s in quiz_s) / len(quiz_s):.3f}   "
              f"unanswerable not found {sum(s < t for s in un_s) / max(len(un_s), 1):.3f}")


if __name__ == "__main__":
    main()
