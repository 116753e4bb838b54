"""One writer at a time per index directory: an advisory lock file (POSIX flock)."""
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
    hand) excludes nobody: it is taken again on the file that is there now."""
    import fcntl

    path = directory / LOCK_FILE
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not blocking:
                    os.close(fd)
                    fd = -1
                    yield False
                    return
                if on_wait is not None:
                    on_wait()
                    on_wait = None
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:  # interrupted while waiting: leave no descriptor behind
            if fd >= 0:
                os.close(fd)
            raise
        if _same_file(fd, path):
            break
        os.close(fd)  # locked a file removed meanwhile: lock the one there now
    try:
        yield True
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        here = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (here.st_dev, here.st_ino)
