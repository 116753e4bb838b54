"""`newsdesk feeds add|list|remove`, `newsdesk update` and `newsdesk watch`: news that comes
in by itself. Thin: the work is `embeddings.web.update` and `embeddings.watch`."""
from __future__ import annotations

import argparse
import sys

from assistant.render import json_text

from .common import (EXIT_OK, add_index_option, fail, open_index, progress_bar, say_waiting,
                     writing)


def positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not 0 <= seconds <= 3600:
        raise argparse.ArgumentTypeError(f"must be from 0 to 3600 seconds, not {value}")
    return seconds


def _fetch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=positive_seconds, metavar="SECONDS",
                   help="give up on a page or feed after this long (default 15)")
    p.add_argument("--delay", type=positive_seconds, metavar="SECONDS",
                   help="wait at least this long between requests to one site (default 1)")


def add_parsers(sub) -> None:
    """The news commands, on `newsdesk`'s subcommand parser."""
    p = sub.add_parser("feeds", help="subscribe the index to RSS and Atom feeds")
    feeds = p.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    q = feeds.add_parser("add", help="subscribe to a feed (fetched once to check it)")
    q.add_argument("url", metavar="URL")
    q.add_argument("--name", help="what to call it (default: the feed's own title)")
    add_index_option(q)
    _fetch_options(q)
    q.add_argument("--json", action="store_true", help="print the subscription as JSON")
    q = feeds.add_parser("list", help="the feeds subscribed to, and when each was checked")
    add_index_option(q)
    q.add_argument("--json", action="store_true")
    q = feeds.add_parser("remove", help="unsubscribe from a feed (its articles stay indexed)")
    q.add_argument("feed", metavar="URL|NAME")
    add_index_option(q)
    q.add_argument("--json", action="store_true")

    p = sub.add_parser("update", help="fetch every subscribed feed and index its new articles")
    p.add_argument("--feed", action="append", metavar="URL|NAME",
                   help="only this feed (may be given more than once)")
    add_index_option(p)
    _fetch_options(p)
    p.add_argument("--json", action="store_true", help="print per-feed counts as JSON")

    p = sub.add_parser("watch", help="keep the index in step with folders while they change "
                       "(Ctrl+C stops)")
    p.add_argument("folders", nargs="+", metavar="FOLDER")
    add_index_option(p)
    p.add_argument("--follow-symlinks", action="store_true",
                   help="also read what symlinks in the folders lead to, wherever it lies")
    p.add_argument("--json", action="store_true",
                   help="print each sync as one line of JSON")


def _fetcher(args):
    from embeddings.web.fetch import DEFAULT_HOST_DELAY, DEFAULT_TIMEOUT, Fetcher

    return Fetcher(timeout=args.timeout if args.timeout is not None else DEFAULT_TIMEOUT,
                   host_delay=args.delay if args.delay is not None else DEFAULT_HOST_DELAY)


def _safe(text) -> str:
    """A name, reason or path as shown: its control characters visible, never sent."""
    from assistant.render import safe

    return safe(str(text))


def cmd_feeds(args, settings) -> int:
    from embeddings.web import update as feeds

    index = open_index(settings, create=args.feeds_command == "add")
    with writing(index, "interrupted; the subscriptions are as they were"):
        if args.feeds_command == "add":
            with _fetcher(args) as fetcher:
                sub = feeds.subscribe(index, args.url, args.name, fetcher=fetcher)
            if args.json:
                print(json_text(sub.to_dict()))
            else:
                print(f"Subscribed to {_safe(sub.name or sub.url)} ({_safe(sub.url)}); "
                      f"`newsdesk update` fetches it.")
        elif args.feeds_command == "list":
            subs = feeds.subscriptions(index)
            if args.json:
                print(json_text([s.to_dict() for s in subs]))
            elif not subs:
                print("No feeds subscribed (`newsdesk feeds add URL` adds one).")
            for s in subs if not args.json else ():
                print(f"{_safe(s.name or '(unnamed)')}\n    {_safe(s.url)}\n    {s.items} articles; "
                      f"checked {_safe(s.checked_at or 'never')}"
                      + (f": {_safe(s.status)}" if s.status else ""))
        else:
            sub, items = feeds.unsubscribe(index, args.feed)
            if args.json:
                print(json_text({"removed": sub.to_dict(), "item_records": items}))
            else:
                print(f"Unsubscribed from {_safe(sub.name or sub.url)}; its {sub.items} "
                      f"articles stay in the index.")
    return EXIT_OK


