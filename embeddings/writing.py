"""The write side of an index: `Writing`, mixed into `index.Index`. Adding and removing
articles under the directory's write lock, one SQLite transaction a batch (articles, chunks
and vectors together), then the caches saved where due; pruning what was positively seen
to be gone.

Indexing overlaps its halves: a producer thread reads and chunks (`ingest.ChunkFeed`)
while the calling thread embeds and commits.
"""
from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from .chunking import chunk_article
from .errors import DiskFullError
from .layout import KEYWORDS_FILE, META_FILE
from .locking import write_lock
from .records import Article
from .vectors import CACHE_FILE

if TYPE_CHECKING:
    from .distributed import RayOptions
    from .ingest import Batch
    from .readers import Skipped

BATCH_CHUNKS = 2048  # chunks embedded and committed together


@dataclass
class AddReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. a cache that could not be saved

    def merge(self, other: "AddReport") -> "AddReport":
        """This report with another write's counts, skips and notes added (one `update`
        writes feed by feed)."""
        for name in ("added", "updated", "unchanged", "removed", "chunks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped += other.skipped
        self.notes += [n for n in other.notes if n not in self.notes]
        return self

    def to_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "removed": self.removed, "chunks": self.chunks,
                "skipped": [{"source": s.source, "reason": s.reason} for s in self.skipped],
                "notes": self.notes}


ProgressFn = Callable[[int, int], None]  # (articles done, articles to embed)


def embed_text(article: Article, chunk_text: str) -> str:
    """What the model sees for a chunk: the headline gives the passage its context."""
    return f"{article.title}\n{chunk_text}"


