"""`newsdesk repair`: mend a damaged index from what it still holds, losing nothing readable.

Two steps, each under the write lock:

1. **The database.** When SQLite's `quick_check` finds `meta.sqlite` damaged, every row that
   can still be read is salvaged into a new file: articles whose stored content hash still
   matches (a row that reads but was changed by the damage is not served), the vectors of
   their passages where those read whole. The articles are chunked again (the chunker is
   deterministic, so their passages are the ones they had) and only passages whose vector
   was lost are embedded. The damaged file is kept beside it as `meta.sqlite.damaged`; the
   new one replaces it only once written whole.
2. **The rest.** Passages without a vector are embedded, and both caches are rebuilt from
   the database and saved; temporary files a killed writer left are removed.

Readers never do this work: one that finds a cache damaged serves from SQLite for that run
and says to run `newsdesk repair`.
"""
from __future__ import annotations

import filecmp
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .chunking import ChunkerSettings, chunk_article
from .durable import publish
from .errors import DiskFullError, IndexDamagedError, IndexMissingError, ReadOnlyIndexError
from .index import BATCH_CHUNKS, Index, _identity, _writable, embed_text, new_index_id
from .layout import KEYWORDS_FILE, META_FILE
from .locking import write_lock
from .store import MetaStore, MigrationContext, article_reader, quick_check, read_only_uri
from .vectors import CACHE_FILE
from .writing import _disk_full

DAMAGED_SUFFIX = ".damaged"  # meta.sqlite.damaged(.N): the damaged database, kept as it was
_SALVAGE_FILE = "meta.sqlite.salvage.tmp"
_ARTICLES_A_BATCH = 256
_MAX_SKIPS = 10_000  # damaged stretches skipped in one table before giving up on it


@dataclass
class RepairReport:
    """What `repair` found and did."""

    database: str = "whole"  # "whole", or "salvaged" into a new file
    articles: int = 0  # in the index after repair
    passages: int = 0
    damaged_stretches: int = 0  # places the old database could not be read past
    lost_articles: int | None = None  # could not be read (None: how many is unknown too)
    altered_articles: list[str] = field(default_factory=list)  # read, but not what was stored
    embedded: int = 0  # passages embedded again: their vectors were lost
    caches_rebuilt: list[str] = field(default_factory=list)  # saved anew
    damaged_copy: str | None = None  # where the damaged database was kept
    manifest_rebuilt: bool = False  # lost, and found by the passages to be the defaults'

    def to_dict(self) -> dict:
        return asdict(self)


def repair(path: str | os.PathLike, on_wait: Callable[[], None] | None = None) -> RepairReport:
    """Mend the index at `path` (see the module's docstring); raises IndexMissingError where
    there is none, ReadOnlyIndexError where it may not be written, and IndexDamagedError
    where nothing in its database can be read."""
    path = Path(path)
    meta = path / META_FILE
    if not meta.exists():
        raise IndexMissingError(f"no index at {path}")
    if not _writable(path, meta):
        raise ReadOnlyIndexError(f"the index at {path} is read-only here: repair it where it "
                                 f"can be written")
    report = RepairReport()
    with write_lock(path, on_wait=on_wait):
        if meta.stat().st_size == 0:
            raise IndexDamagedError(
                f"{meta} is empty: nothing in it can be recovered. Index the articles again "
                f"(`newsdesk index PATH... --index {path}`)")
        if database_damage(meta):
            _salvage(path, report)
    with Index.open(path, create=False) as index:
        _mend(index, report, on_wait)
        report.articles, report.passages = len(index), index.store.count_chunks()
    return report


def database_damage(meta: Path) -> list[str]:
    """SQLite's findings on the file's structure, and a manifest that cannot be read or is
    empty beside articles; [] when it is whole."""
    try:
        db = _read_only(meta)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        found = quick_check(db)
        if found:
            return found
        if not db.execute("SELECT count(*) FROM manifest").fetchone()[0] and \
                db.execute("SELECT count(*) FROM articles").fetchone()[0]:
            return ["the manifest is empty"]
        return []
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        db.close()


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(read_only_uri(path), uri=True)


