"""Input cut into shards, the pieces a cluster reads in parallel (`embeddings.distributed`).

A shard is a whole file, read by its own reader, or, for a plain JSON Lines file larger
than the shard size, a run of its lines: the file is cut just after a line break, and each
shard knows the number of its first line, so its records carry the same source lines as a
reading of the whole file. A file only its reader can read (a JSON document, a .gz, an
HTML page), or a JSON Lines file in anything but plain UTF-8, is one shard. A read task
holds one shard at a time; a JSON Lines file over `readers.MAX_FILE_BYTES`, which a local
run refuses, is read in shards.
"""
from __future__ import annotations

import codecs
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..records import Article
from .common import BadInput, Skipped, decode_text, gzipped, looks_binary, path_text

SHARD_BYTES = 32 * 2**20
_SPLITTABLE = (".jsonl", ".ndjson")
_BLOCK = 8 * 2**20


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
        runs = _line_runs(path, size, shard_bytes) if size > shard_bytes and \
            _splittable(path) else None
        yield from runs or [Shard(os.fspath(path), size)]


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
    """A JSON Lines file that is not gzipped (a .gz is read whole, by one task)."""
    if path.suffix.lower() not in _SPLITTABLE:
        return False
    try:
        return not gzipped(path)
    except OSError:
        return False


def _line_runs(path: Path, size: int, shard_bytes: int) -> list[Shard] | None:
    """The file cut into runs of whole lines of about `shard_bytes`, in one pass over it;
    None where its shards could read otherwise than the whole file reads: anything but
    strict UTF-8 without a BOM or NULs (`decode_text` picks one encoding for a whole file,
    and a shard would guess its own), or a file that fails to read."""
    file = os.fspath(path)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    runs: list[Shard] = []
    start, first_line = 0, 1
    offset = counted = breaks = 0  # counted: the bytes whose line breaks are in `breaks`
    try:
        with open(path, "rb") as f:
            while block := f.read(_BLOCK):
                if offset == 0 and (block.startswith(codecs.BOM_UTF8) or looks_binary(block)):
                    return None
                if b"\x00" in block:
                    return None
                decoder.decode(block)
                while (target := start + shard_bytes) < size:
                    found = block.find(b"\n", max(target - offset, counted - offset))
                    if found < 0:
                        break
                    cut = offset + found + 1
                    breaks += block.count(b"\n", counted - offset, found + 1)
                    counted = cut
                    runs.append(Shard(file, size, start, cut, first_line))
                    start, first_line = cut, breaks + 1
                breaks += block.count(b"\n", counted - offset)
                offset += len(block)
                counted = offset
            decoder.decode(b"", final=True)
    except (OSError, UnicodeDecodeError):
        return None
    if offset != size:
        return None  # it changed while it was read: one task reads it whole
    if start < size:
        runs.append(Shard(file, size, start, size, first_line))
    return runs
