"""`MetaStore`: typed access to `meta.sqlite` (articles, chunks, their vectors, the FTS5
keyword table and the manifest); writes happen inside `transaction()`."""
from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from ..records import Article, Chunk, source_text

from .clusters import StoryClusters
from .sql import rows_in
from .schema import (_BASE_SCHEMA, MIGRATIONS, RETIRED_FILES, SCHEMA_VERSION, MigrationContext,
                     article_reader)

def read_only_uri(path: Path) -> str:
    """The SQLite URI that opens `path` for reading only (its name quoted: a `#` or `?` in
    it is no URI's)."""
    from urllib.parse import quote

    return f"file:{quote(str(path.absolute()))}?mode=ro"


def quick_check(db: sqlite3.Connection) -> list[str]:
    """SQLite's own check of a file's structure: [] when whole, else its findings."""
    rows = [str(r[0]) for r in db.execute("PRAGMA quick_check")]
    return [] if rows == ["ok"] else rows


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """The database opened for reading only (a shared index, another user's, a read-only
    disk). A WAL database needs its shared-memory file, which a directory we cannot write
    to may not hold: then, and only when no write-ahead log holds commits the file lacks,
    it is opened as immutable (as such a file is, to us). A log we cannot read is said."""
    uri = read_only_uri(path)
    db = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        db.close()
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise sqlite3.OperationalError(
                f"{exc}: its write-ahead log ({wal.name}) holds commits this process cannot "
                f"read; open it once where it can be written, or ask its owner to") from exc
    db = sqlite3.connect(uri + "&immutable=1", uri=True, check_same_thread=False,
                         isolation_level=None)
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return db


