"""Schema migrations of an index: version 1 (vectors in `vectors.faiss`) to 2 (vectors in
SQLite), version 2 ("path:line" strings) to 3 (file, line and record columns), and a newer
schema refused."""
from __future__ import annotations

import numpy as np
import pytest
from old_schemas import as_version_2, insert_as_before
from stories import article as _article
from vector_checks import assert_consistent, stored_vectors as _stored_vectors

from embeddings import ChunkerSettings, Index, IndexMismatchError, Query
from embeddings.index import CACHE_FILE, embed_text
from embeddings.store import SCHEMA_VERSION

# as in test_vector_cache: the cache is a FAISS file at any size
pytestmark = pytest.mark.usefixtures("flat_cache")


# migrating a version 1 index ------------------------------------------------------------------

def _v1_index(path, encoder, articles, without=(), stray=None) -> dict[int, np.ndarray]:
    """An index laid out as schema 1 wrote it: SQLite without vectors, and vectors.faiss
    (IndexIDMap2 over IndexFlatIP) holding each chunk's vector, less the chunks of the
    articles in `without`, plus a `stray` id SQLite does not know. Returns the vectors."""
    import faiss

    from embeddings.chunking import chunk_article
    from embeddings.store import MetaStore

    path.mkdir()
    store = MetaStore(path / "meta.sqlite")
    store.write_manifest({"schema_version": 1, "model": "all-MiniLM-L6-v2", "dim": 384,
                          **ChunkerSettings().as_manifest()})
    assert not store.db.execute("SELECT name FROM sqlite_master WHERE name = 'vectors'").fetchall()
    store.begin()
    ids, texts, keep = [], [], []
    for article in articles:
        chunks = chunk_article(article, ChunkerSettings())
        ids += insert_as_before(store, article, chunks)
        texts += [embed_text(article, c.text) for c in chunks]
        keep += [article.id not in without] * len(chunks)
    store.commit()
    store.close()
    vectors = encoder.encode(texts)
    ids, keep = np.asarray(ids, dtype=np.int64), np.asarray(keep)
    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(384))
    flat.add_with_ids(vectors[keep], ids[keep])
    if stray is not None:
        flat.add_with_ids(encoder.encode(["a vector SQLite never knew"]), np.array([stray]))
    faiss.write_index(flat, str(path / "vectors.faiss"))
    return dict(zip(ids.tolist(), vectors))


def test_a_version_1_index_is_migrated_keeping_its_vectors(tmp_path, encoder, encode_calls):
    ix = tmp_path / "v1"
    long = _article(4, "Story four, which runs long, is about the harbour works. " * 40)
    articles = [_article(1), _article(2), _article(3), long]
    vectors = _v1_index(ix, encoder, articles, without={_article(3).id}, stray=999)
    encode_calls.clear()
    with Index.open(ix) as index:
        assert index.store.schema_version() == SCHEMA_VERSION
        assert not (ix / "vectors.faiss").exists() and (ix / CACHE_FILE).exists()
        # only the chunk the old file lacked was embedded
        missing = index.store.chunk_ids_of([_article(3).id])
        assert encode_calls == [[embed_text(_article(3), _article(3).body)]] and len(missing) == 1
        assert_consistent(index)
        assert 999 not in set(index.vectors.ids().tolist())
        stored = _stored_vectors(index)
        for cid, vec in vectors.items():
            if cid not in missing:
                assert np.array_equal(stored[cid], vec)  # the very same vector, bit for bit
            else:
                assert np.allclose(stored[cid], vec, atol=1e-5)
        assert index.search(Query("harbour project phase 2", k=1))[0].article.url == "https://t.example/2"
        assert index.add([_article(5)]).added == 1
    encode_calls.clear()
    with Index.open(ix) as index:  # a second open migrates nothing
        assert encode_calls == [] and len(index) == 5
        assert_consistent(index)


