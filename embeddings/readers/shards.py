"""Input cut into shards, the pieces a cluster reads in parallel (`embeddings.distributed`).

A shard is a whole file, read by its own reader, or, for a plain JSON Lines file larger
than the shard size, a run of its lines: the file is cut just after a line break, and each
shard knows the number of its first line, so its records carry the same source lines as a
reading of the whole file. No process ever holds more than a shard of a file; a file only
its reader can read (a JSON document, a .gz, an HTML page) is one shard.
"""
from __future__ import annotations

import codecs
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..records import Article
from .common import BadInput, Skipped, decode_text, path_text

SHARD_BYTES = 32 * 2**20
_SPLITTABLE = (".jsonl", ".ndjson")
_BLOCK = 8 * 2**20
_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
              codecs.BOM_UTF32_BE)


@dataclass(frozen=True)
class Shard:
    """`file` whole (`end` None), or its bytes [start, end), whose first line is `first_line`."""

    file: str
    size: int
    start: int = 0
    end: int | None = None
    first_line: int = 1

    @property
    def bytes(self) -> int:
        return self.size if self.end is None else self.end - self.start


def plan_shards(files: Iterable[Path], shard_bytes: int = SHARD_BYTES) -> Iterator[Shard]:
    """The shards of these files, in order."""
    for path in files:
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # read_file says why when its shard is read
        if size > shard_bytes and _splittable(path):
            yield from _line_runs(path, size, shard_bytes)
        else:
            yield Shard(os.fspath(path), size)


def read_shard(shard: Shard) -> Iterator[Article | Skipped]:
    """What one shard holds, as `readers.read_file` reads it."""
    from . import read_file

    path = Path(shard.file)
    if shard.end is None:
        yield from read_file(path)
        return
    from .jsonrecords import read_json_lines

    try:
        with open(path, "rb") as f:
            f.seek(shard.start)
            data = f.read(shard.end - shard.start)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = decode_text(data)
    except BadInput as exc:
        yield Skipped(path_text(path), exc.reason, line=shard.first_line + (exc.line or 1) - 1)
        return
    except OSError as exc:
        yield Skipped(path_text(path), f"cannot read ({exc.strerror or exc})",
                      line=shard.first_line)
        return
    yield from read_json_lines(text, path, shard.first_line)


def _splittable(path: Path) -> bool:
    """A plain (not gzipped) JSON Lines file in an encoding with one-byte line breaks."""
    if path.suffix.lower() not in _SPLITTABLE:
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return not head.startswith(b"\x1f\x8b") and not head.startswith(_WIDE_BOMS)


def _line_runs(path: Path, size: int, shard_bytes: int) -> Iterator[Shard]:
    """Cut a file into runs of whole lines of about `shard_bytes`, reading it once."""
    file = os.fspath(path)
    start, line = 0, 1
    with open(path, "rb") as f:
        while start < size:
            target = start + shard_bytes
            if target >= size:
                yield Shard(file, size, start, size, line)
                return
            f.seek(start)
            breaks = _count_breaks(f, target - start)
            cut = _next_break(f, target, size)  # just past the first line break at or after
            yield Shard(file, size, start, cut, line)
            start, line = cut, line + breaks + 1  # and the break at cut


def _count_breaks(f, length: int) -> int:
    count = 0
    while length > 0:
        block = f.read(min(_BLOCK, length))
        if not block:
            break
        count += block.count(b"\n")
        length -= len(block)
    return count


def _next_break(f, at: int, size: int) -> int:
    f.seek(at)
    pos = at
    while pos < size:
        block = f.read(1 << 16)
        if not block:
            break
        found = block.find(b"\n")
        if found >= 0:
            return pos + found + 1
        pos += len(block)
    return size

