"""`meta.sqlite`: articles, chunks, their vectors, the FTS5 keyword table and the manifest.

Schemas carry a version (`schema_version` in the manifest) and an ordered list of
migrations: every database starts from the version 1 schema and is brought to
SCHEMA_VERSION by running, in order, the migrations past its version.
"""
from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from .records import Article, Chunk, source_text

SCHEMA_VERSION = 3

# Version 1, where every database starts. Never edit it: a change is a new migration.
_BASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT,
    title TEXT NOT NULL,
    outlet TEXT,
    authors TEXT NOT NULL DEFAULT '[]',
    published TEXT,
    body TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    source TEXT,
    added_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_outlet ON articles(outlet COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    tokens INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, text, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"  # chunks_fts's, as created above

# Version 2: the vectors, committed in the same transaction as their chunks. A table of
# their own rather than a column of `chunks`: scans of chunks (filters, joins) do not page
# through 1.5 KB blobs, a range of new vectors is a range of its primary key, and adding it
# to an existing index writes the vectors only, not every chunk row again.
# `deleted_chunks` logs each chunk deleted (the trigger writes it in the deleting
# transaction), so a FAISS cache saved earlier learns what to drop; it is trimmed up to
# what a saved cache has applied.
_VECTOR_TABLES = (
    """CREATE TABLE vectors (
        chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
        vec BLOB NOT NULL  -- float32, little-endian
    )""",
    """CREATE TABLE deleted_chunks (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        chunk_id INTEGER NOT NULL
    )""",
    """CREATE TRIGGER chunks_deleted AFTER DELETE ON chunks BEGIN
        INSERT INTO deleted_chunks(chunk_id) VALUES (old.id);
    END""",
)
V1_VECTOR_FILE = "vectors.faiss"  # where version 1 kept the vectors

# Version 3: where an article was read is stored as columns (its file; its line in JSON
# Lines, or its place among a JSON document's records), not as one "path:line" string
# that had to be parsed back (a file name may hold ':' and '#' itself).
_SOURCE_COLUMNS = (
    "ALTER TABLE articles ADD COLUMN source_file TEXT",
    "ALTER TABLE articles ADD COLUMN source_line INTEGER",
    "ALTER TABLE articles ADD COLUMN source_record INTEGER",
)

_ARTICLE_COLUMNS = ("id, url, title, outlet, authors, published, body, "
                    "source_file, source_line, source_record")
_V2_ARTICLE_COLUMNS = "id, url, title, outlet, authors, published, body, source"  # up to 2


def _article_from_row(row: sqlite3.Row | tuple) -> Article:
    id_, url, title, outlet, authors, published, body, file, line, record = row
    return Article(id=id_, url=url, title=title, outlet=outlet, authors=tuple(json.loads(authors)),
                   published=date.fromisoformat(published) if published else None,
                   body=body, source_file=file, source_line=line, source_record=record)


def split_source(source: str | None) -> tuple[str | None, int | None, int | None]:
    """(file, line, record) of a source as versions up to 2 stored it: "path",
    "path:line" or "path#record". Only JSON files have lines or records (the readers wrote
    no others), so a last ':' or '#' followed by nothing but
    ASCII digits marks one only after such a file's name: any file name may hold either
    mark itself (`feed:42`), or digits escaped from bytes that are not UTF-8 (`\\xff`)."""
    if source is None:
        return None, None, None
    for mark, suffixes in ((":", _LINE_FILES), ("#", _RECORD_FILES)):
        file, sep, tail = source.rpartition(mark)
        if (sep and tail.isascii() and tail.isdigit() and len(tail) <= 18
                and file.lower().removesuffix(".gz").endswith(suffixes)):
            return (file, int(tail), None) if mark == ":" else (file, None, int(tail))
    return source, None, None


_LINE_FILES = (".jsonl", ".ndjson", ".json")  # JSON Lines (also in a .json): "path:line"
_RECORD_FILES = (".json",)  # a JSON document: "path#record"


def _article_from_v2_row(row: sqlite3.Row | tuple) -> Article:
    *rest, source = row
    return _article_from_row((*rest, *split_source(source)))


def article_reader(db: sqlite3.Connection) -> tuple[str, Callable[[tuple], Article]]:
    """(the columns to select, the row -> Article) for the articles table of `db`,
    whichever layout it has: versions up to 2 kept one `source` string. (A file whose
    schema cannot be read is taken as the current one: its rows will not read either.)"""
    try:
        columns = {r[1] for r in db.execute("PRAGMA table_info(articles)")}
    except sqlite3.DatabaseError:
        return _ARTICLE_COLUMNS, _article_from_row
    if "source_file" in columns:
        return _ARTICLE_COLUMNS, _article_from_row
    return _V2_ARTICLE_COLUMNS, _article_from_v2_row


def add_source_columns(db: sqlite3.Connection) -> None:
    """The version 3 layout of `articles` (inside the caller's transaction): the columns
    added, the old `source` string dropped (set empty where SQLite is too old to drop)."""
    for statement in _SOURCE_COLUMNS:
        db.execute(statement)
    if sqlite3.sqlite_version_info >= (3, 35, 0):
        db.execute("ALTER TABLE articles DROP COLUMN source")
    else:
        db.execute("UPDATE articles SET source = NULL")


@dataclass
class MigrationContext:
    """What a migration may need besides the database: the index directory, the vectors'
    dimension, and a way to embed chunks (by id) whose vectors exist nowhere."""

    directory: Path
    dim: int
    embed: Callable[[list[int]], np.ndarray]


def _read_v1_vectors(path: Path, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) from a version 1 vector file (IndexIDMap2 over IndexFlatIP); none
    where it is missing, unreadable or of another dimension."""
    none = np.zeros(0, dtype=np.int64), np.zeros((0, dim), dtype=np.float32)
    if not path.exists():
        return none
    import faiss

    try:
        index = faiss.read_index(str(path))
        if index.d != dim:
            return none
        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        vectors = faiss.downcast_index(index.index).reconstruct_n(0, index.ntotal)
    except (RuntimeError, AttributeError):
        return none
    return ids, np.asarray(vectors, dtype=np.float32).reshape(-1, dim)


def _vectors_into_sqlite(store: "MetaStore", ctx: MigrationContext) -> None:
    """1 -> 2: the vectors move into SQLite. Each chunk keeps the vector the old
    `vectors.faiss` holds for it; only chunks it lacks are embedded again."""
    chunk_ids = np.fromiter((r[0] for r in store.db.execute("SELECT id FROM chunks")),
                            dtype=np.int64)
    old_ids, old_vectors = _read_v1_vectors(ctx.directory / V1_VECTOR_FILE, ctx.dim)
    old_ids, first = np.unique(old_ids, return_index=True)  # sorted, each id once
    old_vectors = old_vectors[first]
    keep = np.isin(old_ids, chunk_ids)  # a vector SQLite does not know is a stray
    old_ids, old_vectors = old_ids[keep], old_vectors[keep]
    missing = np.setdiff1d(chunk_ids, old_ids)
    new_vectors = ctx.embed(missing.tolist()) if len(missing) else None
    with store.transaction():
        for statement in _VECTOR_TABLES:
            store.db.execute(statement)
        store.insert_vectors(old_ids, old_vectors)
        if new_vectors is not None:
            store.insert_vectors(missing, new_vectors)
        store.write_manifest({"schema_version": 2})


def _source_into_columns(store: "MetaStore", ctx: MigrationContext) -> None:
    """2 -> 3: each article's "path:line" (or "path#record") string split, once, into
    its file and line (or record) columns."""
    rows = store.db.execute("SELECT id, source FROM articles").fetchall()
    with store.transaction():
        add_source_columns(store.db)
        store.db.executemany(
            "UPDATE articles SET source_file = ?, source_line = ?, source_record = ? "
            "WHERE id = ?", ((*split_source(source), id_) for id_, source in rows if source))
        store.write_manifest({"schema_version": 3})


# (the version each migration brings a database to, the migration), in order
MIGRATIONS: list[tuple[int, Callable[["MetaStore", MigrationContext], None]]] = [
    (2, _vectors_into_sqlite),
    (3, _source_into_columns),
]
# files earlier versions kept that the current one does not read: removed once it is current
RETIRED_FILES = (V1_VECTOR_FILE,)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """The database opened for reading only (a shared index, another user's, a read-only
    disk). A WAL database needs its shared-memory file, which a directory we cannot write
    to may not hold: then, and only when no write-ahead log holds commits the file lacks,
    it is opened as immutable (as such a file is, to us). A log we cannot read is said."""
    from urllib.parse import quote

    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
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


class MetaStore:
    """Thin typed access to the SQLite file. Writes happen inside `transaction()`."""

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
        ids = list(article_ids)
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            found.update(r[0] for r in self.db.execute(
                f"SELECT id FROM articles WHERE id IN ({','.join('?' * len(part))})", part))
        return found

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
        rows = [str(r[0]) for r in self.db.execute("PRAGMA quick_check")]
        return [] if rows == ["ok"] else rows

    def count_vectors(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM vectors").fetchone()[0])

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
        ids = list(dict.fromkeys(ids))
        columns, from_row = self._article_layout()
        out: dict[str, Article] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            rows = self.db.execute(
                f"SELECT {columns} FROM articles WHERE id IN ({','.join('?' * len(part))})",
                part)
            out.update((r[0], from_row(r)) for r in rows)
        return out

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
        ids = list(article_ids)
        out: list[int] = []
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            out += [r[0] for r in self.db.execute(
                f"SELECT id FROM chunks WHERE article_id IN ({','.join('?' * len(part))})", part)]
        return out

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
        ids = list(chunk_ids)
        out: dict[int, tuple[str, int, int]] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            for cid, aid, s, e in self.db.execute(
                    f'SELECT id, article_id, start, "end" FROM chunks WHERE id IN ({",".join("?" * len(part))})',
                    part):
                out[cid] = (aid, s, e)
        return out


# searching --------------------------------------------------------------------------------
# The read-only SQL of search, kept apart from the storage methods above: the retriever
# asks for what it needs here and holds no SQL of its own.


class SearchQueries:
    """What search reads from `meta.sqlite`: filtered chunk ids, FTS5 bm25 candidates,
    candidate rows, term document frequencies, and the rows and articles of the hits."""

    def __init__(self, store: MetaStore):
        self.store = store
        self.db = store.db

    @staticmethod
    def _where(filters) -> tuple[str, list]:
        """A WHERE fragment over `articles a` for `Filters` (outlet, author, since, until,
        article ids)."""
        where, args = [], []
        if filters.outlet:
            where.append("a.outlet = ? COLLATE NOCASE")
            args.append(filters.outlet)
        if filters.author:
            where.append("a.authors LIKE ? ESCAPE '\\'")
            escaped = filters.author.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            args.append(f"%{escaped}%")
        if filters.since:
            where.append("a.published >= ?")
            args.append(filters.since.isoformat())
        if filters.until:
            where.append("a.published <= ?")
            args.append(filters.until.isoformat())
        if filters.articles is not None:
            ids = sorted(filters.articles)
            where.append(f"a.id IN ({','.join('?' * len(ids))})" if ids else "0")
            args.extend(ids)
        return (" AND ".join(where) or "1"), args

    def chunk_ids_where(self, filters) -> list[int]:
        """Ids of the chunks of the articles that pass `filters`."""
        where, args = self._where(filters)
        return [r[0] for r in self.db.execute(
            f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {where}",
            args)]

    def keyword(self, match: str, n: int, title_weight: float,
                filters=None) -> list[tuple[int, float]]:
        """The best `n` chunks for an FTS5 MATCH expression by bm25 (title column weighted
        `title_weight`, text 1.0), best first, each with its score (higher is better)."""
        rank = f"bm25(chunks_fts, {float(title_weight)!r}, 1.0)"
        if filters is not None and filters.active:
            where, args = self._where(filters)
            sql = (f"SELECT f.rowid, {rank} AS s FROM chunks_fts f "
                   f"JOIN chunks c ON c.id = f.rowid JOIN articles a ON a.id = c.article_id "
                   f"WHERE chunks_fts MATCH ? AND {where} ORDER BY s LIMIT ?")
        else:
            sql = f"SELECT rowid, {rank} AS s FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY s LIMIT ?"
            args = []
        rows = self.db.execute(sql, [match, *args, n]).fetchall()
        return [(int(r[0]), -float(r[1])) for r in rows]

    def candidate_rows(self, chunk_ids: Iterable[int]) -> list[tuple[int, str, str | None, str, str]]:
        """(chunk id, article id, published, title, chunk text) of each chunk. The text is
        the keyword table's copy (`body[start:end]`, stored as the chunk was inserted):
        a short row, where cutting it from the body reads the body's overflow pages."""
        ids = list(chunk_ids)
        out = []
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            out += self.db.execute(
                'SELECT c.id, c.article_id, a.published, a.title, f.text FROM chunks c '
                'JOIN articles a ON a.id = c.article_id JOIN chunks_fts f ON f.rowid = c.id '
                f'WHERE c.id IN ({",".join("?" * len(part))})', part).fetchall()
        return out

    def document_frequency(self, phrase: str) -> int:
        """How many chunks hold `phrase` (an FTS5 phrase, quoted)."""
        return self.db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?",
                               [phrase]).fetchone()[0]

    def chunk_rows(self, chunk_ids: Iterable[int]) -> dict[int, tuple[str, int, int]]:
        """chunk id -> (article id, start, end)."""
        return self.store.chunk_rows(chunk_ids)

    def articles(self, article_ids: Iterable[str]) -> dict[str, Article]:
        return self.store.get_articles(article_ids)