# 1. the database -------------------------------------------------------------------------
def _salvage(path: Path, report: RepairReport) -> None:
    """Write what the damaged database still holds into a new one, then put it in place."""
    meta = path / META_FILE
    damaged = _keep_copy(meta)
    report.database, report.damaged_copy = "salvaged", str(damaged)
    target = path / _SALVAGE_FILE
    leftovers = (target, target.with_name(target.name + "-wal"),
                 target.with_name(target.name + "-shm"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    old = _read_only(damaged)
    try:
        new = MetaStore(target)
        try:
            _copy_contents(old, new, report)
        finally:
            new.close()
    except BaseException as exc:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        if isinstance(exc, (OSError, sqlite3.OperationalError)) and _disk_full(exc):
            raise DiskFullError(f"the disk holding {path} is full: the salvaged copy was "
                                f"removed and the index is as it was; free space and run "
                                f"repair again") from exc
        raise
    finally:
        old.close()
        _tidy_copy(damaged)
    for stale in ("-wal", "-shm"):  # the damaged file's: they must not meet the new one
        meta.with_name(meta.name + stale).unlink(missing_ok=True)
    publish(target, meta)
    for cache in (CACHE_FILE, KEYWORDS_FILE):  # built on the old passage ids
        (path / cache).unlink(missing_ok=True)


def _keep_copy(meta: Path) -> Path:
    """A copy of the damaged database (and its log, which holds commits too) beside it:
    `meta.sqlite.damaged`, or `.damaged.N` beside an earlier repair's copy of other
    contents. A copy of the same contents (a repair run again after an interruption) is
    reused; a copy that fails (a full disk) is removed."""
    copies = sorted(meta.parent.glob(meta.name + DAMAGED_SUFFIX + "*"))
    for leftover in copies:  # a killed run's: SQLite's shared memory is rebuilt at will
        if leftover.name.endswith("-shm"):
            leftover.unlink(missing_ok=True)
    wal = meta.with_name(meta.name + "-wal")
    for copy in copies:
        if copy.name.endswith(("-wal", "-shm")) or not copy.exists():
            continue
        if filecmp.cmp(meta, copy, shallow=False) and _same_log(
                wal, copy.with_name(copy.name + "-wal")):
            return copy
    damaged = _free_name(meta.with_name(meta.name + DAMAGED_SUFFIX))
    made = []
    try:
        for source in (meta, wal):
            if source.exists():
                made.append(damaged.with_name(damaged.name + source.name[len(meta.name):]))
                shutil.copyfile(source, made[-1])
    except BaseException as exc:
        for partial in made:
            partial.unlink(missing_ok=True)
        if isinstance(exc, OSError) and _disk_full(exc):
            raise DiskFullError(f"the disk holding {meta.parent} is full: repair keeps a copy "
                                f"of the damaged {META_FILE} ({meta.stat().st_size} bytes) "
                                f"beside it; free that much space and run it again") from exc
        raise
    return damaged


def _same_log(a: Path, b: Path) -> bool:
    """Whether two write-ahead logs hold the same (a missing log holds nothing)."""
    size_a = a.stat().st_size if a.exists() else 0
    size_b = b.stat().st_size if b.exists() else 0
    return size_a == size_b and (size_a == 0 or filecmp.cmp(a, b, shallow=False))


def _tidy_copy(damaged: Path) -> None:
    """Remove what reading the copy made beside it: an empty log, shared memory."""
    wal = damaged.with_name(damaged.name + "-wal")
    if wal.exists() and not wal.stat().st_size:
        wal.unlink()
    damaged.with_name(damaged.name + "-shm").unlink(missing_ok=True)


def _nothing_to_embed(chunk_ids: list[int]) -> np.ndarray:
    raise AssertionError(f"an empty database has no chunks to embed ({len(chunk_ids)} asked)")


def _copy_contents(old: sqlite3.Connection, new: MetaStore, report: RepairReport) -> None:
    manifest = dict(readable_rows(old, "manifest", "key, value", report))
    for own in ("schema_version", "clusters_current"):  # the new file's are its own
        manifest.pop(own, None)
    # the new, empty database takes the current schema the way a new index does: by the
    # migrations (with no chunks, nothing to embed)
    new.migrate(MigrationContext(new.path.parent, dim=0, embed=_nothing_to_embed))
    with new.transaction():
        new.db.executemany("INSERT INTO manifest(key, value) VALUES (?, ?)", manifest.items())
    stored = new.manifest()
    from .encoder import Encoder

    if {"model", "dim", "max_tokens", "token_encoding"} <= stored.keys():
        encoder = Encoder(str(stored["model"]))
        chunker = ChunkerSettings(int(stored["max_tokens"]), str(stored["token_encoding"]))
        vectors = _readable_vectors(old, encoder.dim, report)
    else:  # lost with its page: the defaults, if the stored passages and vectors bear them out
        encoder, chunker = Encoder(), ChunkerSettings()
        vectors = _readable_vectors(old, encoder.dim, report)
        if not _built_so(old, vectors, encoder, chunker):
            raise IndexDamagedError(
                f"the manifest of {META_FILE} (which model and chunker built it) cannot be "
                f"read, and the stored passages are not the default model's and chunker's: "
                f"index the articles again into a new directory (`newsdesk index PATH... "
                f"--index NEW_DIR`); the file is left as it was")
        new.write_manifest({"model": encoder.model_id, "dim": encoder.dim,
                            **chunker.as_manifest()})
        report.manifest_rebuilt = True
    try:  # SQLite counts with an index of the table, which may have survived the damage
        held = int(old.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.DatabaseError:
        held = None
    kept = 0
    batch: list = []
    columns, article_from_row = article_reader(old)  # the damaged file's layout, 2 or 3
    for row in readable_rows(old, "articles", columns + ", content_hash", report):
        article = article_from_row(row[:-1])
        if article.content_hash != row[-1]:
            report.altered_articles.append(article.title[:80])
            continue
        batch.append(article)
        kept += 1
        if len(batch) == _ARTICLES_A_BATCH:
            _insert(new, batch, chunker, vectors, encoder, report)
            batch = []
    if batch:
        _insert(new, batch, chunker, vectors, encoder, report)
    _copy_feeds(old, new, report)
    if not kept and held != 0:
        raise IndexDamagedError(
            f"no article of {META_FILE} could be read back: index the articles again "
            f"(`newsdesk index PATH... --index NEW_DIR`); the file is left as it was")
    if held is not None:
        report.lost_articles = max(held - kept - len(report.altered_articles), 0)


_FEED_TABLES = (  # (table, columns): the subscriptions, and what each item became
    ("feeds", "url, name, title, etag, last_modified, added_at, checked_at, status"),
    ("feed_items", "feed_url, item_key, url, article_id, state, reason, attempts, fetched_at"),
)


def _copy_feeds(old: sqlite3.Connection, new: MetaStore, report: RepairReport) -> None:
    """The feed subscriptions that can still be read (a file from before schema 4 has
    none); an item whose row is lost is fetched again by the next update."""
    try:
        tables = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        return  # the schema itself is unreadable: then no article was either
    with new.transaction():
        for table, columns in _FEED_TABLES:
            if table in tables:
                marks = ",".join("?" * len(columns.split(",")))
                new.db.executemany(f"INSERT OR IGNORE INTO {table}({columns}) VALUES ({marks})",
                                   readable_rows(old, table, columns, report))


def _built_so(old: sqlite3.Connection, vectors: dict, encoder, chunker: ChunkerSettings,
              sample: int = 8) -> bool:
    """Whether the first readable articles chunk, under `chunker`, into passages that have
    stored vectors, and `encoder` gives those vectors again (cosine >= 0.99)."""
    from itertools import islice

    columns, article_from_row = article_reader(old)
    rows = islice(readable_rows(old, "articles", columns, RepairReport()), sample)
    texts, stored = [], []
    for row in rows:
        article = article_from_row(row)
        for c in chunk_article(article, chunker):
            if (article.id, c.start, c.end) in vectors:
                texts.append(embed_text(article, c.text))
                stored.append(vectors[(article.id, c.start, c.end)])
    if not texts:
        return False
    cosines = np.sum(encoder.encode(texts[:32]) * np.array(stored[:32]), axis=1)
    return bool(np.all(cosines >= 0.99))


def _readable_vectors(old: sqlite3.Connection, dim: int,
                      report: RepairReport) -> dict[tuple[str, int, int], np.ndarray]:
    """(article id, start, end) -> the passage's stored vector, for those that read whole."""
    spans = {cid: (aid, s, e) for cid, aid, s, e in
             readable_rows(old, "chunks", 'id, article_id, start, "end"', report)}
    out = {}
    for chunk_id, blob in readable_rows(old, "vectors", "chunk_id, vec", report):
        if chunk_id in spans and isinstance(blob, bytes) and len(blob) == 4 * dim:
            vec = np.frombuffer(blob, dtype="<f4")
            if np.isfinite(vec).all() and 0.9 < float(vec @ vec) < 1.1:  # stored normalised
                out[spans[chunk_id]] = vec
    return out


def _insert(new: MetaStore, articles: list, chunker: ChunkerSettings, vectors: dict,
            encoder, report: RepairReport) -> None:
    """One transaction: the articles, their passages chunked again, their vectors (kept
    where they were read, embedded where they were lost)."""
    from .duplicates import signature

    chunked = [(a, chunk_article(a, chunker)) for a in articles]
    keys = [(a.id, c.start, c.end) for a, chunks in chunked for c in chunks]
    lost = [i for i, key in enumerate(keys) if key not in vectors]
    all_vectors = np.zeros((len(keys), encoder.dim), dtype=np.float32)
    for i, key in enumerate(keys):
        if key in vectors:
            all_vectors[i] = vectors[key]
    texts = [embed_text(a, c.text) for a, chunks in chunked for c in chunks]
    for i in range(0, len(lost), BATCH_CHUNKS):
        part = lost[i:i + BATCH_CHUNKS]
        all_vectors[part] = encoder.encode([texts[j] for j in part])
    report.embedded += len(lost)
    with new.transaction():
        ids: list[int] = []
        for article, chunks in chunked:
            ids += new.insert_article(article, chunks)
        new.insert_vectors(ids, all_vectors)
        new.insert_signatures((a.id, signature(a.body)) for a, _ in chunked)
        new.clusters_stale()


def readable_rows(db: sqlite3.Connection, table: str, columns: str,
                  report: RepairReport) -> Iterator[tuple]:
    """The rows of `table`, in rowid order, that can still be read. Where a scan fails, the
    next rowid a search can reach (`_next_readable`) is read alone (a scan fails at once
    when the row after its start is damaged, though the start itself reads), and the scan
    starts again past it."""
    after: int | None = None  # the last rowid read, or found unreadable
    for _ in range(_MAX_SKIPS):
        where, params = ("WHERE rowid > ?", (after,)) if after is not None else ("", ())
        try:
            for row in db.execute(f"SELECT rowid, {columns} FROM {table} {where} "
                                  f"ORDER BY rowid", params):
                after = row[0]
                yield row[1:]
            return
        except sqlite3.DatabaseError:
            report.damaged_stretches += 1
        while True:  # past the damage: the rows a search reaches, one by one
            found = _next_readable(db, table, after)
            if found is None:
                return
            after = found
            try:
                row = db.execute(f"SELECT {columns} FROM {table} WHERE rowid = ?",
                                 (found,)).fetchone()
            except sqlite3.DatabaseError:
                continue  # its contents are damaged (an overflow page of its text)
            if row is not None:
                yield tuple(row)
            break


def _next_readable(db: sqlite3.Connection, table: str, after: int | None) -> int | None:
    """The first rowid past `after` that a search can reach, or None. Probes 1, 2, 4, ...
    rowids on until one is reached, then narrows down between the last probe that failed
    and that one, so a large damaged stretch costs a few dozen probes."""
    def probe(at: int) -> int | None | bool:  # the first rowid >= at; None: none; False: damaged
        try:
            row = db.execute(f"SELECT rowid FROM {table} WHERE rowid >= ? ORDER BY rowid "
                             f"LIMIT 1", (at,)).fetchone()
        except sqlite3.DatabaseError:
            return False
        return None if row is None else row[0]

    lo = (after if after is not None else -(2 ** 63)) + 1
    found = probe(lo)
    if found is not False:
        return found
    failed = lo
    for k in range(64):
        at = lo + 2 ** k
        if at >= 2 ** 63:
            return None
        found = probe(at)
        if found is None:
            return None
        if found is not False:
            break
        failed = at
    else:
        return None
    hi = at
    while hi - failed > 1:
        mid = (failed + hi) // 2
        first = probe(mid)
        if first is False:
            failed = mid
        elif first is not None:
            hi, found = mid, first
        else:
            break
    return found


def _free_name(path: Path) -> Path:
    """`path`, or `path.2`, `path.3`, ...: an earlier repair's copy is kept, not replaced."""
    n, free = 1, path
    while any(free.with_name(free.name + s).exists() for s in ("", "-wal", "-shm")):
        n += 1
        free = path.with_name(f"{path.name}.{n}")
    return free


# 2. the rest -----------------------------------------------------------------------------
def _mend(index: Index, report: RepairReport, on_wait: Callable[[], None] | None) -> None:
    """Embed passages that lack a vector, then save both caches where they are damaged,
    missing or behind (opening rebuilt a damaged one in memory; this saves it)."""
    store = index.store
    with index._writing(on_wait):
        if not store.manifest_value("index_id"):  # made before indexes had one
            store.write_manifest({"index_id": new_index_id()})
            index.vectors.saved = None  # saved again, under the key with the id
        missing = [r[0] for r in store.db.execute(
            "SELECT id FROM chunks WHERE id NOT IN (SELECT chunk_id FROM vectors) ORDER BY id")]
        if missing:
            vectors = index._embed_chunks(missing)
            with store.transaction():
                store.insert_vectors(missing, vectors)
            report.embedded += len(missing)
            index._load_vectors()  # they lie below the cache's watermark: it is rebuilt
        # a cache saved is a new file renamed over the old one; clusters stale (articles
        # salvaged into a new file) are computed again first
        before = {name: _identity(index.path / name) for name in (CACHE_FILE, KEYWORDS_FILE)}
        notes = index._written(changed=False)
        if notes:
            raise OSError("; ".join(notes))
        report.caches_rebuilt = [name for name, was in before.items()
                                 if _identity(index.path / name) not in (was, None)]
        index.notes.clear()  # what opening found is what this mended

