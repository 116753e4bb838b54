"""What travels between the stages: one Arrow row an item read, in the order read.

A row is an article to embed ("article"), an article the index holds already, of which only
its id, hash and source travel ("unchanged"), or input that was not read ("skipped").
Chunking adds the article's chunk spans and MinHash signature, embedding its vectors (as
float32 bytes, a passage after another).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from ..readers import Skipped
from ..records import Article, Chunk, source_text

ARTICLE, UNCHANGED, SKIPPED = "article", "unchanged", "skipped"

READ = pa.schema([
    ("kind", pa.string()), ("id", pa.string()), ("content_hash", pa.string()),
    ("title", pa.string()), ("body", pa.large_string()), ("url", pa.string()),
    ("outlet", pa.string()), ("authors", pa.list_(pa.string())), ("published", pa.string()),
    ("source_file", pa.string()), ("source_line", pa.int64()), ("source_record", pa.int64()),
    ("reason", pa.string()),
])
CHUNKED = READ.append(pa.field("starts", pa.list_(pa.int64()))) \
    .append(pa.field("ends", pa.list_(pa.int64()))) \
    .append(pa.field("tokens", pa.list_(pa.int64()))) \
    .append(pa.field("signature", pa.binary()))
EMBEDDED = CHUNKED.append(pa.field("vectors", pa.large_binary()))


@dataclass(frozen=True)
class Known:
    """An article the index holds unchanged: what the writer needs of it (`ingest.Scanner`)."""

    id: str
    content_hash: str
    source_file: str | None
    source_line: int | None
    source_record: int | None

    @property
    def source(self) -> str | None:
        return source_text(self.source_file, self.source_line, self.source_record)


def digest(article_id: str, content_hash: str) -> int:
    """64 bits of (id, content hash): how a read task tells an article the index holds
    unchanged without the index's whole table of hashes."""
    key = f"{article_id}:{content_hash}".encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")


def digests(known: dict[str, str]) -> np.ndarray:
    """The sorted digests of every stored article (8 bytes each, for `np.searchsorted`)."""
    out = np.fromiter((digest(a, h) for a, h in known.items()), dtype=np.uint64,
                      count=len(known))
    out.sort()
    return out


def holds(sorted_digests: np.ndarray, value: int) -> bool:
    i = int(np.searchsorted(sorted_digests, np.uint64(value)))
    return i < len(sorted_digests) and int(sorted_digests[i]) == value


def article_row(article: Article, unchanged: bool = False) -> dict:
    """An article's row; an unchanged one's keeps its id, hash and source alone."""
    row = {"kind": ARTICLE, "id": article.id, "content_hash": article.content_hash,
           "title": article.title, "body": article.body, "url": article.url,
           "outlet": article.outlet, "authors": list(article.authors),
           "published": article.published.isoformat() if article.published else None,
           "source_file": article.source_file, "source_line": article.source_line,
           "source_record": article.source_record, "reason": None}
    if unchanged:
        row.update(kind=UNCHANGED, title=None, body=None, url=None, outlet=None, authors=[],
                   published=None)
    return row


def skipped_row(skipped: Skipped) -> dict:
    return {"kind": SKIPPED, "id": None, "content_hash": None, "title": None, "body": None,
            "url": None, "outlet": None, "authors": [], "published": None,
            "source_file": skipped.file, "source_line": skipped.line,
            "source_record": skipped.record, "reason": skipped.reason}


def to_article(row: dict) -> Article:
    published = row["published"]
    return Article(title=row["title"] or "", body=row["body"] or "", url=row["url"],
                   outlet=row["outlet"], authors=tuple(row["authors"] or ()),
                   published=date.fromisoformat(published) if published else None,
                   source_file=row["source_file"], source_line=row["source_line"],
                   source_record=row["source_record"], id=row["id"])


def to_item(row: dict) -> Article | Known | Skipped:
    """The item a row stands for, as the writer's scanner takes it."""
    if row["kind"] == SKIPPED:
        return Skipped(row["source_file"], row["reason"], row["source_line"],
                       row["source_record"])
    if row["kind"] == UNCHANGED:
        return Known(row["id"], row["content_hash"], row["source_file"], row["source_line"],
                     row["source_record"])
    return to_article(row)


def chunks_of(row: dict, article: Article) -> list[Chunk]:
    from ..chunking import article_chunks

    return article_chunks(article, zip(row["starts"], row["ends"], row["tokens"]))


def vectors_of(row: dict, dim: int) -> np.ndarray:
    return np.frombuffer(row["vectors"] or b"", dtype=np.float32).reshape(-1, dim)


def signature_of(row: dict) -> np.ndarray | None:
    from ..duplicates import from_blob

    return from_blob(row["signature"]) if row["signature"] else None
