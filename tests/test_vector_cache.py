"""The durable vectors and their FAISS cache: crash safety, damage, catching up, the save
rule, kind switches, migration from schema 1, and agreement after any history."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stories import article as _article
from vector_checks import assert_consistent, stored_vectors as _stored_vectors

from embeddings import (
    Article,
    Index,
    Query,
)
from embeddings.index import CACHE_FILE, embed_text
from embeddings.repair import repair
from embeddings.vectors import VectorFile, Watermark, prefetch

# the indexes here are small: their cache is a FAISS file all the same, unless a test says
pytestmark = pytest.mark.usefixtures("flat_cache")

# the durable vectors and their cache ---------------------------------------------------------


def _key(path) -> str:
    """What the cache at `path` is saved for: the model and its index's id."""
    import json
    import sqlite3

    db = sqlite3.connect(path.parent / "meta.sqlite")
    index_id = json.loads(db.execute("SELECT value FROM manifest WHERE key = 'index_id'")
                          .fetchone()[0])
    db.close()
    return f"all-MiniLM-L6-v2 index {index_id}"


def _cache(path) -> VectorFile | None:
    """The cache file at `path`, loaded as its index loads it."""
    return VectorFile.load(path, _key(path), 384)


def _forbid_rebuild(monkeypatch) -> None:
    def refuse(self, kind):
        raise AssertionError("the cache was rebuilt; it should have been caught up")

    monkeypatch.setattr(Index, "_rebuild_vectors", refuse)


def test_crash_after_the_vectors_are_inserted_records_nothing(tmp_path, encoder, monkeypatch,
                                                              encode_calls):
    """The process dies after the batch's vectors are inserted, before COMMIT."""
    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([_article(1)])
    index = Index.open(ix)
    inside = {}

    def die():
        inside["new vectors"] = index.store.db.execute(
            "SELECT count(*) FROM vectors v JOIN chunks c ON c.id = v.chunk_id "
            "WHERE c.article_id = ?", (_article(2).id,)).fetchone()[0]
        raise SystemExit("killed")

    monkeypatch.setattr(index.store, "commit", die)
    monkeypatch.setattr(index.store, "rollback", lambda: None)  # a dead process rolls nothing back
    with pytest.raises(SystemExit):
        index.add([_article(2), _article(1, "Story one, rewritten entirely. " * 30)])
    assert inside["new vectors"] == 1  # inserted, in the transaction that then died
    index.store.db.close()  # the transaction is never committed
    monkeypatch.undo()
    encode_calls.clear()
    with Index.open(ix) as index:
        assert [a.url for a in index.articles()] == ["https://t.example/1"]
        assert index.get(_article(1).id).body == _article(1).body  # the old version, whole
        assert_consistent(index)
        assert len(index.vectors) == 1
        assert encode_calls == []


@pytest.mark.parametrize("prefetched", [False, True], ids=["read", "prefetched"])
@pytest.mark.parametrize("damage", ["lost", "truncated", "bit flipped", "garbage", "other model",
                                    "another index's"])