class MetaStore(StoryClusters):
    """Thin typed access to the SQLite file. Writes happen inside `transaction()`; the
    story clusters' SQL is `clusters.StoryClusters`'."""

    def __init__(self, path: Path, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        # how articles are read from this file's layout (a migration reads them under an
        # older one: 1 -> 2 embeds chunks again), found on first use
        self._layout: tuple[str, Callable[[tuple], Article]] | None = None
        if read_only:
            self.db = _connect_read_only(self.path)
            return
        self.db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.executescript(_BASE_SCHEMA)

    def close(self) -> None:
        self.db.close()

    # schema
    def schema_version(self) -> int:
        """The schema this database has; one without a recorded version has the base one."""
        return int(self.manifest_value("schema_version", 1))

    def migrate(self, ctx: MigrationContext) -> list[int]:
        """Bring the schema to SCHEMA_VERSION; returns the versions migrated to.

        The caller holds the index's write lock. Each migration commits on its own, so an
        interrupted run resumes at the first one not committed.
        """
        done = []
        for version, migration in MIGRATIONS:
            if self.schema_version() < version:
                try:
                    migration(self, ctx)
                finally:
                    self._layout = None
                done.append(version)
        if self.schema_version() == SCHEMA_VERSION:
            for name in RETIRED_FILES:
                (ctx.directory / name).unlink(missing_ok=True)
        if done:  # a migration may have written much: leave no large log behind
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return done

    # manifest
    def manifest(self) -> dict[str, object]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM manifest")}

    def manifest_value(self, key: str, default: object = None) -> object:
        row = self.db.execute("SELECT value FROM manifest WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def write_manifest(self, values: dict[str, object]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO manifest(key, value) VALUES (?, ?)",
                            [(k, json.dumps(v)) for k, v in values.items()])

    # transactions
    def begin(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: committed whole when the block ends, rolled back when it
        raises (or is interrupted)."""
        self.begin()
        try:
            yield
            self.commit()
        except BaseException:
            self.rollback()
            raise

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside all see one committed state, however others write meanwhile."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            self.db.execute("SELECT count(*) FROM manifest").fetchone()  # the snapshot starts
            yield
        finally:
            if self.db.in_transaction:  # SQLite may have ended it on an I/O error already
                self.db.execute("COMMIT")

    # vectors and the log of deleted chunks
    def insert_vectors(self, chunk_ids: Iterable[int], vectors: np.ndarray) -> None:
        """Store each chunk's vector (float32, little-endian)."""
        vectors = np.ascontiguousarray(vectors, dtype="<f4")
        ids = [int(c) for c in chunk_ids]
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} chunk ids for {len(vectors)} vectors")
        self.db.executemany("INSERT INTO vectors(chunk_id, vec) VALUES (?, ?)",
                            zip(ids, (v.tobytes() for v in vectors)))

    def vectors_after(self, chunk_id: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of the chunks with ids above `chunk_id`, in id order."""
        ids, blobs = [], []
        for cid, blob in self.db.execute(
                "SELECT chunk_id, vec FROM vectors WHERE chunk_id > ? ORDER BY chunk_id",
                (int(chunk_id),)):
            ids.append(cid)
            blobs.append(blob)
        vectors = np.frombuffer(b"".join(blobs), dtype="<f4").astype(np.float32, copy=False)
        return np.asarray(ids, dtype=np.int64), vectors.reshape(len(ids), dim)

    def deletions_after(self, seq: int) -> tuple[int, list[int]]:
        """(the last log entry, the chunk ids deleted) for deletion log entries past `seq`."""
        rows = self.db.execute("SELECT seq, chunk_id FROM deleted_chunks WHERE seq > ? "
                               "ORDER BY seq", (int(seq),)).fetchall()
        return (rows[-1][0] if rows else int(seq)), [r[1] for r in rows]

    def last_deletion(self) -> int:
        """The deletion log's last entry ever (trimming keeps the count going)."""
        row = self.db.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'deleted_chunks'").fetchone()
        return int(row[0]) if row else 0

    def deletions_trimmed(self) -> int:
        """Deletion log entries up to this one are gone: a cache behind it cannot catch up."""
        return int(self.manifest_value("vector_deletions_trimmed", 0))

    def trim_deletions(self, seq: int) -> None:
        """Forget deletion log entries up to `seq` (a saved cache has applied them)."""
        self.db.execute("DELETE FROM deleted_chunks WHERE seq <= ?", (int(seq),))
        if int(seq) > self.deletions_trimmed():
            self.write_manifest({"vector_deletions_trimmed": int(seq)})

    def chunk_census(self) -> tuple[int, int]:
        """(how many chunks, the sum of their ids): a cheap check that a cache holds them."""
        n, total = self.db.execute("SELECT count(*), coalesce(sum(id), 0) FROM chunks").fetchone()
        return int(n), int(total)

    # articles
    def existing_articles(self, article_ids: Iterable[str]) -> set[str]:
        """Which of these articles are stored (inside a write: as of that transaction)."""
        return {r[0] for r in rows_in(self.db, "SELECT id FROM articles WHERE id IN ({marks})",
                                      article_ids)}

    def content_hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, content_hash FROM articles"))

    def date_span(self) -> tuple[date | None, date | None]:
        """The earliest and latest publication dates of the articles (None when unknown)."""
        first, last = self.db.execute(
            "SELECT min(published), max(published) FROM articles WHERE published IS NOT NULL"
        ).fetchone()
        return (date.fromisoformat(first) if first else None,
                date.fromisoformat(last) if last else None)

    def count_articles(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def data_version(self) -> int:
        """A number that changes whenever another connection commits (SQLite's own)."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def quick_check(self) -> list[str]:
        """SQLite's own check of the file's structure: [] when whole, else its findings."""
        return quick_check(self.db)

    def count_vectors(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM vectors").fetchone()[0])

    def outlet_counts(self) -> list[tuple[str, int]]:
        """(outlet, articles) for every named outlet, the largest first."""
        return self.db.execute(
            "SELECT outlet, count(*) FROM articles WHERE outlet IS NOT NULL "
            "GROUP BY outlet ORDER BY count(*) DESC, outlet").fetchall()

    def count_feeds(self) -> int:
        return self.db.execute("SELECT count(*) FROM feeds").fetchone()[0]

    def count_chunks(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def _article_layout(self) -> tuple[str, Callable[[tuple], Article]]:
        if self._layout is None:
            self._layout = article_reader(self.db)
        return self._layout

    def get_article(self, article_id: str) -> Article | None:
        columns, from_row = self._article_layout()
        row = self.db.execute(f"SELECT {columns} FROM articles WHERE id = ?",
                              (article_id,)).fetchone()
        return from_row(row) if row else None

    def get_articles(self, ids: Iterable[str]) -> dict[str, Article]:
        columns, from_row = self._article_layout()
        return {r[0]: from_row(r) for r in rows_in(
            self.db, f"SELECT {columns} FROM articles WHERE id IN ({{marks}})",
            dict.fromkeys(ids))}

    def iter_articles(self) -> Iterator[Article]:
        columns, from_row = self._article_layout()
        for row in self.db.execute(f"SELECT {columns} FROM articles ORDER BY id"):
            yield from_row(row)

    def article_sources(self) -> dict[str, str | None]:
        """article id -> where it was read, as shown ("path", "path:line", "path#n")."""
        return {id_: source_text(*where) for id_, where in self.article_origins().items()}

    def article_origins(self) -> dict[str, tuple[str | None, int | None, int | None]]:
        """article id -> (its file, line, record): where it was read."""
        return {r[0]: (r[1], r[2], r[3]) for r in self.db.execute(
            "SELECT id, source_file, source_line, source_record FROM articles")}

    def chunk_ids_of(self, article_ids: Iterable[str]) -> list[int]:
        return [r[0] for r in rows_in(
            self.db, "SELECT id FROM chunks WHERE article_id IN ({marks})", article_ids)]

    def delete_articles(self, article_ids: Iterable[str]) -> list[int]:
        """Delete articles with their chunks and keyword rows; returns the chunk ids gone."""
        ids = list(article_ids)
        chunk_ids = self.chunk_ids_of(ids)
        self.db.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(c,) for c in chunk_ids])
        self.db.executemany("DELETE FROM chunks WHERE article_id = ?", [(a,) for a in ids])
        self.db.executemany("DELETE FROM articles WHERE id = ?", [(a,) for a in ids])
        return chunk_ids

    def insert_article(self, article: Article, chunks: list[Chunk]) -> list[int]:
        """Insert an article and its chunks; returns the new chunk ids in order."""
        self.db.execute(
            "INSERT INTO articles(id, url, title, outlet, authors, published, body, content_hash,"
            " source_file, source_line, source_record, added_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (article.id, article.url, article.title, article.outlet,
             json.dumps(list(article.authors), ensure_ascii=False),
             article.published.isoformat() if article.published else None,
             article.body, article.content_hash, article.source_file, article.source_line,
             article.source_record, datetime.now(timezone.utc).isoformat(timespec="seconds")))
        ids: list[int] = []
        for c in chunks:
            cur = self.db.execute(
                'INSERT INTO chunks(article_id, ordinal, start, "end", tokens) VALUES (?, ?, ?, ?, ?)',
                (article.id, c.ordinal, c.start, c.end, c.tokens))
            ids.append(cur.lastrowid)
            self.db.execute("INSERT INTO chunks_fts(rowid, title, text) VALUES (?, ?, ?)",
                            (cur.lastrowid, article.title, c.text))
        return ids

    # chunks
    def all_chunk_ids(self) -> set[int]:
        return {r[0] for r in self.db.execute("SELECT id FROM chunks")}

    def chunk_rows(self, chunk_ids: Iterable[int]) -> dict[int, tuple[str, int, int]]:
        """chunk id -> (article id, start, end)."""
        return {cid: (aid, s, e) for cid, aid, s, e in rows_in(
            self.db, 'SELECT id, article_id, start, "end" FROM chunks WHERE id IN ({marks})',
            chunk_ids)}
