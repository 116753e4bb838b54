"""Measure wire-copy clustering (embeddings/duplicates.py) on news-5k.

    python bench/duplicates.py [--show N] [--json]

Reports, for the clustering as indexing runs it (`duplicates.clusters`, same thresholds):
- clusters of two or more in news-5k, and up to 20 random clustered pairs to read;
- on bench/duplicates-labels.jsonl (pairs labelled "same"/"different" story by reading both
  articles; alternate lines are the "tune" and "report" halves): precision and recall of
  "in one cluster", per half, and how many different stories share a cluster (must be 0);
- simulated wire copies: for 200 seeded articles, a copy as another outlet would run it
  (a dateline before the first paragraph, the last paragraph cut when there are four or
  more, a rewritten headline, a copyright line after), indexed beside news-5k: the share
  clustered with their original, per half, and whether any copy joined another story.

How `THRESHOLD` was chosen (the table printed): in news-5k, stories labelled different
reach a body similarity of 1.0 (pages that are nothing but one site's sign-up block), so no
body threshold alone keeps them apart: the outlet and headline rule (`duplicates.copies`)
must, and the table counts the tune half's different pairs that pass it at each value. Of
the values where none does, the highest at which at least 95% of the tune half's simulated
copies still cluster is chosen (the higher, the fewer chance look-alikes); its recall is
read on the report half.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, news5k_or_exit, read_jsonl  # noqa: E402

LABELS = ROOT / "bench" / "duplicates-labels.jsonl"
GRID = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)
SIMULATED = 200


def read_articles(folder: Path) -> list:
    from embeddings.readers import read_paths
    from embeddings.records import Article

    return [a for a in read_paths([folder / "articles.jsonl.gz"]) if isinstance(a, Article)]


def members_of(articles, signatures) -> list:
    from embeddings.duplicates import Member

    return [Member(a.id, signatures[a.id], a.published, "", a.title, a.outlet)
            for a in articles if signatures.get(a.id) is not None]


def wire_copy(article, n: int):
    """`article` as another outlet runs a wire story (see the module's note)."""
    paragraphs = article.body.split("\n\n")
    if len(paragraphs) >= 4:
        paragraphs = paragraphs[:-1]
    paragraphs[0] = "NEW YORK (Wire) — " + paragraphs[0]
    body = "\n\n".join(paragraphs + ["Copyright 2026 Wire Service. All rights reserved."])
    words = article.title.split()
    title = "Update: " + " ".join(words[:max(3, len(words) - 3)])
    return replace(article, id="", body=body, title=title, outlet="Wire Copy Daily",
                   url=f"https://wirecopy.example/story/{n}")


def pair_figures(labels: list[dict], cluster: dict[str, str], ids: dict[str, str]) -> dict:
    tp = fp = fn = tn = 0
    for row in labels:
        a, b = ids.get(row["url_a"]), ids.get(row["url_b"])
        together = a is not None and b is not None and cluster.get(a) is not None \
            and cluster.get(a) == cluster.get(b)
        same = row["label"] == "same"
        tp += together and same
        fp += together and not same
        fn += same and not together
        tn += not same and not together
    return {"pairs": len(labels), "same": tp + fn, "different": fp + tn,
            "clustered_same": tp, "different_in_one_cluster": fp,
            "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", type=int, default=20, help="clustered pairs to print")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = news5k_or_exit()

    from embeddings import duplicates
    from embeddings.evaluation import normalise_url

    articles = read_articles(folder)
    started = time.perf_counter()
    signatures = {a.id: duplicates.signature(a.body) for a in articles}
    signing = time.perf_counter() - started
    members = members_of(articles, signatures)
    started = time.perf_counter()
    cluster = duplicates.clusters(members)
    clustering = time.perf_counter() - started
    by_id = {a.id: a for a in articles}
    groups: dict[str, list[str]] = {}
    for aid, rep in cluster.items():
        groups.setdefault(rep, []).append(aid)
    ids = {normalise_url(a.url): a.id for a in articles if a.url}

    labels = read_jsonl(LABELS)
    halves = {"tune": labels[0::2], "report": labels[1::2]}
    labelled = {half: pair_figures(rows, cluster, {u: ids.get(normalise_url(u)) for r in rows
                                                   for u in (r["url_a"], r["url_b"])})
                for half, rows in halves.items()}

    # the threshold table: body similarity of the labelled pairs and of simulated copies
    def sim(url_a: str, url_b: str) -> float | None:
        a, b = ids.get(normalise_url(url_a)), ids.get(normalise_url(url_b))
        if a is None or b is None or signatures.get(a) is None or signatures.get(b) is None:
            return None
        return duplicates.similarity(signatures[a], signatures[b])

    different_max = {half: max((s for r in rows if r["label"] == "different"
                                and (s := sim(r["url_a"], r["url_b"])) is not None), default=0.0)
                     for half, rows in halves.items()}
    member = {m.article_id: m for m in members}
    near_at = {t: duplicates.look_alikes(members, t) for t in GRID}
    skipped = {t: duplicates.templates(members, near_at[t]) for t in GRID}

    def passes(row: dict, t: float) -> bool:
        """The pair would share a cluster by the rule: neither a template, and copies."""
        a, b = ids.get(normalise_url(row["url_a"])), ids.get(normalise_url(row["url_b"]))
        s = sim(row["url_a"], row["url_b"])
        return s is not None and not {a, b} & skipped[t] and \
            duplicates.copies(member[a], member[b], s, t)
    rng = random.Random(15)
    originals = rng.sample([a for a in articles if signatures.get(a.id) is not None], SIMULATED)
    copies = [wire_copy(a, n) for n, a in enumerate(originals)]
    copy_sims = [duplicates.similarity(signatures[o.id], duplicates.signature(c.body))
                 for o, c in zip(originals, copies)]
    sim_halves = {"tune": copy_sims[0::2], "report": copy_sims[1::2]}
    table = [{"threshold": t,
              "tune_different_above": sum(1 for r in halves["tune"] if r["label"] == "different"
                                          and (sim(r["url_a"], r["url_b"]) or 0) >= t),
              "tune_different_passing": sum(1 for r in halves["tune"]
                                            if r["label"] == "different" and passes(r, t)),
              "simulated_recall_tune": sum(s >= t for s in sim_halves["tune"]) / len(sim_halves["tune"]),
              "simulated_recall_report": sum(s >= t for s in sim_halves["report"]) / len(sim_halves["report"])}
             for t in GRID]
    chosen = max((row["threshold"] for row in table if row["tune_different_passing"] == 0
                  and row["simulated_recall_tune"] >= 0.95), default=None)

    # the copies indexed beside news-5k, clustered as indexing does
    copy_signatures = {c.id: duplicates.signature(c.body) for c in copies}
    both = duplicates.clusters(
        members + members_of(copies, copy_signatures))
    joined = {"tune": 0, "report": 0}
    wrong = 0
    for n, (o, c) in enumerate(zip(originals, copies)):
        rep = both.get(c.id)
        if rep is not None and both.get(o.id) == rep:
            joined["tune" if n % 2 == 0 else "report"] += 1
        elif rep is not None:
            wrong += 1
    copies_of = {o.id for o in originals} | {c.id for c in copies}
    strays = sum(1 for aid, rep in both.items()
                 if aid not in copies_of and cluster.get(aid) is None)

    report = {
        "articles": len(articles), "too_short_to_sign": sum(s is None for s in signatures.values()),
        "seconds_signing": round(signing, 1), "seconds_clustering": round(clustering, 2),
        "threshold": duplicates.THRESHOLD, "title_same": duplicates.TITLE_SAME,
        "clusters": len(groups), "articles_in_clusters": len(cluster),
        "labelled": labelled, "different_max_similarity": different_max,
        "threshold_table": table, "threshold_by_rule": chosen,
        "simulated": {"copies": SIMULATED,
                      "clustered_with_original": {h: joined[h] / (SIMULATED // 2) for h in joined},
                      "joined_another_story": wrong,
                      "news5k_articles_newly_clustered": strays},
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"news-5k: {len(articles)} articles ({report['too_short_to_sign']} too short to sign); "
          f"signatures {signing:.1f} s, clustering {clustering:.2f} s")
    print(f"THRESHOLD {duplicates.THRESHOLD} (body), TITLE_SAME {duplicates.TITLE_SAME}: "
          f"{len(groups)} clusters of two or more, {len(cluster)} articles in them")
    pairs = [(rep, aid) for rep, members_ in groups.items() for aid in members_ if aid != rep]
    for rep, aid in random.Random(20).sample(pairs, min(args.show, len(pairs))):
        a, b = by_id[rep], by_id[aid]
        print(f"  {duplicates.similarity(signatures[a.id], signatures[b.id]):.2f}  "
              f"{a.outlet} | {a.title[:60]}\n        {b.outlet} | {b.title[:60]}")
    if len(pairs) < args.show:  # the look-alikes the rule kept apart, for a reader to check
        near = near_at[0.5]
        skip = skipped[duplicates.THRESHOLD]
        apart = sorted({tuple(sorted((a, b))) for a, found in near.items() for b, _ in found
                        if cluster.get(a) is None or cluster.get(a) != cluster.get(b)})
        print(f"\n{args.show - len(pairs)} random look-alike pairs (body similarity >= 0.5) "
              f"kept apart, of {len(apart)}:")
        for a_id, b_id in random.Random(21).sample(apart, min(args.show - len(pairs), len(apart))):
            a, b = by_id[a_id], by_id[b_id]
            sim = duplicates.similarity(signatures[a_id], signatures[b_id])
            why = ("below the threshold" if sim < duplicates.THRESHOLD else
                   "a template body" if {a_id, b_id} & skip else
                   "one outlet, headlines of their own")
            print(f"  {sim:.2f} ({why})  {a.outlet} | {a.title[:55]}\n"
                  f"        {'':>{len(why) + 3}}  {b.outlet} | {b.title[:55]}")
    print("\nLabelled pairs (bench/duplicates-labels.jsonl):")
    for half, f in labelled.items():
        precision = "n/a (nothing clustered)" if f["precision"] is None else f"{f['precision']:.3f}"
        recall = "n/a" if f["recall"] is None else f"{f['recall']:.3f}"
        print(f"  {half:>6}: {f['pairs']} pairs ({f['same']} same, {f['different']} different); "
              f"different stories in one cluster: {f['different_in_one_cluster']}; "
              f"precision {precision}; recall {recall}")
    print(f"\nBody similarity, highest of a 'different' pair: tune {different_max['tune']:.2f}, "
          f"report {different_max['report']:.2f}")
    print("threshold  tune different: above / passing the rule  simulated recall: tune / report")
    for row in table:
        print(f"  {row['threshold']:.2f}     {row['tune_different_above']:>4} / "
              f"{row['tune_different_passing']:<4}"
              f"                          {row['simulated_recall_tune']:.2f} / "
              f"{row['simulated_recall_report']:.2f}")
    print(f"chosen by the rule (none passing, tune recall >= 0.95, highest): {chosen}")
    s = report["simulated"]
    print(f"\nSimulated wire copies beside news-5k: clustered with their original "
          f"tune {s['clustered_with_original']['tune']:.2f}, "
          f"report {s['clustered_with_original']['report']:.2f}; joined another story: "
          f"{s['joined_another_story']}; news-5k articles newly clustered: "
          f"{s['news5k_articles_newly_clustered']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