def test_a_damaged_cache_is_rebuilt_from_sqlite_without_embedding(tmp_path, encoder, damage,
                                                                  prefetched, encode_calls):

    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([_article(n) for n in range(1, 6)])
        before = {cid: index.vectors.reconstruct(cid) for cid in index.vectors.ids().tolist()}
    cache = ix / CACHE_FILE
    data = cache.read_bytes()
    if damage == "lost":
        cache.unlink()
    elif damage == "truncated":
        cache.write_bytes(data[: len(data) // 2])
    elif damage == "bit flipped":
        cache.write_bytes(data[:-100] + bytes([data[-100] ^ 1]) + data[-99:])
    elif damage == "garbage":
        cache.write_bytes(b"\x00" * len(data))
    else:  # whole, but saved for another model, or by another index of the same size
        _cache(cache).save(cache, "some-other-model" if damage == "other model" else
                           "all-MiniLM-L6-v2 index 0123456789abcdef")
    encode_calls.clear()
    if prefetched:  # read on a thread before the index opens, as a one-shot `ask` does
        prefetch(ix)
    with Index.open(ix) as index:
        assert encode_calls == []
        # the reader says what is wrong and how to mend it, and mends nothing on disk
        assert len(index.notes) == 1 and "newsdesk repair" in index.notes[0]
        assert "read from meta.sqlite" in index.notes[0]
        assert_consistent(index)
        assert {cid: index.vectors.reconstruct(cid) for cid in before}.keys() == before.keys()
        for cid, vec in before.items():
            assert np.array_equal(index.vectors.reconstruct(cid), vec)
        assert index.search(Query("harbour project phase 3", k=1))[0].article.url == "https://t.example/3"
    assert _cache(cache) is None  # a reader wrote nothing
    encode_calls.clear()
    repair(ix)
    assert encode_calls == []
    assert _cache(cache) is not None  # saved again, whole
    with Index.open(ix) as index:
        assert index.notes == []


def test_a_prefetch_serves_only_the_file_it_read(tmp_path, encoder):
    """A prefetched cache is the one loaded when the file is unchanged; a file replaced
    after the prefetch read it (a writer saved anew) is read again, not served stale."""
    from embeddings import vectors

    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([_article(n) for n in range(1, 21)])
    plain = _cache(ix / CACHE_FILE)
    prefetch(ix)
    loaded = _cache(ix / CACHE_FILE)
    assert not vectors._PREFETCHED  # taken
    assert loaded.watermark == plain.watermark and len(loaded) == len(plain)
    for cid in plain.ids().tolist():
        assert np.array_equal(loaded.reconstruct(cid), plain.reconstruct(cid))

    smaller = _cache(ix / CACHE_FILE)
    smaller.remove(smaller.ids()[:5])
    prefetch(ix)
    vectors._PREFETCHED[str(ix / CACHE_FILE)].thread.join()  # it holds the old file's bytes
    smaller.save(ix / CACHE_FILE, _key(ix / CACHE_FILE))  # a new file renamed over the old
    assert len(_cache(ix / CACHE_FILE)) == 15


def test_a_reader_searches_its_borrowed_cache_while_a_writer_replaces_it(tmp_path, encoder):
    """A loaded cache's index borrows the bytes read from the file (no copy of its own); a
    writer renames a new file over it meanwhile, and the reader's view stays whole. Taking
    in the writer's commit copies it out first (faiss would abort on a borrowed one)."""
    import faiss

    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([_article(n) for n in range(1, 31)])
    question = Query("harbour project phase 7", k=5)
    with Index.open(ix) as reader:
        if hasattr(faiss, "ZeroCopyIOReader"):
            assert reader.vectors._borrowed is not None
        before = [(h.chunk_id, h.score) for h in reader.search(question)]
        saved = (ix / CACHE_FILE).read_bytes()
        with Index.open(ix) as writer:
            writer.add([_article(n) for n in range(31, 41)])  # a third more: saved anew
        assert (ix / CACHE_FILE).read_bytes() != saved
        found = [(h.chunk_id, h.score) for h in reader.search(question)]
        assert found[0] == before[0]  # the same best passage, from a view that has taken in
        assert len(reader.vectors) == 40  # the writer's commit: copied out before it changed
        assert reader.vectors._borrowed is None
        assert_consistent(reader)


def test_save_rule_saves_only_past_a_tenth_of_the_saved_cache(tmp_path, encoder):
    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([_article(n) for n in range(1, 31)])
        saved = (ix / CACHE_FILE).read_bytes()
        written = index.cache_bytes_written
        assert written >= len(saved)
        index.add([_article(31), _article(32)])  # 2 changes on 30: not saved
        index.remove([_article(1).id])  # 3 changes: still not past 3
        assert (ix / CACHE_FILE).read_bytes() == saved
        assert index.cache_bytes_written == written
        index.add([_article(33)])  # 4 changes > 3: saved
        assert index.cache_bytes_written > written
        assert (ix / CACHE_FILE).read_bytes() != saved
        assert_consistent(index)


def test_a_cache_behind_another_writer_is_extended(tmp_path, encoder, monkeypatch, encode_calls):
    ix = tmp_path / "ix"
    with Index.open(ix) as first:
        first.add([_article(n) for n in range(1, 31)])
        saved = (ix / CACHE_FILE).read_bytes()
        _forbid_rebuild(monkeypatch)
        with Index.open(ix) as second:
            second.add([_article(31)])  # too little to save
        assert (ix / CACHE_FILE).read_bytes() == saved
        encode_calls.clear()
        with Index.open(ix) as reader:  # the file lacks article 31: extended on open
            assert encode_calls == []
            assert len(reader.vectors) == 31
            assert_consistent(reader)
            assert reader.search(Query("harbour project phase 31", k=1))[0].article.url == \
                "https://t.example/31"
        first.add([_article(32)])  # the first writer follows the second before writing
        assert_consistent(first)
        assert len(first.vectors) == 32


def test_deletions_are_applied_to_a_stale_cache(tmp_path, encoder, monkeypatch, encode_calls):
    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([_article(n) for n in range(1, 31)])
        saved = (ix / CACHE_FILE).read_bytes()
        gone = set(index.store.chunk_ids_of([_article(5).id, _article(6).id]))
        index.remove([_article(5).id])
        index.add([_article(6, "Story six now says something else about the harbour.")])
        assert (ix / CACHE_FILE).read_bytes() == saved  # 3 changes on 30: not saved
    _forbid_rebuild(monkeypatch)
    encode_calls.clear()
    with Index.open(ix) as index:
        assert encode_calls == []
        assert not gone & set(index.vectors.ids().tolist())
        assert_consistent(index)
        assert len(index.vectors) == 29
        hit = index.search(Query("Story six now says something else", k=1))[0]
        assert hit.article.id == _article(6).id and "something else" in hit.text


def test_vectors_stay_aligned_to_their_chunks_across_many_batches(tmp_path, encoder, monkeypatch):
    monkeypatch.setattr("embeddings.writing.BATCH_CHUNKS", 3)
    articles = [_article(n, f"Story {n}. " + "The harbour project grew again this year. " * (n * 5))
                for n in range(1, 8)]
    seen = []
    with Index.open(tmp_path / "ix") as index:
        r = index.add(articles, progress=lambda done, total: seen.append((done, total)))
        assert r.added == 7 and r.chunks == index.store.count_chunks() > 7
        assert seen[0] == (0, 7) and seen[-1] == (7, 7) and len(seen) > 3
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)
        rows = index.store.chunk_rows(index.store.all_chunk_ids())
        stored = _stored_vectors(index)
        texts = []
        for cid in stored:
            aid, s, e = rows[cid]
            article = index.get(aid)
            texts.append(embed_text(article, article.body[s:e]))
        assert np.allclose(np.stack(list(stored.values())), encoder.encode(texts), atol=1e-5)
        assert_consistent(index)


def test_a_failing_reader_thread_raises_in_add_and_stops(tmp_path, encoder, monkeypatch):
    import threading

    def broken(article, settings):
        raise ValueError("chunker broke")

    monkeypatch.setattr("embeddings.writing.chunk_article", broken)
    with Index.open(tmp_path / "ix") as index:
        with pytest.raises(ValueError, match="chunker broke"):
            index.add([_article(1)])
        assert len(index) == 0
        assert not [t for t in threading.enumerate() if t.name == "newsdesk-chunker"]


def test_cache_is_rebuilt_with_a_new_kind_when_its_size_crosses_the_threshold(tmp_path, encoder,
                                                                              monkeypatch):
    from embeddings import ann

    real_build = ann.build
    monkeypatch.setattr(ann, "kind_for", lambda n: "flat" if n < 3 else "big")
    monkeypatch.setattr(ann, "build", lambda kind, dim, ids, vectors:
                        real_build("flat", dim, ids, vectors))
    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([_article(1), _article(2)])
        assert index.vectors.kind == index.store.manifest()["vector_index"] == "flat"
        index.add([_article(3)])
        assert index.vectors.kind == index.store.manifest()["vector_index"] == "big"
        assert _cache(ix / CACHE_FILE).kind == "big"
        assert_consistent(index)
        index.remove([_article(3).id])
        assert index.vectors.kind == index.store.manifest()["vector_index"] == "flat"


def test_a_small_index_keeps_no_file_and_switches_to_one_as_it_grows(tmp_path, encoder,
                                                                     monkeypatch, encode_calls):
    """Under EXACT_MAX passages the vectors are read from SQLite at open (numpy): no file;
    past it, the FAISS file is written; shrinking back below drops it again."""
    from embeddings import ann

    monkeypatch.setattr(ann, "EXACT_MAX", 4)
    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([_article(1), _article(2)])
        assert index.vectors.kind == index.store.manifest()["vector_index"] == ann.EXACT
        assert not (ix / CACHE_FILE).exists()
        index.add([_article(n) for n in range(3, 7)])
        assert index.vectors.kind == index.store.manifest()["vector_index"] == ann.FLAT
        assert (ix / CACHE_FILE).exists()
        assert_consistent(index)
        index.remove([_article(n).id for n in range(2, 7)])
        assert index.vectors.kind == index.store.manifest()["vector_index"] == ann.EXACT
        assert not (ix / CACHE_FILE).exists()
        assert not index.store.deletions_after(0)[1]  # the log is trimmed as a save trims it
    encode_calls.clear()
    with Index.open(ix) as index:
        assert index.vectors.kind == ann.EXACT and len(index.vectors) == 1
        assert_consistent(index)
        assert encode_calls == []  # read from SQLite, never embedded again
        assert index.search(Query("harbour project phase 1", k=1))[0].article.url == \
            "https://t.example/1"


def test_a_small_index_is_searched_without_importing_faiss(built_index_dir):
    """The one-shot path on a small index (the test corpus) never loads FAISS."""
    import subprocess
    import sys

    assert not (built_index_dir / CACHE_FILE).exists()
    code = ("import sys; from embeddings import Filters, Index, Query\n"
            f"with Index.open({str(built_index_dir)!r}, create=False) as ix:\n"
            "    hits = ix.search(Query('plastic bag ban', k=3))\n"
            "    ix.search(Query('plastic bag ban', k=3, filters=Filters(outlet='nobody')))\n"
            "assert hits and 'faiss' not in sys.modules, sorted(sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def _version(n: int, v: int) -> Article:
    """Article n as its v-th edit says it; odd edits run to several chunks."""
    body = f"Story {n}, edit {v}, about the harbour."
    if v % 2:
        body += f" The harbour works went on in edit {v}, and on." * 30
    return _article(n, body)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.sampled_from(["add", "edit", "remove", "other writer edits",
                                               "reopen", "lose cache", "truncate cache"]),
                              st.integers(1, 5)), min_size=1, max_size=12),
       save_fraction=st.sampled_from([0.0, 0.1, 10.0]), exact_max=st.sampled_from([0, 4, 10**9]))
