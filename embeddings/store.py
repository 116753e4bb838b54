"""`meta.sqlite`: articles, chunks, the FTS5 keyword table and the manifest."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path

from .records import Article, Chunk

SCHEMA_VERSION = 1

_SCHEMA = """
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

_ARTICLE_COLUMNS = "id, url, title, outlet, authors, published, body, source"


def _article_from_row(row: sqlite3.Row | tuple) -> Article:
    id_, url, title, outlet, authors, published, body, source = row
    return Article(id=id_, url=url, title=title, outlet=outlet, authors=tuple(json.loads(authors)),
                   published=date.fromisoformat(published) if published else None,
                   body=body, source=source)


class MetaStore:
    """Thin typed access to the SQLite file. Writes happen inside `transaction()`."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    # manifest
    def manifest(self) -> dict[str, object]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM manifest")}

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

    # articles
    def content_hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, content_hash FROM articles"))

    def count_articles(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def count_chunks(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def get_article(self, article_id: str) -> Article | None:
        row = self.db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?",
                              (article_id,)).fetchone()
        return _article_from_row(row) if row else None

    def get_articles(self, ids: Iterable[str]) -> dict[str, Article]:
        ids = list(dict.fromkeys(ids))
        out: dict[str, Article] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            rows = self.db.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({','.join('?' * len(part))})",
                part)
            out.update((r[0], _article_from_row(r)) for r in rows)
        return out

    def iter_articles(self) -> Iterator[Article]:
        for row in self.db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles ORDER BY id"):
            yield _article_from_row(row)

    def article_sources(self) -> dict[str, str | None]:
        return dict(self.db.execute("SELECT id, source FROM articles"))

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
            " source, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (article.id, article.url, article.title, article.outlet,
             json.dumps(list(article.authors), ensure_ascii=False),
             article.published.isoformat() if article.published else None,
             article.body, article.content_hash, article.source,
             datetime.now(timezone.utc).isoformat(timespec="seconds")))
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
        """A WHERE fragment over `articles a` for `Filters` (outlet, author, since, until)."""
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
        """(chunk id, article id, published, title, chunk text) of each chunk."""
        ids = list(chunk_ids)
        out = []
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            out += self.db.execute(
                'SELECT c.id, c.article_id, a.published, a.title, '
                'substr(a.body, c.start + 1, c."end" - c.start) FROM chunks c '
                f'JOIN articles a ON a.id = c.article_id WHERE c.id IN ({",".join("?" * len(part))})',
                part).fetchall()
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
