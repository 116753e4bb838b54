"""The keyword postings in memory give FTS5's own bm25, row for row and bit for bit."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stories import article as _article

from embeddings import Index, Query
from embeddings.index import KEYWORDS_FILE
from embeddings.keywords import KeywordIndex
from embeddings.query import Filters, fts_query, keyword_words
from embeddings.records import Article, Chunk
from embeddings.store import FTS_TOKENIZE, MetaStore, MigrationContext, SearchQueries

# words that FTS5's unicode61 + porter read in ways a plain split might not
ODD = ["café", "cafe\u0301", "naïve", "Straße", "İstanbul", "ǅemal", "東京都", "¹²³", "Ⅻ",
       "snake_case", "don't", "U.S.", "x\u200by", "\ue000private", "🙂emoji", "ﬁnance",
       "running", "runs", "ran", "generalizations", "a" * 80, "١٢٣", "𝐁old", "e-mail"]
PLAIN = ["harbour", "project", "phase", "mayor", "ban", "takes", "effect", "march", "storm",
         "schools", "council", "voted", "plastic", "bags", "fined", "minister", "said"]


def _store(tmp_path, texts: list[tuple[str, str]]) -> MetaStore:
    """A real SQLite file holding one article per (title, text), one chunk each."""
    store = MetaStore(tmp_path / "meta.sqlite")
    # an empty file, brought to the current schema (nothing to embed on the way)
    store.migrate(MigrationContext(tmp_path, 384, lambda ids: np.zeros((len(ids), 384))))
    store.begin()
    for n, (title, text) in enumerate(texts):
        article = Article(title=title, url=f"https://k.example/{n}", body=text,
                          outlet=["A", "B"][n % 2])
        store.insert_article(article, [Chunk(article.id, 0, 0, len(text), 1, text)])
    store.commit()
    return store


def _same(store: MetaStore, keywords: KeywordIndex, query: str, n: int = 20,
          title_weight: float = 2.0, filters: Filters | None = None) -> None:
    match = fts_query(query)
    expected = SearchQueries(store).keyword(match, n, title_weight, filters) if match else []
    allowed = None
    if filters is not None and filters.active:
        allowed = np.asarray(SearchQueries(store).chunk_ids_where(filters), np.int64)
    got = keywords.search(keyword_words(query), n, title_weight, allowed)
    if got is None:  # only where FTS5 reads a word as several tokens: FTS5 answers that
        assert any(keywords.mapper.term(w) is None for w in keyword_words(query))
        return
    assert got == expected  # the same rows, in the same order, with the same scores


def _texts(rng: np.random.Generator, count: int) -> list[tuple[str, str]]:
    words = PLAIN + ODD
    return [(" ".join(rng.choice(words, 3)), " ".join(rng.choice(words, rng.integers(1, 60))))
            for _ in range(count)]


def test_scores_equal_fts5_on_plain_and_odd_words(tmp_path):
    store = _store(tmp_path, _texts(np.random.default_rng(7), 60))
    keywords = KeywordIndex(FTS_TOKENIZE)
    assert keywords.add_rows(store.db, 0) == 60
    for query in ["harbour project", "café naive", "running runs ran", "Straße Istanbul",
                  "snake_case e-mail don't", "東京都", "¹²³ Ⅻ", "finance ﬁnance", "the",
                  "what did the minister say about the ban?", " ".join(ODD + PLAIN)]:
        for weight in (2.0, 0.0, 1.7):
            _same(store, keywords, query, title_weight=weight)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), query=st.lists(st.sampled_from(PLAIN + ODD), max_size=12),
       n=st.integers(1, 30))
def test_any_query_on_any_corpus_scores_as_fts5(tmp_path_factory, seed, query, n):
    store = _store(tmp_path_factory.mktemp("kw"), _texts(np.random.default_rng(seed), 25))
    keywords = KeywordIndex(FTS_TOKENIZE)
    keywords.add_rows(store.db, 0)
    _same(store, keywords, " ".join(query), n=n)
    _same(store, keywords, " ".join(query), n=n, filters=Filters(outlet="B"))


def test_rows_the_split_misreads_are_tokenised_by_fts5(tmp_path):
    # a combining accent, private-use and zero-width characters: Python's \\w and
    # unicode61 part ways on them, and the row must then come from FTS5 itself
    store = _store(tmp_path, [("t", "cafe\u0301 au lait \ue000x"), ("u", "plain words here")])
    keywords = KeywordIndex(FTS_TOKENIZE)
    keywords.add_rows(store.db, 0)
    for query in ["cafe", "café au lait", "plain words", "x"]:
        _same(store, keywords, query)


def test_a_query_word_fts5_reads_as_a_phrase_is_left_to_fts5(tmp_path):
    store = _store(tmp_path, [("t", "one two")])
    keywords = KeywordIndex(FTS_TOKENIZE)
    keywords.add_rows(store.db, 0)
    assert keywords.search(["snake_case"], 5, 2.0) is None  # two FTS5 tokens
    assert keywords.search(["one"], 5, 2.0) is not None


def test_follow_reads_added_rows_and_drops_deleted_ones(tmp_path):
    store = _store(tmp_path, _texts(np.random.default_rng(1), 20))
    keywords = KeywordIndex(FTS_TOKENIZE)
    keywords.add_rows(store.db, 0)
    doomed = [r[0] for r in store.db.execute("SELECT id FROM articles LIMIT 7")]
    store.begin()
    store.delete_articles(doomed)
    for n, (title, text) in enumerate(_texts(np.random.default_rng(2), 9)):
        a = Article(title=title, url=f"https://k.example/new{n}", body=text)
        store.insert_article(a, [Chunk(a.id, 0, 0, len(text), 1, text)])
    store.commit()
    assert keywords.follow(store.db)
    assert len(keywords) == 22 and len(keywords.segments) == 2
    for query in ["harbour café running", "the ban takes effect", " ".join(ODD)]:
        _same(store, keywords, query)


def test_the_cache_file_round_trips_and_refuses_what_is_not_its_table(tmp_path):
    store = _store(tmp_path, _texts(np.random.default_rng(3), 15))
    keywords = KeywordIndex(FTS_TOKENIZE)
    keywords.add_rows(store.db, 0)
    path = tmp_path / KEYWORDS_FILE
    keywords.save(path)
    loaded = KeywordIndex.load(path, FTS_TOKENIZE)
    assert loaded is not None and loaded.follow(store.db)
    _same(store, loaded, "harbour project café minister")
    assert KeywordIndex.load(path, "unicode61") is None  # another tokenizer
    path.write_bytes(path.read_bytes()[:100])
    assert KeywordIndex.load(path, FTS_TOKENIZE) is None  # damaged
    (tmp_path / "other").mkdir()  # another table whose ids cover the same range
    other = _store(tmp_path / "other", _texts(np.random.default_rng(4), 15))
    assert not keywords.follow(other.db)
    store.begin()  # its own table, with rows gone and none added: followed
    store.delete_articles([r[0] for r in store.db.execute("SELECT id FROM articles LIMIT 4")])
    store.commit()
    assert keywords.follow(store.db) and len(keywords) == 11


def test_a_warm_index_searches_as_a_cold_one_and_follows_its_writes(tmp_path, encoder):
    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([_article(n) for n in range(1, 13)])
    assert (ix / KEYWORDS_FILE).exists()  # the writer saved the postings
    queries = [Query("harbour project phase 7", k=5), Query("story number 3", k=3),
               Query("phase 11", k=4, filters=Filters(since=None, outlet=None)),
               Query("harbour", k=50, mode="keyword")]
    with Index.open(ix) as cold, Index.open(ix) as warm:
        warm.warm()
        assert warm.retriever.keywords is not None and cold.retriever.keywords is None
        for q in queries:
            assert [h.chunk_id for h in warm.search(q)] == [h.chunk_id for h in cold.search(q)]
            assert ([h.scores for h in warm.search(q)] == [h.scores for h in cold.search(q)])
        warm.remove([a.id for a in [_article(7)]])
        warm.add([_article(40)])
        found = warm.search(Query("harbour project phase 40", k=1, mode="keyword"))
        assert found[0].article.url == "https://t.example/40"
        assert all(h.article.url != "https://t.example/7"
                   for h in warm.search(Query("phase 7", k=20, mode="keyword")))
        fresh = KeywordIndex.load(ix / KEYWORDS_FILE, FTS_TOKENIZE)
        assert fresh is not None and fresh.follow(warm.store.db) and len(fresh) == 12


def test_a_damaged_keywords_file_is_rebuilt_on_warm_and_saved_by_a_writer(tmp_path, encoder):
    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([_article(n) for n in range(1, 5)])
    (ix / KEYWORDS_FILE).write_bytes(b"not an npz file")
    with Index.open(ix) as index:
        index.warm()
        assert len(index.retriever.keywords) == 4
        assert index.search(Query("phase 3", k=1, mode="keyword"))[0].article.url == \
            "https://t.example/3"
        assert any("keywords.cache is damaged" in note for note in index.notes)
    assert (ix / KEYWORDS_FILE).read_bytes() == b"not an npz file"  # a reader mends nothing
    with Index.open(ix) as index:
        index.add([_article(5)])
    assert KeywordIndex.load(ix / KEYWORDS_FILE, FTS_TOKENIZE) is not None  # saved anew


@pytest.mark.parametrize("title_weight", [2.0, 0.5])
def test_the_shared_index_agrees_with_fts5(shared_index, title_weight):
    keywords = KeywordIndex(FTS_TOKENIZE)
    keywords.add_rows(shared_index.store.db, 0)
    for query in ["When does the plastic bag ban take effect?", "Lavrov", "chess champion",
                  "What did transport chief Maria Keller say?"]:
        _same(shared_index.store, keywords, query, title_weight=title_weight)


def test_above_the_size_cap_fts5_serves_and_nothing_is_built(tmp_path, encoder, monkeypatch):
    import embeddings.index as index_module

    monkeypatch.setattr(index_module, "KEYWORDS_MAX_PASSAGES", 3)
    ix = tmp_path / "ix"
    with Index.open(ix) as index:
        index.add([_article(n) for n in range(1, 6)])
        index.warm()
        assert index.retriever.keywords is None
        assert index.search(Query("harbour project phase 4", k=1, mode="keyword"))[0] \
            .article.url == "https://t.example/4"
    assert not (ix / KEYWORDS_FILE).exists()
