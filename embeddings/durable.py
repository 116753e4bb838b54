"""Writing a file whole or not at all: fsync the new bytes, rename them over the old file,
fsync the folder so the rename itself survives a crash."""
from __future__ import annotations

import os
from pathlib import Path


def fsync_path(path: Path) -> None:
    """Flush a file's (or a folder's) contents to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(tmp: Path, target: Path) -> None:
    """Make `tmp` durable, rename it over `target`, and make the rename durable."""
    fsync_path(tmp)
    os.replace(tmp, target)
    fsync_path(target.parent)
