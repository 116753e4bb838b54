"""Keyword search in memory: the FTS5 table's bm25, computed from postings held in numpy.

SQLite's `bm25()` is an auxiliary function called once for every row that matches any
query term; a question of ten or more words matches most of the corpus, and that costs
~30 ms a query on news-5k, more than the rest of a warm search together. This holds the
same postings in arrays and scores a query in a few milliseconds.

The scores are FTS5's own, bit for bit (the tests compare them): the same formula and
constants (k1 1.2, b 0.75, idf floored at 1e-6, column weights on term frequencies, the
row's length over all columns), the same statistics over the whole table, and the same
terms: each distinct surface word becomes a term through FTS5's own tokenizer (an
in-memory table with the index's tokenizer). Words are split from the text here; a row
that holds a character the split here and unicode61 read differently (a token character to
one, a separator to the other: FTS5 is asked once per character), or where the split does
not count the tokens FTS5 counted (its `docsize`), is tokenised by FTS5 itself instead: an
odd character can slow the build, never change a score.

Postings live in segments: the first from a full build or the cache file, one more for
each batch of rows added later; rows removed are masked out. `keywords.cache` (numpy's
.npz, written whole and renamed into place) saves the lot for the next process, which
checks it against the table's chunk ids and reads only the rows added since.
"""
from __future__ import annotations

import math
import os
import re
import sqlite3
import threading
import zipfile
from pathlib import Path

import numpy as np

from .durable import publish

K1 = 1.2
B = 0.75
FORMAT = 1
_WORD = re.compile(r"[^\W_]+")  # letters and digits: unicode61's token characters, nearly


def _varints(blob: bytes) -> list[int]:
    """SQLite varints, as FTS5 writes a row's column sizes into `docsize`."""
    out, value = [], 0
    for byte in blob:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            out.append(value)
            value = 0
    return out


class TermMapper:
    """Surface words to FTS5 terms, as the index's tokenizer makes them (remembered)."""

    def __init__(self, tokenize: str):
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, content='', "
                        f"tokenize = {tokenize!r})")
        self.db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
        self.known: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()  # one connection, whichever thread searches
        self._chars: dict[str, bool] = {}  # non-ASCII character -> read differently

    def tokens(self, texts: list[str]) -> list[list[str]]:
        """FTS5's terms of each text, in order."""
        found: list[list[tuple[int, str]]] = [[] for _ in texts]
        with self._lock, self.db:
            self.db.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)",
                                [(i + 1, t) for i, t in enumerate(texts)])
            for doc, term, offset in self.db.execute("SELECT doc, term, offset FROM v"):
                found[doc - 1].append((offset, term))
            self.db.execute("INSERT INTO t(t) VALUES ('delete-all')")
        return [[term for _, term in sorted(row)] for row in found]

    def learn(self, words) -> None:
        """Learn the terms of the `words` not seen yet."""
        todo = [w for w in words if w not in self.known]
        for i in range(0, len(todo), 20_000):
            part = todo[i:i + 20_000]
            for word, terms in zip(part, self.tokens(part)):
                self.known[word] = tuple(terms)

    def doubtful(self, texts: list[str]) -> frozenset[str]:
        """The characters in `texts` that the split here (`_WORD`) and FTS5 read
        differently, one as a token character and the other as a separator (FTS5 is
        asked once per character)."""
        chars = set().union(*map(set, texts)) - self._chars.keys()
        chars = sorted(c for c in chars if c > "\x7f")
        if chars:
            for c, terms in zip(chars, self.tokens([f"a{c}b" for c in chars])):
                self._chars[c] = (len(terms) == 1) != bool(_WORD.fullmatch(f"a{c}b"))
        return frozenset(c for c, differs in self._chars.items() if differs)

    def term(self, word: str) -> str | None:
        """The one term FTS5 makes of `word`, or None where it makes none or several."""
        if word not in self.known:
            self.learn([word])
        terms = self.known[word]
        return terms[0] if len(terms) == 1 else None


