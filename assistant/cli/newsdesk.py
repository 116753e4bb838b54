"""`newsdesk index|search|eval|chat|setup|info|repair`: build, query, inspect and mend an
index; `feeds|update|watch` (in `news`): keep it up to date; `mcp|serve` (in `serve`):
newsdesk for other programs."""
from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from assistant.render import json_text

from .common import (EXIT_ERROR, EXIT_OK, EXIT_USAGE, WAITING, add_filter_options, add_index_option,
                     add_question_options, add_version_option, expected_failures, fail, iso_date,
                     leave_at_once, open_index, preload, progress_bar, quiet_broken_pipe,
                     result_count, say_waiting, settings_from, unavailable, unreadable,
                     writing)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsdesk", description="newsdesk: ask your news "
                                     "articles, and get their own words back, sourced.")
    add_version_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", help="read articles from files, folders and web pages into "
                       "the index")
    p.add_argument("paths", nargs="+", metavar="PATH|URL",
                   help="a file, a folder, or the http(s) address of an article's page")
    add_index_option(p)
    p.add_argument("--prune", action="store_true",
                   help="remove articles read earlier from these paths that are gone now")
    p.add_argument("--follow-symlinks", action="store_true",
                   help="also read what symlinks in the folders lead to, wherever it lies "
                   "(by default only links to files inside the folders given are read)")
    p.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS", type=ray_address,
                   help="read, chunk and embed on a Ray cluster (pip install 'newsdesk[ray]'): "
                   "ADDRESS is a running cluster's (auto, ray://HOST:10001, HOST:6379); "
                   "without one a local Ray runtime is started on this machine")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    from .news import add_parsers as add_news_parsers
    from .serve import add_parsers as add_serve_parsers

    add_news_parsers(sub)
    add_serve_parsers(sub)

    p = sub.add_parser("search", help="show the passages that best match a query")
    p.add_argument("query", nargs="+")
    add_index_option(p)
    p.add_argument("-k", type=result_count, default=10, metavar="N",
                   help="results (default 10)")
    add_filter_options(p)
    p.add_argument("--as-of", type=iso_date, metavar="DATE",
                   help="reference date for 'this week', 'yesterday' (default today)")
    p.add_argument("--chunks", action="store_true",
                   help="list raw passages instead of articles with their best passages")
    p.add_argument("--json", action="store_true", help="print the results as JSON")

    p = sub.add_parser("eval", help="measure retrieval on questions with gold source URLs")
    p.add_argument("questions", type=Path, metavar="QUESTIONS.jsonl")
    add_index_option(p)
    p.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")

    p = sub.add_parser("chat", help="open the chat in the terminal")
    add_index_option(p)
    add_question_options(p, "passages to read for each answer (default 8)")

    p = sub.add_parser("setup", help="prepare the embedding model and the reader (export "
                       "them to ONNX) now, rather than on first use")
    p.add_argument("--json", action="store_true", help="print what was prepared as JSON")

    p = sub.add_parser("info", help="what the index holds and how it was built")
    add_index_option(p)
    p.add_argument("--check", action="store_true",
                   help="also read every page and file of the index for damage, and say how "
                   "to mend what is found (exit status 1)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("repair", help="mend a damaged index: salvage what its database still "
                       "holds, embed lost vectors, rebuild the caches")
    add_index_option(p)
    p.add_argument("--json", action="store_true", help="print what was done as JSON")
    return parser


