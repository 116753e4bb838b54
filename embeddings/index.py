"""The index directory: `meta.sqlite` + `vectors.faiss`, kept consistent with each other.

A batch is recorded in SQLite inside a transaction; its vectors are written (atomically)
before that transaction commits, and vectors it replaces are removed only after. One
writer at a time holds the directory's lock. On open (when no writer is busy), vectors
SQLite does not know are dropped and chunks without vectors are embedded again, so an
index opened after a crash is consistent and nothing recorded is lost.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .chunking import ChunkerSettings, chunk_article
from .encoder import Encoder, model_id
from .locking import write_lock
from .readers import Skipped, read_paths
from .records import Article, Hit
from .store import SCHEMA_VERSION, MetaStore
from .vectors import VectorFile

if TYPE_CHECKING:  # searching
    from .query import Query
    from .search import ArticleHit, Retriever

META_FILE = "meta.sqlite"
VECTOR_FILE = "vectors.faiss"
BATCH_CHUNKS = 2048  # chunks embedded and committed together
_SOURCE_LOCATION = re.compile(r"(?::\d+|#\d+)$")  # "file.jsonl:12" / "file.json#3" -> file


class IndexMismatchError(RuntimeError):
    """The index was built with another model or chunker than the one asked for."""


@dataclass
class AddReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "removed": self.removed, "chunks": self.chunks,
                "skipped": [{"source": s.source, "reason": s.reason} for s in self.skipped]}


ProgressFn = Callable[[int, int], None]  # (articles done, articles to embed)


def embed_text(article: Article, chunk_text: str) -> str:
    """What the model sees for a chunk: the headline gives the passage its context."""
    return f"{article.title}\n{chunk_text}"


class Index:
    """A searchable corpus of articles in one directory."""

    def __init__(self, path: Path, store: MetaStore, encoder: Encoder, chunker: ChunkerSettings):
        self.path = path
        self.store = store
        self.encoder = encoder
        self.chunker = chunker
        self.vectors = VectorFile(path / VECTOR_FILE, encoder.dim)
        self._retriever = None
        with write_lock(path, blocking=False) as locked:
            if locked:  # a busy writer's half-written batch is not ours to mend
                self._reconcile()

    # opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike, model: str | None = None,
             chunker: ChunkerSettings | None = None, create: bool = True) -> "Index":
        """Open (or create) the index at `path`.

        `model=None` uses the model the index was built with (the default for a new one);
        naming a different model than the manifest records is an `IndexMismatchError`.
        """
        path = Path(path)
        meta = path / META_FILE
        if not meta.exists():
            if not create:
                raise FileNotFoundError(f"no index at {path} (build one with `newsdesk index PATH`)")
            path.mkdir(parents=True, exist_ok=True)
        store = MetaStore(meta)
        try:
            manifest = store.manifest()
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
                if manifest.get("schema_version") != SCHEMA_VERSION:
                    raise IndexMismatchError(
                        f"the index at {path} has schema version "
                        f"{manifest.get('schema_version')}, this newsdesk reads {SCHEMA_VERSION}")
            encoder = Encoder(model)
            chunker = chunker or ChunkerSettings()
            if not manifest:
                store.write_manifest({"schema_version": SCHEMA_VERSION, "model": encoder.model_id,
                                      "dim": encoder.dim, **chunker.as_manifest()})
            elif int(manifest["dim"]) != encoder.dim:
                raise IndexMismatchError(f"the index at {path} holds {manifest['dim']}-dimensional "
                                         f"vectors; the model gives {encoder.dim}")
            return cls(path, store, encoder, chunker)
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _reconcile(self) -> None:
        """Drop vectors SQLite does not know; embed again the chunks whose vectors are missing."""
        in_faiss = set(self.vectors.ids().tolist())
        in_sql = self.store.all_chunk_ids()
        stray = in_faiss - in_sql
        missing = sorted(in_sql - in_faiss)
        if not stray and not missing:
            return
        self.vectors.remove(stray)
        rows = self.store.chunk_rows(missing)
        articles = self.store.get_articles({aid for aid, _, _ in rows.values()})
        for i in range(0, len(missing), BATCH_CHUNKS):
            ids = missing[i:i + BATCH_CHUNKS]
            texts = []
            for cid in ids:
                aid, s, e = rows[cid]
                texts.append(embed_text(articles[aid], articles[aid].body[s:e]))
            self.vectors.add(np.asarray(ids, dtype=np.int64), self.encoder.encode(texts))
        self.vectors.save()

    def _reload_vectors(self) -> None:
        """Under the write lock: read the durable vector file (another writer may have
        changed it, or a failed batch left ours stale) and mend what disagrees with SQLite."""
        self.vectors = VectorFile(self.path / VECTOR_FILE, self.encoder.dim)
        self._reconcile()

    # reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.store.count_articles()

    def stats(self) -> dict:
        return {"path": str(self.path), "articles": self.store.count_articles(),
                "chunks": self.store.count_chunks(), "vectors": len(self.vectors),
                **self.store.manifest()}

    def get(self, article_id: str) -> Article | None:
        return self.store.get_article(article_id)

    def articles(self):
        return self.store.iter_articles()

    # writing ---------------------------------------------------------------------------
    def add(self, items: Iterable[str | os.PathLike | Article], progress: ProgressFn | None = None,
            prune: bool = False) -> AddReport:
        """Index files, folders or Article objects.

        Unchanged articles (same content hash) cost nothing; changed ones are replaced.
        With `prune`, articles read earlier from files under the given paths that this
        run no longer finds are removed.
        """
        with write_lock(self.path):
            self._reload_vectors()
            return self._add(items, progress, prune)

    def _add(self, items, progress: ProgressFn | None, prune: bool) -> AddReport:
        report = AddReport()
        known = self.store.content_hashes()
        pending: dict[str, Article] = {}
        seen: dict[str, str] = {}
        items = list(items)
        paths = [i for i in items if not isinstance(i, Article)]
        articles = [i for i in items if isinstance(i, Article)]
        for item in list(read_paths(paths)) + articles:
            if isinstance(item, Skipped):
                report.skipped.append(item)
                continue
            if item.id in seen:
                report.skipped.append(Skipped(item.source or item.id,
                                              f"duplicate of {seen[item.id]} (same URL)"))
                continue
            seen[item.id] = item.source or item.id
            if known.get(item.id) == item.content_hash:
                report.unchanged += 1
            else:
                pending[item.id] = item
        todo = list(pending.values())
        if progress:
            progress(0, len(todo))
        done = 0
        batch: list[tuple[Article, list]] = []
        batch_chunks = 0
        for article in todo:
            chunks = chunk_article(article, self.chunker)
            batch.append((article, chunks))
            batch_chunks += len(chunks)
            if batch_chunks >= BATCH_CHUNKS:
                self._write_batch(batch, known, report)
                done += len(batch)
                if progress:
                    progress(done, len(todo))
                batch, batch_chunks = [], 0
        if batch:
            self._write_batch(batch, known, report)
            done += len(batch)
            if progress:
                progress(done, len(todo))
        if prune:
            report.removed = self._prune(paths, set(seen), report.skipped)
        return report

    def _write_batch(self, batch: list[tuple[Article, list]], known: dict[str, str],
                     report: AddReport) -> None:
        texts = [embed_text(a, c.text) for a, chunks in batch for c in chunks]
        vectors = self.encoder.encode(texts)
        self.store.begin()
        try:
            replaced = [a.id for a, _ in batch if a.id in known]
            old_ids = self.store.delete_articles(replaced)
            new_ids: list[int] = []
            for article, chunks in batch:
                new_ids += self.store.insert_article(article, chunks)
            # the new vectors are durable before the batch commits; the replaced ones go
            # only after, so a crash in between never loses the old version
            self.vectors.add(np.asarray(new_ids, dtype=np.int64), vectors)
            self.vectors.save()
            self.store.commit()
        except BaseException:
            self.store.rollback()
            self._reload_vectors()  # the in-memory vectors may hold the failed batch
            raise
        if old_ids:
            self.vectors.remove(old_ids)
            self.vectors.save()
        for article, chunks in batch:
            if article.id in known:
                report.updated += 1
            else:
                report.added += 1
            known[article.id] = article.content_hash
            report.chunks += len(chunks)
        self._retriever = None

    def remove(self, article_ids: Iterable[str]) -> int:
        """Remove articles by id; returns how many were there."""
        with write_lock(self.path):
            self._reload_vectors()
            return self._remove(article_ids)

    def _remove(self, article_ids: Iterable[str]) -> int:
        known = self.store.content_hashes()
        present = [a for a in dict.fromkeys(article_ids) if a in known]
        if not present:
            return 0
        self.store.begin()
        try:
            gone = self.store.delete_articles(present)
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise
        self.vectors.remove(gone)  # a crash before this leaves strays, dropped on open
        self.vectors.save()
        self._retriever = None
        return len(present)

    def _prune(self, paths: list, seen: set[str], skipped: list[Skipped]) -> int:
        """Articles read before from under `paths` and not seen now; a file that could not
        be read (wholly or in part) this time keeps its articles."""
        # sources are recorded as read_paths spells them, absolute but not resolved: so
        # are these, or a folder reached through a symlink would never match
        roots = [Path(p).absolute() for p in paths]
        unread = {Path(_SOURCE_LOCATION.sub("", s.source)).absolute() for s in skipped}
        stale = []
        for article_id, source in self.store.article_sources().items():
            if article_id in seen or not source:
                continue
            file = Path(_SOURCE_LOCATION.sub("", source))
            if file in unread:
                continue
            if any(file == r or r in file.parents for r in roots):
                stale.append(article_id)
        return self._remove(stale)

    # searching -------------------------------------------------------------------------
    @property
    def retriever(self) -> Retriever:
        """The search over this index's parts; made again after a write or a vector reload
        (its document-frequency cache belongs to one state of the index)."""
        if self._retriever is None or self._retriever.vectors is not self.vectors:
            from .search import Retriever
            from .store import SearchQueries

            self._retriever = Retriever(SearchQueries(self.store), self.vectors, self.encoder)
        return self._retriever

    def search(self, query: Query | str) -> list[Hit]:
        """The best `query.k` chunks; filters apply inside the search, before top-k.
        A plain string is a `Query` with the defaults."""
        return self.retriever.search(_as_query(query))

    def search_articles(self, query: Query | str, passages: int = 2) -> list[ArticleHit]:
        """The best `query.k` distinct articles, each with its best `passages` chunks."""
        return self.retriever.search_articles(_as_query(query), passages=passages)

    def term_weights(self, words: list[str]) -> dict[str, float]:
        """How rare each word is in the index (BM25 idf over chunks)."""
        return self.retriever.term_weights(words)


def _as_query(query: Query | str) -> Query:
    from .query import Query

    return query if isinstance(query, Query) else Query(query)