class Writing:
    """`Index`'s methods that change it (`add`, `remove`) and their parts. They use the
    index's store, encoder, chunker and caches, which `Index` holds."""

    # during a write: the articles it touched, where the clusters are computed again;
    # None where they must all be (they were not current when the write began)
    _touched: set[str] | None = None

    def add(self, items: Iterable[str | os.PathLike | Article], progress: ProgressFn | None = None,
            prune: bool = False, follow_symlinks: bool = False,
            on_wait: Callable[[], None] | None = None,
            ray: RayOptions | None = None) -> AddReport:
        """Index files, folders or Article objects.

        Unchanged articles (same content hash) cost nothing; changed ones are replaced.
        With `prune`, articles read earlier from files under the given paths that this
        run no longer finds are removed. Symlinks in folders are followed as
        `readers.read_paths` says. `on_wait` is called if another writer holds the index
        and this one waits for it. With `ray`, reading, chunking and embedding run on a
        Ray cluster (`distributed`) and this process commits what comes back, as it
        commits its own work otherwise (progress then has no total: it is known only
        once the cluster has read everything).
        """
        with self._writing(on_wait):
            report = self._add(items, progress, prune, follow_symlinks, ray)
            report.notes += self._written(bool(report.added or report.updated or report.removed))
            return report

    def _add(self, items, progress: ProgressFn | None, prune: bool,
             follow_symlinks: bool = False, ray: RayOptions | None = None) -> AddReport:
        report = AddReport()
        known = self.store.content_hashes()
        items = list(items)
        paths = [i for i in items if not isinstance(i, Article)]
        articles = [i for i in items if isinstance(i, Article)]
        sources = self.store.article_origins()
        if ray is None:
            found = self._embed_here(paths, articles, known, sources, follow_symlinks, report,
                                     progress)
        else:
            found = self._embed_on_cluster(paths, articles, known, sources, follow_symlinks,
                                           report, progress, ray)
        report.unchanged = found.unchanged
        report.skipped += found.skipped
        if prune:
            report.removed = self._prune(paths, set(found.seen), report.skipped)
        return report

    def _embed_here(self, paths, articles, known: dict[str, str], sources, follow_symlinks: bool,
                    report: AddReport, progress: ProgressFn | None):
        """Read, chunk, embed and commit in this process (reading and chunking on a thread
        of their own, `ingest.ChunkFeed`); returns what reading found (`ingest.Scan`)."""
        # the reading side is imported here: a search never needs it (a one-shot ask is
        # ~20 ms faster without it)
        from .ingest import ChunkFeed, scan
        from .readers import read_paths

        seen_before = dict(known)  # the reading thread's own copy: this one changes

        def read(stopped: Callable[[], bool]):
            return scan(chain(read_paths(paths, follow_symlinks), articles), seen_before, stopped,
                        sources)

        signatures: dict[str, object] = {}

        def chunk(article: Article):
            # on the reading thread too: a body's MinHash (~2.5 ms) overlaps the embedding
            from .duplicates import signature

            signatures[article.id] = signature(article.body)
            return chunk_article(article, self.chunker)

        with ChunkFeed(read, chunk, BATCH_CHUNKS) as feed:
            found = feed.scan()
            if progress:
                progress(0, len(found.todo))
            done = 0
            for batch in feed:
                self._write_batch(batch, known, report, signatures)
                done += len(batch)
                if progress:
                    progress(done, len(found.todo))
        return found

    def _embed_on_cluster(self, paths, articles, known: dict[str, str], sources,
                          follow_symlinks: bool, report: AddReport,
                          progress: ProgressFn | None, options: RayOptions):
        """The same with reading, chunking and embedding done on a Ray cluster: this process
        takes what comes back in input order, by the same rules as a local read
        (`ingest.Scanner`), and commits it `options.commit_chunks` passages at a time."""
        import numpy as np

        from .distributed.pipeline import run
        from .ingest import Scanner, batched

        scanner = Scanner(known, sources)
        done = 0
        if progress:
            progress(0, None)
        taken = (row for row in run(paths, articles, known, follow_symlinks, self.chunker,
                                    self.encoder, options) if scanner.take(row[0]))
        for part in batched(taken, lambda row: len(row[1]), options.commit_chunks):
            self._commit_batch([(a, chunks) for a, chunks, _, _ in part],
                               np.concatenate([vecs for _, _, vecs, _ in part]), known, report,
                               {a.id: sig for a, _, _, sig in part})
            done += len(part)
            if progress:
                progress(done, None)
        if progress:
            progress(done, done)
        return scanner.found

    def _write_batch(self, batch: Batch, known: dict[str, str], report: AddReport,
                     signatures: dict) -> None:
        """Embed a batch, then commit it (`_commit_batch`)."""
        texts = [embed_text(a, c.text) for a, chunks in batch for c in chunks]
        self._commit_batch(batch, self.encoder.encode(texts), known, report, signatures)

    def _commit_batch(self, batch: Batch, vectors, known: dict[str, str], report: AddReport,
                      signatures: dict) -> None:
        """Commit a batch's articles, chunks, vectors (a passage after another) and MinHash
        signatures together (the clusters are computed again once the whole `add` is in)."""
        with self.store.transaction():
            # what is stored now, not what was when reading began: another writer (one
            # whose lock file was removed under it) may have added the same article since
            present = self.store.existing_articles(a.id for a, _ in batch)
            # the batch and the cluster-mates of what it replaces (a new id has none)
            self._touch(a.id for a, _ in batch)
            self.store.delete_articles(present)
            new_ids: list[int] = []
            for article, chunks in batch:
                new_ids += self.store.insert_article(article, chunks)
            self.store.insert_vectors(new_ids, vectors)  # in order: texts follow new_ids
            self.store.insert_signatures((a.id, signatures.pop(a.id, None)) for a, _ in batch)
            self.store.clusters_stale()
        self._sync_vectors()
        self._follow_keywords()
        for article, chunks in batch:
            if article.id in present:
                report.updated += 1
            else:
                report.added += 1
            known[article.id] = article.content_hash
            report.chunks += len(chunks)
        self._retriever = None

    def remove(self, article_ids: Iterable[str]) -> int:
        """Remove articles by id; returns how many were there."""
        with self._writing():
            removed = self._remove(article_ids)
            self._written(bool(removed))
            return removed

    def forget_gone(self, paths: Iterable[str | os.PathLike]) -> int:
        """Remove the articles read from these files or from under these folders, which
        are gone now (one that exists again is left alone); returns how many."""
        gone = [p for p in paths if not os.path.lexists(p)]
        if not gone:
            return 0
        with self._writing():
            removed = self._prune(gone, set(), [])
            self._written(bool(removed))
            return removed

    def _written(self, changed: bool) -> list[str]:
        """After a write's commits, under its lock: the clusters computed again where
        articles changed (or where an earlier write left them stale), then the caches
        saved where due; the notes of `_save_caches`."""
        if changed or not self.store.clusters_current():
            self._recluster()
        return self._save_caches()

    def _touch(self, article_ids) -> None:
        """Inside a write's transaction: these articles are added, changed or removed; they
        and their present cluster-mates are where the clusters may change."""
        if self._touched is not None:
            ids = set(article_ids)
            self._touched |= ids | self.store.cluster_mates(ids)

    def _recluster(self) -> None:
        """The story clusters computed again from the stored signatures (see
        `duplicates`): the same clusters whatever order articles came and went in. Around
        what this write touched where the clusters were right before it; all of them
        otherwise (a write interrupted before it could, a first write, a migration)."""
        with self.store.transaction():
            if self._touched is not None:
                self.store.recluster_around(self._touched)
            else:
                self.store.recluster()
        self._touched = set()

    @contextlib.contextmanager
    def exclusive(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the index's write lock for a change besides its articles (a feed
        subscription): writers take turns."""
        self._refuse_if_read_only()
        with write_lock(self.path, on_wait=on_wait):
            yield

    @contextlib.contextmanager
    def _writing(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the write lock, with the vectors up to date; a full disk becomes a
        DiskFullError (SQLite has rolled the batch back; what was committed stays)."""
        self._refuse_if_read_only()
        with write_lock(self.path, on_wait=on_wait):
            self._follow_file()
            self._remove_stale_temporaries()
            self._sync_vectors()
            # what this write touches, for the clusters: computed again around it alone
            # when they were right before it (else all of them, see `_recluster`)
            self._touched = set() if self.store.clusters_current() else None
            try:
                yield
            except (sqlite3.OperationalError, OSError) as exc:
                if not _disk_full(exc) or isinstance(exc, DiskFullError):
                    raise
                full = DiskFullError(f"the disk holding {self.path} is full ({exc}): what "
                                     f"was committed is kept; free some space and run the "
                                     f"same command to finish")
                full.errno = errno.ENOSPC
                raise full from exc

    def _save_caches(self) -> list[str]:
        """Save the vector and keyword caches where due. Caches are optional: one that
        cannot be written (a full disk) keeps its old, whole file, readers catch up from
        SQLite meanwhile, and a later write saves it; the note says so."""
        notes = []
        for name, save in ((CACHE_FILE, self._save_vectors_if_due),
                           (KEYWORDS_FILE, self._keep_keywords)):
            try:
                save()
            except (OSError, sqlite3.OperationalError) as exc:
                notes.append(f"{name} was not saved ({getattr(exc, 'strerror', None) or exc}); "
                             f"searches read {META_FILE} instead until a later run saves it")
        return notes

    def _remove_stale_temporaries(self) -> None:
        """Under the write lock: half-written cache files of a writer that was killed (their
        names hold the writer's process id: one still running keeps its own)."""
        for name in (CACHE_FILE, KEYWORDS_FILE):
            for tmp in self.path.glob(f"{name}.*.tmp"):
                pid = tmp.name[len(name) + 1:-len(".tmp")]
                if not (pid.isdigit() and _running(int(pid))):
                    tmp.unlink(missing_ok=True)

    def _remove(self, article_ids: Iterable[str]) -> int:
        known = self.store.content_hashes()
        present = [a for a in dict.fromkeys(article_ids) if a in known]
        if not present:
            return 0
        with self.store.transaction():
            self._touch(present)
            self.store.delete_articles(present)
            self.store.clusters_stale()
        self._sync_vectors()
        self._follow_keywords()
        self._retriever = None
        return len(present)

    def _prune(self, paths: list, seen: set[str], skipped: list[Skipped]) -> int:
        """Articles read before from under `paths` and positively gone now: anything under
        a path that could not be read this time (a file wholly or in part, a folder that
        could not be listed, a root that is missing, a link not followed) keeps its
        articles."""
        from .readers.common import path_text

        # sources are recorded as read_paths spells them, absolute but not resolved: so
        # are these, or a folder reached through a symlink would never match
        roots = [Path(path_text(Path(p).absolute())) for p in paths]
        unread = [Path(s.file) for s in skipped]
        stale = []
        for article_id, (file, _, _) in self.store.article_origins().items():
            if article_id in seen or not file:
                continue
            file = Path(file)
            if _under(file, roots) and not _under(file, unread):
                stale.append(article_id)
        return self._remove(stale)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this writer's own, left by an earlier failure
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return "full" in str(exc).lower()  # SQLITE_FULL: "database or disk is full"
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def _under(file: Path, folders: list[Path]) -> bool:
    return any(file == f or f in file.parents for f in folders)
