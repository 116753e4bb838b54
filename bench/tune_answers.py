"""Fit the evidence weights and the found threshold on news-5k, from cached features.

    python bench/tune_answers.py --index DIR

For every quiz question (and bench/unanswerable.jsonl) the candidate sentences of the
retrieved passages are scored once, every feature kept; weights are then fitted by
coordinate descent on the tune halves only (the even quiz questions and the dev set's
"tune" half, or the halves --dev-splits names; never its held-out "fresh" and "fresh2" parts): quiz answer
containment + gold article cited + dev set must-quote (top-3 quotes); bench/answers.py
reports the rest. The found rule (a rare question term
missing from the top passages, their closeness in meaning, a strong sentence) is chosen
to keep found=true on >= 0.90 of the quiz while refusing as many unanswerable questions
as possible.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (DEV_ANSWERS, TUNABLE_SPLITS, UNANSWERABLE, gold_bodies,  # noqa: E402
                          holds_sentence, news5k_or_exit, read_jsonl)

EMBED_AT_MOST = 64  # sentences embedded a question: evidence.EMBED_AT_MOST (16), with room to spare
FEATURES = ("similarity", "coverage", "names", "kind", "rank_prior", "speaker", "answer",
            "focus", "focus_similarity", "near", "unfinished")
GRID = {"similarity": [0.3, 0.4, 0.5, 0.6, 0.8], "coverage": [0.1, 0.2, 0.3, 0.4, 0.6],
        "names": [0.0, 0.1, 0.15, 0.25, 0.4], "kind": [0.0, 0.04, 0.08, 0.15, 0.25],
        "rank": [0.0, 0.05, 0.1, 0.2, 0.3], "speaker": [0.5],
        "answer": [0.0, 0.05, 0.1, 0.15, 0.25, 0.4], "focus": [0.0, 0.1, 0.2, 0.4],
        "focus_similarity": [0.0, 0.2, 0.4, 0.6], "near": [0.0, 0.05, 0.1, 0.2],
        "unfinished": [0.0, -0.1, -0.2]}


def _holds(answer: str, text: str, sentence: bool) -> bool:
    """A quiz answer string inside the text; or, for a dev set must-quote sentence, the
    sentence inside the text or a long part of it (the splitters may differ)."""
    if not answer:
        return False
    return holds_sentence(answer, text) if sentence else answer in text


def collect(index, assistant, items, sentence: bool = False):
    from assistant.evidence import candidates, score
    from assistant.missing import passage_evidence
    from assistant.question import analyse
    from embeddings.evaluation import normalise_url

    out = []
    for n, (question, as_of, answer, gold) in enumerate(items, start=1):
        hits = assistant.search(question, as_of=as_of)
        q = analyse(question)
        cands = candidates(hits, speech=q.speaker is not None)
        idf = index.term_weights(list(q.terms))
        score(q, cands, index.encoder.encode, idf, embed_at_most=EMBED_AT_MOST)
        urls = {h.article.id: normalise_url(h.article.url or "") for h in hits}
        near = passage_evidence(q, hits, idf)
        out.append({
            "missing_rare": near["missing_rare_term_idf"],
            "passage_similarity": near["passage_similarity"],
            "cands": [{**{f: c.scores.get(f, 0.0) for f in FEATURES},
                       "key": " ".join(c.text.lower().split()),
                       "contains": _holds(answer, c.quoted_text.lower(), sentence),
                       "gold": urls[c.article_id] in gold} for c in cands],
        })
        if n % 50 == 0:
            print(f"  {n}/{len(items)}", flush=True)
    return out


def pick(question, w):
    """The best distinct sentences with the weights `w` (a dict of EvidenceWeights fields),
    as the assistant chooses them less its wire-copy and top-passage rules."""
    from assistant.assistant import MAX_QUOTES, RELATIVE_CUTOFF
    from assistant.evidence import EvidenceWeights

    weights = EvidenceWeights(**w)
    scored = sorted(((weights.total(c), i) for i, c in enumerate(question["cands"])),
                    reverse=True)
    chosen, keys = [], set()
    for s, i in scored:
        c = question["cands"][i]
        if chosen and s < scored[0][0] * RELATIVE_CUTOFF:
            break
        if c["key"] not in keys:
            keys.add(c["key"])
            chosen.append(c)
        if len(chosen) == MAX_QUOTES:
            break
    return (scored[0][0] if scored else 0.0), chosen


def figures(quiz, w, mask=None):
    idx = range(len(quiz)) if mask is None else [i for i in range(len(quiz)) if mask[i]]
    contain = gold = answerable = 0
    for i in idx:
        q = quiz[i]
        _, chosen = pick(q, w)
        if q["answerable"]:
            answerable += 1
            contain += any(c["contains"] for c in chosen)
        gold += any(c["gold"] for c in chosen)
    n = len(list(idx)) if mask is not None else len(quiz)
    return contain / max(answerable, 1), gold / max(n, 1)


def fit(objective, w):
    """Coordinate descent over GRID from the weights `w`, maximising objective(w)."""
    best = objective(w)
    for _ in range(3):
        improved = False
        for name, values in GRID.items():
            for v in values:
                trial = {**w, name: v}
                s = objective(trial)
                if s > best + 1e-9:
                    w, best, improved = trial, s, True
        if not improved:
            break
    return w


def _splits(value: str) -> list[str]:
    splits = value.split(",")
    if not set(splits) <= set(TUNABLE_SPLITS):
        raise argparse.ArgumentTypeError(
            f"parts to fit on: {', '.join(TUNABLE_SPLITS)} (never fresh or fresh2)")
    return splits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--cache", help="keep the collected features in this JSON file")
    parser.add_argument("--dev-splits", default="tune", type=_splits,
                        help="the dev set parts to fit on, comma-separated: tune, report, tune2, tune3, tune4 "
                        "(default: tune; the fresh and fresh2 parts are never fitted on)")
    args = parser.parse_args()
    data = news5k_or_exit()

    from assistant import Assistant
    from assistant.evidence import EvidenceWeights
    from embeddings import Index
    from embeddings.evaluation import normalise_url
    from embeddings.readers.common import parse_date

    index = Index.open(args.index, create=False)
    if args.cache and Path(args.cache).exists():
        quiz, unanswerable, dev = json.loads(Path(args.cache).read_text())
    else:
        assistant = Assistant(index)
        bodies = gold_bodies(index)
        rows = read_jsonl(data / "questions.jsonl")[0::2]  # the tune half: even questions
        items = [(r["question"], parse_date(r["date"]), r["answer"].lower(),
                  {normalise_url(u) for u in r["gold_urls"]}) for r in rows]
        quiz = collect(index, assistant, items)
        for q, (_, _, answer, gold) in zip(quiz, items):
            q["answerable"] = any(answer in bodies.get(g, "") for g in gold)
        un_rows = read_jsonl(UNANSWERABLE)
        unanswerable = collect(index, assistant, [(u["question"], None, "", set()) for u in un_rows])
        dev_rows = [d for d in read_jsonl(DEV_ANSWERS) if d["split"] in args.dev_splits]
        dev = collect(index, assistant, [(d["question"], parse_date(d["as_of"]),
                                          d["must_quote"].lower(), {normalise_url(d["url"])})
                                         for d in dev_rows], sentence=True)
        for d in dev:
            d["answerable"] = True
        if args.cache:
            Path(args.cache).write_text(json.dumps([quiz, unanswerable, dev]))

    d = asdict(EvidenceWeights())
    def objective(w):
        """On the tune halves: quiz containment + gold cited + dev set must-quote."""
        return sum(figures(quiz, w)) + figures(dev, w)[0]

    def show(label, w):
        print(f"{label}: tune halves: quiz containment %.3f, gold cited %.3f; "
              f"dev must-quote %.3f" % (*figures(quiz, w), figures(dev, w)[0]))

    print("current weights:", d)
    show("current", d)
    w = fit(objective, d)
    print("fitted weights (on the tune halves):", w)
    show("fitted", w)

    def found(rows, best, a, b, t):
        rare = np.array([r["missing_rare"] for r in rows])
        close = np.array([r["passage_similarity"] for r in rows])
        return (rare <= b) & ((close >= a) | (best >= t))

    q_best = np.array([pick(q, w)[0] for q in quiz])
    u_best = np.array([pick(u, w)[0] for u in unanswerable])
    options = []
    for a in np.arange(0.30, 0.60, 0.01):
        for b in np.arange(6.0, 11.0, 0.25):
            for t in np.arange(0.8, 1.25, 0.05):
                fq = float(np.mean(found(quiz, q_best, a, b, t)))
                ru = float(np.mean(~found(unanswerable, u_best, a, b, t)))
                options.append((fq >= 0.9, ru + fq, fq, ru, a, b, t))
    _, _, fq, ru, a, b, t = max(options)
    print(f"found rule: no missing term with idf > {b:.2f}, and passage similarity >= {a:.2f} "
          f"or best sentence >= {t:.2f}: quiz found {fq:.3f}, unanswerable refused {ru:.3f}")

if __name__ == "__main__":
    main()
