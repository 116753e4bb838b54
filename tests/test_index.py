"""The index directory: add, re-add, update, remove, prune, mismatch, crash recovery, search."""
from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from stories import article as _article

from embeddings import (
    ChunkerSettings,
    Filters,
    Index,
    IndexMismatchError,
    Query,
)
from embeddings.index import CACHE_FILE


def test_add_readd_update_remove(tmp_path, encoder):
    with Index.open(tmp_path / "ix") as index:
        r = index.add([_article(1), _article(2)])
        assert (r.added, r.updated, r.unchanged) == (2, 0, 0)
        assert len(index) == 2 and len(index.vectors) == index.store.count_chunks() == 2

        r = index.add([_article(1), _article(2)])
        assert (r.added, r.updated, r.unchanged, r.chunks) == (0, 0, 2, 0)

        changed = _article(2, "Story two was corrected: the harbour opens in May. " * 40)
        r = index.add([_article(1), changed])
        assert (r.added, r.updated, r.unchanged) == (0, 1, 1)
        assert index.get(changed.id).body == changed.body
        assert len(index.vectors) == index.store.count_chunks() > 2

        assert index.remove([_article(1).id, "no-such-id"]) == 1
        assert len(index) == 1 and index.get(_article(1).id) is None
        assert len(index.vectors) == index.store.count_chunks()
        ids = set(index.vectors.ids().tolist())
        assert ids == index.store.all_chunk_ids()


def test_reopen_keeps_everything(tmp_path, encoder):
    with Index.open(tmp_path / "ix") as index:
        index.add([_article(1), _article(2)])
    with Index.open(tmp_path / "ix") as index:
        assert len(index) == 2 and len(index.vectors) == 2
        assert index.search(Query("harbour project phase 2", k=1))[0].article.url == "https://t.example/2"


def test_model_mismatch_is_refused_clearly(tmp_path, encoder):
    with Index.open(tmp_path / "ix") as index:
        index.add([_article(1)])
    with pytest.raises(IndexMismatchError, match="built with the embedding model 'all-MiniLM-L6-v2'"):
        Index.open(tmp_path / "ix", model="sentence-transformers/paraphrase-MiniLM-L3-v2")
    with pytest.raises(IndexMismatchError, match="chunker settings"):
        Index.open(tmp_path / "ix", chunker=ChunkerSettings(max_tokens=120))
    with Index.open(tmp_path / "ix", model="all-MiniLM-L6-v2") as index:  # an alias of the default
        assert len(index) == 1


def test_missing_index_without_create(tmp_path):
    with pytest.raises(FileNotFoundError, match="no index at"):
        Index.open(tmp_path / "nothing", create=False)


def test_crash_between_vector_write_and_commit_is_reconciled(tmp_path, encoder, monkeypatch):
    """Vectors written, then the process dies before SQLite commits: reopen is consistent."""
    with Index.open(tmp_path / "ix") as index:
        index.add([_article(1)])

        def die():
            raise KeyboardInterrupt  # as if killed right after the vector file was renamed

        monkeypatch.setattr(index.store, "commit", die)
        with pytest.raises(KeyboardInterrupt):
            index.add([_article(2), _article(1, "Story one, rewritten entirely. " * 30)])
        monkeypatch.undo()
    with Index.open(tmp_path / "ix") as index:
        assert set(index.vectors.ids().tolist()) == index.store.all_chunk_ids()
        assert len(index) == 1
        r = index.add([_article(1), _article(2)])  # a rerun finishes what was left
        assert len(index) == 2 and r.added == 1


@pytest.mark.usefixtures("flat_cache")
def test_stray_and_missing_vectors_reconciled_on_open(tmp_path, encoder):
    with Index.open(tmp_path / "ix") as index:
        index.add([_article(1), _article(2)])
        good = shutil.copy(tmp_path / "ix" / CACHE_FILE, tmp_path / "good.faiss")
        index.remove([_article(2).id])
    # put back the older vector file: it holds a vector SQLite no longer knows
    shutil.copy(good, tmp_path / "ix" / CACHE_FILE)
    with Index.open(tmp_path / "ix") as index:
        assert len(index.vectors) == 1 == index.store.count_chunks()


def test_prune_removes_articles_of_deleted_files(tmp_path, encoder):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Alpha title\n\nAlpha body text.", encoding="utf-8")
    (folder / "b.jsonl").write_text(json.dumps({"title": "Beta", "text": "Beta body."}) + "\n",
                                    encoding="utf-8")
    with Index.open(tmp_path / "ix") as index:
        assert index.add([folder]).added == 2
        (folder / "a.txt").unlink()
        r = index.add([folder], prune=True)
        assert (r.unchanged, r.removed) == (1, 1)
        assert [a.title for a in index.articles()] == ["Beta"]