def cmd_index(args, settings) -> int:
    from embeddings.urls import is_web_url

    urls = [p for p in args.paths if is_web_url(p)]
    paths = [Path(p) for p in args.paths if not is_web_url(p)]
    index = open_index(settings, create=True)
    progress, advance = progress_bar("reading articles", "embedding articles")
    with writing(index, "interrupted; what was committed is kept, run the same command to "
                        "finish"), progress:
        pages, unfetched = _fetch_pages(urls, advance) if urls else ([], [])
        report = index.add([*paths, *pages], progress=advance, prune=args.prune,
                           follow_symlinks=args.follow_symlinks, on_wait=say_waiting(progress),
                           ray=_cluster(args.ray))
        report.skipped[:0] = unfetched
    if settings.reader:
        from assistant.reader import prepare

        try:
            prepare()  # the first answer then does not export it
        except (OSError, RuntimeError, ImportError) as exc:
            from assistant.render import safe

            print(f"note: could not prepare the reader ({safe(str(exc))}); the first answer "
                  f"will try again", file=sys.stderr)
    if args.json:
        print(json_text(report.to_dict()))
        return EXIT_OK
    from assistant.render import safe

    print(f"Indexed into {safe(str(index.path))}: {report.added} added, "
          f"{report.updated} updated, "
          f"{report.unchanged} unchanged, {report.removed} removed, "
          f"{len(report.skipped)} skipped ({report.chunks} new passages).")
    for s in report.skipped:
        print(f"  skipped {safe(s.source)}: {safe(s.reason)}")
    for note in report.notes:
        print(f"  note: {safe(note)}")
    return EXIT_OK


def ray_address(value: str) -> str:
    """`--ray`'s ADDRESS: "local", "auto", or HOST:PORT / ray://HOST:PORT; anything else is
    a source that followed `--ray`, refused rather than taken as an address."""
    if value in ("local", "auto") or (":" in value and not Path(value).exists()):
        return value
    raise argparse.ArgumentTypeError(
        f"not a Ray address: {value!r} (auto, HOST:6379, ray://HOST:10001; to start a "
        f"local runtime, put --ray after the sources)")


def _cluster(address: str | None):
    """The Ray options of `--ray [ADDRESS]`, or None for a local run."""
    if address is None:
        return None
    from embeddings.distributed import RayOptions

    return RayOptions(address=address)


def _fetch_pages(urls: list[str], advance):
    """The articles of these web pages, and a Skipped for each that gave none."""
    from embeddings.web.pages import fetch_pages

    return fetch_pages(urls, progress=lambda done, total: advance(done, total, "fetching pages"))


def cmd_search(args, settings) -> int:
    preload(settings)  # meanwhile, the engine imports and the index opens
    from assistant.render import safe
    from embeddings import Filters, Query

    index = open_index(settings)
    query = Query(" ".join(args.query), k=args.k, as_of=settings.as_of,
                  filters=Filters(**settings.filters))
    try:
        if args.chunks:
            hits = index.search(query)
        else:
            found = index.search_articles(query)
    except sqlite3.DatabaseError as exc:
        unreadable(index.path, exc)
    finally:
        index.close()
    if args.json:
        print(json_text([r.to_dict() for r in (hits if args.chunks else found)]))
        return EXIT_OK
    results = [(h.article, h.score, [h]) for h in hits] if args.chunks else \
        [(r.article, r.score, r.passages) for r in found]
    if not results:
        print("No matching passages.")
    for n, (a, score, passages) in enumerate(results, start=1):
        date = a.published.isoformat() if a.published else "undated"
        print(f"{n:>2}. {safe(a.title)} ({safe(a.outlet) or '?'}, {date})  score {score:.4f}")
        print(f"    {safe(a.url) or '(no URL)'}")
        for h in passages:
            text = safe(" ".join(h.text.split()))
            print(f"    > {text[:300]}{'…' if len(text) > 300 else ''}")
    return EXIT_OK


def cmd_eval(args, settings) -> int:
    from rich.console import Console
    from rich.table import Table

    from embeddings.evaluation import QuestionFileError, evaluate, load_questions

    try:
        questions = load_questions(args.questions)
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {args.questions}: {exc}", EXIT_USAGE)
    except QuestionFileError as exc:
        fail(str(exc), EXIT_USAGE)
    if args.limit:
        questions = questions[: args.limit]
    index = open_index(settings)
    progress, advance = progress_bar("evaluating")
    try:
        with progress:
            report = evaluate(index, questions, progress=advance)
    finally:
        index.close()
    if args.json:
        print(json_text(report.to_dict()))
        return EXIT_OK
    table = Table(title=f"Article-level retrieval, {report.n} questions")
    table.add_column("system")
    for metric in ("hits@1", "hits@5", "hits@10", "mrr@10"):
        table.add_column(metric, justify="right")
    for system, figures in report.systems.items():
        table.add_row(system, *(f"{figures[m]:.3f}" for m in ("hits@1", "hits@5", "hits@10", "mrr@10")))
    out = Console(highlight=False)
    out.print(table)
    if report.latency_ms:
        out.print(f"hybrid query latency (warm): p50 {report.latency_ms['p50']:.0f} ms, "
                  f"p95 {report.latency_ms['p95']:.0f} ms")
    return EXIT_OK


