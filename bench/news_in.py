"""Measure news that comes in by itself: `update` on the local test site, and the time from
a file appearing to it being answerable under `newsdesk watch`.

    python bench/news_in.py [--files N] [--json]

1. Feeds: the test suite's local news site (tests/feed_site.py: RSS 2.0 and Atom, a 404
   item, a slow page, a PDF, a huge page, a redirect loop) on 127.0.0.1; a new index
   subscribed to both feeds; `update` with the default politeness (1 s between requests
   to one host) and a 2 s timeout, run MAX_ATTEMPTS + 1 times with nothing changed on the
   site: the first indexes, the next try the failed items again, the last is conditional
   GETs alone. Per-feed counts, and each update's seconds and requests. Baseline
   in the same run: the same article pages saved as files and indexed with `index.add`.
2. Watch: `newsdesk watch` on an empty folder as a subprocess; N files written one at a
   time, each timed from its write until an index held open (as the chat holds one) finds
   it by search. Baseline in the same run: a one-shot `newsdesk index FILE` of a like file
   (what a user ran by hand before), timed from its start to its exit.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
BIN = Path(sys.executable).parent


def feeds_figures(work: Path) -> dict:
    import httpx
    from feed_site import FeedSite

    from embeddings import Index
    from embeddings.web import update as feeds
    from embeddings.web.fetch import Fetcher

    with FeedSite() as site, Index.open(work / "feeds-ix") as index:
        with Fetcher(timeout=2.0) as fetcher:
            for path in ("/rss.xml", "/atom.xml"):
                feeds.subscribe(index, site.url(path), fetcher=fetcher)
            runs = []
            for _ in range(feeds.MAX_ATTEMPTS + 1):  # the last: failed items given up on
                site.clear_log()
                started = time.perf_counter()
                done = feeds.update(index, fetcher=fetcher)
                runs.append({"seconds": round(time.perf_counter() - started, 2),
                             "requests": len(site.requests),
                             "not_modified": sum(r.status == 304 for r in site.requests),
                             **done.to_dict()})
        saved = work / "saved-pages"
        saved.mkdir()
        for n, article in enumerate(index.articles()):
            if "/articles/" in (article.url or ""):
                (saved / f"{n}.html").write_text(httpx.get(article.url).text)
    with Index.open(work / "files-ix") as files:
        started = time.perf_counter()
        baseline = files.add([saved])
        baseline_s = time.perf_counter() - started
    return {"updates": runs,
            "baseline_saved_pages": {"seconds": round(baseline_s, 2), "articles": baseline.added}}


STORY = ("The {place} ferry returns to service on Saturday after {n} months of engine repairs, "
         "the port authority said.\n\n\"Crossings will run every hour from 7 a.m.,\" said "
         "harbour master {name}.")
PLACES = ["Kelby", "Marrow", "Tessin", "Ullan", "Varde", "Wexmoor", "Yarrow", "Zell"]
NAMES = ["Ines Walter", "Tomas Berg", "Ada Lind", "Ravi Shah", "Mona Dahl", "Piet Roos",
         "Lena Holt", "Oskar Fry"]


def watch_figures(work: Path, files: int, copy_of: Path | None = None) -> dict:
    import shutil

    from embeddings import Index, Query

    folder, ix = work / "clippings", work / "watch-ix"
    folder.mkdir()
    if copy_of is not None:  # a large index beside the new files (news-5k)
        shutil.copytree(copy_of, ix)
    from watcher import Watcher

    watcher = Watcher(folder, ix)
    try:
        watcher.next("watching", timeout=300)  # ready once it watches
        reader = Index.open(ix, create=False)
        waits = []
        for n in range(files):
            place = PLACES[n % len(PLACES)]
            url = f"https://harbour.example/{place.lower()}-{n}"
            body = STORY.format(place=place, n=n + 2, name=NAMES[n % len(NAMES)])
            started = time.perf_counter()
            (folder / f"{n}.json").write_text(json.dumps({"title": f"{place} ferry returns",
                                                          "text": body, "url": url}))
            while True:
                hits = reader.search_articles(Query(f"{place} ferry repairs", k=1))
                if hits and hits[0].article.url == url:
                    break
                if time.perf_counter() - started > 120:
                    raise RuntimeError("the watch never indexed the file")
                time.sleep(0.02)
            waits.append(time.perf_counter() - started)
        reader.close()
    finally:
        watcher.stop()
    one = work / "one-shot"
    one.mkdir()
    if copy_of is not None:
        shutil.copytree(copy_of, work / "one-ix")
    (one / "x.json").write_text(json.dumps({"title": "Ferry returns", "url": "https://h.example/x",
                                            "text": STORY.format(place="Quay", n=3, name="Al Moss")}))
    started = time.perf_counter()
    subprocess.run([str(BIN / "newsdesk"), "index", str(one), "--index", str(work / "one-ix")],
                   check=True, capture_output=True)
    one_shot = time.perf_counter() - started
    return {"files": files, "seconds_to_answerable": [round(w, 2) for w in waits],
            "median": round(statistics.median(waits), 2), "max": round(max(waits), 2),
            "baseline_one_shot_index": round(one_shot, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--index5k", type=Path, metavar="DIR",
                        help="also time the watch beside a copy of this index (news-5k)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        report = {"feeds": feeds_figures(work), "watch": watch_figures(work, args.files)}
        if args.index5k:
            big = work / "big"
            big.mkdir()
            report["watch_5k"] = watch_figures(big, args.files, args.index5k)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    f = report["feeds"]
    print("Feeds on the local test site (default politeness: 1 s between requests to a host):")
    for feed in f["updates"][0]["feeds"]:
        reasons = "; ".join(x["reason"] for x in feed["failed"])
        print(f"  {feed['name']}: {feed['new']} new ({feed['from_summary']} from the feed's "
              f"text), {len(feed['failed'])} failed{': ' + reasons if reasons else ''}")
    for n, run in enumerate(f["updates"], start=1):
        print(f"  update {n}: {run['seconds']} s, {run['requests']} requests "
              f"({run['not_modified']} answered 304), {run['new']} new, {run['failed']} failed")
    print(f"  baseline, the same pages saved and indexed from files: "
          f"{f['baseline_saved_pages']['seconds']} s for {f['baseline_saved_pages']['articles']}")
    w = report["watch"]
    print(f"Watch: file written -> answerable, {w['files']} files: median {w['median']} s, "
          f"max {w['max']} s ({w['seconds_to_answerable']})")
    print(f"  baseline, a one-shot `newsdesk index` of one file: {w['baseline_one_shot_index']} s")
    if "watch_5k" in report:
        w = report["watch_5k"]
        print(f"Watch beside news-5k (a copy of --index5k): median {w['median']} s, max "
              f"{w['max']} s ({w['seconds_to_answerable']}); baseline one-shot index "
              f"{w['baseline_one_shot_index']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
