"""One writer at a time per index directory: an advisory lock file (POSIX flock)."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = "write.lock"


@contextlib.contextmanager
def write_lock(directory: Path, blocking: bool = True) -> Iterator[bool]:
    """Hold the directory's write lock; yields False when not blocking and it is taken."""
    import fcntl

    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
