"""The vector cache: a FAISS index of the durable vectors (kept in SQLite), keyed by chunk id.

Its file is a magic line, a JSON header padded to a fixed size and the FAISS index bytes. The
header names what the cache was built for (model, dimension, index kind) and its
watermark: the highest chunk id it holds and the last entry of the deletion log it has
applied. The file is written beside the old one, fsynced and renamed over it, so header
and index always change together. A file that is truncated, fails its checksum, cannot be
parsed or was built for another model or dimension does not load (`load` gives None):
the cache is then rebuilt from SQLite, never by embedding again.

A loaded cache is read into memory once, checked there, and FAISS's index borrows those
bytes rather than copying them again (a cold `ask` on 47k passages then makes one 70 MB
copy, not three); a one-shot command has it read on a thread while it imports (`prefetch`).
Before its first change the index is copied out (`_own`). The file is
not mapped: rewritten in place while mapped (by hand, or a tool), it would crash readers.
"""
from __future__ import annotations

import json
import os
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import ann
from .durable import publish

CACHE_FILE = "vectors.cache"  # in the index directory
MAGIC = b"newsdesk vector cache\n"
FORMAT = 1
HEADER_BYTES = 4096  # JSON, padded with spaces: written last, once the payload is known
SAVE_FRACTION = 0.10  # see VectorFile.needs_saving


@dataclass
class Watermark:
    """How far a cache has followed SQLite: chunks with ids up to `chunk_id` are in it
    (less those deleted), and deletion log entries up to `deletion` are applied."""

    chunk_id: int = 0
    deletion: int = 0


class VectorFile:
    """A FAISS index of chunk vectors with its watermark and what its file is behind by."""

    def __init__(self, index, kind: str, dim: int, watermark: Watermark,
                 saved: int | None = None, borrowed: np.ndarray | None = None):
        self.index = index
        self.kind = kind
        self.dim = dim
        self.watermark = watermark
        self.saved = saved  # vectors in the file this view was loaded from or saved to
        self.changes = 0    # vectors added or removed since then
        self._borrowed = borrowed  # the file's bytes in memory, which `index` reads in place
        self.half_copy = False  # see keep_half_copy
        self._half: ann.HalfCopy | None = None  # made on the first search that wants it

    @classmethod
    def build(cls, kind: str, dim: int, ids: np.ndarray, vectors: np.ndarray,
              watermark: Watermark) -> "VectorFile":
        """A cache holding exactly `vectors` under `ids`; it has no file yet."""
        return cls(ann.build(kind, dim, np.asarray(ids, dtype=np.int64), vectors), kind, dim,
                   watermark)

    # the file ------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path, model: str, dim: int) -> "VectorFile | None":
        """The cache saved at `path` for `model`, or None where there is no usable one."""
        import faiss

        try:
            f = open(path, "rb")
        except FileNotFoundError:
            return None
        with f:
            try:
                data, crc = _contents(f, path)
                start = len(MAGIC) + HEADER_BYTES
                if bytes(data[:len(MAGIC)]) != MAGIC:
                    return None
                header = json.loads(bytes(data[len(MAGIC):start]))
                if (header.get("format") != FORMAT or header.get("model") != model
                        or header.get("dim") != dim):
                    return None
                if len(data) != start + int(header["payload_bytes"]):
                    return None  # truncated, or something appended
                payload = data[start:]
                if (crc if crc is not None else zlib.crc32(payload)) != header["crc32"]:
                    return None
                index, borrowed = _read_index(faiss, payload)
                if index.d != dim or index.ntotal != header["count"]:
                    return None
                watermark = Watermark(int(header["chunk_id"]), int(header["deletion"]))
                kind = str(header["kind"])
            except (ValueError, KeyError, TypeError, AttributeError, RuntimeError, OSError,
                    MemoryError):
                return None  # unreadable header or index bytes faiss refuses
        return cls(index, kind, dim, watermark, saved=int(index.ntotal),
                   borrowed=payload if borrowed else None)

    def _own(self) -> None:
        """Copy a borrowed index out of the file's bytes, before its first change: FAISS
        cannot grow or shrink borrowed storage (it aborts the process)."""
        self._half = None  # the copy no longer matches: made again on the next search
        if self._borrowed is not None:
            import faiss

            self.index = faiss.deserialize_index(self._borrowed)
            self._borrowed = None

    def save(self, path: Path, model: str) -> int:
        """Write the cache to `path` atomically; returns the bytes written."""
        if self.kind == ann.EXACT:
            raise ValueError("an exact (numpy) cache has no file: SQLite serves it at open")
        import faiss

        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        payload = 0
        crc = 0
        try:
            with open(tmp, "wb") as f:
                f.write(MAGIC + b" " * HEADER_BYTES)

                def write(data: bytes) -> None:
                    nonlocal payload, crc
                    f.write(data)
                    payload += len(data)
                    crc = zlib.crc32(data, crc)

                faiss.write_index(self.index, faiss.PyCallbackIOWriter(write))
                header = json.dumps({
                    "format": FORMAT, "model": model, "dim": self.dim, "kind": self.kind,
                    "count": len(self), "chunk_id": self.watermark.chunk_id,
                    "deletion": self.watermark.deletion, "payload_bytes": payload, "crc32": crc,
                }).encode()
                if len(header) > HEADER_BYTES:
                    raise ValueError(f"vector cache header too long ({len(header)} bytes)")
                f.seek(len(MAGIC))
                f.write(header.ljust(HEADER_BYTES))
                f.flush()
            publish(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self.saved = len(self)
        self.changes = 0
        return path.stat().st_size

    def needs_saving(self) -> bool:
        """The save rule: a writer saves the cache when it has no usable file, or when the
        changes not in the file exceed SAVE_FRACTION of the vectors the file holds.

        Each save writes the whole cache, but only after changes of at least a tenth of its
        size, so the bytes written per indexed passage stay bounded (about 1 / SAVE_FRACTION
        + 1 vectors' worth, at any corpus size); between saves, whoever opens the index
        extends the file's view in memory from SQLite, which costs at most that tenth.
        """
        if self.kind == ann.EXACT:
            return False  # SQLite's vectors are read at open: no file to keep
        return self.saved is None or self.changes > SAVE_FRACTION * self.saved

    # the vectors ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> np.ndarray:
        return ann.ids(self.index)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._own()
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                    np.asarray(ids, dtype=np.int64))
            self.changes += len(ids)

    def remove(self, ids) -> int:
        ids = np.asarray(list(ids), dtype=np.int64)
        if not len(ids):
            return 0
        self._own()
        gone = ann.remove(self.index, ids)
        self.changes += gone
        return gone

    def keep_half_copy(self, keep: bool = True) -> None:
        """Serve unfiltered searches of a flat index from a half-precision copy of the
        vectors (`ann.HalfCopy`: the same results, faster; half as many bytes again in
        memory). For a process that searches many times: made on the next search."""
        self.half_copy = keep
        if not keep:
            self._half = None

    def search(self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None):
        """(scores, ids) of the k nearest; `allowed_ids` filters inside the search."""
        if self.half_copy and allowed_ids is None and self.kind == ann.FLAT and len(self):
            if self._half is None:
                self._half = ann.HalfCopy(self.index)
            found = self._half.search(query, k)
            if found is not None:
                return found
        return ann.search(self.index, query, k, allowed_ids)

    @property
    def stored_exactly(self) -> bool:
        """Whether a vector can be read back cheaply and as it was stored (an exact kind;
        an IVF index needs a copy and a direct map first, and gives it approximately)."""
        return self.kind in (ann.EXACT, ann.FLAT)

    def reconstruct(self, chunk_id: int) -> np.ndarray:
        if not self.stored_exactly:
            self._own()  # an IVF index is given a direct map on first use
        return ann.reconstruct(self.index, chunk_id)


