"""newsdesk's retrieval engine: articles in, ranked passages out. Knows no UI and no LLM.

Its names load on first use (PEP 562): `embeddings.encoder` alone can start loading the
model before the rest of the engine is imported."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import lazy_names

if TYPE_CHECKING:
    from .chunking import ChunkerSettings, chunk_article
    from .index import (AddReport, DiskFullError, Index, IndexDamagedError, IndexMismatchError,
                        ReadOnlyIndexError)
    from .query import Filters, Query
    from .readers import Skipped, read_paths
    from .records import Article, Chunk, Hit

_WHERE = {"ChunkerSettings": ".chunking", "chunk_article": ".chunking",
          "AddReport": ".index", "Index": ".index", "IndexMismatchError": ".index",
          "IndexDamagedError": ".index", "ReadOnlyIndexError": ".index",
          "DiskFullError": ".index",
          "Filters": ".query", "Query": ".query", "Skipped": ".readers", "read_paths": ".readers",
          "Article": ".records", "Chunk": ".records", "Hit": ".records"}
__all__ = ["Index", "IndexMismatchError", "IndexDamagedError", "ReadOnlyIndexError",
           "DiskFullError", "AddReport",
           "Article", "Chunk", "Hit", "Skipped", "ChunkerSettings", "chunk_article", "read_paths",
           "Query", "Filters"]

__getattr__ = lazy_names(__name__, _WHERE)