def test_cache_sqlite_and_durable_vectors_agree_after_any_history(encoder, ops, save_fraction,
                                                                  exact_max):
    import tempfile
    from pathlib import Path
    from unittest import mock

    from embeddings.encoder import Encoder

    with tempfile.TemporaryDirectory() as tmp, \
            mock.patch("embeddings.vectors.SAVE_FRACTION", save_fraction), \
            mock.patch("embeddings.ann.EXACT_MAX", exact_max):  # file, switching, numpy
        ix = Path(tmp) / "ix"
        handles = {"first": Index.open(ix)}
        edits: dict[int, int] = {}  # article -> its current edit; absent: not in the index
        try:
            for op, n in ops:
                if op in ("lose cache", "truncate cache"):
                    cache = ix / CACHE_FILE
                    if cache.exists():
                        cache.write_bytes(b"" if op == "lose cache" else cache.read_bytes()[:999])
                    continue
                if op == "reopen":
                    for h in handles.values():
                        h.close()
                    handles = {"first": Index.open(ix)}
                    assert_consistent(handles["first"])
                    continue
                who = "other" if op == "other writer edits" else "first"
                if who not in handles:
                    handles[who] = Index.open(ix)
                index = handles[who]
                if op == "remove":
                    assert index.remove([_article(n).id]) == (n in edits)
                    edits.pop(n, None)
                else:
                    if op != "add" or n not in edits:
                        edits[n] = edits.get(n, -1) + 1
                    index.add([_version(n, edits[n])])
                assert_consistent(index)
                assert {a.body for a in index.articles()} == \
                    {_version(m, v).body for m, v in edits.items()}
        finally:
            for h in handles.values():
                h.close()
        with mock.patch.object(Encoder, "encode", side_effect=AssertionError("embedded again")):
            with Index.open(ix) as index:
                assert_consistent(index)
                assert len(index) == len(edits)


def test_a_warm_vector_file_searches_its_half_copy_and_follows_changes(tmp_path):
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((500, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(1, 501, dtype=np.int64)
    cold = VectorFile.build("flat", 8, ids, vectors, Watermark(500, 0))
    warm = VectorFile.build("flat", 8, ids, vectors, Watermark(500, 0))
    warm.keep_half_copy()
    query = vectors[17]

    def same() -> None:
        for k in (1, 10, 100):
            assert [a.tolist() for a in warm.search(query, k)] == \
                [a.tolist() for a in cold.search(query, k)]

    same()
    assert warm._half is not None  # the copy was made and served
    for f in (cold, warm):
        f.remove([18])  # query's own vector goes: the copy must not still find it
        f.add(np.array([900], np.int64), vectors[17:18])
    assert warm._half is None
    same()
    assert warm.search(query, 1)[1].tolist() == [900]
