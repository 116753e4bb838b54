"""The index directory: `meta.sqlite` (articles, chunks and their vectors) + `vectors.cache`.

A batch's articles, chunks and vectors commit in one SQLite transaction: a crash at any
point loses nothing committed and leaves nothing half recorded. `vectors.cache` is a FAISS
cache of the vectors: opening the index loads it and brings it up to date from SQLite
(adds the vectors past its watermark, drops the chunks deleted since), or rebuilds it from
SQLite when it is lost, damaged or of another kind; never by embedding again. Only a writer
(`add`, `remove`, `repair.repair`), holding the directory's write lock, saves it, by the
rule in `VectorFile.needs_saving`; readers never wait for the lock and mend nothing on
disk: a reader that rebuilt a damaged cache says so in `Index.notes`. A small index
(under `ann.EXACT_MAX` passages) has no cache file: its vectors are read from SQLite at
open and searched with numpy, without importing FAISS.

A warm index (`Index.warm`: a chat, a server, an evaluation) also holds the keyword
postings in memory (`keywords.KeywordIndex`), which writers save in `keywords.cache` by the
same rule.

Adding and removing articles is `writing.Writing`'s, which `Index` mixes in.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import ann
from .chunking import ChunkerSettings
from .encoder import Encoder, model_id
from .errors import (IndexDamagedError, IndexMismatchError, IndexMissingError,
                     ReadOnlyIndexError)
from .layout import KEYWORDS_FILE, META_FILE
from .locking import write_lock
from .records import Article, Hit
from .store import FTS_TOKENIZE, SCHEMA_VERSION, MetaStore, MigrationContext
from .store.schema import RETIRED_FILES
from .vectors import CACHE_FILE, SAVE_FRACTION, VectorFile, Watermark
from .writing import BATCH_CHUNKS, AddReport, Writing, embed_text  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from .keywords import KeywordIndex
    from .query import Query
    from .search import ArticleHit, Retriever

# Above this many passages the keyword postings are not held in memory (about 100 bytes a
# passage, and a build in Python of ~4 min a million): FTS5's own query serves instead.
KEYWORDS_MAX_PASSAGES = 500_000


class Index(Writing):
    """A searchable corpus of articles in one directory (its write side: `writing.Writing`)."""

    def __init__(self, path: Path, store: MetaStore, encoder: Encoder, chunker: ChunkerSettings):
        self.path = path
        self.store = store
        self.encoder = encoder
        self.chunker = chunker
        self.vectors: VectorFile
        self.cache_bytes_written = 0  # by this object, into vectors.cache
        self._retriever = None
        self._keywords: KeywordIndex | None = None  # held in memory once warm()
        self._warm = False
        self._version = store.data_version()  # the commits this view has taken in
        self._file = _identity(store.path)  # the database file this view reads
        self.notes: list[str] = []  # what opening found wrong and mended, for the user
        # an older schema must be migrated before anything reads it, so then we wait for
        # the lock; otherwise a busy writer is left alone and only a free lock saves
        behind = store.schema_version() < SCHEMA_VERSION
        # no lock where there is nothing to migrate or remove (a one-shot `ask` spent ~10 ms
        # importing filelock for it), nor where the reader may not write
        if store.read_only or not (behind or _retired_files_beside(path)):
            if behind:
                raise IndexMismatchError(
                    f"the index at {path} is of an older version and read-only here: open "
                    f"it once where it can be written (`newsdesk info`) to upgrade it")
            self._load_vectors(opening=True)
            return
        # a reader mends nothing on disk (issue 12): a damaged cache is rebuilt in memory for
        # this process, and saved by `newsdesk repair` or the next writer; only a migration,
        # which must run before anything reads, is saved here
        with write_lock(path, blocking=behind) as locked:
            migrated = (store.migrate(MigrationContext(path, encoder.dim, self._embed_chunks))
                        if locked else [])
            self._load_vectors(opening=True)
            if migrated:
                try:
                    self._save_vectors_if_due()
                except OSError:
                    pass  # e.g. a read-only directory: the view in memory serves as well

    # opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike, model: str | None = None,
             chunker: ChunkerSettings | None = None, create: bool = True) -> "Index":
        """Open (or create) the index at `path`; an index of an older schema is migrated.

        `model=None` uses the model the index was built with (the default for a new one);
        naming a different model than the manifest records is an `IndexMismatchError`; no
        index (with `create=False`) an `IndexMissingError`; a database SQLite finds damaged
        an `IndexDamagedError`.
        """
        path = Path(path)
        try:
            return cls._open(path, model, chunker, create)
        except sqlite3.OperationalError:
            raise  # locked, unreadable, a full disk: not damage
        except sqlite3.DatabaseError as exc:
            raise IndexDamagedError.unreadable(path, exc) from exc

    @classmethod
    def _open(cls, path: Path, model: str | None, chunker: ChunkerSettings | None,
              create: bool) -> "Index":
        meta = path / META_FILE
        if not meta.exists():
            if not create:
                raise IndexMissingError(f"no index at {path} (build one with `newsdesk index "
                                        f"PATH... --index {path}`)")
            path.mkdir(parents=True, exist_ok=True)
        elif meta.stat().st_size == 0 and _index_files_beside(path):
            raise IndexDamagedError(
                f"{meta} is empty, beside the other files of an index: it was truncated. "
                f"Restore it from a backup, or index the articles again into a new directory")
        existed = meta.exists()
        store = MetaStore(meta, read_only=existed and not _writable(path, meta))
        try:
            manifest = store.manifest()
            if not manifest and (store.read_only or (existed and store.count_articles())):
                raise IndexDamagedError(
                    f"{meta} holds no index manifest (which model and chunker built it)"
                    + ("" if store.read_only else f": `newsdesk repair --index {path}` "
                       f"finds it from the stored passages, where it can"))
            if manifest:
                built_with = manifest.get("model")
                if model is not None and model_id(model) != built_with:
                    raise IndexMismatchError(
                        f"the index at {path} was built with the embedding model "
                        f"{built_with!r}, not {model_id(model)!r}; use that model, or index "
                        f"into a new directory with --index")
                model = str(built_with)
                stored_chunker = ChunkerSettings(int(manifest["max_tokens"]),
                                                 str(manifest["token_encoding"]))
                if chunker is not None and chunker != stored_chunker:
                    raise IndexMismatchError(
                        f"the index at {path} was built with chunker settings "
                        f"{stored_chunker.as_manifest()}, not {chunker.as_manifest()}; "
                        f"index into a new directory to change them")
                chunker = stored_chunker
                if store.schema_version() > SCHEMA_VERSION:
                    raise IndexMismatchError(
                        f"the index at {path} has schema version {store.schema_version()}, "
                        f"this newsdesk reads up to {SCHEMA_VERSION}; upgrade newsdesk")
            encoder = Encoder(model)
            chunker = chunker or ChunkerSettings()
            if not manifest:
                store.write_manifest({"model": encoder.model_id, "dim": encoder.dim,
                                      "index_id": new_index_id(),
                                      **chunker.as_manifest()})
            elif int(manifest["dim"]) != encoder.dim:
                raise IndexMismatchError(f"the index at {path} holds {manifest['dim']}-dimensional "
                                         f"vectors; the model gives {encoder.dim}")
            return cls(path, store, encoder, chunker)
        except BaseException:
            store.close()
            raise

    @property
    def read_only(self) -> bool:
        """Opened where it may not be written (a read-only disk or directory, another
        user's index): searches and answers work, `add` and `remove` refuse."""
        return self.store.read_only

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise ReadOnlyIndexError(f"the index at {self.path} is read-only here: it can be "
                                     f"searched, not changed")

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _embed_chunks(self, chunk_ids: list[int]) -> np.ndarray:
        """Embed stored chunks again (only a migration needs to: vectors are kept)."""
        rows = self.store.chunk_rows(chunk_ids)
        articles = self.store.get_articles({aid for aid, _, _ in rows.values()})
        parts = [np.zeros((0, self.encoder.dim), dtype=np.float32)]
        for i in range(0, len(chunk_ids), BATCH_CHUNKS):
            texts = []
            for cid in chunk_ids[i:i + BATCH_CHUNKS]:
                aid, s, e = rows[cid]
                texts.append(embed_text(articles[aid], articles[aid].body[s:e]))
            parts.append(self.encoder.encode(texts))
        return np.concatenate(parts)

    # the vector cache ------------------------------------------------------------------
    def _load_vectors(self, opening: bool = False) -> None:
        """The saved cache brought up to date from SQLite, or else rebuilt from SQLite
        (on opening, a note says so and how to save it)."""
        with self.store.snapshot():
            kind = ann.kind_for(self.store.chunk_census()[0])
            if kind != ann.EXACT:  # a small index is read from SQLite alone, without FAISS
                cache = VectorFile.load(self.path / CACHE_FILE, self.cache_key(),
                                        self.encoder.dim)
                if cache is not None:
                    self.vectors = cache
                    cache.keep_half_copy(self._warm)
                    if self._catch_up() and self._holds_every_chunk():
                        return
                if opening and cache is None:
                    self._note_lost_cache()
            self._rebuild_vectors(kind)

    def cache_key(self) -> str:
        """What `vectors.cache` must have been saved for: this model, and this index (a
        cache copied from another index of the same size is not taken for this one's).
        An index made before indexes had an id has one from its first repair."""
        index_id = self.store.manifest_value("index_id")
        return self.encoder.model_id + (f" index {index_id}" if index_id else "")

    def _cache_saved(self) -> bool:
        """Whether a writer has saved a vector cache file for this index (the manifest
        records its kind then; an exact search reads SQLite and keeps no file)."""
        return self.store.manifest_value("vector_index") not in (None, ann.EXACT)

    def _note_lost_cache(self) -> None:
        """Say that the vector cache is damaged, or lost since a writer saved it (before the
        first save, as while a first large batch is written, its absence is no damage)."""
        if (self.path / CACHE_FILE).exists():
            state = "damaged or of another model"
        elif self._cache_saved():
            state = "missing"
        else:
            return
        self.notes.append(f"{CACHE_FILE} is {state}: its vectors were read from {META_FILE} "
                          f"for this run, nothing embedded again; save it with `newsdesk "
                          f"repair --index {self.path}`")

    def _catch_up(self) -> bool:
        """Apply to the cache what SQLite committed past its watermark: the deletions
        logged, then the vectors added. False where it cannot: the log entries it needs
        were trimmed, or its kind of index cannot remove."""
        cache = self.vectors
        mark = cache.watermark
        if mark.deletion < self.store.deletions_trimmed():
            return False
        last_deletion, gone = self.store.deletions_after(mark.deletion)
        ids, vectors = self.store.vectors_after(mark.chunk_id, cache.dim)
        try:
            cache.remove(gone)
        except RuntimeError:
            return False
        cache.add(ids, vectors)
        cache.watermark = Watermark(int(ids[-1]) if len(ids) else mark.chunk_id, last_deletion)
        return True

    def _holds_every_chunk(self) -> bool:
        """A cheap check that the cache holds exactly SQLite's chunks (count and id sum)."""
        count, id_sum = self.store.chunk_census()
        ids = self.vectors.ids()
        return len(ids) == count and int(ids.sum()) == id_sum

    def _rebuild_vectors(self, kind: str) -> None:
        """The cache built afresh, of `kind`, from every vector SQLite holds."""
        with self.store.snapshot():
            last_deletion = self.store.last_deletion()
            ids, vectors = self.store.vectors_after(0, self.encoder.dim)
        self.vectors = VectorFile.build(kind, self.encoder.dim, ids, vectors,
                                        Watermark(int(ids[-1]) if len(ids) else 0, last_deletion))
        self.vectors.keep_half_copy(self._warm)

    def _sync_vectors(self) -> None:
        """Under the write lock: follow what was committed since the cache was loaded
        (by this writer's last batch, or by other writers meanwhile)."""
        with self.store.snapshot():
            if self._catch_up():
                return
        self._load_vectors()

    def _save_vectors_if_due(self) -> None:
        """Under the write lock, at most once per add() or remove() and on open: rebuild the
        cache when its kind no longer fits its size, save it when `needs_saving` says so,
        then trim the deletion log it has applied."""
        kind = ann.kind_for(len(self.vectors))
        if kind != self.vectors.kind:
            self._rebuild_vectors(kind)
        cache_file = self.path / CACHE_FILE
        if kind == ann.EXACT:
            # no file: a larger index's one goes; the deletion log is trimmed as a save would
            stale = cache_file.exists()
            cache_file.unlink(missing_ok=True)
            if not (stale or self.store.deletions_trimmed() < self.vectors.watermark.deletion
                    or self.store.manifest_value("vector_index") != kind):
                return
        else:
            if not cache_file.exists():
                self.vectors.saved = None  # lost since it was loaded or saved
            if not self.vectors.needs_saving():
                return
            self.cache_bytes_written += self.vectors.save(cache_file, self.cache_key())
        with self.store.transaction():
            self.store.trim_deletions(self.vectors.watermark.deletion)
            self.store.write_manifest({"vector_index": self.vectors.kind})

    # reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        self._follow_file()
        return self.store.count_articles()

    def stats(self) -> dict:
        self._follow_file()
        clusters, copies = self.store.cluster_count()
        return {"path": str(self.path), "articles": self.store.count_articles(),
                "chunks": self.store.count_chunks(), "vectors": len(self.vectors),
                "story_clusters": clusters, "clustered": copies,
                "feeds": self.store.count_feeds(),
                **self.store.manifest()}

    def check(self) -> list[str]:
        """What is damaged, each with how to mend it; [] when the index is whole. Reads
        every page of the database (SQLite's quick_check) and each cache file."""
        self._follow_file()
        try:
            found = self.store.quick_check()
            vectors, chunks = self.store.count_vectors(), self.store.count_chunks()
        except sqlite3.DatabaseError as exc:
            found, vectors, chunks = [str(exc)], 0, 0
        repair = f"`newsdesk repair --index {self.path}`"
        if found:
            return [f"{META_FILE}: {f}" for f in found[:10]] + [
                f"{META_FILE} is damaged: {repair} salvages every article that can still be "
                f"read into a new file and keeps the damaged one beside it"]
        problems = []
        if vectors != chunks:
            problems.append(f"{META_FILE}: {chunks} passages but {vectors} vectors: {repair} "
                            f"embeds the missing ones")
        if ann.kind_for(chunks) != ann.EXACT:
            cache = self.path / CACHE_FILE
            if cache.exists() and VectorFile.load(cache, self.cache_key(),
                                                  self.encoder.dim) is None:
                problems.append(f"{CACHE_FILE} is damaged or stale: {repair} rebuilds it "
                                f"from {META_FILE} (nothing is embedded again)")
            elif not cache.exists() and self._cache_saved():
                problems.append(f"{CACHE_FILE} is missing: {repair} rebuilds it from "
                                f"{META_FILE} (nothing is embedded again)")
        if (self.path / KEYWORDS_FILE).exists():
            from .keywords import KeywordIndex

            if KeywordIndex.load(self.path / KEYWORDS_FILE, FTS_TOKENIZE) is None:
                problems.append(f"{KEYWORDS_FILE} is damaged or stale: {repair} rebuilds it "
                                f"from {META_FILE}")
        return problems

    def date_span(self) -> tuple[date | None, date | None]:
        """The earliest and latest publication dates in the index."""
        self._follow_file()
        return self.store.date_span()

    def outlets(self) -> list[tuple[str, int]]:
        """(outlet, articles) for every named outlet, the largest first."""
        self._follow_file()
        return self.store.outlet_counts()

    def get(self, article_id: str) -> Article | None:
        self._follow_file()
        return self.store.get_article(article_id)

    def find(self, ref: str) -> Article | None:
        """The article with this id, or at this URL (as given or canonical)."""
        found = self.get(ref)
        if found is None:
            from .records import article_id_for
            from .urls import canonical_url

            found = self.get(article_id_for(canonical_url(ref), ""))
        return found

    def articles(self):
        self._follow_file()
        return self.store.iter_articles()

    # the keyword postings in memory ----------------------------------------------------
    def warm(self) -> "Index":
        """Get ready for many queries (a chat, a server, an evaluation): the encoder loaded,
        the keyword postings held in memory, so that keyword search skips FTS5's per-row
        bm25, and a flat index's vectors searched through a half-precision copy."""
        self.encoder.load()
        self._warm = True
        self.vectors.keep_half_copy()
        if self._keywords is None and self.store.count_chunks() <= KEYWORDS_MAX_PASSAGES:
            self._keywords = self._read_keywords(reader=True)
            self._retriever = None
        return self

    def _read_keywords(self, reader: bool = False) -> KeywordIndex:
        """The postings from `keywords.cache`, caught up with SQLite, or else built from
        the FTS5 table (seconds for news-5k), which a writer then saves; a reader says that
        the file is damaged and saves nothing."""
        from .keywords import KeywordIndex  # only a warm index or a writer holds postings

        cache = self.path / KEYWORDS_FILE
        with self.store.snapshot():
            keywords = KeywordIndex.load(cache, FTS_TOKENIZE)
            if keywords is None or not keywords.follow(self.store.db):
                if reader and cache.exists():
                    self.notes.append(f"{KEYWORDS_FILE} is damaged or of another index: its "
                                      f"postings were built from {META_FILE} for this run; "
                                      f"save them with `newsdesk repair --index {self.path}`")
                keywords = KeywordIndex(FTS_TOKENIZE)
                keywords.unsaved = keywords.add_rows(self.store.db, 0) or 1
        return keywords

    def _follow_keywords(self) -> None:
        """After a write: the postings in memory follow what was committed."""
        if self._keywords is None:
            return
        with self.store.snapshot():
            if not self._keywords.follow(self.store.db):
                self._keywords = None  # not this table's past: FTS5 serves until warm() again

    def _keep_keywords(self) -> None:
        """Under the write lock, after a write: keep `keywords.cache` in step (built the
        first time), so that a warm reader finds it ready."""
        if self._keywords is None:
            if self.store.count_chunks() > KEYWORDS_MAX_PASSAGES:
                return
            self._keywords = self._read_keywords()
            self._retriever = None
        # saved when the file lacks more than SAVE_FRACTION of the postings
        keywords = self._keywords
        if keywords is not None and keywords.unsaved > SAVE_FRACTION * max(len(keywords), 1):
            keywords.save(self.path / KEYWORDS_FILE)

    # searching -------------------------------------------------------------------------
    @property
    def retriever(self) -> Retriever:
        """The search over this index's parts; made again after a write or a vector reload
        (its document-frequency cache belongs to one state of the index)."""
        if self._retriever is None or self._retriever.vectors is not self.vectors:
            from .search import Retriever
            from .store import SearchQueries

            self._retriever = Retriever(SearchQueries(self.store), self.vectors, self.encoder,
                                        keywords=self._keywords)
        return self._retriever

    @contextlib.contextmanager
    def reading(self) -> Iterator["Index"]:
        """Everything read inside sees one committed state, and the vectors and keyword
        postings are caught up to it first: what other processes committed since the last
        read is taken in then, never half (a chat beside a running `newsdesk index`). Cheap
        when nothing was: SQLite's data_version says so. Searches read inside one each."""
        if self.store.db.in_transaction:  # already inside one
            yield self
            return
        self._follow_file()
        with self.store.snapshot():
            version = self.store.data_version()  # inside a snapshot: that snapshot's own
            if version != self._version:
                self._follow_commits()
                self._version = version
            yield self

    def _follow_file(self) -> None:
        """Where `newsdesk repair` has put a new database file in place of the one this
        view opened, read the new one (a stat a call: cheap beside any read)."""
        if _identity(self.store.path) not in (self._file, None):
            self._reopen()

    def _reopen(self) -> None:
        """Read the database file now at the path, and everything anew from it."""
        old = self.store
        self.store = MetaStore(old.path, read_only=old.read_only)
        old.close()
        self._file = _identity(self.store.path)
        self._version = self.store.data_version()
        self._load_vectors()
        if self._keywords is not None:
            self._keywords = self._read_keywords(reader=True)
        self._retriever = None

    def _follow_commits(self) -> None:
        """Inside a snapshot: take in the commits of other processes since this view."""
        if not (self._catch_up() and self._holds_every_chunk()):
            self._load_vectors()
        self._follow_keywords()
        self._retriever = None

    def search(self, query: Query | str) -> list[Hit]:
        """The best `query.k` chunks; filters apply inside the search, before top-k.
        A plain string is a `Query` with the defaults."""
        with self.reading():
            return self.retriever.search(_as_query(query))

    def search_articles(self, query: Query | str, passages: int = 2) -> list[ArticleHit]:
        """The best `query.k` distinct articles, each with its best `passages` chunks."""
        with self.reading():
            return self.retriever.search_articles(_as_query(query), passages=passages)

    def term_weights(self, words: list[str]) -> dict[str, float]:
        """How rare each word is in the index (BM25 idf over chunks)."""
        with self.reading():
            return self.retriever.term_weights(words)

    def unseen(self, words: list[str]) -> set[str]:
        """The words that no passage of the index holds."""
        with self.reading():
            return self.retriever.unseen(words)


def new_index_id() -> str:
    import secrets

    return secrets.token_hex(8)


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file is at `path` (device, inode); None where there is none."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _writable(path: Path, meta: Path) -> bool:
    """Whether this process may write the index: its directory and database (on a
    read-only disk neither is, even for root)."""
    return os.access(path, os.W_OK) and os.access(meta, os.W_OK)


def _index_files_beside(path: Path) -> bool:
    return any((path / name).exists() for name in (CACHE_FILE, KEYWORDS_FILE))


def _retired_files_beside(path: Path) -> bool:
    """Whether files of an earlier version lie in the index directory, to be removed."""
    return any((path / name).exists() for name in RETIRED_FILES)


def _as_query(query: Query | str) -> Query:
    from .query import Query

    return query if isinstance(query, Query) else Query(query)
