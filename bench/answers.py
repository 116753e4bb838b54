"""Measure extractive answers on news-5k, with the naive baseline beside them.

    python bench/answers.py --index DIR [--limit N]
        [--split fresh|fresh2|held-out|report|tune|tune2|...|tune8|all]

Dev set (bench/devset-answers.jsonl, devset-nearmiss.jsonl, written by reading news-5k
articles): the must-quote sentence among the top-3 quotes, by question kind, and near-miss
unanswerable questions refused. Its "tune" and "report" halves came first; rules and
weights were chosen on "tune" until issue 11's third session, and on both halves since.
The "fresh" part (78 answerable, 27 near-miss) was written by readers who never saw the
rules, from articles no other question uses, and is the one reported (never tuned on).
The "tune2" part (84 answerable) was written the same way in issue 11's fifth session and
has been tuned on since; "tune3" (126 answerable) likewise in its sixth (before any tuning on
it, must-quote 0.643 there), and "tune4" (126 answerable) in its seventh (0.794 before any
tuning on it). The "fresh2" part (126 answerable) was written the same way in its ninth
session, and like "fresh" is never tuned on; `--split held-out` reports both, by part.
"tune5" to "tune8" (360 answerable each, issue 11's tenth and eleventh sessions) were
written the same way to train and choose the reader (assistant/reader.py) on.
Seconds per answer, p50 and p95, warm.

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

from bench.common import (DEV_ANSWERS, DEV_NEAR_MISS, DEV_SPLITS, HELD_OUT,  # noqa: E402
                          HELD_OUT_SPLITS, UNANSWERABLE, gold_bodies, holds_sentence,
                          news5k_or_exit, read_jsonl)


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


def dev_set(split: str, limit: int | None) -> tuple[list[dict], list[dict]]:
    """The dev set's answerable and near-miss questions of one part (or all)."""
    parts = HELD_OUT_SPLITS if split == "held-out" else (split,)

    def half(rows: list[dict]) -> list[dict]:
        return [r for r in rows if split == "all" or r["split"] in parts][:limit]

    if not DEV_ANSWERS.exists():
        return [], []
    return half(read_jsonl(DEV_ANSWERS)), half(read_jsonl(DEV_NEAR_MISS))