def test_an_interrupted_migration_leaves_version_1_and_a_rerun_finishes(tmp_path, encoder,
                                                                       monkeypatch):
    from embeddings.encoder import Encoder
    from embeddings.store import MetaStore

    ix = tmp_path / "v1"
    _v1_index(ix, encoder, [_article(1), _article(2)], without={_article(2).id})

    def interrupted(self, texts):
        raise KeyboardInterrupt

    monkeypatch.setattr(Encoder, "encode", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Index.open(ix)
    monkeypatch.undo()
    store = MetaStore(ix / "meta.sqlite")
    assert store.schema_version() == 1 and (ix / "vectors.faiss").exists()
    store.close()
    with Index.open(ix) as index:
        assert index.store.schema_version() == SCHEMA_VERSION and len(index.vectors) == 2
        assert_consistent(index)


# migrating a version 2 index: where an article was read becomes columns ----------------------

def test_a_version_2_source_string_splits_on_its_last_mark_followed_by_digits_only():
    from embeddings.store import split_source

    assert split_source(None) == (None, None, None)
    assert split_source("/n/a.md") == ("/n/a.md", None, None)
    assert split_source("/n/a:b:7.jsonl:12") == ("/n/a:b:7.jsonl", 12, None)
    assert split_source("/n/c#2.json#3") == ("/n/c#2.json", None, 3)
    assert split_source("/n/caf\\xe9 \\xff.jsonl:4") == ("/n/caf\\xe9 \\xff.jsonl", 4, None)
    assert split_source("/n/a#1.jsonl:2") == ("/n/a#1.jsonl", 2, None)
    assert split_source("/n/a:1.json#2") == ("/n/a:1.json", None, 2)
    assert split_source("/n/d.JSONL.gz:3") == ("/n/d.JSONL.gz", 3, None)
    assert split_source("/n/e.json:4") == ("/n/e.json", 4, None)  # JSON Lines in a .json
    for whole in ("/n/notes 12:30.md", "/n/x:12a", "/n/x:", ":5", "/n/x:\u00b2", "/n/x:\u0663",
                  "/n/x:" + "9" * 40, "/tmp/feed:42", "/n/odd#7", "/n/a.md:3"):
        assert split_source(whole) == (whole, None, None), whole


def _v2_corpus(folder) -> None:
    """Files whose sources a version 2 index held as strings hard to read back: names
    with ':' and '#' and digits, a name that is not UTF-8 (stored `\\xe9`-escaped)."""
    import json
    import os

    folder.mkdir()
    def record(n: int) -> dict:
        return {"url": f"https://t.example/v2-{n}", "title": f"Report {n}",
                "text": f"Report {n} says the harbour project reached phase {n}."}

    (folder / "a:b:7.jsonl").write_text(json.dumps(record(1)) + "\n" + json.dumps(record(2)) + "\n")
    (folder / "c#2.json").write_text(json.dumps([record(3), record(4)]))
    (folder / "notes 12:30.md").write_text("# Notes\n\nThe ferry fare rises to nine dollars.\n")
    with open(os.fsencode(folder) + b"/caf\xe9.jsonl", "w") as f:
        f.write(json.dumps(record(5)) + "\n")


def test_a_version_2_index_is_migrated_with_file_and_line_as_columns(tmp_path, encoder,
                                                                     monkeypatch):
    from embeddings import index as index_module

    folder, ix = tmp_path / "news", tmp_path / "ix"
    _v2_corpus(folder)
    direct = _article(9)  # added as an Article: read from no file
    with Index.open(ix) as index:
        assert index.add([folder]).added == 6 and index.add([direct]).added == 1
        expected = index.store.article_origins()
        shown = index.store.article_sources()
    f = str(folder)
    by_file = sorted((w for w in expected.values() if w[0]), key=lambda w: (w[0], w[1] or 0, w[2] or 0))
    assert by_file == [(f + "/a:b:7.jsonl", 1, None), (f + "/a:b:7.jsonl", 2, None),
                       (f + "/c#2.json", None, 1), (f + "/c#2.json", None, 2),
                       (f + "/caf\\xe9.jsonl", 1, None), (f + "/notes 12:30.md", None, None)]
    assert expected[direct.id] == (None, None, None) and shown[direct.id] is None
    assert shown[next(k for k, w in expected.items() if w[1] == 2)] == f + "/a:b:7.jsonl:2"

    as_version_2(ix)
    monkeypatch.setattr(index_module, "_writable", lambda path, meta: False)
    with pytest.raises(IndexMismatchError, match="older version and read-only here"):
        Index.open(ix, create=False)  # a reader that may not write cannot migrate it
    monkeypatch.undo()

    with Index.open(ix) as index:
        assert index.store.schema_version() == SCHEMA_VERSION == 4
        columns = [r[1] for r in index.store.db.execute("PRAGMA table_info(articles)")]
        assert "source" not in columns and {"source_file", "source_line", "source_record"} <= set(columns)
        assert index.store.article_origins() == expected  # file and line intact
        assert index.store.article_sources() == shown  # and shown as ever
        for a in index.articles():
            assert (a.source_file, a.source_line, a.source_record) == expected[a.id]
            assert a.source == shown[a.id]
        assert_consistent(index)
        again = index.add([folder], prune=True)  # the same files, read again, are the same
        assert (again.added, again.unchanged, again.removed) == (0, 6, 0)
        assert len(index) == 7
    with Index.open(ix) as index:  # a second open migrates nothing
        assert index.store.article_origins() == expected


def test_a_newer_schema_is_refused(tmp_path, encoder):
    with Index.open(tmp_path / "ix") as index:
        index.store.write_manifest({"schema_version": 99})
    with pytest.raises(IndexMismatchError, match="schema version 99"):
        Index.open(tmp_path / "ix")