def prefetch(index_dir: Path) -> None:
    """Start reading the vector cache of the index at `index_dir` into memory, and its
    checksum, on a thread of its own: both release the GIL, so a one-shot command's
    imports run meanwhile (news-5k: 70 MB, ~60-90 ms). `VectorFile.load` takes the bytes
    if its file is still the one read (same inode, size and time); else it reads again."""
    path = Path(index_dir) / CACHE_FILE
    if str(path) not in _PREFETCHED:
        _PREFETCHED[str(path)] = _Prefetch(path)


class _Prefetch:
    def __init__(self, path: Path):
        self.result: tuple[os.stat_result, np.ndarray, int] | None = None
        self.thread = threading.Thread(target=self._read, args=(path,), name="vectors-prefetch",
                                       daemon=True)
        self.thread.start()

    def _read(self, path: Path) -> None:
        try:
            with open(path, "rb") as f:
                stat = os.fstat(f.fileno())
                data = _read_bytes(f, stat.st_size)
            self.result = (stat, data, zlib.crc32(data[len(MAGIC) + HEADER_BYTES:]))
        except (OSError, MemoryError):
            pass  # no file, or not readable now: `load` reads it itself, and says so


_PREFETCHED: dict[str, _Prefetch] = {}


def _contents(f, path: Path) -> tuple[np.ndarray, int | None]:
    """The whole of the open file `f` in memory, and its payload's CRC where a prefetch of
    this same file computed it already."""
    stat = os.fstat(f.fileno())
    fetched = _PREFETCHED.pop(str(path), None)
    if fetched is not None:
        fetched.thread.join()
        if fetched.result is not None and _same_file(fetched.result[0], stat):
            return fetched.result[1], fetched.result[2]
    return _read_bytes(f, stat.st_size), None


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return ((a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns)
            == (b.st_dev, b.st_ino, b.st_size, b.st_mtime_ns))


def _read_bytes(f, size: int) -> np.ndarray:
    """The next `size` bytes of `f`, read into memory at once (the index's parser then
    borrows them; read through Python piece by piece, they were copied twice more)."""
    data = np.empty(size, dtype=np.uint8)
    if f.readinto(memoryview(data)) != size:
        raise OSError("the vector cache changed while it was read")
    return data


def _read_index(faiss, payload: np.ndarray):
    """(index, borrowed): the index in `payload`, borrowing its bytes where this FAISS can
    (it has `ZeroCopyIOReader`), else copied. Raises RuntimeError where the bytes are not
    exactly one index."""
    if not hasattr(faiss, "ZeroCopyIOReader"):
        return faiss.deserialize_index(payload), False
    reader = faiss.ZeroCopyIOReader(faiss.swig_ptr(payload), payload.size)
    index = faiss.read_index(reader)
    if reader.rp_ != payload.size:
        raise RuntimeError("bytes left over after the vector index")
    return index, True
