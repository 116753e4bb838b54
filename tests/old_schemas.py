"""Indexes laid out as earlier schema versions wrote them, for the migration tests."""
from __future__ import annotations

import json
import sqlite3

from embeddings.records import source_text


def insert_as_before(store, article, chunks, source: str | None = None) -> list[int]:
    """An article as versions 1 and 2 stored it: where it was read as one `source` string."""
    store.db.execute(
        "INSERT INTO articles(id, url, title, outlet, authors, published, body, content_hash,"
        " source, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (article.id, article.url, article.title, article.outlet,
         json.dumps(list(article.authors)),
         article.published.isoformat() if article.published else None,
         article.body, article.content_hash, source, "2026-01-01T00:00:00+00:00"))
    ids = []
    for c in chunks:
        cur = store.db.execute(
            'INSERT INTO chunks(article_id, ordinal, start, "end", tokens) VALUES (?, ?, ?, ?, ?)',
            (article.id, c.ordinal, c.start, c.end, c.tokens))
        ids.append(cur.lastrowid)
        store.db.execute("INSERT INTO chunks_fts(rowid, title, text) VALUES (?, ?, ?)",
                         (cur.lastrowid, article.title, c.text))
    return ids


def as_version_3(ix) -> None:
    """Lay the index out as schema 3 did: no signatures, story clusters or feeds."""
    db = sqlite3.connect(ix / "meta.sqlite", isolation_level=None)
    db.execute("BEGIN")
    for table in ("story_clusters", "article_signatures", "feed_items", "feeds"):
        db.execute(f"DROP TABLE {table}")
    db.execute("DELETE FROM manifest WHERE key = 'clusters_current'")
    db.execute("UPDATE manifest SET value = '3' WHERE key = 'schema_version'")
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def as_version_2(ix) -> None:
    """Lay the index out as schema 2 did: one `source` string per article, as the readers
    spelled it ("path", "path:line", "path#record"), and no columns for its parts."""
    db = sqlite3.connect(ix / "meta.sqlite", isolation_level=None)
    db.execute("BEGIN")
    rows = db.execute("SELECT id, source_file, source_line, source_record FROM articles").fetchall()
    db.execute("ALTER TABLE articles ADD COLUMN source TEXT")
    db.executemany("UPDATE articles SET source = ? WHERE id = ?",
                   [(source_text(*where), id_) for id_, *where in rows])
    for column in ("source_file", "source_line", "source_record"):
        db.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    db.execute("UPDATE manifest SET value = '2' WHERE key = 'schema_version'")
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the file itself
    db.close()
    # after the articles' rewrite: their rows stay the last copy in the file (a damage
    # test finds a body's page so)
    as_version_3(ix)
    _set_version(ix, 2)


def _set_version(ix, version: int) -> None:
    db = sqlite3.connect(ix / "meta.sqlite", isolation_level=None)
    db.execute("UPDATE manifest SET value = ? WHERE key = 'schema_version'", (str(version),))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