def test_prune_works_through_a_symlinked_folder(tmp_path, encoder):
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.txt").write_text("Alpha title\n\nAlpha body text.", encoding="utf-8")
    (real / "b.txt").write_text("Beta title\n\nBeta body text.", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    with Index.open(tmp_path / "ix") as index:
        assert index.add([link]).added == 2
        (real / "a.txt").unlink()
        assert index.add([link], prune=True).removed == 1
        assert [a.title for a in index.articles()] == ["Beta title"]


def test_duplicate_urls_in_one_run(tmp_path, encoder):
    with Index.open(tmp_path / "ix") as index:
        r = index.add([_article(1), _article(1, "A different body for the same URL.")])
        assert r.added == 1 and "duplicate" in r.skipped[0].reason


def test_bad_files_skipped_and_nothing_lost(tmp_path, corpus_dir, encoder):
    with Index.open(tmp_path / "ix") as index:
        index.add([corpus_dir])
        before = len(index)
        bad = tmp_path / "bad"
        bad.mkdir()
        (bad / "x.json").write_text("{broken", encoding="utf-8")
        (bad / "y.txt").write_bytes(b"\x00\x01\x02binary")
        r = index.add([bad])
        assert r.added == 0 and len(r.skipped) == 2
        assert len(index) == before


def test_search_returns_article_metadata_and_offsets(shared_index):
    hits = shared_index.search(Query("When does the plastic bag ban take effect?", k=3))
    top = hits[0]
    assert top.article.url == "https://news.example/ban"
    assert top.article.body[top.start:top.end] == top.text
    assert top.article.outlet == "City Times" and top.article.published == date(2022, 11, 2)
    assert {"dense", "keyword", "fused"} <= set(top.scores)


def test_a_passage_the_keywords_alone_found_has_its_dense_similarity(shared_index, monkeypatch):
    """A vector search reads only its first chunks (CANDIDATES); a passage the keyword
    search adds still carries how close it comes in meaning (an answer's evidence reads
    it), the figure a vector search that reached it gives."""
    import embeddings.search as search
    from embeddings.vectors import VectorFile

    text = "Sunday, Monday or Tuesday?"
    wide = {h.chunk_id: h.scores["dense"] for h in shared_index.search(Query(text, k=20))}
    nearest = VectorFile.search
    # the vector search reaches the nearest chunk alone; the keywords find the others
    monkeypatch.setattr(VectorFile, "search", lambda self, q, k, allowed=None:
                        nearest(self, q, 1, allowed))
    query = Query(text, k=3)
    with monkeypatch.context() as unmeasured:
        unmeasured.setattr(search.Retriever, "_measure_closeness", lambda *a: None)
        assert any("dense" not in h.scores for h in shared_index.search(query))
    hits = shared_index.search(query)
    assert len(hits) == 3 and all(h.scores["dense"] == pytest.approx(wide[h.chunk_id], abs=1e-5)
                                  for h in hits)
    passages = [p for a in shared_index.search_articles(query) for p in a.passages]
    assert all(p.scores["dense"] == pytest.approx(wide[p.chunk_id], abs=1e-5) for p in passages)


def test_a_plain_string_is_a_default_query(shared_index):
    text = "When does the plastic bag ban take effect?"
    assert shared_index.search(text) == shared_index.search(Query(text))
    assert [a.article.id for a in shared_index.search_articles(text)] == \
        [a.article.id for a in shared_index.search_articles(Query(text))]


def test_a_query_names_a_known_mode():
    with pytest.raises(ValueError, match="unknown search mode"):
        Query("ban", mode="semantic")


def test_the_retriever_follows_reloaded_vectors(shared_index):
    """The retriever is built from the index's parts; a reload makes new parts."""
    before = shared_index.retriever
    assert before.vectors is shared_index.vectors and before.encoder is shared_index.encoder
    vectors = shared_index.vectors
    try:
        shared_index.vectors = type(vectors)(vectors.index, vectors.kind, vectors.dim,
                                             vectors.watermark)
        assert shared_index.retriever is not before
        assert shared_index.retriever.vectors is shared_index.vectors
    finally:
        shared_index.vectors = vectors


def test_filters_apply_inside_the_search(shared_index):
    hits = shared_index.search(Query("schools snow roads", k=1, filters=Filters(outlet="city times")))
    assert hits and all(h.article.outlet == "City Times" for h in hits)
    hits = shared_index.search(Query("ban", k=5, filters=Filters(since=date(2022, 12, 1))))
    assert hits and all(h.article.published >= date(2022, 12, 1) for h in hits)
    hits = shared_index.search(Query("chess", k=5, filters=Filters(until=date(2019, 1, 1))))
    assert [h.article.outlet for h in hits] == ["Reuters"] * len(hits)
    hits = shared_index.search(Query("chess", k=5, filters=Filters(author="Ana Ruiz")))
    assert {h.article.url for h in hits} == {"https://news.example/ban"}
    assert shared_index.search(Query("chess", k=5, filters=Filters(outlet="No Such Outlet"))) == []


@pytest.mark.parametrize("query", ['"', "'; DROP TABLE articles; --", "NEAR(a b)", "a OR AND NOT",
                                   "*", "title:x", "^start", "", "   ", "x" * 10_000,
                                   "word " * 2_500, "\x1b[31mred\x1b[0m", "😀 emoji ✓"])
def test_hostile_queries_never_raise(shared_index, query):
    hits = shared_index.search(Query(query, k=5))
    assert isinstance(hits, list)


@pytest.mark.usefixtures("flat_cache")
def test_lost_vector_file_is_rebuilt_not_emptied(tmp_path, encoder):
    with Index.open(tmp_path / "ix") as index:
        index.add([_article(1), _article(2)])
    (tmp_path / "ix" / CACHE_FILE).unlink()
    with Index.open(tmp_path / "ix") as index:
        assert len(index) == 2 and len(index.vectors) == index.store.count_chunks() == 2
        assert index.search(Query("harbour project phase 2", k=1))[0].article.url == "https://t.example/2"


@pytest.mark.usefixtures("flat_cache")
def test_a_reader_beside_a_busy_writer_sees_its_commits_and_writes_nothing(tmp_path, encoder):
    from embeddings.locking import write_lock

    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([_article(n) for n in range(1, 31)])  # saved: there was no cache file
        index.add([_article(31)])  # 1 change on 30 saved vectors: too few to save again
    saved = (ix / CACHE_FILE).read_bytes()
    with write_lock(ix):  # as if a writer were busy
        with Index.open(ix) as reader:
            assert len(reader.vectors) == 31  # the committed vector the file lacks, added
            assert set(reader.vectors.ids().tolist()) == reader.store.all_chunk_ids()
            assert reader.search(Query("harbour project phase 31", k=1))[0].article.url == \
                "https://t.example/31"
    assert (ix / CACHE_FILE).read_bytes() == saved  # only a writer saves


def test_candidate_rows_hold_each_chunks_own_text(shared_index):
    from embeddings.store import SearchQueries

    ids = sorted(shared_index.store.all_chunk_ids())
    rows = SearchQueries(shared_index.store).candidate_rows(ids)
    assert sorted(r[0] for r in rows) == ids
    for cid, aid, _, title, text in rows:
        _, s, e = shared_index.store.chunk_rows([cid])[cid]
        article = shared_index.get(aid)
        assert text == article.body[s:e] and title == article.title


def test_a_failing_keyword_search_waits_for_the_vector_search(shared_index, monkeypatch):
    import time

    retriever = shared_index.retriever
    finished = []
    search = retriever.vectors.search

    def slow_search(*args):
        time.sleep(0.2)
        found = search(*args)
        finished.append(True)
        return found

    def broken_keyword(*args, **kwargs):
        raise RuntimeError("keyword search broke")

    monkeypatch.setattr(retriever.vectors, "search", slow_search)
    monkeypatch.setattr(retriever, "keyword", broken_keyword)
    with pytest.raises(RuntimeError, match="keyword search broke"):
        retriever.search(Query("harbour project", k=3))
    assert finished  # the index was not left with a search still reading it


def test_a_search_finds_the_same_with_the_model_loaded_or_still_loading(built_index_dir,
                                                                        shared_index):
    # loaded: the question is embedded first, then searched beside the keywords; still
    # loading (a one-shot command): the worker embeds it once the model is there
    question = Query("When does the plastic bag ban take effect?", k=4)
    shared_index.encoder.load()
    warm = shared_index.search(question)
    with Index.open(built_index_dir) as cold:
        assert not cold.encoder.loaded
        found = cold.search(question)
        assert cold.encoder.loaded
    assert [(h.chunk_id, h.score) for h in found] == [(h.chunk_id, h.score) for h in warm]
