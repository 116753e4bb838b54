"""Keep an index in step with folders while they change (`newsdesk watch`).

watchfiles (Rust's notify: inotify, FSEvents, ReadDirectoryChangesW) reports changes,
debounced: a burst of saves is one sync. A sync indexes the article files that appeared
or changed (an unchanged file costs a read and a hash) and prunes the articles of files
and folders that are gone; each is an ordinary write of the index (one transaction a
batch, under the write lock), so readers (a chat, `ask`) see it when it commits.

The first sync reads the folders whole, with `--prune`: what changed while nothing
watched is caught up. It runs once the watcher is running (its first report, empty or
not), so a file written between the two is never missed: the catch-up or a later sync
has it. Stopping (`stop`, set by Ctrl+C in the CLI) is seen between syncs, never inside
one.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .readers import reader_suffix

if TYPE_CHECKING:
    from .index import Index
    from .writing import AddReport

DEBOUNCE_MS = 400  # changes within this long are one sync
READY_MS = 200  # the watcher reports (nothing) after this long without changes: it runs


@dataclass
class Sync:
    """What one sync did."""

    changed: list[str] = field(default_factory=list)  # files and folders read again
    gone: list[str] = field(default_factory=list)  # files and folders pruned
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list = field(default_factory=list)
    seconds: float = 0.0
    first: bool = False  # the catch-up sync at start

    def to_dict(self) -> dict:
        return {"event": "sync", "first": self.first, "changed": self.changed, "gone": self.gone,
                "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "removed": self.removed,
                "skipped": [{"source": s.source, "reason": s.reason} for s in self.skipped],
                "seconds": round(self.seconds, 3)}

    def take(self, report: AddReport) -> None:
        self.added += report.added
        self.updated += report.updated
        self.unchanged += report.unchanged
        self.removed += report.removed
        self.skipped += report.skipped


def wanted(path: str | Path, roots: list[Path]) -> bool:
    """Whether a changed path is one the index reads from these folders: an article file
    (or a folder: one moved in), hidden neither itself nor under a hidden folder."""
    path = Path(path)
    for root in roots:
        try:
            parts = path.relative_to(root).parts
        except ValueError:
            continue
        if any(p.startswith(".") for p in parts):
            return False
        return path.is_dir() or reader_suffix(path) is not None or \
            not path.exists()  # gone: a file or a folder, pruned either way
    return False


class FolderWatch:
    """Watches `folders` and keeps `index` in step; `run` until `stop` is set."""

    def __init__(self, index: Index, folders: list[str | Path], follow_symlinks: bool = False,
                 debounce_ms: int = DEBOUNCE_MS):
        self.index = index
        self.folders = [Path(f).absolute() for f in folders]
        self.follow_symlinks = follow_symlinks
        self.debounce_ms = debounce_ms
        self.stop = threading.Event()

    def catch_up(self, progress=None) -> Sync:
        """The folders read whole and pruned: what changed while nothing watched."""
        started = time.perf_counter()
        sync = Sync(changed=[str(f) for f in self.folders], first=True)
        sync.take(self.index.add(self.folders, progress=progress, prune=True,
                                 follow_symlinks=self.follow_symlinks))
        sync.seconds = time.perf_counter() - started
        return sync

    def changes(self) -> Iterator[set[str]]:
        """Each debounced burst of changed paths under the folders, until `stop`; an empty
        set whenever READY_MS pass without any (the first says that the watcher runs)."""
        from watchfiles import watch

        for batch in watch(*self.folders, debounce=self.debounce_ms, step=50,
                           stop_event=self.stop, raise_interrupt=False, recursive=True,
                           rust_timeout=READY_MS, yield_on_timeout=True,
                           watch_filter=lambda change, path: wanted(path, self.folders)):
            yield {path for _, path in batch}

    def sync(self, paths: set[str]) -> Sync:
        """Index what these changed paths hold now: files and folders there are read (and
        pruned of what they no longer hold), those gone are pruned."""
        started = time.perf_counter()
        present = sorted(p for p in paths if Path(p).exists())
        gone = sorted(p for p in paths if not Path(p).exists())
        sync = Sync(changed=present, gone=gone)
        if present:
            sync.take(self.index.add(present, prune=True, follow_symlinks=self.follow_symlinks))
        if gone:
            sync.removed += self.index.forget_gone(gone)
        sync.seconds = time.perf_counter() - started
        return sync

    def run(self, on_sync: Callable[[Sync], None], on_ready: Callable[[], None] | None = None,
            catch_up: Callable[[], Sync] | None = None) -> None:
        """Catch up (`catch_up`, by default `self.catch_up`) once the watcher runs, then
        sync each burst of changes, reporting each, until `stop` is set."""
        caught_up = False
        for paths in self.changes():
            if not caught_up:  # the watcher runs: what happens from now on is reported
                caught_up = True
                on_sync((catch_up or self.catch_up)())
                if on_ready:
                    on_ready()
                continue
            if self.stop.is_set():
                break
            if paths:
                on_sync(self.sync(paths))