def cmd_chat(args, settings) -> int:
    from assistant.tui import run_chat

    run_chat(settings)
    return EXIT_OK


def cmd_setup(args, settings) -> int:
    from assistant.reader import prepare as prepare_reader
    from embeddings.encoder import prepare

    try:
        prepared = {**prepare(), "reader": str(prepare_reader())}
    except (OSError, RuntimeError, ImportError) as exc:
        fail(f"could not prepare the embedding model and the reader: {exc}")
    _print_mapping(prepared, args.json, width=10)
    return EXIT_OK


def cmd_info(args, settings) -> int:
    index = open_index(settings)
    try:
        stats = index.stats()
        problems = index.check() if args.check else None  # a cache opening noted, too
    except sqlite3.DatabaseError as exc:
        unreadable(index.path, exc)
    finally:
        index.close()
    if problems is not None:
        stats["check"] = problems or "ok"
    _print_mapping(stats, args.json, width=15)
    return EXIT_ERROR if problems else EXIT_OK


def cmd_repair(args, settings) -> int:
    from embeddings.errors import IndexMissingError
    from embeddings.repair import repair

    from assistant.render import safe
    from assistant.settings import IndexUnavailable

    path = settings.index
    try:
        report = repair(path, on_wait=lambda: print(WAITING, file=sys.stderr))
    except IndexMissingError as exc:  # said as every command says it
        unavailable(IndexUnavailable(path, exc))
    except KeyboardInterrupt:
        fail("interrupted; the index is as it was, or repaired: run the same command again",
             130)
    except (OSError, sqlite3.DatabaseError) as exc:  # NewsdeskErrors: said by main
        fail(str(exc))
    done = report.to_dict()
    if not args.json:
        done["altered_articles"] = [f"{t} (its stored text was damaged: index its file "
                                    f"again)" for t in report.altered_articles] or "none"
        done["caches_rebuilt"] = report.caches_rebuilt or "none"
        done["damaged_copy"] = report.damaged_copy or "none"
    _print_mapping(done, args.json, width=17)
    if report.lost_articles and not args.json:
        print(f"note: {report.lost_articles} articles could not be read back; index their files "
              f"again (`newsdesk index PATH... --index {safe(str(path))}`) to add them")
    return EXIT_OK


def _print_mapping(values: dict, as_json: bool, width: int) -> None:
    """A flat mapping as JSON, or as `key: value` lines with the keys right-aligned."""
    if as_json:
        print(json_text(values))
        return
    from assistant.render import safe

    for key, value in values.items():
        lines = value if isinstance(value, list) else [value]
        for n, line in enumerate(lines):
            print(f"{key if n == 0 else '':>{width}}: {safe(str(line))}")


@quiet_broken_pipe
@expected_failures
def main(argv: list[str] | None = None) -> int:
    from .news import COMMANDS as NEWS_COMMANDS
    from .serve import COMMANDS as SERVE_COMMANDS

    args = build_parser().parse_args(argv)
    return {"index": cmd_index, "search": cmd_search, "eval": cmd_eval,
            "chat": cmd_chat, "setup": cmd_setup, "info": cmd_info,
            "repair": cmd_repair, **NEWS_COMMANDS, **SERVE_COMMANDS}[args.command](args, settings_from(args))


entry = leave_at_once(main)  # the `newsdesk` console script

if __name__ == "__main__":
    entry()
