"""One writer at a time per index directory: an advisory lock file, through `filelock`
(flock on POSIX, LockFileEx on Windows)."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

LOCK_FILE = "write.lock"


@contextlib.contextmanager
def write_lock(directory: Path, blocking: bool = True,
               on_wait: Callable[[], None] | None = None) -> Iterator[bool]:
    """Hold the directory's write lock; yields False when not blocking and it is taken.
    `on_wait` is called once if another writer holds it and this one is to wait.

    A lock held on a file that is no longer the one at the path (removed, or replaced, by
    hand) excludes nobody: it is taken again on the file that is there now. filelock does
    that itself for a file removed while it waited, not for one renamed away (still linked
    elsewhere), so the file it locked is compared with the one at the path here.

    A wait polls (every 50 ms); interrupted, it leaves no descriptor open. Taking the lock
    in a thread that holds it already is a RuntimeError, not a wait for ever."""
    from filelock import FileLock, Timeout

    path = directory / LOCK_FILE
    while True:
        locked: list[os.stat_result] = []
        lock = FileLock(path, on_acquired=lambda fd: locked.append(os.fstat(fd)))
        try:
            lock.acquire(blocking=False)
        except Timeout:
            if not blocking:
                yield False
                return
            if on_wait is not None:
                on_wait()
                on_wait = None
            lock.acquire()
        if _at_path(locked[-1], path):
            break
        lock.release()  # locked a file removed or replaced meanwhile: lock the one there now
    try:
        yield True
    finally:
        lock.release()


def _at_path(mine: os.stat_result, path: Path) -> bool:
    try:
        return os.path.samestat(mine, os.stat(path))
    except FileNotFoundError:
        return False
