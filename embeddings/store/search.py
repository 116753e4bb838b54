"""The read-only SQL of search: the retriever asks for what it needs here and holds no
SQL of its own."""
from __future__ import annotations

from collections.abc import Iterable


from ..records import Article, Copy

from .meta import MetaStore
from .sql import rows_in


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
        a short row, where cutting it from the body reads the body's overflow pages. It
        is read from FTS5's content table (`chunks_fts_content`, column `c1`: `text`)
        rather than through the virtual table, which costs a third more a search."""
        return list(rows_in(
            self.db, "SELECT c.id, c.article_id, a.published, a.title, f.c1 FROM chunks c "
            "JOIN articles a ON a.id = c.article_id JOIN chunks_fts_content f ON f.id = c.id "
            "WHERE c.id IN ({marks})", chunk_ids))

    def document_frequency(self, phrase: str) -> int:
        """How many chunks hold `phrase` (an FTS5 phrase, quoted)."""
        return self.db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?",
                               [phrase]).fetchone()[0]

    def chunk_rows(self, chunk_ids: Iterable[int]) -> dict[int, tuple[str, int, int]]:
        """chunk id -> (article id, start, end)."""
        return self.store.chunk_rows(chunk_ids)

    def articles(self, article_ids: Iterable[str]) -> dict[str, Article]:
        return self.store.get_articles(article_ids)

    def clusters_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """article id -> story cluster, for those of these articles in one."""
        return self.store.clusters_of(article_ids)

    def copies_of(self, article_ids: Iterable[str]) -> dict[str, list[Copy]]:
        """article id -> the other copies of its story, earliest first."""
        return self.store.copies_of(article_ids)