def must_quoted(row: dict, answer) -> bool:
    """Whether a top-3 quote holds the must-quote sentence (or is a long part of it)."""
    return any(holds_sentence(row["must_quote"], quote.text) for quote in answer.quotes[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--split", default="fresh", choices=[*DEV_SPLITS, "held-out", "all"],
                        help="the dev set part to report (default: fresh, written after the "
                        "rules and never tuned on; held-out: fresh and fresh2)")
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

    index.warm()
    assistant = Assistant(index)
    naive = index.retriever.with_weights(replace(PLAIN, per_article=1000))
    rows = []
    seconds: list[float] = []

    def ask(question: str, as_of=None):
        start = time.perf_counter()
        answer = assistant.ask(question, as_of=as_of)
        seconds.append(time.perf_counter() - start)
        return answer

    assistant.ask("warm-up question about the news")
    t0 = time.perf_counter()
    for n, q in enumerate(quiz, start=1):
        gold = {normalise_url(u) for u in q["gold_urls"]}
        answer_text = q["answer"].lower()
        answerable = any(answer_text in bodies.get(g, "") for g in gold)
        a = ask(q["question"], as_of=parse_date(q["date"]))
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
    un = [ask(u["question"]) for u in unanswerable]
    un_held = [ask(u["question"]) for u in held_out]
    dev, near = dev_set(args.split, args.limit)
    dev_rows = [(d, ask(d["question"], as_of=parse_date(d["as_of"]))) for d in dev]
    near_answers = [ask(u["question"], as_of=parse_date(u["as_of"])) for u in near]

    answerable = [r for r in rows if r["answerable"]]
    odd = [r for n, r in enumerate(rows) if n % 2 == 1]  # never tuned on (see tune_answers)
    share = lambda rs, key: sum(r[key] for r in rs) / max(len(rs), 1)  # noqa: E731
    print(f"\nquiz questions: {len(rows)}, answer in a gold article: {len(answerable)}, "
          f"unanswerable set: {len(un)}")
    print(f"{'figure':44} {'newsdesk':>9} {'naive':>9}")
    print(f"{'answer containment (of %d)' % len(answerable):44} "
          f"{share(answerable, 'contains'):9.3f} {share(answerable, 'naive_contains'):9.3f}")
    odd_answerable = [r for r in odd if r["answerable"]]
    print(f"{'  odd questions only, never tuned on (of %d)' % len(odd_answerable):44} "
          f"{share(odd_answerable, 'contains'):9.3f} {share(odd_answerable, 'naive_contains'):9.3f}")
    print(f"{'gold article among cited sources (of %d)' % len(rows):44} "
          f"{share(rows, 'gold_cited'):9.3f} {share(rows, 'naive_gold_cited'):9.3f}")
    print(f"{'  odd questions only (of %d)' % len(odd):44} "
          f"{share(odd, 'gold_cited'):9.3f} {share(odd, 'naive_gold_cited'):9.3f}")
    print(f"{'found=true on quiz questions (of %d)' % len(rows):44} "
          f"{share(rows, 'found'):9.3f} {1.0:9.3f}")
    print(f"{'  odd questions only (of %d)' % len(odd):44} {share(odd, 'found'):9.3f} {1.0:9.3f}")
    for label, answers in (("unanswerable", un), ("held-out unanswerable", un_held),
                           ("both sets", un + un_held)):
        refused = sum(not a.found for a in answers) / max(len(answers), 1)
        print(f"{'found=false on %s (of %d)' % (label, len(answers)):44} "
              f"{refused:9.3f} {0.0:9.3f}")
    if dev_rows:
        print(f"\ndev set, {args.split} part: must-quote among the top-3 quotes")
        for kind in ("said", "figure", "other", "all"):
            part = [(d, a) for d, a in dev_rows if kind in (d["kind"], "all")]
            held = sum(must_quoted(d, a) for d, a in part)
            print(f"  {kind:8} {held / max(len(part), 1):.3f}  ({held} of {len(part)})")
        parts = list(dict.fromkeys(d["split"] for d, _ in dev_rows))
        for part in parts if len(parts) > 1 else []:
            rows_of = [(d, a) for d, a in dev_rows if d["split"] == part]
            held = sum(must_quoted(d, a) for d, a in rows_of)
            print(f"  part {part:8} {held / len(rows_of):.3f}  ({held} of {len(rows_of)})")
        cited = sum(any(normalise_url(s.url or "") == normalise_url(d["url"]) for s in a.sources)
                    for d, a in dev_rows)
        print(f"  gold article cited {cited / len(dev_rows):.3f}")
    if near_answers:
        refused = sum(not a.found for a in near_answers)
        print(f"near-miss unanswerable refused ({args.split} part): "
              f"{refused / len(near_answers):.3f} ({refused} of {len(near_answers)})")
    ordered = sorted(seconds)
    print(f"seconds per answer (warm, {len(ordered)} answers): "
          f"p50 {ordered[len(ordered) // 2]:.2f}, "
          f"p95 {ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]:.2f}")

    print("\nthreshold calibration on evidence strength (found when strength >= t):")
    quiz_s = sorted(r["strength"] for r in rows)
    un_s = sorted(a.strength for a in un)
    for t in [x / 100 for x in range(30, 76, 2)]:
        print(f"  t={t:.2f}  quiz found {sum(s >= t for s in quiz_s) / len(quiz_s):.3f}   "
              f"unanswerable not found {sum(s < t for s in un_s) / max(len(un_s), 1):.3f}")


if __name__ == "__main__":
    main()
