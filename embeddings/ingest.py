"""The front half of indexing, run in a producer thread: read, sort out what needs embedding,
and chunk it into batches, a bounded number ahead of the thread that embeds and commits.

Reading finishes before the first batch is chunked, so the number of articles to embed is
known up front (progress reports it); on news-5k reading takes about 7 s and chunking
about 100 s, so it is the chunking that the overlap with embedding hides.
"""
from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from .readers import Skipped
from .records import Article, Chunk, source_text

Batch = list[tuple[Article, list[Chunk]]]
T = TypeVar("T")


def batched(items: Iterable[T], passages: Callable[[T], int], limit: int) -> Iterator[list[T]]:
    """`items` in runs that each end once they hold `limit` passages (`passages(item)` an
    item), the last run with what is left: what one transaction commits."""
    run: list[T] = []
    size = 0
    for item in items:
        run.append(item)
        size += passages(item)
        if size >= limit:
            yield run
            run, size = [], 0
    if run:
        yield run


@dataclass
class Scan:
    """What reading found: articles to embed, in order, and what needs none."""

    todo: list[Article] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)  # article id -> where it was read


class Stopped(Exception):
    """The consumer went away; the producer stops where it is."""


class Scanner:
    """The rules of `scan`, one item at a time (a cluster's writer meets articles as they
    come, `distributed`): skip unreadable items and later copies of one URL; articles whose
    content hash is `known` are unchanged, the rest are to embed.

    An article read from one file never replaces one stored from another (`sources`: where
    each stored article was read, as (file, line, record)): a page elsewhere that claims a
    stored article's URL with other text is a conflict, named, and the stored article stays;
    indexing its own file again replaces it as ever, and once that file is gone the new
    one does."""

    def __init__(self, known: dict[str, str],
                 sources: dict[str, tuple[str | None, int | None, int | None]] | None = None):
        self.known = known
        self.sources = sources or {}
        self.found = Scan()

    def take(self, item: Article | Skipped) -> bool:
        """Whether `item` is an article to embed; what it is otherwise goes into `found`."""
        out = self.found
        if isinstance(item, Skipped):
            out.skipped.append(item)
            return False
        if item.id in out.seen:
            out.skipped.append(Skipped(item.source_file or item.id,
                                       f"duplicate of {out.seen[item.id]} (same URL)",
                                       item.source_line, item.source_record))
            return False
        if self.known.get(item.id) == item.content_hash:
            out.seen[item.id] = item.source or item.id
            out.unchanged += 1
            return False
        stored = self.sources.get(item.id)
        if item.id in self.known and stored and stored[0] and item.source_file and \
                stored[0] != item.source_file and \
                os.path.lexists(stored[0]):  # a file gone is no claim
            out.skipped.append(Skipped(item.source_file, f"claims the URL of the article read "
                                       f"from {source_text(*stored)}, with other text: that one "
                                       f"is kept (index its own file again to replace it)",
                                       item.source_line, item.source_record))
            return False
        out.seen[item.id] = item.source or item.id
        return True


def scan(items: Iterable[Article | Skipped], known: dict[str, str],
         stopped: Callable[[], bool] = lambda: False,
         sources: dict[str, tuple[str | None, int | None, int | None]] | None = None) -> Scan:
    """What reading `items` found, by `Scanner`'s rules."""
    scanner = Scanner(known, sources)
    for item in items:
        if stopped():
            raise Stopped
        if scanner.take(item):
            scanner.found.todo.append(item)
    return scanner.found


class ChunkFeed:
    """Runs `read` and then `chunk` over its articles in a thread; iterate for batches of
    at least `batch_chunks` chunks (the last may be smaller), at most `depth` waiting.

    Use as a context manager: leaving it (normally or by an exception) stops the thread.
    An exception in the thread is raised again in the consumer.
    """

    def __init__(self, read: Callable[[Callable[[], bool]], Scan],
                 chunk: Callable[[Article], list[Chunk]], batch_chunks: int, depth: int = 2):
        self._read = read
        self._chunk = chunk
        self._batch_chunks = batch_chunks
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsdesk-chunker", daemon=True)

    def __enter__(self) -> "ChunkFeed":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    # the consumer's side ---------------------------------------------------------------------
    def scan(self) -> Scan:
        """What reading found (waits until reading is done)."""
        return self._next("scan")

    def __iter__(self) -> Iterator[Batch]:
        while (batch := self._next("batch", "end")) is not None:
            yield batch

    def _next(self, *kinds: str):
        while True:
            try:
                kind, value = self._queue.get(timeout=0.5)
                break
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    raise RuntimeError("the chunking thread stopped unexpectedly") from None
        if kind == "error":
            raise value
        if kind not in kinds:
            raise RuntimeError(f"chunking thread sent {kind!r}, expected {kinds}")
        return value

    # the producer's side ---------------------------------------------------------------------
    def _put(self, kind: str, value) -> None:
        while True:
            if self._stop.is_set():
                raise Stopped
            try:
                self._queue.put((kind, value), timeout=0.1)
                return
            except queue.Full:
                continue

    def _chunked(self, articles: list[Article]) -> Iterator[tuple[Article, list[Chunk]]]:
        for article in articles:
            if self._stop.is_set():
                raise Stopped
            yield article, self._chunk(article)

    def _run(self) -> None:
        try:
            found = self._read(self._stop.is_set)
            self._put("scan", found)
            for batch in batched(self._chunked(found.todo), lambda p: len(p[1]),
                                 self._batch_chunks):
                self._put("batch", batch)  # (raises Stopped once the consumer stopped)
            self._put("end", None)
        except Stopped:
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer to raise
            try:
                self._put("error", exc)
            except Stopped:
                return