def _idf(n_rows: int, df: int) -> float:
    """FTS5's idf: log((N - n + 0.5) / (n + 0.5)), floored at 1e-6."""
    idf = math.log((n_rows - df + 0.5) / (df + 0.5))
    return idf if idf > 0.0 else 1e-6


class _Segment:
    """Postings of some rows: for term t, rows `pos[offsets[t]:offsets[t + 1]]` with
    their (title, text) counts `tf`."""

    def __init__(self, offsets: np.ndarray, pos: np.ndarray, tf: np.ndarray):
        self.offsets, self.pos, self.tf = offsets, pos, tf

    @classmethod
    def of(cls, term: np.ndarray, pos: np.ndarray, col: np.ndarray, n_terms: int) -> "_Segment":
        """From tokens given as (term id, row position, column)."""
        rows = int(pos.max()) + 2 if len(pos) else 1
        key = np.sort((term * rows + pos) * 2 + col)
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        counts = np.diff(np.r_[starts, len(key)])
        key = key[starts]  # each (term, row, column) once
        pair = key // 2
        first = np.r_[True, pair[1:] != pair[:-1]]
        tf = np.zeros((int(first.sum()), 2), np.uint16)
        tf[np.cumsum(first) - 1, key % 2] = np.minimum(counts, 65535)
        pair = pair[first]
        return cls(np.searchsorted(pair // rows, np.arange(n_terms + 1)),
                   (pair % rows).astype(np.int32), tf)

    def postings(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        if t + 1 >= len(self.offsets):
            return self.pos[:0], self.tf[:0]
        lo, hi = self.offsets[t], self.offsets[t + 1]
        return self.pos[lo:hi], self.tf[lo:hi]


class KeywordIndex:
    """bm25 over the rows of an FTS5 table `chunks_fts` (title, text), in memory."""

    def __init__(self, tokenize: str):
        self.tokenize = tokenize
        self.mapper = TermMapper(tokenize)
        self.terms: dict[str, int] = {}
        self.segments: list[_Segment] = []
        self.chunk_ids = np.zeros(0, np.int64)  # row position -> chunk id, ascending
        self.lengths = np.zeros(0, np.float64)  # tokens over both columns
        self.live = np.zeros(0, bool)
        self.chunk_id = 0                       # the highest chunk id read
        self.unsaved = 0                        # rows added or removed since load or save
        self._word_ids: dict[str, int] = {}     # word -> term id, or -1
        self._stats: tuple[int, float] | None = None  # see _statistics

    # following the table ----------------------------------------------------------------
    def follow(self, db: sqlite3.Connection) -> bool:
        """Catch up with the table: drop the rows gone, read the rows added. False where
        this cannot be the same table's past: it lacks a row the table has, or counts
        another length for one."""
        rows = db.execute("SELECT id, sz FROM chunks_fts_docsize WHERE id <= ? ORDER BY id",
                          (self.chunk_id,)).fetchall()
        ids = np.array([r[0] for r in rows], np.int64)
        pos = np.searchsorted(self.chunk_ids, ids)
        if len(ids) and (pos.max() >= len(self.chunk_ids)
                         or not np.array_equal(self.chunk_ids[pos], ids)
                         or not self.live[pos].all()):
            return False
        if not np.array_equal(self.lengths[pos], [sum(_varints(r[1])) for r in rows]):
            return False
        gone = self.live.copy()
        gone[pos] = False
        self.live[gone] = False
        self._stats = None
        self.unsaved += int(gone.sum()) + self.add_rows(db, self.chunk_id)
        return True

    def add_rows(self, db: sqlite3.Connection, after: int) -> int:
        """Read the rows of `chunks_fts` with ids above `after`; returns how many."""
        rows = db.execute("SELECT f.rowid, f.title, f.text, d.sz FROM chunks_fts f "
                          "JOIN chunks_fts_docsize d ON d.id = f.rowid WHERE f.rowid > ? "
                          "ORDER BY f.rowid", (int(after),)).fetchall()
        if not rows:
            return 0
        titles: dict[str, list[str]] = {}
        words: list[str] = []  # every word of every row, title then text
        counts = np.zeros((len(rows), 2), np.int64)
        sizes = np.zeros((len(rows), 2), np.int64)
        for i, (_, title, text, size) in enumerate(rows):
            t_words = titles.get(title)
            if t_words is None:
                t_words = titles[title] = _WORD.findall(title or "")
            x_words = _WORD.findall(text or "")
            words += t_words
            words += x_words
            counts[i] = len(t_words), len(x_words)
            size = _varints(size)
            sizes[i] = size if len(size) == 2 else (-1, -1)
        term = self._ids(words)
        row = np.repeat(np.arange(len(rows)), counts.sum(axis=1))
        col = np.repeat(np.tile([0, 1], len(rows)), counts.ravel())
        # a row is read from the split words only where each word is one FTS5 token
        # and the counts agree with FTS5's; FTS5 tokenises the others
        exact = (sizes == counts).all(axis=1)
        exact &= np.bincount(row[term < 0], minlength=len(rows)) == 0
        exact &= ~self._doubtful_rows(rows)
        keep = exact[row]
        term, row, col = term[keep], row[keep], col[keep]
        redo = np.flatnonzero(~exact)
        if len(redo):
            more = self._by_fts([rows[i] for i in redo])
            term = np.concatenate([term, more[0]])
            row = np.concatenate([row, redo[more[1]]])
            col = np.concatenate([col, more[2]])
        base = len(self.chunk_ids)
        self.chunk_ids = np.concatenate([self.chunk_ids, [r[0] for r in rows]]).astype(np.int64)
        self.lengths = np.concatenate([self.lengths, sizes.sum(axis=1).astype(np.float64)])
        self.live = np.concatenate([self.live, np.ones(len(rows), bool)])
        self._stats = None
        self.segments.append(_Segment.of(term, row + base, col, len(self.terms)))
        self.chunk_id = max(self.chunk_id, int(rows[-1][0]))
        return len(rows)

    def _doubtful_rows(self, rows: list[tuple]) -> np.ndarray:
        """Which rows hold a character the split here and FTS5 read differently."""
        texts = [f"{r[1] or ''} {r[2] or ''}" for r in rows]
        odd = self.mapper.doubtful([t for t in texts if not t.isascii()])
        return np.array([not t.isascii() and not odd.isdisjoint(t) for t in texts], bool)

    def _ids(self, words: list[str]) -> np.ndarray:
        """Each word's term id (learnt through FTS5 on first sight); -1 where FTS5 makes
        no term or several of the word."""
        ids = self._word_ids
        new = set(words).difference(ids)
        self.mapper.learn(new)
        for word in new:
            terms = self.mapper.known[word]
            ids[word] = self._term_id(terms[0]) if len(terms) == 1 else -1
        return np.array(list(map(ids.__getitem__, words)), np.int64)

    def _by_fts(self, rows: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(term, row index, column) of rows tokenised by FTS5 itself."""
        texts = self.mapper.tokens([t or "" for r in rows for t in (r[1], r[2])])
        term, row, col = [], [], []
        for k, terms in enumerate(texts):
            term += [self._term_id(t) for t in terms]
            row += [k // 2] * len(terms)
            col += [k % 2] * len(terms)
        return (np.asarray(term, np.int64), np.asarray(row, np.int64),
                np.asarray(col, np.int64))

    def _term_id(self, term: str) -> int:
        t = self.terms.get(term)
        if t is None:
            t = self.terms[term] = len(self.terms)
        return t

    # searching ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.live.sum())

    def _statistics(self) -> tuple[int, float]:
        """(live rows, their mean length), kept until the rows change."""
        if self._stats is None:
            n_rows = int(self.live.sum())
            self._stats = n_rows, float(self.lengths[self.live].sum()) / max(n_rows, 1)
        return self._stats

    def search(self, words: list[str], n: int, title_weight: float,
               allowed: np.ndarray | None = None) -> list[tuple[int, float]] | None:
        """The best `n` chunks for `words` (each a phrase of its own, OR-ed, as
        `query.fts_query` writes them), best first, scored as FTS5's bm25 with the title
        weighted `title_weight` (higher is better). `allowed` chunk ids restrict the rows,
        not the statistics, as a join does in SQL. None where a word is not one FTS5
        token: only FTS5 can score that query."""
        self.mapper.learn(words)  # at once: one trip through FTS5 for the new words
        terms = []
        for word in words:
            term = self.mapper.term(word)
            if term is None:
                return None
            terms.append(term)
        live = self.live
        n_rows, avgdl = self._statistics()
        if n_rows == 0 or not terms:
            return []
        # every term's postings at once, in query order, as FTS5 adds up its phrases:
        # np.bincount sums each row's contributions in that order, from 0.0, as it does
        term_ids = [t for t in map(self.terms.get, terms) if t is not None]
        parts = [s.postings(t) for t in term_ids for s in self.segments]
        if not parts:
            return []
        pos = np.concatenate([p for p, _ in parts])
        tf = np.concatenate([f for _, f in parts])
        which = np.repeat(np.arange(len(parts)) // len(self.segments), [len(p) for p, _ in parts])
        keep = live[pos]
        pos, tf, which = pos[keep], tf[keep], which[keep]
        if not len(pos):
            return []
        df = np.bincount(which, minlength=len(term_ids))
        idf = np.array([_idf(n_rows, int(d)) for d in df])
        freq = tf.astype(np.float64) @ np.array([title_weight, 1.0])
        norm = K1 * (1 - B + B * self.lengths[pos] / avgdl)
        score = np.bincount(pos, idf[which] * ((freq * (K1 + 1.0)) / (freq + norm)),
                            minlength=len(live))
        hit = np.zeros(len(live), bool)
        hit[pos] = True
        found = np.flatnonzero(hit)
        if allowed is not None:
            found = found[np.isin(self.chunk_ids[found], allowed)]
        if len(found) > n:
            cut = np.partition(score[found], len(found) - n)[len(found) - n]
            found = found[score[found] >= cut]  # ties at the cut stay for the sort
        best = found[np.lexsort((self.chunk_ids[found], -score[found]))[:n]]
        return [(int(c), float(s)) for c, s in zip(self.chunk_ids[best], score[best])]

    # the cache file -----------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write everything to `path` as one segment, atomically."""
        terms = np.array(list(self.terms), dtype=object)
        pos = np.concatenate([s.pos for s in self.segments] or [np.zeros(0, np.int32)])
        tf = np.concatenate([s.tf for s in self.segments] or [np.zeros((0, 2), np.uint16)])
        term = np.concatenate([np.repeat(np.arange(len(s.offsets) - 1), np.diff(s.offsets))
                               for s in self.segments] or [np.zeros(0, np.int64)])
        order = np.lexsort((pos, term))
        offsets = np.searchsorted(term[order], np.arange(len(self.terms) + 1))
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as f:
                np.savez(f, format=np.array([FORMAT]), tokenize=np.array([self.tokenize]),
                         terms=np.array("\n".join(terms)), chunk_ids=self.chunk_ids,
                         lengths=self.lengths, live=self.live,
                         chunk_id=np.array([self.chunk_id]), offsets=offsets,
                         pos=pos[order], tf=tf[order])
            publish(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self.segments = [_Segment(offsets, pos[order], tf[order])]
        self.unsaved = 0

    @classmethod
    def load(cls, path: Path, tokenize: str) -> "KeywordIndex | None":
        """The index saved at `path`, or None where there is no usable one."""
        try:
            with np.load(path, allow_pickle=False) as data:
                if int(data["format"][0]) != FORMAT or str(data["tokenize"][0]) != tokenize:
                    return None
                out = cls(tokenize)
                text = str(data["terms"])
                out.terms = {t: i for i, t in enumerate(text.split("\n"))} if text else {}
                out.chunk_ids, out.lengths = data["chunk_ids"], data["lengths"]
                out.live, out.chunk_id = data["live"].copy(), int(data["chunk_id"][0])
                out.segments = [_Segment(data["offsets"], data["pos"], data["tf"])]
        except (OSError, KeyError, ValueError, IndexError, zipfile.BadZipFile, EOFError):
            return None
        if not (len(out.chunk_ids) == len(out.lengths) == len(out.live)
                and len(out.segments[0].offsets) == len(out.terms) + 1):
            return None
        return out
