"""newsdesk's retrieval engine: articles in, ranked passages out. Knows no UI and no LLM.

Its names load on first use (PEP 562): `embeddings.encoder` alone can start loading the
model before the rest of the engine is imported."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import lazy_names

if TYPE_CHECKING:
    from .chunking import ChunkerSettings, chunk_article
    from .errors import (BadInputError, DiskFullError, IndexDamagedError, IndexMismatchError,
                         IndexMissingError, IndexUnavailableError, NewsdeskError,
                         ReadOnlyIndexError)
    from .index import AddReport, Index
    from .query import Filters, Query
    from .readers import Skipped, read_paths
    from .records import Article, Chunk, Copy, Hit

_WHERE = {"ChunkerSettings": ".chunking", "chunk_article": ".chunking",
          "AddReport": ".index", "Index": ".index",
          **{name: ".errors" for name in (
              "NewsdeskError", "IndexUnavailableError", "IndexMissingError", "IndexMismatchError",
              "IndexDamagedError", "ReadOnlyIndexError", "DiskFullError", "BadInputError")},
          "Filters": ".query", "Query": ".query", "Skipped": ".readers", "read_paths": ".readers",
          "Article": ".records", "Chunk": ".records", "Copy": ".records", "Hit": ".records"}
__all__ = ["Index", "NewsdeskError", "IndexUnavailableError", "IndexMissingError",
           "IndexMismatchError", "IndexDamagedError", "ReadOnlyIndexError", "DiskFullError",
           "BadInputError", "AddReport",
           "Article", "Chunk", "Copy", "Hit", "Skipped", "ChunkerSettings", "chunk_article", "read_paths",
           "Query", "Filters"]

__getattr__ = lazy_names(__name__, _WHERE)
