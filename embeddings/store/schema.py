"""The schema of `meta.sqlite`, version by version, and the migrations between versions.

Every database starts from the version 1 schema and is brought to SCHEMA_VERSION by
running, in order, the migrations past its version (`MetaStore.migrate`). Also here: how
an article row reads under each layout (`article_reader`).
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..records import Article

if TYPE_CHECKING:
    from .meta import MetaStore

SCHEMA_VERSION = 4

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

# Version 4: news that comes in by itself. Each article's MinHash signature (for finding
# wire copies) and the story clusters they form; the feeds subscribed to and what each
# item of theirs became. All rows of an article go with it (ON DELETE CASCADE).
_NEWS_TABLES = (
    """CREATE TABLE article_signatures (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        minhash BLOB NOT NULL  -- duplicates.NUM_PERM uint64, little-endian
    )""",
    # only articles in a cluster of two or more have a row; cluster_id is the
    # representative's article id (the earliest copy)
    """CREATE TABLE story_clusters (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        cluster_id TEXT NOT NULL
    )""",
    "CREATE INDEX story_clusters_cluster ON story_clusters(cluster_id)",
    """CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        name TEXT UNIQUE,
        title TEXT,
        etag TEXT,
        last_modified TEXT,
        added_at TEXT NOT NULL,
        checked_at TEXT,
        status TEXT
    )""",
    # what became of each item of a feed: 'page' (indexed from its page), 'summary'
    # (from the feed's own text), 'failed' (tried `attempts` times; `reason`)
    """CREATE TABLE feed_items (
        feed_url TEXT NOT NULL REFERENCES feeds(url) ON DELETE CASCADE,
        item_key TEXT NOT NULL,
        url TEXT,
        article_id TEXT,
        state TEXT NOT NULL,
        reason TEXT,
        attempts INTEGER NOT NULL DEFAULT 1,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (feed_url, item_key)
    )""",
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


def _canonical_ids(store: "MetaStore") -> None:
    """Articles stored under a URL that is not canonical (a tracking parameter, an upper-case
    host) take the canonical URL, and the id it gives, as the same article read now would:
    indexing its file again finds it unchanged, not new. Where the canonical URL's article
    is stored already, this one is the same article twice and goes."""
    from dataclasses import replace

    from ..urls import canonical_url

    columns, from_row = article_reader(store.db)
    rows = store.db.execute(f"SELECT {columns} FROM articles WHERE url IS NOT NULL").fetchall()
    moved = [(a, c) for a in map(from_row, rows) if (c := canonical_url(a.url)) != a.url]
    if not moved:
        return
    store.db.execute("PRAGMA defer_foreign_keys = ON")  # chunks follow in this transaction
    for old, url in moved:
        new = replace(old, url=url, id="")  # a new article: its id from the canonical URL
        if store.existing_articles([new.id]):
            store.delete_articles([old.id])
            continue
        store.db.execute("UPDATE articles SET id = ?, url = ?, content_hash = ? WHERE id = ?",
                         (new.id, new.url, new.content_hash, old.id))
        store.db.execute("UPDATE chunks SET article_id = ? WHERE article_id = ?",
                         (new.id, old.id))


def _news_tables(store: "MetaStore", ctx: MigrationContext) -> None:
    """3 -> 4: signatures and story clusters of the articles stored (their bodies are
    read, nothing is embedded), and empty feed tables."""
    from ..duplicates import signature, to_blob

    with store.transaction():
        _canonical_ids(store)
        rows = store.db.execute("SELECT id, body FROM articles").fetchall()
        signatures = [(id_, to_blob(sig)) for id_, body in rows
                      if (sig := signature(body)) is not None]
        for statement in _NEWS_TABLES:
            store.db.execute(statement)
        store.db.executemany("INSERT INTO article_signatures(article_id, minhash) VALUES (?, ?)",
                             signatures)
        store.recluster()
        store.write_manifest({"schema_version": 4})


# (the version each migration brings a database to, the migration), in order
MIGRATIONS: list[tuple[int, Callable[["MetaStore", MigrationContext], None]]] = [
    (2, _vectors_into_sqlite),
    (3, _source_into_columns),
    (4, _news_tables),
]
# files earlier versions kept that the current one does not read: removed once it is current
RETIRED_FILES = (V1_VECTOR_FILE,)