def cmd_update(args, settings) -> int:
    from embeddings.web.update import update

    index = open_index(settings)
    progress, advance = progress_bar("fetching feeds")
    with writing(index, "interrupted; what was committed is kept, and the next update "
                        "fetches the rest"), progress, _fetcher(args) as fetcher:
        report = update(index, fetcher=fetcher, only=args.feed,
                        progress=lambda stage, done, total: advance(done, total, stage),
                        on_wait=say_waiting(progress))
    if args.json:
        print(json_text(report.to_dict()))
        return EXIT_OK
    if not report.feeds:
        print("No feeds subscribed (`newsdesk feeds add URL` adds one).")
    for f in report.feeds:
        name = _safe(f.name or f.url)
        if f.error:
            print(f"{name}: failed: {_safe(f.error)}")
            continue
        if f.not_modified:
            print(f"{name}: not modified since the last update")
            continue
        summary = f" ({f.from_summary} from the feed's own text)" if f.from_summary else ""
        print(f"{name}: {f.new} new{summary}, {f.unchanged} unchanged, {len(f.failed)} failed")
        for item, reason in f.failed:
            print(f"  failed {_safe(item)}: {_safe(reason)}")
    if report.index:
        for note in report.index.notes:
            print(f"  note: {_safe(note)}")
    return EXIT_OK


def cmd_watch(args, settings) -> int:
    import signal
    from pathlib import Path

    from embeddings.watch import FolderWatch

    missing = [f for f in args.folders if not Path(f).is_dir()]
    if missing:
        fail(f"not a folder: {missing[0]}", 2)
    index = open_index(settings, create=True)
    watcher = FolderWatch(index, args.folders, follow_symlinks=args.follow_symlinks)

    def stop(signum, frame) -> None:
        # seen between syncs: a sync under way finishes its commits first; a second
        # Ctrl+C interrupts it (SQLite rolls back the batch under way)
        if watcher.stop.is_set():
            raise KeyboardInterrupt
        watcher.stop.set()
        if not args.json:
            print("stopping…", file=sys.stderr, flush=True)

    def said(sync) -> None:
        if args.json:
            print(json_text(sync.to_dict(), indent=None), flush=True)
            return
        what = ", ".join(f"{n} {label}" for n, label in (
            (sync.added, "added"), (sync.updated, "updated"), (sync.removed, "removed"))
            if n) or "nothing changed"
        print(f"{'caught up' if sync.first else 'synced'}: {what} ({sync.seconds:.1f} s)",
              flush=True)
        for s in sync.skipped:
            print(f"  skipped {_safe(s.source)}: {_safe(s.reason)}", flush=True)

    def catch_up():
        progress, advance = progress_bar("reading articles", "embedding articles")
        with progress:
            return watcher.catch_up(progress=advance)

    def ready() -> None:
        if args.json:
            print(json_text({"event": "watching", "folders": [str(f) for f in watcher.folders]},
                            indent=None), flush=True)
        else:
            print(f"watching {', '.join(_safe(f) for f in watcher.folders)} (Ctrl+C stops)",
                  flush=True)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    with writing(index, "interrupted; what was committed is kept"):
        try:
            watcher.run(said, on_ready=ready, catch_up=catch_up)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    if args.json:
        print(json_text({"event": "stopped"}, indent=None), flush=True)
    else:
        print("stopped", flush=True)
    return EXIT_OK


COMMANDS = {"feeds": cmd_feeds, "update": cmd_update, "watch": cmd_watch}
